import { describe, it, expect } from 'vitest';
import { RestError } from '@azure/core-rest-pipeline';
import { outageOf } from '../../shared/http/outages.js';
import { ArmAccessError, ArmNotFoundError, ArmRequestError, ArmTransientError } from '../../shared/arm/reader.js';

describe('outageOf: which dependency failed, when it is an outage', () => {
  it('table store: unreachable (RestError without a status, network codes), 5xx, 429, 408, timeouts', () => {
    for (const err of [
      new RestError('connect ECONNREFUSED 127.0.0.1:10002', { code: 'ECONNREFUSED' }),
      new RestError('socket hang up', { code: 'REQUEST_SEND_ERROR' }),
      new RestError('Server busy', { statusCode: 503 }),
      new RestError('Too many', { statusCode: 429 }),
      new RestError('Timeout', { statusCode: 408 }),
      Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }),
    ])
      expect(outageOf(err)?.dependency, err.message).toBe('tableStorage');
  });

  it('ARM throttling and outages, with its Retry-After; not access or request errors', () => {
    expect(
      outageOf(new ArmTransientError('throttled', { status: 429, code: 'TooManyRequests', retryAfterMs: 7000 })),
    ).toMatchObject({ dependency: 'arm', retryAfterSeconds: 7 });
    expect(outageOf(new ArmTransientError('unavailable', { status: 503, code: 'ServiceUnavailable' }))).toMatchObject({
      dependency: 'arm',
      retryAfterSeconds: 5,
    });
    expect(
      outageOf(new ArmTransientError('soon', { status: 429, code: 'TooManyRequests', retryAfterMs: 200 })),
    ).toMatchObject({ dependency: 'arm', retryAfterSeconds: 1 });
    expect(outageOf(new ArmAccessError('denied', { status: 403, code: 'AuthorizationFailed' }))).toBeUndefined();
    // request errors: the request itself is wrong (400), or what it names does not exist (404)
    expect(
      outageOf(new ArmRequestError('bad api-version', { status: 400, code: 'InvalidApiVersionParameter' })),
    ).toBeUndefined();
    expect(
      outageOf(new ArmNotFoundError('no such gallery', { status: 404, code: 'ResourceNotFound' })),
    ).toBeUndefined();
  });

  it('Service Bus and the identity endpoint', () => {
    expect(
      outageOf(Object.assign(new Error('down'), { name: 'ServiceBusError', code: 'ServiceCommunicationProblem' }))
        ?.dependency,
    ).toBe('serviceBus');
    expect(
      outageOf(Object.assign(new Error('busy'), { name: 'ServiceBusError', code: 'ServiceBusy' }))?.dependency,
    ).toBe('serviceBus');
    expect(
      outageOf(Object.assign(new Error('too big'), { name: 'ServiceBusError', code: 'MessageSizeExceeded' })),
    ).toBeUndefined();
    expect(outageOf(Object.assign(new Error('no token'), { name: 'CredentialUnavailableError' }))?.dependency).toBe(
      'identity',
    );
  });

  it('bugs and client errors are not outages', () => {
    for (const err of [
      new TypeError('x is undefined'),
      new RestError('Not found', { statusCode: 404 }),
      new RestError('Conflict', { statusCode: 409 }),
      'text',
      null,
      42,
    ])
      expect(outageOf(err)).toBeUndefined();
  });
});

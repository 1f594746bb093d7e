import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { waitFor } from '../support/wait.js';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime } from '../../dev/runtime/runtime.js';
import type { calls as Calls } from '../support/sample-app.js';

const root = path.resolve(import.meta.dirname, '../..');
let runtime: LocalRuntime;
let base: string;
let calls: typeof Calls;

beforeAll(async () => {
  const registry = await loadApp(root, ['test/support/sample-app.ts']);
  calls = (await import('../support/sample-app.js')).calls;
  runtime = new LocalRuntime(registry, {
    env: { SAMPLE_QUEUE: 'work', SAMPLE_SCHEDULE: '*/1 * * * * *' },
    onLog: () => undefined,
  });
  base = await runtime.start(0);
});
afterAll(async () => {
  await runtime.stop();
});
beforeEach(() => {
  calls.events.length = 0;
  calls.messages.length = 0;
  calls.hooks.length = 0;
});

const eg = (body: unknown, eventType?: string, fn = 'collect'): Promise<Response> =>
  fetch(`${base}/runtime/webhooks/eventgrid?functionName=${fn}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(eventType ? { 'aeg-event-type': eventType } : {}) },
    body: JSON.stringify(body),
  });

const event = (id: string, subject = '/subscriptions/x') => ({
  id,
  subject,
  eventType: 'Test.Event',
  eventTime: '2026-11-21T09:00:00Z',
  data: {},
  dataVersion: '1',
});

describe('HTTP triggers', () => {
  it('routes with parameters, methods, query, headers and JSON bodies through HttpRequest', async () => {
    const res = await fetch(`${base}/api/things/widgets/42?a=1&b=two`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'hello' },
      body: JSON.stringify({ n: 1 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({
      method: 'POST',
      params: { kind: 'widgets', id: '42' },
      query: { a: '1', b: 'two' },
      header: 'hello',
      body: { n: 1 },
      functionName: 'echo',
    });
  });

  it('serves optional parameters and other methods with their status codes', async () => {
    const res = await fetch(`${base}/api/things/widgets`, { method: 'PUT' });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { params: unknown }).params).toEqual({ kind: 'widgets' });
  });

  it('prefers literal segments over parameters', async () => {
    const res = await fetch(`${base}/api/things/special/latest`);
    expect(await res.json()).toEqual({ literal: true });
  });

  // The host has no 405: a method the function does not take fails its route's method constraint,
  // and a request no route serves gets ASP.NET Core's empty 404 (test/runtime/host-parity.test.ts has the sources).
  it('answers an empty 404 for unknown routes and for a wrong method, as the host', async () => {
    for (const res of [
      await fetch(`${base}/api/nothing-here`),
      await fetch(`${base}/api/things/a/b`, { method: 'DELETE' }),
    ]) {
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('');
    }
  });

  it('answers an empty 500 when the handler throws', async () => {
    const res = await fetch(`${base}/api/boom`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
  });

  it('runs pre- and post-invocation hooks around the handler', async () => {
    await fetch(`${base}/api/things/special/latest`);
    expect(calls.hooks).toEqual(['pre:fixed', 'post:fixed']);
  });
});

describe('Event Grid webhook', () => {
  it('answers the subscription validation handshake without invoking', async () => {
    const res = await eg(
      [{ id: '1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'abc-123' } }],
      'SubscriptionValidation',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: 'abc-123' });
    expect(calls.events).toHaveLength(0);
  });

  it('invokes once per event of a notification batch and answers 202', async () => {
    const res = await eg([event('a'), event('b'), event('c')], 'Notification');
    expect(res.status).toBe(202);
    expect(calls.events.map((e) => (e as { id: string }).id)).toEqual(['a', 'b', 'c']);
  });

  it('accepts a single event and CloudEvents 1.0', async () => {
    expect((await eg(event('single'), 'Notification')).status).toBe(202);
    const ce = {
      specversion: '1.0',
      id: 'ce1',
      source: '/subscriptions/x',
      type: 'Test.Event',
      time: '2026-11-21T09:00:00Z',
      data: {},
    };
    expect((await eg([ce], 'Notification')).status).toBe(202);
    expect(calls.events.map((e) => (e as { id: string }).id)).toEqual(['single', 'ce1']);
  });

  it('answers 500 when any invocation throws, after invoking every event', async () => {
    const res = await eg([event('ok1'), event('bad', 'throw'), event('ok2')], 'Notification');
    expect(res.status).toBe(500);
    expect(calls.events).toHaveLength(3);
  });

  it('answers 202 to Unsubscribe, 400 without or with an unknown header, 404 for an unknown function', async () => {
    expect((await eg([event('u')], 'Unsubscribe')).status).toBe(202);
    expect((await eg([event('n')])).status).toBe(400);
    expect((await eg([event('n')], 'Bogus')).status).toBe(400);
    expect((await eg([event('n')], 'Notification', 'nope')).status).toBe(404);
    expect((await eg([event('n')], 'Notification', 'echo')).status).toBe(404);
    expect(calls.events).toHaveLength(0);
  });

  it('answers 400 to a notification that is not JSON', async () => {
    const res = await fetch(`${base}/runtime/webhooks/eventgrid?functionName=collect`, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification' },
      body: 'not json',
    });
    expect(res.status).toBe(400);
  });

  it('answers the CloudEvents OPTIONS abuse-protection handshake', async () => {
    const res = await fetch(`${base}/runtime/webhooks/eventgrid?functionName=collect`, {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net', 'WebHook-Request-Rate': '120' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(res.headers.get('webhook-allowed-rate')).toBe('*');
  });
});

describe('Service Bus trigger', () => {
  it('is disabled with a clear notice when its connection is not configured', () => {
    expect(runtime.notices.join('\n')).toMatch(
      /queueWork: Service Bus trigger disabled: the connection setting 'SampleServiceBus' is not set/,
    );
    expect(runtime.describe().join('\n')).toMatch(/queueWork: serviceBusTrigger queue=work \(disabled\)/);
  });

  it('delivers a message as the host does: JSON body, metadata, complete or abandon', async () => {
    const done = await runtime.deliverServiceBusMessage('queueWork', {
      body: Buffer.from('{"n":1}'),
      messageId: 'm1',
      sessionId: 's1',
      deliveryCount: 2,
    });
    expect(done).toBe('complete');
    expect(calls.messages[0]).toMatchObject({
      body: { n: 1 },
      metadata: { messageId: 'm1', sessionId: 's1', deliveryCount: 2 },
    });
    const failed = await runtime.deliverServiceBusMessage('queueWork', {
      body: { fail: true },
      messageId: 'm2',
      sessionId: 's1',
    });
    expect(failed).toBe('abandon');
  });
});

describe('timer triggers and admin invocation', () => {
  it('runs a timer on its schedule (binding expression resolved from settings)', async () => {
    const before = calls.timers;
    // every second: two runs come, with nothing but the schedule to run it
    await waitFor('two scheduled runs', () => calls.timers >= before + 2, { timeoutMs: 10_000 });
  });

  it('runs a non-HTTP function once on POST /admin/functions/{name}, with the input given', async () => {
    // A queue function: nothing else runs it here, so each run counted is the admin call's.
    const marker = randomUUID();
    const runs = () => calls.messages.filter((m) => (m.body as { marker?: string } | undefined)?.marker === marker);
    const res = await fetch(`${base}/admin/functions/queueWork`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: JSON.stringify({ marker }) }),
    });
    expect(res.status).toBe(202);
    await waitFor('the run', () => runs().length > 0);
    // a second run of the same call would have started with the first: none
    await new Promise((r) => setImmediate(r));
    expect(runs().map((m) => m.body)).toEqual([{ marker }]);
    // FunctionsController.Invoke: no `{"input": ...}` body is a 400; HTTP functions are not run this way here.
    expect((await fetch(`${base}/admin/functions/queueWork`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${base}/admin/functions/echo`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('lists every function with how to reach it', () => {
    const text = runtime.describe().join('\n');
    expect(text).toContain(`echo: [POST,PUT] ${base}/api/things/{kind}/{id?}`);
    expect(text).toContain(`collect: eventGridTrigger ${base}/runtime/webhooks/eventgrid?functionName=collect`);
    expect(text).toContain('tick: timerTrigger schedule=*/1 * * * * *');
  });
});

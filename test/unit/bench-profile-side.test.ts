/**
 * The bench profile's split by side (test/bench/profile.ts `sideOf`): stacks as V8's sampling
 * profiler gives their frames' URLs (leaf first), taken from a profile of the cascade phase.
 */
import { describe, it, expect } from 'vitest';
import { sideOf } from '../bench/profile.js';

const ROOT = 'file:///srv/app';

describe('bench profile: the side of a sample', () => {
  it('counts the response write the local runtime makes after the invocation as the host', () => {
    // writev < Socket._writev < ... < ServerResponse.end < execute (runtime.js) < runMicrotasks
    expect(
      sideOf([
        '',
        'node:net',
        'node:internal/streams/writable',
        'node:_http_outgoing',
        `${ROOT}/dist/dev/runtime/runtime.js`,
        '',
      ]),
    ).toBe('host');
  });

  it('counts parsing a client request on the server as the host', () => {
    expect(sideOf(['node:_http_common', 'node:_http_server', 'node:events', 'node:net'])).toBe('host');
  });

  it('counts the host calling into the worker as the worker from there on', () => {
    expect(
      sideOf([
        `${ROOT}/node_modules/@azure/functions/dist/azure-functions.js`,
        `${ROOT}/dist/dev/runtime/worker.js`,
        `${ROOT}/dist/dev/runtime/runtime.js`,
        'node:_http_server',
      ]),
    ).toBe('worker');
  });

  it("counts the table client's requests and their answers as the worker", () => {
    expect(
      sideOf([
        '',
        'node:net',
        'node:_http_client',
        `${ROOT}/node_modules/@azure/core-rest-pipeline/dist/esm/nodeHttpClient.js`,
      ]),
    ).toBe('worker');
    expect(sideOf(['node:_http_common', 'node:_http_client', 'node:events'])).toBe('worker');
    expect(sideOf([`${ROOT}/dist/shared/catalog/json-props.js`])).toBe('worker');
  });

  it('leaves garbage collection and the microtask loop to neither', () => {
    expect(sideOf([])).toBe('neither');
    expect(sideOf(['node:internal/process/task_queues'])).toBe('neither');
  });
});

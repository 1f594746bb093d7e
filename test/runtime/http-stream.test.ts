import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type http from 'node:http';
import path from 'node:path';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime, type LogLine } from '../../dev/runtime/runtime.js';
import type { FunctionRegistry } from '../../dev/runtime/functions-core.js';
import type { progress as Progress, closeGate as CloseGate } from '../support/stream-app.js';
import { chunkedPost, declaredPost, rawRequest } from '../support/raw-http.js';

// HTTP streaming (app.setup({ enableHttpStream: true })) on the local runtime, as the host does it:
// the request is forwarded as it arrives to the proxy the app's @azure/functions opens in the worker
// and the answer comes back the same way (Azure/azure-functions-host
// src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs; Azure/azure-functions-nodejs-library
// src/http/httpProxy.ts, src/http/HttpRequest.ts createStreamRequest). A 512 MiB upload and a
// 512 MiB download: the function sees the first bytes of the upload before the client has sent the
// rest, the client gets the first bytes of the download before the function has produced the rest,
// and the process (runtime and app together; the client is another process) grows by well under
// 100 MB while they move.

const root = path.resolve(import.meta.dirname, '../..');
const BIG = 512 * 1024 * 1024;
const MB = 1024 * 1024;
let registry: FunctionRegistry;
let runtime: LocalRuntime;
let base: string;
let progress: typeof Progress;
let closeGate: typeof CloseGate;
const logs: LogLine[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  registry = await loadApp(root, ['test/support/stream-app.ts']);
  ({ progress, closeGate } = await import('../support/stream-app.js'));
  runtime = new LocalRuntime(registry, {
    env: { FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(1024 * MB) },
    onLog: (l) => logs.push(l),
  });
  base = await runtime.start(0);
});
afterAll(async () => {
  for (const child of children) child.kill();
  await runtime.stop();
});

/**
 * The client, in a process of its own (so the memory measured here is the runtime's and the app's
 * only). `upload`: sends `total` bytes chunked, stops after `pauseAt` until told to go on;
 * `download`: reads the body, reporting the first bytes as they arrive. Messages over IPC.
 */
const CLIENT = `
const http = require('node:http');
const [mode, port, target, total, pauseAt] = process.argv.slice(1);
const send = (m) => process.send(m);
if (mode === 'upload') {
  const req = http.request({ host: '127.0.0.1', port: Number(port), method: 'POST', path: target, headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (text += d));
    res.on('end', () => send({ done: true, status: res.statusCode, body: text }));
  });
  req.on('error', (e) => send({ error: e.message }));
  const chunk = Buffer.alloc(256 * 1024, 0x62);
  let sent = 0;
  let paused = false;
  const pump = () => {
    while (sent < Number(total)) {
      if (!paused && sent >= Number(pauseAt)) {
        paused = true;
        send({ paused: sent });
        process.once('message', () => pump());
        return;
      }
      const n = Math.min(chunk.length, Number(total) - sent);
      sent += n;
      if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        req.once('drain', pump);
        return;
      }
    }
    req.end();
    send({ sent });
  };
  pump();
} else {
  http.get({ host: '127.0.0.1', port: Number(port), path: target }, (res) => {
    let bytes = 0;
    res.on('data', (d) => {
      if (bytes === 0) send({ first: d.length, status: res.statusCode });
      bytes += d.length;
    });
    res.on('end', () => send({ done: true, status: res.statusCode, bytes }));
  }).on('error', (e) => send({ error: e.message }));
}
`;

interface ClientMessage {
  done?: boolean;
  status?: number;
  body?: string;
  bytes?: number;
  paused?: number;
  first?: number;
  sent?: number;
  error?: string;
}

function client(args: string[]): {
  child: ChildProcess;
  next: (predicate: (m: ClientMessage) => boolean) => Promise<ClientMessage>;
} {
  const child = spawn(process.execPath, ['-e', CLIENT, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const seen: ClientMessage[] = [];
  const waiters: {
    predicate: (m: ClientMessage) => boolean;
    resolve: (m: ClientMessage) => void;
    reject: (e: Error) => void;
  }[] = [];
  child.on('message', (m: ClientMessage) => {
    if (m.error) {
      for (const w of waiters.splice(0)) w.reject(new Error(`client: ${m.error}`));
      return;
    }
    seen.push(m);
    for (const w of [...waiters]) {
      if (w.predicate(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const next = (predicate: (m: ClientMessage) => boolean): Promise<ClientMessage> => {
    const already = seen.find(predicate);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => waiters.push({ predicate, resolve, reject }));
  };
  return { child, next };
}

/** The most the resident set grew above `baseline` while `work` ran (sampled every 20 ms). */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

const raw = (method: string, target: string, headers: http.OutgoingHttpHeaders = {}, body?: string | string[]) =>
  rawRequest(base, method, target, headers, body);

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a streamed request as the function sees it', () => {
  it('request.url from the Host header (the proxy gets it as X-Forwarded-Host), route parameters, query, headers, a chunked body', async () => {
    const answer = await raw(
      'POST',
      '/api/info/7?a=1&a=2',
      {
        host: 'streams.example.test',
        'x-forwarded-host': 'elsewhere.test',
        'x-test': 'yes',
        'content-type': 'text/plain',
      },
      ['chunked ', 'body'],
    );
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body).toEqual({
      url: 'http://streams.example.test/api/info/7?a=1&a=2',
      params: { id: '7' },
      query: [
        ['a', '1'],
        ['a', '2'],
      ],
      header: 'yes',
      text: 'chunked body',
    });
    // The library writes the headers and cookies itself when it streams (src/http/httpProxy.ts
    // sendProxyResponse, with the `cookie` package), and the invocation id goes back to the client.
    expect(answer.headers['set-cookie']).toEqual(['streamed=a%20b; SameSite=Lax']);
    expect(answer.headers['x-ms-invocation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      logs.some(
        (l) =>
          l.message ===
          `Executed 'Functions.requestInfo' (Succeeded, Id=${String(answer.headers['x-ms-invocation-id'])}, Duration=${/Duration=(\d+)ms/.exec(l.message)?.[1] ?? ''}ms)`,
      ),
    ).toBe(true);
  });

  it('unknown routes stay empty 404s; a function that fails before answering is an empty 500, logged Failed', async () => {
    const unknown = await raw('GET', '/api/info');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toBe('');
    const broken = await raw('POST', '/api/broken', { 'content-type': 'text/plain' }, ['never ', 'read']);
    expect(broken.status).toBe(500);
    expect(broken.body).toBe('');
    expect(
      logs.some(
        (l) =>
          /^Executed 'Functions\.broken' \(Failed, /.test(l.message) &&
          l.exception === 'broken before reading its body',
      ),
    ).toBe(true);
  });

  it('the body limit still applies: a declared length over it is an empty 413 before the function runs; a chunked body is cut where it passes it', async () => {
    const small = new LocalRuntime(registry, { maxRequestBytes: MB, timers: false, onLog: () => undefined });
    const url = await small.start(0);
    try {
      expect((await declaredPost(url, '/api/upload', 2 * MB)).status).toBe(413);
      const chunked = await chunkedPost(url, '/api/upload', 4 * MB);
      // 413 when the answer could still be written; the connection is dropped otherwise.
      expect([0, 413]).toContain(chunked);
      expect(progress.uploaded).toBeLessThanOrEqual(MB);
    } finally {
      await small.stop();
    }
  });
});

describe('512 MiB each way, streamed', () => {
  // The baseline is the process after a 32 MiB transfer each way (the heap and the socket buffers at
  // their working size): what grows beyond it grows with the body.
  beforeAll(async () => {
    const up = client(['upload', new URL(base).port, '/api/upload', String(32 * MB), String(64 * MB)]);
    await up.next((m) => m.done === true);
    progress.open();
    const down = client(['download', new URL(base).port, `/api/download?bytes=${32 * MB}`]);
    await down.next((m) => m.done === true);
  }, 60_000);

  it('upload: the function reads the first bytes before the client sends the rest; memory stays flat', async () => {
    const { result, growth } = await peakGrowth(async () => {
      const { child, next } = client(['upload', new URL(base).port, '/api/upload', String(BIG), String(8 * MB)]);
      const paused = await next((m) => m.paused !== undefined);
      // The client has stopped sending: whatever the function has read came before the rest of the body.
      await waitFor(() => progress.uploaded > 0);
      const readWhilePaused = progress.uploaded;
      const started = performance.now();
      child.send({ go: true });
      const done = await next((m) => m.done === true);
      const seconds = (performance.now() - started) / 1000;
      child.kill();
      return { paused: paused.paused ?? 0, readWhilePaused, done, seconds };
    });
    expect(result.readWhilePaused).toBeGreaterThan(0);
    expect(result.readWhilePaused).toBeLessThanOrEqual(result.paused);
    expect(result.done.status).toBe(200);
    const chunk = Buffer.alloc(256 * 1024, 0x62);
    const hash = createHash('sha256');
    for (let i = 0; i < BIG / chunk.length; i++) hash.update(chunk);
    expect(JSON.parse(result.done.body ?? '{}')).toEqual({ bytes: BIG, sha256: hash.digest('hex') });
    console.log(
      `upload: ${BIG / MB} MiB; the function had read ${(result.readWhilePaused / MB).toFixed(1)} MiB while the client held the rest; rest in ${result.seconds.toFixed(1)} s; RSS growth ${(growth / MB).toFixed(1)} MB`,
    );
    expect(growth).toBeLessThan(100 * 1000 * 1000);
  }, 120_000);

  it('download: the client gets the first bytes before the function produces the rest; memory stays flat', async () => {
    closeGate();
    const { result, growth } = await peakGrowth(async () => {
      const { child, next } = client(['download', new URL(base).port, `/api/download?bytes=${BIG}`]);
      const first = await next((m) => m.first !== undefined);
      // The function is held after its first chunk: the client has bytes the function produced before the rest.
      const producedAtFirstByte = progress.produced;
      const started = performance.now();
      progress.open();
      const done = await next((m) => m.done === true);
      const seconds = (performance.now() - started) / 1000;
      child.kill();
      return { first, producedAtFirstByte, done, seconds };
    });
    expect(result.first.status).toBe(200);
    expect(result.producedAtFirstByte).toBe(64 * 1024);
    expect(result.done.bytes).toBe(BIG);
    console.log(
      `download: ${BIG / MB} MiB; first bytes at the client after ${result.producedAtFirstByte / 1024} KiB produced; rest in ${result.seconds.toFixed(1)} s; RSS growth ${(growth / MB).toFixed(1)} MB`,
    );
    expect(growth).toBeLessThan(100 * 1000 * 1000);
  }, 120_000);
});

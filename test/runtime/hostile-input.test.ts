import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import http from 'node:http';
import { startJobsHost, envelope, type JobsHost } from '../support/jobs-host.js';
import { APP_REQUEST_BODY_LIMIT } from '../support/app-host.js';
import { chunkedPost, declaredPost } from '../support/raw-http.js';
import { ALL_APP_ROLES, principalHeader } from '../../shared/access/principal.js';
import { DEMO_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import { DEMO_VERSIONS } from '../../dev/demo/demo-org.js';
import { MAX_JOB_ENVELOPE_BYTES } from '../../shared/domain/job-envelope.js';

// Hostile input against the local runtime and the app it serves: every error the app answers is
// RFC 9457 problem+json, the host's own answers are empty as the host's are (never a 500), no
// request holds more than the body limit, logs stay one line each.
let host: JobsHost;

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
});
afterAll(async () => {
  await host.stop();
});

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ type: 'about:blank', status });
  expect(typeof body.title).toBe('string');
  return body;
}

/** A raw request (fetch refuses malformed targets and some headers). */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; contentType: string | undefined; body: string }> {
  const url = new URL(host.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: url.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function expectEmpty(res: Response, status: number): Promise<void> {
  expect(res.status).toBe(status);
  expect(await res.text()).toBe('');
}

describe("the host's own answers are empty, the Event Grid webhook's are problem+json, never a 500", () => {
  it('an empty 404 for an unknown path, a wrong method or an unknown admin function; problems from the Event Grid webhook', async () => {
    await expectEmpty(await fetch(`${host.url}/nowhere`), 404);
    await expectEmpty(await fetch(`${host.url}/api/nothing-here`), 404);
    await expectEmpty(await fetch(`${host.url}/api/health`, { method: 'DELETE' }), 404);
    await expectProblem(
      await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=nope`, { method: 'POST', body: '[]' }),
      404,
    );
    await expectProblem(
      await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=galleryEvents`, { method: 'GET' }),
      405,
    );
    await expectProblem(
      await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=galleryEvents`, { method: 'POST', body: '[]' }),
      400,
    );
    await expectEmpty(await fetch(`${host.url}/admin/functions/nope`, { method: 'POST', body: '{}' }), 404);
    await expectEmpty(await fetch(`${host.url}/admin/functions/reconcileCatalog`), 404);
  });

  it("a malformed percent-encoding in the path is an empty 404, or the app's own problem, not a 500", async () => {
    const admin = await raw('/admin/functions/%E0%A4%A', {
      method: 'POST',
      headers: { 'content-length': '2' },
      body: Buffer.from('{}'),
    });
    expect(admin.status).toBe(404);
    expect(admin.body).toBe('');
    const api = await raw('/api/groups/jobs/%ZZ%E0', {
      headers: { 'x-ms-client-principal': principalHeader({ ...DEMO_PRINCIPAL, roles: ALL_APP_ROLES }) },
    });
    expect([400, 404]).toContain(api.status);
    if (api.body !== '') expect(api.contentType).toBe('application/problem+json');
  });

  it('a principal header that is base64 "null", a number, an array or not base64 at all is a 401', async () => {
    for (const value of ['null', '42', '[]', '"text"', '{"claims":[null,1]}']
      .map((s) => Buffer.from(s).toString('base64'))
      .concat(['%%%not-base64'])) {
      const res = await fetch(`${host.url}/api/groups/jobs/some-job`, { headers: { 'x-ms-client-principal': value } });
      await expectProblem(res, 401);
    }
  });
});

describe('bounded work per request', () => {
  it('refuses a body declared larger than the limit before reading it (an empty 413, as Kestrel answers it)', async () => {
    const res = await raw('/api/groups/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(APP_REQUEST_BODY_LIMIT + 1) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toBe('');
  });

  it('8 concurrent worst-case bodies: /api/health keeps answering while they are refused, and memory stays bounded', async () => {
    const rssBefore = process.memoryUsage().rss;
    // 1. 25 MB bodies announced by their Content-Length: refused without waiting for (or reading) the body.
    const declared = Array.from({ length: 8 }, () => announced(25 * 1024 * 1024));
    // 2. Chunked bodies (no Content-Length) that grow past the limit: the host hands a non-streaming
    //    function no chunked body (it reads only bodies with a Content-Length), the app answers the
    //    empty request, and the rest is drained within the limit, then the connection is closed.
    const chunked = Array.from({ length: 8 }, () => streamed(APP_REQUEST_BODY_LIMIT * 3));
    // 3. Bodies just under the job limit holding arrays of 50,000 elements.
    const arrayBodies = Array.from({ length: 8 }, () => {
      const e = envelope('elastigroup-gallery-pinned', (b) => {
        const compute = (b.group as { compute: Record<string, unknown> }).compute;
        compute.vmSizes = {
          odSizes: Array.from({ length: 50_000 }, () => 1),
          spotSizes: Array.from({ length: 30_000 }, () => 'x'),
        };
      });
      const text = JSON.stringify(e);
      expect(text.length).toBeLessThan(MAX_JOB_ENVELOPE_BYTES);
      return text;
    });
    const nestedBody = '['.repeat(100_000) + ']'.repeat(100_000);
    const submit = (body: string) =>
      fetch(`${host.url}/api/groups/jobs`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ms-client-principal': principalHeader({ ...DEMO_PRINCIPAL, roles: ALL_APP_ROLES }),
        },
        body,
      });
    const arrays = arrayBodies.map(submit);
    // 4. Deeply nested JSON.
    const nested = Array.from({ length: 8 }, () => submit(nestedBody));
    // Probes of /api/health sent while the bodies are in flight: each one answered, 200 (a blocked
    // server would leave a probe unanswered). Counts only: timings belong in the benchmarks.
    let done = false;
    let sentWhileBusy = 0;
    const all = Promise.all([
      Promise.all(declared),
      Promise.all(chunked),
      Promise.all(arrays),
      Promise.all(nested),
    ]).finally(() => (done = true));
    while (!done) {
      sentWhileBusy++;
      const h = await fetch(`${host.url}/api/health`);
      expect(h.status).toBe(200);
      await new Promise((r) => setTimeout(r, 20));
    }
    const [d, c, a, n] = await all;
    for (const r of d) expect(r.status).toBe(413);
    for (const r of c) expect(r === 0 || (r >= 400 && r < 500), String(r)).toBe(true);
    for (const r of a) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
    }
    for (const r of n) {
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(sentWhileBusy).toBeGreaterThan(0);
    // Nothing near 8 × 25 MB was ever held (client and server share this process; the client holds little).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(8 * APP_REQUEST_BODY_LIMIT + 64 * 1024 * 1024);
  }, 60_000);
});

const announced = (size: number) =>
  declaredPost(host.url, '/api/groups/jobs', size, { 'content-type': 'application/json' });
const streamed = (total: number) =>
  chunkedPost(host.url, '/api/groups/jobs', total, { 'content-type': 'application/json' });

describe('log lines', () => {
  it('never carry raw control characters from input', async () => {
    const before = host.logs.length;
    const forged = 'evt-1\n[2026-01-01T00:00:00.000Z] galleryEvents: event admin-1: indexed everything\r\u2028';
    const e = armEvent(DEMO_VERSIONS.ubuntuCompleted, 'Write', { eventId: forged });
    expect((await postEvents(host.url, [e, { ...e, id: 42, subject: 'bad\nsubject' }])).status).toBeLessThan(500);
    const lines = host.logs.slice(before);
    expect(lines.length).toBeGreaterThan(0);
    // eslint-disable-next-line no-control-regex
    for (const l of lines) expect(l.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(lines.some((l) => l.message.includes('evt-1\\n[2026-01-01'))).toBe(true);
  });
});

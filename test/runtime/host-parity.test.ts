import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime, type LogLine } from '../../dev/runtime/runtime.js';
import type { FunctionRegistry } from '../../dev/runtime/functions-core.js';
import { APP_REQUEST_BODY_LIMIT } from '../support/app-host.js';
import type { seen as Seen } from '../support/parity-app.js';
import { rawRequest, type RawAnswer } from '../support/raw-http.js';

// An ordinary app (test/support/parity-app.ts) on the local runtime, checked through HTTP against
// what the Functions host and the Node.js worker do, from their sources:
//   Azure/azure-functions-host @ 89dc438d476542786f2fc4070f553423213a6223 (host)
//   Azure/azure-functions-nodejs-worker @ 2876343942423f1b18483d99bcd8461bd5297a9c (worker)
//   Azure/azure-functions-nodejs-library @ 5a93c7693d78921f08e414d11727c95c5d17e42c (library)
//   Azure/azure-webjobs-sdk @ f79ea0bff76c31048388fde784a9164b5d880c8a (log lines)
//   dotnet/aspnetcore (cookies)

const root = path.resolve(import.meta.dirname, '../..');
let registry: FunctionRegistry;
let runtime: LocalRuntime;
let base: string;
let seen: typeof Seen;
const logs: LogLine[] = [];

beforeAll(async () => {
  registry = await loadApp(root, ['test/support/parity-app.ts']);
  seen = (await import('../support/parity-app.js')).seen;
  runtime = new LocalRuntime(registry, { env: { PARITY_SCHEDULE: '*/1 * * * * *' }, onLog: (l) => logs.push(l) });
  base = await runtime.start(0);
});
afterAll(async () => {
  await runtime.stop();
});
beforeEach(() => {
  logs.length = 0;
  seen.post.length = 0;
  seen.appHookData.length = 0;
  seen.assignments.length = 0;
  seen.messages.length = 0;
});

/** A request as a client sends it (fetch cannot set Host, repeat a header or send a chunked body). */
const raw = (
  method: string,
  target: string,
  headers: http.OutgoingHttpHeaders = {},
  body?: string | string[],
  url = base,
): Promise<RawAnswer> => rawRequest(url, method, target, headers, body);

function expectEmpty(answer: RawAnswer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toBe('');
  expect(answer.headers['content-length']).toBe('0');
  expect(answer.headers['content-type']).toBeUndefined();
}

describe('unknown routes and methods: the host has no 405 and no error body of its own', () => {
  // host src/WebJobs.Script.WebHost/WebScriptHostHttpRoutesManager.cs: each function route carries an
  // HttpMethodRouteConstraint, so a method the function does not take is simply no match; a request
  // no route serves falls through the pipeline (WebJobsApplicationBuilderExtension.cs) to ASP.NET
  // Core's empty 404.
  it('a path no function serves is an empty 404, in and out of the route prefix', async () => {
    expectEmpty(await raw('GET', '/api/no-such-function'), 404);
    expectEmpty(await raw('POST', '/elsewhere/entirely', { 'content-type': 'application/json' }, '{}'), 404);
  });

  it('a method the function does not take is an empty 404 (not 405), and the method it takes is served', async () => {
    expectEmpty(await raw('GET', '/api/only-post'), 404);
    expectEmpty(await raw('DELETE', '/api/hello/ann'), 404);
    const served = await raw('POST', '/api/only-post', { 'content-type': 'text/plain' }, 'hi');
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body)).toEqual({ received: 'hi' });
  });

  it('a trigger without a method list takes every method (no constraint)', async () => {
    for (const method of ['GET', 'DELETE', 'PATCH', 'PUT']) {
      const answer = await raw(method, '/api/any');
      expect(answer.status, method).toBe(200);
      expect(answer.body).toBe(method);
    }
  });

  it('a function that fails is an empty 500 (ExceptionMiddleware sets the status, writes nothing)', async () => {
    expectEmpty(await raw('GET', '/api/fails'), 500);
  });

  it('"/" is the home page, or an empty 204 with AzureWebJobsDisableHomepage=true (HomepageMiddleware)', async () => {
    const home = await raw('GET', '/');
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toBe('text/html');
    const disabled = new LocalRuntime(registry, {
      env: { PARITY_SCHEDULE: '0 0 0 1 1 *', AzureWebJobsDisableHomepage: 'True' },
      timers: false,
      onLog: () => undefined,
    });
    const url = await disabled.start(0);
    try {
      expectEmpty(await raw('GET', '/', {}, undefined, url), 204);
    } finally {
      await disabled.stop();
    }
  });
});

describe('connections as Kestrel keeps them', () => {
  it("an idle connection stays open 130 s, as Kestrel keeps it (KestrelServerLimits.KeepAliveTimeout), not Node's 5 s", async () => {
    const answer = await raw('GET', '/api/hello');
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('keep-alive');
    expect(answer.headers['keep-alive']).toBe('timeout=130');
  });
});

describe('a host that is still starting (HostAvailabilityCheckMiddleware: requests wait for it)', () => {
  it('a request that arrives while the host is held waits, and is served once it is released', async () => {
    runtime.holdRequests();
    let answered = false;
    const pending = raw('GET', '/api/hello/early').then((a) => {
      answered = true;
      return a;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBe(false);
    runtime.releaseRequests();
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ params: { name: 'early' } });
  });
});

describe('hook contexts as the worker builds them (worker src/eventHandlers/InvocationHandler.ts)', () => {
  it('after a success, postInvocation sees error === null and the result; hookData is shared with preInvocation', async () => {
    expect((await raw('GET', '/api/hello/ann')).status).toBe(200);
    const post = seen.post.find((p) => p.functionName === 'hello');
    expect(post?.error).toBeNull();
    expect(post?.result).toMatchObject({ jsonBody: { params: { name: 'ann' } } });
    expect(post?.fromPre).toBe('hello');
  });

  it('after a failure, postInvocation sees the error and result === null', async () => {
    await raw('GET', '/api/fails');
    const post = seen.post.find((p) => p.functionName === 'fails');
    expect(post?.error).toBeInstanceOf(Error);
    expect((post?.error as Error).message).toBe('the function failed on purpose');
    expect(post?.result).toBeNull();
  });

  it('a function that returns nothing: error === null, result is what it returned; the host answers an empty 200', async () => {
    expectEmpty(await raw('GET', '/api/nothing'), 200);
    const post = seen.post.find((p) => p.functionName === 'nothing');
    expect(post?.error).toBeNull();
    expect(post?.result).toBeUndefined();
  });

  it('a postInvocation hook that sets error = null and a result turns the failure into that answer', async () => {
    const answer = await raw('GET', '/api/fails?swallow=yes');
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ swallowed: true });
    expect(logs.some((l) => /^Executed 'Functions\.fails' \(Succeeded, /.test(l.message))).toBe(true);
  });

  it('a preInvocation hook that replaces functionCallback replaces the function', async () => {
    expect((await raw('GET', '/api/replaced')).body).toBe('from the pre-invocation hook');
  });

  it('appHookData is one object for the app and every hook; hookData is one per invocation', async () => {
    await raw('GET', '/api/hello/a');
    await raw('GET', '/api/nothing');
    const invocationHooks = seen.appHookData.filter(
      (h) =>
        (h.hook === 'preInvocation' || h.hook === 'postInvocation') &&
        (h.functionName === 'hello' || h.functionName === 'nothing'),
    );
    expect(invocationHooks.map((h) => `${h.hook}:${h.functionName}`)).toEqual([
      'preInvocation:hello',
      'postInvocation:hello',
      'preInvocation:nothing',
      'postInvocation:nothing',
    ]);
    const appHookData = new Set(invocationHooks.map((h) => h.appHookData));
    expect(appHookData.size).toBe(1);
    expect(invocationHooks[0]!.hookData).toBe(invocationHooks[1]!.hookData);
    expect(invocationHooks[2]!.hookData).toBe(invocationHooks[3]!.hookData);
    expect(invocationHooks[0]!.hookData).not.toBe(invocationHooks[2]!.hookData);
    expect(invocationHooks[0]!.appHookData).toBe(runtime.worker.appHookData);
  });

  it("assigning hookData, appHookData or invocationContext throws the worker's ReadOnlyError (a TypeError)", async () => {
    expect((await raw('GET', '/api/assign')).status).toBe(200);
    expect(seen.assignments).toEqual([
      "hookData: TypeError: Cannot assign to read only property 'hookData'",
      "appHookData: TypeError: Cannot assign to read only property 'appHookData'",
      "invocationContext: TypeError: Cannot assign to read only property 'invocationContext'",
    ]);
  });

  it('appStart and appTerminate share one hookData, and see the same appHookData as the invocations (worker src/startApp.ts, terminateWorker.ts)', async () => {
    const before = { starts: seen.appStart.length, terminates: seen.appTerminate.length };
    const other = new LocalRuntime(registry, {
      env: { PARITY_SCHEDULE: '0 0 0 1 1 *' },
      timers: false,
      onLog: () => undefined,
    });
    const url = await other.start(0);
    await raw('GET', '/api/nothing', {}, undefined, url);
    await other.stop();
    const started = seen.appStart[before.starts]!;
    const terminated = seen.appTerminate[before.terminates]!;
    expect(terminated.hookData).toBe(started.hookData);
    expect(terminated.hookData.startedBy).toBe('appStart');
    const coreHooks = seen.appHookData.filter((h) => h.appHookData === other.worker.appHookData);
    expect(coreHooks.map((h) => h.hook)).toEqual(['appStart', 'preInvocation', 'postInvocation', 'appTerminate']);
    expect(coreHooks[0]!.functionAppDirectory).toBe(root);
    expect(coreHooks[0]!.hookData).toBe(started.hookData);
    expect(other.worker.appHookData).not.toBe(runtime.worker.appHookData);
  });
});

describe('cookies with every attribute, as ASP.NET Core writes them', () => {
  // host src/WebJobs.Script.Grpc/MessageExtensions/GrpcMessageExtensionUtilities.cs RpcHttpCookieConverter →
  // dotnet/aspnetcore src/Http/Http/src/Internal/ResponseCookies.cs (Uri.EscapeDataString(value)),
  // src/Http/Http.Features/src/CookieOptions.cs (Path "/" by default), src/Http/Headers/src/SetCookieHeaderValue.cs.
  it('writes expires, max-age, domain, path, secure, samesite and httponly, lower-case, in that order', async () => {
    const res = await fetch(`${base}/api/cookies`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-kind')).toBe('cookies');
    expect(res.headers.getSetCookie()).toEqual([
      'session=a%20b%3Bc; expires=Wed, 02 Jan 2030 03:04:05 GMT; max-age=3600; domain=example.test; path=/api; secure; samesite=strict; httponly',
      'plain=v%21%2A%27%28%29~; path=/',
      'lax=1; path=/; samesite=lax',
      'cross=1; path=/; secure; samesite=none',
      'gone=; max-age=0; path=/',
    ]);
  });
});

describe('request.url, headers, query and body as the host hands them to the worker', () => {
  // host src/WebJobs.Script.Grpc/MessageExtensions/GrpcMessageConversionExtensions.cs ToRpcHttp.
  it('request.url is built from the Host header the client sent; X-Forwarded-Host and -Proto change nothing', async () => {
    const answer = await raw('GET', '/api/hello/ann?a=1&A=2&b=x%20y', {
      host: 'catalog.example.test:8443',
      'x-forwarded-host': 'elsewhere.test',
      'x-forwarded-proto': 'https',
      'x-multi': ['1', '2'],
    });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as {
      url: string;
      params: unknown;
      query: unknown;
      multi: string;
      forwardedHost: string;
    };
    expect(body.url).toBe('http://catalog.example.test:8443/api/hello/ann?a=1&A=2&b=x%20y');
    expect(body.params).toEqual({ name: 'ann' });
    // ASP.NET Core's query collection: names without case, repeated values joined with ','.
    expect(body.query).toEqual([
      ['a', '1,2'],
      ['b', 'x y'],
    ]);
    expect(body.multi).toBe('1,2');
    expect(body.forwardedHost).toBe('elsewhere.test');
  });

  it('a body with a Content-Length reaches the function; a chunked one reaches it empty (Azure/azure-functions-host#7930)', async () => {
    const sized = await raw('POST', '/api/only-post', { 'content-type': 'text/plain' }, 'sized body');
    expect(JSON.parse(sized.body)).toEqual({ received: 'sized body' });
    const chunked = await raw('POST', '/api/only-post', { 'content-type': 'text/plain' }, ['chunked ', 'body']);
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toEqual({ received: '' });
  });

  it('a body over the limit is an empty 413 and a failed invocation (Kestrel rejects it while the host binds the request)', async () => {
    const small = new LocalRuntime(registry, {
      env: { PARITY_SCHEDULE: '0 0 0 1 1 *' },
      maxRequestBytes: 1024,
      timers: false,
      onLog: (l) => logs.push(l),
    });
    const url = await small.start(0);
    try {
      const answer = await raw('POST', '/api/only-post', { 'content-type': 'text/plain' }, 'x'.repeat(2048), url);
      expect(answer.status).toBe(413);
      expect(answer.body).toBe('');
      expect(seen.post.some((p) => p.functionName === 'onlyPost')).toBe(false);
      expect(
        logs.some(
          (l) =>
            /^Executed 'Functions\.onlyPost' \(Failed, /.test(l.message) &&
            l.exception === 'Request body too large. The max request body size is 1024 bytes.',
        ),
      ).toBe(true);
    } finally {
      await small.stop();
    }
  });

  it("without FUNCTIONS_REQUEST_BODY_SIZE_LIMIT the limit is the host's 100 MiB; this app sets 4 MiB wherever it runs", () => {
    expect(runtime.requestBodyLimit).toBe(104_857_600);
    const bicep = fs.readFileSync(path.join(root, 'infra/modules/function-app.bicep'), 'utf8');
    expect(/name: 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT'\s+value: '(\d+)'/.exec(bicep)?.[1]).toBe(
      String(APP_REQUEST_BODY_LIMIT),
    );
    const sample = JSON.parse(fs.readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(sample.Values.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT).toBe(String(APP_REQUEST_BODY_LIMIT));
    expect(
      new LocalRuntime(registry, {
        env: { FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: sample.Values.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT },
      }).requestBodyLimit,
    ).toBe(APP_REQUEST_BODY_LIMIT);
  });
});

describe("invocation log lines in the host's format (azure-webjobs-sdk src/Microsoft.Azure.WebJobs.Host/Loggers/FunctionInstanceLogger.cs)", () => {
  const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
  const hostCall = "Reason='This function was programmatically called via the host APIs.'";

  it("an HTTP invocation: Executing with the host-call reason, the function's own lines, Executed (Succeeded) with its id and duration", async () => {
    await raw('GET', '/api/hello/ann');
    const lines = logs.filter((l) => l.functionName === 'hello');
    expect(lines.map((l) => l.message)).toEqual([
      expect.stringMatching(new RegExp(`^Executing 'Functions\\.hello' \\(${reEscape(hostCall)}, Id=${uuid}\\)$`)),
      'hello ann',
      expect.stringMatching(new RegExp(`^Executed 'Functions\\.hello' \\(Succeeded, Id=${uuid}, Duration=\\d+ms\\)$`)),
    ]);
    const id = lines[0]!.invocationId;
    for (const l of lines) expect(l.invocationId).toBe(id);
    expect(lines[0]!.message).toContain(`Id=${id})`);
    expect(lines[2]!.message).toContain(`Id=${id},`);
    expect(lines.map((l) => l.level)).toEqual(['information', 'information', 'information']);
    // The host's lines are in the function's category, what the function logs in its `.User` one.
    expect(lines.map((l) => l.category)).toEqual(['Function.hello', 'Function.hello.User', 'Function.hello']);
  });

  it('a failed invocation: Executed (Failed, Id=…, Duration=…ms) at error level, with what it failed with', async () => {
    await raw('GET', '/api/fails');
    const executed = logs.filter((l) => l.functionName === 'fails' && l.message.startsWith('Executed '));
    expect(executed).toHaveLength(1);
    expect(executed[0]!.message).toMatch(
      new RegExp(`^Executed 'Functions\\.fails' \\(Failed, Id=${executed[0]!.invocationId}, Duration=\\d+ms\\)$`),
    );
    expect(executed[0]!.level).toBe('error');
    expect(executed[0]!.exception).toBe('the function failed on purpose');
  });

  it("a timer: Reason='Timer fired at <local time, round-trip format>' (azure-webjobs-sdk-extensions TimerTriggerBinding.cs)", async () => {
    const ticks = seen.ticks;
    await waitFor(
      () => seen.ticks > ticks && logs.some((l) => l.functionName === 'tock' && l.message.startsWith('Executed ')),
    );
    const executing = logs.find((l) => l.functionName === 'tock' && l.message.startsWith('Executing '));
    expect(executing?.message).toMatch(
      new RegExp(
        `^Executing 'Functions\\.tock' \\(Reason='Timer fired at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}[+-]\\d\\d:\\d\\d', Id=${uuid}\\)$`,
      ),
    );
  });

  it("a Service Bus message: Reason='(null)' and the extension's Trigger Details line; metadata converted by the app's library", async () => {
    const settled = await runtime.deliverServiceBusMessage('orders', {
      body: Buffer.from('{"order":7}'),
      messageId: '42',
      sequenceNumber: 7,
      deliveryCount: 2,
      enqueuedTimeUtc: new Date(Date.UTC(2026, 2, 4, 5, 6, 7, 890)),
      lockedUntilUtc: new Date(Date.UTC(2026, 2, 4, 5, 7, 7, 890)),
      applicationProperties: { Priority: 'high' },
    });
    expect(settled).toBe('complete');
    const lines = logs.filter((l) => l.functionName === 'orders').map((l) => l.message);
    expect(lines[0]).toMatch(new RegExp(`^Executing 'Functions\\.orders' \\(Reason='\\(null\\)', Id=${uuid}\\)$`));
    expect(lines[1]).toBe(
      'Trigger Details: MessageId: 42, SequenceNumber: 7, DeliveryCount: 2, EnqueuedTimeUtc: 2026-03-04T05:06:07.8900000+00:00, LockedUntilUtc: 2026-03-04T05:07:07.8900000+00:00, SessionId: (null)',
    );
    expect(lines[2]).toMatch(/^Executed 'Functions\.orders' \(Succeeded, /);
    // The library parses string metadata as JSON where it is JSON and camel-cases keys, nested ones too
    // (library src/converters/fromRpcTriggerMetadata.ts, toCamelCase.ts): as in Azure.
    expect(seen.messages[0]).toMatchObject({
      body: { order: 7 },
      metadata: { messageId: 42, deliveryCount: 2, applicationProperties: { priority: 'high' } },
    });
  });
});

function reEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

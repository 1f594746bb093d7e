/**
 * An ordinary Functions v4 app, written the way the `@azure/functions` documentation shows it and
 * independent of the catalog: a few HTTP functions (cookies, a failure a hook may swallow, a body
 * echo, a function without a method list), a timer, a Service Bus trigger and every kind of hook.
 * test/runtime/host-parity.test.ts runs it on the local runtime and checks what it can observe
 * against the Functions host's and the Node.js worker's sources.
 */
import { createRequire } from 'node:module';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

/** What the hooks and functions saw, for the test to read. */
export const seen = {
  appStart: [] as { hookData: Record<string, unknown> }[],
  appTerminate: [] as { hookData: Record<string, unknown> }[],
  post: [] as { functionName: string; error: unknown; result: unknown; fromPre: unknown }[],
  /** `appHookData` as the core hook API gives it to every hook (one object per app). */
  appHookData: [] as {
    hook: string;
    functionName?: string;
    appHookData: Record<string, unknown>;
    hookData: Record<string, unknown>;
    functionAppDirectory?: string;
  }[],
  assignments: [] as string[],
  messages: [] as { body: unknown; metadata: unknown }[],
  ticks: 0,
};

app.hook.appStart((context) => {
  context.hookData.startedBy = 'appStart';
  seen.appStart.push({ hookData: context.hookData });
});

app.hook.appTerminate((context) => {
  seen.appTerminate.push({ hookData: context.hookData });
});

app.hook.preInvocation((context) => {
  context.hookData.fromPre = context.invocationContext.functionName;
  if (context.invocationContext.functionName === 'replaced') {
    context.functionHandler = () => ({ body: 'from the pre-invocation hook' });
  }
});

app.hook.postInvocation((context) => {
  const functionName = context.invocationContext.functionName;
  seen.post.push({ functionName, error: context.error, result: context.result, fromPre: context.hookData.fromPre });
  // A hook that turns a failure into an answer: the worker then sends the result, not the error.
  if (functionName === 'fails' && (context.inputs[0] as HttpRequest).query.get('swallow') === 'yes') {
    context.error = null;
    context.result = { status: 202, jsonBody: { swallowed: true } };
  }
});

// The worker's own hook API (`@azure/functions-core`, which the worker provides to the app) hands
// hooks `appHookData` as well: one object for the whole app.
const core = createRequire(import.meta.url)('@azure/functions-core') as {
  registerHook(
    name: string,
    callback: (context: {
      appHookData: Record<string, unknown>;
      hookData: Record<string, unknown>;
      invocationContext?: InvocationContext;
      functionAppDirectory?: string;
    }) => void,
  ): unknown;
};
for (const hook of ['appStart', 'preInvocation', 'postInvocation', 'appTerminate']) {
  core.registerHook(hook, (context) => {
    seen.appHookData.push({
      hook,
      ...(context.invocationContext ? { functionName: context.invocationContext.functionName } : {}),
      ...(context.functionAppDirectory ? { functionAppDirectory: context.functionAppDirectory } : {}),
      appHookData: context.appHookData,
      hookData: context.hookData,
    });
    if (hook === 'preInvocation' && context.invocationContext?.functionName === 'assign') {
      for (const property of ['hookData', 'appHookData', 'invocationContext']) {
        try {
          (context as unknown as Record<string, unknown>)[property] = {};
          seen.assignments.push(`${property}: assigned`);
        } catch (err) {
          seen.assignments.push(`${property}: ${(err as Error).name}: ${(err as Error).message}`);
        }
      }
    }
  });
}

app.http('hello', {
  methods: ['GET', 'POST'],
  route: 'hello/{name?}',
  handler: (request: HttpRequest, context: InvocationContext) => {
    context.log(`hello ${request.params.name ?? 'nobody'}`);
    return {
      jsonBody: {
        url: request.url,
        params: request.params,
        query: [...request.query.entries()],
        multi: request.headers.get('x-multi'),
        forwardedHost: request.headers.get('x-forwarded-host'),
      },
    };
  },
});

app.http('cookies', {
  methods: ['GET'],
  handler: () => ({
    headers: { 'x-kind': 'cookies' },
    cookies: [
      {
        name: 'session',
        value: 'a b;c',
        maxAge: 3600,
        expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
        domain: 'example.test',
        path: '/api',
        secure: true,
        httpOnly: true,
        sameSite: 'Strict',
      },
      { name: 'plain', value: "v!*'()~" },
      { name: 'lax', value: '1', sameSite: 'Lax' },
      { name: 'cross', value: '1', sameSite: 'None', secure: true },
      { name: 'gone', value: '', maxAge: 0 },
    ],
  }),
});

app.http('fails', {
  methods: ['GET'],
  handler: () => {
    throw new Error('the function failed on purpose');
  },
});

// Returns nothing (an app in plain JavaScript can); the host then answers an empty 200.
app.http('nothing', { methods: ['GET'], handler: (() => undefined) as unknown as () => HttpResponseInit });

app.http('replaced', { methods: ['GET'], handler: () => ({ body: 'from the function' }) });

app.http('assign', { methods: ['GET'], handler: () => ({ body: 'ok' }) });

app.http('onlyPost', {
  methods: ['POST'],
  route: 'only-post',
  handler: async (request: HttpRequest) => ({ jsonBody: { received: await request.text() } }),
});

// A trigger without `methods` has no method constraint in the host: every method reaches it.
app.generic('anyMethod', {
  trigger: { type: 'httpTrigger', name: 'request', authLevel: 'anonymous', route: 'any' },
  return: { type: 'http', name: '$return' },
  handler: (request: unknown) => ({ body: (request as HttpRequest).method }),
});

app.timer('tock', {
  schedule: '%PARITY_SCHEDULE%',
  handler: () => {
    seen.ticks++;
  },
});

app.serviceBusQueue('orders', {
  connection: 'ParityServiceBus',
  queueName: 'orders',
  handler: (message: unknown, context: InvocationContext) => {
    seen.messages.push({ body: message, metadata: context.triggerMetadata });
  },
});

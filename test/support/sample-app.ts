/**
 * A small app that uses every trigger kind and option the local runtime serves; the runtime tests
 * load it through the same functions-core stand-in as the real app.
 */
import { app, type EventGridEvent, type HttpRequest, type InvocationContext, type Timer } from '@azure/functions';

export const calls = {
  events: [] as unknown[],
  messages: [] as { body: unknown; metadata: unknown }[],
  timers: 0,
  hooks: [] as string[],
};

app.hook.preInvocation((ctx) => {
  calls.hooks.push(`pre:${ctx.invocationContext.functionName}`);
});
app.hook.postInvocation((ctx) => {
  calls.hooks.push(`post:${ctx.invocationContext.functionName}`);
});

app.http('echo', {
  methods: ['POST', 'PUT'],
  authLevel: 'function',
  route: 'things/{kind}/{id?}',
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const text = await request.text();
    return {
      status: request.method === 'PUT' ? 201 : 200,
      headers: { 'x-echo': 'yes' },
      jsonBody: {
        method: request.method,
        params: request.params,
        query: Object.fromEntries(request.query.entries()),
        header: request.headers.get('x-test'),
        body: text.length > 0 ? (JSON.parse(text) as unknown) : null,
        functionName: context.functionName,
      },
    };
  },
});

app.get('fixed', { route: 'things/special/latest', handler: () => ({ status: 200, jsonBody: { literal: true } }) });

app.get('boom', { route: 'boom', handler: () => Promise.reject(new Error('handler failed')) });

app.eventGrid('collect', {
  handler: (event: EventGridEvent, _context: InvocationContext) => {
    calls.events.push(event);
    if ((event as { subject?: string }).subject === 'throw') throw new Error('event handler failed');
  },
});

app.serviceBusQueue('queueWork', {
  connection: 'SampleServiceBus',
  queueName: '%SAMPLE_QUEUE%',
  isSessionsEnabled: true,
  handler: (message: unknown, context: InvocationContext) => {
    calls.messages.push({ body: message, metadata: context.triggerMetadata });
    if ((message as { fail?: boolean }).fail) throw new Error('message handler failed');
  },
});

app.timer('tick', {
  schedule: '%SAMPLE_SCHEDULE%',
  runOnStartup: false,
  handler: (_timer: Timer) => {
    calls.timers++;
  },
});

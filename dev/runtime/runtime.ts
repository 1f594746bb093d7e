/**
 * The local Functions runtime: serves the `app.*` registrations captured by `functions-core.ts` the
 * way the Functions host does, on a machine that has only Node.
 *
 * - HTTP triggers at `http://localhost:<port>/api/<route>`;
 * - Event Grid deliveries at `POST /runtime/webhooks/eventgrid?functionName=<name>` (validation
 *   handshake, notifications in the Event Grid schema or CloudEvents 1.0, unsubscribe, the
 *   CloudEvents `OPTIONS` abuse-protection handshake);
 * - Service Bus queue triggers through a real `ServiceBusReceiver` when the trigger's connection
 *   setting is present (peek-lock; complete on success, abandon on throw; sessions when enabled);
 * - timer triggers on their NCRONTAB schedule; `POST /admin/functions/<name>` runs any non-HTTP
 *   function once, as with Core Tools.
 *
 * Production never loads this module: the real host does all of this.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import functions, { type FunctionTrigger } from '@azure/functions';
import type { FunctionRegistry, Registration } from './functions-core.js';
import { compileRoute, matchRoute, compareRoutes, type CompiledRoute } from './routes.js';
import { parseSchedule, nextOccurrence } from './ncrontab.js';
import { ServiceBusPump, type DeliverableMessage, type Settlement } from './service-bus.js';
import { LocalServiceBusQueue, type LocalQueueOptions } from './local-bus.js';
import { LocalEventTopic, type EventSubscriptionDefinition } from './event-grid-topic.js';
import { problem } from '../../shared/http/responses.js';
import { printable } from '../../shared/domain/printable.js';

// @azure/functions is a CommonJS bundle whose class exports Node's ESM loader cannot name statically.
const { HttpRequest, HttpResponse, InvocationContext } = functions;

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';
export interface LogLine {
  functionName: string;
  invocationId: string;
  level: LogLevel;
  message: string;
}

export interface RuntimeOptions {
  /** Settings used to resolve `%NAME%` binding expressions and connection names (default: process.env). */
  env?: Record<string, string | undefined>;
  /** The HTTP route prefix (host.json `extensions.http.routePrefix`), default `api`. */
  routePrefix?: string;
  /** host.json `extensions.serviceBus` values. */
  serviceBus?: { maxConcurrentCalls?: number; maxConcurrentSessions?: number; maxAutoLockRenewalDuration?: string; sessionIdleTimeout?: string };
  /** Receives every log line of every invocation and of the runtime itself. */
  onLog?: (line: LogLine) => void;
  /** Start timer triggers (default true). */
  timers?: boolean;
  /**
   * Body size limit for HTTP requests in bytes: the host's `FUNCTIONS_REQUEST_BODY_SIZE_LIMIT`
   * setting when present, otherwise 4 MiB (the deployment sets the host to the same value). A
   * larger `Content-Length` is refused before reading; a body that grows past it while being read
   * is refused there, so no request ever holds more than the limit in memory.
   */
  maxRequestBytes?: number;
  /**
   * Stands in for App Service authentication: the `x-ms-client-principal` header value given to
   * HTTP requests that carry none (a development principal). Requests that carry one keep it.
   */
  principalHeader?: string;
}

interface HttpRoute {
  registration: Registration;
  route: CompiledRoute;
  methods: Set<string>;
}

/** The local default when neither the option nor FUNCTIONS_REQUEST_BODY_SIZE_LIMIT is set. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** Event Grid delivers batches of at most 1 MB (1,048,576 bytes) to a webhook. */
const MAX_EVENT_GRID_BYTES = 1024 * 1024 + 64 * 1024;
const MAX_ADMIN_BYTES = 1024 * 1024;

export class LocalRuntime {
  private server: http.Server | undefined;
  private readonly httpRoutes: HttpRoute[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pumps: ServiceBusPump[] = [];
  private readonly emulated = new Map<string, LocalServiceBusQueue>();
  private readonly env: Record<string, string | undefined>;
  private readonly routePrefix: string;
  private baseUrl = '';
  private started = false;
  private readonly maxRequestBytes: number;
  readonly notices: string[] = [];
  /** The app's domain-event topic, when hosted (see event-grid-topic.ts). */
  topic: LocalEventTopic | undefined;
  /** Requests other than the topic's are answered 503 (see holdRequests). */
  private held = false;

  constructor(
    readonly registry: FunctionRegistry,
    private readonly options: RuntimeOptions = {},
  ) {
    this.env = options.env ?? process.env;
    this.routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
    this.maxRequestBytes = options.maxRequestBytes ?? bodyLimitSetting(this.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT) ?? DEFAULT_MAX_REQUEST_BYTES;
    for (const registration of registry.list()) {
      if (registration.trigger.type.toLowerCase() !== 'httptrigger') continue;
      const template = typeof registration.trigger.route === 'string' ? registration.trigger.route : registration.name;
      const methods = Array.isArray(registration.trigger.methods)
        ? (registration.trigger.methods as string[]).map((m) => m.toUpperCase())
        : ['GET', 'POST'];
      this.httpRoutes.push({ registration, route: compileRoute(this.resolve(template)), methods: new Set(methods) });
    }
    this.httpRoutes.sort((a, b) => compareRoutes(a.route, b.route));
  }

  get url(): string {
    return this.baseUrl;
  }

  /** Resolves `%NAME%` binding expressions from the settings, as the host does. */
  resolve(value: string): string {
    return value.replace(/%([^%]+)%/g, (_, name: string) => {
      const v = this.env[name];
      if (v === undefined) throw new Error(`Binding expression %${name}% names a setting that is not set`);
      return v;
    });
  }

  async start(port = 7071, host = '127.0.0.1'): Promise<string> {
    if (this.started) return this.baseUrl;
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log('runtime', '', 'error', `Unhandled error: ${errorText(err)}`);
        if (!res.headersSent) sendProblem(res, 500, 'The local runtime failed to handle the request.');
        else res.end();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    const actualPort = address && typeof address === 'object' ? address.port : port;
    this.baseUrl = `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${actualPort}`;
    this.started = true;
    await this.runHooks('appStart', { hookData: {}, appHookData: {}, functionAppDirectory: process.cwd() });
    if (this.options.timers !== false) this.startTimers();
    await this.startServiceBus();
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.pumps.map((p) => p.stop()));
    this.pumps.length = 0;
    for (const queue of this.emulated.values()) queue.close();
    await this.runHooks('appTerminate', { hookData: {}, appHookData: {} });
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** One line per function with how to reach it, like `func start` prints. */
  describe(): string[] {
    const lines: string[] = [];
    for (const r of this.registry.list()) {
      const t = r.trigger;
      switch (t.type.toLowerCase()) {
        case 'httptrigger': {
          const route = this.httpRoutes.find((h) => h.registration === r);
          const methods = route ? [...route.methods].join(',') : '';
          lines.push(`${r.name}: [${methods}] ${this.baseUrl}/${this.routePrefix}/${route?.route.template ?? r.name}`);
          break;
        }
        case 'eventgridtrigger':
          lines.push(`${r.name}: eventGridTrigger ${this.baseUrl}/runtime/webhooks/eventgrid?functionName=${r.name}`);
          break;
        case 'servicebustrigger': {
          const state = this.pumps.some((p) => p.functionName === r.name) ? 'listening' : this.emulated.has(r.name) ? 'emulated in memory' : 'disabled';
          lines.push(`${r.name}: serviceBusTrigger queue=${this.safeResolve(String(t.queueName ?? t.topicName))} (${state})`);
          break;
        }
        case 'timertrigger':
          lines.push(`${r.name}: timerTrigger schedule=${this.safeResolve(String(t.schedule))} (run now: POST ${this.baseUrl}/admin/functions/${r.name})`);
          break;
        default:
          lines.push(`${r.name}: ${t.type}`);
      }
    }
    return lines;
  }

  private safeResolve(value: string): string {
    try {
      return this.resolve(value);
    } catch {
      return value;
    }
  }

  // ---------------------------------------------------------------- invocation

  /** Invokes a function as the worker does: pre-invocation hooks, handler, post-invocation hooks. */
  async invoke(registration: Registration, input: unknown, triggerMetadata?: Record<string, unknown>): Promise<unknown> {
    const invocationId = randomUUID();
    const context = new InvocationContext({
      invocationId,
      functionName: registration.name,
      logHandler: (level, ...args) => this.log(registration.name, invocationId, level as LogLevel, args.map(formatArg).join(' ')),
      ...(triggerMetadata ? { triggerMetadata } : {}),
      options: {
        trigger: registration.trigger as unknown as FunctionTrigger,
        extraInputs: [],
        extraOutputs: [],
      },
    });
    const inputs: unknown[] = [input];
    const hookData: Record<string, unknown> = {};
    const preContext: Record<string, unknown> = { invocationContext: context, inputs, functionCallback: registration.handler, hookData, appHookData: {} };
    await this.runHooks('preInvocation', preContext);
    const handler = preContext.functionCallback as (...args: unknown[]) => unknown;
    let result: unknown;
    let error: unknown;
    try {
      result = await handler(...inputs, context);
    } catch (err) {
      error = err;
    }
    const postContext: Record<string, unknown> = { invocationContext: context, inputs, result, error, hookData, appHookData: {} };
    await this.runHooks('postInvocation', postContext);
    if (postContext.error !== undefined) {
      this.log(registration.name, invocationId, 'error', `Executed '${registration.name}' (Failed): ${errorText(postContext.error)}`);
      throw postContext.error instanceof Error ? postContext.error : new Error(errorText(postContext.error));
    }
    return postContext.result;
  }

  private async runHooks(name: 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation', context: Record<string, unknown>): Promise<void> {
    for (const hook of this.registry.hooks[name]) await hook(context);
  }

  private log(functionName: string, invocationId: string, level: LogLevel, message: string): void {
    if (this.options.onLog) {
      this.options.onLog({ functionName, invocationId, level, message: printable(message) });
      return;
    }
    if (level === 'trace' || level === 'debug') return;
    const line = `[${new Date().toISOString()}] ${functionName}: ${printable(message)}`;
    if (level === 'error' || level === 'critical' || level === 'warning') console.error(line);
    else console.log(line);
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', this.baseUrl || 'http://localhost');
    } catch {
      return refuse(req, res, 400, 'The request target is not a valid URL.');
    }
    const path = url.pathname;
    if (this.topic && (await this.topic.handle(req, res, path, () => readBody(req, 1024 * 1024)))) return;
    if (this.held) return refuse(req, res, 503, 'The host is starting: the catalog is being reconciled. Retry shortly.', { 'retry-after': '5' });
    if (path.toLowerCase() === '/runtime/webhooks/eventgrid') return this.handleEventGrid(req, res, url);
    if (path.toLowerCase().startsWith('/admin/functions/')) {
      const name = safeDecode(path.slice('/admin/functions/'.length));
      if (name === undefined) return refuse(req, res, 400, 'The function name in the path has a malformed percent-encoding.');
      return this.handleAdminInvoke(req, res, name);
    }
    const prefix = this.routePrefix ? `/${this.routePrefix}` : '';
    if (prefix && !(path.toLowerCase() === prefix || path.toLowerCase().startsWith(`${prefix}/`))) {
      return refuse(req, res, 404, 'No function serves this path.');
    }
    const rest = path.slice(prefix.length);
    const rawRest = (req.url ?? '/').split('?')[0]?.slice(prefix.length) ?? rest;
    let methodMismatch = false;
    for (const candidate of this.httpRoutes) {
      const params = matchRoute(candidate.route, rawRest);
      if (!params) continue;
      if (!candidate.methods.has((req.method ?? 'GET').toUpperCase())) {
        methodMismatch = true;
        continue;
      }
      return this.invokeHttp(candidate.registration, req, res, url, params);
    }
    if (methodMismatch) return refuse(req, res, 405, `The method ${printable(req.method ?? '')} is not allowed on this path.`);
    return refuse(req, res, 404, 'No function serves this path.');
  }

  private async invokeHttp(
    registration: Registration,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    params: Record<string, string>,
  ): Promise<void> {
    const body = await readBody(req, this.maxRequestBytes);
    if (body === 'too-large') return tooLarge(req, res, this.maxRequestBytes);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    if (this.options.principalHeader && headers['x-ms-client-principal'] === undefined) headers['x-ms-client-principal'] = this.options.principalHeader;
    const request = new HttpRequest({
      method: (req.method ?? 'GET').toUpperCase(),
      url: url.toString(),
      headers,
      params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    let result: unknown;
    try {
      result = await this.invoke(registration, request);
    } catch {
      return sendProblem(res, 500, `The function ${registration.name} failed.`);
    }
    const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((value, key) => {
      out[key] = value;
    });
    const cookies = response.cookies.map((c) => `${c.name}=${c.value}${c.path ? `; Path=${c.path}` : ''}${c.httpOnly ? '; HttpOnly' : ''}`);
    if (cookies.length > 0) out['set-cookie'] = cookies;
    const bytes = response.body ? Buffer.from(await response.arrayBuffer()) : Buffer.alloc(0);
    res.writeHead(response.status, out);
    res.end(bytes);
  }

  // ---------------------------------------------------------------- Event Grid

  /** Mirrors the Event Grid extension's webhook handler in the Functions host. */
  private async handleEventGrid(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const functionName = url.searchParams.get('functionName') ?? '';
    const registration = this.registry.get(functionName);
    if (!registration || registration.trigger.type.toLowerCase() !== 'eventgridtrigger') {
      return refuse(req, res, 404, `No Event Grid function is named '${printable(functionName.slice(0, 128))}'.`);
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') {
      // CloudEvents 1.0 webhook abuse protection: echo the origin back as allowed.
      const origin = header(req, 'webhook-request-origin');
      if (!origin) return refuse(req, res, 400, 'The WebHook-Request-Origin header is required.');
      const h: Record<string, string> = { 'WebHook-Allowed-Origin': origin, Allow: 'POST' };
      if (header(req, 'webhook-request-rate')) h['WebHook-Allowed-Rate'] = '*';
      return send(res, 200, h);
    }
    if (method !== 'POST') return refuse(req, res, 405, 'Event Grid deliveries are POST requests.');
    const body = await readBody(req, MAX_EVENT_GRID_BYTES);
    if (body === 'too-large') return tooLarge(req, res, MAX_EVENT_GRID_BYTES);
    const eventType = header(req, 'aeg-event-type');
    if (eventType === 'SubscriptionValidation') {
      const events = parseEvents(body);
      const first = events?.[0] as { data?: { validationCode?: unknown } } | undefined;
      const code = first?.data?.validationCode;
      if (typeof code !== 'string') return sendProblem(res, 400, 'The validation event has no data.validationCode.');
      this.log(registration.name, '', 'information', `Subscription validation for ${registration.name}`);
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ validationResponse: code }));
    }
    if (eventType === 'Notification') {
      const events = parseEvents(body);
      if (!events) return sendProblem(res, 400, 'The body is not a JSON event or array of events.');
      let failed = 0;
      for (const event of events) {
        try {
          await this.invoke(registration, event, eventTriggerMetadata(event));
        } catch {
          failed++;
        }
      }
      if (failed > 0) return sendProblem(res, 500, `${failed} of ${events.length} events failed; Event Grid delivers the batch again.`);
      return send(res, 202, {});
    }
    if (eventType === 'Unsubscribe') return send(res, 202, {});
    return sendProblem(res, 400, eventType ? `Unknown aeg-event-type '${printable(eventType.slice(0, 64))}'.` : 'The aeg-event-type header is required.');
  }

  /**
   * Hosts the app's domain-event topic: accepts the publisher client's batches and delivers them to
   * the Event Grid triggers the subscriptions name and to the webhooks. Returns the topic (its key:
   * `key`, or a random one).
   */
  /**
   * Until `releaseRequests`, every request but the hosted topic's is answered 503 (start-up work
   * that publishes domain events runs while the server listens, before anything else is served).
   */
  holdRequests(): void {
    this.held = true;
  }

  releaseRequests(): void {
    this.held = false;
  }

  hostEventTopic(subscriptions: readonly EventSubscriptionDefinition[], webhooks: readonly string[] = [], key?: string): LocalEventTopic {
    this.topic = new LocalEventTopic(
      {
        deliverToFunction: async (functionName, event) => {
          const registration = this.registry.get(functionName);
          if (!registration || registration.trigger.type.toLowerCase() !== 'eventgridtrigger') throw new Error(`no Event Grid trigger named ${functionName}`);
          await this.invoke(registration, event, eventTriggerMetadata(event));
        },
        log: (message) => this.log('runtime', '', 'information', message),
      },
      subscriptions,
      webhooks,
      ...(key === undefined ? [] : [key]),
    );
    return this.topic;
  }

  // ---------------------------------------------------------------- admin, timers

  private async handleAdminInvoke(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    if ((req.method ?? '').toUpperCase() !== 'POST') return refuse(req, res, 405, 'Run a function with POST.');
    const registration = this.registry.get(name);
    if (!registration || registration.trigger.type.toLowerCase() === 'httptrigger') return refuse(req, res, 404, 'No non-HTTP function has this name.');
    const body = await readBody(req, MAX_ADMIN_BYTES);
    if (body === 'too-large') return tooLarge(req, res, MAX_ADMIN_BYTES);
    let input: unknown = undefined;
    if (body.length > 0) {
      try {
        input = (JSON.parse(body.toString('utf8')) as { input?: unknown }).input;
      } catch {
        return sendProblem(res, 400, 'The body must be JSON {"input": ...}.');
      }
    }
    const kind = registration.trigger.type.toLowerCase();
    const value = kind === 'timertrigger' ? timerInput(false) : typeof input === 'string' ? tryJson(input) : input;
    void this.invoke(registration, value).catch(() => undefined);
    return send(res, 202, {});
  }

  private startTimers(): void {
    for (const r of this.registry.list()) {
      if (r.trigger.type.toLowerCase() !== 'timertrigger') continue;
      const expression = this.resolve(String(r.trigger.schedule));
      const schedule = parseSchedule(expression);
      const arm = (): void => {
        if (!this.started) return;
        const now = new Date();
        const next = nextOccurrence(schedule, now);
        const delay = Math.min(next.getTime() - now.getTime(), 2_147_000_000);
        const t = setTimeout(() => {
          void this.invoke(r, timerInput(Date.now() - next.getTime() > 60_000), {}).catch(() => undefined).finally(arm);
        }, delay);
        t.unref();
        this.timers.set(r.name, t);
      };
      if (r.trigger.runOnStartup === true) void this.invoke(r, timerInput(false)).catch(() => undefined);
      arm();
    }
  }

  // ---------------------------------------------------------------- Service Bus

  private async startServiceBus(): Promise<void> {
    for (const r of this.registry.list()) {
      if (r.trigger.type.toLowerCase() !== 'servicebustrigger') continue;
      const connection = typeof r.trigger.connection === 'string' ? r.trigger.connection : 'AzureWebJobsServiceBus';
      const connectionString = this.env[connection];
      const namespace = this.env[`${connection}__fullyQualifiedNamespace`];
      if (!connectionString && !namespace) {
        const note = `${r.name}: Service Bus trigger disabled: the connection setting '${connection}' is not set. Set ${connection} (a connection string) or ${connection}__fullyQualifiedNamespace to enable it.`;
        this.notices.push(note);
        continue;
      }
      const queueName = this.resolve(typeof r.trigger.queueName === 'string' ? r.trigger.queueName : '');
      const pump = new ServiceBusPump({
        functionName: r.name,
        queueName,
        sessions: r.trigger.isSessionsEnabled === true,
        ...(connectionString ? { connectionString } : { fullyQualifiedNamespace: namespace ?? '' }),
        maxConcurrentCalls: this.options.serviceBus?.maxConcurrentCalls ?? 16,
        maxConcurrentSessions: this.options.serviceBus?.maxConcurrentSessions ?? 8,
        maxAutoLockRenewalMs: durationMs(this.options.serviceBus?.maxAutoLockRenewalDuration) ?? 5 * 60_000,
        sessionIdleTimeoutMs: durationMs(this.options.serviceBus?.sessionIdleTimeout) ?? 5_000,
        deliver: (message) => this.deliverServiceBusMessage(r.name, message),
        log: (level, message) => this.log(r.name, '', level, message),
      });
      await pump.start();
      this.pumps.push(pump);
      this.notices.push(`${r.name}: listening on Service Bus queue '${queueName}'${r.trigger.isSessionsEnabled === true ? ' (sessions)' : ''}`);
    }
  }

  /**
   * For a Service Bus trigger with no connection configured: an in-memory queue that delivers to
   * it as the host would (see local-bus.ts). Returns the queue; the caller decides who sends to it.
   */
  emulateServiceBus(functionName: string, options: LocalQueueOptions, queue?: LocalServiceBusQueue): LocalServiceBusQueue {
    const registration = this.registry.get(functionName);
    if (!registration || registration.trigger.type.toLowerCase() !== 'servicebustrigger') throw new Error(`No Service Bus trigger named ${functionName}`);
    if (this.pumps.some((p) => p.functionName === registration.name)) throw new Error(`${functionName} listens on a real Service Bus already`);
    const deliver = (m: DeliverableMessage): Promise<Settlement> => this.deliverServiceBusMessage(registration.name, m);
    // The trigger on this queue's dead-letter sub-queue (`<queue>/$DeadLetterQueue`), if the app has one.
    const queueOf = (r: Registration): string => (typeof r.trigger.queueName === 'string' ? this.safeResolve(r.trigger.queueName).toLowerCase() : '');
    const queueName = queueOf(registration);
    const deadLetterTrigger = this.registry
      .list()
      .find((r) => r.trigger.type.toLowerCase() === 'servicebustrigger' && queueOf(r) === `${queueName}/$deadletterqueue`);
    const deadLetter = deadLetterTrigger && !this.pumps.some((p) => p.functionName === deadLetterTrigger.name) ? (m: DeliverableMessage): Promise<Settlement> => this.deliverServiceBusMessage(deadLetterTrigger.name, m) : undefined;
    // Parallelism as the host's: host.json maxConcurrentCalls / maxConcurrentSessions unless the caller sets them.
    const hostLimits = { maxConcurrentCalls: this.options.serviceBus?.maxConcurrentCalls ?? 16, maxConcurrentSessions: this.options.serviceBus?.maxConcurrentSessions ?? 8 };
    const emulated = queue ?? new LocalServiceBusQueue(deliver, { ...hostLimits, ...options }, deadLetter);
    if (queue) queue.connect(deliver, deadLetter);
    for (const r of [registration, ...(deadLetter && deadLetterTrigger ? [deadLetterTrigger] : [])]) {
      this.emulated.set(r.name, emulated);
      const i = this.notices.findIndex((n) => n.startsWith(`${r.name}: Service Bus trigger disabled`));
      const note = `${r.name}: no Service Bus connection; its queue is emulated in memory (set ${typeof r.trigger.connection === 'string' ? r.trigger.connection : 'the connection'} to use a real namespace)`;
      if (i >= 0) this.notices[i] = note;
      else this.notices.push(note);
    }
    return emulated;
  }

  /** Whether a Service Bus trigger receives from a real namespace. */
  isListening(functionName: string): boolean {
    return this.pumps.some((p) => p.functionName.toLowerCase() === functionName.toLowerCase());
  }

  /**
   * Runs a Service Bus trigger on one received message as the host does: the body (JSON parsed
   * when it is JSON), the message's system properties as trigger metadata; `complete` when the
   * handler returns, `abandon` when it throws.
   */
  async deliverServiceBusMessage(functionName: string, message: DeliverableMessage): Promise<Settlement> {
    const registration = this.registry.get(functionName);
    if (!registration || registration.trigger.type.toLowerCase() !== 'servicebustrigger') {
      throw new Error(`No Service Bus trigger named ${functionName}`);
    }
    if (!this.started) return 'abandon'; // a stopped app settles nothing: the message is delivered again
    const body = decodeServiceBusBody(message.body);
    const metadata: Record<string, unknown> = {
      messageId: message.messageId,
      sessionId: message.sessionId,
      deliveryCount: message.deliveryCount ?? 1,
      enqueuedTimeUtc: (message.enqueuedTimeUtc ?? new Date()).toISOString(),
      contentType: message.contentType,
      correlationId: message.correlationId,
      subject: message.subject,
      applicationProperties: message.applicationProperties ?? {},
      userProperties: message.applicationProperties ?? {},
      ...(message.deadLetterReason !== undefined ? { deadLetterReason: message.deadLetterReason } : {}),
      ...(message.deadLetterErrorDescription !== undefined ? { deadLetterErrorDescription: message.deadLetterErrorDescription } : {}),
    };
    try {
      await this.invoke(registration, body, metadata);
      return 'complete';
    } catch {
      return 'abandon';
    }
  }
}

// ------------------------------------------------------------------ helpers

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body?: string): void {
  res.writeHead(status, body !== undefined && !headers['content-type'] ? { ...headers, 'content-type': 'text/plain; charset=utf-8' } : headers);
  res.end(body);
}

/** An RFC 9457 problem answered by the runtime itself (never an empty or plain-text error). */
function sendProblem(res: http.ServerResponse, status: number, detail: string, headers: Record<string, string> = {}): void {
  const p = problem(status, detail, { headers });
  res.writeHead(status, p.headers as Record<string, string>);
  res.end(p.body as string);
}

/**
 * Answers a problem without reading the request body: a body still arriving is not buffered, and
 * the connection is closed after the answer (so an unread body cannot be taken for the next request).
 */
/**
 * A request Node's parser refuses before any handler sees it. Node's own answer to headers over
 * its limit is a bare `431` with no body; this one is the same status with problem details, like
 * every other refusal here. Other parser errors keep Node's answers (408 for a request that timed
 * out, else 400).
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const body = JSON.stringify({
      type: 'about:blank',
      title: 'Request Header Fields Too Large',
      status: 431,
      detail: `The request's headers are larger than ${http.maxHeaderSize} bytes.`,
    });
    socket.end(`HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/problem+json\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  socket.end(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
}

function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, detail: string, headers: Record<string, string> = {}): void {
  const pending = !req.complete && (req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined);
  sendProblem(res, status, detail, pending ? { ...headers, connection: 'close' } : headers);
  if (pending) {
    req.resume(); // drain what is already in flight into nothing, then drop the connection
    res.once('finish', () => setTimeout(() => req.destroy(), 50).unref());
  }
}

function tooLarge(req: http.IncomingMessage, res: http.ServerResponse, limit: number): void {
  refuse(req, res, 413, `The request body is larger than ${limit} bytes.`, {});
}

/**
 * The body, or 'too-large' as soon as the declared `Content-Length` or the bytes read pass `limit`:
 * nothing beyond the limit is ever held, and the rest of an oversized body is not read.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      chunks.length = 0;
      resolve('too-large');
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (bytes), when set to a positive whole number. */
function bodyLimitSetting(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return n > 0 ? n : undefined;
}

function parseEvents(body: Buffer): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed)) return parsed as unknown[];
  if (parsed !== null && typeof parsed === 'object') return [parsed];
  return undefined;
}

function eventTriggerMetadata(event: unknown): Record<string, unknown> {
  if (event === null || typeof event !== 'object') return {};
  const e = event as Record<string, unknown>;
  return { id: e.id, subject: e.subject, eventType: e.eventType ?? e.type, topic: e.topic ?? e.source };
}

function timerInput(isPastDue: boolean): unknown {
  return { isPastDue, schedule: { adjustForDST: false }, scheduleStatus: { last: new Date().toISOString(), next: '', lastUpdated: new Date().toISOString() } };
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function decodeServiceBusBody(body: unknown): unknown {
  if (Buffer.isBuffer(body) || body instanceof Uint8Array) return tryJson(Buffer.from(body).toString('utf8'));
  if (typeof body === 'string') return tryJson(body);
  return body;
}

/** `hh:mm:ss[.fff]` TimeSpan → milliseconds. */
export function durationMs(span: string | undefined): number | undefined {
  if (!span) return undefined;
  const m = /^(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(span);
  if (!m) return undefined;
  const frac = m[4] ? Number(`0.${m[4]}`) : 0;
  return Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + frac) * 1000);
}

function formatArg(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return a.stack ?? a.message;
  try {
    return JSON.stringify(a);
  } catch {
    return String(a);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}


/**
 * The local Functions runtime: serves the `app.*` registrations captured by `functions-core.ts` the
 * way the Functions host and the Node.js worker do, on a machine that has only Node. Where app code
 * can tell the difference, it behaves as they do (docs/local-runtime.md lists what still differs):
 *
 * - HTTP triggers at `http://localhost:<port>/api/<route>`: a path no function serves, or a method
 *   the function does not take, is an empty 404 (the host has no 405 of its own); a function that
 *   fails is an empty 500; the request and the response go through the app's own `@azure/functions`
 *   as the worker does it (worker.ts), converted as the host converts them (host-http.ts); with
 *   `enableHttpStream` both bodies are streamed (http-stream.ts);
 * - Event Grid deliveries at `POST /runtime/webhooks/eventgrid?functionName=<name>` (validation
 *   handshake, notifications in the Event Grid schema or CloudEvents 1.0, unsubscribe, the
 *   CloudEvents `OPTIONS` abuse-protection handshake);
 * - Service Bus queue triggers through a real `ServiceBusReceiver` when the trigger's connection
 *   setting is present (peek-lock; complete on success, abandon on throw; sessions when enabled);
 * - timer triggers on their NCRONTAB schedule; `POST /admin/functions/<name>` runs any non-HTTP
 *   function once, as with Core Tools;
 * - every invocation logged as the host logs it (host-log.ts).
 *
 * Production never loads this module: the real host does all of this.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { FunctionRegistry, Registration } from './functions-core.js';
import { compileRoute, matchSegments, pathSegments, compareRoutes, type CompiledRoute } from './routes.js';
import { parseSchedule, nextOccurrence } from './ncrontab.js';
import { ServiceBusPump, type DeliverableMessage, type Settlement } from './service-bus.js';
import { LocalServiceBusQueue, type LocalQueueOptions } from './local-bus.js';
import { LocalEventTopic, type EventSubscriptionDefinition } from './event-grid-topic.js';
import {
  LocalWorker,
  type InvocationRequest,
  type RpcHttpData,
  type RpcInvocationResponse,
  type RpcTypedData,
} from './worker.js';
import { hostQuery, hostRequestHeaders, hostRequestUrl, hostResponse, nullable, originForm } from './host-http.js';
import { forwardToWorker, type ForwardOutcome } from './http-stream.js';
import {
  HOST_CALL_REASON,
  SERVICE_BUS_REASON,
  eventGridReason,
  executedLine,
  executingLine,
  serviceBusDetails,
  timerReason,
  triggerDetailsLine,
} from './host-log.js';
import { problem } from '../../shared/http/responses.js';
import { printable } from '../../shared/domain/printable.js';

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';
/** The levels, lowest first. */
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'information', 'warning', 'error', 'critical'];
export interface LogLine {
  functionName: string;
  invocationId: string;
  level: LogLevel;
  /**
   * The host's log category: `Function.<name>` for the host's lines about an invocation,
   * `Function.<name>.User` for what the function itself logs; `Host.Triggers.<extension>` and
   * `Host.LocalRuntime` for the runtime's own lines.
   */
  category: string;
  message: string;
  /** What a failed invocation failed with (the host attaches it to its `Executed ... (Failed, ...)` line). */
  exception?: string;
}

export interface RuntimeOptions {
  /** Settings used to resolve `%NAME%` binding expressions and connection names (default: process.env). */
  env?: Record<string, string | undefined>;
  /** The HTTP route prefix (host.json `extensions.http.routePrefix`), default `api`. */
  routePrefix?: string;
  /** host.json `extensions.serviceBus` values. */
  serviceBus?: {
    maxConcurrentCalls?: number;
    maxConcurrentSessions?: number;
    maxAutoLockRenewalDuration?: string;
    sessionIdleTimeout?: string;
  };
  /** Receives every log line of every invocation and of the runtime itself. */
  onLog?: (line: LogLine) => void;
  /**
   * Without onLog: the lowest level printed (default `information`, as the host's default
   * `logging.logLevel`); `warning` leaves out the invocation lines and what functions log as
   * information, `debug` adds their debug lines.
   */
  logLevel?: LogLevel;
  /** Start timer triggers (default true). */
  timers?: boolean;
  /**
   * Body size limit for HTTP requests in bytes: the host's `FUNCTIONS_REQUEST_BODY_SIZE_LIMIT`
   * setting when present, otherwise the host's default, 100 MiB (ScriptConstants.DefaultMaxRequestBodySize).
   * A larger `Content-Length` is refused (an empty 413) before reading; a body that grows past it
   * is cut there, so no request ever holds more than the limit in memory.
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
  /** The methods the trigger takes; undefined: every method (a trigger without `methods` has no method constraint). */
  methods: Set<string> | undefined;
}

/**
 * The host's request body limit when FUNCTIONS_REQUEST_BODY_SIZE_LIMIT is not set (Azure/azure-functions-host
 * src/WebJobs.Script/ScriptConstants.cs DefaultMaxRequestBodySize, given to Kestrel in src/WebJobs.Script.WebHost/Program.cs).
 */
export const HOST_DEFAULT_MAX_REQUEST_BYTES = 104_857_600;
/** How long a request waits for a host that is still starting before its 503 (ScriptConstants.HostTimeoutSeconds). */
const HOST_READY_TIMEOUT_MS = 30_000;
/** The host's stream forwarder gives up on a silent worker after this (DefaultHttpProxyService: ActivityTimeout). */
const STREAM_ACTIVITY_TIMEOUT_MS = 240_000;
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
  /** The Node.js worker's half: hooks, the app's programming model, its capabilities. */
  readonly worker: LocalWorker;
  readonly notices: string[] = [];
  /** The app's domain-event topic, when hosted (see event-grid-topic.ts). */
  topic: LocalEventTopic | undefined;
  /** Requests other than the topic's wait (see holdRequests). */
  private held: { released: Promise<void>; release: () => void } | undefined;

  constructor(
    readonly registry: FunctionRegistry,
    private readonly options: RuntimeOptions = {},
  ) {
    this.env = options.env ?? process.env;
    this.routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
    this.maxRequestBytes =
      options.maxRequestBytes ??
      bodyLimitSetting(this.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT) ??
      HOST_DEFAULT_MAX_REQUEST_BYTES;
    this.worker = new LocalWorker(registry, (functionName, invocationId, level, message, category) =>
      this.log(
        functionName,
        invocationId,
        level,
        message,
        category === 'user' ? `Function.${functionName}.User` : `Function.${functionName}`,
      ),
    );
    for (const registration of registry.list()) {
      if (registration.trigger.type.toLowerCase() !== 'httptrigger') continue;
      const template = typeof registration.trigger.route === 'string' ? registration.trigger.route : registration.name;
      const methods = Array.isArray(registration.trigger.methods)
        ? new Set((registration.trigger.methods as string[]).map((m) => m.toUpperCase()))
        : undefined;
      this.httpRoutes.push({ registration, route: compileRoute(this.resolve(template)), methods });
    }
    this.httpRoutes.sort((a, b) => compareRoutes(a.route, b.route));
  }

  get url(): string {
    return this.baseUrl;
  }

  /** The request body limit in bytes (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, or the host's default). */
  get requestBodyLimit(): number {
    return this.maxRequestBytes;
  }

  /** Resolves `%NAME%` binding expressions from the settings, as the host does. */
  resolve(value: string): string {
    return value.replace(/%([^%]+)%/g, (_, name: string) => {
      const v = this.env[name];
      if (v === undefined) throw new Error(`Binding expression %${name}% names a setting that is not set`);
      return v;
    });
  }

  /**
   * Starts as the host does: the worker first (its appStart hooks, then its capabilities: the app's
   * `@azure/functions` locks `app.setup` and opens its stream proxy there), then the HTTP listener,
   * the timers and the Service Bus listeners.
   */
  async start(port = 7071, host = '127.0.0.1'): Promise<string> {
    if (this.started) return this.baseUrl;
    await this.worker.start(this.registry.appDirectory ?? process.cwd());
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log('runtime', '', 'error', `Unhandled error: ${errorText(err)}`, 'Host.LocalRuntime');
        if (!res.headersSent) answerEmpty(req, res, 500);
        else res.destroy();
      });
    });
    // Kestrel keeps an idle connection 130 s (KestrelServerLimits.KeepAliveTimeout, dotnet/aspnetcore
    // src/Servers/Kestrel/Core/src/KestrelServerLimits.cs); Node's own default, 5 s, made clients that
    // paused a few seconds connect again.
    server.keepAliveTimeout = 130_000;
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
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // The worker is told to terminate last, once nothing reaches the app any more.
    await this.worker.terminate();
  }

  /** One line per function with how to reach it, like `func start` prints. */
  describe(): string[] {
    const lines: string[] = [];
    for (const r of this.registry.list()) {
      const t = r.trigger;
      switch (t.type.toLowerCase()) {
        case 'httptrigger': {
          const route = this.httpRoutes.find((h) => h.registration === r);
          const methods = route?.methods ? [...route.methods].join(',') : 'all';
          lines.push(`${r.name}: [${methods}] ${this.baseUrl}/${this.routePrefix}/${route?.route.template ?? r.name}`);
          break;
        }
        case 'eventgridtrigger':
          lines.push(`${r.name}: eventGridTrigger ${this.baseUrl}/runtime/webhooks/eventgrid?functionName=${r.name}`);
          break;
        case 'servicebustrigger': {
          const state = this.pumps.some((p) => p.functionName === r.name)
            ? 'listening'
            : this.emulated.has(r.name)
              ? 'emulated in memory'
              : 'disabled';
          lines.push(
            `${r.name}: serviceBusTrigger queue=${this.safeResolve(String(t.queueName ?? t.topicName))} (${state})`,
          );
          break;
        }
        case 'timertrigger':
          lines.push(
            `${r.name}: timerTrigger schedule=${this.safeResolve(String(t.schedule))} (run now: POST ${this.baseUrl}/admin/functions/${r.name})`,
          );
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

  /**
   * Runs a function once, as the host does when a trigger fires: `input` is the trigger's value and
   * `triggerMetadata` its metadata, both handed to the worker as the host's RPC data (so the app's
   * `@azure/functions` converts them as in Azure: trigger metadata keys and nested keys camel-cased,
   * strings parsed as JSON where they are JSON). Logged as the host logs it, with `reason` (default:
   * a call through the host's APIs). Rejects when the invocation fails.
   */
  async invoke(
    registration: Registration,
    input: unknown,
    options: { triggerMetadata?: Record<string, unknown>; reason?: string; details?: string } = {},
  ): Promise<void> {
    const metadata = options.triggerMetadata;
    await this.execute(
      registration,
      randomUUID(),
      options.reason ?? HOST_CALL_REASON,
      () =>
        Promise.resolve({
          inputData: [{ name: registration.trigger.name, data: typedData(input) }],
          ...(metadata ? { triggerMetadata: typedMetadata(metadata) } : {}),
        }),
      options.details,
    );
  }

  /**
   * One invocation between the host's two log lines: `Executing ...` (and the trigger's details),
   * then the request (`prepare`, which may fail, as reading an HTTP body can), the worker's
   * invocation, and `Executed ... (Succeeded|Failed, Id=..., Duration=...ms)`.
   */
  private async execute(
    registration: Registration,
    invocationId: string,
    reason: string,
    prepare: () => Promise<Omit<InvocationRequest, 'invocationId'>>,
    details?: string,
  ): Promise<RpcInvocationResponse> {
    const name = registration.name;
    const startedAt = performance.now();
    const category = `Function.${name}`;
    this.log(name, invocationId, 'information', executingLine(name, reason, invocationId), category);
    if (details) this.log(name, invocationId, 'information', triggerDetailsLine(details), category);
    try {
      const request = await prepare();
      const response = await this.worker.invoke(registration, { invocationId, ...request });
      this.log(
        name,
        invocationId,
        'information',
        executedLine(name, true, invocationId, performance.now() - startedAt),
        category,
      );
      return response;
    } catch (err) {
      this.log(
        name,
        invocationId,
        'error',
        executedLine(name, false, invocationId, performance.now() - startedAt),
        category,
        errorText(err),
      );
      throw err;
    }
  }

  private log(
    functionName: string,
    invocationId: string,
    level: LogLevel,
    message: string,
    category: string,
    exception?: string,
  ): void {
    if (this.options.onLog) {
      this.options.onLog({
        functionName,
        invocationId,
        level,
        category,
        message: printable(message),
        ...(exception === undefined ? {} : { exception: printable(exception) }),
      });
      return;
    }
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.options.logLevel ?? 'information')) return;
    const at = new Date().toISOString();
    const lines = [
      `[${at}] ${functionName}: ${printable(message)}`,
      ...(exception === undefined ? [] : [`[${at}] ${functionName}: ${printable(exception)}`]),
    ];
    for (const line of lines) {
      if (level === 'error' || level === 'critical' || level === 'warning') console.error(line);
      else console.log(line);
    }
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(originForm(req.url ?? '/'), 'http://localhost');
    } catch {
      return answerEmpty(req, res, 400);
    }
    const path = url.pathname;
    if (this.topic && (await this.topic.handle(req, res, path, () => readBody(req, 1024 * 1024)))) return;
    if (this.held && !(await this.hostReady())) {
      // HostAvailabilityCheckMiddleware: after waiting for the host, this text with no content type.
      return answerEmpty(req, res, 503, {}, 'Function host is not running.');
    }
    if (path.toLowerCase() === '/runtime/webhooks/eventgrid') return this.handleEventGrid(req, res, url);
    if (path.toLowerCase().startsWith('/admin/functions/')) {
      const name = safeDecode(path.slice('/admin/functions/'.length));
      if (name === undefined) return answerEmpty(req, res, 404);
      return this.handleAdminInvoke(req, res, name);
    }
    const prefix = this.routePrefix ? `/${this.routePrefix}` : '';
    if (!prefix || path.toLowerCase() === prefix || path.toLowerCase().startsWith(`${prefix}/`)) {
      const rawPath = originForm(req.url ?? '/').split('?')[0] ?? '/';
      const segments = pathSegments(rawPath.slice(prefix.length));
      const method = (req.method ?? 'GET').toUpperCase();
      // The host's routes carry an HttpMethodRouteConstraint: a method the function does not take is
      // no match, and the next route is tried (Azure/azure-functions-host src/WebJobs.Script.WebHost/WebScriptHostHttpRoutesManager.cs).
      for (const candidate of this.httpRoutes) {
        if (candidate.methods && !candidate.methods.has(method)) continue;
        const params = matchSegments(candidate.route, segments);
        if (!params) continue;
        const workerUri = this.worker.reportedCapabilities.HttpUri;
        return workerUri
          ? this.invokeHttpStream(candidate.registration, req, res, url, params, workerUri)
          : this.invokeHttp(candidate.registration, req, res, url, params);
      }
    }
    // HomepageMiddleware answers "/" when no function did: a page, or 204 when AzureWebJobsDisableHomepage is true.
    if (path === '/') {
      if ((this.env.AzureWebJobsDisableHomepage ?? '').toLowerCase() === 'true') return answerEmpty(req, res, 204);
      return answerEmpty(req, res, 200, { 'content-type': 'text/html' }, HOMEPAGE);
    }
    // Nothing in the host's pipeline answered: ASP.NET Core's empty 404.
    return answerEmpty(req, res, 404);
  }

  /** The HTTP request as the host hands it to the worker (without its body). */
  private rpcRequest(req: http.IncomingMessage, url: URL, params: Record<string, string>): RpcHttpData {
    return {
      method: (req.method ?? 'GET').toUpperCase(),
      url: hostRequestUrl(req, this.baseUrl.replace(/^http:\/\//, '')),
      nullableHeaders: nullable(this.requestHeaders(req)),
      nullableQuery: nullable(hostQuery(url.search)),
      nullableParams: nullable(params),
    };
  }

  private requestHeaders(req: http.IncomingMessage): Record<string, string> {
    const headers = hostRequestHeaders(req);
    if (this.options.principalHeader && headers['x-ms-client-principal'] === undefined)
      headers['x-ms-client-principal'] = this.options.principalHeader;
    return headers;
  }

  /**
   * An HTTP invocation as the host runs one without streaming: the body read before the invocation
   * (only a body with a Content-Length: a chunked one reaches the function empty and is drained
   * afterwards, within the limit), the worker's answer written back, an empty 500 when it failed.
   */
  private async invokeHttp(
    registration: Registration,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    params: Record<string, string>,
  ): Promise<void> {
    const declared = declaredLength(req);
    if (declared === undefined && req.headers['transfer-encoding'] !== undefined)
      drainAfterAnswer(req, res, this.maxRequestBytes);
    let response: RpcInvocationResponse;
    try {
      response = await this.execute(registration, randomUUID(), HOST_CALL_REASON, async () => {
        const http = this.rpcRequest(req, url, params);
        if (declared !== undefined && declared > 0) {
          const body = await readBody(req, this.maxRequestBytes);
          if (body === 'too-large') throw new RequestTooLarge(this.maxRequestBytes);
          http.body = { bytes: body };
        }
        return { inputData: [{ name: registration.trigger.name, data: { http } }] };
      });
    } catch (err) {
      return answerEmpty(req, res, err instanceof RequestTooLarge ? 413 : 500);
    }
    let answer: ReturnType<typeof hostResponse>;
    try {
      answer = hostResponse(response.returnValue?.http);
      res.writeHead(answer.status, answer.headers);
    } catch (err) {
      this.log(
        registration.name,
        '',
        'error',
        `The response could not be written: ${errorText(err)}`,
        `Function.${registration.name}`,
      );
      return answerEmpty(req, res, 500);
    }
    res.end(answer.body);
  }

  /**
   * An HTTP invocation with `enableHttpStream`: the request is forwarded to the worker's proxy as it
   * arrives while the worker runs the function, and the function's answer comes back the same way.
   */
  private async invokeHttpStream(
    registration: Registration,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    params: Record<string, string>,
    workerUri: string,
  ): Promise<void> {
    const invocationId = randomUUID();
    const declared = declaredLength(req);
    if (declared !== undefined && declared > this.maxRequestBytes) {
      await this.execute(registration, invocationId, HOST_CALL_REASON, () =>
        Promise.reject(new RequestTooLarge(this.maxRequestBytes)),
      ).catch(() => undefined);
      return answerEmpty(req, res, 413);
    }
    const forwarding = forwardToWorker(req, res, workerUri, invocationId, this.maxRequestBytes);
    // With a stream proxy the host sends the worker an empty RpcHttp and the request's headers,
    // query and route parameters as trigger metadata (the library builds the request from those).
    const triggerMetadata: Record<string, RpcTypedData> = {
      Headers: { json: JSON.stringify(this.requestHeaders(req)) },
      Query: { json: JSON.stringify(hostQuery(url.search)) },
      ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { string: v }])),
    };
    const run = this.execute(registration, invocationId, HOST_CALL_REASON, () =>
      Promise.resolve({ inputData: [{ name: registration.trigger.name, data: { http: {} } }], triggerMetadata }),
    ).then(
      () => undefined,
      (err: unknown) => err ?? new Error('the invocation failed'),
    );
    const first = await Promise.race([
      run.then((error) => ({ kind: 'invoked' as const, error })),
      forwarding.done.then((outcome) => ({ kind: 'forwarded' as const, outcome })),
    ]);
    let outcome: ForwardOutcome | 'timed-out';
    if (first.kind === 'forwarded') outcome = first.outcome;
    else if (first.error !== undefined) outcome = forwarding.tooLarge() ? 'too-large' : 'failed';
    // A function that returned no response leaves the proxy without an answer: the host's forwarder
    // gives up after its activity timeout (240 s) with a 504.
    else outcome = await within(forwarding.done, STREAM_ACTIVITY_TIMEOUT_MS, 'timed-out' as const);
    if (outcome === 'answered' || outcome === 'client-gone') return;
    forwarding.abort();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    answerEmpty(req, res, outcome === 'too-large' ? 413 : outcome === 'timed-out' ? 504 : 500);
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
      this.log(
        registration.name,
        '',
        'information',
        `Subscription validation for ${registration.name}`,
        'Host.Triggers.EventGrid',
      );
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ validationResponse: code }));
    }
    if (eventType === 'Notification') {
      const events = parseEvents(body);
      if (!events) return sendProblem(res, 400, 'The body is not a JSON event or array of events.');
      let failed = 0;
      for (const event of events) {
        try {
          await this.invoke(registration, event, {
            triggerMetadata: eventTriggerMetadata(event),
            reason: eventGridReason(),
          });
        } catch {
          failed++;
        }
      }
      if (failed > 0)
        return sendProblem(
          res,
          500,
          `${failed} of ${events.length} events failed; Event Grid delivers the batch again.`,
        );
      return send(res, 202, {});
    }
    if (eventType === 'Unsubscribe') return send(res, 202, {});
    return sendProblem(
      res,
      400,
      eventType
        ? `Unknown aeg-event-type '${printable(eventType.slice(0, 64))}'.`
        : 'The aeg-event-type header is required.',
    );
  }

  /**
   * Until `releaseRequests`, every request but the hosted topic's waits, as requests wait for a host
   * that is starting (start-up work that publishes domain events runs while the server listens,
   * before anything else is served); one that waited 30 s is answered 503, as the host answers it
   * (Azure/azure-functions-host src/WebJobs.Script.WebHost/Middleware/HostAvailabilityCheckMiddleware.cs).
   */
  holdRequests(): void {
    if (this.held) return;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.held = { released, release };
  }

  releaseRequests(): void {
    const held = this.held;
    this.held = undefined;
    held?.release();
  }

  /** Whether the host is (or became, within the host's wait) ready to serve. */
  private async hostReady(): Promise<boolean> {
    const held = this.held;
    if (!held) return true;
    return within(
      held.released.then(() => true),
      HOST_READY_TIMEOUT_MS,
      false,
    );
  }

  /**
   * Hosts the app's domain-event topic: accepts the publisher client's batches and delivers them to
   * the Event Grid triggers the subscriptions name and to the webhooks. Returns the topic (its key:
   * `key`, or a random one).
   */
  hostEventTopic(
    subscriptions: readonly EventSubscriptionDefinition[],
    webhooks: readonly string[] = [],
    key?: string,
  ): LocalEventTopic {
    this.topic = new LocalEventTopic(
      {
        deliverToFunction: async (functionName, event) => {
          const registration = this.registry.get(functionName);
          if (!registration || registration.trigger.type.toLowerCase() !== 'eventgridtrigger')
            throw new Error(`no Event Grid trigger named ${functionName}`);
          await this.invoke(registration, event, {
            triggerMetadata: eventTriggerMetadata(event),
            reason: eventGridReason(),
          });
        },
        log: (message) => this.log('runtime', '', 'information', message, 'Host.LocalRuntime'),
      },
      subscriptions,
      webhooks,
      ...(key === undefined ? [] : [key]),
    );
    return this.topic;
  }

  // ---------------------------------------------------------------- admin, timers

  /**
   * `POST /admin/functions/{name}` as the host's FunctionsController.Invoke answers it: a body that is
   * not a JSON object (`{"input": ...}`) is an empty 400, an unknown function an empty 404, and the
   * invocation runs in the background after an empty 202. Other methods and other admin routes are
   * not served here (docs/local-runtime.md): an empty 404.
   */
  private async handleAdminInvoke(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    if ((req.method ?? '').toUpperCase() !== 'POST') return answerEmpty(req, res, 404);
    const body = await readBody(req, MAX_ADMIN_BYTES);
    if (body === 'too-large') return answerEmpty(req, res, 413);
    let invocation: unknown;
    try {
      invocation = body.length > 0 ? JSON.parse(body.toString('utf8')) : null;
    } catch {
      invocation = null;
    }
    if (invocation === null || typeof invocation !== 'object' || Array.isArray(invocation))
      return answerEmpty(req, res, 400);
    const registration = this.registry.get(name);
    if (!registration || registration.trigger.type.toLowerCase() === 'httptrigger') return answerEmpty(req, res, 404);
    const input = (invocation as { input?: unknown }).input;
    const value = registration.trigger.type.toLowerCase() === 'timertrigger' ? timerInput(false) : input;
    void this.invoke(registration, value).catch(() => undefined);
    return answerEmpty(req, res, 202);
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
          void this.invoke(r, timerInput(Date.now() - next.getTime() > 60_000), { reason: timerReason() })
            .catch(() => undefined)
            .finally(arm);
        }, delay);
        t.unref();
        this.timers.set(r.name, t);
      };
      if (r.trigger.runOnStartup === true)
        void this.invoke(r, timerInput(false), { reason: timerReason() }).catch(() => undefined);
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
        log: (level, message) => this.log(r.name, '', level, message, 'Host.Triggers.ServiceBus'),
      });
      await pump.start();
      this.pumps.push(pump);
      this.notices.push(
        `${r.name}: listening on Service Bus queue '${queueName}'${r.trigger.isSessionsEnabled === true ? ' (sessions)' : ''}`,
      );
    }
  }

  /**
   * For a Service Bus trigger with no connection configured: an in-memory queue that delivers to
   * it as the host would (see local-bus.ts). Returns the queue; the caller decides who sends to it.
   */
  emulateServiceBus(
    functionName: string,
    options: LocalQueueOptions,
    queue?: LocalServiceBusQueue,
  ): LocalServiceBusQueue {
    const registration = this.registry.get(functionName);
    if (!registration || registration.trigger.type.toLowerCase() !== 'servicebustrigger')
      throw new Error(`No Service Bus trigger named ${functionName}`);
    if (this.pumps.some((p) => p.functionName === registration.name))
      throw new Error(`${functionName} listens on a real Service Bus already`);
    const deliver = (m: DeliverableMessage): Promise<Settlement> => this.deliverServiceBusMessage(registration.name, m);
    // The trigger on this queue's dead-letter sub-queue (`<queue>/$DeadLetterQueue`), if the app has one.
    const queueOf = (r: Registration): string =>
      typeof r.trigger.queueName === 'string' ? this.safeResolve(r.trigger.queueName).toLowerCase() : '';
    const queueName = queueOf(registration);
    const deadLetterTrigger = this.registry
      .list()
      .find(
        (r) => r.trigger.type.toLowerCase() === 'servicebustrigger' && queueOf(r) === `${queueName}/$deadletterqueue`,
      );
    const deadLetter =
      deadLetterTrigger && !this.pumps.some((p) => p.functionName === deadLetterTrigger.name)
        ? (m: DeliverableMessage): Promise<Settlement> => this.deliverServiceBusMessage(deadLetterTrigger.name, m)
        : undefined;
    // Parallelism as the host's: host.json maxConcurrentCalls / maxConcurrentSessions unless the caller sets them.
    const hostLimits = {
      maxConcurrentCalls: this.options.serviceBus?.maxConcurrentCalls ?? 16,
      maxConcurrentSessions: this.options.serviceBus?.maxConcurrentSessions ?? 8,
    };
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
    // The Service Bus extension's binding data (Azure/azure-sdk-for-net,
    // sdk/servicebus/Microsoft.Azure.WebJobs.Extensions.ServiceBus/src/Triggers/ServiceBusTriggerBindingStrategy.cs,
    // AddBindingData), keyed as the host sends them; the app's library camel-cases the keys, nested
    // ones too. A dead letter's reason is only in the application properties, as Service Bus sets it.
    const applicationProperties: Record<string, unknown> = { ...(message.applicationProperties ?? {}) };
    if (message.deadLetterReason !== undefined && applicationProperties.DeadLetterReason === undefined)
      applicationProperties.DeadLetterReason = message.deadLetterReason;
    if (
      message.deadLetterErrorDescription !== undefined &&
      applicationProperties.DeadLetterErrorDescription === undefined
    )
      applicationProperties.DeadLetterErrorDescription = message.deadLetterErrorDescription;
    const enqueued = (message.enqueuedTimeUtc ?? new Date()).toISOString();
    const metadata: Record<string, unknown> = {
      DeliveryCount: message.deliveryCount ?? 1,
      EnqueuedTimeUtc: enqueued,
      EnqueuedTime: enqueued,
      MessageId: idText(message.messageId),
      ContentType: message.contentType,
      SequenceNumber: message.sequenceNumber === undefined ? undefined : Number(message.sequenceNumber.toString()),
      Subject: message.subject,
      Label: message.subject,
      CorrelationId: idText(message.correlationId),
      ApplicationProperties: applicationProperties,
      UserProperties: applicationProperties,
      SessionId: message.sessionId,
    };
    const details = serviceBusDetails({
      messageId: message.messageId,
      sequenceNumber: message.sequenceNumber,
      deliveryCount: message.deliveryCount ?? 1,
      enqueuedTimeUtc: message.enqueuedTimeUtc,
      lockedUntilUtc: message.lockedUntilUtc,
      sessionId: message.sessionId,
    });
    try {
      await this.invoke(registration, body, { triggerMetadata: metadata, reason: SERVICE_BUS_REASON, details });
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
  res.writeHead(
    status,
    body !== undefined && !headers['content-type']
      ? { ...headers, 'content-type': 'text/plain; charset=utf-8' }
      : headers,
  );
  res.end(body);
}

/** An RFC 9457 problem answered by the Event Grid webhook (a difference from the extension's text answers, docs/local-runtime.md). */
function sendProblem(
  res: http.ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const p = problem(status, detail, { headers });
  res.writeHead(status, p.headers as Record<string, string>);
  res.end(p.body as string);
}

/**
 * A request Node's parser refuses before any handler sees it. Node's own answer to headers over
 * its limit is a bare `431` with no body, as Kestrel's is; this one is the same status with problem
 * details (a deliberate difference, docs/local-runtime.md). Other parser errors keep Node's
 * answers (408 for a request that timed out, else 400).
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
    socket.end(
      `HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/problem+json\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return;
  }
  socket.end(
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'
      : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n',
  );
}

/** Whether part of the request body has not been read yet. */
function bodyPending(req: http.IncomingMessage): boolean {
  return (
    !req.complete &&
    (req.headers['content-length'] !== undefined
      ? req.headers['content-length'] !== '0'
      : req.headers['transfer-encoding'] !== undefined)
  );
}

/** After answering a request whose body was not read: drop what is in flight, then the connection (an unread body cannot be taken for the next request). */
function closeAfterAnswer(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  res.once('finish', () => setTimeout(() => req.destroy(), 50).unref());
}

/** A problem answered by the local runtime for the Event Grid webhook, without reading the body. */
function refuse(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const pending = bodyPending(req);
  sendProblem(res, status, detail, pending ? { ...headers, connection: 'close' } : headers);
  if (pending) closeAfterAnswer(req, res);
}

/**
 * An answer of the host's own: a status with an empty body (ASP.NET Core's NotFound/BadRequest/
 * Accepted/StatusCode results, Kestrel's rejections), or the short text some write. The body of
 * the request is not read; when some of it is still coming, the connection is closed after the
 * answer, as Kestrel does for a request it rejected.
 */
function answerEmpty(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  text?: string,
): void {
  const body = text === undefined ? undefined : Buffer.from(text, 'utf8');
  const pending = bodyPending(req);
  res.writeHead(status, {
    ...headers,
    'content-length': String(body?.length ?? 0),
    ...(pending ? { connection: 'close' } : {}),
  });
  res.end(body);
  if (pending) closeAfterAnswer(req, res);
}

/**
 * The rest of a request body the function never saw (a chunked body without streaming), read into
 * nothing once the answer is written, as Kestrel drains it — within the body limit: past it, the
 * connection is closed.
 */
function drainAfterAnswer(req: http.IncomingMessage, res: http.ServerResponse, limit: number): void {
  res.once('finish', () => {
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit) req.socket.destroy();
    });
    req.resume();
  });
}

/** Kestrel's rejection of a body over MaxRequestBodySize, found while binding the HTTP request. */
class RequestTooLarge extends Error {
  constructor(limit: number) {
    super(`Request body too large. The max request body size is ${limit} bytes.`);
    this.name = 'BadHttpRequestException';
  }
}

/** The declared Content-Length, when the request has a valid one. */
function declaredLength(req: http.IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** What the host's home page says (HomepageMiddleware serves its own page at "/"). */
const HOMEPAGE =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Azure Functions</title></head><body><p>Your Functions 4.0 app is up and running (local runtime).</p></body></html>';

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

/**
 * The Event Grid trigger's binding data: the event's `data` only (Azure/azure-sdk-for-net,
 * sdk/eventgrid/Microsoft.Azure.WebJobs.Extensions.EventGrid/src/TriggerBinding/EventGridTriggerAttributeBindingProvider.cs).
 */
function eventTriggerMetadata(event: unknown): Record<string, unknown> {
  if (event === null || typeof event !== 'object') return {};
  return { data: (event as Record<string, unknown>).data ?? null };
}

/** The host's TimerInfo, as it serializes it (PascalCase; the library camel-cases it for a timer trigger). */
function timerInput(isPastDue: boolean): unknown {
  const now = new Date().toISOString();
  return {
    Schedule: { AdjustForDST: true },
    ScheduleStatus: { Last: now, Next: now, LastUpdated: now },
    IsPastDue: isPastDue,
  };
}

/** A Service Bus message or correlation id as the extension binds it: a string. */
function idText(id: string | number | Buffer | undefined): string | undefined {
  if (id === undefined || typeof id === 'string') return id;
  return Buffer.isBuffer(id) ? id.toString('hex') : String(id);
}

/** A value as the host hands it to the worker: strings as strings, bytes as bytes, the rest as JSON. */
function typedData(value: unknown): RpcTypedData {
  if (value === undefined) return {};
  if (typeof value === 'string') return { string: value };
  if (value instanceof Uint8Array) return { bytes: value };
  return { json: JSON.stringify(value) };
}

function typedMetadata(metadata: Record<string, unknown>): Record<string, RpcTypedData> {
  const out: Record<string, RpcTypedData> = {};
  for (const [key, value] of Object.entries(metadata)) if (value !== undefined) out[key] = typedData(value);
  return out;
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

/** What `promise` settles to, or `otherwise` if it takes longer than `ms`. */
async function within<T, U>(promise: Promise<T>, ms: number, otherwise: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<U>((resolve) => (timer = setTimeout(() => resolve(otherwise), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The Node.js language worker's half of the local runtime: what Azure/azure-functions-nodejs-worker
 * does between the host's gRPC messages and the app (commit 2876343942423f1b18483d99bcd8461bd5297a9c):
 *
 * - start-up (src/startApp.ts, src/eventHandlers/WorkerInitHandler.ts): the `appStart` hooks, then
 *   the capabilities the app's programming model adds (src/eventHandlers/getWorkerCapabilities.ts;
 *   `@azure/functions` locks `app.setup` there and starts its HTTP stream proxy when
 *   `enableHttpStream` is set);
 * - an invocation (src/eventHandlers/InvocationHandler.ts): the programming model's invocation model
 *   turns the host's RPC data into the handler's arguments, the `preInvocation` hooks run, then the
 *   handler, then the `postInvocation` hooks (whose context starts with `result: null` and
 *   `error: null`; an error left there by the hooks fails the invocation, anything else it holds is
 *   converted back to RPC data);
 * - shutdown (src/eventHandlers/terminateWorker.ts): the `appTerminate` hooks.
 *
 * Hook contexts are built as the worker builds them (src/AppContext.ts): `appHookData` is one object
 * for the whole app and every hook; `hookData` is one object shared by `appStart` and
 * `appTerminate`, and one per invocation shared by its `preInvocation` and `postInvocation` hooks;
 * assigning either (or `invocationContext`) throws. The app's own programming model (the
 * `@azure/functions` copy the app loaded, bundled or not) does the conversions, so the code that
 * builds `HttpRequest`, `InvocationContext` and the HTTP response data is the code that runs in Azure.
 */
import type { FunctionRegistry, HookName, Registration } from './functions-core.js';

/** The parts of the worker protocol's messages (FunctionRpc.proto) the local runtime uses. */
export interface RpcNullable<T> {
  value?: T | null;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: RpcNullable<string> | null;
  path?: RpcNullable<string> | null;
  expires?: RpcNullable<{ seconds?: number | null; nanos?: number | null }> | null;
  secure?: RpcNullable<boolean> | null;
  httpOnly?: RpcNullable<boolean> | null;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
  maxAge?: RpcNullable<number> | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  nullableHeaders?: Record<string, RpcNullable<string>> | null;
  nullableQuery?: Record<string, RpcNullable<string>> | null;
  nullableParams?: Record<string, RpcNullable<string>> | null;
  body?: RpcTypedData | null;
  statusCode?: string | null;
  cookies?: RpcHttpCookie[] | null;
  enableContentNegotiation?: boolean | null;
}

export interface RpcParameterBinding {
  name: string;
  data: RpcTypedData;
}

export interface RpcInvocationResponse {
  invocationId?: string | null;
  returnValue?: RpcTypedData | null;
  outputData?: RpcParameterBinding[] | null;
}

export interface InvocationRequest {
  invocationId: string;
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
}

type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
type InvocationState = 'preInvocationHooks' | 'invocation' | 'postInvocationHooks';

/** What the worker hands the programming model for one invocation (`CoreInvocationContext`). */
interface CoreInvocationContext {
  invocationId: string;
  request: InvocationRequest & { functionId: string };
  metadata: {
    name: string;
    functionId: string;
    bindings: Registration['bindings'];
    retryOptions?: Record<string, unknown>;
  };
  state?: InvocationState | undefined;
  log(level: RpcLogLevel, logCategory: 'user' | 'system', message: string): void;
}

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: (...args: unknown[]) => unknown): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export type WorkerLog = (
  functionName: string,
  invocationId: string,
  level: Exclude<RpcLogLevel, 'none'>,
  message: string,
  category: 'user' | 'system',
) => void;

/** The worker's own capabilities (src/eventHandlers/getWorkerCapabilities.ts): the host converts HTTP data accordingly. */
const WORKER_CAPABILITIES: Readonly<Record<string, string>> = {
  RawHttpBodyBytes: 'true',
  RpcHttpTriggerMetadataRemoved: 'true',
  RpcHttpBodyOnly: 'true',
  IgnoreEmptyValuedRpcHttpHeaders: 'true',
  UseNullableValueDictionaryForHttp: 'true',
  WorkerStatus: 'true',
  TypedDataCollection: 'true',
  HandlesWorkerTerminateMessage: 'true',
};

/**
 * One per programming model (one `@azure/functions` instance per process): the library locks its
 * setup and starts its stream proxy on the first call, as it would once per worker process.
 */
const capabilitiesOf = new WeakMap<object, Promise<Record<string, string>>>();

/** The worker's `ReadOnlyError` (src/errors.ts): a TypeError naming the property. */
class ReadOnlyError extends TypeError {
  constructor(property: string) {
    super(`Cannot assign to read only property '${property}'`);
  }
}

interface HookScope {
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
  invocationContext?: unknown;
}

/**
 * A hook context as the worker builds it: `fields` as plain properties (the hooks may change them),
 * `hookData`, `appHookData` and `invocationContext` read-only (assigning one throws ReadOnlyError).
 */
function hookContext<T extends object>(scope: HookScope, fields: T): T & Readonly<HookScope> {
  const context = { ...fields } as T & Readonly<HookScope>;
  for (const [name, value] of Object.entries(scope) as [string, unknown][]) {
    Object.defineProperty(context, name, {
      enumerable: true,
      get: () => value,
      set: () => {
        throw new ReadOnlyError(name);
      },
    });
  }
  return context;
}

/**
 * An invocation's hook context as InvocationHandler builds it: an object literal whose `hookData`,
 * `appHookData` and `invocationContext` are accessors (assigning one throws ReadOnlyError), then
 * `fields` as plain properties. A literal costs far less than defining the accessors one by one,
 * and every invocation builds two.
 */
function invocationHookContext<T extends object>(scope: Required<HookScope>, fields: T): T & Readonly<HookScope> {
  const { hookData, appHookData, invocationContext } = scope;
  return Object.assign(
    {
      get hookData() {
        return hookData;
      },
      set hookData(_value: Record<string, unknown>) {
        throw new ReadOnlyError('hookData');
      },
      get appHookData() {
        return appHookData;
      },
      set appHookData(_value: Record<string, unknown>) {
        throw new ReadOnlyError('appHookData');
      },
      get invocationContext() {
        return invocationContext;
      },
      set invocationContext(_value: unknown) {
        throw new ReadOnlyError('invocationContext');
      },
    },
    fields,
  );
}

/** `isError` of the worker (src/errors.ts): `null` and `undefined` mean no error; anything else fails the invocation. */
function isError(value: unknown): boolean {
  return value !== null && value !== undefined;
}

export class LocalWorker {
  /** Shared by every hook of the app, whatever its scope (AppContext.appHookData). */
  readonly appHookData: Record<string, unknown> = {};
  /** Shared by the app-level hooks only: appStart and appTerminate (AppContext.appLevelOnlyHookData). */
  readonly appLevelOnlyHookData: Record<string, unknown> = {};
  private capabilities: Record<string, string> = { ...WORKER_CAPABILITIES };

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly log: WorkerLog,
  ) {}

  /** The capabilities the worker reported at start (with `HttpUri` when the app streams HTTP). */
  get reportedCapabilities(): Readonly<Record<string, string>> {
    return this.capabilities;
  }

  /** Worker init: the appStart hooks (startApp), then the capabilities (getWorkerCapabilities). */
  async start(functionAppDirectory: string): Promise<void> {
    const appStartContext = hookContext(
      { hookData: this.appLevelOnlyHookData, appHookData: this.appHookData },
      { functionAppDirectory },
    );
    await this.executeHooks('appStart', appStartContext);
    const model = this.registry.programmingModel as ProgrammingModel | undefined;
    if (model?.getCapabilities) {
      let pending = capabilitiesOf.get(model);
      if (!pending) {
        pending = model.getCapabilities({ ...WORKER_CAPABILITIES });
        capabilitiesOf.set(model, pending);
      }
      this.capabilities = { ...(await pending) };
    }
  }

  /** Worker terminate: the appTerminate hooks, with the hook data appStart left. */
  async terminate(): Promise<void> {
    const appTerminateContext = hookContext({ hookData: this.appLevelOnlyHookData, appHookData: this.appHookData }, {});
    await this.executeHooks('appTerminate', appTerminateContext);
  }

  /**
   * Runs one invocation the way InvocationHandler.handleEvent does. Resolves with the invocation's
   * RPC response; rejects with what the function (or a hook) failed with, as the worker reports a
   * failed invocation to the host.
   */
  async invoke(registration: Registration, request: InvocationRequest): Promise<RpcInvocationResponse> {
    const model = this.registry.programmingModel as ProgrammingModel | undefined;
    if (!model)
      throw new Error(
        `No programming model is registered: the app did not load @azure/functions before registering ${registration.name}`,
      );
    const functionName = registration.name;
    const coreCtx: CoreInvocationContext = {
      invocationId: request.invocationId,
      request: { ...request, functionId: functionName },
      metadata: {
        name: functionName,
        functionId: functionName,
        bindings: registration.bindings,
        ...(registration.retryOptions ? { retryOptions: registration.retryOptions } : {}),
      },
      state: undefined,
      log: (level, category, message) => {
        if (level !== 'none') this.log(functionName, request.invocationId, level, message, category);
      },
    };
    const invocModel = await model.getInvocationModel(coreCtx);
    const hookData: Record<string, unknown> = {};
    const { context, inputs } = await invocModel.getArguments();

    const scope = { hookData, appHookData: this.appHookData, invocationContext: context };
    const preInvocContext = invocationHookContext(scope, { functionCallback: registration.handler, inputs });
    coreCtx.state = 'preInvocationHooks';
    try {
      await this.executeHooks('preInvocation', preInvocContext);
    } finally {
      coreCtx.state = undefined;
    }
    const finalInputs = preInvocContext.inputs;
    const callback = preInvocContext.functionCallback;

    const outcome: { inputs: unknown[]; result: unknown; error: unknown } = {
      inputs: finalInputs,
      result: null,
      error: null,
    };
    const postInvocContext = invocationHookContext(scope, outcome);
    coreCtx.state = 'invocation';
    try {
      postInvocContext.result = await invocModel.invokeFunction(context, finalInputs, callback);
    } catch (err) {
      postInvocContext.error = err;
    } finally {
      coreCtx.state = undefined;
    }
    coreCtx.state = 'postInvocationHooks';
    try {
      await this.executeHooks('postInvocation', postInvocContext);
    } finally {
      coreCtx.state = undefined;
    }
    if (isError(postInvocContext.error)) throw postInvocContext.error;
    return await invocModel.getResponse(context, postInvocContext.result);
  }

  /** Hooks run in registration order, each awaited; one that throws stops the rest (src/hooks/executeHooks.ts). */
  private async executeHooks(name: HookName, context: object): Promise<void> {
    for (const hook of [...this.registry.hooks[name]]) await hook(context as Record<string, unknown>);
  }
}

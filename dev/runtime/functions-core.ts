/**
 * A stand-in for the `@azure/functions-core` module that the real Functions worker provides.
 *
 * `@azure/functions` v4 `require`s `@azure/functions-core` the first time a function or hook is
 * registered; outside the host that fails and the library drops into a test mode that registers
 * nothing. The local runtime installs this module first, so every `app.*` call lands in a
 * `FunctionRegistry` and the very same registrations run offline. Production never loads this file.
 */
import Module from 'node:module';

export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out';
  name: string;
  [option: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: Record<string, unknown>;
}

export type FunctionHandler = (...args: unknown[]) => unknown;

export interface Registration {
  name: string;
  /** The trigger binding (type such as `httpTrigger`, `eventGridTrigger`, `serviceBusTrigger`, `timerTrigger`). */
  trigger: BindingMetadata;
  /** Every binding, keyed by binding name, as the worker would receive it. */
  bindings: Record<string, BindingMetadata>;
  retryOptions?: Record<string, unknown>;
  handler: FunctionHandler;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;

export class FunctionRegistry {
  readonly functions = new Map<string, Registration>();
  readonly hooks: Record<HookName, HookCallback[]> = {
    appStart: [],
    appTerminate: [],
    preInvocation: [],
    postInvocation: [],
    log: [],
  };
  programmingModel: unknown;
  /** The folder the app was loaded from (the worker's `functionAppDirectory`), when known. */
  appDirectory: string | undefined;

  register(metadata: FunctionMetadata, handler: FunctionHandler): void {
    if (this.functions.has(metadata.name.toLowerCase())) {
      throw new Error(`A function named "${metadata.name}" is already registered`);
    }
    const trigger = Object.values(metadata.bindings).find((b) => /trigger$/i.test(b.type));
    if (!trigger) throw new Error(`Function "${metadata.name}" has no trigger binding`);
    this.functions.set(metadata.name.toLowerCase(), {
      name: metadata.name,
      trigger,
      bindings: metadata.bindings,
      ...(metadata.retryOptions ? { retryOptions: metadata.retryOptions } : {}),
      handler,
    });
  }

  get(name: string): Registration | undefined {
    return this.functions.get(name.toLowerCase());
  }

  list(): Registration[] {
    return [...this.functions.values()];
  }
}

let activeRegistry: FunctionRegistry | undefined;
let installed = false;

function coreModule(): Record<string, unknown> {
  const registry = (): FunctionRegistry => {
    if (!activeRegistry) throw new Error('No function registry is active');
    return activeRegistry;
  };
  return {
    version: '3.10.1',
    hostVersion: '4.1000.0-local',
    registerFunction(metadata: FunctionMetadata, handler: FunctionHandler) {
      registry().register(metadata, handler);
      return { dispose: () => registry().functions.delete(metadata.name.toLowerCase()) };
    },
    registerHook(hookName: HookName, callback: HookCallback) {
      const list = registry().hooks[hookName];
      if (!list) throw new RangeError(`Unknown hook "${String(hookName)}"`);
      list.push(callback);
      return {
        dispose: () => {
          const i = list.indexOf(callback);
          if (i >= 0) list.splice(i, 1);
        },
      };
    },
    setProgrammingModel(model: unknown) {
      registry().programmingModel = model;
    },
    getProgrammingModel() {
      return registry().programmingModel;
    },
    log(level: string, category: string, message: string) {
      if (level === 'error' || level === 'critical' || level === 'warning') console.error(`[${category}] ${message}`);
    },
  };
}

/**
 * Makes `require('@azure/functions-core')` resolve to a module that records into `registry`.
 * Must run before the first `app.*` call. Calling it again switches the active registry.
 */
export function installFunctionsCore(registry: FunctionRegistry): void {
  activeRegistry = registry;
  if (installed) return;
  installed = true;
  const core = coreModule();
  type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
  const mod = Module as unknown as { _load: Load };
  const original = mod._load;
  mod._load = function load(request: string, parent: unknown, isMain: boolean): unknown {
    if (request === '@azure/functions-core') return core;
    return original.call(this, request, parent, isMain);
  };
}

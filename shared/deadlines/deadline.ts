/**
 * Deadlines for every call to a dependency (the table store, Service Bus, ARM, the Event Grid
 * topic, the Spot API): a call that neither answers nor fails — a stalled store, a half-open connection — gives
 * up after its own timeout instead of holding the caller for as long as the stall lasts.
 *
 * While an HTTP request is being answered (inside {@link withDeadline}, around every handler), a
 * call gets its dependency's timeout (`TABLE_TIMEOUT_MS`, ...) or what is left of the request's
 * budget (`HTTP_DEADLINE_MS`), whichever is smaller, so a request that makes several calls in a row
 * still answers within its budget. Triggers (events, queues, timers) have no caller waiting: their
 * calls get the longer `BACKGROUND_TIMEOUT_MS` (a slow store is waited for, a stalled one is not),
 * and a call that times out throws so the trigger's retry (redelivery) takes over.
 *
 * The SDKs built on @azure/core-rest-pipeline take the bound as the request's `timeout`, set by the
 * {@link deadlinePolicy} on every attempt; the pipeline aborts the attempt when it passes and its
 * retry policy does not retry an abort. Service Bus (AMQP) takes it as an abort signal
 * ({@link withTimeout}). Either way the caller gets a {@link DeadlineExceededError} naming the
 * dependency.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type Dependency = 'tableStorage' | 'serviceBus' | 'arm' | 'identity' | 'eventGrid' | 'spot';

export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(
    readonly dependency: Dependency,
    readonly timeoutMs: number,
  ) {
    super(
      timeoutMs > 0
        ? `${dependency}: no answer within ${timeoutMs} ms`
        : `${dependency}: the request's deadline had passed before the call`,
    );
  }
}

const budget = new AsyncLocalStorage<{ endsAt: number }>();

/** Runs `fn` with a budget of `ms` for every dependency call it makes (an HTTP request's deadline). */
export function withDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  return budget.run({ endsAt: Date.now() + ms }, fn);
}

/**
 * The time a call may take now: inside an HTTP request, its own timeout or what is left of the
 * request's budget, whichever is smaller; outside one, `backgroundMs` (when given).
 */
export function callTimeout(perCallMs: number, backgroundMs = perCallMs): number {
  const scope = budget.getStore();
  return scope === undefined ? backgroundMs : Math.min(perCallMs, scope.endsAt - Date.now());
}

// The pipeline types, structurally: the policy is added to clients of several SDKs, each with its own copy of core-rest-pipeline.
interface TimedRequest {
  timeout: number;
  abortSignal?: { readonly aborted: boolean } | undefined;
}
export interface DeadlinePolicy<Req extends TimedRequest = TimedRequest, Res = unknown> {
  name: string;
  sendRequest(request: Req, next: (request: Req) => Promise<Res>): Promise<Res>;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** A pipeline policy (position `perRetry`) that bounds every attempt of a client's requests. */
export function deadlinePolicy<Req extends TimedRequest, Res>(
  dependency: Dependency,
  perCallMs: number,
  backgroundMs = perCallMs,
): DeadlinePolicy<Req, Res> {
  return {
    name: `deadline-${dependency}`,
    async sendRequest(request, next) {
      const ms = callTimeout(perCallMs, backgroundMs);
      if (ms <= 0) throw new DeadlineExceededError(dependency, 0);
      request.timeout = request.timeout > 0 ? Math.min(request.timeout, ms) : ms;
      try {
        return await next(request);
      } catch (err) {
        // an abort the caller asked for stays what it is; only our own timeout becomes a deadline error
        if (isAbort(err) && request.abortSignal?.aborted !== true) throw new DeadlineExceededError(dependency, ms);
        throw err;
      }
    },
  };
}

/** Runs a call that takes an abort signal (Service Bus) with its timeout; past it, a DeadlineExceededError. */
export async function withTimeout<T>(
  dependency: Dependency,
  perCallMs: number,
  call: (signal: AbortSignal) => Promise<T>,
  backgroundMs = perCallMs,
): Promise<T> {
  const ms = callTimeout(perCallMs, backgroundMs);
  if (ms <= 0) throw new DeadlineExceededError(dependency, 0);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineExceededError(dependency, ms));
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

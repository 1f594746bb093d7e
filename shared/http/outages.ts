/**
 * Which dependency a failure comes from, when it is an outage rather than a bug: the table store,
 * the Service Bus queue, ARM, or the identity endpoint that signs in to them. An outage is answered
 * 503 with `Retry-After` (the caller retries; nothing was half-done) and logged as one line naming
 * the dependency; anything else is a bug and stays a 500.
 */
import { ArmTransientError } from '../arm/reader.js';
import { DeadlineExceededError, type Dependency } from '../deadlines/deadline.js';

export type { Dependency };

export const DEPENDENCY_NAMES: Readonly<Record<Dependency, string>> = {
  tableStorage: 'The table store',
  serviceBus: 'The job queue',
  arm: 'Azure Resource Manager',
  identity: 'The managed identity endpoint',
  eventGrid: 'The event topic',
  spot: 'The Spot API',
};

export interface Outage {
  dependency: Dependency;
  retryAfterSeconds: number;
  /** The failure, for the log (never for the response). */
  reason: string;
}

/** Network failures that reach the SDKs as error codes (Node system errors, core-rest-pipeline). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

/** Service Bus codes for a namespace that is down, busy or unreachable (`ServiceBusErrorCode` in @azure/service-bus). */
const SERVICE_BUS_OUTAGE = new Set([
  'ServiceBusy',
  'ServiceTimeout',
  'ServiceCommunicationProblem',
  'GeneralError',
  'QuotaExceeded',
  'MessagingEntityDisabled',
  'UnauthorizedAccess',
  'MessagingEntityNotFound',
]);

interface ErrorFields {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  retryable?: unknown;
  message?: unknown;
}

export function outageOf(err: unknown): Outage | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as ErrorFields;
  const reason = typeof e.message === 'string' ? e.message : 'unknown failure';
  if (err instanceof DeadlineExceededError) return { dependency: err.dependency, retryAfterSeconds: 5, reason };
  if (err instanceof ArmTransientError)
    return { dependency: 'arm', retryAfterSeconds: Math.max(1, Math.ceil((err.retryAfterMs ?? 5000) / 1000)), reason };
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (name === 'ServiceBusError' || name === 'MessagingError') {
    return SERVICE_BUS_OUTAGE.has(code) || e.retryable === true || NETWORK_CODES.has(code)
      ? { dependency: 'serviceBus', retryAfterSeconds: 5, reason }
      : undefined;
  }
  if (
    name === 'CredentialUnavailableError' ||
    name === 'AuthenticationError' ||
    name === 'AggregateAuthenticationError'
  )
    return { dependency: 'identity', retryAfterSeconds: 30, reason };
  // Table calls fail with a RestError (@azure/core-rest-pipeline): a status for service errors, a
  // network code when the store cannot be reached. (ARM failures arrive wrapped, above.)
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (name === 'RestError' || status !== undefined) {
    if (status === 429 || status === 408 || (status !== undefined && status >= 500))
      return { dependency: 'tableStorage', retryAfterSeconds: 5, reason };
    if (status === undefined && (NETWORK_CODES.has(code) || name === 'RestError'))
      return { dependency: 'tableStorage', retryAfterSeconds: 5, reason };
    return undefined;
  }
  if (name === 'AbortError' || name === 'TimeoutError' || NETWORK_CODES.has(code))
    return { dependency: 'tableStorage', retryAfterSeconds: 5, reason };
  return undefined;
}

/**
 * What the local ARM simulator's parts share: the answer type, ARM's error body, injected faults,
 * and reading a JSON request body. Development only.
 *
 * ARM's error body (Azure/azure-resource-manager-rpc `v1.0/common-api-details.md`, "Error Response
 * Content"): `{ "error": { "code", "message", "target"?, "details"?: [...], "additionalInfo"?: [{ "type", "info" }] } }`.
 */
import type http from 'node:http';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
}
export interface ArmAdditionalInfo {
  type: string;
  info: Record<string, unknown>;
}
export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
  additionalInfo?: ArmAdditionalInfo[];
}

export function armError(
  code: string,
  message: string,
  extra: Omit<ArmErrorBody, 'code' | 'message'> = {},
): { error: ArmErrorBody } {
  return { error: { code, message, ...extra } };
}

export interface FaultSpec {
  /** Which requests: a predicate over (method, path) or a pattern tested against the path; all ARM requests when absent. */
  match?: ((method: string, path: string) => boolean) | RegExp;
  /** Only requests with this HTTP method (any when absent). */
  method?: string;
  /** HTTP status to answer, or 'connection-reset' to drop the connection without an answer. An `async` fault ignores it. */
  status: number | 'connection-reset';
  /** How many matching requests get the fault. */
  count: number;
  /** `Retry-After` header in seconds: always sent with 429 (default 1), with other statuses only when given. */
  retryAfterSeconds?: number;
  /** Error code and message in the ARM error body (defaults by status). */
  code?: string;
  message?: string;
  /** `target`, `details` and `additionalInfo` of the ARM error body, when the error has them. */
  target?: string;
  details?: ArmErrorDetail[];
  additionalInfo?: ArmAdditionalInfo[];
  /**
   * `sync` (default): the request is refused with `status`. `async`: a long-running write (PUT,
   * PATCH, POST action, DELETE of a scale set or VM) is accepted as usual and its operation ends
   * `outcome` with this error while it is polled, as Azure fails an allocation. On a request that
   * starts no operation an `async` fault is answered like a `sync` one.
   */
  when?: 'sync' | 'async';
  /** The terminal status of an `async` fault's operation (default Failed). */
  outcome?: 'Failed' | 'Canceled';
}

export class SimulatorInputError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SimulatorInputError';
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES)
      throw new SimulatorInputError(400, 'RequestTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) throw new SimulatorInputError(400, 'InvalidRequestContent', 'the body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimulatorInputError(400, 'InvalidRequestContent', 'the body is not valid JSON');
  }
}

export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A request path's segments (decoded) and their lower-case forms, trailing slashes ignored. */
export function pathSegments(pathname: string): { seg: string[]; lower: string[] } {
  const seg = pathname
    .replace(/\/+$/, '')
    .split('/')
    .slice(1)
    .map((s) => decodeURIComponent(s));
  return { seg, lower: seg.map((s) => s.toLowerCase()) };
}

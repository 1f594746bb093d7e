/**
 * Reading a JSON request body the same way everywhere: refused unread past its size limit (413),
 * refused before parsing when its shape would cost too much to validate (deep nesting, giant
 * arrays, long strings: 400 naming where, see json-limits.ts), then parsed (400 when it is not
 * JSON). Faults are named `body.<path>` (the request part, then the place), with their JSON Pointer.
 */
import type { HttpRequest } from '@azure/functions';
import { FieldErrors } from '../domain/faults.js';
import { DEFAULT_JSON_LIMITS, formatJsonPath, jsonLimitProblem, type JsonLimits } from './json-limits.js';

/** A body over its limit: 413, naming the limit. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(
    readonly limit: number,
    readonly unit: 'bytes' | 'characters',
    what: string,
  ) {
    super(`The ${what} is larger than ${limit} ${unit}.`);
  }
}

export interface BodyOptions {
  /** What the body is, for the 413's text ("job envelope", "organization"). */
  what: string;
  /** The largest body, in UTF-8 bytes. */
  maxBytes: number;
  limits?: JsonLimits;
}

/** The body as text, within its limits (BodyTooLargeError, FieldErrors otherwise). */
export async function jsonText(request: HttpRequest, options: BodyOptions): Promise<string> {
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > options.maxBytes) throw new BodyTooLargeError(options.maxBytes, 'bytes', options.what);
  const text = bytes.toString('utf8');
  const shape = jsonLimitProblem(text, options.limits ?? DEFAULT_JSON_LIMITS);
  if (shape) throw new FieldErrors([{ field: formatJsonPath('body', shape.path), message: shape.message }]);
  return text;
}

/** The body parsed, within its limits; a body that is not JSON is a 400 at `body`. */
export async function jsonValue(request: HttpRequest, options: BodyOptions, shape = 'a JSON object'): Promise<unknown> {
  const text = await jsonText(request, options);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FieldErrors([{ field: 'body', message: `must be ${shape}` }]);
  }
}

import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { fieldErrorSchema, type FieldError } from '../domain/faults.js';
import type { Assert } from '../domain/schemas.js';

export type { FieldError };

/** Small response helpers so that every handler answers the same way. */

/**
 * 200 with `body` as JSON. Serialised here, with the content type `@azure/functions` gives a
 * `jsonBody` (`application/json`): the same bytes and headers, without the library building a
 * second header list to add that content type.
 */
export function ok(body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  if (body === undefined || body === null)
    return { status: 200, jsonBody: body, headers: { 'cache-control': 'no-store', ...headers } };
  const typed = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return {
    status: 200,
    body: JSON.stringify(body),
    headers: { ...(typed ? {} : { 'content-type': 'application/json' }), 'cache-control': 'no-store', ...headers },
  };
}

export function accepted(body: unknown, location?: string): HttpResponseInit {
  return { status: 202, jsonBody: body, headers: { ...(location ? { location } : {}), 'cache-control': 'no-store' } };
}

/** A field error with its body pointer, from its `field` (`body.subscriptions.0` → `/subscriptions/0`). */
export function locate(e: FieldError): FieldError {
  if (e.pointer !== undefined) return e;
  if (e.field === 'body') return { ...e, pointer: '' };
  const [part, ...rest] = e.field.split('.');
  if (part === 'body')
    return { ...e, pointer: rest.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('') };
  return e;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Problem details as this API answers them: RFC 9457's members, `errors`, and the extensions it adds. */
export const problemDetailsSchema = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(fieldErrorSchema).optional(),
  dependency: z
    .string()
    .describe('503: the dependency that is unavailable (tableStorage, serviceBus, arm, ...)')
    .optional(),
  requiredRole: z.string().describe('403: the app role the request needs').optional(),
  accepted: z.array(z.string()).describe('415: the media types the endpoint accepts').optional(),
  jobId: z.string().describe('503 of a job submission: the job that was not queued').optional(),
});
/** Every answer the schema describes is problem details (the interface allows any extension; the schema lists this API's). */
type _ProblemChecked = Assert<z.infer<typeof problemDetailsSchema> extends ProblemDetails ? true : false>;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An RFC 9457 problem details response (`application/problem+json`). */
export function problem(
  status: number,
  detail: string,
  options: {
    errors?: FieldError[];
    type?: string;
    title?: string;
    instance?: string;
    headers?: Record<string, string>;
    extensions?: Record<string, unknown>;
  } = {},
): HttpResponseInit {
  const body: ProblemDetails = {
    type: options.type ?? 'about:blank',
    title: options.title ?? TITLES[status] ?? 'Error',
    status,
    detail,
    ...(options.instance ? { instance: options.instance } : {}),
    ...(options.errors && options.errors.length > 0 ? { errors: options.errors.map(locate) } : {}),
    ...(options.extensions ?? {}),
  };
  return {
    status,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...(options.headers ?? {}) },
  };
}

export function notFound(detail = 'The resource does not exist or is not visible to the caller.'): HttpResponseInit {
  return problem(404, detail);
}

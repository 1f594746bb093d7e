/**
 * Paging for the HTTP API: `top` (1-1000, default 100) and an opaque `continuationToken`. A token
 * is bound to the caller and the query that produced it (a hash of both): a token from another
 * caller or another query, or a forged one, is refused (400). Visibility is re-applied on every
 * page, so even a well-formed token can only ever reach what the caller may see.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Caller } from '../domain/visibility.js';
import type { FieldError } from '../domain/faults.js';

export const DEFAULT_TOP = 100;
export const MAX_TOP = 1000;
const MAX_TOKEN_LENGTH = 2048;

export interface PageRequest {
  top: number;
  /** Where the previous page stopped (a sort key), decoded from the continuation token. */
  after?: string;
  binding: string;
}

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

/** The schema of a page of `item`s. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({
    items: z.array(item),
    continuationToken: z.string().describe('Present when there is a next page: pass it to get that page').optional(),
  });
}

export function parseTop(raw: string | null): number | FieldError {
  if (raw === null || raw === '') return DEFAULT_TOP;
  if (!/^\d{1,7}$/.test(raw)) return { field: 'query.top', message: `must be a whole number from 1 to ${MAX_TOP}` };
  const n = Number(raw);
  if (n < 1 || n > MAX_TOP) return { field: 'query.top', message: `must be a whole number from 1 to ${MAX_TOP}` };
  return n;
}

/** The binding of a token: who asked, and what (route and every query parameter except the token and top). */
export function bindingOf(caller: Caller, route: string, query: Record<string, string | undefined>): string {
  const q = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(
      JSON.stringify([
        caller.organizationId,
        [...caller.subscriptionIds].sort(),
        caller.tenantId,
        route.toLowerCase(),
        q,
      ]),
    )
    .digest('base64url')
    .slice(0, 22);
}

export function encodeToken(binding: string, after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, b: binding, a: after })).toString('base64url');
}

export function decodeToken(token: string | null, binding: string): string | undefined | FieldError {
  if (token === null || token === '') return undefined;
  const bad: FieldError = { field: 'query.continuationToken', message: 'is not a continuation token of this query' };
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return bad;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      b?: unknown;
      a?: unknown;
    };
    if (
      parsed.v !== 1 ||
      parsed.b !== binding ||
      typeof parsed.a !== 'string' ||
      parsed.a.length === 0 ||
      parsed.a.length > 1024
    )
      return bad;
    return parsed.a;
  } catch {
    return bad;
  }
}

/** A page of an in-memory list sorted by `key`: the items after `after`, at most `top`. */
export function pageOf<T>(items: readonly T[], key: (item: T) => string, request: PageRequest): Page<T> {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const start = request.after === undefined ? 0 : sorted.findIndex((i) => key(i) > (request.after as string));
  const from = start < 0 ? sorted.length : start;
  const slice = sorted.slice(from, from + request.top);
  const more = from + request.top < sorted.length;
  const last = slice[slice.length - 1];
  return {
    items: slice,
    ...(more && last !== undefined ? { continuationToken: encodeToken(request.binding, key(last)) } : {}),
  };
}

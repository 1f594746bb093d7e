/**
 * The API as the page calls it: same origin, the browser's session (App Service authentication in
 * Azure; the local runtime's development principal offline), JSON in and out, RFC 9457 problems
 * turned into an `ApiError` that keeps the field errors.
 */
import type { FieldError } from '../model.js';

/** `/api/` when the page is `/api/console/`: the route prefix the host serves the page under. */
export const apiBase = new URL('../', window.location.href);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface Problem {
  title?: string;
  detail?: string;
  errors?: FieldError[];
}

export async function call<T>(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T; location: string | null }> {
  const res = await fetch(new URL(path, apiBase), {
    credentials: 'same-origin',
    ...init,
    headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const p = (body ?? {}) as Problem;
    const message = res.status === 401 ? 'You are not signed in.' : (p.detail ?? p.title ?? `HTTP ${res.status}`);
    throw new ApiError(res.status, message, Array.isArray(p.errors) ? p.errors : []);
  }
  return { status: res.status, body: body as T, location: res.headers.get('location') };
}

export async function get<T>(path: string): Promise<T> {
  return (await call<T>(path)).body;
}

/** Every item of a paged list (`items` + `continuationToken`). */
export async function all<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get<{ items: T[]; continuationToken?: string }>(
      `${path}${sep}top=1000${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
    );
    items.push(...page.items);
    token = page.continuationToken;
  } while (token);
  return items;
}

/** Where a signed-out browser signs in (App Service authentication), coming back to this page. */
export function signInUrl(): string {
  return `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(window.location.pathname + window.location.hash)}`;
}

export const seg = encodeURIComponent;

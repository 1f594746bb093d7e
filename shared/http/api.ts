/**
 * What every HTTP function shares: the caller from the authentication principal, request
 * validation with the field at fault, and the mapping of failures to RFC 9457 problem details.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Caller } from '../domain/visibility.js';
import { nameProblem } from '../domain/ids.js';
import { parseRegionQuery } from '../domain/regions.js';
import { APP_ROLES, PRINCIPAL_HEADER, readPrincipal, type AppRole, type Principal } from '../access/principal.js';
import { AdminChangeForbiddenError } from '../access/administration.js';
import type { AdminScope } from '../domain/administration.js';
import { DirectoryError } from '../access/directory.js';
import { NotVisibleError } from '../domain/not-visible.js';
import { bindingOf, decodeToken, parseTop, type PageRequest } from '../lookups/paging.js';
import { ConflictError, FieldErrors, type FieldError } from '../domain/faults.js';
import { BodyTooLargeError } from './body.js';
import type { Dependency } from '../deadlines/deadline.js';
import { problem } from './responses.js';
import { DEPENDENCY_NAMES, outageOf } from './outages.js';
import { printable } from '../domain/printable.js';
import { services } from '../services.js';
import { withDeadline } from '../deadlines/deadline.js';

export class UnauthenticatedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnauthenticatedError';
  }
}
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
  constructor(
    message: string,
    /** What the caller may not use, and where. */
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** A dependency the app is not configured with (a setting is missing): 503, naming what to set. */
export class NotConfiguredError extends Error {
  override readonly name = 'NotConfiguredError';
  constructor(
    message: string,
    readonly dependency: Dependency,
  ) {
    super(message);
  }
}
/** The principal lacks the app role an operation requires (403 naming the role). */
export class MissingRoleError extends ForbiddenError {
  constructor(readonly role: AppRole) {
    super(`This operation requires the app role ${role}; the caller's token does not carry it.`, [
      { field: 'roles', message: `must include ${role}` },
    ]);
  }
}

/**
 * The one authorization gate of the HTTP API. Every route except health and OpenAPI declares the
 * app role it needs: 401 without a principal, 403 when its tenant is not allowed
 * (`AUTH_ALLOWED_TENANTS`) or its token lacks `role`.
 */
export function principalWithRole(request: HttpRequest, role: AppRole): Principal {
  const p = readPrincipal(request.headers.get(PRINCIPAL_HEADER));
  if (!p.ok) throw new UnauthenticatedError(p.reason);
  const allowed = services().config.allowedTenants;
  if (allowed.length > 0 && !allowed.includes(p.principal.tenantId))
    throw new ForbiddenError("The caller's tenant is not allowed to use this API.");
  if (!(p.principal.roles ?? []).includes(role)) throw new MissingRoleError(role);
  return p.principal;
}

/** The caller: {@link principalWithRole}, then 403 when no organization knows the principal. */
export async function callerOf(request: HttpRequest, role: AppRole): Promise<Caller> {
  const principal = principalWithRole(request, role);
  const caller = await services().directory.callerFor(principal.tenantId, principal.objectId);
  if (!caller) throw new ForbiddenError('The authenticated principal is not a member of any organization.');
  return caller;
}

/**
 * What the caller may administer: the operator every organization, an organization administrator
 * its own, anyone else nothing (the app role Catalog.Admin is required first: 403 naming it).
 */
export async function adminScope(request: HttpRequest): Promise<AdminScope> {
  return services().administration.scopeOf(principalWithRole(request, APP_ROLES.admin));
}

/** Deployment-wide operations (the reconcile) are the operator's alone. */
export async function requireOperator(request: HttpRequest): Promise<void> {
  if ((await adminScope(request)).kind !== 'operator')
    throw new ForbiddenError(
      "Only the deployment's operator (a Catalog.Admin of the operator's tenant, AUTH_OPERATOR_TENANT) may do this.",
    );
}

/** Collects field problems of one request, then throws them all at once. */
export class Validator {
  readonly problems: FieldError[] = [];

  name(
    field: 'subscriptionId' | 'resourceGroup' | 'gallery' | 'image' | 'version',
    where: string,
    value: string | undefined,
  ): string {
    const v = value ?? '';
    const p = v.length > 1024 ? 'is too long' : nameProblem(field, v);
    if (p) this.problems.push({ field: where, message: p });
    return v;
  }

  region(where: string, value: string | null, required: boolean): string | undefined {
    if (value === null || value === '') {
      if (required) this.problems.push({ field: where, message: 'is required (a region name such as westeurope)' });
      return undefined;
    }
    const r = parseRegionQuery(value);
    if (!r.ok) {
      this.problems.push({ field: where, message: r.problem });
      return undefined;
    }
    return r.region;
  }

  oneOf(where: string, value: string | null, allowed: readonly string[]): string | undefined {
    if (value === null || value === '') return undefined;
    const hit = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (!hit) this.problems.push({ field: where, message: `must be one of ${allowed.join(', ')}` });
    return hit;
  }

  text(where: string, value: string | null, max = 256): string | undefined {
    if (value === null || value === '') return undefined;
    if (value.length > max || [...value].some((c) => c.charCodeAt(0) < 32)) {
      this.problems.push({ field: where, message: `must be at most ${max} printable characters` });
      return undefined;
    }
    return value;
  }

  /**
   * `top` and `continuationToken`, the token bound to the caller and this query. The binding (a
   * hash) is computed when a token is read or written, not for a page that has neither.
   */
  page(request: HttpRequest, caller: Caller, route: string): PageRequest {
    const top = parseTop(request.query.get('top'));
    if (typeof top !== 'number') this.problems.push(top);
    const query: Record<string, string> = {};
    for (const [k, v] of request.query.entries()) if (k !== 'top' && k !== 'continuationToken') query[k] = v;
    let binding: string | undefined;
    const page: PageRequest = {
      top: typeof top === 'number' ? top : 0,
      get binding() {
        return (binding ??= bindingOf(caller, route, query));
      },
    };
    const token = request.query.get('continuationToken');
    const after = token === null || token === '' ? undefined : decodeToken(token, page.binding);
    if (after !== undefined && typeof after !== 'string') this.problems.push(after);
    if (typeof after === 'string') page.after = after;
    return page;
  }

  /** Refuses query parameters the endpoint does not know. */
  onlyQuery(request: HttpRequest, known: readonly string[]): void {
    for (const k of request.query.keys()) {
      if (!known.includes(k))
        this.problems.push({
          field: `query.${k.slice(0, 64)}`,
          message: `is not a parameter of this endpoint (known: ${known.join(', ')})`,
        });
    }
  }

  done(): void {
    if (this.problems.length > 0) throw new FieldErrors(this.problems);
  }
}

/** Methods that change something: their body, if any, must be JSON. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A mutating request must say `Content-Type: application/json` (DELETE only when it has a body).
 * A browser sends a cross-site `text/plain`, form or multipart POST without asking first (no CORS
 * preflight): refusing those means another site cannot make a signed-in user's browser submit
 * anything. Undefined when the request may go on.
 */
export function unsupportedMediaType(request: HttpRequest): HttpResponseInit | undefined {
  if (!MUTATING.has(request.method.toUpperCase())) return undefined;
  const type = request.headers.get('content-type');
  if (
    request.method.toUpperCase() === 'DELETE' &&
    type === null &&
    (request.headers.get('content-length') ?? '0') === '0'
  )
    return undefined;
  const mediaType = (type ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') return undefined;
  return problem(
    415,
    `This endpoint accepts only application/json${type ? `, not ${printable(mediaType ?? '').slice(0, 100)}` : ' (the request has no Content-Type)'}.`,
    {
      instance: new URL(request.url).pathname,
      headers: { accept: 'application/json' },
      errors: [{ field: 'header.content-type', message: 'must be application/json' }],
      extensions: { accepted: ['application/json'] },
    },
  );
}

/**
 * Runs a handler body and maps every failure to problem details (never a bare 500). Every
 * dependency call the body makes shares the request's deadline (HTTP_DEADLINE_MS).
 */
export async function api(
  request: HttpRequest,
  context: InvocationContext,
  body: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  const refused = unsupportedMediaType(request);
  if (refused) return refused;
  try {
    return await withDeadline(services().config.deadlines.httpRequestMs, body);
  } catch (err) {
    const instance = new URL(request.url).pathname;
    if (err instanceof FieldErrors) return problem(400, err.detail, { errors: err.errors, instance });
    if (err instanceof BodyTooLargeError)
      return problem(413, err.message, {
        instance,
        errors: [{ field: 'body', pointer: '', code: 'too-large', message: 'too large' }],
      });
    if (err instanceof UnauthenticatedError)
      return problem(401, 'Authentication is required.', { instance, headers: { 'www-authenticate': 'Bearer' } });
    if (err instanceof MissingRoleError)
      return problem(403, err.message, { instance, errors: err.errors, extensions: { requiredRole: err.role } });
    if (err instanceof ForbiddenError) return problem(403, err.message, { instance, errors: err.errors });
    if (err instanceof ConflictError) return problem(409, err.detail, { instance, errors: err.errors });
    if (err instanceof NotConfiguredError)
      return problem(503, err.message, {
        instance,
        headers: { 'retry-after': '60' },
        extensions: { dependency: err.dependency },
      });
    if (err instanceof AdminChangeForbiddenError)
      return problem(403, err.message, { instance, errors: [...err.faults] });
    if (err instanceof NotVisibleError) return problem(404, err.message, { instance });
    if (err instanceof DirectoryError)
      return problem(err.status, err.message, { errors: [{ field: err.field, message: err.message }], instance });
    const outage = outageOf(err);
    if (outage) {
      context.warn(
        `${request.method} ${instance}: ${outage.dependency} unavailable, answered 503: ${printable(outage.reason.slice(0, 500))}`,
      );
      return problem(503, `${DEPENDENCY_NAMES[outage.dependency]} is unavailable or busy; retry shortly.`, {
        instance,
        headers: { 'retry-after': String(outage.retryAfterSeconds) },
        extensions: { dependency: outage.dependency },
      });
    }
    context.error(
      `${request.method} ${instance}: unexpected failure: ${printable(err instanceof Error ? `${err.name}: ${err.message}` : String(err))}${err instanceof Error && err.stack ? ` | ${printable(err.stack)}` : ''}`,
    );
    return problem(500, 'An unexpected error occurred.', { instance });
  }
}

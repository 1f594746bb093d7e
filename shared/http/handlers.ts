/**
 * Request pieces several HTTP functions share: a group's path (`{account}/{kind}/{name}`), a JSON
 * body checked against a schema (every problem named `body.<path>`), and the image-definition and
 * group GETs without query parameters.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { FieldErrors, type FieldError } from '../domain/faults.js';
import { jsonValue, type BodyOptions } from './body.js';

/** A small JSON body (a policy, a pause): at most 64 KiB. */
const DEFAULT_BODY_BYTES = 64 * 1024;
import { api, callerOf, Validator } from './api.js';
import { imageParams } from './params.js';
import { notFound, ok } from './responses.js';
import { callerAccountSubscription } from './jobs-access.js';
import { JOB_KINDS } from '../domain/job-envelope.js';
import type { Caller } from '../domain/visibility.js';
import type { AppRole } from '../access/principal.js';
import type { ImageRef } from '../domain/ids.js';

/** The group a route names: account, kind (statelessGroup | statefulNode) and name. */
export function groupParams(request: HttpRequest, v: Validator): { account: string; kind: string; name: string } {
  const kind = v.oneOf('path.kind', request.params.kind ?? '', JOB_KINDS);
  if (!kind) v.problems.push({ field: 'path.kind', message: `must be one of ${JOB_KINDS.join(', ')}` });
  const account = v.text('path.account', request.params.account ?? '', 64) ?? '';
  const name = v.text('path.name', request.params.name ?? '', 64) ?? '';
  return { account, kind: kind ?? '', name };
}

/** Each issue of a schema's parse as a fault `body.<path>` (an unknown key at its own place). */
function bodyFaults(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((i) => {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [undefined];
    return keys.map((k) => ({
      field: ['body', ...i.path.map(String), ...(k === undefined ? [] : [k])].join('.'),
      message: k === undefined ? i.message : 'is not a known field',
    }));
  });
}

/** The JSON body parsed with `schema`; problems are added to `v` (then undefined). */
export async function jsonBody<T>(
  request: HttpRequest,
  v: Validator,
  schema: z.ZodType<T>,
  shape: string,
): Promise<T | undefined> {
  let raw: unknown;
  try {
    raw = await jsonValue(request, { what: 'body', maxBytes: DEFAULT_BODY_BYTES }, `a JSON object ${shape}`);
  } catch (err) {
    if (!(err instanceof FieldErrors)) throw err;
    v.problems.push(...err.errors);
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  v.problems.push(...bodyFaults(parsed.error.issues));
  return undefined;
}

/** The JSON body, within `options`' limits, parsed with `schema`: every fault at once (FieldErrors, 400), or BodyTooLargeError (413). */
export async function parsedBody<T>(request: HttpRequest, schema: z.ZodType<T>, options: BodyOptions): Promise<T> {
  const raw = await jsonValue(request, options);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new FieldErrors(bodyFaults(parsed.error.issues));
  return parsed.data;
}

/** A GET on an image definition route with no query parameters: the caller (holding `role`) and the definition, then `read`. */
export function imageGet(
  request: HttpRequest,
  context: InvocationContext,
  role: AppRole,
  read: (caller: Caller, ref: ImageRef) => Promise<unknown>,
): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, role);
    const v = new Validator();
    v.onlyQuery(request, []);
    const ref = imageParams(request, v);
    v.done();
    return ok(await read(caller, ref));
  });
}

/** A GET on a group route (no query parameters), for the accounts the caller (holding `role`) acts for: `read` or 404. */
export function groupGet(
  request: HttpRequest,
  context: InvocationContext,
  role: AppRole,
  read: (subscriptionId: string, kind: string, name: string) => Promise<unknown>,
): Promise<HttpResponseInit> {
  return api(request, context, async () => {
    const caller = await callerOf(request, role);
    const v = new Validator();
    v.onlyQuery(request, []);
    const { account, kind, name } = groupParams(request, v);
    v.done();
    const sub = await callerAccountSubscription(caller, account);
    const found = sub ? await read(sub, kind, name) : undefined;
    return found ? ok(found) : notFound();
  });
}

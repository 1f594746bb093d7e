/**
 * The Functions host's side of an HTTP invocation: the request as the host hands it to the worker,
 * and the worker's answer written back as the host writes it. Sources (Azure/azure-functions-host,
 * commit 89dc438d476542786f2fc4070f553423213a6223):
 *
 * - src/WebJobs.Script.Grpc/MessageExtensions/GrpcMessageConversionExtensions.cs `ToRpcHttp`: the
 *   URL is `{scheme}://{Host header}{path}{query}`; headers lower-cased, each value as ASP.NET
 *   joins repeated ones (`,`); the query and route parameters as nullable strings (the Node.js
 *   worker asks for `UseNullableValueDictionaryForHttp`); the body as bytes (`RawHttpBodyBytes`),
 *   and only when the request has a `Content-Length` above 0 — a chunked body reaches a
 *   non-streaming function empty (Azure/azure-functions-host#7930).
 * - src/WebJobs.Script.Grpc/MessageExtensions/GrpcMessageExtensionUtilities.cs `RpcHttpCookieConverter`
 *   and src/WebJobs.Script/Binding/Http/RawScriptResult.cs: headers first (`content-type` as the
 *   response's content type), then each cookie through ASP.NET Core's `Response.Cookies.Append`,
 *   then the body bytes.
 *
 * Cookies come out as ASP.NET Core writes them (dotnet/aspnetcore, src/Http/Http/src/Internal/ResponseCookies.cs,
 * src/Http/Http.Features/src/CookieOptions.cs, src/Http/Headers/src/SetCookieHeaderValue.cs):
 * `name=<value escaped by Uri.EscapeDataString>; expires=<RFC 1123>; max-age=<seconds>; domain=..;
 * path=<"/" unless set>; secure; samesite=<strict|lax|none>; httponly`, attribute names in lower case.
 */
import type http from 'node:http';
import type { RpcHttpCookie, RpcHttpData, RpcNullable, RpcTypedData } from './worker.js';

/** `http://<Host header><path and query as sent>`: the host takes the host name from the request, never from X-Forwarded-Host. */
export function hostRequestUrl(req: http.IncomingMessage, fallbackHost: string): string {
  const host = req.headers.host && req.headers.host.length > 0 ? req.headers.host : fallbackHost;
  return `http://${host}${originForm(req.url ?? '/')}`;
}

/** The path and query of a request target (an absolute-form target keeps only those). */
export function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const u = new URL(target);
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}

/** Every header, lower-cased, repeated values joined with `,` as ASP.NET's StringValues.ToString() does. */
export function hostRequestHeaders(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) out[name.toLowerCase()] = values.join(',');
  }
  return out;
}

export function nullable(map: Record<string, string>): Record<string, RpcNullable<string>> {
  const out: Record<string, RpcNullable<string>> = {};
  for (const key of Object.keys(map)) {
    // an own property even for `__proto__` (a header may be named so), as Object.fromEntries makes it
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: { value: map[key] },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = { value: map[key] };
  }
  return out;
}

/**
 * The query as ASP.NET Core's query collection holds it: `+` and percent-encodings decoded, names
 * compared without case, repeated names joined with `,`.
 */
export function hostQuery(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(search)) {
    if (name === '') continue;
    const key = keys.get(name.toLowerCase());
    if (key === undefined) {
      keys.set(name.toLowerCase(), name);
      out[name] = value;
    } else {
      out[key] = `${out[key]},${value}`;
    }
  }
  return out;
}

/** RFC 7230 token characters: what ASP.NET Core accepts as a cookie name (CookieHeaderValue.CheckNameFormat). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** .NET's Uri.EscapeDataString: everything but A-Z a-z 0-9 - _ . ~ percent-encoded as UTF-8 (upper-case hex). */
export function escapeDataString(value: string): string {
  let wellFormed = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (
      c >= 0xd800 &&
      c <= 0xdbff &&
      i + 1 < value.length &&
      value.charCodeAt(i + 1) >= 0xdc00 &&
      value.charCodeAt(i + 1) <= 0xdfff
    ) {
      wellFormed += value[i]! + value[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      wellFormed += '\ufffd';
    } else {
      wellFormed += value[i]!;
    }
  }
  return encodeURIComponent(wellFormed).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One `Set-Cookie` value as the host writes it for an RpcHttpCookie; throws for a name ASP.NET refuses. */
export function setCookieHeader(cookie: RpcHttpCookie): string {
  const name = cookie.name ?? '';
  if (!TOKEN.test(name)) throw new Error(`Invalid cookie name '${name}'`);
  const parts = [`${name}=${escapeDataString(cookie.value ?? '')}`];
  const seconds = cookie.expires?.value?.seconds;
  if (seconds !== undefined && seconds !== null)
    parts.push(
      `expires=${new Date(seconds * 1000 + Math.trunc((cookie.expires?.value?.nanos ?? 0) / 1e6)).toUTCString()}`,
    );
  const maxAge = cookie.maxAge?.value;
  // TimeSpan.FromSeconds(maxAge), written as (long)TotalSeconds: truncated toward zero.
  if (maxAge !== undefined && maxAge !== null) parts.push(`max-age=${Math.trunc(maxAge)}`);
  if (cookie.domain?.value !== undefined && cookie.domain.value !== null) parts.push(`domain=${cookie.domain.value}`);
  // CookieOptions.Path is "/" unless the cookie sets one.
  parts.push(`path=${cookie.path?.value ?? '/'}`);
  if (cookie.secure?.value === true) parts.push('secure');
  // RpcHttpCookie.SameSite.None is "not set" (SameSiteMode.Unspecified, no attribute); ExplicitNone is `samesite=none`.
  const sameSite =
    cookie.sameSite === 'lax'
      ? 'lax'
      : cookie.sameSite === 'strict'
        ? 'strict'
        : cookie.sameSite === 'explicitNone'
          ? 'none'
          : undefined;
  if (sameSite) parts.push(`samesite=${sameSite}`);
  if (cookie.httpOnly?.value === true) parts.push('httponly');
  return parts.join('; ');
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  // a view of the bytes the worker answered with, not a copy: nothing else holds them
  if (body.bytes) return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  if (typeof body.string === 'string') return Buffer.from(body.string, 'utf8');
  if (typeof body.json === 'string') return Buffer.from(body.json, 'utf8');
  return Buffer.alloc(0);
}

/**
 * The status, headers and body the host writes for the worker's HTTP response data (`undefined`
 * when the function returned nothing: the host's OkResult, an empty 200). Throws where the host's
 * result fails to execute (a cookie name that is not a token), which the host answers 500.
 */
export function hostResponse(data: RpcHttpData | null | undefined): {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
} {
  if (!data) return { status: 200, headers: { 'content-length': '0' }, body: Buffer.alloc(0) };
  const statusText = data.statusCode ?? '';
  const status = /^\d+$/.test(statusText) ? Number(statusText) : 200;
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(data.headers ?? {})) headers[key.toLowerCase()] = value;
  const body = bodyBytes(data.body);
  // Kestrel gives a response that ends without a body `Content-Length: 0`; a body goes out chunked
  // unless the function set a length.
  if (body.length === 0 && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined)
    headers['content-length'] = '0';
  const cookies = (data.cookies ?? []).map(setCookieHeader);
  if (cookies.length > 0) {
    const existing = headers['set-cookie'];
    headers['set-cookie'] = [
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
      ...cookies,
    ];
  }
  return { status, headers, body };
}

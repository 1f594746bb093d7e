/**
 * The caller's identity from App Service authentication (Easy Auth): the `x-ms-client-principal`
 * header, base64 JSON `{ auth_typ, name_typ, role_typ, claims: [{ typ, val }] }`, which the
 * platform sets (and strips from incoming requests) when authentication is on. Offline, the local
 * runtime sets the same header from `LOCAL_PRINCIPAL`.
 *
 * App roles: each role of the token is one claim whose `typ` is the header's `role_typ` (for
 * Microsoft Entra `roles`), as described in MicrosoftDocs/azure-docs
 * articles/app-service/configure-authentication-user-identities.md ("Decoding the client principal
 * header": `role_typ` is the role claim type) and read the same way by Azure/data-api-builder
 * src/Core/AuthenticationHelpers/AppServiceAuthentication.cs (ClaimsIdentity built with Role_typ).
 */
export const PRINCIPAL_HEADER = 'x-ms-client-principal';

const TENANT_CLAIMS = ['http://schemas.microsoft.com/identity/claims/tenantid', 'tid'];
const OBJECT_CLAIMS = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The app roles of the API's app registration (the `roles` claim of the caller's token). */
export const APP_ROLES = {
  /** Lookups, search, reading jobs and groups of the accounts the caller acts for. */
  read: 'Catalog.Read',
  /** Submitting group jobs. */
  submit: 'Jobs.Submit',
  /** Organizations and the reconcile (no organization membership needed). */
  admin: 'Catalog.Admin',
} as const;
export type AppRole = (typeof APP_ROLES)[keyof typeof APP_ROLES];
export const ALL_APP_ROLES: readonly AppRole[] = Object.values(APP_ROLES);

const ROLE_CLAIMS = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];

export interface Principal {
  tenantId: string;
  objectId: string;
  /** App roles in the token (unknown role names are kept out). */
  roles?: readonly AppRole[];
}

export type PrincipalResult = { ok: true; principal: Principal } | { ok: false; reason: string };

/**
 * Principals already read, by header value: a caller sends the same header with every request, and
 * what it says depends on the header alone, so each instance decodes a value once (an entry is never
 * stale). Bounded: headers up to 8 KiB, at most 500 of them, then the map starts afresh.
 */
const readHeaders = new Map<string, PrincipalResult>();
const READ_HEADERS_MAX = 500;
const READ_HEADER_MAX_LENGTH = 8192;

export function readPrincipal(header: string | null | undefined): PrincipalResult {
  if (!header || header.length > READ_HEADER_MAX_LENGTH) return parsePrincipal(header);
  let result = readHeaders.get(header);
  if (result === undefined) {
    result = parsePrincipal(header);
    if (!result.ok) return result;
    Object.freeze(result.principal.roles);
    Object.freeze(result.principal);
    Object.freeze(result);
    if (readHeaders.size >= READ_HEADERS_MAX) readHeaders.clear();
    readHeaders.set(header, result);
  }
  return result;
}

function parsePrincipal(header: string | null | undefined): PrincipalResult {
  if (!header) return { ok: false, reason: 'no authenticated principal' };
  if (header.length > 16_384) return { ok: false, reason: 'principal header too large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'principal header is not base64 JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { ok: false, reason: 'principal header is not a JSON object' };
  const claims = (parsed as { claims?: unknown }).claims;
  if (!Array.isArray(claims)) return { ok: false, reason: 'principal header has no claims' };
  const roleTyp = (parsed as { role_typ?: unknown }).role_typ;
  const roleTypes = typeof roleTyp === 'string' && roleTyp.length > 0 ? [roleTyp, ...ROLE_CLAIMS] : ROLE_CLAIMS;
  const roles = new Set<AppRole>();
  for (const c of claims as { typ?: unknown; val?: unknown }[]) {
    if (typeof c?.typ === 'string' && roleTypes.includes(c.typ) && typeof c.val === 'string') {
      const known = ALL_APP_ROLES.find((r) => r === c.val);
      if (known) roles.add(known);
    }
  }
  const claim = (types: string[]): string | undefined => {
    for (const c of claims as { typ?: unknown; val?: unknown }[]) {
      if (typeof c?.typ === 'string' && types.includes(c.typ) && typeof c.val === 'string') return c.val;
    }
    return undefined;
  };
  const tenantId = claim(TENANT_CLAIMS);
  const objectId = claim(OBJECT_CLAIMS);
  if (!tenantId || !GUID.test(tenantId) || !objectId || !GUID.test(objectId))
    return { ok: false, reason: 'principal has no tenant and object id' };
  return {
    ok: true,
    principal: { tenantId: tenantId.toLowerCase(), objectId: objectId.toLowerCase(), roles: [...roles] },
  };
}

/** The header value for a principal (the local runtime's Easy Auth stand-in and tests use it). */
export function principalHeader(p: Principal): string {
  return Buffer.from(
    JSON.stringify({
      auth_typ: 'aad',
      name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
      role_typ: 'roles',
      claims: [
        { typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: p.tenantId },
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: p.objectId },
        ...(p.roles ?? []).map((r) => ({ typ: 'roles', val: r })),
      ],
    }),
  ).toString('base64');
}

/**
 * `LOCAL_PRINCIPAL`: `<tenantId>/<objectId>` with optional roles after a colon,
 * `<tenantId>/<objectId>:Catalog.Read,Jobs.Submit`; without roles the principal has every app role.
 */
export function parseLocalPrincipal(value: string): Principal {
  const m = /^([0-9a-f-]{36})\/([0-9a-f-]{36})(?::(.*))?$/i.exec(value.trim());
  if (!m || !GUID.test(m[1] as string) || !GUID.test(m[2] as string))
    throw new Error('LOCAL_PRINCIPAL must be <tenantId>/<objectId>[:<role>,<role>...] (two GUIDs, then app roles)');
  const roles: AppRole[] = [];
  if (m[3] !== undefined) {
    for (const raw of m[3]
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r.length > 0)) {
      const known = ALL_APP_ROLES.find((r) => r.toLowerCase() === raw.toLowerCase());
      if (!known) throw new Error(`LOCAL_PRINCIPAL: unknown app role "${raw}" (known: ${ALL_APP_ROLES.join(', ')})`);
      roles.push(known);
    }
  }
  return {
    tenantId: (m[1] as string).toLowerCase(),
    objectId: (m[2] as string).toLowerCase(),
    roles: m[3] === undefined ? ALL_APP_ROLES : roles,
  };
}

/**
 * The caller's identity from App Service authentication (Easy Auth): the `x-ms-client-principal`
 * header, base64 JSON `{ auth_typ, name_typ, role_typ, claims: [{ typ, val }] }`, which the
 * platform sets (and strips from incoming requests) when authentication is on. Offline, the local
 * runtime sets the same header from `LOCAL_PRINCIPAL`.
 */
export const PRINCIPAL_HEADER = 'x-ms-client-principal';

const TENANT_CLAIMS = ['http://schemas.microsoft.com/identity/claims/tenantid', 'tid'];
const OBJECT_CLAIMS = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Principal {
  tenantId: string;
  objectId: string;
}

export type PrincipalResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export function readPrincipal(header: string | null | undefined): PrincipalResult {
  if (!header) return { ok: false, reason: 'no authenticated principal' };
  if (header.length > 16_384) return { ok: false, reason: 'principal header too large' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'principal header is not base64 JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, reason: 'principal header is not a JSON object' };
  const claims = (parsed as { claims?: unknown }).claims;
  if (!Array.isArray(claims)) return { ok: false, reason: 'principal header has no claims' };
  const claim = (types: string[]): string | undefined => {
    for (const c of claims as { typ?: unknown; val?: unknown }[]) {
      if (typeof c?.typ === 'string' && types.includes(c.typ) && typeof c.val === 'string') return c.val;
    }
    return undefined;
  };
  const tenantId = claim(TENANT_CLAIMS);
  const objectId = claim(OBJECT_CLAIMS);
  if (!tenantId || !GUID.test(tenantId) || !objectId || !GUID.test(objectId)) return { ok: false, reason: 'principal has no tenant and object id' };
  return { ok: true, principal: { tenantId: tenantId.toLowerCase(), objectId: objectId.toLowerCase() } };
}

/** The header value for a principal (the local runtime's Easy Auth stand-in and tests use it). */
export function principalHeader(p: Principal): string {
  return Buffer.from(
    JSON.stringify({
      auth_typ: 'aad',
      name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
      role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
      claims: [
        { typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: p.tenantId },
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: p.objectId },
      ],
    }),
  ).toString('base64');
}

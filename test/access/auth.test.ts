import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionRegistry } from '../../dev/runtime/functions-core.js';
import { projectRoot, startApp, type AppHost } from '../support/app-host.js';
import {
  ALL_APP_ROLES,
  APP_ROLES,
  parseLocalPrincipal,
  principalHeader,
  readPrincipal,
  type AppRole,
  type Principal,
} from '../../shared/access/principal.js';
import { openApiDocument } from '../../shared/http/openapi.js';
import { DEMO_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { docSection } from '../support/doc-commands.js';

/** Routes App Service authentication lets through without a token (and that need no app role). */
const PUBLIC_ROUTES = ['health', 'openapi.json'];
/** Routes behind App Service authentication that need no app role: the console's static files (no data; its API calls are checked). */
const SIGNED_IN_ROUTES = ['console/{path}'];

const OTHER_TENANT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
let host: AppHost;
let registry: FunctionRegistry;
beforeAll(async () => {
  host = await startApp({
    CatalogStorage: inject('azuriteConnectionString'),
    ARM_ENDPOINT: 'http://127.0.0.1:9',
    ARM_CREDENTIAL: 'local',
    AUTH_ALLOWED_TENANTS: `${DEMO_PRINCIPAL.tenantId},${OTHER_TENANT}`,
  });
  registry = host.runtime.registry;
});
afterAll(async () => {
  delete process.env.AUTH_ALLOWED_TENANTS;
  await host.stop();
});

describe('function registrations: one auth model', () => {
  it('registers every HTTP route anonymous (App Service authentication is the gate, no function keys)', () => {
    const http = registry.list().filter((r) => r.trigger.type === 'httpTrigger');
    expect(http.length).toBeGreaterThan(10);
    for (const r of http) expect(r.trigger.authLevel, r.name).toBe('anonymous');
  });

  it('serves Event Grid only through the extension webhook (system key), never an HTTP route', () => {
    const grid = registry.list().filter((r) => r.trigger.type === 'eventGridTrigger');
    expect(grid.map((r) => r.name)).toContain('galleryEvents');
    const httpNames = new Set(
      registry
        .list()
        .filter((r) => r.trigger.type === 'httpTrigger')
        .map((r) => String(r.trigger.route)),
    );
    for (const g of grid) expect(httpNames.has(g.name)).toBe(false);
  });

  it('has Bicep require authentication for everything but the webhook and the public routes', () => {
    const bicep = fs.readFileSync(path.join(projectRoot, 'infra', 'modules', 'function-app.bicep'), 'utf8');
    expect(bicep).toMatch(/requireAuthentication: true/);
    expect(bicep).toMatch(/unauthenticatedClientAction: 'Return401'/);
    const excluded = [...(/excludedPaths: \[([^\]]*)\]/.exec(bicep)?.[1] ?? '').matchAll(/'([^']+)'/g)].map(
      (m) => m[1],
    );
    expect(excluded.sort()).toEqual(['/runtime/webhooks/eventgrid', ...PUBLIC_ROUTES.map((r) => `/api/${r}`)].sort());
    expect(bicep).toMatch(/name: 'AUTH_ALLOWED_TENANTS'/);
    expect(bicep).toMatch(/organizations\/v2\.0/);
  });

  it('defines exactly the app roles the code checks in the app registration manifest, and docs/api.md says how to call with them', () => {
    const roles = JSON.parse(fs.readFileSync(path.join(projectRoot, 'infra', 'app-roles.json'), 'utf8')) as {
      value: string;
      id: string;
      allowedMemberTypes: string[];
      isEnabled: boolean;
    }[];
    expect(roles.map((r) => r.value).sort()).toEqual([...ALL_APP_ROLES].sort());
    for (const r of roles)
      expect(r).toMatchObject({
        isEnabled: true,
        allowedMemberTypes: ['User', 'Application'],
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    const call = docSection('docs/api.md', '## Call the API');
    expect(call).toContain('az account get-access-token --resource "api://');
    for (const role of ALL_APP_ROLES) expect(call).toContain(`| \`${role}\``);
    expect(call).toContain('PUT "$URL/api/manage/organizations/');
  });

  it('documents one app role for every route but the public ones, and none for those', () => {
    const doc = openApiDocument() as {
      security: unknown;
      paths: Record<string, Record<string, { security?: { entra?: string[] }[] }>>;
    };
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        if (m === 'parameters') continue;
        const security = op.security ?? (doc.security as { entra?: string[] }[]);
        if (PUBLIC_ROUTES.includes(p.slice(1))) expect(security, p).toEqual([]);
        else if (SIGNED_IN_ROUTES.includes(p.slice(1))) expect(security, p).toEqual([{ entra: [] }]);
        else expect(ALL_APP_ROLES, `${m} ${p}`).toContain(security[0]?.entra?.[0]);
      }
    }
  });
});

describe('x-ms-client-principal roles', () => {
  it('reads the app roles from the claims typed by role_typ (Microsoft Entra: "roles")', () => {
    const header = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        name_typ: 'name',
        role_typ: 'roles',
        claims: [
          { typ: 'tid', val: DEMO_PRINCIPAL.tenantId },
          { typ: 'oid', val: DEMO_PRINCIPAL.objectId },
          { typ: 'roles', val: 'Catalog.Read' },
          { typ: 'roles', val: 'Jobs.Submit' },
          { typ: 'roles', val: 'Something.Else' },
        ],
      }),
    ).toString('base64');
    const r = readPrincipal(header);
    expect(r).toEqual({ ok: true, principal: { ...DEMO_PRINCIPAL, roles: ['Catalog.Read', 'Jobs.Submit'] } });
  });

  it('round-trips the header the local runtime sets', () => {
    const p: Principal = { ...DEMO_PRINCIPAL, roles: [APP_ROLES.admin] };
    expect(readPrincipal(principalHeader(p))).toEqual({ ok: true, principal: p });
  });

  it('a header read again gives the same principal, which no caller can change; other headers their own', () => {
    const reader: Principal = { ...DEMO_PRINCIPAL, roles: [APP_ROLES.read] };
    const admin: Principal = { ...DEMO_PRINCIPAL, roles: [APP_ROLES.admin] };
    const first = readPrincipal(principalHeader(reader));
    expect(readPrincipal(principalHeader(admin))).toEqual({ ok: true, principal: admin });
    const again = readPrincipal(principalHeader(reader));
    expect(again).toEqual({ ok: true, principal: reader });
    expect(again).toBe(first);
    if (!again.ok) throw new Error('unreachable');
    expect(() => (again.principal.roles as AppRole[]).push(APP_ROLES.admin)).toThrow(TypeError);
    expect(() => Object.assign(again.principal, { tenantId: 'other' })).toThrow(TypeError);
    expect(readPrincipal(principalHeader(reader))).toEqual({ ok: true, principal: reader });
    expect(readPrincipal('not base64 json')).toEqual({ ok: false, reason: 'principal header is not base64 JSON' });
  });

  it('parses LOCAL_PRINCIPAL with and without roles', () => {
    const t = DEMO_PRINCIPAL.tenantId;
    const o = DEMO_PRINCIPAL.objectId;
    expect(parseLocalPrincipal(`${t}/${o}`).roles).toEqual(ALL_APP_ROLES);
    expect(parseLocalPrincipal(`${t}/${o}:catalog.read, Jobs.Submit`).roles).toEqual(['Catalog.Read', 'Jobs.Submit']);
    expect(parseLocalPrincipal(`${t}/${o}:`).roles).toEqual([]);
    expect(() => parseLocalPrincipal(`${t}/${o}:Catalog.Write`)).toThrow(/unknown app role "Catalog.Write"/);
    expect(() => parseLocalPrincipal('nope')).toThrow(/LOCAL_PRINCIPAL must be/);
  });
});

describe('role checks over HTTP (the local runtime, a local principal)', () => {
  /** Every documented operation with the role it declares, and a concrete URL for it. */
  function operations(): { method: string; url: string; role: AppRole | undefined }[] {
    const doc = openApiDocument() as {
      security: { entra?: string[] }[];
      paths: Record<string, Record<string, { security?: { entra?: string[] }[] }>>;
    };
    const out: { method: string; url: string; role: AppRole | undefined }[] = [];
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        if (m === 'parameters') continue;
        const role = (op.security ?? doc.security)[0]?.entra?.[0] as AppRole | undefined;
        out.push({
          method: m.toUpperCase(),
          url: `${host.url}/api${p.replace(/\{(\w+)\}/g, (_, n: string) => (n === 'subscriptionId' ? '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f' : `x${n.toLowerCase()}`))}`,
          role,
        });
      }
    }
    return out;
  }

  const call = (method: string, url: string, p?: Principal) =>
    fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...(p ? { 'x-ms-client-principal': principalHeader(p) } : {}) },
      ...(method === 'PUT' || method === 'POST' ? { body: '{}' } : {}),
    });

  it('answers 403 naming the missing role on every route, 401 without a principal', async () => {
    const ops = operations();
    expect(ops.filter((o) => o.role === undefined).length).toBe(PUBLIC_ROUTES.length + SIGNED_IN_ROUTES.length);
    for (const op of ops) {
      if (SIGNED_IN_ROUTES.some((r) => op.url.includes(`/api/${r.split('/')[0]}/`))) {
        // signed in with no app role at all: served (404 for a file that does not exist), never 401/403
        expect((await call(op.method, op.url, { ...DEMO_PRINCIPAL, roles: [] })).status, op.url).toBe(404);
        expect(
          (await call(op.method, op.url.replace(/[^/]+$/, ''), { ...DEMO_PRINCIPAL, roles: [] })).status,
          op.url,
        ).toBe(200);
        continue;
      }
      if (!op.role) {
        expect((await call(op.method, op.url)).status, op.url).toBe(200);
        continue;
      }
      const withoutRole = await call(op.method, op.url, {
        ...DEMO_PRINCIPAL,
        roles: ALL_APP_ROLES.filter((r) => r !== op.role),
      });
      expect(withoutRole.status, `${op.method} ${op.url}`).toBe(403);
      expect(withoutRole.headers.get('content-type')).toBe('application/problem+json');
      const body = (await withoutRole.json()) as {
        detail: string;
        requiredRole: string;
        errors: { field: string; message: string }[];
      };
      expect(body.requiredRole).toBe(op.role);
      expect(body.detail).toContain(op.role);
      expect(body.errors).toEqual([{ field: 'roles', message: `must include ${op.role}` }]);
      expect((await call(op.method, op.url)).status, `${op.method} ${op.url} anonymous`).toBe(401);
      const withRole = await call(op.method, op.url, { ...DEMO_PRINCIPAL, roles: [op.role] });
      expect(withRole.status, `${op.method} ${op.url} with ${op.role}`).not.toBe(401);
      if (withRole.status === 403)
        expect(((await withRole.json()) as { requiredRole?: string }).requiredRole).toBeUndefined();
    }
  });

  it('lets Catalog.Admin alone (no organization) manage organizations, and refuses tenants not allowed', async () => {
    const admin: Principal = {
      tenantId: OTHER_TENANT,
      objectId: '0a0a0a0a-0000-4000-8000-000000000001',
      roles: [APP_ROLES.admin],
    };
    expect((await call('GET', `${host.url}/api/manage/organizations`, admin)).status).toBe(200);
    const stranger: Principal = {
      tenantId: 'ffffffff-0000-4000-8000-000000000000',
      objectId: admin.objectId,
      roles: ALL_APP_ROLES,
    };
    const res = await call('GET', `${host.url}/api/manage/organizations`, stranger);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/tenant is not allowed/);
  });
});

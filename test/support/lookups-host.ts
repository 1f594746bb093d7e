import { expect } from 'vitest';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { startApp, type AppHost } from './app-host.js';
import { DEMO_TENANTS } from '../../dev/demo/demo-org.js';
import { armEvent, postEvents } from './catalog-fixtures.js';
import { ALL_APP_ROLES, APP_ROLES, principalHeader, type Principal } from '../../shared/access/principal.js';

/** The deployment's operator: app role Catalog.Admin only, of the operator's tenant (the demo's Contoso tenant, AUTH_OPERATOR_TENANT in the tests); member of no organization. */
export const ADMIN_PRINCIPAL: Principal = {
  tenantId: DEMO_TENANTS.contoso,
  objectId: 'adadadad-0000-4000-8000-000000000001',
  roles: [APP_ROLES.admin],
};
import type { OrganizationDocument } from '../../shared/access/directory.js';

export interface LookupsHost extends AppHost {
  sim: ArmSimulator;
  get(
    path: string,
    principal?: Principal | null,
  ): Promise<{ status: number; body: Record<string, unknown>; contentType: string | null }>;
  putOrganization(
    id: string,
    doc: Omit<OrganizationDocument, 'grants'> & { grants?: OrganizationDocument['grants'] },
  ): Promise<void>;
  /** Posts a write event for every resource the simulator holds (the catalog is built from events). */
  indexAll(): Promise<void>;
}

export async function startLookupsHost(connectionString: string, defaultPrincipal?: Principal): Promise<LookupsHost> {
  const sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  const app = await startApp({
    CatalogStorage: connectionString,
    ARM_ENDPOINT: endpoint,
    ARM_CREDENTIAL: 'local',
    ARM_MAX_RETRIES: '0',
  });
  const host: LookupsHost = {
    ...app,
    sim,
    stop: async () => {
      await app.stop();
      await sim.stop();
    },
    async get(path, principal = defaultPrincipal) {
      const res = await fetch(`${app.url}/api/${path}`, {
        headers: principal ? { 'x-ms-client-principal': principalHeader({ roles: ALL_APP_ROLES, ...principal }) } : {},
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        contentType: res.headers.get('content-type'),
      };
    },
    async putOrganization(id, doc) {
      const res = await fetch(`${app.url}/api/manage/organizations/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-ms-client-principal': principalHeader(ADMIN_PRINCIPAL) },
        body: JSON.stringify(doc),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    },
    async indexAll() {
      const events = sim.all().map((r) => armEvent(r.id, 'Write'));
      for (let i = 0; i < events.length; i += 50)
        expect((await postEvents(app.url, events.slice(i, i + 50))).status).toBe(202);
    },
  };
  return host;
}

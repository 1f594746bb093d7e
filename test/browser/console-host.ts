import { expect } from 'vitest';
import { ArmSimulator } from '../../shared/devhost/arm-simulator.js';
import { seedDemoOrganization } from '../../shared/devhost/demo-org.js';
import { DEMO_PRINCIPAL, demoOrganizations } from '../../shared/devhost/demo-directory.js';
import { ALL_APP_ROLES, principalHeader } from '../../shared/access/principal.js';
import { startApp, type AppHost } from '../support/app-host.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';

/**
 * The app as a browser meets it offline: requests without x-ms-client-principal act as the demo
 * principal with every app role (as `npm start` configures the local runtime), the demo
 * organization indexed.
 */
export async function startConsoleHost(connectionString: string): Promise<AppHost & { sim: ArmSimulator; api<T>(path: string): Promise<T> }> {
  const sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  seedDemoOrganization(sim);
  const app = await startApp({ CatalogStorage: connectionString, ARM_ENDPOINT: endpoint, ARM_CREDENTIAL: 'local', ARM_MAX_RETRIES: '0' }, { principalHeader: principalHeader({ ...DEMO_PRINCIPAL, roles: ALL_APP_ROLES }) });
  for (const [id, doc] of Object.entries(demoOrganizations())) {
    const res = await fetch(`${app.url}/api/manage/organizations/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    expect(res.status).toBe(200);
  }
  const events = sim.all().map((r) => armEvent(r.id, 'Write'));
  for (let i = 0; i < events.length; i += 50) expect((await postEvents(app.url, events.slice(i, i + 50))).status).toBe(202);
  return {
    ...app,
    sim,
    async api<T>(path: string): Promise<T> {
      const res = await fetch(`${app.url}/api/${path}`);
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    },
    stop: async () => {
      await app.stop();
      await sim.stop();
    },
  };
}

import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { seedDemoOrganization } from '../../dev/demo/demo-org.js';
import { DEMO_PRINCIPAL, demoOrganizations } from '../../dev/demo/demo-directory.js';
import { ALL_APP_ROLES, principalHeader } from '../../shared/access/principal.js';
import { startApp, type AppHost } from '../support/app-host.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';

/**
 * The app as a browser meets it offline: requests without x-ms-client-principal act as the demo
 * principal with every app role (as `npm start` configures the local runtime), the demo
 * organization indexed. With `events`, the runtime hosts the app's domain-event topic, so auto-roll
 * runs as it does under `npm start`. `settings` are added to the app's settings.
 */
export async function startConsoleHost(
  connectionString: string,
  options: { events?: boolean; settings?: Record<string, string> } = {},
): Promise<AppHost & { sim: ArmSimulator; api<T>(path: string): Promise<T> }> {
  const sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  seedDemoOrganization(sim);
  const app = await startApp(
    {
      CatalogStorage: connectionString,
      ARM_ENDPOINT: endpoint,
      ARM_CREDENTIAL: 'local',
      ARM_MAX_RETRIES: '0',
      ...options.settings,
    },
    {
      principalHeader: principalHeader({ ...DEMO_PRINCIPAL, roles: ALL_APP_ROLES }),
      ...(options.events ? { events: true } : {}),
    },
  );
  for (const [id, doc] of Object.entries(demoOrganizations())) {
    const res = await fetch(`${app.url}/api/manage/organizations/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(doc),
    });
    expect(res.status).toBe(200);
  }
  const events = sim.all().map((r) => armEvent(r.id, 'Write'));
  for (let i = 0; i < events.length; i += 50)
    expect((await postEvents(app.url, events.slice(i, i + 50))).status).toBe(202);
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

const PICKERS = ['Image Resource Group', 'Gallery Name', 'Image Name', 'Version'] as const;

/**
 * Opens the console and picks, in Spot's order, as many of resource group, gallery, image
 * definition and version as given: the first typed key by key (type-ahead), the others filled;
 * each picker is waited for until its options have loaded.
 */
export async function pickCascade(page: Page, url: string, names: readonly string[]): Promise<void> {
  await page.goto(`${url}/api/console/`);
  for (const [i, name] of names.entries()) {
    const input = page.getByLabel(PICKERS[i] ?? 'Version', { exact: true });
    await expect.poll(() => input.isEnabled(), { timeout: 10_000 }).toBe(true);
    if (i === 0) {
      await input.click();
      await page.keyboard.type(name);
    } else await input.fill(name);
  }
}

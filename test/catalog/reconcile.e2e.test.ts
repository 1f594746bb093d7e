import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ArmSimulator } from '../../shared/devhost/arm-simulator.js';
import { DEMO_SUBSCRIPTIONS, DEMO_VERSIONS } from '../../shared/devhost/demo-org.js';
import type { AppHost } from '../support/app-host.js';
import { NEVER, startDemoArmApp } from '../support/demo-arm-app.js';
import { services } from '../../shared/services.js';
import { expectCatalogEqualsArm, liveCatalogIds } from '../support/catalog-fixtures.js';

let sim: ArmSimulator;
let host: AppHost;
const subs = Object.values(DEMO_SUBSCRIPTIONS);

beforeAll(async () => {
  ({ sim, host } = await startDemoArmApp({ pageSize: 2 }, { RECHECK_SCHEDULE: NEVER }));
});
afterAll(async () => {
  await host.stop();
  await sim.stop();
});

async function runReconcile(): Promise<void> {
  const res = await fetch(`${host.url}/admin/functions/reconcileCatalog`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(202);
  // admin invocations run in the background: wait for the log line
  for (let i = 0; i < 100 && !host.logs.some((l) => l.functionName === 'reconcileCatalog' && l.message.startsWith('reconcile:')); i++) await new Promise((r) => setTimeout(r, 50));
  const line = host.logs.filter((l) => l.functionName === 'reconcileCatalog').pop();
  expect(line?.message).toMatch(/^reconcile: 3 subscriptions/);
  host.logs.length = 0;
}

describe('reconcile timer', () => {
  it('fills an empty catalog from ARM (paged lists) and then re-reads only what is not settled', async () => {
    await runReconcile();
    await expectCatalogEqualsArm(sim, services().arm, services().catalog, subs);
    sim.resetCounters();
    await runReconcile();
    // second pass: only shared galleries re-read (the list does not say with whom); settled, unchanged versions not re-read
    expect(sim.requestCount.get).toBeLessThan(sim.all().length);
  });

  it('tombstones what ARM no longer has, when its events were lost', async () => {
    sim.delete(DEMO_VERSIONS.ubuntuCompleted);
    await runReconcile();
    expect(await liveCatalogIds(services().catalog, subs)).not.toContain(DEMO_VERSIONS.ubuntuCompleted.toLowerCase());
    await expectCatalogEqualsArm(sim, services().arm, services().catalog, subs);
  });
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ArmSimulator } from '../../dev/arm-simulator.js';
import { DEMO_SUBSCRIPTIONS, DEMO_VERSIONS } from '../../dev/demo/demo-org.js';
import { reconcileNow, type AppHost } from '../support/app-host.js';
import { describeRun } from '../../shared/domain/reconcile-run.js';
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
  // the timer queues one unit per gallery; the run record says when the last one finished
  const run = await reconcileNow(host);
  expect(describeRun(run)).toMatch(/^reconcile: 3 subscriptions, 5 galleries .*: succeeded$/);
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

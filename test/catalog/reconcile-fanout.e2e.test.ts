import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { reconcileNow, startApp, type AppHost } from '../support/app-host.js';
import { describeRun, type ReconcileProgress } from '../../shared/domain/reconcile-run.js';
import { services } from '../../shared/services.js';
import { armReadThrottle } from '../../shared/arm/read-throttle.js';
import { expectCatalogEqualsArm } from '../support/catalog-fixtures.js';
import { parseResourceId, type VersionRef } from '../../shared/domain/ids.js';

// The timer's reconcile queues one unit per gallery on reconcile-units (the local runtime's
// in-memory stand-in), which the reconcileUnit trigger runs in parallel under the subscription's
// read budget (a token bucket, as ARM's), with the simulator enforcing the same bucket: the
// catalog converges, an unchanged subscription costs its list pages only, 429s are waited out
// (Retry-After), and a gallery that keeps failing is reported without stopping the others.
const SUB = '5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c';
const GALLERIES = 12;
const gid = (g: number) =>
  `/subscriptions/${SUB}/resourceGroups/rg-fan/providers/Microsoft.Compute/galleries/fan${String(g).padStart(2, '0')}`;
const LIMITS = { capacity: 20, refillPerSecond: 100 };

let sim: ArmSimulator;
let host: AppHost;

function version(id: string, endOfLife?: string) {
  sim.put({
    id,
    location: 'westeurope',
    properties: {
      publishingProfile: {
        targetRegions: [{ name: 'West Europe', regionalReplicaCount: 1 }],
        replicaCount: 1,
        ...(endOfLife ? { endOfLifeDate: endOfLife } : {}),
      },
      storageProfile: { osDiskImage: { sizeInGB: 30 } },
      replicationStatus: {
        aggregatedState: 'Completed',
        summary: [{ region: 'West Europe', state: 'Completed', progress: 100 }],
      },
      provisioningState: 'Succeeded',
    },
  });
}

beforeAll(async () => {
  sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  for (let g = 0; g < GALLERIES; g++) {
    sim.put({
      id: gid(g),
      location: 'westeurope',
      properties: { provisioningState: 'Succeeded', sharingProfile: { permissions: 'Private' } },
    });
    for (let i = 0; i < 2; i++) {
      const iid = `${gid(g)}/images/img${i}`;
      sim.put({
        id: iid,
        location: 'westeurope',
        properties: {
          osType: 'Linux',
          osState: 'Generalized',
          hyperVGeneration: 'V2',
          identifier: { publisher: 'P', offer: 'O', sku: `s${g}-${i}` },
          provisioningState: 'Succeeded',
        },
      });
      for (let v = 0; v < 3; v++) version(`${iid}/versions/1.${v}.0`);
    }
  }
  host = await startApp({
    CatalogStorage: inject('azuriteConnectionString'),
    ARM_ENDPOINT: endpoint,
    ARM_CREDENTIAL: 'local',
    ARM_SUBSCRIPTION_IDS: SUB,
    ARM_MAX_RETRIES: '10',
    ARM_RETRY_DELAY_MS: '50',
    RECONCILE_SCHEDULE: '0 0 0 1 1 *',
    RECHECK_SCHEDULE: '0 0 0 1 1 *',
  });
}, 60_000);
afterAll(async () => {
  armReadThrottle.limits = undefined;
  sim.readThrottle = undefined;
  await host.stop();
  await sim.stop();
});

/** Runs the timer function through the admin endpoint and waits for its run to finish. */
async function reconcile(): Promise<ReconcileProgress> {
  host.logs.length = 0;
  const run = await reconcileNow(host);
  expect(describeRun(run)).toMatch(/^reconcile: 1 subscriptions, 12 galleries \(\d+ re-read, 12 units queued\)/);
  expect(run.units).toMatchObject({ total: GALLERIES, done: GALLERIES });
  return run;
}

describe('reconcile fan-out', () => {
  it('fills the catalog under the token bucket, then an unchanged subscription costs its list pages only', async () => {
    sim.readThrottle = LIMITS;
    armReadThrottle.limits = LIMITS;
    sim.resetCounters();
    await reconcile();
    armReadThrottle.limits = undefined;
    sim.readThrottle = undefined;
    await expectCatalogEqualsArm(sim, services().catalog, [SUB]);

    sim.readThrottle = LIMITS;
    armReadThrottle.limits = LIMITS;
    sim.resetCounters();
    const started = performance.now();
    await reconcile();
    const seconds = (performance.now() - started) / 1000;
    const answered = sim.requests.filter((r) => r.status !== 429);
    // 1 gallery list page + 12 image list pages + 24 version list pages; no GET
    expect(answered.filter((r) => r.kind === 'get')).toHaveLength(0);
    expect(answered.filter((r) => r.kind === 'list')).toHaveLength(1 + GALLERIES + GALLERIES * 2);
    // 37 reads, 20 at once then 100/s: at least 0.17 s (the bucket was honoured, not bypassed)
    expect(seconds).toBeGreaterThanOrEqual((answered.length - LIMITS.capacity) / LIMITS.refillPerSecond - 0.05);
  });

  it('waits out 429s with their Retry-After when the client has no bucket of its own', async () => {
    const changed = `${gid(3)}/images/img1/versions/1.2.0`;
    version(changed, '2031-01-01T00:00:00Z');
    armReadThrottle.limits = undefined;
    sim.readThrottle = { capacity: 8, refillPerSecond: 50 };
    sim.resetCounters();
    await reconcile();
    sim.readThrottle = undefined;
    expect(sim.requestCount.throttled).toBeGreaterThan(0);
    expect(sim.requests.filter((r) => r.kind === 'get' && r.status === 200)).toHaveLength(1); // the changed version, once answered
    expect((await services().catalog.getVersion(parseResourceId(changed) as VersionRef))?.record?.endOfLifeDate).toBe(
      '2031-01-01T00:00:00.000Z',
    );
  }, 60_000);

  it('runs the units in parallel, as many at once as the host allows, each counted once', async () => {
    const before = host.unitsQueue.completed.length;
    const run = await reconcile();
    expect(host.unitsQueue.completed.length - before).toBe(GALLERIES);
    expect(host.unitsQueue.maxActiveCalls).toBeGreaterThan(1);
    expect(host.unitsQueue.maxActiveCalls).toBeLessThanOrEqual(16);
    expect(run).toMatchObject({
      status: 'succeeded',
      units: { total: GALLERIES, done: GALLERIES, failed: 0 },
      failedUnits: [],
      counts: { subscriptions: 1, galleries: GALLERIES, images: GALLERIES * 2, versions: GALLERIES * 6 },
    });
  });

  it('reports a gallery that fails every delivery and still reconciles the others', async () => {
    const changed = `${gid(9)}/images/img0/versions/1.0.0`;
    version(changed, '2032-01-01T00:00:00Z');
    // 400s are not retried by the ARM client: each of the unit's 5 deliveries fails once
    sim.injectFaults({ match: /fan05\/images$/i, status: 400, count: 5, code: 'BadRequest' });
    host.logs.length = 0;
    const run = await reconcileNow(host);
    expect(run).toMatchObject({ status: 'failed', units: { total: GALLERIES, done: GALLERIES, failed: 1 } });
    expect(run.failedUnits).toEqual([expect.objectContaining({ galleryId: gid(5) })]);
    expect(run.lastError?.message).toContain('fan05');
    expect(
      host.logs.some(
        (l) => l.functionName === 'reconcileUnit' && /fan05 failed on delivery 5, the last/.test(l.message),
      ),
    ).toBe(true);
    expect((await services().catalog.getVersion(parseResourceId(changed) as VersionRef))?.record?.endOfLifeDate).toBe(
      '2032-01-01T00:00:00.000Z',
    );
    sim.clearFaults();
  });
});

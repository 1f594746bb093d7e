import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { ArmSimulator } from '../../shared/devhost/arm-simulator.js';
import { seedDemoOrganization, DEMO_SUBSCRIPTIONS } from '../../shared/devhost/demo-org.js';
import { startApp, type AppHost } from '../support/app-host.js';
import { services } from '../../shared/services.js';
import { APP_ROLES, principalHeader } from '../../shared/access/principal.js';
import type { ReconcileProgress } from '../../shared/progress/reconcile-progress.js';
import type { ReconcileSummary } from '../../shared/catalog/reconcile.js';

let sim: ArmSimulator;
let host: AppHost;
const admin = principalHeader({ tenantId: '0d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60', objectId: 'adadadad-0000-4000-8000-000000000002', roles: [APP_ROLES.admin] });

beforeAll(async () => {
  sim = new ArmSimulator({ pageSize: 2, latencyMs: 15 });
  const { endpoint } = await sim.start();
  seedDemoOrganization(sim);
  host = await startApp({
    CatalogStorage: inject('azuriteConnectionString'),
    ARM_ENDPOINT: endpoint,
    ARM_CREDENTIAL: 'local',
    ARM_SUBSCRIPTION_IDS: Object.values(DEMO_SUBSCRIPTIONS).join(','),
    RECONCILE_SCHEDULE: '0 0 0 1 1 *',
  });
});
afterAll(async () => {
  await host.stop();
  await sim.stop();
});

async function progress(): Promise<{ status: number; body: ReconcileProgress & { detail?: string } }> {
  const res = await fetch(`${host.url}/api/manage/reconcile`, { headers: { 'x-ms-client-principal': admin } });
  return { status: res.status, body: (await res.json()) as ReconcileProgress & { detail?: string } };
}

describe('GET /api/manage/reconcile', () => {
  it('is a 404 problem before any reconcile, then shows the run while it goes and its outcome', async () => {
    const before = await progress();
    expect(before.status).toBe(404);
    expect(before.body.detail).toBe('No reconcile has run yet.');

    expect((await fetch(`${host.url}/admin/functions/reconcileCatalog`, { method: 'POST', body: '{}' })).status).toBe(202);
    const seen: ReconcileProgress[] = [];
    for (let i = 0; i < 400; i++) {
      const p = await progress();
      if (p.status === 200) {
        seen.push(p.body);
        if (p.body.status !== 'running') break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const running = seen.filter((p) => p.status === 'running');
    const last = seen[seen.length - 1]!;
    expect(running.length).toBeGreaterThan(0);
    expect(running[0]!.startedAt).toBe(last.startedAt);
    expect(last).toMatchObject({ status: 'succeeded', counts: { subscriptions: 3, galleries: 5, images: 7, versions: 13, skipped: 0 } });
    expect(Date.parse(last.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(last.startedAt));
    expect(last.lastError).toBeUndefined();
  });

  it('records counts so far at most once per interval, and the error that ended a run', async () => {
    const store = services().reconcileProgress;
    let t = Date.parse('2026-12-01T10:00:00Z');
    const run = store.start({ intervalMs: 1000, now: () => new Date(t) });
    await run.begin();
    const summary: ReconcileSummary = { subscriptions: 1, galleries: 1, images: 0, versions: 0, versionReads: 0, galleryReads: 0, imageWrites: 0, flagUpgrades: 0, tombstoned: 0, skipped: [] };
    t += 200;
    await run.onProgress(summary);
    expect((await store.read())!.counts.galleries).toBe(0); // within the interval: not written yet
    t += 1000;
    summary.galleries = 2;
    summary.skipped.push('/subscriptions/x/.../galleries/g: not a gallery');
    await run.onProgress(summary);
    const mid = (await store.read())!;
    expect(mid).toMatchObject({ runId: run.runId, status: 'running', counts: { galleries: 2, skipped: 1 }, startedAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:01.200Z' });
    expect(mid.lastError?.message).toMatch(/^skipped .*not a gallery/);
    t += 50;
    await run.fail(new Error('ARM answered 503'));
    expect(await store.read()).toMatchObject({ status: 'failed', finishedAt: '2026-12-01T10:00:01.250Z', lastError: { message: 'ARM answered 503' } });
  });
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ArmSimulator } from '../../shared/devhost/arm-simulator.js';
import type { AppHost } from '../support/app-host.js';
import { startDemoArmApp } from '../support/demo-arm-app.js';
import { ADMIN_PRINCIPAL } from '../support/lookups-host.js';
import { services } from '../../shared/services.js';
import { principalHeader } from '../../shared/access/principal.js';
import type { ReconcileProgress } from '../../shared/progress/reconcile-progress.js';
import type { ReconcileSummary } from '../../shared/catalog/reconcile.js';

let sim: ArmSimulator;
let host: AppHost;
const admin = principalHeader(ADMIN_PRINCIPAL);

beforeAll(async () => {
  ({ sim, host } = await startDemoArmApp({ pageSize: 2, latencyMs: 15 }));
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

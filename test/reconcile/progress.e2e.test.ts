import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ArmSimulator } from '../../dev/arm-simulator.js';
import type { AppHost } from '../support/app-host.js';
import { startDemoArmApp } from '../support/demo-arm-app.js';
import { ADMIN_PRINCIPAL } from '../support/lookups-host.js';
import { services } from '../../shared/services.js';
import { principalHeader } from '../../shared/access/principal.js';
import type { ReconcileProgress } from '../../shared/reconcile/progress.js';
import { randomUUID } from 'node:crypto';
import { unitKey, zeroCounts } from '../../shared/domain/reconcile-run.js';
import type { DeliverableMessage } from '../../dev/runtime/service-bus.js';
import { waitFor } from '../support/wait.js';

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

    // The units are held at their trigger and let through one at a time, so the run is read while
    // it goes, at each step (no racing a poll against the run).
    const held: (() => void)[] = [];
    const deliver = (m: DeliverableMessage) => host.runtime.deliverServiceBusMessage('reconcileUnit', m);
    const deadLetter = (m: DeliverableMessage) => host.runtime.deliverServiceBusMessage('reconcileUnitsDeadLetter', m);
    host.unitsQueue.connect(async (m) => {
      await new Promise<void>((go) => held.push(go));
      return deliver(m);
    }, deadLetter);
    try {
      expect((await fetch(`${host.url}/admin/functions/reconcileCatalog`, { method: 'POST', body: '{}' })).status).toBe(
        202,
      );
      await waitFor('the five units at their trigger', () => held.length === 5);
      const first = await waitFor('the planned run', async () => {
        const p = await progress();
        return p.status === 200 && p.body.plans.done === 3 ? p.body : undefined;
      });
      expect(first).toMatchObject({
        status: 'running',
        units: { total: 5, done: 0, failed: 0 },
        plans: { total: 3, done: 3, failed: 0 },
      });
      const seen: ReconcileProgress[] = [first];
      for (let k = 1; k <= 5; k++) {
        held[k - 1]!();
        const p = await waitFor(`unit ${k} done`, async () => {
          const r = (await progress()).body;
          return r.units.done === k ? r : undefined;
        });
        seen.push(p);
        // running until the last unit is done; units done against the units planned
        expect(p).toMatchObject({
          status: k < 5 ? 'running' : 'succeeded',
          startedAt: first.startedAt,
          units: { total: 5, done: k, failed: 0 },
        });
      }
      const last = seen[seen.length - 1]!;
      expect(last).toMatchObject({
        status: 'succeeded',
        counts: { subscriptions: 3, galleries: 5, images: 7, versions: 13, skipped: 0 },
        units: { total: 5, done: 5, failed: 0 },
        plans: { total: 3, done: 3, failed: 0 },
        failedUnits: [],
      });
      // the counts only grow as units finish
      for (let k = 1; k < seen.length; k++)
        expect(seen[k]!.counts.versions).toBeGreaterThanOrEqual(seen[k - 1]!.counts.versions);
      expect(Date.parse(last.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(last.startedAt));
      expect(last.lastError).toBeUndefined();
      await host.unitsQueue.idle();
    } finally {
      for (const go of held) go();
      host.unitsQueue.connect(deliver, deadLetter);
    }
  });

  it('POST /api/manage/reconcile starts a run (202, Location), and GET shows it finished with its counts', async () => {
    const res = await fetch(`${host.url}/api/manage/reconcile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ms-client-principal': admin },
      body: '{}',
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe('/api/manage/reconcile');
    const started = (await res.json()) as { runId: string; status: string; units: number; subscriptions: number };
    expect(started).toMatchObject({ status: 'running', units: 5, subscriptions: 3 });
    let last: ReconcileProgress | undefined;
    for (let i = 0; i < 400 && last?.status !== 'succeeded'; i++) {
      last = (await progress()).body;
      expect(last.runId).toBe(started.runId);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(last).toMatchObject({
      runId: started.runId,
      status: 'succeeded',
      units: { total: 5, done: 5, failed: 0 },
      counts: { subscriptions: 3, galleries: 5, images: 7, versions: 13 },
    });
    const reader = await fetch(`${host.url}/api/manage/reconcile`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ms-client-principal': principalHeader({ ...ADMIN_PRINCIPAL, roles: ['Catalog.Read'] }),
      },
      body: '{}',
    });
    expect(reader.status).toBe(403);
  });

  it('sums rows written at once by 150 units of two subscriptions, counts a rewritten unit once, and finishes the run exactly once', async () => {
    const store = services().reconcileProgress;
    const runId = randomUUID();
    const subs = [randomUUID(), randomUUID()];
    const at = '2026-12-01T10:00:00.000Z';
    await store.begin(runId, subs.length, at);
    const gallery = (sub: string, n: number) =>
      `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g${n}`;
    const units = subs.flatMap((sub, k) =>
      Array.from({ length: k === 0 ? 100 : 50 }, (_, n) => ({ sub, galleryId: gallery(sub, n) })),
    );
    for (const sub of subs) {
      const n = units.filter((u) => u.sub === sub).length;
      await store.recordPlan(runId, {
        subscriptionId: sub,
        at,
        units: n,
        counts: { ...zeroCounts(), subscriptions: 1, galleries: n },
      });
      expect(await store.settle(runId, sub)).toBeUndefined();
    }
    const finishedBy: number[] = [];
    // every unit writes its row then settles, all at once (as units on several instances do); unit 7 is delivered twice
    await Promise.all(
      [...units, units[7]!].map(async (u, i) => {
        const row = {
          galleryId: u.galleryId,
          at: `2026-12-01T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
          failed: u.galleryId.endsWith('/g3') && u.sub === subs[1],
          counts: { ...zeroCounts(), images: 2, versions: 5 },
        };
        await store.recordUnit(
          runId,
          u.sub,
          unitKey(u.galleryId),
          row.failed ? { ...row, counts: zeroCounts(), error: 'ARM answered 400' } : row,
          'replace',
        );
        if (await store.settle(runId, u.sub)) finishedBy.push(i);
      }),
    );
    expect(finishedBy).toHaveLength(1);
    const p = (await store.readRun(runId))!;
    expect(p).toMatchObject({
      runId,
      status: 'failed',
      units: { total: 150, done: 150, failed: 1 },
      plans: { total: 2, done: 2, failed: 0 },
      counts: { subscriptions: 2, galleries: 150, images: 149 * 2, versions: 149 * 5 },
    });
    expect(p.failedUnits).toEqual([
      { galleryId: gallery(subs[1]!, 3), at: expect.any(String), error: 'ARM answered 400' },
    ]);
    expect(p.finishedAt).toBe(p.updatedAt);
    // finished once: a late duplicate settles nothing more
    expect(await store.settle(runId, subs[0]!)).toBeUndefined();
    expect(await store.read()).toEqual(p);
  });
});

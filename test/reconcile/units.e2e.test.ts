import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ArmSimulator } from '../../dev/arm-simulator.js';
import { DEMO_GALLERIES, DEMO_IMAGES, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { reconcileNow, type AppHost } from '../support/app-host.js';
import { startDemoArmApp } from '../support/demo-arm-app.js';
import { expectCatalogEqualsArm } from '../support/catalog-fixtures.js';
import { services } from '../../shared/services.js';
import { useReconcileQueue } from '../../dev/runtime/host-queues.js';
import { unitMessage } from '../../shared/reconcile/queue.js';
import { waitForRun } from '../../shared/reconcile/runs.js';
import { unitKey, unitMessageId } from '../../shared/domain/reconcile-run.js';
import { principalHeader } from '../../shared/access/principal.js';
import { ADMIN_PRINCIPAL } from '../support/lookups-host.js';

// The reconcile's units on the reconcile-units queue (the local runtime's in-memory stand-in,
// delivering to the reconcileUnit trigger and its dead-letter trigger as the host does), against
// the ARM simulator and Azurite: redelivery, duplicates, dead letters and failed plans all end in
// a finished run with the right counts, and the catalog equal to ARM.
let sim: ArmSimulator;
let host: AppHost;
const subs = Object.values(DEMO_SUBSCRIPTIONS);

beforeAll(async () => {
  ({ sim, host } = await startDemoArmApp({ pageSize: 2 }));
  await reconcileNow(host);
}, 60_000);
afterAll(async () => {
  await host.stop();
  await sim.stop();
});

/** A copy of an existing version of `image` under a new version name (a change ARM made without an event). */
function newVersion(image: string, name: string): string {
  const existing = sim
    .all()
    .find(
      (r) =>
        r.id.toLowerCase().startsWith(`${image.toLowerCase()}/versions/`) &&
        (r.properties as { provisioningState?: string } | undefined)?.provisioningState === 'Succeeded',
    );
  if (!existing) throw new Error(`no version of ${image}`);
  const id = `${image}/versions/${name}`;
  sim.put({ ...existing, id, name });
  return id;
}

// What the functions themselves log (the host's Executing/Executed lines are in category Function.<name>).
const unitLogs = () =>
  host.logs
    .filter(
      (l) => l.category === 'Function.reconcileUnit.User' || l.category === 'Function.reconcileUnitsDeadLetter.User',
    )
    .map((l) => l.message);

describe('reconcile units on the queue', () => {
  it('a unit that throws mid-way is delivered again and the catalog still equals ARM; the unit is counted once', async () => {
    newVersion(DEMO_IMAGES.marinerArm64, '9.0.1');
    newVersion(DEMO_IMAGES.windowsSql, '9.0.2');
    // the corp gallery's unit fails on one definition's version list, after it may have written the other one's
    sim.injectFaults({ match: /win2022-sql\/versions$/i, status: 400, count: 1, code: 'BadRequest' });
    host.logs.length = 0;
    const run = await reconcileNow(host);
    expect(sim.requests.some((r) => r.status === 400)).toBe(true);
    expect(
      unitLogs().some((m) => /delivery 1 failed, left for redelivery/.test(m)),
      unitLogs().join('\n'),
    ).toBe(true);
    expect(run).toMatchObject({
      status: 'succeeded',
      units: { total: 5, done: 5, failed: 0 },
      counts: { subscriptions: 3, galleries: 5 },
    });
    await expectCatalogEqualsArm(sim, services().catalog, subs);
  });

  it('a duplicate message runs nothing and is counted once; the same message id is dropped by duplicate detection', async () => {
    const run = await reconcileNow(host);
    const sub = DEMO_SUBSCRIPTIONS.publisher;
    const message = unitMessage(run.runId, sub, { galleryId: DEMO_GALLERIES.corp, reread: true });
    expect(message.messageId).toBe(unitMessageId(run.runId, DEMO_GALLERIES.corp));
    host.logs.length = 0;
    sim.resetCounters();
    // the same message id again: the queue drops it
    const completed = host.unitsQueue.completed.length;
    await host.unitsQueue.sendMessages([message]);
    // the same unit under another id (sent after the duplicate detection window): the unit has its row
    await host.unitsQueue.sendMessages([{ ...message, messageId: `${String(message.messageId)}-again` }]);
    await host.unitsQueue.idle();
    expect(host.unitsQueue.completed.length - completed).toBe(1);
    expect(unitLogs()).toEqual([`reconcile unit ${DEMO_GALLERIES.corp} of run ${run.runId} had finished already`]);
    expect(sim.requests).toHaveLength(0); // nothing read from ARM
    expect(await services().reconcileProgress.readRun(run.runId)).toEqual(run);
  });

  it('a unit whose deliveries all fail without recording is dead-lettered, recorded failed, and its run finishes', async () => {
    // The queue dead-letters after 2 deliveries while the app counts on 5 (as when an instance is
    // lost on the last delivery): the dead-letter trigger records the unit.
    const original = host.unitsQueue;
    const short = host.runtime.emulateServiceBus('reconcileUnit', {
      maxDeliveryCount: 2,
      maxConcurrentCalls: 16,
      redeliveryDelayMs: 5,
    });
    useReconcileQueue(short);
    try {
      sim.injectFaults({ match: /teamGallery\/images$/i, status: 400, count: 2, code: 'BadRequest' });
      const before = (await services().reconcileProgress.read())?.runId;
      host.logs.length = 0;
      expect((await fetch(`${host.url}/admin/functions/reconcileCatalog`, { method: 'POST', body: '{}' })).status).toBe(
        202,
      );
      const run = await waitForRun(() => services().reconcileProgress.read(), before, {
        pollMs: 25,
        timeoutMs: 30_000,
      });
      await short.idle();
      expect(run).toMatchObject({ status: 'failed', units: { total: 5, done: 5, failed: 1 } });
      expect(run.failedUnits).toEqual([
        {
          galleryId: DEMO_GALLERIES.team,
          at: expect.any(String),
          error: expect.stringMatching(
            /^dead-lettered: MaxDeliveryCountExceeded \(Message could not be consumed after 2 delivery attempts\.\)$/,
          ),
        },
      ]);
      expect(short.deadLetters).toHaveLength(1);
      expect(
        unitLogs().some((m) =>
          m.startsWith(
            `reconcile unit ${DEMO_GALLERIES.team} of run ${run.runId} dead-lettered (MaxDeliveryCountExceeded): recorded failed`,
          ),
        ),
        unitLogs().join('\n'),
      ).toBe(true);
      // the dead letter delivered again changes nothing
      expect(
        (
          await services().reconcileRuns.recordDeadLetter(
            unitMessage(run.runId, DEMO_SUBSCRIPTIONS.consumer, { galleryId: DEMO_GALLERIES.team, reread: false }).body,
            { reason: 'MaxDeliveryCountExceeded' },
          )
        ).kind,
      ).toBe('duplicate');
      expect(await services().reconcileProgress.readRun(run.runId)).toEqual(run);
    } finally {
      host.runtime.emulateServiceBus('reconcileUnit', { maxDeliveryCount: 5 }, original);
      useReconcileQueue(original);
      sim.clearFaults();
    }
  });

  it('a subscription whose galleries cannot be listed fails its plan; the others are reconciled and the run finishes', async () => {
    sim.injectFaults({
      match: new RegExp(`${DEMO_SUBSCRIPTIONS.otherOrg}/providers/Microsoft.Compute/galleries$`, 'i'),
      status: 403,
      count: 1,
      code: 'AuthorizationFailed',
    });
    const run = await reconcileNow(host);
    sim.clearFaults();
    expect(run).toMatchObject({
      status: 'failed',
      plans: { total: 3, done: 3, failed: 1 },
      units: { total: 4, done: 4, failed: 0 },
      failedUnits: [],
    });
    expect(run.lastError?.message).toMatch(new RegExp(`^subscription ${DEMO_SUBSCRIPTIONS.otherOrg}: `));
  });

  it('a message that is not a unit is completed without running anything', async () => {
    host.logs.length = 0;
    sim.resetCounters();
    await host.unitsQueue.sendMessages([{ messageId: 'not-a-unit', body: { schemaVersion: 1, runId: 'x' } }]);
    await host.unitsQueue.idle();
    expect(host.unitsQueue.completed).toContain('not-a-unit');
    expect(unitLogs()).toEqual([
      'reconcile unit message not-a-unit is not a unit (runId must be a GUID); completed without running',
    ]);
    expect(sim.requests).toHaveLength(0);
  });

  it('POST /api/manage/reconcile answers 503 naming Service Bus when no queue is configured, and starts nothing', async () => {
    const before = (await services().reconcileProgress.read())?.runId;
    useReconcileQueue(undefined); // as with no ServiceBusConnection and no local stand-in
    try {
      const res = await fetch(`${host.url}/api/manage/reconcile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ms-client-principal': principalHeader(ADMIN_PRINCIPAL) },
        body: '{}',
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('retry-after')).toBe('60');
      expect(await res.json()).toMatchObject({
        status: 503,
        dependency: 'serviceBus',
        detail: 'The reconcile-units queue is not configured (ServiceBusConnection).',
      });
      expect((await services().reconcileProgress.read())?.runId).toBe(before);
    } finally {
      useReconcileQueue(host.unitsQueue);
    }
  });

  it('keys units by gallery case-insensitively, so a unit of the same gallery spelled otherwise is the same unit', async () => {
    const run = (await services().reconcileProgress.read())!;
    expect(
      await services().reconcileProgress.unitState(
        run.runId,
        DEMO_SUBSCRIPTIONS.publisher,
        unitKey(DEMO_GALLERIES.corp.toUpperCase()),
      ),
    ).toBe('done');
  });
});

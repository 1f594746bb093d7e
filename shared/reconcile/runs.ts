/**
 * The reconcile as a queue of gallery units. `start` (the timer, or a manual start) lists each
 * source subscription's galleries (catalog/reconcile.ts `planSubscription`: the galleries listed
 * no more are confirmed and tombstoned there), records the plan, and sends one message per
 * gallery to `reconcile-units`. `runUnit` (the `reconcileUnit` trigger, on any instance, many at
 * once) reconciles one gallery and records its row; `recordDeadLetter` (the dead-letter trigger)
 * records a unit whose every delivery failed. Whoever writes the last row of a run finishes it
 * (progress/reconcile-progress.ts), so a run whose units all ended, succeeded or failed, is
 * marked finished with the summed counts.
 *
 * ARM's read budget is the bound, not the number of units in flight: every ARM read waits for a
 * token of its subscription's bucket (arm/read-throttle.ts), and a 429 that still comes is retried
 * after its `Retry-After` by the ARM client.
 *
 * Failure: a unit that throws is left for redelivery; on its last allowed delivery
 * (RECONCILE_UNITS_MAX_DELIVERY_COUNT, equal to the queue's max delivery count) its failure is
 * recorded and the message completed. A delivery that cannot even record (the table store down,
 * the instance gone) ends in the dead-letter sub-queue, whose trigger records the unit failed
 * with Service Bus's reason. A message that is not a unit message is completed and logged.
 */
import { randomUUID } from 'node:crypto';
import { emptyReconcileSummary, type CatalogReconciler, type ReconcileSummary } from './reconciler.js';
import {
  clipError,
  parseUnitMessage,
  unitKey,
  zeroCounts,
  type ReconcileCounts,
  type ReconcileProgress,
  type UnitMessage,
} from '../domain/reconcile-run.js';
import type { ReconcileRunStore } from './progress.js';
import { unitMessage, UNITS_PER_SEND, type UnitQueue } from './queue.js';
import { errorText } from '../domain/printable.js';

export interface StartedRun {
  runId: string;
  /** Units queued. */
  units: number;
  /** Set when the run finished already (nothing to queue, or every plan failed). */
  finished?: ReconcileProgress;
}

export type UnitOutcome =
  | { kind: 'done'; runId: string; galleryId: string; counts: ReconcileCounts; finished?: ReconcileProgress }
  /** The unit had its row already (a duplicate or a redelivery after it finished): nothing ran. */
  | { kind: 'duplicate'; runId: string; galleryId: string; finished?: ReconcileProgress }
  /** Failed on its last allowed delivery: recorded failed. */
  | { kind: 'failed'; runId: string; galleryId: string; error: string; finished?: ReconcileProgress }
  | { kind: 'invalid'; reason: string };

export interface DeadLetterInfo {
  reason?: string;
  description?: string;
}

export class ReconcileRuns {
  constructor(
    private readonly reconciler: CatalogReconciler,
    private readonly store: ReconcileRunStore,
    private readonly queue: () => UnitQueue | undefined,
    private readonly maxDeliveryCount: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Plans every subscription and queues its units; returns the run id. */
  async start(subscriptionIds: readonly string[]): Promise<StartedRun> {
    const queue = this.queue();
    if (!queue)
      throw new Error(
        'no Service Bus connection is configured (ServiceBusConnection): the reconcile units cannot be queued',
      );
    const runId = randomUUID();
    const subs = [...new Set(subscriptionIds.map((s) => s.toLowerCase()))];
    await this.store.begin(runId, subs.length, this.now().toISOString());
    const planned = await Promise.all(subs.map((sub) => this.plan(runId, sub, queue)));
    const finished = planned.find((p) => p.finished)?.finished;
    return { runId, units: planned.reduce((n, p) => n + p.units, 0), ...(finished ? { finished } : {}) };
  }

  private async plan(
    runId: string,
    sub: string,
    queue: UnitQueue,
  ): Promise<{ units: number; finished?: ReconcileProgress }> {
    const summary = emptyReconcileSummary();
    let units;
    try {
      units = await this.reconciler.planSubscription(sub, summary);
    } catch (err) {
      await this.store.recordPlan(runId, {
        subscriptionId: sub,
        at: this.now().toISOString(),
        units: 0,
        counts: { ...countsOf(summary), subscriptions: 1 },
        error: clipError(errorText(err)),
      });
      return { units: 0, ...(await this.settled(runId, sub)) };
    }
    // The plan is recorded before any unit is sent, so the unit that finishes last sees it.
    await this.store.recordPlan(runId, {
      subscriptionId: sub,
      at: this.now().toISOString(),
      units: units.length,
      counts: countsOf(summary),
    });
    for (let i = 0; i < units.length; i += UNITS_PER_SEND) {
      const chunk = units.slice(i, i + UNITS_PER_SEND);
      try {
        await queue.sendMessages(chunk.map((u) => unitMessage(runId, sub, u)));
      } catch (err) {
        // Not queued: these and the rest are recorded failed, so the run still finishes (a unit
        // of the chunk that did reach the queue replaces its row when it runs).
        const error = clipError(`not queued: ${errorText(err)}`);
        for (const u of units.slice(i))
          await this.store.recordUnit(
            runId,
            sub,
            unitKey(u.galleryId),
            { galleryId: u.galleryId, at: this.now().toISOString(), failed: true, counts: zeroCounts(), error },
            'create',
          );
        break;
      }
    }
    return { units: units.length, ...(await this.settled(runId, sub)) };
  }

  /** Runs one unit message. Throws (for redelivery) when the unit fails before its last allowed delivery. */
  async runUnit(body: unknown, delivery: { deliveryCount: number }): Promise<UnitOutcome> {
    const parsed = parseUnitMessage(body);
    if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
    const m = parsed.message;
    const key = unitKey(m.unit.galleryId);
    const base = { runId: m.runId, galleryId: m.unit.galleryId };
    if ((await this.store.unitState(m.runId, m.subscriptionId, key)) === 'done')
      return { kind: 'duplicate', ...base, ...(await this.settled(m.runId, m.subscriptionId)) };
    const summary = emptyReconcileSummary();
    try {
      await this.reconciler.reconcileUnit(m.unit, summary);
    } catch (err) {
      if (delivery.deliveryCount < this.maxDeliveryCount) throw err;
      const error = clipError(errorText(err));
      await this.store.recordUnit(
        m.runId,
        m.subscriptionId,
        key,
        { galleryId: m.unit.galleryId, at: this.now().toISOString(), failed: true, counts: zeroCounts(), error },
        'replace',
      );
      return { kind: 'failed', ...base, error, ...(await this.settled(m.runId, m.subscriptionId)) };
    }
    const counts = countsOf(summary);
    const lastSkipped = summary.skipped[summary.skipped.length - 1];
    await this.store.recordUnit(
      m.runId,
      m.subscriptionId,
      key,
      {
        galleryId: m.unit.galleryId,
        at: this.now().toISOString(),
        failed: false,
        counts,
        ...(lastSkipped !== undefined ? { lastSkipped: clipError(lastSkipped) } : {}),
      },
      'replace',
    );
    return { kind: 'done', ...base, counts, ...(await this.settled(m.runId, m.subscriptionId)) };
  }

  /** A unit message Service Bus dead-lettered: the unit is recorded failed unless it has its row. */
  async recordDeadLetter(body: unknown, info: DeadLetterInfo): Promise<UnitOutcome> {
    const parsed = parseUnitMessage(body);
    if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
    const m: UnitMessage = parsed.message;
    const error = clipError(
      `dead-lettered: ${info.reason ?? 'no reason given'}${info.description ? ` (${info.description})` : ''}`,
    );
    const written = await this.store.recordUnit(
      m.runId,
      m.subscriptionId,
      unitKey(m.unit.galleryId),
      { galleryId: m.unit.galleryId, at: this.now().toISOString(), failed: true, counts: zeroCounts(), error },
      'create',
    );
    const finished = await this.settled(m.runId, m.subscriptionId);
    return written
      ? { kind: 'failed', runId: m.runId, galleryId: m.unit.galleryId, error, ...finished }
      : { kind: 'duplicate', runId: m.runId, galleryId: m.unit.galleryId, ...finished };
  }

  /** The running or last run. */
  read(): Promise<ReconcileProgress | undefined> {
    return this.store.read();
  }

  private async settled(runId: string, sub: string): Promise<{ finished?: ReconcileProgress }> {
    const finished = await this.store.settle(runId, sub);
    return finished ? { finished } : {};
  }
}

function countsOf(s: ReconcileSummary): ReconcileCounts {
  return {
    subscriptions: s.subscriptions,
    galleries: s.galleries,
    images: s.images,
    versions: s.versions,
    versionReads: s.versionReads,
    galleryReads: s.galleryReads,
    imageWrites: s.imageWrites,
    flagUpgrades: s.flagUpgrades,
    tombstoned: s.tombstoned,
    skipped: s.skipped.length,
  };
}

/**
 * Waits until the run started after `previousRunId` (the current run id read before starting it)
 * is finished, reading its record: what the local runtime's start-up, tests and benchmarks do to
 * know a reconcile ended, wherever its units ran.
 */
export async function waitForRun(
  read: () => Promise<ReconcileProgress | undefined>,
  previousRunId: string | undefined,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<ReconcileProgress> {
  const until = Date.now() + (options.timeoutMs ?? Infinity);
  for (;;) {
    const p = await read();
    if (p && p.runId !== previousRunId && p.status !== 'running') return p;
    if (Date.now() > until)
      throw new Error(
        `the reconcile did not finish in ${options.timeoutMs} ms${p ? ` (${p.units.done}/${p.units.total} units done)` : ''}`,
      );
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

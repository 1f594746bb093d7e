/**
 * The reconcile, fanned out: the subscriptions' gallery lists are read first (one unit per
 * gallery; the galleries listed no more are confirmed and tombstoned then), and the units run in
 * parallel. ARM's read budget is the bound, not the number of units: every ARM read waits for a
 * token of its subscription's bucket (arm/read-throttle.ts: 250, refill 25/s), and a 429 that
 * still comes is retried after its `Retry-After` by the ARM client. A gallery costs no GET unless
 * its list entry differs from the catalog or it is shared; definitions and versions cost their
 * list pages, plus a GET per version whose list entry differs (catalog/reconcile.ts): a reconcile
 * of an unchanged subscription costs its list pages only.
 *
 * Units wait in a queue with at most `concurrency` running; a unit that fails is retried
 * (`attempts` in all) before the run reports it, and the others still run.
 */
import { emptyReconcileSummary, type CatalogReconciler, type GalleryUnit, type ReconcileSummary } from '../catalog/reconcile.js';

export interface FanOutOptions {
  /** Units running at once (default 16): enough to keep a subscription's read budget busy. */
  concurrency?: number;
  /** Tries per unit (default 3). */
  attempts?: number;
}

export interface FanOutSummary extends ReconcileSummary {
  units: number;
  /** Units that failed every attempt, with the last error. */
  failedUnits: { galleryId: string; error: string }[];
}

export class ReconcileFanOut {
  private readonly concurrency: number;
  private readonly attempts: number;

  constructor(
    private readonly reconciler: CatalogReconciler,
    options: FanOutOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.attempts = Math.max(1, options.attempts ?? 3);
  }

  /** `onProgress` receives the counts so far after the plan and after each unit, one call at a time. */
  async run(subscriptionIds: readonly string[], onProgress?: (summary: ReconcileSummary) => Promise<void> | void): Promise<FanOutSummary> {
    const summary: FanOutSummary = { ...emptyReconcileSummary(), units: 0, failedUnits: [] };
    let reported: Promise<void> = Promise.resolve();
    const report = (): Promise<void> => (reported = reported.then(() => onProgress?.(summary)));
    const queue: GalleryUnit[] = [];
    for (const units of await Promise.all(subscriptionIds.map((sub) => this.reconciler.planSubscription(sub, summary)))) queue.push(...units);
    summary.units = queue.length;
    await report();
    const worker = async (): Promise<void> => {
      for (let unit = queue.shift(); unit; unit = queue.shift()) {
        await this.runUnit(unit, summary);
        await report();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    await reported;
    return summary;
  }

  private async runUnit(unit: GalleryUnit, summary: FanOutSummary): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.reconciler.reconcileUnit(unit, summary);
        return;
      } catch (err) {
        if (attempt >= this.attempts) {
          summary.failedUnits.push({ galleryId: unit.galleryId, error: err instanceof Error ? err.message : String(err) });
          return;
        }
      }
    }
  }
}

/**
 * Progress of the running (or last) reconcile, kept in one entity of `<prefix>progress` so any
 * instance can answer `GET /api/manage/reconcile` while another instance walks ARM: the run's id,
 * start time, counts so far, the last error and, once done, the end time and outcome.
 *
 * The reconcile itself only calls the `onProgress` callback it is given; this module throttles the
 * writes (at most one every `intervalMs`, plus the first and the last) so progress costs a few
 * table writes per run, not one per gallery.
 */
import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { ReconcileSummary } from '../catalog/reconcile.js';
import { createTablesOnce, getEntityOrUndefined, type TableStore } from '../storage/tables.js';

export type ReconcileCounts = Omit<ReconcileSummary, 'skipped'> & { skipped: number };

export interface ReconcileProgress {
  runId: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  counts: ReconcileCounts;
  /** The last problem met: a skipped resource while running, or the failure that ended the run. */
  lastError?: { at: string; message: string };
}

const PK = 'reconcile';
const RK = 'current';

export function countsOf(s: ReconcileSummary): ReconcileCounts {
  return { subscriptions: s.subscriptions, galleries: s.galleries, images: s.images, versions: s.versions, versionReads: s.versionReads, galleryReads: s.galleryReads, imageWrites: s.imageWrites, flagUpgrades: s.flagUpgrades, tombstoned: s.tombstoned, skipped: s.skipped.length };
}

export class ReconcileProgressStore {
  readonly table: TableClient;
  private readonly ensure: () => Promise<void>;

  constructor(tables: TableStore, prefix: string) {
    this.table = tables.table(`${prefix}progress`);
    this.ensure = createTablesOnce([this.table]);
  }

  async write(p: ReconcileProgress): Promise<void> {
    await this.ensure();
    await this.table.upsertEntity({ partitionKey: PK, rowKey: RK, runId: p.runId, status: p.status, record: JSON.stringify(p) }, 'Replace');
  }

  /** The running or last reconcile; undefined when none ever ran. */
  async read(): Promise<ReconcileProgress | undefined> {
    await this.ensure();
    const e = await getEntityOrUndefined(this.table, PK, RK);
    return typeof e?.record === 'string' ? (JSON.parse(e.record) as ReconcileProgress) : undefined;
  }

  /** Starts tracking one run. */
  start(options: { intervalMs?: number; now?: () => Date } = {}): ReconcileRun {
    return new ReconcileRun(this, options.intervalMs ?? 2000, options.now ?? (() => new Date()));
  }
}

/** One run: `begin`, then `onProgress` as the reconcile goes, then `succeed` or `fail`. */
export class ReconcileRun {
  private readonly progress: ReconcileProgress;
  private lastWrite = 0;
  private lastSkipped = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ReconcileProgressStore,
    private readonly intervalMs: number,
    private readonly now: () => Date,
  ) {
    const at = now().toISOString();
    this.progress = { runId: randomUUID(), status: 'running', startedAt: at, updatedAt: at, counts: { subscriptions: 0, galleries: 0, images: 0, versions: 0, versionReads: 0, galleryReads: 0, imageWrites: 0, flagUpgrades: 0, tombstoned: 0, skipped: 0 } };
  }

  get runId(): string {
    return this.progress.runId;
  }

  async begin(): Promise<void> {
    await this.flush();
  }

  /** The reconcile's progress callback: records the counts, writing at most once per interval. */
  readonly onProgress = (summary: ReconcileSummary): Promise<void> => {
    this.progress.counts = countsOf(summary);
    if (summary.skipped.length > this.lastSkipped) {
      this.lastSkipped = summary.skipped.length;
      this.progress.lastError = { at: this.now().toISOString(), message: `skipped ${summary.skipped[summary.skipped.length - 1] ?? ''}` };
    }
    if (this.now().getTime() - this.lastWrite < this.intervalMs) return Promise.resolve();
    return this.flush();
  };

  async succeed(summary: ReconcileSummary): Promise<void> {
    this.progress.counts = countsOf(summary);
    this.progress.status = 'succeeded';
    this.progress.finishedAt = this.now().toISOString();
    await this.flush();
  }

  async fail(err: unknown): Promise<void> {
    this.progress.status = 'failed';
    this.progress.finishedAt = this.now().toISOString();
    this.progress.lastError = { at: this.progress.finishedAt, message: err instanceof Error ? err.message : String(err) };
    await this.flush();
  }

  private flush(): Promise<void> {
    this.lastWrite = this.now().getTime();
    this.progress.updatedAt = new Date(this.lastWrite).toISOString();
    const snapshot = structuredClone(this.progress);
    this.pending = this.pending.then(() => this.store.write(snapshot));
    return this.pending;
  }
}

/**
 * Progress of reconcile runs, in `<prefix>progress`, readable by any instance while units run on
 * many (`GET /api/manage/reconcile`). Nothing is counted in a shared entity: each subscription's
 * plan and each finished unit write their own row of the run's partition, and the counts are
 * summed when read. Concurrent units on several instances therefore never contend for one entity
 * (no ETag retries, no lost update, whatever the number of units), a duplicate or redelivered unit
 * rewrites its own row (counted once), and a progress read costs one partition query (1,000 rows a
 * page: a run at Azure's limits of 100 galleries per subscription-region is one page per ten
 * subscriptions). Once finished, the sums are written into the run's entity, so reading a finished
 * run is one point read.
 *
 * | PartitionKey | RowKey | holds |
 * | --- | --- | --- |
 * | `reconcile` | `current` | the running or last run's id, and the one before it |
 * | `run\|<runId>` | `run` | start time, number of subscriptions, status; once finished, the summed progress |
 * | `run\|<runId>` | `p\|<subscription>` | the subscription's plan: units queued, galleries listed, tombstoned, or the error |
 * | `run\|<runId>` | `u\|<subscription>\|<unit key>` | a finished unit: its counts, or its error |
 * | `run\|<runId>` | `s\|<subscription>` | every unit of the subscription finished |
 *
 * Finishing: after writing its row, a unit counts its subscription's rows (one page) against the
 * plan; the unit that completes a subscription marks it, counts the marks against the run's
 * subscriptions, and the one that completes the run writes the sums with an ETag-guarded replace
 * (exactly one writer wins and reports the run finished). Every row is written before its count
 * is read, so the last one always sees all of them: a run whose units all finished is finished.
 * A new run deletes the rows of the run two before it.
 */
import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { createTablesOnce, getEntityOrUndefined, tableStatusOf, type TableStore } from '../storage/tables.js';
import {
  COUNT_NAMES,
  summarizeRun,
  zeroCounts,
  type PlanRow,
  type ReconcileCounts,
  type ReconcileProgress,
  type UnitRow,
} from '../domain/reconcile-run.js';

export type { ReconcileProgress } from '../domain/reconcile-run.js';

const POINTER_PK = 'reconcile';
const POINTER_RK = 'current';
const RUN_RK = 'run';
const runPk = (runId: string): string => `run|${runId}`;
const planRk = (sub: string): string => `p|${sub}`;
const unitRk = (sub: string, key: string): string => `u|${sub}|${key}`;
const doneRk = (sub: string): string => `s|${sub}`;

type Entity = TableEntityResult<Record<string, unknown>>;

export type UnitState = 'none' | 'done' | 'failed';

export class ReconcileRunStore {
  readonly table: TableClient;
  private readonly ensure: () => Promise<void>;

  constructor(tables: TableStore, prefix: string) {
    this.table = tables.table(`${prefix}progress`);
    this.ensure = createTablesOnce([this.table]);
  }

  /** Records a new run of `subscriptions` subscriptions as the current one. */
  async begin(runId: string, subscriptions: number, startedAt: string): Promise<void> {
    await this.ensure();
    const previous = await getEntityOrUndefined(this.table, POINTER_PK, POINTER_RK);
    await this.table.createEntity({
      partitionKey: runPk(runId),
      rowKey: RUN_RK,
      startedAt,
      subscriptions,
      status: 'running',
    });
    const last = typeof previous?.runId === 'string' ? previous.runId : undefined;
    await this.table.upsertEntity(
      { partitionKey: POINTER_PK, rowKey: POINTER_RK, runId, ...(last ? { previousRunId: last } : {}) },
      'Replace',
    );
    // Keep the current run and the one before it; the one before that is dropped.
    const dropped = typeof previous?.previousRunId === 'string' ? previous.previousRunId : undefined;
    if (dropped && dropped !== runId) await this.deleteRun(dropped).catch(() => undefined);
  }

  async recordPlan(runId: string, plan: PlanRow): Promise<void> {
    await this.ensure();
    await this.table.upsertEntity(
      {
        partitionKey: runPk(runId),
        rowKey: planRk(plan.subscriptionId),
        subscriptionId: plan.subscriptionId,
        at: plan.at,
        units: plan.units,
        counts: JSON.stringify(plan.counts),
        ...(plan.error !== undefined ? { error: plan.error } : {}),
      },
      'Replace',
    );
  }

  /** Whether the unit has its row already, and how it ended. */
  async unitState(runId: string, sub: string, key: string): Promise<UnitState> {
    await this.ensure();
    const e = await getEntityOrUndefined(this.table, runPk(runId), unitRk(sub, key));
    return !e ? 'none' : e.failed === true ? 'failed' : 'done';
  }

  /**
   * Writes a finished unit's row. `replace`: the unit ran (a success replaces an earlier failure);
   * `create`: only when the unit has no row yet (a failure recorded from outside the unit: a
   * dead letter, or a message that could not be queued). Returns whether it was written.
   */
  async recordUnit(
    runId: string,
    sub: string,
    key: string,
    row: UnitRow,
    mode: 'replace' | 'create',
  ): Promise<boolean> {
    await this.ensure();
    const entity = {
      partitionKey: runPk(runId),
      rowKey: unitRk(sub, key),
      galleryId: row.galleryId,
      at: row.at,
      failed: row.failed,
      counts: JSON.stringify(row.counts),
      ...(row.error !== undefined ? { error: row.error } : {}),
      ...(row.lastSkipped !== undefined ? { lastSkipped: row.lastSkipped } : {}),
    };
    if (mode === 'replace') {
      await this.table.upsertEntity(entity, 'Replace');
      return true;
    }
    try {
      await this.table.createEntity(entity);
      return true;
    } catch (err) {
      if (tableStatusOf(err) === 409) return false;
      throw err;
    }
  }

  /**
   * Called after a subscription's plan or one of its units wrote its row: marks the subscription
   * complete when every planned unit has its row, and the run finished when every subscription is
   * complete. Returns the finished run's progress to exactly one caller (the one whose write
   * finished it); undefined otherwise.
   */
  async settle(runId: string, sub: string): Promise<ReconcileProgress | undefined> {
    await this.ensure();
    const pk = runPk(runId);
    const filter = odata`PartitionKey eq ${pk} and (RowKey eq ${planRk(sub)} or (RowKey ge ${`u|${sub}|`} and RowKey lt ${`u|${sub}|~`}))`;
    let plan: number | undefined;
    let units = 0;
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter, select: ['RowKey', 'units'] },
    })) {
      if (e.rowKey === planRk(sub)) plan = Number(e.units);
      else units++;
    }
    if (plan === undefined || units < plan) return undefined;
    await this.table.upsertEntity({ partitionKey: pk, rowKey: doneRk(sub) }, 'Replace');
    const run = await getEntityOrUndefined(this.table, pk, RUN_RK);
    if (!run || run.status !== 'running') return undefined;
    let complete = 0;
    for await (const _ of this.table.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${pk} and RowKey ge ${'s|'} and RowKey lt ${'s|~'}`,
        select: ['RowKey'],
      },
    }))
      complete++;
    if (complete < Number(run.subscriptions)) return undefined;
    const progress = await this.summarize(runId, run);
    if (progress.status === 'running') return undefined;
    try {
      await this.table.updateEntity(
        { partitionKey: pk, rowKey: RUN_RK, status: progress.status, final: JSON.stringify(progress) },
        'Merge',
        { etag: run.etag },
      );
    } catch (err) {
      if (tableStatusOf(err) === 412) return undefined; // another unit finished it at the same moment
      throw err;
    }
    return progress;
  }

  /** The running or last run; undefined when none ever ran. */
  async read(): Promise<ReconcileProgress | undefined> {
    await this.ensure();
    const pointer = await getEntityOrUndefined(this.table, POINTER_PK, POINTER_RK);
    if (typeof pointer?.runId !== 'string') return undefined;
    return this.readRun(pointer.runId);
  }

  async readRun(runId: string): Promise<ReconcileProgress | undefined> {
    await this.ensure();
    const run = await getEntityOrUndefined(this.table, runPk(runId), RUN_RK);
    if (!run) return undefined;
    if (typeof run.final === 'string') return JSON.parse(run.final) as ReconcileProgress;
    return this.summarize(runId, run);
  }

  private async summarize(runId: string, run: Entity): Promise<ReconcileProgress> {
    const plans: PlanRow[] = [];
    const units: UnitRow[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${runPk(runId)}` },
    })) {
      const rk = e.rowKey ?? '';
      if (rk.startsWith('p|')) {
        plans.push({
          subscriptionId: String(e.subscriptionId),
          at: String(e.at),
          units: Number(e.units),
          counts: countsOf(e.counts),
          ...(typeof e.error === 'string' ? { error: e.error } : {}),
        });
      } else if (rk.startsWith('u|')) {
        units.push({
          galleryId: String(e.galleryId),
          at: String(e.at),
          failed: e.failed === true,
          counts: countsOf(e.counts),
          ...(typeof e.error === 'string' ? { error: e.error } : {}),
          ...(typeof e.lastSkipped === 'string' ? { lastSkipped: e.lastSkipped } : {}),
        });
      }
    }
    return summarizeRun(
      { runId, startedAt: String(run.startedAt), subscriptions: Number(run.subscriptions) },
      plans,
      units,
    );
  }

  /** Deletes a run's rows (100 per transaction, the entity-group limit). */
  async deleteRun(runId: string): Promise<void> {
    const keys: string[] = [];
    for await (const e of this.table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${runPk(runId)}`, select: ['RowKey'] },
    }))
      keys.push(e.rowKey as string);
    for (let i = 0; i < keys.length; i += 100) {
      await this.table.submitTransaction(
        keys.slice(i, i + 100).map((rowKey) => ['delete', { partitionKey: runPk(runId), rowKey }]),
      );
    }
  }
}

function countsOf(value: unknown): ReconcileCounts {
  const counts = zeroCounts();
  if (typeof value !== 'string') return counts;
  const parsed = JSON.parse(value) as Partial<Record<keyof ReconcileCounts, unknown>>;
  for (const k of COUNT_NAMES) counts[k] = typeof parsed[k] === 'number' ? parsed[k] : 0;
  return counts;
}

/**
 * Jobs sent to the queue whose message has not run yet: one row each, written before the job's
 * message is sent and removed (by the sweep) once the job reached an end. A message can be lost
 * between the record and the send (the app stopped in between, the local runtime's in-memory queue
 * lost its messages) or the job's delivery can stop making progress; the sweep
 * (`shared/jobs/sweep.ts`) finds such jobs here and sends them again, so no job answered 202 stays
 * `queued` or `running` for ever.
 *
 * | table          | PartitionKey          | RowKey                 | holds |
 * |----------------|-----------------------|------------------------|-------|
 * | `<prefix>jobs` | `~pending|<0-3>`      | organization`|`jobId   | the envelope to send again (secrets dropped, and where they were), when it was sent, how often |
 *
 * The envelope kept here never holds a secret: a job whose envelope carried one (a password, an
 * extension's protectedSettings) keeps the pointers of what was dropped, and a copy sent again
 * without them fails the job with `secret-not-kept` (submit it again) instead of running it
 * without its secrets. Rows go to four partitions by a hash of the key; rows added at the same time
 * into one partition (a fan-out of roll jobs) go as one transaction.
 */
import { createHash } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { getEntityOrUndefined, tableStatusOf, type TableStore } from '../storage/tables.js';
import { packJson, unpackJson } from '../catalog/json-props.js';
import { UpsertBatcher } from '../storage/upsert-batcher.js';
import { jobKey } from './store.js';
import type { JobEnvelope } from '../domain/job-envelope.js';

const SHARDS = 4;
const PREFIX = '~pending|';

export interface PendingJob {
  organizationId: string;
  jobId: string;
  subscriptionId: string;
  /** The envelope to send again: as submitted when it carried no secret, else with its secrets dropped. */
  envelope: JobEnvelope;
  /** JSON Pointers (from the envelope root) of the secrets the envelope carried; a copy without them is never run. */
  secretPointers: string[];
  /** When the message was last sent (ISO). */
  sentAt: string;
  /** Scheduled delivery (a soaking roll): not due before this time (ISO). */
  notBefore?: string;
  /** Sends by the sweep so far. */
  resends: number;
  /** The job's delivery attempts when the sweep last looked: more means the job made progress. */
  seenAttempts: number;
  /** The job's generation (its message id carries it). */
  generation?: number;
}

function partitionOf(key: string): string {
  return `${PREFIX}${(createHash('sha256').update(key).digest()[0] as number) % SHARDS}`;
}

export class PendingJobs {
  private readonly batcher: UpsertBatcher;

  constructor(
    private readonly table: TableClient,
    private readonly ensureTables: () => Promise<void>,
  ) {
    this.batcher = new UpsertBatcher(table, { insertFirst: true });
  }

  static of(tables: TableStore, prefix: string, ensureTables: () => Promise<void>): PendingJobs {
    return new PendingJobs(tables.table(`${prefix}jobs`), ensureTables);
  }

  private entity(p: PendingJob) {
    const key = jobKey(p.organizationId, p.jobId);
    const { envelope, ...rest } = p;
    return {
      partitionKey: partitionOf(key),
      rowKey: key,
      ...packJson('record', rest),
      ...packJson('envelope', envelope),
    };
  }

  /** Records a job about to be sent; false when a row for it is there already (the same job submitted again). */
  async insert(p: PendingJob): Promise<boolean> {
    await this.ensureTables();
    try {
      await this.table.createEntity(this.entity(p));
      return true;
    } catch (err) {
      if (tableStatusOf(err) === 409) return false;
      throw err;
    }
  }

  /** Records (or replaces) a job about to be sent; concurrent calls into one partition go as one transaction. */
  async put(p: PendingJob): Promise<void> {
    await this.ensureTables();
    await this.batcher.upsert(this.entity(p));
  }

  async get(organizationId: string, jobId: string): Promise<PendingJob | undefined> {
    await this.ensureTables();
    const key = jobKey(organizationId, jobId);
    const e = await getEntityOrUndefined(this.table, partitionOf(key), key);
    return e ? fromEntity(e) : undefined;
  }

  /** Every row, a partition at a time. */
  async *all(): AsyncGenerator<PendingJob> {
    await this.ensureTables();
    for (let shard = 0; shard < SHARDS; shard++) {
      for await (const e of this.table.listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${`${PREFIX}${shard}`}` },
      })) {
        const p = fromEntity(e);
        if (p) yield p;
      }
    }
  }

  /** Deletes the job's row (with other jobs' deletes in its shard at the same time); a row not there is fine. */
  async remove(organizationId: string, jobId: string): Promise<void> {
    const key = jobKey(organizationId, jobId);
    await this.batcher.deleteRows(partitionOf(key), [key]);
  }
}

function fromEntity(e: Record<string, unknown>): PendingJob | undefined {
  const rest = unpackJson<Omit<PendingJob, 'envelope'>>('record', e);
  const envelope = unpackJson<JobEnvelope>('envelope', e);
  return rest && envelope ? { ...rest, envelope } : undefined;
}

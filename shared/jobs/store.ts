/**
 * Job and group records in Table Storage.
 *
 * | table          | PartitionKey      | RowKey  | holds |
 * |----------------|-------------------|---------|-------|
 * | `<prefix>jobs`   | jobId             | `job`   | a job: status, caller account, group, result, errors, warnings |
 * | `<prefix>groups` | subscription of the account | kind`|`name | a group: its spec, the resolved image version, revision, the last jobs applied |
 *
 * A group is written with its ETag (create: insert, fails if it exists; update: replace with
 * If-Match). The ids of the last jobs applied are kept on the group, so a job redelivered after
 * its group write but before its own record was written is recognised and not applied twice.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { TableStore } from '../storage/tables.js';
import { encodeKeyPart } from '../catalog/keys.js';
import { packJson, unpackJson } from '../catalog/json-props.js';
import { statusOf } from '../catalog/store.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'deadLettered';

export interface JobProblem {
  path: string;
  code: string;
  message: string;
}

export interface JobRecord {
  jobId: string;
  status: JobStatus;
  action?: string;
  kind?: string;
  /** The account from the envelope (Spot account id or subscription id). */
  account?: string;
  /** The subscription the account names (who may read the job). */
  subscriptionId?: string;
  group?: { kind: string; name: string };
  submittedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  attempts: number;
  resolvedImageVersionId?: string;
  errors: JobProblem[];
  warnings: JobProblem[];
  lastError?: string;
}

export interface GroupRecord {
  subscriptionId: string;
  account: string;
  kind: string;
  name: string;
  region: string;
  spec: unknown;
  imageVersionId?: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
  createdByJob: string;
  updatedByJob: string;
  /** The most recent job ids applied to the group (newest last). */
  appliedJobs: string[];
}

const APPLIED_KEPT = 200;
const RACE_ATTEMPTS = 30;

export class GroupConflictError extends Error {
  constructor(readonly reason: 'exists' | 'missing') {
    super(reason === 'exists' ? 'the group already exists: use action update' : 'the group does not exist: use action create');
    this.name = 'GroupConflictError';
  }
}

/** Another writer changed the group in between (412): transient, the message is redelivered. */
export class GroupRaceError extends Error {
  override readonly name = 'GroupRaceError';
}

export function groupRowKey(kind: string, name: string): string {
  return `${encodeKeyPart(kind)}|${encodeKeyPart(name)}`;
}

export class JobStore {
  readonly jobs: TableClient;
  readonly groups: TableClient;
  private ready: Promise<void> | undefined;

  constructor(tables: TableStore, prefix: string) {
    this.jobs = tables.table(`${prefix}jobs`);
    this.groups = tables.table(`${prefix}groups`);
  }

  ensureTables(): Promise<void> {
    this.ready ??= Promise.all([this.jobs.createTable(), this.groups.createTable()]).then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined;
        throw err;
      },
    );
    return this.ready;
  }

  /** Records a new job as queued; false when the jobId is already known (the same job submitted again). */
  async createJob(job: JobRecord): Promise<boolean> {
    await this.ensureTables();
    try {
      await this.jobs.createEntity({ partitionKey: encodeKeyPart(job.jobId), rowKey: 'job', status: job.status, ...packJson('record', job) });
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  async putJob(job: JobRecord): Promise<void> {
    await this.ensureTables();
    await this.jobs.upsertEntity({ partitionKey: encodeKeyPart(job.jobId), rowKey: 'job', status: job.status, ...packJson('record', job) }, 'Replace');
  }

  async deleteJob(jobId: string): Promise<void> {
    try {
      await this.jobs.deleteEntity(encodeKeyPart(jobId), 'job');
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    await this.ensureTables();
    try {
      return unpackJson<JobRecord>('record', await this.jobs.getEntity<Record<string, unknown>>(encodeKeyPart(jobId), 'job'));
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async getGroup(subscriptionId: string, kind: string, name: string): Promise<{ group: GroupRecord; etag: string } | undefined> {
    await this.ensureTables();
    try {
      const e = await this.groups.getEntity<Record<string, unknown>>(encodeKeyPart(subscriptionId), groupRowKey(kind, name));
      const group = unpackJson<GroupRecord>('record', e);
      return group ? { group, etag: e.etag } : undefined;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Creates or updates a group for a job. Returns the stored group, or `applied` when this job was
   * applied already. Throws GroupConflictError (permanent) or GroupRaceError (transient).
   */
  async writeGroup(
    action: 'create' | 'update',
    jobId: string,
    next: Omit<GroupRecord, 'revision' | 'createdAt' | 'updatedAt' | 'createdByJob' | 'updatedByJob' | 'appliedJobs'>,
    now: string,
  ): Promise<{ group: GroupRecord; alreadyApplied: boolean }> {
    await this.ensureTables();
    // Writers of one group are normally serialised by its Service Bus session; a race (412) is
    // re-read and re-applied a few times, then left to a redelivery.
    for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
      try {
        return await this.tryWriteGroup(action, jobId, next, now);
      } catch (err) {
        if (!(err instanceof GroupRaceError) || attempt === RACE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * Math.min(attempt, 10)));
      }
    }
    throw new GroupRaceError('the group kept changing while the job ran');
  }

  private async tryWriteGroup(
    action: 'create' | 'update',
    jobId: string,
    next: Omit<GroupRecord, 'revision' | 'createdAt' | 'updatedAt' | 'createdByJob' | 'updatedByJob' | 'appliedJobs'>,
    now: string,
  ): Promise<{ group: GroupRecord; alreadyApplied: boolean }> {
    const pk = encodeKeyPart(next.subscriptionId);
    const rk = groupRowKey(next.kind, next.name);
    const current = await this.getGroup(next.subscriptionId, next.kind, next.name);
    if (current?.group.appliedJobs.includes(jobId)) return { group: current.group, alreadyApplied: true };
    if (action === 'create') {
      if (current) throw new GroupConflictError('exists');
      const group: GroupRecord = { ...next, revision: 1, createdAt: now, updatedAt: now, createdByJob: jobId, updatedByJob: jobId, appliedJobs: [jobId] };
      try {
        await this.groups.createEntity({ partitionKey: pk, rowKey: rk, revision: 1, ...packJson('record', group) });
      } catch (err) {
        if (statusOf(err) === 409) throw new GroupRaceError('the group was created concurrently');
        throw err;
      }
      return { group, alreadyApplied: false };
    }
    if (!current) throw new GroupConflictError('missing');
    const group: GroupRecord = {
      ...current.group,
      ...next,
      revision: current.group.revision + 1,
      updatedAt: now,
      updatedByJob: jobId,
      appliedJobs: [...current.group.appliedJobs, jobId].slice(-APPLIED_KEPT),
    };
    try {
      await this.groups.updateEntity({ partitionKey: pk, rowKey: rk, revision: group.revision, ...packJson('record', group) }, 'Replace', { etag: current.etag });
    } catch (err) {
      const s = statusOf(err);
      if (s === 412) throw new GroupRaceError('the group changed while the job ran');
      if (s === 404) throw new GroupConflictError('missing');
      throw err;
    }
    return { group, alreadyApplied: false };
  }

  /** Groups of a subscription, in key order, a page at a time. */
  async listGroups(subscriptionId: string, after: string | undefined, top: number): Promise<{ items: GroupRecord[]; next?: string }> {
    await this.ensureTables();
    const pk = encodeKeyPart(subscriptionId);
    const filter = after === undefined ? odata`PartitionKey eq ${pk}` : odata`PartitionKey eq ${pk} and RowKey gt ${after}`;
    const items: GroupRecord[] = [];
    let last: string | undefined;
    for await (const e of this.groups.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const g = unpackJson<GroupRecord>('record', e);
      if (!g) continue;
      if (items.length === top) return { items, ...(last ? { next: last } : {}) };
      items.push(g);
      last = e.rowKey;
    }
    return { items };
  }
}

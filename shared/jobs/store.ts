/**
 * Job and group records in Table Storage.
 *
 * | table            | PartitionKey                 | RowKey               | holds |
 * |------------------|------------------------------|----------------------|-------|
 * | `<prefix>jobs`   | organization`|`jobId        | `job`                | how to find a job: its account's subscription (and the whole record while it has no group partition); the envelope's fingerprint |
 * | `<prefix>jobs`   | organization`|~roll|`version`|`0-3 | roll jobId      | the same, for a roll job (`roll:<group key>:<version>[:<n>]`; the shard from its group key): one change's roll jobs are recorded together |
 * | `<prefix>jobs`   | jobId                        | `job`                | the same, for jobs recorded before job ids were scoped to their organization (read only) |
 * | `<prefix>groups` | subscription of the account  | `g|`kind`|`name      | a group: its spec (secrets dropped), resolved image version, revision, the last jobs applied; `latestOf` (column): the definition and region whose latest it follows |
 * | `<prefix>groups` | subscription of the account  | `j|`jobId            | a job: status, result, errors, warnings |
 *
 * Job ids are unique within an organization: the one identity every request carries (a caller is
 * a principal of one organization, whatever account it names), and `GET /api/groups/jobs/{jobId}`
 * names no account. Another organization's job with the same id is another job: it never
 * conflicts, and nothing says it exists. A subscription belongs to one organization, so the
 * `j|`jobId rows of an account's partition are scoped already. A job recorded before the
 * organization was part of its key is still found: its pointer keyed by the bare job id is read
 * when the scoped one is missing, and used only when its subscription is one of the organization's
 * (checked before anything else of it is read).
 *
 * A job's outcome and its group change are written in one entity-group transaction (one partition:
 * the account's subscription), so a group is never changed without its job saying so, and a
 * successful job costs one round trip. The group is written with its ETag (create: insert, fails if
 * it exists; update: replace with If-Match). The ids of the last jobs applied are kept on the group,
 * so a redelivered job that was applied already is recognised and not applied twice.
 *
 * Job ids are case-sensitive (Service Bus message ids are): they are used in keys as given (their
 * characters, `A-Z a-z 0-9 . _ : -`, are all valid in table keys), so `ABC` and `abc` are two jobs.
 * Nothing here sees a secret: the processor stores specs with secrets already dropped.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { dateTimeSchema } from '../domain/schemas.js';
import { deploymentSchema, jobApplySchema, jobPlanSchema, rollDeploymentSchema } from '../domain/apply.js';
import { createTablesOnce, getEntityOrUndefined, tableStatusOf, type TableStore } from '../storage/tables.js';
import { TRANSACTION_MAX_OPERATIONS } from '../storage/upsert-batcher.js';
import { encodeKeyPart } from '../catalog/keys.js';
import { chunksOf, eachLimited, groupBy } from '../domain/collections.js';
import { packJson, pageRecords, unpackJson } from '../catalog/json-props.js';

export const jobStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'deadLettered']);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobProblemSchema = z.strictObject({
  pointer: z.string().describe("JSON Pointer (RFC 6901) into the job envelope ('' for the whole message)"),
  code: z.string(),
  message: z.string(),
});
export type JobProblem = z.infer<typeof jobProblemSchema>;

/** A job as recorded, and as GET /api/groups/jobs/{jobId} answers it. */
export const jobRecordSchema = z.strictObject({
  jobId: z.string(),
  organizationId: z
    .string()
    .describe(
      'The organization whose job it is (the owner of its account); absent for an account no organization knows',
    )
    .optional(),
  status: jobStatusSchema,
  action: z.string().optional(),
  kind: z.string().optional(),
  account: z.string().describe('The account from the envelope (Spot account id or subscription id)').optional(),
  subscriptionId: z.string().describe('The subscription the account names (who may read the job)').optional(),
  group: z.strictObject({ kind: z.string(), name: z.string() }).optional(),
  submittedAt: dateTimeSchema.optional(),
  notBefore: dateTimeSchema.describe('A scheduled job (auto-roll soak): not delivered before this time').optional(),
  startedAt: dateTimeSchema.optional(),
  finishedAt: dateTimeSchema.optional(),
  attempts: z.number().int(),
  resolvedImageVersionId: z.string().optional(),
  errors: z.array(jobProblemSchema),
  warnings: z.array(jobProblemSchema),
  lastError: z.string().optional(),
  generation: z.number().int().describe('How often the job was reopened after it ended without running').optional(),
  deadLetterReason: z
    .string()
    .describe(
      "Service Bus's DeadLetterReason when the job's message was dead-lettered (MaxDeliveryCountExceeded, TTLExpiredException...)",
    )
    .optional(),
  deadLetterDescription: z.string().optional(),
  planOnly: z
    .literal(true)
    .describe('The job only planned (submitted with planOnly): nothing was sent, the group not recorded')
    .optional(),
  plan: jobPlanSchema
    .describe("The requests the job makes (or would make: the organization's apply mode plan) at its target")
    .optional(),
  apply: jobApplySchema.describe("Where the job's apply is (apply mode)").optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** A group's auto-roll policy as kept (every field set). */
export const groupAutoRollSchema = z.strictObject({
  enabled: z.boolean(),
  soakMinutes: z.number().int(),
  paused: z.boolean(),
  deployment: rollDeploymentSchema.optional(),
});
export const lastRollSchema = z
  .strictObject({
    fromVersionId: z.string().optional(),
    toVersionId: z.string(),
    at: dateTimeSchema,
    jobId: z.string(),
  })
  .describe('The last auto-roll applied: from and to which version, when, by which job');

export const groupRecordSchema = z.strictObject({
  subscriptionId: z.string(),
  account: z.string(),
  kind: z.string(),
  name: z.string(),
  region: z.string(),
  spec: z.unknown(),
  imageVersionId: z.string().optional(),
  revision: z.number().int(),
  createdAt: dateTimeSchema,
  updatedAt: dateTimeSchema,
  createdByJob: z.string(),
  updatedByJob: z.string(),
  appliedJobs: z.array(z.string()).describe('The most recent job ids applied to the group (newest last)'),
  autoRoll: groupAutoRollSchema
    .describe('Auto-roll policy (groups on latest), from the job envelope or PUT .../autoroll')
    .optional(),
  latestOf: z
    .string()
    .describe('The auto-roll index entry of the group while it is on latest of a gallery image (definition key|region)')
    .optional(),
  lastRoll: lastRollSchema.optional(),
  deployment: deploymentSchema
    .describe('Where the group is deployed, as its last applied job left it (apply mode)')
    .optional(),
});
export type GroupRecord = z.infer<typeof groupRecordSchema>;

export type GroupChange = Omit<
  GroupRecord,
  'revision' | 'createdAt' | 'updatedAt' | 'createdByJob' | 'updatedByJob' | 'appliedJobs'
> & {
  /** An update computed from this revision of the group (a partial update merged onto it): applied only onto that revision. */
  basedOnRevision?: number;
};

/** Rows written in the same transaction as a job's outcome (its outbox events), given the account's partition. */
export type JobExtras = (partitionKey: string, group: GroupRecord | undefined) => TransactionAction[];

const APPLIED_KEPT = 200;
/** Failures recorded at submission that the same submission again reopens (the job never ran). */
export const REOPENED = new Set(['not-queued', 'secret-not-kept', 'not-delivered']);
const RACE_ATTEMPTS = 30;

export class GroupConflictError extends Error {
  constructor(readonly reason: 'exists' | 'missing') {
    super(
      reason === 'exists'
        ? 'the group already exists: use action update'
        : 'the group does not exist: use action create',
    );
    this.name = 'GroupConflictError';
  }
}

/** Another writer kept changing the group (412): transient, the message is redelivered. */
export class GroupRaceError extends Error {
  override readonly name = 'GroupRaceError';
}

/** The group is no longer the revision an update was merged onto: transient, the job is redelivered and merges again. */
export class GroupChangedError extends Error {
  override readonly name = 'GroupChangedError';
}

export function groupRowKey(kind: string, name: string): string {
  return `g|${encodeKeyPart(kind)}|${encodeKeyPart(name)}`;
}
/**
 * A group's row: its record, its revision, and the `latestOf` it is indexed on (a column of its own,
 * so auto-roll reads a partition's groups on one latest with one query).
 */
function groupEntity(partitionKey: string, rowKey: string, group: GroupRecord) {
  return {
    partitionKey,
    rowKey,
    revision: group.revision,
    ...(group.latestOf ? { latestOf: group.latestOf } : {}),
    ...packJson('record', group),
  };
}
/** Where a job's pointer is: its organization and its id (as given: case-sensitive; its characters are all valid in keys). */
export function jobKey(organizationId: string | undefined, jobId: string): string {
  return `${organizationId ?? '~'}|${jobId}`;
}
/** Partitions a change's roll job pointers are spread over (as pending rows are): a large fleet's roll is not held to one partition's rate. */
const ROLL_POINTER_SHARDS = 4;

/**
 * Where a job's pointer entity is. A roll job's (`roll:<group key>:<version>[:<n>]`) is in one of
 * its organization's few partitions of rolls to that version (by its group key), so the roll jobs
 * one change of latest records go as a few transactions per 100; every other job's is in a
 * partition of its own.
 */
export function pointerKeys(
  organizationId: string | undefined,
  jobId: string,
): { partitionKey: string; rowKey: string } {
  const roll = /^roll:([0-9a-f])[0-9a-f]{15}:([^:]+)(?::\d+)?$/.exec(jobId);
  if (!roll) return { partitionKey: jobKey(organizationId, jobId), rowKey: 'job' };
  const shard = parseInt(roll[1] as string, 16) % ROLL_POINTER_SHARDS;
  return { partitionKey: `${organizationId ?? '~'}|~roll|${roll[2] as string}|${shard}`, rowKey: jobId };
}
function jobRowKey(jobId: string): string {
  return `j|${jobId}`;
}

/** Whose jobs a lookup may find: an organization, and its subscriptions (for jobs recorded before ids were scoped). */
export interface JobScope {
  organizationId: string;
  subscriptionIds: readonly string[];
}

/** A job's pointer as read: the record it holds, the fingerprint of its envelope, and whether it is a pointer of the old layout. */
interface Pointer {
  record: JobRecord;
  fingerprint?: string;
  legacy: boolean;
}
const GROUP_PREFIX = 'g|';

export class JobStore {
  readonly jobs: TableClient;
  readonly groups: TableClient;
  readonly ensureTables: () => Promise<void>;

  constructor(tables: TableStore, prefix: string) {
    this.jobs = tables.table(`${prefix}jobs`);
    this.groups = tables.table(`${prefix}groups`);
    this.ensureTables = createTablesOnce([this.jobs, this.groups]);
  }

  private pointerEntity(job: JobRecord) {
    const { partitionKey, rowKey } = pointerKeys(job.organizationId, job.jobId);
    return this.jobEntity(partitionKey, rowKey, job);
  }

  private jobEntity(pk: string, rk: string, job: JobRecord) {
    return {
      partitionKey: pk,
      rowKey: rk,
      status: job.status,
      ...(job.subscriptionId ? { subscriptionId: job.subscriptionId } : {}),
      ...packJson('record', job),
    };
  }

  /**
   * Records a new job as queued; false when the jobId is already known (the same job submitted
   * again). `fingerprint` identifies the envelope (to tell the same job from another with the same id).
   */
  async createJob(job: JobRecord, fingerprint?: string): Promise<boolean> {
    await this.ensureTables();
    try {
      await this.jobs.createEntity({ ...this.pointerEntity(job), ...(fingerprint ? { fingerprint } : {}) });
      return true;
    } catch (err) {
      if (tableStatusOf(err) === 409) return false;
      throw err;
    }
  }

  /**
   * Records new jobs as queued, as `createJob` does each: whether each was created (false: its id
   * was known). Jobs whose pointers share a partition (the roll jobs of one change of latest) go as
   * one transaction per 100; a transaction refused because one of them is known goes row by row.
   */
  async createJobs(jobs: readonly JobRecord[]): Promise<boolean[]> {
    await this.ensureTables();
    const created: boolean[] = jobs.map(() => false);
    const one = async (i: number) => {
      created[i] = await this.createJob(jobs[i] as JobRecord);
    };
    const byPartition = groupBy(jobs.keys(), (i) => pointerKeys(jobs[i]?.organizationId, jobs[i]!.jobId).partitionKey);
    const transactions = [...byPartition.values()].flatMap((indexes) => chunksOf(indexes, TRANSACTION_MAX_OPERATIONS));
    await Promise.all(
      transactions.map(async (chunk) => {
        if (chunk.length === 1) return one(chunk[0] as number);
        try {
          await this.jobs.submitTransaction(chunk.map((i) => ['create', this.pointerEntity(jobs[i] as JobRecord)]));
          for (const i of chunk) created[i] = true;
        } catch (err) {
          if (tableStatusOf(err) !== 409) throw err;
          await eachLimited(chunk, 8, one);
        }
      }),
    );
    return created;
  }

  /**
   * Queues again a job recorded `failed` with `not-queued` (the queue was down when it was
   * submitted) by the same subscription with the same envelope: true when `job` (status queued)
   * replaced it.
   */
  async reopenNotQueued(job: JobRecord, fingerprint?: string): Promise<boolean> {
    if (job.organizationId === undefined) return false;
    const found = await this.lookup(
      { organizationId: job.organizationId, subscriptionIds: job.subscriptionId ? [job.subscriptionId] : [] },
      job.jobId,
    );
    const current = found?.job;
    if (
      found?.legacy !== false ||
      current?.status !== 'failed' ||
      !REOPENED.has(current.errors[0]?.code ?? '') ||
      current.subscriptionId !== job.subscriptionId
    )
      return false;
    // the same envelope only: another one under this jobId is a conflict (409), never a silent replacement
    if (found.fingerprint !== undefined && found.fingerprint !== fingerprint) return false;
    await this.putJob(job, true);
    return true;
  }

  /**
   * Writes a job's state: into its account's partition when the subscription is known (and the
   * pointer in the jobs table when `withPointer`), otherwise into the jobs table.
   */
  async putJob(job: JobRecord, withPointer = false, extras?: JobExtras): Promise<void> {
    await this.ensureTables();
    if (!job.subscriptionId) {
      await this.jobs.upsertEntity(this.pointerEntity(job), 'Replace');
      return;
    }
    const pk = encodeKeyPart(job.subscriptionId);
    const more = extras ? extras(pk, undefined) : [];
    if (more.length > 0)
      await this.groups.submitTransaction([
        ['upsert', this.jobEntity(pk, jobRowKey(job.jobId), job), 'Replace'],
        ...more,
      ]);
    else await this.groups.upsertEntity(this.jobEntity(pk, jobRowKey(job.jobId), job), 'Replace');
    if (withPointer) await this.putPointer(job);
  }

  /** The jobs-table entry that finds a job's partition (a producer other than the HTTP API wrote none). */
  async putPointer(job: JobRecord): Promise<void> {
    await this.jobs.upsertEntity(
      this.pointerEntity({
        ...job,
        status: job.status === 'running' ? 'running' : 'queued',
      }),
      'Merge',
    );
  }

  async deleteJob(organizationId: string | undefined, jobId: string): Promise<void> {
    try {
      const { partitionKey, rowKey } = pointerKeys(organizationId, jobId);
      await this.jobs.deleteEntity(partitionKey, rowKey);
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
  }

  /** The record and fingerprint of a pointer entity. */
  private static pointerOf(entity: Record<string, unknown> | undefined, legacy: boolean): Pointer | undefined {
    const record = entity ? unpackJson<JobRecord>('record', entity) : undefined;
    if (!entity || !record) return undefined;
    return { record, legacy, ...(typeof entity.fingerprint === 'string' ? { fingerprint: entity.fingerprint } : {}) };
  }

  /**
   * The pointer of the old layout (keyed by the bare id), when its subscription is one of the
   * scope's: another organization's job costs the same one read as a missing one and is never
   * returned.
   */
  private async legacyPointer(scope: JobScope, jobId: string): Promise<Pointer | undefined> {
    const found = JobStore.pointerOf(await getEntityOrUndefined(this.jobs, jobId, 'job'), true);
    return found?.record.subscriptionId !== undefined && scope.subscriptionIds.includes(found.record.subscriptionId)
      ? found
      : undefined;
  }

  /** A job's pointer in the scope's organization; else one of the old layout. */
  private async pointer(scope: JobScope, jobId: string): Promise<Pointer | undefined> {
    await this.ensureTables();
    const at = pointerKeys(scope.organizationId, jobId);
    return (
      JobStore.pointerOf(await getEntityOrUndefined(this.jobs, at.partitionKey, at.rowKey), false) ??
      // a roll job recorded before roll jobs had partitions of their own
      (at.rowKey !== 'job'
        ? JobStore.pointerOf(await getEntityOrUndefined(this.jobs, jobKey(scope.organizationId, jobId), 'job'), false)
        : undefined) ??
      (await this.legacyPointer(scope, jobId))
    );
  }

  /** The latest state of the job a pointer leads to. */
  private async latest(
    found: Pointer,
    jobId: string,
  ): Promise<{ job: JobRecord; fingerprint?: string; legacy: boolean }> {
    const head = found.record;
    const rest = {
      legacy: found.legacy,
      ...(found.fingerprint !== undefined ? { fingerprint: found.fingerprint } : {}),
    };
    if (!head.subscriptionId) return { job: head, ...rest };
    const entity = await getEntityOrUndefined(this.groups, encodeKeyPart(head.subscriptionId), jobRowKey(jobId));
    const latest = entity ? unpackJson<JobRecord>('record', entity) : undefined;
    return {
      job: latest ? { ...latest, ...(head.submittedAt ? { submittedAt: head.submittedAt } : {}) } : head,
      ...rest,
    };
  }

  /** A job of the scope's organization, its latest state, and the fingerprint of its envelope (undefined when its producer recorded none). */
  async lookup(
    scope: JobScope,
    jobId: string,
  ): Promise<{ job: JobRecord; fingerprint?: string; legacy: boolean } | undefined> {
    const found = await this.pointer(scope, jobId);
    return found ? this.latest(found, jobId) : undefined;
  }

  /** A job recorded before job ids were scoped to their organization, when it is the scope's. */
  async legacyJob(
    scope: JobScope,
    jobId: string,
  ): Promise<{ job: JobRecord; fingerprint?: string; legacy: boolean } | undefined> {
    await this.ensureTables();
    const found = await this.legacyPointer(scope, jobId);
    return found ? this.latest(found, jobId) : undefined;
  }

  /** A job whose account no organization knows (readable by nobody over HTTP; for diagnosis). */
  async getUnownedJob(jobId: string): Promise<JobRecord | undefined> {
    await this.ensureTables();
    const at = pointerKeys(undefined, jobId);
    const e = await getEntityOrUndefined(this.jobs, at.partitionKey, at.rowKey);
    return e ? unpackJson<JobRecord>('record', e) : undefined;
  }

  /** The latest state of a job of the scope's organization. */
  async getJob(scope: JobScope, jobId: string): Promise<JobRecord | undefined> {
    return (await this.lookup(scope, jobId))?.job;
  }

  /**
   * A job looked up in the partitions of the given subscriptions, for when its jobs-table entry is
   * missing (a message sent whose submit record was lost): point reads, a few at a time.
   */
  async findJobIn(jobId: string, subscriptionIds: readonly string[]): Promise<JobRecord | undefined> {
    await this.ensureTables();
    for (let i = 0; i < subscriptionIds.length; i += 8) {
      const found = await Promise.all(
        subscriptionIds
          .slice(i, i + 8)
          .map((s) => getEntityOrUndefined(this.groups, encodeKeyPart(s), jobRowKey(jobId))),
      );
      const hit = found.find((e) => e !== undefined);
      if (hit) return unpackJson<JobRecord>('record', hit);
    }
    return undefined;
  }

  /**
   * Records that a job's message was dead-lettered, once: a job that already reached an outcome
   * (succeeded, failed) keeps it; a job recorded dead-lettered with its reason is left as it is.
   * Otherwise (queued, running, dead-lettered by the processor without the reason, or not recorded
   * at all) it becomes `deadLettered` with the reason, in its account's partition and the jobs table.
   */
  async markDeadLettered(
    base: JobRecord,
    reason: string,
    description: string | undefined,
    at: string,
    extrasOf?: (job: JobRecord) => JobExtras,
  ): Promise<{ job: JobRecord; changed: boolean }> {
    const scope =
      base.organizationId !== undefined
        ? { organizationId: base.organizationId, subscriptionIds: base.subscriptionId ? [base.subscriptionId] : [] }
        : undefined;
    const current =
      (scope ? await this.getJob(scope, base.jobId) : undefined) ??
      (base.subscriptionId ? await this.findJobIn(base.jobId, [base.subscriptionId]) : undefined);
    if (current && (current.status === 'succeeded' || current.status === 'failed'))
      return { job: current, changed: false };
    if (current?.status === 'deadLettered' && current.deadLetterReason !== undefined)
      return { job: current, changed: false };
    const job: JobRecord = {
      ...base,
      ...current,
      ...(current?.subscriptionId || !base.subscriptionId ? {} : { subscriptionId: base.subscriptionId }),
      status: 'deadLettered',
      finishedAt: current?.finishedAt ?? at,
      attempts: current?.attempts ?? base.attempts,
      deadLetterReason: reason,
      ...(description ? { deadLetterDescription: description } : {}),
    };
    await this.putJob(job, true, extrasOf?.(job));
    return { job, changed: true };
  }

  async getGroup(
    subscriptionId: string,
    kind: string,
    name: string,
  ): Promise<{ group: GroupRecord; etag: string } | undefined> {
    await this.ensureTables();
    const e = await getEntityOrUndefined(this.groups, encodeKeyPart(subscriptionId), groupRowKey(kind, name));
    const group = e ? unpackJson<GroupRecord>('record', e) : undefined;
    return e && group ? { group, etag: e.etag } : undefined;
  }

  /**
   * Creates or updates a group for a job and records the job's outcome, in one transaction.
   * `job` gives the outcome to record (its status must be `succeeded`). Returns `alreadyApplied`
   * when this job was applied before (then only the job is written). Throws GroupConflictError
   * (permanent) or GroupRaceError (transient). `recordMayExist: false` says the job has no record
   * in the account's partition yet (its first delivery, nothing written for it there): the record
   * is then inserted, and replaced only if one is there after all. `known`: an update's group as the
   * caller read it: the first attempt writes against its ETag instead of reading it again.
   */
  async applyJob(
    action: 'create' | 'update',
    change: GroupChange,
    job: JobRecord,
    now: string,
    extras?: JobExtras,
    recordMayExist = true,
    known?: { group: GroupRecord; etag: string },
  ): Promise<{ group: GroupRecord; alreadyApplied: boolean }> {
    await this.ensureTables();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryApply(action, change, job, now, extras, recordMayExist, attempt === 1 ? known : undefined);
      } catch (err) {
        if (!(err instanceof GroupRaceError) || attempt >= RACE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * Math.min(attempt, 10)));
      }
    }
  }

  private async tryApply(
    action: 'create' | 'update',
    change: GroupChange,
    job: JobRecord,
    now: string,
    extras: JobExtras | undefined,
    recordMayExist: boolean,
    known: { group: GroupRecord; etag: string } | undefined,
  ): Promise<{ group: GroupRecord; alreadyApplied: boolean }> {
    const pk = encodeKeyPart(change.subscriptionId);
    const rk = groupRowKey(change.kind, change.name);
    const jobEntity = this.jobEntity(pk, jobRowKey(job.jobId), job);
    const jobAction: TransactionAction = ['upsert', jobEntity, 'Replace'];
    if (action === 'create') {
      // Insert straight away: no read in the common case; a conflict is examined afterwards. The
      // job's record too when it has none yet (an insert looks the row up once, a replace twice).
      const { basedOnRevision: _based, ...fields } = change;
      const group: GroupRecord = {
        ...fields,
        revision: 1,
        createdAt: now,
        updatedAt: now,
        createdByJob: job.jobId,
        updatedByJob: job.jobId,
        appliedJobs: [job.jobId],
      };
      for (let insertRecord = !recordMayExist; ; insertRecord = false) {
        try {
          await this.groups.submitTransaction([
            ['create', groupEntity(pk, rk, group)],
            insertRecord ? ['create', jobEntity] : jobAction,
            ...(extras ? extras(pk, group) : []),
          ]);
          return { group, alreadyApplied: false };
        } catch (err) {
          if (tableStatusOf(err) !== 409) throw err;
        }
        const current = await this.getGroup(change.subscriptionId, change.kind, change.name);
        // No group: the job's record was there after all (e.g. written when its submission was retried); replace it.
        if (!current && insertRecord) continue;
        if (!current) throw new GroupRaceError('the group was deleted concurrently');
        if (current.group.appliedJobs.includes(job.jobId)) return this.recordOnly(current.group, job);
        throw new GroupConflictError('exists');
      }
    }
    // An update: the group as the caller read it (its ETag guards the write; a 412 reads it again), or as it is now.
    const current = known ?? (await this.getGroup(change.subscriptionId, change.kind, change.name));
    if (!current) throw new GroupConflictError('missing');
    if (current.group.appliedJobs.includes(job.jobId)) return this.recordOnly(current.group, job);
    const { basedOnRevision, ...fields } = change;
    if (basedOnRevision !== undefined && basedOnRevision !== current.group.revision) {
      throw new GroupChangedError(
        `the group is at revision ${current.group.revision}, the update was merged onto ${basedOnRevision}`,
      );
    }
    const group: GroupRecord = {
      ...current.group,
      ...fields,
      revision: current.group.revision + 1,
      updatedAt: now,
      updatedByJob: job.jobId,
      appliedJobs: [...current.group.appliedJobs, job.jobId].slice(-APPLIED_KEPT),
    };
    try {
      await this.groups.submitTransaction([
        ['update', groupEntity(pk, rk, group), 'Replace', { etag: current.etag }],
        jobAction,
        ...(extras ? extras(pk, group) : []),
      ]);
    } catch (err) {
      const s = tableStatusOf(err);
      if (s === 412) throw new GroupRaceError('the group changed while the job ran');
      if (s === 404) throw new GroupConflictError('missing');
      throw err;
    }
    return { group, alreadyApplied: false };
  }

  private async recordOnly(
    group: GroupRecord,
    job: JobRecord,
  ): Promise<{ group: GroupRecord; alreadyApplied: boolean }> {
    await this.putJob(job);
    return { group, alreadyApplied: true };
  }

  /** The jobs of an account whose id starts with `prefix` (one RowKey range of its partition), in id order. */
  async jobsWithPrefix(subscriptionId: string, prefix: string): Promise<JobRecord[]> {
    await this.ensureTables();
    const from = jobRowKey(prefix);
    const out: JobRecord[] = [];
    for await (const e of this.groups.listEntities<Record<string, unknown>>({
      queryOptions: {
        filter: odata`PartitionKey eq ${encodeKeyPart(subscriptionId)} and RowKey ge ${from} and RowKey lt ${`${from}~`}`,
      },
    })) {
      const job = unpackJson<JobRecord>('record', e);
      if (job) out.push(job);
    }
    return out;
  }

  /**
   * The groups of one subscription whose record says they are on `latestOf` (a definition and
   * region's latest), with their ETags: one query of the partition's group rows by their `latestOf`
   * column. Rows written before the column existed are not found by it: `expected` names the groups
   * the auto-roll index lists, and those the query did not return are read one by one (a group gone
   * or moved is simply absent from the answer).
   */
  async groupsOnLatest(
    subscriptionId: string,
    latestOf: string,
    expected: readonly { kind: string; name: string }[],
  ): Promise<Map<string, { group: GroupRecord; etag: string }>> {
    await this.ensureTables();
    const pk = encodeKeyPart(subscriptionId);
    const out = new Map<string, { group: GroupRecord; etag: string }>();
    for await (const e of this.groups.listEntities<Record<string, unknown>>({
      queryOptions: {
        filter: odata`PartitionKey eq ${pk} and RowKey gt ${GROUP_PREFIX} and RowKey lt ${'g}'} and latestOf eq ${latestOf}`,
      },
    })) {
      const group = unpackJson<GroupRecord>('record', e);
      if (group && typeof e.etag === 'string') out.set(e.rowKey as string, { group, etag: e.etag });
    }
    const missing = expected.filter((g) => !out.has(groupRowKey(g.kind, g.name)));
    await eachLimited(missing, 8, async (g) => {
      const found = await this.getGroup(subscriptionId, g.kind, g.name);
      if (found) out.set(groupRowKey(g.kind, g.name), found);
    });
    return out;
  }

  /** Changes a group record (ETag-guarded, re-read on a race); undefined when the group does not exist. */
  async updateGroup(
    subscriptionId: string,
    kind: string,
    name: string,
    change: (group: GroupRecord) => GroupRecord,
  ): Promise<GroupRecord | undefined> {
    for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
      const current = await this.getGroup(subscriptionId, kind, name);
      if (!current) return undefined;
      const group = change(current.group);
      try {
        await this.groups.updateEntity(
          groupEntity(encodeKeyPart(subscriptionId), groupRowKey(kind, name), group),
          'Replace',
          { etag: current.etag },
        );
        return group;
      } catch (err) {
        if (tableStatusOf(err) !== 412) throw err;
      }
    }
    throw new GroupRaceError('the group kept changing');
  }

  /** Groups of a subscription, in key order, a page at a time. */
  async listGroups(
    subscriptionId: string,
    after: string | undefined,
    top: number,
  ): Promise<{ items: GroupRecord[]; next?: string }> {
    await this.ensureTables();
    const pk = encodeKeyPart(subscriptionId);
    const from = after ?? GROUP_PREFIX;
    const filter = odata`PartitionKey eq ${pk} and RowKey gt ${from} and RowKey lt ${'g}'}`;
    return pageRecords<GroupRecord>(this.groups, filter, top);
  }
}

/**
 * Runs one group job as the queue trigger receives it: read the envelope, authorize the account,
 * resolve the image against the catalog (an explicit version must exist; `latest` resolves for the
 * group's region), check compatibility, write the group, and record the outcome.
 *
 * Permanent failures (invalid envelope, unknown account, invisible image, incompatible, conflict)
 * record a failed job with every reason and return normally: the message completes. Transient
 * failures (throttling, 5xx, a group write race) throw so that Service Bus redelivers; on the last
 * delivery the job is recorded `deadLettered` with the last error before the throw.
 *
 * An update is merged onto the stored group (Spot's partial update) and validated as a whole before
 * anything else. Secrets in the body (`login.password`, extension `protectedSettings`) are used by
 * the checks and dropped before the group is written: the group keeps `passwordSet: true`. Nothing
 * here logs or records a body value.
 */
import type { CatalogStore } from '../catalog/store.js';
import type { CatalogLookups } from '../lookups/lookups.js';
import type { OrganizationDirectory } from '../access/directory.js';
import {
  parseJobEnvelope,
  completeJob,
  groupSpecOf,
  imageReferenceOf,
  bodyRootOf,
  kindLetter,
  pointerOf,
  specInputOf,
  jobIdOfMessageId,
  generationOfMessageId,
  parseKeptHeader,
  keptEnvelopeOf,
  type CompleteJob,
  type JobEnvelope,
  type EnvelopeError,
} from '../domain/job-envelope.js';
import { storedSpecOf } from '../domain/spot-body.js';
import { canSee, galleryFactsFor, isCrossTenant, type Caller, type Organization } from '../domain/visibility.js';
import { ACCOUNT_NOT_CONNECTED } from './account-errors.js';
import { galleryRef, imageRef, versionRef, formatResourceId } from '../domain/ids.js';
import { checkCompatibility, type Finding } from '../domain/compatibility.js';
import { normalizeRegion } from '../domain/regions.js';
import type { ImageDefinitionRecord, ImageVersionRecord } from '../domain/records.js';
import { imageKey } from '../catalog/keys.js';
import {
  GroupChangedError,
  GroupConflictError,
  type GroupRecord,
  type GroupChange,
  type JobExtras,
  type JobProblem,
  type JobRecord,
  type JobStore,
} from './store.js';
import type { VmSizeCatalog } from './vm-sizes.js';
import { replicaWarningsForJob } from '../advice/job-warnings.js';
import { compareVersions } from '../domain/versions.js';
import { latestOfKey } from '../autoroll/store.js';
import type { RollJobs } from '../autoroll/autoroll.js';
import type { OutboxPublisher } from '../events/outbox.js';
import { galleryAccessFor, type GalleryAccess, type PlanImage } from '../domain/azure-plan.js';
import type { ApplySettings, JobPlan } from '../domain/apply.js';
import { secretsOfEnvelope, type ApplyFlow, type ApplyProgress, type Secrets } from '../apply/flow.js';
import type { JobQueue } from './queue.js';
import type { PendingJobs } from './pending.js';
import type { TransactionAction } from '@azure/data-tables';
import { jobEventExtras, publishJobEvents } from '../events/job-events.js';

export interface DeliveryInfo {
  messageId?: string;
  deliveryCount: number;
  /** The producer recorded the job already (the HTTP API does; other producers may not). */
  recorded?: boolean;
  /**
   * A copy the sweep sent again (pending.ts): run only while the job's record says it has not
   * ended; with `secretsDropped`, the pointers of the secrets the copy lacks (then never run).
   */
  resent?: { secretsDropped: readonly string[] };
}

/** A message whose job cannot be identified: it can only be dead-lettered (by failing every delivery). */
export class UnreadableJobError extends Error {
  override readonly name = 'UnreadableJobError';
}

/** How often an update is merged again when its group changed before it was written. */
const MERGE_ATTEMPTS = 60;

/** A job still running after this long is recorded as `running` (quick jobs go straight to their outcome). */
export const RUNNING_AFTER_MS = 1000;

interface Outcome {
  errors: JobProblem[];
  warnings: JobProblem[];
  resolvedImageVersionId?: string;
  subscriptionId?: string;
  /** The group write a successful job makes. */
  change?: GroupChange;
  /** The auto-roll index key when the group is on `latest` of a gallery image. */
  latestOf?: string;
  /** The stored group an update was merged onto, and its ETag as read. */
  previous?: GroupRecord;
  previousEtag?: string;
  /** The image as an Azure plan takes it. */
  planImage?: PlanImage;
}

export interface ProcessorDeps {
  jobs: JobStore;
  catalog: CatalogStore;
  lookups: CatalogLookups;
  directory: OrganizationDirectory;
  vmSizes: VmSizeCatalog;
  maxDeliveryCount: number;
  /** Share of a group's capacity maximum assumed created at once (REPLICA_BURST_FACTOR); default 1. */
  replicaBurstFactor?: number;
  now?: () => Date;
  /** Auto-roll: roll jobs on the group's current spec, the index of groups on latest. */
  rolls?: RollJobs;
  /** Publishes the job events recorded with the job's outcome. */
  events?: OutboxPublisher;
  /** Plans and applies the jobs of organizations whose apply target is not `none` (docs/apply.md). */
  apply?: ApplyFlow;
  /** The queue that takes an applying job's follow-ups. */
  queue?: () => JobQueue | undefined;
  /** The sweep's rows: an applying job's is moved past its next follow-up. */
  pending?: PendingJobs;
}

/** The organization an account belongs to, and the account's subscription. */
type AccountOwner = { organization: Organization; subscriptionId: string };

/** A problem at a JSON Pointer from the envelope root. */
const problem = (pointer: string, code: string, message: string): JobProblem => ({ pointer, code, message });
/** A problem at a dotted path into the body (`group.compute.os`), as the domain reports it. */
const atBody = (path: string, code: string, message: string): JobProblem =>
  problem(`/body${pointerOf(path)}`, code, message);
const fromEnvelope = (e: EnvelopeError): JobProblem => ({ pointer: e.pointer, code: e.code, message: e.message });
const fromFinding = (f: Finding): JobProblem => atBody(f.path, f.code, f.message);

/** The organization's apply settings when it applies its groups somewhere (a target other than `none`). */
function applyingSettings(owner: AccountOwner | undefined): Organization['apply'] {
  const settings = owner?.organization.apply;
  return settings !== undefined && settings.target !== 'none' ? settings : undefined;
}

export class GroupJobProcessor {
  private readonly now: () => Date;

  constructor(private readonly deps: ProcessorDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async process(body: unknown, delivery: DeliveryInfo): Promise<JobRecord> {
    if (delivery.resent && delivery.resent.secretsDropped.length > 0)
      return this.withoutSecrets(body, delivery, delivery.resent.secretsDropped);
    const parsed = parseJobEnvelope(body);
    if (!parsed.ok) return this.unreadable(parsed, delivery);
    const envelope = parsed.envelope;
    const owner = await this.deps.directory.accountOwner(envelope.caller.account);
    if (delivery.resent && owner) {
      // A copy sent again by the sweep: nothing to do when the job has ended meanwhile.
      const current = await this.deps.jobs.getJob(
        { organizationId: owner.organization.id, subscriptionIds: owner.organization.subscriptionIds },
        envelope.jobId,
      );
      if (current && current.status !== 'queued' && current.status !== 'running') return current;
    }
    const base = this.baseRecord(envelope, owner, delivery);
    const pointer = delivery.recorded !== true;
    if (owner && applyingSettings(owner)?.mode === 'apply') {
      const continued = await this.continueApply(envelope, owner, base, delivery, secretsOfEnvelope(envelope));
      if (continued) return continued;
    }
    // `running` is written when the job takes a while or is a redelivery, not for every quick job.
    let running: Promise<void> | undefined;
    const markRunning = () => (running ??= this.deps.jobs.putJob(base, pointer).catch(() => undefined));
    const timer =
      delivery.deliveryCount > 1 ? (markRunning(), undefined) : setTimeout(() => void markRunning(), RUNNING_AFTER_MS);
    // An update merged onto a revision that changed before it was written is merged again (a few
    // times), as Spot would apply it onto the group as it is then.
    for (let attempt = 1; ; attempt++) {
      let outcome: Outcome;
      try {
        outcome = await this.run(envelope, owner);
      } catch (err) {
        clearTimeout(timer);
        await running;
        await this.recordFailedDelivery(base, err, delivery, pointer);
        throw err;
      }
      clearTimeout(timer);
      await running;
      const done = finished(base, outcome, this.now());
      if (!outcome.change || done.status !== 'succeeded') {
        await this.deps.jobs.putJob(done, pointer, this.extras(done));
        await this.publish(done);
        return done;
      }
      let planned = done;
      if (envelope.planOnly)
        return this.planOnly(envelope, owner, base, done, { ...outcome, change: outcome.change }, delivery, pointer);
      const settings = applyingSettings(owner);
      if (owner && settings) {
        if (settings.mode === 'apply') await markRunning();
        const applied = await this.planOrApply(
          envelope,
          owner,
          base,
          { ...outcome, change: outcome.change },
          settings,
          delivery,
        );
        if ('record' in applied) return applied.record;
        planned = { ...done, plan: applied.plan, warnings: applied.warnings };
      }
      // A first delivery that wrote nothing yet (no `running`) has no record in the account's partition.
      const recordMayExist = delivery.deliveryCount > 1 || running !== undefined;
      const applied = await this.applyChange(envelope, { ...outcome, change: outcome.change }, planned, {
        pointer,
        recordMayExist,
        lastAttempt: attempt >= MERGE_ATTEMPTS,
      });
      if (applied !== 'merge-again') return applied;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * Math.min(attempt, 10)));
    }
  }

  /** A message whose envelope does not parse: the job (when it names one) fails with every fault; none named, it can only be dead-lettered. */
  private async unreadable(
    parsed: Extract<ReturnType<typeof parseJobEnvelope>, { ok: false }>,
    delivery: DeliveryInfo,
  ): Promise<JobRecord> {
    const jobId = parsed.jobId ?? jobIdOfMessageId(delivery.messageId);
    if (!jobId)
      throw new UnreadableJobError(
        `no job id in the message: ${parsed.errors
          .map((e) => `${e.pointer || '(message)'} ${e.message}`)
          .join('; ')
          .slice(0, 500)}`,
      );
    const failed: JobRecord = {
      jobId,
      status: 'failed',
      attempts: delivery.deliveryCount,
      finishedAt: this.now().toISOString(),
      errors: parsed.errors.map(fromEnvelope),
      warnings: [],
    };
    await this.deps.jobs.putJob(failed);
    return failed;
  }

  /** The job as it starts running: who it is for, what it does, which delivery this is. */
  private baseRecord(envelope: JobEnvelope, owner: AccountOwner | undefined, delivery: DeliveryInfo): JobRecord {
    const generation = generationOfMessageId(delivery.messageId);
    return {
      jobId: envelope.jobId,
      ...(owner ? { organizationId: owner.organization.id, subscriptionId: owner.subscriptionId } : {}),
      ...(generation > 0 ? { generation } : {}),
      status: 'running',
      action: envelope.action,
      kind: envelope.kind,
      account: envelope.caller.account,
      group: { kind: envelope.kind, name: specInputOf(envelope).name },
      startedAt: this.now().toISOString(),
      attempts: delivery.deliveryCount,
      errors: [],
      warnings: [],
    };
  }

  /** A delivery that failed (it will be delivered again): `running` with the error, or `deadLettered` on the last delivery. */
  private async recordFailedDelivery(
    base: JobRecord,
    err: unknown,
    delivery: DeliveryInfo,
    pointer: boolean,
  ): Promise<void> {
    const message = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2000);
    const last = delivery.deliveryCount >= this.deps.maxDeliveryCount;
    const record: JobRecord = {
      ...base,
      status: last ? 'deadLettered' : 'running',
      ...(last ? { finishedAt: this.now().toISOString() } : {}),
      lastError: message,
    };
    await this.deps.jobs.putJob(record, pointer, last ? this.extras(record) : undefined);
    if (last) await this.publish(record);
  }

  /**
   * Writes a succeeded job's group change with its outcome (one transaction), keeping the auto-roll
   * index; a group that changed under an update merged onto it asks to merge again; a create of a
   * group that exists (or an update of one that does not) fails the job.
   */
  private async applyChange(
    envelope: JobEnvelope,
    outcome: Outcome & { change: GroupChange },
    done: JobRecord,
    options: { pointer: boolean; recordMayExist: boolean; lastAttempt: boolean; release?: TransactionAction },
  ): Promise<JobRecord | 'merge-again'> {
    try {
      const now = this.now().toISOString();
      const previous = outcome.previous;
      const change = this.deps.rolls
        ? await this.deps.rolls.beforeApply(envelope, outcome.change, outcome.latestOf, previous, now)
        : outcome.change;
      const extras = this.extras(done);
      const release = options.release;
      const withRelease: JobExtras | undefined = release
        ? (pk, group) => [...(extras?.(pk, group) ?? []), release]
        : extras;
      // The group as the merge read it: the write is conditional on its ETag (no second read).
      const known =
        previous && outcome.previousEtag !== undefined ? { group: previous, etag: outcome.previousEtag } : undefined;
      const applied = await this.deps.jobs.applyJob(
        envelope.action,
        change,
        done,
        now,
        withRelease,
        options.recordMayExist,
        known,
      );
      if (options.pointer) await this.deps.jobs.putPointer(done);
      if (this.deps.rolls && !applied.alreadyApplied) await this.deps.rolls.afterApply(previous, applied.group);
      await this.publish(done, applied.group);
      return done;
    } catch (err) {
      if (err instanceof GroupChangedError && !options.lastAttempt) return 'merge-again';
      if (!(err instanceof GroupConflictError)) throw err;
      const { resolvedImageVersionId: _resolved, ...rest } = done;
      const conflict: JobRecord = {
        ...rest,
        status: 'failed',
        errors: [
          atBody(
            `${bodyRootOf(envelope.kind)}.name`,
            err.reason === 'exists' ? 'group-exists' : 'group-not-found',
            err.message,
          ),
        ],
      };
      await this.deps.jobs.putJob(conflict, options.pointer, this.extras(conflict));
      await this.publish(conflict);
      return conflict;
    }
  }

  /**
   * A copy the sweep sent again that lacks the job's secrets (they are never kept): the job is
   * failed `secret-not-kept` at each place (submit it again) unless it ended meanwhile. It never
   * runs without them.
   */
  private async withoutSecrets(
    body: unknown,
    delivery: DeliveryInfo,
    secretsDropped: readonly string[],
  ): Promise<JobRecord> {
    const header = parseKeptHeader(body);
    if (!header) throw new UnreadableJobError('a copy sent again without its secrets names no job');
    const owner = await this.deps.directory.accountOwner(header.account);
    if (owner) {
      const current = await this.deps.jobs.getJob(
        { organizationId: owner.organization.id, subscriptionIds: owner.organization.subscriptionIds },
        header.jobId,
      );
      if (current && current.status !== 'queued' && current.status !== 'running') return current;
      // An apply under way continues from its checkpoint; only a request that needs a secret fails (secret-not-kept).
      const kept = parseJobEnvelope(body);
      if (kept.ok && owner.organization.apply?.mode === 'apply') {
        const continued = await this.continueApply(
          kept.envelope,
          owner,
          this.baseRecord(kept.envelope, owner, delivery),
          delivery,
          {},
        );
        if (continued) return continued;
      }
    }
    const generation = generationOfMessageId(delivery.messageId);
    const notKept: JobRecord = {
      jobId: header.jobId,
      ...(generation > 0 ? { generation } : {}),
      ...(owner ? { organizationId: owner.organization.id, subscriptionId: owner.subscriptionId } : {}),
      status: 'failed',
      action: header.action,
      kind: header.kind,
      account: header.account,
      group: { kind: header.kind, name: header.name },
      attempts: delivery.deliveryCount,
      finishedAt: this.now().toISOString(),
      errors: secretsDropped.map((p) =>
        problem(
          p,
          'secret-not-kept',
          'The job did not run before its message was lost, and its secrets are never stored, so it cannot run from the copy kept: submit the job again.',
        ),
      ),
      warnings: [],
    };
    await this.deps.jobs.putJob(notKept, delivery.recorded !== true, this.extras(notKept));
    await this.publish(notKept);
    return notKept;
  }

  // ---------------------------------------------------------------- apply (docs/apply.md)

  /**
   * A delivery of a job whose apply is under way (a follow-up, a redelivery after a crash, a copy
   * the sweep sent again): it continues from the group's checkpoint instead of running the job
   * again. A later delivery of a job that has ended does nothing. Undefined: run the job.
   */
  private async continueApply(
    envelope: JobEnvelope,
    owner: AccountOwner,
    base: JobRecord,
    delivery: DeliveryInfo,
    secrets: Secrets,
  ): Promise<JobRecord | undefined> {
    const flow = this.deps.apply;
    if (!flow) return undefined;
    const held = await flow.checkpointOf(owner.subscriptionId, envelope.kind, specInputOf(envelope).name);
    if (held?.checkpoint.jobId === envelope.jobId)
      return this.recordApply(envelope, base, await flow.resume(held.checkpoint, held.etag, secrets), delivery);
    const later =
      delivery.deliveryCount > 1 || delivery.resent !== undefined || (delivery.messageId ?? '').includes('@');
    if (!later) return undefined;
    const current = await this.deps.jobs.getJob(
      { organizationId: owner.organization.id, subscriptionIds: owner.organization.subscriptionIds },
      envelope.jobId,
    );
    return current && current.status !== 'queued' && current.status !== 'running' ? current : undefined;
  }

  /** A validated job of an organization with an apply target: its plan (plan mode: the group is written as usual), or its apply's record. */
  /**
   * A job submitted with `planOnly`: planned for the organization's target as in plan mode, the plan
   * recorded on the job; nothing is sent and the group is not recorded. An organization without a
   * target has nothing to plan: the job fails and says so.
   */
  private async planOnly(
    envelope: JobEnvelope,
    owner: AccountOwner | undefined,
    base: JobRecord,
    done: JobRecord,
    outcome: Outcome & { change: GroupChange },
    delivery: DeliveryInfo,
    pointer: boolean,
  ): Promise<JobRecord> {
    const settings = applyingSettings(owner);
    if (!owner || !settings) {
      const failed = finished(
        base,
        {
          errors: [
            problem(
              '/planOnly',
              'apply-no-target',
              'The organization applies jobs to no target (apply.target none): there is nothing to plan.',
            ),
          ],
          warnings: outcome.warnings,
        },
        this.now(),
      );
      await this.deps.jobs.putJob(failed, pointer, this.extras(failed));
      await this.publish(failed);
      return failed;
    }
    const planned = await this.planOrApply(envelope, owner, base, outcome, { ...settings, mode: 'plan' }, delivery);
    if ('record' in planned) return planned.record;
    const record: JobRecord = { ...done, planOnly: true, plan: planned.plan, warnings: planned.warnings };
    await this.deps.jobs.putJob(record, pointer, this.extras(record));
    return record;
  }

  private async planOrApply(
    envelope: JobEnvelope,
    owner: AccountOwner,
    base: JobRecord,
    outcome: Outcome & { change: GroupChange },
    settings: ApplySettings,
    delivery: DeliveryInfo,
  ): Promise<{ plan: JobPlan; warnings: JobProblem[] } | { record: JobRecord }> {
    const flow = this.deps.apply;
    const refused = (errors: JobProblem[]) =>
      this.recordApply(envelope, base, { kind: 'refused', errors }, delivery, outcome.warnings).then((record) => ({
        record,
      }));
    if (!flow)
      return refused([problem('', 'apply-not-configured', 'Applying jobs is not configured in this deployment.')]);
    if (
      settings.mode === 'apply' &&
      envelope.action === 'create' &&
      (await this.deps.jobs.getGroup(owner.subscriptionId, envelope.kind, outcome.change.name))
    ) {
      return refused([
        atBody(`${bodyRootOf(envelope.kind)}.name`, 'group-exists', 'the group already exists: use action update'),
      ]);
    }
    const rollDeployment = envelope.autoRoll?.deployment ?? outcome.previous?.autoRoll?.deployment;
    const result = await flow.start(
      {
        envelope,
        settings,
        organizationId: owner.organization.id,
        subscriptionId: owner.subscriptionId,
        kind: envelope.kind,
        name: outcome.change.name,
        storedSpec: outcome.change.spec,
        change: outcome.change,
        ...(outcome.latestOf ? { latestOf: outcome.latestOf } : {}),
        ...(outcome.previous ? { previous: outcome.previous } : {}),
        warnings: outcome.warnings,
        ...(outcome.resolvedImageVersionId ? { resolvedImageVersionId: outcome.resolvedImageVersionId } : {}),
        ...(outcome.planImage ? { image: outcome.planImage } : {}),
        ...(rollDeployment ? { rollDeployment } : {}),
      },
      secretsOfEnvelope(envelope),
    );
    if (result.kind === 'planned') return { plan: result.plan, warnings: result.warnings };
    return { record: await this.recordApply(envelope, base, result, delivery, outcome.warnings) };
  }

  /**
   * Records where a job's apply is: failed (its checkpoint released after the record), waiting or
   * blocked (a follow-up scheduled, the sweep's row moved past it), or succeeded (the group written
   * with its deployment, and the checkpoint removed, in one transaction).
   */
  private async recordApply(
    envelope: JobEnvelope,
    base: JobRecord,
    result: ApplyProgress,
    delivery: DeliveryInfo,
    warnings: JobProblem[] = [],
  ): Promise<JobRecord> {
    const now = this.now().toISOString();
    const flow = this.deps.apply as ApplyFlow;
    const pointer = delivery.recorded !== true;
    switch (result.kind) {
      case 'refused':
      case 'failed': {
        const record: JobRecord = {
          ...base,
          status: 'failed',
          finishedAt: now,
          errors: result.errors,
          warnings: result.kind === 'failed' ? result.checkpoint.warnings : warnings,
          ...(result.plan ? { plan: result.plan } : {}),
          ...(result.kind === 'failed' ? { apply: result.apply } : {}),
        };
        await this.deps.jobs.putJob(record, pointer, this.extras(record));
        if (result.kind === 'failed' && result.deployment) {
          const deployment = result.deployment;
          await this.deps.jobs.updateGroup(
            result.checkpoint.subscriptionId,
            result.checkpoint.kind,
            result.checkpoint.name,
            (g) => ({ ...g, deployment }),
          );
        }
        if (result.kind === 'failed') await flow.release(result.checkpoint);
        await this.publish(record);
        return record;
      }
      case 'blocked':
      case 'waiting': {
        const record: JobRecord = {
          ...base,
          status: 'running',
          warnings: result.kind === 'waiting' ? result.checkpoint.warnings : warnings,
          ...(result.kind === 'waiting' ? { plan: result.plan } : {}),
          apply: result.apply,
        };
        const deferrals = Number(/@w(\d+)$/.exec(delivery.messageId ?? '')?.[1] ?? 0);
        await this.sendLater(
          envelope,
          result.apply.nextCheckAt ?? now,
          result.kind === 'waiting' ? { followUp: result.checkpoint.state.followUps } : { deferred: deferrals + 1 },
          delivery,
        );
        await this.deps.jobs.putJob(record, pointer);
        await this.keepPending(envelope, record, result.apply.nextCheckAt ?? now);
        return record;
      }
      case 'succeeded': {
        const cp = result.checkpoint;
        const done: JobRecord = {
          ...base,
          status: 'succeeded',
          finishedAt: now,
          errors: [],
          warnings: cp.warnings,
          ...(cp.resolvedImageVersionId ? { resolvedImageVersionId: cp.resolvedImageVersionId } : {}),
          plan: result.plan,
          apply: result.apply,
        };
        // The group is written as the target has it now: over whatever revision is stored (the apply lock kept other jobs out).
        const { basedOnRevision: _b, ...change } = cp.change;
        const recorded = await this.applyChange(
          envelope,
          {
            errors: [],
            warnings: cp.warnings,
            change: { ...change, deployment: result.deployment },
            ...(cp.latestOf ? { latestOf: cp.latestOf } : {}),
            ...(cp.previous ? { previous: cp.previous } : {}),
          },
          done,
          { pointer, recordMayExist: true, lastAttempt: true, release: flow.releaseAction(cp) },
        );
        if (recorded === 'merge-again') throw new GroupChangedError('the group changed while its apply was recorded');
        return recorded;
      }
    }
  }

  /** Sends the job's message again at `at`: a follow-up of its apply, or a job that waits for another's. */
  private async sendLater(
    envelope: JobEnvelope,
    at: string,
    which: { followUp: number } | { deferred: number },
    delivery: DeliveryInfo,
  ): Promise<void> {
    const queue = this.deps.queue?.();
    if (!queue) throw new Error('no job queue for the apply follow-up');
    const generation = generationOfMessageId(delivery.messageId);
    await queue.send(envelope, true, {
      scheduledEnqueueTimeUtc: new Date(at),
      ...which,
      ...(generation > 0 ? { generation } : {}),
    });
  }

  /** The sweep's row of an applying job, due after its next follow-up (a lost follow-up is sent again from it). */
  private async keepPending(envelope: JobEnvelope, record: JobRecord, notBefore: string): Promise<void> {
    if (!this.deps.pending || !record.organizationId || !record.subscriptionId) return;
    const kept = keptEnvelopeOf(envelope);
    await this.deps.pending.put({
      organizationId: record.organizationId,
      jobId: record.jobId,
      subscriptionId: record.subscriptionId,
      envelope: kept.envelope,
      secretPointers: kept.secretPointers,
      sentAt: this.now().toISOString(),
      notBefore,
      resends: 0,
      seenAttempts: record.attempts,
      ...(record.generation ? { generation: record.generation } : {}),
    });
  }

  /**
   * The job with its complete spec: a create as given, an update merged onto the stored group (with
   * the revision it was merged onto, and that group as `previous`).
   */
  private async complete(
    envelope: JobEnvelope,
    subscriptionId: string,
    applies: boolean,
  ): Promise<
    | { job: CompleteJob; basedOnRevision?: number; previous?: GroupRecord; previousEtag?: string }
    | { errors: JobProblem[] }
  > {
    if (envelope.action === 'create') {
      const created = completeJob(envelope);
      return created.ok ? { job: created.job } : { errors: created.errors.map(fromEnvelope) };
    }
    const name = specInputOf(envelope).name;
    // A roll job merges onto the group as its fan-out read it when this instance has it: the group
    // write is conditional on that ETag, so a change in between makes it merge again on a fresh
    // read. Not where the organization applies: the apply is sent before the group is written.
    const asRead = applies ? undefined : this.deps.rolls?.groupAsRead(envelope, subscriptionId, name);
    const stored = asRead ?? (await this.deps.jobs.getGroup(subscriptionId, envelope.kind, name));
    if (!stored)
      return {
        errors: [
          atBody(
            `${bodyRootOf(envelope.kind)}.name`,
            'group-not-found',
            envelope.roll ? 'The group no longer exists.' : 'the group does not exist: use action create',
          ),
        ],
      };
    // A roll job rolls a group on latest with auto-roll on, as the group is now (before the merge).
    const refused = this.deps.rolls?.refusal(envelope, stored.group);
    if (refused) return { errors: [refused] };
    const merged = completeJob(envelope, stored.group.spec);
    return merged.ok
      ? { job: merged.job, basedOnRevision: stored.group.revision, previous: stored.group, previousEtag: stored.etag }
      : { errors: merged.errors.map(fromEnvelope) };
  }

  /** The job's events for its transaction, when events are published at all. */
  private extras(job: JobRecord): JobExtras | undefined {
    return this.deps.events ? jobEventExtras(job) : undefined;
  }

  /** Publishes the job's events right after its transaction (the outbox timer covers a crash in between). */
  private async publish(job: JobRecord, group?: GroupRecord): Promise<void> {
    if (this.deps.events) await publishJobEvents(this.deps.events, this.deps.jobs, job, group);
  }

  private async run(envelope: JobEnvelope, owner: AccountOwner | undefined): Promise<Outcome> {
    if (!owner)
      return {
        errors: [problem('/caller/account', 'unknown-account', 'The account is not connected to any organization.')],
        warnings: [],
      };
    const accountSubscription = owner.subscriptionId;
    const completed = await this.complete(envelope, accountSubscription, applyingSettings(owner) !== undefined);
    if ('errors' in completed) return { errors: completed.errors, warnings: [], subscriptionId: accountSubscription };
    const job = completed.job;
    const { kind, spec } = groupSpecOf(job);
    const region = normalizeRegion(spec.region);
    const warnings: JobProblem[] = [];
    const reference = imageReferenceOf(job);
    let resolved: ResolvedImage | undefined;
    if (reference.source === 'gallery') {
      const found = await this.resolveGalleryImage(envelope, owner, reference, region);
      if ('error' in found) return fail(accountSubscription, found.error);
      resolved = found;
    } else {
      warnings.push(
        atBody(
          reference.path,
          'image-not-in-catalog',
          `A ${reference.source} image is accepted but not checked: this service checks gallery images only (the catalog holds no ${reference.source} images).`,
        ),
      );
    }

    const errors: JobProblem[] = [];
    if (resolved) {
      const vmSizes = await this.deps.vmSizes.sizes(accountSubscription, region);
      const findings = checkCompatibility({
        kind,
        spec,
        region,
        image: resolved.image,
        version: resolved.version,
        vmSizes,
        imageTenant: resolved.imageTenant,
        now: this.now(),
        appliedAsFlexible: owner?.organization.apply?.target === 'azure',
      });
      for (const f of findings) (f.severity === 'error' ? errors : warnings).push(fromFinding(f));
      warnings.push(
        ...replicaWarningsForJob({
          kind,
          spec,
          region,
          version: resolved.version,
          ...(this.deps.replicaBurstFactor === undefined ? {} : { burstFactor: this.deps.replicaBurstFactor }),
        }),
      );
    }
    if (errors.length > 0) return { errors, warnings, subscriptionId: accountSubscription };
    const planImage = planImageOf(reference, resolved);

    return {
      errors: [],
      warnings,
      subscriptionId: accountSubscription,
      change: {
        subscriptionId: accountSubscription,
        account: envelope.caller.account,
        kind,
        name: spec.name,
        region,
        // Secrets are dropped here: the group keeps `passwordSet: true`, never the password.
        spec: storedSpecOf(kindLetter(kind), spec),
        ...(resolved ? { imageVersionId: resolved.version.id } : {}),
        ...(completed.basedOnRevision !== undefined ? { basedOnRevision: completed.basedOnRevision } : {}),
      },
      ...(resolved?.latestOf ? { latestOf: resolved.latestOf } : {}),
      ...(completed.previous ? { previous: completed.previous } : {}),
      ...(completed.previousEtag !== undefined ? { previousEtag: completed.previousEtag } : {}),
      ...(resolved ? { resolvedImageVersionId: resolved.version.id } : {}),
      ...(planImage ? { planImage } : {}),
    };
  }

  /**
   * The gallery image a job names, as the account sees it: its definition, the version (`latest`
   * resolved for the group's region; a roll job's version must still be latest there), whose
   * tenant the gallery is, and the auto-roll index key when the group follows latest. An image the
   * account may not see is reported exactly like a missing one.
   */
  private async resolveGalleryImage(
    envelope: JobEnvelope,
    owner: AccountOwner,
    reference: Extract<ReturnType<typeof imageReferenceOf>, { source: 'gallery' }>,
    region: string,
  ): Promise<ResolvedImage | { error: JobProblem }> {
    let gallerySubscription = owner.subscriptionId;
    if (reference.spotAccountId !== undefined) {
      // The gallery's subscription: a connected account of the caller's own organization (same
      // Spot organization). Another organization's account and an unknown one get the same error.
      const galleryOwner = await this.deps.directory.accountOwner(reference.spotAccountId);
      if (!galleryOwner || galleryOwner.organization.id !== owner.organization.id) {
        return {
          error: atBody(`${reference.path}.spotAccountId`, ACCOUNT_NOT_CONNECTED.code, ACCOUNT_NOT_CONNECTED.message),
        };
      }
      gallerySubscription = galleryOwner.subscriptionId;
    }
    const caller: Caller = {
      organizationId: owner.organization.id,
      tenantId: owner.organization.tenantId,
      subscriptionIds: [owner.subscriptionId],
    };
    const gRef = galleryRef(gallerySubscription, reference.resourceGroupName, reference.galleryName);
    const iRef = imageRef(gRef, reference.imageName);
    const notVisible = {
      error: atBody(
        reference.path,
        'image-not-visible',
        `The image ${formatResourceId(iRef)} does not exist or is not visible to the account.`,
      ),
    };
    const [gallery, image] = await Promise.all([
      this.deps.lookups.liveGallery(gRef),
      this.deps.lookups.liveImage(iRef),
    ]);
    if (!gallery || !image) return notVisible;
    const facts = galleryFactsFor(gallery, await this.deps.directory.organizations());
    const seen = canSee(caller, image.ref, facts, await this.deps.directory.grantsFor(caller));
    if (!seen.visible) return notVisible;
    const access = galleryAccessFor(seen.via, gallery);
    const imageTenant =
      facts.ownerTenantId === undefined || facts.ownerTenantId === ''
        ? 'unknown'
        : isCrossTenant(caller, facts)
          ? 'other'
          : 'same';
    if (reference.version !== 'latest') {
      const version = (await this.deps.catalog.getVersion(versionRef(image.ref, reference.version)))?.record;
      if (!version)
        return {
          error: atBody(
            reference.versionPath,
            'version-not-found',
            `Version ${reference.version} of ${image.id} does not exist.`,
          ),
        };
      return { image, version, imageTenant, ...(access ? { access } : {}) };
    }
    const latest = await this.deps.lookups.resolveLatest(image, region);
    const version = latest.version;
    const rollTo = envelope.roll?.toVersion;
    if (rollTo !== undefined && (!version || compareVersions(version.ref.version, rollTo) !== 0)) {
      return {
        error: atBody(
          reference.versionPath,
          'roll-target-not-latest',
          `Version ${rollTo} is no longer latest in ${region}${version ? ` (latest is ${version.ref.version})` : ''}: the group stays on its version.`,
        ),
      };
    }
    if (!version) {
      const passed = latest.passed.map((p) => `${p.version} (${p.reasons.map((r) => r.code).join(', ')})`);
      return {
        error: atBody(
          reference.versionPath,
          'no-latest-version',
          `No version of ${image.id} is deployable and eligible for latest in ${region}${passed.length ? `: ${passed.slice(0, 20).join('; ')}` : ': the definition has no versions'}.`,
        ),
      };
    }
    return {
      image,
      version,
      imageTenant,
      latestOf: latestOfKey(imageKey(image.ref), region),
      ...(access ? { access } : {}),
    };
  }
}

/** A gallery image a job resolved: definition, version, whose tenant, and the auto-roll index key when it follows latest. */
interface ResolvedImage {
  image: ImageDefinitionRecord;
  version: ImageVersionRecord;
  imageTenant: 'same' | 'other' | 'unknown';
  latestOf?: string;
  /** How ARM takes the image for the account (undefined when the catalog lacks the name it needs). */
  access?: GalleryAccess;
}

function fail(subscriptionId: string, p: JobProblem): Outcome {
  return { errors: [p], warnings: [], subscriptionId };
}

/** The job's outcome: succeeded with the version it resolved, or failed with every error. */
function finished(base: JobRecord, outcome: Outcome, now: Date): JobRecord {
  return {
    ...base,
    status: outcome.errors.length > 0 ? 'failed' : 'succeeded',
    finishedAt: now.toISOString(),
    errors: outcome.errors,
    warnings: outcome.warnings,
    ...(outcome.resolvedImageVersionId && outcome.errors.length === 0
      ? { resolvedImageVersionId: outcome.resolvedImageVersionId }
      : {}),
  };
}

/** The image as an Azure plan takes it: a gallery image with how the account reaches it, a marketplace or custom image as named. */
function planImageOf(
  reference: ReturnType<typeof imageReferenceOf>,
  resolved: ResolvedImage | undefined,
): PlanImage | undefined {
  if (reference.source === 'marketplace')
    return {
      source: 'marketplace',
      publisher: reference.publisher,
      offer: reference.offer,
      sku: reference.sku,
      version: reference.version,
    };
  if (reference.source === 'custom')
    return { source: 'custom', resourceGroupName: reference.resourceGroupName, name: reference.name };
  if (!resolved?.access) return undefined;
  const { image, version } = resolved;
  return {
    source: 'gallery',
    versionId: version.id,
    definitionId: image.id,
    followsLatest: reference.version === 'latest',
    access: resolved.access,
    definition: {
      osType: image.osType,
      osState: image.osState,
      hyperVGeneration: image.hyperVGeneration,
      ...(image.features.securityType ? { securityType: image.features.securityType } : {}),
    },
  };
}

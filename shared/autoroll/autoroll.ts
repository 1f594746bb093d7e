/**
 * Auto-roll: when `latest` of an image definition changes in a region (the LatestVersionChanged
 * domain event), every group on `latest` of that definition in that region, with auto-roll enabled
 * and not paused (nor its definition paused), gets an update job that rolls it to the new latest.
 *
 * - The groups come from the index (definition + region → groups on latest), one partition query.
 * - The roll job id is `roll:<group key>:<version>` (group key: 16 hex digits of SHA-256 of the
 *   group identity `account/kind/name`), so duplicated or replayed events give one roll: the job
 *   record is created once, the queue drops a duplicate messageId, and a job already applied to
 *   the group is recognised. A group that rolled to the version before, moved on, and gets it
 *   again as latest (a recall back to it) gets `roll:<group key>:<version>:<n>` (n: the earlier
 *   rolls to it) when the version is the stored latest of its region and the group, read again after
 *   its rolls, is not on it (or its last roll to it failed before this change); a duplicate or
 *   stale replay does nothing.
 * - A roll job runs like a user's update (visibility, compatibility, replicas) on the group's
 *   CURRENT spec, changing only the image version; it fails, leaving the group on its version,
 *   unless its target is still latest in the group's region (Completed there, not excluded).
 * - Soak: the job is sent with the queue's scheduled delivery (`scheduledEnqueueTimeUtc`) at the
 *   event's time + soakMinutes.
 * - Recall: an excluded or deleted latest moves latest down; the groups on it get a roll job to
 *   the new latest like any other change.
 */
import { createHash } from 'node:crypto';
import { parseResourceId, versionRef, formatResourceId, type ImageRef } from '../domain/ids.js';
import { compareVersions } from '../domain/versions.js';
import {
  DEFAULT_AUTO_ROLL,
  rollDecision,
  rollJobChoice,
  rollOrdinal,
  type AutoRollPolicy,
  type LatestPointers,
  type RollSkip,
} from '../domain/reaction.js';
import { imageKey } from '../catalog/keys.js';
import { eachLimited, groupBy } from '../domain/collections.js';
import type { AutoRollPolicyInput, JobEnvelope } from '../domain/job-envelope.js';
import type { JobQueue } from '../jobs/queue.js';
import {
  groupRowKey,
  type GroupChange,
  type GroupRecord,
  type JobProblem,
  type JobRecord,
  type JobScope,
  type JobStore,
} from '../jobs/store.js';
import type { PendingJobs } from '../jobs/pending.js';
import type { LatestVersionChangedData } from '../events/events.js';
import { latestOfKey, type AutoRollStore, type IndexedGroup, type IndexedOn } from './store.js';
import type { GroupAsRead, GroupsAsRead } from './groups-as-read.js';

/** The cause a roll job names when the release of its definition's pause queued it. */
export const DEFINITION_RESUMED = 'definitionResumed';
/** Groups handled at the same time for one change of latest. */
const FAN_OUT = 16;
/** Groups whose first rolls are recorded together (their pending rows: one transaction per shard). */
const CHUNK = 100;

export function groupKey(account: string, kind: string, name: string): string {
  return createHash('sha256').update(`${account}/${kind}/${name}`.toLowerCase()).digest('hex').slice(0, 16);
}
/** Every roll job id starts so; no other producer may use it. */
export const ROLL_JOB_PREFIX = 'roll:';
export function rollJobId(account: string, kind: string, name: string, version: string): string {
  return `${rollJobPrefix(account, kind, name)}${version}`;
}
/**
 * The roll jobs of a group to the version of `base` (`<base>` and `<base>:<n>`) recorded in its
 * account's partition, the newest (highest n) first. A job still queued or running is recorded only
 * under its id (the jobs table) until it finishes: creating it again finds it there.
 */
export async function rollsTo(
  jobs: JobStore,
  group: Pick<GroupRecord, 'subscriptionId'>,
  base: string,
): Promise<JobRecord[]> {
  const found = await jobs.jobsWithPrefix(group.subscriptionId, base);
  return found
    .flatMap((job) => {
      const n = rollOrdinal(base, job.jobId);
      return n === undefined ? [] : [{ job, n }];
    })
    .sort((a, b) => b.n - a.n)
    .map((r) => r.job);
}
export function rollJobPrefix(account: string, kind: string, name: string): string {
  return `${ROLL_JOB_PREFIX}${groupKey(account, kind, name)}:`;
}

export function policyOf(group: Pick<GroupRecord, 'autoRoll'>): AutoRollPolicy {
  return group.autoRoll ?? DEFAULT_AUTO_ROLL;
}

export function versionNameOf(versionId: string | undefined): string | undefined {
  if (!versionId) return undefined;
  try {
    const ref = parseResourceId(versionId);
    return ref.level === 'version' ? ref.version : undefined;
  } catch {
    return undefined;
  }
}

function specVersionOf(kind: string, spec: unknown): string | undefined {
  const gallery = (
    spec as { compute?: { launchSpecification?: { image?: { gallery?: Record<string, unknown> } } } } | undefined
  )?.compute?.launchSpecification?.image?.gallery;
  const v = kind === 'statefulNode' ? gallery?.versionName : gallery?.version;
  return typeof v === 'string' ? v : undefined;
}

export interface RollOutcome {
  queued: { jobId: string; notBefore: string }[];
  skipped: { group: string; reason: RollSkip | 'stale-index' }[];
}

export interface AutoRollerOptions {
  now?: () => Date;
  /** Where a roll job's pending row goes before its message (the sweep sends again what has not run). */
  pending?: PendingJobs;
  /** The organization an account belongs to (roll job ids are the organization's), with its subscriptions. */
  organizationOf?: (account: string) => Promise<JobScope | undefined>;
  /** Where the groups a fan-out read wait for their roll jobs in this instance. */
  asRead?: GroupsAsRead;
}

export class AutoRoller {
  private readonly now: () => Date;

  constructor(
    private readonly store: AutoRollStore,
    private readonly jobs: JobStore,
    private readonly queue: () => JobQueue | undefined,
    /** The stored latest per region of a definition (its `~latest` row), by definition key. */
    private readonly latest: (definitionKey: string) => Promise<LatestPointers>,
    private readonly options: AutoRollerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Changes a group's auto-roll policy (the fields given); undefined when the group does not exist. */
  async setPolicy(
    subscriptionId: string,
    kind: string,
    name: string,
    input: AutoRollPolicyInput,
  ): Promise<GroupRecord | undefined> {
    return this.jobs.updateGroup(subscriptionId, kind, name, (g) => ({
      ...g,
      autoRoll: { ...policyOf(g), ...input },
      revision: g.revision + 1,
      updatedAt: this.now().toISOString(),
    }));
  }

  /**
   * The emergency stop of auto-roll for an image definition (every region), or its release. A
   * release rolls what the pause held back: in each region with a latest, the groups on `latest`
   * not on it get their roll job (soak counted from the release); releasing again re-sends the same
   * jobs (a retry after a failure loses nothing), and the queue drops duplicates.
   */
  async setDefinitionPaused(
    definition: ImageRef,
    paused: boolean,
  ): Promise<{ imageDefinitionId: string; paused: boolean; pausedAt?: string; rollsQueued?: number }> {
    const key = imageKey(definition);
    const at = this.now().toISOString();
    await this.store.setPaused(key, formatResourceId(definition), paused, at);
    const since = await this.store.pausedSince(key);
    const state = {
      imageDefinitionId: formatResourceId(definition),
      paused: since !== undefined,
      ...(since ? { pausedAt: since } : {}),
    };
    if (since !== undefined) return state;
    let rollsQueued = 0;
    for (const [region, version] of Object.entries(await this.latest(key))) {
      const change: LatestVersionChangedData = {
        imageDefinitionId: state.imageDefinitionId,
        region,
        newVersion: version,
        newVersionId: formatResourceId(versionRef(definition, version)),
        cause: 'newVersionReady',
      };
      rollsQueued += (await this.roll(change, at, DEFINITION_RESUMED)).queued.length;
    }
    return { ...state, rollsQueued };
  }

  /**
   * Queues the roll jobs a change of latest calls for. Transient failures throw (Event Grid
   * redelivers). With the event's id, a change whose roll jobs were all recorded and sent is
   * remembered: a duplicate of its event costs one read.
   */
  async onLatestChanged(change: LatestVersionChangedData, eventTime: string, eventId?: string): Promise<RollOutcome> {
    return this.roll(change, eventTime, change.cause, eventId);
  }

  /** The roll jobs of the groups on latest of the change's definition and region; `cause` goes into each job. */
  private async roll(
    change: LatestVersionChangedData,
    eventTime: string,
    cause: string,
    eventId?: string,
  ): Promise<RollOutcome> {
    const out: RollOutcome = { queued: [], skipped: [] };
    const def = parseResourceId(change.imageDefinitionId);
    if (def.level !== 'image') return out;
    const definitionKey = imageKey(def);
    const latestOf = latestOfKey(definitionKey, change.region);
    if (eventId !== undefined && (await this.store.fannedOut(latestOf, eventId))) return out;
    const [indexed, paused] = await Promise.all([
      this.store.indexedOn(latestOf),
      this.store.pausedSince(definitionKey),
    ]);
    const candidates = await this.groupsOn(indexed);
    const queue = this.queue();
    // The stored latest of the definition: read once, and only when a group has had a roll to the version before.
    let latestNow: Promise<LatestPointers> | undefined;
    const context: RollContext = {
      change,
      cause,
      latestOf,
      changedAt: Number.isNaN(Date.parse(eventTime)) ? this.now() : new Date(eventTime),
      definitionPaused: paused !== undefined,
      queue,
      latestNow: () => (latestNow ??= this.latest(definitionKey)),
    };
    const decided: RollDecided[] = [];
    for (const { entry, found } of candidates) {
      const d = this.decide(entry, found, context, out);
      if (d) decided.push(d);
    }
    if (decided.length > 0 && !queue) throw new Error('auto-roll: no job queue is configured');
    // A chunk at a time: the first rolls of its groups are recorded together (their pending rows
    // go as one transaction per shard), then each group's job is sent (or examined further).
    for (let i = 0; i < decided.length; i += CHUNK) {
      const chunk = decided.slice(i, i + CHUNK);
      const recorded = await this.recordFirstRolls(
        chunk.filter((d) => !d.appliedBefore),
        cause,
      );
      await eachLimited(chunk, FAN_OUT, (d) => this.rollGroup(d, recorded.get(d), context, out));
    }
    if (eventId !== undefined) await this.store.markFannedOut(latestOf, eventId, this.now().toISOString());
    return out;
  }

  /** The groups on the latest as stored now, each with its index entry; a per-group entry whose group is gone comes without its record. */
  private async groupsOn(
    indexed: IndexedOn,
  ): Promise<{ entry: IndexedGroup; found: { group: GroupRecord; etag: string } | undefined }[]> {
    return (await groupsOnIndexed(this.jobs, indexed)).flatMap(({ subscriptionId, found, missing }) => [
      ...[...found.values()].map((g) => ({
        entry: {
          subscriptionId,
          account: g.group.account,
          kind: g.group.kind,
          name: g.group.name,
          latestOf: indexed.latestOf,
        },
        found: g,
      })),
      ...missing.map((entry) => ({ entry, found: undefined })),
    ]);
  }

  /** One group on latest of the changed definition and region: skipped (and why), or what its roll is. */
  private decide(
    entry: IndexedGroup,
    found: GroupAsRead | undefined,
    ctx: RollContext,
    out: RollOutcome,
  ): RollDecided | undefined {
    const { change, latestOf } = ctx;
    const label = `${entry.account}/${entry.kind}/${entry.name}`;
    if (!found || found.group.latestOf !== latestOf) {
      out.skipped.push({ group: label, reason: 'stale-index' });
      return undefined;
    }
    const group = found.group;
    const current = versionNameOf(group.imageVersionId);
    const decision = rollDecision(
      {
        specVersion: specVersionOf(group.kind, group.spec) ?? '',
        region: group.region,
        policy: policyOf(group),
        ...(current ? { currentVersion: current } : {}),
      },
      change,
      ctx.changedAt,
      ctx.definitionPaused,
    );
    if (!decision.roll) {
      out.skipped.push({ group: label, reason: decision.reason });
      return undefined;
    }
    const version = change.newVersion as string;
    const base = rollJobId(group.account, group.kind, group.name, version);
    return {
      entry,
      label,
      group,
      etag: found.etag,
      version,
      base,
      notBefore: decision.notBefore.getTime() > this.now().getTime() ? decision.notBefore : undefined,
      // A roll to the version among the jobs the group says were applied to it: look for earlier rolls first.
      appliedBefore: group.appliedJobs.some((id) => rollOrdinal(base, id) !== undefined),
    };
  }

  /**
   * The first rolls of groups to the version (the common case), recorded without looking for
   * earlier ones, all together.
   */
  private async recordFirstRolls(list: readonly RollDecided[], cause: string): Promise<Map<RollDecided, RollRecorded>> {
    const accounts = [...new Set(list.map((d) => d.group.account))];
    const scopes = new Map(
      await Promise.all(accounts.map(async (a) => [a, await this.options.organizationOf?.(a)] as const)),
    );
    const recorded = await this.recordRollJobs(
      list.map((d) => ({
        group: d.group,
        jobId: d.base,
        envelope: rollEnvelope(d.group, d.base, d.version, cause),
        notBefore: d.notBefore,
        organization: scopes.get(d.group.account),
      })),
    );
    return new Map(list.map((d, i) => [d, recorded[i] as RollRecorded]));
  }

  /**
   * One group to roll: its job sent when its first roll was recorded now; otherwise its earlier
   * rolls to the version decide (a duplicate of the change, a roll before, a recall).
   */
  private async rollGroup(
    d: RollDecided,
    first: RollRecorded | undefined,
    ctx: RollContext,
    out: RollOutcome,
  ): Promise<void> {
    const { change, latestOf } = ctx;
    const { entry, group, version, base, notBefore } = d;
    const send = async (jobId: string) => {
      await (ctx.queue as JobQueue).send(
        rollEnvelope(group, jobId, version, ctx.cause),
        true,
        notBefore ? { scheduledEnqueueTimeUtc: notBefore } : {},
      );
      out.queued.push({ jobId, notBefore: (notBefore ?? this.now()).toISOString() });
    };
    if (first === 'created') {
      // Its job merges onto the group as read here (its write goes onto that version only); a job
      // that waits for its soak would find the entry expired.
      if (!notBefore) this.options.asRead?.keep({ group, etag: d.etag });
      return send(base);
    }
    const existing = await rollsTo(this.jobs, group, base);
    const latest = existing.length > 0 ? (await ctx.latestNow())[change.region] : undefined;
    const choice = rollJobChoice(base, version, existing, latest, ctx.changedAt.toISOString());
    if (choice.kind === 'none') return;
    if (choice.kind === 'create' && choice.jobId !== base) {
      // The group was read before its rolls: a roll that succeeded in between left it on the
      // target already (a duplicate of this change, not a recall). Read it again after them.
      const again = await this.jobs.getGroup(entry.subscriptionId, entry.kind, entry.name);
      const now = versionNameOf(again?.group.imageVersionId);
      if (!again || again.group.latestOf !== latestOf || (now !== undefined && compareVersions(now, version) === 0)) {
        out.skipped.push({ group: d.label, reason: 'already-on-version' });
        return;
      }
    }
    const jobId = choice.jobId;
    if (choice.kind === 'create') {
      // `base` was recorded already: still queued (send again; the queue drops duplicates) or not.
      const recorded =
        jobId === base && first !== undefined
          ? first
          : (
              await this.recordRollJobs([
                {
                  group,
                  jobId,
                  envelope: rollEnvelope(group, jobId, version, ctx.cause),
                  notBefore,
                  organization: await this.options.organizationOf?.(group.account),
                },
              ])
            )[0];
      if (recorded === 'ended') return;
    }
    await send(jobId);
  }

  /**
   * Records new roll jobs queued, each with its pending row (so the sweep sends it again if its
   * message is lost): the rows go together (a transaction per shard), the job records too (a
   * transaction per 100). Per job: `created`; `queued` when it was recorded before and is still
   * queued (send it again); `ended` when it was recorded before and is no longer queued (nothing
   * to send).
   */
  private async recordRollJobs(
    items: readonly {
      group: GroupRecord;
      jobId: string;
      envelope: JobEnvelope;
      notBefore: Date | undefined;
      organization: JobScope | undefined;
    }[],
  ): Promise<RollRecorded[]> {
    const at = this.now().toISOString();
    const pending = this.options.pending;
    const rows = Promise.all(
      items.flatMap(({ group, jobId, envelope, notBefore, organization }) =>
        organization !== undefined && pending
          ? [
              pending.put({
                organizationId: organization.organizationId,
                jobId,
                subscriptionId: group.subscriptionId,
                envelope,
                secretPointers: [],
                sentAt: at,
                ...(notBefore ? { notBefore: notBefore.toISOString() } : {}),
                resends: 0,
                seenAttempts: 0,
              }),
            ]
          : [],
      ),
    );
    const created = await this.jobs.createJobs(
      items.map(({ group, jobId, notBefore, organization }) => ({
        jobId,
        ...(organization !== undefined ? { organizationId: organization.organizationId } : {}),
        status: 'queued',
        action: 'update',
        kind: group.kind,
        account: group.account,
        subscriptionId: group.subscriptionId,
        group: { kind: group.kind, name: group.name },
        submittedAt: at,
        ...(notBefore ? { notBefore: notBefore.toISOString() } : {}),
        attempts: 0,
        errors: [],
        warnings: [],
      })),
    );
    await rows;
    const out: RollRecorded[] = items.map(() => 'created');
    await eachLimited(
      [...items.keys()].filter((i) => !created[i]),
      FAN_OUT,
      async (i) => {
        const { organization, jobId } = items[i]!;
        const existing = organization ? await this.jobs.getJob(organization, jobId) : undefined;
        out[i] = !existing || existing.status === 'queued' ? 'queued' : 'ended';
      },
    );
    return out;
  }
}

/**
 * The groups on a latest that the index names: each named subscription's group rows on it (one
 * query each, at most FAN_OUT at once), with the groups of its per-group entries of the earlier
 * layout (read one by one when the query did not find them: `missing` when gone). In the index's
 * order; `subscriptionIds` (default: all the index names) picks the subscriptions read.
 */
export async function groupsOnIndexed(
  jobs: JobStore,
  on: IndexedOn,
  subscriptionIds: readonly string[] = on.subscriptionIds,
): Promise<
  { subscriptionId: string; found: Map<string, { group: GroupRecord; etag: string }>; missing: IndexedGroup[] }[]
> {
  const legacy = groupBy(on.groups, (g) => g.subscriptionId.toLowerCase());
  const out: Awaited<ReturnType<typeof groupsOnIndexed>> = [];
  await eachLimited([...subscriptionIds.keys()], FAN_OUT, async (i) => {
    const subscriptionId = subscriptionIds[i] as string;
    const listed = legacy.get(subscriptionId.toLowerCase()) ?? [];
    const found = await jobs.groupsOnLatest(subscriptionId, on.latestOf, listed);
    out[i] = { subscriptionId, found, missing: listed.filter((e) => !found.has(groupRowKey(e.kind, e.name))) };
  });
  return out;
}

/** A group the change rolls, before its job is recorded. */
interface RollDecided {
  entry: IndexedGroup;
  label: string;
  group: GroupRecord;
  /** The group row's ETag when the fan-out read it. */
  etag: string;
  version: string;
  /** `roll:<group key>:<version>` */
  base: string;
  notBefore: Date | undefined;
  appliedBefore: boolean;
}

/** A roll job's record: created now; recorded before and still queued (send it again); or recorded before and ended. */
type RollRecorded = 'created' | 'queued' | 'ended';

/** What every group of one change of latest shares while its roll is decided. */
interface RollContext {
  change: LatestVersionChangedData;
  cause: string;
  latestOf: string;
  changedAt: Date;
  definitionPaused: boolean;
  queue: JobQueue | undefined;
  /** The stored latest per region of the definition, read once on first need. */
  latestNow: () => Promise<LatestPointers>;
}

/**
 * The roll job: a partial update that sets only the image version of the group, to `latest` (the
 * processor merges it onto the group as it is then and resolves latest in its region, which must be
 * `version`).
 */
export function rollEnvelope(group: GroupRecord, jobId: string, version: string, cause: string): JobEnvelope {
  const gallery = group.kind === 'statefulNode' ? { versionName: 'latest' } : { version: 'latest' };
  const spec = { name: group.name, compute: { launchSpecification: { image: { gallery } } } };
  const body = group.kind === 'statefulNode' ? { statefulNode: spec } : { group: spec };
  return {
    schemaVersion: 1,
    jobId,
    action: 'update',
    kind: group.kind,
    caller: { account: group.account },
    body,
    roll: { toVersion: version, cause },
  } as JobEnvelope;
}

/**
 * What the job processor asks of the auto-roll around a job: whether a roll job may roll the group
 * as it is now (on latest, auto-roll on); the group write keeps the index and records the roll.
 */
export class RollJobs {
  constructor(
    private readonly store: AutoRollStore,
    private readonly asRead?: GroupsAsRead,
  ) {}

  /** For a roll job: its group as the fan-out that queued it read it, when this instance has it (taken once). */
  groupAsRead(envelope: JobEnvelope, subscriptionId: string, name: string): GroupAsRead | undefined {
    return envelope.roll ? this.asRead?.take(subscriptionId, envelope.kind, name) : undefined;
  }

  /** Why a roll job may not roll `group` (as stored, before the merge); undefined for other jobs and rollable groups. */
  refusal(envelope: JobEnvelope, group: GroupRecord): JobProblem | undefined {
    if (!envelope.roll) return undefined;
    const root = envelope.kind === 'statelessGroup' ? '/body/group' : '/body/statefulNode';
    const versionField = envelope.kind === 'statelessGroup' ? 'version' : 'versionName';
    if ((specVersionOf(group.kind, group.spec) ?? '').toLowerCase() !== 'latest') {
      return {
        pointer: `${root}/compute/launchSpecification/image/gallery/${versionField}`,
        code: 'group-pinned',
        message: 'The group is pinned to a version: it is not rolled.',
      };
    }
    const policy = policyOf(group);
    if (!policy.enabled || policy.paused)
      return {
        pointer: '/autoRoll',
        code: 'auto-roll-off',
        message: `Auto-roll of the group is ${policy.enabled ? 'paused' : 'disabled'}.`,
      };
    return undefined;
  }

  /** The group change with the policy, the index key and (roll jobs) the roll; indexes the group first. */
  async beforeApply(
    envelope: JobEnvelope,
    change: GroupChange,
    latestOf: string | undefined,
    previous: GroupRecord | undefined,
    now: string,
  ): Promise<GroupChange> {
    // Without a policy in the envelope the stored one stays as it is then (the group write keeps
    // fields the change does not name), not as it was when the job started.
    const autoRoll = envelope.autoRoll
      ? { ...(previous?.autoRoll ?? DEFAULT_AUTO_ROLL), ...envelope.autoRoll }
      : undefined;
    const { latestOf: _old, autoRoll: _a, ...rest } = change;
    const next: GroupChange = { ...rest, ...(autoRoll ? { autoRoll } : {}), ...(latestOf ? { latestOf } : {}) };
    if (envelope.roll && change.imageVersionId) {
      next.lastRoll = {
        ...(previous?.imageVersionId ? { fromVersionId: previous.imageVersionId } : {}),
        toVersionId: change.imageVersionId,
        at: now,
        jobId: envelope.jobId,
      };
    }
    // The index names the group's subscription for the latest before the group's write (a map
    // lookup once this instance has written or read that entry).
    if (latestOf) await this.store.index(change.subscriptionId, latestOf);
    return next;
  }

  /** After the group write: a per-group index entry of the definition/region the group left goes (if it has one). */
  async afterApply(previous: GroupRecord | undefined, group: GroupRecord): Promise<void> {
    if (previous?.latestOf && previous.latestOf !== group.latestOf) {
      await this.store.unindex({
        subscriptionId: previous.subscriptionId,
        account: previous.account,
        kind: previous.kind,
        name: previous.name,
        latestOf: previous.latestOf,
      });
    }
  }
}

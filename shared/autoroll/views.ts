/**
 * Read models of auto-roll: a group's roll history, and the rollout of an image definition — per
 * region, the latest version and which groups run which version: `rolled` (on latest), `soaking`
 * (its roll job waits for its scheduled time), `pending` (queued or running, or not yet queued),
 * `failed` (its roll job failed: the group stays on its version), `held` (auto-roll disabled or
 * paused for the group or the definition). Only the groups of the accounts the caller acts for are
 * shown.
 */
import { z } from 'zod';
import type { Caller } from '../domain/visibility.js';
import { imageRef, parseResourceId, type ImageRef } from '../domain/ids.js';
import { imageKey } from '../catalog/keys.js';
import type { CatalogLookups } from '../lookups/lookups.js';
import {
  groupAutoRollSchema,
  jobProblemSchema,
  jobStatusSchema,
  lastRollSchema,
  type GroupRecord,
  type JobRecord,
  type JobScope,
  type JobStore,
} from '../jobs/store.js';
import type { CatalogStore } from '../catalog/store.js';
import { rollOrdinal, type LatestPointers } from '../domain/reaction.js';
import type { VersionEvents } from '../events/version-events.js';
import { compareVersions } from '../domain/versions.js';
import { groupsOnIndexed, policyOf, rollJobId, rollJobPrefix, rollsTo, versionNameOf } from './autoroll.js';
import type { AutoRollStore } from './store.js';
import { dateTimeSchema } from '../domain/schemas.js';
import { jobApplySchema, spotDeploymentSchema, type Deployment } from '../domain/apply.js';

const rolloutStateSchema = z.enum(['rolled', 'soaking', 'pending', 'failed', 'held']);
export type RolloutState = z.infer<typeof rolloutStateSchema>;

const rollViewSchema = z.strictObject({
  jobId: z.string(),
  toVersion: z.string(),
  status: jobStatusSchema,
  submittedAt: dateTimeSchema.optional(),
  notBefore: dateTimeSchema.describe('A soaking roll: not run before this time').optional(),
  finishedAt: dateTimeSchema.optional(),
  resolvedImageVersionId: z.string().optional(),
  errors: z.array(jobProblemSchema),
});
export type RollView = z.infer<typeof rollViewSchema>;

const rolloutGroupSchema = z.strictObject({
  account: z.string(),
  kind: z.string(),
  name: z.string(),
  version: z.string().optional(),
  state: rolloutStateSchema,
  rollJobId: z
    .string()
    .describe(
      'The roll job to the latest version (for rolled: the roll that brought the group there, when it came by a roll)',
    )
    .optional(),
  notBefore: dateTimeSchema.optional(),
  /** A failed roll's errors. */
  errors: z.array(jobProblemSchema).describe("failed: the roll job's errors").optional(),
  /** Why a held group does not roll: its auto-roll is off, the group is paused, the definition is paused. */
  heldBy: z
    .array(z.enum(['disabled', 'paused', 'definitionPaused']))
    .describe('held: why (auto-roll off for the group, the group paused, the definition paused)')
    .optional(),
  deployment: z
    .strictObject({
      target: z.enum(['azure', 'spot']),
      resourceId: z.string(),
      provisioningState: z.string(),
      instancesOn: z
        .array(
          z.strictObject({ version: z.string().describe("The image version (or 'unknown')"), count: z.number().int() }),
        )
        .describe('How many of its VMs run each image version, when last read'),
      spotDeployment: spotDeploymentSchema.describe("Spot: the last roll's blue/green deployment").optional(),
    })
    .describe('An applied group: where it is deployed and the VMs on each image')
    .optional(),
  apply: jobApplySchema
    .describe("pending or failed: where the roll job's apply is (the request under way, a failure)")
    .optional(),
});
export type RolloutGroup = z.infer<typeof rolloutGroupSchema>;

export const rolloutRegionSchema = z.strictObject({
  region: z.string(),
  latestVersion: z.string().optional(),
  counts: z.record(rolloutStateSchema, z.number().int()),
  groups: z.array(rolloutGroupSchema),
});
export type RolloutRegion = z.infer<typeof rolloutRegionSchema>;

/** GET .../images/{image}/rollout: per region, the latest version and which of the caller's groups run which version. */
export const rolloutSchema = z.strictObject({
  imageDefinitionId: z.string(),
  paused: z.boolean(),
  regions: z.array(rolloutRegionSchema),
});
export type Rollout = z.infer<typeof rolloutSchema>;

/** GET /groups/{account}/{kind}/{name}/rolls: a group's auto-roll policy, its last roll, and its roll jobs newest first. */
export const rollsSchema = z.strictObject({
  group: z.strictObject({
    account: z.string(),
    kind: z.string(),
    name: z.string(),
    region: z.string(),
    imageVersionId: z.string().optional(),
    autoRoll: groupAutoRollSchema,
    lastRoll: lastRollSchema.optional(),
  }),
  rolls: z.array(rollViewSchema),
});
export type Rolls = z.infer<typeof rollsSchema>;

export function rollView(job: JobRecord): RollView {
  return {
    jobId: job.jobId,
    // `roll:<group key>:<version>` or `roll:<group key>:<version>:<n>` (a later roll to the version).
    toVersion: job.jobId.split(':')[2] ?? '',
    status: job.status,
    ...(job.submittedAt ? { submittedAt: job.submittedAt } : {}),
    ...(job.notBefore ? { notBefore: job.notBefore } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    ...(job.resolvedImageVersionId ? { resolvedImageVersionId: job.resolvedImageVersionId } : {}),
    errors: job.errors,
  };
}

/** When a roll job was last heard of: finished, or else submitted (a finished job record keeps no submission time). */
function whenOf(roll: RollView): string {
  return roll.finishedAt ?? roll.submittedAt ?? '';
}

/** 0 for the first roll of a group to a version, n for `…:<version>:<n>`. */
function rollRank(roll: RollView): number {
  return Number(roll.jobId.split(':')[3] ?? 0);
}

export class AutoRollViews {
  constructor(
    private readonly deps: {
      store: AutoRollStore;
      jobs: JobStore;
      catalog: CatalogStore;
      lookups: CatalogLookups;
      events: VersionEvents;
      /** The organization an account belongs to (roll job ids are the organization's), with its subscriptions. */
      organizationOf: (account: string) => Promise<JobScope | undefined>;
    },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A group's auto-roll policy, its last roll, and its roll jobs newest first. */
  async rolls(subscriptionId: string, kind: string, name: string): Promise<Rolls | undefined> {
    const found = await this.deps.jobs.getGroup(subscriptionId, kind, name);
    if (!found) return undefined;
    const g = found.group;
    const jobs = await this.deps.jobs.jobsWithPrefix(subscriptionId, rollJobPrefix(g.account, g.kind, g.name));
    const rolls = jobs
      .map(rollView)
      .sort(
        (a, b) =>
          whenOf(b).localeCompare(whenOf(a)) || compareVersions(b.toVersion, a.toVersion) || rollRank(b) - rollRank(a),
      );
    // A roll still queued or running is recorded only under its id: the one to the region's latest, first.
    const pending = await this.unfinishedRoll(g);
    if (pending && !rolls.some((r) => r.jobId === pending.jobId)) rolls.unshift(rollView(pending));
    return {
      group: {
        account: g.account,
        kind: g.kind,
        name: g.name,
        region: g.region,
        ...(g.imageVersionId ? { imageVersionId: g.imageVersionId } : {}),
        autoRoll: policyOf(g),
        ...(g.lastRoll ? { lastRoll: g.lastRoll } : {}),
      },
      rolls,
    };
  }

  /** The rollout of a definition the caller sees, per region. */
  async rollout(caller: Caller, ref: ImageRef): Promise<Rollout> {
    const image = await this.deps.lookups.image(caller, ref);
    const definitionKey = imageKey(ref);
    const [pointers, indexed, pausedSince] = await Promise.all([
      this.deps.events.pointers(this.deps.catalog.versions, definitionKey),
      this.deps.store.indexedOnDefinition(definitionKey),
      this.deps.store.pausedSince(definitionKey),
    ]);
    const regions = new Map<string, RolloutRegion>();
    const regionOf = (region: string): RolloutRegion => {
      let r = regions.get(region);
      if (!r) {
        r = {
          region,
          ...(pointers[region] ? { latestVersion: pointers[region] } : {}),
          counts: { rolled: 0, soaking: 0, pending: 0, failed: 0, held: 0 },
          groups: [],
        };
        regions.set(region, r);
      }
      return r;
    };
    for (const region of Object.keys(pointers)) regionOf(region);
    // The caller's subscriptions the index names for each region's latest: their groups on it, one query each.
    for (const on of indexed) {
      const mine = on.subscriptionIds.filter((id) => caller.subscriptionIds.includes(id));
      for (const { found } of await groupsOnIndexed(this.deps.jobs, on, mine)) {
        for (const { group: g } of found.values()) {
          if (g.latestOf !== on.latestOf) continue;
          const row = await this.groupState(g, pointers, pausedSince !== undefined);
          const r = regionOf(g.region);
          r.counts[row.state]++;
          r.groups.push(row);
        }
      }
    }
    return {
      imageDefinitionId: image.id,
      paused: pausedSince !== undefined,
      regions: [...regions.values()].sort((a, b) => a.region.localeCompare(b.region)),
    };
  }

  /**
   * The newest roll of a group to a version (a group recalled back to a version it rolled to before
   * has several): the one after the newest recorded in the group's partition, if queued or running
   * (recorded only under its id until it finishes), else that newest one.
   */
  private async newestRollTo(g: GroupRecord, version: string): Promise<JobRecord | undefined> {
    const first = rollJobId(g.account, g.kind, g.name, version);
    const recorded = (await rollsTo(this.deps.jobs, g, first))[0];
    const scope = await this.deps.organizationOf(g.account);
    const queued = scope
      ? await this.deps.jobs.getJob(
          scope,
          recorded ? `${first}:${(rollOrdinal(first, recorded.jobId) ?? 0) + 1}` : first,
        )
      : undefined;
    return queued ?? recorded;
  }

  /** The roll of a group on latest to its region's latest that is still queued or running, if any. */
  private async unfinishedRoll(g: GroupRecord): Promise<JobRecord | undefined> {
    const definition = g.imageVersionId ? parseResourceId(g.imageVersionId) : undefined;
    if (!g.latestOf || definition?.level !== 'version') return undefined;
    const latest = (
      await this.deps.events.pointers(this.deps.catalog.versions, imageKey(imageRef(definition, definition.image)))
    )[g.region];
    if (latest === undefined) return undefined;
    const job = await this.newestRollTo(g, latest);
    return job && (job.status === 'queued' || job.status === 'running') ? job : undefined;
  }

  private async groupState(g: GroupRecord, pointers: LatestPointers, definitionPaused: boolean): Promise<RolloutGroup> {
    const version = versionNameOf(g.imageVersionId);
    const base = {
      account: g.account,
      kind: g.kind,
      name: g.name,
      ...(version ? { version } : {}),
      ...(g.deployment ? { deployment: deploymentView(g.deployment) } : {}),
    };
    const latest = pointers[g.region];
    if (latest === undefined || (version !== undefined && compareVersions(version, latest) === 0)) {
      // The roll that brought it there, when it came by a roll.
      const by = g.lastRoll && versionNameOf(g.lastRoll.toVersionId) === version ? { rollJobId: g.lastRoll.jobId } : {};
      return { ...base, state: 'rolled', ...by };
    }
    const job = await this.newestRollTo(g, latest);
    // A roll to the version that succeeded, with the group no longer on it, is an earlier roll: the group has moved since.
    if (job && job.status !== 'succeeded') {
      const jobId = job.jobId;
      const soaking =
        job.status === 'queued' && job.notBefore !== undefined && Date.parse(job.notBefore) > this.now().getTime();
      const state: RolloutState = soaking
        ? 'soaking'
        : job.status === 'failed' || job.status === 'deadLettered'
          ? 'failed'
          : 'pending';
      return {
        ...base,
        state,
        rollJobId: jobId,
        ...(job.notBefore ? { notBefore: job.notBefore } : {}),
        ...(state === 'failed' ? { errors: job.errors } : {}),
        ...(job.apply ? { apply: job.apply } : {}),
      };
    }
    const policy = policyOf(g);
    const heldBy = [
      !policy.enabled && ('disabled' as const),
      policy.paused && ('paused' as const),
      definitionPaused && ('definitionPaused' as const),
    ].filter((x) => x !== false);
    return { ...base, state: heldBy.length > 0 ? 'held' : 'pending', ...(heldBy.length > 0 ? { heldBy } : {}) };
  }
}

/** An applied group in the rollout: where it is, and how many of its VMs run each image version. */
function deploymentView(d: Deployment): NonNullable<RolloutGroup['deployment']> {
  const counts = new Map<string, number>();
  for (const i of d.instances ?? []) {
    const v = versionNameOf(i.imageVersionId) ?? 'unknown';
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const instancesOn = [...counts]
    .map(([version, count]) => ({ version, count }))
    .sort((a, b) =>
      a.version === 'unknown' ? 1 : b.version === 'unknown' ? -1 : compareVersions(b.version, a.version),
    );
  return {
    target: d.target,
    resourceId: d.resourceId,
    provisioningState: d.provisioningState,
    instancesOn,
    ...(d.spotDeployment ? { spotDeployment: d.spotDeployment } : {}),
  };
}

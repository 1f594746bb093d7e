/**
 * Read models of auto-roll: a group's roll history, and the rollout of an image definition — per
 * region, the latest version and which groups run which version: `rolled` (on latest), `soaking`
 * (its roll job waits for its scheduled time), `pending` (queued or running, or not yet queued),
 * `failed` (its roll job failed: the group stays on its version), `held` (auto-roll disabled or
 * paused for the group or the definition). Only the groups of the accounts the caller acts for are
 * shown.
 */
import type { Caller } from '../domain/visibility.js';
import { imageRef, parseResourceId, type ImageRef } from '../domain/ids.js';
import { imageKey } from '../catalog/keys.js';
import type { CatalogLookups } from '../lookups/lookups.js';
import type { GroupRecord, JobRecord, JobScope, JobStore } from '../jobs/store.js';
import type { CatalogStore } from '../catalog/store.js';
import { rollOrdinal, type LatestPointers } from '../domain/reaction.js';
import type { VersionEvents } from '../events/version-events.js';
import { compareVersions } from '../domain/versions.js';
import { policyOf, rollJobId, rollJobPrefix, rollsTo, versionNameOf } from './autoroll.js';
import type { AutoRollStore } from './store.js';

export type RolloutState = 'rolled' | 'soaking' | 'pending' | 'failed' | 'held';

export interface RollView {
  jobId: string;
  toVersion: string;
  status: JobRecord['status'];
  submittedAt?: string;
  notBefore?: string;
  finishedAt?: string;
  resolvedImageVersionId?: string;
  errors: JobRecord['errors'];
}

export interface RolloutGroup {
  account: string;
  kind: string;
  name: string;
  version?: string;
  state: RolloutState;
  rollJobId?: string;
  notBefore?: string;
  /** A failed roll's errors (code and message). */
  errors?: JobRecord['errors'];
  /** Why a held group does not roll: its auto-roll is off, the group is paused, the definition is paused. */
  heldBy?: ('disabled' | 'paused' | 'definitionPaused')[];
}

export interface RolloutRegion {
  region: string;
  latestVersion?: string;
  counts: Record<RolloutState, number>;
  groups: RolloutGroup[];
}

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
  async rolls(subscriptionId: string, kind: string, name: string): Promise<{ group: Pick<GroupRecord, 'account' | 'kind' | 'name' | 'region'> & Partial<GroupRecord>; rolls: RollView[] } | undefined> {
    const found = await this.deps.jobs.getGroup(subscriptionId, kind, name);
    if (!found) return undefined;
    const g = found.group;
    const jobs = await this.deps.jobs.jobsWithPrefix(subscriptionId, rollJobPrefix(g.account, g.kind, g.name));
    const rolls = jobs.map(rollView).sort((a, b) => whenOf(b).localeCompare(whenOf(a)) || compareVersions(b.toVersion, a.toVersion) || rollRank(b) - rollRank(a));
    // A roll still queued or running is recorded only under its id: the one to the region's latest, first.
    const pending = await this.unfinishedRoll(g);
    if (pending && !rolls.some((r) => r.jobId === pending.jobId)) rolls.unshift(rollView(pending));
    return {
      group: { account: g.account, kind: g.kind, name: g.name, region: g.region, ...(g.imageVersionId ? { imageVersionId: g.imageVersionId } : {}), autoRoll: policyOf(g), ...(g.lastRoll ? { lastRoll: g.lastRoll } : {}) },
      rolls,
    };
  }

  /** The rollout of a definition the caller sees, per region. */
  async rollout(caller: Caller, ref: ImageRef): Promise<{ imageDefinitionId: string; paused: boolean; regions: RolloutRegion[] }> {
    const image = await this.deps.lookups.image(caller, ref);
    const definitionKey = imageKey(ref);
    const [pointers, entries, pausedSince] = await Promise.all([
      this.deps.events.pointers(this.deps.catalog.versions, definitionKey),
      this.deps.store.groupsOnDefinition(definitionKey),
      this.deps.store.pausedSince(definitionKey),
    ]);
    const regions = new Map<string, RolloutRegion>();
    const regionOf = (region: string): RolloutRegion => {
      let r = regions.get(region);
      if (!r) {
        r = { region, ...(pointers[region] ? { latestVersion: pointers[region] } : {}), counts: { rolled: 0, soaking: 0, pending: 0, failed: 0, held: 0 }, groups: [] };
        regions.set(region, r);
      }
      return r;
    };
    for (const region of Object.keys(pointers)) regionOf(region);
    for (const entry of entries) {
      if (!caller.subscriptionIds.includes(entry.subscriptionId)) continue;
      const found = await this.deps.jobs.getGroup(entry.subscriptionId, entry.kind, entry.name);
      if (!found || found.group.latestOf !== entry.latestOf) continue;
      const g = found.group;
      const row = await this.groupState(g, pointers, pausedSince !== undefined);
      const r = regionOf(g.region);
      r.counts[row.state]++;
      r.groups.push(row);
    }
    return { imageDefinitionId: image.id, paused: pausedSince !== undefined, regions: [...regions.values()].sort((a, b) => a.region.localeCompare(b.region)) };
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
    const queued = scope ? await this.deps.jobs.getJob(scope, recorded ? `${first}:${(rollOrdinal(first, recorded.jobId) ?? 0) + 1}` : first) : undefined;
    return queued ?? recorded;
  }

  /** The roll of a group on latest to its region's latest that is still queued or running, if any. */
  private async unfinishedRoll(g: GroupRecord): Promise<JobRecord | undefined> {
    const definition = g.imageVersionId ? parseResourceId(g.imageVersionId) : undefined;
    if (!g.latestOf || definition?.level !== 'version') return undefined;
    const latest = (await this.deps.events.pointers(this.deps.catalog.versions, imageKey(imageRef(definition, definition.image))))[g.region];
    if (latest === undefined) return undefined;
    const job = await this.newestRollTo(g, latest);
    return job && (job.status === 'queued' || job.status === 'running') ? job : undefined;
  }

  private async groupState(g: GroupRecord, pointers: LatestPointers, definitionPaused: boolean): Promise<RolloutGroup> {
    const version = versionNameOf(g.imageVersionId);
    const base = { account: g.account, kind: g.kind, name: g.name, ...(version ? { version } : {}) };
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
      const soaking = job.status === 'queued' && job.notBefore !== undefined && Date.parse(job.notBefore) > this.now().getTime();
      const state: RolloutState = soaking ? 'soaking' : job.status === 'failed' || job.status === 'deadLettered' ? 'failed' : 'pending';
      return { ...base, state, rollJobId: jobId, ...(job.notBefore ? { notBefore: job.notBefore } : {}), ...(state === 'failed' ? { errors: job.errors } : {}) };
    }
    const policy = policyOf(g);
    const heldBy = [!policy.enabled && ('disabled' as const), policy.paused && ('paused' as const), definitionPaused && ('definitionPaused' as const)].filter((x) => x !== false);
    return { ...base, state: heldBy.length > 0 ? 'held' : 'pending', ...(heldBy.length > 0 ? { heldBy } : {}) };
  }
}

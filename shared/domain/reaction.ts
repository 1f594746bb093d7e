/**
 * What a catalog change means downstream: which version `latest` is in each region after a write
 * (the stored per-region pointers compared with the newly computed ones), and the domain events
 * that change causes. Pure: no I/O.
 *
 * - `latestWith` resolves latest per region after one version changed, from the newest eligible
 *   other version (the stored eligibility flags, computed by `deployability` when each version was
 *   written) and the changed version's own `deployability`, so the exclude rule flows through.
 * - `latestChanges` compares the stored pointers with the new ones: one change per region whose
 *   latest moved, with its cause — a newer version became ready (`newVersionReady`), the previous
 *   latest was excluded (`versionExcluded`), deleted (`versionDeleted`), failed to replicate there
 *   (`replicationFailed`), or stopped being deployable there otherwise (`versionNotDeployable`:
 *   provisioning state changed, region no longer targeted).
 * - `readyRegions` lists the regions where a version became deployable with this write.
 * - Auto-roll gating (`rollDecision`) decides, for one group and one LatestVersionChanged, whether
 *   the group gets a roll job and when (soak), or why not; `rollJobChoice` which roll job id a
 *   change calls for, given the roll jobs the group already has to the target version.
 */
import type { RollDeployment } from './apply.js';
import { deployability } from './latest.js';
import type { ImageVersionRecord } from './records.js';
import { compareVersions } from './versions.js';

/** Latest version name per normalised region (regions with no latest are absent). */
export type LatestPointers = Readonly<Record<string, string>>;

export type LatestCause =
  'newVersionReady' | 'versionExcluded' | 'versionDeleted' | 'replicationFailed' | 'versionNotDeployable';

export interface LatestChange {
  readonly region: string;
  readonly previousVersion?: string;
  readonly newVersion?: string;
  readonly cause: LatestCause;
}

/**
 * Latest per region when one version changed: the newest eligible among the other versions
 * (`others`, read from the stored eligibility flags, which `deployability` computed when each was
 * written) and the changed version itself (`changed`; undefined when it was deleted).
 */
export function latestWith(
  others: LatestPointers,
  changed: ImageVersionRecord | undefined,
  regions: readonly string[],
  now: Date,
): LatestPointers {
  const out: Record<string, string> = {};
  for (const region of regions) {
    let best = others[region];
    if (
      changed &&
      deployability(changed, region, { now }).eligibleForLatest &&
      (best === undefined || compareVersions(changed.ref.version, best) > 0)
    )
      best = changed.ref.version;
    if (best !== undefined) out[region] = best;
  }
  return out;
}

/**
 * The regions whose latest changed between `previous` and `next`, with the cause. `versions` are
 * the live versions after the change (a deleted version is absent).
 */
export function latestChanges(
  previous: LatestPointers,
  next: LatestPointers,
  versions: readonly ImageVersionRecord[],
  now: Date,
): LatestChange[] {
  const out: LatestChange[] = [];
  const regions = [...new Set([...Object.keys(previous), ...Object.keys(next)])].sort();
  for (const region of regions) {
    const before = previous[region];
    const after = next[region];
    if (before === after) continue;
    const base = {
      region,
      ...(before !== undefined ? { previousVersion: before } : {}),
      ...(after !== undefined ? { newVersion: after } : {}),
    };
    if (before === undefined || (after !== undefined && compareVersions(after, before) > 0)) {
      out.push({ ...base, cause: 'newVersionReady' });
      continue;
    }
    out.push({ ...base, cause: whyNotLatest(before, region, versions, now) });
  }
  return out;
}

function whyNotLatest(
  version: string,
  region: string,
  versions: readonly ImageVersionRecord[],
  now: Date,
): LatestCause {
  const record = versions.find((v) => compareVersions(v.ref.version, version) === 0);
  if (!record) return 'versionDeleted';
  const codes = deployability(record, region, { now }).reasons.map((r) => r.code);
  if (codes.includes('excluded-global') || codes.includes('excluded-regional')) return 'versionExcluded';
  if (codes.includes('replication-failed')) return 'replicationFailed';
  return 'versionNotDeployable';
}

/** Regions where the version is deployable now and was not before (`before` undefined: a new version). */
export function readyRegions(before: ImageVersionRecord | undefined, after: ImageVersionRecord, now: Date): string[] {
  const out: string[] = [];
  for (const t of after.targetRegions) {
    if (!deployability(after, t.region, { now }).deployable) continue;
    if (before && deployability(before, t.region, { now }).deployable) continue;
    out.push(t.region);
  }
  return out.sort();
}

/**
 * Whether a version write can change `latest` or cause an event: the version's deployability or
 * eligibility for latest changed in some region (`before` undefined: not stored before; `after`
 * undefined: deleted). A write that changes neither (a re-read, replication progress) cannot move
 * any region's latest, so it needs no look at the other versions.
 */
export function affectsReaction(
  before: ImageVersionRecord | undefined,
  after: ImageVersionRecord | undefined,
  now: Date,
): boolean {
  const regions = new Set([...(before?.targetRegions ?? []), ...(after?.targetRegions ?? [])].map((t) => t.region));
  for (const region of regions) {
    const b = before ? deployability(before, region, { now }) : undefined;
    const a = after ? deployability(after, region, { now }) : undefined;
    if (
      (b?.deployable ?? false) !== (a?.deployable ?? false) ||
      (b?.eligibleForLatest ?? false) !== (a?.eligibleForLatest ?? false)
    )
      return true;
  }
  return false;
}

// ---------------------------------------------------------------- auto-roll

export interface AutoRollPolicy {
  /** Default true for groups on latest. */
  readonly enabled: boolean;
  /** Minutes to wait after the version became latest in the region before rolling (default 0). */
  readonly soakMinutes: number;
  readonly paused: boolean;
  /** How a roll moves the VMs of an applied group (absent: Spot's defaults). */
  readonly deployment?: RollDeployment;
}

export const DEFAULT_AUTO_ROLL: AutoRollPolicy = { enabled: true, soakMinutes: 0, paused: false };

export interface RollCandidate {
  /** The group's image reference version as written in its spec (`latest` or a version name). */
  readonly specVersion: string;
  /** The group's region (normalised). */
  readonly region: string;
  /** The version the group runs now (name), if resolved. */
  readonly currentVersion?: string;
  readonly policy: AutoRollPolicy;
}

export type RollSkip =
  'pinned' | 'other-region' | 'disabled' | 'paused' | 'definition-paused' | 'already-on-version' | 'no-latest';

export type RollDecision =
  { readonly roll: true; readonly notBefore: Date } | { readonly roll: false; readonly reason: RollSkip };

/**
 * Whether a group gets a roll job for a change of latest in a region. `changedAt` is when latest
 * changed (the event time); the soak delay counts from it.
 */
export function rollDecision(
  group: RollCandidate,
  change: { region: string; newVersion?: string },
  changedAt: Date,
  definitionPaused: boolean,
): RollDecision {
  if (group.specVersion.toLowerCase() !== 'latest') return { roll: false, reason: 'pinned' };
  if (group.region !== change.region) return { roll: false, reason: 'other-region' };
  if (!group.policy.enabled) return { roll: false, reason: 'disabled' };
  if (group.policy.paused) return { roll: false, reason: 'paused' };
  if (definitionPaused) return { roll: false, reason: 'definition-paused' };
  if (change.newVersion === undefined) return { roll: false, reason: 'no-latest' };
  if (group.currentVersion !== undefined && compareVersions(group.currentVersion, change.newVersion) === 0)
    return { roll: false, reason: 'already-on-version' };
  return { roll: true, notBefore: new Date(changedAt.getTime() + group.policy.soakMinutes * 60_000) };
}

/** A roll job to one version as the choice of a roll job sees it. */
export interface ExistingRoll {
  jobId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'deadLettered';
  /** When the roll job was created, and when it started (ISO 8601; a finished job may keep only the latter). */
  submittedAt?: string;
  startedAt?: string;
}

/** What a change of latest does about a group that should roll to its new version. */
export type RollJobChoice = { kind: 'create'; jobId: string } | { kind: 'resend'; jobId: string } | { kind: 'none' };

/**
 * The rank of a roll job id among the rolls of one group to one version: 0 for `<base>`, n for
 * `<base>:<n>`; undefined for an id that is not a roll to that version.
 */
export function rollOrdinal(base: string, jobId: string): number | undefined {
  if (jobId === base) return 0;
  if (!jobId.startsWith(`${base}:`)) return undefined;
  const n = jobId.slice(base.length + 1);
  return /^[1-9][0-9]*$/.test(n) ? Number(n) : undefined;
}

/**
 * The roll job a change of latest calls for, for a group not on `target` (its rolls to `target`:
 * `existing`; `base` = `roll:<group key>:<target>`; `latestNow`: the stored latest of the group's
 * region; `changedAt`: when latest changed). No roll to the target yet: `<base>`. The newest one
 * still queued: send it again (the queue drops a duplicate); running: nothing. The target is latest
 * now and the newest roll to it either succeeded (the group was on the target and moved away since)
 * or failed before this change of latest (the target went and came back): a new roll `<base>:<n>`
 * (n = the number of earlier rolls to the target), the same id for every duplicate of this change.
 * Otherwise (a roll that failed for this very change, or a stale replay whose target is no longer
 * latest): nothing.
 */
export function rollJobChoice(
  base: string,
  target: string,
  existing: readonly ExistingRoll[],
  latestNow: string | undefined,
  changedAt?: string,
): RollJobChoice {
  const rolls = existing.flatMap((j) => {
    const n = rollOrdinal(base, j.jobId);
    return n === undefined ? [] : [{ ...j, n }];
  });
  if (rolls.length === 0) return { kind: 'create', jobId: base };
  const newest = rolls.reduce((a, b) => (b.n > a.n ? b : a));
  if (newest.status === 'queued') return { kind: 'resend', jobId: newest.jobId };
  if (newest.status === 'running') return { kind: 'none' };
  if (latestNow === undefined || compareVersions(latestNow, target) !== 0) return { kind: 'none' };
  if (newest.status !== 'succeeded') {
    const created = newest.submittedAt ?? newest.startedAt;
    const before = created !== undefined && changedAt !== undefined && Date.parse(created) < Date.parse(changedAt);
    if (!before) return { kind: 'none' };
  }
  return { kind: 'create', jobId: `${base}:${newest.n + 1}` };
}

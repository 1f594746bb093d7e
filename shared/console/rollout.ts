/**
 * What the console shows of auto-roll, computed from the API's answers without the DOM (shared by
 * the browser code and its unit tests):
 * - the answers of `GET .../images/{image}/rollout` and `GET /api/groups/{account}/{kind}/{name}/rolls`
 *   as the console reads them (a unit test keeps these shapes assignable from the API's own types);
 * - each rollout state and roll job status in words and in a tone (the colour the page gives it);
 * - the detail of a group's row: soak time left, failure codes, why it is held;
 * - a group's policy and last roll in words.
 */

// ---------------------------------------------------------------- API shapes (the fields read)

export type RolloutStateView = 'rolled' | 'soaking' | 'pending' | 'failed' | 'held';
export type HeldReason = 'disabled' | 'paused' | 'definitionPaused';

export interface ProblemView {
  code?: string;
  message: string;
}

export interface RolloutGroupView {
  account: string;
  kind: string;
  name: string;
  version?: string;
  state: RolloutStateView;
  rollJobId?: string;
  notBefore?: string;
  errors?: readonly ProblemView[];
  heldBy?: readonly HeldReason[];
  /** An applied group: where it is deployed and the VMs on each image. */
  deployment?: DeploymentView;
  /** A pending or failed roll job's apply. */
  apply?: JobApplyView;
}

export type ApplyPhaseView = 'sending' | 'waiting' | 'blocked' | 'succeeded' | 'failed';

export interface JobApplyView {
  phase: ApplyPhaseView;
  step: number;
  steps: number;
  attempt: number;
  resourceId?: string;
  nextCheckAt?: string;
  blockedBy?: string;
  lastFailure?: string;
}

export interface DeploymentView {
  target: 'azure' | 'spot';
  resourceId: string;
  provisioningState: string;
  instancesOn: readonly { version: string; count: number }[];
}

export interface RolloutRegionView {
  region: string;
  latestVersion?: string;
  counts: Record<RolloutStateView, number>;
  groups: readonly RolloutGroupView[];
}

export interface RolloutView {
  imageDefinitionId: string;
  paused: boolean;
  regions: readonly RolloutRegionView[];
}

export interface RollJobView {
  jobId: string;
  toVersion: string;
  status: string;
  submittedAt?: string;
  notBefore?: string;
  finishedAt?: string;
  errors: readonly ProblemView[];
}

export interface GroupRollsView {
  group: {
    account: string;
    kind: string;
    name: string;
    region: string;
    imageVersionId?: string;
    autoRoll?: { enabled: boolean; soakMinutes: number; paused: boolean };
    lastRoll?: { fromVersionId?: string; toVersionId: string; at: string; jobId: string };
  };
  rolls: readonly RollJobView[];
}

// ---------------------------------------------------------------- words and tones

/** The page's colour classes (`cell-<tone>`), each with its text colour at WCAG AA on its background. */
export type Tone = 'ok' | 'progress' | 'failed' | 'unknown' | 'held';

export const STATE_TEXT: Record<RolloutStateView, string> = {
  rolled: 'Rolled',
  soaking: 'Soaking',
  pending: 'Pending',
  failed: 'Roll failed',
  held: 'Held',
};

export const STATE_TONE: Record<RolloutStateView, Tone> = {
  rolled: 'ok',
  soaking: 'progress',
  pending: 'unknown',
  failed: 'failed',
  held: 'held',
};

/** The order of the states in a region's summary and of its groups: what needs attention first. */
export const STATE_ORDER: readonly RolloutStateView[] = ['failed', 'held', 'soaking', 'pending', 'rolled'];

export const HELD_TEXT: Record<HeldReason, string> = {
  disabled: 'auto-roll is off for the group',
  paused: 'the group is paused',
  definitionPaused: "the image definition's auto-roll is paused",
};

const JOB_STATUS: Record<string, { text: string; tone: Tone }> = {
  queued: { text: 'Queued', tone: 'unknown' },
  running: { text: 'Running', tone: 'progress' },
  succeeded: { text: 'Succeeded', tone: 'ok' },
  failed: { text: 'Failed', tone: 'failed' },
  deadLettered: { text: 'Dead-lettered', tone: 'failed' },
};

export function jobStatusText(status: string): string {
  return JOB_STATUS[status]?.text ?? status;
}
export function jobStatusTone(status: string): Tone {
  return JOB_STATUS[status]?.tone ?? 'unknown';
}

/** "3 rolled, 1 failed" in attention order, states with no group left out; "no group on latest" when empty. */
export function countsText(counts: Record<RolloutStateView, number>): string {
  const parts = STATE_ORDER.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length === 0 ? 'no group on latest' : parts.join(', ');
}

/** The groups of a region, what needs attention first, then by name. */
export function sortedGroups(groups: readonly RolloutGroupView[]): RolloutGroupView[] {
  const rank = (g: RolloutGroupView): number => STATE_ORDER.indexOf(g.state);
  return [...groups].sort(
    (a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.account.localeCompare(b.account),
  );
}

/** A duration in words, rounded up to the minute: "45 s" under a minute, "12 min", "2 h 5 min", "1 d 3 h". */
export function durationText(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.ceil(ms / 1000))} s`;
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** "2026-12-01 22:40 UTC" */
export function timeText(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The soak of a soaking group: time left and when it ends; "soak over, starting" once past. */
export function soakText(notBefore: string, now: Date): string {
  const left = Date.parse(notBefore) - now.getTime();
  if (Number.isNaN(left)) return `rolls after ${notBefore}`;
  return left > 0
    ? `${durationText(left)} of soak left (rolls at ${timeText(notBefore)})`
    : `soak over at ${timeText(notBefore)}: the roll starts`;
}

/** What the detail column says of a group, one line each. */
export function groupDetail(g: RolloutGroupView, latestVersion: string | undefined, now: Date): string[] {
  switch (g.state) {
    case 'soaking':
      return [g.notBefore ? soakText(g.notBefore, now) : 'waits for its soak time'];
    case 'failed':
      return g.errors && g.errors.length > 0
        ? g.errors.map((e) => (e.code ? `${e.code}: ${e.message}` : e.message))
        : ['the roll job failed'];
    case 'held':
      return g.heldBy && g.heldBy.length > 0
        ? [`not rolled: ${g.heldBy.map((r) => HELD_TEXT[r]).join('; ')}`]
        : ['not rolled: auto-roll is off or paused'];
    case 'pending':
      return [g.rollJobId ? `rolling to ${latestVersion ?? 'latest'}` : `to roll to ${latestVersion ?? 'latest'}`];
    case 'rolled':
      return [latestVersion === undefined ? 'no latest version in this region' : `on latest ${latestVersion}`];
  }
}

/**
 * What a group runs, and the roll under way to the region's latest: "1.10.0, rolling to 1.13.0 in
 * 12 min" while its roll soaks, "1.10.0, rolling to 1.13.0" while it is queued or running. A group
 * counts on the version it runs until its roll succeeds (the matrix and the replica advice too).
 */
export function runsText(g: RolloutGroupView, latestVersion: string | undefined, now: Date): string | undefined {
  if (g.version === undefined || latestVersion === undefined || g.state === 'rolled') return g.version;
  if (g.state === 'soaking' && g.notBefore !== undefined) {
    const left = Date.parse(g.notBefore) - now.getTime();
    if (!Number.isNaN(left))
      return `${g.version}, rolling to ${latestVersion} ${left > 0 ? `in ${durationText(left)}` : 'now'}`;
  }
  if ((g.state === 'soaking' || g.state === 'pending') && g.rollJobId !== undefined)
    return `${g.version}, rolling to ${latestVersion}`;
  return g.version;
}

/** The state in words, with why for a held group ("Held: paused"). */
export function stateText(g: RolloutGroupView): string {
  if (g.state === 'held' && g.heldBy && g.heldBy.length > 0) {
    const short: Record<HeldReason, string> = {
      disabled: 'auto-roll off',
      paused: 'paused',
      definitionPaused: 'definition paused',
    };
    return `Held: ${g.heldBy.map((r) => short[r]).join(', ')}`;
  }
  return STATE_TEXT[g.state];
}

/** The version name at the end of an image version's ARM id. */
export function versionName(versionId: string | undefined): string | undefined {
  if (!versionId) return undefined;
  const m = /\/versions\/([^/]+)$/i.exec(versionId);
  return m?.[1];
}

export function policyText(policy: GroupRollsView['group']['autoRoll']): string {
  const p = policy ?? { enabled: true, soakMinutes: 0, paused: false };
  if (!p.enabled) return 'Auto-roll off: the group keeps its version until someone updates it.';
  const soak =
    p.soakMinutes > 0
      ? `soaks ${durationText(p.soakMinutes * 60_000)} after a version becomes latest in its region`
      : 'rolls as soon as a version becomes latest in its region (no soak)';
  return p.paused
    ? `Auto-roll on but paused: it does not roll until resumed; then it ${soak}.`
    : `Auto-roll on: ${soak}.`;
}

export function lastRollText(last: GroupRollsView['group']['lastRoll']): string {
  if (!last) return 'No roll yet.';
  const from = versionName(last.fromVersionId) ?? 'an unknown version';
  return `${from} → ${versionName(last.toVersionId) ?? last.toVersionId} at ${timeText(last.at)}`;
}

// ---------------------------------------------------------------- a roll job on the job page

/** A roll job's id read back (`roll:<group key>:<version>`, `…:<n>` for a later roll to the same version). */
export interface RollJobId {
  toVersion: string;
  /** 0 for the group's first roll to the version; n for `…:<n>`. */
  ordinal: number;
}

export function rollOfJob(jobId: string): RollJobId | undefined {
  const m = /^roll:[0-9a-f]{16}:([^:]+)(?::([1-9][0-9]*))?$/.exec(jobId);
  if (!m || m[1] === undefined) return undefined;
  return { toVersion: m[1], ordinal: m[2] === undefined ? 0 : Number(m[2]) };
}

const KIND_WORDS: Record<string, string> = { statelessGroup: 'stateless group', statefulNode: 'stateful node' };

/**
 * Which roll a roll job is, in words: "Auto-roll of stateless group web-a (act-5c6d7e8f) from
 * 1.10.0 to 1.13.0, soaking until 2026-12-01 22:40 UTC" (once that time has passed: "soak over at
 * …: the roll starts"). The version it rolls from is the one its
 * group ran before it (`lastRoll` when this job was the group's last roll; the group's version
 * while the job has not run).
 */
export function rollText(
  roll: RollJobId,
  job: { jobId: string; status: string; account?: string; group?: { kind: string; name: string }; notBefore?: string },
  group: Pick<GroupRollsView['group'], 'imageVersionId' | 'lastRoll'> | undefined,
  now: Date,
): string {
  const unfinished = job.status === 'queued' || job.status === 'running';
  const from =
    group?.lastRoll?.jobId === job.jobId
      ? versionName(group.lastRoll.fromVersionId)
      : unfinished
        ? versionName(group?.imageVersionId)
        : undefined;
  const who = job.group
    ? `${KIND_WORDS[job.group.kind] ?? job.group.kind} ${job.group.name}${job.account ? ` (${job.account})` : ''}`
    : 'a group';
  const again = roll.ordinal > 0 ? ` (its roll ${roll.ordinal + 1} to ${roll.toVersion}: latest came back to it)` : '';
  const soak =
    job.status !== 'queued' || job.notBefore === undefined
      ? ''
      : Date.parse(job.notBefore) > now.getTime()
        ? `, soaking until ${timeText(job.notBefore)}`
        : `, soak over at ${timeText(job.notBefore)}: the roll starts`;
  return `Auto-roll of ${who}${from ? ` from ${from}` : ''} to ${roll.toVersion}${again}${soak}`;
}

/** The console's address of a job on the job page. */
export function jobHash(jobId: string): string {
  return `#/jobs/${encodeURIComponent(jobId)}`;
}

/** The job id of a job page address, if it names one. */
export function parseJobHash(hash: string): string | undefined {
  const m = /^#\/?jobs\/([^/]+)$/.exec(hash);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] ?? '') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether an image version can be deployed in a region, and which version "latest" resolves to.
 *
 * A version is deployable in a region when its provisioning succeeded, it targets the region, and
 * its replication there completed. It is eligible for latest when it is deployable and not excluded
 * from latest there: excluded when the version's global `publishingProfile.excludeFromLatest` is
 * true OR the region's own target-region entry has `excludeFromLatest: true`. A regional `false`
 * never re-admits a globally excluded version: ARM echoes `excludeFromLatest: false` on every
 * target-region entry by default (GalleryImageVersion_Get_WithVhdAsSource.json, GalleryRP stable
 * 2023-07-03, Azure/azure-rest-api-specs), so it is no decision. Exclusion only affects
 * latest, never a version asked for explicitly. End-of-life dates (the version's, or else the image
 * definition's default) and shallow replication are warnings: they never block.
 */
import { z } from 'zod';
import type { ImageDefinitionRecord, ImageVersionRecord } from './records.js';
import { normalizeRegion } from './regions.js';
import { sortNewestFirst } from './versions.js';
import type { Assert, SameShape } from './schemas.js';

/**
 * The version of the rule that decides the stored per-region flags (`E_<region>`, `D_<region>`).
 * Rows written under an older rule carry a lower (or no) `flagRules` and are rewritten from their
 * stored record by the reconcile (no ARM read). 2: a regional `excludeFromLatest: false` no longer
 * re-admits a globally excluded version.
 */
export const FLAG_RULES_VERSION = 2;

const BLOCKING_CODES = [
  'provisioning-failed',
  'provisioning-in-progress',
  'provisioning-unknown',
  'not-targeted',
  'replication-in-progress',
  'replication-failed',
] as const;
const EXCLUSION_CODES = ['excluded-regional', 'excluded-global'] as const;
const WARNING_CODES = ['end-of-life', 'shallow-replication'] as const;
/** Reasons that make a version undeployable in a region. */
export type BlockingCode = (typeof BLOCKING_CODES)[number];
/** Reasons that keep a deployable version out of "latest". */
export type ExclusionCode = (typeof EXCLUSION_CODES)[number];
/** Informational: never block. */
export type WarningCode = (typeof WARNING_CODES)[number];
export type ReasonCode = BlockingCode | ExclusionCode | WarningCode;

export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
}

export const reasonSchema = z.strictObject({
  code: z.enum([...BLOCKING_CODES, ...EXCLUSION_CODES, ...WARNING_CODES]),
  message: z.string(),
});
type _ReasonChecked = Assert<SameShape<Reason, z.infer<typeof reasonSchema>>>;

export interface Deployability {
  /** The normalised region asked about. */
  readonly region: string;
  readonly deployable: boolean;
  readonly eligibleForLatest: boolean;
  /** Blocking and exclusion reasons (empty when eligible for latest). */
  readonly reasons: readonly Reason[];
  readonly warnings: readonly Reason[];
}

export interface DeployabilityOptions {
  /** Defaults to the current time; only used for end-of-life warnings. */
  readonly now?: Date;
  /** The version's image definition, for its default end-of-life date. */
  readonly image?: ImageDefinitionRecord;
}

const IN_PROGRESS_PROVISIONING = new Set(['creating', 'updating', 'migrating', 'deleting']);
const BLOCKING: ReadonlySet<ReasonCode> = new Set<BlockingCode>(BLOCKING_CODES);

export function isBlocking(code: ReasonCode): code is BlockingCode {
  return BLOCKING.has(code);
}

export function deployability(
  version: ImageVersionRecord,
  region: string,
  opts: DeployabilityOptions = {},
): Deployability {
  const where = normalizeRegion(region);
  const name = version.ref.version;
  const reasons: Reason[] = [];
  const warnings: Reason[] = [];

  const state = version.provisioningState;
  const lowerState = state.toLowerCase();
  if (lowerState === 'failed') {
    reasons.push({ code: 'provisioning-failed', message: `Version ${name} failed to provision.` });
  } else if (IN_PROGRESS_PROVISIONING.has(lowerState)) {
    reasons.push({ code: 'provisioning-in-progress', message: `Version ${name} is still provisioning (${state}).` });
  } else if (lowerState !== 'succeeded') {
    reasons.push({
      code: 'provisioning-unknown',
      message: `Version ${name} has provisioning state ${state}, not Succeeded.`,
    });
  }

  const target = version.targetRegions.find((t) => t.region === where);
  if (target === undefined) {
    const targeted = version.targetRegions.map((t) => t.region).join(', ') || 'none';
    reasons.push({
      code: 'not-targeted',
      message: `Version ${name} is not replicated to ${where || 'an unnamed region'} (target regions: ${targeted}).`,
    });
  } else {
    const shown = target.displayName || target.region;
    switch (target.replicationState) {
      case 'Completed':
        break;
      case 'Failed':
        reasons.push({
          code: 'replication-failed',
          message: `Replication of version ${name} to ${shown} failed${target.replicationDetails ? `: ${target.replicationDetails}` : '.'}`,
        });
        break;
      case 'Replicating':
        reasons.push({
          code: 'replication-in-progress',
          message: `Version ${name} is still replicating to ${shown}${target.progress === undefined ? '' : ` (${target.progress}%)`}.`,
        });
        break;
      case 'Unknown':
        reasons.push({
          code: 'replication-in-progress',
          message: version.replicationStatusReported
            ? `Replication state of version ${name} in ${shown} is unknown.`
            : `Replication state of version ${name} in ${shown} was not reported (read without $expand=ReplicationStatus).`,
        });
        break;
    }
  }
  const deployable = reasons.length === 0;

  if (version.excludeFromLatest) {
    reasons.push({ code: 'excluded-global', message: `Version ${name} is excluded from latest.` });
  }
  if (target?.excludeFromLatest === true) {
    reasons.push({
      code: 'excluded-regional',
      message: `Version ${name} is excluded from latest in ${target.displayName || where}.`,
    });
  }

  const now = (opts.now ?? new Date()).getTime();
  const eol = version.endOfLifeDate ?? opts.image?.endOfLifeDate;
  if (eol !== undefined && Date.parse(eol) <= now) {
    const whose =
      version.endOfLifeDate === undefined ? `its image definition's end-of-life date` : 'its end-of-life date';
    warnings.push({
      code: 'end-of-life',
      message: `Version ${name} is past ${whose} (${eol}); it can still be deployed.`,
    });
  }
  if (version.replicationMode === 'Shallow') {
    warnings.push({
      code: 'shallow-replication',
      message: `Version ${name} uses shallow replication: not suited to deploying many VMs at once.`,
    });
  }

  return { region: where, deployable, eligibleForLatest: reasons.length === 0, reasons, warnings };
}

export interface PassedOver {
  readonly version: string;
  readonly reasons: readonly Reason[];
}

export interface LatestResult {
  /** The highest version deployable and eligible for latest in the region, if any. */
  readonly version?: ImageVersionRecord;
  /** The chosen version's warnings (empty when none was chosen). */
  readonly warnings: readonly Reason[];
  /** Every higher version skipped, newest first, with its reasons (all versions when none qualifies). */
  readonly passedOver: readonly PassedOver[];
}

/** Resolves "latest" for a region: the highest numeric version that is deployable and eligible there. */
export function latestVersion(
  versions: readonly ImageVersionRecord[],
  region: string,
  opts: DeployabilityOptions = {},
): LatestResult {
  const now = opts.now ?? new Date();
  const options: DeployabilityOptions = { ...opts, now };
  const passedOver: PassedOver[] = [];
  for (const version of sortNewestFirst(versions, (v) => v.ref.version)) {
    const d = deployability(version, region, options);
    if (d.eligibleForLatest) return { version, warnings: d.warnings, passedOver };
    passedOver.push({ version: version.ref.version, reasons: d.reasons });
  }
  return { warnings: [], passedOver };
}

/**
 * True while the version is not settled, so the catalog should re-read it later: provisioning not
 * finished (Creating, Updating, Migrating, Deleting, or no state reported), or provisioning
 * succeeded but a targeted region is still replicating or in an unknown state (including a
 * replication status that was not reported). Failed provisioning is settled: a later change to the
 * version raises a new event.
 */
export function needsRecheck(version: ImageVersionRecord): boolean {
  const state = version.provisioningState.toLowerCase();
  if (state === 'failed') return false;
  if (state !== 'succeeded') return true;
  return version.targetRegions.some((t) => t.replicationState === 'Replicating' || t.replicationState === 'Unknown');
}

/**
 * Replica guidance and replica cost for image versions (Azure Compute Gallery best practices and
 * billing, "Store and share resources in an Azure Compute Gallery"):
 * - one replica per 20 VMs created concurrently; one replica per scale set created concurrently;
 * - at least 3 replicas for production images;
 * - at most 50 replicas per region (100 per version is the hard limit);
 * - shallow replication is not for deploying many VMs at once (more than 20 here);
 * - each replica is a snapshot billed on the image's occupied size: size × replicas × regions,
 *   plus network egress for the first copy to each region other than the source.
 *
 * Decisions the documents leave open:
 * - The rules are independent minimums and the largest one wins; they are not added up. The
 *   documents' own example (120 VMs created concurrently → at least 6 replicas) is given for scale
 *   sets of up to 1,000 instances, which a sum would turn into 7.
 * - Demand: a stateless group may create up to its maximum capacity at once (a first deployment,
 *   a roll that replaces every VM, a scale-out to maximum), so its concurrent VMs are
 *   ceil(maximum × burst factor) with the burst factor a setting in (0, 1], 1 by default; its
 *   target is reported alongside. A stateful node is one VM. A group counts as one concurrent scale
 *   set when it is one (`compute.orchestrationMode` given). Every group using a version in a region
 *   is assumed to create at the same time (the worst case the rule is about).
 * - Production: a group whose launch specification carries the tag `environment` (or `env`) with
 *   the value `production` (or `prod`), keys and values in any case, in Spot's tag shape
 *   `compute.launchSpecification.tags: [{ tagKey, tagValue }]`.
 *
 * Pure: no I/O.
 */
import { z } from 'zod';
import type { ImageVersionRecord, ReplicationMode } from './records.js';
import type { Assert, SameShape } from './schemas.js';
import { normalizeRegion } from './regions.js';

export const VMS_PER_REPLICA = 20;
export const PRODUCTION_MIN_REPLICAS = 3;
export const MAX_REPLICAS_PER_REGION = 50;
export const SHALLOW_MAX_CONCURRENT_VMS = 20;
export const DEFAULT_BURST_FACTOR = 1;
/** Tag keys and values (compared case-insensitively) that mark a group as production. */
export const PRODUCTION_TAG_KEYS: readonly string[] = ['environment', 'env'];
export const PRODUCTION_TAG_VALUES: readonly string[] = ['production', 'prod'];

// ---------------------------------------------------------------- rules

export type ReplicaRuleCode =
  'vms-per-replica' | 'scale-set-per-replica' | 'production-minimum' | 'at-least-one' | 'region-maximum';

/** One rule that had something to say about a region's replica count. */
export interface ReplicaRule {
  readonly code: ReplicaRuleCode;
  /** The replica count this rule asks for (for `region-maximum`: the cap). */
  readonly replicas: number;
  /** True when this rule set the recommended count. */
  readonly decisive: boolean;
  readonly reason: string;
}

export const replicaRuleSchema = z.strictObject({
  code: z.enum(['vms-per-replica', 'scale-set-per-replica', 'production-minimum', 'at-least-one', 'region-maximum']),
  replicas: z.number().int().describe('The count this rule asks for (region-maximum: the cap)'),
  decisive: z.boolean().describe('This rule set the recommended count'),
  reason: z.string(),
});
type _RuleChecked = Assert<SameShape<ReplicaRule, z.infer<typeof replicaRuleSchema>>>;

export interface ReplicaLoad {
  /** VMs created at the same time in the region from this version. */
  readonly concurrentVms: number;
  /** Scale sets created at the same time in the region from this version. */
  readonly concurrentScaleSets?: number;
  readonly production?: boolean;
}

export interface ReplicaRecommendation {
  /** Replicas the load alone needs (the larger of the VM and scale set rules; not capped). */
  readonly needed: number;
  /** The count to keep: the load's need, at least 3 for production, at least 1, at most 50. */
  readonly recommended: number;
  /** Every rule that applied, with why. */
  readonly rules: readonly ReplicaRule[];
}

/** Replicas needed by the load alone: max(ceil(vms / 20), scale sets) (not capped). */
export function replicasNeeded(concurrentVms: number, concurrentScaleSets = 0): number {
  wholeNumber('concurrentVms', concurrentVms);
  wholeNumber('concurrentScaleSets', concurrentScaleSets);
  return Math.max(Math.ceil(concurrentVms / VMS_PER_REPLICA), concurrentScaleSets);
}

/** The replica count to suggest: the load's need, at least 3 for production, at least 1, at most 50. */
export function recommendedReplicas(concurrentVms: number, concurrentScaleSets = 0, production = false): number {
  return recommendReplicas({ concurrentVms, concurrentScaleSets, production }).recommended;
}

/** The recommended count for a load, with every rule that applied and why. Throws RangeError on negative or fractional counts. */
export function recommendReplicas(load: ReplicaLoad): ReplicaRecommendation {
  const { concurrentVms, concurrentScaleSets = 0, production = false } = load;
  const needed = replicasNeeded(concurrentVms, concurrentScaleSets);
  const floor = production ? PRODUCTION_MIN_REPLICAS : 1;
  const recommended = Math.min(Math.max(needed, floor), MAX_REPLICAS_PER_REGION);
  const capped = Math.max(needed, floor) > MAX_REPLICAS_PER_REGION;
  const decisive = (n: number) => !capped && n === recommended;
  const rules: ReplicaRule[] = [];
  if (concurrentVms > 0) {
    const n = Math.ceil(concurrentVms / VMS_PER_REPLICA);
    rules.push({
      code: 'vms-per-replica',
      replicas: n,
      decisive: decisive(n),
      reason: `${plural(concurrentVms, 'VM')} may be created at once: one replica per ${VMS_PER_REPLICA} VMs created concurrently → ${n}.`,
    });
  }
  if (concurrentScaleSets > 0) {
    rules.push({
      code: 'scale-set-per-replica',
      replicas: concurrentScaleSets,
      decisive: decisive(concurrentScaleSets),
      reason: `${plural(concurrentScaleSets, 'scale set')} may be created at once: one replica per scale set created concurrently → ${concurrentScaleSets}.`,
    });
  }
  if (production) {
    rules.push({
      code: 'production-minimum',
      replicas: PRODUCTION_MIN_REPLICAS,
      decisive: decisive(PRODUCTION_MIN_REPLICAS),
      reason: `A production group uses the version here: keep at least ${PRODUCTION_MIN_REPLICAS} replicas for production images.`,
    });
  }
  if (needed === 0 && !production) {
    rules.push({
      code: 'at-least-one',
      replicas: 1,
      decisive: true,
      reason: 'No group creates VMs from the version here: a targeted region holds at least one replica.',
    });
  }
  if (capped) {
    rules.push({
      code: 'region-maximum',
      replicas: MAX_REPLICAS_PER_REGION,
      decisive: true,
      reason: `The load asks for ${needed} replicas, more than the ${MAX_REPLICAS_PER_REGION} a region supports: keep ${MAX_REPLICAS_PER_REGION} and spread the deployment over more regions or over time.`,
    });
  }
  return { needed, recommended, rules };
}

// ---------------------------------------------------------------- warnings for one region

export type ReplicaWarningCode =
  'too-few-replicas' | 'below-production-minimum' | 'above-region-maximum' | 'shallow-replication-scale';

export interface ReplicaWarning {
  readonly code: ReplicaWarningCode;
  readonly message: string;
  /** Normalised region. */
  readonly region: string;
  /** The replica count the guidance suggests for this region, where it suggests one. */
  readonly recommended?: number;
}

export const replicaWarningSchema = z.strictObject({
  code: z.enum(['too-few-replicas', 'below-production-minimum', 'above-region-maximum', 'shallow-replication-scale']),
  message: z.string(),
  region: z.string(),
  recommended: z.number().int().optional(),
});
type _WarningChecked = Assert<SameShape<ReplicaWarning, z.infer<typeof replicaWarningSchema>>>;

export interface ReplicaAdviceInput extends ReplicaLoad {
  readonly region: string;
  /** Replicas of the version in the region (its regional count, or the version's default). */
  readonly replicaCount: number;
  readonly replicationMode: ReplicationMode;
}

/** Warnings for one region; empty when the replica count follows the guidance. Throws RangeError on negative or fractional counts. */
export function replicaAdvice(input: ReplicaAdviceInput): ReplicaWarning[] {
  const { replicaCount, replicationMode, concurrentVms, concurrentScaleSets = 0, production = false } = input;
  wholeNumber('replicaCount', replicaCount);
  const region = normalizeRegion(input.region);
  const { needed, recommended } = recommendReplicas(input);
  const warnings: ReplicaWarning[] = [];
  const have = plural(replicaCount, 'replica');

  if (replicaCount < needed) {
    const load = `${plural(concurrentVms, 'concurrent VM')}${concurrentScaleSets > 0 ? ` and ${plural(concurrentScaleSets, 'concurrent scale set')}` : ''}`;
    const cap =
      needed > MAX_REPLICAS_PER_REGION
        ? ` That is more than the ${MAX_REPLICAS_PER_REGION} replicas a region supports: spread the deployment over more regions or over time.`
        : '';
    warnings.push({
      code: 'too-few-replicas',
      region,
      recommended,
      message: `${region}: ${have} for ${load}; keep at least ${needed} (one per ${VMS_PER_REPLICA} VMs, one per scale set); recommended ${recommended}.${cap}`,
    });
  }
  if (production && replicaCount < PRODUCTION_MIN_REPLICAS) {
    warnings.push({
      code: 'below-production-minimum',
      region,
      recommended,
      message: `${region}: ${have}; keep at least ${PRODUCTION_MIN_REPLICAS} for production images; recommended ${recommended}.`,
    });
  }
  if (replicaCount > MAX_REPLICAS_PER_REGION) {
    warnings.push({
      code: 'above-region-maximum',
      region,
      recommended,
      message: `${region}: ${replicaCount} replicas; at most ${MAX_REPLICAS_PER_REGION} per region are supported.`,
    });
  }
  if (replicationMode === 'Shallow' && concurrentVms > SHALLOW_MAX_CONCURRENT_VMS) {
    warnings.push({
      code: 'shallow-replication-scale',
      region,
      message: `${region}: shallow replication is for development and test, not for creating ${concurrentVms} VMs at once (more than ${SHALLOW_MAX_CONCURRENT_VMS}); use a fully replicated version.`,
    });
  }
  return warnings;
}

// ---------------------------------------------------------------- demand

export type DemandKind = 'statelessGroup' | 'statefulNode';

/** What one group (or stateful node) asks of the replicas of the version it uses. */
export interface GroupLoad {
  readonly kind: DemandKind;
  readonly name: string;
  /** Capacity maximum (a stateful node: 1). */
  readonly maximum: number;
  /** Capacity target (a stateful node: 1). */
  readonly target: number;
  /** The group is a scale set (`compute.orchestrationMode` given). */
  readonly scaleSet: boolean;
  readonly production: boolean;
}

/** The gallery version a spec names: `latest`, `Major.Minor.Patch`, or undefined for a non-gallery image. */
export type SpecVersion = { readonly latest: true } | { readonly latest: false; readonly version: string };

/** VMs a group may create at once: ceil(maximum × burst factor) for a stateless group, 1 for a stateful node. */
export function concurrentVmsOf(
  group: Pick<GroupLoad, 'kind' | 'maximum'>,
  burstFactor = DEFAULT_BURST_FACTOR,
): number {
  if (!(burstFactor > 0 && burstFactor <= 1)) throw new RangeError(`burstFactor must be in (0, 1], got ${burstFactor}`);
  if (group.kind === 'statefulNode') return 1;
  wholeNumber('maximum', group.maximum);
  // Rounded to 6 decimals first so that 80 × 0.3 is 24, not 25.
  return Math.ceil(Math.round(group.maximum * burstFactor * 1e6) / 1e6);
}

export interface RegionDemand {
  /** Normalised region. */
  readonly region: string;
  readonly statelessGroups: number;
  readonly statefulNodes: number;
  /** Sum of the groups' maximum capacity (stateful nodes count 1). */
  readonly maximumVms: number;
  /** Sum of the groups' target capacity (stateful nodes count 1). */
  readonly targetVms: number;
  /** VMs assumed created at once (burst factor applied to each group's maximum). */
  readonly concurrentVms: number;
  readonly concurrentScaleSets: number;
  /** A production group uses the version in the region. */
  readonly production: boolean;
}

export const regionDemandSchema = z.strictObject({
  region: z.string(),
  statelessGroups: z.number().int(),
  statefulNodes: z.number().int(),
  maximumVms: z.number().int(),
  targetVms: z.number().int(),
  concurrentVms: z.number().int(),
  concurrentScaleSets: z.number().int(),
  production: z.boolean(),
});
type _DemandChecked = Assert<SameShape<RegionDemand, z.infer<typeof regionDemandSchema>>>;

/** The demand of every group using a version in one region, all assumed to create at once. */
export function regionDemand(
  region: string,
  groups: readonly GroupLoad[],
  burstFactor = DEFAULT_BURST_FACTOR,
): RegionDemand {
  let statelessGroups = 0;
  let statefulNodes = 0;
  let maximumVms = 0;
  let targetVms = 0;
  let concurrentVms = 0;
  let concurrentScaleSets = 0;
  let production = false;
  for (const g of groups) {
    if (g.kind === 'statefulNode') {
      statefulNodes++;
      maximumVms++;
      targetVms++;
    } else {
      statelessGroups++;
      maximumVms += g.maximum;
      targetVms += g.target;
      if (g.scaleSet) concurrentScaleSets++;
    }
    concurrentVms += concurrentVmsOf(g, burstFactor);
    production ||= g.production;
  }
  return {
    region: normalizeRegion(region),
    statelessGroups,
    statefulNodes,
    maximumVms,
    targetVms,
    concurrentVms,
    concurrentScaleSets,
    production,
  };
}

/** True when Spot-shaped tags (`[{ tagKey, tagValue }]`) mark production (see the header). */
export function isProductionTags(tags: unknown): boolean {
  if (!Array.isArray(tags)) return false;
  return tags.some((t: unknown) => {
    if (!isObject(t)) return false;
    const key = t.tagKey;
    const value = t.tagValue;
    return (
      typeof key === 'string' &&
      typeof value === 'string' &&
      PRODUCTION_TAG_KEYS.includes(key.trim().toLowerCase()) &&
      PRODUCTION_TAG_VALUES.includes(value.trim().toLowerCase())
    );
  });
}

/**
 * Reads the load of a stored or submitted group spec (Spot's `group` or `statefulNode` object).
 * Defensive: the spec is read as plain JSON; undefined when it carries no readable name or, for a
 * stateless group, no whole-number capacity maximum and target.
 */
export function groupLoadOf(kind: string, spec: unknown): GroupLoad | undefined {
  if (!isObject(spec) || typeof spec.name !== 'string') return undefined;
  const compute = isObject(spec.compute) ? spec.compute : {};
  const launch = isObject(compute.launchSpecification) ? compute.launchSpecification : {};
  const production = isProductionTags(launch.tags);
  if (kind === 'statefulNode') return { kind, name: spec.name, maximum: 1, target: 1, scaleSet: false, production };
  if (kind !== 'statelessGroup' || !isObject(spec.capacity)) return undefined;
  const { maximum, target } = spec.capacity;
  if (!isCount(maximum) || !isCount(target)) return undefined;
  return {
    kind,
    name: spec.name,
    maximum,
    target,
    scaleSet: typeof compute.orchestrationMode === 'string',
    production,
  };
}

/** The gallery version a stored or submitted spec names (`version` for groups, `versionName` for stateful nodes). */
export function specVersionOf(kind: string, spec: unknown): SpecVersion | undefined {
  const gallery = path(spec, ['compute', 'launchSpecification', 'image', 'gallery']);
  if (!isObject(gallery)) return undefined;
  const v = kind === 'statefulNode' ? gallery.versionName : gallery.version;
  if (typeof v !== 'string') return undefined;
  return v.toLowerCase() === 'latest' ? { latest: true } : { latest: false, version: v };
}

// ---------------------------------------------------------------- cost

/** Estimated prices, in one currency: snapshot storage per GB-month by storage account type, and inter-region egress per GB. */
export interface ReplicaPrices {
  readonly currency: string;
  readonly perGBMonth: Readonly<Record<string, number>>;
  readonly egressPerGB: number;
}

/**
 * The image's size from its storage profile: the OS disk image plus every data disk image, or
 * undefined when a size is not reported. ARM reports each disk image's `sizeInGB`; snapshots are
 * billed on the occupied size, which is at most that, so estimates from it are upper bounds.
 */
export function imageSizeGB(
  v: Pick<ImageVersionRecord, 'osDiskSizeGB' | 'dataDiskCount' | 'dataDiskSizesGB'>,
): number | undefined {
  if (v.osDiskSizeGB === undefined) return undefined;
  const data = v.dataDiskSizesGB ?? [];
  if (data.length < v.dataDiskCount) return undefined;
  return data.reduce((sum, n) => sum + n, v.osDiskSizeGB);
}

export interface RegionStorageInput {
  readonly region: string;
  readonly replicas: number;
  readonly storageAccountType: string;
  /** The version's source region: its first copy costs no egress. */
  readonly source: boolean;
}

export interface RegionStorageCost {
  readonly region: string;
  readonly storageAccountType: string;
  /** One snapshot per replica. */
  readonly snapshots: number;
  /** snapshots × size. */
  readonly billedGB: number;
  /** billedGB × the storage account type's price; absent when that type has no price. */
  readonly monthly?: number;
  /** One-off egress of the first copy into the region (0 for the source region). */
  readonly egressGB: number;
  readonly egressOneOff: number;
}

export interface StorageEstimate {
  readonly sizeGB: number;
  readonly currency: string;
  readonly regions: readonly RegionStorageCost[];
  readonly snapshots: number;
  readonly billedGB: number;
  /** Sum of the regions' monthly cost; absent when a region's storage account type has no price. */
  readonly monthly?: number;
  readonly egressOneOff: number;
  /** Storage account types without a price (their regions have no monthly figure). */
  readonly unpriced: readonly string[];
}

/** Snapshot storage per month and first-copy egress for a version of `sizeGB` in the given regions. */
export function storageEstimate(
  sizeGB: number,
  regions: readonly RegionStorageInput[],
  prices: ReplicaPrices,
): StorageEstimate {
  if (!(sizeGB >= 0) || !Number.isFinite(sizeGB)) throw new RangeError(`sizeGB must be a number ≥ 0, got ${sizeGB}`);
  const costs: RegionStorageCost[] = [];
  const unpriced = new Set<string>();
  let monthly: number | undefined = 0;
  for (const r of regions) {
    wholeNumber('replicas', r.replicas);
    const billedGB = r.replicas * sizeGB;
    const price = prices.perGBMonth[r.storageAccountType];
    const egressGB = r.source ? 0 : sizeGB;
    const cost: RegionStorageCost = {
      region: normalizeRegion(r.region),
      storageAccountType: r.storageAccountType,
      snapshots: r.replicas,
      billedGB,
      ...(price === undefined ? {} : { monthly: money(billedGB * price) }),
      egressGB,
      egressOneOff: money(egressGB * prices.egressPerGB),
    };
    if (price === undefined) {
      unpriced.add(r.storageAccountType);
      monthly = undefined;
    } else if (monthly !== undefined) {
      monthly += billedGB * price;
    }
    costs.push(cost);
  }
  return {
    sizeGB,
    currency: prices.currency,
    regions: costs,
    snapshots: costs.reduce((n, c) => n + c.snapshots, 0),
    billedGB: costs.reduce((n, c) => n + c.billedGB, 0),
    ...(monthly === undefined ? {} : { monthly: money(monthly) }),
    egressOneOff: money(costs.reduce((n, c) => n + c.egressGB, 0) * prices.egressPerGB),
    unpriced: [...unpriced],
  };
}

/** Rounded to cents. */
export function money(n: number): number {
  return Math.round(n * 100) / 100;
}

// ---------------------------------------------------------------- helpers

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function wholeNumber(field: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${field} must be a whole number ≥ 0, got ${n}`);
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function path(v: unknown, keys: readonly string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

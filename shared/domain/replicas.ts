/**
 * Replica guidance for one region of an image version (Azure Compute Gallery best practices):
 * - one replica per 20 VMs created concurrently, plus one per scale set created concurrently;
 * - at least 3 replicas for production images;
 * - at most 50 replicas per region;
 * - shallow replication is not for deploying many VMs at once (more than 20 here).
 */
import type { ReplicationMode } from './records.js';
import { normalizeRegion } from './regions.js';

export const VMS_PER_REPLICA = 20;
export const PRODUCTION_MIN_REPLICAS = 3;
export const MAX_REPLICAS_PER_REGION = 50;
export const SHALLOW_MAX_CONCURRENT_VMS = 20;

export type ReplicaWarningCode = 'too-few-replicas' | 'below-production-minimum' | 'above-region-maximum' | 'shallow-replication-scale';

export interface ReplicaWarning {
  readonly code: ReplicaWarningCode;
  readonly message: string;
  /** Normalised region. */
  readonly region: string;
  /** The replica count the guidance suggests for this region, where it suggests one. */
  readonly recommended?: number;
}

export interface ReplicaAdviceInput {
  readonly region: string;
  /** Replicas of the version in the region (its regional count, or the version's default). */
  readonly replicaCount: number;
  readonly replicationMode: ReplicationMode;
  /** VMs created at the same time in the region from this version. */
  readonly concurrentVms: number;
  /** Scale sets created at the same time in the region from this version. */
  readonly concurrentScaleSets?: number;
  readonly production?: boolean;
}

/** Replicas needed by the load alone: ceil(vms / 20) + scale sets (not capped). */
export function replicasNeeded(concurrentVms: number, concurrentScaleSets = 0): number {
  wholeNumber('concurrentVms', concurrentVms);
  wholeNumber('concurrentScaleSets', concurrentScaleSets);
  return Math.ceil(concurrentVms / VMS_PER_REPLICA) + concurrentScaleSets;
}

/** The replica count to suggest: the load's need, at least 3 for production, at least 1, at most 50. */
export function recommendedReplicas(concurrentVms: number, concurrentScaleSets = 0, production = false): number {
  const need = Math.max(replicasNeeded(concurrentVms, concurrentScaleSets), production ? PRODUCTION_MIN_REPLICAS : 1);
  return Math.min(need, MAX_REPLICAS_PER_REGION);
}

/** Warnings for one region; empty when the replica count follows the guidance. Throws RangeError on negative or fractional counts. */
export function replicaAdvice(input: ReplicaAdviceInput): ReplicaWarning[] {
  const { replicaCount, replicationMode, concurrentVms, concurrentScaleSets = 0, production = false } = input;
  wholeNumber('replicaCount', replicaCount);
  const region = normalizeRegion(input.region);
  const need = replicasNeeded(concurrentVms, concurrentScaleSets);
  const recommended = recommendedReplicas(concurrentVms, concurrentScaleSets, production);
  const warnings: ReplicaWarning[] = [];

  if (replicaCount < need) {
    const load = `${concurrentVms} concurrent VM${concurrentVms === 1 ? '' : 's'}${
      concurrentScaleSets > 0 ? ` and ${concurrentScaleSets} concurrent scale set${concurrentScaleSets === 1 ? '' : 's'}` : ''
    }`;
    const cap =
      need > MAX_REPLICAS_PER_REGION
        ? ` That is more than the ${MAX_REPLICAS_PER_REGION} replicas a region supports: spread the deployment over more regions or over time.`
        : '';
    warnings.push({
      code: 'too-few-replicas',
      region,
      recommended,
      message: `${region}: ${replicaCount} replica${replicaCount === 1 ? '' : 's'} for ${load}; keep at least ${need} (one per ${VMS_PER_REPLICA} VMs and one per scale set).${cap}`,
    });
  }
  if (production && replicaCount < PRODUCTION_MIN_REPLICAS) {
    warnings.push({
      code: 'below-production-minimum',
      region,
      recommended,
      message: `${region}: ${replicaCount} replica${replicaCount === 1 ? '' : 's'}; keep at least ${PRODUCTION_MIN_REPLICAS} for production images.`,
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

function wholeNumber(field: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${field} must be a whole number ≥ 0, got ${n}`);
}

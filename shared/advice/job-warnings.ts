/**
 * The replica warnings of a group job, from the version the job resolved and the group's own body
 * (never a block: a job with only these succeeds):
 * - `too-few-replicas`: the region holds fewer replicas than the group's capacity maximum needs
 *   (ceil(maximum × burst factor) VMs at once, one replica per 20; a scale set, one more rule);
 * - `below-production-minimum`: a production group (tag convention in shared/domain/replicas.ts)
 *   on a region with fewer than 3 replicas;
 * - `shallow-replication-scale`: a shallow-replicated version for a group above 20 VMs at once.
 * Each message names the recommended count. Other groups on the same version are not read here:
 * `GET .../versions/{version}/replicas` adds them up. A region the version does not target is left
 * to the deployability rule (an error).
 */
import { concurrentVmsOf, DEFAULT_BURST_FACTOR, groupLoadOf, replicaAdvice } from '../domain/replicas.js';
import type { ImageVersionRecord } from '../domain/records.js';
import { normalizeRegion } from '../domain/regions.js';
import type { JobProblem } from '../jobs/store.js';
import { pointerOf } from '../domain/job-envelope.js';

export interface JobReplicaInput {
  readonly kind: string;
  /** The group or stateful node object of the job body. */
  readonly spec: unknown;
  readonly region: string;
  readonly version: ImageVersionRecord;
  readonly burstFactor?: number;
}

export function replicaWarningsForJob(input: JobReplicaInput): JobProblem[] {
  const region = normalizeRegion(input.region);
  const target = input.version.targetRegions.find((t) => t.region === region);
  const load = groupLoadOf(input.kind, input.spec);
  if (target === undefined || load === undefined) return [];
  const burstFactor = input.burstFactor ?? DEFAULT_BURST_FACTOR;
  const concurrentVms = concurrentVmsOf(load, burstFactor);
  const root = load.kind === 'statefulNode' ? 'body.statefulNode' : 'body.group';
  const launch = `${root}.compute.launchSpecification`;
  const capacityPath =
    load.kind === 'statefulNode' ? `${launch}.image.gallery.versionName` : `${root}.capacity.maximum`;
  const why =
    load.kind === 'statefulNode'
      ? 'A stateful node is one VM.'
      : `The group may create up to ${concurrentVms} VMs at once (capacity maximum ${load.maximum} × burst factor ${burstFactor}${load.scaleSet ? ', one scale set' : ''}).`;
  return replicaAdvice({
    region,
    replicaCount: target.replicaCount,
    replicationMode: input.version.replicationMode,
    concurrentVms,
    concurrentScaleSets: load.scaleSet ? 1 : 0,
    production: load.production,
  })
    .filter((w) => w.code !== 'above-region-maximum')
    .map((w) => ({
      pointer: pointerOf(w.code === 'below-production-minimum' ? `${launch}.tags` : capacityPath),
      code: w.code,
      message: `${w.message} ${w.code === 'below-production-minimum' ? 'The group is tagged production.' : why}`,
    }));
}

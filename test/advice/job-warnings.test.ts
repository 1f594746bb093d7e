import { describe, expect, it } from 'vitest';
import { replicaWarningsForJob } from '../../shared/advice/job-warnings.js';
import { imageVersionRecordFrom, type ImageVersionRecord } from '../../shared/domain/records.js';
import { flatVersion, loadFixture } from '../domain/arm-fixtures.js';

const version = (name: string): ImageVersionRecord => imageVersionRecordFrom(flatVersion(loadFixture(name)));
const V1_9 = version('image-version-completed.json'); // westeurope 3 replicas, eastus 2
const SHALLOW = version('image-version-shallow-eol.json'); // shallow, westeurope 1 replica

const group = (maximum: number, extra: { orchestrationMode?: string; tags?: unknown } = {}) => ({
  name: 'web',
  region: 'westeurope',
  capacity: { minimum: 0, maximum, target: Math.min(maximum, 4) },
  compute: {
    ...(extra.orchestrationMode ? { orchestrationMode: extra.orchestrationMode } : {}),
    launchSpecification: { ...(extra.tags ? { tags: extra.tags } : {}), image: { gallery: { version: 'latest' } } },
  },
});
const rows = (w: ReturnType<typeof replicaWarningsForJob>) => w.map((x) => [x.code, x.pointer]);
const PROD = [{ tagKey: 'environment', tagValue: 'production' }];

describe('replica warnings of a group job', () => {
  it("warns when the group's capacity maximum needs more replicas than its region has, with the recommended count", () => {
    expect(
      replicaWarningsForJob({ kind: 'statelessGroup', spec: group(60), region: 'westeurope', version: V1_9 }),
    ).toEqual([]);
    const w = replicaWarningsForJob({ kind: 'statelessGroup', spec: group(80), region: 'West Europe', version: V1_9 });
    expect(rows(w)).toEqual([['too-few-replicas', '/body/group/capacity/maximum']]);
    expect(w[0]?.message).toMatch(
      /westeurope: 3 replicas for 80 concurrent VMs; keep at least 4 .*recommended 4\. The group may create up to 80 VMs at once \(capacity maximum 80 × burst factor 1\)/,
    );
  });

  it('the burst factor lowers what a group creates at once', () => {
    expect(
      replicaWarningsForJob({
        kind: 'statelessGroup',
        spec: group(80),
        region: 'westeurope',
        version: V1_9,
        burstFactor: 0.5,
      }),
    ).toEqual([]);
  });

  it('a production-tagged group raises the minimum to 3 (never a block)', () => {
    const w = replicaWarningsForJob({
      kind: 'statelessGroup',
      spec: group(10, { tags: PROD }),
      region: 'eastus',
      version: V1_9,
    });
    expect(rows(w)).toEqual([['below-production-minimum', '/body/group/compute/launchSpecification/tags']]);
    expect(w[0]?.message).toMatch(/eastus: 2 replicas; keep at least 3 for production images; recommended 3/);
    expect(
      replicaWarningsForJob({
        kind: 'statelessGroup',
        spec: group(10, { tags: PROD }),
        region: 'westeurope',
        version: V1_9,
      }),
    ).toEqual([]);
  });

  it('shallow replication above 20 VMs warns', () => {
    expect(
      rows(replicaWarningsForJob({ kind: 'statelessGroup', spec: group(20), region: 'westeurope', version: SHALLOW })),
    ).toEqual([]);
    expect(
      rows(replicaWarningsForJob({ kind: 'statelessGroup', spec: group(21), region: 'westeurope', version: SHALLOW })),
    ).toEqual([
      ['too-few-replicas', '/body/group/capacity/maximum'],
      ['shallow-replication-scale', '/body/group/capacity/maximum'],
    ]);
  });

  it('a stateful node is one VM; a scale set counts its own rule; an untargeted region is left to deployability', () => {
    const node = {
      name: 'db',
      compute: { launchSpecification: { tags: PROD, image: { gallery: { versionName: '1.0.0' } } } },
    };
    expect(
      rows(replicaWarningsForJob({ kind: 'statefulNode', spec: node, region: 'westeurope', version: SHALLOW })),
    ).toEqual([['below-production-minimum', '/body/statefulNode/compute/launchSpecification/tags']]);
    expect(
      replicaWarningsForJob({
        kind: 'statelessGroup',
        spec: group(60, { orchestrationMode: 'Uniform' }),
        region: 'westeurope',
        version: V1_9,
      }),
    ).toEqual([]);
    expect(
      replicaWarningsForJob({ kind: 'statelessGroup', spec: group(1000), region: 'northeurope', version: V1_9 }),
    ).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  concurrentVmsOf,
  groupLoadOf,
  imageSizeGB,
  isProductionTags,
  MAX_REPLICAS_PER_REGION,
  recommendReplicas,
  regionDemand,
  specVersionOf,
  storageEstimate,
  type GroupLoad,
  type ReplicaPrices,
  PRODUCTION_MIN_REPLICAS,
  recommendedReplicas,
  replicaAdvice,
  replicasNeeded,
  SHALLOW_MAX_CONCURRENT_VMS,
  VMS_PER_REPLICA,
  type ReplicaAdviceInput,
  type ReplicaWarningCode,
} from '../../shared/domain/replicas.js';

const base: ReplicaAdviceInput = { region: 'westeurope', replicaCount: 1, replicationMode: 'Full', concurrentVms: 0 };
const codesOf = (input: Partial<ReplicaAdviceInput>): ReplicaWarningCode[] =>
  replicaAdvice({ ...base, ...input }).map((w) => w.code);

describe('replicasNeeded / recommendedReplicas', () => {
  it('one replica per 20 concurrent VMs, rounded up', () => {
    expect(replicasNeeded(0)).toBe(0);
    expect(replicasNeeded(1)).toBe(1);
    expect(replicasNeeded(20)).toBe(1);
    expect(replicasNeeded(21)).toBe(2);
    expect(replicasNeeded(120)).toBe(6);
    expect(replicasNeeded(1000)).toBe(50);
  });

  it('one per concurrent scale set; the larger rule wins (they are not added up)', () => {
    expect(replicasNeeded(40, 2)).toBe(2);
    expect(replicasNeeded(40, 3)).toBe(3);
    expect(replicasNeeded(0, 3)).toBe(3);
    // The documents' 120 VMs in one scale set: 6, not 7.
    expect(replicasNeeded(120, 1)).toBe(6);
  });

  it('recommends at least 1, at least 3 for production, at most 50', () => {
    expect(recommendedReplicas(0)).toBe(1);
    expect(recommendedReplicas(0, 0, true)).toBe(3);
    expect(recommendedReplicas(120, 0, true)).toBe(6);
    expect(recommendedReplicas(5000)).toBe(50);
  });

  it('rejects negative or fractional counts', () => {
    expect(() => replicasNeeded(-1)).toThrow(RangeError);
    expect(() => replicasNeeded(1.5)).toThrow(RangeError);
    expect(() => replicasNeeded(1, -1)).toThrow(RangeError);
    expect(() => replicasNeeded(Number.NaN)).toThrow(RangeError);
    expect(() => replicaAdvice({ ...base, replicaCount: -1 })).toThrow(/replicaCount/);
    expect(() => replicaAdvice({ ...base, concurrentVms: Infinity })).toThrow(/concurrentVms/);
  });
});

describe('replicaAdvice', () => {
  it('the documented example: 120 concurrent VMs want at least 6 replicas', () => {
    expect(codesOf({ replicaCount: 6, concurrentVms: 120 })).toEqual([]);
    const [w] = replicaAdvice({ ...base, replicaCount: 5, concurrentVms: 120 });
    expect(w).toMatchObject({ code: 'too-few-replicas', region: 'westeurope', recommended: 6 });
    expect(w?.message).toMatch(/5 replicas for 120 concurrent VMs; keep at least 6/);
  });

  it('counts concurrent scale sets as their own rule', () => {
    expect(codesOf({ replicaCount: 2, concurrentVms: 40, concurrentScaleSets: 2 })).toEqual([]);
    const [w] = replicaAdvice({ ...base, replicaCount: 2, concurrentVms: 40, concurrentScaleSets: 4 });
    expect(w).toMatchObject({ code: 'too-few-replicas', recommended: 4 });
    expect(w?.message).toContain('4 concurrent scale sets');
  });

  it('the 20-VM boundary', () => {
    expect(codesOf({ replicaCount: 1, concurrentVms: 20 })).toEqual([]);
    expect(codesOf({ replicaCount: 1, concurrentVms: 21 })).toEqual(['too-few-replicas']);
  });

  it('production images want at least 3 replicas', () => {
    expect(codesOf({ replicaCount: 2, production: true })).toEqual(['below-production-minimum']);
    expect(codesOf({ replicaCount: 3, production: true })).toEqual([]);
    expect(codesOf({ replicaCount: 1, production: false })).toEqual([]);
    expect(replicaAdvice({ ...base, replicaCount: 2, production: true })[0]).toMatchObject({ recommended: 3 });
  });

  it('more than 50 replicas in a region is unsupported', () => {
    expect(codesOf({ replicaCount: 50 })).toEqual([]);
    const [w] = replicaAdvice({ ...base, replicaCount: 51 });
    expect(w).toMatchObject({ code: 'above-region-maximum', recommended: 1 });
    expect(w?.message).toMatch(/at most 50 per region/);
  });

  it('1000 concurrent VMs: 50 replicas is enough; 2000 need more than a region supports', () => {
    expect(codesOf({ replicaCount: 50, concurrentVms: 1000 })).toEqual([]);
    const [w] = replicaAdvice({ ...base, replicaCount: 50, concurrentVms: 2000 });
    expect(w).toMatchObject({ code: 'too-few-replicas', recommended: 50 });
    expect(w?.message).toMatch(/keep at least 100.*more than the 50 replicas a region supports/);
  });

  it('shallow replication is not for more than 20 concurrent VMs', () => {
    expect(codesOf({ replicationMode: 'Shallow', replicaCount: 1, concurrentVms: 20 })).toEqual([]);
    expect(codesOf({ replicationMode: 'Shallow', replicaCount: 2, concurrentVms: 21 })).toEqual([
      'shallow-replication-scale',
    ]);
    expect(codesOf({ replicationMode: 'Full', replicaCount: 5, concurrentVms: 100 })).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(codesOf({ replicationMode: 'Shallow', replicaCount: 2, concurrentVms: 100, production: true })).toEqual([
      'too-few-replicas',
      'below-production-minimum',
      'shallow-replication-scale',
    ]);
  });

  it('names the region in its canonical form', () => {
    const [w] = replicaAdvice({ ...base, region: 'West Europe', replicaCount: 1, concurrentVms: 100 });
    expect(w?.region).toBe('westeurope');
    expect(w?.message).toMatch(/^westeurope: /);
  });

  it('uses singular words for one', () => {
    expect(replicaAdvice({ ...base, replicaCount: 0, concurrentVms: 1, concurrentScaleSets: 1 })[0]?.message).toMatch(
      /0 replicas for 1 concurrent VM and 1 concurrent scale set;/,
    );
  });
});

describe('properties', () => {
  const input = fc.record({
    region: fc.constantFrom('westeurope', 'East US'),
    replicaCount: fc.integer({ min: 0, max: 120 }),
    replicationMode: fc.constantFrom<'Full' | 'Shallow'>('Full', 'Shallow'),
    concurrentVms: fc.integer({ min: 0, max: 3000 }),
    concurrentScaleSets: fc.integer({ min: 0, max: 60 }),
    production: fc.boolean(),
  });

  it('warns exactly when a rule is broken', () => {
    fc.assert(
      fc.property(input, (i) => {
        const expected: ReplicaWarningCode[] = [];
        if (i.replicaCount * VMS_PER_REPLICA < i.concurrentVms || i.replicaCount < i.concurrentScaleSets) {
          expected.push('too-few-replicas');
        }
        if (i.production && i.replicaCount < PRODUCTION_MIN_REPLICAS) expected.push('below-production-minimum');
        if (i.replicaCount > MAX_REPLICAS_PER_REGION) expected.push('above-region-maximum');
        if (i.replicationMode === 'Shallow' && i.concurrentVms > SHALLOW_MAX_CONCURRENT_VMS)
          expected.push('shallow-replication-scale');
        expect(replicaAdvice(i).map((w) => w.code)).toEqual(expected);
      }),
    );
  });

  it('following the recommendation clears every count warning that can be cleared', () => {
    fc.assert(
      fc.property(input, (i) => {
        const replicaCount = recommendedReplicas(i.concurrentVms, i.concurrentScaleSets, i.production);
        expect(replicaCount).toBeGreaterThanOrEqual(1);
        expect(replicaCount).toBeLessThanOrEqual(MAX_REPLICAS_PER_REGION);
        const codes = replicaAdvice({ ...i, replicaCount }).map((w) => w.code);
        expect(codes).not.toContain('below-production-minimum');
        expect(codes).not.toContain('above-region-maximum');
        // Too few only when the load needs more than a region can hold.
        expect(codes.includes('too-few-replicas')).toBe(
          replicasNeeded(i.concurrentVms, i.concurrentScaleSets) > MAX_REPLICAS_PER_REGION,
        );
      }),
    );
  });
});

describe('recommendReplicas: every rule that applied, and why', () => {
  const codes = (r: ReturnType<typeof recommendReplicas>) => r.rules.map((x) => [x.code, x.replicas, x.decisive]);

  it('the documents: 120 VMs created at once → at least 6 replicas', () => {
    const r = recommendReplicas({ concurrentVms: 120 });
    expect(r).toMatchObject({ needed: 6, recommended: 6 });
    expect(codes(r)).toEqual([['vms-per-replica', 6, true]]);
    expect(r.rules[0]?.reason).toMatch(
      /120 VMs may be created at once: one replica per 20 VMs created concurrently → 6/,
    );
  });

  it('the documents: 1,000 VMs → 50, the regional maximum; more is capped at 50 and says so', () => {
    expect(recommendReplicas({ concurrentVms: 1000 })).toMatchObject({ needed: 50, recommended: 50 });
    const over = recommendReplicas({ concurrentVms: 1500 });
    expect(over).toMatchObject({ needed: 75, recommended: MAX_REPLICAS_PER_REGION });
    expect(codes(over)).toEqual([
      ['vms-per-replica', 75, false],
      ['region-maximum', 50, true],
    ]);
  });

  it('60 + 80 VMs in two scale sets → 7, both rules named, the VM rule decisive', () => {
    const r = recommendReplicas({ concurrentVms: 140, concurrentScaleSets: 2 });
    expect(r.recommended).toBe(7);
    expect(codes(r)).toEqual([
      ['vms-per-replica', 7, true],
      ['scale-set-per-replica', 2, false],
    ]);
  });

  it('production raises the floor to 3; no load keeps 1', () => {
    const prod = recommendReplicas({ concurrentVms: 10, production: true });
    expect(prod.recommended).toBe(3);
    expect(codes(prod)).toEqual([
      ['vms-per-replica', 1, false],
      ['production-minimum', 3, true],
    ]);
    expect(codes(recommendReplicas({ concurrentVms: 0 }))).toEqual([['at-least-one', 1, true]]);
    expect(codes(recommendReplicas({ concurrentVms: 0, production: true }))).toEqual([['production-minimum', 3, true]]);
  });

  it('a production group with 10 VMs on 1 replica is warned', () => {
    expect(codesOf({ replicaCount: 1, concurrentVms: 10, production: true })).toEqual(['below-production-minimum']);
    expect(replicaAdvice({ ...base, replicaCount: 1, concurrentVms: 10, production: true })[0]?.message).toMatch(
      /recommended 3/,
    );
  });

  it('every recommendation names at least one decisive rule', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 80 }),
        fc.boolean(),
        (vms, sets, production) => {
          const r = recommendReplicas({ concurrentVms: vms, concurrentScaleSets: sets, production });
          expect(r.rules.some((x) => x.decisive)).toBe(true);
          for (const x of r.rules.filter((y) => y.decisive)) expect(x.replicas).toBe(r.recommended);
        },
      ),
    );
  });
});

describe('demand', () => {
  const group = (over: Partial<GroupLoad> = {}): GroupLoad => ({
    kind: 'statelessGroup',
    name: 'g',
    maximum: 80,
    target: 60,
    scaleSet: false,
    production: false,
    ...over,
  });

  it('a group may create up to its maximum at once; the burst factor scales it, rounded up', () => {
    expect(concurrentVmsOf(group())).toBe(80);
    expect(concurrentVmsOf(group(), 0.5)).toBe(40);
    expect(concurrentVmsOf(group(), 0.3)).toBe(24); // not 25 from 24.000000000000004
    expect(concurrentVmsOf(group({ maximum: 7 }), 0.5)).toBe(4);
    expect(concurrentVmsOf({ kind: 'statefulNode', maximum: 1 }, 0.1)).toBe(1);
    expect(() => concurrentVmsOf(group(), 0)).toThrow(RangeError);
    expect(() => concurrentVmsOf(group(), 1.5)).toThrow(RangeError);
  });

  it('sums the groups of a region; stateful nodes count 1 each', () => {
    const d = regionDemand('West Europe', [
      group({ maximum: 60, target: 40, scaleSet: true }),
      group({ maximum: 80, target: 60, scaleSet: true }),
      { kind: 'statefulNode', name: 'n', maximum: 1, target: 1, scaleSet: false, production: true },
    ]);
    expect(d).toEqual({
      region: 'westeurope',
      statelessGroups: 2,
      statefulNodes: 1,
      maximumVms: 141,
      targetVms: 101,
      concurrentVms: 141,
      concurrentScaleSets: 2,
      production: true,
    });
    expect(regionDemand('eastus', [])).toMatchObject({ concurrentVms: 0, production: false });
  });

  it('reads Spot-shaped specs: capacity, orchestration mode, production tags, the gallery version', () => {
    const spec = {
      name: 'web',
      capacity: { minimum: 2, maximum: 80, target: 60 },
      compute: {
        orchestrationMode: 'Uniform',
        launchSpecification: {
          tags: [{ tagKey: 'Environment', tagValue: 'Production' }],
          image: { gallery: { version: 'latest' } },
        },
      },
    };
    expect(groupLoadOf('statelessGroup', spec)).toEqual({
      kind: 'statelessGroup',
      name: 'web',
      maximum: 80,
      target: 60,
      scaleSet: true,
      production: true,
    });
    expect(specVersionOf('statelessGroup', spec)).toEqual({ latest: true });
    const node = { name: 'db', compute: { launchSpecification: { image: { gallery: { versionName: '1.9.0' } } } } };
    expect(groupLoadOf('statefulNode', node)).toEqual({
      kind: 'statefulNode',
      name: 'db',
      maximum: 1,
      target: 1,
      scaleSet: false,
      production: false,
    });
    expect(specVersionOf('statefulNode', node)).toEqual({ latest: false, version: '1.9.0' });
    expect(
      specVersionOf('statelessGroup', { compute: { launchSpecification: { image: { marketplace: {} } } } }),
    ).toBeUndefined();
    expect(groupLoadOf('statelessGroup', { name: 'x', capacity: { maximum: -1, target: 0 } })).toBeUndefined();
    expect(groupLoadOf('statelessGroup', { name: 'x' })).toBeUndefined();
    expect(groupLoadOf('other', { name: 'x', capacity: { maximum: 1, target: 1 } })).toBeUndefined();
    expect(groupLoadOf('statelessGroup', null)).toBeUndefined();
  });

  it('production tags: environment/env = production/prod in any case, nothing else', () => {
    expect(isProductionTags([{ tagKey: 'env', tagValue: 'PROD' }])).toBe(true);
    expect(
      isProductionTags([
        { tagKey: 'team', tagValue: 'x' },
        { tagKey: ' Environment ', tagValue: 'production' },
      ]),
    ).toBe(true);
    expect(isProductionTags([{ tagKey: 'environment', tagValue: 'staging' }])).toBe(false);
    expect(isProductionTags([{ tagKey: 'stage', tagValue: 'production' }])).toBe(false);
    expect(isProductionTags({ environment: 'production' })).toBe(false);
    expect(isProductionTags(undefined)).toBe(false);
    expect(isProductionTags([null, 'x', { tagKey: 1, tagValue: 'prod' }])).toBe(false);
  });
});

describe('storage estimate', () => {
  const prices: ReplicaPrices = {
    currency: 'USD',
    perGBMonth: { Standard_LRS: 0.05, Standard_ZRS: 0.0625, Premium_LRS: 0.12 },
    egressPerGB: 0.02,
  };

  it('the documents: 10 GB occupied, 3 regions, 2 replicas each → 6 snapshots of 10 GB; egress for the first copy to the 2 other regions', () => {
    const e = storageEstimate(
      10,
      [
        { region: 'West Europe', replicas: 2, storageAccountType: 'Standard_LRS', source: true },
        { region: 'eastus', replicas: 2, storageAccountType: 'Standard_LRS', source: false },
        { region: 'southeastasia', replicas: 2, storageAccountType: 'Standard_LRS', source: false },
      ],
      prices,
    );
    expect(e).toMatchObject({
      sizeGB: 10,
      snapshots: 6,
      billedGB: 60,
      monthly: 3,
      egressOneOff: 0.4,
      currency: 'USD',
      unpriced: [],
    });
    expect(e.regions.map((r) => [r.region, r.snapshots, r.billedGB, r.monthly, r.egressGB])).toEqual([
      ['westeurope', 2, 20, 1, 0],
      ['eastus', 2, 20, 1, 10],
      ['southeastasia', 2, 20, 1, 10],
    ]);
  });

  it('prices each region by its storage account type; a type without a price leaves the total open', () => {
    const e = storageEstimate(
      30,
      [
        { region: 'westeurope', replicas: 3, storageAccountType: 'Standard_ZRS', source: true },
        { region: 'eastus', replicas: 1, storageAccountType: 'Premium_LRS', source: false },
      ],
      prices,
    );
    expect(e.regions.map((r) => r.monthly)).toEqual([5.63, 3.6]);
    expect(e.monthly).toBe(9.23);
    const open = storageEstimate(
      30,
      [{ region: 'eastus', replicas: 1, storageAccountType: 'PremiumV2_LRS', source: false }],
      prices,
    );
    expect(open.monthly).toBeUndefined();
    expect(open.unpriced).toEqual(['PremiumV2_LRS']);
    expect(open.regions[0]).not.toHaveProperty('monthly');
    expect(() => storageEstimate(-1, [], prices)).toThrow(RangeError);
  });

  it('the size is the OS disk image plus every data disk image, unknown when one is missing', () => {
    expect(imageSizeGB({ osDiskSizeGB: 10, dataDiskCount: 0 })).toBe(10);
    expect(imageSizeGB({ osDiskSizeGB: 127, dataDiskCount: 1, dataDiskSizesGB: [32] })).toBe(159);
    expect(imageSizeGB({ osDiskSizeGB: 127, dataDiskCount: 2, dataDiskSizesGB: [32] })).toBeUndefined();
    expect(imageSizeGB({ dataDiskCount: 0 })).toBeUndefined();
  });
});

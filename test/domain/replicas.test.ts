import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_REPLICAS_PER_REGION,
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
const codesOf = (input: Partial<ReplicaAdviceInput>): ReplicaWarningCode[] => replicaAdvice({ ...base, ...input }).map((w) => w.code);

describe('replicasNeeded / recommendedReplicas', () => {
  it('one replica per 20 concurrent VMs, rounded up', () => {
    expect(replicasNeeded(0)).toBe(0);
    expect(replicasNeeded(1)).toBe(1);
    expect(replicasNeeded(20)).toBe(1);
    expect(replicasNeeded(21)).toBe(2);
    expect(replicasNeeded(120)).toBe(6);
    expect(replicasNeeded(1000)).toBe(50);
  });

  it('plus one per concurrent scale set', () => {
    expect(replicasNeeded(40, 2)).toBe(4);
    expect(replicasNeeded(0, 3)).toBe(3);
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

  it('counts concurrent scale sets on top of VMs', () => {
    expect(codesOf({ replicaCount: 4, concurrentVms: 40, concurrentScaleSets: 2 })).toEqual([]);
    const [w] = replicaAdvice({ ...base, replicaCount: 3, concurrentVms: 40, concurrentScaleSets: 2 });
    expect(w).toMatchObject({ code: 'too-few-replicas', recommended: 4 });
    expect(w?.message).toContain('2 concurrent scale sets');
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
    expect(codesOf({ replicationMode: 'Shallow', replicaCount: 2, concurrentVms: 21 })).toEqual(['shallow-replication-scale']);
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
    expect(replicaAdvice({ ...base, replicaCount: 0, concurrentVms: 1, concurrentScaleSets: 1 })[0]?.message).toMatch(/0 replicas for 1 concurrent VM and 1 concurrent scale set;/);
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
        if (i.replicaCount * VMS_PER_REPLICA < i.concurrentVms || i.replicaCount < Math.ceil(i.concurrentVms / VMS_PER_REPLICA) + i.concurrentScaleSets) {
          expected.push('too-few-replicas');
        }
        if (i.production && i.replicaCount < PRODUCTION_MIN_REPLICAS) expected.push('below-production-minimum');
        if (i.replicaCount > MAX_REPLICAS_PER_REGION) expected.push('above-region-maximum');
        if (i.replicationMode === 'Shallow' && i.concurrentVms > SHALLOW_MAX_CONCURRENT_VMS) expected.push('shallow-replication-scale');
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
        expect(codes.includes('too-few-replicas')).toBe(replicasNeeded(i.concurrentVms, i.concurrentScaleSets) > MAX_REPLICAS_PER_REGION);
      }),
    );
  });
});

/**
 * The apply rules of shared/domain/apply.ts: the organization's apply setting, how a roll is cut in
 * batches and judged healthy, ownership tags, and how a failure of the target is read. Error codes
 * and messages are Azure's own (Azure/azure-rest-api-specs Compute `common-types` errors; the
 * allocation and quota messages as documented in "Troubleshoot allocation failures" and "Resolve
 * errors for resource quotas").
 */
import { describe, it, expect } from 'vitest';
import {
  applySettingsProblems,
  applySettingsSchema,
  batchSizeOf,
  batchVerdict,
  failureKindOf,
  jobCodeOf,
  maxUnhealthyPercentOf,
  ownedBy,
  ownershipTagsOf,
  quotaNamed,
  resourceGroupAllowed,
  retryDelayMs,
  rollDeploymentSchema,
  ROLL_DEPLOYMENT_DEFAULTS,
} from '../../shared/domain/apply.js';

const SUB = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const OTHER = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';

describe('the apply setting', () => {
  it('parses target and mode; refuses an unknown target, mode, extra member or a malformed resource group id', () => {
    expect(applySettingsSchema.safeParse({ target: 'azure', mode: 'plan' }).success).toBe(true);
    expect(applySettingsSchema.safeParse({ target: 'gcp', mode: 'plan' }).success).toBe(false);
    expect(applySettingsSchema.safeParse({ target: 'azure', mode: 'dry-run' }).success).toBe(false);
    expect(applySettingsSchema.safeParse({ target: 'azure', mode: 'plan', extra: 1 }).success).toBe(false);
    expect(
      applySettingsSchema.safeParse({
        target: 'azure',
        mode: 'apply',
        resourceGroups: [`/subscriptions/${SUB}/resourceGroups/rg-a`],
      }).success,
    ).toBe(true);
    for (const bad of [
      `/subscriptions/${SUB}/resourceGroups/`,
      `/subscriptions/not-a-guid/resourceGroups/rg`,
      `/subscriptions/${SUB}/resourceGroups/rg/providers/x`,
      'rg-a',
    ]) {
      expect(
        applySettingsSchema.safeParse({ target: 'azure', mode: 'apply', resourceGroups: [bad] }).success,
        bad,
      ).toBe(false);
    }
  });

  it("names each resource group outside the organization's subscriptions, and resource groups on a target other than azure", () => {
    expect(applySettingsProblems(undefined, [SUB])).toEqual([]);
    expect(
      applySettingsProblems(
        {
          target: 'azure',
          mode: 'apply',
          resourceGroups: [
            `/subscriptions/${SUB.toUpperCase()}/resourceGroups/a`,
            `/subscriptions/${OTHER}/resourceGroups/b`,
          ],
        },
        [SUB],
      ),
    ).toEqual([
      { field: 'body.apply.resourceGroups[1]', message: "must be in one of the organization's subscriptions" },
    ]);
    expect(applySettingsProblems({ target: 'spot', mode: 'apply', resourceGroups: [] }, [SUB])).toEqual([
      { field: 'body.apply.resourceGroups', message: 'is for the azure target only' },
    ]);
    expect(applySettingsProblems({ target: 'spot', mode: 'apply' }, [SUB])).toEqual([]);
  });

  it('allows exactly the named resource groups, compared case-insensitively as ARM does', () => {
    const s = {
      target: 'azure' as const,
      mode: 'apply' as const,
      resourceGroups: [`/subscriptions/${SUB}/resourceGroups/RG-Workloads`],
    };
    expect(resourceGroupAllowed(s, SUB, 'rg-workloads')).toBe(true);
    expect(resourceGroupAllowed(s, SUB.toUpperCase(), 'RG-WORKLOADS')).toBe(true);
    expect(resourceGroupAllowed(s, SUB, 'rg-workloads2')).toBe(false);
    expect(resourceGroupAllowed(s, OTHER, 'rg-workloads')).toBe(false);
    expect(resourceGroupAllowed({ target: 'azure', mode: 'apply' }, SUB, 'rg-workloads')).toBe(false);
  });
});

describe('how a roll moves the VMs', () => {
  it("takes Spot's documented ranges and defaults (spotinst/openapi groupVmDeployment.yaml)", () => {
    expect(ROLL_DEPLOYMENT_DEFAULTS).toEqual({
      batchSizePercentage: 25,
      gracePeriod: 600,
      batchMinHealthyPercentage: 50,
    });
    expect(rollDeploymentSchema.safeParse({ batchSizePercentage: 100, batchMinHealthyPercentage: 1 }).success).toBe(
      true,
    );
    expect(rollDeploymentSchema.safeParse({ batchSizePercentage: 0 }).success).toBe(false);
    expect(rollDeploymentSchema.safeParse({ batchSizePercentage: 101 }).success).toBe(false);
    expect(rollDeploymentSchema.safeParse({ gracePeriod: 299 }).success).toBe(false);
  });

  it('cuts batches as the share of the VMs, rounded up, at least one', () => {
    expect(batchSizeOf(4, { batchSizePercentage: 50 })).toBe(2);
    expect(batchSizeOf(5, { batchSizePercentage: 50 })).toBe(3);
    expect(batchSizeOf(3, undefined)).toBe(1); // 25 % of 3 = 0.75 → 1
    expect(batchSizeOf(8, undefined)).toBe(2);
    expect(batchSizeOf(0, { batchSizePercentage: 20 })).toBe(1);
    expect(batchSizeOf(10, { batchSizePercentage: 100 })).toBe(10);
  });

  it('allows 100 − batchMinHealthyPercentage unhealthy (50 by default)', () => {
    expect(maxUnhealthyPercentOf(undefined)).toBe(50);
    expect(maxUnhealthyPercentOf({ batchMinHealthyPercentage: 75 })).toBe(25);
    expect(maxUnhealthyPercentOf({ batchMinHealthyPercentage: 100 })).toBe(0);
  });

  it('judges a batch: healthy at the limit, unhealthy above it, starting VMs waited for until the grace period is over', () => {
    const vm = (name: string, health?: string) => ({ name, ...(health ? { health } : {}) });
    expect(batchVerdict([], 0, false)).toEqual({ kind: 'healthy' });
    // No health report (no Application Health extension): healthy.
    expect(batchVerdict([vm('a'), vm('b')], 0, false)).toEqual({ kind: 'healthy' });
    expect(batchVerdict([vm('a', 'HealthState/healthy'), vm('b', 'HealthState/unhealthy')], 50, false)).toEqual({
      kind: 'healthy',
    });
    const over = batchVerdict([vm('a', 'HealthState/healthy'), vm('b', 'HealthState/unhealthy')], 49, false);
    expect(over.kind).toBe('unhealthy');
    expect(over.kind === 'unhealthy' && over.message).toBe(
      '1 of 2 upgraded VMs are not healthy (b), more than the 49 % allowed: the roll stops',
    );
    expect(batchVerdict([vm('a', 'ProvisioningState/failed/AllocationFailed')], 0, false).kind).toBe('unhealthy');
    expect(batchVerdict([vm('a', 'HealthState/initializing'), vm('b', 'HealthState/healthy')], 0, false)).toEqual({
      kind: 'wait',
    });
    expect(batchVerdict([vm('a', 'HealthState/unknown')], 0, false)).toEqual({ kind: 'wait' });
    expect(batchVerdict([vm('a', 'HealthState/initializing'), vm('b', 'HealthState/healthy')], 0, true).kind).toBe(
      'unhealthy',
    );
    expect(batchVerdict([vm('a', 'HealthState/initializing'), vm('b', 'HealthState/healthy')], 50, true)).toEqual({
      kind: 'healthy',
    });
  });

  it('names at most 20 unhealthy VMs in the message', () => {
    const vms = Array.from({ length: 30 }, (_, i) => ({
      name: `vm${String(i).padStart(2, '0')}`,
      health: 'HealthState/unhealthy',
    }));
    const v = batchVerdict(vms, 0, true);
    expect(v.kind === 'unhealthy' && v.message).toContain('30 of 30 upgraded VMs are not healthy (vm00, vm01');
    expect(v.kind === 'unhealthy' && v.message).toContain('vm19)');
    expect(v.kind === 'unhealthy' && v.message).not.toContain('vm20');
  });
});

describe('ownership tags', () => {
  it('tag a group by subscription (lower-cased), kind and name; a tag value over 256 characters is hashed', () => {
    expect(ownershipTagsOf(SUB.toUpperCase(), 'statelessGroup', 'web')).toEqual({
      'gallery-catalog-group': `${SUB}/statelessGroup/web`,
    });
    const long = ownershipTagsOf(SUB, 'statelessGroup', 'x'.repeat(300))['gallery-catalog-group'];
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ownershipTagsOf(SUB, 'statelessGroup', 'x'.repeat(300))['gallery-catalog-group']).toBe(long);
    expect(ownershipTagsOf(SUB, 'statelessGroup', 'x'.repeat(301))['gallery-catalog-group']).not.toBe(long);
  });

  it('recognise the owner whatever the tag name case (ARM tag names are case-insensitive), never another group', () => {
    const mine = ownershipTagsOf(SUB, 'statelessGroup', 'web');
    expect(ownedBy({ 'Gallery-Catalog-Group': `${SUB}/statelessGroup/web`, env: 'prod' }, mine)).toBe(true);
    expect(ownedBy({ 'gallery-catalog-group': `${SUB}/statelessGroup/web2` }, mine)).toBe(false);
    expect(ownedBy({ 'gallery-catalog-group': `${SUB}/statefulNode/web` }, mine)).toBe(false);
    expect(ownedBy({}, mine)).toBe(false);
  });
});

describe('failures of the target', () => {
  it('reads capacity, conflict and throttling as worth another try, quota and the rest as final', () => {
    for (const code of [
      'AllocationFailed',
      'OverconstrainedAllocationRequest',
      'ZonalAllocationFailed',
      'SkuNotAvailable',
    ])
      expect(failureKindOf({ code, message: '' })).toBe('capacity');
    for (const code of ['Conflict', 'AnotherOperationInProgress', 'OperationPreempted'])
      expect(failureKindOf({ code, message: '' })).toBe('conflict');
    for (const code of ['TooManyRequests', 'RATE_LIMIT_EXCEEDED', '429'])
      expect(failureKindOf({ code, message: '' })).toBe('throttled');
    expect(
      failureKindOf({
        code: 'OperationNotAllowed',
        message:
          'Operation could not be completed as it results in exceeding approved LowPriorityCores quota. Additional details - Deployment Model: Resource Manager, Location: westeurope, Current Limit: 10, Current Usage: 8, Additional Required: 4, (Minimum) New Limit Required: 12.',
      }),
    ).toBe('quota');
    expect(
      failureKindOf({ code: 'OperationNotAllowed', message: 'The operation is not allowed on a deallocated VM.' }),
    ).toBe('final');
    for (const code of ['InvalidParameter', 'AuthorizationFailed', 'RequestDisallowedByPolicy', 'GROUP_DOESNT_EXIST'])
      expect(failureKindOf({ code, message: 'x' })).toBe('final');
  });

  it('names the quota a message names', () => {
    expect(
      quotaNamed(
        'Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota. Additional details ...',
      ),
    ).toBe('standardDSv3Family Cores');
    expect(quotaNamed('exceeding approved LowPriorityCores quota.')).toBe('LowPriorityCores');
    expect(quotaNamed('no quota here')).toBeUndefined();
  });

  it("prefixes the target's own code", () => {
    expect(jobCodeOf('azure', { code: 'AllocationFailed', message: '' })).toBe('azure:AllocationFailed');
    expect(jobCodeOf('spot', { code: 'GROUP_DOESNT_EXIST', message: '' })).toBe('spot:GROUP_DOESNT_EXIST');
  });

  it('waits twice as long after each failed attempt, at most 30 minutes', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(0)).toBe(30_000);
    expect(retryDelayMs(2, 1000)).toBe(2000);
    expect(retryDelayMs(50)).toBe(30 * 60_000);
  });
});

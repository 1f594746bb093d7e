import { describe, it, expect } from 'vitest';
import {
  applyStepText,
  applySummary,
  deploymentSummary,
  instancesText,
  nextCheckText,
  phaseTone,
  planBodyText,
  planTitle,
  resourceName,
} from '../../shared/console/apply-view.js';
import type { JobRecord } from '../../shared/jobs/store.js';
import type { RolloutGroup } from '../../shared/autoroll/views.js';

// The console's texts of a job's plan and apply, and of an applied group's deployment, from answers
// in the API's own types (shared/jobs/store.ts, shared/autoroll/views.ts).
const NOW = new Date('2026-12-07T06:00:00Z');
const SET =
  '/subscriptions/5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f/resourceGroups/rg-workloads/providers/Microsoft.Compute/virtualMachineScaleSets/web-weu-1';
type Plan = NonNullable<JobRecord['plan']>;
type Apply = NonNullable<JobRecord['apply']>;
type Deployment = NonNullable<RolloutGroup['deployment']>;

describe('console plan and apply texts', () => {
  it('titles the plan by its requests and target, and prints a body indented two spaces', () => {
    const plan: Plan = {
      target: 'azure',
      requests: [
        {
          method: 'PUT',
          url: `https://management.azure.com${SET}?api-version=2026-03-01`,
          body: { location: 'westeurope', sku: { name: 'Mix', capacity: 2 } },
        },
      ],
      notes: [],
    };
    expect(planTitle(plan)).toBe('1 request to Azure');
    expect(planTitle({ ...plan, target: 'spot', requests: [plan.requests[0]!, plan.requests[0]!] })).toBe(
      '2 requests to Spot',
    );
    expect(planBodyText(plan.requests[0]!)).toBe(
      '{\n  "location": "westeurope",\n  "sku": {\n    "name": "Mix",\n    "capacity": 2\n  }\n}',
    );
  });

  it('says where the apply is: phase, request, attempt and the next check while it waits', () => {
    const waiting: Apply = {
      phase: 'waiting',
      step: 0,
      steps: 2,
      attempt: 1,
      nextCheckAt: '2026-12-07T06:10:00Z',
      lastFailure: 'AllocationFailed: no room',
    };
    expect(applySummary(waiting, NOW)).toBe(
      'Waiting: request 1 of 2, attempt 1; next check in 10 min (2026-12-07 06:10 UTC)',
    );
    expect(nextCheckText('2026-12-07T05:59:00Z', NOW)).toBe('now (2026-12-07 05:59 UTC)');
    // Once ended, no next check; a step past the last one says the last.
    expect(applySummary({ ...waiting, phase: 'succeeded', step: 2 }, NOW)).toBe('Succeeded: request 2 of 2, attempt 1');
    expect(applyStepText({ phase: 'sending', step: 0, steps: 0, attempt: 0 })).toBe('no request, attempt 0');
    expect([
      phaseTone('succeeded'),
      phaseTone('failed'),
      phaseTone('blocked'),
      phaseTone('waiting'),
      phaseTone('sending'),
    ]).toEqual(['ok', 'failed', 'held', 'progress', 'progress']);
  });

  it('says where a group is deployed and how many VMs run each version', () => {
    const d: Deployment = {
      target: 'azure',
      resourceId: SET,
      provisioningState: 'Succeeded',
      instancesOn: [
        { version: '1.1.0', count: 2 },
        { version: '1.0.0', count: 1 },
      ],
    };
    expect(deploymentSummary(d)).toBe('Azure Succeeded · 3 VMs: 2 on 1.1.0, 1 on 1.0.0');
    expect(instancesText([{ version: '1.0.0', count: 1 }])).toBe('1 VM: 1 on 1.0.0');
    expect(instancesText([])).toBe('no VM read yet');
    expect(resourceName(SET)).toBe('web-weu-1');
  });
});

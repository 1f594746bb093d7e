/**
 * Applying groups for real (pure): an organization's apply setting, what a job records of its plan
 * and of its apply, what a group records of where it is deployed, and how a failure of the target
 * is read (retried later, or final).
 *
 * - `apply.target`: `none` (today's behaviour: a job validates and records the group), `azure` (a
 *   stateless group becomes a Flexible scale set, a stateful node a VM: shared/domain/azure-plan.ts)
 *   or `spot` (the group is created at Spot: shared/domain/spot-plan.ts).
 * - `apply.mode`: `plan` (every job records the exact requests it would make; nothing is sent) or
 *   `apply` (the requests are sent, and the job succeeds only when the target says so).
 * - `apply.resourceGroups` (Azure): the resource groups the app may create scale sets and VMs in,
 *   each in one of the organization's subscriptions. The app's identity is one for every
 *   organization: this list is what keeps a job of one organization out of the others' resource
 *   groups, and the Bicep grants the identity its roles on exactly these (docs/apply.md).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FieldFault } from './administration.js';

export const APPLY_TARGETS = ['none', 'azure', 'spot'] as const;

const RESOURCE_GROUP_ID = /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w._()]{1,90})$/;

export const applySettingsSchema = z
  .strictObject({
    target: z
      .enum(APPLY_TARGETS)
      .describe(
        'none: jobs only validate and record; azure: scale sets and VMs; spot: Elastigroups and stateful nodes at Spot',
      ),
    mode: z.enum(['plan', 'apply']).describe('plan: each job records the requests it would make; apply: they are sent'),
    resourceGroups: z
      .array(
        z
          .string()
          .max(200)
          .regex(
            RESOURCE_GROUP_ID,
            'must be a resource group id /subscriptions/{subscriptionId}/resourceGroups/{name}',
          ),
      )
      .max(200)
      .describe("Azure: the resource groups the app may deploy into, each in one of the organization's subscriptions")
      .optional(),
  })
  .describe('How jobs of the organization are applied (default: target none)');
export type ApplySettings = z.infer<typeof applySettingsSchema>;

/** What an apply setting may not say: resource groups outside the organization's subscriptions. */
export function applySettingsProblems(
  settings: ApplySettings | undefined,
  subscriptionIds: readonly string[],
): FieldFault[] {
  if (!settings) return [];
  const own = new Set(subscriptionIds.map((s) => s.toLowerCase()));
  const problems: FieldFault[] = [];
  (settings.resourceGroups ?? []).forEach((id, i) => {
    const m = RESOURCE_GROUP_ID.exec(id);
    if (m && !own.has((m[1] as string).toLowerCase()))
      problems.push({
        field: `body.apply.resourceGroups[${i}]`,
        message: "must be in one of the organization's subscriptions",
      });
  });
  if (settings.target !== 'azure' && settings.resourceGroups !== undefined)
    problems.push({ field: 'body.apply.resourceGroups', message: 'is for the azure target only' });
  return problems;
}

/** Whether the Azure apply may deploy into this resource group (names compare as ARM's do: case-insensitively). */
export function resourceGroupAllowed(
  settings: ApplySettings,
  subscriptionId: string,
  resourceGroupName: string,
): boolean {
  const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`.toLowerCase();
  return (settings.resourceGroups ?? []).some((g) => g.toLowerCase() === id);
}

// ---------------------------------------------------------------- how a roll moves the VMs

/**
 * How a roll moves a group's VMs, on either target, in Spot's own words (OA spotinst/openapi
 * `api/services/elastigroup/azure/spotVms/schemas/groupVmDeployment.yaml`: names and ranges): at
 * Spot these are the blue/green deployment's fields; on Azure a Manual scale set is upgraded
 * `batchSizePercentage` of its VMs at a time, each batch given `gracePeriod` seconds to report
 * healthy, and the roll stops when fewer than `batchMinHealthyPercentage` of the upgraded VMs are.
 * Absent fields take Spot's documented defaults (ROLL_DEPLOYMENT_DEFAULTS).
 */
export const rollDeploymentSchema = z
  .strictObject({
    batchSizePercentage: z.number().int().min(1).max(100).meta({ default: 25 }).optional(),
    gracePeriod: z
      .number()
      .int()
      .min(300)
      .max(86_400)
      .describe('Seconds a batch has to become healthy')
      .meta({ default: 600 })
      .optional(),
    batchMinHealthyPercentage: z.number().int().min(1).max(100).meta({ default: 50 }).optional(),
    drainingTimeout: z.number().int().min(0).max(86_400).describe('Spot only').optional(),
    healthCheckTypes: z
      .array(z.enum(['vmState', 'applicationGateway']))
      .max(2)
      .describe('Spot only')
      .optional(),
  })
  .describe(
    'How a roll moves the VMs: batches, grace period, the healthy share it keeps (Spot blue/green deployment fields)',
  );
export type RollDeployment = z.infer<typeof rollDeploymentSchema>;

/**
 * Spot's documented defaults of a blue/green deployment (OA `spotVms/schemas/groupVmDeployment.yaml`:
 * `batchSizePercentage` default 25, `gracePeriod` default 600 (minimum 300),
 * `batchMinHealthyPercentage` default 50). `healthCheckTypes` and `drainingTimeout` are left out
 * when not given: "If no value is set, the deployment will use the group's auto-healing health
 * check"; draining "Default - The Elastigroups draining time out or 120".
 */
export const ROLL_DEPLOYMENT_DEFAULTS = {
  batchSizePercentage: 25,
  gracePeriod: 600,
  batchMinHealthyPercentage: 50,
} as const;

/** VMs per batch of a Manual scale set's roll: the share of its VMs, at least one. */
export function batchSizeOf(instances: number, deployment: RollDeployment | undefined): number {
  const percent = deployment?.batchSizePercentage ?? ROLL_DEPLOYMENT_DEFAULTS.batchSizePercentage;
  return Math.max(1, Math.ceil((instances * percent) / 100));
}

/** The share of upgraded VMs that may be unhealthy before the roll stops. */
export function maxUnhealthyPercentOf(deployment: RollDeployment | undefined): number {
  return 100 - (deployment?.batchMinHealthyPercentage ?? ROLL_DEPLOYMENT_DEFAULTS.batchMinHealthyPercentage);
}

// ---------------------------------------------------------------- ownership

/** The tag that marks a scale set or VM as the group's: an update or a create that finds it checks it first. */
const OWNER_TAG = 'gallery-catalog-group';

/** The ownership tags of a group's scale set or VM (ARM tag values hold 256 characters: a longer identity is hashed). */
export function ownershipTagsOf(subscriptionId: string, kind: string, name: string): Record<string, string> {
  const identity = `${subscriptionId.toLowerCase()}/${kind}/${name}`;
  return {
    [OWNER_TAG]:
      identity.length <= 256 ? identity : `sha256:${createHash('sha256').update(identity, 'utf8').digest('hex')}`,
  };
}

/** Whether a resource's tags name this group as its owner. */
export function ownedBy(tags: Readonly<Record<string, string>>, owner: Readonly<Record<string, string>>): boolean {
  return Object.entries(owner).every(([k, v]) =>
    Object.entries(tags).some(([tk, tv]) => tk.toLowerCase() === k.toLowerCase() && tv === v),
  );
}

// ---------------------------------------------------------------- what a job and a group record

export const planRequestSchema = z.strictObject({
  method: z.string(),
  url: z.string().describe('Absolute URL with api-version (Azure) or path with accountId (Spot)'),
  body: z
    .record(z.string(), z.unknown())
    .describe(
      'The request body: secrets never (passwordSet / adminPasswordSet / protectedSettingsSet in their place), scripts as { size, sha256 }',
    ),
});

/** The exact requests a job makes (or would make, in plan mode) at its target. */
export const jobPlanSchema = z.strictObject({
  target: z.enum(['azure', 'spot']),
  requests: z.array(planRequestSchema),
  notes: z.array(z.string()).describe('What the plan narrowed or left out of the group body'),
});
export type JobPlan = z.infer<typeof jobPlanSchema>;

export const applyPhases = ['sending', 'waiting', 'blocked', 'succeeded', 'failed'] as const;

/** A Spot roll's blue/green deployment as Spot last reported it (OA `spotVms/schemas/groupVmDeployment.yaml`; the reason of a failure from its details). */
export const spotDeploymentSchema = z
  .strictObject({
    id: z.string(),
    status: z.string().describe("Spot's word, as given (only `deploymentStart` is published)"),
    progress: z.number().describe('Percent').optional(),
    currentBatch: z.number().int().optional(),
    numOfBatches: z.number().int().optional(),
    outcome: z.enum(['running', 'succeeded', 'failed']),
    failureMessage: z.string().optional(),
  })
  .describe('Spot roll: the blue/green deployment, as Spot last reported it');
export type SpotDeploymentView = z.infer<typeof spotDeploymentSchema>;

/** Where a job's apply is: which request of its plan, how often tried, when it is looked at next. */
export const jobApplySchema = z.strictObject({
  phase: z.enum(applyPhases),
  step: z.number().int().describe('The request of the plan under way (0-based)'),
  steps: z.number().int(),
  attempt: z
    .number()
    .int()
    .describe(
      'The send of the plan under way, or next when waiting after a failure (1 = the first; a capacity, conflict or throttling failure is tried again later)',
    ),
  resourceId: z.string().optional(),
  nextCheckAt: z.string().describe('When the job looks at its target again').optional(),
  blockedBy: z.string().describe('blocked: the job whose apply of the same group runs first').optional(),
  lastFailure: z.string().describe('The failure the next attempt follows (capacity, conflict, throttling)').optional(),
  spotDeployment: spotDeploymentSchema.optional(),
});
export type JobApply = z.infer<typeof jobApplySchema>;

export const deploymentInstanceSchema = z.strictObject({
  name: z.string(),
  imageVersionId: z.string().optional(),
  health: z
    .string()
    .describe('The application health state Azure reports (HealthState/healthy...), when it reports one')
    .optional(),
});

/** Where a group is deployed, as its last applied job left it. */
export const deploymentSchema = z.strictObject({
  target: z.enum(['azure', 'spot']),
  resourceId: z.string().describe('The scale set or VM ARM id, or the Spot group / stateful node id'),
  provisioningState: z.string(),
  imageVersionId: z.string().optional(),
  appliedAt: z.string(),
  upgradeMode: z.enum(['Manual', 'Rolling']).optional(),
  instances: z
    .array(deploymentInstanceSchema)
    .describe('The VMs of the scale set and the image each runs, when last read')
    .optional(),
  spotDeployment: spotDeploymentSchema.optional(),
});
export type Deployment = z.infer<typeof deploymentSchema>;

// ---------------------------------------------------------------- failures of the target

export interface TargetFailure {
  code: string;
  message: string;
}

export type FailureKind = 'capacity' | 'conflict' | 'quota' | 'throttled' | 'final';

/** Azure has no room for the VMs now: the same request may succeed later or elsewhere. */
const CAPACITY = new Set([
  'AllocationFailed',
  'OverconstrainedAllocationRequest',
  'ZonalAllocationFailed',
  'SkuNotAvailable',
  'OverconstrainedZonalAllocationRequest',
]);
/** Another operation holds the resource: tried again after it. */
const CONFLICT = new Set(['Conflict', 'AnotherOperationInProgress', 'OperationPreempted', 'RetryableError']);

/**
 * How a failure of the target is read:
 * - `capacity` (AllocationFailed, OverconstrainedAllocationRequest, ZonalAllocationFailed,
 *   SkuNotAvailable) and `conflict` (Conflict, AnotherOperationInProgress) and `throttled` (429,
 *   Spot's rate limit) are tried again later, a bounded number of times;
 * - `quota` (`OperationNotAllowed` whose message names a cores quota, LowPriorityCores included) is
 *   final, and the job names the quota;
 * - anything else (InvalidParameter, AuthorizationFailed, RequestDisallowedByPolicy, a body Spot
 *   refuses...) is final.
 */
export function failureKindOf(f: TargetFailure): FailureKind {
  if (CAPACITY.has(f.code)) return 'capacity';
  if (CONFLICT.has(f.code)) return 'conflict';
  if (f.code === 'TooManyRequests' || f.code === 'RATE_LIMIT_EXCEEDED' || f.code === '429') return 'throttled';
  if (f.code === 'OperationNotAllowed' && /quota/i.test(f.message)) return 'quota';
  return 'final';
}

/** The quota an `OperationNotAllowed` names ("exceeding approved standardDSv3Family Cores quota" → standardDSv3Family Cores). */
export function quotaNamed(message: string): string | undefined {
  const m = /approved\s+(.+?)\s+quota/i.exec(message);
  return m?.[1]?.trim();
}

/** The job code of a target failure: the target's own code, prefixed so that it is told apart from a validation code. */
export function jobCodeOf(target: 'azure' | 'spot', f: TargetFailure): string {
  return `${target}:${f.code}`;
}

/** The wait before the next send of a plan that failed and may get over it (attempt 1 = the first retry): doubling from `baseMs` (30 s), at most 30 min. */
export function retryDelayMs(attempt: number, baseMs = 30_000): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 30 * 60_000);
}

/** How one batch of a roll went, once its VMs were upgraded. */
export type BatchVerdict = { kind: 'healthy' } | { kind: 'wait' } | { kind: 'unhealthy'; message: string };

const STILL_STARTING = /(initializing|unknown)$/i;

/**
 * Whether a roll goes on after a batch: the upgraded VMs (every batch so far) against the allowed
 * unhealthy share (100 − `batchMinHealthyPercentage`). A VM whose health extension still reports
 * `initializing` / `unknown` is waited for until the grace period is over (`graceOver`), then
 * counts as unhealthy, as does one whose provisioning failed; a VM without a health report (no
 * Application Health extension: Azure reports none) counts as healthy.
 */
export function batchVerdict(
  upgraded: readonly { name: string; health?: string | undefined }[],
  maxUnhealthyPercent: number,
  graceOver: boolean,
): BatchVerdict {
  if (upgraded.length === 0) return { kind: 'healthy' };
  const starting = upgraded.filter((i) => i.health !== undefined && STILL_STARTING.test(i.health));
  if (starting.length > 0 && !graceOver) return { kind: 'wait' };
  const unhealthy = upgraded.filter(
    (i) => i.health !== undefined && (/(unhealthy|failed)$/i.test(i.health) || STILL_STARTING.test(i.health)),
  );
  const share = (unhealthy.length / upgraded.length) * 100;
  if (share <= maxUnhealthyPercent) return { kind: 'healthy' };
  const names = unhealthy
    .map((i) => i.name)
    .slice(0, 20)
    .join(', ');
  return {
    kind: 'unhealthy',
    message: `${unhealthy.length} of ${upgraded.length} upgraded VMs are not healthy (${names}), more than the ${maxUnhealthyPercent} % allowed: the roll stops`,
  };
}

/**
 * The apply of a validated group job (docs/apply.md): its plan — the exact requests it makes at its
 * target — and, in the organization's `apply` mode, their send, one request at a time, from a
 * checkpoint that a later delivery continues.
 *
 * - `plan` mode: the plan is computed and recorded on the job; nothing is sent.
 * - `apply` mode: the job takes the group's apply lock (its checkpoint row, checkpoints.ts) and
 *   sends its plan. A request still running after the poll budget is checkpointed and a follow-up
 *   message is scheduled (the job stays `running`, `apply.phase: waiting`); no delivery holds its
 *   queue lock for longer than the budget. A capacity, conflict or throttling failure is tried
 *   again after `retryDelayMs(attempt)`, up to `maxAttempts` sends; any other failure is final.
 *   When the target says the last request succeeded, the group is read back and its `deployment`
 *   recorded with the job's outcome (the caller's transaction removes the checkpoint).
 * - a job of a group whose apply another job holds waits (`blocked`): its message is sent again
 *   after `followUpSeconds`.
 *
 * Secrets are never in a plan, a checkpoint or a record: the request being sent takes them from
 * the job's message, in memory, just before it goes out.
 */
import type { JobEnvelope, JobKind } from '../domain/job-envelope.js';
import {
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
  type ApplySettings,
  type Deployment,
  type JobApply,
  type JobPlan,
  type RollDeployment,
  type TargetFailure,
} from '../domain/apply.js';
import {
  MissingSecretError,
  planAzureCreateOrUpdate,
  planAzureRoll,
  planSecretsOf,
  publicPlanOf,
  withSecrets,
  type AzurePlan,
  type AzurePlanInput,
  type PlanImage,
  type PlanLaunchSpecification,
} from '../domain/azure-plan.js';
import { COMPUTE_API_VERSION } from '../arm/compute-api-version.js';
import type { AzureTarget } from './azure.js';
import type { SpotPlan } from '../domain/spot-plan.js';
import type { ApplyCheckpoint, ApplyCheckpoints, ApplyState } from './checkpoints.js';
import type { GroupChange, GroupRecord, JobProblem } from '../jobs/store.js';
import { errorText } from '../domain/printable.js';

export interface ApplyFlowSettings {
  /** How long one delivery polls a long-running operation before it checkpoints (APPLY_POLL_BUDGET_SECONDS). */
  pollBudgetMs: number;
  /** When a waiting job looks again (APPLY_FOLLOW_UP_SECONDS). */
  followUpSeconds: number;
  /** Sends of a plan before a capacity / conflict / throttling failure is final (APPLY_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** The wait before the first new send after such a failure (APPLY_RETRY_BASE_SECONDS); it doubles. */
  retryBaseMs: number;
}

/** What the flow needs of a validated job. */
export interface ApplyJob {
  envelope: JobEnvelope;
  settings: ApplySettings;
  organizationId: string;
  /** The account's subscription: where the group is recorded and its scale set or VM goes. */
  subscriptionId: string;
  kind: JobKind;
  name: string;
  /** The complete spec as stored (secrets as markers). */
  storedSpec: unknown;
  /** The group write the job makes (without `deployment`). */
  change: GroupChange;
  latestOf?: string;
  previous?: GroupRecord;
  warnings: JobProblem[];
  resolvedImageVersionId?: string;
  /** Azure: the image as ARM takes it (undefined when the catalog cannot say how the account reaches it). */
  image?: PlanImage;
  /** How a roll moves the group's VMs (the group's auto-roll policy). */
  rollDeployment?: RollDeployment;
}

export type ApplyOutcome =
  /** Plan mode: the plan, nothing sent. */
  | { kind: 'planned'; plan: JobPlan; warnings: JobProblem[] }
  /** The job cannot be applied as it is (nothing was sent). */
  | { kind: 'refused'; errors: JobProblem[]; plan?: JobPlan }
  /** Another job applies the group: this one waits. */
  | { kind: 'blocked'; apply: JobApply }
  /** A request still runs (or a retry waits): a follow-up continues. */
  | { kind: 'waiting'; plan: JobPlan; apply: JobApply; checkpoint: ApplyCheckpoint; etag: string }
  /** `deployment`: the resource as the failure left it, when the plan had changed it already (a roll stopped between batches). */
  | {
      kind: 'failed';
      plan: JobPlan;
      apply: JobApply;
      errors: JobProblem[];
      checkpoint: ApplyCheckpoint;
      deployment?: Deployment;
    }
  | { kind: 'succeeded'; plan: JobPlan; apply: JobApply; deployment: Deployment; checkpoint: ApplyCheckpoint };

/** Where an apply is after a delivery (plan mode never gets here). */
export type ApplyProgress = Exclude<ApplyOutcome, { kind: 'planned' }>;

/** The job's secrets in memory, for the request about to be sent. */
export type Secrets = ReturnType<typeof planSecretsOf>;

/** The Spot target (shared/apply/spot-target.ts): plans without the Spot API, sends with it. */
export interface SpotApplyTarget {
  /** The job's Spot plan, or why it cannot be planned (what Spot would refuse). */
  plan(job: ApplyJob): { plan: SpotPlan; shown: JobPlan } | { errors: JobProblem[] };
  /** Why requests cannot be sent (no token, an unresolved Key Vault reference); undefined when they can. */
  notConfigured(): string | undefined;
  advance(checkpoint: ApplyCheckpoint, etag: string, secrets: Secrets, resumed: boolean): Promise<ApplyProgress>;
}

export interface ApplyFlowDeps {
  checkpoints: ApplyCheckpoints;
  /** The Azure target; undefined when ARM is not configured. */
  azure?: AzureTarget;
  /** The Spot target. */
  spot?: SpotApplyTarget;
  /** Whether the job a checkpoint names has ended (a stale lock is taken over). */
  jobEnded: (organizationId: string, subscriptionId: string, jobId: string) => Promise<boolean>;
  settings: ApplyFlowSettings;
  now?: () => Date;
}

const root = (kind: JobKind): string => (kind === 'statelessGroup' ? '/body/group' : '/body/statefulNode');
const problem = (pointer: string, code: string, message: string): JobProblem => ({ pointer, code, message });

/** The secrets of a job's message (a create's complete body, or the fields an update gives). */
export function secretsOfEnvelope(envelope: JobEnvelope): Secrets {
  const body = envelope.body as Record<string, unknown>;
  const spec = (envelope.kind === 'statelessGroup' ? body.group : body.statefulNode) as
    { compute?: { launchSpecification?: PlanLaunchSpecification } } | undefined;
  const ls = spec?.compute?.launchSpecification;
  return ls ? planSecretsOf({ compute: { launchSpecification: ls } }) : {};
}

export class ApplyFlow {
  private readonly now: () => Date;

  constructor(private readonly deps: ApplyFlowDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The group's checkpoint, when one is there. */
  async checkpointOf(
    subscriptionId: string,
    kind: string,
    name: string,
  ): Promise<{ checkpoint: ApplyCheckpoint; etag: string } | undefined> {
    return this.deps.checkpoints.get(subscriptionId, kind, name);
  }

  /** Releases a checkpoint (its job failed or ended without the group write). */
  async release(checkpoint: ApplyCheckpoint): Promise<void> {
    await this.deps.checkpoints.remove(checkpoint);
  }

  /** The removal of the checkpoint, for the transaction that records the group's deployment. */
  releaseAction(checkpoint: ApplyCheckpoint) {
    return this.deps.checkpoints.removeAction(checkpoint);
  }

  /** Plans a validated job and, in apply mode, starts its send. */
  async start(job: ApplyJob, secrets: Secrets): Promise<ApplyOutcome> {
    const spot = this.deps.spot;
    if (job.settings.target !== 'azure' && !(job.settings.target === 'spot' && spot))
      return {
        kind: 'refused',
        errors: [
          problem(
            '',
            'apply-target-not-supported',
            `The organization's apply target ${job.settings.target} is not available in this deployment.`,
          ),
        ],
      };
    const planned = job.settings.target === 'spot' && spot ? spot.plan(job) : await this.planAzure(job);
    if ('errors' in planned) return { kind: 'refused', errors: planned.errors };
    const shown = 'shown' in planned ? planned.shown : jobPlanOf(planned.plan);
    const outside = planned.plan.target === 'azure' ? this.resourceGroupProblem(job, planned.plan) : undefined;
    if (job.settings.mode === 'plan')
      return { kind: 'planned', plan: shown, warnings: [...job.warnings, ...(outside ? [outside] : [])] };
    // A roll of a group never deployed (recorded before the organization applied) does not create it: a
    // roll carries no secret, and creating is the user's decision. The record moves; the plan shows what an update would send.
    if (job.envelope.roll && job.previous?.deployment === undefined) {
      return {
        kind: 'planned',
        plan: shown,
        warnings: [
          ...job.warnings,
          problem(
            '',
            'apply-roll-not-deployed',
            'The group is not deployed: the roll moves its record only. An update job deploys it.',
          ),
        ],
      };
    }
    if (outside) return { kind: 'refused', errors: [outside], plan: shown };
    const unconfigured =
      planned.plan.target === 'spot'
        ? spot?.notConfigured()
        : this.deps.azure
          ? undefined
          : 'ARM is not configured in this deployment';
    if (unconfigured !== undefined)
      return {
        kind: 'refused',
        errors: [problem('', 'apply-not-configured', `${unconfigured}: the job cannot be applied.`)],
        plan: shown,
      };
    const checkpoint: ApplyCheckpoint = {
      jobId: job.envelope.jobId,
      organizationId: job.organizationId,
      subscriptionId: job.subscriptionId,
      kind: job.kind,
      name: job.name,
      plan: planned.plan,
      change: job.change,
      ...(job.latestOf ? { latestOf: job.latestOf } : {}),
      ...(job.previous ? { previous: job.previous } : {}),
      warnings: job.warnings,
      ...(job.resolvedImageVersionId ? { resolvedImageVersionId: job.resolvedImageVersionId } : {}),
      ...(job.rollDeployment ? { rollDeployment: job.rollDeployment } : {}),
      state: { step: 0, attempt: 1, followUps: 0 },
      startedAt: this.now().toISOString(),
    };
    let etag = await this.deps.checkpoints.claim(checkpoint);
    if (etag === undefined) {
      const held = await this.deps.checkpoints.get(job.subscriptionId, job.kind, job.name);
      if (held && held.checkpoint.jobId === job.envelope.jobId) return this.resume(held.checkpoint, held.etag, secrets);
      if (
        held &&
        !(await this.deps.jobEnded(
          held.checkpoint.organizationId,
          held.checkpoint.subscriptionId,
          held.checkpoint.jobId,
        ))
      ) {
        return {
          kind: 'blocked',
          apply: {
            phase: 'blocked',
            step: 0,
            steps: planned.plan.requests.length,
            attempt: 0,
            blockedBy: held.checkpoint.jobId,
            nextCheckAt: this.followUpAt(),
          },
        };
      }
      // The lock of a job that has ended (or a checkpoint removed meanwhile): taken over.
      etag = held
        ? await this.deps.checkpoints.save(checkpoint, held.etag)
        : await this.deps.checkpoints.claim(checkpoint);
      if (etag === undefined) throw new ApplyRaceError('the group apply checkpoint changed while it was being taken');
    }
    return this.advance(checkpoint, etag, secrets);
  }

  /** Continues a job's send from its checkpoint (a follow-up, a redelivery, a copy sent again). */
  async resume(checkpoint: ApplyCheckpoint, etag: string, secrets: Secrets): Promise<ApplyProgress> {
    return this.advance(checkpoint, etag, secrets, true);
  }

  // ---------------------------------------------------------------- plan

  private resourceGroupProblem(job: ApplyJob, plan: AzurePlan): JobProblem | undefined {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(plan.resourceId);
    const subscriptionId = decodeURIComponent(m?.[1] ?? '');
    const resourceGroup = decodeURIComponent(m?.[2] ?? '');
    if (resourceGroupAllowed(job.settings, subscriptionId, resourceGroup)) return undefined;
    return problem(
      `${root(job.kind)}/resourceGroupName`,
      'apply-resource-group-not-allowed',
      `The organization's apply settings do not name the resource group ${resourceGroup} of subscription ${subscriptionId}: an administrator adds it to apply.resourceGroups (docs/apply.md).`,
    );
  }

  private async planAzure(job: ApplyJob): Promise<{ plan: AzurePlan } | { errors: JobProblem[] }> {
    if (!job.image) {
      return {
        errors: [
          problem(
            `${root(job.kind)}/compute/launchSpecification/image`,
            'apply-image-not-addressable',
            'The catalog does not know how ARM names this image for the account (a direct share without its unique name, a community gallery without a public name).',
          ),
        ],
      };
    }
    const deployed = job.previous?.deployment?.target === 'azure' ? job.previous.deployment : undefined;
    if (job.envelope.roll && deployed && this.deps.azure && job.settings.mode === 'apply')
      return { plan: await this.rollPlan(job, job.image, deployed) };
    const input = {
      apiVersion: COMPUTE_API_VERSION,
      action: deployed ? 'update' : 'create',
      subscriptionId: job.subscriptionId,
      image: job.image,
      ownershipTags: ownershipTagsOf(job.subscriptionId, job.kind, job.name),
      rollingUpgrade: {
        maxBatchInstancePercent: job.rollDeployment?.batchSizePercentage ?? 20,
        maxUnhealthyInstancePercent: 20,
        maxUnhealthyUpgradedInstancePercent:
          job.rollDeployment?.batchMinHealthyPercentage !== undefined ? maxUnhealthyPercentOf(job.rollDeployment) : 20,
      },
      kind: job.kind,
      spec: job.storedSpec,
    } as AzurePlanInput;
    try {
      return { plan: planAzureCreateOrUpdate(input) };
    } catch (err) {
      return {
        errors: [
          problem(root(job.kind), 'apply-plan-failed', `The group cannot be planned for Azure: ${errorText(err)}`),
        ],
      };
    }
  }

  /**
   * A roll of a deployed scale set: the model's image, then (Manual) its VMs not on the version yet, in batches.
   * The model is pinned to the version the roll resolved (never the definition's `latest`): a batch
   * reimaged later, or an instance the scale set adds mid-roll, gets the version this roll checked,
   * not one published while it runs.
   */
  private async rollPlan(job: ApplyJob, rolled: PlanImage, deployed: Deployment): Promise<AzurePlan> {
    const image: PlanImage = rolled.source === 'gallery' ? { ...rolled, followsLatest: false } : rolled;
    const azure = this.deps.azure as AzureTarget;
    const resource = await azure.read(deployed.resourceId);
    const upgradeMode = resource?.upgradeMode ?? 'Manual';
    const instances = upgradeMode === 'Manual' ? await azure.instances(deployed.resourceId) : [];
    const behind = instances
      .filter((i) => i.imageVersionId?.toLowerCase() !== job.resolvedImageVersionId?.toLowerCase())
      .map((i) => i.name);
    return planAzureRoll({
      apiVersion: COMPUTE_API_VERSION,
      resourceId: deployed.resourceId,
      image,
      upgradeMode,
      instanceNames: behind,
      batchSize: batchSizeOf(instances.length, job.rollDeployment),
    });
  }

  // ---------------------------------------------------------------- send

  private followUpAt(delayMs?: number): string {
    return new Date(this.now().getTime() + (delayMs ?? this.deps.settings.followUpSeconds * 1000)).toISOString();
  }

  private async advance(
    checkpoint: ApplyCheckpoint,
    etag: string,
    secrets: Secrets,
    resumed = false,
  ): Promise<ApplyProgress> {
    if (checkpoint.plan.target === 'spot') {
      if (this.deps.spot) return this.deps.spot.advance(checkpoint, etag, secrets, resumed);
      return failedWith(
        checkpoint,
        { target: 'spot', requests: [], notes: [] },
        {
          phase: 'failed',
          step: checkpoint.state.step,
          steps: checkpoint.plan.requests.length,
          attempt: checkpoint.state.attempt,
        },
        [
          problem(
            '',
            'apply-not-configured',
            'The Spot target is not configured in this deployment: the job cannot continue.',
          ),
        ],
      );
    }
    const azure = this.deps.azure;
    const plan = checkpoint.plan;
    const shown = jobPlanOf(plan);
    const applyOf = applyOfPlan(plan);
    if (!azure)
      return failedWith(checkpoint, shown, applyOf(checkpoint.state, 'failed'), [
        problem('', 'apply-not-configured', 'ARM is not configured in this deployment: the job cannot continue.'),
      ]);
    const owner = ownershipTagsOf(checkpoint.subscriptionId, checkpoint.kind, checkpoint.name);
    const deadline = Date.now() + this.deps.settings.pollBudgetMs;
    // Every Azure request of a plan may be sent again safely: a create carries If-None-Match (a
    // create that finds the group's own resource follows it), an update PUT, a PATCH, a manual
    // upgrade and an extension PUT say what the resource should be. So a request is checkpointed
    // when it waits, not before it is sent.
    let state = checkpoint.state;
    let first = resumed;
    const steps = plan.requests.length;
    while (state.step < steps) {
      const checked = await this.checkBeforeSend(azure, plan, state, owner, first);
      first = false;
      if ('refusal' in checked) return failedWith(checkpoint, shown, applyOf(state, 'failed'), [checked.refusal]);
      state = checked.state;
      const sent = await this.sendStep(azure, checkpoint, state, secrets, owner, deadline);
      if ('refusal' in sent) return failedWith(checkpoint, shown, applyOf(state, 'failed'), [sent.refusal]);
      state = sent.state;
      const result = sent.result;
      if (result.kind === 'failed') return this.failure(checkpoint, etag, state, shown, result.failure, applyOf);
      if (result.kind === 'waiting') {
        state = {
          ...withoutProgress(state),
          ...result.state,
          step: state.step,
          attempt: state.attempt,
          followUps: state.followUps,
        };
        return this.wait(checkpoint, etag, state, shown, applyOf(state, 'waiting', { nextCheckAt: this.followUpAt() }));
      }
      const { batchEndedAt: _ended, ...next } = withoutProgress(state);
      state = { ...next, step: state.step + 1 };
      // Out of budget with requests left: a follow-up continues at once.
      if (state.step < steps && Date.now() >= deadline)
        return this.wait(
          checkpoint,
          etag,
          state,
          shown,
          applyOf(state, 'waiting', { nextCheckAt: this.followUpAt(0) }),
        );
    }
    const deployment = await this.deploymentOf(checkpoint, plan);
    return {
      kind: 'succeeded',
      plan: shown,
      apply: applyOf(state, 'succeeded'),
      deployment,
      checkpoint: { ...checkpoint, state },
    };
  }

  /**
   * What is checked before a request of the plan is sent: a create the last delivery may have sent
   * before it stopped (`lookFirst`) looks first and follows the group's own resource instead of
   * sending the create again; an update touches a resource only when its tags say it is the group's.
   */
  private async checkBeforeSend(
    azure: AzureTarget,
    plan: AzurePlan,
    state: ApplyState,
    owner: Record<string, string>,
    lookFirst: boolean,
  ): Promise<{ state: ApplyState } | { refusal: JobProblem }> {
    const request = plan.requests[state.step];
    if (lookFirst && !state.poller && !state.watching && request?.headers?.['If-None-Match'] === '*') {
      const existing = await azure.read(plan.resourceId);
      if (existing && !ownedBy(existing.tags, owner)) return { refusal: notOwned(plan.resourceId) };
      // A retry after a failed create sends it again over the group's own (failed) resource.
      if (existing) state = state.retry ? { ...state, replaceOwn: true } : { ...state, watching: true };
    }
    const fresh = !state.poller && !state.watching && !state.batchEndedAt;
    if (fresh && request?.method === 'PUT' && state.step === 0 && !request.headers?.['If-None-Match']) {
      const existing = await azure.read(plan.resourceId);
      if (!existing)
        return {
          refusal: problem(
            '',
            'azure:ResourceNotFound',
            `${plan.resourceId} no longer exists on Azure (deleted outside this service): nothing was sent. Delete the group, or create it again.`,
          ),
        };
      if (!ownedBy(existing.tags, owner)) return { refusal: notOwned(plan.resourceId) };
    }
    return { state };
  }

  /**
   * Sends the request of the plan under way (with the secrets, when it is sent afresh) or continues
   * its operation, for at most the poll budget; after a batch's upgrade, reads the batch's health.
   */
  private async sendStep(
    azure: AzureTarget,
    checkpoint: ApplyCheckpoint,
    state: ApplyState,
    secrets: Secrets,
    owner: Record<string, string>,
    deadline: number,
  ): Promise<{ state: ApplyState; result: StepResult } | { refusal: JobProblem }> {
    const plan = checkpoint.plan as AzurePlan;
    if (state.batchEndedAt) return { state, result: await this.batchHealth(checkpoint, plan, state) };
    const fresh = !state.poller && !state.watching;
    let sendable: AzurePlan;
    try {
      const requests = plan.requests
        .slice(0, state.step + 1)
        .map((r, i) => (i === state.step && state.replaceOwn ? { method: r.method, url: r.url, body: r.body } : r));
      sendable = fresh ? withSecrets({ ...plan, requests }, secrets) : plan;
    } catch (err) {
      if (!(err instanceof MissingSecretError)) throw err;
      return {
        refusal: problem(
          '',
          'secret-not-kept',
          `The message that continues the apply lacks ${err.what} (secrets are never stored): submit the job again.`,
        ),
      };
    }
    const azureState = {
      step: state.step,
      ...(state.poller ? { poller: state.poller } : {}),
      ...(state.watching ? { watching: true } : {}),
    };
    const result = await azure.advance(
      sendable,
      azureState,
      (r) => ownedBy(r.tags, owner),
      Math.max(1000, deadline - Date.now()),
    );
    if (result.kind === 'done' && isManualUpgrade(plan.requests[state.step]?.url ?? '')) {
      const waited = withoutProgress({ ...state, batchEndedAt: this.now().toISOString() });
      return { state: waited, result: await this.batchHealth(checkpoint, plan, waited) };
    }
    return { state, result };
  }

  /** After a batch's upgrade: healthy → the next request; still starting within the grace period → wait; unhealthy → the roll stops. */
  private async batchHealth(checkpoint: ApplyCheckpoint, plan: AzurePlan, state: ApplyState): Promise<StepResult> {
    const azure = this.deps.azure as AzureTarget;
    const upgradedNames = new Set(
      plan.requests
        .slice(0, state.step + 1)
        .flatMap((r) => (isManualUpgrade(r.url) ? ((r.body.instanceIds as string[] | undefined) ?? []) : []))
        .map((n) => n.toLowerCase()),
    );
    const instances = (await azure.instances(plan.resourceId)).filter((i) => upgradedNames.has(i.name.toLowerCase()));
    const grace = (checkpoint.rollDeployment?.gracePeriod ?? 600) * 1000;
    const graceOver = this.now().getTime() - Date.parse(state.batchEndedAt ?? this.now().toISOString()) >= grace;
    const verdict = batchVerdict(instances, maxUnhealthyPercentOf(checkpoint.rollDeployment), graceOver);
    if (verdict.kind === 'healthy') return { kind: 'done' };
    if (verdict.kind === 'wait') return { kind: 'waiting', state: { batchEndedAt: state.batchEndedAt } };
    return { kind: 'failed', failure: { code: 'roll-unhealthy', message: verdict.message } };
  }

  private wait(
    checkpoint: ApplyCheckpoint,
    etag: string,
    state: ApplyState,
    plan: JobPlan,
    apply: JobApply,
  ): Promise<ApplyProgress> {
    return waitWith(this.deps.checkpoints, checkpoint, etag, state, plan, apply);
  }

  private async failure(
    checkpoint: ApplyCheckpoint,
    etag: string,
    state: ApplyState,
    plan: JobPlan,
    failure: TargetFailure,
    applyOf: (state: ApplyState, phase: JobApply['phase'], extra?: Partial<JobApply>) => JobApply,
  ): Promise<ApplyProgress> {
    const kind = failureKindOf(failure);
    if (
      (kind === 'capacity' || kind === 'conflict' || kind === 'throttled') &&
      state.attempt < this.deps.settings.maxAttempts
    ) {
      // The same request again later (a create's If-None-Match still guards it).
      const delay = retryDelayMs(state.attempt, this.deps.settings.retryBaseMs);
      const retry: ApplyState = {
        step: state.step,
        attempt: state.attempt + 1,
        followUps: state.followUps,
        retry: true,
      };
      return this.wait(
        checkpoint,
        etag,
        retry,
        plan,
        applyOf(retry, 'waiting', {
          lastFailure: `${failure.code}: ${failure.message}`.slice(0, 1000),
          nextCheckAt: this.followUpAt(delay),
        }),
      );
    }
    const failed = failedWith(checkpoint, plan, applyOf(state, 'failed'), [targetProblem(failure, state.attempt)]);
    // A roll that stopped part way: the group's deployment shows where its VMs are now.
    const changed = state.step > 0 || failure.code === 'roll-unhealthy';
    return changed && failed.kind === 'failed'
      ? { ...failed, deployment: await this.deploymentOf(checkpoint, checkpoint.plan as AzurePlan, false) }
      : failed;
  }

  /** The group's deployment as Azure has it now. */
  private async deploymentOf(checkpoint: ApplyCheckpoint, plan: AzurePlan, succeeded = true): Promise<Deployment> {
    const azure = this.deps.azure as AzureTarget;
    const [resource, instances] = await Promise.all([azure.read(plan.resourceId), azure.instances(plan.resourceId)]);
    return {
      target: 'azure',
      resourceId: resource?.id ?? plan.resourceId,
      provisioningState: resource?.provisioningState ?? 'Unknown',
      ...(succeeded && checkpoint.resolvedImageVersionId
        ? { imageVersionId: checkpoint.resolvedImageVersionId }
        : !succeeded && checkpoint.previous?.deployment?.imageVersionId
          ? { imageVersionId: checkpoint.previous.deployment.imageVersionId }
          : {}),
      appliedAt: succeeded
        ? this.now().toISOString()
        : (checkpoint.previous?.deployment?.appliedAt ?? this.now().toISOString()),
      ...(resource?.upgradeMode ? { upgradeMode: resource.upgradeMode } : {}),
      instances: instances.map((i) => ({
        name: i.name,
        ...(i.imageVersionId ? { imageVersionId: i.imageVersionId } : {}),
        ...(i.health ? { health: i.health } : {}),
      })),
    };
  }
}

/** Where a job's apply is, for a plan: its step (at most the plan's length), attempt and resource. */
function applyOfPlan(plan: AzurePlan) {
  const steps = plan.requests.length;
  return (state: ApplyState, phase: JobApply['phase'], extra: Partial<JobApply> = {}): JobApply => ({
    phase,
    step: Math.min(state.step, steps),
    steps,
    attempt: state.attempt,
    resourceId: plan.resourceId,
    ...extra,
  });
}

type StepResult =
  { kind: 'done' } | { kind: 'waiting'; state: Partial<ApplyState> } | { kind: 'failed'; failure: TargetFailure };

/** The state without what belongs to one request (its poller, its watch, its batch's wait). */
function withoutProgress(state: ApplyState): ApplyState {
  const { poller: _p, watching: _w, unsure: _u, retry: _r, replaceOwn: _o, ...rest } = state;
  return rest;
}

export function failedWith(
  checkpoint: ApplyCheckpoint,
  plan: JobPlan,
  apply: JobApply,
  errors: JobProblem[],
): ApplyProgress {
  return { kind: 'failed', plan, apply: { ...apply, phase: 'failed' }, errors, checkpoint };
}

/** Checkpoints the job's progress; the caller schedules the follow-up at `apply.nextCheckAt`. */
export async function waitWith(
  checkpoints: ApplyCheckpoints,
  checkpoint: ApplyCheckpoint,
  etag: string,
  state: ApplyState,
  plan: JobPlan,
  apply: JobApply,
): Promise<ApplyProgress> {
  const next: ApplyCheckpoint = { ...checkpoint, state: { ...state, followUps: state.followUps + 1 } };
  const saved = await checkpoints.save(next, etag);
  if (saved === undefined) throw new ApplyRaceError('the group apply checkpoint changed under the job');
  return { kind: 'waiting', plan, apply, checkpoint: next, etag: saved };
}

/** Another delivery changed the checkpoint: transient, the message is delivered again and continues from it. */
export class ApplyRaceError extends Error {
  override readonly name = 'ApplyRaceError';
}

const isManualUpgrade = (url: string): boolean => /\/manualupgrade\?/i.test(url);

function notOwned(resourceId: string): JobProblem {
  return problem(
    '',
    'azure:ResourceNotOwned',
    `${resourceId} exists and its tags do not name this group: nothing was changed.`,
  );
}

/** A target failure as a job error: the target's code, the quota named for a quota failure. */
function targetProblem(failure: TargetFailure, attempts: number): JobProblem {
  const kind = failureKindOf(failure);
  const quota = kind === 'quota' ? quotaNamed(failure.message) : undefined;
  const tried =
    kind === 'capacity' || kind === 'conflict' || kind === 'throttled' ? ` (after ${attempts} attempts)` : '';
  return problem(
    '',
    jobCodeOf('azure', failure),
    `${quota ? `Quota ${quota} exceeded: ` : ''}${failure.message}${tried}`.slice(0, 2000),
  );
}

/** The plan as a job shows it: requests without headers, scripts as digests. */
export function jobPlanOf(plan: AzurePlan): JobPlan {
  const shown = publicPlanOf(plan);
  return {
    target: 'azure',
    requests: shown.requests.map((r) => ({ method: r.method, url: r.url, body: r.body })),
    notes: [...shown.notes],
  };
}

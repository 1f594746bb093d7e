/**
 * The Spot target of the apply (docs/apply-spot.md): a validated job's plan is the exact Spot
 * requests (shared/domain/spot-plan.ts), and in apply mode they are sent with the Spot API client
 * (spot.ts), one at a time, from the group's checkpoint (checkpoints.ts) that a later delivery
 * continues.
 *
 * - create: `POST /azure/compute/group` (or `…/statefulNode`); update: `PUT …/{id}` of the id the
 *   group's deployment records; roll of a Spot-applied group: the PUT of the new version, then one
 *   blue/green deployment (`POST …/group/{id}/deployment`) followed to its end, or for a stateful
 *   node the PUT and a recycle (`PUT …/statefulNode/{id}/state`).
 * - A request Spot may carry out twice (a POST, a state change) is checkpointed as `unsure` before
 *   it is sent. A later delivery that finds it so looks first: a create finds its group by name in
 *   the account (Spot's Ansible modules' way: the list, an exact compare, more than one refused),
 *   a deployment the group's newest deployment; the request goes again only when nothing is there.
 *   A deployment's id is checkpointed as soon as Spot answers, before anything else can happen.
 * - 429, 5xx and lost answers are tried again after `retryDelayMs(attempt)` (or Spot's
 *   `X-RateLimit-Reset` when longer), up to `maxAttempts` sends, by a follow-up message; any other
 *   failure is final, as the job error `spot:<code>` with Spot's `field` as a JSON Pointer into the
 *   job body. `GROUP_DOESNT_EXIST` on an update or a roll says the group was deleted at Spot.
 * - The token is the client's (asked for on each call); nothing here holds it. Secrets of the job
 *   are put in the request being sent, in memory, from the job's message.
 */
import { bodyRootOf, type JobKind } from '../domain/job-envelope.js';
import {
  jobCodeOf,
  retryDelayMs,
  type Deployment,
  type JobApply,
  type JobPlan,
  type SpotDeploymentView,
} from '../domain/apply.js';
import {
  isSpotRefusal,
  planSpot,
  planSpotRoll,
  withSecrets,
  type SpotPlan,
  type SpotPlanResult,
  type SpotRequest,
} from '../domain/spot-plan.js';
import {
  GROUP_DOESNT_EXIST,
  pointerOfSpotField,
  type SpotClient,
  type SpotDeploymentState,
  type SpotFailure,
} from './spot.js';
import {
  ApplyRaceError,
  failedWith,
  waitWith,
  type ApplyJob,
  type ApplyFlowSettings,
  type ApplyProgress,
  type Secrets,
  type SpotApplyTarget,
} from './flow.js';
import type { ApplyCheckpoint, ApplyCheckpoints, ApplyState } from './checkpoints.js';
import type { JobProblem } from '../jobs/store.js';

type Spec = Record<string, unknown>;
type SpotKind = Extract<JobKind, 'statelessGroup' | 'statefulNode'>;

export interface SpotTargetDeps {
  checkpoints: ApplyCheckpoints;
  /** The Spot API client (built with no retries of its own: the retries are follow-ups); undefined when not configured. */
  client?: SpotClient;
  /** Why the client is missing (config `spot.notConfigured`). */
  notConfigured?: string;
  settings: ApplyFlowSettings;
  now?: () => Date;
}

const problem = (pointer: string, code: string, message: string): JobProblem => ({ pointer, code, message });
const isObj = (v: unknown): v is Spec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The version name of a gallery image version id (`…/versions/1.10.0` → `1.10.0`). */
function versionOf(imageVersionId: string | undefined): string | undefined {
  const m = /\/versions\/([^/]+)$/i.exec(imageVersionId ?? '');
  return m?.[1];
}

/** The Spot account of the job: the account the caller submits as (`act-…`). */
const accountOf = (job: ApplyJob): string => job.envelope.caller.account;

/** The plan as a job shows it (the plan holds no secret: markers only). */
export function spotJobPlanOf(plan: SpotPlan): JobPlan {
  return {
    target: 'spot',
    requests: plan.requests.map((r) => ({ method: r.method, url: r.url, body: { ...r.body } })),
    notes: plan.notes.map((n) => `${n.pointer}: ${n.message}`),
  };
}

export class SpotTarget implements SpotApplyTarget {
  private readonly now: () => Date;

  constructor(private readonly deps: SpotTargetDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  notConfigured(): string | undefined {
    return this.deps.client
      ? undefined
      : `The Spot API is not configured in this deployment (${this.deps.notConfigured ?? 'SPOT_API_TOKEN is not set'})`;
  }

  // ---------------------------------------------------------------- plan

  plan(job: ApplyJob): { plan: SpotPlan; shown: JobPlan } | { errors: JobProblem[] } {
    const kind = job.kind;
    const accountId = accountOf(job);
    const deployed = job.previous?.deployment?.target === 'spot' ? job.previous.deployment : undefined;
    const spec = job.storedSpec as Spec;
    const resolvedVersion = versionOf(job.resolvedImageVersionId);
    let result: SpotPlanResult;
    try {
      if (job.envelope.roll && deployed) {
        result = planSpotRoll({
          kind,
          accountId,
          spotId: deployed.resourceId,
          spec,
          toVersion: job.envelope.roll.toVersion,
          ...(job.rollDeployment ? { deployment: job.rollDeployment } : {}),
        });
      } else if (deployed) {
        // Spot's partial update: the job's changes as given (the plan turns their secrets into markers).
        const given = (job.envelope.body as Spec)[bodyRootOf(kind)];
        const changes = job.envelope.action === 'update' && isObj(given) ? given : undefined;
        result = planSpot({
          kind,
          accountId,
          spec,
          spotId: deployed.resourceId,
          ...(changes ? { changes } : {}),
          ...(job.previous ? { storedSpec: job.previous.spec as Spec } : {}),
          ...(resolvedVersion ? { resolvedVersion } : {}),
        });
      } else {
        result = planSpot({ kind, accountId, spec, ...(resolvedVersion ? { resolvedVersion } : {}) });
      }
    } catch (err) {
      return {
        errors: [
          problem(
            `/body/${bodyRootOf(kind)}`,
            'apply-plan-failed',
            `The group cannot be planned for Spot: ${err instanceof Error ? err.message : String(err)}`,
          ),
        ],
      };
    }
    if (isSpotRefusal(result)) {
      const r = result.refused;
      return { errors: [problem(r.pointer ?? '', r.code, `${r.message} (${r.source})`)] };
    }
    return { plan: result, shown: spotJobPlanOf(result) };
  }

  // ---------------------------------------------------------------- send

  async advance(checkpoint: ApplyCheckpoint, etag: string, secrets: Secrets): Promise<ApplyProgress> {
    const plan = checkpoint.plan as SpotPlan;
    const shown = spotJobPlanOf(plan);
    const steps = plan.requests.length;
    const kind = checkpoint.kind as SpotKind;
    const accountId = accountIdOf(plan);
    let state = checkpoint.state;
    let current = { checkpoint, etag };
    /** The deployment of a roll, as last read in this delivery. */
    let view: SpotDeploymentView | undefined;
    const applyOf = (s: ApplyState, phase: JobApply['phase'], extra: Partial<JobApply> = {}): JobApply => ({
      phase,
      step: Math.min(s.step, steps),
      steps,
      attempt: s.attempt,
      ...(s.spotId ? { resourceId: s.spotId } : {}),
      ...extra,
    });
    const client = this.deps.client;
    if (!client)
      return failedWith(checkpoint, shown, applyOf(state, 'failed'), [
        problem(
          '',
          'apply-not-configured',
          `${this.notConfigured() ?? 'The Spot API is not configured'}: the job cannot continue.`,
        ),
      ]);
    /** Saves the state now (ETag-guarded: another delivery that changed the checkpoint wins). */
    const save = async (next: ApplyState): Promise<void> => {
      const c: ApplyCheckpoint = { ...current.checkpoint, state: next };
      const saved = await this.deps.checkpoints.save(c, current.etag);
      if (saved === undefined) throw new ApplyRaceError('the group apply checkpoint changed under the job');
      current = { checkpoint: c, etag: saved };
      state = next;
    };
    const fail = (failure: SpotFailure, s: ApplyState): Promise<ApplyProgress> =>
      this.failure(current.checkpoint, current.etag, s, shown, failure, applyOf);

    while (state.step < steps) {
      const request = plan.requests[state.step] as SpotRequest;
      const action = request.action;
      if (!state.spotId) {
        const known = idInUrl(request.url);
        if (known) state = { ...state, spotId: known };
      }

      // A roll's deployment under way: follow it.
      if (action === 'deploy' && state.deploymentId) {
        const followed = await this.followDeployment(client, current, accountId, state, shown, applyOf);
        if ('progress' in followed) return followed.progress;
        view = followed.view;
        state = { ...withoutRequest(state), step: state.step + 1 };
        continue;
      }

      // A request the last delivery may have sent: look before sending it again.
      if (state.unsure && (action === 'create' || action === 'deploy')) {
        const found = await this.lookFirst(client, current.checkpoint, accountId, kind, state, action);
        if (!found.ok) return fail(found.failure, state);
        if (found.value !== undefined) {
          if (action === 'create') {
            state = { ...withoutRequest(state), step: state.step + 1, spotId: found.value };
            continue;
          }
          await save({ ...withoutRequest(state), deploymentId: found.value });
          continue;
        }
      } else if (state.unsure && action === 'recycle') {
        // A recycle cannot be told from Spot's answers afterwards; a second one would recycle again.
        state = { ...withoutRequest(state), step: state.step + 1 };
        continue;
      }

      const filled = action === 'create' || action === 'update' ? withSecretsOf(request, secrets) : { request };
      if ('missing' in filled) {
        return failedWith(current.checkpoint, shown, applyOf(state, 'failed'), [
          problem(
            '',
            'secret-not-kept',
            `The message that continues the apply lacks ${filled.missing.join(', ')} (secrets are never stored): submit the job again.`,
          ),
        ]);
      }
      const sendable = filled.request;
      // Spot may carry out a POST or a state change whose answer is lost: checkpointed first.
      if (request.method === 'POST' || action === 'recycle') await save({ ...state, unsure: true });
      const sent = await client.send(sendable);
      if (!sent.ok) return fail(sent.failure, state);
      const id = typeof sent.value?.id === 'string' ? sent.value.id : undefined;
      if (action === 'deploy') {
        if (!id)
          return fail(
            {
              status: 200,
              code: 'spot-bad-response',
              message: 'Spot answered the deployment without its id',
              retryable: false,
            },
            state,
          );
        // Saved before anything else: a delivery after this one follows it, never starts another.
        await save({ ...withoutRequest(state), deploymentId: id });
        continue;
      }
      state = { ...withoutRequest(state), step: state.step + 1, ...(action === 'create' && id ? { spotId: id } : {}) };
    }
    if (!state.spotId)
      return fail(
        {
          status: 200,
          code: 'spot-bad-response',
          message: 'Spot answered the create without the group id',
          retryable: false,
        },
        state,
      );
    return {
      kind: 'succeeded',
      plan: shown,
      apply: applyOf(state, 'succeeded', view ? { spotDeployment: view } : {}),
      deployment: this.deploymentOf(current.checkpoint, state, true, view),
      checkpoint: { ...current.checkpoint, state },
    };
  }

  /**
   * Reads a roll's deployment under way: still running → the job waits (a follow-up reads it
   * again); failed → the job fails with Spot's reason and the group keeps its version; ended well →
   * its view, and the roll goes on.
   */
  private async followDeployment(
    client: SpotClient,
    current: { checkpoint: ApplyCheckpoint; etag: string },
    accountId: string,
    state: ApplyState,
    shown: JobPlan,
    applyOf: (s: ApplyState, phase: JobApply['phase'], extra?: Partial<JobApply>) => JobApply,
  ): Promise<{ progress: ApplyProgress } | { view: SpotDeploymentView }> {
    const read = await client.deployment(accountId, state.spotId as string, state.deploymentId as string);
    if (!read.ok)
      return { progress: await this.failure(current.checkpoint, current.etag, state, shown, read.failure, applyOf) };
    const view = viewOf(read.value);
    if (read.value.outcome === 'running')
      return {
        progress: await waitWith(
          this.deps.checkpoints,
          current.checkpoint,
          current.etag,
          state,
          shown,
          applyOf(state, 'waiting', { nextCheckAt: this.followUpAt(), spotDeployment: view }),
        ),
      };
    if (read.value.outcome === 'failed') {
      const reason = read.value.failureMessage ?? `status ${read.value.status}`;
      const failed = failedWith(current.checkpoint, shown, applyOf(state, 'failed', { spotDeployment: view }), [
        problem(
          '',
          'spot:DEPLOYMENT_FAILED',
          `The blue/green deployment ${read.value.id} of Spot group ${state.spotId ?? ''} failed: ${reason}`.slice(
            0,
            2000,
          ),
        ),
      ]);
      return {
        progress:
          failed.kind === 'failed'
            ? { ...failed, deployment: this.deploymentOf(current.checkpoint, state, false, view) }
            : failed,
      };
    }
    return { view };
  }

  /** What a request whose answer was lost left at Spot: the group of this name (create), or the group's deployment started by this job (deploy). */
  private async lookFirst(
    client: SpotClient,
    checkpoint: ApplyCheckpoint,
    accountId: string,
    kind: SpotKind,
    state: ApplyState,
    action: 'create' | 'deploy',
  ) {
    if (action === 'create') {
      const found = await client.findByName(accountId, kind, checkpoint.name);
      return found.ok
        ? { ok: true as const, value: typeof found.value?.id === 'string' ? found.value.id : undefined }
        : found;
    }
    const latest = await client.latestDeployment(accountId, state.spotId as string);
    if (!latest.ok) return latest;
    // The group's apply lock kept other jobs out since this one started: a deployment created since is this job's.
    const mine =
      latest.value &&
      (latest.value.createdAt === undefined ||
        Date.parse(latest.value.createdAt) >= Date.parse(checkpoint.startedAt) - 60_000);
    return { ok: true as const, value: mine ? latest.value?.id : undefined };
  }

  private followUpAt(delayMs?: number): string {
    return new Date(this.now().getTime() + (delayMs ?? this.deps.settings.followUpSeconds * 1000)).toISOString();
  }

  /** 429, 5xx, a lost answer: again after the wait, a bounded number of times; anything else is final. */
  private async failure(
    checkpoint: ApplyCheckpoint,
    etag: string,
    state: ApplyState,
    plan: JobPlan,
    failure: SpotFailure,
    applyOf: (s: ApplyState, phase: JobApply['phase'], extra?: Partial<JobApply>) => JobApply,
  ): Promise<ApplyProgress> {
    const request = (checkpoint.plan as SpotPlan).requests[state.step];
    if (failure.retryable && state.attempt < this.deps.settings.maxAttempts) {
      const delay = Math.max(retryDelayMs(state.attempt, this.deps.settings.retryBaseMs), failure.retryAfterMs ?? 0);
      // Looked at first next time only when Spot may have carried it out (a 429 was turned away before any work).
      const { unsure: _unsure, ...rest } = state;
      const retry: ApplyState = {
        ...rest,
        attempt: state.attempt + 1,
        retry: true,
        ...(failure.mayHaveApplied ? { unsure: true } : {}),
      };
      return waitWith(
        this.deps.checkpoints,
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
    const kind = checkpoint.kind as SpotKind;
    let error: JobProblem;
    if (failure.code === GROUP_DOESNT_EXIST && request?.action !== 'create') {
      const what = kind === 'statelessGroup' ? 'group' : 'stateful node';
      error = problem(
        '',
        jobCodeOf('spot', failure),
        `The Spot ${what} ${state.spotId ?? ''} was deleted at Spot (outside this service): nothing was changed. Delete the group here, or create it again. Spot said: ${failure.message}`.slice(
          0,
          2000,
        ),
      );
    } else {
      const tried = failure.retryable ? ` (after ${state.attempt} attempts)` : '';
      const request = failure.requestId ? ` (Spot request ${failure.requestId})` : '';
      error = problem(
        pointerOfSpotField(kind, failure.field) ?? '',
        jobCodeOf('spot', failure),
        `${failure.message}${tried}${request}`.slice(0, 2000),
      );
    }
    return failedWith(checkpoint, plan, applyOf(state, 'failed'), [error]);
  }

  /** The group's deployment: its Spot id, the version it is on (a failed roll leaves the previous one). */
  private deploymentOf(
    checkpoint: ApplyCheckpoint,
    state: ApplyState,
    succeeded: boolean,
    view: SpotDeploymentView | undefined,
  ): Deployment {
    const previous = checkpoint.previous?.deployment;
    const imageVersionId = succeeded ? checkpoint.resolvedImageVersionId : previous?.imageVersionId;
    return {
      target: 'spot',
      resourceId: state.spotId ?? previous?.resourceId ?? '',
      provisioningState: succeeded ? 'Succeeded' : 'Failed',
      ...(imageVersionId ? { imageVersionId } : {}),
      appliedAt: succeeded ? this.now().toISOString() : (previous?.appliedAt ?? this.now().toISOString()),
      ...(view ? { spotDeployment: view } : {}),
    };
  }
}

/** The state without what belongs to one request. */
/** A create or update request with the submission's secrets in place of their markers, or the secrets it lacks. */
function withSecretsOf(
  request: SpotRequest,
  secrets: Secrets,
): { request: SpotRequest } | { missing: readonly string[] } {
  const filled = withSecrets(
    { target: 'spot', requests: [request], notes: [] },
    {
      ...(secrets.adminPassword !== undefined ? { password: secrets.adminPassword } : {}),
      ...(secrets.extensionProtectedSettings ? { protectedSettings: secrets.extensionProtectedSettings } : {}),
    },
  );
  return filled.ok ? { request: filled.requests[0] as SpotRequest } : { missing: filled.missing };
}

function withoutRequest(state: ApplyState): ApplyState {
  const { unsure: _u, retry: _r, deploymentId: _d, ...rest } = state;
  return rest;
}

/** The `accountId` every request of the plan names. */
function accountIdOf(plan: SpotPlan): string {
  const url = plan.requests[0]?.url ?? '';
  return new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('accountId') ?? '';
}

/** The group's or node's id in a request path (`/azure/compute/group/sig-…`), when the request names one. */
function idInUrl(url: string): string | undefined {
  const m = /^\/azure\/compute\/(?:group|statefulNode)\/([^/?]+)/.exec(url);
  return m ? decodeURIComponent(m[1] as string) : undefined;
}

function viewOf(d: SpotDeploymentState): SpotDeploymentView {
  return {
    id: d.id,
    status: d.status,
    ...(d.progress ? { progress: d.progress.value } : {}),
    ...(d.currentBatch !== undefined ? { currentBatch: d.currentBatch } : {}),
    ...(d.numOfBatches !== undefined ? { numOfBatches: d.numOfBatches } : {}),
    outcome: d.outcome,
    ...(d.failureMessage ? { failureMessage: d.failureMessage } : {}),
  };
}

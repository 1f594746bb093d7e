/**
 * What the console shows of applying groups, computed from the API's answers without the DOM
 * (shared by the browser code and its unit tests):
 * - a job's plan (`plan` of `GET /api/groups/jobs/{id}`): each request's method, URL and body,
 *   the body pretty-printed (the API keeps no secret in it: `adminPasswordSet` stands for a password);
 * - a job's apply progress (`apply`): its phase in words, the request under way, the attempt, when
 *   the target is looked at next, the failure the next attempt follows;
 * - an applied group's deployment in the rollout (`deployment`): target, resource id, provisioning
 *   state and how many VMs run each image version.
 * The shapes are those of shared/domain/apply.ts and shared/autoroll/views.ts (a type test keeps
 * them assignable); the apply and deployment shapes live beside the rollout's, which carries them.
 */
import { durationText, timeText, type ApplyPhaseView, type DeploymentView, type JobApplyView } from './rollout.js';

// ---------------------------------------------------------------- API shapes (the fields read)

export interface PlanRequestView {
  method: string;
  url: string;
  body: Record<string, unknown>;
}

export interface JobPlanView {
  target: 'azure' | 'spot';
  requests: readonly PlanRequestView[];
  notes?: readonly string[];
}

// ---------------------------------------------------------------- words

const TARGET_TEXT: Record<JobPlanView['target'], string> = { azure: 'Azure', spot: 'Spot' };

export function targetText(target: JobPlanView['target']): string {
  return TARGET_TEXT[target];
}

/** A plan request's body as the page prints it: two-space indented JSON. */
export function planBodyText(request: PlanRequestView): string {
  return JSON.stringify(request.body, null, 2);
}

/** The plan's heading: "1 request to Azure" / "3 requests to Azure". */
export function planTitle(plan: JobPlanView): string {
  const n = plan.requests.length;
  return `${n} request${n === 1 ? '' : 's'} to ${targetText(plan.target)}`;
}

const PHASE_TEXT: Record<ApplyPhaseView, string> = {
  sending: 'Sending',
  waiting: 'Waiting',
  blocked: 'Blocked',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

export function phaseText(phase: ApplyPhaseView): string {
  return PHASE_TEXT[phase];
}

/** The page's colour of a phase (the rollout's tones). */
export function phaseTone(phase: ApplyPhaseView): 'ok' | 'progress' | 'failed' | 'held' {
  return phase === 'succeeded' ? 'ok' : phase === 'failed' ? 'failed' : phase === 'blocked' ? 'held' : 'progress';
}

/** "request 1 of 2, attempt 1" */
export function applyStepText(apply: JobApplyView): string {
  const step = apply.steps > 0 ? `request ${Math.min(apply.step + 1, apply.steps)} of ${apply.steps}` : 'no request';
  return `${step}, attempt ${apply.attempt}`;
}

/** When the job looks at its target again: "in 10 min (2026-12-07 06:10 UTC)"; "now (…)" once due. */
export function nextCheckText(nextCheckAt: string, now: Date): string {
  const left = Date.parse(nextCheckAt) - now.getTime();
  if (Number.isNaN(left)) return nextCheckAt;
  return `${left > 0 ? `in ${durationText(left)}` : 'now'} (${timeText(nextCheckAt)})`;
}

/** The apply in one line: "Waiting: request 1 of 1, attempt 1; next check in 10 min (…)". */
export function applySummary(apply: JobApplyView, now: Date): string {
  const next =
    apply.nextCheckAt && (apply.phase === 'waiting' || apply.phase === 'blocked' || apply.phase === 'sending')
      ? `; next check ${nextCheckText(apply.nextCheckAt, now)}`
      : '';
  return `${phaseText(apply.phase)}: ${applyStepText(apply)}${next}`;
}

/** How many of the deployment's VMs run each version: "3 VMs: 2 on 1.1.0, 1 on 1.0.0"; "no VM read yet". */
export function instancesText(instancesOn: DeploymentView['instancesOn']): string {
  const total = instancesOn.reduce((n, i) => n + i.count, 0);
  if (total === 0) return 'no VM read yet';
  return `${total} VM${total === 1 ? '' : 's'}: ${instancesOn.map((i) => `${i.count} on ${i.version}`).join(', ')}`;
}

/** The deployment in one line: "Azure Succeeded · 3 VMs: 2 on 1.1.0, 1 on 1.0.0" (the resource id is shown apart). */
export function deploymentSummary(d: DeploymentView): string {
  return `${targetText(d.target)} ${d.provisioningState} · ${instancesText(d.instancesOn)}`;
}

/** The last segment of an ARM id (a scale set's or VM's name). */
export function resourceName(resourceId: string): string {
  return resourceId.split('/').filter(Boolean).pop() ?? resourceId;
}

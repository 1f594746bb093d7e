/**
 * The console reads the API's own answers: its view types (shared/console) accept what the API
 * types (shared/autoroll/views.ts, shared/advice/replica-advisor.ts, shared/jobs/version-sizes.ts,
 * shared/access/caller-accounts.ts, shared/jobs/store.ts) give, so a change of an answer that
 * the console would misread fails to compile. Checked by `npm run typecheck`, not by a test run.
 */
import type { GroupRollsView, RollJobView, RolloutGroupView, RolloutView } from '../../shared/console/rollout.js';
import type { AutoRollViews, RolloutGroup, RollView } from '../../shared/autoroll/views.js';
import type { OrganizationAdvice, RegionReplicas, VersionReplicas } from '../../shared/console/replica-view.js';
import type {
  OrganizationAdviceView,
  RegionReplicasView,
  VersionReplicasView,
} from '../../shared/advice/replica-advisor.js';
import type { CallerAccountsView, VersionSizesView } from '../../shared/console/job-body.js';
import type { VersionSizes } from '../../shared/jobs/version-sizes.js';
import type { CallerAccounts } from '../../shared/access/caller-accounts.js';
import type { JobPlanView } from '../../shared/console/apply-view.js';
import type { DeploymentView, JobApplyView } from '../../shared/console/rollout.js';
import type { JobRecord } from '../../shared/jobs/store.js';
import type { Assert, Extends } from './assert.js';

// The rollout view and a group's roll history.
export type RolloutAnswer = Assert<Extends<Awaited<ReturnType<AutoRollViews['rollout']>>, RolloutView>>;
export type RollsAnswer = Assert<Extends<NonNullable<Awaited<ReturnType<AutoRollViews['rolls']>>>, GroupRollsView>>;
export type RolloutGroupAnswer = Assert<Extends<RolloutGroup, RolloutGroupView>>;
export type RollAnswer = Assert<Extends<RollView, RollJobView>>;

// The replica advice (the console reads a subset of the fields, with the same types).
export type VersionReplicasAnswer = Assert<Extends<VersionReplicasView, VersionReplicas>>;
export type RegionReplicasAnswer = Assert<Extends<RegionReplicasView, RegionReplicas>>;
export type OrganizationAdviceAnswer = Assert<Extends<OrganizationAdviceView, OrganizationAdvice>>;

// The sizes that can run a version, and the caller's accounts ("Use in a group job", the job form).
export type VersionSizesAnswer = Assert<Extends<VersionSizes, VersionSizesView>>;
export type CallerAccountsAnswer = Assert<Extends<CallerAccounts, CallerAccountsView>>;

// A job's plan and apply progress (the job page), an applied group's deployment (the rollout).
export type JobPlanAnswer = Assert<Extends<NonNullable<JobRecord['plan']>, JobPlanView>>;
export type JobApplyAnswer = Assert<Extends<NonNullable<JobRecord['apply']>, JobApplyView>>;
export type RolloutApplyAnswer = Assert<Extends<NonNullable<RolloutGroup['apply']>, JobApplyView>>;
export type DeploymentAnswer = Assert<Extends<NonNullable<RolloutGroup['deployment']>, DeploymentView>>;

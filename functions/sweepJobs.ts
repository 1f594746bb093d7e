import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from '../shared/services.js';

/**
 * Sends again the jobs whose message has not run (lost, or never sent because the app stopped
 * between the job's record and its message), and records failed those never delivered
 * (shared/jobs/sweep.ts).
 */
export async function sweepJobs(_timer: Timer, context: InvocationContext): Promise<void> {
  const s = await services().jobSweeper.sweep();
  if (s.resent + s.failed > 0)
    context.info(
      `job sweep: ${s.checked} pending, ${s.resent} sent again, ${s.failed} recorded not-delivered, ${s.removed} ended`,
    );
}

app.timer('sweepJobs', { schedule: '%JOBS_SWEEP_SCHEDULE%', handler: sweepJobs });

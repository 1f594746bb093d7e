import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { startLocal, type LocalPlace, type LocalStart } from '../support/local-start.js';

// No job stays queued: a burst of submissions to the local app, the app killed (SIGKILL) in the
// middle of it — its in-memory queue loses every message it held, as a real queue would not — and
// started again on the same data. The sweep (JOBS_SWEEP_SCHEDULE, JOBS_RESEND_AFTER_SECONDS) sends
// again what has not run, so every job answered 202, and every job recorded at all, reaches an end
// within the bound the sweep states: resendAfter + one sweep period + the run. The restart is
// `npm start` itself, as a developer would start again (it stops the Azurite the killed app left).
const SWEEP = { JOBS_SWEEP_SCHEDULE: '*/2 * * * * *', JOBS_RESEND_AFTER_SECONDS: '3' };
const BOUND_MS = (3 + 2) * 1000 + 15_000; // resend after + a sweep period + the run and polling, with room for a loaded machine
const JOBS = 80;
const example = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '../../examples/stateless-pinned.json'), 'utf8'),
) as { jobId: string; body: { group: { name: string } } };

let app: LocalStart | undefined;
afterAll(async () => {
  await app?.stop();
});

function job(n: number, run: string): Record<string, unknown> {
  const env = structuredClone(example);
  env.jobId = `crash-${run}-${n}`;
  env.body.group.name = `crash-${run}-${n}`;
  return env;
}

describe('a crash in the middle of a burst of submissions', () => {
  it('leaves no job queued: every job answered 202, and every job recorded, reaches an end after a restart', async () => {
    const first = await startLocal(SWEEP);
    app = first;
    const place: LocalPlace = first.place;
    const run = Date.now().toString(36);
    const accepted = new Set<string>();
    let sent = 0;
    // 8 clients; the app is killed once 30 jobs were answered
    const client = async (): Promise<void> => {
      while (sent < JOBS) {
        const env = job(sent++, run);
        try {
          const res = await fetch(`${first.url}/api/groups/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(env),
          });
          if (res.status === 202) accepted.add(String(env.jobId));
          if (accepted.size === 30 && first.child.exitCode === null) first.child.kill('SIGKILL');
        } catch {
          // the connection died with the app
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    expect(accepted.size).toBeGreaterThanOrEqual(30);
    expect(accepted.size).toBeLessThan(JOBS); // the kill landed mid-burst
    await new Promise<void>((resolve) =>
      first.child.exitCode !== null || first.child.signalCode !== null
        ? resolve()
        : first.child.once('exit', () => resolve()),
    );
    expect(first.child.signalCode).toBe('SIGKILL');

    app = await startLocal(SWEEP, place, { npm: true });
    const restarted = app;
    const started = Date.now();
    const ended = new Map<string, string>();
    const recorded = new Set<string>();
    const ids = Array.from({ length: JOBS }, (_, n) => `crash-${run}-${n}`);
    while (Date.now() - started < BOUND_MS) {
      for (const id of ids) {
        if (ended.has(id)) continue;
        const res = await fetch(`${restarted.url}/api/groups/jobs/${id}`);
        if (res.status !== 200) continue;
        recorded.add(id);
        const status = ((await res.json()) as { status: string }).status;
        if (['succeeded', 'failed', 'deadLettered'].includes(status)) ended.set(id, status);
      }
      if ([...recorded].every((id) => ended.has(id)) && [...accepted].every((id) => ended.has(id))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const stuck = [...new Set([...accepted, ...recorded])].filter((id) => !ended.has(id));
    console.info(
      `crash sweep: ${accepted.size} accepted, ${recorded.size} recorded, ${ended.size} ended ${Date.now() - started} ms after the restart served`,
    );
    expect(stuck, `still not ended after ${BOUND_MS} ms`).toEqual([]);
    for (const id of accepted) expect(ended.get(id), id).toBe('succeeded');
    // the sweep did the work: it logged what it sent again
    expect(restarted.output()).toMatch(/job sweep: \d+ pending, [1-9]\d* sent again/);
  }, 180_000);
});

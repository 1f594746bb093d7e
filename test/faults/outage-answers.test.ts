import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startAzurite, tableConnectionString, type RunningAzurite } from '../../dev/azurite.js';
import { startJobsHost, envelope, galleryImage, PUBLISHER_ACCOUNT, type JobsHost } from '../support/jobs-host.js';
import { TcpGate } from './tcp-gate.js';

// The table store goes away under the running app: every request that needs it is answered
// 503 problem+json with Retry-After, never 500, and the log says which dependency failed in one line.
let azurite: RunningAzurite;
let gate: TcpGate;
let host: JobsHost;

beforeAll(async () => {
  azurite = await startAzurite();
  gate = new TcpGate(azurite.port);
  await gate.up();
  host = await startJobsHost(tableConnectionString(gate.port), { GROUP_JOBS_MAX_DELIVERY_COUNT: '2' });
});
afterAll(async () => {
  await host.stop();
  await gate.down();
  await azurite.stop();
});

describe('table store outage', () => {
  it('lookups, job reads and submits answer 503 problem+json with Retry-After, then recover', async () => {
    const before = host.logs.length;
    await gate.down();
    const env = envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT));
    // (each waits out the table client's retries, about 6 s, so they run side by side)
    const answers = await Promise.all([
      host.request('GET', 'subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups'),
      host.request('GET', 'groups/jobs/some-job'),
      host.submit(env),
      host.request('GET', 'manage/organizations'),
    ]);
    for (const a of answers) {
      expect(a.status, JSON.stringify(a.body)).toBe(503);
      expect(a.headers.get('content-type')).toBe('application/problem+json');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(a.body).toMatchObject({ status: 503, dependency: 'tableStorage' });
      expect(JSON.stringify(a.body)).not.toMatch(/ECONN|127\.0\.0\.1|stack|at /);
    }
    const lines = host.logs.slice(before).filter((l) => l.level === 'warning' || l.level === 'error');
    expect(lines.length).toBeGreaterThanOrEqual(answers.length);
    for (const l of lines) {
      expect(l.level).toBe('warning');
      expect(l.message).toMatch(/tableStorage unavailable, answered 503/);
      expect(l.message).not.toMatch(/\n|^\s+at /);
    }
    await gate.up();
    const job = await host.run(env);
    expect(job.status).toBe('succeeded');
  });
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../dev/azurite.js';
import { startJobsHost, envelope, galleryImage, PUBLISHER_ACCOUNT, type JobsHost } from '../support/jobs-host.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';

// A table store that neither answers nor refuses (Azurite stopped with SIGSTOP: its port still
// accepts connections, nothing comes back). Every table call has a deadline (TABLE_TIMEOUT_MS), so
// a lookup and a submission answer 503 with Retry-After naming the store within it, and everything
// answers again once the store does (SIGCONT), without a restart.
const TIMEOUT_MS = 1500;
let azurite: RunningAzurite;
let host: JobsHost;
let stopped = false;

beforeAll(async () => {
  azurite = await startAzurite(); // its own: the shared one must not stall the other test files
  host = await startJobsHost(azurite.connectionString, { TABLE_TIMEOUT_MS: String(TIMEOUT_MS) });
});
afterAll(async () => {
  if (stopped) process.kill(azurite.pid!, 'SIGCONT');
  await host.stop();
  await azurite.stop();
});

const versions = `${DEMO_IMAGES.ubuntu.slice(1).replace('/providers/Microsoft.Compute/galleries/', '/galleries/')}/versions`;
const pinned = () => envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT));

async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await call();
  return { value, ms: performance.now() - started };
}

describe('a stalled table store', () => {
  it('answers a lookup and a submission 503 with Retry-After within the deadline, and recovers without a restart', async () => {
    // warm: the organizations and records this process keeps are read once, while the store answers
    expect((await host.request('GET', versions)).status).toBe(200);

    process.kill(azurite.pid!, 'SIGSTOP');
    stopped = true;
    const lookup = await timed(() => host.request('GET', versions));
    expect(lookup.value.status, JSON.stringify(lookup.value.body)).toBe(503);
    expect(lookup.value.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(lookup.value.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(lookup.value.body.dependency).toBe('tableStorage');
    expect(lookup.ms).toBeLessThan(TIMEOUT_MS + 1000);

    const env = pinned();
    const submit = await timed(() => host.submit(env));
    expect(submit.value.status, JSON.stringify(submit.value.body)).toBe(503);
    expect(Number(submit.value.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(submit.value.body.dependency).toBe('tableStorage');
    expect(submit.ms).toBeLessThan(TIMEOUT_MS + 1000);
    expect((await host.request('GET', 'health')).status).toBe(503);

    process.kill(azurite.pid!, 'SIGCONT');
    stopped = false;
    expect((await host.request('GET', versions)).status).toBe(200);
    // the same submission again: accepted and run
    const again = await host.run(env);
    expect(again.status).toBe('succeeded');
  }, 60_000);
});

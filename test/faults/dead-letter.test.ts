import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { jobMessageId } from '../../shared/domain/job-envelope.js';
import { startAzurite, tableConnectionString, type RunningAzurite } from '../../dev/azurite.js';
import { startJobsHost, envelope, galleryImage, PUBLISHER_ACCOUNT, type JobsHost } from '../support/jobs-host.js';
import { jobMessage, type JobQueue } from '../../shared/jobs/queue.js';
import { useJobQueue } from '../../dev/runtime/host-queues.js';
import type { JobEnvelope } from '../../shared/domain/job-envelope.js';
import { TcpGate } from './tcp-gate.js';
import { waitFor } from '../support/wait.js';

// Nothing stuck: a job whose every delivery fails while the table store is down ends
// `deadLettered` with Service Bus's reason once the store is back; a job the queue refused is
// `failed` (not-queued) with a 503; a job sent whose submit record was lost is still readable.
let azurite: RunningAzurite;
let gate: TcpGate;
let host: JobsHost;
const MAX_DELIVERIES = 3;

beforeAll(async () => {
  azurite = await startAzurite();
  gate = new TcpGate(azurite.port);
  await gate.up();
  host = await startJobsHost(tableConnectionString(gate.port), {
    GROUP_JOBS_MAX_DELIVERY_COUNT: String(MAX_DELIVERIES),
  });
});
afterAll(async () => {
  await host.stop();
  await gate.down();
  await azurite.stop();
});

const pinned = () => envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT));

describe('dead letters', () => {
  it('a job dead-lettered while the table store is down is recorded deadLettered with the reason once it is back', async () => {
    const env = pinned();
    (env.body as { group: { region: string } }).group.region = 'northeurope'; // VM sizes not cached: ARM is read
    // The queue delivers to the same runtime as before; the store goes down just before the job's
    // last delivery, and the dead-letter trigger's settlements are counted.
    const deadLetterAnswers: string[] = [];
    host.jobsQueue.connect(
      async (m) => {
        if (
          m.messageId === jobMessageId(String((env.caller as { account: string }).account), String(env.jobId)) &&
          m.deliveryCount === MAX_DELIVERIES
        )
          await gate.down();
        return host.runtime.deliverServiceBusMessage('groupJobs', m);
      },
      async (m) => {
        const outcome = await host.runtime.deliverServiceBusMessage('groupJobsDeadLetter', m);
        if (m.messageId === jobMessageId(String((env.caller as { account: string }).account), String(env.jobId)))
          deadLetterAnswers.push(outcome);
        return outcome;
      },
    );
    host.sim.resetCounters();
    host.sim.injectFaults({ status: 503, count: 1000, match: /skus/ });
    // The submit records it queued; every delivery fails on ARM, and the store is gone before the last one.
    const res = await host.submit(env);
    expect(res.status).toBe(202);
    await waitFor('the dead letter', () =>
      host.jobsQueue.deadLetters.some(
        (d) =>
          d.message.messageId === jobMessageId(String((env.caller as { account: string }).account), String(env.jobId)),
      ),
    );
    // The dead letter reaches its trigger, which fails while the store is down: it stays unsettled.
    await waitFor('a failed delivery of the dead letter', () => deadLetterAnswers.includes('abandon'));
    expect(deadLetterAnswers).not.toContain('complete');
    expect(
      host.jobsQueue.deadLetters.find(
        (d) =>
          d.message.messageId === jobMessageId(String((env.caller as { account: string }).account), String(env.jobId)),
      )?.settled,
    ).toBe(false);
    // Every delivery before the outage met the fault (ARM answered 503 to its SKU read).
    expect(host.sim.requests.filter((r) => /skus/.test(r.path) && r.status === 503).length).toBeGreaterThanOrEqual(
      MAX_DELIVERIES - 1,
    );
    expect(host.sim.requests.filter((r) => /skus/.test(r.path) && r.status !== 503)).toEqual([]);
    host.sim.clearFaults();
    await gate.up();
    await host.jobsQueue.idle();
    expect(deadLetterAnswers.at(-1)).toBe('complete');
    expect(
      host.jobsQueue.deadLetters.find(
        (d) =>
          d.message.messageId === jobMessageId(String((env.caller as { account: string }).account), String(env.jobId)),
      )?.settled,
    ).toBe(true);
    const job = await host.job(String(env.jobId));
    expect(job).toMatchObject({
      status: 'deadLettered',
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterDescription: `Message could not be consumed after ${MAX_DELIVERIES} delivery attempts.`,
    });
    expect(
      host.logs.some(
        (l) =>
          l.functionName === 'groupJobsDeadLetter' &&
          l.message.includes(
            `job ${String(env.jobId)} dead-lettered (MaxDeliveryCountExceeded): recorded deadLettered`,
          ),
      ),
    ).toBe(true);
  }, 30_000);

  it('recording is idempotent, and a job that reached an outcome keeps it', async () => {
    const done = await host.run(pinned());
    expect(done.status).toBe('succeeded');
    const jobId = String(done.jobId);
    // the same dead letter twice (Service Bus may deliver it again), and a late one for a finished job
    const env = pinned();
    host.sim.injectFaults({ status: 503, count: 1000, match: /skus/ });
    (env.body as { group: { region: string } }).group.region = 'uksouth';
    expect((await host.submit(env)).status).toBe(202);
    await host.jobsQueue.idle();
    host.sim.clearFaults();
    const first = await host.job(String(env.jobId));
    expect(first.status).toBe('deadLettered');
    const dl = {
      body: JSON.stringify(env),
      messageId: String(env.jobId),
      sessionId: 's',
      deliveryCount: 11,
      applicationProperties: { DeadLetterReason: 'Other', DeadLetterErrorDescription: 'again' },
    };
    expect(await host.runtime.deliverServiceBusMessage('groupJobsDeadLetter', dl)).toBe('complete');
    expect(await host.job(String(env.jobId))).toEqual(first);
    const late = { ...dl, body: JSON.stringify({ ...env, jobId }), messageId: jobId };
    expect(await host.runtime.deliverServiceBusMessage('groupJobsDeadLetter', late)).toBe('complete');
    expect((await host.job(jobId)).status).toBe('succeeded');
    // a dead letter naming no job is completed and logged, nothing else
    expect(
      await host.runtime.deliverServiceBusMessage('groupJobsDeadLetter', {
        body: 'garbage',
        messageId: 'not a job id!',
        deliveryCount: 10,
      }),
    ).toBe('complete');
  });
});

describe('submit', () => {
  it('a job the queue refuses is recorded failed (not-queued) with a 503, and the same submission later queues it', async () => {
    const env = pinned();
    const broken: JobQueue = {
      send: () =>
        Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED'), {
            name: 'ServiceBusError',
            code: 'ServiceCommunicationProblem',
          }),
        ),
    };
    useJobQueue(broken);
    const res = await host.submit(env);
    useJobQueue(host.jobsQueue);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const job = await host.job(String(env.jobId));
    expect(job).toMatchObject({ status: 'failed', errors: [{ code: 'not-queued' }] });
    // submitted again once the queue is back: queued and run
    const again = await host.run(env);
    expect(again.status).toBe('succeeded');
  });

  it('a job sent whose submit record was lost is readable once it runs', async () => {
    const env = pinned() as unknown as JobEnvelope;
    const m = jobMessage(env, true); // as the HTTP API sends it: "recorded" — but no record exists
    host.jobsQueue.enqueue({
      body: JSON.stringify(m.body),
      messageId: String(m.messageId),
      sessionId: String(m.sessionId),
      applicationProperties: m.applicationProperties,
    });
    await host.jobsQueue.idle();
    expect(await host.job(env.jobId)).toMatchObject({ status: 'succeeded', jobId: env.jobId });
  });
});

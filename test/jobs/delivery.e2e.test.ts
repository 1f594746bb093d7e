import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  startJobsHost,
  envelope,
  galleryImage,
  type JobsHost,
  CONSUMER_ACCOUNT,
  PUBLISHER_ACCOUNT,
  CONTOSO_JOBS,
} from '../support/jobs-host.js';
import { DEMO_SUBSCRIPTIONS as S } from '../../dev/demo/demo-org.js';
import { services } from '../../shared/services.js';

// Messages as producers other than the HTTP API may put them on the queue, transient failures,
// dead-lettering, and concurrency — all through the queue trigger as the host delivers messages.
let host: JobsHost;
const MAX_DELIVERIES = 3;

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), {
    GROUP_JOBS_MAX_DELIVERY_COUNT: String(MAX_DELIVERIES),
  });
});
afterAll(async () => {
  await host.stop();
});

const pinned = (overrides: Record<string, unknown> = {}) =>
  envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT), overrides);

function put(body: unknown, messageId: string, sessionId = `s-${messageId}`) {
  return host.jobsQueue.enqueue({ body: typeof body === 'string' ? body : JSON.stringify(body), messageId, sessionId });
}

async function groupCount(): Promise<number> {
  const res = await host.request('GET', `groups/${CONSUMER_ACCOUNT}?top=1000`);
  return (res.body.items as unknown[]).length;
}

describe('transient failures and dead-lettering', () => {
  it('redelivers on a transient failure (ARM 503) and succeeds once it passes', async () => {
    host.sim.injectFaults({ status: 503, count: 1, match: /skus/ });
    const env = pinned();
    const job = await host.run(env);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('records deadLettered with the last error when every delivery fails', async () => {
    host.sim.injectFaults({ status: 503, count: 100, match: /skus/ });
    const env = envelope('elastigroup-gallery-pinned', (b) => {
      galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT;
      (b.group as { region: string }).region = 'westeurope'; // a region whose VM sizes are not cached yet
    });
    const before = host.jobsQueue.deadLetters.length;
    const res = await host.submit(env);
    expect(res.status).toBe(202);
    await host.jobsQueue.idle();
    host.sim.clearFaults();
    expect(host.jobsQueue.deadLetters.length).toBe(before + 1);
    expect(host.jobsQueue.deadLetters.at(-1)!.deliveryCount).toBe(MAX_DELIVERIES);
    const job = await host.job(String(env.jobId));
    expect(job).toMatchObject({ status: 'deadLettered', attempts: MAX_DELIVERIES });
    expect(String(job.lastError)).toMatch(/Arm|503|unavailable/i);
  });
});

describe('the delivery that fails is recorded by the trigger itself', () => {
  const delivered = (env: Record<string, unknown>, deliveryCount: number) =>
    host.runtime.deliverServiceBusMessage('groupJobs', {
      body: JSON.stringify(env),
      messageId: String(env.jobId),
      sessionId: `s-${String(env.jobId)}`,
      deliveryCount,
      applicationProperties: { recorded: false },
    });

  it('a failing delivery before the last leaves the job running with its error; the last one records it deadLettered (no dead-letter trigger needed)', async () => {
    const env = envelope('elastigroup-gallery-pinned', (b) => {
      galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT;
      (b.group as { region: string }).region = 'francecentral'; // VM sizes not cached there: ARM is read
    });
    host.sim.injectFaults({ status: 503, count: 100, match: /skus/ });
    try {
      expect(await delivered(env, MAX_DELIVERIES - 1)).toBe('abandon');
      const running = await host.job(String(env.jobId));
      expect(running).toMatchObject({
        status: 'running',
        attempts: MAX_DELIVERIES - 1,
        lastError: expect.stringMatching(/^ArmTransientError: /),
      });
      expect(running).not.toHaveProperty('finishedAt');
      expect(await delivered(env, MAX_DELIVERIES)).toBe('abandon');
    } finally {
      host.sim.clearFaults();
    }
    const last = await host.job(String(env.jobId));
    expect(last).toMatchObject({
      status: 'deadLettered',
      attempts: MAX_DELIVERIES,
      finishedAt: expect.any(String),
      lastError: expect.stringMatching(/^ArmTransientError: /),
    });
    expect(last).not.toHaveProperty('resolvedImageVersionId');
  });

  it('a message without a readable job id is refused on every delivery (nothing to record), and says why', async () => {
    const before = host.logs.length;
    expect(
      await host.runtime.deliverServiceBusMessage('groupJobs', {
        body: 'not json',
        messageId: 'not a job id!',
        sessionId: 's-x',
        deliveryCount: 1,
      }),
    ).toBe('abandon');
    const line = host.logs.slice(before).find((l) => l.category === 'Function.groupJobs.User'); // the function's own line, not the host's Executing/Executed
    expect(line?.message).toBe(
      'job message not a job id! delivery 1 failed, left for redelivery: no job id in the message: (message) the message is not JSON',
    );
    // a message id that is a job id names the job: recorded failed
    const id = `job-${randomUUID()}`;
    expect(
      await host.runtime.deliverServiceBusMessage('groupJobs', {
        body: 'not json',
        messageId: id,
        sessionId: 's-y',
        deliveryCount: 1,
      }),
    ).toBe('complete');
    // (no account is known, so no caller may read it over HTTP: read from the store)
    expect(await services().jobs.getUnownedJob(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      errors: [{ pointer: '', code: 'not-json', message: 'the message is not JSON' }],
    });
  });
});

describe('bad messages', () => {
  it('record a failed job with the reasons, write nothing else, and never crash', async () => {
    const groupsBefore = await groupCount();
    const valid = pinned();
    const cases: { id: string; body: unknown; code: string; pointer?: string }[] = [
      { id: `notjson-${randomUUID()}`, body: '{"schemaVersion": 1, "jobId": ', code: 'not-json' },
      { id: `schema-${randomUUID()}`, body: { ...valid, schemaVersion: 2 }, code: 'unsupported-schema-version' },
      {
        id: `big-${randomUUID()}`,
        body: {
          ...valid,
          body: { group: { ...(valid.body as { group: object }).group, pad: 'x'.repeat(260 * 1024) } },
        },
        code: 'too-large',
      },
      {
        id: `nocaller-${randomUUID()}`,
        body: (({ caller: _c, ...rest }) => rest)(valid),
        code: 'required',
        pointer: '/caller',
      },
      { id: `kind-${randomUUID()}`, body: { ...valid, kind: 'vmScaleSet' }, code: 'invalid-value', pointer: '/kind' },
      {
        id: `both-${randomUUID()}`,
        body: (() => {
          const e = structuredClone(valid) as {
            body: { group: { compute: { launchSpecification: { image: Record<string, unknown> } } } };
          };
          e.body.group.compute.launchSpecification.image.marketplace = {
            publisher: 'Canonical',
            offer: 'ubuntu',
            sku: '22_04-lts',
            version: 'latest',
          };
          return e;
        })(),
        code: 'exactly-one-image-source',
      },
    ];
    for (const c of cases) {
      // the jobId in the body (when readable) and the messageId agree, as the sender sets them
      const body = typeof c.body === 'object' && c.body !== null ? { ...c.body, jobId: c.id } : c.body;
      expect(put(body, c.id)).toBe(true);
    }
    await host.jobsQueue.idle();
    for (const c of cases) {
      // a job whose envelope names no valid account is readable by nobody over HTTP: read the store
      const record = await services().jobs.getUnownedJob(c.id);
      if (!record) throw new Error(`no job record for ${c.id}`);
      expect(record.status, c.id).toBe('failed');
      const hit = record.errors.find((e) => e.code === c.code);
      expect(hit, `${c.id}: ${JSON.stringify(record.errors)}`).toBeDefined();
      if (c.pointer) expect(hit!.pointer).toBe(c.pointer);
    }
    expect(await groupCount()).toBe(groupsBefore);
  });

  it('dead-letters only a message whose job id cannot be read', async () => {
    const before = host.jobsQueue.deadLetters.length;
    put('garbage', 'not a valid job id!');
    await host.jobsQueue.idle();
    expect(host.jobsQueue.deadLetters.length).toBe(before + 1);
    expect(host.jobsQueue.deadLetters.at(-1)!.deliveryCount).toBe(MAX_DELIVERIES);
  });
});

describe('concurrency', () => {
  it('50 update jobs for one group delivered concurrently lose no update', async () => {
    const create = pinned();
    expect(await host.run(create)).toMatchObject({ status: 'succeeded' });
    const group = (create.body as { group: { name: string } }).group.name;
    const updates = Array.from({ length: 50 }, (_, i) => {
      const u = structuredClone(create) as Record<string, unknown> & {
        body: { group: { capacity: { target: number; maximum: number } } };
      };
      u.jobId = `${String(create.jobId)}-u${i}`;
      u.action = 'update';
      u.body.group.capacity.maximum = 100;
      u.body.group.capacity.target = i + 1;
      return u;
    });
    // Delivered all at once, as competing receivers without sessions would: each abandoned delivery is redelivered.
    let pending = updates.map((u) => ({ u, count: 0 }));
    while (pending.length > 0) {
      const outcomes = await Promise.all(
        pending.map(async (p) => ({
          p,
          outcome: await host.runtime.deliverServiceBusMessage('groupJobs', {
            body: JSON.stringify(p.u),
            messageId: String(p.u.jobId),
            sessionId: 'x',
            deliveryCount: ++p.count,
          }),
        })),
      );
      pending = outcomes.filter((o) => o.outcome === 'abandon').map((o) => o.p);
    }
    const final = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${group}`);
    expect(final.body.revision).toBe(51);
    expect(new Set(final.body.appliedJobs as string[])).toEqual(
      new Set([String(create.jobId), ...updates.map((u) => String(u.jobId))]),
    );
    for (const u of updates) expect((await host.job(String(u.jobId))).status).toBe('succeeded');
  });

  it('partial updates of one group delivered at the same time each keep what the other changed (merged onto the revision they were read at, again when it moved)', async () => {
    const create = pinned();
    expect(await host.run(create)).toMatchObject({ status: 'succeeded' });
    const name = (create.body as { group: { name: string } }).group.name;
    const partial = (suffix: string, group: Record<string, unknown>) => ({
      ...create,
      jobId: `${String(create.jobId)}-${suffix}`,
      action: 'update',
      body: { group: { name, ...group } },
    });
    const updates = [
      partial('draining', { strategy: { drainingTimeout: 611 } }),
      partial('target', { capacity: { target: 3 } }),
      partial('tags', { compute: { launchSpecification: { tags: [{ tagKey: 'team', tagValue: 'race' }] } } }),
    ];
    // All three read revision 1 before any writes: at most one may write without merging again.
    let pending = updates.map((u) => ({ u, count: 0 }));
    while (pending.length > 0) {
      const outcomes = await Promise.all(
        pending.map(async (p) => ({
          p,
          outcome: await host.runtime.deliverServiceBusMessage('groupJobs', {
            body: JSON.stringify(p.u),
            messageId: String(p.u.jobId),
            sessionId: 'x',
            deliveryCount: ++p.count,
          }),
        })),
      );
      pending = outcomes.filter((o) => o.outcome === 'abandon').map((o) => o.p);
    }
    const final = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${name}`);
    expect(final.body.revision).toBe(4);
    const spec = final.body.spec as {
      strategy: { drainingTimeout: number };
      capacity: { target: number };
      compute: { launchSpecification: { tags: unknown[] } };
    };
    expect(spec.strategy.drainingTimeout).toBe(611);
    expect(spec.capacity.target).toBe(3);
    expect(spec.compute.launchSpecification.tags).toEqual([{ tagKey: 'team', tagValue: 'race' }]);
  });

  it('runs jobs of 50 groups in parallel sessions', async () => {
    const jobs = Array.from({ length: 50 }, () => pinned());
    for (const j of jobs) expect((await host.submit(j)).status).toBe(202);
    await host.jobsQueue.idle();
    expect(host.jobsQueue.maxActiveSessions).toBeGreaterThan(1);
    for (const j of jobs) expect((await host.job(String(j.jobId))).status).toBe('succeeded');
  });
});

describe('a first delivery whose job already has a record in its account partition', () => {
  // A submission the queue refused is recorded `failed` (not-queued) in the partition; submitted
  // again, its first delivery finds that record: the job's outcome replaces it.
  const refused = (jobId: string) =>
    services().jobs.putJob(
      {
        jobId,
        organizationId: 'contoso',
        status: 'failed',
        subscriptionId: S.consumer,
        account: CONSUMER_ACCOUNT,
        attempts: 0,
        errors: [{ pointer: '', code: 'not-queued', message: 'the queue refused the job' }],
        warnings: [],
      },
      true,
    );
  const nameOf = (env: Record<string, unknown>) => (env.body as { group: { name: string } }).group.name;

  it('creates the group and records the outcome over the old record', async () => {
    const env = pinned();
    const jobId = String(env.jobId);
    await refused(jobId);
    expect(put(env, jobId)).toBe(true);
    await host.jobsQueue.idle();
    expect(await services().jobs.getJob(CONTOSO_JOBS, jobId)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      errors: [],
    });
    const group = await services().jobs.getGroup(S.consumer, 'statelessGroup', nameOf(env));
    expect(group?.group).toMatchObject({ createdByJob: jobId, revision: 1 });
  });

  it('still fails a create of a group that exists, over the old record', async () => {
    const first = pinned();
    expect(await host.run(first)).toMatchObject({ status: 'succeeded' });
    const again = pinned({ body: first.body });
    const jobId = String(again.jobId);
    await refused(jobId);
    expect(put(again, jobId)).toBe(true);
    await host.jobsQueue.idle();
    const job = await services().jobs.getJob(CONTOSO_JOBS, jobId);
    expect(job).toMatchObject({ status: 'failed' });
    expect(job?.errors.map((e) => e.code)).toEqual(['group-exists']);
    expect((await services().jobs.getGroup(S.consumer, 'statelessGroup', nameOf(first)))?.group.createdByJob).toBe(
      String(first.jobId),
    );
  });
});

import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { jobMessageId } from '../../shared/domain/job-envelope.js';
import { startJobsHost, envelope, galleryImage, type JobsHost, CONSUMER_ACCOUNT } from '../support/jobs-host.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';

let host: JobsHost;

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
});
afterAll(async () => {
  await host.stop();
});

describe('group jobs end to end', () => {
  it('submits over HTTP, runs on the queue message as the host delivers it, and writes the group with the resolved version', async () => {
    const env = envelope('elastigroup-gallery-latest', (b) => delete galleryImage(b).spotAccountId, {});
    // the gallery is in the publisher subscription: name it with spotAccountId, as Spot does for another connected subscription
    galleryImage(env.body as Record<string, unknown>).spotAccountId = 'act-1a2b3c4d';
    const res = await host.submit(env);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/api/groups/jobs/${String(env.jobId)}`);
    expect(res.body).toMatchObject({ jobId: env.jobId, status: 'queued' });
    await host.jobsQueue.idle();
    const job = await host.job(String(env.jobId));
    expect(job, JSON.stringify(job)).toMatchObject({
      status: 'succeeded',
      resolvedImageVersionId: `${DEMO_IMAGES.ubuntu}/versions/1.10.0`,
      errors: [],
    });
    const name = String((env.body as { group: { name: string } }).group.name);
    const group = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${name}`);
    expect(group.status).toBe(200);
    expect(group.body).toMatchObject({
      imageVersionId: `${DEMO_IMAGES.ubuntu}/versions/1.10.0`,
      revision: 1,
      region: 'westeurope',
    });

    // A newer version appears (event): the group does not change until an update job runs.
    const newer = structuredClone(host.sim.get(`${DEMO_IMAGES.ubuntu}/versions/1.10.0`)!) as {
      id: string;
      name?: string;
      properties: { replicationStatus: { aggregatedState: string; summary: { state: string }[] } };
    };
    newer.id = `${DEMO_IMAGES.ubuntu}/versions/1.13.0`;
    newer.name = '1.13.0';
    newer.properties.replicationStatus.aggregatedState = 'Completed';
    for (const r of newer.properties.replicationStatus.summary) r.state = 'Completed';
    host.sim.put(newer);
    expect((await postEvents(host.url, [armEvent(newer.id, 'Write')])).status).toBe(202);
    expect((await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${name}`)).body).toMatchObject({
      imageVersionId: `${DEMO_IMAGES.ubuntu}/versions/1.10.0`,
      revision: 1,
    });
    const update = { ...env, jobId: `${String(env.jobId)}-u`, action: 'update' };
    const updated = await host.run(update);
    expect(updated).toMatchObject({
      status: 'succeeded',
      resolvedImageVersionId: `${DEMO_IMAGES.ubuntu}/versions/1.13.0`,
    });
    expect((await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${name}`)).body).toMatchObject({
      imageVersionId: `${DEMO_IMAGES.ubuntu}/versions/1.13.0`,
      revision: 2,
    });
    host.sim.delete(newer.id);
    await postEvents(host.url, [armEvent(newer.id, 'Delete')]);
  });

  it('makes the same jobId submitted twice one job', async () => {
    const env = envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = 'act-1a2b3c4d'));
    const first = await host.submit(env);
    const second = await host.submit(env);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ jobId: env.jobId, duplicate: true });
    await host.jobsQueue.idle();
    expect(
      host.jobsQueue.completed.filter((id) => id === jobMessageId(CONSUMER_ACCOUNT, String(env.jobId))),
    ).toHaveLength(1);
    expect(await host.job(String(env.jobId))).toMatchObject({
      status: 'succeeded',
      resolvedImageVersionId: `${DEMO_IMAGES.ubuntu}/versions/1.9.0`,
    });
  });

  it('create fails when the group exists, update when it does not', async () => {
    const env = envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = 'act-1a2b3c4d'));
    expect(await host.run(env)).toMatchObject({ status: 'succeeded' });
    const again = await host.run({ ...env, jobId: `${String(env.jobId)}-again` });
    expect(again).toMatchObject({ status: 'failed', errors: [{ pointer: '/body/group/name', code: 'group-exists' }] });
    const missing = envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = 'act-1a2b3c4d'), {
      action: 'update',
    });
    expect(await host.run(missing)).toMatchObject({
      status: 'failed',
      errors: [{ pointer: '/body/group/name', code: 'group-not-found' }],
    });
  });

  it('reads jobs and groups only for the accounts the caller acts for', async () => {
    const env = envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = 'act-1a2b3c4d'));
    await host.run(env);
    const stranger = {
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      objectId: '00000000-0000-4000-8000-00000000abcd',
    };
    expect((await host.request('GET', `groups/jobs/${String(env.jobId)}`, undefined, stranger)).status).toBe(403);
    // Three more groups of the account: a page of two is full, holds only the account's groups, and goes on.
    for (let i = 0; i < 3; i++)
      expect(
        await host.run(envelope('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = 'act-1a2b3c4d'))),
      ).toMatchObject({ status: 'succeeded' });
    const list = await host.request('GET', `groups/${CONSUMER_ACCOUNT}?top=2`);
    expect(list.status).toBe(200);
    const items = list.body.items as { account: string }[];
    expect(items).toHaveLength(2);
    expect(items.map((g) => g.account)).toEqual([CONSUMER_ACCOUNT, CONSUMER_ACCOUNT]);
    expect(list.body.continuationToken).toEqual(expect.any(String));
    expect((await host.request('GET', `groups/act-1a2b3c4d`)).status).toBe(404); // Contoso's publisher account: not one this caller acts for
    const foreign = envelope('elastigroup-gallery-pinned', () => undefined, { caller: { account: 'act-1a2b3c4d' } });
    const refused = await host.submit(foreign);
    expect(refused.status).toBe(403);
    expect(refused.body.errors).toEqual([
      { field: 'body.caller.account', pointer: '/caller/account', message: 'not an account of the caller' },
    ]);
  });
});

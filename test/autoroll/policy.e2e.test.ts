/**
 * Auto-roll policy and views end to end: the definition's emergency stop, a group's policy over
 * HTTP, soak through the queue's scheduled delivery, a failing roll that leaves the group on its
 * version with the failed job in its history, the rollout view, and bad input.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { jobMessageId } from '../../shared/domain/job-envelope.js';
import {
  startJobsHost,
  envelope,
  galleryImage,
  publishUbuntuVersion,
  type JobsHost,
  CONSUMER_ACCOUNT,
} from '../support/jobs-host.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { rollJobId } from '../../shared/autoroll/autoroll.js';
import { APP_ROLES } from '../../shared/access/principal.js';
import { DEMO_PRINCIPAL } from '../../dev/demo/demo-directory.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const rollout = `subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/rollout`;

const publishVersion = (version: string, osDiskGB?: number) => publishUbuntuVersion(host, version, osDiskGB);

async function createGroup(extra: Json = {}): Promise<string> {
  const env = envelope('elastigroup-gallery-latest', (b) => (galleryImage(b).version = 'latest'), extra);
  expect(await host.run(env)).toMatchObject({ status: 'succeeded' });
  return String((env.body as { group: { name: string } }).group.name);
}
const groupPath = (name: string) => `groups/${CONSUMER_ACCOUNT}/statelessGroup/${encodeURIComponent(name)}`;
const versionOf = async (name: string) =>
  String((await host.request('GET', groupPath(name))).body.imageVersionId)
    .split('/')
    .pop();

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), {}, { events: true });
});
afterAll(async () => {
  for (const v of ['1.13.0', '1.14.0', '1.15.0']) host?.sim.delete(`${DEMO_IMAGES.ubuntu}/versions/${v}`);
  await host?.stop();
});

describe('auto-roll policy and views', () => {
  it('holds every group while the definition is paused, soaks, honours a policy set over HTTP, and keeps a failed roll visible', async () => {
    const soaking = await createGroup({ autoRoll: { soakMinutes: 30 } });
    const plain = await createGroup();
    const held = await createGroup();
    const put = await host.request('PUT', `${groupPath(held)}/autoroll`, { paused: true });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ autoRoll: { enabled: true, paused: true, soakMinutes: 0 } });

    // Emergency stop of the definition: nothing rolls.
    const pause = await host.request('PUT', `manage/autoroll/pauses${DEMO_IMAGES.ubuntu}`, { paused: true });
    expect(pause.status).toBe(200);
    expect(pause.body).toMatchObject({ paused: true, imageDefinitionId: DEMO_IMAGES.ubuntu });
    await publishVersion('1.13.0');
    expect(await versionOf(plain)).toBe('1.10.0');
    const stopped = await host.request('GET', rollout);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ paused: true });
    const stoppedWe = (stopped.body.regions as { region: string; groups: Json[] }[]).find(
      (r) => r.region === 'westeurope',
    )!;
    expect(stoppedWe.groups.find((g) => g.name === held)).toMatchObject({
      state: 'held',
      heldBy: ['paused', 'definitionPaused'],
    });
    expect(stoppedWe.groups.find((g) => g.name === plain)).toMatchObject({
      state: 'held',
      heldBy: ['definitionPaused'],
    });

    // Released: what the pause held back rolls at once (the plain group to 1.13.0; the soaking one is
    // scheduled; the held one stays); releasing again queues the same jobs, nothing twice.
    const release = await host.request('PUT', `manage/autoroll/pauses${DEMO_IMAGES.ubuntu}`, { paused: false });
    expect(release.status).toBe(200);
    expect(release.body).toMatchObject({ paused: false, rollsQueued: 2 });
    await host.jobsQueue.idle();
    expect(await versionOf(plain)).toBe('1.13.0');
    const resumed = await host.job(rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', plain, '1.13.0'));
    expect(resumed).toMatchObject({ status: 'succeeded' });
    const soakingRoll = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', soaking, '1.13.0');
    const scheduled = await host.job(soakingRoll);
    expect(scheduled).toMatchObject({ status: 'queued', notBefore: expect.any(String) });
    expect(host.jobsQueue.scheduledCount).toBe(1);
    expect(
      (await host.request('PUT', `manage/autoroll/pauses${DEMO_IMAGES.ubuntu}`, { paused: false })).body,
    ).toMatchObject({ paused: false, rollsQueued: 1 });
    await host.jobsQueue.idle();
    expect(
      host.jobsQueue.completed.filter(
        (id) => id === jobMessageId(CONSUMER_ACCOUNT, rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', plain, '1.13.0')),
      ),
    ).toHaveLength(1);
    // The soaking group too: the same roll job, unchanged, one scheduled message.
    expect(await host.job(soakingRoll)).toEqual(scheduled);
    expect(host.jobsQueue.scheduledCount).toBe(1);
    expect(
      ((await host.request('GET', `${groupPath(soaking)}/rolls`)).body.rolls as Json[])
        .filter((r) => r.toVersion === '1.13.0')
        .map((r) => r.jobId),
    ).toEqual([soakingRoll]);
    // The next version rolls the plain group on.
    await publishVersion('1.14.0');
    expect(await versionOf(plain)).toBe('1.14.0');
    expect(await versionOf(soaking)).toBe('1.10.0');
    expect(await versionOf(held)).toBe('1.10.0');
    // Scheduled: the soaking group's rolls to 1.13.0 and to 1.14.0, once each.
    expect(host.jobsQueue.scheduledCount).toBe(2);
    const view = await host.request('GET', rollout);
    const we = (view.body.regions as { region: string; latestVersion: string; groups: Json[] }[]).find(
      (r) => r.region === 'westeurope',
    )!;
    expect(we.latestVersion).toBe('1.14.0');
    const state = (name: string) => we.groups.find((g) => g.name === name);
    expect(state(plain)).toMatchObject({
      state: 'rolled',
      version: '1.14.0',
      rollJobId: rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', plain, '1.14.0'),
    });
    expect(state(soaking)).toMatchObject({
      state: 'soaking',
      version: '1.10.0',
      rollJobId: rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', soaking, '1.14.0'),
    });
    expect(Date.parse(String(state(soaking)?.notBefore)) - Date.now()).toBeGreaterThan(25 * 60_000);
    expect(state(held)).toMatchObject({ state: 'held', heldBy: ['paused'] });
    // The soaking roll is in the group's history already, first, queued with its time.
    const soakingHistory = (await host.request('GET', `${groupPath(soaking)}/rolls`)).body.rolls as Json[];
    expect(soakingHistory[0]).toMatchObject({
      jobId: rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', soaking, '1.14.0'),
      toVersion: '1.14.0',
      status: 'queued',
      notBefore: state(soaking)?.notBefore,
    });

    // A roll that fails its checks (the new version's OS disk is larger than the group's): the group stays, the failed job is in its history.
    await publishVersion('1.15.0', 128);
    expect(await versionOf(plain)).toBe('1.14.0');
    const rolls = await host.request('GET', `${groupPath(plain)}/rolls`);
    expect(rolls.status).toBe(200);
    expect(rolls.body).toMatchObject({
      group: { name: plain, lastRoll: { toVersionId: `${DEMO_IMAGES.ubuntu}/versions/1.14.0` } },
    });
    const history = rolls.body.rolls as Json[];
    expect(history.map((r) => [r.toVersion, r.status])).toEqual(
      expect.arrayContaining([
        ['1.15.0', 'failed'],
        ['1.14.0', 'succeeded'],
      ]),
    );
    expect(history.find((r) => r.toVersion === '1.15.0')).toMatchObject({
      errors: [expect.objectContaining({ code: 'os-disk-too-small' })],
    });
    const failedId = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', plain, '1.15.0');
    const completed = host.topic!.recent.filter(
      (e) => e.type === 'GalleryCatalog.GroupJobCompleted' && (e.data as Json).jobId === failedId,
    );
    expect(completed.map((e) => (e.data as Json).status)).toEqual(['failed']);
    expect(
      host.topic!.recent.some((e) => e.type === 'GalleryCatalog.GroupRolled' && (e.data as Json).jobId === failedId),
    ).toBe(false);
    const after = await host.request('GET', rollout);
    const we2 = (after.body.regions as { region: string; groups: Json[] }[]).find((r) => r.region === 'westeurope')!;
    expect(we2.groups.find((g) => g.name === plain)).toMatchObject({
      state: 'failed',
      version: '1.14.0',
      rollJobId: failedId,
      errors: [expect.objectContaining({ code: 'os-disk-too-small' })],
    });
    expect(we2.groups.find((g) => g.name === held)).toMatchObject({ state: 'held', heldBy: ['paused'] });
  });

  it('refuses bad input with the field at fault, and shows no group of another account', async () => {
    const bad = await host.request('PUT', `${groupPath('nope')}/autoroll`, { soakMinutes: -1, extra: true });
    expect(bad.status).toBe(400);
    const fields = (bad.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.soakMinutes', 'body.extra']));
    expect((await host.request('PUT', `${groupPath('nope')}/autoroll`, { paused: true })).status).toBe(404);
    expect((await host.request('GET', `${groupPath('nope')}/rolls`)).status).toBe(404);
    expect((await host.request('GET', `groups/act-1a2b3c4d/statelessGroup/x/rolls`)).status).toBe(404);
    const badId = await host.request('PUT', 'manage/autoroll/pauses/subscriptions/x', { paused: 'yes' });
    expect(badId.status).toBe(400);
    expect((badId.body.errors as { field: string }[]).map((e) => e.field)).toEqual(
      expect.arrayContaining(['path.definitionId', 'body.paused']),
    );
    // Only the auto-roll sets `roll` and uses `roll:` job ids: a submitted envelope carrying either is refused at its pointer.
    const forged = await host.submit(
      envelope('elastigroup-gallery-latest', (b) => (galleryImage(b).version = 'latest'), {
        jobId: 'roll:0123456789abcdef:1.99.0',
        roll: { toVersion: '1.99.0' },
      }),
    );
    expect(forged.status).toBe(400);
    expect((forged.body.errors as { pointer: string; code: string }[]).map((e) => [e.pointer, e.code])).toEqual([
      ['/roll', 'auto-roll-only'],
      ['/jobId', 'auto-roll-only'],
    ]);
    const stranger = {
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      objectId: '00000000-0000-4000-8000-00000000abcd',
    };
    expect((await host.request('GET', rollout, undefined, stranger)).status).toBe(403);
  });

  it('asks each route for its app role: the emergency stop Catalog.Admin, a group policy Jobs.Submit, the views Catalog.Read', async () => {
    const reader = { ...DEMO_PRINCIPAL, roles: [APP_ROLES.read] };
    const pause = await host.request('PUT', `manage/autoroll/pauses${DEMO_IMAGES.ubuntu}`, { paused: true }, reader);
    expect(pause.status).toBe(403);
    expect(pause.body).toMatchObject({ requiredRole: APP_ROLES.admin });
    const policy = await host.request('PUT', `${groupPath('nope')}/autoroll`, { paused: true }, reader);
    expect(policy.status).toBe(403);
    expect(policy.body).toMatchObject({ requiredRole: APP_ROLES.submit });
    const submitter = { ...DEMO_PRINCIPAL, roles: [APP_ROLES.submit] };
    for (const path of [rollout, `${groupPath('nope')}/rolls`]) {
      const read = await host.request('GET', path, undefined, submitter);
      expect(read.status).toBe(403);
      expect(read.body).toMatchObject({ requiredRole: APP_ROLES.read });
    }
    expect((await host.request('GET', rollout, undefined, reader)).status).toBe(200);
  });

  it('a job dead-lettered by Service Bus publishes GroupJobCompleted with status deadLettered, once', async () => {
    const env = envelope('elastigroup-gallery-latest', (b) => (galleryImage(b).version = 'latest'));
    const jobId = String(env.jobId);
    const deadLetter = {
      body: JSON.stringify(env),
      messageId: jobId,
      sessionId: 's',
      deliveryCount: 10,
      applicationProperties: { DeadLetterReason: 'TTLExpiredException', DeadLetterErrorDescription: 'expired' },
    };
    expect(await host.runtime.deliverServiceBusMessage('groupJobsDeadLetter', deadLetter)).toBe('complete');
    expect(await host.runtime.deliverServiceBusMessage('groupJobsDeadLetter', deadLetter)).toBe('complete');
    await host.topic!.idle();
    const completed = host.topic!.recent.filter(
      (e) => e.type === 'GalleryCatalog.GroupJobCompleted' && (e.data as Json).jobId === jobId,
    );
    expect(completed.map((e) => (e.data as Json).status)).toEqual(['deadLettered']);
    expect(await host.job(jobId)).toMatchObject({ status: 'deadLettered', deadLetterReason: 'TTLExpiredException' });
  });
});

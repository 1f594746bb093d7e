/**
 * Duplicates of a change of latest while its roll is not done yet, end to end: Event Grid delivers
 * at least once, so every `LatestVersionChanged` event comes three more times while the roll job of
 * a group without a soak is still queued (its delivery held back), and three more times while the
 * roll of a group with a soak is scheduled (soaking). Each group gets exactly one roll job: the
 * same job id every time, one job record, one roll in its history, one scheduled message.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startJobsHost, envelope, galleryImage, type JobsHost, CONSUMER_ACCOUNT } from '../support/jobs-host.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import { EVENT_TYPES } from '../../shared/events/events.js';
import { ROLL_JOB_PREFIX, rollJobId } from '../../shared/autoroll/autoroll.js';
import type { DeliverableMessage, Settlement } from '../../dev/runtime/service-bus.js';
import type { JobEnvelope } from '../../shared/domain/job-envelope.js';
import { waitFor } from '../support/wait.js';
import { jobIdOfMessageId } from '../../shared/domain/job-envelope.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const V10 = `${DEMO_IMAGES.ubuntu}/versions/1.10.0`;
const V16 = `${DEMO_IMAGES.ubuntu}/versions/1.16.0`;
/** Roll job deliveries held back (the roll stays queued) until `release`. */
const held: { message: DeliverableMessage; go: () => void }[] = [];
let holding = true;
/** Every roll job id the app sent to the queue, in order (a duplicate send included). */
const sent: string[] = [];

const groupPath = (name: string) => `groups/${CONSUMER_ACCOUNT}/statelessGroup/${encodeURIComponent(name)}`;
const rollOf = (name: string) => rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', name, '1.16.0');

async function createGroup(extra: Json = {}): Promise<string> {
  const env = envelope('elastigroup-gallery-latest', (b) => (galleryImage(b).version = 'latest'), extra);
  expect(await host.run(env)).toMatchObject({ status: 'succeeded' });
  return String((env.body as { group: { name: string } }).group.name);
}

/** The group's rolls to 1.16.0, from its roll history over HTTP. */
async function rollsTo116(name: string): Promise<Json[]> {
  const res = await host.request('GET', `${groupPath(name)}/rolls`);
  expect(res.status).toBe(200);
  return (res.body.rolls as Json[]).filter((r) => r.toVersion === '1.16.0');
}

/** Every LatestVersionChanged event of 1.16.0 the topic published, delivered again to the autoRoll trigger, `times` times each. */
async function deliverAgain(times: number): Promise<number> {
  const changes = host.topic!.recent.filter(
    (e) => e.type === EVENT_TYPES.latestVersionChanged && (e.data as Json).newVersion === '1.16.0',
  );
  expect(changes.map((e) => (e.data as Json).region).sort()).toEqual(['eastus', 'westeurope']);
  for (let i = 0; i < times; i++) {
    for (const change of changes) {
      const { receivedAt: _r, deliveries: _d, ...cloudEvent } = change;
      const res = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=autoRoll`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'aeg-event-type': 'Notification' },
        body: JSON.stringify(cloudEvent),
      });
      expect(res.status).toBe(202);
    }
  }
  await host.topic!.idle();
  return changes.length * times;
}

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), {}, { events: true });
  const queue = host.jobsQueue;
  // The queue delivers to the same runtime, holding roll jobs back while `holding`.
  queue.connect(
    async (m): Promise<Settlement> => {
      if (holding && (jobIdOfMessageId(String(m.messageId)) ?? '').startsWith(ROLL_JOB_PREFIX))
        await new Promise<void>((go) => held.push({ message: m, go }));
      return host.runtime.deliverServiceBusMessage('groupJobs', m);
    },
    (m) => host.runtime.deliverServiceBusMessage('groupJobsDeadLetter', m),
  );
  const send = queue.send.bind(queue);
  queue.send = (env: JobEnvelope, recorded, options) => {
    if (env.jobId.startsWith(ROLL_JOB_PREFIX)) sent.push(env.jobId);
    return send(env, recorded, options);
  };
});
afterAll(async () => {
  holding = false;
  for (const h of held.splice(0)) h.go();
  host?.sim.delete(V16);
  await host?.stop();
});

describe('duplicates of a change of latest while its roll is queued or soaking', () => {
  it('every LatestVersionChanged event three times while the roll is queued and three times while it soaks: one roll job per group', async () => {
    const plain = await createGroup();
    const soaking = await createGroup({ autoRoll: { soakMinutes: 30 } });

    // 1.16.0 completes in both regions: latest changes in westeurope (the groups' region) and eastus.
    const v = structuredClone(host.sim.get(V10)!) as unknown as {
      id: string;
      name: string;
      properties: { replicationStatus: { aggregatedState: string; summary: { state: string }[] } };
    };
    v.id = V16;
    v.name = '1.16.0';
    v.properties.replicationStatus.aggregatedState = 'Completed';
    for (const s of v.properties.replicationStatus.summary) s.state = 'Completed';
    host.sim.put(v);
    expect((await postEvents(host.url, [armEvent(V16, 'Write')])).status).toBe(202);
    await host.topic!.idle();

    // The plain group's roll is queued (its delivery held back); the soaking group's is scheduled.
    await waitFor('the plain roll held back', () =>
      held.some((h) => jobIdOfMessageId(String(h.message.messageId)) === rollOf(plain)),
    );
    expect(await host.job(rollOf(plain))).toMatchObject({ status: 'queued' });
    const soak = await host.job(rollOf(soaking));
    expect(soak).toMatchObject({ status: 'queued', notBefore: expect.any(String) });
    expect(host.jobsQueue.scheduledCount).toBe(1);

    // Three more deliveries of each change while the roll is queued.
    expect(await deliverAgain(3)).toBe(6);
    expect(await host.job(rollOf(plain))).toMatchObject({ status: 'queued' });
    expect(held.map((h) => jobIdOfMessageId(String(h.message.messageId)))).toEqual([rollOf(plain)]);
    expect(await rollsTo116(plain)).toEqual([expect.objectContaining({ jobId: rollOf(plain), status: 'queued' })]);
    expect(await rollsTo116(soaking)).toEqual([
      expect.objectContaining({ jobId: rollOf(soaking), status: 'queued', notBefore: soak.notBefore }),
    ]);
    expect(host.jobsQueue.scheduledCount).toBe(1);
    // Whatever the app sent again, it named the same job each time.
    expect([...new Set(sent)].sort()).toEqual([rollOf(plain), rollOf(soaking)].sort());

    // The plain roll runs; the soaking one still waits for its time.
    holding = false;
    for (const h of held.splice(0)) h.go();
    await host.jobsQueue.idle();
    expect(await host.job(rollOf(plain))).toMatchObject({ status: 'succeeded', resolvedImageVersionId: V16 });
    expect((await host.request('GET', groupPath(plain))).body).toMatchObject({
      imageVersionId: V16,
      lastRoll: { toVersionId: V16, jobId: rollOf(plain) },
    });

    // Three more deliveries of each change while the other roll soaks.
    const revision = (await host.request('GET', groupPath(plain))).body.revision;
    expect(await deliverAgain(3)).toBe(6);
    await host.jobsQueue.idle();
    expect(await rollsTo116(soaking)).toEqual([
      expect.objectContaining({ jobId: rollOf(soaking), status: 'queued', notBefore: soak.notBefore }),
    ]);
    expect(await host.job(rollOf(soaking))).toEqual(soak);
    expect(host.jobsQueue.scheduledCount).toBe(1);
    expect((await host.request('GET', groupPath(soaking))).body).toMatchObject({ imageVersionId: V10 });
    // The rolled group: one roll, run once, not rolled again.
    expect(await rollsTo116(plain)).toEqual([expect.objectContaining({ jobId: rollOf(plain), status: 'succeeded' })]);
    expect(host.jobsQueue.completed.filter((id) => jobIdOfMessageId(id) === rollOf(plain))).toHaveLength(1);
    expect((await host.request('GET', groupPath(plain))).body.revision).toBe(revision);
    expect([...new Set(sent)].sort()).toEqual([rollOf(plain), rollOf(soaking)].sort());
  });
});

// The auto-roll benchmark, in its own process (the built app is imported fresh, so its `app.*`
// registrations reach this runtime): the real app on the local runtime, Azurite, the ARM
// simulator, the local domain-event topic and the in-memory queue.
//
// One version becomes ready in West Europe with GROUPS groups on `latest` there: the time from the
// ARM event to the last group rolled, the table round trips per rolled group, and the roll jobs
// run when every event (the ARM event and each domain event) is delivered three times.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBenchEnv } from './harness.js';
import { fmt, sum } from './stats.js';
import { startAppWithQueue, statelessGroupJob } from './app-runtime.js';
import { armWriteEvent, postEvents, settle as settleAll } from './app-events.js';
import { seedDemoOrganization, DEMO_IMAGES, DEMO_SUBSCRIPTIONS as S } from '../../dev/demo/demo-org.js';
import { seedDemoDirectory } from '../../dev/demo/demo-directory.js';
import { services } from '../../shared/services.js';
import { EVENT_TYPES } from '../../shared/events/events.js';

const GROUPS = 100;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ACCOUNT = 'act-5c6d7e8f';

const env = await startBenchEnv(`r${randomBytes(4).toString('hex')}`);
seedDemoOrganization(env.sim);
const { url, topic, queue, stop: stopApp } = await startAppWithQueue(root);
const s = services();
await seedDemoDirectory(s.directory);

const post = (functionName: string, events: unknown[]) => postEvents(url, functionName, events);
const armEvent = armWriteEvent;
const settle = () => settleAll(topic, queue);

try {
  for (const r of env.sim.all()) await post('galleryEvents', [armEvent(r.id)]);
  const body = JSON.parse(
    fs.readFileSync(path.join(root, 'test/fixtures/spot/elastigroup-gallery-latest.json'), 'utf8'),
  ) as { group: { name: string } };
  const names = Array.from({ length: GROUPS }, (_, i) => `roll-${i}`);
  // One job of each group, sent one after the other, until every one has run.
  const sendJobs = async (action: 'create' | 'update') => {
    for (const name of names) await queue.send(statelessGroupJob(ACCOUNT, action, { ...body.group, name }));
    await settle();
  };
  await sendJobs('create');

  const v10 = `${DEMO_IMAGES.ubuntu}/versions/1.10.0`;
  const publish = (version: string, westEurope: string) => {
    const v = structuredClone(env.sim.get(v10)!) as unknown as {
      id: string;
      name: string;
      properties: { replicationStatus: { aggregatedState: string; summary: { region: string; state: string }[] } };
    };
    v.id = `${DEMO_IMAGES.ubuntu}/versions/${version}`;
    v.name = version;
    for (const r of v.properties.replicationStatus.summary)
      r.state = r.region === 'West Europe' ? westEurope : 'Replicating';
    v.properties.replicationStatus.aggregatedState = 'InProgress';
    env.sim.put(v);
    return v.id;
  };
  const rolledTo = async (version: string) => {
    const out: number[] = [];
    for (const name of names) {
      const g = (await s.jobs.getGroup(S.consumer, 'statelessGroup', name))?.group;
      if (g?.imageVersionId?.endsWith(`/versions/${version}`) && g.lastRoll) out.push(Date.parse(g.lastRoll.at));
    }
    return out;
  };

  const scenario = async (version: string, copies: number) => {
    // Replicating first (indexed, nothing to roll), then ready in West Europe: the measured event.
    const id = publish(version, 'Replicating');
    await post('galleryEvents', [armEvent(id)]);
    await settle();
    publish(version, 'Completed');
    const completedBefore = queue.completed.length;
    const eventsBefore = topic.recent.length;
    s.tables.roundTrips = 0;
    const t0 = Date.now();
    const arm = armEvent(id);
    await Promise.all(Array.from({ length: copies }, () => post('galleryEvents', [arm])));
    if (copies > 1) {
      await topic.idle();
      const domain = topic.recent.slice(eventsBefore).filter((e) => e.type === EVENT_TYPES.latestVersionChanged);
      for (let c = 1; c < copies; c++) {
        for (const e of domain) {
          const { receivedAt: _r, deliveries: _d, ...cloudEvent } = e;
          await post('autoRoll', [cloudEvent]);
        }
      }
    }
    await settle();
    // Published outbox rows are deleted a moment after their events went (shared/events/outbox.ts): counted too.
    await s.outbox.deletesSettled();
    const roundTrips = s.tables.roundTrips;
    const times = await rolledTo(version);
    // message ids are <account>/<jobId>
    const rollJobs = queue.completed
      .slice(completedBefore)
      .filter((m) => m.split('/')[1]?.startsWith('roll:') === true);
    return {
      rolled: times.length,
      lastMs: Math.max(...times) - t0,
      roundTripsPerGroup: roundTrips / Math.max(1, times.length),
      rollJobs: rollJobs.length,
      distinct: new Set(rollJobs).size,
    };
  };

  // The same groups updated by users (one update job each, same queue and sessions), for the ratio.
  const userUpdates = async () => {
    const t1 = Date.now();
    await sendJobs('update');
    return Date.now() - t1;
  };

  // The user updates' code ran warm (the groups were created through it); the first roll of the
  // process runs the fan-out and the roll jobs cold: printed, and not compared. Then rolls and user
  // updates alternate, three times each, and the ratio is of their sums.
  const cold = await scenario('1.13.0', 1);
  const rolls: Awaited<ReturnType<typeof scenario>>[] = [];
  const users: number[] = [];
  for (const version of ['1.14.0', '1.15.0', '1.16.0']) {
    rolls.push(await scenario(version, 1));
    users.push(await userUpdates());
  }
  const thrice = await scenario('1.17.0', 3);
  const rollMs = sum(rolls.map((r) => r.lastMs));
  const userMs = sum(users);
  const roundTrips = Math.max(...rolls.map((r) => r.roundTripsPerGroup));

  console.log(
    `\nauto-roll: one version ready in westeurope, ${GROUPS} groups on latest there (real app on the local runtime, local topic, in-memory queue, Azurite)`,
  );
  console.log(
    `  the process's first roll (fan-out and roll jobs not yet compiled): ${cold.rolled}/${GROUPS} rolled; event → last group rolled ${fmt(cold.lastMs, 0)} ms`,
  );
  console.log(
    `  every event delivered once:   ${rolls.map((r) => r.rolled).join(', ')} of ${GROUPS} rolled; event → last group rolled ${rolls.map((r) => fmt(r.lastMs, 0)).join(', ')} ms; ${fmt(roundTrips, 2)} table round trips per rolled group at most (catalog write, events, fan-out, roll job; goal <= 3); roll jobs run: ${rolls.map((r) => r.rollJobs).join(', ')}`,
  );
  console.log(
    `  every event delivered 3x:     ${thrice.rolled}/${GROUPS} rolled; event → last group rolled ${fmt(thrice.lastMs, 0)} ms; ${fmt(thrice.roundTripsPerGroup, 2)} table round trips per rolled group (goal <= 3); roll jobs run: ${thrice.rollJobs} (${thrice.distinct} distinct)`,
  );
  console.log(
    `  ${GROUPS} user update jobs of the same groups through the same queue: ${users.map((u) => fmt(u, 0)).join(', ')} ms (each after a roll); roll fan-out time / user updates time: ${fmt((rollMs / userMs) * 100)} % (goal <= 110 %)`,
  );
} finally {
  await stopApp();
  await env.stop();
}

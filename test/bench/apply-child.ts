// The apply benchmark, in its own process (the built app registers its functions in this runtime):
// the real app on the local runtime, Azurite, the ARM simulator's scale sets through the real
// `@azure/arm-compute` client, the local domain-event topic and the in-memory queue.
//
// GROUPS groups on `latest` in West Europe applied to Azure as Flexible scale sets of VMS VMs each
// (Manual upgrade policy), then a new version ready there rolls them all, two batches per group.
// Printed: ARM writes per group (create: 1; roll: 1 model update + one manualupgrade per batch),
// table round trips per group, and the wall time of each phase. The simulator answers each
// operation InProgress once; the client polls it again after its interval (2 s), so the wall time
// is mostly that wait, 16 groups at a time (the queue's concurrent sessions), not Azure's own time.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBenchEnv } from './harness.js';
import { fmt } from './stats.js';
import { startAppWithQueue, statelessGroupJob } from './app-runtime.js';
import { armWriteEvent, postEvents, settle as settleAll } from './app-events.js';
import { seedDemoOrganization, DEMO_IMAGES, DEMO_SUBSCRIPTIONS as S } from '../../dev/demo/demo-org.js';
import { demoOrganizations } from '../../dev/demo/demo-directory.js';
import { services } from '../../shared/services.js';

const GROUPS = 100;
const VMS = 4;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ACCOUNT = 'act-5c6d7e8f';
const WORKLOADS = `/subscriptions/${S.consumer}/resourceGroups/rg-workloads`;

const env = await startBenchEnv(`p${randomBytes(4).toString('hex')}`);
seedDemoOrganization(env.sim);
Object.assign(env.sim.compute.settings, { operationPolls: 1, retryAfterSeconds: 0 });
const { url, topic, queue, stop: stopApp } = await startAppWithQueue(root, { APPLY_FOLLOW_UP_SECONDS: '1' });
const s = services();
for (const [id, document] of Object.entries(demoOrganizations())) {
  await s.directory.put(
    id,
    id === 'contoso'
      ? { ...document, apply: { target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] } }
      : document,
  );
}

const post = (functionName: string, events: unknown[]) => postEvents(url, functionName, events);
const armEvent = armWriteEvent;
const settle = () => settleAll(topic, queue);
/** Published outbox rows are deleted a moment after their events went (shared/events/outbox.ts): counted too. */
const outboxDeletes = () => s.outbox.deletesSettled();
const armWrites = () => env.sim.compute.receivedWrites.length;

try {
  for (const r of env.sim.all()) await post('galleryEvents', [armEvent(r.id)]);
  await settle();
  const body = JSON.parse(
    fs.readFileSync(path.join(root, 'test/fixtures/spot/elastigroup-gallery-latest.json'), 'utf8'),
  ) as { group: { name: string; capacity: Record<string, number> } };
  const names = Array.from({ length: GROUPS }, (_, i) => `apply-${i}`);

  // Phase 1: create and apply.
  let writes0 = armWrites();
  s.tables.roundTrips = 0;
  let t0 = Date.now();
  for (const name of names) {
    await queue.send(
      statelessGroupJob(
        ACCOUNT,
        'create',
        { ...body.group, name, resourceGroupName: 'rg-workloads', capacity: { ...body.group.capacity, target: VMS } },
        { autoRoll: { deployment: { batchSizePercentage: 50, batchMinHealthyPercentage: 50 } } },
      ),
    );
  }
  await settle();
  const createMs = Date.now() - t0;
  await outboxDeletes();
  const create = { ms: createMs, writes: armWrites() - writes0, roundTrips: s.tables.roundTrips };
  let applied = 0;
  for (const name of names)
    if (
      (await s.jobs.getGroup(S.consumer, 'statelessGroup', name))?.group.deployment?.provisioningState === 'Succeeded'
    )
      applied++;

  // Phase 2: a new version ready in West Europe rolls every group.
  const v = structuredClone(env.sim.get(`${DEMO_IMAGES.ubuntu}/versions/1.10.0`)!) as unknown as {
    id: string;
    name: string;
    properties: { replicationStatus: { aggregatedState: string; summary: { state: string }[] } };
  };
  v.id = `${DEMO_IMAGES.ubuntu}/versions/1.14.0`;
  v.name = '1.14.0';
  for (const r of v.properties.replicationStatus.summary) r.state = 'Completed';
  v.properties.replicationStatus.aggregatedState = 'Completed';
  env.sim.put(v);
  writes0 = armWrites();
  s.tables.roundTrips = 0;
  t0 = Date.now();
  await post('galleryEvents', [armEvent(v.id)]);
  await settle();
  const rollMs = Date.now() - t0;
  await outboxDeletes();
  const roll = { ms: rollMs, writes: armWrites() - writes0, roundTrips: s.tables.roundTrips };
  let rolled = 0;
  let vmsOn = 0;
  for (const name of names) {
    const g = (await s.jobs.getGroup(S.consumer, 'statelessGroup', name))?.group;
    if (g?.imageVersionId?.endsWith('/versions/1.14.0')) rolled++;
    vmsOn += (g?.deployment?.instances ?? []).filter((i) => i.imageVersionId?.endsWith('/versions/1.14.0')).length;
  }

  console.log(
    `\napply to Azure: ${GROUPS} groups on latest in westeurope, scale sets of ${VMS} VMs (Manual), rolled in batches of 50 %; each ARM operation polled once after 2 s, 16 groups at a time (real app, ARM simulator through @azure/arm-compute, Azurite, in-memory queue)`,
  );
  console.log(
    `  create:  ${applied}/${GROUPS} applied in ${fmt(create.ms, 0)} ms; ARM writes per group ${fmt(create.writes / GROUPS, 2)} (goal 1); table round trips per group ${fmt(create.roundTrips / GROUPS, 2)}`,
  );
  console.log(
    `  roll:    ${rolled}/${GROUPS} rolled (${vmsOn}/${GROUPS * VMS} VMs on the version) in ${fmt(roll.ms, 0)} ms after the event; ARM writes per group ${fmt(roll.writes / GROUPS, 2)} (goal 1 model update + 2 batches = 3); table round trips per group ${fmt(roll.roundTrips / GROUPS, 2)}`,
  );
} finally {
  await stopApp();
  await env.stop();
}

// Auto-roll at fleet size, in its own process (the built app is imported fresh, so its `app.*`
// registrations reach this runtime): the real app on the local runtime, Azurite, the ARM
// simulator, the local domain-event topic and the in-memory group-jobs queue.
//
// One organization: a publisher subscription with one gallery and one image definition replicated
// to 5 regions, and SUBSCRIPTIONS subscriptions, each connected as its own Spot account, with
// GROUPS / (SUBSCRIPTIONS × 5) groups on `latest` of that definition in each region. One version
// becomes ready in the 5 regions (one ARM event); the app rolls every group. Prints the time from
// the event to the last group rolled, the table round trips per rolled group (each event delivered
// once), the peak RSS of this process during the roll, and the entity writes per partition with
// the time they take at Azure Table Storage's per-partition target.
//
// The groups are seeded through the app's stores (AutoRollStore.index and JobStore.applyJob, as
// the job processor writes a created group): one group per region is created by a real create job
// through the queue, the others are copies of it under other names, accounts and subscriptions.
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runConcurrently, startBenchEnv, withPeakRss } from './harness.js';
import { fmt } from './stats.js';
import { startAppWithQueue } from './app-runtime.js';
import { armWriteEvent, postEvents, settle as settleAll } from './app-events.js';
import { observeTableStores, TableRequestCounter } from './table-requests.js';
import {
  demoOrganizationResources,
  demoVmSkus,
  DEMO_GALLERIES,
  DEMO_IMAGES,
  DEMO_VERSIONS,
} from '../../dev/demo/demo-org.js';
import type { RestResource } from '../../dev/arm-simulator.js';
import { services } from '../../shared/services.js';
import type { GroupChange, GroupRecord, JobRecord } from '../../shared/jobs/store.js';

const GROUPS = Number(process.argv[2] ?? '10000');
const SUBSCRIPTIONS = 20;
/** Display names, as ARM shows a version's target regions, and the canonical names groups use. */
const REGIONS = [
  ['West Europe', 'westeurope'],
  ['East US', 'eastus'],
  ['North Europe', 'northeurope'],
  ['West US 2', 'westus2'],
  ['Southeast Asia', 'southeastasia'],
] as const;
const PER_SUBSCRIPTION_REGION = Math.ceil(GROUPS / (SUBSCRIPTIONS * REGIONS.length));
/** Azure Table Storage scalability targets (https://learn.microsoft.com/azure/storage/tables/scalability-targets). */
const PARTITION_ENTITIES_PER_SECOND = 2_000;
const ACCOUNT_TRANSACTIONS_PER_SECOND = 20_000;
/** The roll is given up (its figures so far printed) after this long. */
const ROLL_LIMIT_MS = 15 * 60_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const ORG = 'fleet';
const TENANT = randomUUID();
const PUBLISHER = randomUUID();
const PUBLISHER_ACCOUNT = `act-${randomBytes(4).toString('hex')}`;
const consumers = Array.from({ length: SUBSCRIPTIONS }, () => ({
  subscriptionId: randomUUID(),
  account: `act-${randomBytes(4).toString('hex')}`,
}));
const GALLERY = `/subscriptions/${PUBLISHER}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/fleetGallery`;
const IMAGE = `${GALLERY}/images/fleet-ubuntu`;

// Requests the app's table clients send (its TableStore builds them through `table`): observed from
// the first services() on.
const counter = new TableRequestCounter();
observeTableStores(counter);

const PREFIX = `f${randomBytes(4).toString('hex')}`;
const env = await startBenchEnv(PREFIX);
/** `<table> <PartitionKey>` without the tables' prefix. */
const partitionLabel = (key: string) => key.slice(PREFIX.length);
// The demo's corp gallery, Ubuntu definition and a completed version, moved to the publisher
// subscription and replicated to the 5 regions.
const demo = new Map(demoOrganizationResources().map((r) => [r.id, r]));
const gallery = structuredClone(demo.get(DEMO_GALLERIES.corp)!);
Object.assign(gallery, { id: GALLERY, name: 'fleetGallery' });
(gallery.properties as { identifier: { uniqueName: string } }).identifier.uniqueName = `${PUBLISHER}-FLEETGALLERY`;
const image = structuredClone(demo.get(DEMO_IMAGES.ubuntu)!);
Object.assign(image, { id: IMAGE, name: 'fleet-ubuntu' });
const versionTemplate = demo.get(DEMO_VERSIONS.ubuntuCompleted)!;
const version = (name: string, state: 'Completed' | 'Replicating'): RestResource => {
  const v = structuredClone(versionTemplate) as RestResource & {
    properties: {
      publishingProfile: { targetRegions: Record<string, unknown>[]; publishedDate: string };
      replicationStatus: { aggregatedState: string; summary: Record<string, unknown>[] };
    };
  };
  const target = v.properties.publishingProfile.targetRegions[0]!;
  Object.assign(v, { id: `${IMAGE}/versions/${name}`, name });
  v.properties.publishingProfile.publishedDate = new Date().toISOString();
  v.properties.publishingProfile.targetRegions = REGIONS.map(([display]) => ({ ...target, name: display }));
  v.properties.replicationStatus = {
    aggregatedState: state === 'Completed' ? 'Completed' : 'InProgress',
    summary: REGIONS.map(([display]) => ({
      region: display,
      state,
      details: '',
      progress: state === 'Completed' ? 100 : 40,
    })),
  };
  return v;
};
for (const r of [gallery, image, version('1.0.0', 'Completed')]) env.sim.put(r);
const regionNames = REGIONS.map(([, name]) => name);
const skus = demoVmSkus().map((s) => ({
  ...s,
  locations: regionNames,
  locationInfo: regionNames.map((location) => ({ location, zones: ['1', '2', '3'] })),
}));
for (const c of [{ subscriptionId: PUBLISHER }, ...consumers]) env.sim.putSkus(c.subscriptionId, { value: skus });

const { url, topic, queue, stop: stopApp } = await startAppWithQueue(root);
const s = services();
await s.directory.put(ORG, {
  tenantId: TENANT,
  displayName: 'Fleet',
  subscriptions: [
    { subscriptionId: PUBLISHER, spotAccountId: PUBLISHER_ACCOUNT },
    ...consumers.map((c) => ({ subscriptionId: c.subscriptionId, spotAccountId: c.account })),
  ],
  principals: [],
  grants: [{ scope: GALLERY }],
});

const settle = () => settleAll(topic, queue);
const post = (events: unknown[]) => postEvents(url, 'galleryEvents', events);
const groupName = (region: string, i: number) => `svc-${region}-${String(i).padStart(3, '0')}`;
const fail = (message: string): never => {
  throw new Error(`auto-roll at fleet size: FAILED: ${message}`);
};

try {
  for (const r of [gallery, image, version('1.0.0', 'Completed')]) await post([armWriteEvent(r.id)]);
  await settle();

  // ------------------------------------------------------------------ the fleet
  const body = JSON.parse(
    fs.readFileSync(path.join(root, 'test/fixtures/spot/elastigroup-gallery-latest.json'), 'utf8'),
  ) as { group: { compute: { launchSpecification: { image: { gallery: Record<string, unknown> } } } } };
  const first = consumers[0]!;
  const seed = await withPeakRss(async () => {
    // One group per region by a real create job (the processor resolves latest and indexes it)…
    for (const [, region] of REGIONS) {
      const launch = body.group.compute.launchSpecification;
      await queue.send({
        schemaVersion: 1,
        jobId: randomUUID(),
        action: 'create',
        kind: 'statelessGroup',
        caller: { account: first.account },
        body: {
          group: {
            ...body.group,
            name: groupName(region, 0),
            region,
            compute: {
              ...body.group.compute,
              launchSpecification: {
                ...launch,
                image: {
                  gallery: {
                    ...launch.image.gallery,
                    galleryName: 'fleetGallery',
                    imageName: 'fleet-ubuntu',
                    spotAccountId: PUBLISHER_ACCOUNT,
                  },
                },
              },
            },
          },
        },
      });
    }
    await settle();
    const templates = new Map<string, { group: GroupRecord; job: JobRecord }>();
    for (const [, region] of REGIONS) {
      const group = (await s.jobs.getGroup(first.subscriptionId, 'statelessGroup', groupName(region, 0)))?.group;
      const job = group
        ? await s.jobs.getJob({ organizationId: ORG, subscriptionIds: [first.subscriptionId] }, group.createdByJob)
        : undefined;
      if (!group?.latestOf || !job)
        fail(
          `the create job of ${groupName(region, 0)} did not leave a group on latest (${JSON.stringify(job?.errors)})`,
        );
      templates.set(region, { group: group!, job: job! });
    }
    // The VM sizes of every subscription and region, as the create jobs of its groups left them.
    for (const c of consumers) for (const [, region] of REGIONS) await s.vmSizes.sizes(c.subscriptionId, region);
    // …and the others as copies of it, written as the processor writes a created group: its index
    // entry first, then the group and its job's record in one transaction.
    const copies: { subscriptionId: string; account: string; region: string; name: string }[] = [];
    for (const c of consumers)
      for (const [, region] of REGIONS)
        for (let i = 0; i < PER_SUBSCRIPTION_REGION; i++)
          if (c !== first || i > 0) copies.push({ ...c, region, name: groupName(region, i) });
    await runConcurrently(copies.length, 32, async (k) => {
      const { subscriptionId, account, region, name } = copies[k]!;
      const template = templates.get(region)!;
      const {
        revision: _r,
        createdAt: _c,
        updatedAt: _u,
        createdByJob: _cj,
        updatedByJob: _uj,
        appliedJobs: _a,
        lastRoll: _l,
        ...fields
      } = template.group;
      const change: GroupChange = {
        ...fields,
        subscriptionId,
        account,
        name,
        spec: { ...(template.group.spec as Record<string, unknown>), name },
      };
      const now = new Date().toISOString();
      const job: JobRecord = {
        ...template.job,
        jobId: randomUUID(),
        account,
        subscriptionId,
        group: { kind: change.kind, name },
        submittedAt: now,
        startedAt: now,
        finishedAt: now,
      };
      await s.autoRollStore.index(subscriptionId, change.latestOf!);
      await s.jobs.applyJob('create', change, job, now, undefined, false);
    });
  });
  const total = SUBSCRIPTIONS * REGIONS.length * PER_SUBSCRIPTION_REGION;

  // ------------------------------------------------------------------ the roll
  // Replicating first (indexed, latest unchanged), then ready in the 5 regions: the measured event.
  env.sim.put(version('1.1.0', 'Replicating'));
  await post([armWriteEvent(`${IMAGE}/versions/1.1.0`)]);
  await settle();
  env.sim.put(version('1.1.0', 'Completed'));
  const completedBefore = queue.completed.length;
  const deadBefore = queue.deadLetters.length;
  const rssBefore = process.memoryUsage.rss() / 2 ** 20;
  counter.reset();
  s.tables.roundTrips = 0;
  const t0 = Date.now();
  const progress = setInterval(() => {
    console.error(
      `  … ${fmt((Date.now() - t0) / 1000, 0)} s: ${queue.completed.length - completedBefore} jobs completed`,
    );
  }, 30_000);
  let finished = true;
  const roll = await withPeakRss(async () => {
    await post([armWriteEvent(`${IMAGE}/versions/1.1.0`)]);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        finished = false;
        resolve();
      }, ROLL_LIMIT_MS);
    });
    await Promise.race([settle(), limit]);
    clearTimeout(timer);
    // Published outbox rows are deleted a moment after their events went (shared/events/outbox.ts):
    // counted too, once the table requests have stopped.
    for (let before = -1; before !== s.tables.roundTrips;) {
      before = s.tables.roundTrips;
      await new Promise((r) => setTimeout(r, 500));
    }
  });
  clearInterval(progress);
  const roundTrips = s.tables.roundTrips;
  const requests = new Map(counter.requests);
  const writesByPartition = new Map(counter.writesByPartition);

  // Which groups rolled: each subscription's groups, a page at a time (not counted above).
  let rolled = 0;
  let lastAt = 0;
  const target = `${IMAGE}/versions/1.1.0`.toLowerCase();
  for (const c of consumers) {
    let after: string | undefined;
    do {
      const page = await s.jobs.listGroups(c.subscriptionId, after, 1000);
      for (const g of page.items) {
        if (g.imageVersionId?.toLowerCase() === target && g.lastRoll?.toVersionId.toLowerCase() === target) {
          rolled++;
          lastAt = Math.max(lastAt, Date.parse(g.lastRoll.at));
        }
      }
      after = page.next;
    } while (after !== undefined);
  }
  const rollJobs = queue.completed.slice(completedBefore).filter((m) => m.split('/')[1]?.startsWith('roll:') === true);

  const spread = `${SUBSCRIPTIONS} subscriptions, each connected as its own Spot account, × ${REGIONS.length} regions × ${PER_SUBSCRIPTION_REGION} groups (${REGIONS.length * PER_SUBSCRIPTION_REGION} groups a subscription, ${total / REGIONS.length} a region), one organization; the gallery in a publisher subscription of its own`;
  console.log(
    `\nauto-roll at fleet size: ${total.toLocaleString('en-US')} groups on latest of one image definition across ${REGIONS.length} regions (${regionNames.join(', ')}); one version becomes ready in all of them (one ARM event); real app on the local runtime, local topic, in-memory queue (16 sessions at once), Azurite`,
  );
  console.log(`  spread: ${spread}`);
  console.log(
    `  seeded through the job store (${REGIONS.length} groups by real create jobs, the others copies of them): ${fmt(seed.ms / 1000)} s, peak RSS ${fmt(seed.peakMiB, 0)} MiB`,
  );
  const lastMs = lastAt - t0;
  console.log(
    `  event → last group rolled: ${rolled > 0 ? `${fmt(lastMs / 1000, 1)} s` : 'none rolled'}${finished ? '' : ` (given up after ${ROLL_LIMIT_MS / 60_000} min)`}; ${rolled.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rolled (goal: all); roll jobs run: ${rollJobs.length}${queue.deadLetters.length > deadBefore ? `, ${queue.deadLetters.length - deadBefore} dead-lettered` : ''}`,
  );
  console.log(
    `  table round trips per rolled group: ${fmt(roundTrips / Math.max(1, rolled), 2)} (goal <= 3; every event delivered once; ${roundTrips.toLocaleString('en-US')} in all)`,
  );
  const perGroup = (n: number) => fmt(n / Math.max(1, rolled), 2);
  for (const [table, c] of [...requests].sort(
    (a, b) => b[1].reads + b[1].writes + b[1].transactions - (a[1].reads + a[1].writes + a[1].transactions),
  )) {
    console.log(
      `    ${table.slice(PREFIX.length).padEnd(10)} per rolled group: ${perGroup(c.reads)} reads, ${perGroup(c.writes)} single writes, ${perGroup(c.transactions)} transactions (${c.reads + c.writes + c.transactions} requests, ${c.failed} answered >= 400${
        c.shapes.size
          ? `; writes: ${[...c.shapes]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 4)
              .map(([shape, n]) => `${shape} ×${n}`)
              .join(', ')}${c.shapes.size > 4 ? ', …' : ''}`
          : ''
      })`,
    );
  }
  console.log(
    `  peak RSS of this process during the roll: ${fmt(roll.peakMiB, 0)} MiB (${fmt(rssBefore, 0)} MiB before it)`,
  );
  const partitions = [...writesByPartition].sort((a, b) => b[1] - a[1]);
  const writes = partitions.reduce((n, [, w]) => n + w, 0);
  const [busiest, busiestWrites] = partitions[0] ?? [`${PREFIX}none`, 0];
  console.log(
    `  entity writes: ${writes.toLocaleString('en-US')} (${perGroup(writes)} per rolled group) into ${partitions.length.toLocaleString('en-US')} partitions; the busiest, ${partitionLabel(busiest)}: ${busiestWrites.toLocaleString('en-US')} writes`,
  );
  console.log(
    `  at Azure Table Storage's target of ${PARTITION_ENTITIES_PER_SECOND.toLocaleString('en-US')} entities/s per partition (https://learn.microsoft.com/azure/storage/tables/scalability-targets), the busiest partition's writes take >= ${fmt(busiestWrites / PARTITION_ENTITIES_PER_SECOND, 2)} s (the roll took ${fmt(lastMs / 1000, 1)} s here); the account's ${ACCOUNT_TRANSACTIONS_PER_SECOND.toLocaleString('en-US')} transactions/s, >= ${fmt(roundTrips / ACCOUNT_TRANSACTIONS_PER_SECOND, 2)} s for the round trips`,
  );
  const byTable = new Map<string, { writes: number; partitions: number; busiest: number }>();
  for (const [p, w] of partitions) {
    const table = partitionLabel(p).split(' ')[0]!;
    const t = byTable.get(table) ?? { writes: 0, partitions: 0, busiest: 0 };
    byTable.set(table, { writes: t.writes + w, partitions: t.partitions + 1, busiest: Math.max(t.busiest, w) });
  }
  console.log(
    `    by table: ${[...byTable]
      .map(([t, b]) => `${t} ${b.writes} writes in ${b.partitions} partitions (busiest ${b.busiest})`)
      .join('; ')}`,
  );
  console.log(
    `    next busiest: ${partitions
      .slice(1, 4)
      .map(([p, w]) => `${partitionLabel(p)} ${w}`)
      .join('; ')}`,
  );
  if (rolled < total) {
    const failed = queue.deadLetters.slice(deadBefore, deadBefore + 3).map((d) => JSON.stringify(d).slice(0, 300));
    fail(
      `${total - rolled} of ${total} groups were not rolled${failed.length ? `; dead letters: ${failed.join(' | ')}` : ''}`,
    );
  }
} finally {
  await stopApp();
  await env.stop();
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { TableClient, odata } from '@azure/data-tables';
import { startRemoteArmBenchEnv, runConcurrently, measuredCpu, type RemoteArmBenchEnv } from './harness.js';
import { fmt, median, percentile, sum } from './stats.js';
import { startHttpClientProcess } from './http-client.js';
import { profiled, profileFile } from './profile.js';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime } from '../../dev/runtime/runtime.js';
import { ALL_APP_ROLES, principalHeader } from '../../shared/access/principal.js';
import { imageRef, galleryRef, versionRef } from '../../shared/domain/ids.js';
import { imageVersionRecordFrom, galleryRecordFrom, imageDefinitionRecordFrom } from '../../shared/domain/records.js';
import { deployability } from '../../shared/domain/latest.js';
import { compareVersions } from '../../shared/domain/versions.js';
import type { GalleryArmReader } from '../../shared/arm/reader.js';
import type { ImageRef } from '../../shared/domain/ids.js';
import type { RestResourceInput } from '../../dev/arm-simulator.js';
import type { Services } from '../../shared/services.js';
import { AFTER_SEP, galleryKey, imageKey, resourceGroupPrefix, subscriptionKey } from '../../shared/catalog/keys.js';
import { RECORD_SELECT } from '../../shared/catalog/json-props.js';
import { appModules } from './app-modules.js';

const VERSIONS = 10_000;
const SUB = randomUUID();
const TENANT = randomUUID();
const PRINCIPAL = { tenantId: TENANT, objectId: randomUUID() };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** "latest" the way a client without the catalog does it: list every version over ARM, then GET the newest until one is eligible. */
async function latestViaArm(reader: GalleryArmReader, ref: ImageRef, region: string): Promise<string | undefined> {
  const names: string[] = [];
  for await (const v of reader.listVersions(ref)) if (v.name) names.push(v.name);
  names.sort((a, b) => compareVersions(b, a));
  for (const name of names) {
    const got = await reader.getVersion(versionRef(ref, name));
    if (got.found && deployability(imageVersionRecordFrom(got.value), region).eligibleForLatest) return name;
  }
  return undefined;
}

/**
 * Latest over 10,000 versions (catalog vs ARM), and the console cascade over HTTP: latency with one
 * and 16 concurrent clients, and the app's CPU per call next to a raw `@azure/data-tables` read of
 * the same rows. This process is the app (local runtime, handler, table client); the client runs in
 * a process of its own and Azurite in another, so this process's CPU is the app's.
 */
async function benchLookups(): Promise<void> {
  // ARM answers in a process of its own (as it is remote in Azure): this process holds and spends only what the app does.
  const env = await startRemoteArmBenchEnv(`l${randomBytes(4).toString('hex')}`);
  try {
    const { arm } = env;
    const gid = `/subscriptions/${SUB}/resourceGroups/rg-bench/providers/Microsoft.Compute/galleries/bench`;
    const iid = `${gid}/images/big`;
    const resources: RestResourceInput[] = [
      {
        id: gid,
        location: 'westeurope',
        properties: { provisioningState: 'Succeeded', sharingProfile: { permissions: 'Private' } },
      },
      {
        id: iid,
        location: 'westeurope',
        properties: {
          osType: 'Linux',
          osState: 'Generalized',
          hyperVGeneration: 'V2',
          identifier: { publisher: 'P', offer: 'O', sku: 'big' },
          provisioningState: 'Succeeded',
        },
      },
    ];
    const versionNames: string[] = [];
    for (let n = 0; n < VERSIONS; n++) {
      const name = `${Math.floor(n / 1000)}.${Math.floor(n / 10) % 100}.${n % 10}`;
      versionNames.push(name);
      const top = n >= VERSIONS - 3; // the three newest: excluded, replicating, failed
      resources.push({
        id: `${iid}/versions/${name}`,
        location: 'westeurope',
        properties: {
          publishingProfile: {
            targetRegions: [
              { name: 'West Europe', regionalReplicaCount: 3 },
              { name: 'East US', regionalReplicaCount: 1 },
            ],
            replicaCount: 1,
            excludeFromLatest: top && n === VERSIONS - 1,
          },
          replicationStatus: {
            aggregatedState: top && n === VERSIONS - 2 ? 'InProgress' : 'Completed',
            summary: [
              { region: 'West Europe', state: top && n === VERSIONS - 2 ? 'Replicating' : 'Completed', progress: 100 },
              { region: 'East US', state: 'Completed', progress: 100 },
            ],
          },
          provisioningState: top && n === VERSIONS - 3 ? 'Failed' : 'Succeeded',
        },
      });
    }
    for (let k = 0; k < resources.length; k += 1000) await arm.put(resources.slice(k, k + 1000));
    const { services } = await import('../../shared/services.js');
    const s = services();
    await s.directory.put('bench', {
      tenantId: TENANT,
      subscriptions: [{ subscriptionId: SUB }],
      principals: [PRINCIPAL],
      grants: [],
    });
    // Build the catalog as the indexer writes it (records from ARM's answers), 32 writes in flight.
    const obs = { observedAt: new Date().toISOString() };
    const g = await s.arm.getGallery(galleryRef(SUB, 'rg-bench', 'bench'));
    const i = await s.arm.getImage(imageRef(galleryRef(SUB, 'rg-bench', 'bench'), 'big'));
    if (!g.found || !i.found) throw new Error('bench setup: gallery or image missing');
    await s.catalog.putGallery(galleryRecordFrom(g.value), obs);
    await s.catalog.putImage(imageDefinitionRecordFrom(i.value), obs);
    const setupStarted = performance.now();
    await runConcurrently(versionNames.length, 32, async (k) => {
      const got = await s.arm.getVersion(
        versionRef(imageRef(galleryRef(SUB, 'rg-bench', 'bench'), 'big'), versionNames[k]!),
      );
      if (got.found) await s.catalog.putVersion(imageVersionRecordFrom(got.value), obs);
    });
    const setupMs = performance.now() - setupStarted;

    const ref = imageRef(galleryRef(SUB, 'rg-bench', 'bench'), 'big');
    const caller = (await s.directory.callerFor(TENANT, PRINCIPAL.objectId))!;
    await s.lookups.latest(caller, ref, 'westeurope'); // warm: clients, directory, record cache
    const catalogMs: number[] = [];
    let roundTrips = 0;
    let resolved = '';
    const CALLS = 50;
    for (let k = 0; k < CALLS; k++) {
      const before = s.tables.roundTrips;
      const t = performance.now();
      const r = await s.lookups.latest(caller, ref, 'westeurope');
      catalogMs.push(performance.now() - t);
      roundTrips += s.tables.roundTrips - before;
      resolved = r.version ?? '';
    }
    const armMs: number[] = [];
    let armRequests = 0;
    let armResolved: string | undefined;
    for (let k = 0; k < 3; k++) {
      const before = (await arm.requestCount()).total;
      const t = performance.now();
      armResolved = await latestViaArm(s.arm, ref, 'westeurope');
      armMs.push(performance.now() - t);
      armRequests = (await arm.requestCount()).total - before;
    }
    console.log(
      `\nlookups: latest over an image definition with ${VERSIONS} versions (catalog built in ${fmt(setupMs / 1000)} s)`,
    );
    console.log(
      `  catalog: table round trips per call ${fmt(roundTrips / CALLS, 2)} (target 1), median ${fmt(median(catalogMs), 2)} ms, resolved ${resolved}`,
    );
    console.log(
      `  ARM list + GET over the ARM simulator (pages of 100): ${armRequests} requests per call, median ${fmt(median(armMs), 1)} ms, resolved ${armResolved ?? 'none'}`,
    );
    console.log(
      `  catalog is ${fmt(median(armMs) / median(catalogMs), 0)}x faster (target >= 20x; both against local servers: real ARM adds network latency and throttling to every one of those requests)`,
    );

    await benchCascade(env, s);
  } finally {
    await env.stop();
  }
}

const CLIENTS = 16;
/** Calls per kind in the CPU phases, and in the mixed phase. */
const PER_KIND = 600;
const MIXED = 2000;

/** Calls of each side before anything is measured. */
const WARM_UP = 3000;

/** The cascade over HTTP, its CPU per call beside the raw read of the same rows, and (with --profile) a CPU profile of the 16-client phase. */
async function benchCascade(env: RemoteArmBenchEnv, s: Services): Promise<void> {
  // The tsc output of the app (not the bundle), so the app and this process share one set of services and their table round-trip counter.
  const registry = await loadApp(root, appModules(root));
  const runtime = new LocalRuntime(registry, {
    timers: false,
    onLog: () => undefined,
    principalHeader: principalHeader({ roles: ALL_APP_ROLES, ...PRINCIPAL }),
  });
  const url = await runtime.start(0);
  const client = await startHttpClientProcess();
  try {
    const image = imageRef(galleryRef(SUB, 'rg-bench', 'bench'), 'big');
    const prefix = s.config.tablePrefix;
    const raw = (table: string) =>
      TableClient.fromConnectionString(env.azurite.connectionString, `${prefix}${table}`, {
        allowInsecureConnection: true,
      });
    const galleries = raw('galleries');
    const images = raw('images');
    const versions = raw('versions');
    const rg = resourceGroupPrefix('rg-bench');
    /** Each kind's HTTP path and the table query its call makes: filter, page size, and whether it stops after the first page. */
    const kinds = [
      {
        name: 'resourceGroups',
        path: `/api/subscriptions/${SUB}/resourceGroups`,
        query: {
          client: galleries,
          filter: odata`PartitionKey eq ${subscriptionKey(SUB)} and deleted eq false`,
          pageSize: 1000,
          firstPageOnly: false,
        },
      },
      {
        name: 'galleries',
        path: `/api/subscriptions/${SUB}/resourceGroups/rg-bench/galleries`,
        query: {
          client: galleries,
          filter: odata`PartitionKey eq ${subscriptionKey(SUB)} and RowKey gt ${rg} and RowKey lt ${rg.slice(0, -1) + AFTER_SEP} and deleted eq false`,
          pageSize: 1000,
          firstPageOnly: false,
        },
      },
      {
        name: 'images',
        path: `/api/subscriptions/${SUB}/resourceGroups/rg-bench/galleries/bench/images`,
        query: {
          client: images,
          filter: odata`PartitionKey eq ${galleryKey(image)} and deleted eq false`,
          pageSize: 1000,
          firstPageOnly: false,
        },
      },
      {
        name: 'versions',
        path: `/api/subscriptions/${SUB}/resourceGroups/rg-bench/galleries/bench/images/big/versions?region=westeurope&top=20`,
        query: {
          client: versions,
          filter: odata`PartitionKey eq ${imageKey(image)} and deleted eq false`,
          pageSize: 21,
          firstPageOnly: true,
        },
      },
      {
        name: 'latest',
        path: `/api/subscriptions/${SUB}/resourceGroups/rg-bench/galleries/bench/images/big/versions/latest?region=westeurope`,
        query: {
          client: versions,
          filter: odata`PartitionKey eq ${imageKey(image)} and deleted eq false`,
          pageSize: 10,
          firstPageOnly: true,
        },
      },
    ];
    /**
     * A kind's table query (shared/catalog/json-props.ts: its filter, its page size, and its
     * `$select` of the keys and the record's chunks), by a plain client. `whole` leaves the select
     * out and reads the whole entities, as a plain client asking for the rows would.
     */
    const read = async ({ query }: (typeof kinds)[number], whole = false): Promise<number> => {
      let rows = 0;
      const queryOptions = whole ? { filter: query.filter } : { filter: query.filter, select: [...RECORD_SELECT] };
      for await (const page of query.client
        .listEntities<Record<string, unknown>>({ queryOptions })
        .byPage({ maxPageSize: query.pageSize })) {
        rows += page.length;
        if (query.firstPageOnly) break;
      }
      return rows;
    };
    const paths = kinds.map((k) => k.path);
    // Warm-up: connections, caches, and V8's optimising compiler on both sides (the raw reads too),
    // so the figures below are a steady state's: with 500 calls the compiler's own CPU, counted in
    // this process, was still a third of a call's cost.
    await client.run({ baseUrl: url, paths, n: WARM_UP, concurrency: CLIENTS });
    await runConcurrently(WARM_UP, CLIENTS, (n) => read(kinds[n % kinds.length]!, n % 2 === 1));

    const single = await client.run({ baseUrl: url, paths, n: 200, concurrency: 1 });
    console.log(
      `  cascade over HTTP, one client (the client in a process of its own; local runtime and handler in this one; Azurite in another):`,
    );
    for (const [i, k] of kinds.entries())
      console.log(
        `    ${k.name.padEnd(15)} p50 ${fmt(percentile(single.times[i]!, 50), 1)} ms   p99 ${fmt(percentile(single.times[i]!, 99), 1)} ms`,
      );

    // Each kind alone at 16 clients (this process's CPU per call and its round trips), then the raw reads of the same rows, 16 in flight.
    const perKind: {
      name: string;
      app: number;
      raw: number;
      whole: number;
      azurite: number | undefined;
      rawAzurite: number | undefined;
      roundTrips: number;
    }[] = [];
    for (const k of kinds) {
      const before = s.tables.roundTrips;
      const app = await measuredCpu(env.azurite, () =>
        client.run({ baseUrl: url, paths: [k.path], n: PER_KIND, concurrency: CLIENTS }),
      );
      const roundTrips = (s.tables.roundTrips - before) / PER_KIND;
      if (app.result.failures > 0)
        throw new Error(`cascade ${k.name}: ${app.result.failures} calls failed (first: ${app.result.firstFailure})`);
      const rawRun = await measuredCpu(env.azurite, () => runConcurrently(PER_KIND, CLIENTS, () => read(k)));
      const wholeRun = await measuredCpu(env.azurite, () => runConcurrently(PER_KIND, CLIENTS, () => read(k, true)));
      perKind.push({
        name: k.name,
        app: app.appCpuMs / PER_KIND,
        raw: rawRun.appCpuMs / PER_KIND,
        whole: wholeRun.appCpuMs / PER_KIND,
        azurite: app.azuriteCpuMs === undefined ? undefined : app.azuriteCpuMs / PER_KIND,
        rawAzurite: rawRun.azuriteCpuMs === undefined ? undefined : rawRun.azuriteCpuMs / PER_KIND,
        roundTrips,
      });
    }

    // The floor under every call: an authenticated call that answers from this instance's caches,
    // no table read (GET /api/me: principal, organization and accounts), served the same way.
    const floorPath = '/api/me';
    await client.run({ baseUrl: url, paths: [floorPath], n: WARM_UP, concurrency: CLIENTS });
    const floorBefore = s.tables.roundTrips;
    const floor = await measuredCpu(env.azurite, () =>
      client.run({ baseUrl: url, paths: [floorPath], n: PER_KIND, concurrency: CLIENTS }),
    );
    const floorRoundTrips = (s.tables.roundTrips - floorBefore) / PER_KIND;
    if (floor.result.failures > 0)
      throw new Error(`${floorPath}: ${floor.result.failures} calls failed (first: ${floor.result.firstFailure})`);
    // The galleries list split: its direct store call alone (16 in flight, no HTTP), and the same
    // calls run beside the floor's calls in this one process without being linked to them.
    const listGalleries = () => s.catalog.listGalleries(SUB, 'rg-bench');
    const storeAlone = await measuredCpu(env.azurite, () => runConcurrently(PER_KIND, CLIENTS, listGalleries));
    const sideBySide = await measuredCpu(env.azurite, () =>
      Promise.all([
        client.run({ baseUrl: url, paths: [floorPath], n: PER_KIND, concurrency: CLIENTS }),
        runConcurrently(PER_KIND, CLIENTS, listGalleries),
      ]),
    );

    const roundTripsBefore = s.tables.roundTrips;
    const clientCpuBefore = client.cpuMs();
    const mixed = await measuredCpu(env.azurite, () =>
      client.run({ baseUrl: url, paths, n: MIXED, concurrency: CLIENTS }),
    );
    const clientCpu = client.cpuMs();
    const mixedRoundTrips = (s.tables.roundTrips - roundTripsBefore) / MIXED;
    if (mixed.result.failures > 0)
      throw new Error(`cascade: ${mixed.result.failures} calls failed (first: ${mixed.result.firstFailure})`);
    const wall = mixed.result.wallMs;
    console.log(
      `  cascade over HTTP, ${CLIENTS} concurrent clients, ${MIXED} calls in ${fmt(wall / 1000, 2)} s (${fmt((MIXED / wall) * 1000)} calls/s); table round trips per call ${fmt(mixedRoundTrips, 2)} (goal <= 1):`,
    );
    for (const [i, k] of kinds.entries())
      console.log(
        `    ${k.name.padEnd(15)} p50 ${fmt(percentile(mixed.result.times[i]!, 50), 1)} ms   p99 ${fmt(percentile(mixed.result.times[i]!, 99), 1)} ms`,
      );
    const perCall = (ms: number | undefined) => (ms === undefined ? '-' : fmt(ms, 3));
    console.log(
      `    CPU ms per call: app ${perCall(mixed.appCpuMs / MIXED)}, Azurite ${perCall(mixed.azuriteCpuMs === undefined ? undefined : mixed.azuriteCpuMs / MIXED)}, client process ${perCall(clientCpuBefore === undefined || clientCpu === undefined ? undefined : (clientCpu - clientCpuBefore) / MIXED)}`,
    );
    console.log(
      `  cascade app CPU per call at ${CLIENTS} clients, each kind alone (${PER_KIND} calls), beside a raw @azure/data-tables read in this process of the same rows by the same query, its $select included (${CLIENTS} in flight; in brackets, the read of the whole entities):`,
    );
    for (const k of perKind) {
      console.log(
        `    ${k.name.padEnd(15)} app ${fmt(k.app, 3)} ms, raw read ${fmt(k.raw, 3)} ms (${fmt(k.whole, 3)} ms), ratio ${fmt(k.app / k.raw, 2)} (${fmt(k.app / k.whole, 2)}); table round trips per call ${fmt(k.roundTrips, 2)}; Azurite ${perCall(k.azurite)} ms vs ${perCall(k.rawAzurite)} ms`,
      );
    }
    console.log(
      `    the floor: GET ${floorPath} (authenticated, answered from caches), app ${fmt(floor.appCpuMs / PER_KIND, 3)} ms per call; table round trips per call ${fmt(floorRoundTrips, 2)}: what serving an HTTP call costs this process before any read`,
    );
    const galleriesApp = perKind.find((k) => k.name === 'galleries')?.app;
    console.log(
      `    galleries split: the floor ${fmt(floor.appCpuMs / PER_KIND, 3)} ms + its direct store call alone ${fmt(storeAlone.appCpuMs / PER_KIND, 3)} ms; the two run side by side, unlinked, ${fmt(sideBySide.appCpuMs / PER_KIND, 3)} ms a pair; served as one call ${galleriesApp === undefined ? '-' : fmt(galleriesApp, 3)} ms`,
    );
    const appMean = sum(perKind.map((k) => k.app)) / perKind.length;
    const rawMean = sum(perKind.map((k) => k.raw)) / perKind.length;
    const wholeMean = sum(perKind.map((k) => k.whole)) / perKind.length;
    const roundTripsMax = Math.max(...perKind.map((k) => k.roundTrips));
    console.log(
      `  cascade: app CPU per call ${fmt(appMean, 3)} ms, raw read ${fmt(rawMean, 3)} ms, CPU ratio ${fmt(appMean / rawMean, 2)} (goal <= 2; ${fmt(appMean / wholeMean, 2)} against the read of the whole entities, ${fmt(wholeMean, 3)} ms); ${fmt((MIXED / wall) * 1000)} calls/s at ${CLIENTS} clients; table round trips per call ${fmt(roundTripsMax, 2)} at most (goal <= 1)`,
    );

    if (process.argv.includes('--profile')) {
      const file = profileFile(`cascade-${CLIENTS}-clients`);
      const { summary } = await profiled(file, () =>
        client.run({ baseUrl: url, paths, n: MIXED, concurrency: CLIENTS }),
      );
      console.log(`  CPU profile of this process, ${CLIENTS} clients, ${MIXED} mixed calls: ${file}`);
      for (const line of summary) console.log(`    ${line}`);
    }
  } finally {
    await client.stop();
    await runtime.stop();
  }
}

await benchLookups();

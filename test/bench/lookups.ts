import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { startBenchEnv, runConcurrently } from './harness.js';
import { fmt, median, percentile } from './stats.js';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime } from '../../dev/runtime/runtime.js';
import { ALL_APP_ROLES, principalHeader } from '../../shared/access/principal.js';
import { imageRef, galleryRef, versionRef } from '../../shared/domain/ids.js';
import { imageVersionRecordFrom, galleryRecordFrom, imageDefinitionRecordFrom } from '../../shared/domain/records.js';
import { deployability } from '../../shared/domain/latest.js';
import { compareVersions } from '../../shared/domain/versions.js';
import type { GalleryArmReader } from '../../shared/arm/reader.js';
import type { ImageRef } from '../../shared/domain/ids.js';

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

/** Issue 4: latest over 10,000 versions (catalog vs ARM), and cascade latency under 16 concurrent clients. */
export async function benchLookups(): Promise<void> {
  const env = await startBenchEnv(`l${randomBytes(4).toString('hex')}`);
  try {
    const { sim } = env;
    const gid = `/subscriptions/${SUB}/resourceGroups/rg-bench/providers/Microsoft.Compute/galleries/bench`;
    const iid = `${gid}/images/big`;
    sim.put({ id: gid, location: 'westeurope', properties: { provisioningState: 'Succeeded', sharingProfile: { permissions: 'Private' } } });
    sim.put({ id: iid, location: 'westeurope', properties: { osType: 'Linux', osState: 'Generalized', hyperVGeneration: 'V2', identifier: { publisher: 'P', offer: 'O', sku: 'big' }, provisioningState: 'Succeeded' } });
    for (let n = 0; n < VERSIONS; n++) {
      const name = `${Math.floor(n / 1000)}.${Math.floor(n / 10) % 100}.${n % 10}`;
      const top = n >= VERSIONS - 3; // the three newest: excluded, replicating, failed
      sim.put({
        id: `${iid}/versions/${name}`,
        location: 'westeurope',
        properties: {
          publishingProfile: { targetRegions: [{ name: 'West Europe', regionalReplicaCount: 3 }, { name: 'East US', regionalReplicaCount: 1 }], replicaCount: 1, excludeFromLatest: top && n === VERSIONS - 1 },
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
    const { services } = await import('../../shared/services.js');
    const s = services();
    await s.directory.put('bench', { tenantId: TENANT, subscriptions: [{ subscriptionId: SUB }], principals: [PRINCIPAL], grants: [] });
    // Build the catalog as the indexer writes it (records from ARM's answers), 32 writes in flight.
    const obs = { observedAt: new Date().toISOString() };
    const g = await s.arm.getGallery(galleryRef(SUB, 'rg-bench', 'bench'));
    const i = await s.arm.getImage(imageRef(galleryRef(SUB, 'rg-bench', 'bench'), 'big'));
    if (!g.found || !i.found) throw new Error('bench setup: gallery or image missing');
    await s.catalog.putGallery(galleryRecordFrom(g.value), obs);
    await s.catalog.putImage(imageDefinitionRecordFrom(i.value), obs);
    const all = sim.all().filter((r) => r.id.includes('/versions/'));
    const setupStarted = performance.now();
    await runConcurrently(all.length, 32, async (k) => {
      const got = await s.arm.getVersion(versionRef(imageRef(galleryRef(SUB, 'rg-bench', 'bench'), 'big'), all[k]!.id.split('/').pop()!));
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
    sim.pageSize = 100;
    for (let k = 0; k < 3; k++) {
      sim.resetCounters();
      const t = performance.now();
      armResolved = await latestViaArm(s.arm, ref, 'westeurope');
      armMs.push(performance.now() - t);
      armRequests = sim.requestCount.total;
    }
    console.log(`\nlookups: latest over an image definition with ${VERSIONS} versions (catalog built in ${fmt(setupMs / 1000)} s)`);
    console.log(`  catalog: table round trips per call ${fmt(roundTrips / CALLS, 2)} (target 1), median ${fmt(median(catalogMs), 2)} ms, resolved ${resolved}`);
    console.log(`  ARM list + GET over the ARM simulator (pages of 100): ${armRequests} requests per call, median ${fmt(median(armMs), 1)} ms, resolved ${armResolved ?? 'none'}`);
    console.log(`  catalog is ${fmt(median(armMs) / median(catalogMs), 0)}x faster (target >= 20x; both against local servers: real ARM adds network latency and throttling to every one of those requests)`);

    // Cascade latency over HTTP through the local runtime, 16 concurrent clients.
    const registry = await loadApp(root);
    const runtime = new LocalRuntime(registry, { timers: false, onLog: () => undefined, principalHeader: principalHeader({ roles: ALL_APP_ROLES, ...PRINCIPAL }) });
    const url = await runtime.start(0);
    try {
      const paths = {
        resourceGroups: `subscriptions/${SUB}/resourceGroups`,
        galleries: `subscriptions/${SUB}/resourceGroups/rg-bench/galleries`,
        images: `subscriptions/${SUB}/resourceGroups/rg-bench/galleries/bench/images`,
        versions: `subscriptions/${SUB}/resourceGroups/rg-bench/galleries/bench/images/big/versions?region=westeurope&top=20`,
        latest: `subscriptions/${SUB}/resourceGroups/rg-bench/galleries/bench/images/big/versions/latest?region=westeurope`,
      };
      const kinds = Object.keys(paths) as (keyof typeof paths)[];
      const times: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k, []]));
      for (const k of kinds) await fetch(`${url}/api/${paths[k]}`); // warm
      const single: Record<string, number[]> = Object.fromEntries(kinds.map((k) => [k, []]));
      for (let n = 0; n < 200; n++) {
        const kind = kinds[n % kinds.length]!;
        const t = performance.now();
        await (await fetch(`${url}/api/${paths[kind]}`)).arrayBuffer();
        single[kind]!.push(performance.now() - t);
      }
      console.log(`  cascade over HTTP, one client (client, local runtime and handler in this process; Azurite in another):`);
      for (const k of kinds) console.log(`    ${k.padEnd(15)} p50 ${fmt(percentile(single[k]!, 50), 1)} ms   p99 ${fmt(percentile(single[k]!, 99), 1)} ms`);
      const N = 2000;
      const wall = await runConcurrently(N, 16, async (n) => {
        const kind = kinds[n % kinds.length]!;
        const t = performance.now();
        const res = await fetch(`${url}/api/${paths[kind]}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${kind}: ${res.status}`);
        times[kind]!.push(performance.now() - t);
      });
      console.log(`  cascade over HTTP, 16 concurrent clients, ${N} calls in ${fmt(wall / 1000, 2)} s (${fmt((N / wall) * 1000)} calls/s):`);
      for (const k of kinds) console.log(`    ${k.padEnd(15)} p50 ${fmt(percentile(times[k]!, 50), 1)} ms   p99 ${fmt(percentile(times[k]!, 99), 1)} ms`);
    } finally {
      await runtime.stop();
    }
  } finally {
    await env.stop();
  }
}

// `npm run bench -- --scale limit` (or `--scale small`): one subscription-region filled to Azure's
// limits (100 galleries, 1,000 image definitions, 10,000 versions; small: a tenth of each) in the
// ARM simulator and the catalog, with the simulator throttling reads like ARM (token bucket 250,
// refill 25/s per subscription). Prints search latency and table reads per page, the reconcile of
// the unchanged subscription and with 1 % of the versions changed (through the reconcile-units
// queue, the local runtime's stand-in), and the peak RSS of each phase. The same `--scale` then rolls
// 10,000 groups on `latest` (small: 1,000) in a process of its own: scale-roll.ts (`--only roll`).
// Figures measured in this one run; nothing is asserted.
import { randomBytes, randomUUID } from 'node:crypto';
import { startBenchEnv, runConcurrently, withPeakRss } from './harness.js';
import { fmt, percentile } from './stats.js';
import { resetConfig } from '../../shared/config.js';
import { resetServices } from '../../shared/services.js';
import { useReconcileQueue } from '../../dev/runtime/host-queues.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime } from '../../dev/runtime/runtime.js';
import { waitForRun } from '../../shared/reconcile/runs.js';
import type { ReconcileProgress } from '../../shared/domain/reconcile-run.js';
import { parseResourceId } from '../../shared/domain/ids.js';
import { ARM_READ_LIMITS, minimumSeconds } from '../../shared/domain/token-bucket.js';
import { armReadThrottle } from '../../shared/arm/read-throttle.js';
import { matchesSearch } from '../../shared/domain/search.js';
import type { SearchFilters } from '../../shared/lookups/lookups.js';
import type { Caller } from '../../shared/domain/visibility.js';
import type { CatalogStore } from '../../shared/catalog/store.js';
import type { Services } from '../../shared/services.js';
import { appModules } from './app-modules.js';

export type Scale = 'limit' | 'small';

const SIZES: Record<Scale, { galleries: number; imagesPerGallery: number; versionsPerImage: number }> = {
  limit: { galleries: 100, imagesPerGallery: 10, versionsPerImage: 10 },
  small: { galleries: 10, imagesPerGallery: 10, versionsPerImage: 10 },
};
const SECURITY = [
  undefined,
  'TrustedLaunch',
  'TrustedLaunchSupported',
  'ConfidentialVM',
  'ConfidentialVMSupported',
  'TrustedLaunchAndConfidentialVmSupported',
];

/** The walk the search index replaced: every gallery, every definition, a versions query per definition with a region. */
async function scanSearch(store: CatalogStore, sub: string, filters: SearchFilters): Promise<string[]> {
  const found: string[] = [];
  for (const g of await store.listGalleries(sub)) {
    for (const i of await store.listImages(g.ref)) {
      if (!matchesSearch(i, filters)) continue;
      if (filters.region !== undefined && !(await store.hasLatestIn(i.ref, filters.region))) continue;
      found.push(i.id.toLowerCase());
    }
  }
  return found.sort();
}

/** Search latency and table reads per page, each answer beside the former walk of the catalog. */
async function benchSearch(s: Services, caller: Caller, SUB: string): Promise<void> {
  const queries: [string, SearchFilters][] = [
    ['all', {}],
    ['publisher', { publisher: 'publisher-3' }],
    ['publisher+offer+sku', { publisher: 'publisher-3', offer: `offer-${3 % 7}`, sku: 'sku-3' }],
    ['osType=Windows', { osType: 'Windows' }],
    ['architecture=Arm64', { architecture: 'Arm64' }],
    ['securityType=TrustedLaunch', { securityType: 'TrustedLaunch' }],
    ['region=eastus', { region: 'eastus' }],
    ['region=westeurope+osType=Linux', { region: 'westeurope', osType: 'Linux' }],
  ];
  const search = await withPeakRss(async () => {
    const rows: string[] = [];
    await s.lookups.search(caller, {}, { top: 100, binding: 'warm' });
    for (const [name, filters] of queries) {
      const ms: number[] = [];
      const reads: number[] = [];
      const results: string[] = [];
      for (let round = 0; round < 3; round++) {
        let after: string | undefined;
        do {
          const before = s.tables.roundTrips;
          const t = performance.now();
          const page = await s.lookups.search(caller, filters, {
            top: 100,
            binding: 'b',
            ...(after !== undefined ? { after } : {}),
          });
          ms.push(performance.now() - t);
          reads.push(s.tables.roundTrips - before);
          if (round === 0) results.push(...page.items.map((i) => i.id.toLowerCase()));
          after = page.continuationToken
            ? (JSON.parse(Buffer.from(page.continuationToken, 'base64url').toString('utf8')) as { a: string }).a
            : undefined;
        } while (after !== undefined);
      }
      const before = s.tables.roundTrips;
      const t = performance.now();
      const scanned = await scanSearch(s.catalog, SUB, filters);
      const scanMs = performance.now() - t;
      const scanReads = s.tables.roundTrips - before;
      const same = JSON.stringify(scanned) === JSON.stringify([...results].sort());
      const goals = filters.region !== undefined ? ' (goals: <= 10 reads per page, p50 <= 100 ms)' : '';
      rows.push(
        `    ${name.padEnd(32)} ${String(results.length).padStart(5)} results, pages of 100: p50 ${fmt(percentile(ms, 50), 1)} ms, p99 ${fmt(percentile(ms, 99), 1)} ms, table reads per page p50 ${percentile(reads, 50)} max ${Math.max(...reads)}${goals}` +
          `   (the former walk: ${scanReads} table reads, ${fmt(scanMs, 0)} ms for all; ${same ? 'the same answers' : `WARNING: different answers, ${scanned.length} results`})`,
      );
    }
    return rows;
  });
  console.log(
    `  search (in process, caller owning the subscription; visibility checked per result), peak RSS ${fmt(search.peakMiB, 0)} MiB:`,
  );
  for (const r of search.value) console.log(r);
}

/** `only`: one part of the scenario after the fill (the search, or the reconcile). */
export async function benchScale(scale: Scale, only?: 'search' | 'reconcile'): Promise<void> {
  const size = SIZES[scale];
  const SUB = randomUUID();
  const TENANT = randomUUID();
  const env = await startBenchEnv(`s${randomBytes(4).toString('hex')}`);
  // Throttled reads answer 429 with Retry-After: the ARM client waits and retries (as against ARM).
  Object.assign(process.env, { ARM_MAX_RETRIES: '10', ARM_RETRY_DELAY_MS: '200' });
  resetConfig();
  resetServices();
  try {
    const { sim } = env;
    const versionIds: string[] = [];
    const galleryIds: string[] = [];
    const imageIds: string[] = [];
    for (let g = 0; g < size.galleries; g++) {
      const gid = `/subscriptions/${SUB}/resourceGroups/rg-${String(g % 10).padStart(2, '0')}/providers/Microsoft.Compute/galleries/gallery${String(g).padStart(3, '0')}`;
      galleryIds.push(gid);
      sim.put({
        id: gid,
        location: 'westeurope',
        properties: { provisioningState: 'Succeeded', sharingProfile: { permissions: 'Private' } },
      });
      for (let i = 0; i < size.imagesPerGallery; i++) {
        const n = g * size.imagesPerGallery + i;
        const iid = `${gid}/images/image-${String(i).padStart(2, '0')}`;
        imageIds.push(iid);
        const security = SECURITY[n % SECURITY.length];
        sim.put({
          id: iid,
          location: 'westeurope',
          properties: {
            osType: n % 4 === 0 ? 'Windows' : 'Linux',
            osState: 'Generalized',
            hyperVGeneration: 'V2',
            architecture: n % 5 === 0 ? 'Arm64' : 'x64',
            identifier: { publisher: `publisher-${n % 20}`, offer: `offer-${n % 7}`, sku: `sku-${n}` },
            ...(security ? { features: [{ name: 'SecurityType', value: security }] } : {}),
            provisioningState: 'Succeeded',
          },
        });
        for (let v = 0; v < size.versionsPerImage; v++) {
          const vid = `${iid}/versions/1.${v}.0`;
          versionIds.push(vid);
          // every third definition only reaches West Europe; the rest also East US
          const regions = n % 3 === 0 ? ['West Europe'] : ['West Europe', 'East US'];
          sim.put({
            id: vid,
            location: 'westeurope',
            properties: {
              publishingProfile: {
                targetRegions: regions.map((r) => ({
                  name: r,
                  regionalReplicaCount: 1,
                  storageAccountType: 'Standard_LRS',
                })),
                replicaCount: 1,
                excludeFromLatest: false,
              },
              storageProfile: { osDiskImage: { sizeInGB: 30 } },
              replicationStatus: {
                aggregatedState: 'Completed',
                summary: regions.map((r) => ({ region: r, state: 'Completed', progress: 100 })),
              },
              provisioningState: 'Succeeded',
            },
          });
        }
      }
    }
    const { services } = await import('../../shared/services.js');
    const s = services();
    await s.catalog.ensureTables();
    await s.directory.put('scale', {
      tenantId: TENANT,
      subscriptions: [{ subscriptionId: SUB }],
      principals: [],
      grants: [],
    });
    const caller: Caller = { organizationId: 'scale', tenantId: TENANT, subscriptionIds: [SUB] };

    console.log(
      `\nscale (${scale}): one subscription-region with ${size.galleries} galleries, ${imageIds.length} image definitions, ${versionIds.length} versions`,
    );
    console.log(
      `  machine: ${process.env.BENCH_MACHINE ?? 'this one'}; Azurite in another process; ARM simulator, app and client in this one`,
    );

    // Fill the catalog as events would (each resource re-read from ARM and written), 32 in flight, unthrottled.
    const fill = await withPeakRss(async () => {
      for (const ids of [galleryIds, imageIds, versionIds])
        await runConcurrently(ids.length, 32, (k) => s.indexer.refresh(parseResourceId(ids[k]!)));
    });
    console.log(`  fill (events, unthrottled): ${fmt(fill.ms / 1000)} s, peak RSS ${fmt(fill.peakMiB, 0)} MiB`);

    // ---------------------------------------------------------------- search
    if (only === undefined || only === 'search') await benchSearch(s, caller, SUB);
    if (only !== undefined && only !== 'reconcile') return;

    // ---------------------------------------------------------------- reconcile
    // Through the queue, as in Azure: the planning step queues one unit per gallery on the local
    // runtime's in-memory reconcile-units queue, which delivers them to the app's reconcileUnit
    // trigger (host.json maxConcurrentCalls at once); the run is over when its record says so.
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const registry = await loadApp(root, appModules(root));
    const hostJson = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')) as {
      extensions?: { serviceBus?: { maxConcurrentCalls?: number } };
    };
    const runtime = new LocalRuntime(registry, {
      timers: false,
      onLog: () => undefined,
      serviceBus: hostJson.extensions?.serviceBus ?? {},
    });
    await runtime.start(0);
    const unitsQueue = runtime.emulateServiceBus('reconcileUnit', {
      maxDeliveryCount: s.config.reconcileUnitsMaxDeliveryCount,
      redeliveryDelayMs: 200,
    });
    useReconcileQueue(unitsQueue);
    const runThroughQueue = async (): Promise<ReconcileProgress> => {
      const before = (await s.reconcileProgress.read())?.runId;
      await s.reconcileRuns.start([SUB]);
      const run = await waitForRun(() => s.reconcileProgress.read(), before, { pollMs: 50 });
      await unitsQueue.idle();
      return run;
    };
    // ARM's read limits, enforced by the simulator and spent by the app's own bucket.
    sim.readThrottle = ARM_READ_LIMITS;
    const reconcileOnce = async (label: string, goalNote: string) => {
      sim.resetCounters(); // also refills the simulator's buckets
      armReadThrottle.limits = ARM_READ_LIMITS; // full again, like the simulator's
      const r = await withPeakRss(runThroughQueue);
      const answered = sim.requests.filter((q) => q.status !== 429);
      const lists = answered.filter((q) => q.kind === 'list').length;
      const gets = answered.filter((q) => q.kind === 'get').length;
      const minimum = minimumSeconds(answered.length, ARM_READ_LIMITS);
      const ratio =
        minimum > 0
          ? `${fmt(r.ms / 1000 / minimum, 2)}x the bucket's minimum ${fmt(minimum, 1)} s`
          : `within the bucket's burst (minimum 0 s)`;
      console.log(
        `  ${label}: ${answered.length} ARM requests answered (${lists} list pages, ${gets} GETs; ${sim.requestCount.throttled} throttled 429s), ${fmt(r.ms / 1000, 1)} s = ${ratio}; peak RSS ${fmt(r.peakMiB, 0)} MiB`,
      );
      console.log(
        `    ${goalNote}; ${r.value.units.total} gallery units through the queue (at most ${unitsQueue.maxActiveCalls} at once), ${r.value.counts.galleryReads} gallery GETs, ${r.value.counts.versionReads} version GETs, ${r.value.counts.imageWrites} definitions rewritten${r.value.units.failed ? `, ${r.value.units.failed} units FAILED` : ''}; run ${r.value.status}`,
      );
    };
    await reconcileOnce(
      'reconcile, unchanged subscription',
      'goals: ARM requests = list pages; wall time <= 1.25x the minimum',
    );
    const changed = versionIds.filter((_, k) => k % 100 === 7);
    for (const id of changed) {
      const current = sim.get(id);
      if (!current) continue;
      const props = (current.properties ?? {}) as { publishingProfile?: Record<string, unknown> };
      sim.put({
        ...current,
        properties: {
          ...props,
          publishingProfile: { ...(props.publishingProfile ?? {}), endOfLifeDate: '2030-01-01T00:00:00Z' },
        },
      });
    }
    await reconcileOnce(
      `reconcile, ${changed.length} versions (1 %) changed`,
      `goals: list pages + ${changed.length} GETs; wall time <= 1.25x the minimum`,
    );
    sim.readThrottle = undefined;
    armReadThrottle.limits = undefined;
    useReconcileQueue(undefined);
    await runtime.stop();
  } finally {
    await env.stop();
  }
}

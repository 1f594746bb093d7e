// The events benchmark, in a process of its own (test/bench/run.ts starts it), as the lookups, jobs
// and auto-roll run: its CPU figures are of the handler alone, not of what earlier benchmarks left
// in the runner's heap and compiled code.
import { TableClient } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  startRemoteArmBenchEnv,
  benchContext,
  cpuBoundRatio,
  measuredCpu,
  processCpuMs,
  runConcurrently,
  totalCpu,
} from './harness.js';
import { profiled, profileFile } from './profile.js';
import { fmt, sum } from './stats.js';
import { parseResourceId } from '../../shared/domain/ids.js';

const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const DEFINITIONS = 100;
const VERSIONS_PER_DEFINITION = 10;
const CONCURRENCY = 16;
/**
 * Warm-up rounds before the measured ones, each side its own: a round of raw upserts, then a burst
 * of events on warm-up definitions. Both rates keep rising over the first three or four rounds (V8
 * compiling the SDK pipelines' code; Azurite's and the simulator's too); the measured rounds compare
 * the two in the steady state a running instance is in. The bench prints every warm-up round.
 */
const WARM_ROUNDS = 3;
/** Measured rounds, each a round of raw upserts then a burst of events; one more raw round closes them. */
const MEASURED_ROUNDS = 3;

function versionResource(image: number, v: number): Record<string, unknown> {
  const id = `/subscriptions/${SUB}/resourceGroups/rg-bench/providers/Microsoft.Compute/galleries/benchGallery/images/img-${image}/versions/1.${v}.0`;
  return {
    id,
    location: 'westeurope',
    properties: {
      publishingProfile: {
        targetRegions: [
          {
            name: 'West Europe',
            regionalReplicaCount: 3,
            storageAccountType: 'Standard_ZRS',
            excludeFromLatest: false,
          },
          { name: 'East US', regionalReplicaCount: 2, storageAccountType: 'Standard_LRS', excludeFromLatest: false },
        ],
        replicaCount: 1,
        excludeFromLatest: false,
        publishedDate: '2026-10-01T08:00:00Z',
        storageAccountType: 'Standard_LRS',
        replicationMode: 'Full',
      },
      storageProfile: {
        source: {
          virtualMachineId: `/subscriptions/${SUB}/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/build-vm`,
        },
        osDiskImage: { sizeInGB: 30, hostCaching: 'ReadWrite' },
        dataDiskImages: [],
      },
      safetyProfile: {
        allowDeletionOfReplicatedLocations: false,
        reportedForPolicyViolation: false,
        blockDeletionBeforeEndOfLife: false,
      },
      replicationStatus: {
        aggregatedState: 'Completed',
        summary: [
          { region: 'West Europe', state: 'Completed', details: '', progress: 100 },
          { region: 'East US', state: 'Completed', details: '', progress: 100 },
        ],
      },
      provisioningState: 'Succeeded',
    },
  };
}

function writeEvent(id: string, n: number): Record<string, unknown> {
  return {
    id: `bench-${n}`,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    subject: id,
    eventTime: new Date().toISOString(),
    dataVersion: '2',
    data: { resourceUri: id, operationName: 'Microsoft.Compute/galleries/images/versions/write', status: 'Succeeded' },
  };
}

/**
 * A burst of 1,000 version write events over 100 definitions through the Event Grid handler, next
 * to the raw Azurite single-upsert rate. Azurite and the ARM simulator run in processes of their
 * own (as storage and ARM are remote in Azure), so this process's CPU is the handler's.
 */
async function benchCatalog(): Promise<void> {
  const env = await startRemoteArmBenchEnv(`b${randomBytes(4).toString('hex')}`);
  try {
    const arm = env.arm;
    const seed: Record<string, unknown>[] = [
      {
        id: `/subscriptions/${SUB}/resourceGroups/rg-bench/providers/Microsoft.Compute/galleries/benchGallery`,
        location: 'westeurope',
        properties: { provisioningState: 'Succeeded' },
      },
    ];
    // Each round has definitions of its own: the warm-up rounds', then the measured rounds', then
    // with --profile a profiled burst's (after the measured ones).
    const profiling = process.argv.includes('--profile');
    const rounds: string[][] = Array.from({ length: WARM_ROUNDS + MEASURED_ROUNDS + (profiling ? 1 : 0) }, () => []);
    const warmIds = rounds.slice(0, WARM_ROUNDS);
    const measuredIds = rounds.slice(WARM_ROUNDS, WARM_ROUNDS + MEASURED_ROUNDS);
    const profileIds = rounds[WARM_ROUNDS + MEASURED_ROUNDS] ?? [];
    const definitions = rounds.length * DEFINITIONS;
    for (let i = 0; i < definitions; i++) {
      seed.push({
        id: `/subscriptions/${SUB}/resourceGroups/rg-bench/providers/Microsoft.Compute/galleries/benchGallery/images/img-${i}`,
        location: 'westeurope',
        properties: {
          osType: 'Linux',
          osState: 'Generalized',
          hyperVGeneration: 'V2',
          identifier: { publisher: 'P', offer: 'O', sku: `s${i}` },
          provisioningState: 'Succeeded',
        },
      });
      for (let v = 0; v < VERSIONS_PER_DEFINITION; v++) {
        const r = versionResource(i, v);
        seed.push(r);
        rounds[Math.floor(i / DEFINITIONS)]?.push(r.id as string);
      }
    }
    await arm.put(seed as never);
    const { galleryEvents } = await import('../../functions/galleryEvents.js');
    const { services } = await import('../../shared/services.js');
    const s = services();
    await s.catalog.ensureTables();
    // Warm-up (clients, connections), on other resources than the measured burst.
    await galleryEvents(
      writeEvent(
        `/subscriptions/${SUB}/resourceGroups/rg-bench/providers/Microsoft.Compute/galleries/benchGallery`,
        -1,
      ),
      benchContext('galleryEvents'),
    );
    // The definitions are in the catalog before their versions, as in any catalog (ARM creates them first).
    await runConcurrently(definitions, CONCURRENCY, (i) =>
      s.indexer.refresh(
        parseResourceId(
          `/subscriptions/${SUB}/resourceGroups/rg-bench/providers/Microsoft.Compute/galleries/benchGallery/images/img-${i}`,
        ),
      ),
    );
    // The raw Azurite single-entity upsert rate, same entity size, same concurrency: measured just
    // before and just after the burst (the machine's load moves; the ratio uses both).
    const raw = TableClient.fromConnectionString(env.azurite.connectionString, `raw${randomBytes(4).toString('hex')}`, {
      allowInsecureConnection: true,
    });
    await raw.createTable();
    const payload = 'x'.repeat(JSON.stringify(versionResource(0, 0)).length);
    await raw.upsertEntity({ partitionKey: 'warm', rowKey: 'up', payload });
    const burst = DEFINITIONS * VERSIONS_PER_DEFINITION;
    const rawRun = (round: string) =>
      measuredCpu(env.azurite, () =>
        runConcurrently(burst, CONCURRENCY, (i) =>
          raw.upsertEntity({ partitionKey: `${round}${i % DEFINITIONS}`, rowKey: `r${i}`, payload }, 'Replace'),
        ),
      );
    let eventNumber = 0;
    const eventsRun = (roundIds: readonly string[]) => {
      const events = roundIds.map((id) => writeEvent(id, eventNumber++));
      return runConcurrently(events.length, CONCURRENCY, (i) =>
        galleryEvents(events[i], benchContext('galleryEvents')),
      );
    };
    // Both warmed up with rounds of their own (see WARM_ROUNDS): Azurite's upsert path, and the
    // handler's path (V8's compiled code, clients, connections) with the warm-up definitions' events.
    const warmRates: { raw: number; events: number }[] = [];
    for (const [round, roundIds] of warmIds.entries()) {
      const rawMs = (await rawRun(`w${round}`)).result;
      const eventsMs = await eventsRun(roundIds);
      warmRates.push({ raw: (burst / rawMs) * 1000, events: (roundIds.length / eventsMs) * 1000 });
    }
    // The measured rounds alternate raw upserts and events, so the machine's moving load falls on both.
    const rawRounds: Awaited<ReturnType<typeof rawRun>>[] = [];
    const eventRounds: typeof rawRounds = [];
    let armReads = 0;
    let armCpu: number | undefined = 0;
    let roundTrips = 0;
    for (const [round, roundIds] of measuredIds.entries()) {
      rawRounds.push(await rawRun(`m${round}`));
      const armBefore = (await arm.requestCount()).total;
      s.tables.roundTrips = 0;
      const arm0 = processCpuMs(arm.pid);
      eventRounds.push(await measuredCpu(env.azurite, () => eventsRun(roundIds)));
      const arm1 = processCpuMs(arm.pid);
      armCpu = arm0 === undefined || arm1 === undefined || armCpu === undefined ? undefined : armCpu + arm1 - arm0;
      armReads += (await arm.requestCount()).total - armBefore;
      roundTrips += s.tables.roundTrips;
    }
    rawRounds.push(await rawRun('end'));
    const rawMs = rawRounds.map((r) => r.result);
    const eventMs = eventRounds.map((r) => r.result);
    const stored = await s.catalog.listVersions({
      level: 'image',
      subscriptionId: SUB,
      resourceGroup: 'rg-bench',
      gallery: 'benchGallery',
      image: `img-${WARM_ROUNDS * DEFINITIONS + 7}`,
    });

    const handled = totalCpu(eventRounds);
    const rawTotal = totalCpu(rawRounds);
    const eventCount = measuredIds.length * burst;
    const upsertCount = rawRounds.length * burst;
    const eventsPerSec = (eventCount / sum(eventMs)) * 1000;
    const upsertsPerSec = (upsertCount / sum(rawMs)) * 1000;
    // CPU of one raw round of upserts, for the ratio the CPU figures allow (equal counts).
    const rawAppCpu = (rawTotal.appCpuMs / upsertCount) * eventCount;
    const rawAzuriteCpu =
      rawTotal.azuriteCpuMs === undefined ? undefined : (rawTotal.azuriteCpuMs / upsertCount) * eventCount;
    const rates = (ms: number[]): string => ms.map((m) => fmt((burst / m) * 1000)).join(', ');
    const perItem = (cpu: number | undefined): string => (cpu === undefined ? '-' : fmt(cpu / eventCount, 2));
    console.log(
      `\ncatalog: bursts of ${burst} version write events over ${DEFINITIONS} definitions, ${CONCURRENCY} in flight, through galleryEvents (Azurite and the ARM simulator in processes of their own)`,
    );
    console.log(
      `  warm-up rounds (events/s, raw upserts/s): ${warmRates.map((r) => `${fmt(r.events)}, ${fmt(r.raw)}`).join('; ')}`,
    );
    console.log(`  ARM reads per event:            ${fmt(armReads / eventCount, 2)}   (target <= 1)`);
    console.log(`  table round trips per event:    ${fmt(roundTrips / eventCount, 2)}   (target <= 2)`);
    console.log(
      `  events/s through the handler:   ${fmt(eventsPerSec)}   (${MEASURED_ROUNDS} bursts: ${rates(eventMs)})`,
    );
    console.log(
      `  raw Azurite upserts/s:          ${fmt(upsertsPerSec)}   (same entity size and concurrency; ${rawRounds.length} rounds, one before each burst and one after the last: ${rates(rawMs)})`,
    );
    console.log(`  handler rate / raw upsert rate: ${fmt((eventsPerSec / upsertsPerSec) * 100)} %   (goal >= 40 %)`);
    console.log(
      `  CPU ms per event: app ${perItem(handled.appCpuMs)}, Azurite ${perItem(handled.azuriteCpuMs)}, the ARM simulator answering its read ${perItem(armCpu)} (remote in Azure, on this machine's ${os.availableParallelism()} cores here); per raw upsert: client ${perItem(rawAppCpu)}, Azurite ${perItem(rawAzuriteCpu)}`,
    );
    const allowed = cpuBoundRatio(handled, { appCpuMs: rawAppCpu, azuriteCpuMs: rawAzuriteCpu });
    if (allowed !== undefined)
      console.log(
        `  rate ratio these CPU figures allow with a core each for this process and Azurite (ARM answering elsewhere, the machine's other load aside): ${fmt(allowed * 100)} %`,
      );
    if (profiling) {
      const file = profileFile('events');
      const { summary } = await profiled(file, () => eventsRun(profileIds));
      console.log(`  CPU profile of this process, a burst of ${profileIds.length} more events: ${file}`);
      for (const line of summary) console.log(`    ${line}`);
    }
    if (stored.length !== VERSIONS_PER_DEFINITION)
      console.log(
        `  WARNING: expected ${VERSIONS_PER_DEFINITION} versions of img-${WARM_ROUNDS * DEFINITIONS + 7} in the catalog, found ${stored.length}`,
      );
  } finally {
    await env.stop();
  }
}

await benchCatalog();

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
} from './harness.js';
import { profiled, profileFile } from './profile.js';
import { fmt } from './stats.js';
import { parseResourceId } from '../../shared/domain/ids.js';

const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const DEFINITIONS = 100;
const VERSIONS_PER_DEFINITION = 10;
const CONCURRENCY = 16;

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
export async function benchCatalog(): Promise<void> {
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
    const ids: string[] = [];
    // Definitions DEFINITIONS.. are the warm-up's: a burst of the same size on other rows first.
    const warmIds: string[] = [];
    // With --profile, definitions 2 × DEFINITIONS.. are a profiled burst's, after the measured one.
    const profiling = process.argv.includes('--profile');
    const profileIds: string[] = [];
    const definitions = (profiling ? 3 : 2) * DEFINITIONS;
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
        (i < DEFINITIONS ? ids : i < 2 * DEFINITIONS ? warmIds : profileIds).push(r.id as string);
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
    const rawRun = (round: string) =>
      measuredCpu(env.azurite, () =>
        runConcurrently(ids.length, CONCURRENCY, (i) =>
          raw.upsertEntity({ partitionKey: `${round}${i % DEFINITIONS}`, rowKey: `r${i}`, payload }, 'Replace'),
        ),
      );
    // Both warmed up with a round of their own: Azurite's upsert path, and the handler's path (V8's
    // compiled code, clients, connections) with the warm-up definitions' version events.
    await rawRun('w');
    await runConcurrently(warmIds.length, CONCURRENCY, (i) =>
      galleryEvents(writeEvent(warmIds[i] as string, ids.length + i), benchContext('galleryEvents')),
    );
    const before = await rawRun('a');
    const armBefore = (await arm.requestCount()).total;
    s.tables.roundTrips = 0;
    const events = ids.map((id, n) => writeEvent(id, n));
    const arm0 = processCpuMs(arm.pid);
    const handled = await measuredCpu(env.azurite, () =>
      runConcurrently(events.length, CONCURRENCY, (i) => galleryEvents(events[i], benchContext('galleryEvents'))),
    );
    const ms = handled.result;
    const arm1 = processCpuMs(arm.pid);
    const armCpu = arm0 === undefined || arm1 === undefined ? undefined : arm1 - arm0;
    const armReads = (await arm.requestCount()).total - armBefore;
    const roundTrips = s.tables.roundTrips;
    const stored = await s.catalog.listVersions({
      level: 'image',
      subscriptionId: SUB,
      resourceGroup: 'rg-bench',
      gallery: 'benchGallery',
      image: 'img-7',
    });

    const after = await rawRun('b');
    // CPU of one raw round of upserts: the mean of the two.
    const rawAppCpu = (before.appCpuMs + after.appCpuMs) / 2;
    const rawAzuriteCpu =
      before.azuriteCpuMs === undefined || after.azuriteCpuMs === undefined
        ? undefined
        : (before.azuriteCpuMs + after.azuriteCpuMs) / 2;

    const eventsPerSec = (events.length / ms) * 1000;
    const upsertsPerSec = ((2 * events.length) / (before.result + after.result)) * 1000;
    const perItem = (cpu: number | undefined): string => (cpu === undefined ? '-' : fmt(cpu / events.length, 2));
    console.log(
      `\ncatalog: burst of ${events.length} version write events over ${DEFINITIONS} definitions, ${CONCURRENCY} in flight, through galleryEvents (Azurite and the ARM simulator in processes of their own)`,
    );
    console.log(`  ARM reads per event:            ${fmt(armReads / events.length, 2)}   (target <= 1)`);
    console.log(`  table round trips per event:    ${fmt(roundTrips / events.length, 2)}   (target <= 2)`);
    console.log(`  events/s through the handler:   ${fmt(eventsPerSec)}`);
    console.log(
      `  raw Azurite upserts/s:          ${fmt(upsertsPerSec)}   (same entity size and concurrency; before ${fmt((events.length / before.result) * 1000)}, after ${fmt((events.length / after.result) * 1000)})`,
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
      const { summary } = await profiled(file, () =>
        runConcurrently(profileIds.length, CONCURRENCY, (i) =>
          galleryEvents(writeEvent(profileIds[i] as string, 2 * ids.length + i), benchContext('galleryEvents')),
        ),
      );
      console.log(`  CPU profile of this process, a burst of ${profileIds.length} more events: ${file}`);
      for (const line of summary) console.log(`    ${line}`);
    }
    if (stored.length !== VERSIONS_PER_DEFINITION)
      console.log(
        `  WARNING: expected ${VERSIONS_PER_DEFINITION} versions of img-7 in the catalog, found ${stored.length}`,
      );
  } finally {
    await env.stop();
  }
}

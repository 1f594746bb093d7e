// The jobs benchmark, in a process of its own (test/bench/run.ts starts it): the figures are of
// this process alone, not of what earlier benchmarks left in the runner's heap and compiled code.
import { odata, TableClient } from '@azure/data-tables';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchEnv, benchContext, cpuBoundRatio, measuredCpu, runConcurrently, type CpuSpent } from './harness.js';
import { fmt } from './stats.js';
import { profiled, profileFile } from './profile.js';
import { seedDemoOrganization, DEMO_SUBSCRIPTIONS as S } from '../../dev/demo/demo-org.js';
import { DEMO_PRINCIPAL, seedDemoDirectory } from '../../dev/demo/demo-directory.js';
import { galleryRecordFrom, imageDefinitionRecordFrom, imageVersionRecordFrom } from '../../shared/domain/records.js';
import { parseResourceId } from '../../shared/domain/ids.js';
import { encodeKeyPart } from '../../shared/catalog/keys.js';
import { chunksOf } from '../../shared/domain/collections.js';
import { TRANSACTION_MAX_OPERATIONS } from '../../shared/storage/upsert-batcher.js';

const JOBS = 1000;
const CONCURRENCY = 16;
/** Jobs run before the measured ones (not measured). */
const WARM_JOBS = 1000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Group create jobs through the queue handler against Azurite, next to raw upserts and 2-entity transactions measured in the same run. */
async function benchJobs(): Promise<void> {
  const env = await startBenchEnv(`j${randomBytes(4).toString('hex')}`);
  try {
    seedDemoOrganization(env.sim);
    const { services } = await import('../../shared/services.js');
    const { groupJobs } = await import('../../functions/groupJobs.js');
    const s = services();
    await seedDemoDirectory(s.directory);
    const obs = { observedAt: new Date().toISOString() };
    for (const r of env.sim.all()) {
      const ref = parseResourceId(r.id);
      if (ref.level === 'gallery') {
        const g = await s.arm.getGallery(ref);
        if (g.found) await s.catalog.putGallery(galleryRecordFrom(g.value), obs);
      } else if (ref.level === 'image') {
        const i = await s.arm.getImage(ref);
        if (i.found) await s.catalog.putImage(imageDefinitionRecordFrom(i.value), obs);
      } else {
        const v = await s.arm.getVersion(ref);
        if (v.found) await s.catalog.putVersion(imageVersionRecordFrom(v.value), obs);
      }
    }
    const body = JSON.parse(
      fs.readFileSync(path.join(root, 'test/fixtures/spot/elastigroup-gallery-latest.json'), 'utf8'),
    ) as { group: { name: string } };
    const message = (n: number) => ({
      schemaVersion: 1,
      jobId: randomUUID(),
      action: 'create',
      kind: 'statelessGroup',
      caller: { account: 'act-5c6d7e8f' },
      body: { group: { ...body.group, name: `bench-${n}` } },
    });
    const deliver = (m: ReturnType<typeof message>) => {
      const ctx = benchContext('groupJobs');
      // as submitted through the HTTP API, which records the queued job itself
      Object.assign(ctx, {
        triggerMetadata: {
          messageId: m.jobId,
          deliveryCount: 1,
          sessionId: `act-5c6d7e8f/statelessgroup/${m.body.group.name}`,
          applicationProperties: { recorded: true },
        },
      });
      return groupJobs(m, ctx);
    };
    // The HTTP API records each job as queued before sending it (not timed).
    const recordQueued = async (list: readonly ReturnType<typeof message>[]) => {
      for (const m of list)
        await s.jobs.createJob({
          jobId: m.jobId,
          organizationId: 'contoso',
          status: 'queued',
          subscriptionId: S.consumer,
          account: 'act-5c6d7e8f',
          attempts: 0,
          errors: [],
          warnings: [],
        });
    };
    // Warm: clients, directory, records, VM sizes of the region, and V8's compiled code of the
    // job's path (as in a host that has run jobs), with jobs of other groups.
    const warm = Array.from({ length: WARM_JOBS }, (_, n) => message(-1 - n));
    await recordQueued(warm);
    await deliver(warm[0]!);
    await runConcurrently(WARM_JOBS - 1, CONCURRENCY, (i) => deliver(warm[i + 1]!));
    const messages = Array.from({ length: JOBS }, (_, n) => message(n));
    await recordQueued(messages);
    // The account's partition as the measured jobs find it (the warm jobs' groups and records, the
    // queued records), copied for the one-partition comparator below: Azurite looks a row up within
    // its partition, so a write costs more in a fuller partition, and both sides start equal.
    const accountPartition: Record<string, unknown>[] = [];
    for await (const e of s.jobs.groups.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${encodeKeyPart(S.consumer)}` },
    }))
      accountPartition.push(e);
    s.tables.roundTrips = 0;
    const { result: ms, ...jobsCost } = await measuredCpu(env.azurite, () =>
      runConcurrently(JOBS, CONCURRENCY, (i) => deliver(messages[i]!)),
    );
    const roundTrips = s.tables.roundTrips;
    const profiledJobs = process.argv.includes('--profile');
    if (profiledJobs) {
      // A profile of the same work, 1,000 more jobs (after the timed run, so it does not slow it).
      const more = Array.from({ length: JOBS }, (_, n) => message(JOBS + n));
      await recordQueued(more);
      const file = profileFile('jobs');
      const { summary } = await profiled(file, () => runConcurrently(JOBS, CONCURRENCY, (i) => deliver(more[i]!)));
      console.log(`  CPU profile of this process, ${JOBS} more jobs: ${file}`);
      for (const line of summary) console.log(`    ${line}`);
    }
    const sample = await s.jobs.getJob(
      { organizationId: 'contoso', subscriptionIds: [S.consumer] },
      messages[JOBS - 1]!.jobId,
    );

    // Replica advice reads the demand from every group of the organization: time it over the groups just written.
    const caller = await s.directory.callerFor(DEMO_PRINCIPAL.tenantId, DEMO_PRINCIPAL.objectId);
    const resolved = sample?.resolvedImageVersionId ? parseResourceId(sample.resolvedImageVersionId) : undefined;
    let adviceLine = '  replica advice: not measured (no caller or resolved version)';
    if (caller && resolved?.level === 'version') {
      const t0 = performance.now();
      const advice = await s.replicaAdvisor.organizationAdvice(caller, 100);
      const t1 = performance.now();
      const replicas = await s.replicaAdvisor.versionReplicas(caller, resolved);
      const t2 = performance.now();
      const weu = replicas.regions.find((r) => r.region === 'westeurope');
      adviceLine = `  replica advice over ${JOBS + WARM_JOBS + (profiledJobs ? JOBS : 0)} groups: organization ${fmt(t1 - t0)} ms (${advice.underReplicatedTotal} under-replicated, ${advice.unusedTotal} unused); one version ${fmt(t2 - t1)} ms (westeurope: ${weu?.demand.concurrentVms ?? 0} VMs → recommended ${weu?.recommended ?? '-'})`;
    }

    const raw = TableClient.fromConnectionString(env.azurite.connectionString, `raw${randomBytes(4).toString('hex')}`, {
      allowInsecureConnection: true,
    });
    await raw.createTable();
    const payload = 'x'.repeat(JSON.stringify(messages[0]).length);
    await raw.upsertEntity({ partitionKey: 'warm', rowKey: 'up', payload });
    const rawMs = await runConcurrently(JOBS, CONCURRENCY, (i) =>
      raw.upsertEntity({ partitionKey: `p${i}`, rowKey: 'r', payload }, 'Replace'),
    );
    // The same two entities a successful job writes (group and job record), as one raw transaction.
    const groupEntity = await s.jobs.groups
      .getEntity<Record<string, unknown>>(S.consumer, 'g|statelessgroup|bench-0')
      .catch(() => undefined);
    const size = groupEntity ? JSON.stringify(groupEntity).length : payload.length * 2;
    const half = 'y'.repeat(Math.floor(size / 2));
    const { result: rawTxMs, ...rawTxCost } = await measuredCpu(env.azurite, () =>
      runConcurrently(JOBS, CONCURRENCY, (i) =>
        raw.submitTransaction([
          ['upsert', { partitionKey: `t${i}`, rowKey: 'g', payload: half }, 'Replace'],
          ['upsert', { partitionKey: `t${i}`, rowKey: 'j', payload: half }, 'Replace'],
        ]),
      ),
    );
    // The very entities a job wrote (its group and its job record), as raw transactions into one
    // partition, as a job writes into its account's partition (the 1,000 groups here are one account's).
    const jobEntity = await s.jobs.groups
      .getEntity<Record<string, unknown>>(S.consumer, `j|${messages[0]!.jobId}`)
      .catch(() => undefined);
    const plain = (e: Record<string, unknown> | undefined) =>
      Object.fromEntries(
        Object.entries(e ?? { payload: half }).filter(
          ([k]) => !['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.metadata'].includes(k),
        ),
      );
    const [groupProps, jobProps] = [plain(groupEntity), plain(jobEntity)];
    for (const chunk of chunksOf(accountPartition, TRANSACTION_MAX_OPERATIONS))
      await raw.submitTransaction(
        chunk.map((e) => ['upsert', { ...plain(e), partitionKey: 'account', rowKey: e.rowKey as string }, 'Replace']),
      );
    // Each a new group and the job's record, both inserted, as a job's first delivery writes them
    // (its queued record is a row of the jobs table: shared/jobs/store.ts createJob).
    const { result: onePartitionMs, ...onePartitionCost } = await measuredCpu(env.azurite, () =>
      runConcurrently(JOBS, CONCURRENCY, (i) =>
        raw.submitTransaction([
          ['create', { ...groupProps, partitionKey: 'account', rowKey: `g|statelessgroup|raw-${i}` }],
          ['create', { ...jobProps, partitionKey: 'account', rowKey: `j|${messages[i]!.jobId}` }],
        ]),
      ),
    );
    const jobsPerSec = (JOBS / ms) * 1000;
    const upsertsPerSec = (JOBS / rawMs) * 1000;
    const txPerSec = (JOBS / rawTxMs) * 1000;
    const onePartitionPerSec = (JOBS / onePartitionMs) * 1000;
    const perOp = (c: CpuSpent) =>
      `this process ${fmt(c.appCpuMs / JOBS, 2)} ms, Azurite ${c.azuriteCpuMs === undefined ? 'n/a' : `${fmt(c.azuriteCpuMs / JOBS, 2)} ms`}`;
    console.log(
      `\njobs: ${JOBS} group create jobs (latest resolution, compatibility, group write) through groupJobs, ${CONCURRENCY} in flight, against Azurite`,
    );
    console.log(`  table round trips per job:      ${fmt(roundTrips / JOBS, 2)}`);
    console.log(`  jobs/s through the handler:     ${fmt(jobsPerSec)}`);
    console.log(`  raw Azurite single upserts/s:   ${fmt(upsertsPerSec)}   (same payload size and concurrency)`);
    console.log(`  handler rate / raw upsert rate: ${fmt((jobsPerSec / upsertsPerSec) * 100)} %   (target >= 50 %)`);
    console.log(`  raw Azurite 2-entity transactions/s (what a job writes, ${size} bytes): ${fmt(txPerSec)}`);
    console.log(
      `  handler rate / raw 2-entity transaction rate: ${fmt((jobsPerSec / txPerSec) * 100)} %   (goal >= 80 %)`,
    );
    console.log(`  CPU per job:         ${perOp(jobsCost)}`);
    console.log(`  CPU per raw transaction: ${perOp(rawTxCost)}`);
    const allowed = cpuBoundRatio(jobsCost, rawTxCost);
    const onePartitionAllowed = cpuBoundRatio(jobsCost, onePartitionCost);
    if (allowed !== undefined)
      console.log(
        `  rate ratio these CPU figures allow with a core per process (the machine's other load aside): ${fmt(allowed * 100)} %`,
      );
    console.log(
      `  raw 2-entity transactions/s into one partition (a copy of the job's account partition, ${accountPartition.length} entities at the start): ${fmt(onePartitionPerSec)} (${perOp(onePartitionCost)}); handler rate / that: ${fmt((jobsPerSec / onePartitionPerSec) * 100)} % (goal >= 80 %); the ratio its CPU figures allow with a core per process: ${onePartitionAllowed === undefined ? 'n/a' : `${fmt(onePartitionAllowed * 100)} %`}`,
    );
    console.log(
      `  last job: ${sample?.status ?? 'missing'} → ${sample?.resolvedImageVersionId?.split('/').slice(-3).join('/') ?? '-'}`,
    );
    console.log(adviceLine);
  } finally {
    await env.stop();
  }
}

await benchJobs();

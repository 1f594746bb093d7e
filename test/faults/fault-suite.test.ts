import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startAzurite, tableConnectionString, type RunningAzurite } from '../../dev/azurite.js';
import { startJobsHost, envelope, galleryImage, PUBLISHER_ACCOUNT, type JobsHost } from '../support/jobs-host.js';
import { armEvent, expectCatalogEqualsArm } from '../support/catalog-fixtures.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS, DEMO_VERSIONS } from '../../dev/demo/demo-org.js';
import { LocalRuntime } from '../../dev/runtime/runtime.js';
import { resetServices, services } from '../../shared/services.js';
import { useJobQueue } from '../../dev/runtime/host-queues.js';
import type { FaultSpec } from '../../dev/arm-simulator.js';
import { TcpGate } from './tcp-gate.js';
import { TableClient } from '@azure/data-tables';

/**
 * Faults under load, end to end (HTTP submit → queue → trigger → table store; Event Grid webhook →
 * ARM re-read → table store). Whatever fails, no accepted job is lost or stuck: each one reaches a
 * terminal state readable over HTTP; every event is either indexed or answered non-2xx (so Event
 * Grid delivers it again), and once the redeliveries are in, the catalog equals ARM.
 */
let azurite: RunningAzurite;
let gate: TcpGate;
let host: JobsHost;
/** The runtime serving the app now (the restart case replaces it). */
let runtime: LocalRuntime;
const TERMINAL = new Set(['succeeded', 'failed', 'deadLettered']);
/** Few deliveries, so that a long outage exhausts them and dead-letters jobs. */
const MAX_DELIVERIES = 4;
/** Longer than the table client's whole retry budget: the app has to answer without the store. */
const STORE_OUTAGE_MS = 6500;
const counts = { jobsAccepted: 0, jobsRefused: 0, jobsTerminal: 0, jobsLost: 0, eventsDelivered: 0, eventsIndexed: 0, eventsRefused: 0, eventsRedelivered: 0 };
const perCase: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  gate = new TcpGate(azurite.port);
  await gate.up();
  host = await startJobsHost(tableConnectionString(gate.port), { GROUP_JOBS_MAX_DELIVERY_COUNT: String(MAX_DELIVERIES) });
  runtime = host.runtime;
}, 60_000);

afterAll(async () => {
  const c = counts;
  console.log(
    [
      'fault suite:',
      ...perCase.map((l) => `  ${l}`),
      `  jobs: ${c.jobsAccepted} accepted / ${c.jobsTerminal} terminal / ${c.jobsLost} lost (${c.jobsRefused} refused: 503 or no answer)`,
      `  events: ${c.eventsDelivered} delivered / ${c.eventsIndexed} indexed / ${c.eventsRefused} refused (${c.eventsRedelivered} indexed on redelivery)`,
    ].join('\n'),
  );
  useJobQueue(undefined);
  await runtime.stop();
  await host.stop();
  await gate.down();
  await azurite.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- bursts

let jobSeq = 0;
const REGIONS = ['eastus', 'westeurope'];

/** Submits `n` jobs a few at a time; `midway` runs (not awaited) once `n / 3` are sent. Returns the accepted job ids. */
async function jobBurst(n: number, midway: () => Promise<void>): Promise<{ accepted: string[]; fault: Promise<void> }> {
  const accepted: string[] = [];
  let fault: Promise<void> = Promise.resolve();
  for (let i = 0; i < n; i += 4) {
    if (i >= n / 3 && i < n / 3 + 4) fault = midway();
    const batch = Array.from({ length: Math.min(4, n - i) }, () => {
      const env = envelope('elastigroup-gallery-pinned', (b) => {
        galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT;
        (b.group as { region: string }).region = REGIONS[jobSeq++ % REGIONS.length] as string;
      });
      return host.submit(env).then(
        (r) => ({ id: String(env.jobId), status: r.status, type: r.headers.get('content-type') }),
        () => ({ id: String(env.jobId), status: 0, type: null }), // the connection dropped (app restarting)
      );
    });
    for (const r of await Promise.all(batch)) {
      if (r.status === 202) accepted.push(r.id);
      else {
        // refused: a 503 problem (or no answer at all while the app restarts), never a 500
        expect([0, 503], `${r.id}: ${r.status}`).toContain(r.status);
        if (r.status === 503) expect(r.type).toBe('application/problem+json');
        counts.jobsRefused++;
      }
    }
    await sleep(30);
  }
  return { accepted, fault };
}

let versionSeq = 0;
/** Changes ARM (new versions, a deletion) and delivers one event per change, one per request, as Event Grid does. */
async function eventBurst(n: number, midway: () => Promise<void>): Promise<{ refused: Record<string, unknown>[]; all: Record<string, unknown>[]; fault: Promise<void> }> {
  const template = host.sim.get(DEMO_VERSIONS.ubuntuCompleted);
  if (!template) throw new Error('demo version missing');
  const refused: Record<string, unknown>[] = [];
  const all: Record<string, unknown>[] = [];
  let fault: Promise<void> = Promise.resolve();
  for (let i = 0; i < n; i += 4) {
    if (i >= n / 3 && i < n / 3 + 4) fault = midway();
    const events = Array.from({ length: Math.min(4, n - i) }, () => {
      const seq = versionSeq++;
      const id = `${DEMO_IMAGES.ubuntu}/versions/7.${Math.floor(seq / 100)}.${seq % 100}`;
      if (seq % 5 === 4) {
        // every fifth change deletes the version made just before
        const previous = `${DEMO_IMAGES.ubuntu}/versions/7.${Math.floor((seq - 1) / 100)}.${(seq - 1) % 100}`;
        host.sim.delete(previous);
        return armEvent(previous, 'Delete');
      }
      host.sim.put({ ...structuredClone(template), id, name: id.split('/').at(-1) });
      return armEvent(id, 'Write');
    });
    all.push(...(events));
    const answers = await Promise.all(events.map((e) => deliver(e)));
    answers.forEach((status, k) => {
      counts.eventsDelivered++;
      if (status === 202) counts.eventsIndexed++;
      else {
        expect(status < 200 || status >= 300).toBe(true);
        counts.eventsRefused++;
        refused.push(events[k] as Record<string, unknown>);
      }
    });
    await sleep(30);
  }
  return { refused, all, fault };
}

async function deliver(event: unknown): Promise<number> {
  try {
    const res = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=galleryEvents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify([event]),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // no answer: Event Grid treats it as a failed delivery
  }
}

/** Event Grid's retries: each refused event again until it is taken. */
async function redeliver(refused: Record<string, unknown>[]): Promise<void> {
  for (const e of refused) {
    let status = 0;
    for (let attempt = 0; attempt < 30 && status !== 202; attempt++) {
      status = await deliver(e);
      if (status !== 202) await sleep(100);
    }
    expect(status, `event ${String(e.id)} never taken`).toBe(202);
    counts.eventsRedelivered++;
  }
}

/** Every accepted job ends in a terminal state readable over HTTP. */
async function settleJobs(accepted: string[], label: string): Promise<void> {
  await Promise.race([host.jobsQueue.idle(), sleep(30_000).then(() => Promise.reject(new Error('the queue did not settle in 30 s')))]);
  const states: Record<string, number> = {};
  for (const id of accepted) {
    // a GET is retried once on a connection the restarted app closed (a pooled keep-alive socket)
    const res = await host.request('GET', `groups/jobs/${id}`).catch(() => sleep(200).then(() => host.request('GET', `groups/jobs/${id}`)));
    const status = res.status === 200 ? String(res.body.status) : `http ${res.status}`;
    states[status] = (states[status] ?? 0) + 1;
    counts.jobsAccepted++;
    if (TERMINAL.has(status)) counts.jobsTerminal++;
    else counts.jobsLost++;
  }
  perCase.push(`${label}: jobs ${JSON.stringify(states)}`);
  for (const status of Object.keys(states)) expect(TERMINAL.has(status), `${label}: ${JSON.stringify(states)}`).toBe(true);
}

async function expectCatalogEqualsArmNow(): Promise<void> {
  const s = services();
  await expectCatalogEqualsArm(host.sim, s.arm, s.catalog, Object.values(DEMO_SUBSCRIPTIONS));
}

// ---------------------------------------------------------------- faults

async function storeOutage(ms: number): Promise<void> {
  await gate.down();
  await sleep(ms);
  await gate.up();
}

/** Drops the cached VM sizes (table and memory), so the next jobs read them from ARM again. */
async function forgetVmSizes(): Promise<void> {
  const table = TableClient.fromConnectionString(tableConnectionString(gate.port), `${host.tablePrefix}vmsizes`, { allowInsecureConnection: true });
  for await (const e of table.listEntities()) await table.deleteEntity(e.partitionKey as string, e.rowKey as string);
  resetServices();
}

async function armBurst(spec: FaultSpec, ms: number): Promise<void> {
  host.sim.injectFaults(spec);
  await sleep(ms);
  host.sim.clearFaults();
}

/** The app stops (open connections dropped) and starts again on the same port with fresh services; the queue, like Service Bus, keeps its messages. */
async function restartApp(): Promise<void> {
  const port = Number(new URL(host.url).port);
  await runtime.stop();
  resetServices();
  const next = new LocalRuntime(runtime.registry, { onLog: (l) => host.logs.push(l), timers: false });
  await next.start(port);
  next.emulateServiceBus('groupJobs', { maxDeliveryCount: MAX_DELIVERIES, maxConcurrentSessions: 16 }, host.jobsQueue);
  useJobQueue(host.jobsQueue);
  runtime = next;
}

describe('fault suite', () => {
  it('table store killed during a burst of jobs', async () => {
    const { accepted, fault } = await jobBurst(24, () => storeOutage(STORE_OUTAGE_MS));
    await fault;
    expect(accepted.length).toBeGreaterThan(0);
    await settleJobs(accepted, 'store down, jobs');
  });

  it('table store killed during a burst of events', async () => {
    const { refused, fault } = await eventBurst(24, () => storeOutage(STORE_OUTAGE_MS));
    await fault;
    perCase.push(`store down, events: ${refused.length} refused`);
    await redeliver(refused);
    await expectCatalogEqualsArmNow();
  });

  for (const [label, spec] of [
    ['ARM 5xx burst', { status: 503, count: 40 }],
    ['ARM 429 burst', { status: 429, count: 40, retryAfterSeconds: 1 }],
  ] as const) {
    it(`${label} during jobs and events`, async () => {
      await forgetVmSizes();
      const jobs = jobBurst(12, () => armBurst(spec, 800));
      const events = await eventBurst(12, () => armBurst(spec, 800));
      const { accepted, fault } = await jobs;
      await Promise.all([fault, events.fault]);
      host.sim.clearFaults();
      perCase.push(`${label}: ${events.refused.length} events refused`);
      await redeliver(events.refused);
      await settleJobs(accepted, label);
      await expectCatalogEqualsArmNow();
    });
  }

  it('ARM 403 burst during jobs', async () => {
    await forgetVmSizes();
    const { accepted, fault } = await jobBurst(12, () => armBurst({ status: 403, count: 40, code: 'AuthorizationFailed' }, 800));
    await fault;
    host.sim.clearFaults();
    await settleJobs(accepted, 'ARM 403 burst');
  });

  // ARM refusing the re-read (403: a role assignment still propagating) makes the webhook answer
  // 500, so Event Grid redelivers and the event is indexed once access is back.
  it('ARM 403 burst during events', async () => {
    const { refused, all, fault } = await eventBurst(8, () => armBurst({ status: 403, count: 40, code: 'AuthorizationFailed' }, 800));
    await fault;
    host.sim.clearFaults();
    try {
      await redeliver(refused);
      await expectCatalogEqualsArmNow();
    } finally {
      for (const e of all) await deliver(e); // leave the catalog equal to ARM for the next case
    }
  });

  it('app restarted mid-burst of jobs and events', async () => {
    const jobs = jobBurst(16, () => sleep(100).then(restartApp));
    const events = await eventBurst(16, () => sleep(150).then(restartApp));
    const { accepted, fault } = await jobs;
    await Promise.all([fault, events.fault]);
    perCase.push(`app restarted: ${events.refused.length} events refused`);
    await redeliver(events.refused);
    await settleJobs(accepted, 'app restarted');
    await expectCatalogEqualsArmNow();
  });

  it('loses nothing overall', () => {
    expect(counts.jobsLost).toBe(0);
    expect(counts.jobsTerminal).toBe(counts.jobsAccepted);
    expect(counts.eventsIndexed + counts.eventsRefused).toBe(counts.eventsDelivered);
    expect(counts.eventsRedelivered).toBe(counts.eventsRefused);
  });
});

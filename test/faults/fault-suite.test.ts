import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { startAzurite, tableConnectionString, type RunningAzurite } from '../../dev/azurite.js';
import { startJobsHost, envelope, galleryImage, PUBLISHER_ACCOUNT, type JobsHost } from '../support/jobs-host.js';
import { armEvent, expectCatalogEqualsArm, liveCatalogIds, postEvents } from '../support/catalog-fixtures.js';
import { TableClient } from '@azure/data-tables';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS, DEMO_VERSIONS } from '../../dev/demo/demo-org.js';
import { LocalRuntime } from '../../dev/runtime/runtime.js';
import { resetServices, services } from '../../shared/services.js';
import { useJobQueue } from '../../dev/runtime/host-queues.js';
import type { FaultSpec } from '../../dev/arm-simulator.js';
import { TcpGate } from './tcp-gate.js';
import { waitFor } from '../support/wait.js';
import { jobIdOfMessageId } from '../../shared/domain/job-envelope.js';

/**
 * Faults under load, end to end (HTTP submit → queue → trigger → table store; Event Grid webhook →
 * ARM re-read → table store). Whatever fails, no accepted job is lost or stuck: each one reaches the
 * terminal state its case expects, readable over HTTP; every event is either indexed or answered
 * non-2xx (so Event Grid delivers it again), and once the redeliveries are in, the catalog equals ARM.
 *
 * Each case proves its fault hit (answers refused, ARM requests answered by the fault: counted, > 0)
 * and starts from a state it sets up itself (beforeEach), so no case depends on what another left
 * behind. ARM faults are bounded by count, not time, so what they hit is known exactly.
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
const SUBSCRIPTIONS = Object.values(DEMO_SUBSCRIPTIONS);
const summary: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  gate = new TcpGate(azurite.port);
  await gate.up();
  host = await startJobsHost(tableConnectionString(gate.port), {
    GROUP_JOBS_MAX_DELIVERY_COUNT: String(MAX_DELIVERIES),
  });
  runtime = host.runtime;
}, 60_000);

afterAll(async () => {
  console.log(['fault suite:', ...summary.map((l) => `  ${l}`)].join('\n'));
  useJobQueue(undefined);
  await runtime.stop();
  await host.stop();
  await gate.down();
  await azurite.stop();
});

/**
 * Every case starts from the same state, whatever the one before it left: the store up, no fault
 * pending, ARM's counters at zero, the queue settled, no VM sizes cached (so jobs read ARM), and
 * the catalog equal to ARM.
 */
beforeEach(async () => {
  await gate.up();
  host.sim.clearFaults();
  await host.jobsQueue.idle();
  await forgetVmSizes();
  await syncCatalogWithArm();
  host.sim.resetCounters();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- bursts

let jobSeq = 0;
const REGIONS = ['eastus', 'westeurope'];

interface Submitted {
  accepted: string[];
  /** Answered 503 (a problem), or not answered at all while the app was down. */
  refused: Record<string, unknown>[];
}

function pinnedJob(region?: string): Record<string, unknown> {
  return envelope('elastigroup-gallery-pinned', (b) => {
    galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT;
    (b.group as { region: string }).region = region ?? (REGIONS[jobSeq++ % REGIONS.length] as string);
  });
}

/** Submits the jobs a few at a time; `midway` runs (not awaited) once a third are sent. */
async function jobBurst(
  n: number,
  midway: () => Promise<void> = () => Promise.resolve(),
): Promise<Submitted & { fault: Promise<void> }> {
  const out: Submitted = { accepted: [], refused: [] };
  let fault: Promise<void> = Promise.resolve();
  for (let i = 0; i < n; i += 4) {
    if (i >= n / 3 && i < n / 3 + 4) fault = midway();
    const batch = Array.from({ length: Math.min(4, n - i) }, () => pinnedJob());
    await submitAll(batch, out);
    await sleep(30);
  }
  return { ...out, fault };
}

async function submitAll(envelopes: Record<string, unknown>[], out: Submitted): Promise<void> {
  const answers = await Promise.all(
    envelopes.map((env) =>
      host.submit(env).then(
        (r) => ({ env, status: r.status, type: r.headers.get('content-type') }),
        () => ({ env, status: 0, type: null }), // the connection dropped or was refused (app down)
      ),
    ),
  );
  for (const r of answers) {
    if (r.status === 202) out.accepted.push(String(r.env.jobId));
    else {
      // refused: a 503 problem (or no answer at all while the app is down), never a 500
      expect([0, 503], `${String(r.env.jobId)}: ${r.status}`).toContain(r.status);
      if (r.status === 503) expect(r.type).toBe('application/problem+json');
      out.refused.push(r.env);
    }
  }
}

let versionSeq = 0;
/** A change in ARM (a new version, or every fifth time the deletion of the one made before) and its event. */
function armChange(): Record<string, unknown> {
  const template = host.sim.get(DEMO_VERSIONS.ubuntuCompleted);
  if (!template) throw new Error('demo version missing');
  const seq = versionSeq++;
  const id = `${DEMO_IMAGES.ubuntu}/versions/7.${Math.floor(seq / 100)}.${seq % 100}`;
  if (seq % 5 === 4) {
    const previous = `${DEMO_IMAGES.ubuntu}/versions/7.${Math.floor((seq - 1) / 100)}.${(seq - 1) % 100}`;
    host.sim.delete(previous);
    return armEvent(previous, 'Delete');
  }
  host.sim.put({ ...structuredClone(template), id, name: id.split('/').at(-1) });
  return armEvent(id, 'Write');
}

/** Changes ARM and delivers one event per change, one per request, as Event Grid does; `midway` as for jobs. */
async function eventBurst(
  n: number,
  midway: () => Promise<void> = () => Promise.resolve(),
): Promise<{ refused: Record<string, unknown>[]; indexed: number; fault: Promise<void> }> {
  const refused: Record<string, unknown>[] = [];
  let indexed = 0;
  let fault: Promise<void> = Promise.resolve();
  for (let i = 0; i < n; i += 4) {
    if (i >= n / 3 && i < n / 3 + 4) fault = midway();
    const events = Array.from({ length: Math.min(4, n - i) }, armChange);
    const answers = await Promise.all(events.map((e) => deliver(e)));
    answers.forEach((status, k) => {
      if (status === 202) indexed++;
      else {
        expect(status < 200 || status >= 300).toBe(true);
        refused.push(events[k] as Record<string, unknown>);
      }
    });
    await sleep(30);
  }
  return { refused, indexed, fault };
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

/** Event Grid's retries: each refused event again until it is taken (polled, with a deadline). */
async function redeliver(refused: Record<string, unknown>[]): Promise<void> {
  for (const e of refused)
    await waitFor(`event ${String(e.id)} taken`, async () => (await deliver(e)) === 202, {
      timeoutMs: 15_000,
      pollMs: 100,
    });
}

/**
 * Waits for the queue, then reads every accepted job over HTTP: each is in a terminal state, and
 * it is `deadLettered` exactly when the queue dead-lettered its message, `succeeded` otherwise
 * (every job here is valid: none may fail). Returns the states by job id.
 */
async function settleJobs(accepted: string[], label: string): Promise<Record<string, Record<string, unknown>>> {
  await Promise.race([
    host.jobsQueue.idle(),
    sleep(30_000).then(() => Promise.reject(new Error('the queue did not settle in 30 s'))),
  ]);
  // message ids are <account>/<jobId>
  const deadLettered = new Set(host.jobsQueue.deadLetters.map((d) => jobIdOfMessageId(String(d.message.messageId))));
  const jobs: Record<string, Record<string, unknown>> = {};
  const states: Record<string, number> = {};
  for (const id of accepted) {
    // a GET is retried on a connection the restarted app closed (a pooled keep-alive socket)
    const res = await waitFor(
      `job ${id} readable`,
      () => host.request('GET', `groups/jobs/${id}`).catch(() => undefined),
      { timeoutMs: 5000, pollMs: 100 },
    );
    expect(res.status, `${label}: job ${id}`).toBe(200);
    jobs[id] = res.body;
    const status = String(res.body.status);
    states[status] = (states[status] ?? 0) + 1;
    expect(TERMINAL.has(status), `${label}: job ${id} is ${status}`).toBe(true);
    expect(status, `${label}: job ${id} (${JSON.stringify(res.body.lastError ?? res.body.errors)})`).toBe(
      deadLettered.has(id) ? 'deadLettered' : 'succeeded',
    );
  }
  summary.push(`${label}: jobs ${JSON.stringify(states)}`);
  return jobs;
}

async function expectCatalogEqualsArmNow(): Promise<void> {
  const s = services();
  await expectCatalogEqualsArm(host.sim, s.catalog, SUBSCRIPTIONS);
}

/** Drops the cached VM sizes (table and memory), so the next jobs read them from ARM again. */
async function forgetVmSizes(): Promise<void> {
  const table = TableClient.fromConnectionString(tableConnectionString(gate.port), `${host.tablePrefix}vmsizes`, {
    allowInsecureConnection: true,
  });
  await table.createTable(); // no table yet: nothing cached
  for await (const e of table.listEntities()) await table.deleteEntity(e.partitionKey as string, e.rowKey as string);
  resetServices();
}

/** Brings the catalog to ARM's state (an event for every resource ARM has, a delete for every other), then checks it. */
async function syncCatalogWithArm(): Promise<void> {
  const arm = host.sim.all().map((r) => r.id);
  const known = new Set(arm.map((id) => id.toLowerCase()));
  const gone = (await liveCatalogIds(services().catalog, SUBSCRIPTIONS)).filter((id) => !known.has(id));
  const events = [...gone.reverse().map((id) => armEvent(id, 'Delete')), ...arm.map((id) => armEvent(id, 'Write'))];
  for (let i = 0; i < events.length; i += 50)
    expect((await postEvents(host.url, events.slice(i, i + 50))).status).toBe(202);
  await expectCatalogEqualsArmNow();
}

/** The ARM requests answered by an injected fault of this status, by path pattern. */
function faulted(status: number, path: RegExp): number {
  return host.sim.requests.filter((r) => r.status === status && path.test(r.path)).length;
}

// ---------------------------------------------------------------- faults

async function storeOutage(ms: number): Promise<void> {
  await gate.down();
  await sleep(ms);
  await gate.up();
}

/** The app stops (open connections dropped) and starts again on the same port with fresh services; the queue, like Service Bus, keeps its messages. */
async function stopApp(): Promise<() => Promise<void>> {
  const port = Number(new URL(host.url).port);
  await runtime.stop();
  return async () => {
    resetServices();
    const next = new LocalRuntime(runtime.registry, { onLog: (l) => host.logs.push(l), timers: false });
    await next.start(port);
    next.emulateServiceBus(
      'groupJobs',
      { maxDeliveryCount: MAX_DELIVERIES, maxConcurrentSessions: 16, redeliveryDelayMs: 5 },
      host.jobsQueue,
    );
    useJobQueue(host.jobsQueue);
    runtime = next;
  };
}

describe('fault suite', () => {
  it('table store killed during a burst of jobs: submits refused with 503, every accepted job succeeded or dead-lettered as the queue says, refused ones run when sent again', async () => {
    const burst = await jobBurst(24, () => storeOutage(STORE_OUTAGE_MS));
    await burst.fault;
    // The fault hit: submits during the outage were refused (the store could not record them).
    expect(burst.refused.length).toBeGreaterThan(0);
    expect(burst.accepted.length).toBeGreaterThan(0);
    await settleJobs(burst.accepted, 'store down, jobs');
    // The client sends the refused ones again, now the store is back: each is taken and succeeds.
    const again: Submitted = { accepted: [], refused: [] };
    await submitAll(burst.refused, again);
    expect(again.refused).toEqual([]);
    const jobs = await settleJobs(again.accepted, 'store down, jobs sent again');
    expect(Object.values(jobs).map((j) => j.status)).toEqual(again.accepted.map(() => 'succeeded'));
    summary.push(`store down, jobs: ${burst.refused.length} refused, ${burst.accepted.length} accepted`);
  });

  it('table store killed during a burst of events: events refused, every one indexed on redelivery, the catalog equals ARM', async () => {
    const burst = await eventBurst(24, () => storeOutage(STORE_OUTAGE_MS));
    await burst.fault;
    // The fault hit: events during the outage were refused (Event Grid delivers them again).
    expect(burst.refused.length).toBeGreaterThan(0);
    expect(burst.indexed + burst.refused.length).toBe(24);
    summary.push(`store down, events: ${burst.refused.length} refused`);
    await redeliver(burst.refused);
    await expectCatalogEqualsArmNow();
  });

  for (const [label, status, extra] of [
    ['ARM 5xx burst', 503, {}],
    ['ARM 429 burst', 429, { retryAfterSeconds: 1 }],
    ['ARM 403 burst', 403, { code: 'AuthorizationFailed' }],
  ] as const) {
    it(`${label} during jobs and events: the faulted deliveries are redelivered and every job succeeds; the refused events are indexed on redelivery`, async () => {
      // Fewer faulted SKU reads than deliveries: no job can exhaust its deliveries, so every job
      // succeeds, each faulted read costing exactly one more delivery.
      const skuFaults = MAX_DELIVERIES - 1;
      const versionFaults = 5;
      const jobFault: FaultSpec = { status, count: skuFaults, match: /\/skus$/i, ...extra };
      const eventFault: FaultSpec = { status, count: versionFaults, match: /\/versions\/[^/]+$/i, ...extra };
      // Injected before the bursts: the first reads (VM sizes are not cached yet) meet them.
      host.sim.injectFaults(jobFault);
      host.sim.injectFaults(eventFault);
      const jobs = jobBurst(12);
      const events = await eventBurst(12);
      const { accepted, refused } = await jobs;
      expect(refused).toEqual([]);
      const states = await settleJobs(accepted, label);
      await redeliver(events.refused);
      // The faults hit: every faulted answer was given, to the requests they were meant for.
      expect(host.sim.pendingFaultCount).toBe(0);
      expect(faulted(status, /\/skus$/i)).toBe(skuFaults);
      expect(faulted(status, /\/versions\/[^/]+$/i)).toBe(versionFaults);
      // Each faulted SKU read failed one delivery of one job; each faulted version read refused one event.
      expect(Object.values(states).reduce((n, j) => n + Number(j.attempts) - 1, 0)).toBe(skuFaults);
      expect(Object.values(states).map((j) => j.status)).toEqual(accepted.map(() => 'succeeded'));
      expect(events.refused.length).toBe(versionFaults);
      summary.push(`${label}: ${events.refused.length} events refused, ${skuFaults} job deliveries failed`);
      await expectCatalogEqualsArmNow();
    });
  }

  it('ARM refusing every SKU read of a job (403) dead-letters it with the error; the next job succeeds once access is back', async () => {
    const deadLettersBefore = host.jobsQueue.deadLetters.length; // the queue keeps the earlier cases' dead letters, like Service Bus
    host.sim.injectFaults({ status: 403, count: MAX_DELIVERIES, match: /\/skus$/i, code: 'AuthorizationFailed' });
    const { accepted, refused } = await jobBurst(1);
    expect(refused).toEqual([]);
    const [jobId] = accepted as [string];
    const states = await settleJobs(accepted, 'ARM 403 on every delivery');
    expect(faulted(403, /\/skus$/i)).toBe(MAX_DELIVERIES);
    expect(states[jobId]).toMatchObject({
      status: 'deadLettered',
      attempts: MAX_DELIVERIES,
      lastError: expect.stringContaining('AuthorizationFailed'),
    });
    expect(
      host.jobsQueue.deadLetters.slice(deadLettersBefore).map((d) => jobIdOfMessageId(String(d.message.messageId))),
    ).toEqual([jobId]);
    const next = await jobBurst(1);
    const after = await settleJobs(next.accepted, 'ARM 403 over');
    expect(Object.values(after).map((j) => j.status)).toEqual(['succeeded']);
  });

  it('app down mid-burst of jobs and events: what it could not answer is refused, every accepted job succeeds, the events are indexed on redelivery', async () => {
    const before = await jobBurst(8);
    const eventsBefore = await eventBurst(8);
    // (The in-memory queue would count deliveries to a stopped app; Service Bus would not: the jobs
    // accepted so far are settled first, so the restart is a fault of the HTTP side only.)
    await host.jobsQueue.idle();
    const start = await stopApp();
    // While the app is down: nothing is answered (the fault hits every request).
    const down: Submitted = { accepted: [], refused: [] };
    await submitAll([pinnedJob(), pinnedJob(), pinnedJob(), pinnedJob()], down);
    const whileDown = await eventBurst(4);
    expect(down.accepted).toEqual([]);
    expect(down.refused).toHaveLength(4);
    expect(whileDown.refused).toHaveLength(4);
    await start();
    const after = await jobBurst(4);
    const again: Submitted = { accepted: [], refused: [] };
    await submitAll(down.refused, again);
    expect(again.refused).toEqual([]);
    await redeliver([...eventsBefore.refused, ...whileDown.refused]);
    const accepted = [...before.accepted, ...after.accepted, ...again.accepted];
    expect(accepted).toHaveLength(16);
    const states = await settleJobs(accepted, 'app restarted');
    expect(Object.values(states).map((j) => j.status)).toEqual(accepted.map(() => 'succeeded'));
    summary.push(
      `app restarted: ${down.refused.length} jobs and ${whileDown.refused.length} events refused while down`,
    );
    await expectCatalogEqualsArmNow();
  });
});

import { expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS, seedDemoOrganization } from '../../dev/demo/demo-org.js';
import { DEMO_PRINCIPAL, demoOrganizations } from '../../dev/demo/demo-directory.js';
import { startApp, type AppHost } from './app-host.js';
import { armEvent, fixture, postEvents } from './catalog-fixtures.js';
import { ALL_APP_ROLES, principalHeader, type Principal } from '../../shared/access/principal.js';
import { waitFor } from './wait.js';
import { services } from '../../shared/services.js';

export const CONSUMER_ACCOUNT = 'act-5c6d7e8f';
export const PUBLISHER_ACCOUNT = 'act-1a2b3c4d';
export const PARTNER_ACCOUNT = 'act-9e8d7c6b';
/** Whose jobs the store finds for the demo's Contoso organization (job ids are an organization's). */
export const CONTOSO_JOBS = {
  organizationId: 'contoso',
  subscriptionIds: [DEMO_SUBSCRIPTIONS.publisher, DEMO_SUBSCRIPTIONS.consumer],
};

export interface JobsHost extends AppHost {
  sim: ArmSimulator;
  /** Every response body `request` (and so `submit`, `run`, `job`) received, as text, oldest first. */
  responses: string[];
  request(
    method: string,
    path: string,
    body?: unknown,
    principal?: Principal,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  submit(
    envelope: Record<string, unknown>,
    principal?: Principal,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  /** Submits, waits for the queue to settle, and returns the job record. */
  run(envelope: Record<string, unknown>, principal?: Principal): Promise<Record<string, unknown>>;
  job(jobId: string, principal?: Principal): Promise<Record<string, unknown>>;
  indexAll(): Promise<void>;
}

/** The demo organization (Contoso: publisher + consumer accounts; Fabrikam: a partner tenant) with a catalog built from events. */
export async function startJobsHost(
  connectionString: string,
  settings: Record<string, string> = {},
  options: { events?: boolean; webhooks?: string[] } = {},
): Promise<JobsHost> {
  const sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  seedDemoOrganization(sim);
  const app = await startApp(
    {
      CatalogStorage: connectionString,
      ARM_ENDPOINT: endpoint,
      ARM_CREDENTIAL: 'local',
      ARM_MAX_RETRIES: '0',
      ...settings,
    },
    options,
  );
  const responses: string[] = [];
  const request: JobsHost['request'] = async (method, path, body, principal = DEMO_PRINCIPAL) => {
    const res = await fetch(`${app.url}/api/${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-ms-client-principal': principalHeader({ roles: ALL_APP_ROLES, ...principal }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    responses.push(text);
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      headers: res.headers,
    };
  };
  const host: JobsHost = {
    ...app,
    sim,
    responses,
    stop: async () => {
      await app.stop();
      await sim.stop();
    },
    request,
    submit: (envelope, principal) => request('POST', 'groups/jobs', envelope, principal),
    async run(envelope, principal = DEMO_PRINCIPAL) {
      const res = await request('POST', 'groups/jobs', envelope, principal);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await app.jobsQueue.idle();
      return host.job(String(envelope.jobId), principal);
    },
    async job(jobId, principal = DEMO_PRINCIPAL) {
      const res = await request('GET', `groups/jobs/${jobId}`, undefined, principal);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    },
    async indexAll() {
      const events = sim.all().map((r) => armEvent(r.id, 'Write'));
      for (let i = 0; i < events.length; i += 50)
        expect((await postEvents(app.url, events.slice(i, i + 50))).status).toBe(202);
    },
  };
  for (const [id, doc] of Object.entries(demoOrganizations()))
    expect((await request('PUT', `manage/organizations/${id}`, doc)).status).toBe(200);
  await host.indexAll();
  return host;
}

type Json = Record<string, unknown>;

/**
 * A new version of the demo's ubuntu definition (a copy of 1.10.0, completed in both regions, its
 * OS disk `osDiskGB`), then its write event; waits for the events and the jobs they cause (a host
 * started with `events: true`: the auto-roll reacts).
 */
export async function publishUbuntuVersion(
  host: Pick<JobsHost, 'sim' | 'url' | 'topic' | 'jobsQueue'>,
  version: string,
  osDiskGB = 30,
): Promise<void> {
  const v = structuredClone(host.sim.get(`${DEMO_IMAGES.ubuntu}/versions/1.10.0`)!) as unknown as {
    id: string;
    name: string;
    properties: {
      storageProfile: { osDiskImage: { sizeInGB: number } };
      replicationStatus: { aggregatedState: string; summary: { state: string }[] };
    };
  };
  v.id = `${DEMO_IMAGES.ubuntu}/versions/${version}`;
  v.name = version;
  v.properties.storageProfile.osDiskImage.sizeInGB = osDiskGB;
  v.properties.replicationStatus.aggregatedState = 'Completed';
  for (const s of v.properties.replicationStatus.summary) s.state = 'Completed';
  host.sim.put(v);
  expect((await postEvents(host.url, [armEvent(v.id, 'Write')])).status).toBe(202);
  for (let i = 0; i < 5; i++) {
    await host.topic!.idle();
    await host.jobsQueue.idle();
  }
}

/** A job envelope around a Spot fixture body, with the body edited by `edit`. */
export function envelope(
  fixtureName: string,
  edit: (body: Json) => void = () => undefined,
  overrides: Json = {},
): Json {
  const body = structuredClone(fixture<Json>(`spot/${fixtureName}.json`));
  // Every job names its own group, so jobs of one test do not collide.
  const spec = (body.group ?? body.statefulNode) as Json;
  spec.name = `${String(spec.name)}-${randomUUID().slice(0, 8)}`;
  edit(body);
  return {
    schemaVersion: 1,
    jobId: randomUUID(),
    action: 'create',
    kind: 'statefulNode' in body ? 'statefulNode' : 'statelessGroup',
    caller: { account: CONSUMER_ACCOUNT },
    body,
    ...overrides,
  };
}

/** The launch specification of a body (group or stateful node). */
export function launchSpec(body: Json): Json {
  const spec = (body.group ?? body.statefulNode) as { compute: { launchSpecification: Json } };
  return spec.compute.launchSpecification;
}
export function compute(body: Json): Json {
  return ((body.group ?? body.statefulNode) as { compute: Json }).compute;
}
export function galleryImage(body: Json): Json {
  return (launchSpec(body).image as { gallery: Json }).gallery;
}

/** The demo's Contoso organization with this `apply` setting (none: the setting removed). */
export async function setContosoApply(host: JobsHost, apply: Json | undefined): Promise<void> {
  const doc = { ...(demoOrganizations().contoso as Json), ...(apply ? { apply } : {}) };
  const res = await host.request('PUT', 'manage/organizations/contoso', doc);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Runs a job and waits until it ends (an apply may take several deliveries, each a scheduled follow-up). */
export async function runToEnd(host: JobsHost, env: Json): Promise<Json> {
  const res = await host.submit(env);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  let job: Json = {};
  await waitFor(
    `job ${String(env.jobId)} to end`,
    async () => {
      job = await host.job(String(env.jobId));
      return job.status !== 'queued' && job.status !== 'running';
    },
    { timeoutMs: 60_000, pollMs: 100 },
  );
  return job;
}

/** Runs `run` while the job store fails the record of job `jobId`'s outcome once (the process stopped between the target's answer and the record). */
export async function crashingOnceBeforeRecord<T>(
  jobId: unknown,
  run: () => Promise<T>,
): Promise<{ result: T; crashed: number }> {
  const store = services().jobs;
  const original = store.applyJob.bind(store);
  let crashed = 0;
  store.applyJob = async (...args: Parameters<typeof original>) => {
    if (args[2].jobId === jobId && crashed === 0) {
      crashed++;
      throw new Error('the process stopped before the group was recorded');
    }
    return original(...args);
  };
  try {
    return { result: await run(), crashed };
  } finally {
    store.applyJob = original;
  }
}

/**
 * The local Spot API (dev/spot-simulator.ts), driven over HTTP with the requests the Spot target
 * plans (shared/domain/spot-plan.ts), its answers checked against Spot's OpenAPI answer schemas.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spotOpenApi } from '../../dev/spot-openapi.js';
import { NOT_DOCUMENTED, SpotSimulator } from '../../dev/spot-simulator.js';
import type { JobKind } from '../../shared/domain/job-envelope.js';
import {
  isSpotRefusal,
  planSpot,
  planSpotRoll,
  spotSecretsOf,
  withSecrets,
  type SpotPlanResult,
  type SpotRequest,
} from '../../shared/domain/spot-plan.js';
import { serveSpotSimulator } from '../support/spot-sim.js';

const TOKEN = 'sim-token-6f1c2a9e';
const ACCOUNT = 'act-1a2b3c4d';
const OTHER_ACCOUNT = 'act-9z8y7x6w';
const BATCH_MS = 1_000;
const STATE_MS = 500;

type Spec = Record<string, unknown>;
interface Envelope {
  request: { id: string; url: string; method: string; timestamp: string };
  response: {
    status: { code: number; message: string };
    kind?: string;
    items?: Spec[];
    count?: number;
    errors?: { code: string; message: string; field?: string }[];
    data?: string;
  };
}

let clock = Date.parse('2026-09-01T10:00:00.000Z');
const sim = new SpotSimulator({
  token: TOKEN,
  accounts: [ACCOUNT, OTHER_ACCOUNT],
  now: () => clock,
  deploymentBatchMs: BATCH_MS,
  stateChangeMs: STATE_MS,
});
const oa = spotOpenApi();

const served = serveSpotSimulator(sim, () => {
  sim.rateLimit = undefined;
});

function fixture(file: string): Spec {
  const body = JSON.parse(readFileSync(new URL(`../fixtures/spot/${file}`, import.meta.url), 'utf8')) as {
    group?: Spec;
    statefulNode?: Spec;
  };
  return (body.group ?? body.statefulNode) as Spec;
}

async function call(
  method: string,
  url: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<{ status: number; body: Envelope; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${served.endpoint}${url}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Envelope, headers: res.headers };
}

/** Sends a planned request (secrets put back when given) and checks the 200 answer against Spot's answer schema. */
async function send(request: SpotRequest): Promise<Envelope> {
  const r = await call(request.method, request.url, request.body);
  if (r.status !== 200)
    throw new Error(`${request.method} ${request.url}: ${r.status} ${JSON.stringify(r.body.response)}`);
  expect(oa.validateResponse(request.method, new URL(request.url, served.endpoint).pathname, r.body)).toEqual([]);
  return r.body;
}

function requestsOf(result: SpotPlanResult, secrets: Spec = {}): readonly SpotRequest[] {
  if (isSpotRefusal(result)) throw new Error(JSON.stringify(result.refused));
  const sent = withSecrets(result, spotSecretsOf(secrets));
  if (!sent.ok) throw new Error(`missing ${sent.missing.join()}`);
  return sent.requests;
}

async function create(kind: JobKind, spec: Spec, accountId = ACCOUNT): Promise<Spec> {
  const [post] = requestsOf(planSpot({ kind, accountId, spec, resolvedVersion: '1.10.0' }), spec);
  const answer = await send(post as SpotRequest);
  return answer.response.items?.[0] as Spec;
}

describe("Spot's envelope, ids and errors", () => {
  it('creates a group: 200, the envelope, a sig- id, createdAt and updatedAt', async () => {
    const spec = fixture('elastigroup-gallery-latest.json');
    const [post] = requestsOf(
      planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec, resolvedVersion: '1.10.0' }),
    );
    const answer = await send(post as SpotRequest);
    expect(answer.request).toMatchObject({
      url: `/azure/compute/group?accountId=${ACCOUNT}`,
      method: 'POST',
      timestamp: '2026-09-01T10:00:00.000Z',
    });
    expect(answer.request.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.response).toMatchObject({
      status: { code: 200, message: 'OK' },
      kind: 'spotinst:azure:compute:group',
      count: 1,
    });
    const group = answer.response.items?.[0] as Spec;
    expect(group.id).toMatch(/^sig-[0-9a-f]{8}$/);
    expect(group).toMatchObject({
      name: 'web-weu',
      region: 'westeurope',
      createdAt: '2026-09-01T10:00:00.000Z',
      updatedAt: '2026-09-01T10:00:00.000Z',
    });
    expect((group.compute as Spec).launchSpecification).toMatchObject({ image: { gallery: { version: '1.10.0' } } });
    expect(sim.storedGroups(ACCOUNT)).toHaveLength(1);
  });

  it('updates a group: Spot merges the PUT (null removes) and moves updatedAt', async () => {
    const full = fixture('elastigroup-full.json');
    const created = await create('statelessGroup', full);
    clock += 5_000;
    const changes = fixture('elastigroup-partial-update.json');
    const [put] = requestsOf(
      planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec: full, spotId: created.id as string, changes }),
    );
    const answer = await send(put as SpotRequest);
    const group = answer.response.items?.[0] as Spec;
    expect(group).toMatchObject({
      id: created.id,
      createdAt: created.createdAt,
      updatedAt: new Date(clock).toISOString(),
      capacity: { minimum: 4, maximum: 60, target: 20 },
    });
    expect(group).not.toHaveProperty('scheduling');
    expect((group.strategy as Spec).drainingTimeout).toBe(600);
    // onDemandCount is write-only in Spot's read model (elastigroupVm-strategy.yaml): kept, not shown.
    expect(group.strategy).not.toHaveProperty('onDemandCount');
    expect((sim.storedGroups()[0]?.strategy as Spec).onDemandCount).toBe(2);
    const read = await call('GET', `/azure/compute/group/${String(created.id)}?accountId=${ACCOUNT}`);
    expect(read.body.response.items?.[0]).toEqual(group);
  });

  it('creates and updates a stateful node (ssn- id; region and the persisted sections left out of the PUT)', async () => {
    const spec = fixture('stateful-node-gallery.json');
    const node = await create('statefulNode', spec);
    expect(node.id).toMatch(/^ssn-[0-9a-f]{8}$/);
    const [put] = requestsOf(
      planSpot({
        kind: 'statefulNode',
        accountId: ACCOUNT,
        spec: { ...spec, description: 'SQL, patched' },
        spotId: node.id as string,
        resolvedVersion: '1.10.0',
      }),
    );
    const answer = await send(put as SpotRequest);
    expect(answer.response.kind).toBe('spotinst:azure:statefulNode');
    expect(answer.response.items?.[0]).toMatchObject({
      id: node.id,
      description: 'SQL, patched',
      region: 'westeurope',
    });
  });

  it('a password reaches Spot and never comes back; protected settings neither', async () => {
    const spec = fixture('elastigroup-password-login.json');
    const [post] = requestsOf(planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec }), spec);
    const raw = await call('POST', post!.url, post!.body);
    expect(raw.status).toBe(200);
    const text = JSON.stringify(raw.body);
    expect(text).not.toContain('Vq7#mT2!rZ9@kL4p');
    expect(text).not.toContain('Xt9-protected-setting-4Fq');
    expect(((raw.body.response.items?.[0]?.compute as Spec).launchSpecification as Spec).login).toEqual({
      userName: 'azureuser',
    });
    // Spot keeps what it was sent.
    expect(JSON.stringify(sim.storedGroups())).toContain('Vq7#mT2!rZ9@kL4p');
  });

  it('GROUP_DOESNT_EXIST for a group that is not there, or is in another account (HTTP 400)', async () => {
    const missing = await call('PUT', `/azure/compute/group/sig-00000000?accountId=${ACCOUNT}`, {
      group: { name: 'x' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.response.status).toEqual({ code: 400, message: 'Bad Request' });
    expect(missing.body.response.errors).toEqual([
      { code: 'GROUP_DOESNT_EXIST', message: "Group: 'sig-00000000' does not exist" },
    ]);
    const group = await create('statelessGroup', fixture('elastigroup-gallery-pinned.json'));
    const elsewhere = await call('GET', `/azure/compute/group/${String(group.id)}?accountId=${OTHER_ACCOUNT}`);
    expect(elsewhere.body.response.errors?.[0]?.code).toBe('GROUP_DOESNT_EXIST');
    const node = await call('GET', `/azure/compute/statefulNode/ssn-00000000?accountId=${ACCOUNT}`);
    expect(node.body.response.errors?.[0]?.code).toBe('GROUP_DOESNT_EXIST');
    await call('DELETE', `/azure/compute/group/${String(group.id)}?accountId=${ACCOUNT}`);
    expect(
      (await call('GET', `/azure/compute/group/${String(group.id)}?accountId=${ACCOUNT}`)).body.response.errors?.[0]
        ?.code,
    ).toBe('GROUP_DOESNT_EXIST');
  });

  it("refuses a body Spot's schema refuses, with Spot's error envelope", async () => {
    const spec = fixture('elastigroup-gallery-latest.json');
    const [post] = requestsOf(
      planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec, resolvedVersion: '1.10.0' }),
    );
    const bad = structuredClone(post!.body) as { group: Spec };
    (bad.group.capacity as Spec).target = 'ten';
    delete bad.group.strategy;
    const r = await call('POST', post!.url, bad);
    expect(r.status).toBe(400);
    expect(r.body.response).not.toHaveProperty('items');
    expect(r.body.response.errors).toEqual([
      { code: NOT_DOCUMENTED.validationCode, message: 'group.strategy is required', field: 'group.strategy' },
      {
        code: NOT_DOCUMENTED.validationCode,
        message: 'group.capacity.target must be integer',
        field: 'group.capacity.target',
      },
    ]);
    expect(sim.storedGroups()).toEqual([]);
    // A read-only id, and the immutable region, on update.
    const group = await create('statelessGroup', spec);
    const url = `/azure/compute/group/${String(group.id)}?accountId=${ACCOUNT}`;
    expect(
      (await call('PUT', url, { group: { id: group.id, name: 'web-weu' } })).body.response.errors?.[0],
    ).toMatchObject({ field: 'group.id' });
    expect(
      (await call('PUT', url, { group: { name: 'web-weu', region: 'eastus' } })).body.response.errors?.[0],
    ).toMatchObject({ code: NOT_DOCUMENTED.immutableField, field: 'group.region' });
    expect((await call('POST', `/azure/compute/group?accountId=${ACCOUNT}`, undefined)).status).toBe(400);
  });

  it("refuses what a persisted stateful node cannot take on update, in the words of Spot's OpenAPI", async () => {
    const spec = fixture('stateful-node-gallery.json');
    const node = await create('statefulNode', spec);
    const r = await call('PUT', `/azure/compute/statefulNode/${String(node.id)}?accountId=${ACCOUNT}`, {
      statefulNode: {
        compute: {
          launchSpecification: {
            image: {
              gallery: {
                resourceGroupName: 'rg-images',
                galleryName: 'corpGallery',
                imageName: 'win2022-sql',
                versionName: '1.11.0',
              },
            },
          },
        },
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.response.errors).toEqual([
      {
        code: NOT_DOCUMENTED.persistedField,
        message:
          'For import or update operations, image object cannot be defined when the compute.persistence.shouldPersistOsDisk = true.',
        field: 'statefulNode.compute.launchSpecification.image',
      },
    ]);
  });

  it('refuses a missing or wrong token (401, nothing of the token echoed) and a missing accountId', async () => {
    for (const token of [null, 'not-the-token']) {
      const r = await call('GET', `/azure/compute/group?accountId=${ACCOUNT}`, undefined, token);
      expect(r.status).toBe(401);
      expect(r.body.response.status).toEqual({ code: 401, message: 'Unauthorized' });
      expect(JSON.stringify(r.body)).not.toContain('not-the-token');
    }
    const basic = await fetch(`${served.endpoint}/azure/compute/group?accountId=${ACCOUNT}`, {
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
    const noAccount = await call('GET', '/azure/compute/group');
    expect(noAccount.status).toBe(400);
    expect(noAccount.body.response.errors?.[0]?.code).toBe(NOT_DOCUMENTED.accountIdRequired.code);
    const unknown = await call('GET', '/azure/compute/group?accountId=act-00000000');
    expect(unknown.body.response.errors?.[0]?.code).toBe('Account_DOESNT_EXIST');
    expect(JSON.stringify(sim.requests())).not.toContain(TOKEN);
  });
});

describe('list by name', () => {
  it('finds groups by exact name within the account; names need not be unique', async () => {
    const spec = fixture('elastigroup-gallery-pinned.json');
    const a = await create('statelessGroup', spec);
    const b = await create('statelessGroup', spec);
    await create('statelessGroup', { ...spec, name: 'batch-eus-2' });
    await create('statelessGroup', spec, OTHER_ACCOUNT);
    const list = await call('GET', `/azure/compute/group?accountId=${ACCOUNT}&name=batch-eus`);
    expect(list.status).toBe(200);
    expect(oa.validateResponse('GET', '/azure/compute/group', list.body)).toEqual([]);
    expect(list.body.response.count).toBe(2);
    expect(list.body.response.items?.map((g) => g.id).sort()).toEqual([a.id, b.id].sort());
    expect((await call('GET', `/azure/compute/group?accountId=${ACCOUNT}&name=batch`)).body.response.items).toEqual([]);
    expect(
      (await call('GET', `/azure/compute/group?accountId=${ACCOUNT}&name=batch-eus&region=westeurope`)).body.response
        .items,
    ).toEqual([]);
    expect((await call('GET', `/azure/compute/group?accountId=${ACCOUNT}`)).body.response.count).toBe(3);
    const nodes = await call('GET', `/azure/compute/statefulNode?accountId=${ACCOUNT}&name=sql-01`);
    expect(nodes.body.response).toMatchObject({ kind: 'spotinst:azure:statefulNode', count: 0 });
  });
});

describe('rate limiting and faults', () => {
  it("an injected 429 answers Spot's documented body, then the retry succeeds", async () => {
    sim.injectFaults({ status: 429, count: 1, match: /^POST \/azure\/compute\/group$/, resetSeconds: 7 });
    const spec = fixture('elastigroup-gallery-pinned.json');
    const [post] = requestsOf(planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec }));
    const first = await call('POST', post!.url, post!.body);
    expect(first.status).toBe(429);
    expect(first.headers.get('x-ratelimit-reset')).toBe('7');
    expect(first.body.response).toEqual({
      status: { code: 429, message: 'Too Many Requests' },
      data: 'Rate limit exceeded',
    });
    expect(sim.storedGroups()).toEqual([]);
    const second = await call('POST', post!.url, post!.body);
    expect(second.status).toBe(200);
    expect(sim.storedGroups()).toHaveLength(1);
  });

  it('counts per route and request type per 60 s, with the headers on every answer; blocked requests keep it blocked', async () => {
    sim.rateLimit = 2;
    const list = `/azure/compute/group?accountId=${ACCOUNT}`;
    const first = await call('GET', list);
    expect([
      first.headers.get('x-ratelimit-limit'),
      first.headers.get('x-ratelimit-remaining'),
      first.headers.get('x-ratelimit-reset'),
    ]).toEqual(['2', '1', '60']);
    expect((await call('GET', list)).status).toBe(200);
    const third = await call('GET', list);
    expect(third.status).toBe(429);
    expect(third.body.response.data).toBe('Rate limit exceeded');
    // Another route (or request type) has its own budget.
    expect((await call('GET', `/azure/compute/statefulNode?accountId=${ACCOUNT}`)).status).toBe(200);
    clock += 30_000;
    expect((await call('GET', list)).status).toBe(429);
    clock += 45_000;
    // 75 s after the window opened, but only 45 s after the last blocked request: still blocked.
    const still = await call('GET', list);
    expect(still.status).toBe(429);
    expect(still.headers.get('x-ratelimit-reset')).toBe('60');
    clock += 60_000;
    expect((await call('GET', list)).status).toBe(200);
  });

  it('a 5xx, a coded 400 and a dropped connection can be injected for one request', async () => {
    sim.injectFaults({ status: 503, count: 1 });
    sim.injectFaults({ status: 400, count: 1, code: 'CANT_CREATE_GROUP', message: 'Failed to create group' });
    sim.injectFaults({ status: 'connection-reset', count: 1 });
    const list = `/azure/compute/group?accountId=${ACCOUNT}`;
    expect((await call('GET', list)).body.response.errors?.[0]?.code).toBe(NOT_DOCUMENTED.serverErrorCode);
    expect((await call('GET', list)).body.response.errors).toEqual([
      { code: 'CANT_CREATE_GROUP', message: 'Failed to create group' },
    ]);
    await expect(call('GET', list)).rejects.toThrow();
    expect((await call('GET', list)).status).toBe(200);
  });
});

describe('faults after the work: the answer lost', () => {
  it('applied: the group is created, then the connection drops or a 5xx answers; the request is logged', async () => {
    const spec = fixture('elastigroup-gallery-pinned.json');
    const [post] = requestsOf(planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec }));
    sim.injectFaults({ status: 'connection-reset', count: 1, match: /^POST /, applied: true });
    await expect(call('POST', post!.url, post!.body)).rejects.toThrow();
    expect(sim.storedGroups()).toHaveLength(1);
    sim.injectFaults({ status: 503, count: 1, match: /^POST /, applied: true });
    const second = await call('POST', post!.url, post!.body);
    expect(second.status).toBe(503);
    expect(second.body.response.errors?.[0]?.code).toBe(NOT_DOCUMENTED.serverErrorCode);
    expect(sim.storedGroups()).toHaveLength(2);
    // Without `applied` a fault turns the request away before any work.
    sim.injectFaults({ status: 503, count: 1, match: /^POST / });
    expect((await call('POST', post!.url, post!.body)).status).toBe(503);
    expect(sim.storedGroups()).toHaveLength(2);
    expect(sim.requests().map((r) => r.status)).toEqual([0, 503, 503]);
  });

  it('no-answer: the connection is held open until the client gives up (or reset); applied, the work is done', async () => {
    const spec = fixture('elastigroup-gallery-pinned.json');
    const [post] = requestsOf(planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec }));
    sim.injectFaults({ status: 'no-answer', count: 1, match: /^POST /, applied: true });
    const gaveUp = fetch(`${served.endpoint}${post!.url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(post!.body),
      signal: AbortSignal.timeout(300),
    });
    await expect(gaveUp).rejects.toThrow();
    expect(sim.storedGroups()).toHaveLength(1);
    expect(sim.requests()).toEqual([expect.objectContaining({ method: 'POST', status: 0 })]);
    sim.injectFaults({ status: 'no-answer', count: 1, match: /^GET / });
    let settled = false;
    const held = fetch(`${served.endpoint}/azure/compute/group?accountId=${ACCOUNT}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    sim.reset();
    await expect(held).rejects.toThrow();
  });

  it("listNameMatch substring: the list's name filter matches parts of names (Spot does not say which it does)", async () => {
    const spec = fixture('elastigroup-gallery-pinned.json');
    await create('statelessGroup', spec);
    await create('statelessGroup', { ...spec, name: 'batch-eus-2' });
    sim.listNameMatch = 'substring';
    try {
      expect((await call('GET', `/azure/compute/group?accountId=${ACCOUNT}&name=batch-eus`)).body.response.count).toBe(
        2,
      );
    } finally {
      sim.listNameMatch = 'exact';
    }
    expect((await call('GET', `/azure/compute/group?accountId=${ACCOUNT}&name=batch-eus`)).body.response.count).toBe(1);
  });
});

describe('blue/green deployments', () => {
  async function rolledGroup(
    deployment?: Record<string, unknown>,
  ): Promise<{ groupId: string; deploymentId: string; first: Spec }> {
    const spec = fixture('elastigroup-full.json'); // capacity.target 10
    const group = await create('statelessGroup', spec);
    const groupId = group.id as string;
    const [put, deploy] = requestsOf(
      planSpotRoll({
        kind: 'statelessGroup',
        accountId: ACCOUNT,
        spotId: groupId,
        spec,
        toVersion: '1.11.0',
        ...(deployment ? { deployment } : {}),
      }),
    );
    const updated = await send(put as SpotRequest);
    expect(((updated.response.items?.[0]?.compute as Spec).launchSpecification as Spec).image).toMatchObject({
      gallery: { version: '1.11.0', galleryName: 'corpGallery' },
    });
    const started = await send(deploy as SpotRequest);
    const first = started.response.items?.[0] as Spec;
    return { groupId, deploymentId: first.id as string, first };
  }

  it('progresses over time to its end: status, batches and progress on GET', async () => {
    const { groupId, deploymentId, first } = await rolledGroup({
      batchSizePercentage: 50,
      gracePeriod: 300,
      batchMinHealthyPercentage: 50,
    });
    expect(deploymentId).toMatch(/^sbgd-[0-9a-f]{8}$/);
    expect(first).toMatchObject({
      groupId,
      status: 'deploymentStart',
      currentBatch: 1,
      numOfBatches: 2,
      progress: { unit: 'percentage', value: 0 },
    });
    const url = `/azure/compute/group/${groupId}/deployment/${deploymentId}?accountId=${ACCOUNT}`;
    const seen: Spec[] = [];
    for (let i = 0; i < 5; i++) {
      clock += BATCH_MS / 2;
      const r = await call('GET', url);
      expect(r.body.response.kind).toBe('spotinst:azure:compute:group:deployment');
      expect(oa.validateResponse('GET', new URL(url, served.endpoint).pathname, r.body)).toEqual([]);
      seen.push(r.body.response.items?.[0] as Spec);
    }
    expect(seen.map((d) => [d.status, d.currentBatch, (d.progress as Spec).value])).toEqual([
      ['deploymentStart', 1, 25],
      [NOT_DOCUMENTED.deploymentStatus.running, 2, 50],
      [NOT_DOCUMENTED.deploymentStatus.running, 2, 75],
      [NOT_DOCUMENTED.deploymentStatus.finished, 2, 100],
      [NOT_DOCUMENTED.deploymentStatus.finished, 2, 100],
    ]);
    const details = await call(
      'GET',
      `/azure/compute/group/${groupId}/deployment/${deploymentId}/details?accountId=${ACCOUNT}`,
    );
    expect(details.body.response.kind).toBe('spotinst:azure:compute:deployment:details');
    expect(details.body.response.items?.[0]).toMatchObject({
      detailsOverview: {
        deploymentId,
        numberOfBatches: 2,
        currentBatch: 2,
        gracePeriod: 300,
        blueVms: 0,
        greenVms: 10,
        errorMessage: null,
        healthCheck: ['vmState'],
      },
    });
    const list = await call('GET', `/azure/compute/group/${groupId}/deployment?accountId=${ACCOUNT}`);
    expect(list.body.response.items?.map((d) => d.id)).toEqual([deploymentId]);
  });

  it("Spot's defaults when the body gives none; one deployment at a time per group", async () => {
    const { groupId, first } = await rolledGroup();
    // batchSizePercentage 25 of 10 VMs: batches of 3, 4 batches.
    expect(first.numOfBatches).toBe(4);
    const again = await call('POST', `/azure/compute/group/${groupId}/deployment?accountId=${ACCOUNT}`, {
      deployment: {},
    });
    expect(again.status).toBe(400);
    expect(again.body.response.errors?.[0]?.code).toBe(NOT_DOCUMENTED.deploymentInProgress);
    clock += 4 * BATCH_MS;
    expect(
      (await call('POST', `/azure/compute/group/${groupId}/deployment?accountId=${ACCOUNT}`, { deployment: {} }))
        .status,
    ).toBe(200);
  });

  it('a deployment made to fail stops with its error message in the details', async () => {
    sim.failNextDeployment(2, 'Batch 2: 0 of 5 new VMs became healthy within the grace period');
    const { groupId, deploymentId } = await rolledGroup({ batchSizePercentage: 50 });
    clock += 10 * BATCH_MS;
    const d = (await call('GET', `/azure/compute/group/${groupId}/deployment/${deploymentId}?accountId=${ACCOUNT}`))
      .body.response.items?.[0] as Spec;
    expect(d).toMatchObject({
      status: NOT_DOCUMENTED.deploymentStatus.failed,
      currentBatch: 2,
      progress: { value: 50 },
    });
    expect(String(d.status).toLowerCase()).toContain('fail');
    const details = (
      await call('GET', `/azure/compute/group/${groupId}/deployment/${deploymentId}/details?accountId=${ACCOUNT}`)
    ).body.response.items?.[0] as Spec;
    expect((details.detailsOverview as Spec).errorMessage).toBe(
      'Batch 2: 0 of 5 new VMs became healthy within the grace period',
    );
  });

  it("a deployment body outside Spot's ranges is refused", async () => {
    const group = await create('statelessGroup', fixture('elastigroup-gallery-latest.json'));
    const r = await call('POST', `/azure/compute/group/${String(group.id)}/deployment?accountId=${ACCOUNT}`, {
      deployment: { batchSizePercentage: 0, gracePeriod: 60, healthCheckTypes: ['http'] },
    });
    expect(r.status).toBe(400);
    expect(r.body.response.errors?.map((e) => e.field)).toEqual([
      'deployment.batchSizePercentage',
      'deployment.gracePeriod',
      'deployment.healthCheckTypes[0]',
    ]);
  });
});

describe('stateful node state changes', () => {
  it('recycle: the node recycles for a while, then is active on a new VM', async () => {
    const spec = fixture('stateful-node-gallery.json');
    (spec.persistence as Spec).shouldPersistOsDisk = false;
    const node = await create('statefulNode', spec);
    const id = node.id as string;
    const status = async (): Promise<Spec> =>
      (await call('GET', `/azure/compute/statefulNode/${id}/status?accountId=${ACCOUNT}`)).body.response
        .items?.[0] as Spec;
    const before = await status();
    expect(before).toMatchObject({ id, name: 'sql-01', status: 'active' });
    const [put, recycle] = requestsOf(
      planSpotRoll({ kind: 'statefulNode', accountId: ACCOUNT, spotId: id, spec, toVersion: '1.11.0' }),
    );
    const updated = await send(put as SpotRequest);
    expect(((updated.response.items?.[0]?.compute as Spec).launchSpecification as Spec).image).toMatchObject({
      gallery: { versionName: '1.11.0' },
    });
    const answer = await send(recycle as SpotRequest);
    expect(answer.response.status.code).toBe(200);
    expect((await status()).status).toBe(NOT_DOCUMENTED.nodeStatus.recycling);
    const busy = await call('PUT', `/azure/compute/statefulNode/${id}/state?accountId=${ACCOUNT}`, {
      state: 'recycle',
    });
    expect(busy.body.response.errors?.[0]?.code).toBe(NOT_DOCUMENTED.stateChangeInProgress);
    clock += STATE_MS;
    const after = await status();
    expect(after.status).toBe('active');
    expect(after.vmName).not.toBe(before.vmName);
  });

  it("a state Spot does not know is refused by Spot's schema", async () => {
    const node = await create('statefulNode', fixture('stateful-node-custom-image.json'));
    const r = await call('PUT', `/azure/compute/statefulNode/${String(node.id)}/state?accountId=${ACCOUNT}`, {
      state: 'reboot',
    });
    expect(r.status).toBe(400);
    expect(r.body.response.errors?.[0]).toMatchObject({ code: NOT_DOCUMENTED.validationCode, field: 'state' });
  });
});

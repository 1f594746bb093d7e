/**
 * The Spot API client (shared/apply/spot.ts) against the local Spot API (dev/spot-simulator.ts) on a
 * free port: the requests are the Spot plan's (shared/domain/spot-plan.ts) for the real Spot bodies
 * of test/fixtures/spot, secrets put back with withSecrets as the apply step does. Waits between
 * retries go through an injected sleep that moves an injected clock, so a 7 s X-RateLimit-Reset
 * costs no real time. Every result, failure and error of the file is kept and scanned for the token
 * at the end.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { NOT_DOCUMENTED, SpotSimulator } from '../../dev/spot-simulator.js';
import { listenOnLoopback, closeServer } from '../../dev/ports.js';
import {
  GROUP_DOESNT_EXIST,
  RETRY,
  SpotClient,
  isSpotDeploymentEnded,
  pointerOfSpotField,
  spotDeploymentEnd,
  spotDeploymentOutcome,
  type SpotClientOptions,
  type SpotResult,
} from '../../shared/apply/spot.js';
import { withDeadline } from '../../shared/deadlines/deadline.js';
import {
  isSpotRefusal,
  planSpot,
  planSpotRoll,
  spotSecretsOf,
  withSecrets,
  type SpotPlanResult,
  type SpotRequest,
} from '../../shared/domain/spot-plan.js';
import { scanForSecrets } from '../support/secret-scan.js';
import { serveSpotSimulator } from '../support/spot-sim.js';

const TOKEN = `spot-${randomUUID()}`;
const ACCOUNT = 'act-1a2b3c4d';
const OTHER_ACCOUNT = 'act-9z8y7x6w';
const BATCH_MS = 1_000;

type Spec = Record<string, unknown>;

let clock = Date.parse('2026-09-01T10:00:00.000Z');
const sim = new SpotSimulator({
  token: TOKEN,
  accounts: [ACCOUNT, OTHER_ACCOUNT],
  now: () => clock,
  deploymentBatchMs: BATCH_MS,
});

/** Everything the client gave back or threw in this file, for the token scan. */
const seen: unknown[] = [];
/** A table prefix no table has: the scan reads no table, only what it is given. */
const noTables = (): string => `scan${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let tokenCalls = 0;
/** The injected waits of the current test (milliseconds), and the clock they move. */
let sleeps: number[] = [];
let skipped = 0;

const served = serveSpotSimulator(sim, () => {
  sleeps = [];
  skipped = 0;
});

function client(options: Partial<SpotClientOptions> = {}): SpotClient {
  return new SpotClient({
    baseUrl: served.endpoint,
    token: () => {
      tokenCalls += 1;
      return Promise.resolve(TOKEN);
    },
    timeoutMs: 10_000,
    sleep: (ms) => {
      sleeps.push(ms);
      skipped += ms;
      return Promise.resolve();
    },
    now: () => Date.now() + skipped,
    ...options,
  });
}

/** Runs a client call, keeping what it returns (or throws) for the token scan. */
async function kept<T>(call: Promise<SpotResult<T>>): Promise<SpotResult<T>> {
  try {
    const result = await call;
    seen.push(result);
    return result;
  } catch (err) {
    seen.push(err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err));
    throw err;
  }
}

function ok<T>(result: SpotResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.failure)}`);
  return result.value;
}

function failed<T>(result: SpotResult<T>) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.failure;
}

function fixture(file: string): Spec {
  const body = JSON.parse(readFileSync(new URL(`../fixtures/spot/${file}`, import.meta.url), 'utf8')) as {
    group?: Spec;
    statefulNode?: Spec;
  };
  return (body.group ?? body.statefulNode) as Spec;
}

/** The plan's requests with the spec's secrets back in, as the apply step sends them. */
function requestsOf(result: SpotPlanResult, spec: Spec): readonly SpotRequest[] {
  if (isSpotRefusal(result)) throw new Error(JSON.stringify(result.refused));
  const sent = withSecrets(result, spotSecretsOf(spec));
  if (!sent.ok) throw new Error(`missing ${sent.missing.join()}`);
  return sent.requests;
}

function createRequest(file: string, accountId = ACCOUNT, rename?: string): SpotRequest {
  const spec = fixture(file);
  if (rename !== undefined) spec.name = rename;
  return requestsOf(
    planSpot({ kind: 'statelessGroup', accountId, spec, resolvedVersion: '1.10.0' }),
    spec,
  )[0] as SpotRequest;
}

async function createGroup(
  file = 'elastigroup-gallery-pinned.json',
  accountId = ACCOUNT,
  rename?: string,
): Promise<string> {
  const group = ok(await kept(client().send(createRequest(file, accountId, rename))));
  return group?.id as string;
}

describe('send: create and update with the plan requests', () => {
  it('creates a group from a real Spot body (secrets in memory only): the item of the envelope, with its sig- id', async () => {
    const before = tokenCalls;
    const request = createRequest('elastigroup-password-login.json');
    expect(request).toMatchObject({ method: 'POST', url: `/azure/compute/group?accountId=${ACCOUNT}` });
    const group = ok(await kept(client().send(request)));
    expect(group?.id).toMatch(/^sig-[0-9a-f]{8}$/);
    expect(group).toMatchObject({ name: 'batch-eus-pw', region: 'eastus' });
    // The password reached Spot, and Spot's answer does not carry it back.
    expect(JSON.stringify(sim.storedGroups(ACCOUNT))).toContain('Vq7#mT2!rZ9@kL4p');
    expect(JSON.stringify(group)).not.toContain('Vq7#mT2!rZ9@kL4p');
    expect(sim.requests()).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/azure/compute/group',
        query: { accountId: ACCOUNT },
        status: 200,
      }),
    ]);
    expect(tokenCalls - before).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('updates a group with the partial update the plan sends', async () => {
    const full = fixture('elastigroup-full.json');
    const id = ok(
      await kept(
        client().send(
          requestsOf(
            planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec: full, resolvedVersion: '1.10.0' }),
            full,
          )[0] as SpotRequest,
        ),
      ),
    )?.id as string;
    const changes = fixture('elastigroup-partial-update.json');
    const [put] = requestsOf(
      planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec: full, spotId: id, changes }),
      full,
    );
    expect(put?.method).toBe('PUT');
    const updated = ok(await kept(client().send(put as SpotRequest)));
    expect(updated).toMatchObject({ id, capacity: { minimum: 4, maximum: 60, target: 20 } });
    expect(updated).not.toHaveProperty('scheduling');
  });

  it('a stateful node recycle answers no item: ok with undefined', async () => {
    const spec = fixture('stateful-node-gallery.json');
    (spec.persistence as Spec).shouldPersistOsDisk = false;
    const node = ok(
      await kept(
        client().send(
          requestsOf(
            planSpot({ kind: 'statefulNode', accountId: ACCOUNT, spec, resolvedVersion: '1.10.0' }),
            spec,
          )[0] as SpotRequest,
        ),
      ),
    );
    expect(node?.id).toMatch(/^ssn-/);
    const [put, recycle] = requestsOf(
      planSpotRoll({ kind: 'statefulNode', accountId: ACCOUNT, spotId: node?.id as string, spec, toVersion: '1.11.0' }),
      spec,
    );
    ok(await kept(client().send(put as SpotRequest)));
    expect(recycle).toMatchObject({ method: 'PUT', body: { state: 'recycle' } });
    expect(await kept(client().send(recycle as SpotRequest))).toEqual({ ok: true, value: undefined });
  });
});

describe("Spot's errors", () => {
  it('GROUP_DOESNT_EXIST: get answers none (group and stateful node); an update fails with the code and the request id', async () => {
    expect(await kept(client().get(ACCOUNT, 'statelessGroup', 'sig-00000000'))).toEqual({ ok: true, value: undefined });
    expect(await kept(client().get(ACCOUNT, 'statefulNode', 'ssn-00000000'))).toEqual({ ok: true, value: undefined });
    const id = await createGroup();
    expect(ok(await kept(client().get(ACCOUNT, 'statelessGroup', id)))).toMatchObject({ id, name: 'batch-eus' });
    // Another account does not see it.
    expect(await kept(client().get(OTHER_ACCOUNT, 'statelessGroup', id))).toEqual({ ok: true, value: undefined });
    const failure = failed(
      await kept(
        client().send({
          method: 'PUT',
          url: `/azure/compute/group/sig-00000000?accountId=${ACCOUNT}`,
          body: { group: { name: 'x' } },
        }),
      ),
    );
    expect(failure).toMatchObject({
      status: 400,
      code: GROUP_DOESNT_EXIST,
      message: "Group: 'sig-00000000' does not exist",
      retryable: false,
    });
    expect(failure.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sleeps).toEqual([]);
  });

  it("a body Spot refuses: every error, the first one's field, which points into the job body", async () => {
    const request = createRequest('elastigroup-gallery-latest.json');
    const bad = structuredClone(request.body) as { group: Spec };
    (bad.group.capacity as Spec).target = 'ten';
    delete bad.group.strategy;
    const failure = failed(await kept(client().send({ ...request, body: bad })));
    expect(failure).toMatchObject({
      status: 400,
      code: NOT_DOCUMENTED.validationCode,
      message: 'group.strategy is required',
      field: 'group.strategy',
      retryable: false,
    });
    expect(failure.errors?.map((e) => e.field)).toEqual(['group.strategy', 'group.capacity.target']);
    expect(failure.errors?.map((e) => pointerOfSpotField('statelessGroup', e.field))).toEqual([
      '/body/group/strategy',
      '/body/group/capacity/target',
    ]);
    expect(sim.storedGroups()).toEqual([]);
  });

  it("a stateful node's refused field points under statefulNode", async () => {
    const spec = fixture('stateful-node-gallery.json');
    const node = ok(
      await kept(
        client().send(
          requestsOf(
            planSpot({ kind: 'statefulNode', accountId: ACCOUNT, spec, resolvedVersion: '1.10.0' }),
            spec,
          )[0] as SpotRequest,
        ),
      ),
    );
    const failure = failed(
      await kept(
        client().send({
          method: 'PUT',
          url: `/azure/compute/statefulNode/${String(node?.id)}?accountId=${ACCOUNT}`,
          body: {
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
          },
        }),
      ),
    );
    expect(failure).toMatchObject({
      code: NOT_DOCUMENTED.persistedField,
      field: 'statefulNode.compute.launchSpecification.image',
    });
    expect(pointerOfSpotField('statefulNode', failure.field)).toBe(
      '/body/statefulNode/compute/launchSpecification/image',
    );
  });

  it('pointerOfSpotField: dotted paths with [n] items, with or without the root; other roots and non-paths name no place', () => {
    expect(
      pointerOfSpotField('statelessGroup', 'group.compute.launchSpecification.network.networkInterfaces[0].subnetName'),
    ).toBe('/body/group/compute/launchSpecification/network/networkInterfaces/0/subnetName');
    expect(pointerOfSpotField('statelessGroup', 'capacity.target')).toBe('/body/group/capacity/target');
    expect(pointerOfSpotField('statelessGroup', 'group')).toBe('/body/group');
    expect(pointerOfSpotField('statelessGroup', 'group.tags[1].tagKey')).toBe('/body/group/tags/1/tagKey');
    expect(pointerOfSpotField('statelessGroup', 'group.a~b/c')).toBe('/body/group/a~0b~1c');
    expect(pointerOfSpotField('statefulNode', 'statefulNode.persistence.shouldPersistOsDisk')).toBe(
      '/body/statefulNode/persistence/shouldPersistOsDisk',
    );
    for (const field of [
      undefined,
      '',
      '  ',
      'deployment.gracePeriod',
      'deployment.healthCheckTypes[0]',
      'state',
      'group..x',
      'a[x]',
      '[0]',
    ]) {
      expect(pointerOfSpotField('statelessGroup', field), String(field)).toBeUndefined();
    }
    expect(pointerOfSpotField('statefulNode', 'group.capacity')).toBeUndefined();
    expect(pointerOfSpotField('statelessGroup', 'statefulNode.compute')).toBeUndefined();
  });

  it('a wrong token: 401, not retried', async () => {
    const failure = failed(
      await kept(
        client({ token: () => Promise.resolve('not-the-token') }).get(ACCOUNT, 'statelessGroup', 'sig-00000000'),
      ),
    );
    expect(failure).toMatchObject({ status: 401, code: NOT_DOCUMENTED.unauthorized.code, retryable: false });
    expect(sim.requests()).toHaveLength(1);
  });
});

describe('retries', () => {
  it('a 429 then success: waits X-RateLimit-Reset before the retry, and creates one group', async () => {
    sim.injectFaults({ status: 429, count: 1, match: /^POST \/azure\/compute\/group$/, resetSeconds: 7 });
    const group = ok(await kept(client().send(createRequest('elastigroup-gallery-pinned.json'))));
    expect(group?.id).toMatch(/^sig-/);
    expect(sleeps).toEqual([7_000]);
    expect(sim.requests().map((r) => r.status)).toEqual([429, 200]);
    expect(sim.storedGroups()).toHaveLength(1);
  });

  it('429s past the deadline: a retryable failure with retryAfterMs, no wait past the timeout', async () => {
    sim.injectFaults({ status: 429, count: 10, resetSeconds: 7 });
    const failure = failed(await kept(client().get(ACCOUNT, 'statelessGroup', 'sig-00000000')));
    expect(failure).toMatchObject({
      status: 429,
      code: '429',
      message: 'Too Many Requests',
      retryable: true,
      retryAfterMs: 7_000,
    });
    // 7 s fits in the 10 s deadline once; a second 7 s would pass it.
    expect(sleeps).toEqual([7_000]);
    expect(sim.requests()).toHaveLength(2);
  });

  it('a 429 waits at least the back-off when X-RateLimit-Reset is shorter', async () => {
    const id = await createGroup();
    sim.injectFaults({ status: 429, count: 2, resetSeconds: 0 });
    ok(await kept(client().get(ACCOUNT, 'statelessGroup', id)));
    expect(sleeps).toEqual([RETRY.baseDelayMs, 2 * RETRY.baseDelayMs]);
  });

  it("the simulator's own rate limit: blocked, then allowed after X-RateLimit-Reset", async () => {
    const id = await createGroup();
    sim.rateLimit = 1;
    try {
      const c = client({
        sleep: (ms) => {
          sleeps.push(ms);
          skipped += ms;
          clock += ms;
          return Promise.resolve();
        },
        timeoutMs: 120_000,
      });
      ok(await kept(c.get(ACCOUNT, 'statelessGroup', id)));
      ok(await kept(c.get(ACCOUNT, 'statelessGroup', id)));
      // The second GET met the limit (60 s window) and waited the reset Spot gave.
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(59_000);
    } finally {
      sim.rateLimit = undefined;
    }
  });

  it('5xx until the retries run out: a retryable failure after 3 retries with exponential back-off', async () => {
    const id = await createGroup();
    sim.injectFaults({ status: 503, count: 10, match: /^PUT / });
    const failure = failed(
      await kept(
        client().send({
          method: 'PUT',
          url: `/azure/compute/group/${id}?accountId=${ACCOUNT}`,
          body: { group: { description: 'x' } },
        }),
      ),
    );
    expect(failure).toMatchObject({ status: 503, code: NOT_DOCUMENTED.serverErrorCode, retryable: true });
    expect(failure.mayHaveApplied).toBeUndefined();
    expect(sleeps).toEqual([500, 1_000, 2_000]);
    expect(sim.requests().filter((r) => r.method === 'PUT')).toHaveLength(4);
  });

  it('maxRetries bounds the attempts; a 5xx then success succeeds', async () => {
    const id = await createGroup();
    sim.injectFaults({ status: 500, count: 10, match: /^GET / });
    failed(await kept(client({ maxRetries: 1 }).get(ACCOUNT, 'statelessGroup', id)));
    expect(sim.requests().filter((r) => r.method === 'GET')).toHaveLength(2);
    sim.reset();
    const again = await createGroup();
    sleeps = [];
    sim.injectFaults({ status: 502, count: 1, match: /^GET / });
    expect(ok(await kept(client().get(ACCOUNT, 'statelessGroup', again)))).toMatchObject({ id: again });
    expect(sleeps).toEqual([500]);
  });

  it('a connection reset on a PUT is retried', async () => {
    const id = await createGroup();
    sim.injectFaults({ status: 'connection-reset', count: 1, match: /^PUT / });
    const updated = ok(
      await kept(
        client().send({
          method: 'PUT',
          url: `/azure/compute/group/${id}?accountId=${ACCOUNT}`,
          body: { group: { description: 'after a reset' } },
        }),
      ),
    );
    expect(updated).toMatchObject({ id, description: 'after a reset' });
    expect(sleeps).toEqual([500]);
    expect(
      sim
        .requests()
        .filter((r) => r.method === 'PUT')
        .map((r) => r.status),
    ).toEqual([0, 200]);
  });

  it('a POST whose answer is lost is not sent again (it may have created the group): the caller finds it by name', async () => {
    sim.injectFaults({ status: 'connection-reset', count: 1, match: /^POST /, applied: true });
    const failure = failed(await kept(client().send(createRequest('elastigroup-gallery-pinned.json'))));
    expect(failure).toMatchObject({ status: 0, code: 'spot-network', retryable: true, mayHaveApplied: true });
    expect(sim.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(sim.storedGroups()).toHaveLength(1);
    const found = ok(await kept(client().findByName(ACCOUNT, 'statelessGroup', 'batch-eus')));
    expect(found?.id).toBe(sim.storedGroups()[0]?.id);
  });

  it('a POST answered 5xx is not sent again either; a state change neither', async () => {
    sim.injectFaults({ status: 503, count: 1, match: /^POST / });
    expect(failed(await kept(client().send(createRequest('elastigroup-gallery-pinned.json'))))).toMatchObject({
      status: 503,
      retryable: true,
      mayHaveApplied: true,
    });
    expect(sim.requests()).toHaveLength(1);
    expect(sleeps).toEqual([]);
    const spec = fixture('stateful-node-custom-image.json');
    const node = ok(
      await kept(
        client().send(requestsOf(planSpot({ kind: 'statefulNode', accountId: ACCOUNT, spec }), spec)[0] as SpotRequest),
      ),
    );
    sim.injectFaults({ status: 'connection-reset', count: 1, match: /\/state$/ });
    const failure = failed(
      await kept(
        client().send({
          method: 'PUT',
          url: `/azure/compute/statefulNode/${String(node?.id)}/state?accountId=${ACCOUNT}`,
          body: { state: 'recycle' },
        }),
      ),
    );
    expect(failure).toMatchObject({ code: 'spot-network', mayHaveApplied: true });
    expect(sim.requests().filter((r) => r.path.endsWith('/state'))).toHaveLength(1);
  });

  it('a connection refused is retried even for a POST (nothing was sent), then fails retryable', async () => {
    const closed = http.createServer();
    const base = await listenOnLoopback(closed, undefined, 'a closed port', 'NONE');
    await closeServer(closed);
    const failure = failed(
      await kept(client({ baseUrl: base }).send(createRequest('elastigroup-gallery-pinned.json'))),
    );
    expect(failure).toMatchObject({
      status: 0,
      code: 'spot-network',
      message: 'no answer from the Spot API (ECONNREFUSED)',
      retryable: true,
    });
    expect(failure.mayHaveApplied).toBeUndefined();
    expect(sleeps).toEqual([500, 1_000, 2_000]);
  });
});

describe('findByName', () => {
  it('0, 1 or more groups of that exact name in the account; stateful nodes alike', async () => {
    expect(await kept(client().findByName(ACCOUNT, 'statelessGroup', 'batch-eus'))).toEqual({
      ok: true,
      value: undefined,
    });
    const a = await createGroup();
    await createGroup('elastigroup-gallery-pinned.json', ACCOUNT, 'batch-eus-2');
    await createGroup('elastigroup-gallery-pinned.json', OTHER_ACCOUNT);
    expect(ok(await kept(client().findByName(ACCOUNT, 'statelessGroup', 'batch-eus')))).toMatchObject({
      id: a,
      name: 'batch-eus',
    });
    expect(await kept(client().findByName(ACCOUNT, 'statelessGroup', 'batch'))).toEqual({ ok: true, value: undefined });
    const b = await createGroup();
    const failure = failed(await kept(client().findByName(ACCOUNT, 'statelessGroup', 'batch-eus')));
    expect(failure).toMatchObject({ code: 'spot-name-not-unique', retryable: false });
    expect(failure.message).toContain(a);
    expect(failure.message).toContain(b);
    expect(sim.requests().at(-1)).toMatchObject({
      method: 'GET',
      path: '/azure/compute/group',
      query: { accountId: ACCOUNT, name: 'batch-eus' },
    });

    const spec = fixture('stateful-node-custom-image.json');
    const node = ok(
      await kept(
        client().send(requestsOf(planSpot({ kind: 'statefulNode', accountId: ACCOUNT, spec }), spec)[0] as SpotRequest),
      ),
    );
    expect(ok(await kept(client().findByName(ACCOUNT, 'statefulNode', spec.name as string)))).toMatchObject({
      id: node?.id,
    });
    expect(ok(await kept(client().findByName(ACCOUNT, 'statefulNode', 'batch-eus')))).toBeUndefined();
  });

  it("compares names exactly even when Spot's filter matches more", async () => {
    const a = await createGroup();
    await createGroup('elastigroup-gallery-pinned.json', ACCOUNT, 'batch-eus-2');
    sim.listNameMatch = 'substring';
    try {
      expect(ok(await kept(client().findByName(ACCOUNT, 'statelessGroup', 'batch-eus')))).toMatchObject({ id: a });
      expect(ok(await kept(client().findByName(ACCOUNT, 'statelessGroup', 'batch')))).toBeUndefined();
    } finally {
      sim.listNameMatch = 'exact';
    }
  });
});

describe('deployments', () => {
  async function startRoll(): Promise<{ groupId: string; deploymentId: string }> {
    const spec = fixture('elastigroup-full.json'); // capacity.target 10
    const groupId = ok(
      await kept(
        client().send(
          requestsOf(
            planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec, resolvedVersion: '1.10.0' }),
            spec,
          )[0] as SpotRequest,
        ),
      ),
    )?.id as string;
    const [put, deploy] = requestsOf(
      planSpotRoll({
        kind: 'statelessGroup',
        accountId: ACCOUNT,
        spotId: groupId,
        spec,
        toVersion: '1.11.0',
        deployment: { batchSizePercentage: 50, gracePeriod: 300 },
      }),
      spec,
    );
    ok(await kept(client().send(put as SpotRequest)));
    const deployment = ok(await kept(client().send(deploy as SpotRequest)));
    return { groupId, deploymentId: deployment?.id as string };
  }

  it('follows a deployment as it progresses to its end', async () => {
    const { groupId, deploymentId } = await startRoll();
    expect(deploymentId).toMatch(/^sbgd-/);
    const states = [];
    for (let i = 0; i < 5; i++) {
      states.push(ok(await kept(client().deployment(ACCOUNT, groupId, deploymentId))));
      clock += BATCH_MS / 2;
    }
    expect(states.map((s) => [s.status, s.progress?.value, s.currentBatch, s.outcome])).toEqual([
      ['deploymentStart', 0, 1, 'running'],
      ['deploymentStart', 25, 1, 'running'],
      [NOT_DOCUMENTED.deploymentStatus.running, 50, 2, 'running'],
      [NOT_DOCUMENTED.deploymentStatus.running, 75, 2, 'running'],
      [NOT_DOCUMENTED.deploymentStatus.finished, 100, 2, 'succeeded'],
    ]);
    expect(states[0]).toMatchObject({
      id: deploymentId,
      groupId,
      numOfBatches: 2,
      progress: { unit: 'percentage', value: 0 },
    });
    expect(states.every((s) => s.failureMessage === undefined)).toBe(true);
  });

  it('a failed deployment: the outcome and the reason from its details', async () => {
    sim.failNextDeployment(2, 'Batch 2: 0 of 5 new VMs became healthy within the grace period');
    const { groupId, deploymentId } = await startRoll();
    clock += 10 * BATCH_MS;
    const state = ok(await kept(client().deployment(ACCOUNT, groupId, deploymentId)));
    expect(state).toMatchObject({
      status: NOT_DOCUMENTED.deploymentStatus.failed,
      outcome: 'failed',
      failureMessage: 'Batch 2: 0 of 5 new VMs became healthy within the grace period',
    });
    expect(sim.requests().at(-1)?.path).toBe(`/azure/compute/group/${groupId}/deployment/${deploymentId}/details`);
  });

  it("the group's newest deployment (a start whose answer was lost is found, not started again); none before the first", async () => {
    const groupId = await createGroup();
    expect(ok(await kept(client().latestDeployment(ACCOUNT, groupId)))).toBeUndefined();
    const first = await startRoll();
    clock += 10 * BATCH_MS;
    const [, deploy] = requestsOf(
      planSpotRoll({
        kind: 'statelessGroup',
        accountId: ACCOUNT,
        spotId: first.groupId,
        spec: fixture('elastigroup-full.json'),
        toVersion: '1.12.0',
      }),
      fixture('elastigroup-full.json'),
    );
    clock += 1000;
    const second = ok(await kept(client().send(deploy as SpotRequest)))?.id as string;
    expect(second).not.toBe(first.deploymentId);
    expect(ok(await kept(client().latestDeployment(ACCOUNT, first.groupId)))).toMatchObject({
      id: second,
      status: 'deploymentStart',
      createdAt: expect.any(String),
    });
    expect(sim.requests().at(-1)).toMatchObject({
      method: 'GET',
      path: `/azure/compute/group/${first.groupId}/deployment`,
      query: { accountId: ACCOUNT, LIMIT: '1', SORT: 'createdAt:DESC' },
    });
  });

  it('an unknown deployment or group is a failure', async () => {
    const groupId = await createGroup();
    expect(failed(await kept(client().deployment(ACCOUNT, groupId, 'sbgd-00000000')))).toMatchObject({
      status: 400,
      code: 'DEPLOYMENT_DOESNT_EXIST',
      retryable: false,
    });
    expect(failed(await kept(client().deployment(ACCOUNT, 'sig-00000000', 'sbgd-00000000')))).toMatchObject({
      code: GROUP_DOESNT_EXIST,
    });
  });

  it('reads the end of a deployment from its status word', () => {
    expect(['deploymentStart', 'deploymentInProgress', 'IN_PROGRESS', 'starting'].map(isSpotDeploymentEnded)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(
      ['deploymentFinished', 'finished', 'ROLL_FINISHED', 'FAILED', 'deploymentFailed', 'stopped', 'ROLL_STOPPED'].map(
        spotDeploymentEnd,
      ),
    ).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'failed', 'failed', 'failed']);
    // A status word that says nothing: 100 % is the end.
    expect([
      spotDeploymentOutcome('deploymentInProgress', 100),
      spotDeploymentOutcome('deploymentStart', 50),
      spotDeploymentOutcome('deploymentStart'),
      spotDeploymentOutcome('deploymentFailed', 100),
    ]).toEqual(['succeeded', 'running', 'running', 'failed']);
  });
});

describe('the deadline', () => {
  /** A server that takes requests and never answers. */
  async function silentServer(): Promise<{ base: string; requests: () => number; stop: () => Promise<void> }> {
    let count = 0;
    const server = http.createServer(() => {
      count += 1;
    });
    const base = await listenOnLoopback(server, undefined, 'a silent server', 'NONE');
    return { base, requests: () => count, stop: () => closeServer(server) };
  }

  it('a server that never answers: a retryable timeout failure once timeoutMs has passed, no retry past it', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      const failure = failed(
        await kept(
          new SpotClient({ baseUrl: silent.base, token: () => Promise.resolve(TOKEN), timeoutMs: 300 }).get(
            ACCOUNT,
            'statelessGroup',
            'sig-00000000',
          ),
        ),
      );
      const elapsed = Date.now() - started;
      expect(failure).toMatchObject({ status: 0, code: 'spot-timeout', retryable: true });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(silent.requests()).toBe(1);
      console.info(`spot client: no answer, gave up after ${elapsed} ms (timeoutMs 300)`);
    } finally {
      await silent.stop();
    }
  });

  it("an HTTP request's budget shortens the call's deadline", async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      const result = await withDeadline(200, () =>
        kept(
          new SpotClient({ baseUrl: silent.base, token: () => Promise.resolve(TOKEN), timeoutMs: 60_000 }).get(
            ACCOUNT,
            'statelessGroup',
            'sig-00000000',
          ),
        ),
      );
      expect(failed(result)).toMatchObject({ code: 'spot-timeout' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await silent.stop();
    }
  });

  it('a wait that overruns the deadline ends the call before another attempt; a POST turned away by a 429 was not applied', async () => {
    sim.injectFaults({ status: 429, count: 1, match: /^POST /, resetSeconds: 1 });
    const slowSleep = (ms: number): Promise<void> => {
      sleeps.push(ms);
      skipped += ms + 10_000;
      return Promise.resolve();
    };
    const failure = failed(
      await kept(client({ sleep: slowSleep }).send(createRequest('elastigroup-gallery-pinned.json'))),
    );
    expect(failure).toMatchObject({ code: 'spot-timeout', retryable: true });
    expect(failure.mayHaveApplied).toBeUndefined();
    expect(sim.requests()).toHaveLength(1);
  });

  it('a create that Spot carried out but never answered: a timeout that may have applied, the group there once', async () => {
    sim.injectFaults({ status: 'no-answer', count: 1, match: /^POST /, applied: true });
    const failure = failed(
      await kept(
        new SpotClient({ baseUrl: served.endpoint, token: () => Promise.resolve(TOKEN), timeoutMs: 300 }).send(
          createRequest('elastigroup-gallery-pinned.json'),
        ),
      ),
    );
    expect(failure).toMatchObject({ code: 'spot-timeout', retryable: true, mayHaveApplied: true });
    expect(sim.storedGroups()).toHaveLength(1);
  });
});

describe('requests the client refuses to send', () => {
  it('no accountId, a path that leaves the base URL, a token that is not one or cannot be read: a failure, nothing sent', async () => {
    const c = client();
    expect(failed(await kept(c.send({ method: 'POST', url: '/azure/compute/group', body: {} })))).toMatchObject({
      code: 'spot-bad-request',
      retryable: false,
    });
    expect(
      failed(
        await kept(c.send({ method: 'POST', url: '//evil.example/azure/compute/group?accountId=act-1', body: {} })),
      ),
    ).toMatchObject({ code: 'spot-bad-request' });
    expect(
      failed(await kept(c.send({ method: 'POST', url: 'https://evil.example/x?accountId=act-1', body: {} }))),
    ).toMatchObject({ code: 'spot-bad-request' });
    for (const token of ['', 'two words', 'line\nbreak']) {
      expect(
        failed(await kept(client({ token: () => Promise.resolve(token) }).get(ACCOUNT, 'statelessGroup', 'sig-1'))),
        JSON.stringify(token),
      ).toMatchObject({ code: 'spot-token-unavailable', retryable: false });
    }
    const unreadable = failed(
      await kept(
        client({ token: () => Promise.reject(new Error(`vault said no to ${TOKEN}`)) }).get(
          ACCOUNT,
          'statelessGroup',
          'sig-1',
        ),
      ),
    );
    expect(unreadable).toMatchObject({
      code: 'spot-token-unavailable',
      message: 'the Spot API token could not be read',
      retryable: true,
    });
    expect(sim.requests()).toEqual([]);
  });
});

describe('the token never comes back', () => {
  it("Spot's error text that echoes the token, as written or encoded, is cleaned", async () => {
    const b64 = Buffer.from(TOKEN).toString('base64');
    sim.injectFaults({
      status: 400,
      count: 1,
      code: 'CANT_CREATE_GROUP',
      message: `Failed to create group (Authorization: Bearer ${TOKEN}; ${b64})`,
      field: `group.${TOKEN}`,
    });
    const failure = failed(await kept(client().send(createRequest('elastigroup-gallery-pinned.json'))));
    expect(failure).toMatchObject({
      status: 400,
      code: 'CANT_CREATE_GROUP',
      message: 'Failed to create group (Authorization: Bearer [redacted]; [redacted])',
      field: 'group.[redacted]',
    });
  });

  it('appears in no result, failure or error of this file', async () => {
    expect(seen.length).toBeGreaterThan(40);
    const report = await scanForSecrets(
      { connectionString: inject('azuriteConnectionString'), tablePrefix: noTables(), logs: [], responses: seen },
      [{ kind: 'token', pointer: '/SPOT_API_TOKEN', value: TOKEN }],
    );
    expect(report.responses).toBe(seen.length);
    expect(report.findings).toEqual([]);
    // The scan finds the token where it is.
    const planted = await scanForSecrets(
      {
        connectionString: inject('azuriteConnectionString'),
        tablePrefix: noTables(),
        logs: [],
        responses: [...seen, { message: encodeURIComponent(TOKEN) }],
      },
      [{ kind: 'token', pointer: '/SPOT_API_TOKEN', value: TOKEN }],
    );
    expect(planted.findings.map((f) => f.where)).toEqual([`response ${seen.length}`]);
  });
});

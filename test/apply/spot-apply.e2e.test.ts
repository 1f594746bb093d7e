/**
 * Applying jobs at Spot, end to end and offline: jobs submitted over HTTP, run from the in-memory
 * queue, planned (shared/domain/spot-plan.ts) and sent through the Spot API client to the Spot API
 * simulator (dev/spot-simulator.ts), which checks the Bearer token and `accountId` of every request
 * and validates every body against Spot's own OpenAPI (spotinst/openapi
 * 553e5ff4ddb5044ce020ad1c32e86e1e8eb2e4, test/fixtures/spot-openapi, with the corrections listed in
 * dev/spot-openapi.ts); the job, group and rollout read back over HTTP.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach, inject } from 'vitest';
import { readdirSync } from 'node:fs';
import {
  startJobsHost,
  setContosoApply,
  crashingOnceBeforeRecord,
  runToEnd as runJobToEnd,
  envelope,
  galleryImage,
  launchSpec,
  CONSUMER_ACCOUNT,
  PUBLISHER_ACCOUNT,
  type JobsHost,
} from '../support/jobs-host.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { SpotSimulator } from '../../dev/spot-simulator.js';
import { spotOpenApi } from '../../dev/spot-openapi.js';
import { waitFor } from '../support/wait.js';
import {
  expectNoSecrets,
  scanForSecrets,
  secretsIn,
  type Secret,
  type SecretScanSources,
} from '../support/secret-scan.js';

type Json = Record<string, unknown>;
type PlanJson = { target: string; requests: { method: string; url: string; body: Json }[]; notes: string[] };

const TOKEN = 'spot-e2e-Tk.4b7f9e21c3d8a6f0';
const PASSWORD = 'Spot-Apply-Secret-7c1e!';
const rolloutPath = (definition: string): string =>
  `${definition.replace(/^\/|\/providers\/Microsoft\.Compute/g, '')}/rollout`;
const ROLLOUT = rolloutPath(DEMO_IMAGES.ubuntu);
const FIXTURES = readdirSync(new URL('../fixtures/spot/', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));
const oa = spotOpenApi();

/** Spot with a fast clock for deployments: one batch per 400 ms. */
const spot = new SpotSimulator({
  token: TOKEN,
  accounts: [CONSUMER_ACCOUNT, PUBLISHER_ACCOUNT],
  deploymentBatchMs: 400,
  stateChangeMs: 400,
});
let host: JobsHost;
const connection = () => inject('azuriteConnectionString');

const setApply = (apply: Json | undefined): Promise<void> => setContosoApply(host, apply);
const specOf = (env: Json): Json => ((env.body as Json).group ?? (env.body as Json).statefulNode) as Json;
const nameOf = (env: Json): string => String(specOf(env).name);
/** A fixture as a create job of the consumer account, its gallery image in the publisher account (same organization). */
const create = (fixture: string, edit: (b: Json) => void = () => undefined, overrides: Json = {}): Json =>
  envelope(
    fixture,
    (b) => {
      if ((launchSpec(b).image as Json).gallery) galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT;
      edit(b);
    },
    overrides,
  );

const runToEnd = (env: Json): Promise<Json> => runJobToEnd(host, env);

async function group(env: Json): Promise<Json> {
  const res = await host.request(
    'GET',
    `groups/${CONSUMER_ACCOUNT}/${String(env.kind)}/${encodeURIComponent(nameOf(env))}`,
  );
  expect(res.status).toBe(200);
  return res.body;
}

const atSpot = (name: string): Json[] =>
  [...spot.storedGroups(CONSUMER_ACCOUNT), ...spot.storedNodes(CONSUMER_ACCOUNT)].filter((g) => g.name === name);
/** The requests Spot received (from the `from`th on) whose `METHOD path` matches. */
const sent = (re: RegExp, from = 0) =>
  spot
    .requests()
    .slice(from)
    .filter((r) => re.test(`${r.method} ${r.path}`));

/** An update job of a group (Spot's partial update: the fields it changes). */
function update(env: Json, changes: Json): Json {
  const root = 'group' in (env.body as Json) ? 'group' : 'statefulNode';
  return {
    ...envelope('elastigroup-gallery-pinned'),
    kind: env.kind,
    action: 'update',
    body: { [root]: { name: nameOf(env), ...changes } },
  };
}

/** Everything the test can see: the app's tables, logs, events and the responses it got. */
const sources = (): SecretScanSources => ({
  connectionString: connection(),
  tablePrefix: host.tablePrefix,
  logs: host.logs,
  responses: host.responses,
  ...(host.topic ? { events: host.topic.recent } : {}),
});
const tokenSecret: Secret = { kind: 'token', pointer: '/SPOT_API_TOKEN', value: TOKEN };

beforeAll(async () => {
  const { endpoint } = await spot.start();
  host = await startJobsHost(
    connection(),
    {
      SPOT_API_URL: endpoint,
      SPOT_API_TOKEN: TOKEN,
      SPOT_TIMEOUT_MS: '5000',
      APPLY_FOLLOW_UP_SECONDS: '1',
      APPLY_RETRY_BASE_SECONDS: '1',
      APPLY_MAX_ATTEMPTS: '3',
      APPLY_POLL_BUDGET_SECONDS: '20',
    },
    { events: true },
  );
});
afterAll(async () => {
  await setApply(undefined).catch(() => undefined);
  await host?.stop();
  await spot.stop();
});
beforeEach(() => {
  spot.reset();
});

describe('plan mode: the exact Spot requests, nothing sent', () => {
  it.each(FIXTURES.filter((f) => f !== 'elastigroup-partial-update'))(
    "%s.json: the plan validates against Spot's OpenAPI for its path, the version resolved under the field of its kind, no secret",
    async (fixture) => {
      await setApply({ target: 'spot', mode: 'plan' });
      const env = create(fixture, (b) => {
        const login = launchSpec(b).login as Json | undefined;
        if (login && 'password' in login) login.password = PASSWORD;
      });
      const job = await runToEnd(env);
      expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', plan: { target: 'spot' } });
      const plan = job.plan as PlanJson;
      expect(plan.requests).toHaveLength(1);
      const [request] = plan.requests;
      const kind = String(env.kind);
      const path = kind === 'statelessGroup' ? '/azure/compute/group' : '/azure/compute/statefulNode';
      expect(request).toMatchObject({ method: 'POST', url: `${path}?accountId=${CONSUMER_ACCOUNT}` });
      expect(oa.validateRequest('POST', path, request!.body)).toEqual([]);
      const gallery = (
        ((Object.values(request!.body)[0] as Json).compute as Json).launchSpecification as { image: { gallery?: Json } }
      ).image.gallery;
      if (gallery) {
        const resolved = (typeof job.resolvedImageVersionId === 'string' ? job.resolvedImageVersionId : '').replace(
          /^.*\/versions\//,
          '',
        );
        const field = kind === 'statelessGroup' ? 'version' : 'versionName';
        // Resolved to the concrete version the catalog checked (a pinned version as written).
        expect(gallery[field]).toBe(resolved || galleryImage(env.body as Json)[field]);
        expect(String(gallery[field])).toMatch(/^\d+\.\d+\.\d+$/);
        expect(gallery[field === 'version' ? 'versionName' : 'version']).toBeUndefined();
      }
      const text = JSON.stringify(plan);
      if (fixture === 'elastigroup-password-login') expect(text).toContain('"passwordSet":true');
      expect(text).not.toContain(PASSWORD);
      expect(spot.requests()).toEqual([]);
      expect((await group(env)).deployment).toBeUndefined();
      await expectNoSecrets(sources(), [...secretsIn(env), tokenSecret]);
    },
  );

  it("elastigroup-partial-update.json on a group applied at Spot: a PUT of the changes to its id, valid for Spot's update path (null clears)", async () => {
    await setApply({ target: 'spot', mode: 'apply' });
    const env = create('elastigroup-gallery-pinned');
    expect(await runToEnd(env)).toMatchObject({ status: 'succeeded' });
    const spotId = String(((await group(env)).deployment as Json).resourceId);
    await setApply({ target: 'spot', mode: 'plan' });
    const partial = envelope('elastigroup-partial-update');
    const body = partial.body as { group: Json };
    body.group.name = nameOf(env);
    const job = await runToEnd({ ...partial, action: 'update' });
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', plan: { target: 'spot' } });
    const [request] = (job.plan as PlanJson).requests;
    expect(request).toMatchObject({
      method: 'PUT',
      url: `/azure/compute/group/${spotId}?accountId=${CONSUMER_ACCOUNT}`,
    });
    expect(request!.body.group).not.toHaveProperty('id');
    expect(oa.validateRequest('PUT', `/azure/compute/group/${spotId}`, request!.body)).toEqual([]);
    expect(sent(/^PUT /)).toEqual([]);
  });
});

describe('apply mode', () => {
  beforeEach(async () => {
    await setApply({ target: 'spot', mode: 'apply' });
  });

  it('create: one POST with the password in memory only; the group records its Spot id', async () => {
    const env = create('elastigroup-password-login', (b) => {
      (launchSpec(b).login as Json).password = PASSWORD;
    });
    const job = await runToEnd(env);
    expect(job, JSON.stringify(job)).toMatchObject({
      status: 'succeeded',
      apply: { phase: 'succeeded', steps: 1 },
      plan: { target: 'spot' },
    });
    const there = atSpot(nameOf(env));
    expect(there).toHaveLength(1);
    expect(sent(/^POST \/azure\/compute\/group$/)).toHaveLength(1);
    expect(sent(/^POST /)[0]?.query).toMatchObject({ accountId: CONSUMER_ACCOUNT });
    const g = await group(env);
    expect(g.deployment).toMatchObject({
      target: 'spot',
      resourceId: there[0]!.id,
      provisioningState: 'Succeeded',
      imageVersionId: job.resolvedImageVersionId,
    });
    expect(String(there[0]!.id)).toMatch(/^sig-[0-9a-f]{8}$/);
    await expectNoSecrets(sources(), [...secretsIn(env), tokenSecret]);
  });

  it('update: a PUT of the changes to the group at Spot', async () => {
    const env = create('elastigroup-gallery-pinned');
    expect(await runToEnd(env)).toMatchObject({ status: 'succeeded' });
    const job = await runToEnd(update(env, { capacity: { minimum: 1, maximum: 7, target: 3 } }));
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded' });
    const puts = sent(/^PUT \/azure\/compute\/group\/sig-/);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.body).toEqual({ group: { name: nameOf(env), capacity: { minimum: 1, maximum: 7, target: 3 } } });
    expect(atSpot(nameOf(env))[0]).toMatchObject({ capacity: { maximum: 7, target: 3 } });
  });

  it('GROUP_DOESNT_EXIST on an update: the job says the group was deleted at Spot', async () => {
    const env = create('elastigroup-gallery-pinned');
    expect(await runToEnd(env)).toMatchObject({ status: 'succeeded' });
    const spotId = String(((await group(env)).deployment as Json).resourceId);
    const del = await fetch(`${spot.endpoint}/azure/compute/group/${spotId}?accountId=${CONSUMER_ACCOUNT}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(del.status).toBe(200);
    const job = await runToEnd(update(env, { capacity: { minimum: 1, maximum: 4, target: 2 } }));
    expect(job, JSON.stringify(job)).toMatchObject({
      status: 'failed',
      errors: [{ code: 'spot:GROUP_DOESNT_EXIST', message: expect.stringContaining(`${spotId} was deleted at Spot`) }],
    });
    expect(atSpot(nameOf(env))).toEqual([]);
  });

  it('a 429 is waited out (X-RateLimit-Reset honoured) and the create sent again: one group', async () => {
    const env = create('elastigroup-gallery-latest');
    spot.injectFaults({ status: 429, count: 1, match: /^POST /, resetSeconds: 2 });
    const started = Date.now();
    const job = await runToEnd(env);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', apply: { attempt: 2 } });
    expect(sent(/^POST /).map((r) => r.status)).toEqual([429, 200]);
    // The retry base is 1 s; Spot asked for 2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(atSpot(nameOf(env))).toHaveLength(1);
  });

  it('a 5xx after Spot created the group: the retry finds it by name and creates no second', async () => {
    const env = create('elastigroup-gallery-latest');
    spot.injectFaults({ status: 503, count: 1, match: /^POST /, applied: true });
    const job = await runToEnd(env);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', apply: { attempt: 2 } });
    expect(sent(/^POST /)).toHaveLength(1);
    expect(sent(/^GET \/azure\/compute\/group$/)).toHaveLength(1);
    expect(atSpot(nameOf(env))).toHaveLength(1);
    expect(((await group(env)).deployment as Json).resourceId).toBe(atSpot(nameOf(env))[0]!.id);
  });

  it('a refusal with a field: the job error is spot:<code> at a JSON Pointer into the job body', async () => {
    const env = create('elastigroup-gallery-latest');
    spot.injectFaults({
      status: 400,
      count: 1,
      match: /^POST /,
      code: 'CANT_VALIDATE_IMAGE',
      message: 'image is not valid',
      field: 'group.compute.launchSpecification.image',
    });
    const job = await runToEnd(env);
    expect(job, JSON.stringify(job)).toMatchObject({
      status: 'failed',
      errors: [
        {
          code: 'spot:CANT_VALIDATE_IMAGE',
          pointer: '/body/group/compute/launchSpecification/image',
          message: expect.stringContaining('image is not valid'),
        },
      ],
    });
    expect(atSpot(nameOf(env))).toEqual([]);
    await expectNoSecrets(sources(), [tokenSecret]);
  });

  it('a crash between the create and its record: the next delivery finds the group by name, one group at Spot', async () => {
    const env = create('elastigroup-gallery-latest');
    const { result: job, crashed } = await crashingOnceBeforeRecord(env.jobId, () => runToEnd(env));
    expect(crashed).toBe(1);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded' });
    expect(sent(/^POST /)).toHaveLength(1);
    expect(atSpot(nameOf(env))).toHaveLength(1);
    expect(((await group(env)).deployment as Json).resourceId).toBe(atSpot(nameOf(env))[0]!.id);
  });
});

// ---------------------------------------------------------------- auto-roll at Spot

/** A new version of the demo's ubuntu definition; West Europe (the groups' region) completed or still replicating. */
const publishUbuntu = (version: string, westEurope: 'Completed' | 'Replicating', times = 1): Promise<void> =>
  publish(DEMO_IMAGES.ubuntu, '1.10.0', version, westEurope, times);

/** A new version of a demo definition (a copy of `from`), then its write event `times` times; waits for the events and the jobs they cause. */
async function publish(
  definition: string,
  from: string,
  version: string,
  westEurope: 'Completed' | 'Replicating',
  times: number,
): Promise<void> {
  const v = structuredClone(host.sim.get(`${definition}/versions/${from}`)!) as unknown as {
    id: string;
    name: string;
    properties: {
      replicationStatus: { aggregatedState: string; summary: { region: string; state: string; progress?: number }[] };
    };
  };
  v.id = `${definition}/versions/${version}`;
  v.name = version;
  const summary = v.properties.replicationStatus.summary;
  for (const s of summary) {
    const we = /west\s*europe/i.test(s.region);
    s.state = we ? westEurope : 'Completed';
    s.progress = s.state === 'Completed' ? 100 : 40;
  }
  expect(summary.some((s) => /west\s*europe/i.test(s.region))).toBe(true);
  v.properties.replicationStatus.aggregatedState = westEurope === 'Completed' ? 'Completed' : 'InProgress';
  host.sim.put(v);
  // Event Grid delivers at least once: every event three times.
  const event = armEvent(v.id, 'Write');
  expect(
    (
      await postEvents(
        host.url,
        Array.from({ length: times }, () => event),
      )
    ).status,
  ).toBe(202);
  for (let i = 0; i < 5; i++) {
    await host.topic!.idle();
    await host.jobsQueue.idle();
  }
}

async function rolloutOf(name: string, rollout = ROLLOUT): Promise<Json | undefined> {
  const res = await host.request('GET', rollout);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as { regions: { groups: Json[] }[] }).regions.flatMap((r) => r.groups).find((g) => g.name === name);
}

/** A group on latest applied at Spot, rolled in halves. */
async function appliedOnLatest(): Promise<{ env: Json; spotId: string }> {
  const env = create('elastigroup-gallery-latest', () => undefined, {
    autoRoll: { deployment: { batchSizePercentage: 50, gracePeriod: 300 } },
  });
  const job = await runToEnd(env);
  expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded' });
  return { env, spotId: String(((await group(env)).deployment as Json).resourceId) };
}

describe('auto-roll of a group applied at Spot', () => {
  beforeEach(async () => {
    await setApply({ target: 'spot', mode: 'apply' });
  });

  it("the version is PUT only once replicated in the group's region, then exactly one blue/green deployment though every event arrives three times; its progress in the rollout", async () => {
    const { env, spotId } = await appliedOnLatest();
    const mark = spot.requests().length;
    const groupPath = new RegExp(`^(PUT|POST) /azure/compute/group/${spotId}`);

    await publishUbuntu('1.14.0', 'Replicating', 3);
    expect(sent(groupPath, mark)).toEqual([]);

    const seen: Json[] = [];
    await publishUbuntu('1.14.0', 'Completed', 3);
    await waitFor(
      'the roll to end',
      async () => {
        const g = await rolloutOf(nameOf(env));
        const d = (g?.apply as Json | undefined)?.spotDeployment as Json | undefined;
        if (d) seen.push(d);
        return g?.state === 'rolled';
      },
      { timeoutMs: 90_000, pollMs: 100 },
    );

    const writes = sent(groupPath, mark);
    expect(writes.map((w) => `${w.method} ${w.path.replace(/^\/azure\/compute\/group\/[^/]+/, '')}`)).toEqual([
      'PUT ',
      'POST /deployment',
    ]);
    expect(writes[0]?.body).toEqual({
      group: {
        compute: { launchSpecification: { image: { gallery: expect.objectContaining({ version: '1.14.0' }) } } },
      },
    });
    expect(writes[1]?.body).toEqual({
      deployment: { batchSizePercentage: 50, gracePeriod: 300, batchMinHealthyPercentage: 50 },
    });
    expect(seen.some((d) => d.outcome === 'running' && typeof d.progress === 'number')).toBe(true);
    const rolled = await rolloutOf(nameOf(env));
    expect(rolled, JSON.stringify(rolled)).toMatchObject({
      state: 'rolled',
      version: '1.14.0',
      deployment: { target: 'spot', resourceId: spotId, spotDeployment: { outcome: 'succeeded', progress: 100 } },
    });
    expect(await group(env)).toMatchObject({
      imageVersionId: expect.stringMatching(/1\.14\.0$/),
      deployment: { imageVersionId: expect.stringMatching(/1\.14\.0$/), spotDeployment: { outcome: 'succeeded' } },
    });
    expect(atSpot(nameOf(env))[0]).toMatchObject({
      compute: { launchSpecification: { image: { gallery: { version: '1.14.0' } } } },
    });
    await expectNoSecrets(sources(), [tokenSecret]);
  }, 120_000);

  it('a deployment started although Spot answered 5xx: the retry finds it and follows it, no second deployment', async () => {
    const { env, spotId } = await appliedOnLatest();
    const mark = spot.requests().length;
    // Every group on latest in the region rolls: the fault is this group's.
    spot.injectFaults({
      status: 503,
      count: 1,
      match: (method, path) => method === 'POST' && path === `/azure/compute/group/${spotId}/deployment`,
      applied: true,
    });
    await publishUbuntu('1.16.0', 'Completed', 3);
    await waitFor('the roll to end', async () => (await rolloutOf(nameOf(env)))?.state === 'rolled', {
      timeoutMs: 90_000,
      pollMs: 200,
    });
    expect(sent(new RegExp(`^POST /azure/compute/group/${spotId}/deployment$`), mark).map((r) => r.status)).toEqual([
      503,
    ]);
    expect(sent(new RegExp(`^GET /azure/compute/group/${spotId}/deployment$`), mark)).toHaveLength(1);
    expect(await rolloutOf(nameOf(env))).toMatchObject({
      state: 'rolled',
      version: '1.16.0',
      deployment: { spotDeployment: { outcome: 'succeeded' } },
    });
  }, 120_000);

  it("a deployment that fails: the roll job fails with Spot's reason, and the rollout shows it", async () => {
    const { env, spotId } = await appliedOnLatest();
    spot.failNextDeployment(1, 'batch 1: 2 of 2 new VMs did not become healthy within the grace period', spotId);
    await publishUbuntu('1.17.0', 'Completed', 3);
    await waitFor('the roll to fail', async () => (await rolloutOf(nameOf(env)))?.state === 'failed', {
      timeoutMs: 90_000,
      pollMs: 200,
    });
    expect(sent(new RegExp(`^POST /azure/compute/group/${spotId}/deployment$`))).toHaveLength(1);
    const failed = await rolloutOf(nameOf(env));
    expect(failed, JSON.stringify(failed)).toMatchObject({
      state: 'failed',
      errors: [{ code: 'spot:DEPLOYMENT_FAILED', message: expect.stringContaining('did not become healthy') }],
      apply: {
        phase: 'failed',
        spotDeployment: { outcome: 'failed', failureMessage: expect.stringContaining('did not become healthy') },
      },
      deployment: {
        target: 'spot',
        resourceId: spotId,
        provisioningState: 'Failed',
        spotDeployment: { outcome: 'failed' },
      },
    });
    expect((await group(env)).imageVersionId).not.toMatch(/1\.17\.0$/);
    await expectNoSecrets(sources(), [tokenSecret]);
  }, 120_000);
});

describe('auto-roll of a stateful node applied at Spot', () => {
  beforeEach(async () => {
    await setApply({ target: 'spot', mode: 'apply' });
  });

  it("a node with a persisted OS disk: the roll fails with Spot's rule, nothing sent; one without: the version PUT, then a recycle", async () => {
    const persisted = create('stateful-node-gallery');
    const plain = create('stateful-node-gallery', (b) => {
      const node = b.statefulNode as { persistence: Json };
      node.persistence = { ...node.persistence, shouldPersistOsDisk: false };
    });
    for (const env of [persisted, plain])
      expect(await runToEnd(env), nameOf(env)).toMatchObject({ status: 'succeeded' });
    const ids = await Promise.all(
      [persisted, plain].map(async (env) => String(((await group(env)).deployment as Json).resourceId)),
    );
    expect(ids.every((id) => /^ssn-[0-9a-f]{8}$/.test(id))).toBe(true);
    const mark = spot.requests().length;
    await publish(DEMO_IMAGES.windowsSql, '1.0.0', '1.1.0', 'Completed', 3);
    const windows = rolloutPath(DEMO_IMAGES.windowsSql);
    await waitFor(
      'both rolls to end',
      async () => {
        const [a, b] = await Promise.all([rolloutOf(nameOf(persisted), windows), rolloutOf(nameOf(plain), windows)]);
        return a?.state === 'failed' && b?.state === 'rolled';
      },
      { timeoutMs: 90_000, pollMs: 200 },
    );

    const failed = await rolloutOf(nameOf(persisted), windows);
    expect(failed, JSON.stringify(failed)).toMatchObject({
      state: 'failed',
      errors: [
        {
          code: 'spot-persisted-os-disk',
          pointer: '/body/statefulNode/persistence/shouldPersistOsDisk',
          message: expect.stringContaining('createStatefulNodeCompute.yaml'),
        },
      ],
    });
    expect(sent(new RegExp(`^PUT /azure/compute/statefulNode/${ids[0]!}`), mark)).toEqual([]);
    const writes = sent(new RegExp(`^PUT /azure/compute/statefulNode/${ids[1]!}`), mark);
    expect(writes.map((w) => w.path.replace(/^\/azure\/compute\/statefulNode\/[^/]+/, ''))).toEqual(['', '/state']);
    expect(writes[0]?.body).toEqual({
      statefulNode: {
        compute: { launchSpecification: { image: { gallery: expect.objectContaining({ versionName: '1.1.0' }) } } },
      },
    });
    expect(writes[1]?.body).toEqual({ state: 'recycle' });
    expect(await group(plain)).toMatchObject({
      imageVersionId: expect.stringMatching(/1\.1\.0$/),
      deployment: { target: 'spot', resourceId: ids[1], imageVersionId: expect.stringMatching(/1\.1\.0$/) },
    });
  }, 120_000);
});

describe('the Spot API token', () => {
  it('is in no table, log, event or response, failure paths included; the scan finds it when it is leaked once', async () => {
    // A failure path that carries Spot's own words back (a 401 answer).
    await setApply({ target: 'spot', mode: 'apply' });
    spot.injectFaults({ status: 401, count: 1, match: /^POST / });
    const failed = await runToEnd(create('elastigroup-gallery-pinned'));
    expect(failed).toMatchObject({ status: 'failed', errors: [{ code: expect.stringMatching(/^spot:/) }] });
    const clean = await scanForSecrets(sources(), [tokenSecret]);
    expect(clean.findings).toEqual([]);
    expect(clean.entities).toBeGreaterThan(0);
    expect(clean.logLines).toBeGreaterThan(0);
    expect(clean.responses).toBeGreaterThan(0);
    expect(clean.events).toBeGreaterThan(0);
    // The same scan, the token leaked once into a log line: found.
    host.logs.push({ ...host.logs[0]!, message: `calling Spot with Bearer ${TOKEN}` });
    try {
      const leaked = await scanForSecrets(sources(), [tokenSecret]);
      expect(leaked.findings.map((f) => f.kind)).toEqual(['token']);
    } finally {
      host.logs.pop();
    }
  });
});

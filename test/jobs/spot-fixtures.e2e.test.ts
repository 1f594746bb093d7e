/**
 * The Spot bodies of test/fixtures/spot, each submitted end to end (POST /api/groups/jobs → the
 * group-jobs queue → the groupJobs trigger → the job and group records → the HTTP reads), and what
 * the API promises about them: partial updates, secrets never kept, one answer for foreign and
 * unknown gallery accounts, case-sensitive and idempotent job ids, every fault at once. Secrets are
 * looked for (test/support/secret-scan.ts) on the success path and on every failure path.
 *
 * Body shapes: spotinst/spotinst-sdk-go service/elastigroup/providers/azure/v3/azure.go (group) and
 * service/stateful/providers/azure/statefulNode.go (statefulNode).
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  startJobsHost,
  envelope,
  galleryImage,
  type JobsHost,
  CONSUMER_ACCOUNT,
  PUBLISHER_ACCOUNT,
  CONTOSO_JOBS,
} from '../support/jobs-host.js';
import { fixture } from '../support/catalog-fixtures.js';
import { expectNoSecrets, secretsIn, type SecretScanSources } from '../support/secret-scan.js';
import { scriptSummary } from '../../shared/domain/spot-body.js';
import { jobMessageId } from '../../shared/domain/job-envelope.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const connection = () => inject('azuriteConnectionString');

beforeAll(async () => {
  host = await startJobsHost(connection(), {}, { events: true });
});
afterAll(async () => {
  await host.stop();
});

const specOf = (env: Json): Json => ((env.body as Json).group ?? (env.body as Json).statefulNode) as Json;
const nameOf = (env: Json): string => String(specOf(env).name);
/** A fixture as a create job of the consumer account, naming the publisher account's gallery (same organization). */
const create = (name: string, edit: (b: Json) => void = () => undefined): Json =>
  envelope(name, (b) => {
    const image = ((specOf({ body: b }).compute as Json).launchSpecification as Json).image as Json;
    if (image.gallery) galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT;
    edit(b);
  });

describe('Spot fixtures end to end (HTTP submit → queue trigger → records)', () => {
  const cases: Array<{ fixture: string; status: 'succeeded' | 'failed'; version?: string; warning?: string }> = [
    { fixture: 'elastigroup-gallery-latest', status: 'succeeded', version: '1.10.0' },
    { fixture: 'elastigroup-gallery-pinned', status: 'succeeded', version: '1.9.0' },
    { fixture: 'elastigroup-full', status: 'succeeded', version: '1.10.0' },
    { fixture: 'elastigroup-password-login', status: 'succeeded', version: '1.9.0' },
    { fixture: 'stateful-node-gallery', status: 'succeeded', warning: 'end-of-life' },
    { fixture: 'elastigroup-marketplace-image', status: 'succeeded', warning: 'image-not-in-catalog' },
    { fixture: 'stateful-node-custom-image', status: 'succeeded', warning: 'image-not-in-catalog' },
  ];
  for (const c of cases) {
    it(`${c.fixture}.json → ${c.status}${c.warning ? ` (warning ${c.warning})` : ''}`, async () => {
      const env = create(c.fixture);
      const job = await host.run(env);
      expect(job, JSON.stringify(job)).toMatchObject({ status: c.status, errors: [] });
      if (c.version)
        expect(String(job.resolvedImageVersionId)).toMatch(new RegExp(`/versions/${c.version.replace(/\./g, '\\.')}$`));
      if (c.warning) expect((job.warnings as Json[]).map((w) => w.code)).toContain(c.warning);
      const kind = String(env.kind);
      const group = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/${kind}/${encodeURIComponent(nameOf(env))}`);
      expect(group.status).toBe(200);
      expect((group.body.spec as Json).name).toBe(nameOf(env));
    });
  }

  it('marketplace and custom images are accepted unchecked, and say so', async () => {
    const job = await host.run(create('elastigroup-marketplace-image'));
    const warning = (job.warnings as Json[]).find((w) => w.code === 'image-not-in-catalog');
    expect(warning).toEqual({
      pointer: '/body/group/compute/launchSpecification/image/marketplace',
      code: 'image-not-in-catalog',
      message:
        'A marketplace image is accepted but not checked: this service checks gallery images only (the catalog holds no marketplace images).',
    });
  });

  it('the full group keeps every field as sent (customData shown as size and hash)', async () => {
    const env = create('elastigroup-full');
    await host.run(env);
    const sent = specOf(env) as { compute: { launchSpecification: Json } };
    const group = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${nameOf(env)}`);
    const spec = group.body.spec as { compute: { launchSpecification: Json } };
    const { customData, ...rest } = sent.compute.launchSpecification;
    expect(spec.compute.launchSpecification).toEqual({ ...rest, customData: scriptSummary(String(customData)) });
    expect({ ...spec, compute: { ...spec.compute, launchSpecification: undefined } }).toEqual({
      ...sent,
      compute: { ...sent.compute, launchSpecification: undefined },
    });
  });

  it('a partial update changes only what it carries (arrays replace whole, null removes), then the whole group is checked', async () => {
    const created = create('elastigroup-full');
    expect(await host.run(created)).toMatchObject({ status: 'succeeded' });
    const patch = structuredClone(fixture<Json>('spot/elastigroup-partial-update.json'));
    (patch.group as Json).name = nameOf(created);
    const update = { ...created, jobId: randomUUID(), action: 'update', body: patch };
    expect(await host.run(update)).toMatchObject({ status: 'succeeded', errors: [] });
    const group = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${nameOf(created)}`);
    expect(group.body.revision).toBe(2);
    const spec = group.body.spec as Json & {
      capacity: Json;
      strategy: Json;
      compute: { launchSpecification: Json; vmSizes: Json };
    };
    const before = specOf(created) as typeof spec;
    expect(spec.capacity).toEqual({ minimum: 4, maximum: 60, target: 20 });
    expect(spec.strategy).toEqual({ ...before.strategy, drainingTimeout: 600 });
    expect(spec.compute.launchSpecification.tags).toEqual([
      { tagKey: 'env', tagValue: 'prod' },
      { tagKey: 'cost-center', tagValue: 'cc-1234' },
    ]);
    expect(spec.compute.launchSpecification.dataDisks).toEqual([{ lun: 0, sizeGB: 256, type: 'Premium_LRS' }]);
    expect(spec.compute.vmSizes).toEqual(before.compute.vmSizes);
    expect(spec.scheduling).toBeUndefined();
    expect(spec.scaling).toEqual(before.scaling);

    // An update that breaks the merged group fails with the error where the field is; the group is unchanged.
    const breaking = {
      ...created,
      jobId: randomUUID(),
      action: 'update',
      body: { group: { name: nameOf(created), capacity: { target: 99 } } },
    };
    const failed = await host.run(breaking);
    expect(failed).toMatchObject({
      status: 'failed',
      errors: [{ pointer: '/body/group/capacity/target', code: 'capacity-order' }],
    });
    expect(
      (await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${nameOf(created)}`)).body.revision,
    ).toBe(2);
    // A disallowed data disk type (Standard_LRS on this image) in an update is refused like on create.
    const disks = {
      ...created,
      jobId: randomUUID(),
      action: 'update',
      body: {
        group: {
          name: nameOf(created),
          compute: { launchSpecification: { dataDisks: [{ lun: 3, sizeGB: 64, type: 'Standard_LRS' }] } },
        },
      },
    };
    expect(await host.run(disks)).toMatchObject({
      status: 'failed',
      errors: [{ pointer: '/body/group/compute/launchSpecification/dataDisks/0/type', code: 'disk-type-disallowed' }],
    });
  });
});

describe('secrets', () => {
  /** Where the app could have left a secret: its tables, its logs, its published events, the answers this file received. */
  const sources = (): SecretScanSources => ({
    connectionString: connection(),
    tablePrefix: host.tablePrefix,
    logs: host.logs,
    events: host.topic?.recent ?? [],
    responses: host.responses,
  });
  const unique = () => randomUUID().slice(0, 8);
  /** The password-login fixture with this test's own password and protected setting (so a find is this test's). */
  const withOwnSecrets = (
    edit: (b: Json) => void = () => undefined,
  ): { env: Json; password: string; setting: string } => {
    const password = `Vq7#mT2!rZ9@${unique()}`;
    const setting = `sh bootstrap.sh --token Xt9-${unique()}`;
    const env = create('elastigroup-password-login', (b) => {
      const launch = (b.group as { compute: { launchSpecification: Json & { login: Json; extensions: Json[] } } })
        .compute.launchSpecification;
      launch.login.password = password;
      (launch.extensions[0] as Json).protectedSettings = { commandToExecute: setting };
      edit(b);
    });
    return { env, password, setting };
  };

  it('the scan finds what it looks for: a login password and protected settings are the secrets of a body', () => {
    const { env, password, setting } = withOwnSecrets();
    expect(secretsIn(env)).toEqual([
      { kind: 'password', pointer: '/body/group/compute/launchSpecification/login/password', value: password },
      {
        kind: 'protectedSettings',
        pointer: '/body/group/compute/launchSpecification/extensions/0/protectedSettings/commandToExecute',
        value: setting,
      },
    ]);
  });

  it('a login password and extension protected settings are used, then found in no table, log, event or response', async () => {
    const { env, password, setting } = withOwnSecrets();
    const submitted = await host.submit(env);
    expect(submitted.status).toBe(202);
    await host.jobsQueue.idle();
    await host.topic!.idle();
    const job = await host.job(String(env.jobId));
    expect(job).toMatchObject({ status: 'succeeded' });
    const group = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${nameOf(env)}`);
    const launch = (group.body.spec as { compute: { launchSpecification: Json } }).compute.launchSpecification;
    expect(launch.login).toEqual({ userName: 'azureuser', passwordSet: true });
    expect((launch.extensions as Json[])[0]).toMatchObject({ protectedSettingsSet: true });
    expect((launch.extensions as Json[])[0]).not.toHaveProperty('protectedSettings');
    expect((await host.request('GET', `groups/${CONSUMER_ACCOUNT}?top=1000`)).status).toBe(200);
    const secrets = secretsIn(env);
    expect(secrets.map((s) => s.value)).toEqual([password, setting]);
    const report = await expectNoSecrets(sources(), secrets, { entities: 10, events: 1, responses: 4 });
    expect(report.tables.length).toBeGreaterThan(3);
    // The job's completion was published, so the event scan read this job's event.
    expect(
      host.topic!.recent.some(
        (e) => e.type === 'GalleryCatalog.GroupJobCompleted' && (e.data as Json).jobId === env.jobId,
      ),
    ).toBe(true);
  });

  it('a specialized image takes no login: a password on one fails the job, and is not kept', async () => {
    const password = `Wn4$longEnough-${unique()}`;
    const env = create('stateful-node-gallery', (b) => {
      (b.statefulNode as { compute: { launchSpecification: Json } }).compute.launchSpecification.login = {
        userName: 'sqladmin',
        password,
      };
    });
    const job = await host.run(env);
    expect(job).toMatchObject({
      status: 'failed',
      errors: [{ pointer: '/body/statefulNode/compute/launchSpecification/login', code: 'specialized-image-login' }],
    });
    await host.topic!.idle();
    // The failed job was logged and published: the scan read both.
    expect(
      host.logs.some(
        (l) =>
          l.functionName === 'groupJobs' &&
          l.message.includes(`job ${String(env.jobId)} `) &&
          l.message.includes('failed'),
      ),
    ).toBe(true);
    expect(
      host.topic!.recent.some(
        (e) => e.type === 'GalleryCatalog.GroupJobCompleted' && (e.data as Json).jobId === env.jobId,
      ),
    ).toBe(true);
    await expectNoSecrets(sources(), secretsIn(env), { entities: 10, events: 1 });
  });

  it('a job that fails its checks keeps neither its password nor its protected settings', async () => {
    const { env } = withOwnSecrets((b) => (galleryImage(b).version = '9.9.9'));
    const job = await host.run(env);
    expect(job).toMatchObject({
      status: 'failed',
      errors: [{ pointer: '/body/group/compute/launchSpecification/image/gallery/version', code: 'version-not-found' }],
    });
    await host.topic!.idle();
    await expectNoSecrets(sources(), secretsIn(env), { entities: 10, events: 1 });
  });

  it('a job whose every delivery fails (dead-lettered) keeps neither its password nor its protected settings', async () => {
    const { env } = withOwnSecrets((b) => ((b.group as Json).region = 'northeurope')); // VM sizes not cached there: ARM is read
    host.sim.injectFaults({ status: 503, count: 1000, match: /skus/ });
    try {
      expect((await host.submit(env)).status).toBe(202);
      await host.jobsQueue.idle();
    } finally {
      host.sim.clearFaults();
    }
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'deadLettered', lastError: expect.any(String) });
    await host.topic!.idle();
    // Every delivery failed and was logged, with the error; the dead-letter trigger recorded it.
    expect(
      host.logs.filter(
        (l) =>
          l.functionName === 'groupJobs' &&
          l.message.startsWith(`job message ${jobMessageId(CONSUMER_ACCOUNT, String(env.jobId))} `),
      ).length,
    ).toBeGreaterThan(1);
    expect(
      host.logs.some((l) => l.functionName === 'groupJobsDeadLetter' && l.message.includes(String(env.jobId))),
    ).toBe(true);
    await expectNoSecrets(sources(), secretsIn(env), { entities: 10, events: 1 });
  });

  it('a password breaking Azure rules is refused at submit, without echoing or keeping it', async () => {
    const password = `alllowercase${unique().replace(/[^a-z]/g, 'x')}`;
    const env = create('elastigroup-password-login', (b) => {
      (b.group as { compute: { launchSpecification: Json } }).compute.launchSpecification.login = {
        userName: 'azureuser',
        password,
      };
    });
    const res = await host.submit(env);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        field: 'body.body.group.compute.launchSpecification.login.password',
        pointer: '/body/group/compute/launchSpecification/login/password',
        code: 'password-rules',
        message: 'must have 3 of: a lower-case letter, an upper-case letter, a digit, a special character (has 1)',
      },
    ]);
    await expectNoSecrets(
      sources(),
      secretsIn(env).filter((s) => s.kind === 'password'),
      { entities: 10 },
    );
  });
});

describe('gallery accounts (spotAccountId)', () => {
  it("another organization's account and an unknown one get byte-identical problems, with no subscription id", async () => {
    const foreign = create('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = 'act-9e8d7c6b'));
    const unknown = create('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = 'act-00000000'));
    const [a, b] = [await host.submit(foreign), await host.submit(unknown)];
    expect(a.status).toBe(400);
    expect(JSON.stringify(a.body)).toBe(JSON.stringify(b.body));
    expect(JSON.stringify(a.body)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i);
    expect(a.body.errors).toEqual([
      {
        field: 'body.body.group.compute.launchSpecification.image.gallery.spotAccountId',
        pointer: '/body/group/compute/launchSpecification/image/gallery/spotAccountId',
        code: 'account-not-connected',
        message: "The spotAccountId is not a connected account of the caller's organization.",
      },
    ]);
  });

  it('the queue trigger gives the same answer to producers that bypass HTTP', async () => {
    const results: Json[] = [];
    for (const account of ['act-9e8d7c6b', 'act-00000000']) {
      const env = create('elastigroup-gallery-pinned', (b) => (galleryImage(b).spotAccountId = account));
      const outcome = await host.runtime.deliverServiceBusMessage('groupJobs', {
        body: JSON.stringify(env),
        messageId: String(env.jobId),
        sessionId: 's',
        deliveryCount: 1,
      });
      expect(outcome).toBe('complete');
      const { services } = await import('../../shared/services.js');
      const record = await services().jobs.getJob(CONTOSO_JOBS, String(env.jobId));
      results.push({ errors: record?.errors });
    }
    expect(JSON.stringify(results[0])).toBe(JSON.stringify(results[1]));
    expect(results[0]).toEqual({
      errors: [
        {
          pointer: '/body/group/compute/launchSpecification/image/gallery/spotAccountId',
          code: 'account-not-connected',
          message: "The spotAccountId is not a connected account of the caller's organization.",
        },
      ],
    });
  });
});

describe('job ids', () => {
  it('are case-sensitive: ABC then abc are two jobs', async () => {
    const suffix = randomUUID().slice(0, 8);
    const upper = create('elastigroup-gallery-pinned');
    upper.jobId = `ABC-${suffix}`;
    const lower = create('elastigroup-gallery-pinned');
    lower.jobId = `abc-${suffix}`;
    expect((await host.submit(upper)).body).toMatchObject({ jobId: `ABC-${suffix}`, status: 'queued' });
    expect((await host.submit(lower)).body).toMatchObject({ jobId: `abc-${suffix}`, status: 'queued' });
    await host.jobsQueue.idle();
    expect(await host.job(`ABC-${suffix}`)).toMatchObject({
      jobId: `ABC-${suffix}`,
      status: 'succeeded',
      group: { name: nameOf(upper) },
    });
    expect(await host.job(`abc-${suffix}`)).toMatchObject({
      jobId: `abc-${suffix}`,
      status: 'succeeded',
      group: { name: nameOf(lower) },
    });
  });

  it('the same id with the same envelope is the same job; with another envelope, 409', async () => {
    const env = create('elastigroup-gallery-pinned');
    expect((await host.submit(env)).status).toBe(202);
    const again = await host.submit(structuredClone(env));
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ jobId: env.jobId, duplicate: true });
    const other = create('elastigroup-gallery-pinned');
    other.jobId = env.jobId;
    const conflict = await host.submit(other);
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toBe('application/problem+json');
    expect(conflict.body).toMatchObject({ status: 409, errors: [{ pointer: '/jobId', code: 'job-id-reused' }] });
    await host.jobsQueue.idle();
    expect(await host.job(String(env.jobId))).toMatchObject({ status: 'succeeded', group: { name: nameOf(env) } });
  });
});

describe('errors', () => {
  it('an empty envelope names every missing member at once, each once, by JSON Pointer', async () => {
    const res = await host.submit({});
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const errors = res.body.errors as Json[];
    expect(errors.map((e) => [e.pointer, e.code])).toEqual([
      ['/schemaVersion', 'required'],
      ['/jobId', 'required'],
      ['/action', 'required'],
      ['/kind', 'required'],
      ['/caller', 'required'],
      ['/body', 'required'],
    ]);
  });

  it('a body with many faults gets all of them in one response', async () => {
    const env = create('elastigroup-full', (b) => {
      const g = b.group as Json & { capacity: Json; compute: Json & { launchSpecification: Json } };
      g.capacity.target = -1;
      g.compute.os = 'linux';
      g.compute.launchSpecification.dataDisks = [{ lun: 0, sizeGB: 0, type: 'Premium' }];
      g.compute.launchSpecification.tags = [{ tagKey: 'a' }];
      g.compute.preferredZone = '1';
    });
    const res = await host.submit(env);
    expect(res.status).toBe(400);
    const errors = (res.body.errors as Json[]).map((e) => [e.pointer, e.code]);
    expect(errors).toEqual(
      expect.arrayContaining([
        ['/body/group/capacity/target', 'too-small'],
        ['/body/group/compute/os', 'invalid-value'],
        ['/body/group/compute/launchSpecification/dataDisks/0/sizeGB', 'too-small'],
        ['/body/group/compute/launchSpecification/dataDisks/0/type', 'invalid-value'],
        ['/body/group/compute/launchSpecification/tags/0/tagValue', 'required'],
        ['/body/group/compute/preferredZone', 'unknown-field'],
      ]),
    );
    expect(new Set(errors.map((e) => JSON.stringify(e))).size).toBe(errors.length);
  });

  it('other endpoints carry JSON Pointers for body faults (query faults are named by field)', async () => {
    const org = await host.request('PUT', 'manage/organizations/pointer-test', {
      tenantId: 'not-a-guid',
      subscriptions: [],
      principals: [],
    });
    expect(org.status).toBe(400);
    expect((org.body.errors as Json[])[0]).toMatchObject({ field: 'body.tenantId', pointer: '/tenantId' });
    const top = await host.request('GET', `groups/${CONSUMER_ACCOUNT}?top=0`);
    expect(top.status).toBe(400);
    expect((top.body.errors as Json[])[0]).toEqual({
      field: 'query.top',
      message: 'must be a whole number from 1 to 1000',
    });
  });
});

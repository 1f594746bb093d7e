/**
 * The OpenAPI document against the running app: real answers of every GET route (and of the job
 * submission, the auto-roll and organization PUTs, the reconcile start, and the problem details of
 * each kind of failure) are parsed with the zod schema the document names for their route, status
 * and media type. Every object of those schemas is strict, so a field the app writes and the
 * schema does not know fails, and so does a field the schema requires and the app leaves out: a
 * schema cannot drift from what the app answers. The last test checks that every documented GET
 * route with a JSON answer was answered here.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import type { z } from 'zod';
import { apiPaths } from '../../shared/http/openapi.js';
import {
  startJobsHost,
  envelope,
  galleryImage,
  publishUbuntuVersion,
  CONSUMER_ACCOUNT,
  PUBLISHER_ACCOUNT,
  type JobsHost,
} from '../support/jobs-host.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { DEMO_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import { replicatedVersion } from '../support/replica-fixtures.js';
import { ALL_APP_ROLES, APP_ROLES, principalHeader, type Principal } from '../../shared/access/principal.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const paths = apiPaths();
/** `GET /path/template 200`: each answer parsed. */
const parsed = new Set<string>();

const PUB = DEMO_SUBSCRIPTIONS.publisher;
const UBUNTU = `subscriptions/${PUB}/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base`;
const armPath = (id: string) =>
  id.replace(
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\//,
    'subscriptions/$1/resourceGroups/$2/galleries/',
  );
/** A principal of no organization (a tenant the directory does not know). */
const STRANGER: Principal = {
  tenantId: '0d0d0d0d-0000-4000-8000-00000000000d',
  objectId: '0e0e0e0e-0000-4000-8000-00000000000e',
  roles: ALL_APP_ROLES,
};

/** The zod schema the document names for an answer. */
function schemaOf(method: string, template: string, status: number, mediaType: string): z.ZodType {
  const op = paths[template]?.[method.toLowerCase()] as
    { responses: Record<string, { content?: Record<string, { schema?: z.ZodType }> }> } | undefined;
  const schema = op?.responses[String(status)]?.content?.[mediaType]?.schema;
  if (!schema) throw new Error(`the document has no ${mediaType} answer ${status} for ${method} ${template}`);
  return schema;
}

/**
 * Calls the app, expects `status`, and parses the answer with the document's schema for it (the
 * route's template names it in the document). Returns the parsed answer.
 */
async function answer(
  method: string,
  template: string,
  path: string,
  status: number,
  body?: unknown,
  principal: Principal = DEMO_PRINCIPAL,
): Promise<Json> {
  const res = await host.request(method, path, body, principal);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body).slice(0, 500)}`).toBe(status);
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const result = schemaOf(method, template, status, mediaType).safeParse(res.body);
  expect(result.error?.issues ?? [], `${method} ${path} ${status} does not match its schema`).toEqual([]);
  parsed.add(`${method} ${template} ${status}`);
  return res.body;
}

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), { ARM_SUBSCRIPTION_IDS: PUB }, { events: true });
}, 120_000);
afterAll(async () => {
  await host?.stop();
});

describe('real answers parse with the OpenAPI schemas', () => {
  it('the service: health and this document', async () => {
    await answer('GET', '/health', 'health', 200);
    const doc = await answer('GET', '/openapi.json', 'openapi.json', 200);
    expect(doc).toMatchObject({ openapi: '3.1.0' });
  });

  it('lookups: the cascade, latest, replicas, search and advice', async () => {
    const cascade = '/subscriptions/{subscriptionId}/resourceGroups';
    const definition = `${cascade}/{resourceGroup}/galleries/{gallery}/images/{image}`;
    expect((await answer('GET', cascade, `subscriptions/${PUB}/resourceGroups`, 200)).items).not.toEqual([]);
    expect(
      (
        await answer(
          'GET',
          `${cascade}/{resourceGroup}/galleries`,
          `subscriptions/${PUB}/resourceGroups/rg-images/galleries`,
          200,
        )
      ).items,
    ).not.toEqual([]);
    const images = await answer(
      'GET',
      `${cascade}/{resourceGroup}/galleries/{gallery}/images`,
      `subscriptions/${PUB}/resourceGroups/rg-images/galleries/corpGallery/images?top=1`,
      200,
    );
    expect(images.continuationToken).toEqual(expect.any(String));
    await answer('GET', definition, UBUNTU, 200);
    const versions = await answer('GET', `${definition}/versions`, `${UBUNTU}/versions?region=westeurope`, 200);
    expect(
      (versions.items as Json[]).some(
        (v) =>
          (v.deployability as Json).reasons !== undefined &&
          ((v.deployability as Json).reasons as unknown[]).length > 0,
      ),
    ).toBe(true);
    const latest = await answer(
      'GET',
      `${definition}/versions/latest`,
      `${UBUNTU}/versions/latest?region=westeurope`,
      200,
    );
    expect(latest).toHaveProperty('details');
    expect((latest.passedOver as unknown[]).length).toBeGreaterThan(0);
    await answer('GET', `${definition}/versions/{version}/replicas`, `${UBUNTU}/versions/1.9.0/replicas`, 200);
    const sizes = await answer(
      'GET',
      `${definition}/versions/{version}/vmSizes`,
      `${UBUNTU}/versions/1.9.0/vmSizes?region=westeurope&account=${CONSUMER_ACCOUNT}`,
      200,
    );
    expect(
      (sizes.sizes as Json[]).some((s) => s.fits === true) && (sizes.sizes as Json[]).some((s) => s.fits === false),
    ).toBe(true);
    await answer('GET', '/images', 'images?osType=Linux&region=westeurope', 200);
    await answer('GET', '/advice/replicas', 'advice/replicas', 200);
    // A version nobody uses, and one a group uses with too few replicas: both lists of the advice filled.
    const team = `/subscriptions/${DEMO_SUBSCRIPTIONS.consumer}/resourceGroups/rg-team/providers/Microsoft.Compute/galleries/teamGallery/images/app-server`;
    host.sim.put(
      replicatedVersion(`${team}/versions/7.0.0`, [
        { name: 'West Europe', replicas: 1 },
        { name: 'East US', replicas: 2 },
      ]),
    );
    expect((await postEvents(host.url, [armEvent(`${team}/versions/7.0.0`, 'Write')])).status).toBe(202);
    await answer('GET', `${definition}/versions/{version}/replicas`, `${armPath(team)}/versions/7.0.0/replicas`, 200);
    const advice = await answer('GET', '/advice/replicas', 'advice/replicas', 200);
    expect((advice.unused as unknown[]).length).toBeGreaterThan(0);
  });

  let groupName = '';
  let nodeName = '';

  it('jobs and groups: a submission, its duplicate, the jobs (succeeded with a warning, failed with errors), the groups', async () => {
    expect((await answer('GET', '/me', 'me', 200)).accounts).toContainEqual({
      account: CONSUMER_ACCOUNT,
      subscriptionId: DEMO_SUBSCRIPTIONS.consumer,
      actsFor: true,
    });
    const job = envelope('elastigroup-gallery-latest', (b) => (galleryImage(b).version = 'latest'), {
      autoRoll: { soakMinutes: 0 },
    });
    groupName = String((job.body as { group: { name: string } }).group.name);
    const accepted = await answer('POST', '/groups/jobs', 'groups/jobs', 202, job);
    expect(accepted).toMatchObject({ jobId: job.jobId, status: 'queued' });
    expect(await answer('POST', '/groups/jobs', 'groups/jobs', 202, job)).toMatchObject({ duplicate: true });
    await host.jobsQueue.idle();
    expect(await answer('GET', '/groups/jobs/{jobId}', `groups/jobs/${String(job.jobId)}`, 200)).toMatchObject({
      status: 'succeeded',
    });

    const node = envelope('stateful-node-gallery', (b) => (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT));
    nodeName = String((node.body as { statefulNode: { name: string } }).statefulNode.name);
    await answer('POST', '/groups/jobs', 'groups/jobs', 202, node);
    const failed = envelope('elastigroup-gallery-pinned', (b) =>
      Object.assign(galleryImage(b), { spotAccountId: PUBLISHER_ACCOUNT, version: '9.9.9' }),
    );
    await answer('POST', '/groups/jobs', 'groups/jobs', 202, failed);
    await host.jobsQueue.idle();
    const warned = await answer('GET', '/groups/jobs/{jobId}', `groups/jobs/${String(node.jobId)}`, 200);
    expect(warned.warnings).not.toEqual([]);
    const errors = await answer('GET', '/groups/jobs/{jobId}', `groups/jobs/${String(failed.jobId)}`, 200);
    expect(errors).toMatchObject({
      status: 'failed',
      errors: [expect.objectContaining({ code: 'version-not-found' })],
    });

    const page = await answer('GET', '/groups/{account}', `groups/${CONSUMER_ACCOUNT}`, 200);
    expect((page.items as Json[]).map((g) => g.name)).toEqual(expect.arrayContaining([groupName, nodeName]));
    await answer(
      'GET',
      '/groups/{account}/{kind}/{name}',
      `groups/${CONSUMER_ACCOUNT}/statelessGroup/${groupName}`,
      200,
    );
    await answer('GET', '/groups/{account}/{kind}/{name}', `groups/${CONSUMER_ACCOUNT}/statefulNode/${nodeName}`, 200);
  });

  it('auto-roll: a policy, the emergency stop and its release, the rollout and the roll history', async () => {
    const group = `groups/${CONSUMER_ACCOUNT}/statelessGroup/${groupName}`;
    const held = envelope('elastigroup-gallery-latest', (b) => (galleryImage(b).version = 'latest'));
    const heldName = String((held.body as { group: { name: string } }).group.name);
    await host.run(held);
    await answer(
      'PUT',
      '/groups/{account}/{kind}/{name}/autoroll',
      `groups/${CONSUMER_ACCOUNT}/statelessGroup/${heldName}/autoroll`,
      200,
      { paused: true },
    );
    const pause = '/manage/autoroll/pauses/{definitionId}';
    expect(
      await answer('PUT', pause, `manage/autoroll/pauses${DEMO_IMAGES.ubuntu}`, 200, { paused: true }),
    ).toHaveProperty('pausedAt');
    await publishUbuntuVersion(host, '1.13.0');
    const rollout = `${UBUNTU}/rollout`;
    const template =
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}/rollout';
    const stopped = await answer('GET', template, rollout, 200);
    expect(JSON.stringify(stopped)).toContain('definitionPaused');
    expect(
      await answer('PUT', pause, `manage/autoroll/pauses${DEMO_IMAGES.ubuntu}`, 200, { paused: false }),
    ).toHaveProperty('rollsQueued');
    await host.jobsQueue.idle();
    const rolled = await answer('GET', template, rollout, 200);
    expect(JSON.stringify(rolled)).toContain('"rolled"');
    const rolls = await answer('GET', '/groups/{account}/{kind}/{name}/rolls', `${group}/rolls`, 200);
    expect(rolls.rolls).not.toEqual([]);
    expect(rolls.group).toHaveProperty('lastRoll');
    await answer('GET', '/groups/{account}/{kind}/{name}', group, 200);
  });

  it('administration: organizations and the reconcile', async () => {
    const list = await answer('GET', '/manage/organizations', 'manage/organizations', 200);
    const contoso = (list.items as Json[]).find((o) => o.id === 'contoso');
    expect(contoso).toBeDefined();
    await answer('GET', '/manage/organizations/{organizationId}', 'manage/organizations/contoso', 200);
    const { id: _id, ...document } = contoso!;
    await answer('PUT', '/manage/organizations/{organizationId}', 'manage/organizations/contoso', 200, document);
    await answer('GET', '/manage/reconcile', 'manage/reconcile', 404);
    await answer('POST', '/manage/reconcile', 'manage/reconcile', 202, {});
    await host.unitsQueue.idle();
    const progress = await answer('GET', '/manage/reconcile', 'manage/reconcile', 200);
    expect(progress).toHaveProperty('counts');
  });

  it('problem details: 400, 401, 403, 404, 409 and 415, with their extensions', async () => {
    const definition =
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/galleries/{gallery}/images/{image}';
    expect(await answer('GET', definition, `${UBUNTU}?unknown=1`, 400)).toHaveProperty('errors');
    await answer('GET', definition, `${UBUNTU}-missing`, 404);
    const sizes = `${definition}/versions/{version}/vmSizes`;
    // Another organization's account: the field named, as for an account that does not exist.
    expect(
      await answer('GET', sizes, `${UBUNTU}/versions/1.9.0/vmSizes?region=westeurope&account=act-9e8d7c6b`, 400),
    ).toMatchObject({ errors: [{ field: 'query.account' }] });
    await answer('GET', sizes, `${UBUNTU}/versions/9.9.9/vmSizes?region=westeurope&account=${CONSUMER_ACCOUNT}`, 404);
    await answer('GET', '/me', 'me', 403, undefined, STRANGER);
    await answer('GET', '/images', 'images', 403, undefined, STRANGER);
    const reader = { ...DEMO_PRINCIPAL, roles: [APP_ROLES.read] };
    expect(
      await answer('POST', '/groups/jobs', 'groups/jobs', 403, envelope('elastigroup-gallery-pinned'), reader),
    ).toHaveProperty('requiredRole');
    const job = envelope('elastigroup-gallery-pinned');
    await answer('POST', '/groups/jobs', 'groups/jobs', 202, job);
    await answer('POST', '/groups/jobs', 'groups/jobs', 409, {
      ...job,
      caller: { account: DEMO_SUBSCRIPTIONS.consumer },
    });
    await host.jobsQueue.idle();
    expect(await answer('POST', '/groups/jobs', 'groups/jobs', 400, { ...job, jobId: 'roll:x' })).toHaveProperty(
      'errors',
    );
    await answer('GET', '/console/{path}', 'console/no-such-file', 404);

    const unauthenticated = await fetch(`${host.url}/api/images`);
    const body: unknown = await unauthenticated.json();
    expect(unauthenticated.status).toBe(401);
    expect(schemaOf('GET', '/images', 401, 'application/problem+json').safeParse(body).error?.issues ?? []).toEqual([]);
    const text = await fetch(`${host.url}/api/groups/jobs`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        'x-ms-client-principal': principalHeader({ ...DEMO_PRINCIPAL, roles: ALL_APP_ROLES }),
      },
      body: '{}',
    });
    const refused: unknown = await text.json();
    expect(text.status).toBe(415);
    expect(
      schemaOf('POST', '/groups/jobs', 415, 'application/problem+json').safeParse(refused).error?.issues ?? [],
    ).toEqual([]);
    expect(refused).toHaveProperty('accepted');
  });

  it('answered every documented GET route with a JSON answer, and the job submission', () => {
    const documented: string[] = [];
    for (const [template, operations] of Object.entries(paths)) {
      const get = operations.get as
        { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> } | undefined;
      if (get?.responses['200']?.content?.['application/json']?.schema) documented.push(`GET ${template} 200`);
    }
    documented.push('POST /groups/jobs 202');
    expect(documented.length).toBeGreaterThan(15);
    expect(documented.filter((d) => !parsed.has(d))).toEqual([]);
  });
});

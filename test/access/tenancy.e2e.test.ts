import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  startJobsHost,
  envelope,
  galleryImage,
  type JobsHost,
  CONSUMER_ACCOUNT,
  PARTNER_ACCOUNT,
  PUBLISHER_ACCOUNT,
} from '../support/jobs-host.js';
import { ADMIN_PRINCIPAL } from '../support/lookups-host.js';
import { APP_ROLES, ALL_APP_ROLES, type Principal } from '../../shared/access/principal.js';
import { DEMO_PARTNER_PRINCIPAL, DEMO_PRINCIPAL, demoOrganizations } from '../../dev/demo/demo-directory.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS, DEMO_TENANTS } from '../../dev/demo/demo-org.js';
import { services } from '../../shared/services.js';
import { packJson } from '../../shared/catalog/json-props.js';
import { encodeKeyPart } from '../../shared/catalog/keys.js';

// Many organizations in one deployment (issue: trust boundaries). Contoso (tenant 72f988bf…) and
// Fabrikam (the partner tenant c24c76aa…) are both allowed tenants; the operator's tenant is the
// first allowed one (AUTH_OPERATOR_TENANT unset). With a multi-tenant app registration every
// tenant assigns Catalog.Admin in its own enterprise application: a partner tenant's admin must
// manage nothing of Contoso's, and an organization's named administrator only its organization.
let host: JobsHost;

/** A partner-tenant principal holding Catalog.Admin (its own directory gave it the role), in no organization. */
const PARTNER_ADMIN: Principal = { tenantId: DEMO_TENANTS.partner, objectId: randomUUID(), roles: [APP_ROLES.admin] };
/** Fabrikam's engineer, named administrator of Fabrikam below. */
const FABRIKAM_ADMIN: Principal = { ...DEMO_PARTNER_PRINCIPAL, roles: ALL_APP_ROLES };
const OPERATOR: Principal = ADMIN_PRINCIPAL;

const fabrikamDoc = () => {
  const doc = structuredClone(demoOrganizations().fabrikam!);
  doc.principals = [{ ...DEMO_PARTNER_PRINCIPAL, administrator: true }];
  return doc;
};

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), {
    AUTH_ALLOWED_TENANTS: `${DEMO_TENANTS.contoso},${DEMO_TENANTS.partner}`,
    AUTH_OPERATOR_TENANT: '',
  });
  expect((await host.request('PUT', 'manage/organizations/fabrikam', fabrikamDoc(), OPERATOR)).status).toBe(200);
});
afterAll(async () => {
  await host.stop();
});

/** A 404 as a missing resource answers it: status, type, title, detail, and nothing naming what exists. */
function missing(res: { status: number; body: Record<string, unknown> }) {
  const { instance: _instance, ...rest } = res.body;
  return { status: res.status, body: rest };
}

describe('a partner tenant administrator (Catalog.Admin from its own directory, in no organization)', () => {
  it("answers every read, write and delete of Contoso's organization exactly as a missing one, and changes nothing", async () => {
    const before = await host.request('GET', 'manage/organizations/contoso', undefined, OPERATOR);
    expect(before.status).toBe(200);
    const absent = missing(
      await host.request('GET', `manage/organizations/no-such-${randomUUID().slice(0, 8)}`, undefined, PARTNER_ADMIN),
    );
    expect(absent.status).toBe(404);
    expect(missing(await host.request('GET', 'manage/organizations/contoso', undefined, PARTNER_ADMIN))).toEqual(
      absent,
    );
    const takeover = structuredClone(before.body) as ReturnType<typeof demoOrganizations>['contoso'] & { id?: string };
    delete takeover.id;
    takeover.principals.push({ tenantId: DEMO_TENANTS.partner, objectId: PARTNER_ADMIN.objectId });
    expect(missing(await host.request('PUT', 'manage/organizations/contoso', takeover, PARTNER_ADMIN))).toEqual(absent);
    expect(missing(await host.request('DELETE', 'manage/organizations/contoso', undefined, PARTNER_ADMIN))).toEqual(
      absent,
    );
    // nor may it create an organization of its own (only the operator creates organizations)
    expect(
      (
        await host.request(
          'PUT',
          `manage/organizations/evil-${randomUUID().slice(0, 8)}`,
          { ...fabrikamDoc(), subscriptions: [{ subscriptionId: randomUUID() }], principals: [] },
          PARTNER_ADMIN,
        )
      ).status,
    ).toBe(404);
    expect((await host.request('GET', 'manage/organizations/contoso', undefined, OPERATOR)).body).toEqual(before.body);
    // the principal it tried to add reads nothing of Contoso's
    const sneaked = await host.request(
      'GET',
      `subscriptions/${DEMO_SUBSCRIPTIONS.consumer}/resourceGroups`,
      undefined,
      { ...PARTNER_ADMIN, roles: ALL_APP_ROLES },
    );
    expect(sneaked.status).toBe(403);
  });

  it('lists no organization of another tenant', async () => {
    const list = await host.request('GET', 'manage/organizations', undefined, PARTNER_ADMIN);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
  });

  it("cannot pause Contoso's auto-roll (404, as a missing definition) and leaves it running", async () => {
    const definition = DEMO_IMAGES.ubuntu.replace(/^\//, '');
    const res = await host.request('PUT', `manage/autoroll/pauses/${definition}`, { paused: true }, PARTNER_ADMIN);
    expect(res.status).toBe(404);
    const rollout = await host.request(
      'GET',
      `${DEMO_IMAGES.ubuntu.slice(1).replace('/providers/Microsoft.Compute/galleries/', '/galleries/')}/rollout`,
    );
    expect(rollout.status).toBe(200);
    expect(rollout.body.paused).toBe(false);
  });

  it("may not run the deployment's reconcile", async () => {
    for (const method of ['GET', 'POST'])
      expect(
        (await host.request(method, 'manage/reconcile', method === 'POST' ? {} : undefined, PARTNER_ADMIN)).status,
      ).toBe(403);
  });
});

describe("an organization's administrator", () => {
  it('reads and changes its own organization: principals of its tenant, administrators, grants', async () => {
    expect((await host.request('GET', 'manage/organizations', undefined, FABRIKAM_ADMIN)).body.items).toEqual([
      expect.objectContaining({ id: 'fabrikam' }),
    ]);
    const doc = fabrikamDoc();
    const colleague = { tenantId: DEMO_TENANTS.partner, objectId: randomUUID() };
    doc.principals.push(colleague);
    const put = await host.request('PUT', 'manage/organizations/fabrikam', doc, FABRIKAM_ADMIN);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(
      (await host.request('GET', 'manage/organizations/fabrikam', undefined, FABRIKAM_ADMIN)).body.principals,
    ).toContainEqual(colleague);
    // removing it again is its business too
    expect((await host.request('PUT', 'manage/organizations/fabrikam', fabrikamDoc(), FABRIKAM_ADMIN)).status).toBe(
      200,
    );
  });

  it('may not add a subscription, a principal of another tenant, change the tenant, or delete the organization (403 naming each)', async () => {
    const cases: { edit: (d: ReturnType<typeof fabrikamDoc>) => void; field: string }[] = [
      {
        edit: (d) => d.subscriptions.push({ subscriptionId: randomUUID() }),
        field: 'body.subscriptions[1].subscriptionId',
      },
      {
        edit: (d) => d.principals.push({ tenantId: DEMO_TENANTS.contoso, objectId: randomUUID() }),
        field: 'body.principals[1].tenantId',
      },
      { edit: (d) => (d.tenantId = DEMO_TENANTS.contoso), field: 'body.tenantId' },
    ];
    for (const c of cases) {
      const doc = fabrikamDoc();
      c.edit(doc);
      const res = await host.request('PUT', 'manage/organizations/fabrikam', doc, FABRIKAM_ADMIN);
      expect(res.status, JSON.stringify(res.body)).toBe(403);
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(c.field);
    }
    expect((await host.request('DELETE', 'manage/organizations/fabrikam', undefined, FABRIKAM_ADMIN)).status).toBe(403);
    expect(
      (await host.request('GET', 'manage/organizations/fabrikam', undefined, OPERATOR)).body.subscriptions,
    ).toEqual(fabrikamDoc().subscriptions);
  });

  it("manages nothing of another organization's, and needs the Catalog.Admin role of its own directory", async () => {
    expect((await host.request('GET', 'manage/organizations/contoso', undefined, FABRIKAM_ADMIN)).status).toBe(404);
    expect(
      (
        await host.request(
          'PUT',
          `manage/autoroll/pauses/${DEMO_IMAGES.ubuntu.slice(1)}`,
          { paused: true },
          FABRIKAM_ADMIN,
        )
      ).status,
    ).toBe(404);
    const withoutRole = await host.request('GET', 'manage/organizations/fabrikam', undefined, {
      ...FABRIKAM_ADMIN,
      roles: [APP_ROLES.read],
    });
    expect(withoutRole.status).toBe(403);
    expect(withoutRole.body.requiredRole).toBe(APP_ROLES.admin);
  });

  it('an administrator of another tenant than its organization is refused for anyone (400)', async () => {
    const doc = fabrikamDoc();
    doc.principals.push({ tenantId: DEMO_TENANTS.contoso, objectId: randomUUID(), administrator: true });
    const res = await host.request('PUT', 'manage/organizations/fabrikam', doc, OPERATOR);
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[])[0]?.field).toBe('body.principals[1].administrator');
  });
});

describe('the operator (Catalog.Admin of the operator tenant)', () => {
  it('sees and manages every organization', async () => {
    const ids = (
      (await host.request('GET', 'manage/organizations', undefined, OPERATOR)).body.items as { id: string }[]
    ).map((o) => o.id);
    expect(ids).toEqual(expect.arrayContaining(['contoso', 'fabrikam']));
    expect(
      (await host.request('PUT', 'manage/organizations/contoso', demoOrganizations().contoso, OPERATOR)).status,
    ).toBe(200);
  });
});

describe('job ids belong to their organization', () => {
  // Contoso's jobs use the image of its publisher subscription; Fabrikam's name no image it sees (a failed job is still its own job).
  const pinnedFor = (account: string, jobId: string) =>
    envelope(
      'elastigroup-gallery-pinned',
      (b) => account === CONSUMER_ACCOUNT && (galleryImage(b).spotAccountId = PUBLISHER_ACCOUNT),
      { jobId, caller: { account } },
    );

  it('Fabrikam may use an id Contoso used: its own job, no 409, and each reads its own', async () => {
    const jobId = `shared-${randomUUID().slice(0, 8)}`;
    const contoso = await host.run(pinnedFor(CONSUMER_ACCOUNT, jobId));
    expect(contoso).toMatchObject({ jobId, account: CONSUMER_ACCOUNT, status: 'succeeded' });
    const submitted = await host.submit(pinnedFor(PARTNER_ACCOUNT, jobId), FABRIKAM_ADMIN);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect(submitted.body.duplicate).toBeUndefined();
    await host.jobsQueue.idle();
    expect(await host.job(jobId, FABRIKAM_ADMIN)).toMatchObject({ jobId, account: PARTNER_ACCOUNT });
    expect(await host.job(jobId)).toMatchObject({ jobId, account: CONSUMER_ACCOUNT, status: 'succeeded' });
  });

  it("never tells another organization's id apart from an unused one", async () => {
    const jobId = `contoso-only-${randomUUID().slice(0, 8)}`;
    await host.run(pinnedFor(CONSUMER_ACCOUNT, jobId));
    const theirs = await host.request('GET', `groups/jobs/${jobId}`, undefined, FABRIKAM_ADMIN);
    const unused = await host.request(
      'GET',
      `groups/jobs/unused-${randomUUID().slice(0, 8)}`,
      undefined,
      FABRIKAM_ADMIN,
    );
    expect(missing(theirs)).toEqual(missing(unused));
  });

  it('a job recorded before ids were scoped stays readable by its organization only, and its id stays taken there', async () => {
    const jobId = `legacy-${randomUUID().slice(0, 8)}`;
    const record = {
      jobId,
      status: 'succeeded',
      action: 'create',
      kind: 'statelessGroup',
      account: CONSUMER_ACCOUNT,
      subscriptionId: DEMO_SUBSCRIPTIONS.consumer,
      attempts: 1,
      errors: [],
      warnings: [],
    };
    // the old layout: the pointer keyed by the bare id, and the record in the account's partition
    await services().jobs.jobs.createEntity({
      partitionKey: jobId,
      rowKey: 'job',
      status: 'succeeded',
      subscriptionId: DEMO_SUBSCRIPTIONS.consumer,
      fingerprint: 'f'.repeat(64),
      ...packJson('record', record),
    });
    await services().jobs.groups.createEntity({
      partitionKey: encodeKeyPart(DEMO_SUBSCRIPTIONS.consumer),
      rowKey: `j|${jobId}`,
      status: 'succeeded',
      ...packJson('record', record),
    });
    expect(await host.job(jobId)).toMatchObject({ jobId, status: 'succeeded', account: CONSUMER_ACCOUNT });
    expect((await host.request('GET', `groups/jobs/${jobId}`, undefined, FABRIKAM_ADMIN)).status).toBe(404);
    // Contoso using the id again for another envelope: 409, as before; Fabrikam may use it
    expect((await host.submit(pinnedFor(CONSUMER_ACCOUNT, jobId))).status).toBe(409);
    expect((await host.submit(pinnedFor(PARTNER_ACCOUNT, jobId), FABRIKAM_ADMIN)).status).toBe(202);
    await host.jobsQueue.idle();
  });

  it('refuses the ids . and .. (a URL path normalises them away)', async () => {
    for (const jobId of ['.', '..']) {
      const res = await host.submit(pinnedFor(CONSUMER_ACCOUNT, jobId));
      expect(res.status).toBe(400);
      expect((res.body.errors as { pointer: string }[]).map((e) => e.pointer)).toContain('/jobId');
    }
    expect((await host.submit(pinnedFor(CONSUMER_ACCOUNT, `...${randomUUID().slice(0, 4)}`))).status).toBe(202);
    await host.jobsQueue.idle();
  });
});

describe('browsers cannot be used against their users', () => {
  it('answers 415 naming application/json to text/plain, form and multipart bodies on every mutating route', async () => {
    const routes = [...host.runtime.registry.functions.values()]
      .filter((r) => r.trigger.type === 'httpTrigger')
      .flatMap((r) =>
        ((r.trigger.methods as string[] | undefined) ?? [])
          .filter((m) => m !== 'GET')
          .map((method) => ({ method, route: String(r.trigger.route) })),
      );
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const fill = (route: string) =>
      route
        .replace('{*definitionId}', DEMO_IMAGES.ubuntu.slice(1))
        .replace('{organizationId}', 'contoso')
        .replace('{account}', CONSUMER_ACCOUNT)
        .replace('{kind}', 'statelessGroup')
        .replace('{name}', 'web');
    const bodies: [string, string][] = [
      ['text/plain', JSON.stringify({ paused: true })],
      ['application/x-www-form-urlencoded', 'paused=true'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="paused"\r\n\r\ntrue\r\n--x--\r\n',
      ],
    ];
    for (const { method, route } of routes) {
      for (const [type, body] of bodies) {
        const res = await fetch(`${host.url}/api/${fill(route)}`, {
          method,
          headers: {
            'content-type': type,
            'x-ms-client-principal': (await import('../../shared/access/principal.js')).principalHeader({
              ...DEMO_PRINCIPAL,
              roles: ALL_APP_ROLES,
            }),
          },
          body,
        });
        expect(res.status, `${method} ${route} ${type}`).toBe(415);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(((await res.json()) as { accepted: string[] }).accepted).toEqual(['application/json']);
      }
    }
    // the organization is untouched and nothing was paused
    expect((await host.request('GET', 'manage/organizations/contoso', undefined, OPERATOR)).status).toBe(200);
  });
});

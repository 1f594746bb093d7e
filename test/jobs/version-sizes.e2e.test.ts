import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import {
  startJobsHost,
  envelope,
  galleryImage,
  launchSpec,
  compute,
  CONSUMER_ACCOUNT,
  PUBLISHER_ACCOUNT,
  type JobsHost,
} from '../support/jobs-host.js';
import { DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { DEMO_PARTNER_PRINCIPAL, DEMO_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { APP_ROLES, type Principal } from '../../shared/access/principal.js';
import type { VersionSizes } from '../../shared/jobs/version-sizes.js';
import type { CallerAccounts } from '../../shared/access/caller-accounts.js';

// GET /api/me and GET .../versions/{version}/vmSizes over HTTP (local runtime, Azurite, ARM
// simulator with the demo organization): the caller's accounts within its own organization only;
// the sizes of an account it acts for, checked against a version it sees, agreeing with what a job
// on those sizes gets; the same answer for every account it does not act for.
let host: JobsHost;
const PUB = DEMO_SUBSCRIPTIONS.publisher;
const UBUNTU = `subscriptions/${PUB}/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/versions/1.9.0/vmSizes`;

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
}, 120_000);
afterAll(async () => {
  await host?.stop();
});

describe('GET /api/me', () => {
  it("answers the caller's organization and its accounts, those it acts for first; another organization's principal sees only its own", async () => {
    const me = await host.request('GET', 'me');
    expect(me.status).toBe(200);
    expect(me.body as unknown as CallerAccounts).toEqual({
      organization: 'contoso',
      displayName: 'Contoso',
      accounts: [
        { account: CONSUMER_ACCOUNT, subscriptionId: DEMO_SUBSCRIPTIONS.consumer, actsFor: true },
        { account: PUBLISHER_ACCOUNT, subscriptionId: PUB, actsFor: false },
      ],
    });
    const partner = await host.request('GET', 'me', undefined, DEMO_PARTNER_PRINCIPAL);
    expect(partner.body).toEqual({
      organization: 'fabrikam',
      displayName: 'Fabrikam',
      accounts: [{ account: 'act-9e8d7c6b', subscriptionId: DEMO_SUBSCRIPTIONS.otherOrg, actsFor: true }],
    });
    expect((await host.request('GET', 'me?x=1')).status).toBe(400);
  });
});

describe('GET .../versions/{version}/vmSizes', () => {
  it("answers the account's sizes in the region, checked for the image's security type, those that fit first", async () => {
    const res = await host.request('GET', `${UBUNTU}?region=West%20Europe&account=${CONSUMER_ACCOUNT}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const answer = res.body as unknown as VersionSizes;
    expect(answer).toMatchObject({ region: 'westeurope', account: CONSUMER_ACCOUNT, securityType: 'TrustedLaunch' });
    expect(answer.version).toMatch(/\/images\/ubuntu-2204-base\/versions\/1\.9\.0$/);
    expect(answer.sizes.filter((s) => s.fits).map((s) => s.name)).toEqual([
      'Standard_D2s_v5',
      'Standard_DC2as_v5',
      'Standard_E2bds_v5',
      'Standard_D4s_v5',
      'Standard_D64s_v5',
    ]);
    expect(answer.sizes.find((s) => s.name === 'Standard_A2_v2')?.errors.map((e) => e.code)).toEqual([
      'trusted-launch-unsupported',
      'hyperv-generation-unsupported',
    ]);
    // Standard VMs asked for: an image that creates only TrustedLaunch VMs refuses, naming what it can create.
    const standard = await host.request(
      'GET',
      `${UBUNTU}?region=westeurope&account=${CONSUMER_ACCOUNT}&securityType=Standard`,
    );
    expect(standard.status).toBe(400);
    expect(standard.body.errors).toEqual([
      { field: 'query.securityType', message: 'must be one the image can create: TrustedLaunch' },
    ]);
  });

  it('agrees with a job: a size said not to fit fails the job with the same code at its place; those that fit pass', async () => {
    const answer = (await host.request('GET', `${UBUNTU}?region=westeurope&account=${CONSUMER_ACCOUNT}`))
      .body as unknown as VersionSizes;
    const fit = answer.sizes.filter((s) => s.fits && s.warnings.length === 0).map((s) => s.name);
    const unfit = answer.sizes.find((s) => !s.fits)!;
    const job = (sizes: string[]) =>
      envelope('elastigroup-gallery-pinned', (b) => {
        Object.assign(galleryImage(b), {
          resourceGroupName: 'rg-images',
          galleryName: 'corpGallery',
          imageName: 'ubuntu-2204-base',
          version: '1.9.0',
          spotAccountId: PUBLISHER_ACCOUNT,
        });
        (b.group as Record<string, unknown>).region = 'westeurope';
        compute(b).vmSizes = { odSizes: sizes, spotSizes: sizes };
        launchSpec(b).security = { securityType: 'TrustedLaunch' };
      });
    expect(await host.run(job(fit))).toMatchObject({ status: 'succeeded', errors: [] });
    const failed = await host.run(job([unfit.name]));
    expect(failed.status).toBe('failed');
    const atSize = (failed.errors as { pointer: string; code: string }[])
      .filter((e) => e.pointer === '/body/group/compute/vmSizes/odSizes/0')
      .map((e) => e.code);
    expect(atSize).toEqual(unfit.errors.map((e) => e.code));
  });

  it('answers the same 400 for any account the caller does not act for, and 404 for a version it does not see', async () => {
    const notMine = { errors: [{ field: 'query.account', message: 'is not an account you act for' }] };
    // The organization's other account, another organization's, and one that does not exist.
    const answers: string[] = [];
    for (const account of [PUBLISHER_ACCOUNT, 'act-9e8d7c6b', 'act-00000000']) {
      const res = await host.request('GET', `${UBUNTU}?region=westeurope&account=${account}`);
      expect(res.status, account).toBe(400);
      expect(res.headers.get('content-type'), account).toMatch(/^application\/problem\+json/);
      expect(res.body, account).toMatchObject(notMine);
      answers.push(JSON.stringify(res.body));
    }
    // Nothing in the answer tells the other organization's account from one that does not exist.
    expect(new Set(answers).size).toBe(1);
    const missing = await host.request('GET', `${UBUNTU}?region=westeurope`);
    expect(missing.body.errors).toEqual([
      {
        field: 'query.account',
        message: 'is required (an account you act for: its Spot account id or subscription id)',
      },
    ]);
    // Fabrikam does not see the corporate gallery: its own account, a 404 like a missing version.
    const hidden = await host.request(
      'GET',
      `${UBUNTU}?region=westeurope&account=act-9e8d7c6b`,
      undefined,
      DEMO_PARTNER_PRINCIPAL,
    );
    const absent = await host.request(
      'GET',
      `${UBUNTU.replace('1.9.0', '9.9.9')}?region=westeurope&account=${CONSUMER_ACCOUNT}`,
      undefined,
      DEMO_PRINCIPAL,
    );
    expect([hidden.status, absent.status]).toEqual([404, 404]);
    expect(hidden.body.detail).toBe(absent.body.detail);
  });
});

describe('authentication and roles', () => {
  /** A principal of a tenant no organization knows. */
  const STRANGER: Principal = {
    tenantId: '0d0d0d0d-0000-4000-8000-00000000000d',
    objectId: '0e0e0e0e-0000-4000-8000-00000000000e',
    roles: [APP_ROLES.read],
  };
  const routes = ['me', `${UBUNTU}?region=westeurope&account=${CONSUMER_ACCOUNT}`];

  it('refuses a request without a principal (401), a principal without the read role and one of no organization (403), as problem details', async () => {
    for (const path of routes) {
      const anonymous = await fetch(`${host.url}/api/${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      expect(await anonymous.json(), path).toMatchObject({ status: 401 });
      const noRole = await host.request('GET', path, undefined, { ...DEMO_PRINCIPAL, roles: [] });
      expect([noRole.status, noRole.body.requiredRole], path).toEqual([403, APP_ROLES.read]);
      const stranger = await host.request('GET', path, undefined, STRANGER);
      expect(stranger.status, path).toBe(403);
      expect(JSON.stringify(stranger.body), path).not.toMatch(/contoso|fabrikam|act-/i);
    }
    // The read role is enough for both.
    const reader = { ...DEMO_PRINCIPAL, roles: [APP_ROLES.read] };
    expect((await host.request('GET', routes[0]!, undefined, reader)).status).toBe(200);
    expect((await host.request('GET', routes[1]!, undefined, reader)).status).toBe(200);
  });
});

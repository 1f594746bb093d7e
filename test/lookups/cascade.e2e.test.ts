import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import {
  seedDemoOrganization,
  DEMO_SUBSCRIPTIONS as S,
  DEMO_TENANTS as T,
  DEMO_GALLERIES,
  DEMO_IMAGES,
} from '../../dev/demo/demo-org.js';
import { DEMO_PRINCIPAL, DEMO_PARTNER_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { startLookupsHost, type LookupsHost } from '../support/lookups-host.js';

let host: LookupsHost;
const corp = `subscriptions/${S.publisher}/resourceGroups/rg-images/galleries/corpGallery`;

beforeAll(async () => {
  host = await startLookupsHost(inject('azuriteConnectionString'), DEMO_PRINCIPAL);
  seedDemoOrganization(host.sim);
  await host.putOrganization('contoso', {
    tenantId: T.contoso,
    subscriptions: [
      { subscriptionId: S.publisher, spotAccountId: 'act-1a2b3c4d' },
      { subscriptionId: S.consumer, spotAccountId: 'act-5c6d7e8f' },
    ],
    principals: [{ ...DEMO_PRINCIPAL, subscriptionIds: [S.consumer] }],
    grants: [{ scope: DEMO_GALLERIES.corp, subscriptionId: S.consumer }],
  });
  await host.putOrganization('fabrikam', {
    tenantId: T.partner,
    subscriptions: [{ subscriptionId: S.otherOrg }],
    principals: [DEMO_PARTNER_PRINCIPAL],
  });
  await host.indexAll();
});
afterAll(async () => {
  await host.stop();
});

const names = (body: Record<string, unknown>) => (body.items as { name: string }[]).map((i) => i.name);

describe('authentication', () => {
  it('answers 401 problem+json without a principal, 403 for a principal no organization knows', async () => {
    const anon = await host.get(`subscriptions/${S.consumer}/resourceGroups`, null);
    expect(anon.status).toBe(401);
    expect(anon.contentType).toBe('application/problem+json');
    expect(anon.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    const stranger = await host.get(`subscriptions/${S.consumer}/resourceGroups`, {
      tenantId: T.contoso,
      objectId: '00000000-0000-4000-8000-000000000001',
    });
    expect(stranger.status).toBe(403);
  });
});

describe('the console cascade', () => {
  it('lists resource groups, galleries, images and versions the caller sees', async () => {
    expect(names((await host.get(`subscriptions/${S.consumer}/resourceGroups`)).body)).toEqual(['rg-team']);
    // publisher subscription: corpGallery through the organization grant, publicGallery (community); partnerGallery is not shared with Contoso's consumer
    expect(names((await host.get(`subscriptions/${S.publisher}/resourceGroups`)).body)).toEqual([
      'rg-images',
      'rg-public',
    ]);
    const galleries = await host.get(`subscriptions/${S.publisher}/resourceGroups/RG-IMAGES/galleries`);
    expect(galleries.body.items).toMatchObject([{ name: 'corpGallery', visibleVia: 'gallery-grant' }]);
    expect((galleries.body.items as { sharing: Record<string, unknown> }[])[0]!.sharing).not.toHaveProperty(
      'subscriptionIds',
    );
    expect(names((await host.get(`${corp}/images`)).body)).toEqual([
      'mariner-arm64',
      'ubuntu-2204-base',
      'win2022-sql',
    ]);
    expect(names((await host.get(`${corp}/images?osType=linux&architecture=Arm64`)).body)).toEqual(['mariner-arm64']);
    const versions = await host.get(`${corp}/images/ubuntu-2204-base/versions?region=West%20Europe`);
    expect(versions.status).toBe(200);
    const byName = Object.fromEntries(
      (
        versions.body.items as { name: string; deployability: { deployable: boolean; reasons: { code: string }[] } }[]
      ).map((v) => [v.name, v.deployability]),
    );
    expect(Object.keys(byName)).toEqual(['2.0.0', '1.12.0', '1.11.0', '1.10.0', '1.9.0', '1.2.0']);
    expect(byName['1.12.0']).toMatchObject({ deployable: false });
    expect(byName['1.12.0']!.reasons.map((r) => r.code)).toContain('provisioning-failed');
    expect(byName['1.11.0']!.reasons.map((r) => r.code)).toEqual(['excluded-regional']);
  });

  it('resolves latest per region with the versions passed over and why', async () => {
    const we = await host.get(`${corp}/images/ubuntu-2204-base/versions/latest?region=westeurope`);
    expect(we.status).toBe(200);
    expect(we.body).toMatchObject({ region: 'westeurope' });
    expect(we.body.version).toBe('1.10.0');
    expect(
      (we.body.passedOver as { version: string; reasons: { code: string }[] }[]).map((p) => [
        p.version,
        p.reasons.map((r) => r.code),
      ]),
    ).toEqual([
      ['2.0.0', ['excluded-global']],
      ['1.12.0', ['provisioning-failed', 'replication-failed']],
      ['1.11.0', ['excluded-regional']],
    ]);
    const eus = await host.get(`${corp}/images/ubuntu-2204-base/versions/latest?region=eastus`);
    expect(eus.status).toBe(200);
    for (const r of [we.body, eus.body]) {
      expect(r.id).toBe(`${DEMO_IMAGES.ubuntu}/versions/${String(r.version)}`);
      for (const p of r.passedOver as { reasons: unknown[] }[]) expect(p.reasons.length).toBeGreaterThan(0);
    }
    // 1.11.0 is excluded in West Europe only; 1.10.0 still replicates to East US
    expect(eus.body.version).toBe('1.11.0');
    expect(
      (eus.body.passedOver as { version: string; reasons: { code: string }[] }[]).map((p) => [
        p.version,
        p.reasons.map((r) => r.code),
      ]),
    ).toEqual([
      ['2.0.0', ['excluded-global']],
      ['1.12.0', ['provisioning-failed', 'replication-failed']],
    ]);
    const none = await host.get(`${corp}/images/ubuntu-2204-base/versions/latest?region=japaneast`);
    expect(none.status).toBe(200);
    expect(none.body.version).toBeUndefined();
    expect(
      (none.body.passedOver as { reasons: { code: string }[] }[]).every((p) =>
        p.reasons.some((r) => r.code === 'not-targeted'),
      ),
    ).toBe(true);
  });

  it('matches names case-insensitively, like ARM', async () => {
    const a = await host.get(
      `subscriptions/${S.publisher.toUpperCase()}/resourcegroups/RG-images/galleries/CORPGALLERY/images/Ubuntu-2204-Base/versions/latest?region=WestEurope`,
    );
    const b = await host.get(`${corp}/images/ubuntu-2204-base/versions/latest?region=westeurope`);
    expect(a.status).toBe(200);
    expect(a.body.version).toBe(b.body.version);
  });

  it('hides what the caller may not see exactly like what does not exist', async () => {
    const hidden = await host.get(
      `subscriptions/${S.publisher}/resourceGroups/rg-images/galleries/partnerGallery/images`,
    );
    const missing = await host.get(
      `subscriptions/${S.publisher}/resourceGroups/rg-images/galleries/noSuchGallery/images`,
    );
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
    expect(strip(hidden.body)).toEqual(strip(missing.body));
    // The partner principal sees partnerGallery through the direct share to its tenant.
    const partner = await host.get(
      `subscriptions/${S.publisher}/resourceGroups/rg-images/galleries/partnerGallery/images`,
      DEMO_PARTNER_PRINCIPAL,
    );
    expect(partner.status).toBe(200);
    expect(names(partner.body)).toEqual(['ubuntu-2204-partner']);
  });
});

import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startLookupsHost, type LookupsHost } from '../support/lookups-host.js';
import type { Principal } from '../../shared/access/principal.js';

// Every combination of organization grant scope × resource level × same/other organization ×
// direct share (by subscription, by tenant, none) × community, through the HTTP API: exactly the
// resources the rules make visible answer, and nothing else leaks (lists, counts, search, 404s).
const TENANT_A = randomUUID();
const TENANT_B = randomUUID();
const A1 = randomUUID(); // the caller acts for this one only
const A2 = randomUUID(); // another subscription of the caller's organization
const B1 = randomUUID(); // another organization's subscription (tenant B)
const ME: Principal = { tenantId: TENANT_A, objectId: randomUUID() };

type GrantScope = 'none' | 'gallery' | 'image';
type Sharing = 'private' | 'groups-subscription' | 'groups-tenant' | 'community';
interface Case {
  n: number;
  org: 'same' | 'other';
  grant: GrantScope;
  sharing: Sharing;
  sub: string;
  rg: string;
}

const cases: Case[] = [];
for (const org of ['same', 'other'] as const)
  for (const grant of ['none', 'gallery', 'image'] as const)
    for (const sharing of ['private', 'groups-subscription', 'groups-tenant', 'community'] as const) {
      const n = cases.length;
      cases.push({ n, org, grant, sharing, sub: org === 'same' ? A2 : B1, rg: `rg-m${n}` });
    }

/** The rules, written independently of the implementation. */
function expected(c: Case, level: 'gallery' | 'image' | 'version'): boolean {
  if (c.org === 'same' && c.grant === 'gallery') return true;
  if (c.org === 'same' && c.grant === 'image' && level !== 'gallery') return true;
  return c.sharing !== 'private';
}

let host: LookupsHost;
const gid = (c: Case) => `/subscriptions/${c.sub}/resourceGroups/${c.rg}/providers/Microsoft.Compute/galleries/g${c.n}`;
const path = (c: Case) => `subscriptions/${c.sub}/resourceGroups/${c.rg}/galleries/g${c.n}`;

beforeAll(async () => {
  host = await startLookupsHost(inject('azuriteConnectionString'), ME);
  for (const c of cases) {
    const sharingProfile =
      c.sharing === 'private'
        ? { permissions: 'Private' }
        : c.sharing === 'community'
          ? {
              permissions: 'Community',
              communityGalleryInfo: {
                publicNamePrefix: 'pub',
                communityGalleryEnabled: true,
                publicNames: [`pub-${c.n}`],
              },
            }
          : {
              permissions: 'Groups',
              groups:
                c.sharing === 'groups-subscription'
                  ? [{ type: 'Subscriptions', ids: [A1] }]
                  : [{ type: 'AADTenants', ids: [TENANT_A] }],
            };
    host.sim.put({
      id: gid(c),
      location: 'westeurope',
      properties: { provisioningState: 'Succeeded', sharingProfile },
    });
    host.sim.put({
      id: `${gid(c)}/images/img`,
      location: 'westeurope',
      properties: {
        osType: 'Linux',
        osState: 'Generalized',
        identifier: { publisher: 'matrix', offer: 'o', sku: `s${c.n}` },
        provisioningState: 'Succeeded',
      },
    });
    host.sim.put({
      id: `${gid(c)}/images/img/versions/1.0.0`,
      location: 'westeurope',
      properties: {
        publishingProfile: { targetRegions: [{ name: 'West Europe', regionalReplicaCount: 1 }], replicaCount: 1 },
        replicationStatus: {
          aggregatedState: 'Completed',
          summary: [{ region: 'West Europe', state: 'Completed', progress: 100 }],
        },
        provisioningState: 'Succeeded',
      },
    });
  }
  const grantsOf = (org: 'same' | 'other') =>
    cases
      .filter((c) => c.org === org && c.grant !== 'none')
      .map((c) => ({ scope: c.grant === 'gallery' ? gid(c) : `${gid(c)}/images/img` }));
  await host.putOrganization('matrix-a', {
    tenantId: TENANT_A,
    subscriptions: [{ subscriptionId: A1 }, { subscriptionId: A2 }],
    principals: [{ ...ME, subscriptionIds: [A1] }],
    grants: grantsOf('same'),
  });
  // The other organization grants its own galleries to its own members: never to ours.
  await host.putOrganization('matrix-b', {
    tenantId: TENANT_B,
    subscriptions: [{ subscriptionId: B1 }],
    principals: [{ tenantId: TENANT_B, objectId: randomUUID() }],
    grants: grantsOf('other'),
  });
  await host.indexAll();
});
afterAll(async () => {
  await host.stop();
});

describe('sharing matrix through the HTTP API', () => {
  it(`gives exactly the visible set for all ${cases.length * 3} combinations`, async () => {
    const mismatches: string[] = [];
    for (const c of cases) {
      const label = `${c.org} org, grant ${c.grant}, ${c.sharing}`;
      const galleries = await host.get(`subscriptions/${c.sub}/resourceGroups/${c.rg}/galleries`);
      const galleryListed = (galleries.body.items as { name: string }[]).some((g) => g.name === `g${c.n}`);
      if (galleryListed !== expected(c, 'gallery')) mismatches.push(`gallery: ${label}: listed=${galleryListed}`);
      const image = await host.get(`${path(c)}/images/img`);
      if ((image.status === 200) !== expected(c, 'image')) mismatches.push(`image: ${label}: ${image.status}`);
      const latest = await host.get(`${path(c)}/images/img/versions/latest?region=westeurope`);
      if ((latest.status === 200) !== expected(c, 'version')) mismatches.push(`version: ${label}: ${latest.status}`);
      if (latest.status === 200) expect(latest.body.version).toBe('1.0.0');
    }
    expect(mismatches).toEqual([]);
  });

  it('lists, counts and search reveal nothing invisible', async () => {
    for (const sub of [A2, B1]) {
      const rgs = await host.get(`subscriptions/${sub}/resourceGroups?top=1000`);
      const listed = (rgs.body.items as { name: string; galleries: number }[]).map((r) => r.name).sort();
      const want = cases
        .filter((c) => c.sub === sub && expected(c, 'gallery'))
        .map((c) => c.rg)
        .sort();
      expect(listed).toEqual(want);
      for (const r of rgs.body.items as { galleries: number }[]) expect(r.galleries).toBe(1);
    }
    const search = await host.get('images?publisher=matrix&top=1000');
    const found = (search.body.items as { sku: string }[]).map((i) => i.sku).sort();
    expect(found).toEqual(
      cases
        .filter((c) => expected(c, 'image'))
        .map((c) => `s${c.n}`)
        .sort(),
    );
  });

  it('answers an invisible resource with the very 404 of a missing one', async () => {
    const invisible = cases.find((c) => !expected(c, 'version'))!;
    const a = await host.get(`${path(invisible)}/images/img/versions/latest?region=westeurope`);
    const b = await host.get(
      `subscriptions/${invisible.sub}/resourceGroups/${invisible.rg}/galleries/nothing/images/img/versions/latest?region=westeurope`,
    );
    expect(a.status).toBe(404);
    expect({ ...a.body, instance: undefined }).toEqual({ ...b.body, instance: undefined });
    const c = await host.get(`${path(invisible)}/images/img/versions?region=westeurope`);
    expect(c.status).toBe(404);
    expect(JSON.stringify(c.body)).not.toContain('1.0.0');
  });
});

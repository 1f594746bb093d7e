import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startLookupsHost, type LookupsHost } from '../support/lookups-host.js';
import type { Principal } from '../../shared/access/principal.js';

// Three subscriptions of one organization in one tenant, plus a partner tenant's gallery shared
// with that tenant: search finds images across all of them; every list pages with tokens bound to
// the caller and the query.
const TENANT_A = randomUUID();
const TENANT_B = randomUUID();
const SUBS = [randomUUID(), randomUUID(), randomUUID()];
const PARTNER_SUB = randomUUID();
const ME: Principal = { tenantId: TENANT_A, objectId: randomUUID() };
const OTHER: Principal = { tenantId: TENANT_B, objectId: randomUUID() };

let host: LookupsHost;

function gallery(sub: string, rg: string, name: string, sharing: Record<string, unknown> = { permissions: 'Private' }) {
  host.sim.put({
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/${name}`,
    location: 'westeurope',
    properties: { provisioningState: 'Succeeded', sharingProfile: sharing },
  });
}
function image(sub: string, rg: string, g: string, name: string, publisher: string, osType = 'Linux') {
  host.sim.put({
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/${g}/images/${name}`,
    location: 'westeurope',
    properties: {
      osType,
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      identifier: { publisher, offer: 'Base', sku: name },
      provisioningState: 'Succeeded',
    },
  });
}
function version(imageId: string, name: string, regions: string[]) {
  host.sim.put({
    id: `${imageId}/versions/${name}`,
    location: 'westeurope',
    properties: {
      publishingProfile: { targetRegions: regions.map((r) => ({ name: r, regionalReplicaCount: 1 })), replicaCount: 1 },
      storageProfile: { osDiskImage: { sizeInGB: 30 } },
      replicationStatus: {
        aggregatedState: 'Completed',
        summary: regions.map((r) => ({ region: r, state: 'Completed', progress: 100 })),
      },
      provisioningState: 'Succeeded',
    },
  });
}

beforeAll(async () => {
  host = await startLookupsHost(inject('azuriteConnectionString'), ME);
  for (const [i, sub] of SUBS.entries()) {
    for (let g = 0; g < 2; g++) {
      gallery(sub, `rg-${i}`, `gal${g}`);
      for (let k = 0; k < 2; k++)
        image(sub, `rg-${i}`, `gal${g}`, `img-${g}-${k}`, k === 0 ? 'Contoso' : 'Other', k === 0 ? 'Linux' : 'Windows');
    }
  }
  // 12 rgs in the first subscription, for paging the resource groups
  for (let r = 0; r < 12; r++) gallery(SUBS[0]!, `rg-page-${String(r).padStart(2, '0')}`, 'g');
  gallery(PARTNER_SUB, 'rg-partner', 'shared', {
    permissions: 'Groups',
    groups: [{ type: 'AADTenants', ids: [TENANT_A] }],
  });
  image(PARTNER_SUB, 'rg-partner', 'shared', 'partner-img', 'Contoso');
  const img = `/subscriptions/${SUBS[1]}/resourceGroups/rg-1/providers/Microsoft.Compute/galleries/gal0/images/img-0-0`;
  for (let v = 0; v < 7; v++) version(img, `1.${v}.0`, v % 2 === 0 ? ['West Europe', 'East US'] : ['East US']);
  await host.putOrganization('org-a', {
    tenantId: TENANT_A,
    subscriptions: SUBS.map((s) => ({ subscriptionId: s })),
    principals: [ME],
  });
  await host.putOrganization('org-b', {
    tenantId: TENANT_B,
    subscriptions: [{ subscriptionId: PARTNER_SUB }],
    principals: [OTHER],
  });
  await host.indexAll();
});
afterAll(async () => {
  await host.stop();
});

async function allPages(
  path: string,
  top: number,
  principal: Principal = ME,
): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await host.get(`${path}${sep}top=${top}${token ? `&continuationToken=${token}` : ''}`, principal);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...(res.body.items as Record<string, unknown>[]));
    token = res.body.continuationToken as string | undefined;
    pages++;
  } while (token && pages < 100);
  return { items, pages };
}

describe('search', () => {
  it('finds images across three subscriptions and two tenants', async () => {
    const { items } = await allPages('images?publisher=contoso', 100);
    const ids = items.map((i) => String(i.id));
    expect(ids).toHaveLength(7); // 3 subscriptions × 2 galleries × 1 Contoso image + the partner tenant's shared one
    expect(new Set(items.map((i) => i.subscriptionId))).toEqual(new Set([...SUBS, PARTNER_SUB]));
    expect(items.find((i) => i.subscriptionId === PARTNER_SUB)).toMatchObject({ visibleVia: 'direct-share-tenant' });
    const windows = await allPages('images?osType=Windows', 100);
    expect(windows.items).toHaveLength(6);
    const inWestEurope = await allPages('images?region=westeurope', 100);
    expect(inWestEurope.items.map((i) => i.name)).toEqual(['img-0-0']);
    // the other tenant's caller sees only its own gallery
    expect((await allPages('images', 100, OTHER)).items.map((i) => i.name)).toEqual(['partner-img']);
  });

  it('pages search results with tokens', async () => {
    const all = await allPages('images', 100);
    const paged = await allPages('images', 3);
    expect(paged.pages).toBeGreaterThanOrEqual(3);
    expect(paged.items.map((i) => i.id)).toEqual(all.items.map((i) => i.id));
  });
});

describe('paging', () => {
  it('pages resource groups, galleries and versions over three pages or more, without loss or repetition', async () => {
    const rgs = await allPages(`subscriptions/${SUBS[0]}/resourceGroups`, 4);
    expect(rgs.pages).toBeGreaterThanOrEqual(3);
    expect(rgs.items).toHaveLength(13);
    expect(new Set(rgs.items.map((r) => r.name)).size).toBe(13);
    const versions = await allPages(
      `subscriptions/${SUBS[1]}/resourceGroups/rg-1/galleries/gal0/images/img-0-0/versions?region=westeurope`,
      2,
    );
    expect(versions.pages).toBeGreaterThanOrEqual(3);
    expect(versions.items.map((v) => v.name)).toEqual(['1.6.0', '1.5.0', '1.4.0', '1.3.0', '1.2.0', '1.1.0', '1.0.0']);
  });

  it('refuses a token of another query or another caller, and forged tokens', async () => {
    const first = await host.get(`subscriptions/${SUBS[0]}/resourceGroups?top=2`);
    const token = first.body.continuationToken as string;
    expect(token).toBeTruthy();
    const otherQuery = await host.get(`subscriptions/${SUBS[1]}/resourceGroups?top=2&continuationToken=${token}`);
    expect(otherQuery.status).toBe(400);
    expect(otherQuery.body.errors).toEqual([
      { field: 'query.continuationToken', message: 'is not a continuation token of this query' },
    ]);
    const otherCaller = await host.get(
      `subscriptions/${SUBS[0]}/resourceGroups?top=2&continuationToken=${token}`,
      OTHER,
    );
    expect(otherCaller.status).toBe(400);
    const forged = Buffer.from(JSON.stringify({ v: 1, b: 'x', a: 'rg-0' })).toString('base64url');
    for (const t of [forged, 'not-base64!', 'A'.repeat(3000), Buffer.from('{"v":1}').toString('base64url')]) {
      const res = await host.get(`subscriptions/${SUBS[0]}/resourceGroups?continuationToken=${encodeURIComponent(t)}`);
      expect(res.status, t.slice(0, 20)).toBe(400);
      expect(res.contentType).toBe('application/problem+json');
    }
  });
});

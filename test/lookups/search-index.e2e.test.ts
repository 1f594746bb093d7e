import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startLookupsHost, type LookupsHost } from '../support/lookups-host.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import type { Principal } from '../../shared/access/principal.js';
import { TableStore } from '../../shared/storage/tables.js';
import type { CatalogStore } from '../../shared/catalog/store.js';
import { CatalogLookups, type SearchFilters } from '../../shared/lookups/lookups.js';
import { OrganizationDirectory } from '../../shared/access/directory.js';
import type { Caller } from '../../shared/domain/visibility.js';
import { searchSortKey } from '../../shared/domain/search.js';
import type { ImageDefinitionRecord } from '../../shared/domain/records.js';
import { catalogStore } from '../support/catalog-fixtures.js';
import { waitForRun } from '../../shared/reconcile/runs.js';

// The search index answers like a walk of the whole catalog (the reference below), filters the
// security type by family, follows versions gaining and losing "latest" in a region, and is
// filled from the catalog rows that existed before it (the backfill).
const TENANT = randomUUID();
const SUB = randomUUID();
const OTHER_SUB = randomUUID();
const ME: Principal = { tenantId: TENANT, objectId: randomUUID() };
const CALLER: Caller = { organizationId: 'org-search', tenantId: TENANT, subscriptionIds: [SUB] };

const SECURITY: [string, string | undefined][] = [
  ['none', undefined],
  ['standard', 'Standard'],
  ['tl', 'TrustedLaunch'],
  ['tls', 'TrustedLaunchSupported'],
  ['cvm', 'ConfidentialVM'],
  ['cvms', 'ConfidentialVMSupported'],
  ['both', 'TrustedLaunchAndConfidentialVmSupported'],
];

let host: LookupsHost;
const gid = (sub: string, rg: string, g: string) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/${g}`;

function image(galleryId: string, name: string, securityType: string | undefined, osType = 'Linux') {
  host.sim.put({
    id: `${galleryId}/images/${name}`,
    location: 'westeurope',
    properties: {
      osType,
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      identifier: { publisher: 'Contoso', offer: name.startsWith('w') ? 'Windows' : 'Base', sku: name },
      ...(securityType ? { features: [{ name: 'SecurityType', value: securityType }] } : {}),
      provisioningState: 'Succeeded',
    },
  });
}
function version(imageId: string, name: string, region: string, state: 'Completed' | 'Replicating' = 'Completed') {
  host.sim.put({
    id: `${imageId}/versions/${name}`,
    location: 'westeurope',
    properties: {
      publishingProfile: { targetRegions: [{ name: region, regionalReplicaCount: 1 }], replicaCount: 1 },
      storageProfile: { osDiskImage: { sizeInGB: 30 } },
      replicationStatus: {
        aggregatedState: state === 'Completed' ? 'Completed' : 'InProgress',
        summary: [{ region, state, progress: state === 'Completed' ? 100 : 50 }],
      },
      provisioningState: 'Succeeded',
    },
  });
}

function freshStore(): CatalogStore {
  return catalogStore(
    new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') }),
    host.tablePrefix,
  );
}

/**
 * The security filter as documented (shared/domain/search.ts, from "Store and share images in an
 * Azure Compute Gallery", SecurityType): a family finds the SecurityTypes that can create its VMs;
 * any other value is one SecurityType (absent is Standard), ignoring case.
 */
const FAMILIES: Record<string, string[]> = {
  trustedlaunch: ['trustedlaunch', 'trustedlaunchsupported', 'trustedlaunchandconfidentialvmsupported'],
  confidentialvm: ['confidentialvm', 'confidentialvmsupported', 'trustedlaunchandconfidentialvmsupported'],
  standard: [
    '',
    'standard',
    'trustedlaunchsupported',
    'confidentialvmsupported',
    'trustedlaunchandconfidentialvmsupported',
  ],
};

/** Whether a definition matches every filter but the region: written here, not with the production matcher. */
function referenceMatch(i: ImageDefinitionRecord, f: SearchFilters): boolean {
  const same = (a: string, b: string | undefined) => b === undefined || a.toLowerCase() === b.toLowerCase();
  if (!same(i.publisher, f.publisher) || !same(i.offer, f.offer) || !same(i.sku, f.sku) || !same(i.osType, f.osType))
    return false;
  if (
    !same(i.osState, f.osState) ||
    !same(i.architecture, f.architecture) ||
    !same(i.hyperVGeneration, f.hyperVGeneration)
  )
    return false;
  if (f.securityType === undefined) return true;
  const wanted = f.securityType.toLowerCase();
  const has = (i.features.securityType ?? '').toLowerCase();
  const family = FAMILIES[wanted];
  return family ? family.includes(has) : (has || 'standard') === wanted;
}

/** The walk the search index replaces: every gallery the caller sees, every definition in it, the region from the versions. */
async function referenceScan(store: CatalogStore, filters: SearchFilters): Promise<string[]> {
  const out: string[] = [];
  for (const g of await store.listGalleries(SUB)) {
    for (const i of await store.listImages(g.ref)) {
      if (!referenceMatch(i, filters)) continue;
      if (filters.region !== undefined && !(await store.hasLatestIn(i.ref, filters.region))) continue;
      out.push(i.id.toLowerCase());
    }
  }
  return out.sort();
}

async function searchIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const res = await host.get(`images?${query}${query ? '&' : ''}top=2${token ? `&continuationToken=${token}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...(res.body.items as { id: string }[]).map((i) => i.id.toLowerCase()));
    token = res.body.continuationToken as string | undefined;
  } while (token);
  return ids;
}

beforeAll(async () => {
  host = await startLookupsHost(inject('azuriteConnectionString'), ME);
  for (const rg of ['rg-a', 'rg-a-b', 'rg-a.b'])
    host.sim.put({ id: gid(SUB, rg, 'g'), location: 'westeurope', properties: { provisioningState: 'Succeeded' } });
  for (const [name, sec] of SECURITY) image(gid(SUB, 'rg-a', 'g'), name, sec);
  image(gid(SUB, 'rg-a-b', 'g'), 'win', undefined, 'Windows');
  image(gid(SUB, 'rg-a.b', 'g'), 'w2', 'TrustedLaunch', 'Windows');
  version(`${gid(SUB, 'rg-a', 'g')}/images/tl`, '1.0.0', 'West Europe');
  version(`${gid(SUB, 'rg-a', 'g')}/images/tls`, '1.0.0', 'West Europe', 'Replicating');
  version(`${gid(SUB, 'rg-a-b', 'g')}/images/win`, '1.0.0', 'East US');
  // a subscription the caller does not act for: never found
  host.sim.put({
    id: gid(OTHER_SUB, 'rg-a', 'g'),
    location: 'westeurope',
    properties: { provisioningState: 'Succeeded' },
  });
  image(gid(OTHER_SUB, 'rg-a', 'g'), 'tl', 'TrustedLaunch');
  await host.putOrganization('org-search', {
    tenantId: TENANT,
    subscriptions: [{ subscriptionId: SUB }],
    principals: [ME],
  });
  await host.indexAll();
});
afterAll(async () => {
  await host.stop();
});

const QUERIES: [string, SearchFilters][] = [
  ['', {}],
  ['publisher=CONTOSO', { publisher: 'CONTOSO' }],
  ['offer=windows', { offer: 'windows' }],
  ['sku=tl', { sku: 'tl' }],
  ['osType=Windows', { osType: 'Windows' }],
  ['securityType=TrustedLaunch', { securityType: 'TrustedLaunch' }],
  ['securityType=ConfidentialVM', { securityType: 'ConfidentialVM' }],
  ['securityType=Standard', { securityType: 'Standard' }],
  ['securityType=TrustedLaunchSupported', { securityType: 'TrustedLaunchSupported' }],
  ['securityType=TrustedLaunch&osType=Windows', { securityType: 'TrustedLaunch', osType: 'Windows' }],
  ['region=westeurope', { region: 'westeurope' }],
  ['region=eastus&osType=windows', { region: 'eastus', osType: 'windows' }],
  ['region=northeurope', { region: 'northeurope' }],
];

describe('search index', () => {
  it.each(QUERIES)('%s answers like the walk of the catalog, in id order, over pages of 2', async (query, filters) => {
    const expected = await referenceScan(freshStore(), filters);
    expect(await searchIds(query)).toEqual(expected);
  });

  it('filters the security type by family (learn.microsoft.com image definition features table)', async () => {
    const names = async (q: string) => (await searchIds(q)).map((id) => id.split('/').pop()).sort();
    expect(await names('securityType=TrustedLaunch')).toEqual(['both', 'tl', 'tls', 'w2']);
    expect(await names('securityType=confidentialvm')).toEqual(['both', 'cvm', 'cvms']);
    expect(await names('securityType=Standard')).toEqual(['both', 'cvms', 'none', 'standard', 'tls', 'win']);
    expect(await names('securityType=TrustedLaunchAndConfidentialVmSupported')).toEqual(['both']);
  });

  it('follows versions gaining and losing latest in a region', async () => {
    const tls = `${gid(SUB, 'rg-a', 'g')}/images/tls`;
    const tl = `${gid(SUB, 'rg-a', 'g')}/images/tl`;
    expect((await searchIds('region=westeurope')).map((id) => id.split('/').pop())).toEqual(['tl']);
    // tls finishes replicating: gained
    version(tls, '1.0.0', 'West Europe');
    expect((await postEvents(host.url, [armEvent(`${tls}/versions/1.0.0`, 'Write')])).status).toBe(202);
    expect((await searchIds('region=westeurope')).map((id) => id.split('/').pop())).toEqual(['tl', 'tls']);
    // tl's only version is deleted: lost (the index row is cleared after a check of the versions)
    host.sim.delete(`${tl}/versions/1.0.0`);
    expect((await postEvents(host.url, [armEvent(`${tl}/versions/1.0.0`, 'Delete')])).status).toBe(202);
    expect((await searchIds('region=westeurope')).map((id) => id.split('/').pop())).toEqual(['tls']);
    const store = freshStore();
    const row = await store.search.table.getEntity<Record<string, unknown>>(
      encodeURIComponent(SUB),
      searchSortKey({ subscriptionId: SUB, resourceGroup: 'rg-a', gallery: 'g', image: 'tl' }),
    );
    expect(row.L_westeurope).toBe(false);
    expect(await searchIds('region=westeurope')).toEqual(await referenceScan(store, { region: 'westeurope' }));
  });

  it('the reconcile repairs regions a race between instances could leave wrong', async () => {
    const store = freshStore();
    const pk = encodeURIComponent(SUB);
    const rk = (image: string) => searchSortKey({ subscriptionId: SUB, resourceGroup: 'rg-a', gallery: 'g', image });
    const before = await searchIds('region=westeurope');
    // a lost set (tls has a latest in West Europe) and a stale one (none has a latest in North Europe)
    await store.search.table.updateEntity(
      { partitionKey: pk, rowKey: rk('tls'), L_westeurope: false, L_northeurope: true },
      'Merge',
    );
    expect(await searchIds('region=westeurope')).not.toEqual(before);
    const { services } = await import('../../shared/services.js');
    // a reconcile run of the subscription, as POST /api/manage/reconcile starts one: its units through the queue
    const previousRun = (await services().reconcileProgress.read())?.runId;
    await services().reconcileRuns.start([SUB]);
    await waitForRun(() => services().reconcileProgress.read(), previousRun, { pollMs: 25, timeoutMs: 30_000 });
    await host.unitsQueue.idle();
    expect(await searchIds('region=westeurope')).toEqual(before);
    const row = await store.search.table.getEntity<Record<string, unknown>>(pk, rk('tls'));
    expect(row.L_northeurope).toBe(false);
  });

  it('a deleted definition and a deleted gallery leave the results', async () => {
    host.sim.delete(`${gid(SUB, 'rg-a', 'g')}/images/cvm`);
    host.sim.delete(gid(SUB, 'rg-a.b', 'g'));
    expect(
      (
        await postEvents(host.url, [
          armEvent(`${gid(SUB, 'rg-a', 'g')}/images/cvm`, 'Delete'),
          armEvent(gid(SUB, 'rg-a.b', 'g'), 'Delete'),
        ])
      ).status,
    ).toBe(202);
    const names = (await searchIds('')).map((id) => id.split('/').pop());
    expect(names).not.toContain('cvm');
    expect(names).not.toContain('w2');
    expect(await searchIds('')).toEqual(await referenceScan(freshStore(), {}));
  });

  it('backfills the rows written before the index existed, once', async () => {
    const before = await searchIds('');
    const beforeWe = await searchIds('region=westeurope');
    // the catalog as an older release left it: no search rows, no backfill marker
    const store = freshStore();
    for await (const e of store.search.table.listEntities())
      await store.search.table.deleteEntity(e.partitionKey ?? '', e.rowKey ?? '');
    const lookups = new CatalogLookups(store, new OrganizationDirectory(store.tables, host.tablePrefix));
    const page = { top: 100, binding: 'b' };
    const ids = async (filters: SearchFilters) =>
      (await lookups.search(CALLER, filters, page)).items.map((i) => i.id.toLowerCase());
    expect(await ids({})).toEqual(before);
    expect(await ids({ region: 'westeurope' })).toEqual(beforeWe);
    const marker = await store.search.table.getEntity('~meta', 'backfill-v1');
    expect(marker.at).toBeTypeOf('string');
    // a second process finds the marker and does not backfill again
    const again = freshStore();
    const reads = again.tables.roundTrips;
    await again.search.ready();
    expect(again.tables.roundTrips - reads).toBe(2); // create table + the marker
  });

  it('answers a region like the walk while versions gain and lose it one region at a time (no re-check per result)', async () => {
    const multi = `${gid(SUB, 'rg-a-b', 'g')}/images/multi`;
    image(gid(SUB, 'rg-a-b', 'g'), 'multi', 'ConfidentialVM');
    // TargetRegion.excludeFromLatest per region (azure-rest-api-specs, compute GalleryImageVersion)
    const put = (name: string, regions: [string, boolean][]) =>
      host.sim.put({
        id: `${multi}/versions/${name}`,
        location: 'westeurope',
        properties: {
          publishingProfile: {
            targetRegions: regions.map(([region, excludeFromLatest]) => ({
              name: region,
              regionalReplicaCount: 1,
              excludeFromLatest,
            })),
            replicaCount: 1,
          },
          storageProfile: { osDiskImage: { sizeInGB: 30 } },
          replicationStatus: {
            aggregatedState: 'Completed',
            summary: regions.map(([region]) => ({ region, state: 'Completed', progress: 100 })),
          },
          provisioningState: 'Succeeded',
        },
      });
    const post = async (...names: string[]) =>
      expect(
        (
          await postEvents(host.url, [
            armEvent(multi, 'Write'),
            ...names.map((n) => armEvent(`${multi}/versions/${n}`, 'Write')),
          ])
        ).status,
      ).toBe(202);
    const regions = ['westeurope', 'eastus', 'northeurope'];
    const withMulti = async () =>
      Object.fromEntries(
        await Promise.all(
          regions.map(async (r) => [r, (await searchIds(`region=${r}`)).some((id) => id.endsWith('/multi'))] as const),
        ),
      );
    const sameAsWalk = async () => {
      for (const region of regions)
        expect(await searchIds(`region=${region}`), region).toEqual(await referenceScan(freshStore(), { region }));
    };
    put('1.0.0', [
      ['West Europe', false],
      ['East US', false],
    ]);
    put('1.1.0', [
      ['East US', false],
      ['North Europe', false],
    ]);
    await post('1.0.0', '1.1.0');
    expect(await withMulti()).toEqual({ westeurope: true, eastus: true, northeurope: true });
    await sameAsWalk();
    // 1.1.0 leaves East US's latest: 1.0.0 still holds it there; North Europe is lost
    put('1.1.0', [
      ['East US', true],
      ['North Europe', true],
    ]);
    await post('1.1.0');
    expect(await withMulti()).toEqual({ westeurope: true, eastus: true, northeurope: false });
    await sameAsWalk();
    // 1.0.0 leaves East US too: no version holds it
    put('1.0.0', [
      ['West Europe', false],
      ['East US', true],
    ]);
    await post('1.0.0');
    expect(await withMulti()).toEqual({ westeurope: true, eastus: false, northeurope: false });
    await sameAsWalk();
  });
});

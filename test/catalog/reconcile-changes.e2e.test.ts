import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { ArmSimulator, type RestResource } from '../../dev/arm-simulator.js';
import { reconcileNow, startApp, type AppHost } from '../support/app-host.js';
import { describeRun } from '../../shared/domain/reconcile-run.js';
import { services } from '../../shared/services.js';
import { parseResourceId, type GalleryRef, type ImageRef, type VersionRef } from '../../shared/domain/ids.js';
import { imageKey, versionRowKey } from '../../shared/catalog/keys.js';
import { armEvent, expectCatalogEqualsArm, postEvents } from '../support/catalog-fixtures.js';

// Lost events for every change ARM allows on an existing resource are repaired by the reconcile
// (POST /admin/functions/reconcileCatalog), and an unchanged catalog costs no version GET.
const SUB = '3a1f5c2e-7b4d-4e6f-9a8b-0c1d2e3f4a5b';
const OTHER_SUB = '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a';
const RG = `/subscriptions/${SUB}/resourceGroups/rg-rc/providers/Microsoft.Compute/galleries`;
const PRIVATE = `${RG}/rcGallery`;
const GROUPS = `${RG}/rcShared`;
const COMMUNITY = `${RG}/rcCommunity`;
const IMAGE = `${PRIVATE}/images/base`;
const VERSIONS = 110;
const vid = (n: number): string => `${IMAGE}/versions/1.${n}.0`;

function versionBody(n: number, pp: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): RestResource {
  return {
    id: vid(n),
    location: 'westeurope',
    tags: {},
    properties: {
      publishingProfile: {
        // No regional excludeFromLatest given: the simulator echoes false, as ARM does.
        targetRegions: [
          { name: 'West Europe', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' },
          { name: 'East US', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' },
        ],
        replicaCount: 1,
        excludeFromLatest: false,
        publishedDate: '2026-10-01T08:00:00Z',
        storageAccountType: 'Standard_LRS',
        ...pp,
      },
      storageProfile: {
        source: {
          virtualMachineId: `/subscriptions/${SUB}/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/vm`,
        },
        osDiskImage: { sizeInGB: 30 },
      },
      safetyProfile: {
        allowDeletionOfReplicatedLocations: false,
        reportedForPolicyViolation: false,
        blockDeletionBeforeEndOfLife: false,
      },
      replicationStatus: {
        aggregatedState: 'Completed',
        summary: [
          { region: 'West Europe', state: 'Completed', progress: 100 },
          { region: 'East US', state: 'Completed', progress: 100 },
          { region: 'North Europe', state: 'Completed', progress: 100 },
        ],
      },
      provisioningState: 'Succeeded',
      ...extra,
    },
  };
}

function imageBody(props: Record<string, unknown> = {}): RestResource {
  return {
    id: IMAGE,
    location: 'westeurope',
    properties: {
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      identifier: { publisher: 'Contoso', offer: 'Base', sku: 'rc' },
      description: 'base image',
      recommended: { vCPUs: { min: 2, max: 8 }, memory: { min: 4, max: 32 } },
      releaseNoteUri: 'https://example.org/notes/1',
      provisioningState: 'Succeeded',
      ...props,
    },
  };
}

function groupsGallery(subscriptions: string[]): RestResource {
  return {
    id: GROUPS,
    location: 'westeurope',
    properties: {
      provisioningState: 'Succeeded',
      sharingProfile: { permissions: 'Groups', groups: [{ type: 'Subscriptions', ids: subscriptions }] },
    },
  };
}

function communityGallery(enabled: boolean): RestResource {
  return {
    id: COMMUNITY,
    location: 'westeurope',
    properties: {
      provisioningState: 'Succeeded',
      sharingProfile: {
        permissions: 'Community',
        communityGalleryInfo: {
          publisherUri: 'https://example.org',
          publisherContact: 'a@example.org',
          eula: 'eula',
          publicNamePrefix: 'rc',
          communityGalleryEnabled: enabled,
        },
      },
    },
  };
}

let sim: ArmSimulator;
let host: AppHost;

beforeAll(async () => {
  sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  sim.put({
    id: PRIVATE,
    location: 'westeurope',
    properties: { provisioningState: 'Succeeded', description: 'private' },
  });
  sim.put(groupsGallery([OTHER_SUB]));
  sim.put(communityGallery(true));
  sim.put(imageBody());
  for (let n = 0; n < VERSIONS; n++) sim.put(versionBody(n));
  host = await startApp({
    CatalogStorage: inject('azuriteConnectionString'),
    ARM_ENDPOINT: endpoint,
    ARM_CREDENTIAL: 'local',
    ARM_SUBSCRIPTION_IDS: SUB,
    RECONCILE_SCHEDULE: '0 0 0 1 1 *',
    RECHECK_SCHEDULE: '0 0 0 1 1 *',
  });
  await reconcile();
}, 60_000);
afterAll(async () => {
  await host.stop();
  await sim.stop();
});

/** Runs the reconcile through the admin endpoint, waits for its run to finish and returns its summary line. */
async function reconcile(): Promise<string> {
  host.logs.length = 0;
  const line = describeRun(await reconcileNow(host));
  expect(line).toMatch(/^reconcile: 1 subscriptions.*: succeeded$/);
  return line;
}

/** GETs of single resources since the last counter reset, by level. */
function gets(): { versions: number; images: number; galleries: string[] } {
  const paths = sim.requests.filter((r) => r.kind === 'get').map((r) => r.path.toLowerCase());
  return {
    versions: paths.filter((p) => /\/versions\/[^/]+$/.test(p)).length,
    images: paths.filter((p) => /\/images\/[^/]+$/.test(p)).length,
    galleries: paths.filter((p) => /\/galleries\/[^/]+$/.test(p)).map((p) => p.split('/').pop() ?? ''),
  };
}

async function storedVersion(n: number) {
  return (await services().catalog.getVersion(parseResourceId(vid(n)) as VersionRef))?.record;
}

describe('reconcile change detection', () => {
  it(`an unchanged catalog of ${VERSIONS} versions costs 0 version GETs (counted on the simulator)`, async () => {
    sim.resetCounters();
    const line = await reconcile();
    const g = gets();
    expect(g.versions).toBe(0);
    expect(g.images).toBe(0);
    // Shared galleries are re-read (the list does not say with whom); the private one is not.
    expect(g.galleries.sort()).toEqual(['rccommunity', 'rcshared']);
    expect(line).toContain(`${VERSIONS} versions (0 re-read`);
    await expectCatalogEqualsArm(sim, services().catalog, [SUB]);
  });

  const versionCases: [
    string,
    () => RestResource,
    (r: NonNullable<Awaited<ReturnType<typeof storedVersion>>>) => void,
  ][] = [
    [
      'global excludeFromLatest',
      () => versionBody(1, { excludeFromLatest: true }),
      (r) => expect(r.excludeFromLatest).toBe(true),
    ],
    [
      'regional excludeFromLatest',
      () =>
        versionBody(2, {
          targetRegions: [
            {
              name: 'West Europe',
              regionalReplicaCount: 2,
              storageAccountType: 'Standard_ZRS',
              excludeFromLatest: true,
            },
            { name: 'East US', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' },
          ],
        }),
      (r) => expect(r.targetRegions.find((t) => t.region === 'westeurope')?.excludeFromLatest).toBe(true),
    ],
    [
      'endOfLifeDate',
      () => versionBody(3, { endOfLifeDate: '2027-01-01T00:00:00Z' }),
      (r) => expect(r.endOfLifeDate).toBe('2027-01-01T00:00:00.000Z'),
    ],
    [
      'a target region added',
      () =>
        versionBody(4, {
          targetRegions: [
            { name: 'West Europe', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' },
            { name: 'East US', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' },
            { name: 'North Europe', regionalReplicaCount: 1 },
          ],
        }),
      (r) => expect(r.targetRegions.map((t) => t.region)).toContain('northeurope'),
    ],
    [
      'a regional replica count',
      () =>
        versionBody(5, {
          targetRegions: [
            { name: 'West Europe', regionalReplicaCount: 7, storageAccountType: 'Standard_ZRS' },
            { name: 'East US', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' },
          ],
        }),
      (r) => expect(r.targetRegions.find((t) => t.region === 'westeurope')?.replicaCount).toBe(7),
    ],
    [
      'a regional storage account type',
      () =>
        versionBody(6, {
          targetRegions: [
            { name: 'West Europe', regionalReplicaCount: 2, storageAccountType: 'Premium_LRS' },
            { name: 'East US', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' },
          ],
        }),
      (r) => expect(r.targetRegions.find((t) => t.region === 'westeurope')?.storageAccountType).toBe('Premium_LRS'),
    ],
    [
      'safetyProfile',
      () =>
        versionBody(
          7,
          {},
          {
            safetyProfile: {
              allowDeletionOfReplicatedLocations: true,
              reportedForPolicyViolation: false,
              blockDeletionBeforeEndOfLife: true,
            },
          },
        ),
      (r) =>
        expect(r.safetyProfile).toMatchObject({
          allowDeletionOfReplicatedLocations: true,
          blockDeletionBeforeEndOfLife: true,
        }),
    ],
    [
      'tags',
      () => ({ ...versionBody(8), tags: { owner: 'platform' } }),
      (r) => expect(r.tags).toEqual({ owner: 'platform' }),
    ],
  ];

  for (const [field, body, check] of versionCases) {
    it(`a lost version update of ${field} is repaired with one version GET`, async () => {
      sim.put(body());
      sim.resetCounters();
      await reconcile();
      expect(gets().versions).toBe(1);
      check((await storedVersion(Number(/1\.(\d+)\.0$/.exec(body().id)?.[1])))!);
    });
  }

  it('a version the catalog holds as settling is re-read until it settles', async () => {
    const replicating = versionBody(9);
    (replicating.properties as { replicationStatus: unknown }).replicationStatus = {
      aggregatedState: 'InProgress',
      summary: [
        { region: 'West Europe', state: 'Completed', progress: 100 },
        { region: 'East US', state: 'Replicating', progress: 30 },
      ],
    };
    sim.put(replicating);
    expect((await postEvents(host.url, [armEvent(vid(9), 'Write')])).status).toBe(202);
    expect((await storedVersion(9))?.targetRegions.find((t) => t.region === 'eastus')?.replicationState).toBe(
      'Replicating',
    );
    sim.put(versionBody(9)); // replication completes; its event is lost (the list entry looks the same)
    sim.resetCounters();
    await reconcile();
    expect(gets().versions).toBe(1);
    expect((await storedVersion(9))?.targetRegions.find((t) => t.region === 'eastus')?.replicationState).toBe(
      'Completed',
    );
    sim.resetCounters();
    await reconcile();
    expect(gets().versions).toBe(0);
  });

  const imageCases: [string, Record<string, unknown>, (r: Record<string, unknown>) => void][] = [
    ['description', { description: 'hardened base image' }, (r) => expect(r.description).toBe('hardened base image')],
    [
      'endOfLifeDate',
      { endOfLifeDate: '2028-01-01T00:00:00Z' },
      (r) => expect(r.endOfLifeDate).toBe('2028-01-01T00:00:00.000Z'),
    ],
    [
      'recommended vCPUs and memory',
      { recommended: { vCPUs: { min: 4, max: 16 }, memory: { min: 8, max: 64 } } },
      (r) => expect(r.recommended).toEqual({ vCPUs: { min: 4, max: 16 }, memoryGB: { min: 8, max: 64 } }),
    ],
    [
      'releaseNoteUri',
      { releaseNoteUri: 'https://example.org/notes/2' },
      (r) => expect(r.releaseNoteUri).toBe('https://example.org/notes/2'),
    ],
  ];
  for (const [field, props, check] of imageCases) {
    it(`a lost image definition update of ${field} is repaired from the list entry (no GET)`, async () => {
      const previous = sim.get(IMAGE)!;
      sim.put({ ...previous, properties: { ...previous.properties, ...props } });
      sim.resetCounters();
      const line = await reconcile();
      expect(line).toContain('1 definitions (1 rewritten)');
      expect(gets().images).toBe(0);
      const stored = await services().catalog.getImage(parseResourceId(IMAGE) as ImageRef);
      check(stored!.record as unknown as Record<string, unknown>);
    });
  }

  it('a lost share/action on a Groups gallery is repaired', async () => {
    const THIRD = '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9';
    sim.put(groupsGallery([OTHER_SUB, THIRD]));
    await reconcile();
    const shared = await services().catalog.sharedGalleries({ subscriptionId: THIRD });
    expect(shared.map((g) => g.gallery)).toEqual(['rcShared']);
    sim.put(groupsGallery([OTHER_SUB]));
    await reconcile();
    expect(await services().catalog.sharedGalleries({ subscriptionId: THIRD })).toEqual([]);
  });

  it('a lost share/action on a Community gallery is repaired', async () => {
    const inCommunity = async (): Promise<string[]> =>
      (await services().catalog.sharedGalleries('community')).map((g: GalleryRef) => g.gallery);
    expect(await inCommunity()).toContain('rcCommunity');
    sim.put(communityGallery(false));
    await reconcile();
    expect(await inCommunity()).not.toContain('rcCommunity');
  });

  it('rows whose flags were written under the old rule are re-flagged by the reconcile, without an ARM read', async () => {
    // 1.20.0: excluded globally, every region echoing excludeFromLatest: false (the shape ARM returns).
    sim.put(versionBody(20, { excludeFromLatest: true }));
    await reconcile();
    const store = services().catalog;
    const ref = parseResourceId(IMAGE) as ImageRef;
    const pk = imageKey(ref);
    const rk = versionRowKey(parseResourceId(vid(20)) as VersionRef);
    // What the former rule ("a regional flag wins in both directions") stored: eligible in both regions, no rule marker.
    const current = await store.versions.getEntity<Record<string, unknown>>(pk, rk);
    expect(current.E_westeurope).toBeUndefined();
    const { flagRules: _marker, etag: _etag, timestamp: _ts, ...rest } = current;
    await store.versions.updateEntity(
      { ...rest, partitionKey: pk, rowKey: rk, E_westeurope: true, E_eastus: true },
      'Replace',
    );
    sim.resetCounters();
    const line = await reconcile();
    expect(line).toContain('1 re-flagged');
    expect(gets().versions).toBe(0);
    const fixed = await store.versions.getEntity<Record<string, unknown>>(pk, rk);
    expect([fixed.E_westeurope, fixed.E_eastus, fixed.D_westeurope, fixed.flagRules]).toEqual([
      undefined,
      undefined,
      true,
      2,
    ]);
    // Once re-flagged, the next reconcile leaves it alone.
    expect(await reconcile()).toContain('0 re-flagged');
  });
});

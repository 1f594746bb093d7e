import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import {
  DEMO_GALLERIES,
  DEMO_IMAGES,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANTS,
  DEMO_VERSIONS,
  DEMO_VM_SIZES,
  seedDemoOrganization,
} from '../../dev/demo/demo-org.js';
import { createGalleryArmReader, type GalleryArmReader } from '../../shared/arm/reader.js';
import { parseResourceId, type GalleryRef, type ImageRef, type VersionRef } from '../../shared/domain/ids.js';
import { armSettings } from './helpers.js';
import identities from '../fixtures/identities.json' with { type: 'json' };

const sim = new ArmSimulator();
let reader: GalleryArmReader;

beforeAll(async () => {
  const { endpoint } = await sim.start();
  reader = createGalleryArmReader(armSettings(endpoint));
});
afterAll(async () => {
  await sim.stop();
});

async function version(id: string) {
  const got = await reader.getVersion(parseResourceId(id) as VersionRef);
  if (!got.found) throw new Error(`missing ${id}`);
  return got.value;
}

describe('demo organization', () => {
  it('uses the fixture identities', () => {
    expect(DEMO_SUBSCRIPTIONS).toEqual({
      publisher: identities.subscriptions.publisher_contoso,
      consumer: identities.subscriptions.consumer_contoso,
      otherOrg: identities.subscriptions.other_org,
    });
    expect(DEMO_TENANTS).toEqual(identities.tenants);
  });

  it('seeds galleries, definitions, versions and VM sizes readable through the SDK', async () => {
    expect(seedDemoOrganization(sim)).toEqual({ galleries: 5, images: 7, versions: 13, subscriptions: 3 });
    for (const id of Object.values(DEMO_GALLERIES))
      expect((await reader.getGallery(parseResourceId(id) as GalleryRef)).found).toBe(true);
    for (const id of Object.values(DEMO_IMAGES))
      expect((await reader.getImage(parseResourceId(id) as ImageRef)).found).toBe(true);
    for (const id of Object.values(DEMO_VERSIONS)) await version(id);

    const names = async (sub: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const g of reader.listGalleries(sub)) out.push(g.name ?? '');
      return out.sort();
    };
    expect(await names(DEMO_SUBSCRIPTIONS.publisher)).toEqual(['corpGallery', 'partnerGallery', 'publicGallery']);
    expect(await names(DEMO_SUBSCRIPTIONS.consumer)).toEqual(['teamGallery']);
    expect(await names(DEMO_SUBSCRIPTIONS.otherOrg)).toEqual(['otherGallery']);

    for (const sub of Object.values(DEMO_SUBSCRIPTIONS)) {
      expect((await reader.listVmSkus(sub, 'westeurope')).map((s) => s.name)).toEqual([...DEMO_VM_SIZES]);
    }
    expect((await reader.listVmSkus(DEMO_SUBSCRIPTIONS.publisher, 'eastus')).map((s) => s.name)).not.toContain(
      'Standard_D64s_v5',
    );
  });

  it('covers the sharing kinds and image kinds', async () => {
    const partner = await reader.getGallery(parseResourceId(DEMO_GALLERIES.partner) as GalleryRef);
    expect(partner.found && partner.value.sharingProfile).toMatchObject({
      permissions: 'Groups',
      groups: [
        { type: 'Subscriptions', ids: [DEMO_SUBSCRIPTIONS.otherOrg] },
        { type: 'AADTenants', ids: [DEMO_TENANTS.partner] },
      ],
    });
    const community = await reader.getGallery(parseResourceId(DEMO_GALLERIES.community) as GalleryRef);
    expect(community.found && community.value.sharingProfile?.permissions).toBe('Community');
    const windows = await reader.getImage(parseResourceId(DEMO_IMAGES.windowsSql) as ImageRef);
    expect(windows.found && [windows.value.osType, windows.value.osState, windows.value.hyperVGeneration]).toEqual([
      'Windows',
      'Specialized',
      'V1',
    ]);
    const arm = await reader.getImage(parseResourceId(DEMO_IMAGES.marinerArm64) as ImageRef);
    expect(arm.found && arm.value.architecture).toBe('Arm64');
    expect(arm.found && arm.value.features).toContainEqual({ name: 'SecurityType', value: 'ConfidentialVM' });
    const ubuntu = await reader.getImage(parseResourceId(DEMO_IMAGES.ubuntu) as ImageRef);
    expect(ubuntu.found && ubuntu.value.features).toContainEqual({ name: 'SecurityType', value: 'TrustedLaunch' });
  });

  it('covers the version states', async () => {
    expect((await version(DEMO_VERSIONS.ubuntuCompleted)).replicationStatus?.aggregatedState).toBe('Completed');
    expect((await version(DEMO_VERSIONS.ubuntuCompleted)).publishingProfile?.targetRegions?.map((t) => t.name)).toEqual(
      ['West Europe', 'East US'],
    );
    expect((await version(DEMO_VERSIONS.ubuntuReplicating)).replicationStatus?.aggregatedState).toBe('InProgress');
    const failed = await version(DEMO_VERSIONS.ubuntuFailed);
    expect([failed.provisioningState, failed.replicationStatus?.aggregatedState]).toEqual(['Failed', 'Failed']);
    const excluded = await version(DEMO_VERSIONS.ubuntuExcludedGlobal);
    expect(excluded.publishingProfile?.excludeFromLatest).toBe(true);
    // every region echoes excludeFromLatest: false, as real ARM does (GalleryImageVersion_Get_WithVhdAsSource.json, azure-rest-api-specs)
    expect(excluded.publishingProfile?.targetRegions?.map((t) => t.excludeFromLatest)).toEqual([false, false]);
    const regional = await version(DEMO_VERSIONS.ubuntuRegionalExclude);
    expect(regional.publishingProfile?.excludeFromLatest).toBe(false);
    expect(regional.publishingProfile?.targetRegions?.find((t) => t.name === 'West Europe')?.excludeFromLatest).toBe(
      true,
    );
    const shallow = await version(DEMO_VERSIONS.ubuntuShallowEol);
    expect(shallow.publishingProfile?.replicationMode).toBe('Shallow');
    expect(shallow.publishingProfile?.endOfLifeDate).toEqual(new Date('2026-01-01T00:00:00Z'));
  });
});

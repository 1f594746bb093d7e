import { describe, expect, it } from 'vitest';
import type { ArmGallery, ArmGalleryImage, ArmGalleryImageVersion } from '../../shared/domain/arm-shapes.js';
import { InvalidResourceIdError } from '../../shared/domain/ids.js';
import {
  galleryRecordFrom,
  imageDefinitionRecordFrom,
  imageVersionRecordFrom,
  InvalidArmResourceError,
  sourceKindOf,
  type ImageVersionRecord,
} from '../../shared/domain/records.js';
import {
  fixtureNames,
  flatGallery,
  flatImage,
  flattenArm,
  flatVersion,
  listItems,
  loadFixture,
  type Json,
} from './arm-fixtures.js';

const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const GALLERY_ID = `/subscriptions/${SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery`;
const IMAGE_ID = `${GALLERY_ID}/images/ubuntu-2204-base`;
const corpGallery = {
  level: 'gallery',
  subscriptionId: SUB,
  resourceGroup: 'rg-images',
  gallery: 'corpGallery',
} as const;
const ubuntu = { ...corpGallery, level: 'image', image: 'ubuntu-2204-base' } as const;

const gallery = (name: string): ArmGallery => flatGallery(loadFixture(name));
const image = (name: string): ArmGalleryImage => flatImage(loadFixture(name));
const version = (name: string): ArmGalleryImageVersion => flatVersion(loadFixture(name));

/** A minimal valid version to vary in tests. */
function baseVersion(overrides: Partial<ArmGalleryImageVersion> = {}): ArmGalleryImageVersion {
  return {
    id: `${IMAGE_ID}/versions/1.0.0`,
    name: '1.0.0',
    location: 'westeurope',
    provisioningState: 'Succeeded',
    ...overrides,
  };
}
function baseImage(overrides: Partial<ArmGalleryImage> = {}): ArmGalleryImage {
  return {
    id: IMAGE_ID,
    location: 'westeurope',
    osType: 'Linux',
    osState: 'Generalized',
    identifier: { publisher: 'p', offer: 'o', sku: 's' },
    provisioningState: 'Succeeded',
    ...overrides,
  };
}

function errorOf(fn: () => unknown): InvalidArmResourceError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArmResourceError);
    return e as InvalidArmResourceError;
  }
  throw new Error('expected an InvalidArmResourceError');
}

describe('flattenArm (test helper)', () => {
  it('lifts properties and turns the known date fields into Date', () => {
    const flat = flattenArm(loadFixture('image-version-shallow-eol.json'));
    expect(flat.properties).toBeUndefined();
    expect(flat.provisioningState).toBe('Succeeded');
    const pp = flat.publishingProfile as { publishedDate: unknown; endOfLifeDate: unknown };
    expect(pp.publishedDate).toEqual(new Date('2026-10-01T08:00:00Z'));
    expect(pp.endOfLifeDate).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(flattenArm(loadFixture('image-definition-windows-specialized.json')).endOfLifeDate).toBeInstanceOf(Date);
  });
});

describe('every fixture is mapped', () => {
  const kinds: Record<string, 'gallery' | 'image' | 'version' | 'version-list' | 'error' | 'not-a-gallery-resource'> = {
    'error-not-found.json': 'error',
    'error-throttled.json': 'error',
    'gallery-community.json': 'gallery',
    'gallery-direct-shared.json': 'gallery',
    'gallery-private.json': 'gallery',
    'image-definition-arm64-confidential.json': 'image',
    'image-definition-linux-gen2-trustedlaunch.json': 'image',
    'image-definition-windows-specialized.json': 'image',
    'image-version-completed.json': 'version',
    'image-version-excluded-global.json': 'version',
    'image-version-failed.json': 'version',
    'image-version-regional-exclude.json': 'version',
    'image-version-replicating.json': 'version',
    'image-version-shallow-eol.json': 'version',
    'list-versions-page1.json': 'version-list',
    'list-versions-page2.json': 'version-list',
    'resource-skus.json': 'not-a-gallery-resource',
  };

  it('knows every fixture in test/fixtures/arm', () => {
    expect(fixtureNames()).toEqual(Object.keys(kinds).sort());
  });

  it.each(Object.entries(kinds))('%s', (name, kind) => {
    const json = loadFixture(name);
    const roundTrips = (record: unknown): void => {
      // Plain JSON data: nothing lost or changed through JSON, no undefined values, no Dates.
      expect(JSON.parse(JSON.stringify(record))).toStrictEqual(record);
    };
    switch (kind) {
      case 'gallery':
        roundTrips(galleryRecordFrom(flatGallery(json)));
        break;
      case 'image':
        roundTrips(imageDefinitionRecordFrom(flatImage(json)));
        break;
      case 'version':
        roundTrips(imageVersionRecordFrom(flatVersion(json)));
        break;
      case 'version-list':
        for (const item of listItems(json)) roundTrips(imageVersionRecordFrom(flatVersion(item)));
        break;
      case 'error':
        expect(() => imageVersionRecordFrom(flatVersion(json))).toThrow(/has no id/);
        break;
      case 'not-a-gallery-resource':
        for (const item of listItems(json))
          expect(() => imageDefinitionRecordFrom(flatImage(item))).toThrow(InvalidArmResourceError);
        break;
    }
  });
});

describe('galleryRecordFrom', () => {
  it('maps a private gallery (gallery-private.json)', () => {
    expect(galleryRecordFrom(gallery('gallery-private.json'))).toStrictEqual({
      ref: corpGallery,
      id: GALLERY_ID,
      location: 'westeurope',
      description: 'Golden images',
      tags: { env: 'prod' },
      uniqueName: `${SUB}-CORPGALLERY`,
      provisioningState: 'Succeeded',
      sharing: { permissions: 'Private', groupsReported: false, subscriptionIds: [], tenantIds: [] },
    });
  });

  it('maps a direct shared gallery: subscription and tenant groups (gallery-direct-shared.json)', () => {
    const r = galleryRecordFrom(gallery('gallery-direct-shared.json'));
    expect(r.ref.gallery).toBe('partnerGallery');
    expect(r.tags).toEqual({});
    expect(r.sharing).toStrictEqual({
      permissions: 'Groups',
      groupsReported: true,
      subscriptionIds: ['9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b'],
      tenantIds: ['c24c76aa-8897-4027-9b03-8f7928b54ff6'],
    });
  });

  it('maps a community gallery: publisher info, public names and sharing status (gallery-community.json)', () => {
    const r = galleryRecordFrom(gallery('gallery-community.json'));
    expect(r.location).toBe('eastus');
    expect(r.ref.resourceGroup).toBe('rg-public');
    expect(r.sharing).toStrictEqual({
      permissions: 'Community',
      groupsReported: false,
      subscriptionIds: [],
      tenantIds: [],
      community: {
        publisherUri: 'https://example.org',
        publisherContact: 'images@example.org',
        eula: 'https://example.org/eula',
        publicNamePrefix: 'contoso',
        publicNames: ['contoso-1a2b3c4d'],
        enabled: true,
      },
    });
    expect(r.sharingStatus).toStrictEqual({
      aggregatedState: 'Succeeded',
      summary: [{ region: 'eastus', state: 'Succeeded' }],
    });
  });

  it('lower-cases and de-duplicates shared ids, matches group types in any case, ignores unknown types', () => {
    const r = galleryRecordFrom({
      ...gallery('gallery-direct-shared.json'),
      sharingProfile: {
        permissions: 'Groups',
        groups: [
          {
            type: 'Subscriptions',
            ids: ['9E8D7C6B-5A4F-4E3D-8C2B-1A0F9E8D7C6B', '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b', ' '],
          },
          { type: 'subscriptions', ids: ['11111111-2222-3333-4444-555555555555'] },
          { type: 'AADTENANTS', ids: ['C24C76AA-8897-4027-9B03-8F7928B54FF6'] },
          { type: 'Users', ids: ['someone'] },
          { ids: ['no-type'] },
        ],
      },
    });
    expect(r.sharing.subscriptionIds).toEqual([
      '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
      '11111111-2222-3333-4444-555555555555',
    ]);
    expect(r.sharing.tenantIds).toEqual(['c24c76aa-8897-4027-9b03-8f7928b54ff6']);
  });

  it('a gallery without a sharing profile is Private, and groups without $expand are unknown', () => {
    const r = galleryRecordFrom({ id: GALLERY_ID, location: 'West Europe' });
    expect(r.sharing).toStrictEqual({
      permissions: 'Private',
      groupsReported: false,
      subscriptionIds: [],
      tenantIds: [],
    });
    expect(r.provisioningState).toBe('Unknown');
    expect(r.location).toBe('westeurope');
    const groupsNotExpanded = galleryRecordFrom({
      id: GALLERY_ID,
      location: 'westeurope',
      sharingProfile: { permissions: 'Groups' },
    });
    expect(groupsNotExpanded.sharing.groupsReported).toBe(false);
  });

  it('keys on the canonical id even when ARM sends `resourcegroups` in lower case', () => {
    const r = galleryRecordFrom({
      ...gallery('gallery-private.json'),
      id: GALLERY_ID.replace('resourceGroups', 'resourcegroups'),
    });
    expect(r.id).toBe(GALLERY_ID);
  });

  it('a tag named __proto__ stays a plain tag', () => {
    const tags = JSON.parse('{"__proto__": "x", "env": "prod"}') as Record<string, string>;
    const r = galleryRecordFrom({ id: GALLERY_ID, location: 'westeurope', tags });
    expect(Object.getPrototypeOf(r.tags)).toBe(Object.prototype);
    expect(Object.keys(r.tags).sort()).toEqual(['__proto__', 'env']);
  });
});

describe('imageDefinitionRecordFrom', () => {
  it('maps a Linux Gen2 TrustedLaunch definition with every optional field (image-definition-linux-gen2-trustedlaunch.json)', () => {
    expect(imageDefinitionRecordFrom(image('image-definition-linux-gen2-trustedlaunch.json'))).toStrictEqual({
      ref: ubuntu,
      id: IMAGE_ID,
      location: 'westeurope',
      description: 'Ubuntu 22.04 hardened base',
      tags: { team: 'platform' },
      publisher: 'Contoso',
      offer: 'Ubuntu',
      sku: '2204-base',
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      architecture: 'x64',
      features: {
        securityType: 'TrustedLaunch',
        diskControllerTypes: ['SCSI', 'NVMe'],
        acceleratedNetwork: true,
        other: {},
      },
      recommended: { vCPUs: { min: 2, max: 16 }, memoryGB: { min: 4, max: 64 } },
      disallowedDiskTypes: ['Standard_LRS'],
      releaseNoteUri: 'https://example.org/notes',
      endOfLifeDate: '2027-06-30T00:00:00.000Z',
      provisioningState: 'Succeeded',
    });
  });

  it('maps an Arm64 confidential definition (image-definition-arm64-confidential.json)', () => {
    const r = imageDefinitionRecordFrom(image('image-definition-arm64-confidential.json'));
    expect(r.architecture).toBe('Arm64');
    expect(r.hyperVGeneration).toBe('V2');
    expect(r.features).toStrictEqual({ securityType: 'ConfidentialVM', hibernate: false, other: {} });
    expect(r.recommended).toStrictEqual({});
    expect(r.disallowedDiskTypes).toEqual([]);
    expect(r.tags).toEqual({});
    expect(r.purchasePlan).toBeUndefined();
    expect(r.endOfLifeDate).toBeUndefined();
  });

  it('maps a specialized Windows definition with a purchase plan and EULA (image-definition-windows-specialized.json)', () => {
    const r = imageDefinitionRecordFrom(image('image-definition-windows-specialized.json'));
    expect(r.ref.image).toBe('win2022-sql');
    expect(r.osType).toBe('Windows');
    expect(r.osState).toBe('Specialized');
    expect(r.hyperVGeneration).toBe('V1');
    expect(r.purchasePlan).toStrictEqual({ name: 'sql2022', publisher: 'contoso', product: 'sqlserver' });
    expect(r.eula).toBe('https://example.org/eula');
    expect(r.privacyStatementUri).toBe('https://example.org/privacy');
    expect(r.endOfLifeDate).toBe('2025-01-01T00:00:00.000Z');
    expect(r.features).toStrictEqual({ other: {} });
  });

  it('defaults hyperVGeneration to V1 and architecture to x64', () => {
    const r = imageDefinitionRecordFrom(baseImage());
    expect(r.hyperVGeneration).toBe('V1');
    expect(r.architecture).toBe('x64');
  });

  it('matches enum values in any case and returns the canonical spelling', () => {
    const r = imageDefinitionRecordFrom(
      baseImage({ osType: 'linux', osState: 'SPECIALIZED', hyperVGeneration: 'v2', architecture: 'arm64' }),
    );
    expect([r.osType, r.osState, r.hyperVGeneration, r.architecture]).toEqual(['Linux', 'Specialized', 'V2', 'Arm64']);
  });

  it.each([
    ['osType missing', { osType: undefined }, /osType is required/],
    ['osState missing', { osState: undefined }, /osState is required/],
    ['an unknown osType', { osType: 'Plan9' }, /osType "Plan9" is not one of Windows, Linux/],
    ['an unknown hyperVGeneration', { hyperVGeneration: 'V3' }, /hyperVGeneration "V3"/],
    ['an unknown architecture', { architecture: 'riscv' }, /architecture "riscv"/],
    ['no identifier', { identifier: undefined }, /identifier.publisher/],
    ['an empty sku', { identifier: { publisher: 'p', offer: 'o', sku: '' } }, /identifier.publisher/],
    ['no location', { location: undefined }, /has no location/],
    ['an invalid end-of-life date', { endOfLifeDate: 'soon' }, /endOfLifeDate is not a valid date/],
  ])('rejects %s', (_name, overrides, message) => {
    const e = errorOf(() => imageDefinitionRecordFrom(baseImage(overrides)));
    expect(e.message).toMatch(message);
    expect(e.kind).toBe('image definition');
    expect(e.resourceId).toBe(IMAGE_ID);
  });

  it('parses features: DiskControllerTypes (plural, as the API spells it), booleans in any case, others kept by name', () => {
    const r = imageDefinitionRecordFrom(
      baseImage({
        features: [
          { name: 'DiskControllerTypes', value: 'SCSI,NVMe' },
          { name: 'isacceleratednetworksupported', value: 'false' },
          { name: 'IsHibernateSupported', value: 'TRUE' },
          { name: 'SecurityType', value: 'TrustedLaunchAndConfidentialVmSupported' },
          { name: 'IsCloudInitSupported', value: 'True' },
          { name: '__proto__', value: 'x' },
          { name: '', value: 'ignored' },
          { value: 'ignored' },
        ],
      }),
    );
    expect(r.features.diskControllerTypes).toEqual(['SCSI', 'NVMe']);
    expect(r.features.acceleratedNetwork).toBe(false);
    expect(r.features.hibernate).toBe(true);
    expect(r.features.securityType).toBe('TrustedLaunchAndConfidentialVmSupported');
    expect(Object.keys(r.features.other).sort()).toEqual(['IsCloudInitSupported', '__proto__']);
    expect(Object.getPrototypeOf(r.features.other)).toBe(Object.prototype);
  });

  it('keeps a boolean feature whose value is not True/False in `other` rather than guessing', () => {
    const r = imageDefinitionRecordFrom(baseImage({ features: [{ name: 'IsHibernateSupported', value: 'maybe' }] }));
    expect(r.features.hibernate).toBeUndefined();
    expect(r.features.other).toEqual({ IsHibernateSupported: 'maybe' });
  });

  it('keeps a partial purchase plan (missing parts empty) and drops an empty one', () => {
    expect(imageDefinitionRecordFrom(baseImage({ purchasePlan: { name: 'plan' } })).purchasePlan).toStrictEqual({
      name: 'plan',
      publisher: '',
      product: '',
    });
    expect(imageDefinitionRecordFrom(baseImage({ purchasePlan: {} }))).not.toHaveProperty('purchasePlan');
  });

  it('keeps half-open recommended ranges and drops empty ones', () => {
    const r = imageDefinitionRecordFrom(baseImage({ recommended: { vCPUs: { min: 2 }, memory: {} } }));
    expect(r.recommended).toStrictEqual({ vCPUs: { min: 2 } });
  });

  it('accepts dates as Date (SDK) or ISO strings (REST) alike', () => {
    const fromDate = imageDefinitionRecordFrom(baseImage({ endOfLifeDate: new Date('2027-06-30T00:00:00Z') }));
    const fromString = imageDefinitionRecordFrom(baseImage({ endOfLifeDate: '2027-06-30T00:00:00Z' }));
    expect(fromDate.endOfLifeDate).toBe('2027-06-30T00:00:00.000Z');
    expect(fromString).toStrictEqual(fromDate);
  });
});

describe('imageVersionRecordFrom', () => {
  it('maps a completed version with every field (image-version-completed.json)', () => {
    const vm = `/subscriptions/${SUB}/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/build-vm`;
    expect(imageVersionRecordFrom(version('image-version-completed.json'))).toStrictEqual({
      ref: { ...ubuntu, level: 'version', version: '1.9.0' },
      id: `${IMAGE_ID}/versions/1.9.0`,
      location: 'westeurope',
      tags: {},
      provisioningState: 'Succeeded',
      publishedDate: '2026-10-01T08:00:00.000Z',
      excludeFromLatest: false,
      replicationMode: 'Full',
      replicaCount: 1,
      storageAccountType: 'Standard_LRS',
      source: { kind: 'virtualMachine', sourceId: vm },
      osDiskSizeGB: 30,
      dataDiskCount: 0,
      safetyProfile: {
        allowDeletionOfReplicatedLocations: false,
        reportedForPolicyViolation: false,
        blockDeletionBeforeEndOfLife: false,
      },
      replicationStatusReported: true,
      aggregatedReplicationState: 'Completed',
      targetRegions: [
        {
          region: 'westeurope',
          displayName: 'West Europe',
          replicaCount: 3,
          storageAccountType: 'Standard_ZRS',
          excludeFromLatest: false,
          replicationState: 'Completed',
          progress: 100,
        },
        {
          region: 'eastus',
          displayName: 'East US',
          replicaCount: 2,
          storageAccountType: 'Standard_LRS',
          excludeFromLatest: false,
          replicationState: 'Completed',
          progress: 100,
        },
      ],
    } satisfies ImageVersionRecord);
  });

  it('maps a version still replicating to one region (image-version-replicating.json)', () => {
    const r = imageVersionRecordFrom(version('image-version-replicating.json'));
    expect(r.ref.version).toBe('1.10.0');
    expect(r.aggregatedReplicationState).toBe('InProgress');
    expect(r.targetRegions.map((t) => [t.region, t.replicationState, t.progress])).toEqual([
      ['westeurope', 'Completed', 100],
      ['eastus', 'Replicating', 41],
    ]);
  });

  it('maps a failed version with the failure details (image-version-failed.json)', () => {
    const r = imageVersionRecordFrom(version('image-version-failed.json'));
    expect(r.provisioningState).toBe('Failed');
    expect(r.aggregatedReplicationState).toBe('Failed');
    expect(r.targetRegions[0]).toMatchObject({
      region: 'westeurope',
      replicationState: 'Failed',
      replicationDetails: 'Source disk could not be read',
      progress: 0,
    });
    expect(r.targetRegions[1]).not.toHaveProperty('replicationDetails');
  });

  it('maps the regional exclude flag per region (image-version-regional-exclude.json)', () => {
    const r = imageVersionRecordFrom(version('image-version-regional-exclude.json'));
    expect(r.excludeFromLatest).toBe(false);
    expect(r.targetRegions.map((t) => [t.region, t.excludeFromLatest])).toEqual([
      ['westeurope', true],
      ['eastus', false],
    ]);
  });

  it('maps the global exclude flag (image-version-excluded-global.json)', () => {
    const r = imageVersionRecordFrom(version('image-version-excluded-global.json'));
    expect(r.ref.version).toBe('2.0.0');
    expect(r.excludeFromLatest).toBe(true);
    expect(r.publishedDate).toBe('2026-11-21T08:00:00.000Z');
  });

  it('maps shallow replication, the version EOL, and a target region without its own exclude flag (image-version-shallow-eol.json)', () => {
    const r = imageVersionRecordFrom(version('image-version-shallow-eol.json'));
    expect(r.replicationMode).toBe('Shallow');
    expect(r.endOfLifeDate).toBe('2026-01-01T00:00:00.000Z');
    expect(r.targetRegions).toHaveLength(1);
    expect(r.targetRegions[0]).not.toHaveProperty('excludeFromLatest');
    expect(r.targetRegions[0]).toMatchObject({
      region: 'westeurope',
      replicaCount: 1,
      storageAccountType: 'Standard_LRS',
    });
  });

  it('maps list pages, which carry no replication status: every region Unknown (list-versions-page*.json)', () => {
    const records = [
      ...listItems(loadFixture('list-versions-page1.json')),
      ...listItems(loadFixture('list-versions-page2.json')),
    ].map((item: Json) => imageVersionRecordFrom(flatVersion(item)));
    expect(records.map((r) => r.ref.version)).toEqual(['1.0.0', '1.1.0', '1.9.0', '1.10.0']);
    for (const r of records) {
      expect(r.replicationStatusReported).toBe(false);
      expect(r.aggregatedReplicationState).toBe('Unknown');
      expect(r.targetRegions.every((t) => t.replicationState === 'Unknown')).toBe(true);
    }
  });

  it('a target region without a summary entry follows the aggregated state', () => {
    const targets = { targetRegions: [{ name: 'West Europe' }, { name: 'North Europe' }] };
    const withAggregate = (aggregatedState: string): string[] =>
      imageVersionRecordFrom(
        baseVersion({
          publishingProfile: targets,
          replicationStatus: { aggregatedState, summary: [{ region: 'West Europe', state: 'Completed' }] },
        }),
      ).targetRegions.map((t) => t.replicationState);
    expect(withAggregate('Completed')).toEqual(['Completed', 'Completed']);
    expect(withAggregate('InProgress')).toEqual(['Completed', 'Replicating']);
    expect(withAggregate('Failed')).toEqual(['Completed', 'Unknown']);
    expect(withAggregate('Unknown')).toEqual(['Completed', 'Unknown']);
  });

  it('maps unknown replication states to Unknown and matches states in any case', () => {
    const r = imageVersionRecordFrom(
      baseVersion({
        publishingProfile: { targetRegions: [{ name: 'westeurope' }, { name: 'eastus' }] },
        replicationStatus: {
          aggregatedState: 'Paused',
          summary: [
            { region: 'westeurope', state: 'completed' },
            { region: 'EastUS', state: 'Throttled' },
          ],
        },
      }),
    );
    expect(r.aggregatedReplicationState).toBe('Unknown');
    expect(r.targetRegions.map((t) => t.replicationState)).toEqual(['Completed', 'Unknown']);
  });

  it('falls back to the version-wide replica count and storage account type per region', () => {
    const r = imageVersionRecordFrom(
      baseVersion({
        publishingProfile: {
          replicaCount: 4,
          storageAccountType: 'Premium_LRS',
          targetRegions: [
            { name: 'West Europe', regionalReplicaCount: 2 },
            { name: 'East US', storageAccountType: 'Standard_ZRS' },
          ],
        },
      }),
    );
    expect(r.targetRegions.map((t) => [t.region, t.replicaCount, t.storageAccountType])).toEqual([
      ['westeurope', 2, 'Premium_LRS'],
      ['eastus', 4, 'Standard_ZRS'],
    ]);
  });

  it('applies the service defaults when the publishing profile is absent: Full, 1 replica, Standard_LRS, source region only', () => {
    const r = imageVersionRecordFrom(baseVersion({ location: 'West Europe' }));
    expect(r).toMatchObject({
      replicationMode: 'Full',
      replicaCount: 1,
      storageAccountType: 'Standard_LRS',
      excludeFromLatest: false,
      dataDiskCount: 0,
    });
    expect(r.targetRegions).toStrictEqual([
      {
        region: 'westeurope',
        displayName: 'West Europe',
        replicaCount: 1,
        storageAccountType: 'Standard_LRS',
        replicationState: 'Unknown',
      },
    ]);
    expect(r.source).toStrictEqual({ kind: 'none' });
    expect(r.safetyProfile).toStrictEqual({});
    expect(r.replicationStatusReported).toBe(false);
  });

  it('keeps the first of duplicate target regions (display and canonical name of one region)', () => {
    const r = imageVersionRecordFrom(
      baseVersion({
        publishingProfile: {
          targetRegions: [
            { name: 'West Europe', regionalReplicaCount: 3 },
            { name: 'westeurope', regionalReplicaCount: 9 },
          ],
        },
      }),
    );
    expect(r.targetRegions.map((t) => [t.region, t.replicaCount])).toEqual([['westeurope', 3]]);
  });

  it('counts data disks', () => {
    const r = imageVersionRecordFrom(
      baseVersion({ storageProfile: { dataDiskImages: [{ lun: 0, sizeInGB: 10 }, { lun: 1 }] } }),
    );
    expect(r.dataDiskCount).toBe(2);
    expect(r.dataDiskSizesGB).toEqual([10]);
  });

  // Shape of Azure/azure-rest-api-specs specification/compute/resource-manager/Microsoft.Compute/GalleryRP/
  // stable/2024-03-03/examples/galleryExamples/GalleryImageVersion_Get.json: storageProfile.osDiskImage.sizeInGB
  // and dataDiskImages[].{lun, sizeInGB, hostCaching}.
  it('keeps the disk image sizes of the storage profile (data disks by LUN)', () => {
    const r = imageVersionRecordFrom(
      baseVersion({
        storageProfile: {
          osDiskImage: { sizeInGB: 10, hostCaching: 'ReadOnly' },
          dataDiskImages: [
            { lun: 2, sizeInGB: 32, hostCaching: 'None' },
            { lun: 1, sizeInGB: 10, hostCaching: 'None' },
          ],
        },
      }),
    );
    expect(r).toMatchObject({ osDiskSizeGB: 10, dataDiskCount: 2, dataDiskSizesGB: [10, 32] });
    expect(
      'dataDiskSizesGB' in imageVersionRecordFrom(baseVersion({ storageProfile: { osDiskImage: { sizeInGB: 30 } } })),
    ).toBe(false);
  });

  it.each([
    [
      'a virtual machine',
      {
        source: {
          virtualMachineId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm',
        },
      },
      'virtualMachine',
    ],
    [
      'a managed image',
      { source: { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/images/img' } },
      'managedImage',
    ],
    ['another gallery version', { source: { id: `${IMAGE_ID}/versions/1.0.0` } }, 'galleryImageVersion'],
    [
      'a community gallery image',
      { source: { communityGalleryImageId: '/CommunityGalleries/contoso-1/Images/x/Versions/1.0.0' } },
      'communityGalleryImage',
    ],
    [
      'a snapshot (OS disk source)',
      {
        osDiskImage: { source: { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/snapshots/snap' } },
      },
      'snapshot',
    ],
    [
      'a managed disk (OS disk source)',
      { osDiskImage: { source: { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d' } } },
      'disk',
    ],
    [
      'a VHD',
      {
        osDiskImage: {
          source: {
            uri: 'https://acct.blob.core.windows.net/vhds/os.vhd',
            storageAccountId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/acct',
          },
        },
      },
      'vhd',
    ],
    [
      'something else',
      { source: { id: '/subscriptions/s/resourceGroups/r/providers/Other.Provider/things/t' } },
      'other',
    ],
  ] as const)('source from %s', (_name, storageProfile, kind) => {
    const r = imageVersionRecordFrom(baseVersion({ storageProfile }));
    expect(r.source.kind).toBe(kind);
    if (kind !== 'vhd') expect(r.source.sourceId).toBeDefined();
    else
      expect(r.source).toMatchObject({
        uri: 'https://acct.blob.core.windows.net/vhds/os.vhd',
        sourceId: expect.stringContaining('storageAccounts/acct'),
      });
  });

  it('classifies shared gallery ids', () => {
    expect(sourceKindOf('/SharedGalleries/abc-123/Images/x/Versions/1.0.0')).toBe('sharedGalleryImage');
    expect(
      sourceKindOf(
        '/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/sharedGalleries/abc/images/x/versions/1.0.0',
      ),
    ).toBe('sharedGalleryImage');
  });
});

describe('ids in the mappers', () => {
  it('a malformed id throws InvalidArmResourceError naming the id, with the parse error as cause', () => {
    const id = `${IMAGE_ID}/versions/1.0`;
    const e = errorOf(() => imageVersionRecordFrom(baseVersion({ id })));
    expect(e.message).toMatch(
      /^Invalid image version \/subscriptions\/.*\/versions\/1\.0: malformed id: version must be/,
    );
    expect(e.resourceId).toBe(id);
    expect(e.cause).toBeInstanceOf(InvalidResourceIdError);
  });

  it('a missing id throws', () => {
    expect(errorOf(() => galleryRecordFrom({ location: 'westeurope' })).message).toBe('Invalid gallery: has no id');
    expect(errorOf(() => imageVersionRecordFrom(baseVersion({ id: '' }))).message).toMatch(/has no id/);
  });

  it('an id of the wrong level throws', () => {
    expect(errorOf(() => galleryRecordFrom({ id: IMAGE_ID, location: 'westeurope' })).message).toMatch(
      /id names an image definition, not a gallery/,
    );
    expect(errorOf(() => imageDefinitionRecordFrom(baseImage({ id: `${IMAGE_ID}/versions/1.0.0` }))).message).toMatch(
      /an image version, not an image definition/,
    );
    expect(errorOf(() => imageVersionRecordFrom(baseVersion({ id: GALLERY_ID }))).message).toMatch(
      /a gallery, not an image version/,
    );
  });

  it('a target region without a name throws', () => {
    expect(
      errorOf(() => imageVersionRecordFrom(baseVersion({ publishingProfile: { targetRegions: [{ name: ' ' }] } })))
        .message,
    ).toMatch(/target region has no name/);
  });

  it('an invalid date throws', () => {
    expect(
      errorOf(() => imageVersionRecordFrom(baseVersion({ publishingProfile: { endOfLifeDate: new Date('nope') } })))
        .message,
    ).toMatch(/publishingProfile.endOfLifeDate is not a valid date/);
  });
});

/**
 * The record mappers (shared/domain/records.ts, from the SDK's flattened shapes) against the
 * independent reference (test/support/arm-reference.ts, from ARM's REST JSON), on generated
 * resources: every optional field present or absent, values in any case, duplicates, blanks.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { galleryRecordFrom, imageDefinitionRecordFrom, imageVersionRecordFrom } from '../../shared/domain/records.js';
import type { RestResource } from '../../dev/arm-simulator.js';
import { expectedRecord } from '../support/arm-reference.js';
import { flatGallery, flatImage, flatVersion, type Json } from './arm-fixtures.js';

const GALLERY =
  '/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-Images/providers/Microsoft.Compute/galleries/corpGallery';
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** An object without its undefined members (as JSON would have it). */
const json = (o: Record<string, unknown>): Json => JSON.parse(JSON.stringify(o)) as Json;
const caseOf = (words: string[]) => fc.constantFrom(...words.flatMap((w) => [w, w.toLowerCase(), w.toUpperCase()]));
const regionName = fc.constantFrom('West Europe', 'westeurope', 'WestEurope', 'East US', 'eastus', 'North Europe');
const date = fc.constantFrom('2026-01-01T00:00:00Z', '2027-06-30T12:34:56.789Z', '2030-12-31T00:00:00+02:00');
const tags = opt(
  fc.dictionary(
    fc.constantFrom('team', 'env', '__proto__', 'cost'),
    fc.oneof(fc.string({ maxLength: 5 }), fc.constant(7 as unknown as string)),
  ),
);
const text = opt(fc.constantFrom('', 'x', 'Details here'));

const version = fc
  .record({
    name: fc.constantFrom('1.0.0', '2.10.3'),
    location: regionName,
    tags,
    provisioningState: opt(caseOf(['Succeeded', 'Failed', 'Creating'])),
    pp: opt(
      fc.record({
        targetRegions: opt(
          fc.array(
            fc.record({
              name: regionName,
              regionalReplicaCount: opt(fc.integer({ min: 1, max: 9 })),
              storageAccountType: opt(fc.constantFrom('Standard_LRS', 'Premium_LRS')),
              excludeFromLatest: opt(fc.boolean()),
            }),
            { maxLength: 4 },
          ),
        ),
        replicaCount: opt(fc.integer({ min: 1, max: 5 })),
        storageAccountType: opt(fc.constantFrom('Standard_ZRS', 'Premium_LRS')),
        excludeFromLatest: opt(fc.boolean()),
        publishedDate: opt(date),
        endOfLifeDate: opt(date),
        replicationMode: opt(caseOf(['Full', 'Shallow'])),
      }),
    ),
    source: fc.constantFrom(
      undefined,
      {
        source: {
          virtualMachineId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm',
        },
      },
      { source: { communityGalleryImageId: '/CommunityGalleries/pub-1/Images/img' } },
      { source: { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/images/managed' } },
      {
        source: {
          id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0',
        },
      },
      {
        source: { id: '/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/sharedGalleries/sg/images/i' },
      },
      { source: { id: '/SharedGalleries/sg/Images/i' } },
      { source: { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/snapshots/snap' } },
      { source: { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/sa' } },
      { osDiskImage: { source: { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d' } } },
      {
        osDiskImage: {
          source: {
            uri: 'https://sa.blob.core.windows.net/vhds/os.vhd',
            storageAccountId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/sa',
          },
        },
      },
      { osDiskImage: { source: { uri: 'https://sa.blob.core.windows.net/vhds/os.vhd' } } },
    ),
    osDiskSizeGB: opt(fc.integer({ min: 1, max: 512 })),
    dataDisks: opt(
      fc.array(
        fc.record({
          lun: opt(fc.integer({ min: 0, max: 9 })),
          sizeInGB: opt(fc.oneof(fc.integer({ min: -1, max: 64 }), fc.constant(Number.NaN))),
        }),
        { maxLength: 3 },
      ),
    ),
    safety: opt(
      fc.record({
        allowDeletionOfReplicatedLocations: opt(fc.boolean()),
        reportedForPolicyViolation: opt(fc.boolean()),
        blockDeletionBeforeEndOfLife: opt(fc.boolean()),
      }),
    ),
    status: opt(
      fc.record({
        aggregatedState: opt(caseOf(['InProgress', 'Completed', 'Failed', 'Unknown', 'Other'])),
        summary: opt(
          fc.array(
            fc.record({
              region: opt(regionName),
              state: opt(caseOf(['Replicating', 'Completed', 'Failed', 'Odd'])),
              details: text,
              progress: opt(fc.integer({ min: 0, max: 100 })),
            }),
            { maxLength: 4 },
          ),
        ),
      }),
    ),
  })
  .map((v): RestResource => {
    const storageProfile: Record<string, unknown> = { ...(v.source ?? {}) };
    if (v.osDiskSizeGB !== undefined)
      storageProfile.osDiskImage = { ...(storageProfile.osDiskImage ?? {}), sizeInGB: v.osDiskSizeGB };
    if (v.dataDisks !== undefined) storageProfile.dataDiskImages = v.dataDisks;
    return json({
      id: `${GALLERY}/images/ubuntu/versions/${v.name}`,
      location: v.location,
      tags: v.tags,
      properties: {
        provisioningState: v.provisioningState,
        publishingProfile: v.pp,
        storageProfile,
        safetyProfile: v.safety,
        replicationStatus: v.status,
      },
    }) as unknown as RestResource;
  })
  // a NaN data disk size is not JSON: keep the generated shape JSON-clean
  .filter((r) => !JSON.stringify(r).includes('NaN'));

const image = fc
  .record({
    location: regionName,
    tags,
    description: text,
    identifier: fc.record({
      publisher: fc.constantFrom('Contoso', 'p'),
      offer: fc.constantFrom('Base', 'o'),
      sku: fc.constantFrom('22.04', 's'),
    }),
    osType: caseOf(['Linux', 'Windows']),
    osState: caseOf(['Generalized', 'Specialized']),
    hyperVGeneration: opt(caseOf(['V1', 'V2'])),
    architecture: opt(fc.constantFrom('x64', 'Arm64', 'X64', 'arm64')),
    features: opt(
      fc.array(
        fc.record({
          name: fc.constantFrom(
            'SecurityType',
            'securitytype',
            'DiskControllerTypes',
            'DiskControllerType',
            'IsAcceleratedNetworkSupported',
            'IsHibernateSupported',
            ' IsHibernateSupported ',
            'Other',
            '',
            ' ',
          ),
          value: opt(fc.constantFrom('TrustedLaunch', 'SCSI, NVMe', 'NVMe,', 'True', 'false', ' TRUE ', 'maybe', '')),
        }),
        { maxLength: 5 },
      ),
    ),
    recommended: opt(
      fc.record({
        vCPUs: opt(fc.record({ min: opt(fc.integer({ min: 1, max: 8 })), max: opt(fc.integer({ min: 8, max: 64 })) })),
        memory: opt(fc.record({ min: opt(fc.integer({ min: 1, max: 8 })), max: opt(fc.integer({ min: 8, max: 64 })) })),
      }),
    ),
    disallowed: opt(
      fc.record({ diskTypes: fc.array(fc.constantFrom('Standard_LRS', 'Premium_LRS'), { maxLength: 2 }) }),
    ),
    purchasePlan: opt(
      fc.record({
        name: opt(fc.constantFrom('plan')),
        publisher: opt(fc.constantFrom('pub')),
        product: opt(fc.constantFrom('prod')),
      }),
    ),
    eula: text,
    privacyStatementUri: opt(fc.constantFrom('https://contoso.example/privacy')),
    releaseNoteUri: opt(fc.constantFrom('https://contoso.example/notes')),
    endOfLifeDate: opt(date),
    provisioningState: opt(caseOf(['Succeeded', 'Failed'])),
  })
  .map(
    ({ location, tags: t, ...properties }): RestResource =>
      json({ id: `${GALLERY}/images/ubuntu`, location, tags: t, properties }) as unknown as RestResource,
  );

const gallery = fc
  .record({
    location: regionName,
    tags,
    description: text,
    uniqueName: opt(fc.constantFrom('0b7f7c3e-CORPGALLERY')),
    provisioningState: opt(caseOf(['Succeeded', 'Updating'])),
    sharing: opt(
      fc.record({
        permissions: opt(fc.constantFrom('Private', 'Groups', 'Community')),
        groups: opt(
          fc.array(
            fc.record({
              type: opt(caseOf(['Subscriptions', 'AADTenants', 'Other'])),
              ids: opt(fc.array(fc.constantFrom('AbC', 'abc', ' x ', '', '  '), { maxLength: 3 })),
            }),
            { maxLength: 3 },
          ),
        ),
        communityGalleryInfo: opt(
          fc.record({
            publisherUri: opt(fc.constantFrom('https://contoso.example')),
            publisherContact: opt(fc.constantFrom('a@contoso.example')),
            eula: opt(fc.constantFrom('eula')),
            publicNamePrefix: opt(fc.constantFrom('contoso')),
            publicNames: opt(fc.array(fc.constantFrom('contoso-1a2b'), { maxLength: 1 })),
            communityGalleryEnabled: opt(fc.boolean()),
          }),
        ),
      }),
    ),
    status: opt(
      fc.record({
        aggregatedState: opt(fc.constantFrom('Succeeded', 'InProgress')),
        summary: opt(
          fc.array(
            fc.record({ region: opt(regionName), state: opt(fc.constantFrom('Succeeded', 'Failed')), details: text }),
            { maxLength: 2 },
          ),
        ),
      }),
    ),
  })
  .map(
    (g): RestResource =>
      json({
        id: GALLERY,
        location: g.location,
        tags: g.tags,
        properties: {
          description: g.description,
          identifier: g.uniqueName === undefined ? undefined : { uniqueName: g.uniqueName },
          provisioningState: g.provisioningState,
          sharingProfile: g.sharing,
          sharingStatus: g.status,
        },
      }) as unknown as RestResource,
  );

describe('record mappers against the independent reference', () => {
  it('image versions', () => {
    fc.assert(
      fc.property(version, (r) => {
        expect(imageVersionRecordFrom(flatVersion(r as unknown as Json))).toEqual(expectedRecord(r));
      }),
      { numRuns: 400 },
    );
  });
  it('image definitions', () => {
    fc.assert(
      fc.property(image, (r) => {
        expect(imageDefinitionRecordFrom(flatImage(r as unknown as Json))).toEqual(expectedRecord(r));
      }),
      { numRuns: 400 },
    );
  });
  it('galleries', () => {
    fc.assert(
      fc.property(gallery, (r) => {
        expect(galleryRecordFrom(flatGallery(r as unknown as Json))).toEqual(expectedRecord(r));
      }),
      { numRuns: 300 },
    );
  });
});

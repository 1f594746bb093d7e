/**
 * The domain mirrors the SDK's shapes without importing it: these checks fail to compile if a
 * future @azure/arm-compute renames or retypes a field the catalog reads.
 */
import { describe, expect, it } from 'vitest';
import type { Gallery, GalleryImage, GalleryImageVersion } from '@azure/arm-compute';
import type { ArmGallery, ArmGalleryImage, ArmGalleryImageVersion } from '../../shared/domain/arm-shapes.js';
import { galleryRecordFrom, imageDefinitionRecordFrom, imageVersionRecordFrom } from '../../shared/domain/records.js';

// Compile-time: each SDK model is assignable to the domain's structural view.
const asGallery = (g: Gallery): ArmGallery => g;
const asImage = (i: GalleryImage): ArmGalleryImage => i;
const asVersion = (v: GalleryImageVersion): ArmGalleryImageVersion => v;

// Compile-time: every field the domain reads exists in the SDK model under the same name.
type Extra<Domain, Sdk> = Exclude<keyof Domain, keyof Sdk>;
const noExtraGalleryFields: [Extra<ArmGallery, Gallery>] extends [never] ? true : never = true;
const noExtraImageFields: [Extra<ArmGalleryImage, GalleryImage>] extends [never] ? true : never = true;
const noExtraVersionFields: [Extra<ArmGalleryImageVersion, GalleryImageVersion>] extends [never] ? true : never = true;
type PP = NonNullable<GalleryImageVersion['publishingProfile']>;
type DomainPP = NonNullable<ArmGalleryImageVersion['publishingProfile']>;
const noExtraPublishingFields: [Extra<DomainPP, PP>] extends [never] ? true : never = true;
type TR = NonNullable<PP['targetRegions']>[number];
type DomainTR = NonNullable<DomainPP['targetRegions']>[number];
const noExtraTargetRegionFields: [Extra<DomainTR, TR>] extends [never] ? true : never = true;
type RS = NonNullable<NonNullable<GalleryImageVersion['replicationStatus']>['summary']>[number];
type DomainRS = NonNullable<NonNullable<ArmGalleryImageVersion['replicationStatus']>['summary']>[number];
const noExtraReplicationFields: [Extra<DomainRS, RS>] extends [never] ? true : never = true;
type SP = NonNullable<GalleryImageVersion['storageProfile']>;
type DomainSP = NonNullable<ArmGalleryImageVersion['storageProfile']>;
const noExtraStorageFields: [Extra<DomainSP, SP>] extends [never] ? true : never = true;
const noExtraSourceFields: [Extra<NonNullable<DomainSP['source']>, NonNullable<SP['source']>>] extends [never] ? true : never = true;
type Sharing = NonNullable<Gallery['sharingProfile']>;
type DomainSharing = NonNullable<ArmGallery['sharingProfile']>;
const noExtraSharingFields: [Extra<DomainSharing, Sharing>] extends [never] ? true : never = true;
const noExtraCommunityFields: [Extra<NonNullable<DomainSharing['communityGalleryInfo']>, NonNullable<Sharing['communityGalleryInfo']>>] extends [never]
  ? true
  : never = true;

describe('arm-shapes mirror @azure/arm-compute', () => {
  it('has no field the SDK lacks (checked at compile time)', () => {
    expect([
      noExtraGalleryFields,
      noExtraImageFields,
      noExtraVersionFields,
      noExtraPublishingFields,
      noExtraTargetRegionFields,
      noExtraReplicationFields,
      noExtraStorageFields,
      noExtraSourceFields,
      noExtraSharingFields,
      noExtraCommunityFields,
    ]).toEqual(Array<true>(10).fill(true));
  });

  it('the mappers accept SDK-typed values as the SDK returns them (Date objects, flattened)', () => {
    const sdkVersion: GalleryImageVersion = {
      id: '/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0',
      location: 'westeurope',
      publishingProfile: { publishedDate: new Date('2026-01-01T00:00:00Z'), targetRegions: [{ name: 'West Europe', excludeFromLatest: true }] },
      storageProfile: {},
    };
    const sdkImage: GalleryImage = {
      id: '/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i',
      location: 'westeurope',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'p', offer: 'o', sku: 's' },
      endOfLifeDate: new Date('2030-01-01T00:00:00Z'),
    };
    const sdkGallery: Gallery = {
      id: '/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg/providers/Microsoft.Compute/galleries/g',
      location: 'westeurope',
      sharingProfile: { permissions: 'Community' },
    };
    expect(imageVersionRecordFrom(asVersion(sdkVersion)).publishedDate).toBe('2026-01-01T00:00:00.000Z');
    expect(imageVersionRecordFrom(sdkVersion).targetRegions[0]?.excludeFromLatest).toBe(true);
    expect(imageDefinitionRecordFrom(asImage(sdkImage)).endOfLifeDate).toBe('2030-01-01T00:00:00.000Z');
    expect(galleryRecordFrom(asGallery(sdkGallery)).sharing.permissions).toBe('Community');
  });
});

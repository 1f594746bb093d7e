/**
 * The domain mirrors the SDK's shapes without importing it; the mappers take what the SDK returns.
 * (That no domain field is missing from the SDK is checked at compile time, by the typecheck
 * step: test/types/arm-shapes.typecheck.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Gallery, GalleryImage, GalleryImageVersion } from '@azure/arm-compute';
import type { ArmGallery, ArmGalleryImage, ArmGalleryImageVersion } from '../../shared/domain/arm-shapes.js';
import { galleryRecordFrom, imageDefinitionRecordFrom, imageVersionRecordFrom } from '../../shared/domain/records.js';

// Compile-time: each SDK model is assignable to the domain's structural view.
const asGallery = (g: Gallery): ArmGallery => g;
const asImage = (i: GalleryImage): ArmGalleryImage => i;
const asVersion = (v: GalleryImageVersion): ArmGalleryImageVersion => v;

describe('arm-shapes mirror @azure/arm-compute', () => {
  it('the mappers accept SDK-typed values as the SDK returns them (Date objects, flattened)', () => {
    const sdkVersion: GalleryImageVersion = {
      id: '/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0',
      location: 'westeurope',
      publishingProfile: {
        publishedDate: new Date('2026-01-01T00:00:00Z'),
        targetRegions: [{ name: 'West Europe', excludeFromLatest: true }],
      },
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

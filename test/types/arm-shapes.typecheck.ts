/**
 * The domain mirrors the @azure/arm-compute SDK's shapes without importing it (shared/domain/arm-shapes.ts):
 * these checks fail to compile if a future SDK renames or retypes a field the catalog reads.
 * Checked by `npm run typecheck`, not by a test run.
 */
import type { Gallery, GalleryImage, GalleryImageVersion } from '@azure/arm-compute';
import type { ArmGallery, ArmGalleryImage, ArmGalleryImageVersion } from '../../shared/domain/arm-shapes.js';
import type { Assert, Extends, Extra, IsNever } from './assert.js';

// Each SDK model is assignable to the domain's structural view.
export type GalleryAssignable = Assert<Extends<Gallery, ArmGallery>>;
export type ImageAssignable = Assert<Extends<GalleryImage, ArmGalleryImage>>;
export type VersionAssignable = Assert<Extends<GalleryImageVersion, ArmGalleryImageVersion>>;

// Every field the domain reads exists in the SDK model under the same name.
type PP = NonNullable<GalleryImageVersion['publishingProfile']>;
type DomainPP = NonNullable<ArmGalleryImageVersion['publishingProfile']>;
type TR = NonNullable<PP['targetRegions']>[number];
type DomainTR = NonNullable<DomainPP['targetRegions']>[number];
type RS = NonNullable<NonNullable<GalleryImageVersion['replicationStatus']>['summary']>[number];
type DomainRS = NonNullable<NonNullable<ArmGalleryImageVersion['replicationStatus']>['summary']>[number];
type SP = NonNullable<GalleryImageVersion['storageProfile']>;
type DomainSP = NonNullable<ArmGalleryImageVersion['storageProfile']>;
type Sharing = NonNullable<Gallery['sharingProfile']>;
type DomainSharing = NonNullable<ArmGallery['sharingProfile']>;

export type NoExtraGalleryFields = Assert<IsNever<Extra<ArmGallery, Gallery>>>;
export type NoExtraImageFields = Assert<IsNever<Extra<ArmGalleryImage, GalleryImage>>>;
export type NoExtraVersionFields = Assert<IsNever<Extra<ArmGalleryImageVersion, GalleryImageVersion>>>;
export type NoExtraPublishingFields = Assert<IsNever<Extra<DomainPP, PP>>>;
export type NoExtraTargetRegionFields = Assert<IsNever<Extra<DomainTR, TR>>>;
export type NoExtraReplicationFields = Assert<IsNever<Extra<DomainRS, RS>>>;
export type NoExtraStorageFields = Assert<IsNever<Extra<DomainSP, SP>>>;
export type NoExtraSourceFields = Assert<IsNever<Extra<NonNullable<DomainSP['source']>, NonNullable<SP['source']>>>>;
export type NoExtraSharingFields = Assert<IsNever<Extra<DomainSharing, Sharing>>>;
export type NoExtraCommunityFields = Assert<
  IsNever<Extra<NonNullable<DomainSharing['communityGalleryInfo']>, NonNullable<Sharing['communityGalleryInfo']>>>
>;

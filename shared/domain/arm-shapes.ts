/**
 * Minimal structural views of what `@azure/arm-compute` (25.x) returns for galleries, image
 * definitions and image versions.
 *
 * The SDK flattens each resource's `properties` into the top level and turns date strings into
 * `Date`. These interfaces repeat only the fields the catalog reads, with the SDK's field names, all
 * optional and read-only, so that the SDK's `Gallery`, `GalleryImage` and `GalleryImageVersion`
 * are assignable to them without the domain importing the SDK (checked in
 * test/domain/arm-shapes.test.ts). Dates are also accepted as ISO strings.
 */

export type ArmDate = Date | string;

/** Fields common to every tracked ARM resource. */
export interface ArmTrackedResource {
  readonly id?: string;
  readonly name?: string;
  readonly type?: string;
  readonly location?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly provisioningState?: string;
}

// ---------------------------------------------------------------- gallery

export interface ArmSharingProfileGroup {
  /** `Subscriptions` or `AADTenants`. */
  readonly type?: string;
  readonly ids?: readonly string[];
}

export interface ArmCommunityGalleryInfo {
  readonly publisherUri?: string;
  readonly publisherContact?: string;
  readonly eula?: string;
  readonly publicNamePrefix?: string;
  readonly communityGalleryEnabled?: boolean;
  readonly publicNames?: readonly string[];
}

export interface ArmSharingProfile {
  /** `Private`, `Groups` or `Community`. */
  readonly permissions?: string;
  /** Only returned with `$expand=SharingProfile/Groups`. */
  readonly groups?: readonly ArmSharingProfileGroup[];
  readonly communityGalleryInfo?: ArmCommunityGalleryInfo;
}

export interface ArmRegionalSharingStatus {
  readonly region?: string;
  readonly state?: string;
  readonly details?: string;
}

export interface ArmSharingStatus {
  readonly aggregatedState?: string;
  readonly summary?: readonly ArmRegionalSharingStatus[];
}

export interface ArmGallery extends ArmTrackedResource {
  readonly description?: string;
  readonly identifier?: { readonly uniqueName?: string };
  readonly sharingProfile?: ArmSharingProfile;
  readonly sharingStatus?: ArmSharingStatus;
}

// ---------------------------------------------------------------- image definition

export interface ArmGalleryImageIdentifier {
  readonly publisher?: string;
  readonly offer?: string;
  readonly sku?: string;
}

export interface ArmResourceRange {
  readonly min?: number;
  readonly max?: number;
}

export interface ArmRecommendedMachineConfiguration {
  readonly vCPUs?: ArmResourceRange;
  /** Memory in GB. */
  readonly memory?: ArmResourceRange;
}

export interface ArmGalleryImageFeature {
  readonly name?: string;
  readonly value?: string;
}

export interface ArmImagePurchasePlan {
  readonly name?: string;
  readonly publisher?: string;
  readonly product?: string;
}

export interface ArmGalleryImage extends ArmTrackedResource {
  readonly description?: string;
  readonly eula?: string;
  readonly privacyStatementUri?: string;
  readonly releaseNoteUri?: string;
  readonly osType?: string;
  readonly osState?: string;
  readonly hyperVGeneration?: string;
  readonly endOfLifeDate?: ArmDate;
  readonly identifier?: ArmGalleryImageIdentifier;
  readonly recommended?: ArmRecommendedMachineConfiguration;
  readonly disallowed?: { readonly diskTypes?: readonly string[] };
  readonly purchasePlan?: ArmImagePurchasePlan;
  readonly features?: readonly ArmGalleryImageFeature[];
  readonly architecture?: string;
}

// ---------------------------------------------------------------- image version

export interface ArmTargetRegion {
  /** Display name ("West Europe") in responses; canonical names are accepted too. */
  readonly name?: string;
  readonly regionalReplicaCount?: number;
  readonly storageAccountType?: string;
  /** The regional exclude flag (`regionalExcludeFromLatest` in the portal and CLI). */
  readonly excludeFromLatest?: boolean;
}

export interface ArmGalleryImageVersionPublishingProfile {
  readonly targetRegions?: readonly ArmTargetRegion[];
  readonly replicaCount?: number;
  readonly excludeFromLatest?: boolean;
  readonly publishedDate?: ArmDate;
  readonly endOfLifeDate?: ArmDate;
  readonly storageAccountType?: string;
  readonly replicationMode?: string;
}

export interface ArmGalleryDiskImageSource {
  readonly id?: string;
  readonly uri?: string;
  readonly storageAccountId?: string;
}

export interface ArmGalleryDiskImage {
  readonly sizeInGB?: number;
  readonly hostCaching?: string;
  readonly source?: ArmGalleryDiskImageSource;
}

export interface ArmGalleryDataDiskImage extends ArmGalleryDiskImage {
  readonly lun?: number;
}

export interface ArmGalleryImageVersionStorageProfile {
  readonly source?: {
    readonly id?: string;
    readonly virtualMachineId?: string;
    readonly communityGalleryImageId?: string;
  };
  readonly osDiskImage?: ArmGalleryDiskImage;
  readonly dataDiskImages?: readonly ArmGalleryDataDiskImage[];
}

export interface ArmGalleryImageVersionSafetyProfile {
  readonly allowDeletionOfReplicatedLocations?: boolean;
  readonly reportedForPolicyViolation?: boolean;
  readonly blockDeletionBeforeEndOfLife?: boolean;
}

export interface ArmRegionalReplicationStatus {
  /** Display name ("West Europe"). */
  readonly region?: string;
  readonly state?: string;
  readonly details?: string;
  readonly progress?: number;
}

/** Only returned with `$expand=ReplicationStatus`. */
export interface ArmReplicationStatus {
  readonly aggregatedState?: string;
  readonly summary?: readonly ArmRegionalReplicationStatus[];
}

export interface ArmGalleryImageVersion extends ArmTrackedResource {
  readonly publishingProfile?: ArmGalleryImageVersionPublishingProfile;
  readonly storageProfile?: ArmGalleryImageVersionStorageProfile;
  readonly safetyProfile?: ArmGalleryImageVersionSafetyProfile;
  readonly replicationStatus?: ArmReplicationStatus;
}

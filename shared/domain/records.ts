/**
 * Catalog records: plain, JSON-friendly data (dates as ISO strings, no classes, no undefined
 * values: absent optional fields are omitted), and pure mappers from the flattened shapes the
 * `@azure/arm-compute` SDK returns (see arm-shapes.ts).
 *
 * Mapping rules:
 * - ids are parsed with parseResourceId; a missing or malformed id, or an id of the wrong level,
 *   throws InvalidArmResourceError. `id` in a record is the display id re-formatted with ARM's
 *   canonical segment casing (`resourceGroups`), keeping the casing of the names.
 * - regions are normalised ("West Europe" → "westeurope"); display names are kept where ARM gives them.
 * - defaults the service applies when a field is absent: hyperVGeneration V1, architecture x64,
 *   replicationMode Full, replicaCount 1, storageAccountType Standard_LRS, excludeFromLatest false;
 *   a target region's replica count and storage account type fall back to the version's.
 * - replicationStatus is only returned with `$expand=ReplicationStatus`: without it, every region's
 *   replication state is Unknown (not ready) and `replicationStatusReported` is false.
 * - sharingProfile.groups is only returned with `$expand=SharingProfile/Groups`: without it the id
 *   lists are empty and `groupsReported` is false (unknown, not "shared with nobody").
 */
import { z } from 'zod';
import type {
  ArmDate,
  ArmGallery,
  ArmGalleryDataDiskImage,
  ArmGalleryImage,
  ArmGalleryImageFeature,
  ArmGalleryImageVersion,
  ArmRegionalReplicationStatus,
  ArmResourceRange,
  ArmSharingProfileGroup,
  ArmTargetRegion,
} from './arm-shapes.js';
import {
  formatResourceId,
  InvalidResourceIdError,
  parseResourceId,
  type GalleryRef,
  type ImageRef,
  type ResourceLevel,
  type ResourceRef,
  type VersionRef,
} from './ids.js';
import { normalizeRegion } from './regions.js';
import type { Assert, SameShape } from './schemas.js';

/** A string union that still accepts (and autocompletes) unknown values the service may add. */
export type Open<K extends string> = K | (string & Record<never, never>);

export type Tags = Readonly<Record<string, string>>;

/** ARM provisioning states; `Unknown` when the response carried none. */
export type ProvisioningState = Open<
  'Creating' | 'Updating' | 'Failed' | 'Succeeded' | 'Deleting' | 'Migrating' | 'Unknown'
>;

// ---------------------------------------------------------------- gallery

export type SharingPermissions = Open<'Private' | 'Groups' | 'Community'>;

export interface CommunityGalleryRecord {
  readonly publisherUri?: string;
  readonly publisherContact?: string;
  readonly eula?: string;
  readonly publicNamePrefix?: string;
  readonly publicNames: readonly string[];
  readonly enabled: boolean;
}

export interface GallerySharingRecord {
  /** `Private` when the gallery has no sharing profile. */
  readonly permissions: SharingPermissions;
  /** False when the gallery was read without `$expand=SharingProfile/Groups`: the id lists are then unknown. */
  readonly groupsReported: boolean;
  /** Subscriptions the gallery is directly shared with (lower case, no duplicates). */
  readonly subscriptionIds: readonly string[];
  /** Tenants the gallery is directly shared with (lower case, no duplicates). */
  readonly tenantIds: readonly string[];
  readonly community?: CommunityGalleryRecord;
}

export interface GallerySharingStatusRecord {
  readonly aggregatedState: Open<'Succeeded' | 'InProgress' | 'Failed' | 'Unknown'>;
  readonly summary: ReadonlyArray<{ readonly region: string; readonly state: string; readonly details?: string }>;
}

export interface GalleryRecord {
  readonly ref: GalleryRef;
  readonly id: string;
  /** Normalised region. */
  readonly location: string;
  readonly description?: string;
  readonly tags: Tags;
  readonly uniqueName?: string;
  readonly provisioningState: ProvisioningState;
  readonly sharing: GallerySharingRecord;
  readonly sharingStatus?: GallerySharingStatusRecord;
}

// ---------------------------------------------------------------- image definition

export type OsType = 'Windows' | 'Linux';
export type OsState = 'Generalized' | 'Specialized';
export type HyperVGeneration = 'V1' | 'V2';
export type Architecture = 'x64' | 'Arm64';

export interface ImageFeaturesRecord {
  /** The `SecurityType` feature, e.g. TrustedLaunch, TrustedLaunchSupported, ConfidentialVM. */
  readonly securityType?: string;
  /** The `DiskControllerType(s)` feature split on commas: "SCSI, NVMe" → ["SCSI", "NVMe"]. */
  readonly diskControllerTypes?: readonly string[];
  /** `IsAcceleratedNetworkSupported`. */
  readonly acceleratedNetwork?: boolean;
  /** `IsHibernateSupported`. */
  readonly hibernate?: boolean;
  /** Every other feature (and a known boolean feature whose value is not True/False), by name. */
  readonly other: Readonly<Record<string, string>>;
}

export interface RangeRecord {
  readonly min?: number;
  readonly max?: number;
}

export interface PurchasePlanRecord {
  readonly name: string;
  readonly publisher: string;
  readonly product: string;
}

export const imageFeaturesSchema = z.strictObject({
  securityType: z.string().optional(),
  diskControllerTypes: z.array(z.string()).optional(),
  acceleratedNetwork: z.boolean().optional(),
  hibernate: z.boolean().optional(),
  other: z.record(z.string(), z.string()),
});
const rangeSchema = z.strictObject({ min: z.number().optional(), max: z.number().optional() });
export const recommendedSchema = z.strictObject({ vCPUs: rangeSchema.optional(), memoryGB: rangeSchema.optional() });
export const purchasePlanSchema = z.strictObject({ name: z.string(), publisher: z.string(), product: z.string() });

export interface ImageDefinitionRecord {
  readonly ref: ImageRef;
  readonly id: string;
  readonly location: string;
  readonly description?: string;
  readonly tags: Tags;
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  readonly osType: OsType;
  readonly osState: OsState;
  readonly hyperVGeneration: HyperVGeneration;
  readonly architecture: Architecture;
  readonly features: ImageFeaturesRecord;
  readonly recommended: { readonly vCPUs?: RangeRecord; readonly memoryGB?: RangeRecord };
  readonly disallowedDiskTypes: readonly string[];
  readonly purchasePlan?: PurchasePlanRecord;
  readonly eula?: string;
  readonly privacyStatementUri?: string;
  readonly releaseNoteUri?: string;
  /** Default end of life for every version of the definition (informational). */
  readonly endOfLifeDate?: string;
  readonly provisioningState: ProvisioningState;
}
type _FeaturesChecked = Assert<SameShape<ImageFeaturesRecord, z.infer<typeof imageFeaturesSchema>>>;
type _RecommendedChecked = Assert<SameShape<ImageDefinitionRecord['recommended'], z.infer<typeof recommendedSchema>>>;
type _PurchasePlanChecked = Assert<SameShape<PurchasePlanRecord, z.infer<typeof purchasePlanSchema>>>;

// ---------------------------------------------------------------- image version

export type ReplicationMode = 'Full' | 'Shallow';
export type StorageAccountType = Open<'Standard_LRS' | 'Standard_ZRS' | 'Premium_LRS' | 'PremiumV2_LRS'>;
export type AggregatedReplicationState = 'Unknown' | 'InProgress' | 'Completed' | 'Failed';
export type RegionalReplicationState = 'Unknown' | 'Replicating' | 'Completed' | 'Failed';

export type ImageVersionSourceKind =
  | 'virtualMachine'
  | 'managedImage'
  | 'galleryImageVersion'
  | 'sharedGalleryImage'
  | 'communityGalleryImage'
  | 'snapshot'
  | 'disk'
  | 'vhd'
  | 'other'
  | 'none';

export interface ImageVersionSource {
  readonly kind: ImageVersionSourceKind;
  /** The source resource id (for a VHD: the storage account id), when there is one. */
  readonly sourceId?: string;
  /** The blob URI of a VHD source. */
  readonly uri?: string;
}

export interface SafetyProfileRecord {
  readonly allowDeletionOfReplicatedLocations?: boolean;
  readonly reportedForPolicyViolation?: boolean;
  readonly blockDeletionBeforeEndOfLife?: boolean;
}

export interface TargetRegionRecord {
  /** Normalised region ("westeurope"). */
  readonly region: string;
  /** The name as ARM gave it ("West Europe"). */
  readonly displayName: string;
  /** regionalReplicaCount, or the version's replicaCount. */
  readonly replicaCount: number;
  /** The region's storage account type, or the version's. */
  readonly storageAccountType: StorageAccountType;
  /**
   * The regional flag as ARM gave it (ARM echoes `false` by default; absent when the entry has none).
   * Only `true` counts: a version is excluded in a region when this OR the global flag is true.
   */
  readonly excludeFromLatest?: boolean;
  readonly replicationState: RegionalReplicationState;
  readonly replicationDetails?: string;
  readonly progress?: number;
}

export interface ImageVersionRecord {
  readonly ref: VersionRef;
  readonly id: string;
  /** Normalised source region. */
  readonly location: string;
  readonly tags: Tags;
  readonly provisioningState: ProvisioningState;
  readonly publishedDate?: string;
  /** The global flag: when true, the version is excluded from latest in every region. */
  readonly excludeFromLatest: boolean;
  readonly endOfLifeDate?: string;
  readonly replicationMode: ReplicationMode;
  /** The global (default per region) replica count. */
  readonly replicaCount: number;
  /** The global (default per region) storage account type. */
  readonly storageAccountType: StorageAccountType;
  readonly source: ImageVersionSource;
  /** `storageProfile.osDiskImage.sizeInGB`: the OS disk image's size as ARM reports it. */
  readonly osDiskSizeGB?: number;
  readonly dataDiskCount: number;
  /** `storageProfile.dataDiskImages[].sizeInGB` of the data disks that report one, by LUN; absent without data disks. */
  readonly dataDiskSizesGB?: readonly number[];
  readonly safetyProfile: SafetyProfileRecord;
  /** False when the version was read without `$expand=ReplicationStatus`. */
  readonly replicationStatusReported: boolean;
  readonly aggregatedReplicationState: AggregatedReplicationState;
  readonly targetRegions: readonly TargetRegionRecord[];
}

// ---------------------------------------------------------------- errors

export type ArmResourceKind = 'gallery' | 'image definition' | 'image version';

export class InvalidArmResourceError extends Error {
  constructor(
    readonly kind: ArmResourceKind,
    readonly resourceId: string | undefined,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`Invalid ${kind}${resourceId === undefined ? '' : ` ${resourceId.slice(0, 300)}`}: ${reason}`, options);
    this.name = 'InvalidArmResourceError';
  }
}

// ---------------------------------------------------------------- mappers

export const DEFAULT_REPLICA_COUNT = 1;
export const DEFAULT_STORAGE_ACCOUNT_TYPE = 'Standard_LRS';

export function galleryRecordFrom(g: ArmGallery): GalleryRecord {
  const ctx = context('gallery', g.id);
  const ref = refOf(ctx, g.id, 'gallery');
  const sp = g.sharingProfile;
  const groups = sp?.groups;
  const community = sp?.communityGalleryInfo;
  const sharing: GallerySharingRecord = compact({
    permissions: sp?.permissions ?? 'Private',
    groupsReported: groups !== undefined,
    subscriptionIds: idsOfGroup(groups, 'subscriptions'),
    tenantIds: idsOfGroup(groups, 'aadtenants'),
    community:
      community === undefined
        ? undefined
        : compact({
            publisherUri: community.publisherUri,
            publisherContact: community.publisherContact,
            eula: community.eula,
            publicNamePrefix: community.publicNamePrefix,
            publicNames: [...(community.publicNames ?? [])],
            enabled: community.communityGalleryEnabled ?? false,
          }),
  });
  const status = g.sharingStatus;
  return compact({
    ref,
    id: formatResourceId(ref),
    location: locationOf(ctx, g.location),
    description: g.description,
    tags: tagsOf(g.tags),
    uniqueName: g.identifier?.uniqueName,
    provisioningState: g.provisioningState ?? 'Unknown',
    sharing,
    sharingStatus:
      status === undefined
        ? undefined
        : {
            aggregatedState: status.aggregatedState ?? 'Unknown',
            summary: (status.summary ?? []).map((s) =>
              compact({
                region: normalizeRegion(s.region ?? ''),
                state: s.state ?? 'Unknown',
                details: nonEmpty(s.details),
              }),
            ),
          },
  });
}

export function imageDefinitionRecordFrom(i: ArmGalleryImage): ImageDefinitionRecord {
  const ctx = context('image definition', i.id);
  const ref = refOf(ctx, i.id, 'image');
  const identifier = i.identifier;
  const publisher = identifier?.publisher;
  const offer = identifier?.offer;
  const sku = identifier?.sku;
  if (!publisher || !offer || !sku)
    throw ctx.error('identifier.publisher, identifier.offer and identifier.sku are required');
  const plan = i.purchasePlan;
  const hasPlan = plan !== undefined && (plan.name ?? plan.publisher ?? plan.product) !== undefined;
  return compact({
    ref,
    id: formatResourceId(ref),
    location: locationOf(ctx, i.location),
    description: i.description,
    tags: tagsOf(i.tags),
    publisher,
    offer,
    sku,
    osType: required(ctx, 'osType', oneOf(ctx, 'osType', i.osType, ['Windows', 'Linux'] as const)),
    osState: required(ctx, 'osState', oneOf(ctx, 'osState', i.osState, ['Generalized', 'Specialized'] as const)),
    hyperVGeneration: oneOf(ctx, 'hyperVGeneration', i.hyperVGeneration, ['V1', 'V2'] as const) ?? 'V1',
    architecture: oneOf(ctx, 'architecture', i.architecture, ['x64', 'Arm64'] as const) ?? 'x64',
    features: featuresOf(i.features),
    recommended: compact({ vCPUs: rangeOf(i.recommended?.vCPUs), memoryGB: rangeOf(i.recommended?.memory) }),
    disallowedDiskTypes: [...(i.disallowed?.diskTypes ?? [])],
    purchasePlan: hasPlan
      ? { name: plan.name ?? '', publisher: plan.publisher ?? '', product: plan.product ?? '' }
      : undefined,
    eula: i.eula,
    privacyStatementUri: i.privacyStatementUri,
    releaseNoteUri: i.releaseNoteUri,
    endOfLifeDate: isoDate(ctx, 'endOfLifeDate', i.endOfLifeDate),
    provisioningState: i.provisioningState ?? 'Unknown',
  });
}

export function imageVersionRecordFrom(v: ArmGalleryImageVersion): ImageVersionRecord {
  const ctx = context('image version', v.id);
  const ref = refOf(ctx, v.id, 'version');
  const location = locationOf(ctx, v.location);
  const pp = v.publishingProfile;
  const replicaCount = pp?.replicaCount ?? DEFAULT_REPLICA_COUNT;
  const storageAccountType = pp?.storageAccountType ?? DEFAULT_STORAGE_ACCOUNT_TYPE;
  const status = v.replicationStatus;
  const reported = status !== undefined;
  const aggregated = aggregatedStateOf(status?.aggregatedState);
  const summary = new Map<string, ArmRegionalReplicationStatus>();
  for (const s of status?.summary ?? []) {
    const region = normalizeRegion(s.region ?? '');
    if (region && !summary.has(region)) summary.set(region, s);
  }
  // The service replicates to the source region when no target regions are given.
  const targets: readonly ArmTargetRegion[] = pp?.targetRegions?.length ? pp.targetRegions : [{ name: v.location }];
  const seen = new Set<string>();
  const targetRegions: TargetRegionRecord[] = [];
  for (const t of targets) {
    const displayName = t.name ?? '';
    const region = normalizeRegion(displayName);
    if (!region) throw ctx.error('a target region has no name');
    if (seen.has(region)) continue;
    seen.add(region);
    const s = summary.get(region);
    targetRegions.push(
      compact({
        region,
        displayName,
        replicaCount: t.regionalReplicaCount ?? replicaCount,
        storageAccountType: t.storageAccountType ?? storageAccountType,
        excludeFromLatest: t.excludeFromLatest,
        replicationState: s ? regionalStateOf(s.state) : regionalStateWithoutEntry(reported, aggregated),
        replicationDetails: nonEmpty(s?.details),
        progress: s?.progress,
      }),
    );
  }
  const sp = v.safetyProfile;
  return compact({
    ref,
    id: formatResourceId(ref),
    location,
    tags: tagsOf(v.tags),
    provisioningState: v.provisioningState ?? 'Unknown',
    publishedDate: isoDate(ctx, 'publishingProfile.publishedDate', pp?.publishedDate),
    excludeFromLatest: pp?.excludeFromLatest ?? false,
    endOfLifeDate: isoDate(ctx, 'publishingProfile.endOfLifeDate', pp?.endOfLifeDate),
    replicationMode:
      oneOf(ctx, 'publishingProfile.replicationMode', pp?.replicationMode, ['Full', 'Shallow'] as const) ?? 'Full',
    replicaCount,
    storageAccountType,
    source: sourceOf(v),
    osDiskSizeGB: v.storageProfile?.osDiskImage?.sizeInGB,
    dataDiskCount: v.storageProfile?.dataDiskImages?.length ?? 0,
    dataDiskSizesGB: dataDiskSizesOf(v.storageProfile?.dataDiskImages),
    safetyProfile: compact({
      allowDeletionOfReplicatedLocations: sp?.allowDeletionOfReplicatedLocations,
      reportedForPolicyViolation: sp?.reportedForPolicyViolation,
      blockDeletionBeforeEndOfLife: sp?.blockDeletionBeforeEndOfLife,
    }),
    replicationStatusReported: reported,
    aggregatedReplicationState: aggregated,
    targetRegions,
  });
}

// ---------------------------------------------------------------- helpers

/** The reported data disk sizes ordered by LUN (disks without a size left out); undefined without data disks. */
function dataDiskSizesOf(disks: readonly ArmGalleryDataDiskImage[] | undefined): number[] | undefined {
  if (!disks?.length) return undefined;
  return [...disks]
    .sort((a, b) => (a.lun ?? 0) - (b.lun ?? 0))
    .flatMap((d) =>
      typeof d.sizeInGB === 'number' && Number.isFinite(d.sizeInGB) && d.sizeInGB >= 0 ? [d.sizeInGB] : [],
    );
}

interface Ctx {
  readonly kind: ArmResourceKind;
  readonly id: string | undefined;
  error(reason: string, options?: ErrorOptions): InvalidArmResourceError;
}

function context(kind: ArmResourceKind, id: string | undefined): Ctx {
  return { kind, id, error: (reason, options) => new InvalidArmResourceError(kind, id, reason, options) };
}

function refOf(ctx: Ctx, id: string | undefined, level: 'gallery'): GalleryRef;
function refOf(ctx: Ctx, id: string | undefined, level: 'image'): ImageRef;
function refOf(ctx: Ctx, id: string | undefined, level: 'version'): VersionRef;
function refOf(ctx: Ctx, id: string | undefined, level: ResourceLevel): GalleryRef | ImageRef | VersionRef {
  if (typeof id !== 'string' || id.length === 0) throw ctx.error('has no id');
  const ref = parseOrThrow(ctx, id);
  if (ref.level !== level) throw ctx.error(`id names ${articleFor(ref.level)}, not ${articleFor(level)}`);
  return ref;
}

function parseOrThrow(ctx: Ctx, id: string): ResourceRef {
  try {
    return parseResourceId(id);
  } catch (e) {
    if (e instanceof InvalidResourceIdError) throw ctx.error(`malformed id: ${e.reason}`, { cause: e });
    throw e;
  }
}

function articleFor(level: ResourceLevel): string {
  return level === 'gallery' ? 'a gallery' : level === 'image' ? 'an image definition' : 'an image version';
}

function locationOf(ctx: Ctx, location: string | undefined): string {
  const region = normalizeRegion(location ?? '');
  if (!region) throw ctx.error('has no location');
  return region;
}

function tagsOf(tags: Readonly<Record<string, string>> | undefined): Tags {
  // Object.fromEntries defines own properties, so a tag named "__proto__" stays a plain tag.
  return Object.fromEntries(Object.entries(tags ?? {}).filter(([, value]) => typeof value === 'string'));
}

function idsOfGroup(
  groups: readonly ArmSharingProfileGroup[] | undefined,
  type: 'subscriptions' | 'aadtenants',
): string[] {
  const ids = new Set<string>();
  for (const group of groups ?? []) {
    if ((group.type ?? '').toLowerCase() !== type) continue;
    for (const id of group.ids ?? []) {
      const trimmed = id.trim().toLowerCase();
      if (trimmed) ids.add(trimmed);
    }
  }
  return [...ids];
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.length === 0 ? undefined : s;
}

/** Matches a value case-insensitively against the known values; undefined stays undefined; unknown throws. */
function oneOf<K extends string>(
  ctx: Ctx,
  field: string,
  value: string | undefined,
  known: readonly K[],
): K | undefined {
  if (value === undefined || value === '') return undefined;
  const found = known.find((k) => k.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw ctx.error(`${field} "${value}" is not one of ${known.join(', ')}`);
  return found;
}

function required<T>(ctx: Ctx, field: string, value: T | undefined): T {
  if (value === undefined) throw ctx.error(`${field} is required`);
  return value;
}

function isoDate(ctx: Ctx, field: string, value: ArmDate | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw ctx.error(`${field} is not a valid date`);
  return date.toISOString();
}

function rangeOf(r: ArmResourceRange | undefined): RangeRecord | undefined {
  if (r === undefined) return undefined;
  const min = Number.isFinite(r.min) ? r.min : undefined;
  const max = Number.isFinite(r.max) ? r.max : undefined;
  return min === undefined && max === undefined ? undefined : compact({ min, max });
}

function booleanOf(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

function featuresOf(features: readonly ArmGalleryImageFeature[] | undefined): ImageFeaturesRecord {
  let securityType: string | undefined;
  let diskControllerTypes: string[] | undefined;
  let acceleratedNetwork: boolean | undefined;
  let hibernate: boolean | undefined;
  const other = new Map<string, string>();
  for (const f of features ?? []) {
    const name = (f.name ?? '').trim();
    if (!name) continue;
    const value = f.value ?? '';
    switch (name.toLowerCase()) {
      case 'securitytype':
        securityType = value;
        break;
      case 'diskcontrollertype':
      case 'diskcontrollertypes':
        diskControllerTypes = value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        break;
      case 'isacceleratednetworksupported': {
        const b = booleanOf(value);
        if (b === undefined) other.set(name, value);
        else acceleratedNetwork = b;
        break;
      }
      case 'ishibernatesupported': {
        const b = booleanOf(value);
        if (b === undefined) other.set(name, value);
        else hibernate = b;
        break;
      }
      default:
        other.set(name, value);
    }
  }
  return compact({
    securityType,
    diskControllerTypes,
    acceleratedNetwork,
    hibernate,
    other: Object.fromEntries(other),
  });
}

/** The canonical spelling of a state ARM may send in any case; anything else is the fallback. */
function canonicalOf<T extends string>(allowed: readonly T[], fallback: T): (state: string | undefined) => T {
  return (state) => allowed.find((a) => a.toLowerCase() === (state ?? '').toLowerCase()) ?? fallback;
}
const aggregatedStateOf = canonicalOf<AggregatedReplicationState>(
  ['InProgress', 'Completed', 'Failed', 'Unknown'],
  'Unknown',
);
const regionalStateOf = canonicalOf<RegionalReplicationState>(
  ['Replicating', 'Completed', 'Failed', 'Unknown'],
  'Unknown',
);

/**
 * A targeted region without a summary entry: Completed when the aggregate is Completed (every
 * region is), Replicating when it is InProgress, otherwise Unknown (not reported, or failed
 * somewhere without saying where).
 */
function regionalStateWithoutEntry(
  reported: boolean,
  aggregated: AggregatedReplicationState,
): RegionalReplicationState {
  if (!reported) return 'Unknown';
  if (aggregated === 'Completed') return 'Completed';
  if (aggregated === 'InProgress') return 'Replicating';
  return 'Unknown';
}

const SOURCE_PATTERNS: ReadonlyArray<readonly [RegExp, ImageVersionSourceKind]> = [
  [/\/providers\/microsoft\.compute\/virtualmachines\//i, 'virtualMachine'],
  [/\/providers\/microsoft\.compute\/galleries\//i, 'galleryImageVersion'],
  [/^\/sharedgalleries\/|\/providers\/microsoft\.compute\/locations\/[^/]+\/sharedgalleries\//i, 'sharedGalleryImage'],
  [
    /^\/communitygalleries\/|\/providers\/microsoft\.compute\/locations\/[^/]+\/communitygalleries\//i,
    'communityGalleryImage',
  ],
  [/\/providers\/microsoft\.compute\/images\//i, 'managedImage'],
  [/\/providers\/microsoft\.compute\/snapshots\//i, 'snapshot'],
  [/\/providers\/microsoft\.compute\/disks\//i, 'disk'],
];

/** The kind of an image version source, from its resource id. */
export function sourceKindOf(sourceId: string): ImageVersionSourceKind {
  for (const [pattern, kind] of SOURCE_PATTERNS) if (pattern.test(sourceId)) return kind;
  return 'other';
}

function sourceOf(v: ArmGalleryImageVersion): ImageVersionSource {
  const sp = v.storageProfile;
  const src = sp?.source;
  if (src?.virtualMachineId) return { kind: 'virtualMachine', sourceId: src.virtualMachineId };
  if (src?.communityGalleryImageId) return { kind: 'communityGalleryImage', sourceId: src.communityGalleryImageId };
  if (src?.id) return { kind: sourceKindOf(src.id), sourceId: src.id };
  const disk = sp?.osDiskImage?.source;
  if (disk?.id) return { kind: sourceKindOf(disk.id), sourceId: disk.id };
  if (disk?.uri) return compact({ kind: 'vhd', sourceId: disk.storageAccountId, uri: disk.uri });
  return { kind: 'none' };
}

/** A shallow copy without the keys whose value is undefined, so records stay JSON-identical. */
function compact<T extends object>(o: T): T {
  const out: Partial<T> = {};
  for (const key of Object.keys(o) as Array<keyof T>) {
    if (o[key] !== undefined) out[key] = o[key];
  }
  return out as T;
}

/**
 * VM size capabilities for one region, from the Resource SKUs list (`resourceSkus.list`).
 *
 * `SkuLike` repeats the fields of `@azure/arm-compute`'s `ResourceSku` that are read here, with the
 * SDK's names, all optional and read-only, so an SDK value is assignable to it (checked in
 * test/domain/vm-sizes.test.ts) without the domain importing the SDK.
 *
 * Capability names and values compare case-insensitively. Defaults when a capability is absent:
 * - `HyperVGenerations`: V1 only (the generation every size supported before Gen2 existed);
 * - `CpuArchitectureType`: x64;
 * - `AcceleratedNetworkingEnabled`, `PremiumIO`: false;
 * - `TrustedLaunchDisabled`: false, so trusted launch is supported unless the SKU says `True`;
 * - `DiskControllerTypes`: SCSI only;
 * - `ConfidentialComputingType`: none (not a confidential size).
 *
 * Region: a size is offered in a region when the SKU's `locations` list it (or, when `locations`
 * is absent, its `locationInfo` does). It is restricted there when a `Location` restriction names
 * the region (subscription not allowed, quota); `Zone` restrictions remove single zones.
 *
 * The result is plain JSON (no undefined values, no classes) so it can be cached in a table row;
 * `vmSizeCapabilitiesSchema` validates a cached value on the way back.
 */
import { z } from 'zod';
import { normalizeRegion } from './regions.js';

export interface SkuCapabilityLike {
  readonly name?: string;
  readonly value?: string;
}
export interface SkuRestrictionLike {
  /** `Location` or `Zone`. */
  readonly type?: string;
  /** For a Location restriction, the restricted locations; for a Zone restriction, the location. */
  readonly values?: readonly string[];
  readonly restrictionInfo?: { readonly locations?: readonly string[]; readonly zones?: readonly string[] };
  /** `QuotaId` or `NotAvailableForSubscription`. */
  readonly reasonCode?: string;
}
export interface SkuLocationInfoLike {
  readonly location?: string;
  readonly zones?: readonly string[];
}
/** The fields of `@azure/arm-compute` ResourceSku read here. */
export interface SkuLike {
  readonly resourceType?: string;
  readonly name?: string;
  readonly locations?: readonly string[];
  readonly locationInfo?: readonly SkuLocationInfoLike[];
  readonly capabilities?: readonly SkuCapabilityLike[];
  readonly restrictions?: readonly SkuRestrictionLike[];
}

export type SizeHyperVGeneration = 'V1' | 'V2';
export type SizeArchitecture = 'x64' | 'Arm64';

export interface VmSizeCapabilities {
  /** The size name as ARM spells it (e.g. `Standard_D2s_v5`). */
  readonly name: string;
  /** The normalised region these facts are for. */
  readonly region: string;
  readonly vCPUs?: number;
  readonly memoryGB?: number;
  readonly hyperVGenerations: SizeHyperVGeneration[];
  readonly architecture: SizeArchitecture;
  readonly acceleratedNetworking: boolean;
  readonly premiumIO: boolean;
  /** `TrustedLaunchDisabled` is not `True`. */
  readonly trustedLaunchSupported: boolean;
  /** `ConfidentialComputingType` (e.g. `SNP`, `TDX`) when the size is a confidential-VM size. */
  readonly confidentialComputing?: string;
  readonly diskControllerTypes: string[];
  /**
   * `EncryptionAtHostSupported` is `True` (absent: not supported). Undefined only in capabilities
   * cached before it was read: unknown.
   */
  readonly encryptionAtHostSupported?: boolean;
  /** The SKU lists the region. */
  readonly offeredInRegion: boolean;
  /** A Location restriction applies to the region (the size cannot be used there by this subscription). */
  readonly restrictedInRegion: boolean;
  /** Reason codes of the restrictions that apply to the region (`NotAvailableForSubscription`, `QuotaId`). */
  readonly restrictionReasons: string[];
  /** Zones of the region the size is available in (restricted zones removed); absent when the SKU gives no zone information. */
  readonly zones?: string[];
}

export const vmSizeCapabilitiesSchema = z.strictObject({
  name: z.string().min(1),
  region: z.string(),
  vCPUs: z.number().nonnegative().optional(),
  memoryGB: z.number().nonnegative().optional(),
  hyperVGenerations: z.array(z.enum(['V1', 'V2'])),
  architecture: z.enum(['x64', 'Arm64']),
  acceleratedNetworking: z.boolean(),
  premiumIO: z.boolean(),
  trustedLaunchSupported: z.boolean(),
  confidentialComputing: z.string().optional(),
  diskControllerTypes: z.array(z.string()),
  encryptionAtHostSupported: z.boolean().optional(),
  offeredInRegion: z.boolean(),
  restrictedInRegion: z.boolean(),
  restrictionReasons: z.array(z.string()),
  zones: z.array(z.string()).optional(),
});

// Compile-time: the schema's output is exactly VmSizeCapabilities.
type SchemaOut = z.infer<typeof vmSizeCapabilitiesSchema>;
const _sameShape: [SchemaOut] extends [VmSizeCapabilities]
  ? [VmSizeCapabilities] extends [SchemaOut]
    ? true
    : never
  : never = true;
void _sameShape;

export const DEFAULT_DISK_CONTROLLER_TYPES: readonly string[] = ['SCSI'];
export const DEFAULT_HYPERV_GENERATIONS: readonly SizeHyperVGeneration[] = ['V1'];

/** The value of a named capability (case-insensitive name), or undefined. */
export function capabilityOf(sku: Pick<SkuLike, 'capabilities'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = sku.capabilities?.find((c) => (c.name ?? '').toLowerCase() === wanted);
  const value = found?.value?.trim();
  return value === undefined || value === '' ? undefined : value;
}

const isTrue = (v: string | undefined): boolean => v?.toLowerCase() === 'true';

function numberOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function listOf(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function generationsOf(v: string | undefined): SizeHyperVGeneration[] {
  if (v === undefined) return [...DEFAULT_HYPERV_GENERATIONS];
  const out: SizeHyperVGeneration[] = [];
  for (const g of listOf(v)) {
    const upper = g.toUpperCase();
    if ((upper === 'V1' || upper === 'V2') && !out.includes(upper)) out.push(upper);
  }
  return out;
}

function architectureOf(v: string | undefined): SizeArchitecture {
  return v?.toLowerCase() === 'arm64' ? 'Arm64' : 'x64';
}

function diskControllersOf(v: string | undefined): string[] {
  // a Map, not an object literal: a value such as `__proto__` must read as itself, not as Object.prototype
  const known = new Map([
    ['scsi', 'SCSI'],
    ['nvme', 'NVMe'],
  ]);
  const out: string[] = [];
  for (const t of listOf(v)) {
    const canonical = known.get(t.toLowerCase()) ?? t;
    if (!out.some((o) => o.toLowerCase() === canonical.toLowerCase())) out.push(canonical);
  }
  return out.length > 0 ? out : [...DEFAULT_DISK_CONTROLLER_TYPES];
}

/** True for a SKU of resource type `virtualMachines` (or one without a resource type) that has a name. */
export function isVmSku(sku: SkuLike): boolean {
  const type = sku.resourceType;
  return (
    (type === undefined || type.toLowerCase() === 'virtualmachines') &&
    typeof sku.name === 'string' &&
    sku.name.trim().length > 0
  );
}

/**
 * The capabilities of a VM size in a region; undefined when the SKU is not a VM size (another
 * resource type, or no name).
 */
export function vmSizeFromSku(sku: SkuLike, region: string): VmSizeCapabilities | undefined {
  if (!isVmSku(sku)) return undefined;
  const where = normalizeRegion(region);
  const inRegion = (l: string | undefined): boolean => l !== undefined && normalizeRegion(l) === where;

  const offeredInRegion =
    sku.locations !== undefined
      ? sku.locations.some(inRegion)
      : (sku.locationInfo ?? []).some((i) => inRegion(i.location));

  let restrictedInRegion = false;
  const reasons: string[] = [];
  const restrictedZones = new Set<string>();
  for (const r of sku.restrictions ?? []) {
    const type = (r.type ?? '').toLowerCase();
    const names = [...(r.values ?? []), ...(r.restrictionInfo?.locations ?? [])];
    if (!names.some(inRegion)) continue;
    if (type === 'location') {
      restrictedInRegion = true;
    } else if (type === 'zone') {
      for (const z of r.restrictionInfo?.zones ?? []) restrictedZones.add(z.trim());
    } else {
      continue;
    }
    if (r.reasonCode && !reasons.includes(r.reasonCode)) reasons.push(r.reasonCode);
  }

  const info = (sku.locationInfo ?? []).find((i) => inRegion(i.location));
  const zones =
    info?.zones === undefined
      ? undefined
      : [...new Set(info.zones.map((z) => z.trim()))].filter((z) => z !== '' && !restrictedZones.has(z)).sort();

  const vCPUs = numberOf(capabilityOf(sku, 'vCPUs'));
  const memoryGB = numberOf(capabilityOf(sku, 'MemoryGB'));
  const confidentialComputing = capabilityOf(sku, 'ConfidentialComputingType');
  const result: VmSizeCapabilities = {
    name: sku.name?.trim() ?? '',
    region: where,
    ...(vCPUs === undefined ? {} : { vCPUs }),
    ...(memoryGB === undefined ? {} : { memoryGB }),
    hyperVGenerations: generationsOf(capabilityOf(sku, 'HyperVGenerations')),
    architecture: architectureOf(capabilityOf(sku, 'CpuArchitectureType')),
    acceleratedNetworking: isTrue(capabilityOf(sku, 'AcceleratedNetworkingEnabled')),
    premiumIO: isTrue(capabilityOf(sku, 'PremiumIO')),
    trustedLaunchSupported: !isTrue(capabilityOf(sku, 'TrustedLaunchDisabled')),
    ...(confidentialComputing === undefined ? {} : { confidentialComputing }),
    diskControllerTypes: diskControllersOf(capabilityOf(sku, 'DiskControllerTypes')),
    encryptionAtHostSupported: isTrue(capabilityOf(sku, 'EncryptionAtHostSupported')),
    offeredInRegion,
    restrictedInRegion,
    restrictionReasons: reasons,
    ...(zones === undefined ? {} : { zones }),
  };
  return result;
}

/**
 * Every VM size of a SKU list, for one region, keyed by size name (as ARM spells it). Non-VM SKUs
 * are skipped; when a name repeats, the first entry offered in the region wins.
 */
export function vmSizesFromSkus(skus: Iterable<SkuLike>, region: string): Record<string, VmSizeCapabilities> {
  const out: Record<string, VmSizeCapabilities> = Object.create(null) as Record<string, VmSizeCapabilities>;
  for (const sku of skus) {
    const size = vmSizeFromSku(sku, region);
    if (size === undefined) continue;
    const existing = out[size.name];
    if (existing === undefined || (!existing.offeredInRegion && size.offeredInRegion)) out[size.name] = size;
  }
  return out;
}

/** Looks a size up by name: exact first, then case-insensitively (Azure size names are case-insensitive). */
export function findVmSize<T>(sizes: Readonly<Record<string, T | undefined>>, name: string): T | undefined {
  if (Object.prototype.hasOwnProperty.call(sizes, name)) return sizes[name];
  const lower = name.toLowerCase();
  const key = Object.keys(sizes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : sizes[key];
}

/** True when the size can be deployed in its region: offered and not restricted. */
export function usableInRegion(size: Pick<VmSizeCapabilities, 'offeredInRegion' | 'restrictedInRegion'>): boolean {
  return size.offeredInRegion && !size.restrictedInRegion;
}

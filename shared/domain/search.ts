/**
 * Search over image definitions: the filters, how each one matches a definition, and the sort
 * key results are ordered and paged by. Pure: no I/O.
 *
 * Security filter. A `securityType` filter naming a VM security type (`Standard`, `TrustedLaunch`,
 * `ConfidentialVM`) is a family: it finds the definitions that can create VMs of that type, from
 * the image definition features table of "Store and share images in an Azure Compute Gallery"
 * (https://learn.microsoft.com/azure/virtual-machines/shared-image-galleries, SecurityType):
 *
 * | family           | definition SecurityType matched                                                        |
 * | ---------------- | -------------------------------------------------------------------------------------- |
 * | `TrustedLaunch`  | TrustedLaunch, TrustedLaunchSupported, TrustedLaunchAndConfidentialVmSupported          |
 * | `ConfidentialVM` | ConfidentialVM, ConfidentialVMSupported, TrustedLaunchAndConfidentialVmSupported        |
 * | `Standard`       | none (absent), Standard, TrustedLaunchSupported, ConfidentialVMSupported, TrustedLaunchAndConfidentialVmSupported |
 *
 * ("…Supported" is "a generic Gen2 image … Gen2 VM or TrustedLaunch VM can be created from this
 * image type"; `TrustedLaunch` and `ConfidentialVM` alone create only that type.) The same table
 * decides job compatibility (`securityTypesOf`). Any other value (`TrustedLaunchSupported`, …)
 * matches that SecurityType exactly, ignoring case. A definition with a SecurityType this service
 * does not know matches no family.
 *
 * Sort key. Results are ordered by the lower-cased resource id. The key `sub/rg/gallery/image`
 * (lower-cased) orders exactly like the id, because the id's fixed segments all begin with `/`;
 * it is stored as a Table Storage RowKey, which may not hold `/`, so `.` is written `.0` and `/`
 * `.1`: a prefix-free code that keeps the order (`-` < `.0` < `.1` < `0`).
 */
import { securityTypesOf, type VmSecurityType } from './compatibility.js';
import type { GalleryRef, ImageRef } from './ids.js';
import type { ImageDefinitionRecord } from './records.js';

export interface SearchCriteria {
  publisher?: string;
  offer?: string;
  sku?: string;
  osType?: string;
  osState?: string;
  architecture?: string;
  hyperVGeneration?: string;
  securityType?: string;
  region?: string;
}

export const SECURITY_FAMILIES: readonly VmSecurityType[] = ['Standard', 'TrustedLaunch', 'ConfidentialVM'];

/** The family a `securityType` filter names, or undefined when it names one SecurityType value. */
export function securityFamilyOf(filter: string): VmSecurityType | undefined {
  const f = filter.toLowerCase();
  return SECURITY_FAMILIES.find((s) => s.toLowerCase() === f);
}

/** The search index column of a family: `S_trustedlaunch`. */
export function searchFamiliesColumn(family: VmSecurityType): string {
  return `S_${family.toLowerCase()}`;
}

/** The families whose VMs a definition can create (none for an unknown SecurityType). */
export function securityFamiliesOf(image: Pick<ImageDefinitionRecord, 'features'>): readonly VmSecurityType[] {
  return securityTypesOf(image) ?? [];
}

/** The SecurityType compared by an exact (non-family) filter: absent is `Standard`. */
export function securityTypeKey(image: Pick<ImageDefinitionRecord, 'features'>): string {
  return (image.features.securityType ?? 'Standard').toLowerCase();
}

const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Whether a definition matches every filter but `region` (which depends on its versions). */
export function matchesSearch(image: ImageDefinitionRecord, f: SearchCriteria): boolean {
  if (f.publisher !== undefined && !eq(image.publisher, f.publisher)) return false;
  if (f.offer !== undefined && !eq(image.offer, f.offer)) return false;
  if (f.sku !== undefined && !eq(image.sku, f.sku)) return false;
  if (f.osType !== undefined && !eq(image.osType, f.osType)) return false;
  if (f.osState !== undefined && !eq(image.osState, f.osState)) return false;
  if (f.architecture !== undefined && !eq(image.architecture, f.architecture)) return false;
  if (f.hyperVGeneration !== undefined && !eq(image.hyperVGeneration, f.hyperVGeneration)) return false;
  if (f.securityType !== undefined) {
    const family = securityFamilyOf(f.securityType);
    if (family ? !securityFamiliesOf(image).includes(family) : securityTypeKey(image) !== f.securityType.toLowerCase())
      return false;
  }
  return true;
}

function encodeSortPart(text: string): string {
  return text.toLowerCase().replace(/[./]/g, (c) => (c === '.' ? '.0' : '.1'));
}

/** The sort key of an image definition (see the file comment): orders like its lower-cased id. */
export function searchSortKey(ref: Pick<ImageRef, 'subscriptionId' | 'resourceGroup' | 'gallery' | 'image'>): string {
  return encodeSortPart(`${ref.subscriptionId}/${ref.resourceGroup}/${ref.gallery}/${ref.image}`);
}

/** The key range `[from, to)` holding the sort keys of every definition of a gallery. */
export function gallerySortRange(ref: Pick<GalleryRef, 'subscriptionId' | 'resourceGroup' | 'gallery'>): {
  from: string;
  to: string;
} {
  const from = encodeSortPart(`${ref.subscriptionId}/${ref.resourceGroup}/${ref.gallery}/`);
  return { from, to: `${from.slice(0, -1)}2` };
}

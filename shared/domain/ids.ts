/**
 * Azure Compute Gallery resource ids.
 *
 * `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{g}[/images/{i}[/versions/{v}]]`
 *
 * ARM ids are case-insensitive: events and GET responses may differ in case (`resourcegroups`).
 * A ref keeps the display form of each name; `key` gives the normalised (lower-case) form to key on.
 */

export type ResourceLevel = 'gallery' | 'image' | 'version';

export interface GalleryRef {
  readonly level: 'gallery';
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly gallery: string;
}
export interface ImageRef extends Omit<GalleryRef, 'level'> {
  readonly level: 'image';
  readonly image: string;
}
export interface VersionRef extends Omit<ImageRef, 'level'> {
  readonly level: 'version';
  readonly version: string;
}
export type ResourceRef = GalleryRef | ImageRef | VersionRef;

export const MAX_RESOURCE_ID_LENGTH = 1024;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Resource group names: 1-90 of letters, digits, underscores, hyphens, periods, parentheses; not ending in a period. */
const RESOURCE_GROUP = /^[-\w._()\p{L}\p{N}]{1,90}$/u;
/** Gallery names: letters, digits, periods and underscores; 1-80; no leading or trailing period. */
const GALLERY = /^[A-Za-z0-9_]([A-Za-z0-9_.]{0,78}[A-Za-z0-9_])?$/;
/** Image definition names: letters, digits, hyphens, periods, underscores; 1-80; starts and ends with a letter or digit. */
const IMAGE = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9])?$/;
/** Version names: Major.Minor.Patch, each a 32-bit integer. */
const VERSION = /^\d{1,10}\.\d{1,10}\.\d{1,10}$/;

export class InvalidResourceIdError extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`Invalid gallery resource id: ${reason}`);
    this.name = 'InvalidResourceIdError';
  }
}

export function isSubscriptionId(s: string): boolean {
  return GUID.test(s);
}
export function isResourceGroupName(s: string): boolean {
  return RESOURCE_GROUP.test(s) && !s.endsWith('.');
}
export function isGalleryName(s: string): boolean {
  return GALLERY.test(s);
}
export function isImageName(s: string): boolean {
  return IMAGE.test(s);
}
export function isVersionName(s: string): boolean {
  if (!VERSION.test(s)) return false;
  return s.split('.').every((p) => Number(p) <= 2_147_483_647);
}

/** What is wrong with one name of a ref, or undefined when it is valid. */
export function nameProblem(
  field: 'subscriptionId' | 'resourceGroup' | 'gallery' | 'image' | 'version',
  value: string,
): string | undefined {
  switch (field) {
    case 'subscriptionId':
      return isSubscriptionId(value) ? undefined : 'must be a subscription GUID';
    case 'resourceGroup':
      return isResourceGroupName(value)
        ? undefined
        : 'must be a resource group name (1-90 letters, digits, _ - . ( ), not ending in .)';
    case 'gallery':
      return isGalleryName(value)
        ? undefined
        : 'must be a gallery name (1-80 letters, digits, _ and ., not starting or ending with .)';
    case 'image':
      return isImageName(value)
        ? undefined
        : 'must be an image definition name (1-80 letters, digits, _ - ., starting and ending with a letter or digit)';
    case 'version':
      return isVersionName(value) ? undefined : 'must be a version name Major.Minor.Patch of whole numbers';
  }
}

/**
 * Parses a gallery, image definition or image version id (case-insensitive segments, optional
 * trailing slash). Throws InvalidResourceIdError with the reason.
 */
export function parseResourceId(id: string): ResourceRef {
  if (typeof id !== 'string' || id.length === 0) throw new InvalidResourceIdError(String(id), 'empty');
  if (id.length > MAX_RESOURCE_ID_LENGTH)
    throw new InvalidResourceIdError(id.slice(0, 80), `longer than ${MAX_RESOURCE_ID_LENGTH} characters`);
  const trimmed = id.replace(/\/+$/, '');
  const parts = trimmed.split('/');
  if (parts[0] !== '') throw new InvalidResourceIdError(id, 'must start with /subscriptions/');
  const seg = parts.slice(1);
  const expect = (i: number, word: string): void => {
    if ((seg[i] ?? '').toLowerCase() !== word.toLowerCase()) {
      throw new InvalidResourceIdError(id, `expected "${word}" at segment ${i + 1}`);
    }
  };
  expect(0, 'subscriptions');
  expect(2, 'resourceGroups');
  expect(4, 'providers');
  expect(5, 'Microsoft.Compute');
  expect(6, 'galleries');
  const subscriptionId = seg[1] ?? '';
  const resourceGroup = seg[3] ?? '';
  const gallery = seg[7] ?? '';
  check(id, 'subscriptionId', subscriptionId);
  check(id, 'resourceGroup', resourceGroup);
  check(id, 'gallery', gallery);
  if (seg.length === 8) return { level: 'gallery', subscriptionId, resourceGroup, gallery };
  expect(8, 'images');
  const image = seg[9] ?? '';
  check(id, 'image', image);
  if (seg.length === 10) return { level: 'image', subscriptionId, resourceGroup, gallery, image };
  expect(10, 'versions');
  const version = seg[11] ?? '';
  check(id, 'version', version);
  if (seg.length === 12) return { level: 'version', subscriptionId, resourceGroup, gallery, image, version };
  throw new InvalidResourceIdError(id, 'has segments after the version name');
}

function check(id: string, field: Parameters<typeof nameProblem>[0], value: string): void {
  const problem = nameProblem(field, value);
  if (problem) throw new InvalidResourceIdError(id, `${field} ${problem}`);
}

export function tryParseResourceId(id: string): ResourceRef | undefined {
  try {
    return parseResourceId(id);
  } catch {
    return undefined;
  }
}

export function galleryRef(subscriptionId: string, resourceGroup: string, gallery: string): GalleryRef {
  return { level: 'gallery', subscriptionId, resourceGroup, gallery };
}
export function imageRef(g: Omit<GalleryRef, 'level'>, image: string): ImageRef {
  return {
    level: 'image',
    subscriptionId: g.subscriptionId,
    resourceGroup: g.resourceGroup,
    gallery: g.gallery,
    image,
  };
}
export function versionRef(i: Omit<ImageRef, 'level'>, version: string): VersionRef {
  return {
    level: 'version',
    subscriptionId: i.subscriptionId,
    resourceGroup: i.resourceGroup,
    gallery: i.gallery,
    image: i.image,
    version,
  };
}

/** The parent of a ref (an image's gallery, a version's image). */
export function parentOf(ref: ImageRef): GalleryRef;
export function parentOf(ref: VersionRef): ImageRef;
export function parentOf(ref: ImageRef | VersionRef): GalleryRef | ImageRef {
  if (ref.level === 'version') return imageRef(ref, ref.image);
  return galleryRef(ref.subscriptionId, ref.resourceGroup, ref.gallery);
}

/** The display form of the id, with ARM's canonical segment casing. */
export function formatResourceId(ref: ResourceRef): string {
  let id = `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Compute/galleries/${ref.gallery}`;
  if (ref.level === 'image' || ref.level === 'version') id += `/images/${ref.image}`;
  if (ref.level === 'version') id += `/versions/${ref.version}`;
  return id;
}

/** The normalised (lower-case) id: two ids name the same resource exactly when their keys are equal. */
export function resourceKey(ref: ResourceRef): string {
  return formatResourceId(ref).toLowerCase();
}

/** True when `inner` is `outer` or lies under it (a version under its image, an image under its gallery). */
export function isWithin(inner: ResourceRef, outer: ResourceRef): boolean {
  const a = resourceKey(inner);
  const b = resourceKey(outer);
  return a === b || a.startsWith(`${b}/`);
}

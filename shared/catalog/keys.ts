/**
 * Table keys for the catalog. Keys may not hold `/ \ # ?` or control characters, so names are
 * encoded (percent-encoding of the lower-cased name), never stripped; `|` separates the parts of a
 * composite key (it never appears in an encoded part). Lower-casing makes ARM's case-insensitive
 * ids key the same resource whatever casing an event or a response uses.
 */
import type { GalleryRef, ImageRef, VersionRef } from '../domain/ids.js';
import { versionSortKey } from '../domain/versions.js';

export const SEP = '|';
/** The character right after `|`: `prefix|` ≤ key < `prefix}` selects every key starting with `prefix|`. */
export const AFTER_SEP = '}';

export function encodeKeyPart(name: string): string {
  return encodeURIComponent(name.toLowerCase()).replace(
    /[!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function subscriptionKey(subscriptionId: string): string {
  return encodeKeyPart(subscriptionId);
}
export function galleryRowKey(ref: Pick<GalleryRef, 'resourceGroup' | 'gallery'>): string {
  return `${encodeKeyPart(ref.resourceGroup)}${SEP}${encodeKeyPart(ref.gallery)}`;
}
export function resourceGroupPrefix(resourceGroup: string): string {
  return `${encodeKeyPart(resourceGroup)}${SEP}`;
}
/** The key of a gallery across subscriptions: the PartitionKey of its image definitions. */
export function galleryKey(ref: Pick<GalleryRef, 'subscriptionId' | 'resourceGroup' | 'gallery'>): string {
  return `${encodeKeyPart(ref.subscriptionId)}${SEP}${galleryRowKey(ref)}`;
}
/** The key of an image definition: the PartitionKey of its versions. */
export function imageKey(ref: Pick<ImageRef, 'subscriptionId' | 'resourceGroup' | 'gallery' | 'image'>): string {
  return `${galleryKey(ref)}${SEP}${encodeKeyPart(ref.image)}`;
}
export function imageRowKey(ref: Pick<ImageRef, 'image'>): string {
  return encodeKeyPart(ref.image);
}
/** Versions sort newest first within their image's partition. */
export function versionRowKey(ref: Pick<VersionRef, 'version'>): string {
  return versionSortKey(ref.version);
}
export function versionKey(ref: VersionRef): string {
  return `${imageKey(ref)}${SEP}${encodeKeyPart(ref.version)}`;
}

/** Property-name-safe form of a normalised region (`westeurope` → `westeurope`). */
export function regionProperty(prefix: 'E' | 'D', region: string): string {
  return `${prefix}_${region.replace(/[^a-z0-9]/g, '')}`;
}

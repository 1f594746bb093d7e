import type { HttpRequest } from '@azure/functions';
import { galleryRef, imageRef, type GalleryRef, type ImageRef } from '../domain/ids.js';
import type { Validator } from './api.js';

/** The subscription id of a cascade route (lower-cased). */
export function subscriptionParam(request: HttpRequest, v: Validator): string {
  return v.name('subscriptionId', 'path.subscriptionId', request.params.subscriptionId).toLowerCase();
}

export function galleryParams(request: HttpRequest, v: Validator): GalleryRef {
  return galleryRef(
    subscriptionParam(request, v),
    v.name('resourceGroup', 'path.resourceGroup', request.params.resourceGroup),
    v.name('gallery', 'path.gallery', request.params.gallery),
  );
}

export function imageParams(request: HttpRequest, v: Validator): ImageRef {
  return imageRef(galleryParams(request, v), v.name('image', 'path.image', request.params.image));
}

/** The image-definition filters shared by the images list and search. */
export function imageFilterParams(request: HttpRequest, v: Validator) {
  const q = request.query;
  const pick = <T extends string>(name: string, allowed: readonly T[]) =>
    v.oneOf(`query.${name}`, q.get(name), allowed);
  const filters = {
    osType: pick('osType', ['Windows', 'Linux']),
    osState: pick('osState', ['Generalized', 'Specialized']),
    architecture: pick('architecture', ['x64', 'Arm64']),
    hyperVGeneration: pick('hyperVGeneration', ['V1', 'V2']),
    securityType: pick('securityType', [
      'Standard',
      'TrustedLaunch',
      'TrustedLaunchSupported',
      'ConfidentialVM',
      'ConfidentialVMSupported',
      'TrustedLaunchAndConfidentialVmSupported',
    ]),
  };
  return Object.fromEntries(Object.entries(filters).filter(([, val]) => val !== undefined)) as Partial<typeof filters>;
}

export const IMAGE_FILTERS = ['osType', 'osState', 'architecture', 'hyperVGeneration', 'securityType'] as const;
export const PAGING = ['top', 'continuationToken'] as const;

/**
 * Who may see which gallery resources (design §6).
 *
 * A caller is an organization and the subscriptions (Spot accounts) it acts for, in one tenant. A
 * gallery, image definition or image version is visible to it when one of these holds, checked in
 * this order (the first that holds is reported as `via`):
 *
 * 1. `own-subscription`: the resource lives in a subscription the caller acts for (every level).
 * 2. `gallery-grant`: an organization share of the whole gallery, mirroring an RBAC role
 *    assignment on the gallery: it shows the gallery, its definitions and their versions.
 * 3. `image-grant`: an organization share of one image definition, mirroring an RBAC assignment on
 *    the definition: it shows that definition and its versions, NOT the gallery (the RBAC sharing
 *    matrix of "Store and share resources in an Azure Compute Gallery").
 * 4. `direct-share-subscription`: the gallery is a direct shared gallery (`permissions: Groups`)
 *    whose sharing groups list a subscription the caller acts for (every level).
 * 5. `direct-share-tenant`: the same, listing the caller's tenant.
 * 6. `community`: the gallery is a community gallery (`permissions: Community`) and community
 *    sharing is enabled (every level: all images of a community gallery are public).
 *
 * Grants only work inside one organization: the grantee organization must be the caller's AND the
 * organization owning the gallery's subscription (Spot: "galleries of other subscriptions of its
 * organization"). A grant that names a subscription only applies when the caller acts for it; a
 * grant without one applies to the whole organization. A gallery whose owner organization is
 * unknown honours no grant. Sharing groups are only honoured for `Groups` permission, community
 * sharing only for `Community` permission (the gallery's sharing profile has exactly one).
 *
 * Every id (subscriptions, tenants, organizations, resource names) compares case-insensitively.
 * Pure: no I/O.
 */
import { z } from 'zod';
import { isSubscriptionId, isWithin, resourceKey, type GalleryRef, type ImageRef, type VersionRef } from './ids.js';
import type { GalleryRecord, GallerySharingRecord } from './records.js';
import type { ApplySettings } from './apply.js';

/** Who is asking: from the platform's authentication principal. Ids are lower-case GUIDs. */
export interface Caller {
  readonly organizationId: string;
  readonly tenantId: string;
  /** The subscriptions (accounts) the caller acts for. */
  readonly subscriptionIds: readonly string[];
}

export interface Organization {
  readonly id: string;
  readonly tenantId: string;
  readonly subscriptionIds: readonly string[];
  /**
   * Spot account ids (`act-…`) connected to the organization, each mapped to its subscription.
   * This is how an envelope's `caller.account` or a gallery's `spotAccountId` names a subscription.
   */
  readonly spotAccounts?: Readonly<Record<string, string>>;
  /** How the organization's jobs are applied (absent: target none). */
  readonly apply?: ApplySettings;
}

/** An organization share: the grantee organization (optionally one of its subscriptions) may see `scope`. */
export interface Grant {
  /** The grantee organization. */
  readonly organizationId: string;
  /** The grantee subscription; absent = the whole organization. */
  readonly subscriptionId?: string;
  /** A gallery (shows gallery, definitions, versions) or an image definition (shows it and its versions). */
  readonly scope: GalleryRef | ImageRef;
}

export interface GalleryFacts {
  readonly ref: GalleryRef;
  /** The organization owning the gallery's subscription, when it is a known organization. */
  readonly ownerOrganizationId?: string;
  /** The tenant of the gallery's subscription, when known. */
  readonly ownerTenantId?: string;
  readonly sharing: GallerySharingRecord;
}

export const visibleViaSchema = z.enum([
  'own-subscription',
  'gallery-grant',
  'image-grant',
  'direct-share-subscription',
  'direct-share-tenant',
  'community',
]);
export type VisibleVia = z.infer<typeof visibleViaSchema>;

export type Visibility = { readonly visible: true; readonly via: VisibleVia } | { readonly visible: false };

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** True when the caller acts for the subscription (case-insensitive). */
export function actsFor(caller: Caller, subscriptionId: string): boolean {
  return caller.subscriptionIds.some((s) => same(s, subscriptionId));
}

/** True when the grant is in force for this caller on this gallery (organization and subscription checks, not scope). */
export function grantApplies(caller: Caller, gallery: GalleryFacts, grant: Grant): boolean {
  if (!same(grant.organizationId, caller.organizationId)) return false;
  if (!same(gallery.ownerOrganizationId, caller.organizationId)) return false;
  if (grant.subscriptionId !== undefined && !actsFor(caller, grant.subscriptionId)) return false;
  return true;
}

/**
 * Whether the caller may see the target (a gallery, image definition or version of `gallery`). A
 * target outside `gallery` is never visible through it.
 */
export function canSee(
  caller: Caller,
  target: GalleryRef | ImageRef | VersionRef,
  gallery: GalleryFacts,
  grants: readonly Grant[],
): Visibility {
  if (!isWithin(target, gallery.ref)) return { visible: false };

  if (actsFor(caller, target.subscriptionId)) return { visible: true, via: 'own-subscription' };

  const applicable = grants.filter((g) => grantApplies(caller, gallery, g));
  if (applicable.some((g) => g.scope.level === 'gallery' && resourceKey(g.scope) === resourceKey(gallery.ref))) {
    return { visible: true, via: 'gallery-grant' };
  }
  if (target.level !== 'gallery' && applicable.some((g) => g.scope.level === 'image' && isWithin(target, g.scope))) {
    return { visible: true, via: 'image-grant' };
  }

  const sharing = gallery.sharing;
  const permissions = sharing.permissions.toLowerCase();
  if (permissions === 'groups') {
    if (sharing.subscriptionIds.some((s) => actsFor(caller, s)))
      return { visible: true, via: 'direct-share-subscription' };
    if (sharing.tenantIds.some((t) => same(t, caller.tenantId))) return { visible: true, via: 'direct-share-tenant' };
  }
  if (permissions === 'community' && sharing.community?.enabled === true) return { visible: true, via: 'community' };

  return { visible: false };
}

/**
 * True when the gallery belongs to a known tenant other than the caller's: a Flexible scale set
 * cannot be created from an image shared by another tenant.
 */
export function isCrossTenant(caller: Caller, gallery: Pick<GalleryFacts, 'ownerTenantId'>): boolean {
  return (
    gallery.ownerTenantId !== undefined && gallery.ownerTenantId !== '' && !same(gallery.ownerTenantId, caller.tenantId)
  );
}

/** The organization owning a subscription (case-insensitive), if any. */
export function organizationOfSubscription(
  subscriptionId: string,
  organizations: readonly Organization[],
): Organization | undefined {
  return organizations.find((o) => o.subscriptionIds.some((s) => same(s, subscriptionId)));
}

/** Gallery facts from a catalog record and the known organizations (owner = the organization of its subscription). */
export function galleryFactsFor(
  gallery: Pick<GalleryRecord, 'ref' | 'sharing'>,
  organizations: readonly Organization[],
): GalleryFacts {
  const owner = organizationOfSubscription(gallery.ref.subscriptionId, organizations);
  return owner === undefined
    ? { ref: gallery.ref, sharing: gallery.sharing }
    : { ref: gallery.ref, ownerOrganizationId: owner.id, ownerTenantId: owner.tenantId, sharing: gallery.sharing };
}

const SPOT_ACCOUNT_ID = /^act-[0-9a-z]{8}$/i;

/** A Spot account id: `act-` followed by 8 letters or digits (e.g. `act-1a2b3c4d`). */
export function isSpotAccountId(s: string): boolean {
  return SPOT_ACCOUNT_ID.test(s);
}

/**
 * The subscription an account names, inside one organization (lower case), or undefined when the
 * organization does not own it. An account is either a subscription GUID (it names itself) or a
 * Spot account id, mapped through `organization.spotAccounts`; either way the subscription must be
 * one of the organization's.
 */
export function subscriptionForAccount(account: string, organization: Organization): string | undefined {
  let subscription: string | undefined;
  if (isSubscriptionId(account)) {
    subscription = account;
  } else if (isSpotAccountId(account)) {
    const key = Object.keys(organization.spotAccounts ?? {}).find((k) => same(k, account));
    subscription = key === undefined ? undefined : organization.spotAccounts?.[key];
  }
  if (subscription === undefined) return undefined;
  return organization.subscriptionIds.some((s) => same(s, subscription)) ? subscription.toLowerCase() : undefined;
}

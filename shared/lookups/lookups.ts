/**
 * The lookups behind the HTTP API: the console cascade (resource group → gallery → image →
 * version), latest per region, and search — each answered from the catalog tables and filtered
 * by what the caller may see (design §6). An invisible resource is reported exactly like a missing
 * one: `NotVisibleError` (404) with the same text.
 */
import { z } from 'zod';
import type { CatalogStore } from '../catalog/store.js';
import type { OrganizationDirectory } from '../access/directory.js';
import {
  canSee,
  galleryFactsFor,
  visibleViaSchema,
  type Caller,
  type Grant,
  type Organization,
  type VisibleVia,
} from '../domain/visibility.js';
import { formatResourceId, galleryRef, resourceKey, type GalleryRef, type ImageRef } from '../domain/ids.js';
import {
  imageFeaturesSchema,
  purchasePlanSchema,
  recommendedSchema,
  type Architecture,
  type GalleryRecord,
  type HyperVGeneration,
  type ImageDefinitionRecord,
  type ImageVersionRecord,
  type OsState,
  type OsType,
  type ReplicationMode,
} from '../domain/records.js';
import { deployability, reasonSchema, type Reason } from '../domain/latest.js';
import { dateTimeSchema, type Assert, type SameShape } from '../domain/schemas.js';
import { encodeToken, pageOf, pageSchema, type Page, type PageRequest } from './paging.js';
import { matchesSearch, type SearchCriteria } from '../domain/search.js';
import type { SearchScope } from '../search/search-index.js';
import { NotVisibleError } from '../domain/not-visible.js';

export { NotVisibleError };

/** A resource group holding galleries the caller sees (the console's first list). */
export const resourceGroupViewSchema = z.strictObject({
  name: z.string(),
  subscriptionId: z.string(),
  galleries: z.number().int().describe('Galleries in it the caller sees'),
});
export type ResourceGroupView = z.infer<typeof resourceGroupViewSchema>;

export interface GalleryView {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  description?: string;
  tags: Record<string, string>;
  sharing: {
    permissions: string;
    subscriptionIds?: readonly string[];
    tenantIds?: readonly string[];
    communityPublicNames?: readonly string[];
  };
  visibleVia: VisibleVia;
}

const tagsSchema = z.record(z.string(), z.string());
export const galleryViewSchema = z.strictObject({
  id: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  name: z.string(),
  location: z.string(),
  description: z.string().optional(),
  tags: tagsSchema,
  sharing: z
    .strictObject({
      permissions: z.string(),
      subscriptionIds: z.array(z.string()).optional(),
      tenantIds: z.array(z.string()).optional(),
      communityPublicNames: z.array(z.string()).optional(),
    })
    .describe("Who else the gallery is shared with is shown only to the gallery's own subscriptions"),
  visibleVia: visibleViaSchema,
});
type _GalleryChecked = Assert<SameShape<GalleryView, z.infer<typeof galleryViewSchema>>>;

export interface ImageView {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  gallery: string;
  name: string;
  publisher: string;
  offer: string;
  sku: string;
  osType: OsType;
  osState: OsState;
  hyperVGeneration: HyperVGeneration;
  architecture: Architecture;
  features: ImageDefinitionRecord['features'];
  recommended: ImageDefinitionRecord['recommended'];
  disallowedDiskTypes: readonly string[];
  purchasePlan?: ImageDefinitionRecord['purchasePlan'];
  eula?: string;
  privacyStatementUri?: string;
  releaseNoteUri?: string;
  endOfLifeDate?: string;
  description?: string;
  tags: Record<string, string>;
  visibleVia: VisibleVia;
}

export const imageViewSchema = z.strictObject({
  id: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  gallery: z.string(),
  name: z.string(),
  publisher: z.string(),
  offer: z.string(),
  sku: z.string(),
  osType: z.enum(['Windows', 'Linux']),
  osState: z.enum(['Generalized', 'Specialized']),
  hyperVGeneration: z.enum(['V1', 'V2']),
  architecture: z.enum(['x64', 'Arm64']),
  features: imageFeaturesSchema,
  recommended: recommendedSchema,
  disallowedDiskTypes: z.array(z.string()),
  purchasePlan: purchasePlanSchema.optional(),
  eula: z.string().optional(),
  privacyStatementUri: z.string().optional(),
  releaseNoteUri: z.string().optional(),
  endOfLifeDate: dateTimeSchema.optional(),
  description: z.string().optional(),
  tags: tagsSchema,
  visibleVia: visibleViaSchema,
});
type _ImageChecked = Assert<SameShape<ImageView, z.infer<typeof imageViewSchema>>>;

export interface VersionView {
  id: string;
  name: string;
  provisioningState: string;
  replicationState: string;
  replicationMode: ReplicationMode;
  publishedDate?: string;
  endOfLifeDate?: string;
  excludeFromLatest: boolean;
  osDiskSizeGB?: number;
  targetRegions: {
    region: string;
    displayName: string;
    replicaCount: number;
    storageAccountType: string;
    excludeFromLatest?: boolean;
    replicationState: string;
  }[];
  deployability?: {
    region: string;
    deployable: boolean;
    eligibleForLatest: boolean;
    reasons: readonly Reason[];
    warnings: readonly Reason[];
  };
}

export interface LatestView {
  region: string;
  image: string;
  version?: string;
  id?: string;
  warnings: readonly Reason[];
  passedOver: { version: string; id: string; reasons: readonly Reason[] }[];
  details?: VersionView;
}

export const versionViewSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  provisioningState: z.string(),
  replicationState: z.string(),
  replicationMode: z.enum(['Full', 'Shallow']),
  publishedDate: dateTimeSchema.optional(),
  endOfLifeDate: dateTimeSchema.optional(),
  excludeFromLatest: z.boolean(),
  osDiskSizeGB: z.number().optional(),
  targetRegions: z.array(
    z.strictObject({
      region: z.string(),
      displayName: z.string(),
      replicaCount: z.number().int(),
      storageAccountType: z.string(),
      excludeFromLatest: z.boolean().optional(),
      replicationState: z.string(),
    }),
  ),
  deployability: z
    .strictObject({
      region: z.string(),
      deployable: z.boolean(),
      eligibleForLatest: z.boolean(),
      reasons: z.array(reasonSchema),
      warnings: z.array(reasonSchema),
    })
    .describe('In the region asked for: deployable, eligible for latest, and why not')
    .optional(),
});
type _VersionChecked = Assert<SameShape<VersionView, z.infer<typeof versionViewSchema>>>;

export const latestViewSchema = z.strictObject({
  region: z.string(),
  image: z.string().describe('Image definition id'),
  version: z.string().describe('Absent when no version qualifies').optional(),
  id: z.string().optional(),
  warnings: z.array(reasonSchema),
  passedOver: z
    .array(z.strictObject({ version: z.string(), id: z.string(), reasons: z.array(reasonSchema) }))
    .describe('The newer versions passed over, newest first, with why'),
  details: versionViewSchema.optional(),
});
type _LatestChecked = Assert<SameShape<LatestView, z.infer<typeof latestViewSchema>>>;

export const resourceGroupPageSchema = pageSchema(resourceGroupViewSchema);
export const galleryPageSchema = pageSchema(galleryViewSchema);
export const imagePageSchema = pageSchema(imageViewSchema);
export const versionPageSchema = pageSchema(versionViewSchema);

export interface ImageFilters {
  osType?: string;
  osState?: string;
  architecture?: string;
  hyperVGeneration?: string;
  securityType?: string;
}

/** Search filters; `securityType` names a family (domain/search.ts). */
export interface SearchFilters extends ImageFilters, SearchCriteria {}

interface Context {
  caller: Caller;
  organizations: Organization[];
  grants: Grant[];
}

const eq = (a: string | undefined, b: string | undefined): boolean =>
  (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/**
 * Gallery and image definition records change rarely; each instance keeps them for a few seconds
 * so that a cascade or latest call costs one table query. Sharing changes take effect within this
 * time (RBAC changes in Azure itself take minutes to propagate). A record that does not exist is
 * kept the same way: a missing definition then costs what an existing one the caller may not see
 * costs (no answer time tells the two apart); the instance that indexes a record drops its entry
 * at once, other instances within this time.
 */
const RECORD_CACHE_MS = 10_000;
const RECORD_CACHE_MAX = 10_000;
/**
 * Group jobs resolve `latest` from the newest versions of a definition kept for two seconds per
 * instance (dropped at once when this instance indexes a version of it). The catalog already
 * trails ARM by the Event Grid delivery delay, which is longer.
 */
const NEWEST_CACHE_MS = 2_000;
const NEWEST_KEPT = 50;

export class CatalogLookups {
  private readonly cache = new Map<string, { at: number; value: GalleryRecord | ImageDefinitionRecord | undefined }>();
  private readonly loading = new Map<string, Promise<GalleryRecord | ImageDefinitionRecord | undefined>>();
  /** Subscriptions whose galleries were all read into `cache`, and when. */
  private readonly subscriptionGalleries = new Map<string, { at: number; loaded: Promise<void> }>();
  private readonly newest = new Map<string, { at: number; versions: ImageVersionRecord[]; complete: boolean }>();

  constructor(
    private readonly store: CatalogStore,
    private readonly directory: OrganizationDirectory,
    private readonly now: () => Date = () => new Date(),
  ) {
    store.onVersionChange((ref) => this.newest.delete(resourceKey(ref)));
    store.onRecordChange((ref) => this.cache.delete(`${ref.level === 'gallery' ? 'g' : 'i'}:${resourceKey(ref)}`));
  }

  /**
   * What `latest` resolves to for a group job: the first version, newest first, deployable and
   * eligible in the region, with the versions passed over. Reads the newest versions from a short
   * cache (one table query at most every two seconds per definition), the rest only when needed.
   */
  async resolveLatest(image: ImageDefinitionRecord, region: string): Promise<LatestScan> {
    const key = resourceKey(image.ref);
    const t = this.now().getTime();
    let entry = this.newest.get(key);
    if (!entry || t - entry.at >= NEWEST_CACHE_MS) {
      const versions: ImageVersionRecord[] = [];
      let complete = true;
      for await (const v of this.store.versionsNewestFirst(image.ref, NEWEST_KEPT)) {
        if (versions.length === NEWEST_KEPT) {
          complete = false;
          break;
        }
        versions.push(v);
      }
      entry = { at: t, versions, complete };
      if (this.newest.size >= RECORD_CACHE_MAX) this.newest.clear();
      this.newest.set(key, entry);
    }
    const now = this.now();
    const first = await scanLatest(entry.versions, image, region, now);
    if (first.version || entry.complete) return first;
    return scanLatest(
      skip(this.store.versionsNewestFirst(image.ref, 100), entry.versions.length),
      image,
      region,
      now,
      first,
    );
  }

  private async cached<T extends GalleryRecord | ImageDefinitionRecord>(
    key: string,
    load: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const t = this.now().getTime();
    const hit = this.cache.get(key);
    if (hit && t - hit.at < RECORD_CACHE_MS) return hit.value as T;
    // concurrent misses of one record (a page of search results in one gallery) share one read
    const pending = this.loading.get(key) as Promise<T | undefined> | undefined;
    if (pending) return pending;
    const loading = load().finally(() => this.loading.delete(key));
    this.loading.set(key, loading);
    const value = await loading;
    if (this.cache.size >= RECORD_CACHE_MAX) this.cache.clear();
    this.cache.set(key, { at: t, value });
    return value;
  }

  /**
   * Every live gallery of a subscription into the record cache, one query shared by concurrent
   * callers: a search page over a subscription spans many galleries.
   */
  private cacheGalleriesOf(subscriptionId: string): Promise<void> {
    const key = `gs:${subscriptionId.toLowerCase()}`;
    const t = this.now().getTime();
    const known = this.subscriptionGalleries.get(key);
    if (known && t - known.at < RECORD_CACHE_MS) return known.loaded;
    const loaded = this.store.listGalleries(subscriptionId).then(
      (records) => {
        if (this.cache.size + records.length >= RECORD_CACHE_MAX) this.cache.clear();
        for (const value of records) this.cache.set(`g:${resourceKey(value.ref)}`, { at: t, value });
      },
      (err: unknown) => {
        this.subscriptionGalleries.delete(key);
        throw err;
      },
    );
    if (this.subscriptionGalleries.size >= RECORD_CACHE_MAX) this.subscriptionGalleries.clear();
    this.subscriptionGalleries.set(key, { at: t, loaded });
    return loaded;
  }

  private async context(caller: Caller): Promise<Context> {
    const [organizations, grants] = await Promise.all([
      this.directory.organizations(),
      this.directory.grantsFor(caller),
    ]);
    return { caller, organizations, grants };
  }

  private visibility(ctx: Context, gallery: GalleryRecord, target: GalleryRef | ImageRef) {
    return canSee(ctx.caller, target, galleryFactsFor(gallery, ctx.organizations), ctx.grants);
  }

  /** A live gallery record (kept a few seconds per instance). */
  async liveGallery(ref: GalleryRef): Promise<GalleryRecord | undefined> {
    return this.cached(`g:${resourceKey(ref)}`, async () => (await this.store.getGallery(ref))?.record);
  }

  /** A live image definition record (kept a few seconds per instance). */
  async liveImage(ref: ImageRef): Promise<ImageDefinitionRecord | undefined> {
    return this.cached(`i:${resourceKey(ref)}`, async () => (await this.store.getImage(ref))?.record);
  }

  /** Resource groups of a subscription that hold galleries the caller sees (the console's first list). */
  async resourceGroups(caller: Caller, subscriptionId: string, page: PageRequest): Promise<Page<ResourceGroupView>> {
    const ctx = await this.context(caller);
    const byGroup = new Map<string, ResourceGroupView>();
    for (const g of await this.store.listGalleries(subscriptionId)) {
      if (!this.visibility(ctx, g, g.ref).visible) continue;
      const key = g.ref.resourceGroup.toLowerCase();
      const entry = byGroup.get(key) ?? {
        name: g.ref.resourceGroup,
        subscriptionId: g.ref.subscriptionId,
        galleries: 0,
      };
      entry.galleries++;
      byGroup.set(key, entry);
    }
    return pageOf([...byGroup.values()], (r) => r.name.toLowerCase(), page);
  }

  async galleries(
    caller: Caller,
    subscriptionId: string,
    resourceGroup: string,
    page: PageRequest,
  ): Promise<Page<GalleryView>> {
    const ctx = await this.context(caller);
    const views: GalleryView[] = [];
    for (const g of await this.store.listGalleries(subscriptionId, resourceGroup)) {
      const v = this.visibility(ctx, g, g.ref);
      if (v.visible) views.push(galleryView(g, v.via));
    }
    return pageOf(views, (g) => g.name.toLowerCase(), page);
  }

  async images(caller: Caller, ref: GalleryRef, filters: ImageFilters, page: PageRequest): Promise<Page<ImageView>> {
    const ctx = await this.context(caller);
    const gallery = await this.liveGallery(ref);
    if (!gallery) throw new NotVisibleError();
    // A definition grant shows the definition, not the gallery: with neither, the gallery "does not
    // exist" — decided before its definitions are read, so it costs what a missing gallery costs.
    if (!this.visibility(ctx, gallery, gallery.ref).visible && !this.anyImageVisible(ctx, gallery))
      throw new NotVisibleError();
    const views: ImageView[] = [];
    for (const image of await this.store.listImages(ref)) {
      const v = this.visibility(ctx, gallery, image.ref);
      if (v.visible && matches(image, filters)) views.push(imageView(image, v.via));
    }
    return pageOf(views, (i) => i.name.toLowerCase(), page);
  }

  private anyImageVisible(ctx: Context, gallery: GalleryRecord): boolean {
    return ctx.grants.some(
      (g) =>
        g.scope.level === 'image' &&
        resourceKey(galleryRef(g.scope.subscriptionId, g.scope.resourceGroup, g.scope.gallery)) ===
          resourceKey(gallery.ref) &&
        this.visibility(ctx, gallery, g.scope).visible,
    );
  }

  /** The image definition and its gallery, when the caller sees the definition. */
  private async visibleImage(
    ctx: Context,
    ref: ImageRef,
  ): Promise<{ gallery: GalleryRecord; image: ImageDefinitionRecord; via: VisibleVia }> {
    const [gallery, image] = await Promise.all([
      this.liveGallery(galleryRef(ref.subscriptionId, ref.resourceGroup, ref.gallery)),
      this.liveImage(ref),
    ]);
    if (!gallery || !image) throw new NotVisibleError();
    const v = this.visibility(ctx, gallery, image.ref);
    if (!v.visible) throw new NotVisibleError();
    return { gallery, image, via: v.via };
  }

  async image(caller: Caller, ref: ImageRef): Promise<ImageView> {
    const { image, via } = await this.visibleImage(await this.context(caller), ref);
    return imageView(image, via);
  }

  async versions(
    caller: Caller,
    ref: ImageRef,
    region: string | undefined,
    page: PageRequest,
  ): Promise<Page<VersionView>> {
    const { image } = await this.visibleImage(await this.context(caller), ref);
    const { items, next } = await this.store.pageVersions(image.ref, page.after, page.top);
    const now = this.now();
    return {
      items: items.map((v) =>
        versionView(v, region === undefined ? undefined : deployability(v, region, { image, now })),
      ),
      ...(next ? { continuationToken: encodeToken(page.binding, next) } : {}),
    };
  }

  async latest(caller: Caller, ref: ImageRef, region: string): Promise<LatestView> {
    const { image } = await this.visibleImage(await this.context(caller), ref);
    const { version, decision, passed } = await scanLatest(
      this.store.versionsNewestFirst(image.ref, 10),
      image,
      region,
      this.now(),
    );
    return {
      region,
      image: image.id,
      ...(version ? { version: version.ref.version, id: version.id } : {}),
      warnings: decision?.warnings ?? [],
      passedOver: passed.map((p) => ({
        version: p.version,
        id: formatResourceId({ ...image.ref, level: 'version', version: p.version }),
        reasons: p.reasons,
      })),
      ...(version && decision ? { details: versionView(version, decision) } : {}),
    };
  }

  /**
   * Image definitions matching the filters in every gallery the caller sees, in all subscriptions,
   * from the search index: one query per scope the caller sees (its subscriptions, each gallery or
   * definition visible to it elsewhere), merged in id order; visibility is checked for every
   * result (the galleries of the caller's subscriptions read in one query per subscription).
   */
  async search(caller: Caller, filters: SearchFilters, page: PageRequest): Promise<Page<ImageView>> {
    const ctx = await this.context(caller);
    const own = new Set(caller.subscriptionIds.map((s) => s.toLowerCase()));
    const galleries = new Map<string, GalleryRef>();
    const images = new Map<string, ImageRef>();
    const shared = [
      ...(
        await Promise.all(caller.subscriptionIds.map((s) => this.store.sharedGalleries({ subscriptionId: s })))
      ).flat(),
      ...(await this.store.sharedGalleries({ tenantId: caller.tenantId })),
      ...(await this.store.sharedGalleries('community')),
    ];
    for (const ref of [...ctx.grants.map((g) => g.scope), ...shared]) {
      if (own.has(ref.subscriptionId.toLowerCase())) continue;
      if (ref.level === 'gallery') galleries.set(resourceKey(ref), ref);
      else images.set(resourceKey(ref), ref);
    }
    const scopes: SearchScope[] = [
      ...caller.subscriptionIds.map((subscriptionId) => ({ subscriptionId })),
      ...[...galleries.values()].map((gallery) => ({ gallery })),
      ...[...images.values()]
        .filter((i) => !galleries.has(resourceKey(galleryRef(i.subscriptionId, i.resourceGroup, i.gallery))))
        .map((image) => ({ image })),
    ];
    const via = new Map<string, VisibleVia>();
    const { items, more } = await this.store.search.search(
      scopes,
      filters,
      page.after,
      page.top,
      async ({ key, record }) => {
        if (own.has(record.ref.subscriptionId.toLowerCase())) await this.cacheGalleriesOf(record.ref.subscriptionId);
        const gallery = await this.liveGallery(
          galleryRef(record.ref.subscriptionId, record.ref.resourceGroup, record.ref.gallery),
        );
        if (!gallery) return false;
        const v = this.visibility(ctx, gallery, record.ref);
        // The region is the index's own `L_<region>` filter (kept exact by the catalog's version writes): no re-check per result.
        if (!v.visible || !matchesSearch(record, filters)) return false;
        via.set(key, v.via);
        return true;
      },
    );
    const last = items[items.length - 1];
    return {
      items: items.map((h) => imageView(h.record, via.get(h.key) ?? 'own-subscription')),
      ...(more && last ? { continuationToken: encodeToken(page.binding, last.key) } : {}),
    };
  }
}

interface LatestScan {
  version?: ImageVersionRecord;
  /** The chosen version's deployability in the region. */
  decision?: ReturnType<typeof deployability>;
  passed: { version: string; reasons: readonly Reason[] }[];
}

/** Newest first, the first version deployable and eligible in the region; every newer one is passed over with its reasons. */
async function scanLatest(
  versions: AsyncIterable<ImageVersionRecord> | Iterable<ImageVersionRecord>,
  image: ImageDefinitionRecord,
  region: string,
  now: Date,
  scan: LatestScan = { passed: [] },
): Promise<LatestScan> {
  for await (const v of versions) {
    const d = deployability(v, region, { image, now });
    if (d.eligibleForLatest) return { ...scan, version: v, decision: d };
    scan.passed.push({ version: v.ref.version, reasons: d.reasons });
  }
  return scan;
}

async function* skip<T>(items: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  let i = 0;
  for await (const item of items) if (i++ >= n) yield item;
}

function matches(image: ImageDefinitionRecord, f: ImageFilters): boolean {
  if (f.osType !== undefined && !eq(image.osType, f.osType)) return false;
  if (f.osState !== undefined && !eq(image.osState, f.osState)) return false;
  if (f.architecture !== undefined && !eq(image.architecture, f.architecture)) return false;
  if (f.hyperVGeneration !== undefined && !eq(image.hyperVGeneration, f.hyperVGeneration)) return false;
  if (f.securityType !== undefined && !eq(image.features.securityType ?? 'Standard', f.securityType)) return false;
  return true;
}

function galleryView(g: GalleryRecord, via: VisibleVia): GalleryView {
  // Who else a gallery is shared with is the owner's business: shown only to its own subscriptions.
  const own = via === 'own-subscription';
  return {
    id: g.id,
    subscriptionId: g.ref.subscriptionId,
    resourceGroup: g.ref.resourceGroup,
    name: g.ref.gallery,
    location: g.location,
    ...(g.description !== undefined ? { description: g.description } : {}),
    tags: { ...g.tags },
    sharing: {
      permissions: g.sharing.permissions,
      ...(own ? { subscriptionIds: g.sharing.subscriptionIds, tenantIds: g.sharing.tenantIds } : {}),
      ...(g.sharing.community ? { communityPublicNames: g.sharing.community.publicNames } : {}),
    },
    visibleVia: via,
  };
}

function imageView(i: ImageDefinitionRecord, via: VisibleVia): ImageView {
  return {
    id: i.id,
    subscriptionId: i.ref.subscriptionId,
    resourceGroup: i.ref.resourceGroup,
    gallery: i.ref.gallery,
    name: i.ref.image,
    publisher: i.publisher,
    offer: i.offer,
    sku: i.sku,
    osType: i.osType,
    osState: i.osState,
    hyperVGeneration: i.hyperVGeneration,
    architecture: i.architecture,
    features: i.features,
    recommended: i.recommended,
    disallowedDiskTypes: i.disallowedDiskTypes,
    ...(i.purchasePlan ? { purchasePlan: i.purchasePlan } : {}),
    ...(i.eula !== undefined ? { eula: i.eula } : {}),
    ...(i.privacyStatementUri !== undefined ? { privacyStatementUri: i.privacyStatementUri } : {}),
    ...(i.releaseNoteUri !== undefined ? { releaseNoteUri: i.releaseNoteUri } : {}),
    ...(i.endOfLifeDate !== undefined ? { endOfLifeDate: i.endOfLifeDate } : {}),
    ...(i.description !== undefined ? { description: i.description } : {}),
    tags: { ...i.tags },
    visibleVia: via,
  };
}

export function versionView(v: ImageVersionRecord, d?: ReturnType<typeof deployability>): VersionView {
  return {
    id: v.id,
    name: v.ref.version,
    provisioningState: v.provisioningState,
    replicationState: v.aggregatedReplicationState,
    replicationMode: v.replicationMode,
    ...(v.publishedDate !== undefined ? { publishedDate: v.publishedDate } : {}),
    ...(v.endOfLifeDate !== undefined ? { endOfLifeDate: v.endOfLifeDate } : {}),
    excludeFromLatest: v.excludeFromLatest,
    ...(v.osDiskSizeGB !== undefined ? { osDiskSizeGB: v.osDiskSizeGB } : {}),
    targetRegions: v.targetRegions.map((t) => ({
      region: t.region,
      displayName: t.displayName,
      replicaCount: t.replicaCount,
      storageAccountType: t.storageAccountType,
      ...(t.excludeFromLatest !== undefined ? { excludeFromLatest: t.excludeFromLatest } : {}),
      replicationState: t.replicationState,
    })),
    ...(d
      ? {
          deployability: {
            region: d.region,
            deployable: d.deployable,
            eligibleForLatest: d.eligibleForLatest,
            reasons: d.reasons,
            warnings: d.warnings,
          },
        }
      : {}),
  };
}

/**
 * The safety net behind events: Event Grid gives up on an event after 24 hours of failed
 * deliveries, and a subscription can be added to the catalog after its galleries exist. The
 * reconcile walks ARM (list galleries, images, versions of each source subscription), indexes
 * what the catalog lacks or holds differently, and tombstones what ARM no longer has.
 *
 * ARM reads are kept low: lists page 100 at a time; what needs a GET is decided by the pure
 * comparisons of shared/domain/changes.ts: a gallery is re-read when it is new, its listed fields
 * differ, or it is shared (Groups, Community: the list does not say with whom); an image definition
 * is rewritten from its list entry when an updatable field differs; a version is re-read (lists
 * carry no replication status) when it is new, settling, or an updatable field differs. An
 * unchanged catalog costs list pages only. Version rows whose per-region flags were written under
 * an older rule are rewritten from their stored record (no ARM read).
 */
import type { GalleryArmReader } from '../arm/reader.js';
import { ArmNotFoundError } from '../arm/reader.js';
import {
  formatResourceId,
  imageRef,
  parseResourceId,
  resourceKey,
  versionRef,
  type GalleryRef,
  type ImageRef,
} from '../domain/ids.js';
import { FLAG_RULES_VERSION } from '../domain/latest.js';
import { galleryChanges, imageDefinitionChanges, versionChanges } from '../domain/changes.js';
import {
  galleryRecordFrom,
  imageDefinitionRecordFrom,
  imageVersionRecordFrom,
  InvalidArmResourceError,
  type ImageVersionRecord,
} from '../domain/records.js';
import type { ReconcileCounts } from '../domain/reconcile-run.js';
import type { CatalogIndexer } from '../catalog/indexer.js';
import type { CatalogStore, Observation } from '../catalog/store.js';

/** The counts of a reconcile (shared/domain/reconcile-run.ts), with the resources skipped as unreadable. */
export type ReconcileSummary = Omit<ReconcileCounts, 'skipped'> & { skipped: string[] };

/** A gallery to reconcile: a unit of a run (shared/reconcile), JSON on the reconcile-units queue. */
export interface GalleryUnit {
  galleryId: string;
  /** Its list entry differs from the catalog, or it is shared: GET it. */
  reread: boolean;
}

export function emptyReconcileSummary(): ReconcileSummary {
  return {
    subscriptions: 0,
    galleries: 0,
    images: 0,
    versions: 0,
    versionReads: 0,
    galleryReads: 0,
    imageWrites: 0,
    flagUpgrades: 0,
    tombstoned: 0,
    skipped: [],
  };
}

export class CatalogReconciler {
  constructor(
    private readonly reader: GalleryArmReader,
    private readonly store: CatalogStore,
    private readonly indexer: CatalogIndexer,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Lists a subscription's galleries: one unit per listed gallery (re-read when its list entry
   * differs from the catalog or it is shared), and the galleries listed no more confirmed with a
   * GET and tombstoned here.
   */
  async planSubscription(sub: string, summary: ReconcileSummary): Promise<GalleryUnit[]> {
    summary.subscriptions++;
    const units: GalleryUnit[] = [];
    const seen = new Set<string>();
    for await (const g of this.reader.listGalleries(sub)) {
      const ref = g.id ? parseResourceId(g.id) : undefined;
      if (!ref || ref.level !== 'gallery') continue;
      seen.add(resourceKey(ref));
      summary.galleries++;
      const stored = await this.store.getGallery(ref);
      let changes: readonly string[];
      try {
        changes = galleryChanges(galleryRecordFrom(g), stored?.record);
      } catch (err) {
        if (!(err instanceof InvalidArmResourceError)) throw err;
        changes = ['unreadable list entry'];
      }
      units.push({ galleryId: formatResourceId(ref), reread: changes.length > 0 });
    }
    for (const stored of await this.store.listGalleries(sub)) {
      if (seen.has(resourceKey(stored.ref))) continue;
      // Listed no more: confirm with a GET before tombstoning (a list can lag a create).
      const r = await this.indexer.refresh(stored.ref, { eventType: 'Reconcile' });
      if (r.outcome === 'tombstoned') summary.tombstoned++;
    }
    return units;
  }

  /** One gallery: its GET when the plan says so, then its definitions and versions against their lists. */
  async reconcileUnit(unit: GalleryUnit, summary: ReconcileSummary): Promise<void> {
    const ref = parseResourceId(unit.galleryId);
    if (ref.level !== 'gallery') throw new Error(`not a gallery id: ${unit.galleryId}`);
    const obs = (): Observation => ({ observedAt: this.now().toISOString(), eventType: 'Reconcile' });
    if (unit.reread) {
      summary.galleryReads++;
      const r = await this.indexer.refresh(ref, { eventType: 'Reconcile' });
      if (r.outcome === 'skipped') summary.skipped.push(`${r.id}: ${r.detail ?? ''}`);
      if (r.outcome === 'tombstoned') return;
    }
    await this.reconcileGallery(ref, summary, obs);
  }

  private async reconcileGallery(ref: GalleryRef, summary: ReconcileSummary, obs: () => Observation): Promise<void> {
    const seen = new Set<string>();
    const stored = new Map((await this.store.listImages(ref)).map((i) => [resourceKey(i.ref), i]));
    try {
      for await (const image of this.reader.listImages(ref)) {
        try {
          const record = imageDefinitionRecordFrom(image);
          seen.add(resourceKey(record.ref));
          summary.images++;
          if (imageDefinitionChanges(record, stored.get(resourceKey(record.ref))).length > 0) {
            summary.imageWrites++;
            await this.store.putImage(record, obs());
          }
          await this.reconcileImage(record.ref, summary);
        } catch (err) {
          if (err instanceof InvalidArmResourceError) summary.skipped.push(err.message);
          else throw err;
        }
      }
    } catch (err) {
      if (err instanceof ArmNotFoundError) return; // deleted meanwhile: its own event tombstones it
      throw err;
    }
    for (const image of stored.values()) {
      if (seen.has(resourceKey(image.ref))) continue;
      const r = await this.indexer.refresh(imageRef(ref, image.ref.image), { eventType: 'Reconcile' });
      if (r.outcome === 'tombstoned') summary.tombstoned++;
    }
  }

  private async reconcileImage(ref: ImageRef, summary: ReconcileSummary): Promise<void> {
    const stored = new Map((await this.store.listStoredVersions(ref)).map((v) => [resourceKey(v.record.ref), v]));
    const seen = new Set<string>();
    try {
      for await (const v of this.reader.listVersions(ref)) {
        if (!v.name) continue;
        const vref = versionRef(ref, v.name);
        const key = resourceKey(vref);
        seen.add(key);
        summary.versions++;
        const known = stored.get(key);
        let listed: ImageVersionRecord | undefined;
        try {
          listed = imageVersionRecordFrom(v);
        } catch (err) {
          if (!(err instanceof InvalidArmResourceError)) throw err;
        }
        if (listed === undefined || versionChanges(listed, known?.record).length > 0) {
          summary.versionReads++;
          await this.indexer.refresh(vref, { eventType: 'Reconcile' }, { likelyNew: known === undefined });
        } else if (
          known !== undefined &&
          known.flagRules !== FLAG_RULES_VERSION &&
          (await this.store.upgradeFlags(vref))
        ) {
          summary.flagUpgrades++;
        }
      }
    } catch (err) {
      if (err instanceof ArmNotFoundError) return;
      throw err;
    }
    for (const [key, v] of stored) {
      if (seen.has(key)) continue;
      const r = await this.indexer.refresh(v.record.ref, { eventType: 'Reconcile' });
      if (r.outcome === 'tombstoned') summary.tombstoned++;
    }
    // the search index's regions with a latest, checked against the versions (table reads only)
    await this.store.search.repairRegions(ref);
  }
}

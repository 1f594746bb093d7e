/**
 * The safety net behind events: Event Grid gives up on an event after 24 hours of failed
 * deliveries, and a subscription can be added to the catalog after its galleries exist. The
 * reconcile walks ARM (list galleries, images, versions of each source subscription), indexes
 * what the catalog lacks or holds differently, and tombstones what ARM no longer has.
 *
 * ARM reads are kept low: lists page 100 at a time; a gallery is re-read (its list entry carries
 * no sharing groups); a version is re-read (lists carry no replication status) only when the
 * catalog lacks it, holds it as settling, or holds a different provisioning state or region set.
 */
import type { GalleryArmReader } from '../arm/reader.js';
import { ArmNotFoundError } from '../arm/reader.js';
import { imageRef, parseResourceId, resourceKey, versionRef, type GalleryRef, type ImageRef } from '../domain/ids.js';
import { imageDefinitionRecordFrom, InvalidArmResourceError } from '../domain/records.js';
import { normalizeRegion } from '../domain/regions.js';
import type { CatalogIndexer } from './indexer.js';
import type { CatalogStore, Observation } from './store.js';

export interface ReconcileSummary {
  subscriptions: number;
  galleries: number;
  images: number;
  versions: number;
  versionReads: number;
  tombstoned: number;
  skipped: string[];
}

export class CatalogReconciler {
  constructor(
    private readonly reader: GalleryArmReader,
    private readonly store: CatalogStore,
    private readonly indexer: CatalogIndexer,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `onProgress` receives the counts so far after each gallery and subscription. */
  async reconcile(subscriptionIds: readonly string[], onProgress?: (summary: ReconcileSummary) => Promise<void> | void): Promise<ReconcileSummary> {
    const summary: ReconcileSummary = { subscriptions: 0, galleries: 0, images: 0, versions: 0, versionReads: 0, tombstoned: 0, skipped: [] };
    for (const sub of subscriptionIds) {
      summary.subscriptions++;
      const obs = (): Observation => ({ observedAt: this.now().toISOString(), eventType: 'Reconcile' });
      const seen = new Set<string>();
      for await (const g of this.reader.listGalleries(sub)) {
        const ref = g.id ? parseResourceId(g.id) : undefined;
        if (!ref || ref.level !== 'gallery') continue;
        seen.add(resourceKey(ref));
        summary.galleries++;
        const r = await this.indexer.refresh(ref, { eventType: 'Reconcile' });
        if (r.outcome === 'skipped') summary.skipped.push(`${r.id}: ${r.detail ?? ''}`);
        if (r.outcome === 'tombstoned') continue;
        await this.reconcileGallery(ref, summary, obs);
        await onProgress?.(summary);
      }
      for (const stored of await this.store.listGalleries(sub)) {
        if (seen.has(resourceKey(stored.ref))) continue;
        // Listed no more: confirm with a GET before tombstoning (a list can lag a create).
        const r = await this.indexer.refresh(stored.ref, { eventType: 'Reconcile' });
        if (r.outcome === 'tombstoned') summary.tombstoned++;
      }
      await onProgress?.(summary);
    }
    return summary;
  }

  private async reconcileGallery(ref: GalleryRef, summary: ReconcileSummary, obs: () => Observation): Promise<void> {
    const seen = new Set<string>();
    try {
      for await (const image of this.reader.listImages(ref)) {
        try {
          const record = imageDefinitionRecordFrom(image);
          seen.add(resourceKey(record.ref));
          summary.images++;
          await this.store.putImage(record, obs());
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
    for (const stored of await this.store.listImages(ref)) {
      if (seen.has(resourceKey(stored.ref))) continue;
      const r = await this.indexer.refresh(imageRef(ref, stored.ref.image), { eventType: 'Reconcile' });
      if (r.outcome === 'tombstoned') summary.tombstoned++;
    }
  }

  private async reconcileImage(ref: ImageRef, summary: ReconcileSummary): Promise<void> {
    const stored = new Map((await this.store.listVersions(ref)).map((v) => [resourceKey(v.ref), v]));
    const seen = new Set<string>();
    try {
      for await (const v of this.reader.listVersions(ref)) {
        if (!v.name) continue;
        const vref = versionRef(ref, v.name);
        const key = resourceKey(vref);
        seen.add(key);
        summary.versions++;
        const known = stored.get(key);
        const listedRegions = (v.publishingProfile?.targetRegions ?? []).map((t) => normalizeRegion(t.name)).sort().join(',');
        const knownRegions = known ? known.targetRegions.map((t) => t.region).sort().join(',') : '';
        const settled = known !== undefined && known.provisioningState === v.provisioningState && knownRegions === listedRegions && known.targetRegions.every((t) => t.replicationState === 'Completed' || t.replicationState === 'Failed');
        if (settled) continue;
        summary.versionReads++;
        await this.indexer.refresh(vref, { eventType: 'Reconcile' });
      }
    } catch (err) {
      if (err instanceof ArmNotFoundError) return;
      throw err;
    }
    for (const [key, v] of stored) {
      if (seen.has(key)) continue;
      const r = await this.indexer.refresh(v.ref, { eventType: 'Reconcile' });
      if (r.outcome === 'tombstoned') summary.tombstoned++;
    }
  }
}


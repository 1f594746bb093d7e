/**
 * Keeps the catalog equal to ARM. An event only says "look here": the indexer re-reads the resource
 * from ARM and writes what ARM says (404 → tombstone, cascading to everything under a gallery or
 * image definition). Whatever the order or duplication of events, the catalog converges to ARM.
 */
import type { GalleryArmReader } from '../arm/reader.js';
import { ArmAccessError, ArmRequestError } from '../arm/reader.js';
import { formatResourceId, type GalleryRef, type ImageRef, type ResourceRef, type VersionRef } from '../domain/ids.js';
import {
  galleryRecordFrom,
  imageDefinitionRecordFrom,
  imageVersionRecordFrom,
  InvalidArmResourceError,
} from '../domain/records.js';
import { needsRecheck } from '../domain/latest.js';
import type { CatalogNotification } from './arm-events.js';
import { RECHECK_EVENT, type CatalogStore, type Observation, type WriteOutcome } from './store.js';

export type IndexOutcome = 'indexed' | 'tombstoned' | 'stale' | 'skipped';

export interface IndexResult {
  id: string;
  level: ResourceRef['level'];
  outcome: IndexOutcome;
  /** Why nothing was written (skipped), or what the version still waits for. */
  detail?: string;
  /** The version is still provisioning or replicating: indexed as not yet deployable, re-checked later. */
  settling?: boolean;
}

export interface RecheckSummary {
  checked: number;
  settled: number;
  stillSettling: number;
  gaveUp: number;
}

/** Re-check back-off: 1, 2, 4... minutes, at most an hour apart; at most 72 looks (about three days). */
export const RECHECK_MAX_ATTEMPTS = 72;
export function recheckDelayMs(attempt: number): number {
  return Math.min(60, 2 ** Math.min(attempt, 6)) * 60_000;
}

export class CatalogIndexer {
  constructor(
    private readonly reader: GalleryArmReader,
    private readonly store: CatalogStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Applies one event: failures and cancellations change nothing; successes re-read ARM. An ARM
   * refusal (401/403: role assignments on a new source subscription take minutes to propagate)
   * throws, like a transient error, so Event Grid redelivers; a 400 is a skip.
   */
  async handle(n: CatalogNotification): Promise<IndexResult> {
    const id = formatResourceId(n.ref);
    if (n.outcome !== 'Success') {
      return {
        id,
        level: n.ref.level,
        outcome: 'skipped',
        detail: `${n.operationName} ${n.outcome.toLowerCase()}: ARM state unchanged`,
      };
    }
    // A version's write event is most often its creation: written without a read first.
    return this.refresh(
      n.ref,
      { eventId: n.eventId, eventType: n.eventType, eventTime: n.eventTime },
      { refusals: 'throw', likelyNew: true },
    );
  }

  /**
   * Reads the resource from ARM and writes what ARM says. Transient ARM errors propagate (retry);
   * refusals (401/403) propagate when `refusals` is `throw`, else they are a skip (the timers).
   */
  async refresh(
    ref: ResourceRef,
    event: Omit<Observation, 'observedAt'> = {},
    options: { refusals?: 'throw' | 'skip'; likelyNew?: boolean } = {},
  ): Promise<IndexResult> {
    const obs: Observation = { ...event, observedAt: this.now().toISOString() };
    const id = formatResourceId(ref);
    try {
      switch (ref.level) {
        case 'gallery':
          return await this.refreshGallery(ref, obs, id);
        case 'image':
          return await this.refreshImage(ref, obs, id);
        case 'version':
          return await this.refreshVersion(ref, obs, id, options.likelyNew === true);
      }
    } catch (err) {
      if (err instanceof InvalidArmResourceError)
        return { id, level: ref.level, outcome: 'skipped', detail: err.message };
      if (err instanceof ArmAccessError) {
        if (options.refusals === 'throw') throw err;
        return { id, level: ref.level, outcome: 'skipped', detail: `ARM refused the read: ${err.message}` };
      }
      if (err instanceof ArmRequestError)
        return { id, level: ref.level, outcome: 'skipped', detail: `ARM rejected the read: ${err.message}` };
      throw err;
    }
  }

  private async refreshGallery(ref: GalleryRef, obs: Observation, id: string): Promise<IndexResult> {
    const got = await this.reader.getGallery(ref);
    if (!got.found) return result(id, 'gallery', await this.store.tombstoneGallery(ref, obs), true);
    return result(id, 'gallery', await this.store.putGallery(galleryRecordFrom(got.value), obs), false);
  }

  private async refreshImage(ref: ImageRef, obs: Observation, id: string): Promise<IndexResult> {
    const got = await this.reader.getImage(ref);
    if (!got.found) return result(id, 'image', await this.store.tombstoneImage(ref, obs), true);
    return result(id, 'image', await this.store.putImage(imageDefinitionRecordFrom(got.value), obs), false);
  }

  private async refreshVersion(
    ref: VersionRef,
    obs: Observation,
    id: string,
    likelyNew: boolean,
  ): Promise<IndexResult> {
    const got = await this.reader.getVersion(ref);
    if (!got.found) return result(id, 'version', await this.store.tombstoneVersion(ref, obs), true);
    const record = imageVersionRecordFrom(got.value);
    const outcome = await this.store.putVersion(record, obs, { likelyNew });
    const settling = needsRecheck(record);
    return {
      ...result(id, 'version', outcome, false),
      ...(settling
        ? {
            settling,
            detail: `provisioning ${record.provisioningState}, replication ${record.aggregatedReplicationState}: re-checked later`,
          }
        : {}),
    };
  }

  /** Re-reads the versions still provisioning or replicating that are due, with a bounded back-off. */
  async recheckSettling(max = 200): Promise<RecheckSummary> {
    const now = this.now();
    const due = await this.store.dueRechecks(now, max);
    const summary: RecheckSummary = { checked: 0, settled: 0, stillSettling: 0, gaveUp: 0 };
    for (const item of due) {
      summary.checked++;
      const r = await this.refresh(item.ref, { eventType: RECHECK_EVENT });
      if (!r.settling) {
        summary.settled++;
        continue;
      }
      const attempts = item.attempts + 1;
      const kept = await this.store.postponeRecheck(
        item.ref,
        attempts,
        new Date(now.getTime() + recheckDelayMs(attempts)),
        RECHECK_MAX_ATTEMPTS,
      );
      if (kept) summary.stillSettling++;
      else summary.gaveUp++;
    }
    return summary;
  }
}

function result(id: string, level: ResourceRef['level'], outcome: WriteOutcome, deleted: boolean): IndexResult {
  return { id, level, outcome: outcome === 'stale' ? 'stale' : deleted ? 'tombstoned' : 'indexed' };
}

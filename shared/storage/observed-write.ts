/**
 * The one write rule of the catalog's tables: an entity is replaced only by what was observed no
 * earlier than what is stored (`observedAt`), so concurrent or reordered deliveries never put an
 * older ARM state back. Read, then an ETag-guarded replace (or a create); a 412 or 409 means someone
 * wrote in between: read again (after a short random wait, at most 8 attempts).
 */
import type { TableClient, TableEntity, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { getEntityOrUndefined, tableStatusOf } from './tables.js';

/** A write still contended after its attempts: transient (the delivery is retried). */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
}

type Entity = TableEntity<Record<string, unknown>>;
type Stored = TableEntityResult<Record<string, unknown>>;

export interface ObservedWriteOptions {
  /** More actions of the same partition written in the same transaction, given what is stored. */
  extra?: (existing: Stored | undefined) => Promise<TransactionAction[]>;
  /** Skip the first read: the create fails with 409 when a row exists, and the loop reads then. */
  createFirst?: boolean;
  attempts?: number;
}

/**
 * Writes `entity` (or what `build` makes of the stored row) unless the stored row was observed
 * after `observedAt`: `stale` then. `previous` is the row replaced, when there was one.
 */
export async function writeObserved(
  client: TableClient,
  key: { partitionKey: string; rowKey: string },
  observedAt: string,
  build: Entity | ((existing: Stored | undefined) => Entity),
  options: ObservedWriteOptions = {},
): Promise<{ outcome: 'written' | 'stale'; previous?: Stored }> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const existing =
      options.createFirst && attempt === 1
        ? undefined
        : await getEntityOrUndefined(client, key.partitionKey, key.rowKey);
    if (existing && typeof existing.observedAt === 'string' && existing.observedAt > observedAt)
      return { outcome: 'stale', previous: existing };
    const entity = typeof build === 'function' ? build(existing) : build;
    try {
      const more = options.extra ? await options.extra(existing) : [];
      if (more.length > 0)
        await client.submitTransaction([
          existing ? ['update', entity, 'Replace', { etag: existing.etag }] : ['create', entity],
          ...more,
        ]);
      else if (existing) await client.updateEntity(entity, 'Replace', { etag: existing.etag });
      else await client.createEntity(entity);
      return { outcome: 'written', ...(existing ? { previous: existing } : {}) };
    } catch (err) {
      const status = tableStatusOf(err);
      if (status !== 412 && status !== 409) throw err;
      // Someone wrote in between: read again after a short random wait, so that writers racing for
      // one row (duplicate deliveries on several instances) do not collide again in lockstep.
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
  throw new ConcurrencyError(
    `${client.tableName} ${key.partitionKey}/${key.rowKey}: still contended after ${attempts} attempts`,
  );
}

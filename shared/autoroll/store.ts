/**
 * Auto-roll state in Table Storage (`<prefix>autoroll`).
 *
 * | PartitionKey                        | RowKey                        | holds |
 * |-------------------------------------|-------------------------------|-------|
 * | `i|`definition key`|`region          | `s|`subscription              | a subscription with groups on `latest` of that definition in that region |
 * | `i|`definition key`|`region          | subscription`|`kind`|`name    | a group on `latest` there (entries written before the subscription entries; still read) |
 * | `pause`                             | definition key                | an emergency stop of auto-roll for a definition |
 * | `f|`definition key`|`region          | event id                      | a change of latest whose roll jobs were all recorded and sent: a duplicate of its event is a read |
 *
 * The index names the subscriptions whose groups follow a latest; the groups themselves are the
 * group rows of those subscriptions whose `latestOf` column is that latest (one query each). A
 * subscription's entry is written before the transaction of the first group of the subscription to
 * come onto the latest, so a group on `latest` is never missing from the index, and it stays when
 * the groups leave (a change then queries the subscription and finds none): entries are only ever
 * added, so an instance that wrote or read one need not write it again, and a job whose group
 * stays on the latest writes no index row at all.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { createTablesOnce, getEntityOrUndefined, tableStatusOf, type TableStore } from '../storage/tables.js';
import { AFTER_SEP, encodeKeyPart, SEP } from '../catalog/keys.js';

export interface IndexedGroup {
  subscriptionId: string;
  account: string;
  kind: string;
  name: string;
  /** The index partition: definition key|region. */
  latestOf: string;
}

/** What the index holds for a latest: the subscriptions with groups on it, and the groups of per-group entries. */
export interface IndexedOn {
  latestOf: string;
  /** Every subscription named, by a subscription entry or a per-group one. */
  subscriptionIds: string[];
  /** Groups of per-group entries (rows written before the `latestOf` column can lack it: they are read one by one). */
  groups: IndexedGroup[];
}

/** `<definition key>|<region>`: the index partition of groups on latest of a definition in a region. */
export function latestOfKey(definitionKey: string, region: string): string {
  return `${definitionKey}${SEP}${region}`;
}

/** Subscription entries an instance remembers as written (entries are never removed); past this many it starts over. */
const KNOWN_MAX = 10_000;

export class AutoRollStore {
  readonly table: TableClient;
  readonly ensureTables: () => Promise<void>;
  /** Subscription entries written or being written, by `<latestOf> <subscription>`. */
  private readonly known = new Map<string, Promise<void>>();

  constructor(tables: TableStore, prefix: string) {
    this.table = tables.table(`${prefix}autoroll`);
    this.ensureTables = createTablesOnce([this.table]);
  }

  private static rowKey(g: Pick<IndexedGroup, 'subscriptionId' | 'kind' | 'name'>): string {
    return `${encodeKeyPart(g.subscriptionId)}${SEP}${encodeKeyPart(g.kind)}${SEP}${encodeKeyPart(g.name)}`;
  }

  private static subscriptionRowKey(subscriptionId: string): string {
    return `s${SEP}${encodeKeyPart(subscriptionId)}`;
  }

  /** Makes sure the index names the subscription for the latest (a write the first time this instance needs it). */
  index(subscriptionId: string, latestOf: string): Promise<void> {
    const key = `${latestOf} ${subscriptionId.toLowerCase()}`;
    let written = this.known.get(key);
    if (!written) {
      if (this.known.size >= KNOWN_MAX) this.known.clear();
      written = this.writeSubscription(subscriptionId, latestOf);
      this.known.set(key, written);
      written.catch(() => this.known.delete(key));
    }
    return written;
  }

  private async writeSubscription(subscriptionId: string, latestOf: string): Promise<void> {
    await this.ensureTables();
    await this.table.upsertEntity(
      {
        partitionKey: `i${SEP}${latestOf}`,
        rowKey: AutoRollStore.subscriptionRowKey(subscriptionId),
        subscriptionId,
        latestOf,
      },
      'Replace',
    );
  }

  /** Removes a per-group entry of the index (written before the subscription entries), if there is one. */
  async unindex(g: IndexedGroup): Promise<void> {
    await this.ensureTables();
    try {
      await this.table.deleteEntity(`i${SEP}${g.latestOf}`, AutoRollStore.rowKey(g));
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
  }

  /** What the index holds for latest of a definition in a region (one partition query). */
  async indexedOn(latestOf: string): Promise<IndexedOn> {
    await this.ensureTables();
    return (
      (await this.list(odata`PartitionKey eq ${`i${SEP}${latestOf}`}`))[0] ?? {
        latestOf,
        subscriptionIds: [],
        groups: [],
      }
    );
  }

  /** What the index holds for latest of a definition, every region (a PartitionKey range), by latest. */
  async indexedOnDefinition(definitionKey: string): Promise<IndexedOn[]> {
    await this.ensureTables();
    const from = `i${SEP}${definitionKey}${SEP}`;
    return this.list(odata`PartitionKey gt ${from} and PartitionKey lt ${`i${SEP}${definitionKey}${AFTER_SEP}`}`);
  }

  private async list(filter: string): Promise<IndexedOn[]> {
    const out = new Map<string, IndexedOn & { named: Set<string> }>();
    for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const latestOf = String(e.latestOf);
      let on = out.get(latestOf);
      if (!on) {
        on = { latestOf, subscriptionIds: [], groups: [], named: new Set() };
        out.set(latestOf, on);
      }
      const subscriptionId = String(e.subscriptionId);
      if (!on.named.has(subscriptionId.toLowerCase())) {
        on.named.add(subscriptionId.toLowerCase());
        on.subscriptionIds.push(subscriptionId);
      }
      if (typeof e.kind === 'string')
        on.groups.push({ subscriptionId, account: String(e.account), kind: e.kind, name: String(e.name), latestOf });
      else this.known.set(`${latestOf} ${subscriptionId.toLowerCase()}`, Promise.resolve());
    }
    return [...out.values()].map(({ named: _n, ...on }) => on);
  }

  /** Whether every roll job of the change `eventId` of `latestOf` was recorded and sent. */
  async fannedOut(latestOf: string, eventId: string): Promise<boolean> {
    await this.ensureTables();
    return (await getEntityOrUndefined(this.table, `f${SEP}${latestOf}`, encodeKeyPart(eventId))) !== undefined;
  }

  /** Records that every roll job of the change `eventId` of `latestOf` was recorded and sent. */
  async markFannedOut(latestOf: string, eventId: string, at: string): Promise<void> {
    await this.ensureTables();
    await this.table.upsertEntity(
      { partitionKey: `f${SEP}${latestOf}`, rowKey: encodeKeyPart(eventId), at },
      'Replace',
    );
  }

  async setPaused(definitionKey: string, definitionId: string, paused: boolean, at: string): Promise<void> {
    await this.ensureTables();
    if (paused) {
      await this.table.upsertEntity(
        { partitionKey: 'pause', rowKey: definitionKey, definitionId, pausedAt: at },
        'Replace',
      );
      return;
    }
    try {
      await this.table.deleteEntity('pause', definitionKey);
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
  }

  async pausedSince(definitionKey: string): Promise<string | undefined> {
    await this.ensureTables();
    const e = await getEntityOrUndefined(this.table, 'pause', definitionKey);
    return e ? String(e.pausedAt) : undefined;
  }
}

/**
 * Auto-roll state in Table Storage (`<prefix>autoroll`).
 *
 * | PartitionKey                        | RowKey                        | holds |
 * |-------------------------------------|-------------------------------|-------|
 * | `i|`definition key`|`region          | subscription`|`kind`|`name    | a group on `latest` of that definition in that region |
 * | `pause`                             | definition key                | an emergency stop of auto-roll for a definition |
 * | `f|`definition key`|`region          | event id                      | a change of latest whose roll jobs were all recorded and sent: a duplicate of its event is a read |
 *
 * The index is kept with the group writes: an entry is added before the group's transaction and
 * the entry of the definition/region the group left is removed after it, so a group on `latest` is
 * never missing from the index; an entry whose group is no longer there (or no longer on that
 * latest) is skipped when read. The auto-roll finds its groups with one partition query, never a scan.
 * Index entries written at the same time into one partition (groups put on the same latest by
 * concurrent jobs) go together in one transaction (UpsertBatcher); each job still waits for its own.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { createTablesOnce, getEntityOrUndefined, tableStatusOf, type TableStore } from '../storage/tables.js';
import { UpsertBatcher } from '../storage/upsert-batcher.js';
import { AFTER_SEP, encodeKeyPart, SEP } from '../catalog/keys.js';

export interface IndexedGroup {
  subscriptionId: string;
  account: string;
  kind: string;
  name: string;
  /** The index partition: definition key|region. */
  latestOf: string;
}

/** `<definition key>|<region>`: the index partition of groups on latest of a definition in a region. */
export function latestOfKey(definitionKey: string, region: string): string {
  return `${definitionKey}${SEP}${region}`;
}

export class AutoRollStore {
  readonly table: TableClient;
  readonly ensureTables: () => Promise<void>;
  private readonly indexWrites: UpsertBatcher;

  constructor(tables: TableStore, prefix: string) {
    this.table = tables.table(`${prefix}autoroll`);
    this.ensureTables = createTablesOnce([this.table]);
    // A group's entry is new when it is written (it is written when the group comes onto a latest).
    this.indexWrites = new UpsertBatcher(this.table, { insertFirst: true });
  }

  private static rowKey(g: Pick<IndexedGroup, 'subscriptionId' | 'kind' | 'name'>): string {
    return `${encodeKeyPart(g.subscriptionId)}${SEP}${encodeKeyPart(g.kind)}${SEP}${encodeKeyPart(g.name)}`;
  }

  async index(g: IndexedGroup): Promise<void> {
    await this.ensureTables();
    await this.indexWrites.upsert({
      partitionKey: `i${SEP}${g.latestOf}`,
      rowKey: AutoRollStore.rowKey(g),
      subscriptionId: g.subscriptionId,
      account: g.account,
      kind: g.kind,
      name: g.name,
      latestOf: g.latestOf,
    });
  }

  async unindex(g: IndexedGroup): Promise<void> {
    await this.ensureTables();
    try {
      await this.table.deleteEntity(`i${SEP}${g.latestOf}`, AutoRollStore.rowKey(g));
    } catch (err) {
      if (tableStatusOf(err) !== 404) throw err;
    }
  }

  /** Groups indexed on latest of a definition in a region (one partition query). */
  async groupsOn(latestOf: string): Promise<IndexedGroup[]> {
    await this.ensureTables();
    return this.list(odata`PartitionKey eq ${`i${SEP}${latestOf}`}`);
  }

  /** Groups indexed on latest of a definition, every region (a PartitionKey range). */
  async groupsOnDefinition(definitionKey: string): Promise<IndexedGroup[]> {
    await this.ensureTables();
    const from = `i${SEP}${definitionKey}${SEP}`;
    return this.list(odata`PartitionKey gt ${from} and PartitionKey lt ${`i${SEP}${definitionKey}${AFTER_SEP}`}`);
  }

  private async list(filter: string): Promise<IndexedGroup[]> {
    const out: IndexedGroup[] = [];
    for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      out.push({
        subscriptionId: String(e.subscriptionId),
        account: String(e.account),
        kind: String(e.kind),
        name: String(e.name),
        latestOf: String(e.latestOf),
      });
    }
    return out;
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

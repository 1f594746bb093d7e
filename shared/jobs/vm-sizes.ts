/**
 * VM size capabilities per subscription and region, from ARM's resource SKU list, kept in the
 * `<prefix>vmsizes` table (one partition per subscription and region) and in memory for ten
 * minutes. A region seen for the first time is read from ARM on demand; a timer refreshes every
 * cached region.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { createTablesOnce, type TableStore } from '../storage/tables.js';
import type { GalleryArmReader } from '../arm/reader.js';
import { vmSizesFromSkus, vmSizeCapabilitiesSchema, type VmSizeCapabilities } from '../domain/vm-sizes.js';
import { normalizeRegion } from '../domain/regions.js';
import { encodeKeyPart } from '../catalog/keys.js';

const MEMORY_MS = 10 * 60_000;
const META = '_meta';

export class VmSizeCatalog {
  private readonly table: TableClient;
  private readonly memory = new Map<string, { at: number; sizes: Record<string, VmSizeCapabilities> }>();
  private readonly ensureTable: () => Promise<void>;

  constructor(
    tables: TableStore,
    prefix: string,
    private readonly arm: GalleryArmReader,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.table = tables.table(`${prefix}vmsizes`);
    this.ensureTable = createTablesOnce([this.table]);
  }

  private key(subscriptionId: string, region: string): string {
    return `${encodeKeyPart(subscriptionId)}|${normalizeRegion(region)}`;
  }

  /** The capabilities of every VM size of a subscription in a region, by size name. */
  async sizes(subscriptionId: string, region: string): Promise<Record<string, VmSizeCapabilities>> {
    const pk = this.key(subscriptionId, region);
    const hit = this.memory.get(pk);
    if (hit && this.now() - hit.at < MEMORY_MS) return hit.sizes;
    await this.ensureTable();
    const stored: Record<string, VmSizeCapabilities> = {};
    let seen = false;
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${pk}` },
    })) {
      seen = true;
      if (e.rowKey === META || typeof e.record !== 'string') continue;
      const parsed = vmSizeCapabilitiesSchema.safeParse(JSON.parse(e.record));
      if (parsed.success) stored[parsed.data.name] = parsed.data;
    }
    const sizes = seen ? stored : await this.refresh(subscriptionId, region);
    this.memory.set(pk, { at: this.now(), sizes });
    return sizes;
  }

  /** Reads the SKU list from ARM and replaces the cached partition. */
  async refresh(subscriptionId: string, region: string): Promise<Record<string, VmSizeCapabilities>> {
    await this.ensureTable();
    const pk = this.key(subscriptionId, region);
    const sizes = vmSizesFromSkus(await this.arm.listVmSkus(subscriptionId, region), normalizeRegion(region));
    const entities = Object.values(sizes).map((s) => ({
      partitionKey: pk,
      rowKey: encodeKeyPart(s.name),
      record: JSON.stringify(s),
    }));
    entities.push({
      partitionKey: pk,
      rowKey: META,
      record: JSON.stringify({
        subscriptionId: subscriptionId.toLowerCase(),
        region: normalizeRegion(region),
        refreshedAt: new Date(this.now()).toISOString(),
      }),
    });
    for (let i = 0; i < entities.length; i += 100) {
      const actions: TransactionAction[] = entities.slice(i, i + 100).map((e) => ['upsert', e, 'Replace']);
      await this.table.submitTransaction(actions);
    }
    this.memory.set(pk, { at: this.now(), sizes });
    return sizes;
  }

  /** Refreshes every subscription and region in the cache; returns how many. */
  async refreshAll(): Promise<number> {
    await this.ensureTable();
    let n = 0;
    for await (const e of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`RowKey eq ${META}` },
    })) {
      const meta = JSON.parse(String(e.record)) as { subscriptionId: string; region: string };
      await this.refresh(meta.subscriptionId, meta.region);
      n++;
    }
    return n;
  }
}

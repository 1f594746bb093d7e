/**
 * The composition root: builds each adapter once from the configuration and hands the use cases
 * what they need. Function files call `services()`; nothing else reads the configuration.
 */
import { config, type Config } from './config.js';
import { TableStore } from './storage/tables.js';
import { createGalleryArmReader, type GalleryArmReader } from './arm/reader.js';
import { CatalogStore } from './catalog/store.js';
import { CatalogIndexer } from './catalog/indexer.js';
import { CatalogReconciler } from './catalog/reconcile.js';
import { OrganizationDirectory } from './access/directory.js';
import { CatalogLookups } from './lookups/lookups.js';

export interface Services {
  config: Config;
  tables: TableStore;
  arm: GalleryArmReader;
  catalog: CatalogStore;
  indexer: CatalogIndexer;
  reconciler: CatalogReconciler;
  directory: OrganizationDirectory;
  lookups: CatalogLookups;
}

let cached: Services | undefined;

export function services(): Services {
  if (cached) return cached;
  const cfg = config();
  const tables = new TableStore(cfg.tables);
  const arm = createGalleryArmReader(cfg.arm);
  const catalog = new CatalogStore(tables, cfg.tablePrefix);
  const indexer = new CatalogIndexer(arm, catalog);
  const directory = new OrganizationDirectory(tables, cfg.tablePrefix);
  cached = {
    config: cfg,
    tables,
    arm,
    catalog,
    indexer,
    reconciler: new CatalogReconciler(arm, catalog, indexer),
    directory,
    lookups: new CatalogLookups(catalog, directory),
  };
  return cached;
}

/** Forget the built services (tests that change settings between runtimes). */
export function resetServices(): void {
  cached = undefined;
}

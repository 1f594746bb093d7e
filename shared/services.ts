/**
 * The composition root: builds each adapter once from the configuration and hands the use cases
 * what they need. Function files call `services()`; nothing else reads the configuration.
 */
import { config, isLoopback, type Config } from './config.js';
import { TableStore } from './storage/tables.js';
import { createGalleryArmReader, type GalleryArmReader } from './arm/reader.js';
import { CatalogStore } from './catalog/store.js';
import { CatalogIndexer } from './catalog/indexer.js';
import { CatalogReconciler } from './catalog/reconcile.js';
import { ReconcileFanOut } from './reconcile/fan-out.js';
import { armReadThrottle } from './arm/read-throttle.js';
import { ARM_READ_LIMITS } from './domain/token-bucket.js';
import { OrganizationDirectory } from './access/directory.js';
import { CatalogLookups } from './lookups/lookups.js';
import { JobStore } from './jobs/store.js';
import { VmSizeCatalog } from './jobs/vm-sizes.js';
import { GroupJobProcessor } from './jobs/processor.js';
import { ServiceBusJobQueue, type JobQueue } from './jobs/queue.js';

export interface Services {
  config: Config;
  tables: TableStore;
  arm: GalleryArmReader;
  catalog: CatalogStore;
  indexer: CatalogIndexer;
  reconciler: CatalogReconciler;
  /** The reconcile as the timer runs it: one unit per gallery, in parallel under ARM's read budget. */
  reconcileFanOut: ReconcileFanOut;
  directory: OrganizationDirectory;
  lookups: CatalogLookups;
  jobs: JobStore;
  vmSizes: VmSizeCatalog;
  processor: GroupJobProcessor;
  /** Where submitted jobs go: the Service Bus queue, or nothing when no connection is configured. */
  jobQueue: JobQueue | undefined;
}

let queueOverride: JobQueue | undefined;

/**
 * Sends submitted jobs to `queue` instead of Service Bus. The local runtime uses it to deliver jobs
 * to the queue trigger in memory when no Service Bus connection is configured; Azure never does.
 */
export function useJobQueue(queue: JobQueue | undefined): void {
  queueOverride = queue;
  if (cached) cached.jobQueue = jobQueueFor(cached.config);
}

function jobQueueFor(cfg: Config): JobQueue | undefined {
  return queueOverride ?? (cfg.serviceBus ? new ServiceBusJobQueue(cfg.serviceBus) : undefined);
}

let cached: Services | undefined;

export function services(): Services {
  if (cached) return cached;
  const cfg = config();
  const tables = new TableStore(cfg.tables);
  const arm = createGalleryArmReader(cfg.arm);
  const catalog = new CatalogStore(tables, cfg.tablePrefix);
  const indexer = new CatalogIndexer(arm, catalog);
  const reconciler = new CatalogReconciler(arm, catalog, indexer);
  // Real ARM throttles reads per subscription: spend that budget at its rate (the local simulator is unthrottled).
  if (!isLoopback(new URL(cfg.arm.endpoint).hostname)) armReadThrottle.limits = ARM_READ_LIMITS;
  const directory = new OrganizationDirectory(tables, cfg.tablePrefix);
  const lookups = new CatalogLookups(catalog, directory);
  const jobs = new JobStore(tables, cfg.tablePrefix);
  const vmSizes = new VmSizeCatalog(tables, cfg.tablePrefix, arm);
  cached = {
    config: cfg,
    tables,
    arm,
    catalog,
    indexer,
    reconciler,
    reconcileFanOut: new ReconcileFanOut(reconciler),
    directory,
    lookups,
    jobs,
    vmSizes,
    processor: new GroupJobProcessor({ jobs, catalog, lookups, directory, vmSizes, maxDeliveryCount: cfg.groupJobsMaxDeliveryCount }),
    jobQueue: jobQueueFor(cfg),
  };
  return cached;
}

/** Forget the built services (tests that change settings between runtimes). */
export function resetServices(): void {
  cached = undefined;
}

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
import { JobStore } from './jobs/store.js';
import { VmSizeCatalog } from './jobs/vm-sizes.js';
import { GroupJobProcessor } from './jobs/processor.js';
import { ServiceBusJobQueue, type JobQueue } from './jobs/queue.js';
import { OutboxPublisher } from './events/outbox.js';
import { EventGridSink } from './events/publisher.js';
import { VersionEvents } from './events/catalog-events.js';
import { AutoRollStore } from './autoroll/store.js';
import { AutoRoller, RollJobs } from './autoroll/autoroll.js';
import { AutoRollViews } from './autoroll/views.js';

export interface Services {
  config: Config;
  tables: TableStore;
  arm: GalleryArmReader;
  catalog: CatalogStore;
  indexer: CatalogIndexer;
  reconciler: CatalogReconciler;
  directory: OrganizationDirectory;
  lookups: CatalogLookups;
  jobs: JobStore;
  vmSizes: VmSizeCatalog;
  processor: GroupJobProcessor;
  /** Where submitted jobs go: the Service Bus queue, or nothing when no connection is configured. */
  jobQueue: JobQueue | undefined;
  /** Publishes the domain events recorded in the outbox (to nothing when no topic is configured). */
  outbox: OutboxPublisher;
  /** Records latest per region and its changes after version writes (and settles leftovers). */
  versionEvents: VersionEvents;
  autoRollStore: AutoRollStore;
  autoRoller: AutoRoller;
  autoRollViews: AutoRollViews;
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
  const outbox = new OutboxPublisher(cfg.eventTopic ? new EventGridSink(cfg.eventTopic) : undefined, (m) => console.warn(m));
  const versionEvents = new VersionEvents(outbox);
  // Without a topic there is nowhere to deliver events: none are recorded (and auto-roll, their consumer, is idle).
  catalog.useEvents(cfg.eventTopic ? versionEvents : undefined);
  const indexer = new CatalogIndexer(arm, catalog);
  const directory = new OrganizationDirectory(tables, cfg.tablePrefix);
  const lookups = new CatalogLookups(catalog, directory);
  const jobs = new JobStore(tables, cfg.tablePrefix);
  const vmSizes = new VmSizeCatalog(tables, cfg.tablePrefix, arm);
  const autoRollStore = new AutoRollStore(tables, cfg.tablePrefix);
  cached = {
    config: cfg,
    tables,
    arm,
    catalog,
    indexer,
    reconciler: new CatalogReconciler(arm, catalog, indexer),
    directory,
    lookups,
    jobs,
    vmSizes,
    processor: new GroupJobProcessor({ jobs, catalog, lookups, directory, vmSizes, maxDeliveryCount: cfg.groupJobsMaxDeliveryCount, rolls: new RollJobs(autoRollStore, jobs), ...(cfg.eventTopic ? { events: outbox } : {}) }),
    jobQueue: jobQueueFor(cfg),
    outbox,
    versionEvents,
    autoRollStore,
    autoRoller: new AutoRoller(autoRollStore, jobs, () => cached?.jobQueue),
    autoRollViews: new AutoRollViews({ store: autoRollStore, jobs, catalog, lookups, events: versionEvents }),
  };
  return cached;
}

/** Forget the built services (tests that change settings between runtimes). */
export function resetServices(): void {
  cached = undefined;
}

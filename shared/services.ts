/**
 * The composition root: builds each adapter once from the configuration and hands the use cases
 * what they need. Function files call `services()`; nothing else reads the configuration.
 */
import { config, isLoopback, type Config } from './config.js';
import { hostQueues } from './host-queues.js';
import { TableStore } from './storage/tables.js';
import { createGalleryArmReader, type GalleryArmReader } from './arm/reader.js';
import { CatalogStore } from './catalog/store.js';
import { SearchIndex } from './search/search-index.js';
import { CatalogIndexer } from './catalog/indexer.js';
import { CatalogReconciler } from './reconcile/reconciler.js';
import { ReconcileRuns } from './reconcile/runs.js';
import { ServiceBusUnitQueue, type UnitQueue } from './reconcile/queue.js';
import { armReadThrottle } from './arm/read-throttle.js';
import { ARM_READ_LIMITS } from './domain/token-bucket.js';
import { OrganizationDirectory } from './access/directory.js';
import { Administration } from './access/administration.js';
import { CatalogLookups } from './lookups/lookups.js';
import { JobStore, type JobScope } from './jobs/store.js';
import { VmSizeCatalog } from './jobs/vm-sizes.js';
import { VersionSizeLookup } from './jobs/version-sizes.js';
import { GroupJobProcessor } from './jobs/processor.js';
import { ServiceBusJobQueue, type JobQueue } from './jobs/queue.js';
import { PendingJobs } from './jobs/pending.js';
import { JobSubmission } from './jobs/submission.js';
import { JobSweeper } from './jobs/sweep.js';
import { jobEventExtras, publishJobEvents } from './events/job-events.js';
import { OutboxPublisher } from './events/outbox.js';
import { EventGridSink } from './events/publisher.js';
import { VersionEvents } from './events/version-events.js';
import { AutoRollStore } from './autoroll/store.js';
import { AutoRoller, RollJobs } from './autoroll/autoroll.js';
import { GroupsAsRead } from './autoroll/groups-as-read.js';
import { AutoRollViews } from './autoroll/views.js';
import { ReplicaAdvisor } from './advice/replica-advisor.js';
import { ReconcileRunStore } from './reconcile/progress.js';
import { DeadLetterRecorder } from './jobs/dead-letters.js';
import { ApplyFlow } from './apply/flow.js';
import { ApplyCheckpoints } from './apply/checkpoints.js';
import { AzureTarget, loadRestorePoller } from './apply/azure.js';
import { SpotTarget } from './apply/spot-target.js';
import { SpotClient } from './apply/spot.js';
import { createComputeClient } from './arm/client.js';

export interface Services {
  config: Config;
  tables: TableStore;
  arm: GalleryArmReader;
  catalog: CatalogStore;
  indexer: CatalogIndexer;
  reconciler: CatalogReconciler;
  /** Progress of the running or last reconcile (rows per plan and unit, summed on read). */
  reconcileProgress: ReconcileRunStore;
  /** The reconcile as a queue of gallery units: planned by the timer, run by the reconcileUnit trigger. */
  reconcileRuns: ReconcileRuns;
  /** Where reconcile units go: the reconcile-units queue, or nothing when no connection is configured. */
  readonly reconcileQueue: UnitQueue | undefined;
  directory: OrganizationDirectory;
  /** Who manages which organization: the operator all, an organization administrator its own. */
  administration: Administration;
  lookups: CatalogLookups;
  jobs: JobStore;
  vmSizes: VmSizeCatalog;
  versionSizes: VersionSizeLookup;
  processor: GroupJobProcessor;
  /** Records the jobs whose message was dead-lettered. */
  deadLetters: DeadLetterRecorder;
  /** Where submitted jobs go: the Service Bus queue, or nothing when no connection is configured. */
  readonly jobQueue: JobQueue | undefined;
  /** Jobs sent whose message has not run yet (what the sweep sends again). */
  pendingJobs: PendingJobs;
  /** Submitting a job: its record, its pending row, its message; undefined without a queue. */
  readonly jobSubmission: JobSubmission | undefined;
  /** Sends again the jobs whose message has not run; records failed those never delivered. */
  jobSweeper: JobSweeper;
  replicaAdvisor: ReplicaAdvisor;
  /** Publishes the domain events recorded in the outbox (to nothing when no topic is configured). */
  outbox: OutboxPublisher;
  /** Records latest per region and its changes after version writes (and settles leftovers). */
  versionEvents: VersionEvents;
  autoRollStore: AutoRollStore;
  /** The groups a roll fan-out read, for its roll jobs in this instance. */
  groupsAsRead: GroupsAsRead;
  autoRoller: AutoRoller;
  autoRollViews: AutoRollViews;
}

let cached: Services | undefined;

export function services(): Services {
  if (cached) return cached;
  const cfg = config();
  const tables = new TableStore(
    cfg.tables,
    {},
    { requestMs: cfg.deadlines.tableMs, backgroundMs: cfg.deadlines.backgroundMs },
  );
  const arm = createGalleryArmReader(cfg.arm);
  const catalog = new CatalogStore(tables, cfg.tablePrefix, new SearchIndex(tables, cfg.tablePrefix));
  const outbox = new OutboxPublisher(cfg.eventTopic ? new EventGridSink(cfg.eventTopic) : undefined, (m) =>
    console.warn(m),
  );
  const versionEvents = new VersionEvents(outbox);
  // Without a topic there is nowhere to deliver events: none are recorded (and auto-roll, their consumer, is idle).
  catalog.useEvents(cfg.eventTopic ? versionEvents : undefined);
  const indexer = new CatalogIndexer(arm, catalog);
  const reconciler = new CatalogReconciler(arm, catalog, indexer);
  // Real ARM throttles reads per subscription: spend that budget at its rate (the local simulator is unthrottled).
  if (!isLoopback(new URL(cfg.arm.endpoint).hostname)) armReadThrottle.limits = ARM_READ_LIMITS;
  const directory = new OrganizationDirectory(tables, cfg.tablePrefix);
  const lookups = new CatalogLookups(catalog, directory);
  const jobs = new JobStore(tables, cfg.tablePrefix);
  const pendingJobs = PendingJobs.of(tables, cfg.tablePrefix, jobs.ensureTables);
  const organizationOf = async (account: string): Promise<JobScope | undefined> => {
    const owner = await directory.accountOwner(account);
    return owner
      ? { organizationId: owner.organization.id, subscriptionIds: owner.organization.subscriptionIds }
      : undefined;
  };
  const vmSizes = new VmSizeCatalog(tables, cfg.tablePrefix, arm);
  const autoRollStore = new AutoRollStore(tables, cfg.tablePrefix);
  // The groups a fan-out read, for its roll jobs in this instance (shared/autoroll/groups-as-read.ts).
  const groupsAsRead = new GroupsAsRead();
  let serviceBusQueue: JobQueue | undefined;
  let serviceBusUnitQueue: UnitQueue | undefined;
  const reconcileQueue = (): UnitQueue | undefined =>
    hostQueues().units ??
    (serviceBusUnitQueue ??= cfg.serviceBus
      ? new ServiceBusUnitQueue(cfg.serviceBus, {
          requestMs: cfg.deadlines.serviceBusMs,
          backgroundMs: cfg.deadlines.backgroundMs,
        })
      : undefined);
  const reconcileProgress = new ReconcileRunStore(tables, cfg.tablePrefix);
  cached = {
    config: cfg,
    tables,
    arm,
    catalog,
    indexer,
    reconciler,
    reconcileProgress,
    reconcileRuns: new ReconcileRuns(reconciler, reconcileProgress, reconcileQueue, cfg.reconcileUnitsMaxDeliveryCount),
    get reconcileQueue(): UnitQueue | undefined {
      return reconcileQueue();
    },
    directory,
    administration: new Administration(directory, cfg.operatorTenant),
    lookups,
    jobs,
    vmSizes,
    versionSizes: new VersionSizeLookup({ catalog, lookups, vmSizes }),
    processor: new GroupJobProcessor({
      jobs,
      catalog,
      lookups,
      directory,
      vmSizes,
      maxDeliveryCount: cfg.groupJobsMaxDeliveryCount,
      replicaBurstFactor: cfg.replicas.burstFactor,
      rolls: new RollJobs(autoRollStore, groupsAsRead),
      ...(cfg.eventTopic ? { events: outbox } : {}),
      apply: new ApplyFlow({
        checkpoints: new ApplyCheckpoints(jobs.groups, jobs.ensureTables),
        azure: new AzureTarget(async (subscriptionId) => {
          await loadRestorePoller();
          return createComputeClient(cfg.arm, subscriptionId);
        }),
        spot: new SpotTarget({
          checkpoints: new ApplyCheckpoints(jobs.groups, jobs.ensureTables),
          // No retries inside one call: a 429 or 5xx is tried again by a follow-up (cfg.apply).
          ...(cfg.spot.settings
            ? { client: new SpotClient({ ...cfg.spot.settings, maxRetries: 0 }) }
            : { notConfigured: cfg.spot.notConfigured }),
          settings: cfg.apply,
        }),
        jobEnded: async (organizationId, subscriptionId, jobId) => {
          const job = await jobs.getJob({ organizationId, subscriptionIds: [subscriptionId] }, jobId);
          return job !== undefined && job.status !== 'queued' && job.status !== 'running';
        },
        settings: cfg.apply,
      }),
      queue: () => cached?.jobQueue,
      pending: pendingJobs,
    }),
    replicaAdvisor: new ReplicaAdvisor({
      catalog,
      lookups,
      directory,
      groups: jobs,
      burstFactor: cfg.replicas.burstFactor,
      prices: cfg.replicas.prices,
    }),
    get jobQueue(): JobQueue | undefined {
      return (
        hostQueues().jobs ??
        (serviceBusQueue ??= cfg.serviceBus
          ? new ServiceBusJobQueue(cfg.serviceBus, {
              requestMs: cfg.deadlines.serviceBusMs,
              backgroundMs: cfg.deadlines.backgroundMs,
            })
          : undefined)
      );
    },
    pendingJobs,
    jobSweeper: new JobSweeper(
      jobs,
      pendingJobs,
      () => cached?.jobQueue,
      cfg.jobSweep,
      cfg.eventTopic ? { extras: jobEventExtras, publish: (job) => publishJobEvents(outbox, jobs, job) } : undefined,
    ),
    get jobSubmission(): JobSubmission | undefined {
      const queue = cached?.jobQueue;
      return queue ? new JobSubmission(jobs, pendingJobs, queue) : undefined;
    },
    deadLetters: new DeadLetterRecorder(jobs, directory, undefined, cfg.eventTopic ? outbox : undefined),
    outbox,
    versionEvents,
    autoRollStore,
    groupsAsRead,
    autoRoller: new AutoRoller(
      autoRollStore,
      jobs,
      () => cached?.jobQueue,
      (definitionKey) => versionEvents.pointers(catalog.versions, definitionKey),
      { pending: pendingJobs, organizationOf, asRead: groupsAsRead },
    ),
    autoRollViews: new AutoRollViews({
      store: autoRollStore,
      jobs,
      catalog,
      lookups,
      events: versionEvents,
      organizationOf,
    }),
  };
  return cached;
}

/** Forget the built services (tests that change settings between runtimes). */
export function resetServices(): void {
  cached = undefined;
}

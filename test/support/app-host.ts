/**
 * Runs the real app in-process for end-to-end tests: the functions under functions/ (from their
 * TypeScript sources), registered through the functions-core stand-in and served by the local
 * runtime on a free port, with settings pointing at Azurite (and, when given, the ARM simulator).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime, type LogLine, type RuntimeOptions } from '../../dev/runtime/runtime.js';
import { resetConfig } from '../../shared/config.js';
import { resetServices, services } from '../../shared/services.js';
import { useJobQueue, useReconcileQueue } from '../../dev/runtime/host-queues.js';
import { waitForRun } from '../../shared/reconcile/runs.js';
import type { ReconcileProgress } from '../../shared/domain/reconcile-run.js';
import type { LocalServiceBusQueue } from '../../dev/runtime/local-bus.js';
import { DEMO_TENANTS } from '../../dev/demo/demo-org.js';
import { LOCAL_TOPIC_PATH, readEventSubscriptions, type LocalEventTopic } from '../../dev/runtime/event-grid-topic.js';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

/**
 * The app's request body limit: the host setting FUNCTIONS_REQUEST_BODY_SIZE_LIMIT as the
 * deployment (infra/modules/function-app.bicep), local.settings.sample.json and `npm start` set it.
 */
export const APP_REQUEST_BODY_LIMIT = 4 * 1024 * 1024;

export function appSourceFiles(): string[] {
  const fnDir = path.join(projectRoot, 'functions');
  return [
    'index.ts',
    ...fs
      .readdirSync(fnDir)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => `functions/${f}`),
  ];
}

export interface AppHost {
  url: string;
  runtime: LocalRuntime;
  logs: LogLine[];
  tablePrefix: string;
  /** The group-jobs queue, emulated in memory (no Service Bus offline). */
  jobsQueue: LocalServiceBusQueue;
  /** The reconcile-units queue, emulated in memory, delivered to reconcileUnit in parallel. */
  unitsQueue: LocalServiceBusQueue;
  /** The domain-event topic hosted by the runtime (startApp with `events: true`). */
  topic?: LocalEventTopic;
  stop(): Promise<void>;
}

/** A table prefix no other test file uses, so files can share one Azurite. */
export function uniqueTablePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export async function startApp(
  settings: Record<string, string>,
  options: Pick<RuntimeOptions, 'principalHeader'> & { events?: boolean; webhooks?: string[] } = {},
): Promise<AppHost> {
  const tablePrefix = settings.CATALOG_TABLE_PREFIX ?? uniqueTablePrefix();
  // The demo's Contoso tenant operates the deployment, as offline `npm start` makes its development principal's tenant.
  Object.assign(process.env, {
    CATALOG_TABLE_PREFIX: tablePrefix,
    AUTH_OPERATOR_TENANT: DEMO_TENANTS.contoso,
    FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(APP_REQUEST_BODY_LIMIT),
    ...settings,
  });
  resetConfig();
  resetServices();
  const registry = await loadApp(projectRoot, appSourceFiles());
  const logs: LogLine[] = [];
  const runtime = new LocalRuntime(registry, {
    onLog: (l) => logs.push(l),
    timers: false,
    ...(options.principalHeader === undefined ? {} : { principalHeader: options.principalHeader }),
  });
  const url = await runtime.start(0);
  let topic: LocalEventTopic | undefined;
  if (options.events) {
    topic = runtime.hostEventTopic(readEventSubscriptions(projectRoot), options.webhooks ?? []);
    Object.assign(process.env, {
      DomainEvents__topicEndpointUri: `${url.replace('localhost', '127.0.0.1')}${LOCAL_TOPIC_PATH}`,
      DomainEvents__credential: 'key',
      DomainEvents__topicKey: topic.key,
    });
  } else {
    for (const k of ['DomainEvents__topicEndpointUri', 'DomainEvents__credential', 'DomainEvents__topicKey'])
      Reflect.deleteProperty(process.env, k);
  }
  resetConfig();
  resetServices();
  const jobsQueue = runtime.emulateServiceBus('groupJobs', {
    maxDeliveryCount: Number(process.env.GROUP_JOBS_MAX_DELIVERY_COUNT ?? 10),
    maxConcurrentSessions: 16,
    redeliveryDelayMs: 5,
  });
  useJobQueue(jobsQueue);
  const unitsQueue = runtime.emulateServiceBus('reconcileUnit', {
    maxDeliveryCount: Number(process.env.RECONCILE_UNITS_MAX_DELIVERY_COUNT ?? 5),
    maxConcurrentCalls: 16,
    redeliveryDelayMs: 5,
  });
  useReconcileQueue(unitsQueue);
  return {
    url,
    runtime,
    logs,
    tablePrefix,
    jobsQueue,
    unitsQueue,
    ...(topic ? { topic } : {}),
    stop: async () => {
      useJobQueue(undefined);
      useReconcileQueue(undefined);
      await runtime.stop();
    },
  };
}

/**
 * Runs the reconcile as an operator does (`POST /admin/functions/reconcileCatalog`: the timer
 * plans and queues the units) and waits for the run record to say it finished (then for the
 * queue to settle its last messages).
 */
export async function reconcileNow(host: AppHost, timeoutMs = 60_000): Promise<ReconcileProgress> {
  const before = (await services().reconcileProgress.read())?.runId;
  const res = await fetch(`${host.url}/admin/functions/reconcileCatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 202) throw new Error(`the admin endpoint answered ${res.status}`);
  const run = await waitForRun(() => services().reconcileProgress.read(), before, { pollMs: 25, timeoutMs });
  await host.unitsQueue.idle(); // the last unit finished the run before its handler returned and its message was completed
  return run;
}

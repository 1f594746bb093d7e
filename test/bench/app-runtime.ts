import { randomUUID } from 'node:crypto';
import { appModules } from './app-modules.js';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime } from '../../dev/runtime/runtime.js';
import { LOCAL_TOPIC_PATH, readEventSubscriptions } from '../../dev/runtime/event-grid-topic.js';
import { useJobQueue } from '../../dev/runtime/host-queues.js';
import { resetConfig } from '../../shared/config.js';
import { resetServices } from '../../shared/services.js';

/**
 * The real app (its tsc output) on the local runtime in this process, timers off and logs dropped,
 * with the local domain-event topic (the app's settings pointing at it, `env` added) and the
 * in-memory group-jobs queue (16 sessions at once, redelivery after 5 ms) as the app's job queue.
 * The services are built afresh on their next use.
 */
export async function startAppWithQueue(root: string, env: Record<string, string> = {}) {
  const registry = await loadApp(root, appModules(root));
  const runtime = new LocalRuntime(registry, { timers: false, onLog: () => undefined });
  const url = await runtime.start(0);
  const topic = runtime.hostEventTopic(readEventSubscriptions(root));
  Object.assign(process.env, {
    DomainEvents__topicEndpointUri: `${url.replace('localhost', '127.0.0.1')}${LOCAL_TOPIC_PATH}`,
    DomainEvents__credential: 'key',
    DomainEvents__topicKey: topic.key,
    ...env,
  });
  resetConfig();
  resetServices();
  const queue = runtime.emulateServiceBus('groupJobs', {
    maxDeliveryCount: 10,
    maxConcurrentSessions: 16,
    redeliveryDelayMs: 5,
  });
  useJobQueue(queue);
  return {
    runtime,
    url,
    topic,
    queue,
    stop: async () => {
      useJobQueue(undefined);
      await runtime.stop();
    },
  };
}

/** A stateless group job as a user submits it (Spot's group body, `group` merged onto it), with `extra` envelope fields. */
export function statelessGroupJob(
  account: string,
  action: 'create' | 'update',
  group: { name: string } & Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    schemaVersion: 1 as const,
    jobId: randomUUID(),
    action,
    kind: 'statelessGroup' as const,
    caller: { account },
    ...extra,
    body: { group },
  };
}

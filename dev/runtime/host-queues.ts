/**
 * The local runtime's side of shared/host-queues.ts: it gives the app its in-memory queues (when
 * no Service Bus connection is configured), so the functions that send jobs or reconcile units
 * deliver them to the queue triggers offline. Azure never runs this.
 */
import { HOST_QUEUES, type HostQueues } from '../../shared/host-queues.js';
import type { JobQueue } from '../../shared/jobs/queue.js';
import type { UnitQueue } from '../../shared/reconcile/queue.js';

function provided(): HostQueues {
  const g = globalThis as { [HOST_QUEUES]?: HostQueues };
  return (g[HOST_QUEUES] ??= {});
}

/** Sends submitted jobs to `queue` instead of Service Bus (undefined: Service Bus again). */
export function useJobQueue(queue: JobQueue | undefined): void {
  if (queue) provided().jobs = queue;
  else delete provided().jobs;
}

/** Sends reconcile units to `queue` instead of Service Bus (undefined: Service Bus again). */
export function useReconcileQueue(queue: UnitQueue | undefined): void {
  if (queue) provided().units = queue;
  else delete provided().units;
}

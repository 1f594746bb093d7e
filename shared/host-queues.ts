/**
 * Queues the host may provide in place of Service Bus. The Functions host in Azure provides none:
 * the app sends its jobs and reconcile units to Service Bus. The project's local runtime
 * (dev/runtime/host-queues.ts) provides in-memory queues when no Service Bus connection is set, and
 * registers them here under a registered symbol: `npm start` serves the bundled app, whose modules
 * are its own copies, so a module variable set by the local runtime would not be the one the
 * bundled functions read.
 */
import type { JobQueue } from './jobs/queue.js';
import type { UnitQueue } from './reconcile/queue.js';

export interface HostQueues {
  jobs?: JobQueue;
  units?: UnitQueue;
}

/** The registered symbol the local runtime sets (`Symbol.for`, so both copies of the app see one). */
export const HOST_QUEUES = Symbol.for('gallery-catalog.hostQueues');

/** What the host provides (nothing in Azure). */
export function hostQueues(): HostQueues {
  return (globalThis as { [HOST_QUEUES]?: HostQueues })[HOST_QUEUES] ?? {};
}

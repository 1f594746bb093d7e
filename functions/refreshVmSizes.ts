import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from '../shared/services.js';

/** Refreshes the cached VM size capabilities of every subscription and region in use. */
export async function refreshVmSizes(_timer: Timer, context: InvocationContext): Promise<void> {
  const n = await services().vmSizes.refreshAll();
  context.info(`refreshed VM sizes of ${n} subscription-regions`);
}

app.timer('refreshVmSizes', { schedule: '%VM_SIZES_SCHEDULE%', handler: refreshVmSizes });

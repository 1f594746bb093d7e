import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { EVENT_TYPES, readDelivered, type LatestVersionChangedData } from '../shared/events/events.js';
import { services } from '../shared/services.js';

/**
 * This app's own subscriber to its domain-event topic (infra/event-subscriptions.json):
 * `GalleryCatalog.LatestVersionChanged` → roll jobs for the groups on `latest` there. Other or
 * malformed events are logged and completed; a transient failure throws, so Event Grid redelivers.
 */
export async function autoRoll(event: unknown, context: InvocationContext): Promise<void> {
  const e = readDelivered(event);
  if (!e || e.type !== EVENT_TYPES.latestVersionChanged) {
    context.warn(`event ${e?.id ?? '(no id)'} ignored: not a ${EVENT_TYPES.latestVersionChanged} event`);
    return;
  }
  const data = e.data as Partial<LatestVersionChangedData> | undefined;
  if (
    !data ||
    typeof data.imageDefinitionId !== 'string' ||
    typeof data.region !== 'string' ||
    typeof data.cause !== 'string'
  ) {
    context.warn(`event ${e.id} ignored: data.imageDefinitionId, data.region and data.cause are required`);
    return;
  }
  const result = await services().autoRoller.onLatestChanged(data as LatestVersionChangedData, e.time, e.id);
  const skipped = result.skipped.map((s) => `${s.group} (${s.reason})`).join(', ');
  context.info(
    `event ${e.id}: latest of ${data.imageDefinitionId} in ${data.region} ${data.previousVersion ?? '-'} → ${data.newVersion ?? '-'} (${data.cause}): ${result.queued.length} roll jobs queued${skipped ? `; skipped ${skipped}` : ''}`,
  );
}

app.eventGrid('autoRoll', { handler: (event: EventGridEvent, context) => autoRoll(event, context) });

import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { readEvent } from '../shared/catalog/arm-events.js';
import { services } from '../shared/services.js';
import { errorText } from '../shared/domain/printable.js';

/**
 * ARM events for galleries, image definitions and image versions (Event Grid subscription system
 * topic; Event Grid schema or CloudEvents 1.0). Bad or unrelated events are logged and completed;
 * a transient failure (ARM throttling or outage, a table store error) or an ARM refusal (401/403,
 * e.g. a role assignment still propagating) throws, so Event Grid redelivers (for up to a day, then
 * dead-letters). Every log line names the event id.
 */
export async function galleryEvents(event: unknown, context: InvocationContext): Promise<void> {
  const read = readEvent(event);
  switch (read.kind) {
    case 'invalid':
      context.warn(`event ${read.eventId ?? '(no id)'} rejected: ${read.reason}`);
      return;
    case 'ignored':
      context.debug(`event ${read.eventId} ignored: ${read.reason}`);
      return;
    case 'notification': {
      const n = read.notification;
      let result;
      try {
        result = await services().indexer.handle(n);
      } catch (err) {
        context.error(
          `event ${n.eventId} ${n.eventType} ${n.operationName}: failed, Event Grid will redeliver: ${errorText(err)}`,
        );
        throw err;
      }
      context.info(
        `event ${n.eventId} ${n.eventType} ${n.operationName}: ${result.outcome} ${result.id}${result.detail ? ` (${result.detail})` : ''}`,
      );
    }
  }
}

app.eventGrid('galleryEvents', { handler: (event: EventGridEvent, context) => galleryEvents(event, context) });

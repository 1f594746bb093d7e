// Event deliveries to the local runtime's Event Grid webhook, as Event Grid makes them, for the
// benchmarks that run the real app in their process.
import { randomUUID } from 'node:crypto';

/** Posts events to a function's Event Grid webhook (a Notification delivery). */
export function postEvents(url: string, functionName: string, events: unknown[]): Promise<Response> {
  return fetch(`${url}/runtime/webhooks/eventgrid?functionName=${functionName}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
    body: JSON.stringify(events),
  });
}

/** An ARM `ResourceWriteSuccess` event of a gallery, image definition or version (Event Grid schema). */
export function armWriteEvent(id: string): Record<string, unknown> {
  return {
    id: randomUUID(),
    subject: id,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: new Date().toISOString(),
    dataVersion: '2',
    data: {
      resourceUri: id,
      operationName: `${id.includes('/versions/') ? 'Microsoft.Compute/galleries/images/versions' : id.includes('/images/') ? 'Microsoft.Compute/galleries/images' : 'Microsoft.Compute/galleries'}/write`,
      status: 'Succeeded',
    },
  };
}

/** Waits until the topic and the queue are idle, five times over (events cause jobs, jobs cause events). */
export async function settle(topic: { idle(): Promise<void> }, queue: { idle(): Promise<void> }): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await topic.idle();
    await queue.idle();
  }
}

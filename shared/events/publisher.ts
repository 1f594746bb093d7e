/**
 * Sends domain events to the app's Event Grid custom topic with `@azure/eventgrid`'s
 * `EventGridPublisherClient` in the CloudEvents schema: with the app's managed identity in Azure (a
 * token credential needs https), or with the topic key (`aeg-sas-key`) over http to the local
 * runtime's topic offline.
 */
import { AzureKeyCredential, EventGridPublisherClient, type CloudEvent } from '@azure/eventgrid';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { EventTopicSettings } from '../config.js';
import type { DomainEvent } from './events.js';
import type { EventSink } from './outbox.js';
import { deadlinePolicy } from '../deadlines/deadline.js';

export class EventGridSink implements EventSink {
  private readonly client: EventGridPublisherClient<'CloudEvent'>;

  /** `timeoutMs`: the longest wait for one publish attempt. */
  constructor(settings: EventTopicSettings, timeoutMs = 5_000) {
    const credential =
      settings.credential === 'key'
        ? new AzureKeyCredential(settings.key)
        : settings.credential === 'managedidentity'
          ? new ManagedIdentityCredential(settings.clientId ? { clientId: settings.clientId } : {})
          : new DefaultAzureCredential(settings.clientId ? { managedIdentityClientId: settings.clientId } : {});
    const insecure = new URL(settings.endpoint).protocol === 'http:';
    this.client = new EventGridPublisherClient(settings.endpoint, 'CloudEvent', credential, {
      ...(insecure ? { allowInsecureConnection: true } : {}),
      retryOptions: { maxRetries: 2 },
      additionalPolicies: [{ policy: deadlinePolicy('eventGrid', timeoutMs), position: 'perRetry' }],
    });
  }

  async send(events: readonly DomainEvent[]): Promise<void> {
    await this.client.send(events.map(toCloudEvent));
  }
}

export function toCloudEvent(e: DomainEvent): CloudEvent<unknown> {
  return {
    type: e.type,
    source: e.source,
    id: e.id,
    time: new Date(e.time),
    subject: e.subject,
    data: e.data,
    datacontenttype: 'application/json',
    extensionAttributes: { sequence: e.sequence },
  };
}

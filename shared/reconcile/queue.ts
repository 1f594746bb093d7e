/**
 * Sending reconcile units: one Service Bus message per gallery unit on `reconcile-units`, its
 * `messageId` the run and the gallery (a plan sent again is one plan: duplicate detection), no
 * session (units of a run are independent and run in parallel).
 */
import type { ServiceBusMessage, ServiceBusSender, ServiceBusClient } from '@azure/service-bus';
import { RECONCILE_UNITS_QUEUE, type ServiceBusSettings } from '../config.js';
import { serviceBusClient } from '../jobs/queue.js';
import { unitMessageId, UNIT_MESSAGE_SCHEMA, type UnitMessage } from '../domain/reconcile-run.js';
import type { GalleryUnit } from './reconciler.js';
import { withTimeout } from '../deadlines/deadline.js';

/** Where units go: the Service Bus queue, or the local runtime's stand-in. Sends all or throws. */
export interface UnitQueue {
  sendMessages(messages: ServiceBusMessage[]): Promise<void>;
}

/** Units per send: one batch well below the Standard tier's 256 KB (a unit message is about 400 bytes). */
export const UNITS_PER_SEND = 100;

export function unitMessage(runId: string, subscriptionId: string, unit: GalleryUnit): ServiceBusMessage {
  const body: UnitMessage = {
    schemaVersion: UNIT_MESSAGE_SCHEMA,
    runId,
    subscriptionId,
    unit: { galleryId: unit.galleryId, reread: unit.reread },
  };
  return {
    body,
    contentType: 'application/json',
    messageId: unitMessageId(runId, unit.galleryId),
    subject: 'reconcile/unit',
    applicationProperties: { runId },
  };
}

export class ServiceBusUnitQueue implements UnitQueue {
  private client: ServiceBusClient | undefined;
  private sender: ServiceBusSender | undefined;

  /** The longest wait for one send: in an HTTP request (SERVICE_BUS_TIMEOUT_MS, or less of its budget), and in a trigger. */
  constructor(
    private readonly settings: ServiceBusSettings,
    private readonly timeouts: { requestMs: number; backgroundMs: number } = { requestMs: 5_000, backgroundMs: 30_000 },
  ) {}

  async sendMessages(messages: ServiceBusMessage[]): Promise<void> {
    this.client ??= await serviceBusClient(this.settings);
    const sender = (this.sender ??= this.client.createSender(RECONCILE_UNITS_QUEUE));
    // An array is sent as one batch: all of it is accepted, or the call throws.
    await withTimeout(
      'serviceBus',
      this.timeouts.requestMs,
      (abortSignal) => sender.sendMessages(messages, { abortSignal }),
      this.timeouts.backgroundMs,
    );
  }
}

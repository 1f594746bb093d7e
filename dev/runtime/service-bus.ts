/**
 * Receives from a Service Bus queue with the real `@azure/service-bus` client and hands each
 * message to the local runtime, settling it the way the Functions host does with
 * `autoCompleteMessages`: complete when the function returns, abandon when it throws (Service Bus
 * then redelivers, and dead-letters past the queue's max delivery count).
 */
import {
  ServiceBusClient,
  type ServiceBusReceiver,
  type ServiceBusSessionReceiver,
  type ServiceBusReceivedMessage,
} from '@azure/service-bus';
import { DefaultAzureCredential } from '@azure/identity';

export type Settlement = 'complete' | 'abandon';

/** What the runtime needs of a received message. */
export interface DeliverableMessage {
  body: unknown;
  messageId?: string | number | Buffer | undefined;
  sessionId?: string | undefined;
  deliveryCount?: number | undefined;
  enqueuedTimeUtc?: Date | undefined;
  /** For the host's `Trigger Details` log line. */
  sequenceNumber?: { toString(): string } | undefined;
  lockedUntilUtc?: Date | undefined;
  contentType?: string | undefined;
  correlationId?: string | number | Buffer | undefined;
  subject?: string | undefined;
  applicationProperties?: Record<string, unknown> | undefined;
  /** Set on a message received from a dead-letter sub-queue. */
  deadLetterReason?: string | undefined;
  deadLetterErrorDescription?: string | undefined;
}

/** `<queue>/$DeadLetterQueue`, the entity path the Functions host takes for a dead-letter sub-queue. */
export function deadLetterQueueOf(queueName: string): string | undefined {
  const m = /^(.+)\/\$DeadLetterQueue$/i.exec(queueName);
  return m?.[1];
}

export interface PumpOptions {
  functionName: string;
  queueName: string;
  sessions: boolean;
  connectionString?: string;
  fullyQualifiedNamespace?: string;
  maxConcurrentCalls: number;
  maxConcurrentSessions: number;
  maxAutoLockRenewalMs: number;
  sessionIdleTimeoutMs: number;
  deliver: (message: DeliverableMessage) => Promise<Settlement>;
  log: (level: 'information' | 'warning' | 'error', message: string) => void;
}

export class ServiceBusPump {
  private client: ServiceBusClient | undefined;
  private receiver: ServiceBusReceiver | undefined;
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly sessionReceivers = new Set<ServiceBusSessionReceiver>();

  constructor(private readonly options: PumpOptions) {}

  get functionName(): string {
    return this.options.functionName;
  }

  async start(): Promise<void> {
    const o = this.options;
    this.client = o.connectionString
      ? new ServiceBusClient(o.connectionString)
      : new ServiceBusClient(o.fullyQualifiedNamespace as string, new DefaultAzureCredential());
    if (!o.sessions) {
      const deadLetterOf = deadLetterQueueOf(o.queueName);
      this.receiver = deadLetterOf
        ? this.client.createReceiver(deadLetterOf, {
            subQueueType: 'deadLetter',
            receiveMode: 'peekLock',
            maxAutoLockRenewalDurationInMs: o.maxAutoLockRenewalMs,
          })
        : this.client.createReceiver(o.queueName, {
            receiveMode: 'peekLock',
            maxAutoLockRenewalDurationInMs: o.maxAutoLockRenewalMs,
          });
      const receiver = this.receiver;
      receiver.subscribe(
        {
          processMessage: async (message) => this.settle(receiver, message),
          processError: (args) => {
            o.log('warning', `Service Bus receive error (${args.errorSource}): ${args.error.message}`);
            return Promise.resolve();
          },
        },
        { autoCompleteMessages: false, maxConcurrentCalls: o.maxConcurrentCalls },
      );
      return;
    }
    for (let i = 0; i < o.maxConcurrentSessions; i++) this.loops.push(this.sessionLoop());
    await Promise.resolve();
  }

  private async settle(receiver: ServiceBusReceiver, message: ServiceBusReceivedMessage): Promise<void> {
    const outcome = await this.options.deliver({
      body: message.body,
      messageId: message.messageId,
      sessionId: message.sessionId,
      deliveryCount: message.deliveryCount,
      enqueuedTimeUtc: message.enqueuedTimeUtc,
      sequenceNumber: message.sequenceNumber,
      lockedUntilUtc: message.lockedUntilUtc,
      contentType: message.contentType,
      correlationId: message.correlationId,
      subject: message.subject,
      applicationProperties: message.applicationProperties,
      deadLetterReason: message.deadLetterReason,
      deadLetterErrorDescription: message.deadLetterErrorDescription,
    });
    if (outcome === 'complete') await receiver.completeMessage(message);
    else await receiver.abandonMessage(message);
  }

  /** One session at a time: accept the next session, drain it until idle, release it, repeat. */
  private async sessionLoop(): Promise<void> {
    const o = this.options;
    const client = this.client as ServiceBusClient;
    while (!this.stopping) {
      let receiver: ServiceBusSessionReceiver | undefined;
      try {
        receiver = await client.acceptNextSession(o.queueName, {
          receiveMode: 'peekLock',
          maxAutoLockRenewalDurationInMs: o.maxAutoLockRenewalMs,
        });
        this.sessionReceivers.add(receiver);
        while (!this.stopping) {
          const batch = await receiver.receiveMessages(1, { maxWaitTimeInMs: o.sessionIdleTimeoutMs });
          if (batch.length === 0) break;
          for (const message of batch) await this.settle(receiver, message);
        }
      } catch (err) {
        const e = err as { code?: string; message?: string };
        if (!this.stopping && e.code !== 'SessionCannotBeLocked' && e.code !== 'ServiceTimeout') {
          o.log('warning', `Service Bus session error: ${e.message ?? String(err)}`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      } finally {
        if (receiver) {
          this.sessionReceivers.delete(receiver);
          await receiver.close().catch(() => undefined);
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.receiver?.close().catch(() => undefined);
    await Promise.all([...this.sessionReceivers].map((r) => r.close().catch(() => undefined)));
    await Promise.allSettled(this.loops);
    await this.client?.close().catch(() => undefined);
  }
}

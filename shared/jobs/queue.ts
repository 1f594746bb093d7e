/**
 * Sending group jobs: one Service Bus message per job, `messageId` = account/jobId (the queue's
 * duplicate detection makes a resubmitted job one job; see `jobMessageId`) and `sessionId` = the
 * group's identity (the jobs of one group run in order).
 */
import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { GROUP_JOBS_QUEUE, type ServiceBusSettings } from '../config.js';
import { groupIdentity, jobMessageId, type JobEnvelope } from '../domain/job-envelope.js';
import { withTimeout } from '../deadlines/deadline.js';

export interface SendOptions {
  /** Scheduled delivery: the queue holds the message until then. */
  scheduledEnqueueTimeUtc?: Date;
  /**
   * A copy sent again by the sweep: the job's record says whether it still has to run; with
   * `secretPointers`, the copy lacks the secrets at those places and is never run.
   */
  resent?: { secretPointers: readonly string[] };
  /** The job's generation: how often it was reopened after ending without running (see jobMessageId). */
  generation?: number;
  /**
   * A follow-up of the job's apply (the n-th): the job continues from its checkpoint, and the
   * message id gets `@<n>` so the queue does not take it for a duplicate of the job's own message.
   */
  followUp?: number;
  /** The job waits for another job's apply of the same group (the n-th wait): sent again, `@w<n>`. */
  deferred?: number;
}

export interface JobQueue {
  /** `recorded`: the caller wrote the job's queued record already. */
  send(envelope: JobEnvelope, recorded?: boolean, options?: SendOptions): Promise<void>;
}

/** `recorded`: the producer wrote the job's queued record (the HTTP API does; the CLI does not). */
export function jobMessage(envelope: JobEnvelope, recorded = false, options: SendOptions = {}): ServiceBusMessage {
  return {
    ...(options.scheduledEnqueueTimeUtc ? { scheduledEnqueueTimeUtc: options.scheduledEnqueueTimeUtc } : {}),
    body: envelope,
    contentType: 'application/json',
    messageId: `${jobMessageId(envelope.caller.account, envelope.jobId, options.generation ?? 0)}${options.followUp !== undefined ? `@${options.followUp}` : options.deferred !== undefined ? `@w${options.deferred}` : ''}`,
    sessionId: groupIdentity(envelope),
    subject: `${envelope.kind}/${envelope.action}`,
    applicationProperties: {
      schemaVersion: envelope.schemaVersion,
      kind: envelope.kind,
      action: envelope.action,
      recorded,
      ...(options.resent
        ? {
            resent: true,
            ...(options.resent.secretPointers.length > 0
              ? { secretsDropped: options.resent.secretPointers.join(' ') }
              : {}),
          }
        : {}),
      ...(options.followUp !== undefined ? { followUp: options.followUp } : {}),
    },
  };
}

/** The SDK is loaded on first send, not at start-up (a cold instance that sends nothing never pays for it). */
export async function serviceBusClient(settings: ServiceBusSettings): Promise<ServiceBusClient> {
  const { ServiceBusClient } = await import('@azure/service-bus');
  if (settings.kind === 'connectionString') return new ServiceBusClient(settings.connectionString);
  const { DefaultAzureCredential, ManagedIdentityCredential } = await import('@azure/identity');
  const credential =
    settings.credential === 'managedidentity'
      ? new ManagedIdentityCredential(settings.clientId ? { clientId: settings.clientId } : {})
      : new DefaultAzureCredential(settings.clientId ? { managedIdentityClientId: settings.clientId } : {});
  return new ServiceBusClient(settings.fullyQualifiedNamespace, credential);
}

export class ServiceBusJobQueue implements JobQueue {
  private sender: ServiceBusSender | undefined;
  private client: ServiceBusClient | undefined;

  /** The longest wait for one send: in an HTTP request (SERVICE_BUS_TIMEOUT_MS, or less of its budget), and in a trigger. */
  constructor(
    private readonly settings: ServiceBusSettings,
    private readonly timeouts: { requestMs: number; backgroundMs: number } = { requestMs: 5_000, backgroundMs: 30_000 },
  ) {}

  async send(envelope: JobEnvelope, recorded = false, options: SendOptions = {}): Promise<void> {
    this.client ??= await serviceBusClient(this.settings);
    const sender = (this.sender ??= this.client.createSender(GROUP_JOBS_QUEUE));
    const message = jobMessage(envelope, recorded, options);
    await withTimeout(
      'serviceBus',
      this.timeouts.requestMs,
      (abortSignal) => sender.sendMessages(message, { abortSignal }),
      this.timeouts.backgroundMs,
    );
  }

  async close(): Promise<void> {
    await this.sender?.close();
    await this.client?.close();
  }
}

/**
 * Jobs whose message Service Bus dead-lettered: past the queue's max delivery count (every
 * delivery failed, for instance while the table store was down), expired, or refused by the
 * processor. The `groupJobsDeadLetter` trigger reads the queue's dead-letter sub-queue and records
 * each such job `deadLettered` with the reason Service Bus gives, so no job stays `queued` or
 * `running` for ever. Recording is idempotent: a job that reached an outcome keeps it, and a
 * redelivered dead letter changes nothing. A store failure throws, so the dead letter is delivered
 * again until it is recorded. A job recorded here gets its `GroupJobCompleted` event (status
 * `deadLettered`) in the same transaction, when domain events are published.
 */
import { jobIdOfMessageId, parseJobEnvelope, specInputOf } from '../domain/job-envelope.js';
import type { OrganizationDirectory } from '../access/directory.js';
import type { JobRecord, JobStore } from './store.js';
import type { OutboxPublisher } from '../events/outbox.js';
import { jobEventExtras, publishJobEvents } from '../events/job-events.js';

export interface DeadLetterInfo {
  messageId?: string;
  /** Service Bus's `DeadLetterReason` (`MaxDeliveryCountExceeded`, `TTLExpiredException`, ...). */
  reason?: string;
  /** Service Bus's `DeadLetterErrorDescription`. */
  description?: string;
  deliveryCount: number;
}

export type DeadLetterOutcome =
  | { kind: 'recorded' | 'unchanged'; job: JobRecord }
  /** No job id in the message or its id: there is no job to record (the message is only logged). */
  | { kind: 'unidentifiable'; detail: string };

export class DeadLetterRecorder {
  constructor(
    private readonly jobs: JobStore,
    private readonly directory: OrganizationDirectory,
    private readonly now: () => Date = () => new Date(),
    private readonly events?: OutboxPublisher,
  ) {}

  async record(body: unknown, info: DeadLetterInfo): Promise<DeadLetterOutcome> {
    const parsed = parseJobEnvelope(body);
    const jobId = parsed.ok ? parsed.envelope.jobId : (parsed.jobId ?? jobIdOfMessageId(info.messageId));
    if (!jobId) return { kind: 'unidentifiable', detail: 'the message names no job id' };
    const reason = (info.reason ?? '').slice(0, 256) || 'Unknown';
    const description = info.description?.slice(0, 1024);
    let base: JobRecord = { jobId, status: 'deadLettered', attempts: info.deliveryCount, errors: [], warnings: [] };
    if (parsed.ok) {
      const envelope = parsed.envelope;
      const owner = await this.directory.accountOwner(envelope.caller.account);
      base = {
        ...base,
        action: envelope.action,
        kind: envelope.kind,
        account: envelope.caller.account,
        ...(owner ? { organizationId: owner.organization.id, subscriptionId: owner.subscriptionId } : {}),
        group: { kind: envelope.kind, name: specInputOf(envelope).name },
      };
    }
    const events = this.events;
    const { job, changed } = await this.jobs.markDeadLettered(
      base,
      reason,
      description,
      this.now().toISOString(),
      events ? jobEventExtras : undefined,
    );
    if (changed && events) await publishJobEvents(events, this.jobs, job);
    return { kind: changed ? 'recorded' : 'unchanged', job };
  }
}

/**
 * The events of a finished group job, recorded in the outbox of the account's partition of the
 * groups table in the job's own transaction: `GroupJobCompleted` (succeeded, failed or
 * deadLettered) and, for a successful roll, `GroupRolled`. `subject` is the image version the job
 * resolved (an ARM id) when it resolved one, otherwise the group's path in this API.
 */
import type { TransactionAction } from '@azure/data-tables';
import type { GroupRecord, JobExtras, JobRecord, JobStore } from '../jobs/store.js';
import { encodeKeyPart } from '../catalog/keys.js';
import {
  deterministicId,
  domainEvent,
  EVENT_TYPES,
  type DomainEvent,
  type GroupJobCompletedData,
  type GroupRolledData,
} from './events.js';
import { outboxActions, recordedRows, sequenceText, type OutboxPublisher } from './outbox.js';

export function jobEvents(job: JobRecord, group: GroupRecord | undefined): DomainEvent[] {
  if (job.status !== 'succeeded' && job.status !== 'failed' && job.status !== 'deadLettered') return [];
  const time = job.finishedAt ?? new Date().toISOString();
  // Time first (order), then the job (two jobs of an account finishing in the same millisecond keep apart).
  const seq = `${sequenceText(Date.parse(time))}.${deterministicId(job.jobId).slice(0, 8)}`;
  const subject =
    job.resolvedImageVersionId ?? `/groups/${job.account ?? ''}/${job.group?.kind ?? ''}/${job.group?.name ?? ''}`;
  const data: GroupJobCompletedData = {
    jobId: job.jobId,
    status: job.status,
    ...(job.account ? { account: job.account } : {}),
    ...(job.group ? { kind: job.group.kind, name: job.group.name } : {}),
    ...(job.resolvedImageVersionId ? { resolvedImageVersionId: job.resolvedImageVersionId } : {}),
    errors: job.errors,
    ...(job.lastError ? { lastError: job.lastError } : {}),
  };
  const events: DomainEvent[] = [
    domainEvent(EVENT_TYPES.groupJobCompleted, subject, data, time, seq, [job.jobId, job.status]),
  ];
  const roll = group?.lastRoll;
  if (job.status === 'succeeded' && group && roll?.jobId === job.jobId) {
    const rolled: GroupRolledData = {
      jobId: job.jobId,
      account: group.account,
      kind: group.kind,
      name: group.name,
      region: group.region,
      ...(roll.fromVersionId ? { fromVersionId: roll.fromVersionId } : {}),
      toVersionId: roll.toVersionId,
      rolledAt: roll.at,
    };
    events.push(domainEvent(EVENT_TYPES.groupRolled, roll.toVersionId, rolled, time, seq, [job.jobId]));
  }
  return events;
}

/** The outbox rows of a job's events, for the job's transaction. */
export function jobEventExtras(job: JobRecord): JobExtras {
  return (partitionKey: string, group: GroupRecord | undefined): TransactionAction[] =>
    outboxActions(partitionKey, jobEvents(job, group), job.finishedAt ?? new Date().toISOString());
}

/** Publishes the events a job's transaction just recorded (the outbox timer covers a crash in between). */
export async function publishJobEvents(
  outbox: OutboxPublisher,
  jobs: JobStore,
  job: JobRecord,
  group?: GroupRecord,
): Promise<void> {
  if (job.subscriptionId)
    await outbox.publishRecorded(jobs.groups, recordedRows(encodeKeyPart(job.subscriptionId), jobEvents(job, group)));
}

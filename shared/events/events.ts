/**
 * The domain events this app publishes to its Event Grid custom topic, as CloudEvents 1.0
 * (`specversion`, `type`, `source`, `id`, `time`, `subject`, `data`). `subject` is an ARM id, so a
 * subscriber filters by gallery or definition prefix (`subjectBeginsWith`). `id` is deterministic:
 * derived from where the event was recorded (partition and sequence) and what it says, so a replay
 * of the same outbox row is a duplicate, never a new event. `sequence` (a CloudEvents extension,
 * zero-padded) orders the events of one definition or one account.
 */
import { createHash } from 'node:crypto';
import type { LatestCause } from '../domain/reaction.js';
import type { JobProblem, JobStatus } from '../jobs/store.js';

export const EVENT_SOURCE = '/gallery-catalog';

export const EVENT_TYPES = {
  imageVersionReady: 'GalleryCatalog.ImageVersionReady',
  latestVersionChanged: 'GalleryCatalog.LatestVersionChanged',
  groupJobCompleted: 'GalleryCatalog.GroupJobCompleted',
  groupRolled: 'GalleryCatalog.GroupRolled',
} as const;
export type DomainEventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

export interface ImageVersionReadyData {
  imageDefinitionId: string;
  versionId: string;
  version: string;
  region: string;
}

export interface LatestVersionChangedData {
  imageDefinitionId: string;
  region: string;
  previousVersion?: string;
  previousVersionId?: string;
  newVersion?: string;
  newVersionId?: string;
  cause: LatestCause;
}

export interface GroupJobCompletedData {
  jobId: string;
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'deadLettered'>;
  account?: string;
  kind?: string;
  name?: string;
  resolvedImageVersionId?: string;
  errors: JobProblem[];
  lastError?: string;
}

export interface GroupRolledData {
  jobId: string;
  account: string;
  kind: string;
  name: string;
  region: string;
  fromVersionId?: string;
  toVersionId: string;
  rolledAt: string;
}

/** A CloudEvent as recorded in the outbox and sent by the publisher. */
export interface DomainEvent<T = unknown> {
  id: string;
  type: DomainEventType;
  source: string;
  subject: string;
  time: string;
  /** Orders the events of one partition (zero-padded). */
  sequence: string;
  data: T;
}

/** A UUID-shaped id derived from the parts (SHA-256): the same parts always give the same id. */
export function deterministicId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function domainEvent<T>(
  type: DomainEventType,
  subject: string,
  data: T,
  time: string,
  sequence: string,
  idParts: string[],
): DomainEvent<T> {
  return { id: deterministicId(type, subject, ...idParts), type, source: EVENT_SOURCE, subject, time, sequence, data };
}

/** Reads a CloudEvent delivered to an Event Grid trigger (CloudEvents 1.0 or the Event Grid schema). */
export function readDelivered(
  event: unknown,
): { id: string; type: string; subject: string; time: string; data: unknown } | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const e = event as Record<string, unknown>;
  const type = typeof e.type === 'string' ? e.type : typeof e.eventType === 'string' ? e.eventType : undefined;
  const id = typeof e.id === 'string' ? e.id : undefined;
  if (!type || !id) return undefined;
  const time =
    typeof e.time === 'string'
      ? e.time
      : typeof e.eventTime === 'string'
        ? e.eventTime
        : e.time instanceof Date
          ? e.time.toISOString()
          : '';
  return { id, type, subject: typeof e.subject === 'string' ? e.subject : '', time, data: e.data };
}

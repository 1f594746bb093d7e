/**
 * ARM events from Event Grid subscription system topics, in the Event Grid schema or CloudEvents 1.0,
 * read into one notification shape. Events are notifications only: they carry no resource body, so
 * the catalog re-reads ARM for each one.
 */
import { z } from 'zod';
import { parseResourceId, InvalidResourceIdError, MAX_RESOURCE_ID_LENGTH, type ResourceRef } from '../domain/ids.js';

const MAX_TEXT = 2048;

const armData = z
  .object({
    resourceUri: z.string().max(MAX_TEXT).optional(),
    operationName: z.string().max(MAX_TEXT).optional(),
    status: z.string().max(256).optional(),
    subscriptionId: z.string().max(256).optional(),
    tenantId: z.string().max(256).optional(),
    correlationId: z.string().max(256).optional(),
  })
  .passthrough();

const eventGridEvent = z.object({
  id: z.string().min(1).max(256),
  eventType: z.string().min(1).max(256),
  subject: z.string().max(MAX_TEXT),
  eventTime: z.string().min(1).max(64),
  topic: z.string().max(MAX_TEXT).optional(),
  data: armData,
  dataVersion: z.string().max(64).optional(),
  metadataVersion: z.string().max(64).optional(),
});

const cloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(256),
  type: z.string().min(1).max(256),
  source: z.string().min(1).max(MAX_TEXT),
  subject: z.string().max(MAX_TEXT).optional(),
  time: z.string().max(64).optional(),
  data: armData,
});

export type EventAction = 'write' | 'delete' | 'action';
export type EventOutcome = 'Success' | 'Failure' | 'Cancel';

/** A gallery resource event the catalog acts on. */
export interface CatalogNotification {
  eventId: string;
  eventType: string;
  eventTime: string;
  action: EventAction;
  outcome: EventOutcome;
  operationName: string;
  /** The resource to re-read: for `galleries/share/action`, the gallery. */
  ref: ResourceRef;
  share: boolean;
}

export type ReadEvent =
  | { kind: 'notification'; notification: CatalogNotification }
  | { kind: 'ignored'; eventId: string; reason: string }
  | { kind: 'invalid'; eventId: string | undefined; reason: string };

const EVENT_TYPE = /^Microsoft\.Resources\.Resource(Write|Delete|Action)(Success|Failure|Cancel)$/;

const OPERATIONS: Record<string, { level: ResourceRef['level']; share?: true }> = {
  'microsoft.compute/galleries/write': { level: 'gallery' },
  'microsoft.compute/galleries/delete': { level: 'gallery' },
  'microsoft.compute/galleries/share/action': { level: 'gallery', share: true },
  'microsoft.compute/galleries/images/write': { level: 'image' },
  'microsoft.compute/galleries/images/delete': { level: 'image' },
  'microsoft.compute/galleries/images/versions/write': { level: 'version' },
  'microsoft.compute/galleries/images/versions/delete': { level: 'version' },
};

/** The operation names the catalog handles (the Event Grid subscription filters on these). */
export const HANDLED_OPERATIONS: readonly string[] = [
  'Microsoft.Compute/galleries/write',
  'Microsoft.Compute/galleries/delete',
  'Microsoft.Compute/galleries/share/action',
  'Microsoft.Compute/galleries/images/write',
  'Microsoft.Compute/galleries/images/delete',
  'Microsoft.Compute/galleries/images/versions/write',
  'Microsoft.Compute/galleries/images/versions/delete',
];

/** The event types the catalog subscribes to. */
export const HANDLED_EVENT_TYPES: readonly string[] = [
  'Microsoft.Resources.ResourceWriteSuccess',
  'Microsoft.Resources.ResourceDeleteSuccess',
  'Microsoft.Resources.ResourceActionSuccess',
  'Microsoft.Resources.ResourceWriteFailure',
  'Microsoft.Resources.ResourceDeleteFailure',
  'Microsoft.Resources.ResourceActionFailure',
  'Microsoft.Resources.ResourceWriteCancel',
  'Microsoft.Resources.ResourceDeleteCancel',
  'Microsoft.Resources.ResourceActionCancel',
];

function idOf(raw: unknown): string | undefined {
  if (raw !== null && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string') {
    return (raw as { id: string }).id.slice(0, 256);
  }
  return undefined;
}

/** Reads one delivered event. Never throws: a bad event is `invalid` with the reason. */
export function readEvent(raw: unknown): ReadEvent {
  const eventId = idOf(raw);
  const isCloud = raw !== null && typeof raw === 'object' && 'specversion' in raw;
  let id: string;
  let type: string;
  let time: string;
  let subject: string | undefined;
  let data: z.infer<typeof armData>;
  if (isCloud) {
    const parsed = cloudEvent.safeParse(raw);
    if (!parsed.success) return { kind: 'invalid', eventId, reason: zodReason(parsed.error) };
    ({ id, type, data } = parsed.data);
    time = parsed.data.time ?? '';
    subject = parsed.data.subject;
  } else {
    const parsed = eventGridEvent.safeParse(raw);
    if (!parsed.success) return { kind: 'invalid', eventId, reason: zodReason(parsed.error) };
    ({ id, eventType: type, eventTime: time, subject, data } = parsed.data);
  }
  const m = EVENT_TYPE.exec(type);
  if (!m) return { kind: 'ignored', eventId: id, reason: `event type ${type} is not handled` };
  const operationName = data.operationName ?? '';
  const op = OPERATIONS[operationName.toLowerCase()];
  if (!op)
    return {
      kind: 'ignored',
      eventId: id,
      reason: `operation ${operationName || '(none)'} is not a gallery operation`,
    };
  const resourceUri = data.resourceUri ?? subject ?? '';
  if (resourceUri.length > MAX_RESOURCE_ID_LENGTH)
    return { kind: 'invalid', eventId: id, reason: `resource id longer than ${MAX_RESOURCE_ID_LENGTH} characters` };
  let ref: ResourceRef;
  try {
    ref = parseResourceId(resourceUri);
  } catch (err) {
    return {
      kind: 'invalid',
      eventId: id,
      reason: err instanceof InvalidResourceIdError ? err.message : 'malformed resource id',
    };
  }
  if (ref.level !== op.level) {
    return {
      kind: 'invalid',
      eventId: id,
      reason: `operation ${operationName} does not match the ${ref.level} id ${resourceUri}`,
    };
  }
  const action = (m[1] as string).toLowerCase() as EventAction;
  return {
    kind: 'notification',
    notification: {
      eventId: id,
      eventType: type,
      eventTime: time,
      action,
      outcome: m[2] as EventOutcome,
      operationName,
      ref,
      share: op.share === true,
    },
  };
}

function zodReason(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
    .join('; ');
}

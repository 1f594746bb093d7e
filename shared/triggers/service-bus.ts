/**
 * What a Service Bus trigger learns of a delivery besides its body: the host's trigger metadata
 * (`context.triggerMetadata`: `messageId`, `deliveryCount`, `applicationProperties` — called
 * `userProperties` by older extensions — and, on a dead-letter sub-queue, the reason Service Bus
 * dead-lettered it, which it gives only as the application properties `DeadLetterReason` and
 * `DeadLetterErrorDescription`, whose keys the Functions library camel-cases:
 * @azure/functions src/converters/fromRpcTriggerMetadata.ts). Every Service Bus function reads it
 * here, one way.
 */
import type { InvocationContext } from '@azure/functions';
import { printable } from '../domain/printable.js';

export interface Delivery {
  messageId?: string;
  /** 1 on the first delivery. */
  deliveryCount: number;
  applicationProperties: Record<string, unknown>;
  /** On a dead-letter sub-queue: Service Bus's `DeadLetterReason` and `DeadLetterErrorDescription`. */
  deadLetterReason?: string;
  deadLetterDescription?: string;
  /** The message id for a log line (printable, at most 128 characters), or `(no id)`. */
  label: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function deliveryOf(context: InvocationContext): Delivery {
  const meta = context.triggerMetadata ?? {};
  const props = (meta.applicationProperties ?? meta.userProperties ?? {}) as Record<string, unknown>;
  const messageId = text(meta.messageId);
  const reason = text(props.deadLetterReason ?? props.DeadLetterReason);
  const description = text(props.deadLetterErrorDescription ?? props.DeadLetterErrorDescription);
  return {
    ...(messageId ? { messageId } : {}),
    deliveryCount: Number(meta.deliveryCount ?? 1) || 1,
    applicationProperties: props,
    ...(reason ? { deadLetterReason: reason } : {}),
    ...(description ? { deadLetterDescription: description } : {}),
    label: messageId ? printable(messageId.slice(0, 128)) : '(no id)',
  };
}

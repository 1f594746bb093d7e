/**
 * An in-memory stand-in for the group-jobs Service Bus queue, for offline development and tests
 * (there is no Service Bus emulator without Docker): messages sent through the app's `JobQueue`
 * are delivered to the queue trigger by the local runtime exactly as the host delivers them —
 * peek-lock, complete when the function returns, abandon (and redeliver with a higher
 * deliveryCount) when it throws, dead-letter past the max delivery count — with duplicate
 * detection on messageId and sessions: one message at a time per session, sessions in parallel.
 * A dead-lettered message goes to the dead-letter sub-queue's trigger when there is one, with the
 * `DeadLetterReason` and `DeadLetterErrorDescription` application properties Service Bus sets;
 * it is delivered again (after a growing pause) until that trigger completes it. The queue
 * outlives a runtime restart like a broker does: `connect` hands it to the new runtime.
 * Production never loads this module.
 */
import type { JobQueue, SendOptions } from '../jobs/queue.js';
import { jobMessage } from '../jobs/queue.js';
import type { JobEnvelope } from '../domain/job-envelope.js';
import type { DeliverableMessage, Settlement } from './service-bus.js';

export interface LocalQueueOptions {
  maxDeliveryCount: number;
  maxConcurrentSessions: number;
  /** Delay before an abandoned message is delivered again (ms). */
  redeliveryDelayMs?: number;
}

interface Queued {
  message: DeliverableMessage & { messageId: string; sessionId: string };
  deliveryCount: number;
}

type Deliver = (message: DeliverableMessage) => Promise<Settlement>;

interface DeadLetter {
  message: DeliverableMessage;
  deliveryCount: number;
  reason: string;
  description: string;
  /** Completed by the dead-letter trigger. */
  settled: boolean;
  draining?: boolean;
}

export class LocalServiceBusQueue implements JobQueue {
  private readonly sessions = new Map<string, Queued[]>();
  private readonly active = new Set<string>();
  private readonly seen = new Set<string>();
  readonly deadLetters: DeadLetter[] = [];
  readonly completed: string[] = [];
  private waiters: (() => void)[] = [];
  /** The most sessions that were being processed at the same time. */
  maxActiveSessions = 0;
  private inFlight = 0;
  private closed = false;

  constructor(
    private deliver: Deliver,
    private readonly options: LocalQueueOptions,
    private deadLetterDeliver?: Deliver,
  ) {}

  /** Messages held for scheduled delivery (`scheduledEnqueueTimeUtc`). */
  private scheduled = 0;

  /** Delivers to another runtime from now on (the app restarted; the queue kept its messages). */
  connect(deliver: Deliver, deadLetterDeliver?: Deliver): void {
    this.deliver = deliver;
    this.deadLetterDeliver = deadLetterDeliver;
    this.closed = false;
    for (const entry of this.deadLetters) if (!entry.settled && !entry.draining) this.startDeadLetter(entry);
  }

  /** The app stopped: dead letters are no longer delivered (until `connect`); what is not settled stays. */
  close(): void {
    this.closed = true;
  }

  /** Sends as the app does (the same message shape as the Service Bus sender). */
  send(envelope: JobEnvelope, recorded = false, options: SendOptions = {}): Promise<void> {
    const m = jobMessage(envelope, recorded, options);
    const message = { body: JSON.stringify(m.body), messageId: String(m.messageId), sessionId: String(m.sessionId), contentType: m.contentType, subject: m.subject, applicationProperties: m.applicationProperties };
    const delay = m.scheduledEnqueueTimeUtc ? m.scheduledEnqueueTimeUtc.getTime() - Date.now() : 0;
    if (delay <= 0) {
      this.enqueue(message);
      return Promise.resolve();
    }
    // Scheduled delivery: like Service Bus, the message is accepted now (duplicate detection
    // included) and becomes visible at its scheduled time.
    if (this.seen.has(message.messageId)) return Promise.resolve();
    this.seen.add(message.messageId);
    this.scheduled++;
    const t = setTimeout(() => {
      this.scheduled--;
      this.seen.delete(message.messageId);
      this.enqueue(message);
    }, delay);
    t.unref();
    return Promise.resolve();
  }

  /** Messages accepted and waiting for their scheduled time. */
  get scheduledCount(): number {
    return this.scheduled;
  }

  /** Puts any message on the queue (as a producer with another client would). Duplicates by messageId are dropped. */
  enqueue(message: DeliverableMessage & { messageId: string; sessionId: string }): boolean {
    if (this.seen.has(message.messageId)) return false;
    this.seen.add(message.messageId);
    const list = this.sessions.get(message.sessionId) ?? [];
    list.push({ message: { ...message, enqueuedTimeUtc: new Date() }, deliveryCount: 0 });
    this.sessions.set(message.sessionId, list);
    this.pump();
    return true;
  }

  /** Resolves when every message has been completed or dead-lettered. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && [...this.sessions.values()].every((l) => l.length === 0);
  }

  /** Moves a message to the dead-letter sub-queue (as Service Bus does past the max delivery count). */
  private deadLetter(head: Queued): void {
    const reason = 'MaxDeliveryCountExceeded';
    const description = `Message could not be consumed after ${head.deliveryCount} delivery attempts.`;
    const entry: DeadLetter = { message: head.message, deliveryCount: head.deliveryCount, reason, description, settled: false };
    this.deadLetters.push(entry);
    this.startDeadLetter(entry);
  }

  private startDeadLetter(entry: DeadLetter): void {
    if (!this.deadLetterDeliver || this.closed) return;
    entry.draining = true;
    this.inFlight++;
    void this.drainDeadLetter(entry).finally(() => {
      entry.draining = false;
      this.inFlight--;
      if (this.isIdle()) for (const w of this.waiters.splice(0)) w();
    });
  }

  private async drainDeadLetter(entry: DeadLetter): Promise<void> {
    const message: DeliverableMessage = {
      ...entry.message,
      applicationProperties: { ...(entry.message.applicationProperties ?? {}), DeadLetterReason: entry.reason, DeadLetterErrorDescription: entry.description },
    };
    let pause = this.options.redeliveryDelayMs ?? 10;
    for (let attempt = 1; !this.closed; attempt++) {
      const deliver = this.deadLetterDeliver;
      if (!deliver) return;
      let outcome: Settlement;
      try {
        outcome = await deliver({ ...message, deliveryCount: entry.deliveryCount + attempt });
      } catch {
        outcome = 'abandon';
      }
      if (outcome === 'complete') {
        entry.settled = true;
        return;
      }
      await new Promise((r) => setTimeout(r, pause).unref());
      pause = Math.min(pause * 2, 1000);
    }
  }

  private pump(): void {
    for (const [sessionId, list] of this.sessions) {
      if (list.length === 0 || this.active.has(sessionId)) continue;
      if (this.active.size >= this.options.maxConcurrentSessions) break;
      this.active.add(sessionId);
      this.maxActiveSessions = Math.max(this.maxActiveSessions, this.active.size);
      this.inFlight++;
      void this.drain(sessionId).finally(() => {
        this.active.delete(sessionId);
        this.inFlight--;
        this.pump();
        if (this.isIdle()) for (const w of this.waiters.splice(0)) w();
      });
    }
  }

  /** One session: its messages in order, each settled before the next. */
  private async drain(sessionId: string): Promise<void> {
    const list = this.sessions.get(sessionId) ?? [];
    while (list.length > 0) {
      const head = list[0] as Queued;
      head.deliveryCount++;
      let outcome: Settlement;
      try {
        outcome = await this.deliver({ ...head.message, deliveryCount: head.deliveryCount });
      } catch {
        outcome = 'abandon';
      }
      if (outcome === 'complete') {
        list.shift();
        this.completed.push(head.message.messageId);
      } else if (head.deliveryCount >= this.options.maxDeliveryCount) {
        list.shift();
        this.deadLetter(head);
      } else {
        await new Promise((r) => setTimeout(r, this.options.redeliveryDelayMs ?? 10));
      }
    }
    this.sessions.delete(sessionId);
  }
}

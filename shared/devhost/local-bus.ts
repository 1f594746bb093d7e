/**
 * An in-memory stand-in for the group-jobs Service Bus queue, for offline development and tests
 * (there is no Service Bus emulator without Docker): messages sent through the app's `JobQueue`
 * are delivered to the queue trigger by the local runtime exactly as the host delivers them —
 * peek-lock, complete when the function returns, abandon (and redeliver with a higher
 * deliveryCount) when it throws, dead-letter past the max delivery count — with duplicate
 * detection on messageId and sessions: one message at a time per session, sessions in parallel.
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

export class LocalServiceBusQueue implements JobQueue {
  private readonly sessions = new Map<string, Queued[]>();
  private readonly active = new Set<string>();
  private readonly seen = new Set<string>();
  readonly deadLetters: { message: DeliverableMessage; deliveryCount: number; reason: string }[] = [];
  readonly completed: string[] = [];
  private waiters: (() => void)[] = [];
  /** The most sessions that were being processed at the same time. */
  maxActiveSessions = 0;
  private inFlight = 0;

  constructor(
    private readonly deliver: (message: DeliverableMessage) => Promise<Settlement>,
    private readonly options: LocalQueueOptions,
  ) {}

  /** Messages held for scheduled delivery (`scheduledEnqueueTimeUtc`). */
  private scheduled = 0;

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
        this.deadLetters.push({ message: head.message, deliveryCount: head.deliveryCount, reason: 'MaxDeliveryCountExceeded' });
      } else {
        await new Promise((r) => setTimeout(r, this.options.redeliveryDelayMs ?? 10));
      }
    }
    this.sessions.delete(sessionId);
  }
}

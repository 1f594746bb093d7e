/**
 * An in-memory stand-in for the group-jobs Service Bus queue, for offline development and tests
 * (there is no Service Bus emulator without Docker): messages sent through the app's `JobQueue`
 * are delivered to the queue trigger by the local runtime exactly as the host delivers them —
 * peek-lock, complete when the function returns, abandon (and redeliver with a higher
 * deliveryCount) when it throws, dead-letter past the max delivery count — with duplicate
 * detection on messageId and sessions: one message at a time per session, sessions in parallel.
 * Messages without a session (the reconcile-units queue) are delivered in parallel, up to
 * `maxConcurrentCalls` at once (host.json `extensions.serviceBus.maxConcurrentCalls`), each one
 * redelivered on its own when abandoned.
 * A dead-lettered message goes to the dead-letter sub-queue's trigger when there is one, with the
 * `DeadLetterReason` and `DeadLetterErrorDescription` application properties Service Bus sets;
 * it is delivered again (after a growing pause) until that trigger completes it. The queue
 * outlives a runtime restart like a broker does: `connect` hands it to the new runtime.
 * Production never loads this module.
 */
import type { ServiceBusMessage } from '@azure/service-bus';
import type { JobQueue, SendOptions } from '../../shared/jobs/queue.js';
import { jobMessage } from '../../shared/jobs/queue.js';
import type { JobEnvelope } from '../../shared/domain/job-envelope.js';
import type { DeliverableMessage, Settlement } from './service-bus.js';

export interface LocalQueueOptions {
  maxDeliveryCount: number;
  /** Sessions processed at once (session messages). */
  maxConcurrentSessions?: number;
  /** Messages without a session processed at once (default 16, the host's default per instance). */
  maxConcurrentCalls?: number;
  /** Delay before an abandoned message is delivered again (ms). */
  redeliveryDelayMs?: number;
}

interface Queued {
  message: DeliverableMessage & { messageId: string };
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
  /** Messages without a session, ready for delivery. */
  private readonly ready: Queued[] = [];
  private activeCalls = 0;
  /** The most messages without a session that were being processed at the same time. */
  maxActiveCalls = 0;
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
    const message = {
      body: JSON.stringify(m.body),
      messageId: String(m.messageId),
      sessionId: String(m.sessionId),
      contentType: m.contentType,
      subject: m.subject,
      applicationProperties: m.applicationProperties,
    };
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

  /**
   * Sends what a `ServiceBusSender.sendMessages` call takes: every message is accepted (duplicates
   * by messageId dropped), with or without a session.
   */
  sendMessages(messages: ServiceBusMessage | ServiceBusMessage[]): Promise<void> {
    for (const m of Array.isArray(messages) ? messages : [messages]) {
      const body = typeof m.body === 'string' || Buffer.isBuffer(m.body) ? m.body : JSON.stringify(m.body);
      this.enqueue({
        body,
        messageId: String(m.messageId),
        ...(m.sessionId !== undefined ? { sessionId: m.sessionId } : {}),
        ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        ...(m.applicationProperties !== undefined ? { applicationProperties: m.applicationProperties } : {}),
      });
    }
    return Promise.resolve();
  }

  /** Puts any message on the queue (as a producer with another client would). Duplicates by messageId are dropped. */
  enqueue(message: DeliverableMessage & { messageId: string }): boolean {
    if (this.seen.has(message.messageId)) return false;
    this.seen.add(message.messageId);
    const entry: Queued = { message: { ...message, enqueuedTimeUtc: new Date() }, deliveryCount: 0 };
    if (message.sessionId === undefined) {
      this.ready.push(entry);
      this.pump();
      return true;
    }
    const list = this.sessions.get(message.sessionId) ?? [];
    list.push(entry);
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
    return this.inFlight === 0 && this.ready.length === 0 && [...this.sessions.values()].every((l) => l.length === 0);
  }

  /** Moves a message to the dead-letter sub-queue (as Service Bus does past the max delivery count). */
  private deadLetter(head: Queued): void {
    const reason = 'MaxDeliveryCountExceeded';
    const description = `Message could not be consumed after ${head.deliveryCount} delivery attempts.`;
    const entry: DeadLetter = {
      message: head.message,
      deliveryCount: head.deliveryCount,
      reason,
      description,
      settled: false,
    };
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
    // As a message received from a dead-letter sub-queue: the reason and description as the SDK's
    // received message has them (what the host binds as DeadLetterReason / DeadLetterErrorDescription)
    // and as the application properties Service Bus adds.
    const message: DeliverableMessage = {
      ...entry.message,
      deadLetterReason: entry.reason,
      deadLetterErrorDescription: entry.description,
      applicationProperties: {
        ...(entry.message.applicationProperties ?? {}),
        DeadLetterReason: entry.reason,
        DeadLetterErrorDescription: entry.description,
      },
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
    while (this.ready.length > 0 && this.activeCalls < (this.options.maxConcurrentCalls ?? 16)) {
      const entry = this.ready.shift() as Queued;
      this.activeCalls++;
      this.maxActiveCalls = Math.max(this.maxActiveCalls, this.activeCalls);
      this.inFlight++;
      void this.deliverOne(entry).finally(() => {
        this.activeCalls--;
        this.inFlight--;
        this.pump();
        if (this.isIdle()) for (const w of this.waiters.splice(0)) w();
      });
    }
    for (const [sessionId, list] of this.sessions) {
      if (list.length === 0 || this.active.has(sessionId)) continue;
      if (this.active.size >= (this.options.maxConcurrentSessions ?? 8)) break;
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

  /**
   * One message without a session: delivered; completed, or abandoned and (after the redelivery
   * delay, while no other call holds its slot) put back for delivery, or dead-lettered past the
   * max delivery count.
   */
  private async deliverOne(entry: Queued): Promise<void> {
    if ((await this.attempt(entry)) === 'complete') {
      this.completed.push(entry.message.messageId);
      return;
    }
    if (entry.deliveryCount >= this.options.maxDeliveryCount) {
      this.deadLetter(entry);
      return;
    }
    this.inFlight++;
    const t = setTimeout(() => {
      this.inFlight--;
      this.ready.push(entry);
      this.pump();
    }, this.options.redeliveryDelayMs ?? 10);
    t.unref();
  }

  /** One delivery of a message: the trigger's settlement (a throwing delivery abandons). */
  private async attempt(entry: Queued): Promise<Settlement> {
    entry.deliveryCount++;
    try {
      return await this.deliver({ ...entry.message, deliveryCount: entry.deliveryCount });
    } catch {
      return 'abandon';
    }
  }

  /** One session: its messages in order, each settled before the next. */
  private async drain(sessionId: string): Promise<void> {
    const list = this.sessions.get(sessionId) ?? [];
    while (list.length > 0) {
      const head = list[0] as Queued;
      if ((await this.attempt(head)) === 'complete') {
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

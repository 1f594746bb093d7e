/**
 * The app's Event Grid custom topic, hosted offline by the local runtime.
 *
 * - Accepts what `@azure/eventgrid`'s `EventGridPublisherClient` sends to a topic in the CloudEvents
 *   schema: `POST <endpoint>?api-version=2018-01-01`, `content-type:
 *   application/cloudevents-batch+json; charset=utf-8`, the key in `aeg-sas-key`, a JSON array of
 *   CloudEvents 1.0 (the SDK's `publishCloudEventEvents` operation,
 *   Azure/azure-sdk-for-js sdk/eventgrid/eventgrid/src/generated/generatedClient.ts). A wrong key
 *   is a 401, a malformed batch a 400, as the service answers.
 * - Delivers each event, in the order received, to the app's own subscriptions from
 *   `infra/event-subscriptions.json` (the same file the Bicep reads: function name and
 *   `includedEventTypes`) and to the webhook URLs of `LOCAL_EVENT_WEBHOOKS` (one event per POST,
 *   `content-type: application/cloudevents+json`, `aeg-event-type: Notification`, as Event Grid
 *   delivers CloudEvents). A failed delivery is retried a few times, then logged as dead-lettered.
 * - Keeps the recent events for `GET /runtime/events`, and logs one line per event.
 *
 * Development only: Azure has the real topic.
 */
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { randomBytes } from 'node:crypto';

export const LOCAL_TOPIC_PATH = '/runtime/eventgrid/topics/domain-events/api/events';
export const RECENT_EVENTS_PATH = '/runtime/events';
const RECENT_KEPT = 2000;
const ATTEMPTS = 3;

export interface EventSubscriptionDefinition {
  name: string;
  function: string;
  includedEventTypes?: string[];
  subjectBeginsWith?: string;
}

export function readEventSubscriptions(projectRoot: string): EventSubscriptionDefinition[] {
  const file = path.join(projectRoot, 'infra', 'event-subscriptions.json');
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { subscriptions?: EventSubscriptionDefinition[] };
  return doc.subscriptions ?? [];
}

export interface TopicEvent {
  specversion: string;
  id: string;
  type: string;
  source: string;
  subject?: string;
  time?: string;
  data?: unknown;
  [extension: string]: unknown;
}

export interface TopicHost {
  /** Runs an Event Grid trigger on one event; throws when it fails. */
  deliverToFunction(functionName: string, event: TopicEvent): Promise<void>;
  log(message: string): void;
}

export class LocalEventTopic {
  readonly recent: (TopicEvent & { receivedAt: string; deliveries: string[] })[] = [];
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private waiters: (() => void)[] = [];
  /** While set, the topic answers every publish with this status (an outage, for tests and demos). */
  outage: number | undefined;

  constructor(
    private readonly host: TopicHost,
    private readonly subscriptions: readonly EventSubscriptionDefinition[],
    private readonly webhooks: readonly string[] = [],
    /** The topic access key publishers send (`aeg-sas-key`). */
    readonly key: string = randomBytes(24).toString('base64'),
  ) {}

  /** Answers the topic and recent-events requests; false when the request is for something else. */
  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pathname: string,
    body: () => Promise<Buffer | 'too-large'>,
  ): Promise<boolean> {
    const method = (req.method ?? 'GET').toUpperCase();
    if (pathname.toLowerCase() === RECENT_EVENTS_PATH) {
      if (method !== 'GET') return reply(res, 405, {});
      return reply(res, 200, { events: this.recent });
    }
    if (pathname.toLowerCase() !== LOCAL_TOPIC_PATH) return false;
    if (method !== 'POST')
      return reply(res, 405, { error: { code: 'MethodNotAllowed', message: 'POST events to the topic' } });
    const bytes = await body();
    if (bytes === 'too-large')
      return reply(res, 413, { error: { code: 'RequestEntityTooLarge', message: 'a batch is at most 1 MB' } });
    if (this.outage !== undefined)
      return reply(res, this.outage, {
        error: { code: 'ServiceUnavailable', message: 'the local topic is simulating an outage' },
      });
    if (req.headers['aeg-sas-key'] !== this.key)
      return reply(res, 401, {
        error: { code: 'Unauthorized', message: 'the aeg-sas-key header does not match the topic key' },
      });
    const contentType = String(req.headers['content-type'] ?? '');
    if (!contentType.toLowerCase().startsWith('application/cloudevents-batch+json')) {
      return reply(res, 400, {
        error: {
          code: 'BadRequest',
          message: 'this topic takes the CloudEvents schema: content-type application/cloudevents-batch+json',
        },
      });
    }
    let events: unknown;
    try {
      events = JSON.parse(bytes.toString('utf8'));
    } catch {
      return reply(res, 400, { error: { code: 'BadRequest', message: 'the body is not JSON' } });
    }
    const problem = batchProblem(events);
    if (problem) return reply(res, 400, { error: { code: 'BadRequest', message: problem } });
    const receivedAt = new Date().toISOString();
    for (const e of events as TopicEvent[]) {
      const kept = { ...e, receivedAt, deliveries: [] as string[] };
      this.recent.push(kept);
      if (this.recent.length > RECENT_KEPT) this.recent.shift();
      this.host.log(`topic domain-events: ${e.type} ${e.subject ?? ''} (id ${e.id})`);
      this.enqueue(kept);
    }
    return reply(res, 200, {});
  }

  /** Resolves when every accepted event has been delivered (or given up). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private enqueue(event: TopicEvent & { deliveries: string[] }): void {
    this.pending++;
    this.chain = this.chain
      .then(() => this.deliver(event))
      .catch(() => undefined)
      .finally(() => {
        this.pending--;
        if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
      });
  }

  private async deliver(event: TopicEvent & { deliveries: string[] }): Promise<void> {
    for (const s of this.subscriptions) {
      if (s.includedEventTypes && !s.includedEventTypes.includes(event.type)) continue;
      if (s.subjectBeginsWith && !(event.subject ?? '').toLowerCase().startsWith(s.subjectBeginsWith.toLowerCase()))
        continue;
      const { receivedAt: _r, deliveries: _d, ...plain } = event as TopicEvent & { receivedAt?: string };
      const ok = await this.attempt(`${s.name} → ${s.function}`, () => this.host.deliverToFunction(s.function, plain));
      event.deliveries.push(`${s.name}:${ok ? 'delivered' : 'dead-lettered'}`);
    }
    for (const url of this.webhooks) {
      const { receivedAt: _r, deliveries: _d, ...plain } = event as TopicEvent & { receivedAt?: string };
      const ok = await this.attempt(url, async () => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', 'aeg-event-type': 'Notification' },
          body: JSON.stringify(plain),
        });
        if (res.status >= 300) throw new Error(`HTTP ${res.status}`);
      });
      event.deliveries.push(`${url}:${ok ? 'delivered' : 'dead-lettered'}`);
    }
  }

  private async attempt(target: string, send: () => Promise<void>): Promise<boolean> {
    for (let i = 1; i <= ATTEMPTS; i++) {
      try {
        await send();
        return true;
      } catch (err) {
        if (i === ATTEMPTS)
          this.host.log(
            `topic domain-events: delivery to ${target} failed ${ATTEMPTS} times, dead-lettered: ${err instanceof Error ? err.message : String(err)}`,
          );
        else await new Promise((r) => setTimeout(r, 50 * i));
      }
    }
    return false;
  }
}

function batchProblem(events: unknown): string | undefined {
  if (!Array.isArray(events)) return 'the body must be a JSON array of CloudEvents';
  for (const [i, e] of events.entries()) {
    if (e === null || typeof e !== 'object') return `event [${i}] is not an object`;
    const o = e as Record<string, unknown>;
    if (o.specversion !== '1.0') return `event [${i}]: specversion must be "1.0"`;
    for (const f of ['id', 'type', 'source'])
      if (typeof o[f] !== 'string' || o[f] === '') return `event [${i}]: ${f} is required`;
  }
  return undefined;
}

function reply(res: http.ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
  return true;
}

/** Webhook URLs of `LOCAL_EVENT_WEBHOOKS` (comma-separated http(s) URLs). */
export function parseWebhooks(value: string | undefined): string[] {
  if (!value) return [];
  const urls = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const u of urls) {
    const p = new URL(u).protocol;
    if (p !== 'http:' && p !== 'https:') throw new Error(`LOCAL_EVENT_WEBHOOKS: ${u} is not an http(s) URL`);
  }
  return urls;
}

/**
 * The local runtime's domain-event topic, driven by the real @azure/eventgrid publisher client
 * (EventGridPublisherClient, CloudEvent schema, AzureKeyCredential over http), and the in-memory
 * queue's scheduled delivery.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import path from 'node:path';
import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { loadApp } from '../../dev/runtime/load-app.js';
import { LocalRuntime } from '../../dev/runtime/runtime.js';
import {
  LOCAL_TOPIC_PATH,
  parseWebhooks,
  readEventSubscriptions,
  type LocalEventTopic,
} from '../../dev/runtime/event-grid-topic.js';
import { LocalServiceBusQueue } from '../../dev/runtime/local-bus.js';
import type { calls as Calls } from '../support/sample-app.js';
import type { JobEnvelope } from '../../shared/domain/job-envelope.js';

const root = path.resolve(import.meta.dirname, '../..');
let runtime: LocalRuntime;
let base: string;
let calls: typeof Calls;
let topic: LocalEventTopic;
let hook: http.Server;
const hooked: { headers: http.IncomingHttpHeaders; body: unknown }[] = [];

beforeAll(async () => {
  const registry = await loadApp(root, ['test/support/sample-app.ts']);
  calls = (await import('../support/sample-app.js')).calls;
  runtime = new LocalRuntime(registry, {
    env: { SAMPLE_QUEUE: 'work', SAMPLE_SCHEDULE: '0 0 0 1 1 *' },
    onLog: () => undefined,
    timers: false,
  });
  base = await runtime.start(0);
  hook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooked.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const address = hook.address() as { port: number };
  topic = runtime.hostEventTopic(
    [{ name: 'test', function: 'collect', includedEventTypes: ['Test.Wanted'] }],
    [`http://127.0.0.1:${address.port}/hook`],
  );
});
afterAll(async () => {
  await runtime.stop();
  await new Promise<void>((r) => hook.close(() => r()));
});

const client = (key: string) =>
  new EventGridPublisherClient(
    `${base.replace('localhost', '127.0.0.1')}${LOCAL_TOPIC_PATH}`,
    'CloudEvent',
    new AzureKeyCredential(key),
    { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
  );

describe('local domain-event topic', () => {
  it('accepts the publisher client, delivers in order to the subscribed trigger (by type) and to the webhooks, and lists the events', async () => {
    calls.events.length = 0;
    await client(topic.key).send([
      { type: 'Test.Wanted', source: '/test', id: 'e1', subject: '/subscriptions/s/a', data: { n: 1 } },
      { type: 'Test.Other', source: '/test', id: 'e2', subject: '/subscriptions/s/a', data: { n: 2 } },
      {
        type: 'Test.Wanted',
        source: '/test',
        id: 'e3',
        subject: '/subscriptions/s/a',
        data: { n: 3 },
        extensionAttributes: { sequence: '000000000003' },
      },
    ]);
    await topic.idle();
    expect((calls.events as { id: string }[]).map((e) => e.id)).toEqual(['e1', 'e3']);
    expect(calls.events[1]).toMatchObject({
      specversion: '1.0',
      type: 'Test.Wanted',
      source: '/test',
      subject: '/subscriptions/s/a',
      data: { n: 3 },
      sequence: '000000000003',
    });
    expect(hooked.map((h) => (h.body as { id: string }).id)).toEqual(['e1', 'e2', 'e3']);
    expect(hooked[0]?.headers).toMatchObject({
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'aeg-event-type': 'Notification',
    });
    const listed = (await (await fetch(`${base}/runtime/events`)).json()) as {
      events: { id: string; deliveries: string[] }[];
    };
    expect(listed.events.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(listed.events[0]?.deliveries).toEqual([
      'test:delivered',
      `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook:delivered`,
    ]);
  });

  it('refuses a wrong key (401), a non-CloudEvents body (400) and an outage, as the service would', async () => {
    await expect(client('wrong').send([{ type: 'Test.Wanted', source: '/t', id: 'x' }])).rejects.toMatchObject({
      statusCode: 401,
    });
    const bad = await fetch(`${base}${LOCAL_TOPIC_PATH}?api-version=2018-01-01`, {
      method: 'POST',
      headers: { 'aeg-sas-key': topic.key, 'content-type': 'application/cloudevents-batch+json; charset=utf-8' },
      body: JSON.stringify([{ id: 'x' }]),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('specversion');
    topic.outage = 503;
    await expect(client(topic.key).send([{ type: 'Test.Wanted', source: '/t', id: 'y' }])).rejects.toMatchObject({
      statusCode: 503,
    });
    topic.outage = undefined;
  });

  it('reads the subscriptions from infra/event-subscriptions.json and the webhooks setting', () => {
    expect(readEventSubscriptions(root)).toEqual([
      expect.objectContaining({ function: 'autoRoll', includedEventTypes: ['GalleryCatalog.LatestVersionChanged'] }),
    ]);
    expect(parseWebhooks(' http://a/x , https://b/y ')).toEqual(['http://a/x', 'https://b/y']);
    expect(() => parseWebhooks('ftp://a')).toThrow(/LOCAL_EVENT_WEBHOOKS/);
  });
});

describe('in-memory queue scheduled delivery', () => {
  it('holds a message until its scheduledEnqueueTimeUtc, keeping duplicate detection', async () => {
    const delivered: { id: string; at: number }[] = [];
    const queue = new LocalServiceBusQueue(
      (m) => {
        delivered.push({ id: String(m.messageId).replace('act-1a2b3c4d/', ''), at: Date.now() }); // message ids are <account>/<jobId>
        return Promise.resolve('complete');
      },
      { maxDeliveryCount: 3, maxConcurrentSessions: 4 },
    );
    const envelope = {
      schemaVersion: 1,
      jobId: 'later',
      action: 'update',
      kind: 'statelessGroup',
      caller: { account: 'act-1a2b3c4d' },
      body: { group: { name: 'g' } },
    } as unknown as JobEnvelope;
    const start = Date.now();
    await queue.send(envelope, true, { scheduledEnqueueTimeUtc: new Date(start + 300) });
    await queue.send(envelope, true, { scheduledEnqueueTimeUtc: new Date(start + 300) });
    await queue.send({ ...envelope, jobId: 'now' }, true);
    expect(queue.scheduledCount).toBe(1);
    await queue.idle();
    expect(delivered.map((d) => d.id)).toEqual(['now']);
    await new Promise((r) => setTimeout(r, 450));
    await queue.idle();
    expect(delivered.map((d) => d.id)).toEqual(['now', 'later']);
    expect(delivered[1]!.at - start).toBeGreaterThanOrEqual(290);
    expect(queue.scheduledCount).toBe(0);
  });
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isListening } from '../../shared/devhost/ports.js';
import { DEMO_VERSIONS } from '../../shared/devhost/demo-org.js';

// `npm start` as a newcomer runs it (the built app, offline, embedded defaults): it must serve
// /api/health within 15 s, take a sample event, and stop everything it started on Ctrl-C.
const root = path.resolve(import.meta.dirname, '../..');
const startScript = path.join(root, 'dist/shared/devhost/start.js');

let child: ChildProcess;
let output = '';
let ports: { http: number; azurite: number; arm: number };
let dataDir: string;
let startedInMs = Infinity;

beforeAll(async () => {
  if (!fs.existsSync(startScript)) throw new Error('run `npm run build` first (npm test does)');
  ports = { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-start-'));
  const began = Date.now();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|DomainEvents|OUTBOX|LOCAL_EVENT_WEBHOOKS)/.test(k)) env[k] = v;
  }
  child = spawn(process.execPath, [startScript], {
    cwd: root,
    env: { ...env, FUNCTIONS_HTTP_PORT: String(ports.http), AZURITE_TABLE_PORT: String(ports.azurite), ARM_SIMULATOR_PORT: String(ports.arm), LOCAL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  while (Date.now() - began < 20_000) {
    try {
      const res = await fetch(`http://127.0.0.1:${ports.http}/api/health`);
      if (res.status === 200) {
        startedInMs = Date.now() - began;
        break;
      }
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves /api/health within 15 s, offline, with embedded defaults', () => {
    expect(startedInMs, output).toBeLessThan(15_000);
    expect(output).toContain('Settings: embedded defaults');
    expect(output).toMatch(/ARM: simulated at http:\/\/127\.0\.0\.1:\d+ with a demo organization/);
    expect(output).toContain(`galleryEvents: eventGridTrigger http://localhost:${ports.http}/runtime/webhooks/eventgrid?functionName=galleryEvents`);
    expect(output).toContain(`health: [GET] http://localhost:${ports.http}/api/health`);
  });

  it('takes a sample Event Grid event for a demo image version', async () => {
    const id = DEMO_VERSIONS.ubuntuCompleted;
    const res = await fetch(`http://127.0.0.1:${ports.http}/runtime/webhooks/eventgrid?functionName=galleryEvents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify([
        { id: 'readme-1', eventType: 'Microsoft.Resources.ResourceWriteSuccess', subject: id, eventTime: new Date().toISOString(), dataVersion: '2', data: { resourceUri: id, operationName: 'Microsoft.Compute/galleries/images/versions/write', status: 'Succeeded' } },
      ]),
    });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    expect(output).toMatch(/event readme-1 .*: indexed/);
  });

  it('answers the README lookup after indexing the demo organization', async () => {
    const base = `http://127.0.0.1:${ports.http}`;
    expect((await fetch(`${base}/admin/functions/reconcileCatalog`, { method: 'POST', body: '{}' })).status).toBe(202);
    let body: { version?: string } = {};
    for (let i = 0; i < 100 && body.version === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${base}/api/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/versions/latest?region=westeurope`);
      if (res.status === 200) body = (await res.json()) as { version?: string };
    }
    expect(body.version, output).toBe('1.10.0');
  });

  it('hosts the domain-event topic: the catalog changes appear on GET /runtime/events and in the log', async () => {
    expect(output).toContain(`Domain events: local topic http://localhost:${ports.http}/runtime/eventgrid/topics/domain-events/api/events`);
    let events: { type: string; subject: string }[] = [];
    for (let i = 0; i < 50 && !events.some((e) => e.type === 'GalleryCatalog.LatestVersionChanged'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      events = ((await (await fetch(`http://127.0.0.1:${ports.http}/runtime/events`)).json()) as { events: { type: string; subject: string }[] }).events;
    }
    expect(events.some((e) => e.type === 'GalleryCatalog.LatestVersionChanged' && e.subject.endsWith('/images/ubuntu-2204-base')), output).toBe(true);
    expect(output).toMatch(/topic domain-events: GalleryCatalog\.LatestVersionChanged \/subscriptions\//);
  });

  it('stops Azurite and the ARM simulator on Ctrl-C, leaving no process behind', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await isListening(ports.azurite)).toBe(false);
    expect(await isListening(ports.arm)).toBe(false);
    expect(await isListening(ports.http)).toBe(false);
  });
});

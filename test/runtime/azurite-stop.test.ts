import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { startAzurite } from '../../dev/azurite.js';
import { freePort, isListening } from '../../dev/ports.js';

// Azurite keeps its data on disk only when it is stopped with SIGINT (otherwise every ~5 s): what
// was accepted just before a stop must be there after a restart.
const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-azurite-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('Azurite stop', () => {
  it('keeps an entity written less than a second before stop, across a restart', async () => {
    const location = tmp();
    const port = await freePort();
    const first = await startAzurite({ port, location });
    const table = TableClient.fromConnectionString(first.connectionString, 'stoptest', {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'kept' });
    const t0 = Date.now();
    await first.stop();
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await isListening(port)).toBe(false);
    const second = await startAzurite({ port, location });
    try {
      const again = TableClient.fromConnectionString(second.connectionString, 'stoptest', {
        allowInsecureConnection: true,
      });
      expect((await again.getEntity<{ value: string }>('p', 'r')).value).toBe('kept');
    } finally {
      await second.stop();
    }
  });
});

// The same through `npm start` as a developer runs it: write over HTTP, Ctrl-C within a second,
// start again, read it back.
const root = path.resolve(import.meta.dirname, '../..');
const startScript = path.join(root, 'dist/dev/start.js');

async function npmStart(dataDir: string): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const ports = { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE)/.test(k))
      env[k] = v;
  }
  const child = spawn(process.execPath, [startScript], {
    cwd: root,
    env: {
      ...env,
      FUNCTIONS_HTTP_PORT: String(ports.http),
      AZURITE_TABLE_PORT: String(ports.azurite),
      ARM_SIMULATOR_PORT: String(ports.arm),
      LOCAL_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const base = `http://127.0.0.1:${ports.http}`;
  const began = Date.now();
  while (Date.now() - began < 25_000) {
    if (output.includes('Host started')) return { child, base, output: () => output };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`npm start did not start: ${output}`);
}

describe('npm start, Ctrl-C, npm start', () => {
  it('keeps an organization written less than a second before Ctrl-C', async () => {
    if (!fs.existsSync(startScript)) throw new Error('run `npm run build` first (npm test does)');
    const dataDir = tmp();
    const doc = {
      tenantId: '3f1b2c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
      subscriptions: [{ subscriptionId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' }],
      principals: [],
      grants: [],
    };
    const first = await npmStart(dataDir);
    const put = await fetch(`${first.base}/api/manage/organizations/ctrl-c-test`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(doc),
    });
    expect(put.status, await put.text()).toBe(200);
    const exited = new Promise<number | null>((resolve) => first.child.once('exit', (code) => resolve(code)));
    first.child.kill('SIGINT');
    expect(await exited, first.output()).toBe(0);

    const second = await npmStart(dataDir);
    try {
      const got = await fetch(`${second.base}/api/manage/organizations/ctrl-c-test`);
      expect(got.status, second.output()).toBe(200);
      expect(await got.json()).toMatchObject({ id: 'ctrl-c-test', tenantId: doc.tenantId });
    } finally {
      const done = new Promise((resolve) => second.child.once('exit', resolve));
      second.child.kill('SIGINT');
      await done;
    }
  }, 60_000);
});

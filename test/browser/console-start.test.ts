import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../shared/devhost/ports.js';
import { openBrowser, type Browser } from './chromium.js';

// The local runtime exactly as `npm start` runs it (the built start script, embedded defaults, free
// ports): it prints the console's URL, and that page shows the demo organization with no setup
// (no organization PUT, no event, no reconcile call).
const root = path.resolve(import.meta.dirname, '../..');
const startScript = path.join(root, 'dist/shared/devhost/start.js');

let child: ChildProcess;
let output = '';
let dataDir: string;
let browser: Browser;
let consoleUrl: string | undefined;

beforeAll(async () => {
  if (!fs.existsSync(startScript)) throw new Error('run `npm run build` first (npm test does)');
  const ports = { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-console-start-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|LOCAL_PRINCIPAL)/.test(k)) env[k] = v;
  }
  child = spawn(process.execPath, [startScript], {
    cwd: root,
    env: { ...env, FUNCTIONS_HTTP_PORT: String(ports.http), AZURITE_TABLE_PORT: String(ports.azurite), ARM_SIMULATOR_PORT: String(ports.arm), LOCAL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const began = Date.now();
  while (consoleUrl === undefined && child.exitCode === null && Date.now() - began < 30_000) {
    consoleUrl = /^Console: (http:\/\/\S+)$/m.exec(output)?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await openBrowser({ width: 1366, height: 768 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start: the console', () => {
  it("prints the console's URL and shows the demo organization there without any setup", async () => {
    expect(consoleUrl, output).toMatch(/^http:\/\/localhost:\d+\/api\/console\/$/);
    const { page } = browser;
    await page.goto(consoleUrl!);
    const rg = page.getByLabel('Image Resource Group');
    await expect.poll(() => rg.isEnabled(), { timeout: 10_000 }).toBe(true);
    const options = await Promise.all((await page.locator('#list-rg option').all()).map((o) => o.getAttribute('value')));
    expect(options.sort(), output).toEqual(['rg-images', 'rg-public', 'rg-team']);
    await rg.fill('rg-team');
    await page.getByLabel('Gallery Name').fill('teamGallery');
    const image = page.getByLabel('Image Name');
    await expect.poll(() => image.isEnabled()).toBe(true);
    await image.fill('app-server');
    // The demo's other replicating version: app-server 1.1.0, still replicating to West Europe.
    const cell = page.locator('#matrix tr[data-version="1.1.0"] td[data-region="westeurope"] .cell-state');
    await expect.poll(() => cell.count()).toBe(1);
    expect(await cell.textContent()).toBe('Replicating');
    await browser.screenshot('npm-start-console-1366x768');
  });
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { startLocalRuntime, type LocalStart } from '../support/local-start.js';
import { openBrowser, type Browser } from './chromium.js';

// The local runtime exactly as `npm start` runs it (the built start script, embedded defaults, free
// ports): it prints the console's URL, and that page shows the demo organization with no setup
// (no organization PUT, no event, no reconcile call).
const root = path.resolve(import.meta.dirname, '../..');

let local: LocalStart;
let browser: Browser;
let consoleUrl: string | undefined;

beforeAll(async () => {
  local = await startLocalRuntime(root);
  consoleUrl = (await local.waitFor(/^Console: (http:\/\/\S+)$/m, 30_000))?.[1];
  browser = await openBrowser({ width: 1366, height: 768 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await local?.stop();
});

describe('npm start: the console', () => {
  it("prints the console's URL and shows the demo organization there without any setup", async () => {
    expect(consoleUrl, local.output()).toMatch(/^http:\/\/localhost:\d+\/api\/console\/$/);
    const { page } = browser;
    await page.goto(consoleUrl!);
    const rg = page.getByLabel('Image Resource Group');
    await expect.poll(() => rg.isEnabled(), { timeout: 10_000 }).toBe(true);
    const options = await Promise.all(
      (await page.locator('#list-rg option').all()).map((o) => o.getAttribute('value')),
    );
    expect(options.sort(), local.output()).toEqual(['rg-images', 'rg-public', 'rg-team']);
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

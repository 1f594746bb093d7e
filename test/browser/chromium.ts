/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser): headless, a fresh
 * user-data folder per launch, screenshots under test-results/screens (git-ignored).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
export const SCREENS = path.resolve(import.meta.dirname, '../../test-results/screens');

export interface Browser {
  context: BrowserContext;
  page: Page;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** A 1280 × 800 window (a laptop screen) unless told otherwise. */
export async function openBrowser(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  fs.mkdirSync(SCREENS, { recursive: true });
  return {
    context,
    page,
    async screenshot(name) {
      const file = path.join(SCREENS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`script errors in the page: ${errors.join('; ')}`);
    },
  };
}

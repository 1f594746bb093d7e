import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startConsoleHost } from './console-host.js';
import { openBrowser, type Browser } from './chromium.js';
import { LOW_CONTRAST_SCRIPT } from './contrast.js';
import type { AppHost } from '../support/app-host.js';
import { ALL_APP_ROLES, principalHeader } from '../../shared/access/principal.js';

// The web console in Debian's headless Chromium, against the app on the local runtime with the demo
// organization. Screenshots of each page: test-results/screens/*.png.
type Host = Awaited<ReturnType<typeof startConsoleHost>>;
interface Latest { version?: string; passedOver: { version: string; reasons: { message: string }[] }[] }

let host: Host;
let browser: Browser;
const UBUNTU = 'subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/versions';

beforeAll(async () => {
  host = await startConsoleHost(inject('azuriteConnectionString'));
  browser = await openBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await (host as AppHost | undefined)?.stop();
});

async function pickUbuntu(version: string): Promise<void> {
  const { page } = browser;
  await page.goto(`${host.url}/api/console/`);
  const rg = page.getByLabel('Image Resource Group');
  await expect.poll(() => rg.isEnabled(), { timeout: 10_000 }).toBe(true);
  // Type-ahead by keyboard: each picker takes the typed name once it matches an option.
  await rg.click();
  await page.keyboard.type('rg-images');
  const gallery = page.getByLabel('Gallery Name');
  await expect.poll(() => gallery.isEnabled()).toBe(true);
  await gallery.fill('corpGallery');
  const image = page.getByLabel('Image Name');
  await expect.poll(() => image.isEnabled()).toBe(true);
  await image.fill('ubuntu-2204-base');
  const versionInput = page.getByLabel('Version', { exact: true });
  await expect.poll(() => versionInput.isEnabled()).toBe(true);
  await versionInput.fill(version);
}

describe('web console (headless Chromium)', () => {
  it('serves its page at /api/console/ (redirecting /api/console), its files, and 404 for anything else', async () => {
    const bare = await fetch(`${host.url}/api/console`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/api/console/');
    const page = await fetch(`${host.url}/api/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="web/main.js">');
    expect((await fetch(`${host.url}/api/console/web/main.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${host.url}/api/console/nope.js`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/console/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/console/web/main.js.map`)).status).toBe(404);
  });

  it('picks through the demo organization to a version: Image Resource Group → Gallery Name → Image Name → Version', async () => {
    await pickUbuntu('1.9.0');
    const { page } = browser;
    const choice = page.locator('#choice');
    await expect.poll(() => choice.isVisible()).toBe(true);
    expect(await choice.textContent()).toContain('/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base/versions/1.9.0');
    expect(await page.locator('#matrix tr.chosen').getAttribute('data-version')).toBe('1.9.0');
    // The resource group list spans the caller's subscriptions: its own (rg-team) and those it is granted or shared (rg-images, rg-public).
    const options = await Promise.all((await page.locator('#list-rg option').all()).map((o) => o.getAttribute('value')));
    expect(options.sort()).toEqual(['rg-images', 'rg-public', 'rg-team']);
    await browser.screenshot('catalog-1280');
    // The choice goes to the job page's body as Spot's image.gallery.
    await page.getByRole('button', { name: 'Use in a group job' }).click();
    await expect.poll(() => page.getByLabel(/Group body/).inputValue()).toContain('"imageName": "ubuntu-2204-base"');
    const body = JSON.parse(await page.getByLabel(/Group body/).inputValue());
    expect(body.group.compute.launchSpecification.image.gallery).toMatchObject({ resourceGroupName: 'rg-images', galleryName: 'corpGallery', imageName: 'ubuntu-2204-base', version: '1.9.0' });
    expect(await page.locator('#page-jobs').isVisible()).toBe(true);
  });

  it("shows the demo's replicating version as replicating in its region, with latest per region from the API", async () => {
    await pickUbuntu('1.10.0');
    const { page } = browser;
    const cell = page.locator('#matrix tr[data-version="1.10.0"] td[data-region="eastus"]');
    await expect.poll(() => cell.count()).toBe(1);
    expect(await cell.locator('.cell-state').textContent()).toBe('Replicating');
    expect(await cell.getAttribute('class')).toBe('cell-progress');
    expect(await page.locator('#matrix tr[data-version="1.9.0"] td[data-region="eastus"] .cell-state').textContent()).toBe('Completed');
    expect(await page.locator('#matrix tr[data-version="1.12.0"] td[data-region="westeurope"]').getAttribute('class')).toBe('cell-failed');
    expect(await page.locator('#matrix tr[data-version="1.2.0"] th').textContent()).toMatch(/past end of life.*shallow replication|shallow replication.*past end of life/);
    for (const region of ['westeurope', 'eastus']) {
      const latest = await host.api<Latest>(`${UBUNTU}/latest?region=${region}`);
      const marked = await Promise.all((await page.locator(`#matrix tr:has(td[data-region="${region}"] .badge.latest)`).all()).map((tr) => tr.getAttribute('data-version')));
      expect(marked, region).toEqual(latest.version ? [latest.version] : []);
    }
    // The latest answer of a region lists every version passed over, with its reasons.
    await page.getByLabel('Region', { exact: true }).selectOption('westeurope');
    const latest = await host.api<Latest>(`${UBUNTU}/latest?region=westeurope`);
    expect(latest.passedOver.length).toBeGreaterThan(0);
    const items = await page.locator('#latest-answer ol.passed-over li').allTextContents();
    expect(items).toEqual(latest.passedOver.map((p) => `${p.version}: ${p.reasons.map((r) => r.message).join(' ')}`));
    expect(await page.locator('#latest-answer').textContent()).toContain(`latest in West Europe is ${latest.version}`);
    // Every text of the page (states, badges, hints) reaches WCAG AA contrast, 4.5:1.
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('matrix-and-latest-1280');
  });

  it('submits a job with an error and shows the error at its field (HTTP 400 and a failed job)', async () => {
    const { page } = browser;
    await page.goto(`${host.url}/api/console/#/jobs`);
    await expect.poll(() => page.locator('#job-template option').count()).toBe(4);
    await page.getByLabel('Start from').selectOption('elastigroup-gallery-latest.json');
    await expect.poll(() => page.getByLabel(/Group body/).inputValue()).toContain('"group"');
    // No account: the error is at the account field.
    await page.getByLabel('Your Spot account').fill('');
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect.poll(() => page.locator('#err-caller-account').textContent(), { timeout: 10_000 }).not.toBe('');
    expect(await page.getByLabel('Your Spot account').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Your Spot account').fill('act-5c6d7e8f');
    // capacity.target above the maximum: refused at submission, with the field named.
    const body = JSON.parse(await page.getByLabel(/Group body/).inputValue()) as { group: { capacity: { target: number }; name: string } };
    body.group.capacity.target = 500;
    await page.getByLabel(/Group body/).fill(JSON.stringify(body, null, 2));
    await page.getByRole('button', { name: 'Submit job' }).click();
    const targetError = page.locator('[data-error-for="body.group.capacity.target"]');
    await expect.poll(() => targetError.count(), { timeout: 10_000 }).toBe(1);
    expect(await targetError.textContent()).toContain('must be between minimum');
    // The error sits right under the line of the field it names.
    expect(await page.locator('[data-path="body.group.capacity.target"] .line').textContent()).toContain('"target": 500');
    expect(await page.getByLabel(/Group body/).getAttribute('aria-invalid')).toBe('true');
    // Keyboard: focus moved to the error summary; Tab reaches "Go to field", Enter selects the field's line in the body.
    expect(await page.locator(':focus').getAttribute('id')).toBe('job-error-summary');
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe('Go to body.group.capacity.target in the body');
    await page.keyboard.press('Enter');
    const selected = String(await page.evaluate("(() => { const t = document.getElementById('job-body'); return t.value.slice(t.selectionStart, t.selectionEnd); })()"));
    expect(selected.trim()).toBe('"target": 500');
    await browser.screenshot('job-error-at-field-1280');

    // A valid body for an image definition that does not exist: accepted, then the job fails at the image name.
    body.group.capacity.target = 60;
    (body.group as unknown as { compute: { launchSpecification: { image: { gallery: { imageName: string } } } } }).compute.launchSpecification.image.gallery.imageName = 'no-such-image';
    body.group.name = `console-${Date.now()}`;
    await page.getByLabel(/Group body/).fill(JSON.stringify(body, null, 2));
    await page.getByRole('button', { name: 'Submit job' }).click();
    await expect.poll(() => page.locator('#job-status').textContent(), { timeout: 15_000 }).toMatch(/: failed$/);
    const failed = page.locator('#job-errors .line-error');
    expect(await failed.count()).toBeGreaterThan(0);
    const where = await failed.first().getAttribute('data-error-for');
    expect(where).toMatch(/^body\.group\.compute\.launchSpecification\.image\.gallery/);
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('job-failed-1280');
  });

  it('offers sign-in to a caller without a valid session, and tells a principal of no organization why it sees nothing', async () => {
    const page = await browser.context.newPage();
    try {
      await page.setExtraHTTPHeaders({ 'x-ms-client-principal': 'not-a-principal' });
      await page.goto(`${host.url}/api/console/`);
      const signIn = page.locator('#catalog-status a');
      await expect.poll(() => signIn.count(), { timeout: 10_000 }).toBe(1);
      expect(await signIn.getAttribute('href')).toBe('/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fconsole%2F');
      await page.setExtraHTTPHeaders({ 'x-ms-client-principal': principalHeader({ tenantId: '00000000-0000-4000-8000-000000000001', objectId: '00000000-0000-4000-8000-000000000002', roles: ALL_APP_ROLES }) });
      await page.reload();
      await expect.poll(() => page.locator('#catalog-status').textContent(), { timeout: 10_000 }).toContain('not a member of any organization');
    } finally {
      await page.close();
    }
  });
});

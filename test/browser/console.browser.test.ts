import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { pickCascade, startConsoleHost } from './console-host.js';
import { openBrowser, type Browser } from './chromium.js';
import { LOW_CONTRAST_SCRIPT } from './contrast.js';
import type { AppHost } from '../support/app-host.js';
import { ALL_APP_ROLES, principalHeader } from '../../shared/access/principal.js';
import { DEMO_GALLERIES, DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { DEMO_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import { replicatedVersion, scaleSetGroupJob } from '../support/replica-fixtures.js';
import type { VersionReplicas } from '../../shared/console/replica-view.js';

// The web console in Debian's headless Chromium, against the app on the local runtime with the demo
// organization. Screenshots of each page: test-results/screens/*.png.
type Host = Awaited<ReturnType<typeof startConsoleHost>>;
interface Latest {
  version?: string;
  passedOver: { version: string; reasons: { message: string }[] }[];
}

let host: Host;
let browser: Browser;
const UBUNTU =
  'subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/versions';

beforeAll(async () => {
  host = await startConsoleHost(inject('azuriteConnectionString'));
  browser = await openBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await (host as AppHost | undefined)?.stop();
});

async function pickUbuntu(version: string): Promise<void> {
  await pick('rg-images', 'corpGallery', 'ubuntu-2204-base', version);
}

async function pick(resourceGroup: string, galleryName: string, imageName: string, version: string): Promise<void> {
  // Type-ahead by keyboard: each picker takes the typed name once it matches an option.
  await pickCascade(browser.page, host.url, [resourceGroup, galleryName, imageName, version]);
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
    expect((await fetch(`${host.url}/api/console/web/main.js`)).headers.get('content-type')).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await fetch(`${host.url}/api/console/nope.js`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/console/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/console/web/main.js.map`)).status).toBe(404);
  });

  it('picks through the demo organization to a version: Image Resource Group → Gallery Name → Image Name → Version', async () => {
    await pickUbuntu('1.9.0');
    const { page } = browser;
    const choice = page.locator('#choice');
    await expect.poll(() => choice.isVisible()).toBe(true);
    expect(await choice.textContent()).toContain(
      '/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base/versions/1.9.0',
    );
    expect(await page.locator('#matrix tr.chosen').getAttribute('data-version')).toBe('1.9.0');
    // The resource group list spans the caller's subscriptions: its own (rg-team) and those it is granted or shared (rg-images, rg-public).
    const options = await Promise.all(
      (await page.locator('#list-rg option').all()).map((o) => o.getAttribute('value')),
    );
    expect(options.sort()).toEqual(['rg-images', 'rg-public', 'rg-team']);
    await browser.screenshot('catalog-1280');
    // The choice goes to the job page's body as Spot's image.gallery.
    await page.getByRole('button', { name: 'Use in a group job' }).click();
    await expect.poll(() => page.getByLabel(/Group body/).inputValue()).toContain('"imageName": "ubuntu-2204-base"');
    const body = JSON.parse(await page.getByLabel(/Group body/).inputValue());
    expect(body.group.compute.launchSpecification.image.gallery).toMatchObject({
      resourceGroupName: 'rg-images',
      galleryName: 'corpGallery',
      imageName: 'ubuntu-2204-base',
      version: '1.9.0',
    });
    expect(await page.locator('#page-jobs').isVisible()).toBe(true);
  });

  it("shows the demo's replicating version as replicating in its region, with latest per region from the API", async () => {
    await pickUbuntu('1.10.0');
    const { page } = browser;
    const cell = page.locator('#matrix tr[data-version="1.10.0"] td[data-region="eastus"]');
    await expect.poll(() => cell.count()).toBe(1);
    expect(await cell.locator('.cell-state').textContent()).toBe('Replicating');
    expect(await cell.getAttribute('class')).toBe('cell-progress');
    expect(
      await page.locator('#matrix tr[data-version="1.9.0"] td[data-region="eastus"] .cell-state').textContent(),
    ).toBe('Completed');
    expect(
      await page.locator('#matrix tr[data-version="1.12.0"] td[data-region="westeurope"]').getAttribute('class'),
    ).toBe('cell-failed');
    expect(await page.locator('#matrix tr[data-version="1.2.0"] th').textContent()).toMatch(
      /past end of life.*shallow replication|shallow replication.*past end of life/,
    );
    for (const region of ['westeurope', 'eastus']) {
      const latest = await host.api<Latest>(`${UBUNTU}/latest?region=${region}`);
      const marked = await Promise.all(
        (await page.locator(`#matrix tr:has(td[data-region="${region}"] .badge.latest)`).all()).map((tr) =>
          tr.getAttribute('data-version'),
        ),
      );
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
    const body = JSON.parse(await page.getByLabel(/Group body/).inputValue()) as {
      group: { capacity: { target: number }; name: string };
    };
    body.group.capacity.target = 500;
    await page.getByLabel(/Group body/).fill(JSON.stringify(body, null, 2));
    await page.getByRole('button', { name: 'Submit job' }).click();
    const targetError = page.locator('[data-error-for="body.group.capacity.target"]');
    await expect.poll(() => targetError.count(), { timeout: 10_000 }).toBe(1);
    expect(await targetError.textContent()).toContain('must be between minimum');
    // The error sits right under the line of the field it names.
    expect(await page.locator('[data-path="body.group.capacity.target"] .line').textContent()).toContain(
      '"target": 500',
    );
    expect(await page.getByLabel(/Group body/).getAttribute('aria-invalid')).toBe('true');
    // Keyboard: focus moved to the error summary; Tab reaches "Go to field", Enter selects the field's line in the body.
    expect(await page.locator(':focus').getAttribute('id')).toBe('job-error-summary');
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe(
      'Go to body.group.capacity.target in the body',
    );
    await page.keyboard.press('Enter');
    const selected = String(
      await page.evaluate(
        "(() => { const t = document.getElementById('job-body'); return t.value.slice(t.selectionStart, t.selectionEnd); })()",
      ),
    );
    expect(selected.trim()).toBe('"target": 500');
    await browser.screenshot('job-error-at-field-1280');

    // A valid body for an image definition that does not exist: accepted, then the job fails at the image name.
    body.group.capacity.target = 60;
    (
      body.group as unknown as { compute: { launchSpecification: { image: { gallery: { imageName: string } } } } }
    ).compute.launchSpecification.image.gallery.imageName = 'no-such-image';
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
      await page.setExtraHTTPHeaders({
        'x-ms-client-principal': principalHeader({
          tenantId: '00000000-0000-4000-8000-000000000001',
          objectId: '00000000-0000-4000-8000-000000000002',
          roles: ALL_APP_ROLES,
        }),
      });
      await page.reload();
      await expect
        .poll(() => page.locator('#catalog-status').textContent(), { timeout: 10_000 })
        .toContain('not a member of any organization');
      // The advice page shows the API's problem detail too, and no list.
      await page.goto(`${host.url}/api/console/#/advice`);
      await expect
        .poll(() => page.locator('#advice-status').textContent(), { timeout: 10_000 })
        .toContain('not a member of any organization');
      expect(await page.locator('#advice-status').getAttribute('class')).toContain('error');
      expect(await page.locator('#advice-lists').isHidden()).toBe(true);
      // A member whose token lacks the app role is told which role to ask for.
      await page.setExtraHTTPHeaders({ 'x-ms-client-principal': principalHeader({ ...DEMO_PRINCIPAL, roles: [] }) });
      await page.reload();
      await expect
        .poll(() => page.locator('#advice-status').textContent(), { timeout: 10_000 })
        .toBe(
          "This operation requires the app role Catalog.Read; the caller's token does not carry it. Ask an administrator to assign you that app role.",
        );
    } finally {
      await page.close();
    }
  });
});

// Replica advice in the console, from demand set up through real group jobs: version 1.0.0 of a
// 10 GB image with 2 replicas in West Europe (1 in East US), used there by two scale-set groups of
// 60 (on latest) and 80 (pinned) VMs; an older 0.9.0 that no group uses.
describe('web console: replica advice and the groups on each version (headless Chromium)', () => {
  const IMAGE = `${DEMO_GALLERIES.team}/images/replica-console`;
  const V1 = `${IMAGE}/versions/1.0.0`;
  const V09 = `${IMAGE}/versions/0.9.0`;
  const ROUTE = `${IMAGE.replace(/^\/|\/providers\/Microsoft\.Compute/g, '')}/versions`;
  const groupNames: string[] = [];

  beforeAll(async () => {
    host.sim.put({ ...(structuredClone(host.sim.get(DEMO_IMAGES.ubuntu)!) as Record<string, unknown>), id: IMAGE });
    host.sim.put(
      replicatedVersion(V09, [
        { name: 'West Europe', replicas: 2 },
        { name: 'East US', replicas: 2 },
      ]),
    );
    host.sim.put(
      replicatedVersion(V1, [
        { name: 'West Europe', replicas: 2 },
        { name: 'East US', replicas: 1 },
      ]),
    );
    expect(
      (await postEvents(host.url, [armEvent(IMAGE, 'Write'), armEvent(V09, 'Write'), armEvent(V1, 'Write')])).status,
    ).toBe(202);
    for (const job of [
      scaleSetGroupJob('replica-console', 60, 'latest'),
      scaleSetGroupJob('replica-console', 80, '1.0.0'),
    ]) {
      const res = await fetch(`${host.url}/api/groups/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(job),
      });
      expect(res.status, await res.clone().text()).toBe(202);
      await host.jobsQueue.idle();
      expect(await host.api<{ status: string }>(`groups/jobs/${String(job.jobId)}`)).toMatchObject({
        status: 'succeeded',
      });
      groupNames.push((job.body as { group: { name: string } }).group.name);
    }
  });

  it('shows, for the chosen version, current vs recommended replicas per region with every rule in words, the storage estimate, and the groups on each version', async () => {
    const answer = await host.api<VersionReplicas>(`${ROUTE}/1.0.0/replicas`);
    expect(answer.regions.find((r) => r.region === 'westeurope')).toMatchObject({ current: 2, recommended: 7 });
    await pick('rg-team', 'teamGallery', 'replica-console', '1.0.0');
    const { page } = browser;
    const weu = page.locator('#replicas-table tr[data-region="westeurope"]');
    await expect.poll(() => weu.count(), { timeout: 10_000 }).toBe(1);
    expect(await weu.locator('.cell-state').textContent()).toBe('2 of 7 recommended');
    expect(await weu.locator('.status-text').textContent()).toBe('Under-replicated');
    // Both rules named, with what each asks and why; the larger decides.
    expect(await weu.locator('li[data-rule]').allTextContents()).toEqual([
      'vms-per-replica → 7, decides140 VMs may be created at once: one replica per 20 VMs created concurrently → 7.',
      'scale-set-per-replica → 22 scale sets may be created at once: one replica per scale set created concurrently → 2.',
    ]);
    expect(await weu.locator('td').nth(2).textContent()).toContain(
      '140 VMs at once, 2 scale sets at once (maximum 140, target 70)',
    );
    expect(await weu.locator('td').nth(3).textContent()).toBe(
      '2 snapshots × 10 GB = 20 GBUSD 1.00 a month now, USD 3.50 at 7',
    );
    const eus = page.locator('#replicas-table tr[data-region="eastus"]');
    expect(await eus.locator('.status-text').textContent()).toBe('No group uses it here');
    expect(await eus.locator('td').nth(3).textContent()).toContain('First copy: 10 GB egress, USD 0.20 once');
    expect(await page.locator('#replicas .totals').textContent()).toBe(
      'In all: 3 snapshots of 10 GB, 30 GB billed, USD 1.50 a month now, USD 4.00 at the recommended counts; first copies USD 0.20 once.',
    );
    // The footer row of the matrix says the same per region.
    await expect
      .poll(() => page.locator('#matrix tfoot td[data-region="westeurope"] .cell-state').textContent())
      .toBe('2 of 7 recommended');
    // Groups on each version: both groups on 1.0.0 (one through latest), none on 0.9.0.
    const groups = page.locator('#matrix tr[data-version="1.0.0"] td[data-column="Groups using it"] li');
    await expect.poll(() => groups.count()).toBe(2);
    const texts = await groups.allTextContents();
    expect(
      texts.some((t) =>
        t.startsWith(
          `${groupNames[0]} in westeurope: stateless group of act-5c6d7e8f, maximum 60, target 30, scale set, on latest`,
        ),
      ),
      texts.join('\n'),
    ).toBe(true);
    expect(
      texts.some((t) =>
        t.startsWith(
          `${groupNames[1]} in westeurope: stateless group of act-5c6d7e8f, maximum 80, target 40, scale set, pinned`,
        ),
      ),
      texts.join('\n'),
    ).toBe(true);
    await expect
      .poll(() => page.locator('#matrix tr[data-version="0.9.0"] td[data-column="Groups using it"]').textContent())
      .toBe('No group of your organization uses it');
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('replicas-of-version-1280');
    // latest: each region's row is the version latest resolves to there (1.0.0 in both regions).
    await page.getByLabel('Version', { exact: true }).fill('latest');
    await expect
      .poll(() => page.locator('#matrix tfoot td[data-region="westeurope"] .cell-state').textContent())
      .toBe('1.0.0: 2 of 7 recommended');
    await expect.poll(() => page.locator('#replicas-table tbody tr').evaluateAll((rows) => rows.length)).toBe(2);
    expect(await page.locator('#replicas-table tr[data-region="westeurope"] .version-meta').textContent()).toContain(
      'latest = 1.0.0',
    );
  });

  it("shows the problem's detail where the advice was to appear when the API refuses it", async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${host.url}/api/console/#/catalog/${ROUTE}/0.9.0`);
      const groups = page.locator('#matrix tr[data-version="1.0.0"] td[data-column="Groups using it"] li');
      await expect.poll(() => groups.count(), { timeout: 10_000 }).toBe(2);
      // The caller is no longer a member of any organization when it picks another version.
      await page.setExtraHTTPHeaders({
        'x-ms-client-principal': principalHeader({
          tenantId: '00000000-0000-4000-8000-000000000001',
          objectId: '00000000-0000-4000-8000-000000000002',
          roles: ALL_APP_ROLES,
        }),
      });
      await page.getByLabel('Version', { exact: true }).fill('1.0.0');
      const failed = page.locator('#replicas .error');
      await expect.poll(() => failed.count(), { timeout: 10_000 }).toBe(1);
      expect(await failed.textContent()).toContain('not a member of any organization');
      expect(await page.locator('#replicas-table').count()).toBe(0);
      expect(await page.locator('#matrix tfoot td[data-region="westeurope"] .error').textContent()).toContain(
        'not a member of any organization',
      );
    } finally {
      await page.close();
    }
  });

  it('lists the version on the advice page, most at risk first, with the unused one; its link, reached by keyboard, opens it in the matrix', async () => {
    const { page } = browser;
    await page.goto(`${host.url}/api/console/#/advice`);
    const row = page.locator(`#under-table tr[data-version-id="${V1}"][data-region="westeurope"]`);
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('.cell-state').textContent()).toBe('2 of 7 recommended');
    expect(await row.locator('td').nth(2).textContent()).toBe('71% short');
    expect(
      await Promise.all((await row.locator('li[data-rule]').all()).map((li) => li.getAttribute('data-rule'))),
    ).toEqual(['vms-per-replica', 'scale-set-per-replica']);
    expect(await page.locator('#under-table tbody tr').first().getAttribute('data-version-id')).toBe(V1);
    const unused = page.locator(`#unused-table tr[data-version-id="${V09}"]`);
    expect(await unused.locator('td').nth(1).textContent()).toBe(
      'westeurope: source region: keep one of its 2 Standard_LRS replicas (1 snapshot fewer), saves USD 0.50 a montheastus: remove the region (2 Standard_LRS replicas), saves USD 1.00 a month',
    );
    expect(await unused.locator('td').nth(2).textContent()).toBe('USD 1.50');
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('advice-1280');
    // Keyboard only: Tab from the top of the page to the version's link, Enter opens it in the matrix.
    const link = row.locator('a.version-link');
    expect(await link.textContent()).toBe('replica-console 1.0.0');
    await page.locator('body').focus();
    const href = await link.getAttribute('href');
    expect(href).toBe(`#/catalog/${ROUTE}/1.0.0`);
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.locator(':focus').getAttribute('href')) === href;
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#matrix tr.chosen').getAttribute('data-version'), { timeout: 10_000 })
      .toBe('1.0.0');
    expect(await page.getByLabel('Image Name').inputValue()).toBe('replica-console');
    expect(await page.locator('#page-catalog').isVisible()).toBe(true);
    await expect
      .poll(() => page.locator('#replicas-table tr[data-region="westeurope"] .cell-state').textContent(), {
        timeout: 10_000,
      })
      .toBe('2 of 7 recommended');
  });
});

import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { pickCascade, startConsoleHost } from './console-host.js';
import { openBrowser, type Browser } from './chromium.js';
import { LOW_CONTRAST_SCRIPT } from './contrast.js';
import type { AppHost } from '../support/app-host.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import { replicatedVersion } from '../support/replica-fixtures.js';
import { compute, envelope, galleryImage, launchSpec, CONSUMER_ACCOUNT } from '../support/jobs-host.js';
import { DEMO_GALLERIES, DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { DEMO_PARTNER_PRINCIPAL, DEMO_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { ALL_APP_ROLES, principalHeader } from '../../shared/access/principal.js';
import { rollJobId } from '../../shared/autoroll/autoroll.js';
import { jobHash, rollText, type RolloutView } from '../../shared/console/rollout.js';

// The rollout of an image definition and a group's roll history in the web console (Debian's
// headless Chromium), against the app on the local runtime hosting its domain-event topic, so that
// auto-roll runs: groups on latest created through the job API, a new version made ready in ARM
// and announced by the ARM event webhook, the groups rolled by the auto-roll. Screenshots:
// test-results/screens/rollout-*.png.
type Host = Awaited<ReturnType<typeof startConsoleHost>>;
type Json = Record<string, unknown>;

const IMAGE = `${DEMO_GALLERIES.team}/images/rollout-console`;
const V1 = `${IMAGE}/versions/1.0.0`;
const V11 = `${IMAGE}/versions/1.1.0`;
const ROLLOUT = `${IMAGE.replace(/^\/|\/providers\/Microsoft\.Compute/g, '')}/rollout`;

let host: Host;
let browser: Browser;
const names = { rolls: '', small: '', paused: '', soaks: '', east: '' };

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await host.topic!.idle();
    await host.jobsQueue.idle();
  }
}

/** A stateless group on latest of the rollout image, created through POST /api/groups/jobs. */
async function createGroup(region: 'westeurope' | 'eastus', osDiskGB: number, extra: Json = {}): Promise<string> {
  const job = envelope(
    'elastigroup-gallery-latest',
    (b) => {
      Object.assign(galleryImage(b), {
        resourceGroupName: 'rg-team',
        galleryName: 'teamGallery',
        imageName: 'rollout-console',
        version: 'latest',
      });
      delete galleryImage(b).spotAccountId;
      (b.group as Json).region = region;
      (launchSpec(b).osDisk as Json).sizeGB = osDiskGB;
      compute(b).orchestrationMode = 'Uniform';
    },
    extra,
  );
  const res = await fetch(`${host.url}/api/groups/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(job),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  await host.jobsQueue.idle();
  expect(await host.api<{ status: string }>(`groups/jobs/${String(job.jobId)}`)).toMatchObject({ status: 'succeeded' });
  return (job.body as { group: { name: string } }).group.name;
}

/** The version in ARM (Completed in both regions, `osDiskGB` OS disk), then its ARM write event. */
async function publish(id: string, osDiskGB: number): Promise<void> {
  const v = replicatedVersion(id, [
    { name: 'West Europe', replicas: 2 },
    { name: 'East US', replicas: 1 },
  ]);
  (v.properties as { storageProfile: { osDiskImage: { sizeInGB: number } } }).storageProfile.osDiskImage.sizeInGB =
    osDiskGB;
  host.sim.put(v);
  expect((await postEvents(host.url, [armEvent(id, 'Write')])).status).toBe(202);
  await settle();
}

async function pickImage(resourceGroup: string, galleryName: string, imageName: string): Promise<void> {
  await pickCascade(browser.page, host.url, [resourceGroup, galleryName, imageName]);
}

const row = (region: string, name: string) =>
  browser.page.locator(`#rollout .rollout-region[data-region="${region}"] tr[data-group="${name}"]`);

beforeAll(async () => {
  host = await startConsoleHost(inject('azuriteConnectionString'), { events: true });
  browser = await openBrowser();
  browser.page.setDefaultTimeout(10_000); // a missing element fails its step, not the whole test's time
  host.sim.put({ ...(structuredClone(host.sim.get(DEMO_IMAGES.ubuntu)!) as Record<string, unknown>), id: IMAGE });
  expect((await postEvents(host.url, [armEvent(IMAGE, 'Write')])).status).toBe(202);
  await publish(V1, 10);
  names.rolls = await createGroup('westeurope', 64);
  names.small = await createGroup('westeurope', 20); // 1.1.0's OS disk is 30 GB: its roll fails
  names.paused = await createGroup('westeurope', 64, { autoRoll: { paused: true } });
  names.soaks = await createGroup('westeurope', 64, { autoRoll: { soakMinutes: 45 } });
  names.east = await createGroup('eastus', 64);
  // 1.1.0 becomes ready in both regions: auto-roll rolls, fails, holds and soaks.
  await publish(V11, 30);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await (host as AppHost | undefined)?.stop();
});

describe('web console: the rollout of an image definition (headless Chromium)', () => {
  it('shows per region the latest version and each group on latest: rolled, failed with its code, held because paused, soaking with the time left', async () => {
    // The API's answer the page draws.
    const view = await host.api<RolloutView>(ROLLOUT);
    expect(view.regions.map((r) => [r.region, r.latestVersion])).toEqual([
      ['eastus', '1.1.0'],
      ['westeurope', '1.1.0'],
    ]);

    await pickImage('rg-team', 'teamGallery', 'rollout-console');
    const { page } = browser;
    await expect.poll(() => row('westeurope', names.rolls).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('#rollout-section').isVisible()).toBe(true);
    expect(await page.locator('#rollout-paused').count()).toBe(0);
    const we = page.locator('#rollout .rollout-region[data-region="westeurope"]');
    expect(await we.locator('h4').textContent()).toBe(
      'westeurope: latest 1.1.0 · 1 failed, 1 held, 1 soaking, 1 rolled',
    );

    // Rolled to the new version, its roll job linked to the job page.
    const rolled = row('westeurope', names.rolls);
    expect(await rolled.getAttribute('data-state')).toBe('rolled');
    expect(await rolled.locator('td.state').textContent()).toBe('Rolled');
    expect(await rolled.locator('td.state').getAttribute('class')).toContain('cell-ok');
    expect(await rolled.locator('td.runs').textContent()).toBe('1.1.0');
    const rollId = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', names.rolls, '1.1.0');
    expect(await rolled.locator('td.job a').getAttribute('href')).toBe(jobHash(rollId));
    expect(await rolled.locator('td.detail').textContent()).toBe('on latest 1.1.0');

    // The failed roll: on its version, in the failure colour, with the error's code.
    const failed = row('westeurope', names.small);
    expect(await failed.locator('td.state').textContent()).toBe('Roll failed');
    expect(await failed.locator('td.state').getAttribute('class')).toContain('cell-failed');
    expect(await failed.locator('td.runs').textContent()).toBe('1.0.0');
    expect(await failed.locator('td.detail').textContent()).toMatch(
      /^os-disk-too-small: The OS disk is 20 GB but image .* has a 30 GB OS disk\.$/,
    );
    expect(await failed.locator('td.job a').textContent()).toBe(
      rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', names.small, '1.1.0'),
    );

    // The paused group: held, and why.
    const held = row('westeurope', names.paused);
    expect(await held.locator('td.state').textContent()).toBe('Held: paused');
    expect(await held.locator('td.state').getAttribute('class')).toContain('cell-held');
    expect(await held.locator('td.runs').textContent()).toBe('1.0.0');
    expect(await held.locator('td.detail').textContent()).toBe('not rolled: the group is paused');

    // The soaking group: its roll job, the soak time left.
    const soaking = row('westeurope', names.soaks);
    expect(await soaking.locator('td.state').textContent()).toBe('Soaking');
    expect(await soaking.locator('td.detail').textContent()).toMatch(
      /^4[45] min of soak left \(rolls at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/,
    );

    // East US rolled on its own.
    expect(await row('eastus', names.east).locator('td.runs').textContent()).toBe('1.1.0');
    expect(await row('eastus', names.east).locator('td.state').textContent()).toBe('Rolled');
    // What needs attention first.
    expect(await Promise.all((await we.locator('tbody tr').all()).map((tr) => tr.getAttribute('data-state')))).toEqual([
      'failed',
      'held',
      'soaking',
      'rolled',
    ]);
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('rollout-1280');
  });

  it('shows a soaking group on the version it runs in all three places: the matrix, the replica advice and the rollout ("1.0.0, rolling to 1.1.0 in 45 min")', async () => {
    // The API: the group runs 1.0.0 while its roll to 1.1.0 (latest in West Europe) soaks.
    const soaking = (await host.api<RolloutView>(ROLLOUT)).regions
      .find((r) => r.region === 'westeurope')
      ?.groups.find((g) => g.name === names.soaks);
    expect(soaking).toMatchObject({ state: 'soaking', version: '1.0.0' });
    const page = await browser.context.newPage();
    try {
      page.setDefaultTimeout(10_000);
      await pickCascade(page, host.url, ['rg-team', 'teamGallery', 'rollout-console', '1.0.0']);
      const on = (version: string) =>
        page.locator(`#matrix tr[data-version="${version}"] td[data-column="Groups using it"] li`);
      // 1. The rollout: the version it runs, and the roll under way.
      const runs = page.locator(
        `#rollout .rollout-region[data-region="westeurope"] tr[data-group="${names.soaks}"] td.runs`,
      );
      await expect
        .poll(() => runs.textContent(), { timeout: 15_000 })
        .toMatch(/^1\.0\.0, rolling to 1\.1\.0 in 4[45] min$/);
      // 2. The matrix: in the row of 1.0.0, not of 1.1.0 (nor are the groups whose roll failed or is held).
      await expect
        .poll(
          async () =>
            (await on('1.0.0').allTextContents()).filter((t) => t.startsWith(`${names.soaks} in westeurope:`)).length,
        )
        .toBe(1);
      await expect.poll(() => on('1.1.0').count()).toBeGreaterThan(0);
      const onNew = await on('1.1.0').allTextContents();
      for (const name of [names.soaks, names.small, names.paused])
        expect(
          onNew.some((t) => t.startsWith(`${name} in `)),
          onNew.join('\n'),
        ).toBe(false);
      expect(
        onNew.some((t) => t.startsWith(`${names.rolls} in westeurope:`)),
        onNew.join('\n'),
      ).toBe(true);
      // 3. The replica advice: its demand counts on 1.0.0 in West Europe, under the matrix and on the advice page.
      await expect
        .poll(() => page.locator('#replicas-table tr[data-region="westeurope"]').textContent(), { timeout: 10_000 })
        .toContain(`${names.soaks} in westeurope:`);
      await page.goto(`${host.url}/api/console/#/advice`);
      const under = page.locator(`#under-table tr[data-version-id="${V1}"][data-region="westeurope"]`);
      await expect.poll(() => under.count(), { timeout: 10_000 }).toBe(1);
      expect(await under.locator('ul.groups').textContent()).toContain(`${names.soaks} in westeurope:`);
      expect(
        await page
          .locator(`#under-table tr[data-version-id="${V11}"][data-region="westeurope"] ul.groups`)
          .allTextContents(),
      ).not.toEqual(expect.arrayContaining([expect.stringContaining(names.soaks)]));
      await browser.screenshot('rollout-soak-advice-1280');
    } finally {
      await page.close();
    }
  });

  it('counts the soak time down while the page is open', async () => {
    const page = await browser.context.newPage();
    try {
      await page.clock.install();
      await pickCascade(page, host.url, ['rg-team', 'teamGallery', 'rollout-console']);
      const detail = page.locator(`#rollout tr[data-group="${names.soaks}"] td.detail`);
      await expect.poll(() => detail.textContent(), { timeout: 10_000 }).toMatch(/^4[45] min of soak left/);
      await page.clock.fastForward('10:00');
      await expect.poll(() => detail.textContent()).toMatch(/^3[45] min of soak left \(rolls at /);
      expect(await page.locator(`#rollout tr[data-group="${names.soaks}"] td.runs`).textContent()).toMatch(
        /^1\.0\.0, rolling to 1\.1\.0 in 3[45] min$/,
      );
      await page.clock.fastForward('40:00');
      await expect.poll(() => detail.textContent()).toMatch(/^soak over at .* UTC: the roll starts$/);
      expect(await page.locator(`#rollout tr[data-group="${names.soaks}"] td.runs`).textContent()).toBe(
        '1.0.0, rolling to 1.1.0 now',
      );
    } finally {
      await page.close();
    }
  });

  it("opens a group's roll history from its name (keyboard), and its roll job on the job page", async () => {
    const { page } = browser;
    // Keyboard: focus the name, Enter opens the history and moves focus to it.
    await row('westeurope', names.rolls).locator('button.group-link').focus();
    await page.keyboard.press('Enter');
    const rolls = page.locator('#rolls-table tbody tr');
    await expect.poll(() => rolls.count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator(':focus').getAttribute('id')).toBe('rolls-title');
    expect(await page.locator('#rolls-title').textContent()).toBe(`Roll history of ${names.rolls}`);
    expect(await page.locator('#rolls-policy').textContent()).toBe(
      'Auto-roll on: rolls as soon as a version becomes latest in its region (no soak).',
    );
    expect(await page.locator('#rolls-last').textContent()).toMatch(
      new RegExp(
        `^1\\.0\\.0 → 1\\.1\\.0 at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC · ${rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', names.rolls, '1.1.0')}$`,
      ),
    );
    const rollId = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', names.rolls, '1.1.0');
    expect(await rolls.first().getAttribute('data-job')).toBe(rollId);
    expect(await rolls.first().locator('td').allTextContents()).toEqual([
      '1.1.0',
      'Succeeded',
      expect.stringMatching(/^finished \d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
      'none',
    ]);
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('rollout-history-1280');

    // The failed group's history: its failed roll job with the code; no roll yet.
    await row('westeurope', names.small).locator('button.group-link').click();
    await expect
      .poll(() => page.locator('#rolls-title').textContent(), { timeout: 10_000 })
      .toBe(`Roll history of ${names.small}`);
    await expect
      .poll(() => page.locator('#rolls-table tbody tr td').nth(1).textContent(), { timeout: 10_000 })
      .toBe('Failed');
    expect(await page.locator('#rolls-last').textContent()).toBe('No roll yet.');
    expect(await page.locator('#rolls-table tbody tr td').nth(3).textContent()).toContain('os-disk-too-small');

    // The soaking group's policy says how long it soaks.
    await row('westeurope', names.soaks).locator('button.group-link').click();
    await expect
      .poll(() => page.locator('#rolls-policy').textContent(), { timeout: 10_000 })
      .toBe('Auto-roll on: soaks 45 min after a version becomes latest in its region.');
    // Its roll job, queued until the soak ends, is listed first (the rollout names it before it joins the history).
    expect(await page.locator('#rolls-table tbody tr').first().getAttribute('data-job')).toBe(
      rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', names.soaks, '1.1.0'),
    );
    expect(await page.locator('#rolls-table tbody tr td').nth(1).textContent()).toBe('Queued');
    expect(await page.locator('#rolls-table tbody tr td').nth(2).textContent()).toMatch(
      /not before \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );

    // The roll job's link opens it on the job page.
    await row('westeurope', names.rolls).locator('td.job a').click();
    await expect
      .poll(() => page.locator('#job-status').textContent(), { timeout: 10_000 })
      .toBe(`Job ${rollId}: succeeded`);
    expect(await page.locator('#page-jobs').isVisible()).toBe(true);
    // The job page says which roll it is.
    expect(await page.locator('#job-result-title').textContent()).toBe(`Roll job ${rollId}`);
    expect(await page.locator('#job-roll').textContent()).toBe(
      `Auto-roll of stateless group ${names.rolls} (${CONSUMER_ACCOUNT}) from 1.0.0 to 1.1.0`,
    );
    expect(await page.locator('#job-details').textContent()).toContain(`statelessGroup ${names.rolls}`);
    expect(await page.locator('#job-details').textContent()).toContain(V11);
    // Back to the images page: the rollout is still there.
    await page.goBack();
    await expect.poll(() => page.locator('#page-catalog').isVisible()).toBe(true);
    expect(await row('westeurope', names.rolls).count()).toBe(1);
    // The soaking group's roll job: which roll, from the version the group runs, until when it soaks.
    const soakId = rollJobId(CONSUMER_ACCOUNT, 'statelessGroup', names.soaks, '1.1.0');
    await row('westeurope', names.soaks).locator('td.job a').click();
    // (The page's clock may be ahead: the countdown test moved it; the words follow the page's time.)
    const { notBefore } = await host.api<{ notBefore: string }>(`groups/jobs/${encodeURIComponent(soakId)}`);
    const pageNow = new Date(Number(await page.evaluate('Date.now()')));
    await expect
      .poll(() => page.locator('#job-roll').textContent(), { timeout: 10_000 })
      .toBe(
        rollText(
          { toVersion: '1.1.0', ordinal: 0 },
          {
            jobId: soakId,
            status: 'queued',
            account: CONSUMER_ACCOUNT,
            group: { kind: 'statelessGroup', name: names.soaks },
            notBefore,
          },
          { imageVersionId: V1 },
          pageNow,
        ),
      );
    expect(await page.locator('#job-roll').textContent()).toMatch(
      new RegExp(
        `^Auto-roll of stateless group ${names.soaks} \\(${CONSUMER_ACCOUNT}\\) from 1\\.0\\.0 to 1\\.1\\.0, (soaking until|soak over at) \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`,
      ),
    );
    expect(await page.locator('#job-status').textContent()).toBe(`Job ${soakId}: queued…`);
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('rollout-roll-job-1280');
    await page.goBack();
    await expect.poll(() => page.locator('#page-catalog').isVisible()).toBe(true);
  });

  it("says so in a banner when the definition's auto-roll is paused", async () => {
    const pause = await fetch(`${host.url}/api/manage/autoroll/pauses${IMAGE}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paused: true }),
    });
    expect(pause.status).toBe(200);
    try {
      const { page } = browser;
      await page.getByRole('button', { name: 'Refresh the rollout' }).click();
      const banner = page.locator('#rollout-paused');
      await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(1);
      expect(await banner.textContent()).toContain('Auto-roll is paused for rollout-console.');
      expect(await row('westeurope', names.paused).locator('td.state').textContent()).toBe(
        'Held: paused, definition paused',
      );
      expect(await row('westeurope', names.paused).locator('td.detail').textContent()).toBe(
        "not rolled: the group is paused; the image definition's auto-roll is paused",
      );
      expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
      await browser.screenshot('rollout-paused-1280');
    } finally {
      expect(
        (
          await fetch(`${host.url}/api/manage/autoroll/pauses${IMAGE}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ paused: false }),
          })
        ).status,
      ).toBe(200);
      await settle();
    }
  });

  it('says what an empty rollout means: no group on latest in a region', async () => {
    await pickImage('rg-images', 'corpGallery', 'ubuntu-2204-base');
    const { page } = browser;
    const weu = page.locator('#rollout .rollout-region[data-region="westeurope"]');
    await expect.poll(() => weu.count(), { timeout: 15_000 }).toBe(1);
    expect(await weu.locator('p.empty').textContent()).toBe(
      'No group of your organization is on latest in westeurope: nothing rolls here.',
    );
    expect(await weu.locator('h4 .counts').textContent()).toBe('no group on latest');
  });

  it("shows the API's problem where the rollout was to appear: 403 without the role, 404 for a definition the caller does not see", async () => {
    const page = await browser.context.newPage();
    try {
      await pickCascade(page, host.url, ['rg-team', 'teamGallery']);
      await expect.poll(() => page.getByLabel('Image Name').isEnabled()).toBe(true);
      // A member whose token lacks Catalog.Read picks the definition: the rollout says which role to ask for.
      await page.setExtraHTTPHeaders({ 'x-ms-client-principal': principalHeader({ ...DEMO_PRINCIPAL, roles: [] }) });
      await page.getByLabel('Image Name').fill('rollout-console');
      const out = page.locator('#rollout.status.error');
      await expect.poll(() => out.count(), { timeout: 10_000 }).toBe(1);
      expect(await out.textContent()).toBe(
        "This operation requires the app role Catalog.Read; the caller's token does not carry it. Ask an administrator to assign you that app role.",
      );
      // A principal of another organization, which does not see the team gallery: 404's detail.
      await page.setExtraHTTPHeaders({
        'x-ms-client-principal': principalHeader({ ...DEMO_PARTNER_PRINCIPAL, roles: ALL_APP_ROLES }),
      });
      await page.getByRole('button', { name: 'Refresh the rollout' }).click();
      await expect
        .poll(() => page.locator('#rollout').textContent(), { timeout: 10_000 })
        .toBe('The resource does not exist or is not visible to the caller.');
      expect(await page.locator('#rollout').getAttribute('class')).toContain('error');
      expect(await page.locator('#rollout table').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});

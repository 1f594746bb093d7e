import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { pickCascade, startConsoleHost } from './console-host.js';
import { openBrowser, type Browser } from './chromium.js';
import { LOW_CONTRAST_SCRIPT } from './contrast.js';
import type { AppHost } from '../support/app-host.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import type { CallerAccountsView } from '../../shared/console/job-body.js';

// The job page of the web console in Debian's headless Chromium, against the app on the local
// runtime with the demo organization: the account field offers the caller's own accounts, and
// "Use in a group job" on every image the demo principal sees builds a body that is submitted as
// given and succeeds (its job has no error) — or, for the one image no Azure VM size can run, says
// why instead of handing over a body that fails. Screenshots: test-results/screens/jobs-*.png.
type Host = Awaited<ReturnType<typeof startConsoleHost>>;
interface ImageItem {
  id: string;
  name: string;
  resourceGroup: string;
  gallery: string;
}

let host: Host;
let browser: Browser;

beforeAll(async () => {
  host = await startConsoleHost(inject('azuriteConnectionString'));
  browser = await openBrowser();
  browser.page.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await (host as AppHost | undefined)?.stop();
});

const SUBMITTED = /^Job (\S+): (succeeded|failed|deadLettered)$/;

describe('web console: the job page (headless Chromium)', () => {
  it("offers the caller's own accounts, the first one already in the account field", async () => {
    const me = await host.api<CallerAccountsView>('me');
    expect(me.accounts).toEqual([
      { account: 'act-5c6d7e8f', subscriptionId: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f', actsFor: true },
      { account: 'act-1a2b3c4d', subscriptionId: '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f', actsFor: false },
    ]);
    const { page } = browser;
    await page.goto(`${host.url}/api/console/#/jobs`);
    const account = page.getByLabel('Your Spot account');
    await expect.poll(() => account.inputValue()).toBe('act-5c6d7e8f');
    // Only the accounts it acts for are offered (the publisher's account is the organization's, not the caller's).
    expect(
      await Promise.all((await page.locator('#list-account option').all()).map((o) => o.getAttribute('value'))),
    ).toEqual(['act-5c6d7e8f']);
    expect(await page.locator('#hint-account').textContent()).toBe(
      'The account you act for (caller.account): act-5c6d7e8f',
    );
    expect(await page.getByLabel('Your Spot account').getAttribute('list')).toBe('list-account');
  });

  it('builds, for every image the caller sees, a body that is submitted as given and succeeds with no error', async () => {
    const images = (await host.api<{ items: ImageItem[] }>('images?top=1000')).items;
    // The demo principal sees the organization's images (its own gallery, the granted corporate gallery and image, the community gallery).
    expect(images.map((i) => i.name).sort()).toEqual([
      'app-server',
      'mariner-arm64',
      'ubuntu-2204-base',
      'ubuntu-2204-community',
      'win2022-sql',
    ]);
    const { page } = browser;
    const submitted: string[] = [];
    for (const image of images.filter((i) => i.id !== DEMO_IMAGES.marinerArm64)) {
      await pickCascade(page, host.url, [image.resourceGroup, image.gallery, image.name, 'latest']);
      await page.getByRole('button', { name: 'Use in a group job' }).click();
      const hint = page.locator('#hint-body');
      await expect
        .poll(() => hint.textContent(), { timeout: 10_000 })
        .toMatch(new RegExp(`^Built for ${image.name} latest \\(`));
      expect(await page.locator('#err-body').textContent(), image.name).toBe('');
      const body = JSON.parse(await page.getByLabel(/Group body/).inputValue()) as {
        group: {
          name: string;
          compute: { launchSpecification: { image: { gallery: { imageName: string; version: string } } } };
        };
      };
      expect(body.group.compute.launchSpecification.image.gallery).toMatchObject({
        imageName: image.name,
        version: 'latest',
      });
      expect(body.group.name).toMatch(new RegExp(`^${image.name}-[0-9a-f]{8}$`));
      await page.getByRole('button', { name: 'Submit job' }).click();
      await expect.poll(() => page.locator('#job-status').textContent(), { timeout: 20_000 }).toMatch(SUBMITTED);
      const [, jobId, status] = SUBMITTED.exec((await page.locator('#job-status').textContent()) ?? '') ?? [];
      expect(`${image.name}: ${status}`).toBe(`${image.name}: succeeded`);
      expect(await page.locator('#job-errors').textContent(), image.name).toBe('');
      const job = await host.api<{ status: string; errors: unknown[]; resolvedImageVersionId: string }>(
        `groups/jobs/${encodeURIComponent(jobId!)}`,
      );
      expect(job.errors, image.name).toEqual([]);
      expect(job.resolvedImageVersionId.toLowerCase()).toContain(`/images/${image.name}/versions/`);
      submitted.push(body.group.name);
    }
    expect(new Set(submitted).size).toBe(4); // a new group each time
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('jobs-use-image-1280');
  });

  it('says why no body can pass for the Arm64 confidential image (Azure has no Arm64 confidential VM size), and leaves the body alone', async () => {
    const { page } = browser;
    await pickCascade(page, host.url, ['rg-images', 'corpGallery', 'mariner-arm64', '1.0.0']);
    await page.getByRole('button', { name: 'Use in a group job' }).click();
    const error = page.locator('#err-body');
    await expect
      .poll(() => error.textContent(), { timeout: 10_000 })
      .toMatch(/^No VM size of act-5c6d7e8f in westeurope can run mariner-arm64 1\.0\.0 \(ConfidentialVM VMs\)\. /);
    expect(await error.textContent()).toContain(
      'Standard_D2ps_v5: VM size Standard_D2ps_v5 is not a confidential VM size',
    );
    expect(await error.textContent()).toContain(
      'Standard_DC2as_v5: VM size Standard_DC2as_v5 is x64 but the image is Arm64.',
    );
    expect(await page.getByLabel(/Group body/).inputValue()).not.toContain('mariner-arm64');
    expect(await page.locator('#hint-body').textContent()).toBe('');
    await browser.screenshot('jobs-no-size-1280');
  });
});

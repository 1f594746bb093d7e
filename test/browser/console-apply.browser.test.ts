import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { pickCascade, startConsoleHost } from './console-host.js';
import { openBrowser, type Browser } from './chromium.js';
import { LOW_CONTRAST_SCRIPT } from './contrast.js';
import type { AppHost } from '../support/app-host.js';
import { envelope, publishUbuntuVersion } from '../support/jobs-host.js';
import { waitFor } from '../support/wait.js';
import { DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { demoOrganizations } from '../../dev/demo/demo-directory.js';
import { armFault } from '../../dev/arm-simulator.js';
import { jobHash, type RolloutGroupView, type RolloutView } from '../../shared/console/rollout.js';
import type { JobRecord } from '../../shared/jobs/store.js';

// Applying groups as the web console shows them (Debian's headless Chromium), against the app on the
// local runtime with the demo organization and the ARM simulator's scale sets: a job of an
// organization in plan mode shows on its page the exact requests it would send (method, URL, body
// pretty-printed, no password); a job waiting after a capacity failure shows its phase, attempt,
// next check and last failure; an applied group shows in the rollout where it is deployed and how
// many VMs run each version, and its roll job's apply while it waits after a conflict. Screenshots: test-results/screens/apply-*.png.
type Host = Awaited<ReturnType<typeof startConsoleHost>>;
type Json = Record<string, unknown>;

const WORKLOADS = `/subscriptions/${DEMO_SUBSCRIPTIONS.consumer}/resourceGroups/rg-workloads`;
const PASSWORD = 'Console-Plan-Secret-7d2e!';
/** A capacity failure is tried again after APPLY_RETRY_BASE_SECONDS: 10 min, so the page sees the job waiting. */
const RETRY_SECONDS = 600;

let host: Host;
let browser: Browser;

async function setApply(apply: Json | undefined): Promise<void> {
  const doc = { ...(demoOrganizations().contoso as Json), ...(apply ? { apply } : {}) };
  const res = await fetch(`${host.url}/api/manage/organizations/contoso`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(doc),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Submits a job and waits until `until` holds for it. */
async function submit(env: Json, until: (job: JobRecord) => boolean): Promise<JobRecord> {
  const res = await fetch(`${host.url}/api/groups/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(env),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return waitFor(
    `job ${String(env.jobId)}`,
    async () => {
      const job = await host.api<JobRecord>(`groups/jobs/${encodeURIComponent(String(env.jobId))}`);
      return until(job) ? job : undefined;
    },
    { timeoutMs: 30_000, pollMs: 100 },
  );
}

const groupName = (env: Json): string => String(((env.body as Json).group as Json).name);
const inWorkloads = (b: Json): void => {
  (b.group as Json).resourceGroupName = 'rg-workloads';
};
const ended = (job: JobRecord): boolean => job.status !== 'queued' && job.status !== 'running';

async function openJob(jobId: string): Promise<void> {
  await browser.page.goto(`${host.url}/api/console/${jobHash(jobId)}`);
}

const names = { planned: '', applied: '' };
const UBUNTU_ROLLOUT = `subscriptions/${DEMO_SUBSCRIPTIONS.publisher}/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/rollout`;

beforeAll(async () => {
  host = await startConsoleHost(inject('azuriteConnectionString'), {
    events: true, // the app's domain events keep the latest pointers the rollout reads, as under `npm start`
    settings: {
      APPLY_FOLLOW_UP_SECONDS: '1',
      APPLY_RETRY_BASE_SECONDS: String(RETRY_SECONDS),
      APPLY_MAX_ATTEMPTS: '3',
      APPLY_POLL_BUDGET_SECONDS: '20',
    },
  });
  browser = await openBrowser();
  browser.page.setDefaultTimeout(10_000);
  Object.assign(host.sim.compute.settings, { operationPolls: 1, retryAfterSeconds: 1 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await (host as AppHost | undefined)?.stop();
});

describe('web console: plan and apply (headless Chromium)', () => {
  it("shows a plan-mode job's requests: method, URL and the body pretty-printed, with no password; nothing is sent", async () => {
    await setApply({ target: 'azure', mode: 'plan', resourceGroups: [WORKLOADS] });
    const writes = host.sim.compute.receivedWrites.length;
    const env = envelope('elastigroup-gallery-latest', (b) => {
      inWorkloads(b);
      ((((b.group as Json).compute as Json).launchSpecification as Json).login as Json).password = PASSWORD;
    });
    names.planned = groupName(env);
    const job = await submit(env, ended);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', plan: { target: 'azure' } });
    expect(job.apply).toBeUndefined();
    const request = job.plan!.requests[0]!;
    expect(request.url).toMatch(new RegExp(`/virtualMachineScaleSets/${names.planned}\\?api-version=`));

    await openJob(job.jobId);
    const { page } = browser;
    await expect.poll(() => page.locator('#job-status').textContent()).toBe(`Job ${job.jobId}: succeeded`);
    expect(await page.locator('#job-plan-title').textContent()).toBe(
      `${job.plan!.requests.length} request${job.plan!.requests.length === 1 ? '' : 's'} to Azure`,
    );
    const shown = page.locator('#job-plan li.plan-request');
    expect(await shown.count()).toBe(job.plan!.requests.length);
    expect(await shown.first().locator('code.method').textContent()).toBe('PUT');
    expect(await shown.first().locator('code.url').textContent()).toBe(request.url);
    // The body as the API gives it, indented two spaces a level.
    const body = (await shown.first().locator('pre.plan-body').textContent()) ?? '';
    expect(body).toBe(JSON.stringify(request.body, null, 2));
    expect(JSON.parse(body)).toMatchObject({ properties: { orchestrationMode: 'Flexible' } });
    expect(body).toContain('"adminPasswordSet": true');
    expect(await page.locator('#job-apply').count()).toBe(0);
    expect(await page.content()).not.toContain(PASSWORD);
    expect(host.sim.compute.receivedWrites.length).toBe(writes);
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('apply-plan-1280');
  });

  it("shows an applying job's progress: waiting after a capacity failure, the attempt, the next check and the last failure", async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    const env = envelope('elastigroup-gallery-latest', inWorkloads);
    host.sim.injectFaults({
      ...armFault('AllocationFailed', { method: 'PUT', match: new RegExp(`${groupName(env)}$`) }),
      count: 1,
    });
    const job = await submit(env, (j) => j.apply?.phase === 'waiting' && j.apply.lastFailure !== undefined);
    const apply = job.apply!;
    expect(apply.lastFailure).toMatch(/^AllocationFailed: /);
    expect(Date.parse(apply.nextCheckAt!) - Date.now()).toBeGreaterThan((RETRY_SECONDS - 60) * 1000);

    await openJob(job.jobId);
    const { page } = browser;
    await expect.poll(() => page.locator('#job-status').textContent()).toBe(`Job ${job.jobId}: ${job.status}…`);
    const summary = page.locator('#job-apply-summary');
    expect(await summary.getAttribute('data-phase')).toBe('waiting');
    const at = `${apply.nextCheckAt!.slice(0, 16).replace('T', ' ')} UTC`;
    expect(await summary.textContent()).toMatch(
      new RegExp(
        `^Waiting: request 1 of ${apply.steps}, attempt ${apply.attempt}; next check in (9|10) min \\(${at}\\)$`,
      ),
    );
    expect(await page.locator('#job-apply li[data-field="lastFailure"]').textContent()).toBe(
      `Last failure: ${apply.lastFailure}`,
    );
    expect(await page.locator('#job-apply li[data-field="resourceId"] code').textContent()).toBe(
      `${WORKLOADS}/providers/Microsoft.Compute/virtualMachineScaleSets/${groupName(env)}`,
    );
    // An applying job shows its plan too.
    expect(await page.locator('#job-plan code.method').first().textContent()).toBe('PUT');
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('apply-waiting-1280');
  });

  it("shows an applied group's deployment in the rollout: target, resource id, state and the VMs on each version; a group only planned is not applied", async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    const env = envelope('elastigroup-gallery-latest', inWorkloads);
    names.applied = groupName(env);
    expect(await submit(env, ended)).toMatchObject({ status: 'succeeded', apply: { phase: 'succeeded' } });
    const id = `${WORKLOADS}/providers/Microsoft.Compute/virtualMachineScaleSets/${names.applied}`;
    // The API's answer the page draws.
    const view = await host.api<RolloutView>(UBUNTU_ROLLOUT);
    const region = view.regions.find((r) => r.groups.some((g) => g.name === names.applied))!;
    const deployment = region.groups.find((g) => g.name === names.applied)!.deployment!;
    expect(deployment).toMatchObject({ target: 'azure', resourceId: id, provisioningState: 'Succeeded' });
    expect(deployment.instancesOn.reduce((n, i) => n + i.count, 0)).toBeGreaterThan(0);

    await pickCascade(browser.page, host.url, ['rg-images', 'corpGallery', 'ubuntu-2204-base']);
    const { page } = browser;
    const row = (name: string) =>
      page.locator(`#rollout .rollout-region[data-region="${region.region}"] tr[data-group="${name}"]`);
    await expect.poll(() => row(names.applied).count(), { timeout: 15_000 }).toBe(1);
    expect(
      await page.locator(`#rollout .rollout-region[data-region="${region.region}"] thead th`).allTextContents(),
    ).toEqual(['Group', 'State', 'Runs', 'Deployment', 'Roll job', 'Detail']);
    const cell = row(names.applied).locator('td.deployment');
    expect(await cell.locator('code.resource').textContent()).toBe(names.applied);
    expect(await cell.locator('.resource-id').textContent()).toBe(id);
    const vms = deployment.instancesOn.reduce((n, i) => n + i.count, 0);
    expect(await cell.locator('.summary').textContent()).toBe(
      `Azure Succeeded · ${vms} VM${vms === 1 ? '' : 's'}: ${deployment.instancesOn.map((i) => `${i.count} on ${i.version}`).join(', ')}`,
    );
    // Its VMs run the version the rollout says the group runs: latest in its region, as Azure resolves it there.
    const runs = region.groups.find((g) => g.name === names.applied)!.version!;
    expect(runs).toBe(region.latestVersion);
    expect(await cell.locator('.summary').textContent()).toBe(
      `Azure Succeeded · ${vms} VM${vms === 1 ? '' : 's'}: ${vms} on ${runs}`,
    );
    expect(await row(names.applied).locator('td.runs').textContent()).toBe(runs);
    // The region's heading names the latest version the matrix shows.
    expect(await page.locator(`#rollout .rollout-region[data-region="${region.region}"] h4`).textContent()).toContain(
      `latest ${region.latestVersion}`,
    );
    expect(region.latestVersion).toMatch(/^\d+\.\d+\.\d+$/);
    // The group of the plan-mode job was recorded, not deployed.
    expect(await row(names.planned).locator('td.deployment').textContent()).toBe('not applied');
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('apply-rollout-1280');
  });

  it("shows an applied group's roll under way: its roll job's apply waiting after a conflict, the VMs still on the version it runs; the roll job's page says so too", async () => {
    // The model update of the applied scale set meets another operation: tried again after RETRY_SECONDS.
    host.sim.injectFaults({
      ...armFault('AnotherOperationInProgress', {
        method: 'PATCH',
        match: new RegExp(`virtualMachineScaleSets/${names.applied}$`),
      }),
      count: 5,
    });
    await publishUbuntuVersion(host, '1.13.0');
    const pending = await waitFor(
      'the roll of the applied group to wait',
      async () => {
        const view = await host.api<RolloutView>(UBUNTU_ROLLOUT);
        const g: RolloutGroupView | undefined = view.regions
          .find((r) => r.region === 'westeurope')
          ?.groups.find((x) => x.name === names.applied);
        return g?.apply?.phase === 'waiting' && g.apply.lastFailure !== undefined ? g : undefined;
      },
      { timeoutMs: 30_000, pollMs: 200 },
    );
    expect(pending).toMatchObject({ state: 'pending', version: '1.10.0', rollJobId: expect.any(String) });
    expect(pending.apply!.lastFailure).toMatch(/^AnotherOperationInProgress: /);

    await pickCascade(browser.page, host.url, ['rg-images', 'corpGallery', 'ubuntu-2204-base']);
    const { page } = browser;
    const row = page.locator(`#rollout .rollout-region[data-region="westeurope"] tr[data-group="${names.applied}"]`);
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await row.locator('td.state').textContent()).toBe('Pending');
    expect(await row.locator('td.runs').textContent()).toBe('1.10.0, rolling to 1.13.0');
    const apply = pending.apply!;
    const at = `${apply.nextCheckAt!.slice(0, 16).replace('T', ' ')} UTC`;
    const applyText = `Apply: Waiting: request ${apply.step + 1} of ${apply.steps}, attempt ${apply.attempt}; next check in (9|10) min \\(${at}\\) · last failure: `;
    expect(await row.locator('td.detail .apply').getAttribute('data-phase')).toBe('waiting');
    expect(await row.locator('td.detail .apply').textContent()).toMatch(
      new RegExp(`^${applyText}AnotherOperationInProgress: `),
    );
    // The VMs have not moved: all on the version the group runs.
    expect(await row.locator('td.deployment .summary').textContent()).toMatch(
      /^Azure \w+ · (\d+) VMs?: \1 on 1\.10\.0$/,
    );
    expect(await page.evaluate(LOW_CONTRAST_SCRIPT(4.5))).toEqual([]);
    await browser.screenshot('apply-roll-waiting-1280');

    // The roll job's page: which roll, and where its apply is.
    await row.locator('td.job a').click();
    await expect
      .poll(() => page.locator('#job-roll').textContent(), { timeout: 10_000 })
      .toMatch(
        new RegExp(`^Auto-roll of stateless group ${names.applied} \\(act-5c6d7e8f\\) from 1\\.10\\.0 to 1\\.13\\.0`),
      );
    expect(await page.locator('#job-apply-summary').getAttribute('data-phase')).toBe('waiting');
    expect(await page.locator('#job-apply li[data-field="lastFailure"]').textContent()).toMatch(
      /^Last failure: AnotherOperationInProgress: /,
    );
    expect(await page.locator('#job-plan code.method').first().textContent()).toBe('PATCH');
  });
});

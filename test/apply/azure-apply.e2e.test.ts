/**
 * Applying jobs on Azure, end to end and offline: jobs submitted over HTTP, run from the in-memory
 * queue, planned and sent through the real `@azure/arm-compute` client to the ARM simulator's
 * scale sets (dev/arm-compute.ts), the job and group read back over HTTP.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach, inject } from 'vitest';
import {
  startJobsHost,
  setContosoApply,
  crashingOnceBeforeRecord,
  runToEnd as runJobToEnd,
  envelope,
  CONSUMER_ACCOUNT,
  type JobsHost,
} from '../support/jobs-host.js';
import { DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { armFault } from '../../dev/arm-simulator.js';
import { services } from '../../shared/services.js';
import { COMPUTE_API_VERSION } from '../../shared/arm/compute-api-version.js';
import { waitFor } from '../support/wait.js';
import { expectNoSecrets, secretsIn } from '../support/secret-scan.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const WORKLOADS = `/subscriptions/${DEMO_SUBSCRIPTIONS.consumer}/resourceGroups/rg-workloads`;
const PASSWORD = 'Apply-Secret-9f3c1d!';

const setApply = (apply: Json | undefined): Promise<void> => setContosoApply(host, apply);
const scaleSetWrites = () =>
  host.sim.compute.receivedWrites.filter((w) => /virtualMachineScaleSets\/[^/]+$/i.test(w.path) && w.method === 'PUT');

const runToEnd = (env: Json): Promise<Json> => runJobToEnd(host, env);

async function group(name: string): Promise<Json> {
  const res = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${encodeURIComponent(name)}`);
  expect(res.status).toBe(200);
  return res.body;
}

const nameOf = (env: Json): string => String(((env.body as Json).group as Json).name);

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'), {
    APPLY_FOLLOW_UP_SECONDS: '1',
    APPLY_RETRY_BASE_SECONDS: '1',
    APPLY_MAX_ATTEMPTS: '2',
    APPLY_POLL_BUDGET_SECONDS: '20',
  });
});
afterAll(async () => {
  await setApply(undefined).catch(() => undefined);
  await host?.stop();
});
beforeEach(() => {
  host.sim.clearFaults();
  Object.assign(host.sim.compute.settings, { operationPolls: 1, retryAfterSeconds: 1 });
  delete host.sim.compute.settings.operationMs;
});

describe('apply on Azure', () => {
  it('plan mode: the job records the exact ARM request, with no password, and nothing is written to ARM', async () => {
    await setApply({ target: 'azure', mode: 'plan', resourceGroups: [WORKLOADS] });
    const before = host.sim.compute.receivedWrites.length;
    const env = envelope('elastigroup-gallery-latest', (b) => {
      const ls = ((b.group as Json).compute as Json).launchSpecification as Json;
      (ls.login as Json).password = PASSWORD;
    });
    const job = await runToEnd(env);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', plan: { target: 'azure' } });
    const plan = job.plan as { requests: { method: string; url: string; body: Json }[] };
    const name = nameOf(env);
    expect(plan.requests[0]).toMatchObject({
      method: 'PUT',
      url: expect.stringMatching(
        new RegExp(
          `/resourceGroups/[^/]+/providers/Microsoft\\.Compute/virtualMachineScaleSets/${name}\\?api-version=${COMPUTE_API_VERSION}$`,
        ),
      ),
    });
    expect(plan.requests[0]?.body).toMatchObject({
      properties: { orchestrationMode: 'Flexible', platformFaultDomainCount: 1 },
    });
    expect(JSON.stringify(plan)).toContain('"adminPasswordSet":true');
    expect(host.sim.compute.receivedWrites.length).toBe(before);
    expect((await group(name)).deployment).toBeUndefined();
    await expectNoSecrets(
      {
        connectionString: inject('azuriteConnectionString'),
        tablePrefix: host.tablePrefix,
        logs: host.logs,
        responses: host.responses,
      },
      secretsIn(env),
    );
  });

  it('apply mode: the scale set is created once, the job succeeds only when Azure says Succeeded, and the group records its deployment', async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    const env = envelope('elastigroup-gallery-latest', (b) => {
      (b.group as Json).resourceGroupName = 'rg-workloads';
    });
    const before = scaleSetWrites().length;
    const job = await runToEnd(env);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', apply: { phase: 'succeeded', steps: 1 } });
    const name = nameOf(env);
    expect(scaleSetWrites().length - before).toBe(1);
    const g = await group(name);
    const id = `${WORKLOADS}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
    expect(g.deployment).toMatchObject({
      target: 'azure',
      resourceId: id,
      provisioningState: 'Succeeded',
      imageVersionId: job.resolvedImageVersionId,
    });
    const vmss = host.sim.compute.get(id) as { tags: Json; properties: { provisioningState: string } };
    expect(vmss.properties.provisioningState).toBe('Succeeded');
    expect(vmss.tags['gallery-catalog-group']).toBe(`${DEMO_SUBSCRIPTIONS.consumer}/statelessGroup/${name}`);
  });

  it('apply mode: a resource group the organization does not name is refused before anything is sent', async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    const env = envelope('elastigroup-gallery-latest', (b) => {
      (b.group as Json).resourceGroupName = 'rg-elsewhere';
    });
    const before = host.sim.compute.receivedWrites.length;
    const job = await runToEnd(env);
    expect(job).toMatchObject({
      status: 'failed',
      errors: [{ code: 'apply-resource-group-not-allowed', pointer: '/body/group/resourceGroupName' }],
    });
    expect(host.sim.compute.receivedWrites.length).toBe(before);
  });

  it('an operation that outlasts the poll budget is checkpointed and followed up; it is sent once', async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    // Each operation answers InProgress for 4 s: longer than the 1 s a delivery may poll.
    Object.assign(host.sim.compute.settings, { operationPolls: 1000, operationMs: 4000, retryAfterSeconds: 1 });
    process.env.APPLY_POLL_BUDGET_SECONDS = '1';
    services().config.apply.pollBudgetMs = 1000;
    try {
      const env = envelope('elastigroup-gallery-latest', (b) => {
        (b.group as Json).resourceGroupName = 'rg-workloads';
      });
      const before = scaleSetWrites().length;
      const res = await host.submit(env);
      expect(res.status).toBe(202);
      let seenWaiting = false;
      let job: Json = {};
      await waitFor(
        'the job to end',
        async () => {
          job = await host.job(String(env.jobId));
          if ((job.apply as Json | undefined)?.phase === 'waiting') seenWaiting = true;
          return job.status === 'succeeded' || job.status === 'failed';
        },
        { timeoutMs: 60_000, pollMs: 100 },
      );
      expect(seenWaiting).toBe(true);
      expect(job).toMatchObject({ status: 'succeeded' });
      expect(scaleSetWrites().length - before).toBe(1);
      expect(host.jobsQueue.completed.filter((id) => id.includes(`${String(env.jobId)}@`)).length).toBeGreaterThan(0);
    } finally {
      services().config.apply.pollBudgetMs = 20_000;
    }
  });

  it('a capacity failure is sent again after the wait, then fails the job with the code when it persists', async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    const env = envelope('elastigroup-gallery-latest', (b) => {
      (b.group as Json).resourceGroupName = 'rg-workloads';
    });
    host.sim.injectFaults({
      ...armFault('AllocationFailed', { method: 'PUT', match: new RegExp(`${nameOf(env)}$`) }),
      count: 5,
    });
    const before = scaleSetWrites().length;
    const job = await runToEnd(env);
    expect(job, JSON.stringify(job)).toMatchObject({
      status: 'failed',
      errors: [{ code: 'azure:AllocationFailed', message: expect.stringContaining('after 2 attempts') }],
      apply: { phase: 'failed', attempt: 2 },
    });
    expect(scaleSetWrites().length - before).toBe(2);
    const res = await host.request(
      'GET',
      `groups/${CONSUMER_ACCOUNT}/statelessGroup/${encodeURIComponent(nameOf(env))}`,
    );
    expect(res.status).toBe(404);
  });

  it('a capacity failure that clears on the retry succeeds', async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    const env = envelope('elastigroup-gallery-latest', (b) => {
      (b.group as Json).resourceGroupName = 'rg-workloads';
    });
    host.sim.injectFaults({
      ...armFault('AllocationFailed', { method: 'PUT', match: new RegExp(`${nameOf(env)}$`) }),
      count: 1,
    });
    const job = await runToEnd(env);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', apply: { attempt: 2 } });
    expect((await group(nameOf(env))).deployment).toMatchObject({ provisioningState: 'Succeeded' });
  });

  it('a quota failure is final at once and names the quota', async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    const env = envelope('elastigroup-gallery-latest', (b) => {
      (b.group as Json).resourceGroupName = 'rg-workloads';
    });
    host.sim.injectFaults(
      armFault('OperationNotAllowed', {
        method: 'PUT',
        quota: 'LowPriorityCores',
        match: new RegExp(`${nameOf(env)}$`),
      }),
    );
    const job = await runToEnd(env);
    expect(job).toMatchObject({
      status: 'failed',
      errors: [
        { code: 'azure:OperationNotAllowed', message: expect.stringContaining('Quota LowPriorityCores exceeded') },
      ],
      apply: { attempt: 1 },
    });
  });

  it('a crash between the create and its record: the next delivery finds the scale set, records it, and sends no second create', async () => {
    await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
    const env = envelope('elastigroup-gallery-latest', (b) => {
      (b.group as Json).resourceGroupName = 'rg-workloads';
    });
    const before = scaleSetWrites().length;
    const { result: job, crashed } = await crashingOnceBeforeRecord(env.jobId, () => runToEnd(env));
    expect(crashed).toBe(1);
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded' });
    expect(scaleSetWrites().length - before).toBe(1);
    expect((await group(nameOf(env))).deployment).toMatchObject({ provisioningState: 'Succeeded' });
  });
});

/**
 * Auto-roll of groups applied to Azure, end to end and offline: two groups on `latest` created as
 * Flexible scale sets (Manual upgrade policy) in the ARM simulator, a new version published and its
 * event delivered; the roll PATCHes the model to the version and upgrades the VMs in batches
 * (`manualupgrade`, Azure/azure-rest-api-specs `VirtualMachineScaleSet_UpdateInstances` shape), each
 * batch healthy before the next, as the group's auto-roll policy says.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import {
  startJobsHost,
  envelope,
  publishUbuntuVersion,
  CONSUMER_ACCOUNT,
  type JobsHost,
} from '../support/jobs-host.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { demoOrganizations } from '../../dev/demo/demo-directory.js';
import { waitFor } from '../support/wait.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';

type Json = Record<string, unknown>;
let host: JobsHost;
const WORKLOADS = `/subscriptions/${DEMO_SUBSCRIPTIONS.consumer}/resourceGroups/rg-workloads`;
const ROLLOUT = `${DEMO_IMAGES.ubuntu.replace(/^\/|\/providers\/Microsoft\.Compute/g, '')}/rollout`;
const V14 = `${DEMO_IMAGES.ubuntu}/versions/1.14.0`;
const scaleSetId = (name: string) => `${WORKLOADS}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;

/** A group on latest in West Europe applied as a scale set of four VMs, rolled in halves, each half at least 75 % healthy. */
async function appliedGroup(): Promise<string> {
  const env = envelope(
    'elastigroup-gallery-latest',
    (b) => {
      const g = b.group as Json;
      g.resourceGroupName = 'rg-workloads';
      (g.capacity as Json).target = 4;
    },
    { autoRoll: { deployment: { batchSizePercentage: 50, batchMinHealthyPercentage: 75 } } },
  );
  const job = await host.run(env);
  expect(job, JSON.stringify(job)).toMatchObject({ status: 'succeeded', apply: { phase: 'succeeded' } });
  return String((env.body as { group: { name: string } }).group.name);
}

async function group(name: string): Promise<Json> {
  const res = await host.request('GET', `groups/${CONSUMER_ACCOUNT}/statelessGroup/${encodeURIComponent(name)}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function rolloutOf(name: string): Promise<Json | undefined> {
  const res = await host.request('GET', ROLLOUT);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const regions = (res.body as { regions: { groups: Json[] }[] }).regions;
  return regions.flatMap((r) => r.groups).find((g) => g.name === name);
}

const writesTo = (name: string) =>
  host.sim.compute.receivedWrites.filter((w) =>
    w.path.toLowerCase().includes(`/virtualmachinescalesets/${name.toLowerCase()}`),
  );

async function setApply(apply: Json | undefined): Promise<void> {
  const doc = { ...(demoOrganizations().contoso as Json), ...(apply ? { apply } : {}) };
  expect((await host.request('PUT', 'manage/organizations/contoso', doc)).status).toBe(200);
}

let recordedOnly: string;
beforeAll(async () => {
  host = await startJobsHost(
    inject('azuriteConnectionString'),
    { APPLY_FOLLOW_UP_SECONDS: '1', APPLY_RETRY_BASE_SECONDS: '1', APPLY_MAX_ATTEMPTS: '2' },
    { events: true },
  );
  // A group recorded before the organization applied: never deployed.
  const env = envelope('elastigroup-gallery-latest', (b) => {
    (b.group as Json).resourceGroupName = 'rg-workloads';
  });
  expect(await host.run(env)).toMatchObject({ status: 'succeeded' });
  recordedOnly = String((env.body as { group: { name: string } }).group.name);
  await setApply({ target: 'azure', mode: 'apply', resourceGroups: [WORKLOADS] });
});
afterAll(async () => {
  await host?.stop();
});

describe('auto-roll of groups applied to Azure', () => {
  it('a new version rolls each group in batches; an unhealthy batch stops its roll, which fails with the VMs split across versions', async () => {
    const healthy = await appliedGroup();
    const sick = await appliedGroup();
    const before = { healthy: writesTo(healthy).length, sick: writesTo(sick).length };
    // The first VM by name of the second group reports unhealthy: it is in the first batch.
    const sickVms = host.sim.compute
      .vmsOf(scaleSetId(sick))
      .map((v) => String(v.id))
      .sort();
    expect(sickVms).toHaveLength(4);
    host.sim.compute.setVmHealth(sickVms[0]!, 'unhealthy');

    // Replicating in West Europe: indexed, nothing rolls, nothing is written to ARM.
    const replicating = structuredClone(host.sim.get(`${DEMO_IMAGES.ubuntu}/versions/1.10.0`)!) as unknown as {
      id: string;
      name: string;
      properties: { replicationStatus: { aggregatedState: string; summary: { region: string; state: string }[] } };
    };
    replicating.id = V14;
    replicating.name = '1.14.0';
    for (const r of replicating.properties.replicationStatus.summary) r.state = 'Replicating';
    replicating.properties.replicationStatus.aggregatedState = 'InProgress';
    host.sim.put(replicating);
    expect((await postEvents(host.url, [armEvent(V14, 'Write')])).status).toBe(202);
    for (let i = 0; i < 5; i++) {
      await host.topic!.idle();
      await host.jobsQueue.idle();
    }
    expect(writesTo(healthy).length).toBe(before.healthy);
    expect(writesTo(sick).length).toBe(before.sick);
    expect(await rolloutOf(healthy)).toMatchObject({ state: 'rolled', version: '1.10.0' });

    // Completed there: the roll starts.
    await publishUbuntuVersion(host, '1.14.0');
    await waitFor(
      'both rolls to end',
      async () => {
        const a = await rolloutOf(healthy);
        const b = await rolloutOf(sick);
        return a?.state === 'rolled' && b?.state === 'failed';
      },
      { timeoutMs: 90_000, pollMs: 200 },
    );

    // The healthy group: the model pinned to the version (not the definition's latest), then two batches.
    const writes = writesTo(healthy).slice(before.healthy);
    expect(writes.map((w) => `${w.method} ${w.path.replace(/^.*virtualMachineScaleSets\/[^/]+/i, '')}`)).toEqual([
      'PATCH ',
      'POST /manualupgrade',
      'POST /manualupgrade',
    ]);
    const model = host.sim.compute.get(scaleSetId(healthy)) as {
      properties: { virtualMachineProfile: { storageProfile: { imageReference: { id: string } } } };
    };
    expect(model.properties.virtualMachineProfile.storageProfile.imageReference.id.toLowerCase()).toBe(
      V14.toLowerCase(),
    );
    for (const batch of writes.slice(1)) expect((batch.body as { instanceIds: string[] }).instanceIds).toHaveLength(2);
    for (const vm of host.sim.compute.vmsOf(scaleSetId(healthy)) as {
      properties: { storageProfile: { imageReference: { id: string } } };
    }[]) {
      expect(vm.properties.storageProfile.imageReference.id.toLowerCase()).toBe(V14.toLowerCase());
    }
    const rolled = await rolloutOf(healthy);
    expect(rolled).toMatchObject({
      state: 'rolled',
      version: '1.14.0',
      deployment: { target: 'azure', resourceId: scaleSetId(healthy), instancesOn: [{ version: '1.14.0', count: 4 }] },
    });
    expect(await group(healthy)).toMatchObject({
      imageVersionId: expect.stringMatching(/1\.14\.0$/),
      deployment: { imageVersionId: expect.stringMatching(/1\.14\.0$/) },
    });

    // The sick group: one batch upgraded, then the roll stopped and failed with the reason.
    const sickWrites = writesTo(sick).slice(before.sick);
    expect(sickWrites.map((w) => w.method)).toEqual(['PATCH', 'POST']);
    const failed = await rolloutOf(sick);
    expect(failed, JSON.stringify(failed)).toMatchObject({
      state: 'failed',
      errors: [{ code: 'azure:roll-unhealthy' }],
      deployment: {
        instancesOn: [
          { version: '1.14.0', count: 2 },
          { version: '1.10.0', count: 2 },
        ],
      },
    });
    // The group record still says what it runs: the roll did not complete.
    expect((await group(sick)).imageVersionId).not.toMatch(/1\.14\.0$/);
  });

  it('a group never deployed is not created by a roll: its record moves, the roll job says why, nothing is written to ARM', async () => {
    await waitFor('the recorded-only group to roll', async () => (await rolloutOf(recordedOnly))?.state === 'rolled', {
      timeoutMs: 60_000,
      pollMs: 200,
    });
    expect(writesTo(recordedOnly)).toEqual([]);
    const g = await group(recordedOnly);
    expect(g.imageVersionId).toMatch(/1\.14\.0$/);
    expect(g.deployment).toBeUndefined();
    const roll = await host.job(String((await rolloutOf(recordedOnly))?.rollJobId));
    expect(roll).toMatchObject({
      status: 'succeeded',
      plan: { target: 'azure' },
      warnings: expect.arrayContaining([expect.objectContaining({ code: 'apply-roll-not-deployed' })]),
    });
  });
});

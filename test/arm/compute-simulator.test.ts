/**
 * The ARM simulator's scale sets and VMs (dev/arm-compute.ts) through the real `@azure/arm-compute`
 * client, set up as the app sets it up (shared/arm/client.ts: local token, the simulator as
 * endpoint). Request bodies are plans (shared/domain/azure-plan.ts) turned into the SDK's models
 * (shared/arm/compute-body.ts): what the simulator receives must be the plan's body.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { RestError } from '@azure/core-rest-pipeline';
import { restorePoller, type ComputeManagementClient, type VirtualMachine } from '@azure/arm-compute';
import { ArmSimulator, armFault, COMPUTE_ERRORS, type ComputeErrorCode } from '../../dev/arm-simulator.js';
import { createComputeClient } from '../../shared/arm/client.js';
import { COMPUTE_API_VERSION } from '../../shared/arm/compute-api-version.js';
import {
  scaleSetModelOf,
  scaleSetUpdateModelOf,
  virtualMachineExtensionModelOf,
  virtualMachineModelOf,
  virtualMachineUpdateModelOf,
} from '../../shared/arm/compute-body.js';
import {
  planAzureCreateOrUpdate,
  planAzureRoll,
  withSecrets,
  type AzurePlan,
  type Json,
  type JsonObject,
  type PlanGroupSpec,
  type PlanImage,
  type PlanNodeSpec,
} from '../../shared/domain/azure-plan.js';
import { storedSpecOf } from '../../shared/domain/spot-body.js';
import { armSettings, corpGalleryFixtures, UBUNTU_IMAGE } from './helpers.js';

const TARGET = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const RG = 'rg-workloads';
const OWNERSHIP = { 'gallery-catalog-job': 'job-0001' };
const PASSWORD = 'Vq7#mT2!rZ9@kL4p';
/** The simulator answers `Retry-After: 0`, which the SDK ignores: poll every 5 ms instead of its default 2 s. */
const FAST = { updateIntervalInMs: 5 } as const;

const sim = new ArmSimulator();
let endpoint = '';
let client: ComputeManagementClient;

beforeAll(async () => {
  ({ endpoint } = await sim.start());
  client = createComputeClient(armSettings(endpoint), TARGET);
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.clear();
  sim.clearFaults();
  sim.resetCounters();
  Object.assign(sim.compute.settings, { operationPolls: 1, retryAfterSeconds: 0 });
  delete sim.compute.settings.operationMs;
  for (const r of corpGalleryFixtures()) sim.put(r);
});

// ---------------------------------------------------------------- plans

type Spec = Record<string, unknown> & {
  compute: Record<string, unknown> & { launchSpecification: Record<string, unknown> };
};
function spotSpec(file: string): Spec {
  const body = JSON.parse(readFileSync(new URL(`../fixtures/spot/${file}`, import.meta.url), 'utf8')) as Record<
    string,
    Spec
  >;
  return (body.group ?? body.statefulNode) as Spec;
}

/** A gallery image of the simulator's corp gallery: a version, or `latest` (1.10.0 in West Europe, where the demo's 1.11.0 is excluded from latest). */
const imageAt = (version: string): PlanImage => ({
  source: 'gallery',
  definitionId: UBUNTU_IMAGE,
  versionId: `${UBUNTU_IMAGE}/versions/${version === 'latest' ? '1.10.0' : version}`,
  followsLatest: version === 'latest',
  access: { via: 'rbac' },
  definition: { osType: 'Linux', osState: 'Generalized', hyperVGeneration: 'V2' },
});

const planBase = (action: 'create' | 'update', image: PlanImage) =>
  ({ apiVersion: COMPUTE_API_VERSION, action, subscriptionId: TARGET, image, ownershipTags: OWNERSHIP }) as const;
/** The plan of a group following `latest` of the corp gallery's image. */
const planGroup = (spec: Spec, action: 'create' | 'update'): AzurePlan =>
  planAzureCreateOrUpdate({
    ...planBase(action, imageAt('latest')),
    kind: 'statelessGroup',
    spec: storedSpecOf('G', spec) as unknown as PlanGroupSpec,
  });

/** The group's plan: the gallery-latest Spot body at `capacity` VMs, optionally with the Application Health extension. */
function groupPlan(options: { capacity?: number; health?: boolean; name?: string; password?: boolean } = {}): {
  plan: AzurePlan;
  spec: Spec;
} {
  const spec = spotSpec(options.password ? 'elastigroup-password-login.json' : 'elastigroup-gallery-latest.json');
  spec.name = options.name ?? 'web-weu';
  (spec.capacity as Record<string, number>).target = options.capacity ?? 3;
  if (options.password) spec.compute.launchSpecification.extensions = [];
  if (options.health) {
    spec.compute.launchSpecification.extensions = [
      {
        name: 'HealthExtension',
        type: 'ApplicationHealthLinux',
        publisher: 'Microsoft.ManagedServices',
        apiVersion: '2.0',
        minorVersionAutoUpgrade: true,
        publicSettings: { protocol: 'http', port: 80, requestPath: '/health' },
      },
    ];
  }
  return { plan: planGroup(spec, 'create'), spec };
}

function nodePlan(): AzurePlan {
  const spec = spotSpec('stateful-node-gallery.json');
  spec.strategy = { preferredLifecycle: 'spot' };
  spec.compute.launchSpecification.login = { userName: 'sqladmin', password: PASSWORD };
  spec.compute.launchSpecification.extensions = [
    {
      name: 'monitor',
      type: 'AzureMonitorWindowsAgent',
      publisher: 'Microsoft.Azure.Monitor',
      apiVersion: '1.0',
      minorVersionAutoUpgrade: true,
    },
  ];
  const image: PlanImage = {
    ...imageAt('1.9.0'),
    definition: { osType: 'Windows', osState: 'Generalized', hyperVGeneration: 'V2' },
  } as PlanImage;
  const plan = planAzureCreateOrUpdate({
    ...planBase('create', image),
    kind: 'statefulNode',
    spec: storedSpecOf('N', spec) as unknown as PlanNodeSpec,
  });
  return withSecrets(plan, { adminPassword: PASSWORD });
}

function body(plan: AzurePlan, i = 0): JsonObject {
  const r = plan.requests[i];
  if (!r) throw new Error(`the plan has no request ${i}`);
  return r.body;
}
/** A plan body as ARM keeps it: no adminPassword, no protectedSettings, no markers. */
function asReceived(value: Json): Json {
  if (Array.isArray(value)) return value.map(asReceived);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value))
    if (!['adminPassword', 'protectedSettings', 'adminPasswordSet', 'protectedSettingsSet'].includes(k))
      out[k] = asReceived(v);
  return out;
}

const scaleSetName = (plan: AzurePlan): string => plan.resourceId.slice(plan.resourceId.lastIndexOf('/') + 1);

async function createScaleSet(plan: AzurePlan): Promise<void> {
  const poller = await client.virtualMachineScaleSets.beginCreateOrUpdate(
    RG,
    scaleSetName(plan),
    scaleSetModelOf(body(plan)),
    { ifNoneMatch: '*', ...FAST },
  );
  await poller.pollUntilDone();
}

async function vmsOf(scaleSetId: string): Promise<VirtualMachine[]> {
  const out: VirtualMachine[] = [];
  for await (const vm of client.virtualMachines.list(RG, {
    filter: `'virtualMachineScaleSet/id' eq '${scaleSetId}'`,
    expand: 'instanceView',
  }))
    out.push(vm);
  return out;
}

async function expectRestError(p: Promise<unknown>, statusCode: number, code: string): Promise<RestError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RestError);
  const rest = err as RestError;
  expect({ statusCode: rest.statusCode, code: rest.code }).toEqual({ statusCode, code });
  return rest;
}

// ---------------------------------------------------------------- scale sets

describe('virtual machine scale sets through @azure/arm-compute', () => {
  it('beginCreateOrUpdate with ifNoneMatch "*": 201 Creating, the operation InProgress then Succeeded, the set Succeeded with its VMs; ARM receives the plan body', async () => {
    const { plan } = groupPlan();
    const poller = await client.virtualMachineScaleSets.beginCreateOrUpdate(
      RG,
      'web-weu',
      scaleSetModelOf(body(plan)),
      { ifNoneMatch: '*', ...FAST },
    );
    expect(poller.getOperationState().status).toBe('running');
    const set = await poller.pollUntilDone();
    expect(set.provisioningState).toBe('Succeeded');
    expect(set.orchestrationMode).toBe('Flexible');
    expect(set.id).toBe(plan.resourceId);

    // What went over the wire: the plan's body, through the SDK's serializers, unchanged.
    const [write] = sim.compute.receivedWrites;
    expect(write).toMatchObject({ method: 'PUT', status: 201 });
    expect(write?.body).toEqual(asReceived(body(plan)));
    expect(
      sim.requests.map((r) => `${r.method} ${r.status} ${r.path.includes('/operations/') ? 'operation' : 'resource'}`),
    ).toEqual(['PUT 201 resource', 'GET 200 operation', 'GET 200 operation', 'GET 200 resource']);
    expect([...sim.seenApiVersions]).toEqual([COMPUTE_API_VERSION]);

    const vms = await vmsOf(plan.resourceId);
    expect(vms).toHaveLength(3);
    for (const vm of vms) {
      expect(vm.virtualMachineScaleSet?.id).toBe(plan.resourceId);
      expect(vm.name).toMatch(/^web-weu_[0-9a-f]{8}$/);
      expect(vm.storageProfile?.imageReference).toEqual({ id: UBUNTU_IMAGE, exactVersion: '1.10.0' });
    }
  });

  it('a second create with ifNoneMatch "*" is refused 412 PreconditionFailed, and nothing changes', async () => {
    const { plan } = groupPlan();
    await createScaleSet(plan);
    const before = sim.compute.get(plan.resourceId);
    await expectRestError(
      client.virtualMachineScaleSets.beginCreateOrUpdate(RG, 'web-weu', scaleSetModelOf(body(plan)), {
        ifNoneMatch: '*',
        ...FAST,
      }),
      412,
      'PreconditionFailed',
    );
    expect(sim.compute.get(plan.resourceId)).toEqual(before);
    expect(await vmsOf(plan.resourceId)).toHaveLength(3);
  });

  it('an async AllocationFailed: the PUT is accepted (201), the operation fails while polled, the SDK throws a plain Error with the code in its message', async () => {
    const { plan } = groupPlan();
    sim.injectFaults(armFault('AllocationFailed', { method: 'PUT', match: /virtualMachineScaleSets\/web-weu$/ }));
    const poller = await client.virtualMachineScaleSets.beginCreateOrUpdate(
      RG,
      'web-weu',
      scaleSetModelOf(body(plan)),
      { ifNoneMatch: '*', ...FAST },
    );
    const err = await poller.pollUntilDone().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(RestError);
    expect((err as Error).message).toBe(
      'The long-running operation has failed. AllocationFailed. Allocation failed. We do not have sufficient capacity for the requested VM size in this region. Read more about improving likelihood of allocation success at https://aka.ms/allocation-guidance',
    );
    expect(sim.compute.receivedWrites.map((w) => w.status)).toEqual([201]);
    expect(sim.compute.get(plan.resourceId)?.properties).toMatchObject({ provisioningState: 'Failed' });
    expect(await vmsOf(plan.resourceId)).toEqual([]);
  });

  it('a synchronous SkuNotAvailable: 409 with ARM error body, a RestError with the code; nothing is stored', async () => {
    const { plan } = groupPlan();
    sim.injectFaults(armFault('SkuNotAvailable', { method: 'PUT' }));
    const err = await expectRestError(
      client.virtualMachineScaleSets.beginCreateOrUpdate(RG, 'web-weu', scaleSetModelOf(body(plan)), {
        ifNoneMatch: '*',
        ...FAST,
      }),
      409,
      'SkuNotAvailable',
    );
    expect(err.message).toBe(
      `The requested size for resource '${plan.resourceId}' is currently not available in location '' zones '' for subscription '${TARGET}'. Please try another size or deploy to a different location or zones. See https://aka.ms/azureskunotavailable for details.`,
    );
    expect(sim.compute.get(plan.resourceId)).toBeUndefined();
  });

  it('a canceled operation: the SDK throws "Operation was canceled"', async () => {
    const { plan } = groupPlan();
    sim.injectFaults({ ...armFault('AllocationFailed', { method: 'PUT' }), outcome: 'Canceled' });
    const poller = await client.virtualMachineScaleSets.beginCreateOrUpdate(
      RG,
      'web-weu',
      scaleSetModelOf(body(plan)),
      { ifNoneMatch: '*', ...FAST },
    );
    await expect(poller.pollUntilDone()).rejects.toThrow('Operation was canceled');
    expect(sim.compute.get(plan.resourceId)?.properties).toMatchObject({ provisioningState: 'Canceled' });
  });

  it('PATCH of the model image (update, Azure-AsyncOperation and Location): the final GET follows Location and returns the set; a Manual set leaves its VMs', async () => {
    const { plan } = groupPlan();
    await createScaleSet(plan);
    const roll = planAzureRoll({
      apiVersion: COMPUTE_API_VERSION,
      resourceId: plan.resourceId,
      image: imageAt('1.9.0'),
      upgradeMode: 'Manual',
      instanceNames: [],
      batchSize: 1,
    });
    sim.resetCounters();
    const updated = await client.virtualMachineScaleSets.update(RG, 'web-weu', scaleSetUpdateModelOf(body(roll)), FAST);
    expect(updated.virtualMachineProfile?.storageProfile?.imageReference).toEqual({
      id: `${UBUNTU_IMAGE}/versions/1.9.0`,
    });
    expect(updated.provisioningState).toBe('Succeeded');
    expect(sim.compute.receivedWrites.at(-1)?.body).toEqual(body(roll));
    expect(
      sim.requests.map(
        (r) =>
          `${r.method} ${r.status} ${r.query.monitor === 'true' ? 'location' : r.path.includes('/operations/') ? 'operation' : 'resource'}`,
      ),
    ).toEqual(['PATCH 200 resource', 'GET 200 operation', 'GET 200 operation', 'GET 200 location']);
    for (const vm of await vmsOf(plan.resourceId))
      expect(vm.storageProfile?.imageReference?.exactVersion).toBe('1.10.0');
  });

  it('manual upgrade (updateInstances) moves each batch of VMs to the new image, and only those', async () => {
    const { plan } = groupPlan({ capacity: 3 });
    await createScaleSet(plan);
    const names = (await vmsOf(plan.resourceId)).map((v) => v.name ?? '').sort();
    const roll = planAzureRoll({
      apiVersion: COMPUTE_API_VERSION,
      resourceId: plan.resourceId,
      image: imageAt('1.9.0'),
      upgradeMode: 'Manual',
      instanceNames: names,
      batchSize: 2,
    });
    expect(roll.requests.map((r) => r.method)).toEqual(['PATCH', 'POST', 'POST']);
    await client.virtualMachineScaleSets.update(RG, 'web-weu', scaleSetUpdateModelOf(body(roll)), FAST);
    const imageOf = async (): Promise<Record<string, string | undefined>> =>
      Object.fromEntries(
        (await vmsOf(plan.resourceId)).map((v) => [v.name ?? '', v.storageProfile?.imageReference?.id]),
      );

    await client.virtualMachineScaleSets.updateInstances(
      RG,
      'web-weu',
      { instanceIds: body(roll, 1).instanceIds as string[] },
      FAST,
    );
    expect(await imageOf()).toEqual({
      [names[0] ?? '']: `${UBUNTU_IMAGE}/versions/1.9.0`,
      [names[1] ?? '']: `${UBUNTU_IMAGE}/versions/1.9.0`,
      [names[2] ?? '']: UBUNTU_IMAGE,
    });
    await client.virtualMachineScaleSets.updateInstances(
      RG,
      'web-weu',
      { instanceIds: body(roll, 2).instanceIds as string[] },
      FAST,
    );
    expect(Object.values(await imageOf())).toEqual([1, 2, 3].map(() => `${UBUNTU_IMAGE}/versions/1.9.0`));
    expect(
      sim.compute.receivedWrites.filter((w) => w.path.endsWith('/manualupgrade')).map((w) => [w.status, w.body]),
    ).toEqual([
      [202, { instanceIds: names.slice(0, 2) }],
      [202, { instanceIds: names.slice(2) }],
    ]);
  });

  it('a VM name that is not in the set is refused 400 InvalidParameter', async () => {
    const { plan } = groupPlan({ capacity: 1 });
    await createScaleSet(plan);
    await expectRestError(
      client.virtualMachineScaleSets.updateInstances(RG, 'web-weu', { instanceIds: ['web-weu_deadbeef'] }, FAST),
      400,
      'InvalidParameter',
    );
  });

  it('the VMs of a Flexible set are listed with their image and, with the Application Health extension, their health; a Rolling set moves them all on a model PATCH', async () => {
    const { plan } = groupPlan({ health: true });
    expect(body(plan).properties).toMatchObject({ upgradePolicy: { mode: 'Rolling' } });
    await createScaleSet(plan);
    const vms = await vmsOf(plan.resourceId);
    expect(vms.map((v) => v.instanceView?.vmHealth?.status?.code)).toEqual([
      'HealthState/healthy',
      'HealthState/healthy',
      'HealthState/healthy',
    ]);
    sim.compute.setVmHealth(vms[0]?.id ?? '', 'unhealthy');
    const view = await client.virtualMachines.instanceView(RG, vms[0]?.name ?? '');
    expect(view.vmHealth?.status).toMatchObject({ code: 'HealthState/unhealthy', level: 'Warning' });
    expect(view.statuses?.map((s) => s.code)).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);

    const roll = planAzureRoll({
      apiVersion: COMPUTE_API_VERSION,
      resourceId: plan.resourceId,
      image: imageAt('1.9.0'),
      upgradeMode: 'Rolling',
    });
    expect(roll.requests).toHaveLength(1);
    await client.virtualMachineScaleSets.update(RG, 'web-weu', scaleSetUpdateModelOf(body(roll)), FAST);
    expect((await vmsOf(plan.resourceId)).map((v) => v.storageProfile?.imageReference?.exactVersion)).toEqual([
      '1.9.0',
      '1.9.0',
      '1.9.0',
    ]);
  });

  it('a capacity change adds and removes VMs; a delete removes the set and its VMs', async () => {
    const { plan } = groupPlan({ capacity: 2 });
    await createScaleSet(plan);
    await client.virtualMachineScaleSets.update(RG, 'web-weu', { sku: { capacity: 5 } }, FAST);
    expect(await vmsOf(plan.resourceId)).toHaveLength(5);
    expect(
      sim.compute
        .vmsOf(plan.resourceId)
        .map((v) => v.id)
        .sort(),
    ).toEqual((await vmsOf(plan.resourceId)).map((v) => v.id).sort());
    await client.virtualMachineScaleSets.update(RG, 'web-weu', { sku: { capacity: 1 } }, FAST);
    expect(await vmsOf(plan.resourceId)).toHaveLength(1);
    await client.virtualMachineScaleSets.delete(RG, 'web-weu', FAST);
    expect(sim.compute.get(plan.resourceId)).toBeUndefined();
    expect(await vmsOf(plan.resourceId)).toEqual([]);
  });

  it('an update PUT (no If-None-Match) is 200 Updating; the orchestration mode cannot change', async () => {
    const { plan } = groupPlan();
    await createScaleSet(plan);
    const update = planGroup({ ...groupPlan().spec, capacity: { minimum: 0, maximum: 10, target: 4 } }, 'update');
    expect(update.requests[0]?.headers).toBeUndefined();
    const set = await client.virtualMachineScaleSets.createOrUpdate(RG, 'web-weu', scaleSetModelOf(body(update)), FAST);
    expect(set.sku?.capacity).toBe(4);
    expect(sim.compute.receivedWrites.at(-1)?.status).toBe(200);
    expect(await vmsOf(plan.resourceId)).toHaveLength(4);
    const uniform = {
      ...body(update),
      properties: { ...(body(update).properties as JsonObject), orchestrationMode: 'Uniform' },
    };
    await expectRestError(
      client.virtualMachineScaleSets.createOrUpdate(RG, 'web-weu', scaleSetModelOf(uniform), FAST),
      400,
      'PropertyChangeNotAllowed',
    );
  });

  it('refuses a Flexible body without platformFaultDomainCount or without networkApiVersion, as Compute does', async () => {
    const { plan } = groupPlan();
    const p = body(plan).properties as JsonObject;
    const { platformFaultDomainCount: _fd, ...noFd } = p;
    await expectRestError(
      client.virtualMachineScaleSets.createOrUpdate(
        RG,
        'web-weu',
        scaleSetModelOf({ ...body(plan), properties: noFd }),
        FAST,
      ),
      400,
      'InvalidParameter',
    );
    const profile = structuredClone(p.virtualMachineProfile) as JsonObject;
    delete (profile.networkProfile as JsonObject).networkApiVersion;
    await expectRestError(
      client.virtualMachineScaleSets.createOrUpdate(
        RG,
        'web-weu',
        scaleSetModelOf({ ...body(plan), properties: { ...p, virtualMachineProfile: profile } }),
        FAST,
      ),
      400,
      'NetworkApiVersionMustBeSpecifiedWithNetworkInterfaceConfigurations',
    );
  });

  it('the password reaches ARM only through withSecrets, and the simulator keeps none', async () => {
    const { plan } = groupPlan({ password: true, name: 'batch-pw' });
    await expect(Promise.resolve().then(() => withSecrets(plan, {}))).rejects.toThrow(
      'the plan needs the admin password',
    );
    const sent = withSecrets(plan, { adminPassword: PASSWORD });
    await createScaleSet(sent);
    expect(JSON.stringify(sim.compute.all())).not.toContain(PASSWORD);
    expect(JSON.stringify(sim.compute.receivedWrites)).not.toContain(PASSWORD);
    expect(sim.compute.receivedWrites[0]?.body).toEqual(asReceived(body(plan)));
  });

  it('a poller checkpointed after the PUT resumes on another delivery (serialize, restorePoller) without a second PUT', async () => {
    const { plan } = groupPlan();
    sim.compute.settings.operationPolls = 2;
    const first = client.virtualMachineScaleSets.createOrUpdate(RG, 'web-weu', scaleSetModelOf(body(plan)), {
      ifNoneMatch: '*',
      ...FAST,
    });
    await first.submitted();
    const state = await first.serialize();
    expect(state).not.toContain('osProfile');
    const resumed = restorePoller(client, state, client.virtualMachineScaleSets.createOrUpdate, FAST);
    const set = await resumed.pollUntilDone();
    expect(set.provisioningState).toBe('Succeeded');
    expect(sim.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('honours Retry-After: the client waits the seconds the operation asks for between polls', async () => {
    const { plan } = groupPlan({ capacity: 1 });
    sim.compute.settings.retryAfterSeconds = 1;
    const t0 = performance.now();
    const poller = await client.virtualMachineScaleSets.beginCreateOrUpdate(
      RG,
      'web-weu',
      scaleSetModelOf(body(plan)),
      { ifNoneMatch: '*', updateIntervalInMs: 5 },
    );
    await poller.pollUntilDone();
    // One InProgress answer with Retry-After: 1 → at least one second between polls (not the 5 ms asked for).
    expect(performance.now() - t0).toBeGreaterThanOrEqual(990);
    expect(sim.requests.filter((r) => r.path.includes('/operations/'))).toHaveLength(2);
  });

  it('an operation also ends with time (operationMs): a GET of the set after that sees Succeeded', async () => {
    const { plan } = groupPlan({ capacity: 1 });
    Object.assign(sim.compute.settings, { operationPolls: 1_000, operationMs: 30 });
    const first = client.virtualMachineScaleSets.createOrUpdate(RG, 'web-weu', scaleSetModelOf(body(plan)), {
      ifNoneMatch: '*',
      ...FAST,
    });
    await first.submitted();
    expect((await client.virtualMachineScaleSets.get(RG, 'web-weu')).provisioningState).toBe('Creating');
    await new Promise((r) => setTimeout(r, 60));
    expect((await client.virtualMachineScaleSets.get(RG, 'web-weu')).provisioningState).toBe('Succeeded');
    expect((await first.pollUntilDone()).provisioningState).toBe('Succeeded');
  });
});

// ---------------------------------------------------------------- every documented error

describe('the documented Compute errors, each in ARM’s error body', () => {
  const put = (plan: AzurePlan): Promise<Response> =>
    fetch(`${endpoint}${plan.resourceId}?api-version=${COMPUTE_API_VERSION}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json', 'if-none-match': '*' },
      body: JSON.stringify(body(plan)),
    });

  for (const code of Object.keys(COMPUTE_ERRORS) as ComputeErrorCode[]) {
    const t = COMPUTE_ERRORS[code];
    it(`${code}: ${t.when === 'sync' ? `refused ${t.status}` : 'the operation fails while polled'}`, async () => {
      const { plan } = groupPlan();
      sim.injectFaults(armFault(code, { method: 'PUT' }));
      const res = await put(plan);
      let error: { code: string; message: string; target?: string; additionalInfo?: unknown[] };
      if (t.when === 'sync') {
        expect(res.status).toBe(t.status);
        error = ((await res.json()) as { error: typeof error }).error;
        expect(sim.compute.get(plan.resourceId)).toBeUndefined();
      } else {
        expect(res.status).toBe(201);
        const op = res.headers.get('azure-asyncoperation') ?? '';
        expect(op).toMatch(
          new RegExp(
            `/providers/Microsoft\\.Compute/locations/westeurope/operations/[0-9a-f-]{36}\\?api-version=${COMPUTE_API_VERSION}$`,
          ),
        );
        expect(res.headers.get('location')).toBe(op.replace('?api-version', '?monitor=true&api-version'));
        const poll = async (): Promise<{ status: string; error?: typeof error }> =>
          (await (await fetch(op, { headers: { authorization: 'Bearer t' } })).json()) as {
            status: string;
            error?: typeof error;
          };
        expect((await poll()).status).toBe('InProgress');
        const done = await poll();
        expect(done.status).toBe('Failed');
        error = done.error as typeof error;
        expect(sim.compute.get(plan.resourceId)?.properties).toMatchObject({ provisioningState: 'Failed' });
      }
      expect(error.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(20);
      if (code === 'OperationNotAllowed')
        expect(error.message).toMatch(
          /^Operation could not be completed as it results in exceeding approved LowPriorityCores quota\./,
        );
      if (code === 'AuthorizationFailed')
        expect(error.message).toContain("perform action 'Microsoft.Compute/virtualMachineScaleSets/write' over scope");
      if (code === 'InvalidParameter') expect(error.target).toBe('platformFaultDomainCount');
      if (code === 'RequestDisallowedByPolicy')
        expect(error).toMatchObject({ target: 'web-weu', additionalInfo: [{ type: 'PolicyViolation' }] });
    });
  }

  it('a cores quota other than Spot is named in the message; a sync code can be made async and the reverse', async () => {
    const { plan } = groupPlan();
    sim.injectFaults(armFault('OperationNotAllowed', { method: 'PUT', quota: 'standardDSv5Family Cores' }));
    const res = await put(plan);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'exceeding approved standardDSv5Family Cores quota',
    );
    sim.injectFaults(armFault('AllocationFailed', { method: 'PUT', when: 'sync' }));
    expect((await put(plan)).status).toBe(409);
  });

  it('faults match by method and path: a GET does not take a PUT fault', async () => {
    const { plan } = groupPlan();
    sim.injectFaults(armFault('Conflict', { method: 'PUT', match: /web-weu$/ }));
    expect(
      (
        await fetch(`${endpoint}${plan.resourceId}?api-version=${COMPUTE_API_VERSION}`, {
          headers: { authorization: 'Bearer t' },
        })
      ).status,
    ).toBe(404);
    expect(sim.pendingFaultCount).toBe(1);
    expect((await put(plan)).status).toBe(409);
    expect(sim.pendingFaultCount).toBe(0);
  });
});

// ---------------------------------------------------------------- virtual machines

describe('virtual machines through @azure/arm-compute', () => {
  const vmName = 'sql01';

  it('createOrUpdate with ifNoneMatch "*" to Succeeded; the extension as its own resource; ARM receives the plan bodies, no password kept', async () => {
    const plan = nodePlan();
    const vm = await client.virtualMachines.createOrUpdate('rg-db', vmName, virtualMachineModelOf(body(plan)), {
      ifNoneMatch: '*',
      ...FAST,
    });
    expect(vm.provisioningState).toBe('Succeeded');
    expect(vm.priority).toBe('Spot');
    expect(vm.storageProfile?.osDisk?.deleteOption).toBe('Detach');
    expect(vm.storageProfile?.imageReference).toEqual({ id: `${UBUNTU_IMAGE}/versions/1.9.0`, exactVersion: '1.9.0' });
    const ext = await client.virtualMachineExtensions.createOrUpdate(
      'rg-db',
      vmName,
      'monitor',
      virtualMachineExtensionModelOf(body(plan, 1)),
      FAST,
    );
    expect(ext.provisioningState).toBe('Succeeded');
    expect(sim.compute.receivedWrites.map((w) => w.body)).toEqual([asReceived(body(plan)), asReceived(body(plan, 1))]);
    expect(JSON.stringify(sim.compute.all())).not.toContain(PASSWORD);
  });

  it('a second create → 412; a sync SkuNotAvailable → RestError 409; an async ZonalAllocationFailed → the operation fails', async () => {
    const plan = nodePlan();
    await client.virtualMachines.createOrUpdate('rg-db', vmName, virtualMachineModelOf(body(plan)), {
      ifNoneMatch: '*',
      ...FAST,
    });
    await expectRestError(
      client.virtualMachines.beginCreateOrUpdate('rg-db', vmName, virtualMachineModelOf(body(plan)), {
        ifNoneMatch: '*',
        ...FAST,
      }),
      412,
      'PreconditionFailed',
    );

    sim.injectFaults(armFault('SkuNotAvailable', { method: 'PUT', match: /sql02$/ }));
    await expectRestError(
      client.virtualMachines.beginCreateOrUpdate('rg-db', 'sql02', virtualMachineModelOf(body(plan)), {
        ifNoneMatch: '*',
        ...FAST,
      }),
      409,
      'SkuNotAvailable',
    );

    sim.injectFaults(armFault('ZonalAllocationFailed', { method: 'PUT', match: /sql03$/ }));
    const poller = await client.virtualMachines.beginCreateOrUpdate(
      'rg-db',
      'sql03',
      virtualMachineModelOf(body(plan)),
      { ifNoneMatch: '*', ...FAST },
    );
    await expect(poller.pollUntilDone()).rejects.toThrow(
      /^The long-running operation has failed\. ZonalAllocationFailed\. Allocation failed\. We do not have sufficient capacity for the requested VM size in this zone\./,
    );
  });

  it('the PATCH of its image (the roll plan) replaces the image; the instance view answers', async () => {
    const plan = nodePlan();
    await client.virtualMachines.createOrUpdate('rg-db', vmName, virtualMachineModelOf(body(plan)), {
      ifNoneMatch: '*',
      ...FAST,
    });
    const roll = planAzureRoll({
      apiVersion: COMPUTE_API_VERSION,
      resourceId: plan.resourceId,
      image: imageAt('1.11.0'),
      upgradeMode: 'Manual',
    });
    const updated = await client.virtualMachines.update('rg-db', vmName, virtualMachineUpdateModelOf(body(roll)), FAST);
    expect(updated.storageProfile?.imageReference).toEqual({
      id: `${UBUNTU_IMAGE}/versions/1.11.0`,
      exactVersion: '1.11.0',
    });
    expect(sim.compute.receivedWrites.at(-1)).toMatchObject({ method: 'PATCH', status: 200, body: body(roll) });
    const view = await client.virtualMachines.instanceView('rg-db', vmName);
    expect(view.computerName).toBe('sql01');
    expect(view.vmHealth).toBeUndefined();
  });
});

// ---------------------------------------------------------------- counting writes, admin endpoints

describe('write counting and the admin endpoints', () => {
  it('counts write requests (refused ones too), never reads: a plan computed and read back writes nothing', async () => {
    const { plan } = groupPlan();
    expect(plan.requests).toHaveLength(1);
    await expectRestError(client.virtualMachineScaleSets.get(RG, 'web-weu'), 404, 'ResourceNotFound');
    expect(sim.writeCount).toBe(0);
    sim.injectFaults(armFault('AuthorizationFailed', { method: 'PUT' }));
    await expectRestError(
      client.virtualMachineScaleSets.beginCreateOrUpdate(RG, 'web-weu', scaleSetModelOf(body(plan))),
      403,
      'AuthorizationFailed',
    );
    expect(sim.writeCount).toBe(1);
    await createScaleSet(plan);
    expect(sim.writeCount).toBe(2);
  });

  it('faults, VM health and operation settings through /_sim; /_sim/state shows the Compute resources and the write count', async () => {
    const admin = async (method: string, path: string, b?: unknown): Promise<Response> =>
      fetch(`${endpoint}/_sim${path}`, {
        method,
        ...(b === undefined ? {} : { body: JSON.stringify(b), headers: { 'content-type': 'application/json' } }),
      });
    expect((await admin('PUT', '/compute/settings', { operationPolls: 0, retryAfterSeconds: 0 })).status).toBe(200);
    expect(
      (
        await admin('POST', '/faults', {
          code: 'AllocationFailed',
          method: 'put',
          pathPattern: 'virtualMachineScaleSets/web-weu$',
        })
      ).status,
    ).toBe(202);
    const { plan } = groupPlan({ capacity: 1 });
    const poller = await client.virtualMachineScaleSets.beginCreateOrUpdate(
      RG,
      'web-weu',
      scaleSetModelOf(body(plan)),
      { ifNoneMatch: '*', ...FAST },
    );
    await expect(poller.pollUntilDone()).rejects.toThrow('AllocationFailed');

    const { plan: ok } = groupPlan({ capacity: 1, name: 'web-ok', health: true });
    await createScaleSet(ok);
    const [vm] = await vmsOf(ok.resourceId);
    expect((await admin('PUT', `/compute/health${vm?.id ?? ''}`, { state: 'unknown' })).status).toBe(204);
    expect((await client.virtualMachines.instanceView(RG, vm?.name ?? '')).vmHealth?.status?.code).toBe(
      'HealthState/unknown',
    );
    expect((await admin('PUT', `/compute/health${vm?.id ?? ''}`, { state: 'sick' })).status).toBe(400);

    const state = (await (await admin('GET', '/state')).json()) as {
      writeCount: number;
      compute: { resources: Array<{ id: string }> };
    };
    expect(state.writeCount).toBe(2);
    expect(state.compute.resources.map((r) => r.id)).toEqual(
      expect.arrayContaining([plan.resourceId, ok.resourceId, vm?.id]),
    );
  });
});

/**
 * Sends an Azure plan (shared/domain/azure-plan.ts) through the real `@azure/arm-compute` client,
 * one request at a time, with the app's identity: a scale set or VM PUT (`createOrUpdate`, with
 * `If-None-Match: *` on a create so it never overwrites a resource it does not own), a PATCH
 * (`update`), a manual upgrade of a batch of a Flexible scale set's VMs (`updateInstances`), a VM
 * extension PUT. Each is a long-running operation, polled as ARM says (`Azure-AsyncOperation` /
 * `Location`, honouring `Retry-After`) for at most the caller's budget; an operation still running then
 * is checkpointed (the SDK's serialized poller: URLs only, never the request body) and continued
 * later from that checkpoint (`restorePoller`), so no delivery holds its queue lock past its limit
 * and no request is sent twice.
 *
 * A create refused `412 PreconditionFailed` names a resource that exists already: when its tags say
 * it is this group's (a delivery after a crash between the create and its record, or a retried
 * create), the request counts as sent and the resource is watched until its provisioning ends;
 * otherwise the job fails, the resource untouched.
 */
import type {
  ComputeManagementClient,
  VirtualMachine,
  VirtualMachineScaleSet,
  restorePoller as RestorePoller,
} from '@azure/arm-compute';
import type { AzurePlan, AzureRequest } from '../domain/azure-plan.js';
import type { TargetFailure } from '../domain/apply.js';
import { errorText } from '../domain/printable.js';
import {
  scaleSetModelOf,
  scaleSetUpdateModelOf,
  virtualMachineExtensionModelOf,
  virtualMachineModelOf,
  virtualMachineUpdateModelOf,
} from '../arm/compute-body.js';

/** Where a plan's send is: the request under way, its serialized poller, or the resource being watched. */
export interface AzureStepState {
  step: number;
  poller?: string;
  /** The create found the group's own resource: its provisioning state is followed instead of an operation. */
  watching?: boolean;
}

export type AdvanceResult =
  { kind: 'done' } | { kind: 'waiting'; state: AzureStepState } | { kind: 'failed'; failure: TargetFailure };

/** A scale set or VM as the apply reads it back. */
export interface AzureResource {
  id: string;
  tags: Record<string, string>;
  provisioningState: string;
  imageReference?: { id?: string; sharedGalleryImageId?: string; communityGalleryImageId?: string };
  upgradeMode?: 'Manual' | 'Rolling';
}

export interface AzureInstance {
  name: string;
  imageVersionId?: string;
  health?: string;
}

interface Target {
  subscriptionId: string;
  resourceGroup: string;
  type: 'virtualMachineScaleSets' | 'virtualMachines';
  name: string;
  action?: 'manualupgrade' | { extension: string };
}

const RESOURCE =
  /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(virtualMachineScaleSets|virtualMachines)\/([^/?]+)(?:\/(manualupgrade|extensions\/([^/?]+)))?(?:\?|$)/i;

export function targetOf(urlOrId: string): Target {
  const m = RESOURCE.exec(urlOrId);
  if (!m) throw new TypeError(`not a scale set or VM request: ${urlOrId}`);
  const type = (m[3] ?? '').toLowerCase() === 'virtualmachinescalesets' ? 'virtualMachineScaleSets' : 'virtualMachines';
  const d = decodeURIComponent;
  return {
    subscriptionId: d(m[1] ?? ''),
    resourceGroup: d(m[2] ?? ''),
    type,
    name: d(m[4] ?? ''),
    ...(m[5]?.toLowerCase() === 'manualupgrade'
      ? { action: 'manualupgrade' as const }
      : m[6]
        ? { action: { extension: d(m[6]) } }
        : {}),
  };
}

const LRO_FAILURE = /^The long-running operation has failed\.?\s*([A-Za-z]+)\.\s*([\s\S]*)$/;

/** A target failure from what the SDK threw: a RestError's code and message, or an operation's failure text. */
export function failureOf(err: unknown): TargetFailure {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown; name?: unknown };
  const text = errorText(err);
  const lro = LRO_FAILURE.exec(text);
  if (lro) return { code: lro[1] as string, message: (lro[2] as string).trim() };
  if (typeof e.code === 'string' && e.code !== '') return { code: e.code, message: text };
  if (typeof e.statusCode === 'number') return { code: String(e.statusCode), message: text };
  return { code: 'Unknown', message: text };
}

const statusOf = (err: unknown): number | undefined => {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' ? s : undefined;
};

type Poller = {
  submitted(): Promise<void>;
  pollUntilDone(o?: { abortSignal?: AbortSignal }): Promise<unknown>;
  serialize(): Promise<string>;
};

export class AzureTarget {
  constructor(
    private readonly clientFor: (subscriptionId: string) => Promise<ComputeManagementClient>,
    /** The poll interval when ARM sends no `Retry-After`. */
    private readonly options: { pollIntervalMs?: number } = {},
  ) {}

  /** The scale set or VM, or undefined when it does not exist. */
  async read(resourceId: string): Promise<AzureResource | undefined> {
    const t = targetOf(resourceId);
    const client = await this.clientFor(t.subscriptionId);
    try {
      const r: VirtualMachineScaleSet | VirtualMachine =
        t.type === 'virtualMachineScaleSets'
          ? await client.virtualMachineScaleSets.get(t.resourceGroup, t.name)
          : await client.virtualMachines.get(t.resourceGroup, t.name);
      const image =
        'virtualMachineProfile' in r
          ? r.virtualMachineProfile?.storageProfile?.imageReference
          : (r as VirtualMachine).storageProfile?.imageReference;
      const mode = 'upgradePolicy' in r ? r.upgradePolicy?.mode : undefined;
      return {
        id: r.id ?? resourceId,
        tags: { ...(r.tags ?? {}) },
        provisioningState: r.provisioningState ?? 'Unknown',
        ...(image
          ? {
              imageReference: {
                ...(image.id ? { id: image.id } : {}),
                ...(image.sharedGalleryImageId ? { sharedGalleryImageId: image.sharedGalleryImageId } : {}),
                ...(image.communityGalleryImageId ? { communityGalleryImageId: image.communityGalleryImageId } : {}),
              },
            }
          : {}),
        ...(mode === 'Manual' || mode === 'Rolling' ? { upgradeMode: mode } : {}),
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** The VMs of a Flexible scale set (or the VM itself), the image version each was built from, and its health. */
  async instances(resourceId: string): Promise<AzureInstance[]> {
    const t = targetOf(resourceId);
    const client = await this.clientFor(t.subscriptionId);
    const out: AzureInstance[] = [];
    // The version a VM runs: its image reference's id when that names a version, else the definition
    // with the `exactVersion` Azure resolved `latest` to.
    const describe = (vm: VirtualMachine): AzureInstance => {
      const image = vm.storageProfile?.imageReference;
      // The Application Health extension's report; without one, a VM whose provisioning failed is reported as such.
      const failed = vm.instanceView?.statuses?.find((s) => /^ProvisioningState\/failed/i.test(s.code ?? ''))?.code;
      const health = vm.instanceView?.vmHealth?.status?.code ?? failed;
      const versionId =
        image?.id && /\/versions\/[^/]+$/i.test(image.id)
          ? image.id
          : image?.id && image.exactVersion
            ? `${image.id}/versions/${image.exactVersion}`
            : undefined;
      return {
        name: vm.name ?? '',
        ...(versionId ? { imageVersionId: versionId } : {}),
        ...(health ? { health } : {}),
      };
    };
    if (t.type === 'virtualMachines') {
      const vm = await client.virtualMachines.get(t.resourceGroup, t.name, { expand: 'instanceView' });
      return [describe(vm)];
    }
    const id = `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/${t.name}`;
    for await (const vm of client.virtualMachines.list(t.resourceGroup, {
      filter: `'virtualMachineScaleSet/id' eq '${id}'`,
      expand: 'instanceView',
    }))
      out.push(describe(vm));
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Sends request `state.step` of the plan (or continues its checkpointed operation) and polls it
   * for at most the budget: `done` when its operation succeeded, `waiting` with the checkpoint when
   * it still runs after `budgetMs`, `failed` with the target's code and message. `ours` says whether an existing
   * resource a create runs into is this group's.
   */
  async advance(
    plan: AzurePlan,
    state: AzureStepState,
    ours: (resource: AzureResource) => boolean,
    budgetMs: number,
  ): Promise<AdvanceResult> {
    const request = plan.requests[state.step];
    if (!request) return { kind: 'done' };
    const t = targetOf(request.url);
    const client = await this.clientFor(t.subscriptionId);
    if (state.watching) return this.watch(plan.resourceId, state);
    let poller: Poller;
    try {
      poller = state.poller ? this.restore(client, request, t, state.poller) : this.begin(client, request, t);
      await poller.submitted();
    } catch (err) {
      if (statusOf(err) === 412 && request.headers?.['If-None-Match'] === '*') {
        // A create that finds the resource: this group's (sent before a crash) is followed; another's is left alone.
        const existing = await this.read(plan.resourceId);
        if (!existing || !ours(existing))
          return {
            kind: 'failed',
            failure: {
              code: 'ResourceNotOwned',
              message: `${plan.resourceId} exists and is not this group's (its tags do not name it): nothing was changed`,
            },
          };
        return this.watch(plan.resourceId, { step: state.step, watching: true });
      }
      return { kind: 'failed', failure: failureOf(err) };
    }
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(), budgetMs);
    try {
      await poller.pollUntilDone({ abortSignal: budget.signal });
      return { kind: 'done' };
    } catch (err) {
      if (budget.signal.aborted)
        return { kind: 'waiting', state: { step: state.step, poller: await poller.serialize() } };
      return { kind: 'failed', failure: failureOf(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The resource's own provisioning state, for a create that found it already under way. */
  private async watch(resourceId: string, state: AzureStepState): Promise<AdvanceResult> {
    const r = await this.read(resourceId);
    if (!r)
      return {
        kind: 'failed',
        failure: { code: 'NotFound', message: `${resourceId} was deleted while it was being created` },
      };
    if (r.provisioningState === 'Succeeded') return { kind: 'done' };
    if (r.provisioningState === 'Failed' || r.provisioningState === 'Canceled')
      return {
        kind: 'failed',
        failure: { code: `Provisioning${r.provisioningState}`, message: `${resourceId} ended ${r.provisioningState}` },
      };
    return { kind: 'waiting', state: { step: state.step, watching: true } };
  }

  private requestOptions(request: AzureRequest): { updateIntervalInMs: number; ifNoneMatch?: string } {
    return {
      updateIntervalInMs: this.options.pollIntervalMs ?? 2000,
      ...(request.headers?.['If-None-Match'] ? { ifNoneMatch: request.headers['If-None-Match'] } : {}),
    };
  }

  private begin(client: ComputeManagementClient, request: AzureRequest, t: Target): Poller {
    const o = this.requestOptions(request);
    if (t.type === 'virtualMachineScaleSets') {
      if (t.action === 'manualupgrade')
        return client.virtualMachineScaleSets.updateInstances(
          t.resourceGroup,
          t.name,
          { instanceIds: request.body.instanceIds as string[] },
          o,
        );
      if (request.method === 'PATCH')
        return client.virtualMachineScaleSets.update(t.resourceGroup, t.name, scaleSetUpdateModelOf(request.body), o);
      return client.virtualMachineScaleSets.createOrUpdate(t.resourceGroup, t.name, scaleSetModelOf(request.body), o);
    }
    if (typeof t.action === 'object')
      return client.virtualMachineExtensions.createOrUpdate(
        t.resourceGroup,
        t.name,
        t.action.extension,
        virtualMachineExtensionModelOf(request.body),
        o,
      );
    if (request.method === 'PATCH')
      return client.virtualMachines.update(t.resourceGroup, t.name, virtualMachineUpdateModelOf(request.body), o);
    return client.virtualMachines.createOrUpdate(t.resourceGroup, t.name, virtualMachineModelOf(request.body), o);
  }

  private restore(client: ComputeManagementClient, request: AzureRequest, t: Target, serialized: string): Poller {
    return restoreFor(client, request, t, serialized, { updateIntervalInMs: this.options.pollIntervalMs ?? 2000 });
  }
}

/** The SDK's `restorePoller`, loaded with the client (the compute SDK is a chunk loaded on first use). */
let restorePollerFn: typeof RestorePoller | undefined;
export async function loadRestorePoller(): Promise<void> {
  restorePollerFn ??= (await import('@azure/arm-compute')).restorePoller;
}

function restoreFor(
  client: ComputeManagementClient,
  request: AzureRequest,
  t: Target,
  serialized: string,
  o: { updateIntervalInMs: number },
): Poller {
  if (!restorePollerFn) throw new Error('the compute SDK is not loaded');
  const restore = restorePollerFn;
  if (t.type === 'virtualMachineScaleSets') {
    if (t.action === 'manualupgrade')
      return restore(client, serialized, client.virtualMachineScaleSets.updateInstances, o);
    if (request.method === 'PATCH') return restore(client, serialized, client.virtualMachineScaleSets.update, o);
    return restore(client, serialized, client.virtualMachineScaleSets.createOrUpdate, o);
  }
  if (typeof t.action === 'object')
    return restore(client, serialized, client.virtualMachineExtensions.createOrUpdate, o);
  if (request.method === 'PATCH') return restore(client, serialized, client.virtualMachines.update, o);
  return restore(client, serialized, client.virtualMachines.createOrUpdate, o);
}

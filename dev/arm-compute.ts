/**
 * The local ARM simulator's virtual machine scale sets and virtual machines (Microsoft.Compute),
 * mounted by dev/arm-simulator.ts. Development only.
 *
 * Routes (below `/subscriptions/{s}`; segments match case-insensitively):
 *   .../resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachineScaleSets/{n}   GET, PUT, PATCH, DELETE
 *   .../virtualMachineScaleSets/{n}/manualupgrade                                    POST { instanceIds: [VM names] | ["*"] }
 *   .../resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines              GET list (`$filter='virtualMachineScaleSet/id' eq '<id>'`, `$expand=instanceView`)
 *   .../virtualMachines/{vm}                                                         GET (`$expand=instanceView`), PUT, PATCH, DELETE
 *   .../virtualMachines/{vm}/instanceView                                            GET
 *   .../virtualMachines/{vm}/extensions/{e}                                          GET, PUT
 *   /subscriptions/{s}/providers/Microsoft.Compute/locations/{region}/operations/{id}   the operation status (`monitor=true`: the Location form)
 *
 * Long-running operations as ARM runs them (Azure/azure-resource-manager-rpc
 * `v1.0/async-api-reference.md`; MicrosoftDocs/azure-docs `azure-resource-manager/management/async-operations.md`):
 * - a PUT answers 201 (new) or 200 (existing) with the resource in `provisioningState` Creating /
 *   Updating; a PATCH 200 with the resource in Updating; a POST action and a DELETE 202 without a
 *   body. Each carries `Azure-AsyncOperation` (`.../locations/{region}/operations/{id}?api-version=`),
 *   `Location` (the same with `monitor=true`, as Compute sends it) and `Retry-After` (seconds).
 * - the operation status answers 200 `{ name, status: "InProgress", startTime }` for
 *   `settings.operationPolls` polls (default 1), then its terminal status (`Succeeded`, or `Failed` /
 *   `Canceled` with ARM's `error`), with `endTime`; with `settings.operationMs` it also ends once that
 *   much time has passed. The resource's `provisioningState` follows. The `monitor=true` form answers
 *   202 while running, then 200 with the resource (PUT, PATCH) or no body (actions, DELETE).
 * - effects happen when an operation succeeds: a created scale set gets `sku.capacity` VMs
 *   (`{set}_{8 hex}`, `properties.virtualMachineScaleSet.id`, the model's image); a capacity change
 *   adds or removes VMs; an image change of a `Rolling` scale set moves every VM, of a `Manual` one
 *   none (`manualupgrade` moves the VMs it names); a PATCH of a VM's image replaces its image.
 *   A VM reports `vmHealth` when its scale set's model carries the Application Health extension
 *   (`HealthState/healthy` unless set otherwise: `setVmHealth`).
 * - a create with `If-None-Match: *` of an existing resource is refused 412 `PreconditionFailed`
 *   (Azure/azure-resource-manager-rpc `v1.0/Addendum.md`, "ETags for Resources").
 * - checks Compute makes on a Flexible scale set: `platformFaultDomainCount` required,
 *   `networkApiVersion` beside `networkInterfaceConfigurations`, `orchestrationMode` unchangeable
 *   (service errors quoted in Azure/azure-sdk-for-python issue 33268 and Azure/azure-rest-api-specs
 *   issue 27029).
 * - secrets are not kept: `adminPassword` and `protectedSettings` are dropped from what is stored,
 *   answered and recorded (ARM never echoes them).
 *
 * Faults: `armFault(code)` builds the fault of a documented Compute error with its ARM body and
 * whether Azure refuses it at once or fails the operation (COMPUTE_ERRORS below).
 */
import type http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  armError,
  asObject,
  pathSegments,
  readJson,
  SimulatorInputError,
  type ArmErrorBody,
  type FaultSpec,
  type Reply,
} from './arm-protocol.js';

// ---------------------------------------------------------------- documented errors

export type ComputeErrorCode =
  | 'AllocationFailed'
  | 'OverconstrainedAllocationRequest'
  | 'ZonalAllocationFailed'
  | 'SkuNotAvailable'
  | 'OperationNotAllowed'
  | 'InvalidParameter'
  | 'AuthorizationFailed'
  | 'RequestDisallowedByPolicy'
  | 'Conflict'
  | 'AnotherOperationInProgress';

interface ErrorTemplate {
  /** HTTP status of a refusal (a `sync` fault). */
  readonly status: number;
  /** How Azure reports it: refused at once, or the operation fails while it is polled. */
  readonly when: 'sync' | 'async';
  readonly message: (c: ErrorContext) => string;
  readonly target?: (c: ErrorContext) => string | undefined;
  readonly additionalInfo?: (c: ErrorContext) => ArmErrorBody['additionalInfo'];
}

export interface ErrorContext {
  /** The request's resource id (display form). */
  readonly resourceId: string;
  readonly subscriptionId: string;
  readonly location: string;
  /** `Microsoft.Compute/virtualMachineScaleSets/write` and the like. */
  readonly action: string;
  /** The cores quota an `OperationNotAllowed` names (default `LowPriorityCores`). */
  readonly quota?: string;
}

const ALLOCATION_GUIDANCE =
  'Read more about improving likelihood of allocation success at https://aka.ms/allocation-guidance';

/**
 * Codes, statuses and messages as Azure documents them or has been seen to answer them: MicrosoftDocs/SupportArticles-docs
 * `virtual-machines/windows/allocation-failure.md` and the AKS article on ZonalAllocationFailed /
 * AllocationFailed / OverconstrainedAllocationRequest (async: the operation fails);
 * learn.microsoft.com `troubleshooting/error-sku-not-available` and mspnp/aks-baseline issue 372
 * (SkuNotAvailable, refused); cloud-barista/cb-spider issue 1558, hashicorp/terraform-provider-azurerm
 * PR 28549, scylladb/scylla-cluster-tests issue 4994 (OperationNotAllowed, 409, quota names incl.
 * LowPriorityCores); Azure/azure-cli PR 11153 (InvalidParameter with target); Azure/aad-pod-identity
 * issue 788 (AuthorizationFailed, 403); MicrosoftDocs/azure-docs
 * `troubleshooting/error-policy-requestdisallowedbypolicy.md` (RequestDisallowedByPolicy, 403,
 * PolicyViolation additionalInfo); microsoft/onefuzz issue 2124 (Conflict, 409);
 * `troubleshooting/common-deployment-errors.md` (AnotherOperationInProgress: "Wait for concurrent
 * operation to complete"; no Compute message was found, so the message is that mitigation).
 */
export const COMPUTE_ERRORS: Readonly<Record<ComputeErrorCode, ErrorTemplate>> = {
  AllocationFailed: {
    status: 409,
    when: 'async',
    message: () =>
      `Allocation failed. We do not have sufficient capacity for the requested VM size in this region. ${ALLOCATION_GUIDANCE}`,
  },
  ZonalAllocationFailed: {
    status: 409,
    when: 'async',
    message: () =>
      `Allocation failed. We do not have sufficient capacity for the requested VM size in this zone. ${ALLOCATION_GUIDANCE}`,
  },
  OverconstrainedAllocationRequest: {
    status: 409,
    when: 'async',
    message: () =>
      'Allocation failed. VM(s) with the following constraints cannot be allocated, because the condition is too restrictive. Please remove some constraints and try again. Constraints applied are:\n  - Availability Zone\n  - Low Priority VMs\n',
  },
  SkuNotAvailable: {
    status: 409,
    when: 'sync',
    message: (c) =>
      `The requested size for resource '${c.resourceId}' is currently not available in location '${c.location}' zones '' for subscription '${c.subscriptionId}'. Please try another size or deploy to a different location or zones. See https://aka.ms/azureskunotavailable for details.`,
  },
  OperationNotAllowed: {
    status: 409,
    when: 'sync',
    message: (c) => {
      const quota = c.quota ?? 'LowPriorityCores';
      const more =
        quota === 'LowPriorityCores'
          ? 'https://docs.microsoft.com/en-us/azure/azure-portal/supportability/low-priority-quota'
          : 'https://docs.microsoft.com/en-us/azure/azure-supportability/resource-manager-core-quotas-request';
      return `Operation could not be completed as it results in exceeding approved ${quota} quota. Additional details - Deployment Model: Resource Manager, Location: ${c.location}, Current Limit: 100, Current Usage: 100, Additional Required: 8, (Minimum) New Limit Required: 108. Submit a request for Quota increase at https://aka.ms/ProdportalCRP. Please read more about quota limits at ${more}`;
    },
  },
  InvalidParameter: {
    status: 400,
    when: 'sync',
    message: () => 'The specified fault domain count 5 must fall in the range 2 to 3.',
    target: () => 'platformFaultDomainCount',
  },
  AuthorizationFailed: {
    status: 403,
    when: 'sync',
    message: (c) =>
      `The client '00000000-0000-0000-0000-000000000000' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action '${c.action}' over scope '${c.resourceId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  },
  RequestDisallowedByPolicy: {
    status: 403,
    when: 'sync',
    message: (c) =>
      `Resource '${lastSegment(c.resourceId)}' was disallowed by policy. Policy identifiers: '[{"policyAssignment":{"name":"Allowed virtual machine size SKUs","id":"/subscriptions/${c.subscriptionId}/providers/Microsoft.Authorization/policyAssignments/allowed-vm-skus"}}]'.`,
    target: (c) => lastSegment(c.resourceId),
    additionalInfo: (c) => [
      {
        type: 'PolicyViolation',
        info: {
          policyAssignmentName: 'allowed-vm-skus',
          policyAssignmentId: `/subscriptions/${c.subscriptionId}/providers/Microsoft.Authorization/policyAssignments/allowed-vm-skus`,
          policyDefinitionName: 'cccc23c7-8427-4f53-ad12-b6a63eb452b3',
          policyDefinitionDisplayName: 'Allowed virtual machine size SKUs',
          policyDefinitionEffect: 'Deny',
        },
      },
    ],
  },
  Conflict: {
    status: 409,
    when: 'sync',
    message: () =>
      'The request failed due to conflict with a concurrent request. To resolve it, please refer to https://aka.ms/activitylog to get more details on the conflicting requests.',
  },
  AnotherOperationInProgress: {
    status: 409,
    when: 'sync',
    message: () => 'Another operation is in progress on the resource. Wait for concurrent operation to complete.',
  },
};

export function isComputeErrorCode(code: string): code is ComputeErrorCode {
  return Object.prototype.hasOwnProperty.call(COMPUTE_ERRORS, code);
}

/**
 * The fault of a documented Compute error: its status, and `sync` or `async` as Azure reports it
 * (both can be overridden). The message is filled in from the request when the fault is taken.
 */
export function armFault(
  code: ComputeErrorCode,
  options: Partial<
    Pick<FaultSpec, 'match' | 'method' | 'count' | 'status' | 'when' | 'outcome' | 'message' | 'retryAfterSeconds'>
  > & { quota?: string } = {},
): FaultSpec & { quota?: string } {
  const t = COMPUTE_ERRORS[code];
  const { quota, ...rest } = options;
  return { status: t.status, when: t.when, count: 1, ...rest, code, ...(quota !== undefined ? { quota } : {}) };
}

/** The ARM error body of a fault for a request (documented message, target and details when the fault names none). */
export function faultError(fault: FaultSpec & { quota?: string }, c: Omit<ErrorContext, 'quota'>): ArmErrorBody {
  const code = fault.code ?? 'InternalServerError';
  const t = isComputeErrorCode(code) ? COMPUTE_ERRORS[code] : undefined;
  const ctx: ErrorContext = { ...c, ...(fault.quota !== undefined ? { quota: fault.quota } : {}) };
  const target = fault.target ?? t?.target?.(ctx);
  const additionalInfo = fault.additionalInfo ?? t?.additionalInfo?.(ctx);
  return {
    code,
    message: fault.message ?? t?.message(ctx) ?? `Simulated failure ${code}.`,
    ...(target !== undefined ? { target } : {}),
    ...(fault.details !== undefined ? { details: fault.details } : {}),
    ...(additionalInfo !== undefined ? { additionalInfo } : {}),
  };
}

// ---------------------------------------------------------------- routes

export type ComputeRoute =
  | { kind: 'scaleSet'; subscriptionId: string; resourceGroup: string; name: string }
  | { kind: 'manualUpgrade'; subscriptionId: string; resourceGroup: string; name: string }
  | { kind: 'listVms'; subscriptionId: string; resourceGroup: string }
  | { kind: 'vm'; subscriptionId: string; resourceGroup: string; name: string }
  | { kind: 'instanceView'; subscriptionId: string; resourceGroup: string; name: string }
  | { kind: 'extension'; subscriptionId: string; resourceGroup: string; name: string; extension: string }
  | { kind: 'operation'; subscriptionId: string; location: string; id: string };

export function matchComputeRoute(pathname: string): ComputeRoute | undefined {
  const { seg, lower } = pathSegments(pathname);
  const subscriptionId = seg[1];
  if (lower[0] !== 'subscriptions' || !subscriptionId) return undefined;
  if (
    lower[2] === 'providers' &&
    lower[3] === 'microsoft.compute' &&
    lower[4] === 'locations' &&
    lower[6] === 'operations' &&
    seg.length === 8 &&
    seg[5] &&
    seg[7]
  ) {
    return { kind: 'operation', subscriptionId, location: seg[5], id: seg[7] };
  }
  const resourceGroup = seg[3];
  if (lower[2] !== 'resourcegroups' || !resourceGroup || lower[4] !== 'providers' || lower[5] !== 'microsoft.compute')
    return undefined;
  const name = seg[7];
  if (lower[6] === 'virtualmachinescalesets' && name) {
    if (seg.length === 8) return { kind: 'scaleSet', subscriptionId, resourceGroup, name };
    if (seg.length === 9 && lower[8] === 'manualupgrade')
      return { kind: 'manualUpgrade', subscriptionId, resourceGroup, name };
    return undefined;
  }
  if (lower[6] !== 'virtualmachines') return undefined;
  if (seg.length === 7) return { kind: 'listVms', subscriptionId, resourceGroup };
  if (!name) return undefined;
  if (seg.length === 8) return { kind: 'vm', subscriptionId, resourceGroup, name };
  if (seg.length === 9 && lower[8] === 'instanceview')
    return { kind: 'instanceView', subscriptionId, resourceGroup, name };
  if (seg.length === 10 && lower[8] === 'extensions' && seg[9])
    return { kind: 'extension', subscriptionId, resourceGroup, name, extension: seg[9] };
  return undefined;
}

type NamedRoute = { subscriptionId: string; resourceGroup: string; name: string };

/** Whether a request on this route starts a long-running operation (an `async` fault can fail it). */
export function startsOperation(route: ComputeRoute, method: string): boolean {
  const m = method.toUpperCase();
  switch (route.kind) {
    case 'scaleSet':
    case 'vm':
      return m === 'PUT' || m === 'PATCH' || m === 'DELETE';
    case 'extension':
      return m === 'PUT';
    case 'manualUpgrade':
      return m === 'POST';
    default:
      return false;
  }
}

// ---------------------------------------------------------------- state

type Body = Record<string, unknown>;
export type HealthState = 'healthy' | 'unhealthy' | 'unknown' | 'initializing';
export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

interface Stored {
  /** Display id. */
  id: string;
  body: Body;
}
interface StoredVm extends Stored {
  /** Lower-case id of the scale set it belongs to. */
  scaleSet?: string;
  health?: HealthState;
}

interface Operation {
  id: string;
  subscriptionId: string;
  location: string;
  startedAt: number;
  startTime: string;
  polls: number;
  status: OperationStatus;
  endTime?: string;
  /** What a failed or canceled operation reports. */
  failure?: { outcome: 'Failed' | 'Canceled'; error: ArmErrorBody };
  /** Lower-case id of the resource whose state it changes (and answers for PUT / PATCH). */
  resource: string;
  resourceType: 'scaleSet' | 'vm' | 'extension';
  /** The resource answers the `monitor=true` form when done (PUT, PATCH). */
  answersResource: boolean;
  onSuccess: () => void;
}

export interface ComputeSettings {
  /** Status polls answered InProgress before the operation ends (default 1). */
  operationPolls: number;
  /** When set, an operation also ends once this many milliseconds have passed. */
  operationMs?: number;
  /** `Retry-After` on every long-running answer, in seconds (default 1). */
  retryAfterSeconds: number;
}

export interface RecordedWrite {
  method: string;
  path: string;
  /** The body as received, without `adminPassword` and `protectedSettings`. */
  body?: unknown;
  status: number;
}

const key = (id: string): string => id.toLowerCase();
const now = (): string => new Date().toISOString();
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const clone = <T>(v: T): T => structuredClone(v);
/** A string field of ARM JSON, or the fallback. */
const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

function lastSegment(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

function scaleSetId(r: { subscriptionId: string; resourceGroup: string; name: string }): string {
  return `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/${r.name}`;
}
function vmId(r: { subscriptionId: string; resourceGroup: string; name: string }): string {
  return `/subscriptions/${r.subscriptionId}/resourceGroups/${r.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${r.name}`;
}

/** A copy without the secrets ARM never echoes. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  const o = asObject(value);
  if (!o) return value;
  const out: Body = {};
  for (const [k, v] of Object.entries(o))
    if (k !== 'adminPassword' && k !== 'protectedSettings') out[k] = withoutSecrets(v);
  return out;
}

/** PATCH semantics: objects merge, arrays and scalars replace, null removes. */
function merge(target: Body, patch: Body): Body {
  const out = clone(target);
  for (const [k, v] of Object.entries(patch)) {
    const cur = asObject(out[k]);
    const next = asObject(v);
    if (v === null) delete out[k];
    else if (cur && next) out[k] = merge(cur, next);
    else out[k] = clone(v);
  }
  return out;
}

function props(body: Body): Body {
  let p = asObject(body.properties);
  if (!p) {
    p = {};
    body.properties = p;
  }
  return p;
}

function path(body: unknown, ...keys: string[]): unknown {
  let cur: unknown = body;
  for (const k of keys) cur = asObject(cur)?.[k];
  return cur;
}

function imageOfModel(vmss: Body): unknown {
  return path(vmss, 'properties', 'virtualMachineProfile', 'storageProfile', 'imageReference');
}

function hasHealthExtension(vmss: Body): boolean {
  const exts = path(vmss, 'properties', 'virtualMachineProfile', 'extensionProfile', 'extensions');
  return (
    Array.isArray(exts) &&
    exts.some((e) => {
      const p = asObject(asObject(e)?.properties);
      return (
        typeof p?.publisher === 'string' &&
        p.publisher.toLowerCase() === 'microsoft.managedservices' &&
        typeof p.type === 'string' &&
        /^applicationhealth/i.test(p.type)
      );
    })
  );
}

export interface ComputeSimulatorOptions {
  /** The simulator's base URL (for the operation URLs). */
  endpoint: () => string;
  /** The latest version name of a gallery image definition the simulator holds (for `exactVersion`). */
  latestVersionOf?: (definitionId: string, region?: string) => string | undefined;
}

export class ComputeSimulator {
  readonly settings: ComputeSettings = { operationPolls: 1, retryAfterSeconds: 1 };

  private readonly scaleSets = new Map<string, Stored>();
  private readonly vms = new Map<string, StoredVm>();
  private readonly extensions = new Map<string, Stored>();
  private readonly operations = new Map<string, Operation>();
  private writes: RecordedWrite[] = [];

  constructor(private readonly options: ComputeSimulatorOptions) {}

  // ---------------------------------------------------------------- state, for tests and the admin endpoints

  /** A scale set or VM as ARM answers it (undefined when absent). */
  get(id: string): Body | undefined {
    const s = this.scaleSets.get(key(id)) ?? this.vms.get(key(id)) ?? this.extensions.get(key(id));
    return s ? clone(s.body) : undefined;
  }

  /** The VMs of a scale set, as ARM answers them. */
  vmsOf(scaleSetId: string): Body[] {
    return [...this.vms.values()].filter((v) => v.scaleSet === key(scaleSetId)).map((v) => clone(v.body));
  }

  /** Every scale set, VM and extension. */
  all(): Body[] {
    return [...this.scaleSets.values(), ...this.vms.values(), ...this.extensions.values()].map((s) => clone(s.body));
  }

  /** Sets what a VM's Application Health extension reports. */
  setVmHealth(id: string, state: HealthState): void {
    const vm = this.vms.get(key(id));
    if (!vm) throw new SimulatorInputError(404, 'ResourceNotFound', `no virtual machine ${id}`);
    vm.health = state;
  }

  /** Write requests received on the Compute routes (bodies without secrets), oldest first. */
  get receivedWrites(): readonly RecordedWrite[] {
    return [...this.writes];
  }

  clear(): void {
    this.scaleSets.clear();
    this.vms.clear();
    this.extensions.clear();
    this.operations.clear();
    this.writes = [];
  }

  // ---------------------------------------------------------------- HTTP

  /**
   * Answers a Compute request (authentication, api-version and sync faults are the caller's).
   * `fault` is an `async` fault taken for this request: the operation it starts fails with it.
   */
  async answer(
    route: ComputeRoute,
    req: http.IncomingMessage,
    url: URL,
    fault?: FaultSpec & { quota?: string },
  ): Promise<Reply> {
    const method = (req.method ?? 'GET').toUpperCase();
    this.settleByTime();
    let body: unknown;
    if (method === 'PUT' || method === 'PATCH' || (method === 'POST' && route.kind === 'manualUpgrade')) {
      try {
        body = await readJson(req);
      } catch (err) {
        if (err instanceof SimulatorInputError)
          return this.recorded(method, url, undefined, { status: err.status, body: armError(err.code, err.message) });
        throw err;
      }
    }
    const reply = this.route(route, method, url, body, req.headers, fault);
    return method === 'GET' ? reply : this.recorded(method, url, body, reply);
  }

  private recorded(method: string, url: URL, body: unknown, reply: Reply): Reply {
    this.writes.push({
      method,
      path: url.pathname,
      ...(body === undefined ? {} : { body: withoutSecrets(body) }),
      status: reply.status,
    });
    return reply;
  }

  private route(
    route: ComputeRoute,
    method: string,
    url: URL,
    body: unknown,
    headers: http.IncomingHttpHeaders,
    fault: (FaultSpec & { quota?: string }) | undefined,
  ): Reply {
    const apiVersion = url.searchParams.get('api-version') ?? '';
    switch (route.kind) {
      case 'operation':
        return method === 'GET'
          ? this.operationStatus(route.id, url.searchParams.get('monitor') === 'true', apiVersion)
          : methodNotAllowed(method);
      case 'scaleSet': {
        const id = scaleSetId(route);
        if (method === 'GET') return this.getResource(this.scaleSets, id, 'virtualMachineScaleSets');
        if (method === 'PUT') return this.putScaleSet(route, id, asObject(body), headers, apiVersion, fault);
        if (method === 'PATCH') return this.patchScaleSet(route, id, asObject(body), apiVersion, fault);
        if (method === 'DELETE') return this.deleteResource(route, id, 'scaleSet', apiVersion, fault);
        return methodNotAllowed(method);
      }
      case 'manualUpgrade':
        return method === 'POST'
          ? this.manualUpgrade(route, scaleSetId(route), asObject(body), apiVersion, fault)
          : methodNotAllowed(method);
      case 'listVms':
        return method === 'GET' ? this.listVms(route, url) : methodNotAllowed(method);
      case 'vm': {
        const id = vmId(route);
        if (method === 'GET') {
          const expand = (url.searchParams.get('$expand') ?? '').toLowerCase() === 'instanceview';
          const vm = this.vms.get(key(id));
          if (!vm) return notFound('virtualMachines', route);
          return { status: 200, body: this.present(vm, expand) };
        }
        if (method === 'PUT') return this.putVm(route, id, asObject(body), headers, apiVersion, fault);
        if (method === 'PATCH') return this.patchVm(route, id, asObject(body), apiVersion, fault);
        if (method === 'DELETE') return this.deleteResource(route, id, 'vm', apiVersion, fault);
        return methodNotAllowed(method);
      }
      case 'instanceView': {
        const vm = this.vms.get(key(vmId(route)));
        if (method !== 'GET') return methodNotAllowed(method);
        return vm ? { status: 200, body: this.instanceView(vm) } : notFound('virtualMachines', route);
      }
      case 'extension': {
        const id = `${vmId(route)}/extensions/${route.extension}`;
        if (method === 'GET') return this.getResource(this.extensions, id, 'virtualMachines/extensions');
        if (method === 'PUT') return this.putExtension(route, id, asObject(body), apiVersion, fault);
        return methodNotAllowed(method);
      }
    }
  }

  private getResource(map: Map<string, Stored>, id: string, type: string): Reply {
    const s = map.get(key(id));
    return s
      ? { status: 200, body: clone(s.body) }
      : {
          status: 404,
          body: armError(
            'ResourceNotFound',
            `The Resource 'Microsoft.Compute/${type}/${lastSegment(id)}' under resource group '${resourceGroupOf(id)}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
          ),
        };
  }

  // ---------------------------------------------------------------- operations

  private start(
    route: { subscriptionId: string },
    location: string,
    resource: string,
    resourceType: Operation['resourceType'],
    answersResource: boolean,
    onSuccess: () => void,
    fault: (FaultSpec & { quota?: string }) | undefined,
    action: string,
  ): Operation {
    const op: Operation = {
      id: randomUUID(),
      subscriptionId: route.subscriptionId,
      location: location.replace(/\s+/g, '').toLowerCase() || 'westus',
      startedAt: Date.now(),
      startTime: now(),
      polls: 0,
      status: 'InProgress',
      resource: key(resource),
      resourceType,
      answersResource,
      onSuccess,
    };
    if (fault) {
      op.failure = {
        outcome: fault.outcome ?? 'Failed',
        error: faultError(fault, {
          resourceId: resource,
          subscriptionId: route.subscriptionId,
          location: op.location,
          action,
        }),
      };
    }
    this.operations.set(op.id, op);
    return op;
  }

  private lroHeaders(op: Operation, apiVersion: string): Record<string, string> {
    const base = `${this.options.endpoint()}/subscriptions/${op.subscriptionId}/providers/Microsoft.Compute/locations/${op.location}/operations/${op.id}`;
    const v = encodeURIComponent(apiVersion);
    return {
      'azure-asyncoperation': `${base}?api-version=${v}`,
      location: `${base}?monitor=true&api-version=${v}`,
      'retry-after': String(this.settings.retryAfterSeconds),
    };
  }

  private finish(op: Operation): void {
    if (op.status !== 'InProgress') return;
    op.endTime = now();
    const target =
      op.resourceType === 'scaleSet'
        ? this.scaleSets.get(op.resource)
        : op.resourceType === 'vm'
          ? this.vms.get(op.resource)
          : this.extensions.get(op.resource);
    if (op.failure) {
      op.status = op.failure.outcome;
      if (target) props(target.body).provisioningState = op.failure.outcome;
      return;
    }
    op.status = 'Succeeded';
    op.onSuccess();
    const after =
      op.resourceType === 'scaleSet'
        ? this.scaleSets.get(op.resource)
        : op.resourceType === 'vm'
          ? this.vms.get(op.resource)
          : this.extensions.get(op.resource);
    if (after) props(after.body).provisioningState = 'Succeeded';
  }

  private settleByTime(): void {
    const ms = this.settings.operationMs;
    if (ms === undefined) return;
    const t = Date.now();
    for (const op of this.operations.values())
      if (op.status === 'InProgress' && t - op.startedAt >= ms) this.finish(op);
  }

  private operationStatus(id: string, monitor: boolean, apiVersion: string): Reply {
    const op = this.operations.get(id);
    if (!op) return { status: 404, body: armError('NotFound', `The operation '${id}' was not found.`) };
    if (op.status === 'InProgress') {
      op.polls += 1;
      if (op.polls > this.settings.operationPolls) this.finish(op);
    }
    if (monitor) {
      if (op.status === 'InProgress') {
        const h = this.lroHeaders(op, apiVersion);
        return { status: 202, headers: { location: h.location ?? '', 'retry-after': h['retry-after'] ?? '1' } };
      }
      if (op.failure) return { status: 400, body: { error: op.failure.error } };
      const resource =
        op.resourceType === 'scaleSet'
          ? this.scaleSets.get(op.resource)
          : op.resourceType === 'vm'
            ? this.vms.get(op.resource)
            : this.extensions.get(op.resource);
      return op.answersResource && resource ? { status: 200, body: clone(resource.body) } : { status: 200 };
    }
    const status: Body = { name: op.id, status: op.status, startTime: op.startTime };
    if (op.endTime) status.endTime = op.endTime;
    if (op.status !== 'InProgress' && op.failure) status.error = op.failure.error;
    return {
      status: 200,
      headers: op.status === 'InProgress' ? { 'retry-after': String(this.settings.retryAfterSeconds) } : {},
      body: status,
    };
  }

  // ---------------------------------------------------------------- scale sets

  private putScaleSet(
    route: NamedRoute,
    id: string,
    body: Body | undefined,
    headers: http.IncomingHttpHeaders,
    apiVersion: string,
    fault: (FaultSpec & { quota?: string }) | undefined,
  ): Reply {
    if (!body)
      return invalid('InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    const existing = this.scaleSets.get(key(id));
    if (existing && headers['if-none-match'] === '*') {
      return {
        status: 412,
        body: armError(
          'PreconditionFailed',
          `The resource '${route.name}' already exists: the If-None-Match: * precondition of the request was not met.`,
        ),
      };
    }
    const location = body.location;
    if (typeof location !== 'string' || location.length === 0)
      return invalid('LocationRequired', 'The location property is required for this definition.');
    const problem = flexibleProblem(body, existing?.body);
    if (problem) return { status: 400, body: problem };
    const stored: Body = {
      ...(withoutSecrets(body) as Body),
      id,
      name: route.name,
      type: 'Microsoft.Compute/virtualMachineScaleSets',
      location,
    };
    const p = props(stored);
    p.uniqueId = asObject(existing?.body.properties)?.uniqueId ?? randomUUID();
    p.timeCreated = asObject(existing?.body.properties)?.timeCreated ?? now();
    p.provisioningState = existing ? 'Updating' : 'Creating';
    const previous = existing ? clone(existing.body) : undefined;
    this.scaleSets.set(key(id), { id, body: stored });
    const op = this.start(
      route,
      location,
      id,
      'scaleSet',
      true,
      () => this.reconcileMembers(id, previous),
      fault,
      'Microsoft.Compute/virtualMachineScaleSets/write',
    );
    return { status: existing ? 200 : 201, headers: this.lroHeaders(op, apiVersion), body: clone(stored) };
  }

  private patchScaleSet(
    route: NamedRoute,
    id: string,
    body: Body | undefined,
    apiVersion: string,
    fault: (FaultSpec & { quota?: string }) | undefined,
  ): Reply {
    const existing = this.scaleSets.get(key(id));
    if (!existing) return notFound('virtualMachineScaleSets', route);
    if (!body)
      return invalid('InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    const previous = clone(existing.body);
    const merged = merge(existing.body, withoutSecrets(body) as Body);
    const problem = flexibleProblem(merged, previous);
    if (problem) return { status: 400, body: problem };
    props(merged).provisioningState = 'Updating';
    existing.body = merged;
    const op = this.start(
      route,
      text(merged.location),
      id,
      'scaleSet',
      true,
      () => this.reconcileMembers(id, previous),
      fault,
      'Microsoft.Compute/virtualMachineScaleSets/write',
    );
    return { status: 200, headers: this.lroHeaders(op, apiVersion), body: clone(merged) };
  }

  /** After a scale set's create or update succeeded: members to the capacity, a Rolling image change applied. */
  private reconcileMembers(id: string, previous: Body | undefined): void {
    const set = this.scaleSets.get(key(id));
    if (!set) return;
    const members = [...this.vms.values()].filter((v) => v.scaleSet === key(id));
    const capacity = Number(path(set.body, 'sku', 'capacity') ?? 0);
    for (let i = members.length; i < capacity; i++) this.addMember(set, i);
    for (const extra of members.slice(capacity)) this.vms.delete(key(extra.id));
    const imageChanged =
      previous !== undefined && JSON.stringify(imageOfModel(previous)) !== JSON.stringify(imageOfModel(set.body));
    const rolling = path(set.body, 'properties', 'upgradePolicy', 'mode') === 'Rolling';
    if (imageChanged && rolling) for (const vm of members.slice(0, capacity)) this.applyModelImage(set, vm);
  }

  private addMember(set: Stored, index: number): void {
    const model = asObject(path(set.body, 'properties', 'virtualMachineProfile')) ?? {};
    const setName = text(set.body.name, lastSegment(set.id));
    const name = `${setName}_${hex(4)}`;
    const id = `${set.id.slice(0, set.id.toLowerCase().indexOf('/providers/microsoft.compute/'))}/providers/Microsoft.Compute/virtualMachines/${name}`;
    const sizes =
      (asObject(path(set.body, 'properties', 'skuProfile'))?.vmSizes as unknown[] | undefined)?.map((s) =>
        text(asObject(s)?.name),
      ) ?? [];
    const vmSize = sizes.length > 0 ? sizes[index % sizes.length] : text(path(set.body, 'sku', 'name'));
    const base = Number(path(set.body, 'properties', 'priorityMixPolicy', 'baseRegularPriorityCount') ?? 0);
    const zones = Array.isArray(set.body.zones) ? (set.body.zones as unknown[]).map(String) : [];
    const osProfile = asObject(model.osProfile);
    const body: Body = {
      id,
      name,
      type: 'Microsoft.Compute/virtualMachines',
      location: set.body.location,
      ...(zones.length > 0 ? { zones: [zones[index % zones.length]] } : {}),
      properties: {
        vmId: randomUUID(),
        virtualMachineScaleSet: { id: set.id },
        hardwareProfile: { vmSize },
        storageProfile: {
          imageReference: this.resolvedImage(imageOfModel(set.body), set.body.location),
          osDisk: {
            ...(asObject(path(model, 'storageProfile', 'osDisk')) ?? {}),
            name: `${name}_OsDisk_1_${hex(16)}`,
            deleteOption: 'Delete',
          },
          dataDisks: clone((path(model, 'storageProfile', 'dataDisks') as unknown[] | undefined) ?? []),
        },
        ...(osProfile
          ? {
              osProfile: {
                computerName: `${text(osProfile.computerNamePrefix, setName)}${hex(3)}`,
                adminUsername: osProfile.adminUsername,
                ...(osProfile.linuxConfiguration ? { linuxConfiguration: clone(osProfile.linuxConfiguration) } : {}),
              },
            }
          : {}),
        networkProfile: clone(model.networkProfile ?? {}),
        priority: index < base ? 'Regular' : (model.priority ?? 'Regular'),
        ...(index < base || model.priority === undefined
          ? {}
          : { evictionPolicy: model.evictionPolicy, billingProfile: clone(model.billingProfile) }),
        provisioningState: 'Succeeded',
        timeCreated: now(),
      },
    };
    this.vms.set(key(id), {
      id,
      body,
      scaleSet: key(set.id),
      ...(hasHealthExtension(set.body) ? { health: 'healthy' as const } : {}),
    });
  }

  /** The model's image with `exactVersion` when it names a gallery definition the simulator holds (`latest` as of the VM's region). */
  private resolvedImage(image: unknown, location: unknown): unknown {
    const ref = clone(asObject(image) ?? {});
    const id = typeof ref.id === 'string' ? ref.id : undefined;
    if (id && /\/images\/[^/]+$/i.test(id)) {
      const latest = this.options.latestVersionOf?.(id, typeof location === 'string' ? location : undefined);
      if (latest) ref.exactVersion = latest;
    } else if (id && /\/versions\/([^/]+)$/i.test(id)) {
      ref.exactVersion = lastSegment(id);
    }
    return ref;
  }

  private applyModelImage(set: Stored, vm: StoredVm): void {
    const storage = asObject(path(vm.body, 'properties', 'storageProfile'));
    if (storage) storage.imageReference = this.resolvedImage(imageOfModel(set.body), set.body.location);
    props(vm.body).latestModelApplied = true;
  }

  private manualUpgrade(
    route: NamedRoute,
    id: string,
    body: Body | undefined,
    apiVersion: string,
    fault: (FaultSpec & { quota?: string }) | undefined,
  ): Reply {
    const set = this.scaleSets.get(key(id));
    if (!set) return notFound('virtualMachineScaleSets', route);
    const ids = body?.instanceIds;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === 'string')) {
      return {
        status: 400,
        body: armError('InvalidParameter', "The value of parameter 'instanceIds' is invalid.", {
          target: 'instanceIds',
        }),
      };
    }
    const members = [...this.vms.values()].filter((v) => v.scaleSet === key(id));
    const all = ids.includes('*');
    const chosen = all ? members : members.filter((m) => ids.some((n) => key(String(n)) === key(lastSegment(m.id))));
    const unknown = all ? [] : ids.filter((n) => !members.some((m) => key(lastSegment(m.id)) === key(String(n))));
    if (unknown.length > 0) {
      return {
        status: 400,
        body: armError(
          'InvalidParameter',
          `The instance names '${unknown.join("', '")}' are not virtual machines of the scale set '${route.name}'.`,
          { target: 'instanceIds' },
        ),
      };
    }
    const names = chosen.map((m) => key(m.id));
    const op = this.start(
      route,
      text(set.body.location),
      id,
      'scaleSet',
      false,
      () => {
        const current = this.scaleSets.get(key(id));
        if (!current) return;
        for (const n of names) {
          const vm = this.vms.get(n);
          if (vm) this.applyModelImage(current, vm);
        }
      },
      fault,
      'Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action',
    );
    return { status: 202, headers: this.lroHeaders(op, apiVersion) };
  }

  // ---------------------------------------------------------------- virtual machines

  private listVms(route: { subscriptionId: string; resourceGroup: string }, url: URL): Reply {
    const filter = url.searchParams.get('$filter');
    const expand = (url.searchParams.get('$expand') ?? '').toLowerCase() === 'instanceview';
    let setKey: string | undefined;
    if (filter !== null) {
      const m = /^\s*'?virtualMachineScaleSet\/id'?\s+eq\s+'([^']+)'\s*$/i.exec(filter);
      if (!m?.[1])
        return {
          status: 400,
          body: armError('InvalidParameter', `The value of parameter '$filter' is invalid: ${filter}`, {
            target: '$filter',
          }),
        };
      setKey = key(m[1]);
    } else if (expand) {
      return {
        status: 400,
        body: armError(
          'InvalidParameter',
          "The value 'instanceView' of parameter '$expand' is only allowed with a valid $filter.",
          { target: '$expand' },
        ),
      };
    }
    const rg = `/subscriptions/${route.subscriptionId}/resourcegroups/${route.resourceGroup}/`.toLowerCase();
    const value = [...this.vms.values()]
      .filter((v) => key(v.id).startsWith(rg) && (setKey === undefined || v.scaleSet === setKey))
      .map((v) => this.present(v, expand));
    return { status: 200, body: { value } };
  }

  private present(vm: StoredVm, withInstanceView: boolean): Body {
    const body = clone(vm.body);
    if (withInstanceView) props(body).instanceView = this.instanceView(vm);
    return body;
  }

  /** Shape of Azure/azure-rest-api-specs `VirtualMachine_Get_InstanceView.json`, plus `vmHealth` (health-extension doc). */
  private instanceView(vm: StoredVm): Body {
    const t = now();
    const state = text(path(vm.body, 'properties', 'provisioningState'), 'Succeeded');
    const view: Body = {
      computerName: path(vm.body, 'properties', 'osProfile', 'computerName') ?? lastSegment(vm.id),
      vmAgent: {
        vmAgentVersion: '2.7.41491.949',
        statuses: [
          {
            code: 'ProvisioningState/succeeded',
            level: 'Info',
            displayStatus: 'Ready',
            message: 'GuestAgent is running and accepting new configurations.',
            time: t,
          },
        ],
      },
      statuses: [
        {
          code: `ProvisioningState/${state.toLowerCase()}`,
          level: state === 'Failed' ? 'Error' : 'Info',
          displayStatus: `Provisioning ${state.toLowerCase()}`,
          time: t,
        },
        { code: 'PowerState/running', level: 'Info', displayStatus: 'VM running' },
      ],
    };
    if (vm.health) {
      view.vmHealth = {
        status: {
          code: `HealthState/${vm.health}`,
          level: vm.health === 'healthy' ? 'Info' : 'Warning',
          displayStatus: `The VM health is ${vm.health}`,
          time: t,
        },
      };
    }
    return view;
  }

  private putVm(
    route: NamedRoute,
    id: string,
    body: Body | undefined,
    headers: http.IncomingHttpHeaders,
    apiVersion: string,
    fault: (FaultSpec & { quota?: string }) | undefined,
  ): Reply {
    if (!body)
      return invalid('InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    const existing = this.vms.get(key(id));
    if (existing && headers['if-none-match'] === '*') {
      return {
        status: 412,
        body: armError(
          'PreconditionFailed',
          `The resource '${route.name}' already exists: the If-None-Match: * precondition of the request was not met.`,
        ),
      };
    }
    const location = body.location;
    if (typeof location !== 'string' || location.length === 0)
      return invalid('LocationRequired', 'The location property is required for this definition.');
    if (typeof path(body, 'properties', 'hardwareProfile', 'vmSize') !== 'string') {
      return {
        status: 400,
        body: armError('InvalidParameter', "Required parameter 'hardwareProfile.vmSize' is missing (null).", {
          target: 'hardwareProfile.vmSize',
        }),
      };
    }
    const nics = path(body, 'properties', 'networkProfile', 'networkInterfaceConfigurations');
    if (
      Array.isArray(nics) &&
      nics.length > 0 &&
      path(body, 'properties', 'networkProfile', 'networkApiVersion') === undefined
    ) {
      return {
        status: 400,
        body: armError(
          'NetworkApiVersionMustBeSpecifiedWithNetworkInterfaceConfigurations',
          `Network api version in network profile of virtual machine '${route.name}' must be specified if network interface configurations are specified.`,
        ),
      };
    }
    const stored: Body = {
      ...(withoutSecrets(body) as Body),
      id,
      name: route.name,
      type: 'Microsoft.Compute/virtualMachines',
      location,
    };
    const p = props(stored);
    p.vmId = asObject(existing?.body.properties)?.vmId ?? randomUUID();
    p.timeCreated = asObject(existing?.body.properties)?.timeCreated ?? now();
    p.provisioningState = existing ? 'Updating' : 'Creating';
    const storage = asObject(p.storageProfile);
    if (storage && storage.imageReference !== undefined)
      storage.imageReference = this.resolvedImage(storage.imageReference, location);
    this.vms.set(key(id), {
      id,
      body: stored,
      ...(existing?.scaleSet ? { scaleSet: existing.scaleSet } : {}),
      ...(existing?.health ? { health: existing.health } : {}),
    });
    const op = this.start(
      route,
      location,
      id,
      'vm',
      true,
      () => undefined,
      fault,
      'Microsoft.Compute/virtualMachines/write',
    );
    return { status: existing ? 200 : 201, headers: this.lroHeaders(op, apiVersion), body: clone(stored) };
  }

  private patchVm(
    route: NamedRoute,
    id: string,
    body: Body | undefined,
    apiVersion: string,
    fault: (FaultSpec & { quota?: string }) | undefined,
  ): Reply {
    const vm = this.vms.get(key(id));
    if (!vm) return notFound('virtualMachines', route);
    if (!body)
      return invalid('InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    const patch = withoutSecrets(body) as Body;
    const newImage = path(patch, 'properties', 'storageProfile', 'imageReference');
    const rest = merge(
      patch,
      newImage === undefined ? {} : { properties: { storageProfile: { imageReference: null } } },
    );
    vm.body = merge(vm.body, rest);
    props(vm.body).provisioningState = 'Updating';
    const op = this.start(
      route,
      text(vm.body.location),
      id,
      'vm',
      true,
      () => {
        const current = this.vms.get(key(id));
        const storage = current ? asObject(path(current.body, 'properties', 'storageProfile')) : undefined;
        if (storage && newImage !== undefined)
          storage.imageReference = this.resolvedImage(newImage, current?.body.location);
      },
      fault,
      'Microsoft.Compute/virtualMachines/write',
    );
    return { status: 200, headers: this.lroHeaders(op, apiVersion), body: clone(vm.body) };
  }

  private putExtension(
    route: NamedRoute & { extension: string },
    id: string,
    body: Body | undefined,
    apiVersion: string,
    fault: (FaultSpec & { quota?: string }) | undefined,
  ): Reply {
    const vm = this.vms.get(key(vmId(route)));
    if (!vm)
      return {
        status: 404,
        body: armError(
          'ParentResourceNotFound',
          `Can not perform requested operation on nested resource. Parent resource '${route.name}' not found.`,
        ),
      };
    if (!body)
      return invalid('InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    const existing = this.extensions.get(key(id));
    const stored: Body = {
      ...(withoutSecrets(body) as Body),
      id,
      name: route.extension,
      type: 'Microsoft.Compute/virtualMachines/extensions',
      location: body.location ?? vm.body.location,
    };
    props(stored).provisioningState = existing ? 'Updating' : 'Creating';
    this.extensions.set(key(id), { id, body: stored });
    const op = this.start(
      route,
      text(stored.location),
      id,
      'extension',
      true,
      () => undefined,
      fault,
      'Microsoft.Compute/virtualMachines/extensions/write',
    );
    return { status: existing ? 200 : 201, headers: this.lroHeaders(op, apiVersion), body: clone(stored) };
  }

  private deleteResource(
    route: NamedRoute,
    id: string,
    type: 'scaleSet' | 'vm',
    apiVersion: string,
    fault: (FaultSpec & { quota?: string }) | undefined,
  ): Reply {
    const map = type === 'scaleSet' ? this.scaleSets : this.vms;
    const existing = map.get(key(id));
    if (!existing) return { status: 204 };
    props(existing.body).provisioningState = 'Deleting';
    const op = this.start(
      route,
      text(existing.body.location),
      id,
      type,
      false,
      () => {
        map.delete(key(id));
        for (const [k, vm] of this.vms) if (vm.scaleSet === key(id)) this.vms.delete(k);
        for (const k of [...this.extensions.keys()])
          if (k.startsWith(`${key(id)}/extensions/`)) this.extensions.delete(k);
      },
      fault,
      type === 'scaleSet'
        ? 'Microsoft.Compute/virtualMachineScaleSets/delete'
        : 'Microsoft.Compute/virtualMachines/delete',
    );
    return { status: 202, headers: this.lroHeaders(op, apiVersion) };
  }
}

// ---------------------------------------------------------------- helpers

function resourceGroupOf(id: string): string {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';
}

function invalid(code: string, message: string): Reply {
  return { status: 400, body: armError(code, message) };
}

function methodNotAllowed(method: string): Reply {
  return { status: 405, body: armError('MethodNotAllowed', `The method '${method}' is not allowed on this resource.`) };
}

function notFound(type: string, route: { resourceGroup: string; name: string }): Reply {
  return {
    status: 404,
    body: armError(
      'ResourceNotFound',
      `The Resource 'Microsoft.Compute/${type}/${route.name}' under resource group '${route.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  };
}

/** The checks Compute makes on a Flexible scale set body, as ARM's error body (undefined when it passes). */
function flexibleProblem(body: Body, previous: Body | undefined): { error: ArmErrorBody } | undefined {
  const p = asObject(body.properties) ?? {};
  const before = previous ? asObject(previous.properties)?.orchestrationMode : undefined;
  if (previous && before !== p.orchestrationMode) {
    return armError('PropertyChangeNotAllowed', "Changing property 'orchestrationMode' is not allowed.", {
      target: 'orchestrationMode',
    });
  }
  if (p.orchestrationMode !== 'Flexible') return undefined;
  if (p.platformFaultDomainCount === undefined || p.platformFaultDomainCount === null) {
    return armError('InvalidParameter', "Required parameter 'platformFaultDomainCount' is missing (null).", {
      target: 'platformFaultDomainCount',
    });
  }
  const network = asObject(path(body, 'properties', 'virtualMachineProfile', 'networkProfile'));
  const nics = network?.networkInterfaceConfigurations;
  if (Array.isArray(nics) && nics.length > 0 && network?.networkApiVersion === undefined) {
    return armError(
      'NetworkApiVersionMustBeSpecifiedWithNetworkInterfaceConfigurations',
      `Network api version in network profile of virtual machine scale set '${text(body.name)}' must be specified if network interface configurations are specified.`,
    );
  }
  return undefined;
}

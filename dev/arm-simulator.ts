/**
 * A local Azure Resource Manager for Azure Compute Gallery reads, and virtual machine scale sets and
 * virtual machines with their long-running operations (dev/arm-compute.ts) (node:http, no framework).
 *
 * Tests, benchmarks and the offline `npm start` point the real `@azure/arm-compute` client at it
 * (its `endpoint` option). It answers the REST shapes ARM answers (resources with `properties`,
 * list pages with an absolute `nextLink`, ARM error bodies), so the SDK's own paging, retry and
 * deserialisation run exactly as against Azure.
 *
 * ARM routes served (segments match case-insensitively, `resourcegroups` included):
 *   /subscriptions/{s}/providers/Microsoft.Compute/galleries                        list galleries (subscription)
 *   /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries    list galleries (resource group)
 *   .../galleries/{g}                      get gallery   (`$expand=SharingProfile/Groups` adds sharingProfile.groups)
 *   .../galleries/{g}/images               list image definitions
 *   .../galleries/{g}/images/{i}           get image definition
 *   .../galleries/{g}/images/{i}/versions  list image versions (no replicationStatus, as ARM)
 *   .../images/{i}/versions/{v}            get image version (`$expand=ReplicationStatus` adds replicationStatus)
 *   /subscriptions/{s}/providers/Microsoft.Compute/skus    resource SKUs (`$filter=location eq 'westeurope'`)
 *   .../virtualMachineScaleSets/{n}, .../virtualMachines[/{vm}], operations: see dev/arm-compute.ts
 *   (GET, PUT, PATCH, POST manualupgrade, DELETE; long-running operations as ARM runs them).
 * Gallery routes answer GET only (another method: 405). Every write request (PUT, PATCH, POST,
 * DELETE) on an ARM route is counted, answered or refused (`writeCount`), so a test can show that
 * something wrote nothing.
 * Every ARM request needs `Authorization: Bearer <token>` (any token unless `requiredToken` is set;
 * else 401 with ARM's body) and an `api-version`
 * query parameter (else 400). Any api-version is accepted; the ones seen are recorded
 * (`seenApiVersions`) so a test can pin what the SDK sends.
 *
 * Admin endpoints (no authentication; loopback only) for a person running `npm start` offline:
 *   GET    /_sim/state                        everything stored, counters, pending faults
 *   GET    /_sim/resources/{arm id}           one stored resource, REST shape (404 when absent)
 *   PUT    /_sim/resources/{arm id}           create or replace a gallery / image / version from a REST JSON
 *                                             body (`id`, `name`, `type` may be omitted: taken from the path;
 *                                             `location` defaults to the parent's). 201 created, 200 replaced,
 *                                             404 ParentResourceNotFound, 400 invalid.
 *   DELETE /_sim/resources/{arm id}           delete it and everything under it (404 when absent)
 *   PUT    /_sim/skus/{subscriptionId}        the resource SKU list of a subscription: `{ "value": [...] }` or `[...]`
 *   POST   /_sim/faults                       `{ "status": 429, "count": 2, "retryAfterSeconds": 1, "pathPattern": "versions" }`
 *                                             (status may be "connection-reset"); DELETE /_sim/faults clears them.
 *                                             Also `"method": "PUT"`, and a documented Compute error by its code alone
 *                                             (`{ "code": "AllocationFailed" }`: status and sync/async as Azure reports it,
 *                                             COMPUTE_ERRORS in dev/arm-compute.ts), `"when": "sync" | "async"`,
 *                                             `"outcome": "Failed" | "Canceled"`, `"quota": "LowPriorityCores"`, `"target"`
 *   PUT    /_sim/compute/settings             `{ "operationPolls": 1, "operationMs": 500, "retryAfterSeconds": 1 }`: how long operations run
 *   PUT    /_sim/compute/health/{vm arm id}   `{ "state": "healthy" | "unhealthy" | "unknown" | "initializing" }`: what the VM's
 *                                             Application Health extension reports
 *   POST   /_sim/reset                        forget every resource, SKU, fault and counter
 * Example (the endpoint is printed by `npm start`):
 *   curl -X PUT "$ARM/_sim/resources/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base/versions/1.13.0" \
 *        -H 'content-type: application/json' -d @version.json
 */
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  InvalidResourceIdError,
  parseResourceId,
  resourceKey,
  type GalleryRef,
  type ImageRef,
  type ResourceLevel,
  type ResourceRef,
  type VersionRef,
} from '../shared/domain/ids.js';
import { LoopbackServer } from './ports.js';
import { TokenBucket, type TokenBucketLimits } from '../shared/domain/token-bucket.js';
import {
  armError,
  asObject,
  pathSegments,
  readJson,
  SimulatorInputError,
  type FaultSpec,
  type Reply,
} from './arm-protocol.js';
import {
  ComputeSimulator,
  faultError,
  isComputeErrorCode,
  COMPUTE_ERRORS,
  matchComputeRoute,
  startsOperation,
  type ComputeRoute,
  type HealthState,
} from './arm-compute.js';
import { compareVersions } from '../shared/domain/versions.js';

export { SimulatorInputError, type FaultSpec } from './arm-protocol.js';
export { armFault, COMPUTE_ERRORS, type ComputeErrorCode } from './arm-compute.js';

/** A resource as ARM's REST API shows it (`properties` not flattened). */
export interface RestResource {
  id: string;
  name?: string;
  type?: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What the `put*` methods take: a REST body whose `id` decides where it goes. */
export type RestResourceInput = { id: string; [key: string]: unknown };

/** A resource SKU as the REST API lists it. */
export type RestSku = Record<string, unknown>;

export type RequestKind = 'get' | 'list' | 'skus';

export interface ArmRequestCounts {
  /** Every ARM request received (admin `/_sim/` requests excluded), faulted and rejected ones included. */
  total: number;
  /** GETs of one gallery, image definition or version. */
  get: number;
  /** List pages (galleries, images, versions): one per page. */
  list: number;
  /** Resource SKU list pages. */
  skus: number;
  /** Requests answered by an injected fault. */
  faulted: number;
  /** Requests answered 429 by the read throttle. */
  throttled: number;
}

export interface SimulatedRequest {
  method: string;
  /** Path as received (display casing). */
  path: string;
  query: Record<string, string>;
  kind: RequestKind | undefined;
  status: number;
}

export interface ArmSimulatorOptions {
  /** Items per list page (default 100). */
  pageSize?: number;
  /** Delay added before every ARM answer, in milliseconds (default 0). */
  latencyMs?: number;
  /** The setting named in the error when a requested port is taken (default ARM_SIMULATOR_PORT). */
  portSetting?: string;
  /** Accept only this bearer token (any non-empty bearer token when absent). */
  requiredToken?: string;
  /**
   * Throttle ARM reads like ARM: a token bucket per subscription (ARM_READ_LIMITS: 250, refill
   * 25/s); an empty bucket answers 429 with `Retry-After`. Off when absent.
   */
  readThrottle?: TokenBucketLimits;
  /**
   * Told of every change made through the admin endpoints `PUT`/`DELETE /_sim/resources/...` and
   * `POST /_sim/reset`, after it is made (`npm start` keeps them in its data folder:
   * dev/arm-simulator-edits.ts).
   */
  onEdit?: (edit: SimulatorEdit) => void;
}

/** A change made through the admin endpoints: a resource stored (its REST body as stored), deleted, or everything forgotten. */
export type SimulatorEdit = { op: 'put'; resource: RestResource } | { op: 'delete'; id: string } | { op: 'reset' };

interface StoredResource {
  ref: ResourceRef;
  body: RestResource;
  /** Images of a gallery, versions of an image, keyed by resourceKey. */
  children: Map<string, StoredResource>;
}

interface PendingFault {
  spec: FaultSpec;
  remaining: number;
}

type Route =
  | { kind: 'listGalleriesBySubscription'; subscriptionId: string }
  | { kind: 'listGalleriesByResourceGroup'; subscriptionId: string; resourceGroup: string }
  | { kind: 'getGallery'; ref: GalleryRef }
  | { kind: 'listImages'; ref: GalleryRef }
  | { kind: 'getImage'; ref: ImageRef }
  | { kind: 'listVersions'; ref: ImageRef }
  | { kind: 'getVersion'; ref: VersionRef }
  | { kind: 'skus'; subscriptionId: string };

const RESOURCE_TYPES: Record<ResourceLevel, string> = {
  gallery: 'Microsoft.Compute/galleries',
  image: 'Microsoft.Compute/galleries/images',
  version: 'Microsoft.Compute/galleries/images/versions',
};

const MAX_LOGGED_REQUESTS = 10_000;

export class ArmSimulator {
  /** Items per list page; tests use small pages to exercise nextLink. */
  pageSize: number;
  /** Delay before every ARM answer, in milliseconds (benchmarks). */
  latencyMs: number;

  private readonly galleries = new Map<string, StoredResource>();
  private readonly byKey = new Map<string, StoredResource>();
  private readonly skus = new Map<string, RestSku[]>();
  private faults: PendingFault[] = [];
  private counts: ArmRequestCounts = emptyCounts();
  private log: SimulatedRequest[] = [];
  private readonly apiVersions = new Set<string>();
  private readonly listener: LoopbackServer;
  private readonly requiredToken: string | undefined;
  /** The read throttle (see ArmSimulatorOptions.readThrottle); set to change it, undefined turns it off. */
  readThrottle: TokenBucketLimits | undefined;
  private readonly buckets = new Map<string, TokenBucket>();
  /** Write requests (PUT, PATCH, POST, DELETE) received on ARM routes, answered or refused. */
  private writes = 0;
  /** Scale sets and virtual machines (dev/arm-compute.ts). */
  readonly compute: ComputeSimulator;

  constructor(options: ArmSimulatorOptions = {}) {
    this.compute = new ComputeSimulator({
      endpoint: () => this.endpoint,
      latestVersionOf: (id, region) => this.latestVersionOf(id, region),
    });
    this.pageSize = options.pageSize ?? 100;
    this.latencyMs = options.latencyMs ?? 0;
    this.listener = new LoopbackServer('the local ARM simulator', options.portSetting ?? 'ARM_SIMULATOR_PORT');
    this.requiredToken = options.requiredToken;
    this.readThrottle = options.readThrottle;
    this.onEdit = options.onEdit;
  }

  private readonly onEdit: ((edit: SimulatorEdit) => void) | undefined;

  // ---------------------------------------------------------------- lifecycle

  /** Listens on 127.0.0.1 (a free port unless one is given) and resolves with the endpoint to give the SDK. */
  async start(port?: number): Promise<{ endpoint: string }> {
    const endpoint = await this.listener.start((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          send(res, { status: 500, body: armError('InternalServerError', `Simulator failure: ${errorMessage(err)}`) });
        } else {
          res.destroy();
        }
      });
    }, port);
    return { endpoint };
  }

  /** The endpoint while started (`http://127.0.0.1:port`). */
  get endpoint(): string {
    return this.listener.endpoint;
  }

  async stop(): Promise<void> {
    await this.listener.stop();
  }

  // ---------------------------------------------------------------- state

  putGallery(restJson: RestResourceInput): RestResource {
    return this.putAt('gallery', restJson);
  }

  putImage(restJson: RestResourceInput): RestResource {
    return this.putAt('image', restJson);
  }

  putVersion(restJson: RestResourceInput): RestResource {
    return this.putAt('version', restJson);
  }

  /** Creates or replaces a gallery, image definition or version: its id decides which. */
  put(restJson: RestResourceInput): RestResource {
    return this.putAt(undefined, restJson);
  }

  /** Deletes a resource and everything under it. Returns how many resources were removed (0 when absent). */
  delete(id: string): number {
    const ref = parseResourceId(id);
    const stored = this.byKey.get(resourceKey(ref));
    if (!stored) return 0;
    const removed = this.forget(stored);
    if (ref.level === 'gallery') {
      this.galleries.delete(resourceKey(ref));
    } else {
      this.parentOf(ref)?.children.delete(resourceKey(ref));
    }
    return removed;
  }

  /** The stored REST body (with every property, expand or not), or undefined. */
  get(id: string): RestResource | undefined {
    const stored = this.byKey.get(resourceKey(parseResourceId(id)));
    return stored ? structuredClone(stored.body) : undefined;
  }

  /** Every stored resource, galleries before their images before their versions. */
  all(): RestResource[] {
    const out: RestResource[] = [];
    const walk = (s: StoredResource): void => {
      out.push(structuredClone(s.body));
      for (const c of s.children.values()) walk(c);
    };
    for (const g of this.galleries.values()) walk(g);
    return out;
  }

  /** Replaces the resource SKU list of a subscription (`{ value: [...] }` as REST lists it, or the array). */
  putSkus(subscriptionId: string, restSkuList: { value: RestSku[] } | RestSku[]): void {
    const list = Array.isArray(restSkuList) ? restSkuList : restSkuList.value;
    if (!Array.isArray(list))
      throw new SimulatorInputError(400, 'InvalidRequestContent', 'a SKU list is { "value": [...] } or an array');
    this.skus.set(subscriptionId.toLowerCase(), structuredClone(list));
  }

  /** Forgets every resource and SKU (faults and counters are kept: see clearFaults / resetCounters). */
  clear(): void {
    this.galleries.clear();
    this.byKey.clear();
    this.skus.clear();
    this.compute.clear();
  }

  /**
   * The highest succeeded version of a stored image definition not excluded from latest (what a scale set
   * that names the definition gets as `exactVersion`); undefined when the simulator holds none. With a
   * region, as Azure resolves `latest` for a VM there: only versions published to that region, and a
   * target region's own `excludeFromLatest` counts beside the version's (Azure/azure-rest-api-specs
   * `GalleryImageVersion.json` `TargetRegion.excludeFromLatest`: "hide an image when users specify
   * version='latest'").
   */
  latestVersionOf(definitionId: string, region?: string): string | undefined {
    let ref: ResourceRef;
    try {
      ref = parseResourceId(definitionId);
    } catch {
      return undefined;
    }
    const image = ref.level === 'image' ? this.byKey.get(resourceKey(ref)) : undefined;
    const names = [...(image?.children.values() ?? [])]
      .filter(
        (v) =>
          asObject(v.body.properties?.publishingProfile)?.excludeFromLatest !== true &&
          (v.body.properties?.provisioningState ?? 'Succeeded') === 'Succeeded',
      )
      .filter((v) => region === undefined || latestInRegion(v.body.properties?.publishingProfile, region))
      .map((v) => (v.ref.level === 'version' ? v.ref.version : ''))
      .filter((n) => /^\d+\.\d+\.\d+$/.test(n));
    return names.sort(compareVersions).pop();
  }

  // ---------------------------------------------------------------- faults, counters

  /** The next `count` ARM requests that match answer with `status` instead. Rules apply in the order injected. */
  injectFaults(spec: FaultSpec): void {
    if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error('a fault needs a positive whole count');
    this.faults.push({ spec, remaining: spec.count });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** How many faulted answers are still to come. */
  get pendingFaultCount(): number {
    return this.faults.reduce((n, f) => n + f.remaining, 0);
  }

  /** Write requests (PUT, PATCH, POST, DELETE) received on ARM routes since start or the last resetCounters(), refused ones included. */
  get writeCount(): number {
    return this.writes;
  }

  /** ARM requests received since start or the last resetCounters(). */
  get requestCount(): ArmRequestCounts {
    return { ...this.counts };
  }

  /** The ARM requests received (up to the last 10,000), oldest first. */
  get requests(): readonly SimulatedRequest[] {
    return [...this.log];
  }

  /** Every api-version the ARM routes were called with. */
  get seenApiVersions(): ReadonlySet<string> {
    return new Set(this.apiVersions);
  }

  /** Takes a read token of the subscription: 0, or the milliseconds until one is there. */
  private throttle(subscriptionId: string): number {
    if (!this.readThrottle) return 0;
    const key = subscriptionId.toLowerCase();
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.limits !== this.readThrottle) {
      bucket = new TokenBucket(this.readThrottle, performance.now());
      this.buckets.set(key, bucket);
    }
    return bucket.take(performance.now());
  }

  resetCounters(): void {
    this.buckets.clear();
    this.counts = emptyCounts();
    this.writes = 0;
    this.log = [];
    this.apiVersions.clear();
  }

  // ---------------------------------------------------------------- internals: state

  private putAt(expected: ResourceLevel | undefined, input: RestResourceInput): RestResource {
    if (typeof input !== 'object' || input === null || typeof input.id !== 'string') {
      throw new SimulatorInputError(400, 'InvalidRequestContent', 'a resource body needs a string "id"');
    }
    let ref: ResourceRef;
    try {
      ref = parseResourceId(input.id);
    } catch (err) {
      throw new SimulatorInputError(400, 'InvalidResourceId', errorMessage(err));
    }
    if (expected && ref.level !== expected) {
      throw new SimulatorInputError(
        400,
        'InvalidResourceType',
        `expected a ${expected} id, got a ${ref.level} id: ${input.id}`,
      );
    }
    const properties = input.properties;
    if (
      properties !== undefined &&
      (typeof properties !== 'object' || properties === null || Array.isArray(properties))
    ) {
      throw new SimulatorInputError(400, 'InvalidRequestContent', '"properties" must be an object');
    }
    const parent = ref.level === 'gallery' ? undefined : this.parentOf(ref);
    if (ref.level !== 'gallery' && !parent) {
      throw new SimulatorInputError(404, 'ParentResourceNotFound', parentNotFoundMessage(ref, this));
    }
    const body = structuredClone(input) as RestResource;
    body.name ??= lastName(ref);
    body.type ??= RESOURCE_TYPES[ref.level];
    body.location ??= parent?.body.location;
    if (typeof body.location !== 'string' || body.location.length === 0) {
      throw new SimulatorInputError(400, 'LocationRequired', 'a gallery needs a "location"');
    }
    body.properties ??= {};
    if (ref.level === 'version') echoRegionalExcludeFromLatest(body.properties);

    const key = resourceKey(ref);
    const existing = this.byKey.get(key);
    const stored: StoredResource = { ref, body, children: existing?.children ?? new Map<string, StoredResource>() };
    this.byKey.set(key, stored);
    if (ref.level === 'gallery') this.galleries.set(key, stored);
    else parent?.children.set(key, stored);
    return structuredClone(body);
  }

  private parentOf(ref: ImageRef | VersionRef): StoredResource | undefined {
    const parentRef: ResourceRef =
      ref.level === 'version'
        ? {
            level: 'image',
            subscriptionId: ref.subscriptionId,
            resourceGroup: ref.resourceGroup,
            gallery: ref.gallery,
            image: ref.image,
          }
        : {
            level: 'gallery',
            subscriptionId: ref.subscriptionId,
            resourceGroup: ref.resourceGroup,
            gallery: ref.gallery,
          };
    return this.byKey.get(resourceKey(parentRef));
  }

  /** True when the resource is stored (ids compare case-insensitively). */
  has(ref: ResourceRef): boolean {
    return this.byKey.has(resourceKey(ref));
  }

  private forget(stored: StoredResource): number {
    let n = 1;
    for (const child of stored.children.values()) n += this.forget(child);
    this.byKey.delete(resourceKey(stored.ref));
    return n;
  }

  // ---------------------------------------------------------------- internals: HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
      send(res, await this.handleAdmin(req, url));
      return;
    }

    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams.entries());
    this.counts.total += 1;
    if (method !== 'GET' && method !== 'HEAD') this.writes += 1;
    const record = (kind: RequestKind | undefined, status: number): void => {
      this.log.push({ method, path: url.pathname, query, kind, status });
      if (this.log.length > MAX_LOGGED_REQUESTS) this.log.shift();
    };
    if (this.latencyMs > 0) await delay(this.latencyMs);

    const reply = (kind: RequestKind | undefined, r: Reply): void => {
      record(kind, r.status);
      send(res, r);
    };

    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined || (this.requiredToken !== undefined && token !== this.requiredToken)) {
      const missing = req.headers.authorization === undefined;
      reply(undefined, {
        status: 401,
        body: armError(
          missing ? 'AuthenticationFailed' : 'InvalidAuthenticationToken',
          missing ? "Authentication failed. The 'Authorization' header is missing." : 'The access token is invalid.',
        ),
      });
      return;
    }
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) {
      reply(undefined, {
        status: 400,
        body: armError(
          'MissingApiVersionParameter',
          'The api-version query parameter (?api-version=) is required for all requests.',
        ),
      });
      return;
    }

    let computeRoute: ComputeRoute | undefined;
    let route: Route | undefined;
    try {
      computeRoute = matchComputeRoute(url.pathname);
      route = computeRoute ? undefined : matchRoute(url.pathname);
    } catch {
      reply(undefined, {
        status: 400,
        body: armError('InvalidRequestUri', `The request path '${url.pathname}' is not valid.`),
      });
      return;
    }
    if (computeRoute) {
      reply(undefined, await this.answerCompute(computeRoute, method, url, req));
      return;
    }
    const kind = route ? kindOf(route) : undefined;
    if (kind) this.counts[kind] += 1;

    const wait = route ? this.throttle(subscriptionOf(route)) : 0;
    if (wait > 0) {
      this.counts.throttled += 1;
      reply(kind, {
        status: 429,
        headers: { 'retry-after': String(Math.ceil(wait / 1000)), 'x-ms-ratelimit-remaining-subscription-reads': '0' },
        body: armError(
          'TooManyRequests',
          'The request is being throttled as the limit has been reached for operation type - Read.',
        ),
      });
      return;
    }

    const fault = this.takeFault(method, url.pathname);
    if (fault) {
      this.counts.faulted += 1;
      if (fault.status === 'connection-reset') {
        record(kind, 0);
        req.socket.destroy();
        return;
      }
      reply(kind, faultReply(fault));
      return;
    }

    if (!route) {
      reply(undefined, {
        status: 404,
        body: armError(
          'InvalidResourceType',
          `The resource type could not be found for the request path '${url.pathname}' and api version '${apiVersion}'.`,
        ),
      });
      return;
    }
    if (method !== 'GET') {
      reply(kind, {
        status: 405,
        body: armError(
          'MethodNotAllowed',
          `The local ARM simulator serves reads only; ${method} is not supported here (use /_sim/resources).`,
        ),
      });
      return;
    }
    this.apiVersions.add(apiVersion);
    reply(kind, this.answer(route, url, req));
  }

  /** A Compute request: read throttle for GETs, injected faults (`async` ones fail the operation), then dev/arm-compute.ts. */
  private async answerCompute(
    route: ComputeRoute,
    method: string,
    url: URL,
    req: http.IncomingMessage,
  ): Promise<Reply> {
    if (method === 'GET') {
      const wait = this.throttle(route.subscriptionId);
      if (wait > 0) {
        this.counts.throttled += 1;
        return {
          status: 429,
          headers: {
            'retry-after': String(Math.ceil(wait / 1000)),
            'x-ms-ratelimit-remaining-subscription-reads': '0',
          },
          body: armError(
            'TooManyRequests',
            'The request is being throttled as the limit has been reached for operation type - Read.',
          ),
        };
      }
    }
    const apiVersion = url.searchParams.get('api-version') ?? '';
    const fault = this.takeFault(method, url.pathname);
    if (fault) {
      this.counts.faulted += 1;
      if (fault.when === 'async' && startsOperation(route, method)) {
        this.apiVersions.add(apiVersion);
        return this.compute.answer(route, req, url, fault);
      }
      if (fault.status === 'connection-reset') {
        req.socket.destroy();
        return { status: 0 };
      }
      const location = 'location' in route ? route.location : '';
      const resourceId = url.pathname.replace(/\/+$/, '');
      const context = {
        resourceId,
        subscriptionId: route.subscriptionId,
        location,
        action: computeAction(route, method),
      };
      const base = faultReply(fault);
      return { ...base, body: { error: faultError(fault, context) } };
    }
    this.apiVersions.add(apiVersion);
    return this.compute.answer(route, req, url);
  }

  private takeFault(method: string, path: string): FaultSpec | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      const m = f.spec.match;
      if (f.spec.method !== undefined && f.spec.method.toUpperCase() !== method.toUpperCase()) continue;
      const matches = m === undefined ? true : m instanceof RegExp ? m.test(path) : m(method, path);
      if (!matches) continue;
      f.remaining -= 1;
      this.faults = this.faults.filter((x) => x.remaining > 0);
      return f.spec;
    }
    return undefined;
  }

  private answer(route: Route, url: URL, req: http.IncomingMessage): Reply {
    const expand = (url.searchParams.get('$expand') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s.length > 0);
    const page = (items: unknown[]): Reply => this.page(items, url, req);
    switch (route.kind) {
      case 'listGalleriesBySubscription': {
        const sub = route.subscriptionId.toLowerCase();
        return page(
          [...this.galleries.values()]
            .filter((g) => g.ref.subscriptionId.toLowerCase() === sub)
            .map((g) => presentGallery(g.body, false)),
        );
      }
      case 'listGalleriesByResourceGroup': {
        const sub = route.subscriptionId.toLowerCase();
        const rg = route.resourceGroup.toLowerCase();
        return page(
          [...this.galleries.values()]
            .filter((g) => g.ref.subscriptionId.toLowerCase() === sub && g.ref.resourceGroup.toLowerCase() === rg)
            .map((g) => presentGallery(g.body, false)),
        );
      }
      case 'getGallery': {
        const g = this.byKey.get(resourceKey(route.ref));
        if (!g) return notFound(route.ref, this);
        return { status: 200, body: presentGallery(g.body, expand.includes('sharingprofile/groups')) };
      }
      case 'listImages': {
        const g = this.byKey.get(resourceKey(route.ref));
        if (!g) return notFound(route.ref, this, true);
        return page([...g.children.values()].map((i) => i.body));
      }
      case 'getImage': {
        const i = this.byKey.get(resourceKey(route.ref));
        if (!i) return notFound(route.ref, this);
        return { status: 200, body: i.body };
      }
      case 'listVersions': {
        const i = this.byKey.get(resourceKey(route.ref));
        if (!i) return notFound(route.ref, this, true);
        return page([...i.children.values()].map((v) => presentVersion(v.body, false)));
      }
      case 'getVersion': {
        const v = this.byKey.get(resourceKey(route.ref));
        if (!v) return notFound(route.ref, this);
        return { status: 200, body: presentVersion(v.body, expand.includes('replicationstatus')) };
      }
      case 'skus': {
        const all = this.skus.get(route.subscriptionId.toLowerCase()) ?? [];
        const filter = url.searchParams.get('$filter');
        if (!filter) return page(structuredClone(all));
        const m = /^\s*location\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
        if (!m) {
          return {
            status: 400,
            body: armError(
              'InvalidFilter',
              `Only a location filter (location eq 'westeurope') is supported; got: ${filter}`,
            ),
          };
        }
        const location = normaliseRegion((m[1] ?? '').replace(/''/g, "'"));
        return page(all.flatMap((s) => skuInLocation(s, location)));
      }
    }
  }

  private page(items: unknown[], url: URL, req: http.IncomingMessage): Reply {
    const token = url.searchParams.get('$skiptoken');
    let offset = 0;
    if (token !== null) {
      const decoded = decodeSkipToken(token);
      if (decoded === undefined)
        return { status: 400, body: armError('InvalidSkipToken', 'The $skiptoken is not valid.') };
      offset = decoded;
    }
    const size = Math.max(1, Math.floor(this.pageSize));
    const value = items.slice(offset, offset + size);
    const body: { value: unknown[]; nextLink?: string } = { value };
    if (offset + size < items.length) {
      const host = req.headers.host ?? new URL(this.endpoint).host;
      const params = [...url.searchParams.entries()].filter(([k]) => k !== '$skiptoken');
      params.push(['$skiptoken', encodeSkipToken(offset + size)]);
      const qs = params
        .map(([k, v]) => `${encodeURIComponent(k).replace(/^%24/, '$')}=${encodeURIComponent(v)}`)
        .join('&');
      body.nextLink = `http://${host}${url.pathname}?${qs}`;
    }
    return { status: 200, body };
  }

  private async handleAdmin(req: http.IncomingMessage, url: URL): Promise<Reply> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    try {
      if (path === '/_sim/state' && method === 'GET') {
        return {
          status: 200,
          body: {
            endpoint: this.listener.url,
            pageSize: this.pageSize,
            latencyMs: this.latencyMs,
            requestCount: this.requestCount,
            pendingFaults: this.faults.map((f) => ({
              status: f.spec.status,
              remaining: f.remaining,
              match: describeMatch(f.spec.match),
            })),
            resources: this.all(),
            skus: Object.fromEntries(this.skus.entries()),
            writeCount: this.writes,
            compute: { settings: this.compute.settings, resources: this.compute.all() },
          },
        };
      }
      if (path === '/_sim/reset' && method === 'POST') {
        this.clear();
        this.clearFaults();
        this.resetCounters();
        this.onEdit?.({ op: 'reset' });
        return { status: 204 };
      }
      if (path === '/_sim/faults') {
        if (method === 'DELETE') {
          this.clearFaults();
          return { status: 204 };
        }
        if (method === 'POST') {
          const body = await readJson(req);
          this.injectFaults(parseFaultBody(body));
          return { status: 202, body: { pendingFaults: this.pendingFaultCount } };
        }
      }
      if (path === '/_sim/compute/settings' && method === 'PUT') {
        const body = asObject(await readJson(req)) ?? {};
        for (const k of ['operationPolls', 'operationMs', 'retryAfterSeconds'] as const) {
          const v = body[k];
          if (v === undefined) continue;
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
            throw new SimulatorInputError(400, 'InvalidRequestContent', `"${k}" must be a whole number of at least 0`);
          this.compute.settings[k] = v;
        }
        return { status: 200, body: this.compute.settings };
      }
      if (path.toLowerCase().startsWith('/_sim/compute/health/') && method === 'PUT') {
        const id = decodeURIComponent(path.slice('/_sim/compute/health'.length));
        const state = asObject(await readJson(req))?.state;
        if (state !== 'healthy' && state !== 'unhealthy' && state !== 'unknown' && state !== 'initializing') {
          throw new SimulatorInputError(
            400,
            'InvalidRequestContent',
            '"state" must be healthy, unhealthy, unknown or initializing',
          );
        }
        this.compute.setVmHealth(id, state satisfies HealthState);
        return { status: 204 };
      }
      const skuMatch = /^\/_sim\/skus\/([^/]+)$/i.exec(path);
      if (skuMatch && method === 'PUT') {
        const body = await readJson(req);
        this.putSkus(decodeURIComponent(skuMatch[1] ?? ''), body as { value: RestSku[] } | RestSku[]);
        return { status: 204 };
      }
      if (path.toLowerCase().startsWith('/_sim/resources/')) {
        // `/_sim/resources/<ARM id>` with the id's own leading slash (`//subscriptions/...`) is the same resource.
        const id = decodeURIComponent(path.slice('/_sim/resources'.length)).replace(/^\/+/, '/');
        if (method === 'GET') {
          const found = this.get(id);
          return found ? { status: 200, body: found } : notFound(parseResourceId(id), this);
        }
        if (method === 'DELETE') {
          const removed = this.delete(id);
          if (removed > 0) this.onEdit?.({ op: 'delete', id });
          return removed > 0 ? { status: 200, body: { deleted: removed } } : notFound(parseResourceId(id), this);
        }
        if (method === 'PUT') {
          const raw = await readJson(req);
          if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
            throw new SimulatorInputError(400, 'InvalidRequestContent', 'the body must be a JSON object');
          }
          const body = raw as Record<string, unknown>;
          if (
            body.id !== undefined &&
            (typeof body.id !== 'string' || body.id.toLowerCase().replace(/\/+$/, '') !== id.toLowerCase())
          ) {
            throw new SimulatorInputError(
              400,
              'InvalidRequestContent',
              `the body id does not match the path: ${JSON.stringify(body.id)}`,
            );
          }
          const existed = this.get(id) !== undefined;
          const stored = this.put({ ...body, id: typeof body.id === 'string' ? body.id : id });
          this.onEdit?.({ op: 'put', resource: stored });
          return { status: existed ? 200 : 201, body: stored };
        }
      }
      return {
        status: 404,
        body: armError(
          'NotFound',
          `No simulator admin endpoint ${method} ${path}. See the comment at the top of dev/arm-simulator.ts.`,
        ),
      };
    } catch (err) {
      if (err instanceof SimulatorInputError) return { status: err.status, body: armError(err.code, err.message) };
      if (err instanceof InvalidResourceIdError)
        return { status: 400, body: armError('InvalidResourceId', err.message) };
      throw err;
    }
  }
}

// ------------------------------------------------------------------ helpers

/** The RBAC action a Compute request needs (named in an AuthorizationFailed message). */
function computeAction(route: ComputeRoute, method: string): string {
  const type =
    route.kind === 'scaleSet' || route.kind === 'manualUpgrade'
      ? 'virtualMachineScaleSets'
      : route.kind === 'extension'
        ? 'virtualMachines/extensions'
        : 'virtualMachines';
  if (route.kind === 'manualUpgrade') return 'Microsoft.Compute/virtualMachineScaleSets/manualUpgrade/action';
  return `Microsoft.Compute/${type}/${method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write'}`;
}

function subscriptionOf(route: Route): string {
  return 'subscriptionId' in route ? route.subscriptionId : route.ref.subscriptionId;
}

function emptyCounts(): ArmRequestCounts {
  return { total: 0, get: 0, list: 0, skus: 0, faulted: 0, throttled: 0 };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
    ...reply.headers,
  };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(text);
}

function lastName(ref: ResourceRef): string {
  return ref.level === 'gallery' ? ref.gallery : ref.level === 'image' ? ref.image : ref.version;
}

/** The ARM error for a missing resource: ParentResourceNotFound when an ancestor is missing too. */
function notFound(ref: ResourceRef, sim: ArmSimulator, listingChildren = false): Reply {
  if (ref.level !== 'gallery') {
    const gallery: GalleryRef = {
      level: 'gallery',
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      gallery: ref.gallery,
    };
    const image: ImageRef = { ...gallery, level: 'image', image: ref.image };
    if (!sim.has(gallery) || (ref.level === 'version' && !sim.has(image))) {
      return { status: 404, body: armError('ParentResourceNotFound', parentNotFoundMessage(ref, sim)) };
    }
  }
  if (listingChildren) {
    const name =
      ref.level === 'image'
        ? `${ref.gallery}/${ref.image}`
        : ref.level === 'gallery'
          ? ref.gallery
          : `${ref.gallery}/${ref.image}/${ref.version}`;
    return {
      status: 404,
      body: armError(
        'ParentResourceNotFound',
        `Can not perform requested operation on nested resource. Parent resource '${name}' not found.`,
      ),
    };
  }
  return {
    status: 404,
    body: armError(
      'ResourceNotFound',
      `The Resource '${RESOURCE_TYPES.gallery}/${nestedName(ref)}' under resource group '${ref.resourceGroup}' was not found.`,
    ),
  };
}

function nestedName(ref: ResourceRef): string {
  if (ref.level === 'gallery') return ref.gallery;
  if (ref.level === 'image') return `${ref.gallery}/images/${ref.image}`;
  return `${ref.gallery}/images/${ref.image}/versions/${ref.version}`;
}

function parentNotFoundMessage(ref: ImageRef | VersionRef, sim: ArmSimulator): string {
  const gallery: GalleryRef = {
    level: 'gallery',
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    gallery: ref.gallery,
  };
  const missing = !sim.has(gallery) ? ref.gallery : `${ref.gallery}/${ref.image}`;
  return `Can not perform requested operation on nested resource. Parent resource '${missing}' not found.`;
}

function matchRoute(pathname: string): Route | undefined {
  const { seg, lower } = pathSegments(pathname);
  if (lower[0] !== 'subscriptions' || !seg[1]) return undefined;
  const subscriptionId = seg[1];
  if (lower[2] === 'providers' && lower[3] === 'microsoft.compute' && seg.length === 5) {
    if (lower[4] === 'galleries') return { kind: 'listGalleriesBySubscription', subscriptionId };
    if (lower[4] === 'skus') return { kind: 'skus', subscriptionId };
    return undefined;
  }
  if (
    lower[2] !== 'resourcegroups' ||
    !seg[3] ||
    lower[4] !== 'providers' ||
    lower[5] !== 'microsoft.compute' ||
    lower[6] !== 'galleries'
  ) {
    return undefined;
  }
  const resourceGroup = seg[3];
  if (seg.length === 7) return { kind: 'listGalleriesByResourceGroup', subscriptionId, resourceGroup };
  const gallery: GalleryRef = { level: 'gallery', subscriptionId, resourceGroup, gallery: seg[7] ?? '' };
  if (!gallery.gallery) return undefined;
  if (seg.length === 8) return { kind: 'getGallery', ref: gallery };
  if (lower[8] !== 'images') return undefined;
  if (seg.length === 9) return { kind: 'listImages', ref: gallery };
  const image: ImageRef = { ...gallery, level: 'image', image: seg[9] ?? '' };
  if (!image.image) return undefined;
  if (seg.length === 10) return { kind: 'getImage', ref: image };
  if (lower[10] !== 'versions') return undefined;
  if (seg.length === 11) return { kind: 'listVersions', ref: image };
  const version: VersionRef = { ...image, level: 'version', version: seg[11] ?? '' };
  if (seg.length === 12 && version.version) return { kind: 'getVersion', ref: version };
  return undefined;
}

function kindOf(route: Route): RequestKind {
  switch (route.kind) {
    case 'getGallery':
    case 'getImage':
    case 'getVersion':
      return 'get';
    case 'skus':
      return 'skus';
    default:
      return 'list';
  }
}

/** A gallery as ARM answers it: `sharingProfile.groups` only with `$expand=SharingProfile/Groups`. */
function presentGallery(body: RestResource, withGroups: boolean): RestResource {
  const sharing = asObject(body.properties?.sharingProfile);
  if (withGroups || sharing?.groups === undefined) return body;
  const sharingProfile = { ...sharing };
  delete sharingProfile.groups;
  return { ...body, properties: { ...body.properties, sharingProfile } };
}

/**
 * ARM stores and echoes `excludeFromLatest` on every target-region entry of a version, `false` when
 * the request left it out (Azure/azure-rest-api-specs, GalleryRP/stable/2023-07-03/examples/
 * galleryExamples/GalleryImageVersion_Get_WithVhdAsSource.json: both regions answer
 * `"excludeFromLatest": false`).
 */
function echoRegionalExcludeFromLatest(properties: Record<string, unknown>): void {
  const pp = asObject(properties.publishingProfile);
  const regions = pp?.targetRegions;
  if (!Array.isArray(regions)) return;
  for (const r of regions) {
    const region = asObject(r);
    if (region && region.excludeFromLatest === undefined) region.excludeFromLatest = false;
  }
}

/**
 * A version as ARM answers it: `replicationStatus` only with `$expand=ReplicationStatus`. The reply
 * is serialized as soon as it is built (`send`), so it is a view of the stored body, copied only
 * at the level it leaves a property out of.
 */
function presentVersion(body: RestResource, withReplication: boolean): RestResource {
  if (withReplication || body.properties?.replicationStatus === undefined) return body;
  const properties = { ...body.properties };
  delete properties.replicationStatus;
  return { ...body, properties };
}

function normaliseRegion(region: string): string {
  return region.replace(/\s+/g, '').toLowerCase();
}

/** A SKU narrowed to one location, as ARM answers a location-filtered list (empty when not offered there). */
function skuInLocation(sku: RestSku, location: string): RestSku[] {
  const locations = Array.isArray(sku.locations) ? sku.locations.filter((l): l is string => typeof l === 'string') : [];
  const here = locations.filter((l) => normaliseRegion(l) === location);
  if (here.length === 0) return [];
  const out = structuredClone(sku);
  out.locations = here;
  if (Array.isArray(sku.locationInfo)) {
    out.locationInfo = structuredClone(sku.locationInfo).filter((li) => {
      const loc = asObject(li)?.location;
      return typeof loc === 'string' && normaliseRegion(loc) === location;
    });
  }
  return [out];
}

function encodeSkipToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), 'utf8').toString('base64url');
}

function decodeSkipToken(token: string): number | undefined {
  try {
    const parsed = asObject(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    const o = parsed?.o;
    return typeof o === 'number' && Number.isInteger(o) && o >= 0 ? o : undefined;
  } catch {
    return undefined;
  }
}

const DEFAULT_FAULT_ERRORS: Record<number, [string, string]> = {
  400: ['BadRequest', 'The request is not valid.'],
  401: ['InvalidAuthenticationToken', 'The access token is invalid.'],
  403: [
    'AuthorizationFailed',
    "The client does not have authorization to perform action 'Microsoft.Compute/galleries/read' over the scope, or the scope is invalid.",
  ],
  404: ['ResourceNotFound', 'The Resource was not found.'],
  409: ['Conflict', 'The request conflicts with the current state of the resource.'],
  429: ['TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Read.'],
  500: ['InternalServerError', 'Encountered internal server error.'],
  502: ['BadGateway', 'The gateway did not receive a response in time.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable.'],
  504: ['GatewayTimeout', 'The gateway did not receive a response within the specified time period.'],
};

function faultReply(spec: FaultSpec): Reply {
  const status = typeof spec.status === 'number' ? spec.status : 500;
  const [defCode, defMessage] = DEFAULT_FAULT_ERRORS[status] ?? [
    'SimulatedFault',
    `Simulated failure with status ${status}.`,
  ];
  const headers: Record<string, string> = {};
  const retryAfter = spec.retryAfterSeconds ?? (status === 429 ? 1 : undefined);
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return { status, headers, body: armError(spec.code ?? defCode, spec.message ?? defMessage) };
}

function describeMatch(m: FaultSpec['match']): string {
  if (m === undefined) return 'all';
  return m instanceof RegExp ? m.toString() : 'predicate';
}

function parseFaultBody(raw: unknown): FaultSpec {
  const body = asObject(raw);
  const code = body?.code;
  const documented = typeof code === 'string' && isComputeErrorCode(code) ? COMPUTE_ERRORS[code] : undefined;
  const status = body?.status ?? documented?.status;
  const count = body?.count ?? 1;
  if (!(
    status === 'connection-reset' ||
    (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599)
  )) {
    throw new SimulatorInputError(
      400,
      'InvalidRequestContent',
      '"status" must be an HTTP error status (400-599) or "connection-reset"',
    );
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new SimulatorInputError(400, 'InvalidRequestContent', '"count" must be a positive whole number');
  }
  const spec: FaultSpec & { quota?: string } = { status, count };
  const when = body?.when ?? documented?.when;
  if (when !== undefined) {
    if (when !== 'sync' && when !== 'async')
      throw new SimulatorInputError(400, 'InvalidRequestContent', '"when" must be "sync" or "async"');
    spec.when = when;
  }
  const outcome = body?.outcome;
  if (outcome !== undefined) {
    if (outcome !== 'Failed' && outcome !== 'Canceled')
      throw new SimulatorInputError(400, 'InvalidRequestContent', '"outcome" must be "Failed" or "Canceled"');
    spec.outcome = outcome;
  }
  if (typeof body?.method === 'string') spec.method = body.method.toUpperCase();
  if (typeof body?.quota === 'string') spec.quota = body.quota;
  if (typeof body?.target === 'string') spec.target = body.target;
  if (typeof body?.retryAfterSeconds === 'number') spec.retryAfterSeconds = body.retryAfterSeconds;
  if (typeof body?.code === 'string') spec.code = body.code;
  if (typeof body?.message === 'string') spec.message = body.message;
  if (typeof body?.pathPattern === 'string') {
    try {
      spec.match = new RegExp(body.pathPattern, 'i');
    } catch {
      throw new SimulatorInputError(400, 'InvalidRequestContent', '"pathPattern" is not a valid regular expression');
    }
  }
  return spec;
}

const regionKey = (name: string): string => name.replace(/\s+/g, '').toLowerCase();

/** Whether a version counts for `latest` in a region: published there (when it lists target regions) and not excluded there. */
function latestInRegion(publishingProfile: unknown, region: string): boolean {
  const targets = asObject(publishingProfile)?.targetRegions;
  if (!Array.isArray(targets) || targets.length === 0) return true;
  const target = targets
    .map(asObject)
    .find((t) => typeof t?.name === 'string' && regionKey(t.name) === regionKey(region));
  return target !== undefined && target.excludeFromLatest !== true;
}

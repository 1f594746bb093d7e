/**
 * A local Spot API for the Azure Elastigroup (v3) and stateful node calls (node:http, no
 * framework): what the Spot target sends can be tried offline, answered as Spot answers.
 *
 * Sources (same commits as test/fixtures/spot-openapi/README.md and shared/domain/spot-plan.ts):
 * OA = spotinst/openapi `553e5ff4…`, SDK = spotinst/spotinst-sdk-go `d37d59a9…` (v1.413.0),
 * TF = spotinst/terraform-provider-spotinst `a04f47a2…`, HELP = spotinst/help `155a2c4e…`.
 *
 * - Every request needs `Authorization: Bearer <token>` (SDK `spotinst/client/request.go` 30-32),
 *   checked against the configured token, and the `accountId` query parameter (request.go 33-35;
 *   OA `commons/parameters/accountId.yaml`). A group or node is seen only in its own account.
 * - Every request body is validated against Spot's OpenAPI schema for its path, with the
 *   corrections of the fixture README applied (dev/spot-openapi.ts): a body Spot would reject is
 *   rejected here. So are the rules the OpenAPI states only in words: a group's `region`,
 *   `resourceGroupName` and `compute.os` do not change on update (TF
 *   `fields_spotinst_elastigroup_azure.go` 110-113, 182-185), and a stateful node with a persisted
 *   OS disk or network takes no image, login, customData, shutdownScript or network on update
 *   (OA `createStatefulNodeCompute.yaml` 118, 243, 257, 262, 415).
 * - Answers use Spot's envelope (OA `commons/schemas/responseWrapper.yaml`,
 *   `responseItemWrapper.yaml`): `request {id, url, method, timestamp}`, `response {status {code,
 *   message}, kind, items, count}`; errors are HTTP 400 with `response.errors[{code, message,
 *   field}]` (OA `errorResponse.yaml`; `field` read by SDK `client/response.go` 23-27); "does not
 *   exist" is `GROUP_DOESNT_EXIST` for groups and stateful nodes alike (TF
 *   `resource_spotinst_elastigroup_aws.go` 126-127, used for Azure v3 groups and stateful nodes).
 *   Write-only fields (the login password, …) are never sent back.
 * - Ids as Spot's: `sig-` groups, `ssn-` stateful nodes, `sbgd-` deployments, 8 hex digits (OA examples).
 * - Lists filter by `name` (exact unless `listNameMatch` says substring) and by `region` (OA
 *   `groupsVm.yaml`, `createGetAll.yaml`); names need not be unique (Spot's Ansible modules refuse
 *   to pick among several, `azure_elastigroup.py` 953-965).
 * - Blue/green deployments (OA `groupVmDeployments.yaml`, `groupVmDeployment.yaml`,
 *   `groupVmDeploymentDetails.yaml`) progress with the simulator's clock: one batch per
 *   `deploymentBatchMs`; a deployment can be made to fail (`failNextDeployment`).
 * - Stateful node state changes (`PUT …/state`, OA `changeStateOfStatefulNode.yaml`: pause,
 *   resume, recycle) take `stateChangeMs`; `GET …/statefulNode/{id}/status` answers the node's
 *   status (path and shape: OA `stateful/node/paths/getStatus.yaml`, `schemas/statefulNodeStatus.yaml`
 *   at the same commit, not copied; SDK `GetState`, statefulNode.go 848-874).
 * - Rate limiting like HELP `src/docs/administration/api/README.md`: per API route and request
 *   type per 60 seconds, 429 past the limit, `X-RateLimit-Limit`, `-Remaining` and `-Reset` on every
 *   answer; requests sent while blocked keep it blocked. Off unless `rateLimit` is given. Faults
 *   (a 429, a 5xx, a 400 with a code, a dropped connection, no answer at all) can be injected per
 *   request, before Spot does the work or after it (`applied`: the work is done, the answer lost).
 *
 * What no public source says is chosen here, all in NOT_DOCUMENTED below.
 *
 * Development code: never shipped.
 */
import type http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { mergePatch } from '../shared/domain/spot-body.js';
import { LoopbackServer } from './ports.js';
import { spotOpenApi, stripWriteOnly, type SchemaProblem, type SpotOpenApi } from './spot-openapi.js';

/**
 * Everything the simulator answers that no public Spot source documents, in one place. Each entry
 * is this simulator's choice, not Spot's.
 */
export const NOT_DOCUMENTED = {
  /** Error code of a body the schema refuses (Spot's Azure validation codes are not published). */
  validationCode: 'VALIDATION_ERROR',
  /** `field` of an error: the dotted path into the body (`group.capacity.target`); Spot's format is not published. */
  fieldFormat: 'dotted path from the body root',
  /** A missing or wrong bearer token: 401, the wrapper with `status {401, "Unauthorized"}` and one error; no public body exists. */
  unauthorized: { status: 401, message: 'Unauthorized', code: 'UNAUTHORIZED' },
  /** No `accountId`: Spot would use the organization's oldest account (OA `commons/security.yaml`); here it is refused, so a caller that forgets it fails. */
  accountIdRequired: { code: 'ACCOUNT_ID_REQUIRED', message: 'accountId is required' },
  /** An account the simulator does not know (when `accounts` is set): TF's spelling of the account-not-found code (`resource_spotinst_account.go` 79). */
  unknownAccount: 'Account_DOESNT_EXIST',
  /** A path no operation serves. */
  noRoute: { status: 404, code: 'NOT_FOUND' },
  /** A body that is not JSON. */
  notJson: 'INVALID_JSON',
  /** A group update changing `region`, `resourceGroupName` or `compute.os` (TF calls them immutable; Spot's answer is not published). */
  immutableField: 'FIELD_IMMUTABLE',
  /** A stateful node update with a field its persistence locks (the OpenAPI states the rule; its error code is not published). */
  persistedField: 'CANT_UPDATE_PERSISTED_RESOURCE',
  /** A deployment while another of the group runs: the code Spot's OpenAPI shows for an AWS ECS roll (`ecsInitiateClusterRollResponse400.yaml` 32). */
  deploymentInProgress: 'DEPLOYMENT_ALREADY_IN_PROGRESS',
  /** A state change while another runs. */
  stateChangeInProgress: 'STATEFUL_NODE_ACTION_IN_PROGRESS',
  /** Body of an injected 5xx: the wrapper with one error of this code. */
  serverErrorCode: 'INTERNAL_SERVER_ERROR',
  /**
   * Deployment status values. Only `deploymentStart` appears in Spot's sources (OA
   * `groupVmDeployment.yaml` example, `groupVmDeploymentDetails.yaml` events); the others are this
   * simulator's. A client should treat `progress.value` 100 with no error as done and a status
   * containing "fail" or "stop" as failed (the research memo's rule), never this list.
   */
  deploymentStatus: {
    started: 'deploymentStart',
    running: 'deploymentInProgress',
    finished: 'deploymentFinished',
    failed: 'deploymentFailed',
  },
  /** Batch statuses in deployment details (HELP `deploy-an-elastigroup.md` lists VM statuses Pending, Running, Healthy, Unhealthy, Detached). */
  vmStatus: { pending: 'Pending', healthy: 'Healthy', detached: 'Detached', unhealthy: 'Unhealthy' },
  /** Stateful node statuses: `active` is OA `statefulNodeStatus.yaml`'s example; the rest are this simulator's. */
  nodeStatus: { active: 'active', paused: 'paused', pausing: 'pausing', resuming: 'resuming', recycling: 'recycling' },
  /**
   * How the lists' `name` filter matches: the OpenAPI says "Filters to find the Elastigroup via a
   * specific name" (OA `groupsVm.yaml`), not whether exactly. Exact by default; `listNameMatch`
   * switches to a substring match, as a partial filter would answer.
   */
  listNameMatch: 'exact',
  /** Protected extension settings are never sent back (the OpenAPI does not mark them write-only; Azure never returns them). */
  neverEchoed: ['compute.launchSpecification.extensions[].protectedSettings'],
} as const;

/** `kind` of each answer (OA response examples). */
const KINDS = {
  group: 'spotinst:azure:compute:group',
  deployment: 'spotinst:azure:compute:group:deployment',
  details: 'spotinst:azure:compute:deployment:details',
  node: 'spotinst:azure:statefulNode',
  nodeStatus: 'spotinst:azure:statefulNode:status',
} as const;

/** Spot's rate-limit window (HELP administration/api README: "per 60 seconds"). */
const RATE_WINDOW_MS = 60_000;

export interface SpotSimulatorOptions {
  /** The bearer token every request must carry. */
  readonly token: string;
  /** The accounts that exist (`act-…`); any account when absent. */
  readonly accounts?: readonly string[];
  /** The clock (milliseconds); deployments and state changes progress with it (default Date.now). */
  readonly now?: () => number;
  /** How long one deployment batch takes (default 30 s). */
  readonly deploymentBatchMs?: number;
  /** How long a pause, resume or recycle takes (default 60 s). */
  readonly stateChangeMs?: number;
  /** Requests allowed per API route and request type per 60 seconds; no limit when absent. */
  readonly rateLimit?: number;
  /** The schema (default: the corrected copy of this checkout, loaded once). */
  readonly openApi?: SpotOpenApi;
  /** The setting named when a requested port is taken (default SPOT_SIMULATOR_PORT). */
  readonly portSetting?: string;
}

export interface SpotFaultSpec {
  /** Which requests: a predicate over (method, path) or a pattern tested against `METHOD path`; all when absent. */
  readonly match?: ((method: string, path: string) => boolean) | RegExp;
  /**
   * 429 (Spot's rate-limit answer), another HTTP status (with one error), a dropped connection, or
   * no answer (the connection is held open until the client gives up, `reset` or `stop`).
   */
  readonly status: number | 'connection-reset' | 'no-answer';
  /**
   * The request is carried out first and only its answer is the fault: a group created although
   * the connection dropped, the answer never came or a 5xx came back. Absent: nothing is done.
   */
  readonly applied?: boolean;
  readonly count: number;
  /** Error code and message of a non-429 fault (defaults by status). */
  readonly code?: string;
  readonly message?: string;
  readonly field?: string;
  /** `X-RateLimit-Reset` of a 429, in seconds (default 1). */
  readonly resetSeconds?: number;
}

export interface SpotRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  /** The JSON body received (as sent: it may hold a password, as Spot would receive it). */
  readonly body?: unknown;
}

type Item = Record<string, unknown>;

interface StoredGroup {
  readonly accountId: string;
  body: Item;
}

interface Deployment {
  readonly id: string;
  readonly groupId: string;
  readonly accountId: string;
  readonly startedAt: number;
  readonly numOfBatches: number;
  readonly batchMs: number;
  readonly gracePeriod: number;
  readonly healthCheckTypes: readonly string[];
  readonly vmsPerBatch: number;
  readonly blueVms: number;
  /** Fails at the start of this batch (1-based), with this message. */
  readonly failAt?: { readonly batch: number; readonly errorMessage: string };
}

interface NodeState {
  status: string;
  /** An action under way: ends at `until`, then the node is `next`. */
  pending?: { readonly until: number; readonly next: string };
  vmGeneration: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  drop?: boolean;
  /** Answer nothing: keep the connection open. */
  hold?: boolean;
}

class SpotError extends Error {
  constructor(
    readonly status: number,
    readonly errors: readonly { code: string; message: string; field?: string }[],
  ) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '));
  }
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_LOGGED_REQUESTS = 10_000;
const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const isObj = (v: unknown): v is Item => typeof v === 'object' && v !== null && !Array.isArray(v);
const hex8 = (): string => randomBytes(4).toString('hex');

function at(root: unknown, path: readonly string[]): unknown {
  let cur = root;
  for (const s of path) cur = isObj(cur) ? cur[s] : undefined;
  return cur;
}

function fieldOf(path: readonly string[]): string {
  return path.join('.');
}

export class SpotSimulator {
  private readonly token: string;
  private readonly accounts: ReadonlySet<string> | undefined;
  private readonly now: () => number;
  private readonly deploymentBatchMs: number;
  private readonly stateChangeMs: number;
  /** Requests per route and request type per 60 s (undefined: no limit); may be changed while running. */
  rateLimit: number | undefined;
  /** How the lists' `name` filter matches (NOT_DOCUMENTED.listNameMatch); may be changed while running. */
  listNameMatch: 'exact' | 'substring' = NOT_DOCUMENTED.listNameMatch;
  private readonly openApi: SpotOpenApi;

  private readonly groups = new Map<string, StoredGroup>();
  private readonly nodes = new Map<string, StoredGroup>();
  private readonly nodeStates = new Map<string, NodeState>();
  private readonly deployments = new Map<string, Deployment>();
  private readonly rate = new Map<string, { windowStart: number; count: number; blockedUntil: number }>();
  private faults: { spec: SpotFaultSpec; remaining: number }[] = [];
  private nextDeploymentFailure: { batch: number; errorMessage: string; groupId?: string } | undefined;
  private log: SpotRequestRecord[] = [];
  /** Requests held unanswered (fault `no-answer`). */
  private readonly held = new Set<http.ServerResponse>();
  private readonly listener: LoopbackServer;
  constructor(options: SpotSimulatorOptions) {
    if (options.token.length === 0) throw new Error('the Spot simulator needs a token');
    this.token = options.token;
    this.accounts = options.accounts === undefined ? undefined : new Set(options.accounts);
    this.now = options.now ?? Date.now;
    this.deploymentBatchMs = options.deploymentBatchMs ?? 30_000;
    this.stateChangeMs = options.stateChangeMs ?? 60_000;
    this.rateLimit = options.rateLimit;
    this.openApi = options.openApi ?? spotOpenApi();
    this.listener = new LoopbackServer('the local Spot API simulator', options.portSetting ?? 'SPOT_SIMULATOR_PORT');
  }

  // ---------------------------------------------------------------- lifecycle

  /** Listens on 127.0.0.1 (a free port unless one is given); resolves with the base URL to give a Spot client. */
  async start(port?: number): Promise<{ endpoint: string }> {
    const endpoint = await this.listener.start((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          this.send(res, {
            status: 500,
            body: this.envelope(req, 500, {
              errors: [
                {
                  code: NOT_DOCUMENTED.serverErrorCode,
                  message: `Simulator failure: ${err instanceof Error ? err.message : String(err)}`,
                },
              ],
            }),
          });
        else res.destroy();
      });
    }, port);
    return { endpoint };
  }

  get endpoint(): string {
    return this.listener.endpoint;
  }

  async stop(): Promise<void> {
    await this.listener.stop();
  }

  // ---------------------------------------------------------------- inspection and control

  /** The groups of an account (or of all), as stored (what was sent, secrets included, as Spot keeps them). */
  storedGroups(accountId?: string): Item[] {
    return [...this.groups.values()]
      .filter((g) => accountId === undefined || g.accountId === accountId)
      .map((g) => structuredClone(g.body));
  }

  storedNodes(accountId?: string): Item[] {
    return [...this.nodes.values()]
      .filter((g) => accountId === undefined || g.accountId === accountId)
      .map((g) => structuredClone(g.body));
  }

  /** Every request received, oldest first (no header is kept: never the token). */
  requests(): SpotRequestRecord[] {
    return [...this.log];
  }

  /** The next `count` matching requests answer with the fault instead. Rules apply in the order injected. */
  injectFaults(spec: SpotFaultSpec): void {
    if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error('a fault needs a positive whole count');
    this.faults.push({ spec, remaining: spec.count });
  }

  /** The next deployment started (of group `groupId` when given) fails when it reaches `batch` (1-based), with this error message in its details. */
  failNextDeployment(batch: number, errorMessage: string, groupId?: string): void {
    this.nextDeploymentFailure = { batch, errorMessage, ...(groupId !== undefined ? { groupId } : {}) };
  }

  /** Forgets every group, node, deployment, fault, rate count and logged request. */
  reset(): void {
    this.groups.clear();
    this.nodes.clear();
    this.nodeStates.clear();
    this.deployments.clear();
    this.rate.clear();
    this.faults = [];
    this.nextDeploymentFailure = undefined;
    this.log = [];
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    let body: unknown;
    let bodyError: string | undefined;
    if (raw.length > MAX_BODY_BYTES) bodyError = `the body is over ${MAX_BODY_BYTES} bytes`;
    else if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        bodyError = 'the body is not JSON';
      }
    }
    const reply = this.answer(req, method, url, body, bodyError);
    if (this.log.length < MAX_LOGGED_REQUESTS)
      this.log.push({
        method,
        path: url.pathname,
        query,
        status: reply.drop || reply.hold ? 0 : reply.status,
        ...(body !== undefined ? { body } : {}),
      });
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    if (reply.hold) {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    this.send(res, reply);
  }

  private answer(
    req: http.IncomingMessage,
    method: string,
    url: URL,
    body: unknown,
    bodyError: string | undefined,
  ): Reply {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      const u = NOT_DOCUMENTED.unauthorized;
      return {
        status: u.status,
        body: this.envelope(req, u.status, { errors: [{ code: u.code, message: 'a valid bearer token is required' }] }),
      };
    }
    const found = this.openApi.match(method, url.pathname);
    const route = found?.operation.path ?? url.pathname;
    const rateHeaders = this.countRate(`${method} ${route}`);
    const withRate = (r: Reply): Reply =>
      rateHeaders === undefined ? r : { ...r, headers: { ...rateHeaders.headers, ...r.headers } };
    if (rateHeaders?.blocked) return withRate(this.tooManyRequests(req, rateHeaders.resetSeconds));
    const fault = this.takeFault(method, url.pathname);
    if (fault === undefined) return this.process(req, method, url, body, bodyError, found, withRate);
    // Carried out, the answer lost (or replaced by the fault).
    if (fault.applied === true) this.process(req, method, url, body, bodyError, found, withRate);
    if (fault.status === 'connection-reset') return { status: 0, drop: true };
    if (fault.status === 'no-answer') return { status: 0, hold: true };
    if (fault.status === 429) return withRate(this.tooManyRequests(req, fault.resetSeconds ?? 1));
    const code = fault.code ?? (fault.status >= 500 ? NOT_DOCUMENTED.serverErrorCode : `HTTP_${fault.status}`);
    return withRate({
      status: fault.status,
      body: this.envelope(req, fault.status, {
        errors: [
          {
            code,
            message: fault.message ?? STATUS_TEXT[fault.status] ?? 'Error',
            ...(fault.field ? { field: fault.field } : {}),
          },
        ],
      }),
    });
  }

  /** The answer of a request that met no fault: Spot's work and its envelope. */
  private process(
    req: http.IncomingMessage,
    method: string,
    url: URL,
    body: unknown,
    bodyError: string | undefined,
    found: ReturnType<SpotOpenApi['match']>,
    withRate: (r: Reply) => Reply,
  ): Reply {
    const accountId = url.searchParams.get('accountId');
    try {
      if (accountId === null || accountId === '') throw new SpotError(400, [{ ...NOT_DOCUMENTED.accountIdRequired }]);
      if (this.accounts !== undefined && !this.accounts.has(accountId))
        throw new SpotError(400, [
          { code: NOT_DOCUMENTED.unknownAccount, message: `Account: '${accountId}' does not exist` },
        ]);
      const status = method === 'GET' ? /^\/azure\/compute\/statefulNode\/([^/]+)\/status$/.exec(url.pathname) : null;
      if (status !== null) {
        // OA stateful/node/paths/getStatus.yaml (not among the copied files: it takes no body).
        return withRate({
          status: 200,
          body: this.envelope(req, 200, {
            kind: KINDS.nodeStatus,
            items: [this.nodeStatus(accountId, decodeURIComponent(status[1] as string))],
          }),
        });
      }
      if (found === undefined)
        throw new SpotError(NOT_DOCUMENTED.noRoute.status, [
          { code: NOT_DOCUMENTED.noRoute.code, message: `no ${method} ${url.pathname}` },
        ]);
      if (found.operation.requestSchema !== undefined && !(method === 'DELETE' && body === undefined)) {
        if (bodyError !== undefined) throw new SpotError(400, [{ code: NOT_DOCUMENTED.notJson, message: bodyError }]);
        const problems = this.openApi.validateRequest(method, url.pathname, body ?? null);
        if (problems.length > 0) throw new SpotError(400, problems.map(validationError));
      }
      const result = this.route(found.operation.operationId, found.params, accountId, url, body);
      const envelope = this.envelope(req, 200, result);
      // Write-only fields (passwords, …) never go back (OA marks them; module comment).
      if (found.operation.responseSchema !== undefined) stripWriteOnly(found.operation.responseSchema, envelope);
      return withRate({ status: 200, body: envelope });
    } catch (e) {
      if (e instanceof SpotError)
        return withRate({ status: e.status, body: this.envelope(req, e.status, { errors: e.errors }) });
      throw e;
    }
  }

  private route(
    operationId: string,
    params: Record<string, string>,
    accountId: string,
    url: URL,
    body: unknown,
  ): { kind?: string; items?: unknown[] } {
    const b = isObj(body) ? body : {};
    switch (operationId) {
      case 'elastigroupAzureSpotVmsCreate':
        return {
          kind: KINDS.group,
          items: [this.publicView(this.create(this.groups, 'sig', accountId, b.group as Item))],
        };
      case 'elastigroupAzureSpotVmsListAll':
        return { kind: KINDS.group, items: this.list(this.groups, accountId, url).map((g) => this.publicView(g)) };
      case 'elastigroupAzureSpotVmsGetGroup':
        return {
          kind: KINDS.group,
          items: [this.publicView(this.find(this.groups, accountId, params.groupId as string).body)],
        };
      case 'elastigroupAzureSpotVmsUpdate':
        return {
          kind: KINDS.group,
          items: [this.publicView(this.updateGroup(accountId, params.groupId as string, b.group as Item))],
        };
      case 'elastigroupAzureSpotVmsDelete':
        this.remove(this.groups, accountId, params.groupId as string);
        return {};
      case 'elastigroupAzureSpotVmsCreateDeployment':
        return {
          kind: KINDS.deployment,
          items: [
            this.deploymentView(
              this.startDeployment(accountId, params.groupId as string, isObj(b.deployment) ? b.deployment : {}),
            ),
          ],
        };
      case 'elastigroupAzureSpotVmsListGroupDeployment':
        return {
          kind: KINDS.deployment,
          items: this.listDeployments(accountId, params.groupId as string, url).map((d) => this.deploymentView(d)),
        };
      case 'elastigroupAzureSpotVmsDeploymentStatus':
        return {
          kind: KINDS.deployment,
          items: [
            this.deploymentView(
              this.findDeployment(accountId, params.groupId as string, params.deploymentId as string),
            ),
          ],
        };
      case 'elastigroupAzureSpotVmsDeploymentStatusDetails':
        return {
          kind: KINDS.details,
          items: [
            this.deploymentDetails(
              this.findDeployment(accountId, params.groupId as string, params.deploymentId as string),
            ),
          ],
        };
      case 'azureStatefulNodeCreate': {
        const node = this.create(this.nodes, 'ssn', accountId, b.statefulNode as Item);
        this.nodeStates.set(node.id as string, { status: NOT_DOCUMENTED.nodeStatus.active, vmGeneration: 1 });
        return { kind: KINDS.node, items: [this.publicView(node)] };
      }
      case 'azureStatefulNodeGetAll':
        return { kind: KINDS.node, items: this.list(this.nodes, accountId, url).map((n) => this.publicView(n)) };
      case 'azureStatefulNodeGet':
        return {
          kind: KINDS.node,
          items: [this.publicView(this.find(this.nodes, accountId, params.nodeId as string).body)],
        };
      case 'azureStatefulNodeUpdate':
        return {
          kind: KINDS.node,
          items: [this.publicView(this.updateNode(accountId, params.nodeId as string, b.statefulNode as Item))],
        };
      case 'azureStatefulNodeDelete':
        this.remove(this.nodes, accountId, params.nodeId as string);
        this.nodeStates.delete(params.nodeId as string);
        return {};
      case 'azureStatefulNodeChangeState':
        this.changeState(accountId, params.nodeId as string, b.state);
        return {};
      default:
        throw new SpotError(NOT_DOCUMENTED.noRoute.status, [
          { code: NOT_DOCUMENTED.noRoute.code, message: `${operationId} is not simulated` },
        ]);
    }
  }

  // ---------------------------------------------------------------- groups and nodes

  private create(store: Map<string, StoredGroup>, prefix: 'sig' | 'ssn', accountId: string, given: Item): Item {
    let id: string;
    do id = `${prefix}-${hex8()}`;
    while (store.has(id));
    const stamp = new Date(this.now()).toISOString();
    const body: Item = { id, ...structuredClone(given), createdAt: stamp, updatedAt: stamp };
    store.set(id, { accountId, body });
    return body;
  }

  /** A group or node of this account; one of another account does not exist here (GROUP_DOESNT_EXIST). */
  private find(store: Map<string, StoredGroup>, accountId: string, id: string): StoredGroup {
    const found = store.get(id);
    if (found === undefined || found.accountId !== accountId) {
      const what = store === this.groups ? 'Group' : 'Stateful node';
      throw new SpotError(400, [{ code: 'GROUP_DOESNT_EXIST', message: `${what}: '${id}' does not exist` }]);
    }
    return found;
  }

  private list(store: Map<string, StoredGroup>, accountId: string, url: URL): Item[] {
    const name = url.searchParams.get('name');
    const region = url.searchParams.get('region');
    return [...store.values()]
      .filter((g) => g.accountId === accountId)
      .map((g) => g.body)
      .filter(
        (b) =>
          (name === null ||
            (this.listNameMatch === 'exact' ? b.name === name : typeof b.name === 'string' && b.name.includes(name))) &&
          (region === null || b.region === region),
      );
  }

  private remove(store: Map<string, StoredGroup>, accountId: string, id: string): void {
    this.find(store, accountId, id);
    store.delete(id);
  }

  /** Spot's partial update: objects merge, arrays and scalars replace, `null` removes (SDK `nullFields`, azure.go 41-47). */
  private applyUpdate(stored: StoredGroup, changes: Item): Item {
    const { id, createdAt } = stored.body;
    const merged = mergePatch(stored.body, changes) as Item;
    stored.body = { ...merged, id, createdAt, updatedAt: new Date(this.now()).toISOString() };
    return stored.body;
  }

  private updateGroup(accountId: string, id: string, changes: Item): Item {
    const stored = this.find(this.groups, accountId, id);
    // The update schema (elastigroupVm-update.yaml) does not declare `id`; the read model marks it
    // readOnly (elastigroupVm.yaml) and the SDK drops it before a PUT (azure.go 625-626).
    if (changes.id !== undefined)
      throw new SpotError(400, [
        {
          code: NOT_DOCUMENTED.validationCode,
          message: 'group.id is read-only: set by Spot, not sent',
          field: 'group.id',
        },
      ]);
    // Not in the update schema; TF: "field [%v] is immutable, cannot be changed post creation".
    for (const path of [['region'], ['resourceGroupName'], ['compute', 'os']]) {
      const given = at(changes, path);
      if (given !== undefined && given !== at(stored.body, path)) {
        throw new SpotError(400, [
          {
            code: NOT_DOCUMENTED.immutableField,
            message: `${fieldOf(path)} cannot be changed after the group is created`,
            field: `group.${fieldOf(path)}`,
          },
        ]);
      }
    }
    return this.applyUpdate(stored, changes);
  }

  private updateNode(accountId: string, id: string, changes: Item): Item {
    const stored = this.find(this.nodes, accountId, id);
    // OA createStatefulNodeCompute.yaml: "For import or update operations, <field> object cannot be
    // defined when the compute.persistence.<flag> = true" (image 118, customData 243,
    // shutdownScript 257, network 262, login 415). The node's persistence as stored or as changed.
    const locks: readonly [flag: string, fields: readonly string[]][] = [
      ['shouldPersistOsDisk', ['image', 'login', 'customData', 'shutdownScript']],
      ['shouldPersistNetwork', ['network']],
    ];
    for (const [flag, fields] of locks) {
      if (at(stored.body, ['persistence', flag]) !== true && at(changes, ['persistence', flag]) !== true) continue;
      for (const field of fields) {
        const path = ['compute', 'launchSpecification', field];
        const given = at(changes, path);
        if (given !== undefined && given !== null) {
          throw new SpotError(400, [
            {
              code: NOT_DOCUMENTED.persistedField,
              message: `For import or update operations, ${field} object cannot be defined when the compute.persistence.${flag} = true.`,
              field: `statefulNode.${fieldOf(path)}`,
            },
          ]);
        }
      }
    }
    return this.applyUpdate(stored, changes);
  }

  /** What an answer shows of a stored group or node: a copy (write-only fields are stripped by the caller), never protected settings. */
  private publicView(body: Item): Item {
    const out = structuredClone(body);
    const extensions = at(out, ['compute', 'launchSpecification', 'extensions']);
    for (const ext of Array.isArray(extensions) ? extensions : []) if (isObj(ext)) delete ext.protectedSettings;
    return out;
  }

  // ---------------------------------------------------------------- stateful node state

  private stateOf(id: string): NodeState {
    const state = this.nodeStates.get(id) ?? { status: NOT_DOCUMENTED.nodeStatus.active, vmGeneration: 1 };
    if (state.pending !== undefined && this.now() >= state.pending.until) {
      state.status = state.pending.next;
      state.pending = undefined;
    }
    this.nodeStates.set(id, state);
    return state;
  }

  private changeState(accountId: string, id: string, requested: unknown): void {
    this.find(this.nodes, accountId, id);
    const s = NOT_DOCUMENTED.nodeStatus;
    if (requested !== 'pause' && requested !== 'resume' && requested !== 'recycle') {
      // `state` is not required by the schema (README), so an absent one reaches here.
      throw new SpotError(400, [
        {
          code: NOT_DOCUMENTED.validationCode,
          message: 'state must be one of "pause", "resume", "recycle"',
          field: 'state',
        },
      ]);
    }
    const state = this.stateOf(id);
    if (state.pending !== undefined)
      throw new SpotError(400, [
        { code: NOT_DOCUMENTED.stateChangeInProgress, message: `the stateful node is ${state.status}` },
      ]);
    const until = this.now() + this.stateChangeMs;
    if (requested === 'pause') {
      state.status = s.pausing;
      state.pending = { until, next: s.paused };
    } else if (requested === 'resume') {
      state.status = s.resuming;
      state.pending = { until, next: s.active };
      state.vmGeneration += 1;
    } else {
      // Recycle: "the node is paused, the current VM is terminated and a new VM is launched instead" (HELP azure/features/actions.md 13).
      state.status = s.recycling;
      state.pending = { until, next: s.active };
      state.vmGeneration += 1;
    }
  }

  /** The status of a node as `GET …/statefulNode/{id}/status` answers it (SDK StatefulNodeState). */
  nodeStatus(accountId: string, id: string): Item {
    const node = this.find(this.nodes, accountId, id).body;
    const state = this.stateOf(id);
    const vmName = at(node, ['compute', 'launchSpecification', 'vmName']);
    return {
      id,
      name: node.name,
      region: node.region,
      resourceGroupName: node.resourceGroupName,
      status: state.status,
      vmName: `${typeof vmName === 'string' ? vmName : id}-${state.vmGeneration}`,
    };
  }

  // ---------------------------------------------------------------- deployments

  private startDeployment(accountId: string, groupId: string, given: Item): Deployment {
    const group = this.find(this.groups, accountId, groupId).body;
    const running = [...this.deployments.values()].find((d) => d.groupId === groupId && this.phase(d).running);
    if (running !== undefined)
      throw new SpotError(400, [
        {
          code: NOT_DOCUMENTED.deploymentInProgress,
          message: `deployment ${running.id} of group ${groupId} is in progress`,
        },
      ]);
    // Spot's documented defaults (OA groupVmDeployment.yaml): batchSizePercentage 25, gracePeriod 600.
    const batchSize = typeof given.batchSizePercentage === 'number' ? given.batchSizePercentage : 25;
    const gracePeriod = typeof given.gracePeriod === 'number' ? given.gracePeriod : 600;
    const healthCheckTypes = Array.isArray(given.healthCheckTypes)
      ? (given.healthCheckTypes as string[])
      : ((at(group, ['health', 'healthCheckTypes']) as string[] | undefined) ?? []);
    const target =
      typeof at(group, ['capacity', 'target']) === 'number' ? (at(group, ['capacity', 'target']) as number) : 1;
    const vmsPerBatch = Math.max(1, Math.ceil((target * batchSize) / 100));
    const numOfBatches = Math.max(1, Math.ceil(target / vmsPerBatch));
    let id: string;
    do id = `sbgd-${hex8()}`;
    while (this.deployments.has(id));
    const next = this.nextDeploymentFailure;
    const failure = next !== undefined && (next.groupId === undefined || next.groupId === groupId) ? next : undefined;
    if (failure !== undefined) this.nextDeploymentFailure = undefined;
    const deployment: Deployment = {
      id,
      groupId,
      accountId,
      startedAt: this.now(),
      numOfBatches,
      batchMs: this.deploymentBatchMs,
      gracePeriod,
      healthCheckTypes,
      vmsPerBatch,
      blueVms: target,
      ...(failure !== undefined
        ? { failAt: { batch: Math.min(Math.max(1, failure.batch), numOfBatches), errorMessage: failure.errorMessage } }
        : {}),
    };
    this.deployments.set(id, deployment);
    return deployment;
  }

  private findDeployment(accountId: string, groupId: string, deploymentId: string): Deployment {
    this.find(this.groups, accountId, groupId);
    const d = this.deployments.get(deploymentId);
    if (d === undefined || d.groupId !== groupId)
      throw new SpotError(400, [
        { code: 'DEPLOYMENT_DOESNT_EXIST', message: `Deployment: '${deploymentId}' does not exist` },
      ]);
    return d;
  }

  private listDeployments(accountId: string, groupId: string, url: URL): Deployment[] {
    this.find(this.groups, accountId, groupId);
    const limit = Number(url.searchParams.get('LIMIT') ?? 5);
    const ascending = (url.searchParams.get('SORT') ?? 'createdAt:DESC').toUpperCase().endsWith(':ASC');
    const list = [...this.deployments.values()]
      .filter((d) => d.groupId === groupId)
      .sort((a, b) => (ascending ? a.startedAt - b.startedAt : b.startedAt - a.startedAt));
    return list.slice(0, Number.isInteger(limit) && limit > 0 ? limit : 5);
  }

  /** Where a deployment is at the simulator's clock. */
  private phase(d: Deployment): {
    running: boolean;
    failed: boolean;
    currentBatch: number;
    progress: number;
    doneBatches: number;
    updatedAt: number;
  } {
    const elapsed = Math.max(0, this.now() - d.startedAt);
    const total = d.numOfBatches * d.batchMs;
    if (d.failAt !== undefined && elapsed >= (d.failAt.batch - 1) * d.batchMs + d.batchMs / 2) {
      const doneBatches = d.failAt.batch - 1;
      return {
        running: false,
        failed: true,
        currentBatch: d.failAt.batch,
        progress: Math.floor((100 * doneBatches) / d.numOfBatches),
        doneBatches,
        updatedAt: d.startedAt + (d.failAt.batch - 1) * d.batchMs + d.batchMs / 2,
      };
    }
    if (elapsed >= total)
      return {
        running: false,
        failed: false,
        currentBatch: d.numOfBatches,
        progress: 100,
        doneBatches: d.numOfBatches,
        updatedAt: d.startedAt + total,
      };
    const doneBatches = Math.floor(elapsed / d.batchMs);
    return {
      running: true,
      failed: false,
      currentBatch: doneBatches + 1,
      progress: Math.floor((100 * elapsed) / total),
      doneBatches,
      updatedAt: d.startedAt + elapsed,
    };
  }

  private statusOf(d: Deployment): string {
    const p = this.phase(d);
    const s = NOT_DOCUMENTED.deploymentStatus;
    if (p.failed) return s.failed;
    if (!p.running) return s.finished;
    return p.doneBatches === 0 ? s.started : s.running;
  }

  private deploymentView(d: Deployment): Item {
    const p = this.phase(d);
    return {
      id: d.id,
      groupId: d.groupId,
      status: this.statusOf(d),
      currentBatch: p.currentBatch,
      numOfBatches: d.numOfBatches,
      progress: { unit: 'percentage', value: p.progress },
      createdAt: new Date(d.startedAt).toISOString(),
      updatedAt: new Date(p.updatedAt).toISOString(),
    };
  }

  private deploymentDetails(d: Deployment): Item {
    const p = this.phase(d);
    const v = NOT_DOCUMENTED.vmStatus;
    const stamp = (ms: number): string => new Date(ms).toISOString();
    const batches = Array.from({ length: Math.min(p.currentBatch, d.numOfBatches) }, (_, i) => {
      const n = i + 1;
      const done = n <= p.doneBatches;
      const failedHere = p.failed && n === d.failAt?.batch;
      return {
        batch: n,
        blue: {
          vmName: `vm-blue-${d.id.slice(5)}-${n}`,
          batchNum: n,
          status: done ? v.detached : v.healthy,
          type: 'old',
          updatedAt: stamp(p.updatedAt),
        },
        green: {
          vmName: `vm-green-${d.id.slice(5)}-${n}`,
          batchNum: n,
          status: failedHere ? v.unhealthy : done ? v.healthy : v.pending,
          type: 'new',
          updatedAt: stamp(p.updatedAt),
        },
      };
    });
    const events: { status: string; eventType: string; timestamp: string }[] = [
      {
        status: NOT_DOCUMENTED.deploymentStatus.started,
        eventType: 'Batch 1 - Launching New instances',
        timestamp: stamp(d.startedAt),
      },
    ];
    for (let n = 2; n <= p.currentBatch && !(p.failed && n > (d.failAt?.batch ?? 0)); n++) {
      events.push({
        status: NOT_DOCUMENTED.deploymentStatus.running,
        eventType: `Batch ${n} - Launching New instances`,
        timestamp: stamp(d.startedAt + (n - 1) * d.batchMs),
      });
    }
    if (!p.running)
      events.push({
        status: this.statusOf(d),
        eventType: p.failed ? `Batch ${p.currentBatch} - Deployment failed` : 'Deployment finished',
        timestamp: stamp(p.updatedAt),
      });
    return {
      detailsOverview: {
        deploymentId: d.id,
        numberOfBatches: d.numOfBatches,
        currentBatch: p.currentBatch,
        gracePeriod: d.gracePeriod,
        blueVms: Math.max(0, d.blueVms - p.doneBatches * d.vmsPerBatch),
        greenVms: Math.min(d.blueVms, p.doneBatches * d.vmsPerBatch),
        description: null,
        errorMessage: p.failed ? (d.failAt?.errorMessage ?? null) : null,
        createdAt: stamp(d.startedAt),
        healthCheck: [...d.healthCheckTypes],
      },
      batches,
      events,
    };
  }

  // ---------------------------------------------------------------- rate limiting and faults

  /** Counts a request against its route's budget; undefined when no limit is set. */
  private countRate(
    key: string,
  ): { headers: Record<string, string>; blocked: boolean; resetSeconds: number } | undefined {
    const limit = this.rateLimit;
    if (limit === undefined) return undefined;
    const now = this.now();
    let entry = this.rate.get(key);
    if (entry === undefined || (now - entry.windowStart >= RATE_WINDOW_MS && now >= entry.blockedUntil)) {
      entry = { windowStart: now, count: 0, blockedUntil: 0 };
      this.rate.set(key, entry);
    }
    entry.count += 1;
    // "If you continue to send the same request type … after being blocked, the timer will not reset until 60 seconds after the API requests."
    const blocked = entry.count > limit || now < entry.blockedUntil;
    if (blocked) entry.blockedUntil = now + RATE_WINDOW_MS;
    const resetAt = blocked ? entry.blockedUntil : entry.windowStart + RATE_WINDOW_MS;
    const resetSeconds = Math.max(0, Math.ceil((resetAt - now) / 1000));
    return {
      blocked,
      resetSeconds,
      headers: {
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': String(Math.max(0, limit - entry.count)),
        'X-RateLimit-Reset': String(resetSeconds),
      },
    };
  }

  /** Spot's documented 429 body: the wrapper and `data`, no `errors` (HELP administration/api README). */
  private tooManyRequests(req: http.IncomingMessage, resetSeconds: number): Reply {
    const envelope = this.envelope(req, 429, {}) as { response: Item };
    envelope.response.data = 'Rate limit exceeded';
    return { status: 429, body: envelope, headers: { 'X-RateLimit-Reset': String(resetSeconds) } };
  }

  private takeFault(method: string, path: string): SpotFaultSpec | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      const m = f.spec.match;
      const matches = m === undefined ? true : m instanceof RegExp ? m.test(`${method} ${path}`) : m(method, path);
      if (!matches) continue;
      f.remaining -= 1;
      this.faults = this.faults.filter((x) => x.remaining > 0);
      return f.spec;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- envelope

  /** Spot's envelope (OA responseWrapper.yaml, responseItemWrapper.yaml, errorResponse.yaml). */
  private envelope(
    req: http.IncomingMessage,
    status: number,
    content: { kind?: string; items?: unknown[]; errors?: readonly unknown[] },
  ): unknown {
    const response: Item = { status: { code: status, message: STATUS_TEXT[status] ?? 'Error' } };
    if (content.kind !== undefined) response.kind = content.kind;
    if (content.items !== undefined) {
      response.items = content.items;
      response.count = content.items.length;
    }
    if (content.errors !== undefined) response.errors = content.errors;
    return {
      request: {
        id: randomUUID(),
        url: req.url ?? '/',
        method: (req.method ?? 'GET').toUpperCase(),
        timestamp: new Date(this.now()).toISOString(),
      },
      response,
    };
  }

  private send(res: http.ServerResponse, reply: Reply): void {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...reply.headers,
    });
    res.end(text);
  }
}

function validationError(p: SchemaProblem): { code: string; message: string; field: string } {
  return {
    code: NOT_DOCUMENTED.validationCode,
    message: p.field === '' ? `the body ${p.message}` : `${p.field} ${p.message}`,
    field: p.field,
  };
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES + 1) break;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

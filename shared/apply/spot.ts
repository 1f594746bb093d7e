/**
 * The Spot API client of the Spot target: sends the requests a Spot plan holds
 * (shared/domain/spot-plan.ts), reads groups and stateful nodes by id or name, and follows a
 * blue/green deployment. It answers with results, never throws for what Spot or the network does.
 *
 * Sources (read at these commits):
 * - SDK = spotinst/spotinst-sdk-go `d37d59a9dc78ff50c2d01d07476b0623707d9da2` (v1.413.0);
 * - OA = spotinst/openapi `553e5ff4ddb5044ce020ad1c32e86e1e8eb2e4` (copied into test/fixtures/spot-openapi);
 * - TF = spotinst/terraform-provider-spotinst `a04f47a21f620e344cec20c39e977894012c67d1`;
 * - ANS = spotinst/spot-ansible-cloud-modules `b5071d1d9d727ada834899b76c8c8e3523865f0c`;
 * - HELP = spotinst/help `155a2c4ee2137d667ce56852377368381d6c7830` (the docs.spot.io sources).
 *
 * What it does, and where Spot says so:
 * - Every request carries `Authorization: Bearer <token>` (SDK `spotinst/client/request.go` 30-32;
 *   OA `commons/security.yaml`) and the `accountId` query parameter (request.go 33-35): without it
 *   Spot would use the organization's oldest account (OA `commons/security.yaml`), so a request
 *   without one is refused here before it is sent. The token is asked of `token()` for every call
 *   and is never part of a result: Spot's answer is cleaned of it before it is read.
 * - Success is HTTP 200 with the envelope's `response.status.code` 200, the item `response.items[0]`
 *   (OA `commons/schemas/responseItemWrapper.yaml`; SDK `client/response.go` 13-21, azure.go
 *   576-586). Any other status is a failure (SDK `RequireOK`, response.go 64-73) made of
 *   `response.errors[0]` `{code, message, field}` (OA `errorModel.yaml`; `field` read by the SDK,
 *   response.go 23-27) or, with no errors, the status as code and its text as message (response.go
 *   100-107), with `request.id` as `requestId` (response.go 76-99).
 * - "Does not exist" is HTTP 400 `GROUP_DOESNT_EXIST`, for groups and stateful nodes alike (TF
 *   `resource_spotinst_elastigroup_aws.go` 126-127, used for Azure v3 groups in
 *   `resource_spotinst_elastigroup_azure_v3.go` 127-133 and for stateful nodes in
 *   `resource_spotinst_stateful_node_azure.go` 197-203): `get` answers it as "none".
 * - 429 (HELP `src/docs/administration/api/README.md` 7-66: per organization, route and request
 *   type per 60 s; "Don't retry until the time in the `X-RateLimit-Reset` has passed") is retried
 *   after `X-RateLimit-Reset` seconds, or the back-off when that is shorter; 5xx and connection
 *   failures are retried with exponential back-off (RETRY). Neither the SDK nor TF retries
 *   (TF `resource_spotinst_elastigroup_azure_v3.go` 99-106), so the numbers are this client's.
 *   A request Spot may have carried out although the answer was lost (a POST, a state change)
 *   is not sent again: a second POST of a create would create a second group. Its failure says
 *   `mayHaveApplied`, and the caller looks (findByName, get) before it sends it again.
 * - Every call has one deadline, `timeoutMs` (or less of an HTTP request's budget,
 *   shared/deadlines/deadline.ts), for all its attempts and waits together.
 * - Find by name as Spot's own Ansible modules do: the list, then an exact compare of `name`,
 *   refusing more than one (ANS `plugins/modules/azure_elastigroup.py` 907-913, 953-965;
 *   `azure_stateful_node.py` 960-966); the list takes `name` (OA `spotVms/paths/groupsVm.yaml`,
 *   `stateful/node/paths/createGetAll.yaml`), not said to be exact, so the compare is ours.
 * - Deployment status values are not documented for Azure v3: the only published value is
 *   `deploymentStart` (OA `spotVms/schemas/groupVmDeployment.yaml`, no enum). So the end of a
 *   deployment is read from words and progress (spotDeploymentEnd), and its failure reason from
 *   the details' `detailsOverview.errorMessage` (OA `groupVmDeploymentDetails.yaml`), the only
 *   place Spot publishes one.
 */
import { bodyRootOf, type JobKind } from '../domain/job-envelope.js';
import { DeadlineExceededError, callTimeout, withTimeout } from '../deadlines/deadline.js';

// ---------------------------------------------------------------- public types

export interface SpotError {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

export interface SpotFailure {
  /** Spot's HTTP status; 0 when no answer came (network, deadline) or the failure is this client's. */
  status: number;
  code: string;
  message: string;
  /** Spot's `field` when it names one */
  field?: string;
  /** 429 / 5xx / connection errors: the same request may succeed later */
  retryable: boolean;
  /** X-RateLimit-Reset (s→ms) on a 429 */
  retryAfterMs?: number;
  requestId?: string;
  /** Every error of Spot's answer, when it gave more than one (the first is `code`, `message`, `field`). */
  errors?: readonly SpotError[];
  /**
   * The request may have been carried out although no answer said so (a POST or a state change
   * that met a 5xx, a dropped connection or the deadline): look before sending it again.
   */
  mayHaveApplied?: boolean;
}

export type SpotResult<T> = { ok: true; value: T } | { ok: false; failure: SpotFailure };
export type SpotItem = Record<string, unknown> & { id?: string; name?: string };

/** How a deployment ended, or `running`. */
export type SpotDeploymentOutcome = 'running' | 'succeeded' | 'failed';

/** A blue/green deployment as `GET /azure/compute/group/{groupId}/deployment/{deploymentId}` answers (OA `groupVmDeployment.yaml`). */
export interface SpotDeploymentState {
  id: string;
  groupId?: string;
  /** Spot's word (`deploymentStart`, …), as given. */
  status: string;
  currentBatch?: number;
  numOfBatches?: number;
  progress?: { unit: string; value: number };
  createdAt?: string;
  updatedAt?: string;
  /** From the status and the progress (spotDeploymentOutcome). */
  outcome: SpotDeploymentOutcome;
  /** When failed: the details' `detailsOverview.errorMessage`, when Spot gives one. */
  failureMessage?: string;
}

export interface SpotClientOptions {
  /** `https://api.spotinst.io` (OA `api/spot.yaml` `servers[0].url`; SDK `spotinst/config.go` 19), or the local simulator. */
  baseUrl: string;
  /** The API token, asked for on every call; never kept by the client. */
  token: () => Promise<string>;
  /** The deadline of one call, all attempts and waits included (milliseconds). */
  timeoutMs: number;
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

type Kind = Extract<JobKind, 'statelessGroup' | 'statefulNode'>;

/** Back-off of the retries: 500 ms, 1 s, 2 s, … up to 8 s; a 429 waits at least its X-RateLimit-Reset. */
export const RETRY = { defaultMaxRetries: 3, baseDelayMs: 500, maxDelayMs: 8_000 } as const;

/** Spot's "does not exist" (module comment). */
export const GROUP_DOESNT_EXIST = 'GROUP_DOESNT_EXIST';

// ---------------------------------------------------------------- deployments

/**
 * The words a deployment status ends with. Failure: "fail" or "stop" (the research memo's rule;
 * AWS Elastigroup deployments end `stopped`, OA `elastigroup/aws/responses/elastigroup-deployment-status.yaml`
 * 73-97). Success: "finish" (AWS `finished`, same file; Azure scale-set rolls `ROLL_FINISHED`) or
 * "complete" (a guard: no published Azure v3 status says so).
 */
const FAILED_WORDS = /fail|stop/i;
const SUCCEEDED_WORDS = /finish|complete/i;

/** How a status word ends a deployment: `failed`, `succeeded`, or undefined while it runs (or says nothing). */
export function spotDeploymentEnd(status: string): 'succeeded' | 'failed' | undefined {
  if (FAILED_WORDS.test(status)) return 'failed';
  if (SUCCEEDED_WORDS.test(status)) return 'succeeded';
  return undefined;
}

export function isSpotDeploymentEnded(status: string): boolean {
  return spotDeploymentEnd(status) !== undefined;
}

/** The outcome of a deployment: its status word, else its progress (100 % with no failure word is done). */
export function spotDeploymentOutcome(status: string, progressValue?: number): SpotDeploymentOutcome {
  const end = spotDeploymentEnd(status);
  if (end !== undefined) return end;
  return progressValue !== undefined && progressValue >= 100 ? 'succeeded' : 'running';
}

// ---------------------------------------------------------------- error fields

/** Body roots of Spot requests that are not the job body (a deployment, a state change). */
const OTHER_ROOTS = new Set(['group', 'statefulNode', 'deployment', 'state']);

/**
 * Spot's error `field` (a dotted path from the request body's root, `group.compute.launchSpecification.image`,
 * array items as `[0]`; a path without the root is read from the root) as a JSON Pointer into the
 * job envelope (`/body/group/compute/launchSpecification/image`). Undefined when it names no place
 * of the job body (empty, another root such as `deployment.gracePeriod`, not a path).
 */
export function pointerOfSpotField(kind: Kind, field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const text = field.trim();
  if (text === '' || !/^[^.[\]]+(\.[^.[\]]+|\[\d+\])*$/.test(text)) return undefined;
  const segments = [...text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[1] ?? m[2]) as string);
  const root = bodyRootOf(kind);
  let rest = segments;
  if (segments[0] === root) rest = segments.slice(1);
  else if (OTHER_ROOTS.has(segments[0] as string)) return undefined;
  return ['body', root, ...rest].map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

// ---------------------------------------------------------------- the client

interface Envelope {
  request?: { id?: unknown };
  response?: { status?: { code?: unknown; message?: unknown }; items?: unknown; errors?: unknown };
}

type Attempt =
  | { kind: 'answer'; status: number; headers: Headers; text: string }
  | { kind: 'no-answer'; code: string; sent: boolean }
  | { kind: 'deadline'; ms: number };

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
const MAX_MESSAGE_CHARS = 1_000;
/** What a bearer token may hold (RFC 6750 b64token is narrower; printable ASCII keeps a header valid). */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;
const REDACTED = '[redacted]';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The forms a token could be echoed in (as written, JSON-escaped, URL-encoded, base64). */
function tokenForms(token: string): string[] {
  return [
    ...new Set([
      token,
      JSON.stringify(token).slice(1, -1),
      encodeURIComponent(token),
      Buffer.from(token, 'utf8').toString('base64'),
    ]),
  ].filter((f) => f.length > 0);
}

function redact(text: string, forms: readonly string[]): string {
  let out = text;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
  return out;
}

/** A message to keep: control characters out, bounded. */
function cleanMessage(text: string): string {
  const flat = [...text]
    .map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS)}…` : flat;
}

/** The Node/undici code of a failed fetch (`ECONNRESET`, `UND_ERR_SOCKET`, …), never its message. */
function networkCode(err: unknown): string {
  let cur: unknown = err;
  for (let i = 0; i < 4 && isObj(cur); i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return err instanceof Error && err.name === 'TypeError' ? 'FETCH_FAILED' : 'UNKNOWN';
}

/** Codes of a connection that never carried the request: nothing reached Spot. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * May the request be sent again after a lost answer? Reads and PUTs of a group or node (the same
 * body applied twice is the same group) may; a POST (create, deployment) and a state change
 * (`…/state`: a second recycle recycles again) may not.
 */
function replayable(method: string, path: string): boolean {
  if (method === 'GET') return true;
  return method === 'PUT' && !path.endsWith('/state');
}

function collectionPath(kind: Kind): string {
  return kind === 'statelessGroup' ? '/azure/compute/group' : '/azure/compute/statefulNode';
}

function accountQuery(accountId: string): string {
  return `accountId=${encodeURIComponent(accountId)}`;
}

export class SpotClient {
  private readonly base: URL;
  private readonly token: () => Promise<string>;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(options: SpotClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:')
      throw new TypeError('the Spot API base URL must be http(s)');
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)
      throw new TypeError('a Spot API timeout is a positive number of milliseconds');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs;
    this.maxRetries = Math.max(0, Math.floor(options.maxRetries ?? RETRY.defaultMaxRetries));
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
  }

  /** Sends one plan request (secrets already in its body, in memory). Success: the item of Spot's answer, undefined when it has none (a state change). */
  async send(request: {
    method: 'POST' | 'PUT';
    url: string;
    body: unknown;
  }): Promise<SpotResult<SpotItem | undefined>> {
    const answer = await this.call(request.method, request.url, request.body);
    return answer.ok ? { ok: true, value: firstItem(answer.value) } : answer;
  }

  /** A group or stateful node by id; undefined when Spot says GROUP_DOESNT_EXIST. */
  async get(accountId: string, kind: Kind, id: string): Promise<SpotResult<SpotItem | undefined>> {
    const answer = await this.call(
      'GET',
      `${collectionPath(kind)}/${encodeURIComponent(id)}?${accountQuery(accountId)}`,
    );
    if (!answer.ok) return answer.failure.code === GROUP_DOESNT_EXIST ? { ok: true, value: undefined } : answer;
    return { ok: true, value: firstItem(answer.value) };
  }

  /** The group or node of this exact name in the account: undefined when none, a failure (`spot-name-not-unique`) when several. */
  async findByName(accountId: string, kind: Kind, name: string): Promise<SpotResult<SpotItem | undefined>> {
    const answer = await this.call(
      'GET',
      `${collectionPath(kind)}?${accountQuery(accountId)}&name=${encodeURIComponent(name)}`,
    );
    if (!answer.ok) return answer;
    const matches = itemsOf(answer.value).filter((item) => item.name === name);
    if (matches.length <= 1) return { ok: true, value: matches[0] };
    const what = kind === 'statelessGroup' ? 'groups' : 'stateful nodes';
    const ids = matches.map((m) => (typeof m.id === 'string' ? m.id : '?')).join(', ');
    return {
      ok: false,
      failure: {
        status: 0,
        code: 'spot-name-not-unique',
        message: `${matches.length} ${what} are named "${name}" in Spot account ${accountId} (${ids}): name the one to use by its id`,
        retryable: false,
      },
    };
  }

  /** A blue/green deployment's state; when it failed, with the reason from its details. */
  async deployment(accountId: string, groupId: string, deploymentId: string): Promise<SpotResult<SpotDeploymentState>> {
    const path = `/azure/compute/group/${encodeURIComponent(groupId)}/deployment/${encodeURIComponent(deploymentId)}`;
    const answer = await this.call('GET', `${path}?${accountQuery(accountId)}`);
    if (!answer.ok) return answer;
    const item = firstItem(answer.value);
    if (item === undefined || typeof item.status !== 'string') {
      return {
        ok: false,
        failure: {
          status: 200,
          code: 'spot-bad-response',
          message: 'the Spot API answered the deployment without a status',
          retryable: false,
          ...requestIdOf(answer.value),
        },
      };
    }
    const progress =
      isObj(item.progress) && typeof item.progress.value === 'number'
        ? {
            unit: typeof item.progress.unit === 'string' ? item.progress.unit : 'percentage',
            value: item.progress.value,
          }
        : undefined;
    const state: SpotDeploymentState = {
      id: typeof item.id === 'string' ? item.id : deploymentId,
      ...(typeof item.groupId === 'string' ? { groupId: item.groupId } : {}),
      status: item.status,
      ...(typeof item.currentBatch === 'number' ? { currentBatch: item.currentBatch } : {}),
      ...(typeof item.numOfBatches === 'number' ? { numOfBatches: item.numOfBatches } : {}),
      ...(progress !== undefined ? { progress } : {}),
      ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
      ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
      outcome: spotDeploymentOutcome(item.status, progress?.value),
    };
    if (state.outcome === 'failed') {
      // The reason is only in the details (OA groupVmDeploymentDetails.yaml); a failed read of them leaves it out.
      const details = await this.call('GET', `${path}/details?${accountQuery(accountId)}`);
      const overview = details.ok ? firstItem(details.value)?.detailsOverview : undefined;
      if (isObj(overview) && typeof overview.errorMessage === 'string' && overview.errorMessage.trim() !== '')
        state.failureMessage = cleanMessage(overview.errorMessage);
    }
    return { ok: true, value: state };
  }

  /**
   * The newest blue/green deployment of a group (`GET …/deployment?LIMIT=1&SORT=createdAt:DESC`, OA
   * `groupVmDeployments.yaml` `get`: `LIMIT` default 5, `SORT` default `createdAt:DESC`), undefined
   * when it has none: how a deployment whose start was not answered is found instead of started again.
   */
  async latestDeployment(
    accountId: string,
    groupId: string,
  ): Promise<SpotResult<{ id: string; status: string; createdAt?: string } | undefined>> {
    const answer = await this.call(
      'GET',
      `/azure/compute/group/${encodeURIComponent(groupId)}/deployment?${accountQuery(accountId)}&LIMIT=1&SORT=createdAt:DESC`,
    );
    if (!answer.ok) return answer;
    const item = firstItem(answer.value);
    if (item === undefined || typeof item.id !== 'string') return { ok: true, value: undefined };
    return {
      ok: true,
      value: {
        id: item.id,
        status: typeof item.status === 'string' ? item.status : '',
        ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
      },
    };
  }

  // ---------------------------------------------------------------- one call: attempts, waits, deadline

  private async call(
    method: 'GET' | 'POST' | 'PUT',
    pathAndQuery: string,
    body?: unknown,
  ): Promise<SpotResult<Envelope>> {
    const fail = (code: string, message: string, extra: Partial<SpotFailure> = {}): SpotResult<Envelope> => ({
      ok: false,
      failure: { status: 0, code, message, retryable: false, ...extra },
    });
    if (!pathAndQuery.startsWith('/') || pathAndQuery.startsWith('//'))
      return fail('spot-bad-request', 'a Spot request names a path from the API base URL');
    const url = new URL(`${this.base.pathname.replace(/\/+$/, '')}${pathAndQuery}`, this.base.origin);
    if (url.origin !== this.base.origin)
      return fail('spot-bad-request', 'a Spot request names a path from the API base URL');
    const accountId = url.searchParams.get('accountId');
    if (accountId === null || accountId.trim() === '')
      return fail(
        'spot-bad-request',
        'a Spot request names its account (accountId): without it Spot would use the oldest account of the organization',
      );

    const startedAt = this.now();
    const budget = callTimeout(this.timeoutMs);
    if (budget <= 0)
      return fail('spot-timeout', 'the deadline had passed before the Spot API was called', { retryable: true });
    const deadline = startedAt + budget;

    let token: string;
    try {
      token = await this.token();
    } catch {
      return fail('spot-token-unavailable', 'the Spot API token could not be read', { retryable: true });
    }
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token))
      return fail(
        'spot-token-unavailable',
        'the Spot API token is not set or is not a bearer token (printable characters, no spaces)',
      );
    const forms = tokenForms(token);
    const canReplay = replayable(method, url.pathname);
    const payload = body === undefined ? undefined : JSON.stringify(body);

    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - this.now();
      // Only a 429 or a connection that never carried the request comes back here for a POST: nothing was applied.
      if (remaining <= 0) return this.deadlineFailure(budget, false);
      const result = await this.attempt(method, url, token, payload, remaining);
      let failure: SpotFailure;
      let waitMs = Math.min(RETRY.maxDelayMs, RETRY.baseDelayMs * 2 ** attempt);
      if (result.kind === 'deadline') return this.deadlineFailure(budget, !canReplay);
      if (result.kind === 'no-answer') {
        const safe = canReplay || !result.sent;
        failure = {
          status: 0,
          code: 'spot-network',
          message: `no answer from the Spot API (${result.code})`,
          retryable: true,
          ...(safe ? {} : { mayHaveApplied: true }),
        };
        if (!safe) return { ok: false, failure };
      } else {
        const text = redact(result.text, forms);
        const envelope = parseEnvelope(text);
        const statusCode = envelope?.response?.status?.code;
        if (result.status === 200 && envelope !== undefined && (statusCode === undefined || statusCode === 200))
          return { ok: true, value: envelope };
        if (result.status === 200 && envelope === undefined)
          return fail('spot-bad-response', 'the Spot API answered 200 without its JSON envelope', { status: 200 });
        failure = failureOf(result.status, envelope, result.headers);
        if (result.status === 429) {
          if (failure.retryAfterMs !== undefined) waitMs = Math.max(waitMs, failure.retryAfterMs);
        } else if (result.status >= 500 && result.status <= 599) {
          if (!canReplay) return { ok: false, failure: { ...failure, mayHaveApplied: true } };
        } else {
          return { ok: false, failure };
        }
      }
      // Retryable: wait and go again, unless the retries or the deadline would be passed.
      if (attempt >= this.maxRetries) return { ok: false, failure };
      if (this.now() + waitMs >= deadline)
        return { ok: false, failure: { ...failure, retryAfterMs: failure.retryAfterMs ?? waitMs } };
      await this.sleep(waitMs);
    }
  }

  private deadlineFailure(budget: number, mayHaveApplied: boolean): SpotResult<Envelope> {
    return {
      ok: false,
      failure: {
        status: 0,
        code: 'spot-timeout',
        message: `the Spot API did not answer within ${budget} ms`,
        retryable: true,
        ...(mayHaveApplied ? { mayHaveApplied: true } : {}),
      },
    };
  }

  private async attempt(
    method: string,
    url: URL,
    token: string,
    payload: string | undefined,
    remaining: number,
  ): Promise<Attempt> {
    let sent = false;
    try {
      return await withTimeout(
        'spot',
        remaining,
        async (signal): Promise<Attempt> => {
          const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
          if (payload !== undefined) headers['content-type'] = 'application/json';
          const pending = fetch(url, {
            method,
            headers,
            ...(payload !== undefined ? { body: payload } : {}),
            signal,
            redirect: 'manual',
          });
          sent = true;
          const res = await pending;
          const text = await res.text();
          return { kind: 'answer', status: res.status, headers: res.headers, text };
        },
        remaining,
      );
    } catch (err) {
      if (err instanceof DeadlineExceededError) return { kind: 'deadline', ms: err.timeoutMs };
      const code = networkCode(err);
      return { kind: 'no-answer', code, sent: sent && !NOT_SENT_CODES.has(code) };
    }
  }
}

// ---------------------------------------------------------------- reading answers

function parseEnvelope(text: string): Envelope | undefined {
  if (text.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObj(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function itemsOf(envelope: Envelope): SpotItem[] {
  const items = envelope.response?.items;
  return Array.isArray(items) ? items.filter(isObj).map((i) => i as SpotItem) : [];
}

function firstItem(envelope: Envelope): SpotItem | undefined {
  return itemsOf(envelope)[0];
}

function requestIdOf(envelope: Envelope | undefined): { requestId?: string } {
  const id = envelope?.request?.id;
  return typeof id === 'string' && id.length > 0 && id.length <= 100 ? { requestId: id } : {};
}

/** Seconds of `X-RateLimit-Reset` (HELP administration/api README) in milliseconds. */
function resetMs(headers: Headers): number | undefined {
  const raw = headers.get('x-ratelimit-reset');
  if (raw === null || !/^\d+(\.\d+)?$/.test(raw.trim())) return undefined;
  return Math.ceil(Number(raw) * 1000);
}

/** A failed answer as SDK `extractError` reads it (client/response.go 76-107). */
function failureOf(status: number, envelope: Envelope | undefined, headers: Headers): SpotFailure {
  const errors: SpotError[] = [];
  const given = envelope?.response?.errors;
  for (const e of Array.isArray(given) ? given : []) {
    if (!isObj(e)) continue;
    const code =
      typeof e.code === 'string' && e.code.trim() !== '' ? cleanMessage(e.code).slice(0, 100) : String(status);
    const message = typeof e.message === 'string' ? cleanMessage(e.message) : '';
    const field =
      typeof e.field === 'string' && e.field.trim() !== '' ? cleanMessage(e.field).slice(0, 300) : undefined;
    errors.push({ code, message, ...(field !== undefined ? { field } : {}) });
  }
  const statusMessage = envelope?.response?.status?.message;
  const first = errors[0] ?? {
    code: String(status),
    message:
      typeof statusMessage === 'string' && statusMessage.trim() !== ''
        ? cleanMessage(statusMessage)
        : (STATUS_TEXT[status] ?? `HTTP ${status}`),
  };
  const retryAfterMs = status === 429 ? resetMs(headers) : undefined;
  return {
    status,
    code: first.code,
    message: first.message,
    ...(first.field !== undefined ? { field: first.field } : {}),
    retryable: status === 429 || (status >= 500 && status <= 599),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...requestIdOf(envelope),
    ...(errors.length > 1 ? { errors } : {}),
  };
}

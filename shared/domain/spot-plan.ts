/**
 * The exact Spot API requests that create, update or roll a group or stateful node (the Spot
 * target's plan). Pure: it builds requests, it sends nothing.
 *
 * Sources (read at these commits):
 * - OA = spotinst/openapi `553e5ff4ddb5044ce020ad1c32e86e1e8eb2e4`, copied into
 *   test/fixtures/spot-openapi (paths and known defects in its README).
 * - SDK = spotinst/spotinst-sdk-go `d37d59a9dc78ff50c2d01d07476b0623707d9da2`:
 *   `service/elastigroup/providers/azure/v3/azure.go` (azure.go) and
 *   `service/stateful/providers/azure/statefulNode.go` (statefulNode.go).
 * - TF = spotinst/terraform-provider-spotinst `a04f47a21f620e344cec20c39e977894012c67d1`.
 * - HELP = spotinst/help `155a2c4ee2137d667ce56852377368381d6c7830` (the docs.spot.io sources).
 *
 * Requests (every one carries `accountId`, SDK `spotinst/client/request.go` 33-35):
 * - group create  `POST /azure/compute/group` `{"group": {...}}` (OA `spotVms/paths/groupsVm.yaml`);
 *   update `PUT /azure/compute/group/{groupId}` (OA `spotVms/paths/groupVm.yaml`);
 * - stateful node create `POST /azure/compute/statefulNode` `{"statefulNode": {...}}`
 *   (OA `stateful/node/paths/createGetAll.yaml`); update `PUT /azure/compute/statefulNode/{nodeId}`
 *   (OA `stateful/node/paths/deleteUpdateGet.yaml`);
 * - roll of a group: the PUT of the new version, then `POST /azure/compute/group/{groupId}/deployment`
 *   `{"deployment": {...}}` (OA `spotVms/paths/groupVmDeployments.yaml`), a blue/green deployment;
 * - roll of a stateful node: the PUT of the new version, then
 *   `PUT /azure/compute/statefulNode/{nodeId}/state` `{"state": "recycle"}` (OA
 *   `stateful/node/paths/changeState.yaml`, `schemas/changeStateOfStatefulNode.yaml`).
 *
 * The body is the job's spec as stored: secrets are replaced by markers (`login.passwordSet: true`,
 * `extensions[].protectedSettingsSet: true`, see spot-body.ts `storedSpecOf`), so a plan can be
 * kept and shown. `withSecrets` puts the secrets back in memory for the apply step only. The
 * gallery image is resolved to its concrete version, under the field each kind spells: groups
 * `image.gallery.version` (SDK azure.go 181), stateful nodes `image.gallery.versionName`
 * (SDK statefulNode.go 258). This project's extension fields (flag `E` of the field table, e.g.
 * `compute.orchestrationMode`) are not Spot's and are never sent.
 *
 * An update leaves out what Spot does not take on update:
 * - read-only `id`, `createdAt`, `updatedAt` (OA `elastigroupVm.yaml`, `statefulNodeObject.yaml`;
 *   the SDK drops the id before a PUT, azure.go 625-626, statefulNode.go 731-732);
 * - groups: `region`, `resourceGroupName`, `compute.os` (absent from OA `elastigroupVm-update.yaml`
 *   and `elastigroupVm-compute-update.yaml`; TF "field [%v] is immutable, cannot be changed post
 *   creation", `spotinst/azure_v3/elastigroup_azure/fields_spotinst_elastigroup_azure.go` 110-113, 182-185);
 * - stateful nodes: `region`, `resourceGroupName` (`readOnly` in OA `update/updateStatefulNode.yaml`
 *   20-29), and what persistence locks (see PERSISTED_SECTIONS).
 * An update given as changes sends the changes (Spot's partial update; the image, when touched,
 * whole and resolved). One of the fields above that the changes only repeat (compared with the
 * stored spec) is left out with a note; one they change makes the plan Spot's refusal instead.
 * An update of the whole spec leaves them out (noting what persistence locks).
 *
 * A group created without `strategy` gets Spot's documented default (GROUP_DEFAULT_STRATEGY), said
 * in a note; a stateful node without `strategy.fallbackToOd` (required, no default) is refused.
 */
import { isVersionName } from './ids.js';
import { bodyRootOf, kindLetter, type JobKind } from './job-envelope.js';
import { storedSpecOf } from './spot-body.js';
import { rowsOf } from './spot-fields.js';
import { ROLL_DEPLOYMENT_DEFAULTS, rollDeploymentSchema, type RollDeployment } from './apply.js';

// ---------------------------------------------------------------- public types

/** What a request does, for the plan view. */
export type SpotRequestAction = 'create' | 'update' | 'deploy' | 'recycle';

export interface SpotRequest {
  readonly method: 'POST' | 'PUT';
  /**
   * Path and query from Spot's base URL (`https://api.spotinst.io`: OA `api/spot.yaml` `servers[0].url`,
   * SDK `spotinst/config.go` 19): `/azure/compute/group?accountId=act-1a2b3c4d`.
   */
  readonly url: string;
  /** The JSON body, secrets as markers (`passwordSet: true`). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly action: SpotRequestAction;
}

/** Something the plan did that the user did not write: a default added, a section left out. */
export interface SpotPlanNote {
  readonly code: 'default-added' | 'left-out-on-update';
  /** JSON Pointer from the job envelope's root (`/body/group/strategy`). */
  readonly pointer: string;
  readonly message: string;
}

/** The requests to send, in order. Holds no secret. */
export interface SpotPlan {
  readonly target: 'spot';
  readonly requests: readonly SpotRequest[];
  readonly notes: readonly SpotPlanNote[];
}

/** What Spot would refuse, said before asking it. */
export interface SpotRefusal {
  readonly target: 'spot';
  readonly refused: {
    readonly code:
      | 'spot-persisted-os-disk'
      | 'spot-persisted-network'
      | 'spot-immutable-field'
      | 'spot-required-field'
      | 'not-a-gallery-image';
    readonly message: string;
    /** JSON Pointer from the job envelope's root, where one place is the reason. */
    readonly pointer?: string;
    /** Where Spot says so. */
    readonly source: string;
  };
}

export type SpotPlanResult = SpotPlan | SpotRefusal;

export function isSpotRefusal(result: SpotPlanResult): result is SpotRefusal {
  return 'refused' in result;
}

type Spec = Readonly<Record<string, unknown>>;

export interface SpotPlanInput {
  readonly kind: JobKind;
  /** The Spot account the group or node lives in (`act-…`): every request names it as `accountId`. */
  readonly accountId: string;
  /**
   * The complete spec: a create's body, or an update merged onto the stored group. Secrets may be
   * in it or already replaced by markers: the plan carries markers either way.
   */
  readonly spec: Spec;
  /**
   * The id at Spot (`sig-…`, `ssn-…`) when the group or node exists there: the plan updates it
   * (PUT). Absent: the plan creates it (POST).
   */
  readonly spotId?: string;
  /**
   * An update job's changes as given (Spot's partial update: objects merge, arrays replace, `null`
   * removes). With `spotId` only; absent, an update sends the whole spec.
   */
  readonly changes?: Spec;
  /**
   * The spec as stored before this update (what was applied at Spot), with `changes`: a field Spot
   * does not take on update that the changes only repeat is left out (with a note); one they change
   * is refused. Without it, every such field in the changes is refused.
   */
  readonly storedSpec?: Spec;
  /**
   * The concrete version the gallery image resolves to (`1.10.0`). Required when the spec's image
   * is a gallery image on `latest`; a pinned version is used as it is when absent.
   */
  readonly resolvedVersion?: string;
}

export interface SpotRollInput {
  readonly kind: JobKind;
  readonly accountId: string;
  /** The id at Spot of the group or node to roll. */
  readonly spotId: string;
  /** The complete stored spec (its gallery image, and a node's persistence). */
  readonly spec: Spec;
  /** The concrete version to roll to. */
  readonly toVersion: string;
  /** Groups: the blue/green settings (the group's auto-roll policy); Spot's defaults for what is absent. */
  readonly deployment?: RollDeployment;
}

/** The secrets of a job, in memory only (spotSecretsOf), for withSecrets. */
export interface SpotSecrets {
  /** `compute.launchSpecification.login.password`. */
  readonly password?: string;
  /** `compute.launchSpecification.extensions[].protectedSettings`, by extension `name`. */
  readonly protectedSettings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export type WithSecretsResult =
  | { readonly ok: true; readonly requests: readonly SpotRequest[] }
  /** Markers no secret was given for: JSON Pointers into the request bodies (`/group/compute/launchSpecification/login/password`). */
  | { readonly ok: false; readonly missing: readonly string[] };

// ---------------------------------------------------------------- Spot's rules, each with its source

const LS = ['compute', 'launchSpecification'] as const;

/**
 * What a stateful node's persistence locks on update, with the line of OA
 * `stateful/node/schemas/create/createStatefulNodeCompute.yaml` that says so, each in the words
 * "For import or update operations, <field> object cannot be defined when the
 * compute.persistence.<flag> = true." HELP
 * `src/docs/managed-instance/azure/getting-started/create-stateful-node.md` 31: "Persisting the OS
 * disk disables editing the Login, Image, and Custom Data/Shutdown scripts fields after the VM is
 * created."; 38: persisting the network "disables the ability to edit all the Network interfaces
 * configurations after the VM is created." `osDiskPersistenceMode` makes no difference in any source.
 */
const PERSISTED_SECTIONS = [
  {
    flag: 'shouldPersistOsDisk',
    code: 'spot-persisted-os-disk',
    helpLine: 31,
    fields: { image: 118, customData: 243, shutdownScript: 257, login: 415 },
  },
  { flag: 'shouldPersistNetwork', code: 'spot-persisted-network', helpLine: 38, fields: { network: 262 } },
] as const;

type PersistedSection = (typeof PERSISTED_SECTIONS)[number];

/** Spot's refusal of a persisted field, in Spot's words, with both sources. */
function persistedRefusal(section: PersistedSection, field: string, where: string): SpotRefusal {
  const line = (section.fields as Readonly<Record<string, number>>)[field];
  const quote = `For import or update operations, ${field} object cannot be defined when the compute.persistence.${section.flag} = true.`;
  const what = field === 'image' ? 'the image' : `the ${field}`;
  const how =
    field === 'image'
      ? ' Swap the OS disk of the paused node, or turn OS disk persistence off, to move it to another image.'
      : '';
  return {
    target: 'spot',
    refused: {
      code: section.code,
      message: `Spot does not change ${what} of a stateful node with persistence.${section.flag} true: "${quote}" (Spot API).${how}`,
      pointer: where,
      source: `spotinst/openapi api/services/elastigroup/azure/stateful/node/schemas/create/createStatefulNodeCompute.yaml line ${line}; spotinst/help src/docs/managed-instance/azure/getting-started/create-stateful-node.md line ${section.helpLine}`,
    },
  };
}

/**
 * Fields Spot does not take on update that a user writes (module comment), per kind. (The
 * read-only `id`, `createdAt`, `updatedAt` never reach a plan: storedSpecOf drops them.)
 */
const IMMUTABLE: Readonly<
  Record<JobKind, { readonly paths: readonly (readonly string[])[]; readonly source: string }>
> = {
  statelessGroup: {
    paths: [['region'], ['resourceGroupName'], ['compute', 'os']],
    source:
      'spotinst/openapi api/services/elastigroup/azure/spotVms/schemas/elastigroupVm-update.yaml and elastigroupVm-compute-update.yaml (not updatable); spotinst/terraform-provider-spotinst spotinst/azure_v3/elastigroup_azure/fields_spotinst_elastigroup_azure.go lines 110-113, 182-185',
  },
  statefulNode: {
    paths: [['region'], ['resourceGroupName']],
    source:
      'spotinst/openapi api/services/elastigroup/azure/stateful/node/schemas/update/updateStatefulNode.yaml lines 20-29 (readOnly); spotinst/terraform-provider-spotinst spotinst/azure_v3/stateful_node_azure/fields_spotinst_stateful_node_azure.go lines 110-113',
  },
};

/**
 * A group created without a `strategy`: Spot requires one (OA `createElastigroupSpotVMs.yaml` 18,
 * `elastigroupVm.yaml` required) and documents its default mix, `spotPercentage` "default: 100"
 * ("Required if odCount isn't specified", `createElastigroupSpotVMs.yaml` 480-485). The plan sends
 * that default and says so in a note.
 */
const GROUP_DEFAULT_STRATEGY = { spotPercentage: 100 } as const;

// ---------------------------------------------------------------- helpers

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function pointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function at(root: unknown, path: readonly string[]): unknown {
  let cur = root;
  for (const s of path) cur = isObj(cur) ? cur[s] : undefined;
  return cur;
}

function has(root: unknown, path: readonly string[]): boolean {
  const parent = at(root, path.slice(0, -1));
  return isObj(parent) && Object.prototype.hasOwnProperty.call(parent, path[path.length - 1] as string);
}

/** Deletes the field at a path (no-op when absent), and the objects above it that it leaves empty. */
function drop(root: Record<string, unknown>, path: readonly string[]): void {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = at(root, path.slice(0, depth - 1));
    const key = path[depth - 1] as string;
    if (!isObj(parent)) return;
    if (depth < path.length && !(isObj(parent[key]) && Object.keys(parent[key]).length === 0)) return;
    delete parent[key];
  }
}

/** Deletes every place a field-table path (`a.b[].c`) names. */
function dropTablePath(root: unknown, tablePath: string): void {
  const segments = tablePath.split('.');
  const walk = (value: unknown, i: number): void => {
    if (!isObj(value)) return;
    const raw = segments[i] as string;
    const key = raw.endsWith('[]') ? raw.slice(0, -2) : raw;
    if (i === segments.length - 1) {
      delete value[key];
      return;
    }
    const next = value[key];
    if (raw.endsWith('[]')) for (const item of Array.isArray(next) ? next : []) walk(item, i + 1);
    else walk(next, i + 1);
  };
  walk(root, 0);
}

/** The spec as a plan may carry it: secrets as markers, read-only fields and this project's extensions dropped. */
function sendable(kind: JobKind, spec: Spec): Record<string, unknown> {
  const letter = kindLetter(kind);
  const out = storedSpecOf(letter, spec);
  for (const [path, , , flags = ''] of rowsOf(letter)) if (flags.includes('E')) dropTablePath(out, path);
  return out;
}

function versionField(kind: JobKind): 'version' | 'versionName' {
  return kind === 'statelessGroup' ? 'version' : 'versionName';
}

function query(accountId: string): string {
  if (accountId.length === 0) throw new TypeError('a Spot request needs an accountId');
  return `?accountId=${encodeURIComponent(accountId)}`;
}

function collectionPath(kind: JobKind): string {
  return kind === 'statelessGroup' ? '/azure/compute/group' : '/azure/compute/statefulNode';
}

function itemPath(kind: JobKind, spotId: string): string {
  if (spotId.length === 0) throw new TypeError('a Spot update needs the id of the group or node');
  return `${collectionPath(kind)}/${encodeURIComponent(spotId)}`;
}

/**
 * Sets the concrete gallery version in a spec's image (when the image is a gallery image). Throws
 * when a gallery image on `latest` has no resolved version: the caller resolves before planning.
 */
function resolveImage(kind: JobKind, spec: Record<string, unknown>, resolvedVersion: string | undefined): void {
  const gallery = at(spec, [...LS, 'image', 'gallery']);
  if (!isObj(gallery)) return;
  const field = versionField(kind);
  const given = gallery[field];
  const version = resolvedVersion ?? (typeof given === 'string' && isVersionName(given) ? given : undefined);
  if (version === undefined)
    throw new TypeError(`the gallery image is on ${JSON.stringify(given)}: plan it with its resolved version`);
  if (!isVersionName(version))
    throw new TypeError(`a resolved version is Major.Minor.Patch (got ${JSON.stringify(version)})`);
  gallery[field] = version;
}

/** JSON equality, key order aside. */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObj(a) || isObj(b)) {
    if (!isObj(a) || !isObj(b)) return false;
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    return (
      keys.length === Object.keys(b).filter((k) => b[k] !== undefined).length && keys.every((k) => sameJson(a[k], b[k]))
    );
  }
  return a === b;
}

function persistenceOf(spec: Spec): Record<string, unknown> {
  const p = spec.persistence;
  return isObj(p) ? p : {};
}

// ---------------------------------------------------------------- plan: create or update

/** The request that creates (POST) or updates (PUT) the group or node at Spot, or why Spot would refuse it. */
export function planSpot(input: SpotPlanInput): SpotPlanResult {
  const { kind, accountId, spotId } = input;
  const root = bodyRootOf(kind);
  const notes: SpotPlanNote[] = [];

  if (spotId === undefined) {
    const spec = sendable(kind, input.spec);
    resolveImage(kind, spec, input.resolvedVersion);
    if (kind === 'statelessGroup' && spec.strategy === undefined) {
      spec.strategy = { ...GROUP_DEFAULT_STRATEGY };
      notes.push({
        code: 'default-added',
        pointer: pointer(['body', root, 'strategy']),
        message: `Spot requires a strategy to create a group; the plan sends Spot's documented default ${JSON.stringify(GROUP_DEFAULT_STRATEGY)} (all spot VMs)`,
      });
    }
    if (kind === 'statefulNode' && typeof at(spec, ['strategy', 'fallbackToOd']) !== 'boolean') {
      return {
        target: 'spot',
        refused: {
          code: 'spot-required-field',
          message: 'Spot requires strategy.fallbackToOd to create a stateful node and documents no default for it',
          pointer: pointer(['body', root, 'strategy', 'fallbackToOd']),
          source:
            'spotinst/openapi api/services/elastigroup/azure/stateful/node/schemas/create/createStatefulNodeStrategy.yaml (required: fallbackToOd); statefulNodeObject.yaml (required: strategy)',
        },
      };
    }
    return {
      target: 'spot',
      requests: [
        { method: 'POST', url: `${collectionPath(kind)}${query(accountId)}`, body: { [root]: spec }, action: 'create' },
      ],
      notes,
    };
  }

  // Update: the changes as given (or the whole spec), without what Spot does not take on update.
  const complete = sendable(kind, input.spec);
  const changes = input.changes === undefined ? undefined : sendable(kind, input.changes);
  const body = changes ?? complete;
  const imagePath = [...LS, 'image'];
  if (changes === undefined || has(changes, imagePath)) {
    // The image goes whole (resolved) whenever it is sent: a partial gallery object would merge with the old one at Spot.
    const image = at(complete, imagePath);
    if (isObj(image)) {
      const ls = at(body, LS);
      if (isObj(ls)) ls.image = structuredClone(image);
      resolveImage(kind, body, input.resolvedVersion);
    }
  }
  /**
   * A field Spot does not take on update: changed by the update (or the stored spec unknown), the
   * update is refused; sent again unchanged, or with the whole spec, it is left out (with a note
   * when the user wrote it in the changes, or when `noteWholeSpec`).
   */
  const leaveOut = (
    path: readonly string[],
    reason: string,
    noteWholeSpec: boolean,
    refuse: () => SpotRefusal,
  ): SpotRefusal | undefined => {
    if (!has(body, path)) return undefined;
    if (
      changes !== undefined &&
      (input.storedSpec === undefined || !sameJson(at(input.changes, path), at(input.storedSpec, path)))
    )
      return refuse();
    drop(body, path);
    if (changes !== undefined || noteWholeSpec)
      notes.push({
        code: 'left-out-on-update',
        pointer: pointer(['body', root, ...path]),
        message: `not sent: ${reason}`,
      });
    return undefined;
  };
  const immutable = IMMUTABLE[kind];
  for (const path of immutable.paths) {
    const refused = leaveOut(path, 'Spot does not change it after creation', false, () => ({
      target: 'spot',
      refused: {
        code: 'spot-immutable-field',
        message: `Spot does not change ${path.join('.')} after the ${kind === 'statelessGroup' ? 'group' : 'stateful node'} is created`,
        pointer: pointer(['body', root, ...path]),
        source: immutable.source,
      },
    }));
    if (refused !== undefined) return refused;
  }
  if (kind === 'statefulNode') {
    const persistence = persistenceOf(input.spec);
    for (const section of PERSISTED_SECTIONS) {
      if (persistence[section.flag] !== true) continue;
      for (const field of Object.keys(section.fields)) {
        const path = [...LS, field];
        const refused = leaveOut(
          path,
          `Spot takes no ${field} on update while persistence.${section.flag} is true`,
          true,
          () => persistedRefusal(section, field, pointer(['body', root, ...path])),
        );
        if (refused !== undefined) return refused;
      }
    }
  }
  return {
    target: 'spot',
    requests: [
      { method: 'PUT', url: `${itemPath(kind, spotId)}${query(accountId)}`, body: { [root]: body }, action: 'update' },
    ],
    notes,
  };
}

// ---------------------------------------------------------------- plan: roll to a new version

/**
 * The requests that move a group or node at Spot to a new image version and replace its VMs:
 * groups, the PUT of the version and a blue/green deployment; stateful nodes, the PUT of the version
 * and a recycle. A node whose OS disk is persisted cannot take a new image: the answer is Spot's
 * refusal, not requests.
 */
export function planSpotRoll(input: SpotRollInput): SpotPlanResult {
  const { kind, accountId, spotId, toVersion } = input;
  const root = bodyRootOf(kind);
  if (!isVersionName(toVersion))
    throw new TypeError(`a roll goes to a version Major.Minor.Patch (got ${JSON.stringify(toVersion)})`);
  const imagePath = [...LS, 'image'];
  const gallery = at(input.spec, [...imagePath, 'gallery']);
  if (!isObj(gallery)) {
    return {
      target: 'spot',
      refused: {
        code: 'not-a-gallery-image',
        message: 'only a gallery image rolls to a new version',
        pointer: pointer(['body', root, ...imagePath]),
        source: 'this service',
      },
    };
  }
  if (kind === 'statefulNode' && persistenceOf(input.spec).shouldPersistOsDisk === true) {
    return persistedRefusal(
      PERSISTED_SECTIONS[0],
      'image',
      pointer(['body', root, 'persistence', 'shouldPersistOsDisk']),
    );
  }
  const image = { gallery: { ...gallery, [versionField(kind)]: toVersion } };
  const update: SpotRequest = {
    method: 'PUT',
    url: `${itemPath(kind, spotId)}${query(accountId)}`,
    body: { [root]: { compute: { launchSpecification: { image } } } },
    action: 'update',
  };
  if (kind === 'statelessGroup') {
    const policy = rollDeploymentSchema.parse(input.deployment ?? {});
    const deployment: Record<string, unknown> = {
      batchSizePercentage: policy.batchSizePercentage ?? ROLL_DEPLOYMENT_DEFAULTS.batchSizePercentage,
      gracePeriod: policy.gracePeriod ?? ROLL_DEPLOYMENT_DEFAULTS.gracePeriod,
      batchMinHealthyPercentage: policy.batchMinHealthyPercentage ?? ROLL_DEPLOYMENT_DEFAULTS.batchMinHealthyPercentage,
      ...(policy.drainingTimeout !== undefined ? { drainingTimeout: policy.drainingTimeout } : {}),
      ...(policy.healthCheckTypes !== undefined ? { healthCheckTypes: [...policy.healthCheckTypes] } : {}),
    };
    return {
      target: 'spot',
      requests: [
        update,
        {
          method: 'POST',
          url: `${itemPath(kind, spotId)}/deployment${query(accountId)}`,
          body: { deployment },
          action: 'deploy',
        },
      ],
      notes: [],
    };
  }
  return {
    target: 'spot',
    requests: [
      update,
      {
        method: 'PUT',
        url: `${itemPath(kind, spotId)}/state${query(accountId)}`,
        body: { state: 'recycle' },
        action: 'recycle',
      },
    ],
    notes: [],
  };
}

// ---------------------------------------------------------------- secrets, for the apply step only

/** The secrets a spec carries (a job in memory), to give withSecrets. */
export function spotSecretsOf(spec: Spec): SpotSecrets {
  const password = at(spec, [...LS, 'login', 'password']);
  const extensions = at(spec, [...LS, 'extensions']);
  const protectedSettings: Record<string, Record<string, unknown>> = {};
  for (const ext of Array.isArray(extensions) ? extensions : []) {
    if (isObj(ext) && typeof ext.name === 'string' && isObj(ext.protectedSettings))
      protectedSettings[ext.name] = ext.protectedSettings;
  }
  return {
    ...(typeof password === 'string' ? { password } : {}),
    ...(Object.keys(protectedSettings).length > 0 ? { protectedSettings } : {}),
  };
}

/** Marker key of a secret field (spot-body.ts writes `<name>Set: true`). */
const MARKER = /^(.+)Set$/;

/**
 * The plan's requests with the secrets placed back where the markers stand, for sending only: never
 * keep or log the result. Every marker must find its secret (else `missing` names where); a marker
 * this function does not know is missing too, so nothing unknown reaches Spot as a marker.
 */
export function withSecrets(plan: SpotPlan, secrets: SpotSecrets): WithSecretsResult {
  const missing: string[] = [];
  const requests = plan.requests.map((request) => {
    const body = structuredClone(request.body) as Record<string, unknown>;
    const place = (
      holder: Record<string, unknown>,
      marker: string,
      value: unknown,
      where: readonly (string | number)[],
    ): void => {
      const field = (MARKER.exec(marker) as RegExpExecArray)[1] as string;
      if (value === undefined) {
        missing.push(pointer([...where, field]));
        return;
      }
      // The secret takes the marker's place (key order kept).
      const entries = Object.entries(holder).map(([k, v]): [string, unknown] =>
        k === marker ? [field, value] : [k, v],
      );
      for (const k of Object.keys(holder)) delete holder[k];
      for (const [k, v] of entries) holder[k] = v;
    };
    const walk = (value: unknown, where: readonly (string | number)[]): void => {
      if (Array.isArray(value)) {
        value.forEach((item, i) => walk(item, [...where, i]));
        return;
      }
      if (!isObj(value)) return;
      for (const key of Object.keys(value)) {
        if (value[key] === true && MARKER.test(key)) {
          const isLogin = where.length >= 2 && where[where.length - 1] === 'login' && key === 'passwordSet';
          const extension =
            where.length >= 2 && where[where.length - 2] === 'extensions' && key === 'protectedSettingsSet';
          const name = extension ? value.name : undefined;
          const secret = isLogin
            ? secrets.password
            : extension && typeof name === 'string'
              ? secrets.protectedSettings?.[name]
              : undefined;
          place(value, key, secret === undefined ? undefined : structuredClone(secret), where);
        } else {
          walk(value[key], [...where, key]);
        }
      }
    };
    walk(body, []);
    return { ...request, body };
  });
  return missing.length > 0 ? { ok: false, missing } : { ok: true, requests };
}

/**
 * Spot's own OpenAPI description of the Azure Elastigroup (v3), deployment and stateful node calls,
 * loaded from the copy in test/fixtures/spot-openapi (spotinst/openapi at
 * `553e5ff4ddb5044ce020ad1c32e86e1e8eb2e4`; root `api/spot-azure.yaml`), with the corrections its
 * README lists under "Known defects" applied here, in code, each beside both of its sources. The
 * copied files stay as published.
 *
 * - `loadSpotOpenApi()` reads the YAML, applies the corrections, resolves every `$ref` (relative
 *   files and JSON Pointer fragments, as upstream lays them out) and compiles one JSON Schema
 *   validator (Ajv) per request body.
 * - `validateRequest(method, path, body)` answers the problems Spot's schema finds in a request body
 *   (each with a JSON Pointer into the body), or `[]`. The Spot simulator (dev/spot-simulator.ts)
 *   and the planner's tests (test/domain/spot-plan.test.ts) both use it.
 *
 * OpenAPI 3.0 is read as JSON Schema draft-07 plus: `example` (ignored), the formats `float` and
 * `byte` (OpenAPI's own), and `readOnly`, which here refuses the property in a request: the
 * OpenAPI says a read-only property is not sent (OpenAPI 3.0.3 "Fixed Fields" of the Schema Object:
 * "SHOULD NOT be sent as part of the request"), and Spot's SDK drops the id before every PUT
 * (azure.go 625-626, statefulNode.go 731-732). Whether Spot itself rejects or ignores one is not
 * documented: refusing it here makes a plan that sends one fail offline.
 *
 * Development code: never shipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type SpotHttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface SpotOperation {
  readonly method: SpotHttpMethod;
  /** The path template (`/azure/compute/group/{groupId}`). */
  readonly path: string;
  readonly operationId: string;
  /** The request body's JSON Schema, corrected and dereferenced; absent when the call takes none. */
  readonly requestSchema?: JsonObject;
  /** The JSON Schema of the 200 answer (the whole envelope), dereferenced. */
  readonly responseSchema?: JsonObject;
}

/** One thing Spot's schema refuses in a body. */
export interface SchemaProblem {
  /** JSON Pointer into the request body (`/group/capacity/target`); '' for the body itself. */
  readonly pointer: string;
  /** The field as Spot's errors name one (`group.capacity.target`); '' for the body itself. */
  readonly field: string;
  readonly message: string;
}

export interface SpotOpenApiOptions {
  /** The folder holding `api/spot-azure.yaml` (default: test/fixtures/spot-openapi of this checkout). */
  readonly dir?: string;
  /** Apply the corrections of SPOT_OPENAPI_CORRECTIONS (default true); false reads the schema exactly as copied. */
  readonly corrections?: boolean;
}

// ---------------------------------------------------------------- corrections

const C = 'services/elastigroup/azure/spotVms/schemas/createElastigroupSpotVMs.yaml';
const SCALING_UP = 'services/elastigroup/azure/spotVms/schemas/scaling-policy-up.yaml';
const SCALING_DOWN = 'services/elastigroup/azure/spotVms/schemas/scaling-policy-down.yaml';
const SCHEDULING = 'services/elastigroup/azure/spotVms/schemas/elastigroupVm-scheduling.yaml';
const NODE_UPDATE_COMPUTE = 'services/elastigroup/azure/stateful/node/schemas/update/updateStatefulNodeCompute.yaml';
const C_GROUP = '/properties/group/properties';
const C_LS = `${C_GROUP}/compute/properties/launchSpecification`;

/**
 * A correction of one place of one copied file (paths relative to `api/`; pointers into the YAML
 * document), numbered as in test/fixtures/spot-openapi/README.md "Known defects". `openapi` says
 * what the copy says, `sdk` what Spot's SDK (spotinst/spotinst-sdk-go
 * `d37d59a9dc78ff50c2d01d07476b0623707d9da2`) or another of Spot's own sources says instead.
 */
export interface SpotOpenApiCorrection {
  readonly defect: number;
  readonly file: string;
  readonly pointer: string;
  readonly openapi: string;
  readonly sdk: string;
  readonly fix: (node: JsonObject) => Json;
}

const withoutRequired =
  (...names: string[]) =>
  (node: JsonObject): Json => {
    const required = Array.isArray(node.required) ? node.required.filter((r) => !names.includes(r as string)) : [];
    const { required: _dropped, ...rest } = node;
    return required.length > 0 ? { ...rest, required } : rest;
  };

/** `action`: `oneOf` → `anyOf` (#5) and integer counts that also take strings of digits (#6). */
function fixAction(node: JsonObject): Json {
  const branches = Array.isArray(node.oneOf) ? node.oneOf : [];
  const fixed = branches.map((branch) => {
    if (typeof branch !== 'object' || branch === null || Array.isArray(branch)) return branch;
    const props = branch.properties;
    if (typeof props !== 'object' || props === null || Array.isArray(props)) return branch;
    const next: JsonObject = { ...props };
    for (const key of ['target', 'minimum', 'maximum']) {
      const p = next[key];
      if (typeof p === 'object' && p !== null && !Array.isArray(p) && p.type === 'integer') {
        const { type: _integer, ...annotations } = p;
        next[key] = { ...annotations, anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }] };
      }
    }
    return { ...branch, properties: next };
  });
  const { oneOf: _oneOf, ...rest } = node;
  return { ...rest, anyOf: fixed };
}

const isEnabledBoolean = (node: JsonObject): Json => ({ ...node, type: 'boolean' });

function taskIsEnabledCorrections(
  file: string,
  tasksPointer: string,
  count: number,
  openapiLines: string,
): SpotOpenApiCorrection[] {
  return Array.from({ length: count }, (_, i) => ({
    defect: 7,
    file,
    pointer: `${tasksPointer}/items/anyOf/${i}/properties/isEnabled`,
    openapi: `scheduling task isEnabled is type: string (${openapiLines})`,
    sdk: 'Tasks.IsEnabled *bool (azure.go 341); elastigroup-full.json sends "isEnabled": true',
    fix: isEnabledBoolean,
  }));
}

/**
 * The corrections, in the order applied (a correction that wraps a node comes after those inside it).
 * Loading fails when one no longer finds its place: a new copy of the schema must be read again.
 */
export const SPOT_OPENAPI_CORRECTIONS: readonly SpotOpenApiCorrection[] = [
  {
    defect: 1,
    file: C,
    pointer: '',
    openapi:
      'the create body requires group, name, region, capacity, strategy, compute at the wrapper level (lines 3-9)',
    sdk: 'CreateGroupInput is {Group *Group "json:group"} only (azure.go 473-475) and Create posts it as is (566-568)',
    fix: (node) => ({ ...node, required: ['group'] }),
  },
  {
    defect: 2,
    file: C,
    pointer: C_LS,
    openapi: 'launchSpecification requires subnetName, a property it does not declare (lines 697-700)',
    sdk: 'LaunchSpecification has no subnetName (azure.go 108-129); it is NetworkInterface.SubnetName (azure.go 196-197); the update and read schemas do not require it',
    fix: withoutRequired('subnetName'),
  },
  ...(['up', 'down'] as const).flatMap((d): SpotOpenApiCorrection[] => [
    {
      defect: 4,
      file: C,
      pointer: `${C_GROUP}/scaling/properties/${d}`,
      openapi: `a scaling.${d} policy requires isEnabled while declaring default: true (lines ${d === 'up' ? 87 : 283}, 98)`,
      sdk: 'ScalingPolicy.IsEnabled *bool with omitempty (azure.go 275); scaling-policy-base.yaml requires nothing',
      fix: withoutRequired('isEnabled'),
    },
    {
      defect: 5,
      file: C,
      pointer: `${C_GROUP}/scaling/properties/${d}/properties/action`,
      openapi: `action is oneOf two branches that both match every action (line ${d === 'up' ? 198 : 393}); target/minimum/maximum type: integer`,
      sdk: 'Action is one struct (azure.go 281-290); Action.Target, Minimum, Maximum are *string (azure.go 284-286), Terraform sends strings (fields_spotinst_elastigroup_azure_scaling_policies.go 199-222, 354-368)',
      fix: fixAction,
    },
  ]),
  ...[SCALING_UP, SCALING_DOWN].map((file): SpotOpenApiCorrection => ({
    defect: 5,
    file,
    pointer: '/allOf/1/properties/action',
    openapi: `action is oneOf two branches that both match every action (${file === SCALING_UP ? 'line 39' : 'line 42'}); target/minimum/maximum type: integer`,
    sdk: 'Action is one struct (azure.go 281-290); Target, Minimum, Maximum are *string (azure.go 284-286)',
    fix: fixAction,
  })),
  ...(['up', 'down'] as const).map((d): SpotOpenApiCorrection => ({
    defect: 3,
    file: C,
    pointer: `${C_GROUP}/scaling/properties/${d}`,
    openapi: `scaling.${d} is one object (lines ${d === 'up' ? '77-78' : '272-273'})`,
    sdk: 'Scaling.Up, Scaling.Down are []*ScalingPolicy (azure.go 253-256); elastigroupVm-scaling.yaml (update/read) has arrays',
    fix: (node) => ({ type: 'array', items: node }),
  })),
  ...taskIsEnabledCorrections(
    C,
    `${C_GROUP}/scheduling/properties/tasks`,
    6,
    'lines 1353, 1393, 1424, 1455, 1487, 1519',
  ),
  ...taskIsEnabledCorrections(SCHEDULING, '/properties/tasks', 6, 'lines 24, 64, 95, 126, 158, 190'),
  {
    defect: 8,
    file: C,
    pointer: `${C_LS}/properties/osDisk/properties`,
    openapi: 'the OS disk size is size (line 1142)',
    sdk: 'OsDisk.SizeGB "json:sizeGB" (azure.go 364-366); the update and read schemas say sizeGB (elastigroupVm-compute-update.yaml 493, elastigroupVm-compute.yaml 562)',
    fix: (node) => {
      const { size, ...rest } = node;
      if (size === undefined) throw new Error('osDisk has no size property any more');
      return { ...rest, sizeGB: size };
    },
  },
  {
    defect: 10,
    file: NODE_UPDATE_COMPUTE,
    pointer: '',
    openapi: 'an update that sends compute must carry os, vmSizes, launchSpecification (lines 5-8)',
    sdk: 'the SDK updates partially with no required field (statefulNode.go 723-734; examples/service/stateful/providers/azure/update/main.go sends only strategy); the same OpenAPI forbids image and network on update of persisted nodes (createStatefulNodeCompute.yaml 118, 262)',
    fix: withoutRequired('os', 'vmSizes', 'launchSpecification'),
  },
  {
    defect: 10,
    file: NODE_UPDATE_COMPUTE,
    pointer: '/properties/launchSpecification',
    openapi: 'launchSpecification on update must carry image and network (lines 106-108)',
    sdk: 'as above: Terraform sends only changed fields (spotinst/commons/common_stateful_node_azure.go 80-94)',
    fix: withoutRequired('image', 'network'),
  },
];

/**
 * Defect 9, applied to the request body of every PUT: an optional property may be `null`, which
 * removes it. OpenAPI: no property of `spotVms/schemas/elastigroupVm-update.yaml` (nor of the stateful
 * node's update) is nullable. SDK: every setter given nil puts the field in `nullFields` and sends
 * JSON null (azure.go 41-47; e.g. SetScheduling 748-753); `elastigroup-partial-update.json` sends
 * `"scheduling": null`.
 */
function nullableOptionals(schema: Json, seen = new Map<object, Json>()): Json {
  if (typeof schema !== 'object' || schema === null) return schema;
  const done = seen.get(schema);
  if (done !== undefined) return done;
  if (Array.isArray(schema)) {
    const out: Json[] = [];
    seen.set(schema, out);
    for (const s of schema) out.push(nullableOptionals(s, seen));
    return out;
  }
  const out: JsonObject = {};
  seen.set(schema, out);
  for (const [k, v] of Object.entries(schema)) out[k] = nullableOptionals(v, seen);
  const props = out.properties;
  if (typeof props === 'object' && props !== null && !Array.isArray(props)) {
    const required = new Set(Array.isArray(out.required) ? out.required : []);
    const next: JsonObject = {};
    for (const [name, p] of Object.entries(props))
      next[name] = required.has(name) ? p : { anyOf: [{ type: 'null' }, p] };
    out.properties = next;
  }
  return out;
}

// ---------------------------------------------------------------- loading

const METHODS = ['get', 'post', 'put', 'delete'] as const;

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function unescape(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON Pointer: ${pointer}`);
  return pointer.slice(1).split('/').map(unescape);
}

function resolvePointer(doc: Json, pointer: string, where: string): Json {
  let cur: Json = doc;
  for (const s of pointerSegments(pointer)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(s)] : isObject(cur) ? cur[s] : undefined;
    if (next === undefined) throw new Error(`${where}: ${pointer} does not resolve`);
    cur = next;
  }
  return cur;
}

/** Replaces the node at `pointer` in `doc` (in place; '' replaces the root: the new root is returned). */
function replaceAt(doc: Json, pointer: string, fix: (node: JsonObject) => Json, where: string): Json {
  const segments = pointerSegments(pointer);
  const node = resolvePointer(doc, pointer, where);
  if (!isObject(node)) throw new Error(`${where}: ${pointer} is not a schema object`);
  const replacement = fix(node);
  if (segments.length === 0) return replacement;
  const parent = resolvePointer(
    doc,
    `/${segments
      .slice(0, -1)
      .map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/')}`.replace(/^\/$/, ''),
    where,
  );
  const last = segments[segments.length - 1] as string;
  if (Array.isArray(parent)) parent[Number(last)] = replacement;
  else if (isObject(parent)) parent[last] = replacement;
  return doc;
}

/** The folder of the copied OpenAPI in this checkout (from dev/ or dist/dev/). */
export function defaultSpotOpenApiDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'test', 'fixtures', 'spot-openapi');
    if (existsSync(path.join(candidate, 'api', 'spot-azure.yaml'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('test/fixtures/spot-openapi not found above the Spot OpenAPI loader');
    dir = up;
  }
}

class Documents {
  private readonly docs = new Map<string, Json>();
  private readonly resolved = new Map<string, Json>();
  private readonly resolving = new Set<string>();
  readonly siblingsIgnored: string[] = [];

  constructor(
    private readonly apiDir: string,
    private readonly corrections: readonly SpotOpenApiCorrection[],
  ) {}

  /** A YAML file of the copy (relative to `api/`), corrections applied. */
  doc(file: string): Json {
    let doc = this.docs.get(file);
    if (doc === undefined) {
      doc = loadYaml(readFileSync(path.join(this.apiDir, file), 'utf8'), {
        schema: CORE_SCHEMA,
        filename: file,
      }) as Json;
      for (const c of this.corrections.filter((k) => k.file === file))
        doc = replaceAt(doc, c.pointer, c.fix, `correction ${c.defect} of ${file}`);
      this.docs.set(file, doc);
    }
    return doc;
  }

  /** The node at `file#pointer` with every `$ref` under it replaced by what it names. */
  deref(file: string, pointer: string): Json {
    const key = `${file}#${pointer}`;
    const done = this.resolved.get(key);
    if (done !== undefined) return done;
    if (this.resolving.has(key)) throw new Error(`$ref cycle through ${key}`);
    this.resolving.add(key);
    const out = this.walk(resolvePointer(this.doc(file), pointer, file), file, pointer);
    this.resolving.delete(key);
    this.resolved.set(key, out);
    return out;
  }

  private walk(node: Json, file: string, at: string): Json {
    if (Array.isArray(node)) return node.map((n, i) => this.walk(n, file, `${at}/${i}`));
    if (!isObject(node)) return node;
    const ref = node.$ref;
    if (typeof ref === 'string') {
      // OpenAPI 3.0: a $ref's sibling keys are ignored.
      if (Object.keys(node).length > 1) this.siblingsIgnored.push(`${file}#${at}`);
      const [target = '', fragment = ''] = ref.split('#');
      const targetFile = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      return this.deref(targetFile, fragment);
    }
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) {
      // Examples are data, not schemas: kept out of the way (Ajv ignores `example` anyway).
      out[k] =
        k === 'example' || k === 'examples'
          ? v
          : this.walk(v, file, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    }
    return out;
  }
}

// ---------------------------------------------------------------- validation

/**
 * An Ajv for request bodies (`readOnly` properties refused: not sent in a request) or for responses
 * (`writeOnly` properties refused: OpenAPI 3.0.3 "SHOULD NOT be sent as part of the response").
 */
function newAjv(direction: 'request' | 'response'): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateSchema: true,
  });
  ajv.addKeyword('example');
  // OpenAPI's number and string formats (OpenAPI 3.0.3 "Data Types"): float is any number, byte is base64.
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)$/i);
  const refused = direction === 'request' ? 'readOnly' : 'writeOnly';
  ajv.removeKeyword(refused);
  ajv.addKeyword({
    keyword: refused,
    schemaType: 'boolean',
    validate: (flag: boolean) => !flag,
    error: {
      message: direction === 'request' ? 'is read-only: set by Spot, not sent' : 'is write-only: never sent back',
    },
  });
  return ajv;
}

/** Deletes from `data` every property its schema marks `writeOnly` (through allOf/anyOf/oneOf and arrays). */
export function stripWriteOnly(schema: Json | undefined, data: unknown): void {
  if (!isObject(schema) || typeof data !== 'object' || data === null) return;
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list)) for (const s of list) stripWriteOnly(s, data);
  }
  if (Array.isArray(data)) {
    for (const item of data) stripWriteOnly(schema.items, item);
    return;
  }
  const props = schema.properties;
  if (!isObject(props)) return;
  const record = data as Record<string, unknown>;
  for (const [name, p] of Object.entries(props)) {
    if (!Object.prototype.hasOwnProperty.call(record, name)) continue;
    if (isObject(p) && p.writeOnly === true) delete record[name];
    else stripWriteOnly(p, record[name]);
  }
}

function fieldOf(pointer: string): string {
  return pointerSegments(pointer)
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

function problemsOf(errors: readonly ErrorObject[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // The null branch of a PUT's optional property (defect 9) and the anyOf around it say nothing
    // when the value is not null: the errors of the other branch do.
    if (e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null') continue;
    if (
      (e.keyword === 'anyOf' || e.keyword === 'oneOf') &&
      errors.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== 'type')
    )
      continue;
    let pointer = e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty?: string }).missingProperty);
      pointer = `${pointer}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      message = 'is required';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const key = `${pointer} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer, field: fieldOf(pointer), message });
  }
  return out;
}

export class SpotOpenApi {
  readonly operations: readonly SpotOperation[];
  /** `$ref`s whose sibling keys OpenAPI 3.0 ignores (file#pointer), for the fixture README. */
  readonly siblingsIgnored: readonly string[];
  private readonly validators = new Map<SpotOperation, ValidateFunction>();
  private readonly responseValidators = new Map<SpotOperation, ValidateFunction>();
  private responseAjv: Ajv | undefined;

  constructor(options: SpotOpenApiOptions = {}) {
    const apiDir = path.join(options.dir ?? defaultSpotOpenApiDir(), 'api');
    const docs = new Documents(apiDir, options.corrections === false ? [] : SPOT_OPENAPI_CORRECTIONS);
    const root = docs.doc('spot-azure.yaml');
    const paths = isObject(root) && isObject(root.paths) ? root.paths : {};
    const ajv = newAjv('request');
    const operations: SpotOperation[] = [];
    for (const template of Object.keys(paths)) {
      const item = docs.deref('spot-azure.yaml', `/paths/${template.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      if (!isObject(item)) continue;
      for (const m of METHODS) {
        const op = item[m];
        if (!isObject(op)) continue;
        const body =
          isObject(op.requestBody) && isObject(op.requestBody.content)
            ? op.requestBody.content['application/json']
            : undefined;
        let schema = isObject(body) && isObject(body.schema) ? body.schema : undefined;
        if (schema !== undefined && m === 'put' && options.corrections !== false)
          schema = nullableOptionals(schema) as JsonObject;
        const ok = isObject(op.responses) ? op.responses['200'] : undefined;
        const okBody = isObject(ok) && isObject(ok.content) ? ok.content['application/json'] : undefined;
        const responseSchema = isObject(okBody) && isObject(okBody.schema) ? okBody.schema : undefined;
        const operation: SpotOperation = {
          method: m.toUpperCase() as SpotHttpMethod,
          path: template,
          operationId: typeof op.operationId === 'string' ? op.operationId : '',
          ...(schema !== undefined ? { requestSchema: schema } : {}),
          ...(responseSchema !== undefined ? { responseSchema } : {}),
        };
        operations.push(operation);
        if (schema !== undefined) this.validators.set(operation, ajv.compile(schema));
      }
    }
    this.operations = operations;
    this.siblingsIgnored = docs.siblingsIgnored;
  }

  /** The operation serving a method and a concrete path (`/azure/compute/group/sig-1a2b3c4d`), with its path parameters. */
  match(method: string, pathname: string): { operation: SpotOperation; params: Record<string, string> } | undefined {
    const segments = pathname.split('/');
    for (const operation of this.operations) {
      if (operation.method !== method.toUpperCase()) continue;
      const template = operation.path.split('/');
      if (template.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const ok = template.every((t, i) => {
        const s = segments[i] as string;
        const param = /^\{(.+)\}$/.exec(t);
        if (param) {
          if (s === '') return false;
          params[param[1] as string] = decodeURIComponent(s);
          return true;
        }
        return t === s;
      });
      if (ok) return { operation, params };
    }
    return undefined;
  }

  /**
   * The problems Spot's schema finds in a request body: `[]` when it validates. Throws when no
   * operation serves the method and path, or the operation takes no body.
   */
  validateRequest(method: string, pathname: string, body: unknown): SchemaProblem[] {
    const found = this.match(method, pathname);
    if (found === undefined) throw new Error(`Spot's OpenAPI has no ${method} ${pathname}`);
    const validate = this.validators.get(found.operation);
    if (validate === undefined) throw new Error(`${method} ${found.operation.path} takes no request body`);
    return validate(body) ? [] : problemsOf(validate.errors ?? []);
  }

  /** The problems Spot's 200 answer schema finds in an answer (the whole envelope): `[]` when it validates. Compiled on first use. */
  validateResponse(method: string, pathname: string, envelope: unknown): SchemaProblem[] {
    const found = this.match(method, pathname);
    if (found?.operation.responseSchema === undefined)
      throw new Error(`Spot's OpenAPI has no 200 answer for ${method} ${pathname}`);
    let validate = this.responseValidators.get(found.operation);
    if (validate === undefined) {
      this.responseAjv ??= newAjv('response');
      validate = this.responseAjv.compile(found.operation.responseSchema);
      this.responseValidators.set(found.operation, validate);
    }
    return validate(envelope) ? [] : problemsOf(validate.errors ?? []);
  }
}

let shared: SpotOpenApi | undefined;
/** The corrected schema of this checkout, loaded once per process. */
export function spotOpenApi(): SpotOpenApi {
  shared ??= new SpotOpenApi();
  return shared;
}

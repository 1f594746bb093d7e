/**
 * Schemas, partial updates and secrets of the Spot bodies, all derived from the one field table
 * (spot-fields.ts).
 *
 * - `specSchema(kind, mode)`: the zod schema of a spec. `full`: a complete body as sent on create
 *   (required fields, cross-field rules); `patch`: an update as Spot takes it (every field optional
 *   but `name`; `null` removes a field; arrays replace whole, so their items are complete); `stored`:
 *   a complete body merged onto a stored group, which may carry the markers this service writes in
 *   place of secrets (`login.passwordSet`, `extensions[].protectedSettingsSet`).
 * - Every object is strict (an unknown field is an error at its path). Array lengths and string
 *   sizes are capped before any item is examined.
 * - `mergePatch(stored, patch)`: Spot's partial update (objects merge, arrays and scalars replace,
 *   `null` removes).
 * - `storedSpecOf(spec)`: what may be kept: secrets (`S`) dropped and replaced by `<name>Set: true`,
 *   read-only fields (`O`) dropped. `publicSpecOf(stored)`: what may be returned: scripts (`X`) as
 *   `{ size, sha256 }`.
 * - `passwordProblem(password, os)`: Azure's rules for `adminPassword` (OSProfile in
 *   Azure/azure-rest-api-specs `specification/compute/.../virtualMachine.json`): Linux 6-72
 *   characters, Windows 12-123 (the VM FAQ's rule for new Windows VMs); 3 of 4 character classes
 *   (lower case, upper case, digit, special `[\W_]`); not one of Azure's disallowed values.
 *
 * Pure: no I/O (SHA-256 from node:crypto is a pure function).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { rowsOf, SCALARS, type Kind, type ScalarType } from './spot-fields.js';

export type SpecMode = 'full' | 'patch' | 'stored';

interface FieldNode {
  readonly name: string;
  /** Table path (`compute.launchSpecification.dataDisks[]`). */
  readonly path: string;
  readonly flags: string;
  readonly required: boolean;
  /** Array of objects or of scalars: its cap. */
  readonly maxItems?: number;
  readonly array: boolean;
  readonly scalar?: ScalarType;
  readonly children?: Map<string, FieldNode>;
}

/** The table of one kind as a tree (children in table order). */
export function fieldTree(kind: Kind): FieldNode {
  const root: FieldNode = { name: '', path: '', flags: 'R', required: true, array: false, children: new Map() };
  const byPath = new Map<string, FieldNode>([['', root]]);
  for (const row of rowsOf(kind)) {
    const [path, type, , flags = '', maxItems] = row;
    const cut = path.lastIndexOf('.');
    const parentPath = cut < 0 ? '' : path.slice(0, cut);
    const parent = byPath.get(parentPath);
    if (parent?.children === undefined) throw new Error(`field table: ${path} has no object row for ${parentPath}`);
    const rawName = cut < 0 ? path : path.slice(cut + 1);
    const objectArray = rawName.endsWith('[]');
    const name = objectArray ? rawName.slice(0, -2) : rawName;
    const scalarArray = type.endsWith('[]');
    const node: FieldNode =
      type === 'object'
        ? {
            name,
            path,
            flags,
            required: flags.includes('R'),
            array: objectArray,
            ...(maxItems !== undefined ? { maxItems } : {}),
            children: new Map(),
          }
        : {
            name,
            path,
            flags,
            required: flags.includes('R'),
            array: scalarArray,
            ...(maxItems !== undefined ? { maxItems } : {}),
            scalar: SCALARS[(scalarArray ? type.slice(0, -2) : type) as keyof typeof SCALARS],
          };
    if (node.array && node.maxItems === undefined) throw new Error(`field table: array ${path} has no cap`);
    if (parent.children.has(name)) throw new Error(`field table: ${path} listed twice`);
    parent.children.set(name, node);
    byPath.set(path, node);
  }
  return root;
}

// ---------------------------------------------------------------- scalars

function scalarSchema(t: ScalarType): z.ZodType {
  switch (t.type) {
    case 'string': {
      let s = z.string().max(t.max, { message: `must be at most ${t.max} characters`, abort: true });
      if (t.min !== undefined && t.min > 0) s = s.min(t.min, { message: 'must not be empty', abort: true });
      const pattern = t.pattern;
      const check = t.check;
      if (pattern === undefined && check === undefined && (t.min ?? 0) > 0)
        return s.refine((v) => v.trim().length > 0, 'must not be blank');
      return s.superRefine((v, ctx) => {
        const problem =
          check !== undefined
            ? check(v)
            : pattern !== undefined && !pattern.test(v)
              ? (t.hint ?? `must match ${String(pattern)}`)
              : undefined;
        if (problem !== undefined)
          ctx.addIssue({
            code: 'custom',
            message: problem,
            params: { code: t.code ?? (check !== undefined ? 'invalid-value' : 'invalid-format') },
          });
      });
    }
    case 'enum':
      return z.enum(t.values as [string, ...string[]]);
    case 'integer':
      return z.number().int().min(t.min).max(t.max);
    case 'number':
      return z.number().min(t.min).max(t.max);
    case 'boolean':
      return z.boolean();
    case 'date-time':
      return z.iso.datetime({ offset: true });
    case 'json':
      return z.record(z.string().max(256), z.unknown()).superRefine((v, ctx) => {
        const bytes = Buffer.byteLength(JSON.stringify(v), 'utf8');
        if (bytes > t.maxBytes)
          ctx.addIssue({
            code: 'custom',
            message: `must be at most ${t.maxBytes} bytes of JSON (got ${bytes})`,
            params: { code: 'too-big' },
          });
      });
  }
}

/** An array capped before its items are looked at (a long array costs one length check). */
function cappedArray(item: z.ZodType, node: FieldNode): z.ZodType {
  const max = node.maxItems ?? 0;
  const min = node.required || node.flags.includes('M') ? 1 : 0;
  let items: z.ZodType = z.array(item);
  if (node.flags.includes('U')) {
    items = z.array(item).superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((v, i) => {
        const key = JSON.stringify(v);
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: [i], message: `repeats ${key}`, params: { code: 'duplicate-item' } });
        seen.add(key);
      });
    });
  }
  return z
    .array(z.unknown())
    .max(max, { message: `must have at most ${max} items` })
    .min(min, { message: `must have at least ${min} item` })
    .pipe(items as z.ZodType<unknown[], unknown[]>);
}

// ---------------------------------------------------------------- cross-field rules

type Refinement = (value: Record<string, unknown>, ctx: z.RefinementCtx, mode: SpecMode) => void;
const issue = (ctx: z.RefinementCtx, path: PropertyKey[], code: string, message: string) =>
  ctx.addIssue({ code: 'custom', path, message, params: { code } });
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Azure's disallowed admin passwords (OSProfile.adminPassword). */
const DISALLOWED_PASSWORDS = new Set([
  'abc@123',
  'p@$$w0rd',
  'p@ssw0rd',
  'p@ssword123',
  'pa$$word',
  'pass@word1',
  'password!',
  'password1',
  'password22',
  'iloveyou!',
]);

/** Why a password breaks Azure's rules for the OS, or undefined. Never echoes the password. */
export function passwordProblem(password: string, os: 'Linux' | 'Windows'): string | undefined {
  const [min, max] = os === 'Windows' ? [12, 123] : [6, 72];
  if (password.length < min || password.length > max)
    return `must be ${min}-${max} characters for ${os} (got ${password.length})`;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[\W_]/].filter((re) => re.test(password)).length;
  if (classes < 3)
    return `must have 3 of: a lower-case letter, an upper-case letter, a digit, a special character (has ${classes})`;
  if (DISALLOWED_PASSWORDS.has(password.toLowerCase())) return 'is a password Azure disallows';
  return undefined;
}

const IMAGE_SOURCES = ['gallery', 'marketplace', 'custom'] as const;

/** Rules across fields, by table path; both kinds (a field the kind lacks is simply absent). */
const REFINEMENTS: Readonly<Record<string, Refinement>> = {
  capacity: (c, ctx) => {
    const [min, max, target] = [c.minimum, c.maximum, c.target];
    // Only order well-formed counts (a bad count is already reported on its own).
    const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (!count(min) || !count(max) || !count(target)) return;
    if (min > max) issue(ctx, ['minimum'], 'capacity-order', `must be at most maximum (${max})`);
    if (target < min || target > max)
      issue(ctx, ['target'], 'capacity-order', `must be between minimum (${min}) and maximum (${max})`);
  },
  strategy: (s, ctx) => {
    if (s.spotPercentage !== undefined && s.onDemandCount !== undefined)
      issue(
        ctx,
        ['onDemandCount'],
        'spot-percentage-and-on-demand-count',
        'give spotPercentage or onDemandCount, not both',
      );
  },
  'compute.vmSizes': (v, ctx) => {
    if (v.spotSizes === undefined && v.spotSizeAttributes === undefined)
      issue(ctx, ['spotSizes'], 'required', 'is required (or spotSizeAttributes)');
  },
  'compute.launchSpecification.image': (image, ctx) => {
    const given = IMAGE_SOURCES.filter((k) => image[k] !== undefined);
    if (given.length !== 1) {
      issue(
        ctx,
        [],
        'exactly-one-image-source',
        `must have exactly one of gallery, marketplace, custom (${given.length === 0 ? 'none given' : `got ${given.join(' and ')}`})`,
      );
    }
  },
  'compute.launchSpecification.network': (n, ctx) => {
    const nics = Array.isArray(n.networkInterfaces) ? n.networkInterfaces.filter(isObj) : [];
    const primaries = nics.filter((i) => i.isPrimary === true).length;
    if (nics.length > 0 && primaries !== 1)
      issue(
        ctx,
        ['networkInterfaces'],
        'one-primary-interface',
        `must have exactly one primary network interface (got ${primaries})`,
      );
  },
  'compute.launchSpecification.login': (l, ctx, mode) => {
    if (l.sshPublicKey === undefined && l.password === undefined && !(mode === 'stored' && l.passwordSet === true)) {
      issue(ctx, [], 'missing-credentials', 'must give sshPublicKey or password');
    }
  },
  'compute.launchSpecification': (ls, ctx) => {
    const disks = Array.isArray(ls.dataDisks) ? ls.dataDisks.filter(isObj) : [];
    const luns = new Set<unknown>();
    disks.forEach((d, i) => {
      if (luns.has(d.lun))
        issue(ctx, ['dataDisks', i, 'lun'], 'duplicate-lun', `LUN ${String(d.lun)} is used by another data disk`);
      luns.add(d.lun);
    });
  },
  compute: (c, ctx, mode) => {
    const zones = Array.isArray(c.zones) ? (c.zones as unknown[]) : undefined;
    if (zones !== undefined) {
      if (typeof c.preferredZone === 'string' && !zones.includes(c.preferredZone))
        issue(ctx, ['preferredZone'], 'preferred-zone-not-in-zones', `must be one of zones (${zones.join(', ')})`);
      if (Array.isArray(c.preferredZones)) {
        (c.preferredZones as unknown[]).forEach((z, i) => {
          if (!zones.includes(z))
            issue(
              ctx,
              ['preferredZones', i],
              'preferred-zone-not-in-zones',
              `must be one of zones (${zones.join(', ')})`,
            );
        });
      }
    }
    const ls = isObj(c.launchSpecification) ? c.launchSpecification : undefined;
    const login = ls !== undefined && isObj(ls.login) ? ls.login : undefined;
    const os = c.os === 'Windows' || c.os === 'Linux' ? c.os : undefined;
    if (login === undefined || os === undefined) return;
    const at = ['launchSpecification', 'login'];
    if (typeof login.password === 'string') {
      const p = passwordProblem(login.password, os);
      if (p !== undefined) issue(ctx, [...at, 'password'], 'password-rules', p);
    }
    if (os === 'Windows') {
      if (login.sshPublicKey !== undefined)
        issue(ctx, [...at, 'sshPublicKey'], 'windows-ssh-key', 'Windows VMs take a password, not an SSH public key');
      else if (login.password === undefined && !(mode === 'stored' && login.passwordSet === true))
        issue(ctx, [...at, 'password'], 'windows-password-required', 'Windows VMs need a password');
    }
  },
};

// ---------------------------------------------------------------- schemas

/** Markers this service writes in place of secrets, accepted only when validating a stored group merged with an update. */
function markerName(secret: string): string {
  return `${secret}Set`;
}

function nodeSchema(node: FieldNode, mode: SpecMode, refinements: Readonly<Record<string, Refinement>>): z.ZodType {
  let schema: z.ZodType;
  if (node.children !== undefined) {
    // Items of an array are complete even in a patch (arrays replace whole).
    const childMode: SpecMode = mode === 'patch' && node.array ? 'full' : mode;
    const shape: Record<string, z.ZodType> = {};
    for (const child of node.children.values()) {
      const s = nodeSchema(child, childMode, refinements);
      const required = child.required && childMode !== 'patch';
      shape[child.name] = childMode === 'patch' ? s.nullable().optional() : required ? s : s.optional();
      if (child.flags.includes('S') && childMode === 'stored')
        shape[markerName(child.name)] = z.literal(true).optional();
    }
    if (mode === 'patch' && node.path === '')
      shape.name = nodeSchema(node.children.get('name') as FieldNode, 'full', refinements);
    let object: z.ZodType = z.strictObject(shape);
    const refine = refinements[node.path.replace(/\[\]$/, '')];
    if (refine !== undefined && childMode !== 'patch')
      object = object.superRefine((v, ctx) => refine(v as Record<string, unknown>, ctx, childMode));
    schema = node.array ? cappedArray(object, node) : object;
  } else {
    const scalar = scalarSchema(node.scalar as ScalarType);
    schema = node.array ? cappedArray(scalar, node) : scalar;
  }
  return schema;
}

const cache = new Map<string, z.ZodType>();

/** The zod schema of a spec of this kind in this mode (built once from the table). */
export function specSchema(kind: Kind, mode: SpecMode): z.ZodType {
  const key = `${kind}/${mode}`;
  let schema = cache.get(key);
  if (schema === undefined) {
    schema = nodeSchema(fieldTree(kind), mode, REFINEMENTS);
    cache.set(key, schema);
  }
  return schema;
}

// ---------------------------------------------------------------- JSON Schema (OpenAPI)

function scalarJsonSchema(t: ScalarType): Record<string, unknown> {
  switch (t.type) {
    case 'string':
      return {
        type: 'string',
        ...(t.min ? { minLength: t.min } : {}),
        maxLength: t.max,
        ...(t.pattern ? { pattern: t.pattern.source } : {}),
        ...(t.hint ? { description: t.hint } : {}),
      };
    case 'enum':
      return { enum: [...t.values] };
    case 'integer':
      return { type: 'integer', minimum: t.min, maximum: t.max };
    case 'number':
      return { type: 'number', minimum: t.min, maximum: t.max };
    case 'boolean':
      return { type: 'boolean' };
    case 'date-time':
      return { type: 'string', format: 'date-time' };
    case 'json':
      return { type: 'object', description: `free-form settings, at most ${t.maxBytes} bytes of JSON` };
  }
}

function nodeJsonSchema(node: FieldNode, mode: 'full' | 'patch'): Record<string, unknown> {
  const notes = [
    node.flags.includes('S') ? 'secret: validated, used, never stored or returned' : '',
    node.flags.includes('X') ? 'stored; returned only as { size, sha256 }' : '',
    node.flags.includes('E') ? "this service's extension, not a Spot field" : '',
  ].filter(Boolean);
  let schema: Record<string, unknown>;
  if (node.children !== undefined) {
    const childMode = mode === 'patch' && node.array ? 'full' : mode;
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const child of node.children.values()) {
      properties[child.name] = nodeJsonSchema(child, childMode);
      if (child.required && (childMode === 'full' || (node.path === '' && child.name === 'name')))
        required.push(child.name);
    }
    schema = { type: 'object', additionalProperties: false, properties, ...(required.length > 0 ? { required } : {}) };
  } else {
    schema = scalarJsonSchema(node.scalar as ScalarType);
  }
  if (node.array)
    schema = {
      type: 'array',
      maxItems: node.maxItems,
      ...(node.required && mode === 'full' ? { minItems: 1 } : {}),
      ...(node.flags.includes('U') ? { uniqueItems: true } : {}),
      items: schema,
    };
  if (node.flags.includes('O'))
    schema = { ...schema, readOnly: true, description: 'set by Spot: accepted, not stored' };
  if (node.flags.includes('S')) schema = { ...schema, writeOnly: true };
  if (notes.length > 0) schema = { ...schema, description: notes.join('; ') };
  return schema;
}

/** JSON Schema (OpenAPI 3.1) of a spec: `full` (create) or `patch` (update). */
export function specJsonSchema(kind: Kind, mode: 'full' | 'patch'): Record<string, unknown> {
  return nodeJsonSchema(fieldTree(kind), mode);
}

// ---------------------------------------------------------------- partial updates

/** Spot's partial update: objects merge, arrays and scalars replace, `null` removes. Inputs are not changed. */
export function mergePatch(stored: unknown, patch: unknown): unknown {
  if (!isObj(patch) || !isObj(stored)) return structuredClone(patch);
  const out: Record<string, unknown> = structuredClone(stored);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = mergePatch(out[k], v);
    else out[k] = structuredClone(v);
  }
  return out;
}

// ---------------------------------------------------------------- secrets, read-only fields, scripts

/** Calls `fn(parent, key)` for every place the table path names in `root` (through arrays). */
function visit(root: unknown, path: string, fn: (parent: Record<string, unknown>, key: string) => void): void {
  const segments = path.split('.');
  const walk = (value: unknown, i: number): void => {
    if (!isObj(value)) return;
    const raw = segments[i] as string;
    const array = raw.endsWith('[]');
    const key = array ? raw.slice(0, -2) : raw;
    if (i === segments.length - 1) {
      if (array)
        for (const item of Array.isArray(value[key]) ? (value[key] as unknown[]) : [])
          fn(item as Record<string, unknown>, key);
      else if (Object.prototype.hasOwnProperty.call(value, key)) fn(value, key);
      return;
    }
    const next = value[key];
    if (array) for (const item of Array.isArray(next) ? next : []) walk(item, i + 1);
    else walk(next, i + 1);
  };
  walk(root, 0);
}

const flaggedPaths = new Map<string, readonly string[]>();
/** The paths of a kind's fields carrying a flag (from the field table, read once per kind and flag). */
function flagged(kind: Kind, flag: string): readonly string[] {
  const key = `${kind}/${flag}`;
  let paths = flaggedPaths.get(key);
  if (paths === undefined) {
    paths = rowsOf(kind)
      .filter((r) => (r[3] ?? '').includes(flag))
      .map((r) => r[0]);
    flaggedPaths.set(key, paths);
  }
  return paths;
}

/**
 * A deep copy of JSON data: objects and arrays copied, strings, numbers, booleans and null shared
 * (they are immutable). Faster than structuredClone for the plain data a spec is.
 */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (!isObj(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const copy = copyJson(value[key]);
    // `__proto__` as data (JSON.parse makes it an own property) stays data.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}

/** The spec as it may be kept: secrets replaced by `<name>Set: true`, read-only fields dropped. Does not change its input. */
export function storedSpecOf(kind: Kind, spec: unknown): Record<string, unknown> {
  const out = copyJson(spec) as Record<string, unknown>;
  for (const path of flagged(kind, 'S')) {
    visit(out, path, (parent, key) => {
      delete parent[key];
      parent[markerName(key)] = true;
    });
  }
  for (const path of flagged(kind, 'O')) visit(out, path, (parent, key) => delete parent[key]);
  return out;
}

/** Size and SHA-256 of a script, as returned in place of the script. */
export interface ScriptSummary {
  readonly size: number;
  readonly sha256: string;
}
export function scriptSummary(text: string): ScriptSummary {
  return { size: Buffer.byteLength(text, 'utf8'), sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
}

/** The stored spec as it may be returned: scripts as `{ size, sha256 }`. Does not change its input. */
export function publicSpecOf(kind: Kind, stored: unknown): unknown {
  if (!isObj(stored)) return stored;
  const out = structuredClone(stored);
  for (const path of flagged(kind, 'X')) {
    visit(out, path, (parent, key) => {
      const v = parent[key];
      if (typeof v === 'string') parent[key] = scriptSummary(v);
    });
  }
  return out;
}

/** Every secret value in a spec (to assert they are dropped, and to keep them out of messages). */
export function secretValuesOf(kind: Kind, spec: unknown): string[] {
  const values: string[] = [];
  for (const path of flagged(kind, 'S')) {
    visit(spec, path, (parent, key) => {
      const v = parent[key];
      if (v !== undefined && v !== null) values.push(typeof v === 'string' ? v : JSON.stringify(v));
    });
  }
  return values;
}

/**
 * The JSON Pointers (from the spec's root) of the secrets a spec carries (non-null values only), in
 * field-table order: what a copy kept without them could no longer do.
 */
export function secretPointersOf(kind: Kind, spec: unknown): string[] {
  const pointers: string[] = [];
  const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
  for (const path of flagged(kind, 'S')) {
    const segments = path.split('.');
    const walk = (value: unknown, i: number, at: string): void => {
      if (!isObj(value)) return;
      const raw = segments[i] as string;
      const array = raw.endsWith('[]');
      const key = array ? raw.slice(0, -2) : raw;
      const next = value[key];
      if (array) {
        (Array.isArray(next) ? next : []).forEach((item, n) => {
          if (i === segments.length - 1) {
            if (item !== null && item !== undefined) pointers.push(`${at}/${escape(key)}/${n}`);
          } else walk(item, i + 1, `${at}/${escape(key)}/${n}`);
        });
      } else if (i === segments.length - 1) {
        if (Object.prototype.hasOwnProperty.call(value, key) && next !== null && next !== undefined)
          pointers.push(`${at}/${escape(key)}`);
      } else walk(next, i + 1, `${at}/${escape(key)}`);
    };
    walk(spec, 0, '');
  }
  return pointers;
}

/**
 * Checks the project's Bicep (infra/) against Azure's own resource type definitions, offline: the
 * definitions the Bicep compiler type-checks resources against, from the public repository
 * Azure/bicep-types-az, cut to the types infra/ declares (test/fixtures/bicep-types, README there).
 *
 * For every `resource` declaration of every .bicep file (top-level and nested children, `existing`
 * references, conditional and looped ones): the type and api-version exist; every property key
 * written exists at its path (objects, arrays of objects, objects discriminated by a property such as
 * `endpointType` or a child's `name`); literal values fit the property's type (enum values, string,
 * integer, boolean, lengths, ranges); required properties are there; no read-only property is
 * written; a `parent:` is of the parent type; the resource can be deployed at its scope; role
 * definition ids are built-in roles (azure-roles.ts), and a `// Role Name` comment beside the id names
 * that role. For every `module` call: the file exists, the parameters passed are declared there and
 * the required ones passed, the outputs read are declared. Values the checker cannot evaluate
 * offline (parameters, outputs of other resources, function calls other than the resource-id
 * functions) are skipped and counted.
 *
 * Type format: Azure/bicep-types src/bicep-types/src/types.ts (ObjectTypePropertyFlags: Required 1,
 * ReadOnly 2, WriteOnly 4, DeployTimeConstant 8, Identifier 16; ScopeType: Tenant 1,
 * ManagementGroup 2, Subscription 4, ResourceGroup 8, Extension 16).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  parseBicep,
  type BicepFile,
  type Expr,
  type ObjectExpr,
  type Pos,
  type Prop,
  type ResourceDecl,
} from './bicep-parser.js';
import { BUILT_IN_ROLES } from './azure-roles.js';

export const FIXTURE_DIR = path.resolve(import.meta.dirname, '../fixtures/bicep-types');

// ---------------------------------------------------------------------------------------------
// The type definitions

interface TypeRef {
  $ref: string;
}
interface Property {
  type: TypeRef;
  flags: number;
  description?: string;
}
type BicepType =
  | { $type: 'AnyType' | 'BooleanType' | 'NullType' }
  | { $type: 'StringType'; minLength?: number; maxLength?: number; pattern?: string; sensitive?: boolean }
  | { $type: 'StringLiteralType'; value: string }
  | { $type: 'IntegerType'; minValue?: number; maxValue?: number }
  | {
      $type: 'ObjectType';
      name: string;
      properties: Record<string, Property>;
      additionalProperties?: TypeRef;
      sensitive?: boolean;
    }
  | {
      $type: 'DiscriminatedObjectType';
      name: string;
      discriminator: string;
      baseProperties: Record<string, Property>;
      elements: Record<string, TypeRef>;
    }
  | { $type: 'ArrayType'; itemType: TypeRef; minLength?: number; maxLength?: number }
  | { $type: 'UnionType'; elements: TypeRef[] }
  | { $type: 'ResourceType'; name: string; body: TypeRef; readableScopes?: number; writableScopes?: number };

/** A type entry: the types.json file it is in and its position there. */
interface TypeAt {
  file: string;
  index: number;
}

const REQUIRED = 1;
const READ_ONLY = 2;
const SCOPES: [number, string][] = [
  [1, 'Tenant'],
  [2, 'ManagementGroup'],
  [4, 'Subscription'],
  [8, 'ResourceGroup'],
  [16, 'Extension'],
];

interface Catalog {
  source: { repository: string; commit: string; index: string };
  apiVersions: Record<string, string[]>;
  resourceTypes: Record<string, string[]>;
}

export class TypeLibrary {
  private readonly files = new Map<string, BicepType[]>();
  private readonly resources: Map<string, { name: string; at: TypeAt }>;
  readonly catalog: Catalog;

  private constructor(private readonly dir: string) {
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
      resources: Record<string, TypeRef>;
    };
    this.resources = new Map(
      Object.entries(index.resources).map(([name, ref]) => [name.toLowerCase(), { name, at: this.at('', ref) }]),
    );
    this.catalog = JSON.parse(fs.readFileSync(path.join(dir, 'catalog.json'), 'utf8')) as Catalog;
  }

  static load(dir = FIXTURE_DIR): TypeLibrary {
    return new TypeLibrary(dir);
  }

  /** Every "<Type>@<api-version>" the fixture has. */
  get declared(): string[] {
    return [...this.resources.values()].map((r) => r.name);
  }

  /** The entry a reference names, relative to the file it is written in ('' for the index). */
  at(file: string, ref: TypeRef): TypeAt {
    const m = /^(.*)#\/(\d+)$/.exec(ref.$ref);
    if (!m) throw new Error(`not a type reference: ${ref.$ref}`);
    return { file: m[1] || file, index: Number(m[2]) };
  }

  get(at: TypeAt): BicepType {
    let types = this.files.get(at.file);
    if (!types) {
      types = JSON.parse(fs.readFileSync(path.join(this.dir, at.file), 'utf8')) as BicepType[];
      this.files.set(at.file, types);
    }
    const t = types[at.index];
    if (!t) throw new Error(`no entry ${at.index} in ${at.file}`);
    return t;
  }

  resource(
    typeAndVersion: string,
  ): { name: string; type: Extract<BicepType, { $type: 'ResourceType' }>; at: TypeAt } | undefined {
    const r = this.resources.get(typeAndVersion.toLowerCase());
    if (!r) return undefined;
    const type = this.get(r.at);
    if (type.$type !== 'ResourceType') throw new Error(`${r.name} is not a ResourceType`);
    return { name: r.name, type, at: r.at };
  }

  apiVersions(type: string): string[] | undefined {
    return Object.entries(this.catalog.apiVersions).find(([t]) => t.toLowerCase() === type.toLowerCase())?.[1];
  }

  namespaceTypes(namespace: string): string[] | undefined {
    return Object.entries(this.catalog.resourceTypes).find(([n]) => n.toLowerCase() === namespace.toLowerCase())?.[1];
  }
}

// ---------------------------------------------------------------------------------------------
// The Bicep files

export interface ResourceInfo {
  decl: ResourceDecl;
  /** 'site', or 'site::auth' for a nested child. */
  symbol: string;
  /** The full type and api-version, children resolved: 'Microsoft.Web/sites/config@2024-04-01'. */
  type: string;
  body: ObjectExpr | undefined;
  parent: ResourceInfo | undefined;
  nested: boolean;
}

export interface InfraFile {
  /** 'infra/modules/storage.bicep' */
  file: string;
  ast: BicepFile;
  vars: Map<string, Expr>;
  /** The values a parameter declares with @allowed([...]), when they are literals. */
  allowed: Map<string, Literal[]>;
  targetScope: string;
  resources: ResourceInfo[];
}

/** The object a resource declaration's value leads to, through `if (...)` and `[for ...: ...]`. */
function bodyOf(value: Expr): ObjectExpr | undefined {
  if (value.kind === 'object') return value;
  if (value.kind === 'if' || value.kind === 'for') return bodyOf(value.body);
  return undefined;
}

function bicepFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? bicepFiles(p) : e.name.endsWith('.bicep') ? [p] : [];
    });
}

/** Parses every .bicep file under an infra/ folder. */
export function loadInfra(infraDir: string): InfraFile[] {
  return bicepFiles(infraDir).map((full) => {
    const file = ['infra', ...path.relative(infraDir, full).split(path.sep)].join('/');
    const ast = parseBicep(fs.readFileSync(full, 'utf8'), file);
    const vars = new Map<string, Expr>();
    const allowed = new Map<string, Literal[]>();
    let targetScope = 'resourceGroup';
    const resources: ResourceInfo[] = [];
    const add = (decl: ResourceDecl, parent: ResourceInfo | undefined) => {
      const [name = '', version] = decl.type.split('@');
      const nested = parent !== undefined;
      const type =
        nested && !name.includes('/')
          ? `${parent.type.split('@')[0]}/${name}@${version ?? parent.type.split('@')[1]}`
          : decl.type;
      const info: ResourceInfo = {
        decl,
        symbol: nested ? `${parent.symbol}::${decl.symbol}` : decl.symbol,
        type,
        body: bodyOf(decl.value),
        parent,
        nested,
      };
      resources.push(info);
      for (const child of info.body?.resources ?? []) add(child, info);
    };
    for (const s of ast.statements) {
      if (s.kind === 'var') vars.set(s.name, s.value);
      if (s.kind === 'param') {
        const list = s.decorators.find(
          (d) => d.kind === 'call' && d.callee.kind === 'ident' && d.callee.name === 'allowed',
        );
        const values =
          list?.kind === 'call' && list.args[0]?.kind === 'array'
            ? list.args[0].items.map((x) => literal(x, vars))
            : [];
        if (values.length > 0 && values.every((v) => v !== undefined)) allowed.set(s.name, values);
      }
      if (s.kind === 'targetScope') targetScope = String(literal(s.value, vars)?.value ?? targetScope);
      if (s.kind === 'resource') add(s, undefined);
    }
    // `parent: symbol` links a top-level child to its parent declared in the same file.
    for (const r of resources) {
      const p = r.body?.props.find((x) => x.key === 'parent');
      if (!r.nested && p?.value.kind === 'ident') {
        const name = p.value.name;
        r.parent = resources.find((x) => !x.nested && x.decl.symbol === name);
      }
    }
    return { file, ast, vars, allowed, targetScope, resources };
  });
}

// ---------------------------------------------------------------------------------------------
// Evaluation of what can be known offline

type Literal = { value: string | number | boolean | null; pos: Pos };

/** Follows variables, and member and index access into object and array literals, to the expression they name. */
function resolve(expr: Expr, vars: Map<string, Expr>, depth = 0): Expr {
  if (depth > 50) return expr;
  if (expr.kind === 'ident') {
    const v = vars.get(expr.name);
    return v ? resolve(v, vars, depth + 1) : expr;
  }
  if (expr.kind === 'member') {
    const o = resolve(expr.object, vars, depth + 1);
    const p = o.kind === 'object' ? o.props.find((x) => x.key === expr.name) : undefined;
    return p ? resolve(p.value, vars, depth + 1) : expr;
  }
  if (expr.kind === 'index') {
    const o = resolve(expr.object, vars, depth + 1);
    const k = literal(expr.index, vars, depth + 1)?.value;
    if (o.kind === 'object' && typeof k === 'string') {
      const p = o.props.find((x) => x.key === k);
      if (p) return resolve(p.value, vars, depth + 1);
    }
    if (o.kind === 'array' && typeof k === 'number' && o.items[k]) return resolve(o.items[k], vars, depth + 1);
  }
  return expr;
}

/** The value of an expression that is known without deploying (a literal, or built from literals). */
function literal(expr: Expr, vars: Map<string, Expr>, depth = 0): Literal | undefined {
  const e = resolve(expr, vars, depth);
  switch (e.kind) {
    case 'string': {
      let value = '';
      for (const part of e.parts) {
        if (typeof part === 'string') value += part;
        else {
          const v = literal(part, vars, depth + 1);
          if (v === undefined || v.value === null) return undefined;
          value += String(v.value);
        }
      }
      return { value, pos: e.pos };
    }
    case 'number':
    case 'bool':
      return { value: e.value, pos: e.pos };
    case 'null':
      return { value: null, pos: e.pos };
    case 'unary': {
      const v = e.op === '-' ? literal(e.operand, vars, depth + 1) : undefined;
      return typeof v?.value === 'number' ? { value: -v.value, pos: e.pos } : undefined;
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Findings

export type FindingKind =
  | 'type'
  | 'api-version'
  | 'property'
  | 'enum'
  | 'value'
  | 'required'
  | 'read-only'
  | 'existing'
  | 'parent'
  | 'scope'
  | 'role'
  | 'module'
  | 'app-setting';

export interface Finding {
  kind: FindingKind;
  file: string;
  line: number;
  /** The resource symbol and the property path: 'site.properties.siteConfig.appSettings[3].name'. */
  path: string;
  message: string;
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line} ${f.path}: ${f.message}`;
}

export interface CheckReport {
  findings: Finding[];
  files: number;
  resources: number;
  /** Property keys checked against their definition. */
  properties: number;
  /** Role definition ids resolved to a GUID and looked up. */
  roles: number;
  /** Module calls whose parameters and used outputs were checked against the module file. */
  modules: number;
  /** Values that could not be evaluated offline, so were not checked against their type. */
  skipped: number;
}

const RESOURCE_KEYWORDS = new Set(['parent', 'scope', 'dependsOn']);
const RESOURCE_ID_FUNCTIONS = new Set([
  'subscriptionResourceId',
  'resourceId',
  'tenantResourceId',
  'managementGroupResourceId',
  'extensionResourceId',
]);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function quote(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

function joinPath(base: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${base}.${key}` : `${base}['${key}']`;
}

/** The closest candidate to a misspelt name (a different case, or a few letters off). */
function closest(name: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      let prev = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const cur = row[j] as number;
        row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length] as number;
  };
  let best: [string, number] | undefined;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d <= Math.max(2, Math.floor(name.length / 4)) && (!best || d < best[1])) best = [c, d];
  }
  return best?.[0];
}

class Checker {
  readonly report: CheckReport = {
    findings: [],
    files: 0,
    resources: 0,
    properties: 0,
    roles: 0,
    modules: 0,
    skipped: 0,
  };
  private file!: InfraFile;
  /** The path of the role definition id while a role assignment is checked. */
  private rolePath: string | undefined;

  constructor(private readonly lib: TypeLibrary) {}

  private find(kind: FindingKind, line: number, path: string, message: string): void {
    this.report.findings.push({ kind, file: this.file.file, line, path, message });
  }

  checkFile(file: InfraFile, all: InfraFile[]): void {
    this.file = file;
    this.report.files += 1;
    for (const r of file.resources) this.resource(r);
    this.modules(all);
  }

  /** Module calls: the file exists, every parameter passed is declared there, every required one is passed, every output read is declared. */
  private modules(all: InfraFile[]): void {
    const calls = new Map<string, InfraFile>();
    for (const s of this.file.ast.statements) {
      if (s.kind !== 'module' || /^(br|ts)[:/]/.test(s.path)) continue;
      const target = path.posix.join(path.posix.dirname(this.file.file), s.path);
      const module = all.find((f) => f.file === target);
      if (!module) {
        this.find('module', s.pos.line, s.symbol, `${s.path} is no .bicep file under infra/`);
        continue;
      }
      this.report.modules += 1;
      calls.set(s.symbol, module);
      const declared = new Map(
        module.ast.statements.flatMap((x) => (x.kind === 'param' ? [[x.name, x] as const] : [])),
      );
      const params = bodyOf(s.value)?.props.find((p) => p.key === 'params');
      const given = params ? resolve(params.value, this.file.vars) : undefined;
      if (given && given.kind !== 'object') {
        this.report.skipped += 1;
        continue;
      }
      for (const p of given?.props ?? []) {
        if (typeof p.key === 'string' && !declared.has(p.key)) {
          const hint = closest(p.key, [...declared.keys()]);
          this.find(
            'module',
            p.keyPos.line,
            `${s.symbol}.params.${p.key}`,
            `${module.file} declares no parameter ${p.key}${hint ? ` (did you mean ${hint}?)` : ''}`,
          );
        }
      }
      if (given && (given.spreads.length > 0 || given.props.some((p) => typeof p.key !== 'string'))) continue;
      for (const [name, d] of declared) {
        if (d.value === undefined && !d.type.endsWith('?') && !given?.props.some((p) => p.key === name)) {
          this.find(
            'module',
            params?.keyPos.line ?? s.pos.line,
            `${s.symbol}.params.${name}`,
            `${module.file} requires the parameter ${name}`,
          );
        }
      }
    }
    // <module>.outputs.<name> (also <module>[i].outputs.<name>) must be an output of that module.
    const visit = (e: Expr): void => {
      if (e.kind === 'member' && e.object.kind === 'member' && e.object.name === 'outputs') {
        const owner = e.object.object.kind === 'index' ? e.object.object.object : e.object.object;
        const module = owner.kind === 'ident' ? calls.get(owner.name) : undefined;
        if (module && !module.ast.statements.some((x) => x.kind === 'output' && x.name === e.name)) {
          this.find(
            'module',
            e.pos.line,
            `${owner.kind === 'ident' ? owner.name : ''}.outputs.${e.name}`,
            `${module.file} has no output ${e.name}`,
          );
        }
      }
      for (const c of children(e)) visit(c);
    };
    for (const s of this.file.ast.statements) {
      if (
        s.kind === 'var' ||
        s.kind === 'output' ||
        s.kind === 'module' ||
        s.kind === 'resource' ||
        (s.kind === 'param' && s.value)
      )
        visit((s as { value: Expr }).value);
    }
  }

  private resource(r: ResourceInfo): void {
    this.report.resources += 1;
    const { decl } = r;
    const line = decl.typePos.line;
    if (!r.type.includes('@')) {
      this.find('api-version', line, r.symbol, `'${decl.type}' names no api-version`);
      return;
    }
    const [typeName = '', version = ''] = r.type.split('@');
    const def = this.lib.resource(r.type);
    if (!def) {
      const versions = this.lib.apiVersions(typeName);
      if (versions) {
        this.find(
          'api-version',
          line,
          r.symbol,
          `${typeName} has no api-version ${version} in Azure's definitions; it has ${versions.slice(-6).join(', ')}`,
        );
      } else {
        const known = this.lib.namespaceTypes(typeName.split('/')[0] ?? '');
        const hint = known ? closest(typeName, known) : undefined;
        this.find(
          'type',
          line,
          r.symbol,
          known
            ? `${typeName} is no resource type of ${typeName.split('/')[0]} in Azure's definitions${hint ? ` (did you mean ${hint}?)` : ''}`
            : `${typeName}@${version} is not in test/fixtures/bicep-types: if it is a real type, run node dev/scripts/bicep-types-fixtures.mjs <bicep-types-az checkout>`,
        );
      }
      return;
    }
    const body = r.body;
    if (!body) {
      this.report.skipped += 1;
      return;
    }
    this.scope(r, def.type);
    this.parent(r);
    if (decl.existing) {
      for (const p of body.props) {
        this.report.properties += 1;
        if (typeof p.key === 'string' && !['name', 'scope', 'parent'].includes(p.key)) {
          this.find(
            'existing',
            p.keyPos.line,
            joinPath(r.symbol, p.key),
            `an existing resource takes only name, scope and parent, not ${p.key}`,
          );
        }
      }
      if (!body.props.some((p) => p.key === 'name'))
        this.find('required', body.pos.line, `${r.symbol}.name`, 'an existing resource needs its name');
      return;
    }
    this.rolePath =
      typeName.toLowerCase() === 'microsoft.authorization/roleassignments'
        ? `${r.symbol}.properties.roleDefinitionId`
        : undefined;
    this.object(body, this.lib.at(def.at.file, def.type.body), r.symbol, RESOURCE_KEYWORDS);
    this.rolePath = undefined;
  }

  private scope(r: ResourceInfo, def: Extract<BicepType, { $type: 'ResourceType' }>): void {
    const bit = this.scopeBit(r);
    if (bit === undefined) return;
    const allowed = (def.writableScopes ?? 0) | (r.decl.existing ? (def.readableScopes ?? 0) : 0);
    if (allowed === 0 || (allowed & bit) !== 0) return;
    const names = (mask: number) =>
      SCOPES.filter(([b]) => (mask & b) !== 0)
        .map(([, n]) => n)
        .join(', ');
    this.find(
      'scope',
      r.decl.typePos.line,
      r.symbol,
      `${r.type.split('@')[0]} cannot be ${r.decl.existing ? 'read' : 'deployed'} at the ${names(bit)} scope; its definition allows ${names(allowed)}`,
    );
  }

  private scopeBit(r: ResourceInfo): number | undefined {
    if (r.parent) return this.scopeBit(r.parent);
    if (r.nested) return undefined;
    const scope = r.body?.props.find((p) => p.key === 'scope')?.value;
    if (!scope) return { tenant: 1, managementGroup: 2, subscription: 4, resourceGroup: 8 }[this.file.targetScope];
    if (scope.kind === 'call' && scope.callee.kind === 'ident')
      return { tenant: 1, managementGroup: 2, subscription: 4, resourceGroup: 8 }[scope.callee.name];
    if (scope.kind === 'ident' && this.file.resources.some((x) => x.decl.symbol === scope.name)) return 16;
    return undefined;
  }

  private parent(r: ResourceInfo): void {
    const p = r.body?.props.find((x) => x.key === 'parent');
    if (!p || r.nested) return;
    if (!r.parent) {
      this.find('parent', p.keyPos.line, `${r.symbol}.parent`, 'names no resource declared in this file');
      return;
    }
    // A parent of an unknown type has its own finding already.
    if (!this.lib.resource(r.parent.type)) return;
    const own = r.type.split('@')[0] ?? '';
    const parentType = r.parent.type.split('@')[0] ?? '';
    if (own.slice(0, own.lastIndexOf('/')).toLowerCase() !== parentType.toLowerCase()) {
      this.find(
        'parent',
        p.keyPos.line,
        `${r.symbol}.parent`,
        `${r.parent.decl.symbol} is a ${parentType}, not the parent type of ${own}`,
      );
    }
  }

  private describe(at: TypeAt): string {
    const t = this.lib.get(at);
    switch (t.$type) {
      case 'StringLiteralType':
        return `'${t.value}'`;
      case 'ObjectType':
      case 'DiscriminatedObjectType':
        return `an object (${t.name})`;
      case 'ArrayType':
        return 'an array';
      case 'UnionType':
        return t.elements.map((e) => this.describe(this.deref(at, e))).join(' | ');
      default:
        return t.$type.replace(/Type$/, '').toLowerCase();
    }
  }

  private deref(at: TypeAt, ref: TypeRef): TypeAt {
    return this.lib.at(at.file, ref);
  }

  /** The members of a union, nested unions flattened. */
  private members(at: TypeAt): TypeAt[] {
    const t = this.lib.get(at);
    return t.$type === 'UnionType' ? t.elements.flatMap((e) => this.members(this.deref(at, e))) : [at];
  }

  private value(expr: Expr, at: TypeAt, path: string, line: number): void {
    const t = this.lib.get(at);
    if (t.$type === 'AnyType') return;
    const e = resolve(expr, this.file.vars);
    if (e.kind === 'object') return this.object(e, at, path);
    if (e.kind === 'array') return this.array(e, at, path);
    if (e.kind === 'for') {
      const arrayAt = this.members(at).find((m) => this.lib.get(m).$type === 'ArrayType');
      const arrayType = arrayAt ? this.lib.get(arrayAt) : undefined;
      if (!arrayAt || arrayType?.$type !== 'ArrayType') return this.mismatch('a loop (an array)', at, path, line);
      return this.value(
        e.body.kind === 'if' ? e.body.body : e.body,
        this.deref(arrayAt, arrayType.itemType),
        `${path}[*]`,
        line,
      );
    }
    if (e.kind === 'ternary') {
      this.value(e.then, at, path, line);
      this.value(e.otherwise, at, path, line);
      return;
    }
    const allowed = e.kind === 'ident' ? this.file.allowed.get(e.name) : undefined;
    if (allowed) {
      for (const a of allowed) this.scalar(a, at, path, line);
      return;
    }
    const lit = literal(e, this.file.vars);
    if (!lit) {
      this.report.skipped += 1;
      return;
    }
    this.scalar(lit, at, path, line);
  }

  private mismatch(what: string, at: TypeAt, path: string, line: number): void {
    this.find('value', line, path, `${what} where the definition wants ${this.describe(at)}`);
  }

  private scalar(lit: Literal, at: TypeAt, path: string, line: number): void {
    const v = lit.value;
    const members = this.members(at).map((m) => this.lib.get(m));
    const literals = members.flatMap((m) => (m.$type === 'StringLiteralType' ? [m.value] : []));
    const what = typeof v === 'string' ? `'${v}'` : String(v);
    if (typeof v === 'string') {
      if (literals.length > 0) {
        if (literals.includes(v)) return;
        const other = literals.find((l) => l.toLowerCase() === v.toLowerCase());
        this.find(
          'enum',
          line,
          path,
          `${what} is not a value the definition allows${other ? ` (it spells it '${other}')` : ''}: ${literals.map(quote).join(', ')}`,
        );
        return;
      }
      const s = members.find((m) => m.$type === 'StringType');
      if (!s || s.$type !== 'StringType') return this.mismatch(`a string ${what}`, at, path, line);
      if (s.minLength !== undefined && v.length < s.minLength)
        this.find('value', line, path, `${what} is shorter than ${s.minLength} characters`);
      if (s.maxLength !== undefined && v.length > s.maxLength)
        this.find('value', line, path, `${what} is longer than ${s.maxLength} characters`);
      if (s.pattern !== undefined) {
        let re: RegExp | undefined;
        try {
          re = new RegExp(s.pattern);
        } catch {
          re = undefined;
        }
        if (re && !re.test(v)) this.find('value', line, path, `${what} does not match the pattern ${s.pattern}`);
      }
      return;
    }
    if (typeof v === 'number') {
      const n = members.find((m) => m.$type === 'IntegerType');
      if (!n || n.$type !== 'IntegerType' || !Number.isInteger(v))
        return this.mismatch(`the number ${what}`, at, path, line);
      if (n.minValue !== undefined && v < n.minValue)
        this.find('value', line, path, `${what} is below the minimum ${n.minValue}`);
      if (n.maxValue !== undefined && v > n.maxValue)
        this.find('value', line, path, `${what} is above the maximum ${n.maxValue}`);
      return;
    }
    if (typeof v === 'boolean') {
      if (!members.some((m) => m.$type === 'BooleanType')) this.mismatch(`the boolean ${what}`, at, path, line);
      return;
    }
    if (!members.some((m) => m.$type === 'NullType')) this.mismatch('null', at, path, line);
  }

  private array(arr: Extract<Expr, { kind: 'array' }>, at: TypeAt, path: string): void {
    const arrayAt = this.members(at).find((m) => ['ArrayType', 'AnyType'].includes(this.lib.get(m).$type));
    const t = arrayAt ? this.lib.get(arrayAt) : undefined;
    if (t?.$type === 'AnyType') return;
    if (!arrayAt || t?.$type !== 'ArrayType') return this.mismatch('an array', at, path, arr.pos.line);
    if (t.minLength !== undefined && arr.items.length < t.minLength)
      this.find(
        'value',
        arr.pos.line,
        path,
        `${arr.items.length} items, fewer than the ${t.minLength} the definition requires`,
      );
    if (t.maxLength !== undefined && arr.items.length > t.maxLength)
      this.find(
        'value',
        arr.pos.line,
        path,
        `${arr.items.length} items, more than the ${t.maxLength} the definition allows`,
      );
    const item = this.deref(arrayAt, t.itemType);
    arr.items.forEach((x, i) => this.value(x, item, `${path}[${i}]`, x.pos.line));
  }

  private object(obj: ObjectExpr, at: TypeAt, path: string, reserved?: Set<string>): void {
    const objectAt = this.members(at).filter((m) =>
      ['ObjectType', 'DiscriminatedObjectType', 'AnyType'].includes(this.lib.get(m).$type),
    );
    if (objectAt.length > 1) {
      this.report.skipped += 1;
      return;
    }
    const oat = objectAt[0];
    if (!oat) return this.mismatch('an object', at, path, obj.pos.line);
    const t = this.lib.get(oat);
    let properties: Record<string, Property>;
    let additional: TypeAt | undefined;
    let typeName: string;
    let propsAt = oat;
    if (t.$type === 'AnyType') return;
    if (t.$type === 'ObjectType') {
      properties = t.properties;
      additional = t.additionalProperties ? this.deref(oat, t.additionalProperties) : undefined;
      typeName = t.name;
    } else if (t.$type === 'DiscriminatedObjectType') {
      const d = obj.props.find((p) => p.key === t.discriminator);
      const lit = d ? literal(d.value, this.file.vars) : undefined;
      if (!d) {
        this.find(
          'required',
          obj.pos.line,
          joinPath(path, t.discriminator),
          `${t.name} needs ${t.discriminator}, one of ${Object.keys(t.elements).map(quote).join(', ')}`,
        );
        return;
      }
      if (typeof lit?.value !== 'string') {
        this.report.skipped += 1;
        return;
      }
      const elementRef = t.elements[lit.value];
      if (!elementRef) {
        const other = Object.keys(t.elements).find((k) => k.toLowerCase() === String(lit.value).toLowerCase());
        this.find(
          'enum',
          d.keyPos.line,
          joinPath(path, t.discriminator),
          `'${lit.value}' is not a kind of ${t.name}${other ? ` (it spells it '${other}')` : ''}: ${Object.keys(t.elements).map(quote).join(', ')}`,
        );
        return;
      }
      propsAt = this.deref(oat, elementRef);
      const element = this.lib.get(propsAt);
      if (element.$type !== 'ObjectType') throw new Error(`${t.name}: element ${lit.value} is no ObjectType`);
      properties = { ...element.properties, ...t.baseProperties };
      additional = element.additionalProperties ? this.deref(propsAt, element.additionalProperties) : undefined;
      typeName = element.name;
    } else return this.mismatch('an object', at, path, obj.pos.line);

    for (const p of obj.props) {
      if (typeof p.key !== 'string') {
        if (additional) this.value(p.value, additional, `${path}[…]`, p.keyPos.line);
        else this.report.skipped += 1;
        continue;
      }
      if (reserved?.has(p.key)) continue;
      this.report.properties += 1;
      const where = joinPath(path, p.key);
      const def = properties[p.key];
      if (!def) {
        if (additional) {
          this.value(p.value, additional, where, p.keyPos.line);
          continue;
        }
        const hint = closest(
          p.key,
          Object.keys(properties).filter((k) => ((properties[k] as Property).flags & READ_ONLY) === 0),
        );
        this.find(
          'property',
          p.keyPos.line,
          where,
          `${typeName} has no property ${p.key}${hint ? ` (did you mean ${hint}?)` : ''}`,
        );
        continue;
      }
      if ((def.flags & READ_ONLY) !== 0) {
        this.find(
          'read-only',
          p.keyPos.line,
          where,
          `${p.key} is read-only in ${typeName}: Azure sets it, a template cannot`,
        );
        continue;
      }
      if (where === this.rolePath) {
        this.role(p, where);
        continue;
      }
      // References inside a types.json are relative to that file (base and elements share it).
      this.value(p.value, this.deref(propsAt, def.type), where, p.keyPos.line);
    }
    if (obj.spreads.length > 0 || obj.props.some((p) => typeof p.key !== 'string')) return;
    for (const [key, def] of Object.entries(properties)) {
      if ((def.flags & REQUIRED) === 0 || (def.flags & READ_ONLY) !== 0 || reserved?.has(key)) continue;
      if (!obj.props.some((p) => p.key === key))
        this.find('required', obj.pos.line, joinPath(path, key), `${typeName} requires ${key}`);
    }
  }

  private role(p: Prop, where: string): void {
    const vars = this.file.vars;
    const e = resolve(p.value, vars);
    let id: Literal | undefined;
    if (e.kind === 'call' && e.callee.kind === 'ident' && RESOURCE_ID_FUNCTIONS.has(e.callee.name)) {
      const typeArg = e.args.findIndex(
        (a) => String(literal(a, vars)?.value).toLowerCase() === 'microsoft.authorization/roledefinitions',
      );
      const last = e.args[e.args.length - 1];
      if (typeArg >= 0 && last && typeArg < e.args.length - 1) id = literal(last, vars);
    } else {
      const lit = literal(e, vars);
      const m = typeof lit?.value === 'string' ? /(?:^|\/roleDefinitions\/)([^/]+)$/i.exec(lit.value) : null;
      if (lit && m) id = { value: m[1] as string, pos: lit.pos };
    }
    if (typeof id?.value !== 'string') {
      this.report.skipped += 1;
      return;
    }
    this.report.roles += 1;
    const guid = id.value.toLowerCase();
    const at = id.pos.line === p.keyPos.line ? '' : ` (the id is written at line ${id.pos.line})`;
    const name = BUILT_IN_ROLES[guid];
    if (!GUID.test(guid))
      this.find('role', p.keyPos.line, where, `'${id.value}' is not a role definition id (a GUID)${at}`);
    else if (!name)
      this.find(
        'role',
        p.keyPos.line,
        where,
        `${guid} is no built-in role that test/infra/azure-roles.ts knows (from Azure's built-in roles reference)${at}`,
      );
    else {
      const comment = this.file.ast.comments.get(id.pos.line);
      if (comment && comment.toLowerCase() !== name.toLowerCase())
        this.find(
          'role',
          p.keyPos.line,
          where,
          `the comment beside ${guid} says ${comment}, but that id is ${name}${at}`,
        );
    }
  }
}

/** The expressions directly inside an expression (nested resource bodies included). */
function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'string':
      return e.parts.filter((p): p is Expr => typeof p !== 'string');
    case 'object':
      return [
        ...e.props.flatMap((p) => (typeof p.key === 'string' ? [p.value] : [p.key, p.value])),
        ...e.spreads,
        ...e.resources.map((r) => r.value),
      ];
    case 'array':
      return e.items;
    case 'for':
      return [e.source, e.body];
    case 'if':
      return [e.condition, e.body];
    case 'member':
      return [e.object];
    case 'index':
      return [e.object, e.index];
    case 'call':
      return [e.callee, ...e.args];
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'ternary':
      return [e.condition, e.then, e.otherwise];
    case 'lambda':
      return [e.body];
    default:
      return [];
  }
}

/** Checks every resource and module call of every .bicep file under an infra/ folder against the type definitions. */
export function checkInfra(files: InfraFile[], lib: TypeLibrary): CheckReport {
  const checker = new Checker(lib);
  for (const f of files) checker.checkFile(f, files);
  return checker.report;
}

// ---------------------------------------------------------------------------------------------
// App settings against shared/config.ts

/** Settings the Functions host reads itself (shared/config.ts does not): identity-based host storage, Application Insights, the request size limit. */
export const HOST_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT',
];

export interface AppSetting {
  /** Undefined when the name is not a literal. */
  name: string | undefined;
  file: string;
  line: number;
  path: string;
}

/** Where the Function App's settings are written, and each setting: siteConfig.appSettings of Microsoft.Web/sites, and Microsoft.Web/sites/config 'appsettings'. */
export function appSettingsOf(files: InfraFile[]): {
  written: AppSetting[];
  at: { file: string; line: number; path: string }[];
} {
  const written: AppSetting[] = [];
  const at: { file: string; line: number; path: string }[] = [];
  for (const f of files) {
    for (const r of f.resources) {
      if (r.decl.existing || !r.body) continue;
      const type = (r.type.split('@')[0] ?? '').toLowerCase();
      const prop = (o: ObjectExpr | undefined, key: string) => o?.props.find((p) => p.key === key);
      const asObject = (p: Prop | undefined) => {
        const v = p ? resolve(p.value, f.vars) : undefined;
        return v?.kind === 'object' ? v : undefined;
      };
      if (type === 'microsoft.web/sites') {
        const list = prop(asObject(prop(asObject(prop(r.body, 'properties')), 'siteConfig')), 'appSettings');
        if (!list) continue;
        const path = `${r.symbol}.properties.siteConfig.appSettings`;
        at.push({ file: f.file, line: list.keyPos.line, path });
        const items = resolve(list.value, f.vars);
        if (items.kind !== 'array') {
          written.push({ name: undefined, file: f.file, line: list.keyPos.line, path });
          continue;
        }
        items.items.forEach((item, i) => {
          const o = resolve(item, f.vars);
          const name = o.kind === 'object' ? prop(o, 'name') : undefined;
          const value = name ? literal(name.value, f.vars)?.value : undefined;
          written.push({
            name: typeof value === 'string' ? value : undefined,
            file: f.file,
            line: item.pos.line,
            path: `${path}[${i}]`,
          });
        });
      }
      if (
        type === 'microsoft.web/sites/config' &&
        literal(prop(r.body, 'name')?.value ?? { kind: 'null', pos: r.body.pos }, f.vars)?.value === 'appsettings'
      ) {
        const props = prop(r.body, 'properties');
        const o = asObject(props);
        const path = `${r.symbol}.properties`;
        at.push({ file: f.file, line: props?.keyPos.line ?? r.body.pos.line, path });
        if (!o) written.push({ name: undefined, file: f.file, line: props?.keyPos.line ?? r.body.pos.line, path });
        for (const p of o?.props ?? [])
          written.push({
            name: typeof p.key === 'string' ? p.key : undefined,
            file: f.file,
            line: p.keyPos.line,
            path: joinPath(path, typeof p.key === 'string' ? p.key : '…'),
          });
      }
    }
  }
  return { written, at };
}

/**
 * The app settings the Bicep writes against the settings the code reads in Azure, both ways: every
 * setting shared/config.ts requires there (`azure: 'set'`) is written; every setting written is one
 * the code or the host reads, by a literal name, once, and never the local connection-string form
 * (`azure: 'alternative'`).
 */
export function checkAppSettings(
  files: InfraFile[],
  docs: Readonly<Record<string, { azure: 'set' | 'alternative' | 'optional' }>>,
  readNames: readonly string[],
): Finding[] {
  const findings: Finding[] = [];
  const { written, at } = appSettingsOf(files);
  const first = at[0];
  if (!first) {
    return [
      {
        kind: 'app-setting',
        file: 'infra',
        line: 0,
        path: 'Microsoft.Web/sites',
        message: 'no Function App declares app settings',
      },
    ];
  }
  const known = new Set([...readNames, ...HOST_SETTINGS]);
  const seen = new Set<string>();
  for (const s of written) {
    const f = (message: string) =>
      findings.push({ kind: 'app-setting', file: s.file, line: s.line, path: s.path, message });
    if (s.name === undefined)
      f('an app setting whose name is not a literal: it cannot be compared with shared/config.ts');
    else if (seen.has(s.name)) f(`${s.name} is set twice`);
    else if (docs[s.name]?.azure === 'alternative')
      f(
        `${s.name} is the local connection-string form (azure: 'alternative' in shared/config.ts); Azure uses the identity-based settings`,
      );
    else if (!known.has(s.name)) f(`${s.name} is read by neither shared/config.ts nor the Functions host`);
    if (s.name !== undefined) seen.add(s.name);
  }
  for (const [name, doc] of Object.entries(docs)) {
    if (doc.azure === 'set' && !seen.has(name)) {
      findings.push({
        kind: 'app-setting',
        file: first.file,
        line: first.line,
        path: first.path,
        message: `${name} is missing: shared/config.ts requires it in Azure (azure: 'set')`,
      });
    }
  }
  return findings;
}

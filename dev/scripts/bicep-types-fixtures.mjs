// Regenerates test/fixtures/bicep-types/ from a copy of the public repository Azure/bicep-types-az
// (the type definitions the Bicep compiler checks resources against): the resource types and
// api-versions that infra/**/*.bicep declares, and only the type entries they reach.
//
//   node dev/scripts/bicep-types-fixtures.mjs <bicep-types-az checkout> [--commit <sha>]
//
// The checkout needs generated/index.json and the generated/**/types.json files it names. Without
// index.json (it is large; some copies leave it out) the entries are rebuilt from the ResourceType
// entries of every generated/**/types.json, which is what the index records. The commit is read with
// git when the checkout is a git work tree; otherwise pass it with --commit.
//
// Output (the old files are removed first, README.md is kept):
//   index.json          { "resources": { "<Type>@<api-version>": { "$ref": "<file>#/<n>" } } }, the
//                       upstream index cut to the declared types, with the references renumbered;
//   <provider>/<namespace>/<api-version>/types.json
//                       each upstream file cut to the entries those resource types reach (same entry
//                       shapes, the "#/<n>" references renumbered, upstream order kept);
//   catalog.json        the source commit, every api-version the index has for each declared type,
//                       and every resource type name of each declared namespace (for messages that
//                       tell a wrong api-version from a wrong type name).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'test/fixtures/bicep-types');

const args = process.argv.slice(2);
const commitAt = args.indexOf('--commit');
const commitArg = commitAt >= 0 ? args.splice(commitAt, 2)[1] : undefined;
const checkout = args[0];
if (!checkout) {
  console.error('usage: node dev/scripts/bicep-types-fixtures.mjs <bicep-types-az checkout> [--commit <sha>]');
  process.exit(2);
}
const generated = path.join(path.resolve(checkout), 'generated');
if (!fs.existsSync(generated)) {
  console.error(`no generated/ folder in ${checkout}`);
  process.exit(2);
}

// ---- the resource types infra/ declares --------------------------------------------------------

/** Every `resource` declaration of one Bicep file as "<full type>@<api-version>" (nested children resolved). */
function declaredTypes(src) {
  const found = [];
  const open = []; // resources whose body is open: { type, version, depth }
  let depth = 0;
  let pending; // a declaration whose body has not opened yet
  let i = 0;
  const skipString = () => {
    if (src.startsWith("'''", i)) {
      const end = src.indexOf("'''", i + 3);
      const value = src.slice(i + 3, end);
      i = end + 3;
      return value;
    }
    let value = '';
    i += 1;
    while (i < src.length && src[i] !== "'") {
      if (src[i] === '\\') {
        value += src[i + 1];
        i += 2;
      } else if (src.startsWith('${', i)) {
        i += 2;
        let braces = 1;
        while (i < src.length && braces > 0) {
          if (src[i] === "'") skipString();
          else {
            if (src[i] === '{') braces += 1;
            if (src[i] === '}') braces -= 1;
            i += 1;
          }
        }
        value += '${}';
      } else value += src[i++];
    }
    i += 1;
    return value;
  };
  const words = [];
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i += 1;
    else if (src.startsWith('//', i)) i = src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i);
    else if (src.startsWith('/*', i)) i = src.indexOf('*/', i) + 2;
    else if (c === "'") words.push({ string: skipString() });
    else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 100));
      words.push({ word: m[0] });
      i += m[0].length;
    } else {
      if (c === '{') {
        depth += 1;
        if (pending) {
          open.push({ ...pending, depth });
          pending = undefined;
        }
      } else if (c === '}') {
        if (open.length && open[open.length - 1].depth === depth) open.pop();
        depth -= 1;
      }
      words.push({ punct: c });
      i += 1;
    }
    const [a, b, t] = words.slice(-3);
    if (a?.word === 'resource' && b?.word && t?.string !== undefined) {
      const [name, version] = t.string.split('@');
      const parent = open[open.length - 1];
      const type = name.includes('/') && name.includes('.') ? name : `${parent.type}/${name}`;
      pending = { type, version: version ?? parent.version };
      found.push(`${type}@${pending.version}`);
    }
  }
  return found;
}

function bicepFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? bicepFiles(p) : e.name.endsWith('.bicep') ? [p] : [];
  });
}

const declared = [
  ...new Set(bicepFiles(path.join(root, 'infra')).flatMap((f) => declaredTypes(fs.readFileSync(f, 'utf8')))),
].sort();

// ---- the upstream index ------------------------------------------------------------------------

function typesFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? typesFiles(p) : e.name === 'types.json' ? [p] : [];
    });
}

let index;
const indexFile = path.join(generated, 'index.json');
const rebuilt = !fs.existsSync(indexFile);
const duplicates = new Set();
if (!rebuilt) index = JSON.parse(fs.readFileSync(indexFile, 'utf8')).resources;
else {
  console.log('generated/index.json is missing: rebuilding its resource entries from generated/**/types.json');
  index = {};
  for (const file of typesFiles(generated)) {
    const rel = path.relative(generated, file).split(path.sep).join('/');
    JSON.parse(fs.readFileSync(file, 'utf8')).forEach((t, n) => {
      if (t.$type !== 'ResourceType') return;
      if (index[t.name]) duplicates.add(t.name.toLowerCase());
      index[t.name] = { $ref: `${rel}#/${n}` };
    });
  }
}
const keyOf = new Map(Object.keys(index).map((k) => [k.toLowerCase(), k]));

const missing = declared.filter((d) => !keyOf.has(d.toLowerCase()));
const ambiguous = declared.filter((d) => duplicates.has(d.toLowerCase()));
if (missing.length || ambiguous.length) {
  for (const d of missing) console.error(`not in bicep-types-az: ${d}`);
  for (const d of ambiguous) console.error(`in more than one types.json (index.json needed to choose): ${d}`);
  process.exit(1);
}

// ---- cut each types.json to what the declared resource types reach -----------------------------

const refIndex = (ref) => Number(/#\/(\d+)$/.exec(ref.$ref)[1]);
function references(t) {
  const refs = [];
  const props = (p) => Object.values(p ?? {}).forEach((x) => refs.push(x.type));
  if (t.body) refs.push(t.body);
  if (t.itemType) refs.push(t.itemType);
  if (t.additionalProperties) refs.push(t.additionalProperties);
  for (const e of Array.isArray(t.elements) ? t.elements : Object.values(t.elements ?? {})) refs.push(e);
  props(t.properties);
  props(t.baseProperties);
  return refs.map(refIndex);
}
function renumber(value, map) {
  if (Array.isArray(value)) return value.map((v) => renumber(v, map));
  if (value && typeof value === 'object') {
    if (typeof value.$ref === 'string' && Object.keys(value).length === 1)
      return { $ref: `#/${map.get(refIndex(value))}` };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renumber(v, map)]));
  }
  return value;
}

const byFile = new Map();
for (const d of declared) {
  const key = keyOf.get(d.toLowerCase());
  const [file, n] = index[key].$ref.split('#/');
  if (!byFile.has(file)) byFile.set(file, []);
  byFile.get(file).push({ key, n: Number(n) });
}

fs.mkdirSync(out, { recursive: true });
for (const e of fs.readdirSync(out, { withFileTypes: true }))
  if (e.name !== 'README.md') fs.rmSync(path.join(out, e.name), { recursive: true, force: true });

const outIndex = {};
const sizes = [];
for (const [file, entries] of [...byFile].sort()) {
  const types = JSON.parse(fs.readFileSync(path.join(generated, file), 'utf8'));
  const keep = new Set();
  const visit = (n) => {
    if (keep.has(n)) return;
    keep.add(n);
    references(types[n]).forEach(visit);
  };
  entries.forEach((e) => visit(e.n));
  const kept = [...keep].sort((a, b) => a - b);
  const map = new Map(kept.map((n, at) => [n, at]));
  const cut = kept.map((n) => renumber(types[n], map));
  fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
  fs.writeFileSync(path.join(out, file), `${JSON.stringify(cut, null, 2)}\n`);
  for (const e of entries) outIndex[e.key] = { $ref: `${file}#/${map.get(e.n)}` };
  sizes.push(`${file}: ${kept.length} of ${types.length} entries`);
}
const ordered = Object.fromEntries(
  Object.keys(index)
    .filter((k) => outIndex[k])
    .map((k) => [k, outIndex[k]]),
);
fs.writeFileSync(path.join(out, 'index.json'), `${JSON.stringify({ resources: ordered }, null, 2)}\n`);

// ---- catalog: every api-version of each declared type, every type name of each namespace --------

const declaredTypeNames = new Set(declared.map((d) => d.split('@')[0].toLowerCase()));
const namespaces = new Set(declared.map((d) => d.split('/')[0].toLowerCase()));
const apiVersions = {};
const resourceTypes = {};
const spelling = new Map(); // the first spelling of a name the index writes in more than one case
const spelt = (name) =>
  spelling.has(name.toLowerCase()) ? spelling.get(name.toLowerCase()) : (spelling.set(name.toLowerCase(), name), name);
for (const key of Object.keys(index)) {
  const [type, version] = key.split('@');
  const namespace = type.split('/')[0];
  if (declaredTypeNames.has(type.toLowerCase())) (apiVersions[spelt(type)] ??= new Set()).add(version);
  if (namespaces.has(namespace.toLowerCase())) (resourceTypes[spelt(namespace)] ??= new Set()).add(spelt(type));
}
let commit = commitArg;
if (!commit) {
  try {
    commit = execFileSync('git', ['-C', checkout, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    console.error('the checkout is no git work tree: pass the commit with --commit <sha>');
    process.exit(2);
  }
}
const sorted = (o) =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, [...o[k]].sort()]),
  );
const catalog = {
  source: {
    repository: 'Azure/bicep-types-az',
    commit,
    index: rebuilt ? 'rebuilt from generated/**/types.json' : 'generated/index.json',
  },
  apiVersions: sorted(apiVersions),
  resourceTypes: sorted(resourceTypes),
};
fs.writeFileSync(path.join(out, 'catalog.json'), `${JSON.stringify(catalog, null, 2)}\n`);

console.log(`${declared.length} resource types and api-versions from infra/, commit ${commit}:`);
for (const d of declared) console.log(`  ${d}`);
for (const s of sizes) console.log(`  ${s}`);

// `npm run build` (and the first step of `npm start`): builds only what changed, never leaving a
// stale dist/.
//   1. tsc, incremental (tsconfig.build.json: its build info is dist/.tsbuildinfo, so removing
//      dist/ rebuilds everything). A source whose output is missing forces a full compile, and
//      outputs whose source is gone are removed.
//   2. The app bundle (dev/build/bundle.ts) when a file esbuild read, the function list, the
//      bundler or its options changed (the hashes are in dist/.build/bundle.json).
//   3. The web console (dev/build/build-console.mjs) when a file of shared/console/, the job
//      templates (test/fixtures/spot/), the console build or TypeScript changed (the hash is in
//      dist/.build/console.json).
// Prints one line per step and the time taken.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const began = performance.now();
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const rel = (p) => path.relative(root, p).split(path.sep).join('/');

/** Every file under `dir` (absolute paths, sorted), skipping folders `skip` says to. */
function walk(dir, skip = () => false) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!skip(p)) out.push(...walk(p, skip));
    } else out.push(p);
  }
  return out.sort();
}

// ---------------------------------------------------------------- 1. tsc

/** The sources tsconfig.build.json compiles (its include and exclude, spelled out). */
function tscSources() {
  const skip = (p) => ['node_modules', 'dist'].includes(path.basename(p)) || rel(p) === 'shared/console/web';
  return [
    path.join(root, 'index.ts'),
    ...['functions', 'shared', 'cli', 'dev', 'test/bench'].flatMap((d) => walk(path.join(root, d), skip)),
  ].filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'));
}

const buildInfo = path.join(root, 'dist/.tsbuildinfo');
const sources = tscSources();
const outputOf = (source) => path.join(root, 'dist', rel(source).replace(/\.ts$/, '.js'));
const missing = sources.find((s) => !fs.existsSync(outputOf(s)));
if (missing && fs.existsSync(buildInfo)) fs.rmSync(buildInfo); // its outputs are not all there: compile everything
const infoBefore = fs.existsSync(buildInfo) ? fs.statSync(buildInfo).mtimeMs : 0;
try {
  execFileSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
} catch {
  process.exit(1);
}
const compiled = !fs.existsSync(buildInfo) || fs.statSync(buildInfo).mtimeMs !== infoBefore;
// Outputs of sources that no longer exist (a file removed or renamed) go too.
const expected = new Set(sources.map(outputOf));
let removed = 0;
for (const dir of ['functions', 'shared', 'cli', 'dev', 'test/bench']) {
  for (const f of walk(path.join(root, 'dist', dir))) {
    const js = f.endsWith('.js.map') ? f.slice(0, -'.map'.length) : f;
    if (js.endsWith('.js') && !expected.has(js)) {
      fs.rmSync(f);
      removed++;
    }
  }
}
const steps = [
  `tsc ${compiled ? 'compiled' : 'up to date'}${removed ? ` (${removed} outputs of removed sources deleted)` : ''}`,
];

// ---------------------------------------------------------------- 2. the bundle

const { bundleIfOutdated, markBinsExecutable } = await import(
  pathToFileURL(path.join(root, 'dist/dev/build/bundle.js')).href
);
markBinsExecutable(root);
try {
  steps.push(await bundleIfOutdated(root));
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}

// ---------------------------------------------------------------- 3. the console

const consoleState = path.join(root, 'dist/.build/console.json');
const consoleInputs = [
  ...walk(path.join(root, 'shared/console')),
  ...walk(path.join(root, 'test/fixtures/spot')),
  path.join(root, 'dev/build/build-console.mjs'),
  path.join(root, 'tsconfig.json'),
  path.join(path.dirname(tsc), '../package.json'),
];
const hash = createHash('sha1');
for (const f of consoleInputs)
  hash
    .update(`${rel(f)}\0`)
    .update(fs.readFileSync(f))
    .update('\0');
const consoleKey = hash.digest('hex');
const consoleBuilt =
  fs.existsSync(consoleState) &&
  fs.readFileSync(consoleState, 'utf8') === consoleKey &&
  fs.existsSync(path.join(root, 'dist/console/index.html'));
if (consoleBuilt) steps.push('console: dist/console up to date');
else {
  fs.rmSync(consoleState, { force: true });
  try {
    execFileSync(process.execPath, [path.join(root, 'dev/build/build-console.mjs')], { stdio: 'inherit', cwd: root });
  } catch {
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(consoleState), { recursive: true });
  fs.writeFileSync(consoleState, consoleKey);
}

console.log(`${steps.join('; ')}; build ${((performance.now() - began) / 1000).toFixed(1)} s`);

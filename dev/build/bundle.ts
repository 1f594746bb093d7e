/**
 * Bundles the app for Azure (`npm run build` runs it after tsc): `index.ts` and every
 * `functions/*.ts` with everything they import, dependencies included, into one ES module
 * `dist/app/main.js` (package.json `main`), so the deployed package needs no `node_modules` and a
 * cold instance reads one file instead of thousands. `@azure/functions-core` stays external: the
 * Functions worker provides it (the local runtime installs its stand-in the same way).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion, type BuildResult } from 'esbuild';
import { projectRoot } from '../runtime/load-app.js';

export const BUNDLE_FILE = 'dist/app/main.js';

/** The entry: the app-wide setup, then each function file in name order (as the host would load them). */
export function entrySource(root: string): string {
  const functions = fs
    .readdirSync(path.join(root, 'functions'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
  return [
    "import './index.js';",
    ...functions.map((f) => `import './functions/${f.replace(/\.ts$/, '.js')}';`),
    '',
  ].join('\n');
}

const ENTRY = 'gallery-catalog:app-entry';

/**
 * Builds the bundle: `main.js` and the chunks it loads on demand (code splitting: the compute and
 * Service Bus SDKs are imported dynamically, on first use, so a cold start does not evaluate them).
 */
export async function bundle(
  root = projectRoot(),
): Promise<{ file: string; bytes: number; files: string[]; result: BuildResult }> {
  const outdir = path.join(root, path.dirname(BUNDLE_FILE));
  const result = await build({
    entryPoints: [{ in: ENTRY, out: path.basename(BUNDLE_FILE, '.js') }],
    plugins: [
      {
        name: 'app-entry',
        setup(b) {
          b.onResolve({ filter: /^gallery-catalog:app-entry$/ }, (args) => ({
            path: args.path,
            namespace: 'app-entry',
          }));
          b.onLoad({ filter: /.*/, namespace: 'app-entry' }, () => ({
            contents: entrySource(root),
            resolveDir: root,
            loader: 'ts',
          }));
        },
      },
    ],
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir,
    chunkNames: 'chunk-[hash]',
    write: false,
    external: ['@azure/functions-core'],
    // CommonJS dependencies call require(): give each ES module of the bundle a real one.
    banner: {
      js: "import { createRequire as __gcCreateRequire } from 'node:module'; const require = __gcCreateRequire(import.meta.url);",
    },
    // Smaller and faster to parse; function and class names kept so stack traces stay readable.
    minify: true,
    keepNames: true,
    legalComments: 'linked',
    logLevel: 'warning',
    // which source files went in (the package test checks that no development code ships)
    metafile: true,
  });
  // Written by rename, so a process loading the app meanwhile sees the old file or the new one;
  // then chunks of earlier builds are removed.
  fs.mkdirSync(outdir, { recursive: true });
  const written = new Set<string>();
  for (const f of result.outputFiles) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, f.contents);
    fs.renameSync(tmp, f.path);
    written.add(path.basename(f.path));
  }
  for (const f of fs.readdirSync(outdir))
    if (!written.has(f) && /^chunk-.*\.js(\.LEGAL\.txt)?$/.test(f)) fs.rmSync(path.join(outdir, f));
  const file = path.join(root, BUNDLE_FILE);
  const files = [...written].sort();
  writeState(root, {
    key: bundleKey(root),
    inputs: hashInputs(root, Object.keys(result.metafile?.inputs ?? {})),
    outputs: files,
  });
  return { file, bytes: fs.statSync(file).size, files, result };
}

/**
 * What the last bundle was built from, kept in dist/ (so a removed dist/ rebuilds): a key of the
 * entry, this module and esbuild's version, the content hash of every file esbuild read (the app's
 * sources and the dependencies' files, from its metafile), and the files it wrote.
 */
interface BundleState {
  key: string;
  inputs: Record<string, string>;
  outputs: string[];
}

export const BUNDLE_STATE_FILE = 'dist/.build/bundle.json';

const sha1 = (data: string | Buffer): string => createHash('sha1').update(data).digest('hex');

function bundleKey(root: string): string {
  return sha1([entrySource(root), fs.readFileSync(fileURLToPath(import.meta.url), 'utf8'), esbuildVersion].join('\0'));
}

/** Content hashes of the metafile's inputs that are files (not the virtual entry); a missing file hashes as ''. */
function hashInputs(root: string, inputs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const input of inputs) {
    if (input.includes(':')) continue;
    const file = path.join(root, input);
    out[input] = fs.existsSync(file) ? sha1(fs.readFileSync(file)) : '';
  }
  return out;
}

function writeState(root: string, state: BundleState): void {
  const file = path.join(root, BUNDLE_STATE_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(state));
}

/**
 * Why the bundle must be built again, or undefined when it is up to date: the files it was built
 * from, the entry (the list of function files), this module and esbuild are unchanged and every
 * file it wrote is there.
 */
export function bundleOutdated(root = projectRoot()): string | undefined {
  let state: BundleState;
  try {
    state = JSON.parse(fs.readFileSync(path.join(root, BUNDLE_STATE_FILE), 'utf8')) as BundleState;
  } catch {
    return 'no earlier bundle';
  }
  if (state.key !== bundleKey(root)) return 'the function files, the bundler or its options changed';
  const outdir = path.join(root, path.dirname(BUNDLE_FILE));
  const missing = state.outputs.find((f) => !fs.existsSync(path.join(outdir, f)));
  if (missing) return `${path.dirname(BUNDLE_FILE)}/${missing} is missing`;
  const now = hashInputs(root, Object.keys(state.inputs));
  const changed = Object.keys(state.inputs).find((f) => now[f] !== state.inputs[f]);
  return changed ? `${changed} changed` : undefined;
}

/** The package.json `bin` files tsc wrote (a fresh dist has them without the execute bit) made executable, as `npx` runs them. */
export function markBinsExecutable(root: string): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  for (const file of Object.values(pkg.bin ?? {}))
    if (fs.existsSync(path.join(root, file))) fs.chmodSync(path.join(root, file), 0o755);
}

/** Builds the bundle when bundleOutdated says so; says which it did. */
export async function bundleIfOutdated(root = projectRoot()): Promise<string> {
  const why = bundleOutdated(root);
  if (why === undefined) return `bundle: ${BUNDLE_FILE} up to date`;
  const b = await bundle(root);
  return `bundle: ${path.relative(root, b.file)} (${(b.bytes / 1024 / 1024).toFixed(2)} MB) and ${b.files.filter((f) => f.startsWith('chunk-') && f.endsWith('.js')).length} chunks loaded on demand (${why})`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  markBinsExecutable(projectRoot());
  bundleIfOutdated().then(
    (line) => console.log(line),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}

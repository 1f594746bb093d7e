/**
 * Bundles the app for Azure (`npm run build` runs it after tsc): `index.ts` and every
 * `functions/*.ts` with everything they import, dependencies included, into one ES module
 * `dist/app/main.js` (package.json `main`), so the deployed package needs no `node_modules` and a
 * cold instance reads one file instead of thousands. `@azure/functions-core` stays external: the
 * Functions worker provides it (the local runtime installs its stand-in the same way).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildResult } from 'esbuild';
import { projectRoot } from '../devhost/load-app.js';

export const BUNDLE_FILE = 'dist/app/main.js';

/** The entry: the app-wide setup, then each function file in name order (as the host would load them). */
export function entrySource(root: string): string {
  const functions = fs
    .readdirSync(path.join(root, 'functions'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
  return ["import './index.js';", ...functions.map((f) => `import './functions/${f.replace(/\.ts$/, '.js')}';`), ''].join('\n');
}

export async function bundle(root = projectRoot()): Promise<{ file: string; bytes: number; result: BuildResult }> {
  const outfile = path.join(root, BUNDLE_FILE);
  const result = await build({
    stdin: { contents: entrySource(root), resolveDir: root, sourcefile: 'app-entry.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    write: false,
    external: ['@azure/functions-core'],
    // CommonJS dependencies call require(): give the ES module bundle a real one.
    banner: { js: "import { createRequire as __gcCreateRequire } from 'node:module'; const require = __gcCreateRequire(import.meta.url);" },
    // Smaller and faster to parse; function and class names kept so stack traces stay readable.
    minify: true,
    keepNames: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  // Written by rename, so a process loading the app meanwhile sees the old file or the new one.
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  for (const f of result.outputFiles) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, f.contents);
    fs.renameSync(tmp, f.path);
  }
  return { file: outfile, bytes: fs.statSync(outfile).size, result };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  bundle().then(
    (b) => console.log(`bundle: ${path.relative(projectRoot(), b.file)} (${(b.bytes / 1024 / 1024).toFixed(2)} MB)`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}

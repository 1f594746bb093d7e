// One fresh process: install the functions-core stand-in and import the app as the host would,
// either the bundle (package.json `main`, what Azure loads) or the unbundled tsc output
// (dist/index.js and dist/functions/*.js with node_modules); print how long that took.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appModules } from './app-modules.js';

const started = performance.now();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const mode = process.argv[2] === 'unbundled' ? 'unbundled' : 'bundled';
const files = mode === 'unbundled' ? appModules(root) : undefined;
const { loadApp } = await import('../../dev/runtime/load-app.js');
const registry = await loadApp(root, files);
const loaded = performance.now();
process.stdout.write(
  JSON.stringify({ sinceProcessStartMs: loaded, importMs: loaded - started, functions: registry.list().length }),
);

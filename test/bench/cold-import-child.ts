// One fresh process: install the functions-core stand-in and import the app as the host would
// (every file package.json `main` matches); print how long that took since the process started.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const started = performance.now();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { loadApp } = await import('../../shared/devhost/load-app.js');
const registry = await loadApp(root);
const loaded = performance.now();
process.stdout.write(JSON.stringify({ sinceProcessStartMs: loaded, importMs: loaded - started, functions: registry.list().length }));

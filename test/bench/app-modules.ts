import fs from 'node:fs';
import path from 'node:path';

/**
 * The tsc output of the app (not the bundle), as the local runtime's loadApp takes it: dist/index.js
 * and every function file. Loaded so, the app and the benchmark's process share one set of services
 * (and their table round-trip counter).
 */
export function appModules(root: string): string[] {
  return [
    'dist/index.js',
    ...fs
      .readdirSync(path.join(root, 'dist/functions'))
      .filter((f) => f.endsWith('.js'))
      .sort()
      .map((f) => `dist/functions/${f}`),
  ];
}

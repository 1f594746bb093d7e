import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Group jobs (see jobs-child.ts), in a fresh process: the app's process, whose CPU the jobs figures measure. */
export function benchJobs(): void {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs-child.js');
  const args = process.argv.includes('--profile') ? ['--profile'] : [];
  process.stdout.write(
    execFileSync(process.execPath, [child, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
}

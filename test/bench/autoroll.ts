import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Auto-roll fan-out (see autoroll-child.ts), in a fresh process so the built app registers its functions there. */
export function benchAutoRoll(): void {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'autoroll-child.js');
  process.stdout.write(
    execFileSync(process.execPath, [child], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
}

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Apply to Azure and its roll (see apply-child.ts), in a fresh process so the built app registers its functions there. */
export function benchApply(): void {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'apply-child.js');
  process.stdout.write(
    execFileSync(process.execPath, [child], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
}

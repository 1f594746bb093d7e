import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scale } from './scale.js';

/** Groups on latest rolled at each scale: a large organization's fleet, and a tenth of it. */
const GROUPS: Record<Scale, number> = { limit: 10_000, small: 1_000 };

/** Auto-roll at fleet size (see scale-roll-child.ts), in a fresh process so the built app registers its functions there. */
export function benchScaleRoll(scale: Scale): void {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scale-roll-child.js');
  const run = spawnSync(process.execPath, [child, String(GROUPS[scale])], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`the auto-roll at fleet size failed (exit ${run.status ?? run.signal})`);
}

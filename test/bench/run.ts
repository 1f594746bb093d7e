// `npm run bench`: each figure is measured in this one run, on this machine; ratios compare
// numbers taken side by side. Benchmarks are not tests: they print, they do not assert.
// `npm run bench -- --scale limit|small` runs the scale scenarios alone: the filled subscription-region
// (test/bench/scale.ts) and the auto-roll of 10,000 groups (small: 1,000; test/bench/scale-roll.ts)
// (`--only search|reconcile|roll` one part of them);
// `--only <name>` one of the others (start-up, cold-import, catalog, lookups, jobs, autoroll, apply); `--profile`
// adds a CPU profile of the lookups' 16-client phase, of the jobs and of a burst of version events.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printColdImport } from './cold-import.js';

/**
 * Runs a benchmark (test/bench/<name>-child.ts) in a fresh process: the app's process, whose CPU
 * its figures measure, and where the built app registers its functions; not the runner's, with the
 * heap and compiled code earlier benchmarks left.
 */
function benchInItsOwnProcess(name: string): void {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), `${name}-child.js`);
  const args = process.argv.includes('--profile') ? ['--profile'] : [];
  process.stdout.write(
    execFileSync(process.execPath, [child, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
}

console.log('gallery-catalog benchmarks');
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);
const scaleAt = process.argv.indexOf('--scale');
if (scaleAt >= 0) {
  const scale = process.argv[scaleAt + 1];
  if (scale !== 'limit' && scale !== 'small') {
    console.error('--scale takes limit or small');
    process.exit(2);
  }
  const onlyAt = process.argv.indexOf('--only');
  const part = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  if (part !== undefined && part !== 'search' && part !== 'reconcile' && part !== 'roll') {
    console.error('with --scale, --only takes search, reconcile or roll');
    process.exit(2);
  }
  if (part !== 'roll') {
    const { benchScale } = await import('./scale.js');
    await benchScale(scale, part);
  }
  if (part === undefined || part === 'roll') {
    const { benchScaleRoll } = await import('./scale-roll.js');
    benchScaleRoll(scale);
  }
} else {
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  const names = ['start-up', 'cold-import', 'catalog', 'lookups', 'jobs', 'autoroll', 'apply'];
  if (only !== undefined && !names.includes(only)) {
    console.error(`--only takes one of ${names.join(', ')}`);
    process.exit(2);
  }
  const runs = (name: string) => only === undefined || only === name;
  if (runs('start-up')) {
    const { benchStartUp } = await import('./start-up.js');
    await benchStartUp();
  }
  if (runs('cold-import')) printColdImport();
  for (const name of ['catalog', 'lookups', 'jobs', 'autoroll', 'apply']) if (runs(name)) benchInItsOwnProcess(name);
}

/**
 * Start-up as a developer meets it, measured literally on spare ports (each run its own free
 * ports and an empty data folder, stopped with Ctrl-C: SIGINT to its process group):
 * - warm: `npm start` in this checkout after an unchanged build (what `npm install` leaves, and
 *   what every start after the first finds);
 * - cold: `npm start` in a copy of the sources without `dist/` (a fresh clone, its
 *   `node_modules` linked to this one's), so the build compiles, bundles and builds the console;
 * each from the command to the first 200 of GET /api/health, with the start-up reconcile of the
 * demo organization; then, against the app it started, the first CLI calls: the lookup
 * `npm run cli -- latest <image> --region westeurope` and the README's
 * `npm run cli -- submit examples/stateless-latest.json --wait`. Printed beside their goals, not
 * asserted.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, isListening } from '../../dev/ports.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { projectRoot } from '../../dev/runtime/load-app.js';

const WARM_RUNS = 3;
const COLD_RUNS = 1;
const GOALS = { warm: 10_000, cli: 3_000 };
// What a developer's shell would not set: npm start chooses these itself (free ports aside).
const NOT_DEFAULTS =
  /^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|VM_SIZES|LOCAL_|FUNCTIONS_HTTP_PORT|AZURITE_|GROUP_JOBS|DomainEvents|OUTBOX|AUTH_|APPLY_|GALLERY_CATALOG_)/;
// Not part of a fresh clone: build outputs, local data, test and tool output.
const NOT_CLONED = new Set([
  'node_modules',
  'dist',
  '.git',
  '.data',
  'test-results',
  '.deploy',
  'coverage',
  'reports',
  '.stryker-tmp',
  'local.settings.json',
]);

interface Run {
  startMs: number;
  lines: number;
  latestMs: number;
  submitMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function once(root: string): Promise<Run> {
  const ports = { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-bench-start-'));
  const inherited = Object.entries(process.env).filter(
    (e): e is [string, string] => e[1] !== undefined && !NOT_DEFAULTS.test(e[0]),
  );
  const env = {
    ...Object.fromEntries(inherited),
    FUNCTIONS_HTTP_PORT: `${ports.http}`,
    AZURITE_TABLE_PORT: `${ports.azurite}`,
    ARM_SIMULATOR_PORT: `${ports.arm}`,
    LOCAL_DATA_DIR: dataDir,
  };
  const began = performance.now();
  const child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
      if (
        await fetch(`http://127.0.0.1:${ports.http}/api/health`).then(
          (r) => r.status === 200,
          () => false,
        )
      )
        break;
      if (performance.now() - began > 300_000) throw new Error(`npm start did not answer: ${output}`);
      await sleep(50);
    }
    const startMs = performance.now() - began;
    const consoleLine = output.search(/^Console: /m);
    const lines =
      consoleLine < 0
        ? output.split('\n').length
        : output.slice(0, output.indexOf('\n', consoleLine)).split('\n').length;
    const timed = async (command: string): Promise<number> => {
      const t = performance.now();
      await promisify(execFile)('sh', ['-c', command], { cwd: root, env });
      return performance.now() - t;
    };
    const latestMs = await timed(`npm run cli -- latest ${DEMO_IMAGES.ubuntu} --region westeurope`);
    const submitMs = await timed('npm run cli -- submit examples/stateless-latest.json --wait');
    return { startMs, lines, latestMs, submitMs };
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
    await exited;
    for (let i = 0; i < 100 && (await isListening(ports.azurite)); i++) await sleep(100);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A copy of the checkout as a fresh clone has it after `npm install`, less the build. */
function freshClone(root: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-bench-clone-'));
  for (const name of fs.readdirSync(root)) {
    if (NOT_CLONED.has(name)) continue;
    fs.cpSync(path.join(root, name), path.join(dir, name), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = seconds(sorted[Math.floor(sorted.length / 2)] as number);
  return sorted.length === 1
    ? `${median} s`
    : `median ${median} s, range ${seconds(sorted[0] as number)}–${seconds(sorted[sorted.length - 1] as number)} s`;
}
const verdict = (values: number[], goal: number): string =>
  Math.max(...values) <= goal ? `goal ≤ ${seconds(goal)} s: met` : `goal ≤ ${seconds(goal)} s: NOT met`;

export async function benchStartUp(): Promise<void> {
  const root = projectRoot();
  const warm: Run[] = [];
  for (let i = 0; i < WARM_RUNS; i++) warm.push(await once(root));
  const cold: Run[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const clone = freshClone(root);
    try {
      cold.push(await once(clone));
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  }
  const all = [...warm, ...cold];
  const starts = (runs: Run[]): number[] => runs.map((r) => r.startMs);
  console.log(`start-up, from the command to the first 200 of /api/health, on free ports:`);
  console.log(
    `  warm: npm start after an unchanged build (${WARM_RUNS} runs): ${summary(starts(warm))} (${verdict(starts(warm), GOALS.warm)})`,
  );
  console.log(
    `  cold: npm start on a fresh clone, no dist/ (${COLD_RUNS} run${COLD_RUNS > 1 ? 's' : ''}): ${summary(starts(cold))} (every start took 46 s before builds were incremental; a cold one stays so)`,
  );
  console.log(`  output: ${warm[0]?.lines} lines printed up to the console address (goal ≤ 30)`);
  const latest = all.map((r) => r.latestMs);
  const submit = all.map((r) => r.submitMs);
  console.log(`first CLI calls against it (${all.length} runs, the first after each start):`);
  console.log(
    `  npm run cli -- latest <image> --region westeurope: ${summary(latest)} (${verdict(latest, GOALS.cli)})`,
  );
  console.log(
    `  npm run cli -- submit examples/stateless-latest.json --wait: ${summary(submit)} (the job validated and recorded included)\n`,
  );
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../shared/devhost/ports.js';

/** Settings a developer's shell may carry that would take `npm start` off its embedded defaults. */
const NOT_DEFAULTS = /^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|LOCAL_PRINCIPAL)/;

export interface LocalStart {
  child: ChildProcess;
  ports: { http: number; azurite: number; arm: number };
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Waits until a printed line matches `pattern` (or the process exits, or the time is up). */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpExecArray | undefined>;
  /** Ctrl-C, then removes the data folder. */
  stop(): Promise<void>;
}

/** The built start script (`npm start` after its build) on free ports with a fresh data folder. */
export async function startLocalRuntime(root: string): Promise<LocalStart> {
  const script = path.join(root, 'dist/shared/devhost/start.js');
  if (!fs.existsSync(script)) throw new Error('run `npm run build` first (npm test does)');
  const ports = { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-local-start-'));
  const inherited = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !NOT_DEFAULTS.test(e[0])));
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...inherited, FUNCTIONS_HTTP_PORT: `${ports.http}`, AZURITE_TABLE_PORT: `${ports.azurite}`, ARM_SIMULATOR_PORT: `${ports.arm}`, LOCAL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => (printed += d.toString()));
  return {
    child,
    ports,
    output: () => printed,
    async waitFor(pattern, ms) {
      const until = Date.now() + ms;
      for (;;) {
        const m = pattern.exec(printed);
        if (m || child.exitCode !== null || Date.now() > until) return m ?? undefined;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The built app served by the local runtime in a child process, as `npm start` runs it
 * (dist/dev/start.js, embedded defaults, Azurite and the ARM simulator), on free ports
 * with a fresh data folder, or `npm start` itself (`{ npm: true }`: its own process group, stopped
 * like a terminal's Ctrl-C). Every invocation is logged (LOCAL_LOG_LEVEL=debug) unless the caller
 * says otherwise, as the tests read the functions' log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../dev/ports.js';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

/** Settings a developer's shell may carry that would take `npm start` off its embedded defaults. */
const NOT_DEFAULTS = /^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|AUTH_|LOCAL_PRINCIPAL)/;

export interface LocalStart {
  child: ChildProcess;
  ports: { http: number; azurite: number; arm: number };
  /** http://127.0.0.1:<port> of the app. */
  url: string;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Waits until a printed line matches `pattern` (or the process exits, or the time is up). */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpExecArray | undefined>;
  /** Ctrl-C, then removes the data folder; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Where a start runs: given to start again on the same ports and data (after a crash), fresh otherwise. */
export interface LocalPlace {
  ports: { http: number; azurite: number; arm: number };
  dataDir: string;
}

/** Starts the built start script (or `npm start`); does not wait for it to serve. */
export async function startLocalRuntime(
  root: string = projectRoot,
  env: Record<string, string> = {},
  place?: LocalPlace,
  how: { npm?: boolean } = {},
): Promise<LocalStart & { place: LocalPlace }> {
  const script = path.join(root, 'dist/dev/start.js');
  if (!how.npm && !fs.existsSync(script)) throw new Error('run `npm run build` first (npm test does)');
  const ports = place?.ports ?? { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  const dataDir = place?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gc-local-start-'));
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !NOT_DEFAULTS.test(e[0])),
  );
  const child = spawn(how.npm ? 'npm' : process.execPath, how.npm ? ['start'] : [script], {
    cwd: root,
    env: {
      ...inherited,
      LOCAL_LOG_LEVEL: 'debug',
      FUNCTIONS_HTTP_PORT: `${ports.http}`,
      AZURITE_TABLE_PORT: `${ports.azurite}`,
      ARM_SIMULATOR_PORT: `${ports.arm}`,
      LOCAL_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // npm start: its own process group, so a Ctrl-C (SIGINT to the group) reaches npm, sh and node as in a terminal
    detached: how.npm === true,
  });
  let printed = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => (printed += d.toString()));
  return {
    child,
    ports,
    place: { ports, dataDir },
    url: `http://127.0.0.1:${ports.http}`,
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
      const exited =
        child.exitCode !== null
          ? Promise.resolve(child.exitCode)
          : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      if (how.npm && child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
      else child.kill('SIGINT');
      const code = await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Starts the built start script (or `npm start`) and waits until /api/health answers 200. */
export async function startLocal(
  env: Record<string, string> = {},
  place?: LocalPlace,
  how: { npm?: boolean } = {},
): Promise<LocalStart & { place: LocalPlace }> {
  const local = await startLocalRuntime(projectRoot, env, place, how);
  const began = Date.now();
  for (;;) {
    if (local.child.exitCode !== null) throw new Error(`the local runtime exited: ${local.output()}`);
    if (
      await fetch(`${local.url}/api/health`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      return local;
    if (Date.now() - began > 60_000) throw new Error(`the local runtime did not start: ${local.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

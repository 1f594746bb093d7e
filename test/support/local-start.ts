/**
 * The built app served by the local runtime in a child process, as `npm start` runs it
 * (dist/shared/devhost/start.js, embedded defaults, Azurite and the ARM simulator), on free ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../shared/devhost/ports.js';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

export interface LocalStart {
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

export async function startLocal(env: Record<string, string> = {}): Promise<LocalStart> {
  const script = path.join(projectRoot, 'dist/shared/devhost/start.js');
  if (!fs.existsSync(script)) throw new Error('run `npm run build` first (npm test does)');
  const ports = { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-local-'));
  const inherited: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|AUTH_|LOCAL_PRINCIPAL)/.test(k)) inherited[k] = v;
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: projectRoot,
    env: { ...inherited, FUNCTIONS_HTTP_PORT: String(ports.http), AZURITE_TABLE_PORT: String(ports.azurite), ARM_SIMULATOR_PORT: String(ports.arm), LOCAL_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${ports.http}`;
  const began = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the local runtime exited: ${output}`);
    const ok = await fetch(`${url}/api/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() - began > 30_000) throw new Error(`the local runtime did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      const exited = child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      const code = await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

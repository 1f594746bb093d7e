import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';
import { freePort, isListening, PortInUseError } from './ports.js';

/** The well-known Azurite development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Port to listen on; a free one is picked when absent. */
  port?: number;
  /** Folder for on-disk persistence; in-memory when absent. */
  location?: string;
  /** Milliseconds to wait for Azurite to answer. */
  startTimeoutMs?: number;
  /** Milliseconds to wait for Azurite to save and exit on stop before it is killed (default 10 s). */
  stopTimeoutMs?: number;
}

export interface RunningAzurite {
  port: number;
  /** The Azurite process (benchmarks read its CPU time). */
  pid: number | undefined;
  tableEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export function tableConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
}

function azuriteTableMain(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('azurite/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> };
  const rel = pkg.bin['azurite-table'];
  if (!rel) throw new Error('the installed azurite package has no azurite-table entry point');
  return path.join(path.dirname(pkgPath), rel);
}

/** The file in a data folder that names the Azurite serving it (its pid), so a later start recognises a leftover. */
const PID_FILE = 'azurite.pid';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * An Azurite of the same data folder left running by an earlier run that did not stop it (its
 * terminal was closed, its parent was killed): stopped as a normal stop would (SIGINT: it saves its
 * database first), so a new start can take the port and the data. Recognised by the pid file the
 * earlier run wrote and, where /proc exists, the process's command line naming azurite-table and
 * the folder. Returns the pid it stopped, if any.
 */
export async function stopLeftoverAzurite(location: string, timeoutMs = 10_000): Promise<number | undefined> {
  const file = path.join(location, PID_FILE);
  let pid: number;
  try {
    pid = Number((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown }).pid);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    fs.rmSync(file, { force: true });
    return undefined;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('azurite') || !cmdline.includes(location)) {
      fs.rmSync(file, { force: true });
      return undefined; // the pid was reused by something else
    }
  } catch {
    // no /proc (not Linux): the pid file is the evidence
  }
  process.kill(pid, 'SIGINT');
  const until = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  fs.rmSync(file, { force: true });
  return pid;
}

/** Starts Azurite's Table service as a child process and waits until it answers. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const port = options.port ?? (await freePort());
  if (options.port !== undefined && (await isListening(port))) {
    throw new PortInUseError(port, 'Azurite (Table service)', 'AZURITE_TABLE_PORT');
  }
  const args = [
    azuriteTableMain(),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(port),
    '--silent',
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
  ];
  if (options.location) {
    fs.mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  } else {
    args.push('--inMemoryPersistence');
  }
  // Its own process group: a Ctrl-C in the terminal reaches only this process, which then stops
  // Azurite once (a second SIGINT would end it before it has saved).
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let ready = false;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await isListening(port)) {
      ready = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`Azurite did not start on port ${port}: ${output.trim() || 'no output'}`);
  }
  // Azurite writes its on-disk database on SIGINT (and otherwise only every few seconds): stop it
  // with SIGINT and wait, bounded, for it to exit, so that what it acknowledged survives a restart.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs ?? 10_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  registerChild(child);
  if (options.location && child.pid !== undefined) {
    const pidFile = path.join(options.location, PID_FILE);
    fs.writeFileSync(pidFile, JSON.stringify({ pid: child.pid, port }));
    void exited.then(() => fs.rmSync(pidFile, { force: true }));
  }
  return {
    port,
    pid: child.pid,
    tableEndpoint: `http://127.0.0.1:${port}/${DEV_ACCOUNT}`,
    connectionString: tableConnectionString(port),
    stop,
  };
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function registerChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort: never leave an orphan Azurite behind when this process exits.
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
}

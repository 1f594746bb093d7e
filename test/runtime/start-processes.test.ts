import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, isListening } from '../../dev/ports.js';

// `npm start` as a terminal runs it (its own process group), and what a terminal does to it: closed
// (SIGHUP to the group), or the app killed outright (SIGKILL) and started again; and a port that
// something else holds.
const root = path.resolve(import.meta.dirname, '../..');
const NOT_DEFAULTS =
  /^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|VM_SIZES|LOCAL_|FUNCTIONS_HTTP_PORT|AZURITE_|GROUP_JOBS|DomainEvents|OUTBOX|AUTH_)/;
const dirs: string[] = [];
const groups: number[] = [];
afterAll(() => {
  for (const pid of groups) if (alive(-pid)) process.kill(-pid, 'SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Ports {
  http: number;
  azurite: number;
  arm: number;
}

interface NpmStart {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function places(): Promise<{ ports: Ports; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-processes-'));
  dirs.push(dataDir);
  return { ports: { http: await freePort(), azurite: await freePort(), arm: await freePort() }, dataDir };
}

function npmStart(ports: Ports, dataDir: string): NpmStart {
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !NOT_DEFAULTS.test(e[0])),
  );
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: {
      ...env,
      FUNCTIONS_HTTP_PORT: `${ports.http}`,
      AZURITE_TABLE_PORT: `${ports.azurite}`,
      ARM_SIMULATOR_PORT: `${ports.arm}`,
      LOCAL_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  groups.push(child.pid as number);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(predicate: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const healthy = (port: number): Promise<boolean> =>
  fetch(`http://127.0.0.1:${port}/api/health`).then(
    (r) => r.status === 200,
    () => false,
  );

/** The Azurite a start left in the data folder (the pid file it keeps there). */
function azuritePid(dataDir: string): number {
  return (JSON.parse(fs.readFileSync(path.join(dataDir, 'azurite', 'azurite.pid'), 'utf8')) as { pid: number }).pid;
}

async function openPorts(ports: Ports): Promise<number[]> {
  const open: number[] = [];
  for (const p of Object.values(ports)) if (await isListening(p)) open.push(p);
  return open;
}

describe('npm start and its terminal', () => {
  it('closing the terminal (SIGHUP to the process group) stops the app and Azurite and frees every port', async () => {
    const { ports, dataDir } = await places();
    const app = npmStart(ports, dataDir);
    expect(await waitFor(() => healthy(ports.http), 150_000), app.output()).toBe(true);
    const azurite = azuritePid(dataDir);
    expect(alive(azurite)).toBe(true);
    process.kill(-(app.child.pid as number), 'SIGHUP');
    expect(await waitFor(() => !alive(-(app.child.pid as number)) && !alive(azurite), 20_000), app.output()).toBe(true);
    expect(await openPorts(ports)).toEqual([]);
    expect(app.output()).toContain('Stopping...');
  }, 180_000);

  it('a second npm start after the first was killed (SIGKILL, its Azurite left running) starts, stopping the leftover', async () => {
    const { ports, dataDir } = await places();
    const first = npmStart(ports, dataDir);
    expect(await waitFor(() => healthy(ports.http), 150_000), first.output()).toBe(true);
    const leftover = azuritePid(dataDir);
    process.kill(-(first.child.pid as number), 'SIGKILL');
    await first.exited;
    expect(alive(leftover)).toBe(true); // Azurite runs in a process group of its own: the kill did not reach it
    expect(await isListening(ports.azurite)).toBe(true);

    const second = npmStart(ports, dataDir);
    expect(await waitFor(() => healthy(ports.http), 150_000), second.output()).toBe(true);
    expect(second.output()).toContain(
      `Azurite: stopped the one an earlier run left running on this data folder (pid ${leftover})`,
    );
    expect(alive(leftover)).toBe(false);
    process.kill(-(second.child.pid as number), 'SIGINT');
    await second.exited;
    expect(await waitFor(async () => (await openPorts(ports)).length === 0, 20_000)).toBe(true);
  }, 240_000);

  for (const [which, variable] of [
    ['http', 'FUNCTIONS_HTTP_PORT'],
    ['azurite', 'AZURITE_TABLE_PORT'],
    ['arm', 'ARM_SIMULATOR_PORT'],
  ] as const) {
    it(`a port held by something else (${variable}): one line naming ${variable}, exit code not 0, no stack trace, nothing left running`, async () => {
      const { ports, dataDir } = await places();
      const holder = http.createServer((_req, res) => res.end('someone else'));
      await new Promise<void>((resolve) => holder.listen(ports[which], '127.0.0.1', resolve));
      try {
        const app = npmStart(ports, dataDir);
        const code = await app.exited;
        expect(code, app.output()).not.toBe(0);
        const errors = app
          .output()
          .split('\n')
          .filter((l) => /in use|Error|^\s+at /.test(l));
        expect(errors, app.output()).toEqual([
          `Port ${ports[which]} for ${{ http: 'the Functions HTTP server', azurite: 'Azurite (Table service)', arm: 'the local ARM simulator' }[which]} is already in use. Stop whatever holds it, or choose another port with ${variable}.`,
        ]);
        expect(
          await waitFor(async () => (await openPorts(ports)).filter((p) => p !== ports[which]).length === 0, 20_000),
        ).toBe(true);
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    }, 120_000);
  }
});

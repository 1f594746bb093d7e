import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, isListening } from '../../dev/ports.js';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { seedDemoOrganization, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';

// The README's front door, as a newcomer runs it: `npm start` itself (npm, not node) with embedded
// defaults on an empty data folder, then every command the README's "Running locally" section
// shows, read from README.md and run literally through sh (only the port 7071 is substituted),
// then Ctrl-C (SIGINT to the process group, as a terminal sends it).
const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** A README command and the output comment under it (`# ...`), if any. */
interface ReadmeCommand {
  command: string;
  expected: string[];
}

/** Every shell command in the sh blocks and inline code of a README section, in order. */
export function readmeCommands(section: string): ReadmeCommand[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${section}\n`);
  if (start < 0) throw new Error(`README section ${section} not found`);
  const next = readme.slice(start + section.length + 2).search(/\n## /);
  const text = next < 0 ? readme.slice(start) : readme.slice(start, start + section.length + 2 + next);
  const out: ReadmeCommand[] = [];
  const pieces = text.split(/```sh\n([\s\S]*?)```/);
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) {
      for (const m of piece.matchAll(/`((?:curl|npm|npx) [^`]+)`/g)) out.push({ command: m[1] as string, expected: [] });
      return;
    }
    let current = '';
    for (const line of piece.split('\n')) {
      if (current === '' && line.trim() === '') continue;
      if (current === '' && line.startsWith('#')) {
        out[out.length - 1]?.expected.push(line.replace(/^#\s?/, ''));
        continue;
      }
      current += (current ? '\n' : '') + line;
      const quotes = (current.match(/'/g) ?? []).length;
      if (!line.endsWith('\\') && quotes % 2 === 0) {
        // an inline comment after a complete command is its description
        const [command, comment] = current.split(/\s+#\s+(?=[^']*$)/);
        out.push({ command: (command as string).trim(), expected: comment ? [comment] : [] });
        current = '';
      }
    }
  });
  return out;
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|VM_SIZES|LOCAL_|FUNCTIONS_HTTP_PORT|AZURITE_|GROUP_JOBS|DomainEvents|OUTBOX)/.test(k)) env[k] = v;
  }
  return env;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  ports: { http: number; azurite: number; arm: number };
  dataDir: string;
}

async function launch(command: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Started> {
  const ports = { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-start-'));
  let output = '';
  const child = spawn(command, args, {
    cwd: root,
    env: { ...cleanEnv(), FUNCTIONS_HTTP_PORT: String(ports.http), AZURITE_TABLE_PORT: String(ports.azurite), ARM_SIMULATOR_PORT: String(ports.arm), LOCAL_DATA_DIR: dataDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so SIGINT reaches every process like Ctrl-C in a terminal
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, ports, dataDir };
}

async function waitFor(predicate: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/api/health`)).status === 200;
  } catch {
    return false;
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ctrl-C: SIGINT to the whole process group; resolves when no process of the group and no port is left. */
async function interrupt(s: Started): Promise<{ portsOpen: number[]; alive: boolean }> {
  const pid = s.child.pid as number;
  process.kill(-pid, 'SIGINT');
  await waitFor(() => !groupAlive(pid), 20_000);
  const portsOpen: number[] = [];
  for (const p of Object.values(s.ports)) if (await isListening(p)) portsOpen.push(p);
  return { portsOpen, alive: groupAlive(pid) };
}

function kill(s: Started | undefined): void {
  if (!s) return;
  const pid = s.child.pid as number;
  if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

/** Runs a README command through sh with the README's port replaced by the test's. */
async function sh(command: string, port: number): Promise<string> {
  const { stdout } = await run('sh', ['-c', command.replaceAll('localhost:7071', `localhost:${port}`)], { cwd: root, timeout: 30_000 });
  return stdout;
}

describe('npm start (the README front door)', () => {
  const commands = readmeCommands('## Running locally');
  const find = (needle: string): ReadmeCommand => {
    const c = commands.find((x) => x.command.includes(needle));
    if (!c) throw new Error(`README no longer shows a command with ${needle}`);
    return c;
  };
  let app: Started | undefined;
  let healthyAfterMs = Infinity;

  beforeAll(async () => {
    const began = Date.now();
    app = await launch('npm', ['start']);
    if (await waitFor(() => healthy(app!.ports.http), 150_000)) healthyAfterMs = Date.now() - began;
  }, 180_000);
  afterAll(() => kill(app));

  it('every command the README shows in "Running locally" is run by this file', () => {
    const exercised = ['npm start', '"id": "readme-1"', '/admin/functions/reconcileCatalog', '/api/manage/reconcile', 'versions/latest?region=westeurope', 'SubscriptionValidation', '/runtime/events'];
    for (const c of commands) expect(exercised.filter((needle) => c.command === needle || (needle !== 'npm start' && c.command.includes(needle))), c.command).toHaveLength(1);
    expect(commands.map((c) => c.command)).toContain('npm start');
    expect(new Set(commands.map((c) => c.command)).size).toBe(exercised.length);
  });

  it('serves /api/health offline with embedded defaults, on the ports from the environment', () => {
    const out = app!.output();
    expect(healthyAfterMs, out).toBeLessThan(150_000);
    expect(out).toContain('Settings: embedded defaults');
    expect(out).toMatch(new RegExp(`ARM: simulated at http://127\\.0\\.0\\.1:${app!.ports.arm} with a demo organization`));
    expect(out).toMatch(/^Spot API: simulated at http:\/\/127\.0\.0\.1:\d+ /m);
    expect(out).toContain(`galleryEvents: eventGridTrigger http://localhost:${app!.ports.http}/runtime/webhooks/eventgrid?functionName=galleryEvents`);
  });

  it("prints the console's URL, and the console's page is served there", async () => {
    const url = new RegExp(`^Console: (http://localhost:${app!.ports.http}/api/console/)$`, 'm').exec(app!.output())?.[1];
    expect(url, app!.output()).toBeDefined();
    const res = await fetch(url!.replace('localhost', '127.0.0.1'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('first run: the catalog is filled at start-up, so the README lookup answers at once', async () => {
    // the timer queued the units; the unit that finished the run logged its summary, and start-up waited for it
    expect(app!.output()).toMatch(/reconcileUnit: reconcile: 3 subscriptions, 5 galleries .* 7 definitions .* 13 versions.*: succeeded/);
    expect(app!.output()).toMatch(/Catalog: reconcile: 3 subscriptions, 5 galleries .*: succeeded/);
    const body = JSON.parse(await sh(find('versions/latest?region=westeurope').command, app!.ports.http)) as { version?: string };
    expect(body.version, app!.output()).toBe('1.10.0');
  });

  it("the README's sample event: 202, and the log line it shows", async () => {
    const c = find('"id": "readme-1"');
    expect(c.expected.join('\n')).toContain('HTTP/1.1 202 Accepted');
    const out = await sh(c.command, app!.ports.http);
    expect(out).toMatch(/^HTTP\/1\.1 202 Accepted/);
    expect(await waitFor(() => /galleryEvents: event readme-1 .*: indexed .*\/versions\/1\.9\.0/.test(app!.output()), 5_000), app!.output()).toBe(true);
  });

  it("the README's reconcile command runs the reconcile", async () => {
    const before = (app!.output().match(/reconcileUnit: reconcile:/g) ?? []).length;
    await sh(find('/admin/functions/reconcileCatalog').command, app!.ports.http);
    expect(await waitFor(() => /reconcileCatalog: reconcile run [0-9a-f-]{36}: 5 gallery units queued for 3 subscriptions/.test(app!.output()), 10_000), app!.output()).toBe(true);
    expect(await waitFor(() => (app!.output().match(/reconcileUnit: reconcile:/g) ?? []).length > before, 10_000)).toBe(true);
  });

  it("the README's progress command shows the reconcile until it has succeeded", async () => {
    const c = find('/api/manage/reconcile');
    let progress: { status?: string; startedAt?: string; counts?: { versions?: number } } = {};
    expect(await waitFor(async () => (progress = JSON.parse(await sh(c.command, app!.ports.http)) as typeof progress).status === 'succeeded', 10_000), JSON.stringify(progress)).toBe(true);
    expect(progress.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(progress.counts?.versions).toBe(13);
  });

  it("the README's latest lookup answers as the README shows", async () => {
    const c = find('versions/latest?region=westeurope');
    const body = JSON.parse(await sh(c.command, app!.ports.http)) as { region: string; version: string; id: string; passedOver: { version: string; reasons: { code: string }[] }[] };
    expect(c.expected.join('')).toContain('"version":"1.10.0"');
    expect(body).toMatchObject({ region: 'westeurope', version: '1.10.0' });
    expect(body.id).toMatch(/\/versions\/1\.10\.0$/);
    expect(body.passedOver[0]).toMatchObject({ version: '2.0.0', reasons: [{ code: 'excluded-global' }] });
  });

  it("the README's validation handshake answers as the README shows", async () => {
    const c = find('SubscriptionValidation');
    expect((await sh(c.command, app!.ports.http)).trim()).toBe(c.expected.join('').trim());
  });

  it('hosts the domain-event topic: the start-up reconcile\'s catalog changes appear on GET /runtime/events and in the log', async () => {
    expect(app!.output()).toContain(`Domain events: local topic http://localhost:${app!.ports.http}/runtime/eventgrid/topics/domain-events/api/events`);
    let events: { type: string; subject: string }[] = [];
    await waitFor(async () => {
      events = (JSON.parse(await sh(find('/runtime/events').command, app!.ports.http)) as { events: { type: string; subject: string }[] }).events;
      return events.some((e) => e.type === 'GalleryCatalog.LatestVersionChanged');
    }, 5_000);
    expect(events.some((e) => e.type === 'GalleryCatalog.LatestVersionChanged' && e.subject.endsWith('/images/ubuntu-2204-base')), app!.output()).toBe(true);
    expect(app!.output()).toMatch(/topic domain-events: GalleryCatalog\.LatestVersionChanged \/subscriptions\//);
  });

  it('stops everything on Ctrl-C: no process and no port left', async () => {
    const { portsOpen, alive } = await interrupt(app!);
    expect(app!.output()).toContain('Stopping...');
    expect(alive).toBe(false);
    expect(portsOpen).toEqual([]);
  });
});

describe('start-up with real-ARM settings', () => {
  const script = path.join(root, 'dist/dev/start.js');
  let sim: ArmSimulator;
  let app: Started | undefined;

  beforeAll(async () => {
    sim = new ArmSimulator();
    seedDemoOrganization(sim);
    await sim.start();
  });
  afterAll(async () => {
    kill(app);
    await sim.stop();
  });

  it('an http ARM_ENDPOINT without the local credential stops at start-up, naming ARM_CREDENTIAL and the fix', async () => {
    const bad = await launch(process.execPath, [script], { ARM_ENDPOINT: sim.endpoint });
    const code = await new Promise<number | null>((resolve) => bad.child.once('exit', resolve));
    kill(bad);
    expect(code).toBe(1);
    expect(bad.output()).toMatch(/ARM_CREDENTIAL.*Set ARM_CREDENTIAL=local/);
  }, 60_000);

  it('with no organization stored, prints the exact request creating the first one; running it makes the lookups answer', async () => {
    app = await launch(process.execPath, [script], { ARM_ENDPOINT: sim.endpoint, ARM_CREDENTIAL: 'local', ARM_SUBSCRIPTION_IDS: DEMO_SUBSCRIPTIONS.publisher });
    expect(await waitFor(() => healthy(app!.ports.http), 60_000), app.output()).toBe(true);
    const base = `http://127.0.0.1:${app.ports.http}/api/subscriptions/${DEMO_SUBSCRIPTIONS.publisher}/resourceGroups`;
    expect((await fetch(base)).status).toBe(403);
    expect(app.output()).toContain('Organizations: none stored');
    const printed = /^\s*(curl -X PUT .*)$/m.exec(app.output())?.[1];
    expect(printed).toContain(`http://localhost:${app.ports.http}/api/manage/organizations/`);
    await run('sh', ['-c', printed as string]);
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('rg-images');
    expect((await interrupt(app)).portsOpen).toEqual([]);
  }, 90_000);
});

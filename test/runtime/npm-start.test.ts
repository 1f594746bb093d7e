import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, isListening } from '../../dev/ports.js';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { seedDemoOrganization, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { docCommands, docSection, type DocCommand } from '../support/doc-commands.js';

// The front door, as a newcomer runs it: `npm start` itself (npm, not node) with embedded defaults
// on an empty data folder, its output, then every command the README's "Try it in five minutes"
// shows, read from README.md and run literally through sh (only the port 7071 is substituted; the
// CLI finds the port in FUNCTIONS_HTTP_PORT, as it would in the terminal npm start runs in), then
// Ctrl-C (SIGINT to the process group, as a terminal sends it). Then docs/local.md's
// `LOCAL_LOG_LEVEL=debug npm start` and every command of its "Running locally" and "Changing the
// simulated ARM" sections and of docs/operations.md, and a restart that keeps the simulator's edits.
const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      v !== undefined &&
      !/^(CatalogStorage|CATALOG_TABLE_PREFIX|ARM_|ServiceBus|RECHECK|RECONCILE|VM_SIZES|LOCAL_|FUNCTIONS_HTTP_PORT|AZURITE_|GROUP_JOBS|DomainEvents|OUTBOX)/.test(
        k,
      )
    )
      env[k] = v;
  }
  return env;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  ports: { http: number; azurite: number; arm: number };
  dataDir: string;
}

async function launch(
  command: string,
  args: string[],
  extraEnv: Record<string, string> = {},
  place?: { ports: Started['ports']; dataDir: string },
): Promise<Started> {
  const ports = place?.ports ?? { http: await freePort(), azurite: await freePort(), arm: await freePort() };
  const dataDir = place?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gc-start-'));
  let output = '';
  const child = spawn(command, args, {
    cwd: root,
    env: {
      ...cleanEnv(),
      FUNCTIONS_HTTP_PORT: String(ports.http),
      AZURITE_TABLE_PORT: String(ports.azurite),
      ARM_SIMULATOR_PORT: String(ports.arm),
      LOCAL_DATA_DIR: dataDir,
      ...extraEnv,
    },
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

function kill(s: Started | undefined, keepData = false): void {
  if (!s) return;
  const pid = s.child.pid as number;
  if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  if (!keepData) fs.rmSync(s.dataDir, { recursive: true, force: true });
}

/** Runs a documented command through sh with the documents' ports replaced by the test's. */
async function sh(command: string, ports: Started['ports'], cwd = root): Promise<string> {
  const { stdout } = await run(
    'sh',
    [
      '-c',
      command
        .replaceAll('localhost:7071', `localhost:${ports.http}`)
        .replaceAll('127.0.0.1:7072', `127.0.0.1:${ports.arm}`),
    ],
    {
      cwd,
      timeout: 60_000,
      env: { ...process.env, FUNCTIONS_HTTP_PORT: String(ports.http) },
    },
  );
  return stdout;
}

/** The lines printed until the console's address (the start-up output), npm's own included. */
function startupLines(output: string): string[] {
  const end = output.indexOf('\n', output.search(/^Console: /m));
  return output.slice(0, end).replace(/\n+$/, '').split('\n');
}

function finder(commands: DocCommand[], where: string): (needle: string) => DocCommand {
  return (needle) => {
    const c = commands.find((x) => x.command.includes(needle));
    if (!c) throw new Error(`${where} no longer shows a command with ${needle}`);
    return c;
  };
}

describe('npm start (the README front door)', () => {
  const head = docCommands('README.md', '');
  const commands = docCommands('README.md', '## Try it in five minutes');
  const find = finder(commands, 'README.md "Try it in five minutes"');
  let app: Started | undefined;
  let healthyAfterMs = Infinity;

  beforeAll(async () => {
    const began = Date.now();
    app = await launch('npm', ['start']);
    if (await waitFor(() => healthy(app!.ports.http), 150_000)) healthyAfterMs = Date.now() - began;
  }, 180_000);
  afterAll(() => kill(app));

  it('the README opens with the two commands: npm install && npm start (this file), npm test (.ci/run)', () => {
    expect(head.map((c) => c.command).slice(0, 2)).toEqual(['npm install && npm start', 'npm test']);
    for (const c of head.slice(2)) expect(c.command, 'the rest of the head only names npm start').toBe('npm start');
    expect(fs.readFileSync(path.join(root, '.ci/run'), 'utf8')).toMatch(/^npm ci .*\n(?:.*\n)*?CI=true npm test$/m);
  });

  it('every command of "Try it in five minutes" is run by this file', () => {
    const exercised = [
      'npm start',
      'versions/latest?region=westeurope',
      '/api/images?osType=Linux',
      'npm run cli -- submit examples/stateless-latest.json --wait',
      'npm run cli -- help',
      '/api/groups/act-5c6d7e8f',
    ];
    for (const c of commands)
      expect(
        exercised.filter((needle) => c.command === needle || (needle !== 'npm start' && c.command.includes(needle))),
        c.command,
      ).toHaveLength(1);
    expect(new Set(commands.map((c) => c.command)).size).toBe(exercised.length);
  });

  it('serves /api/health offline with embedded defaults, on the ports from the environment', () => {
    const out = app!.output();
    expect(healthyAfterMs, out).toBeLessThan(150_000);
    expect(out).toContain('Settings: embedded defaults');
    expect(out).toMatch(
      new RegExp(`ARM: simulated at http://127\\.0\\.0\\.1:${app!.ports.arm} with a demo organization`),
    );
    expect(out).toContain(`Azurite Table service: http://127.0.0.1:${app!.ports.azurite}/`);
    expect(out).toMatch(/^Spot API: simulated at http:\/\/127\.0\.0\.1:\d+ /m);
    expect(out).toContain(
      `POST http://localhost:${app!.ports.http}/runtime/webhooks/eventgrid?functionName=galleryEvents`,
    );
  });

  it('prints at most 30 lines until the console address: ports, the demo identities and a first thing to try; no invocation lines', () => {
    const lines = startupLines(app!.output());
    expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(30);
    const text = lines.join('\n');
    for (const id of [
      'contoso',
      'fabrikam',
      'act-1a2b3c4d',
      'act-5c6d7e8f',
      'act-9e8d7c6b',
      '72f988bf-86f1-41af-91ab-2d7cd011db47/11111111-2222-4333-8444-555555555555',
      'Catalog.Read, Jobs.Submit, Catalog.Admin',
    ])
      expect(text, id).toContain(id);
    expect(text).toMatch(
      /^You \(LOCAL_PRINCIPAL\): .* acting for 5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f \(Spot account act-5c6d7e8f\)$/m,
    );
    expect(text).toContain(
      `curl -s 'http://localhost:${app!.ports.http}/api/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/versions/latest?region=westeurope'`,
    );
    expect(text).not.toMatch(/Executing 'Functions\.|Executed 'Functions\.|topic domain-events:/);
    // The README names the same demo identities and image.
    const readme = docSection('README.md', '## Try it in five minutes');
    for (const id of [
      'act-5c6d7e8f',
      '72f988bf-86f1-41af-91ab-2d7cd011db47/11111111-2222-4333-8444-555555555555',
      'ubuntu-2204-base',
      'westeurope',
    ])
      expect(readme, id).toContain(id);
  });

  it("prints the console's URL, and the console's page is served there", async () => {
    const url = new RegExp(`^Console: (http://localhost:${app!.ports.http}/api/console/)$`, 'm').exec(
      app!.output(),
    )?.[1];
    expect(url, app!.output()).toBeDefined();
    const res = await fetch(url!.replace('localhost', '127.0.0.1'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('first run: the catalog is filled at start-up, so the README lookup answers at once, as the README shows', async () => {
    expect(app!.output()).toMatch(
      /Catalog: reconcile: 3 subscriptions, 5 galleries .* 7 definitions .* 13 versions.*: succeeded/,
    );
    const c = find('versions/latest?region=westeurope');
    const body = JSON.parse(await sh(c.command, app!.ports)) as {
      region: string;
      version: string;
      id: string;
      passedOver: { version: string; reasons: { code: string }[] }[];
    };
    expect(c.expected.join('')).toContain('"version":"1.10.0"');
    expect(body).toMatchObject({ region: 'westeurope', version: '1.10.0' });
    expect(body.id).toMatch(/\/versions\/1\.10\.0$/);
    expect(body.passedOver[0]).toMatchObject({ version: '2.0.0', reasons: [{ code: 'excluded-global' }] });
  });

  it("the README's search finds the image to pick", async () => {
    const body = JSON.parse(await sh(find('/api/images?osType=Linux').command, app!.ports)) as {
      items: { id: string }[];
    };
    expect(body.items.map((i) => i.id)).toContain(
      '/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base',
    );
  });

  it("the README's CLI command submits the example job and follows it to success; the account's groups then hold it", async () => {
    const c = find('npm run cli -- submit');
    const out = await sh(c.command, app!.ports);
    expect(out).toContain((c.expected[0] as string).replace('localhost:7071', `localhost:${app!.ports.http}`));
    expect(out).toMatch(/^status\s+succeeded$/m);
    const groups = JSON.parse(await sh(find('/api/groups/act-5c6d7e8f').command, app!.ports)) as {
      items: { name: string }[];
    };
    expect(groups.items.map((g) => g.name)).toContain('web-weu');
    expect(await sh(find('npm run cli -- help').command, app!.ports)).toMatch(/^ {2}submit <file\|->/m);
  });

  it('stops everything on Ctrl-C: no process and no port left', async () => {
    const { portsOpen, alive } = await interrupt(app!);
    expect(app!.output()).toContain('Stopping...');
    expect(alive).toBe(false);
    expect(portsOpen).toEqual([]);
  });
});

describe('LOCAL_LOG_LEVEL=debug npm start (docs/local.md, docs/operations.md)', () => {
  const commands = docCommands('docs/local.md', '## Running locally');
  const recipe = docCommands('docs/local.md', '## Changing the simulated ARM');
  const operations = docCommands('docs/operations.md', '# Operations');
  const find = finder(commands, 'docs/local.md "Running locally"');
  let app: Started | undefined;

  beforeAll(async () => {
    const command = find('LOCAL_LOG_LEVEL=debug npm start').command;
    expect(command).toBe('LOCAL_LOG_LEVEL=debug npm start');
    app = await launch('sh', ['-c', command]);
    await waitFor(() => healthy(app!.ports.http), 150_000);
  }, 180_000);
  afterAll(() => kill(app));

  it('every command "Running locally" shows is run by this file', () => {
    const exercised = [
      'npm start',
      'npm run build',
      'LOCAL_LOG_LEVEL=debug npm start',
      '"id": "readme-1"',
      '/admin/functions/reconcileCatalog',
      '/api/manage/reconcile',
      'versions/latest?region=westeurope',
      'SubscriptionValidation',
      '/runtime/events',
    ];
    for (const c of commands)
      expect(
        exercised.filter(
          (needle) =>
            c.command === needle ||
            (!needle.startsWith('npm ') && !needle.endsWith('npm start') && c.command.includes(needle)),
        ),
        c.command,
      ).toHaveLength(1);
    expect(new Set(commands.map((c) => c.command)).size).toBe(exercised.length);
  });

  it('npm run build after the start has nothing to build: every step up to date', async () => {
    expect(await sh(find('npm run build').command, app!.ports)).toMatch(
      /tsc up to date; bundle: dist\/app\/main\.js up to date; console: dist\/console up to date; build [\d.]+ s/,
    );
  });

  it('lists every function with its address and logs every invocation', () => {
    expect(app!.output()).toContain(
      `galleryEvents: eventGridTrigger http://localhost:${app!.ports.http}/runtime/webhooks/eventgrid?functionName=galleryEvents`,
    );
    expect(app!.output()).toMatch(
      /reconcileUnit: reconcile: 3 subscriptions, 5 galleries .* 7 definitions .* 13 versions.*: succeeded/,
    );
    expect(app!.output()).toMatch(/reconcileUnit: Executed 'Functions\.reconcileUnit' \(Succeeded, Id=/);
  });

  it('the sample event: 202, and the log line it shows', async () => {
    const c = find('"id": "readme-1"');
    expect(c.expected.join('\n')).toContain('HTTP/1.1 202 Accepted');
    const out = await sh(c.command, app!.ports);
    expect(out).toMatch(/^HTTP\/1\.1 202 Accepted/);
    expect(
      await waitFor(() => /galleryEvents: event readme-1 .*: indexed .*\/versions\/1\.9\.0/.test(app!.output()), 5_000),
      app!.output(),
    ).toBe(true);
  });

  it('the reconcile command runs the reconcile', async () => {
    const before = (app!.output().match(/reconcileUnit: reconcile:/g) ?? []).length;
    await sh(find('/admin/functions/reconcileCatalog').command, app!.ports);
    expect(
      await waitFor(
        () =>
          /reconcileCatalog: reconcile run [0-9a-f-]{36}: 5 gallery units queued for 3 subscriptions/.test(
            app!.output(),
          ),
        10_000,
      ),
      app!.output(),
    ).toBe(true);
    expect(await waitFor(() => (app!.output().match(/reconcileUnit: reconcile:/g) ?? []).length > before, 10_000)).toBe(
      true,
    );
  });

  it('the progress command shows the reconcile until it has succeeded', async () => {
    const c = find('/api/manage/reconcile');
    let progress: { status?: string; startedAt?: string; counts?: { versions?: number } } = {};
    expect(
      await waitFor(
        async () => (progress = JSON.parse(await sh(c.command, app!.ports)) as typeof progress).status === 'succeeded',
        10_000,
      ),
      JSON.stringify(progress),
    ).toBe(true);
    expect(progress.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(progress.counts?.versions).toBe(13);
  });

  it('the latest lookup answers as the document shows', async () => {
    const c = find('versions/latest?region=westeurope');
    const body = JSON.parse(await sh(c.command, app!.ports)) as { region: string; version: string };
    expect(c.expected.join('')).toContain('"version":"1.10.0"');
    expect(body).toMatchObject({ region: 'westeurope', version: '1.10.0' });
  });

  it('the validation handshake answers as the document shows', async () => {
    const c = find('SubscriptionValidation');
    expect((await sh(c.command, app!.ports)).trim()).toBe(c.expected.join('').trim());
  });

  it("hosts the domain-event topic: the start-up reconcile's catalog changes appear on GET /runtime/events and in the log", async () => {
    expect(app!.output()).toContain(
      `Domain events: local topic http://localhost:${app!.ports.http}/runtime/eventgrid/topics/domain-events/api/events`,
    );
    let events: { type: string; subject: string }[] = [];
    await waitFor(async () => {
      events = (
        JSON.parse(await sh(find('/runtime/events').command, app!.ports)) as {
          events: { type: string; subject: string }[];
        }
      ).events;
      return events.some((e) => e.type === 'GalleryCatalog.LatestVersionChanged');
    }, 5_000);
    expect(
      events.some(
        (e) => e.type === 'GalleryCatalog.LatestVersionChanged' && e.subject.endsWith('/images/ubuntu-2204-base'),
      ),
      app!.output(),
    ).toBe(true);
    expect(app!.output()).toMatch(/topic domain-events: GalleryCatalog\.LatestVersionChanged \/subscriptions\//);
  });

  it("docs/operations.md's commands: health, the reconcile, a job, the sweep, a pause and its release", async () => {
    const exercised = [
      '/api/health',
      '/api/manage/reconcile -H',
      'curl -s http://localhost:7071/api/manage/reconcile',
      '/api/groups/jobs/example-web-weu-create',
      '/admin/functions/sweepJobs',
      '"paused": true',
      '"paused": false',
    ];
    const curls = operations.filter((c) => c.command !== 'npm start'); // npm start: this describe's start
    for (const c of curls)
      expect(
        exercised.filter((needle) => c.command.includes(needle)),
        c.command,
      ).not.toHaveLength(0);
    expect(curls).toHaveLength(exercised.length);
    const answers: Record<string, string> = {};
    for (const c of curls)
      answers[exercised.find((n) => c.command.includes(n)) as string] = await sh(c.command, app!.ports);
    expect(JSON.parse(answers['/api/health'] as string)).toMatchObject({ status: 'healthy' });
    expect(JSON.parse(answers['/api/manage/reconcile -H'] as string)).toMatchObject({ runId: expect.any(String) });
    expect(JSON.parse(answers['curl -s http://localhost:7071/api/manage/reconcile'] as string)).toMatchObject({
      status: expect.any(String),
    });
    // no job of that id was submitted here: a 404 problem, as for any job the caller cannot see
    expect(JSON.parse(answers['/api/groups/jobs/example-web-weu-create'] as string)).toMatchObject({ status: 404 });
    expect(JSON.parse(answers['"paused": true'] as string)).toMatchObject({ paused: true });
    expect(JSON.parse(answers['"paused": false'] as string)).toMatchObject({ paused: false });
    expect(
      await waitFor(() => /sweepJobs: Executed 'Functions\.sweepJobs' \(Succeeded/.test(app!.output()), 10_000),
      app!.output(),
    ).toBe(true);
  });

  it('the simulator recipe, run literally: the edited version leaves latest, and the edit survives a restart', async () => {
    // the four commands of the recipe, then `npm start`, named in the text: the restart below
    expect(recipe.map((c) => c.command.split(' ')[0])).toEqual(['curl', 'node', 'curl', 'curl', 'npm']);
    expect(recipe[4]?.command).toBe('npm start');
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-recipe-'));
    try {
      for (const c of recipe.slice(0, 4)) await sh(c.command, app!.ports, work);
      expect(JSON.parse(fs.readFileSync(path.join(work, 'version.json'), 'utf8'))).toMatchObject({
        name: '1.10.0',
        properties: { publishingProfile: { excludeFromLatest: true } },
      });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    const latest = `http://127.0.0.1:${app!.ports.http}/api/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/galleries/corpGallery/images/ubuntu-2204-base/versions/latest?region=westeurope`;
    let version: string | undefined;
    expect(
      await waitFor(
        async () => (version = ((await (await fetch(latest)).json()) as { version?: string }).version) === '1.9.0',
        15_000,
      ),
      String(version),
    ).toBe(true);
    // a restart on the same data folder: the edit is applied again over the demo organization
    expect((await interrupt(app!)).portsOpen).toEqual([]);
    const place = { ports: app!.ports, dataDir: app!.dataDir };
    app = await launch('npm', ['start'], {}, place);
    expect(await waitFor(() => healthy(app!.ports.http), 150_000), app.output()).toBe(true);
    expect(app.output()).toMatch(/ARM: simulated at .* with a demo organization and 1 edits kept in /);
    const stored = (await (
      await fetch(
        `http://127.0.0.1:${app.ports.arm}/_sim/resources/subscriptions/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base/versions/1.10.0`,
      )
    ).json()) as { properties: { publishingProfile: { excludeFromLatest?: boolean } } };
    expect(stored.properties.publishingProfile.excludeFromLatest).toBe(true);
    expect(((await (await fetch(latest)).json()) as { version?: string }).version).toBe('1.9.0');
    expect((await interrupt(app)).portsOpen).toEqual([]);
  }, 120_000);
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
    app = await launch(process.execPath, [script], {
      ARM_ENDPOINT: sim.endpoint,
      ARM_CREDENTIAL: 'local',
      ARM_SUBSCRIPTION_IDS: DEMO_SUBSCRIPTIONS.publisher,
    });
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

import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { apiAddress, main } from '../../cli/commands.js';
import { serviceBusFrom } from '../../cli/submit.js';
import { fixture } from '../support/catalog-fixtures.js';
import { appVersion } from '../../shared/version.js';
import { freePort } from '../../dev/ports.js';

export function run(args: string[], env: NodeJS.ProcessEnv = {}, cwd = os.tmpdir()) {
  const out: string[] = [];
  const err: string[] = [];
  return main(args, { out: (s) => out.push(s), err: (s) => err.push(s), env, cwd }).then((code) => ({
    code,
    out: out.join('\n'),
    err: err.join('\n'),
  }));
}

function file(content: unknown): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'job.json');
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

const envelope = () => ({
  schemaVersion: 1,
  jobId: randomUUID(),
  action: 'create',
  kind: 'statelessGroup',
  caller: { account: 'act-5c6d7e8f' },
  body: fixture('spot/elastigroup-gallery-latest.json'),
});

describe('gallery-catalog help', () => {
  const variants: [string, string[]][] = [
    ['', ['help']],
    ['', ['--help']],
    ['', ['-h']],
    ...(['submit', 'status', 'latest'] as const).flatMap((c): [string, string[]][] => [
      [c, ['help', c]],
      [c, [c, '--help']],
      [c, [c, '-h']],
    ]),
  ];
  for (const [command, args] of variants) {
    it(`${args.join(' ')}: exit 0 with options, examples and exit codes`, async () => {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Options:/);
      expect(r.out).toMatch(/Examples:/);
      expect(r.out).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
      if (command) expect(r.out).toMatch(new RegExp(`^gallery-catalog ${command} `));
    });
  }

  for (const command of ['', 'submit', 'status', 'latest']) {
    it(`help ${command}: each option's description starts in one column, continuation lines too`, async () => {
      const r = await run(['help', ...(command ? [command] : [])]);
      const options = /\nOptions:\n([\s\S]*?)\n\n/.exec(r.out)?.[1] ?? '';
      const lines = options.split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(4);
      const columns = new Set(
        lines.map((l) =>
          l.startsWith('  -') ? /^ {2}\S+(?: \S+)*? {2,}/.exec(l)?.[0].length : /^ +/.exec(l)?.[0].length,
        ),
      );
      expect([...columns], options).toHaveLength(1);
    });
  }

  it('--version prints the version', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, out: appVersion() });
  });

  it('wrong usage is exit 2 with the help of the command', async () => {
    expect((await run([])).code).toBe(2);
    const unknown = await run(['submit', 'x', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown option --bogus[\s\S]*gallery-catalog submit/);
    expect((await run(['frobnicate'])).err).toMatch(/no such command: frobnicate/);
    expect((await run(['latest', '/subscriptions/x'])).err).toMatch(/--region is required/);
    expect((await run(['latest', '/not/an/id', '--region', 'westeurope'])).err).toMatch(/not an image definition id/);
    expect((await run(['status', 'j', '-o', 'yaml'])).err).toMatch(/-o must be table or json/);
    expect((await run(['status', 'j', '--region', 'x'])).err).toMatch(/--region is not an option of status/);
  });
});

describe('the API address', () => {
  it('--api, else GALLERY_CATALOG_API, else the local runtime on FUNCTIONS_HTTP_PORT, else localhost:7071', () => {
    expect(
      apiAddress('http://a.example', { GALLERY_CATALOG_API: 'http://b.example', FUNCTIONS_HTTP_PORT: '7100' }),
    ).toBe('http://a.example');
    expect(apiAddress(undefined, { GALLERY_CATALOG_API: 'http://b.example', FUNCTIONS_HTTP_PORT: '7100' })).toBe(
      'http://b.example',
    );
    expect(apiAddress(undefined, { FUNCTIONS_HTTP_PORT: '7100' })).toBe('http://localhost:7100');
    expect(apiAddress(undefined, {})).toBe('http://localhost:7071');
  });

  it('a command goes to GALLERY_CATALOG_API (nothing listens there: exit 3 naming it); a malformed one is wrong usage', async () => {
    const port = await freePort();
    const r = await run(['status', 'some-job'], { GALLERY_CATALOG_API: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    expect(r.err).toContain(`127.0.0.1:${port}`);
    const viaPort = await run(['status', 'some-job'], { FUNCTIONS_HTTP_PORT: String(port) });
    expect(viaPort.err).toContain(`localhost:${port}`);
    const bad = await run(['status', 'some-job'], { GALLERY_CATALOG_API: 'localhost:7071' });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/GALLERY_CATALOG_API must be an http\(s\) URL/);
  });
});

describe('gallery-catalog submit (no service)', () => {
  it('validates an envelope (dry run) and names its session', async () => {
    const e = envelope();
    const r = await run(['submit', file(e), '--dry-run']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toBe(`valid: job ${e.jobId} (statelessGroup create), session act-5c6d7e8f/statelessgroup/web-weu`);
  });

  it('refuses an invalid envelope with every path at fault, before sending anything (exit 2)', async () => {
    const e = envelope() as Record<string, unknown>;
    delete e.caller;
    (e as { extra?: number }).extra = 1;
    const r = await run(['submit', file(e)], {
      ServiceBusConnection: 'Endpoint=sb://unused/;SharedAccessKeyName=x;SharedAccessKey=y',
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/caller: .*\[required\]/);
    expect(r.err).toMatch(/extra: .*\[unknown-field\]/);
    expect((await run(['submit', file('not json')])).err).toMatch(/not-json/);
    expect((await run(['submit', '/nonexistent/job.json'])).code).toBe(2);
  });

  it('without Service Bus, posts to the API (default: the local runtime) and says how to reach it when it is down (exit 3)', async () => {
    const r = await run(['submit', file(envelope())]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /cannot reach http:\/\/localhost:7071\/api\/groups\/jobs: .*is `npm start` running\? or pass --api <url>/,
    );
    const port = await freePort();
    const other = await run(['submit', file(envelope()), '--api', `http://127.0.0.1:${port}`]);
    expect(other.code).toBe(3);
    expect(other.err).toMatch(new RegExp(`cannot reach http://127.0.0.1:${port}/api/groups/jobs`));
  });

  it('finds Service Bus in the environment first, then in ./local.settings.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-settings-'));
    expect(serviceBusFrom({}, dir, {})).toBeUndefined();
    fs.writeFileSync(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({ Values: { ServiceBusConnection__fullyQualifiedNamespace: 'bus.servicebus.windows.net' } }),
    );
    expect(serviceBusFrom({}, dir, {})).toEqual({
      kind: 'identity',
      fullyQualifiedNamespace: 'bus.servicebus.windows.net',
      credential: 'default',
    });
    expect(serviceBusFrom({ ServiceBusConnection: 'Endpoint=sb://x/' }, dir, {})).toEqual({
      kind: 'connectionString',
      connectionString: 'Endpoint=sb://x/',
    });
    expect(serviceBusFrom({}, dir, { namespace: 'other.servicebus.windows.net' })).toMatchObject({
      fullyQualifiedNamespace: 'other.servicebus.windows.net',
    });
  });
});

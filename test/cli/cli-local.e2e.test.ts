import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot, startLocal, type LocalStart } from '../support/local-start.js';
import { DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { docCommands } from '../support/doc-commands.js';
import { demoOrganizations } from '../../dev/demo/demo-directory.js';

// The CLI as the documents run it (`npm run cli -- ...`: the built CLI, after tsc's up-to-date
// check), against the app as `npm start` serves it; docs/jobs.md's command run literally.
let local: LocalStart;

async function shell(
  command: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)('sh', ['-c', command], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

/** `npm run -s cli -- <args>` (quiet: no npm header on standard output, so -o json parses). */
function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return shell(['npm run -s cli --', ...args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`)].join(' '));
}

beforeAll(async () => {
  local = await startLocal();
  // fill the catalog once, and watch it finish (README "Running locally")
  expect((await fetch(`${local.url}/admin/functions/reconcileCatalog`, { method: 'POST', body: '{}' })).status).toBe(
    202,
  );
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${local.url}/api/manage/reconcile`);
    if (res.status === 200 && ((await res.json()) as { status: string }).status === 'succeeded') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`reconcile did not finish: ${local.output()}`);
}, 60_000);
afterAll(async () => {
  expect(await local.stop()).toBe(0);
});

describe('gallery-catalog against npm start', () => {
  it("docs/jobs.md's command, literally (the API on the local runtime's FUNCTIONS_HTTP_PORT): follows the job to success (exit 0), as the document shows", async () => {
    const commands = docCommands('docs/jobs.md', '# Group jobs').filter((c) => c.command.startsWith('npm run cli'));
    expect(commands.map((c) => c.command)).toEqual([
      'npm run cli -- submit examples/stateless-latest.json --wait',
      'npm run cli -- submit <file>',
      'npm run cli -- status <jobId>',
      'npm run cli -- latest <image definition id> --region <r>',
      'npm run cli -- help',
    ]);
    const shown = commands[0]!;
    const r = await shell(shown.command, { FUNCTIONS_HTTP_PORT: String(local.ports.http) });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^accepted: job example-web-weu-create \(statelessGroup create\)/m);
    expect(r.err).toMatch(/job example-web-weu-create: (queued|running|succeeded)/);
    expect(r.out).toMatch(/^status\s+succeeded$/m);
    expect(r.out).toMatch(/^image version\s+\/subscriptions\/.*\/images\/ubuntu-2204-base\/versions\/\d+\.\d+\.\d+$/m);
    expect(r.out).toContain((shown.expected[0] as string).replace('localhost:7071', `localhost:${local.ports.http}`));
    const help = await shell('npm run -s cli -- help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Commands:$/m);
  });

  it('a job that fails ends with its errors, readable, and exit 1', async () => {
    const job = JSON.parse(fs.readFileSync(path.join(projectRoot, 'examples/stateless-pinned.json'), 'utf8')) as {
      jobId: string;
      body: { group: { compute: { launchSpecification: { image: { gallery: { version: string } } } } } };
    };
    job.jobId = 'cli-missing-version';
    job.body.group.compute.launchSpecification.image.gallery.version = '9.9.9';
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'job.json');
    fs.writeFileSync(f, JSON.stringify(job));
    const r = await cli('submit', f, '--api', local.url, '--wait');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^status\s+failed$/m);
    expect(r.out).toMatch(
      /^errors:\n {2}\/body\/group\/compute\/launchSpecification\/image\/gallery\S*: .+ \[[a-z-]+\]$/m,
    );
  });

  it('status <jobId> -o json|table; an unknown job is exit 1', async () => {
    const json = await cli('status', 'example-web-weu-create', '--api', local.url, '-o', 'json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ jobId: 'example-web-weu-create', status: 'succeeded' });
    const table = await cli('status', 'example-web-weu-create', '--api', local.url);
    expect(table.out).toMatch(/^job\s+example-web-weu-create$/m);
    const unknown = await cli('status', 'no-such-job', '--api', local.url);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^HTTP 404: /);
  });

  it("submit --plan: the requests the job would make at the organization's target, printed; nothing applied, the group not recorded", async () => {
    const org = `${local.url}/api/manage/organizations/contoso`;
    const doc = demoOrganizations().contoso as Record<string, unknown>;
    const put = async (body: unknown) => {
      const res = await fetch(org, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.text()).toBe(200);
      return res;
    };
    // Without a target there is nothing to plan: the job fails and says so.
    const job = JSON.parse(fs.readFileSync(path.join(projectRoot, 'examples/stateless-latest.json'), 'utf8')) as {
      jobId: string;
      body: { group: { name: string } };
    };
    const file = (id: string) => {
      const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'job.json');
      fs.writeFileSync(
        f,
        JSON.stringify({ ...job, jobId: id, body: { group: { ...job.body.group, name: `${id}-group` } } }),
      );
      return f;
    };
    const none = await cli('submit', file('cli-plan-none'), '--api', local.url, '--plan');
    expect(none.code, none.err + none.out).toBe(1);
    expect(none.out).toMatch(/^ {2}\/planOnly: .*no target.* \[apply-no-target\]$/m);
    try {
      expect((await put({ ...doc, apply: { target: 'azure', mode: 'apply' } })).status).toBe(200);
      const r = await cli('submit', file('cli-plan'), '--api', local.url, '--plan');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^status\s+succeeded$/m);
      expect(r.out).toMatch(/^plan \(azure, planned only: nothing was sent\):$/m);
      expect(r.out).toMatch(
        /^ {2}PUT https:\/\/management\.azure\.com\/subscriptions\/[^ ]+\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/cli-plan-group\?api-version=\d{4}-\d{2}-\d{2}$/m,
      );
      expect(r.out).toMatch(/^ {4,}"orchestrationMode": "Flexible",?$/m);
      expect(r.out).not.toMatch(/adminPassword"/);
      const group = await fetch(
        `${local.url}/api/groups/${(JSON.parse(fs.readFileSync(path.join(projectRoot, 'examples/stateless-latest.json'), 'utf8')) as { caller: { account: string } }).caller.account}/statelessGroup/cli-plan-group`,
      );
      expect(group.status).toBe(404);
    } finally {
      expect((await put(doc)).status).toBe(200);
    }
  });

  it('latest <image id> --region <r>', async () => {
    const r = await cli('latest', DEMO_IMAGES.ubuntu, '--region', 'westeurope', '--api', local.url);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^version\s+1\.10\.0$/m);
    expect(r.out).toMatch(/^passed over:\n {2}2\.0\.0: /m);
    const json = await cli('latest', DEMO_IMAGES.ubuntu, '--region', 'westeurope', '--api', local.url, '-o', 'json');
    expect(JSON.parse(json.out)).toMatchObject({ region: 'westeurope', version: '1.10.0' });
  });
});

import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { main } from '../../shared/cli/submit.js';
import { fixture } from '../support/catalog-fixtures.js';

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return main(args, env, (s) => out.push(s), (s) => err.push(s)).then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
}

function file(content: unknown): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'job.json');
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

const envelope = () => ({ schemaVersion: 1, jobId: randomUUID(), action: 'create', kind: 'statelessGroup', caller: { account: 'act-5c6d7e8f' }, body: fixture('spot/elastigroup-gallery-latest.json') });

describe('gallery-catalog submit', () => {
  it('validates an envelope (dry run) and names its session', async () => {
    const e = envelope();
    const r = await run(['submit', file(e), '--dry-run']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toBe(`valid: job ${e.jobId} (statelessGroup create), session act-5c6d7e8f/statelessgroup/web-weu`);
  });

  it('refuses an invalid envelope with every path at fault, before sending anything', async () => {
    const e = envelope() as Record<string, unknown>;
    delete e.caller;
    (e as { extra?: number }).extra = 1;
    const r = await run(['submit', file(e)], { ServiceBusConnection: 'Endpoint=sb://unused/;SharedAccessKeyName=x;SharedAccessKey=y' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/caller: .*\[required\]/);
    expect(r.err).toMatch(/extra: .*\[unknown-field\]/);
    expect((await run(['submit', file('not json')])).err).toMatch(/not-json/);
  });

  it('says how to configure Service Bus when nothing is set', async () => {
    const r = await run(['submit', file(envelope())]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/set ServiceBusConnection/);
  });

  it('prints its usage on a wrong call', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['submit', 'x', '--bogus'])).err).toMatch(/unknown option --bogus/);
  });
});

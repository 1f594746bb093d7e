/**
 * The secret scan (secret-scan.ts) finds a secret wherever it is left, in any of the forms it
 * looks for: so a scan that finds nothing means something.
 */
import { describe, it, expect, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { uniqueTablePrefix } from './app-host.js';
import { scanForSecrets, secretsIn, type Secret, type SecretScanSources } from './secret-scan.js';

const connectionString = () => inject('azuriteConnectionString');

describe('secret scan', () => {
  it('reads secrets from the fields that hold them, at any depth', () => {
    const body = {
      a: { login: { userName: 'u', password: 'p1' } },
      list: [{ protectedSettings: { x: 's1', y: ['s2', 3], z: '' } }],
      password: '',
    };
    expect(secretsIn(body)).toEqual([
      { kind: 'password', pointer: '/a/login/password', value: 'p1' },
      { kind: 'protectedSettings', pointer: '/list/0/protectedSettings/x', value: 's1' },
      { kind: 'protectedSettings', pointer: '/list/0/protectedSettings/y/0', value: 's2' },
    ]);
  });

  it('finds a secret in a table of the prefix, a log line, an event and a response, as written or encoded; not in other tables', async () => {
    const prefix = uniqueTablePrefix();
    const value = `S3cret"/+${randomUUID()}`;
    const secrets: Secret[] = [{ kind: 'password', pointer: '/p', value }];
    const mine = TableClient.fromConnectionString(connectionString(), `${prefix}jobs`, {
      allowInsecureConnection: true,
    });
    const other = TableClient.fromConnectionString(connectionString(), `${uniqueTablePrefix()}jobs`, {
      allowInsecureConnection: true,
    });
    for (const t of [mine, other]) await t.createTable();
    await mine.createEntity({ partitionKey: 'p', rowKey: 'clean', text: 'nothing here' });
    await other.createEntity({ partitionKey: 'p', rowKey: 'r', text: value });
    const sources: SecretScanSources = {
      connectionString: connectionString(),
      tablePrefix: prefix,
      logs: [
        { functionName: 'f', invocationId: 'i', level: 'information', category: 'Function.f.User', message: 'clean' },
      ],
      events: [{ specversion: '1.0', id: 'e1', type: 'T', source: 's', data: { ok: true } }],
      responses: ['clean', { also: 'clean' }],
    };
    const clean = await scanForSecrets(sources, secrets);
    expect(clean).toMatchObject({
      tables: [`${prefix}jobs`],
      entities: 1,
      logLines: 1,
      events: 1,
      responses: 2,
      findings: [],
    });

    await mine.createEntity({
      partitionKey: 'p',
      rowKey: 'leak',
      text: `as base64 ${Buffer.from(value).toString('base64')}`,
    });
    const found = await scanForSecrets(
      {
        ...sources,
        logs: [
          ...sources.logs,
          {
            functionName: 'g',
            invocationId: 'i',
            level: 'warning',
            category: 'Function.g.User',
            message: `url ${encodeURIComponent(value)}`,
          },
        ],
        events: [...sources.events!, { specversion: '1.0', id: 'e2', type: 'T', source: 's', data: { body: value } }],
        responses: [...sources.responses, JSON.stringify({ echoed: value })],
      },
      secrets,
    );
    expect(found.findings.map((f) => f.where)).toEqual([
      `table ${prefix}jobs p/leak`,
      'log g (warning)',
      'event T e2',
      'response 2',
    ]);
    expect(found.findings.every((f) => !f.context.includes(value) && f.context.includes('<password>'))).toBe(true);
  });
});

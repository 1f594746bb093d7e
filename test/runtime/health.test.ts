import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../dev/azurite.js';
import { startApp, type AppHost } from '../support/app-host.js';
import { appVersion } from '../../shared/version.js';

// This file runs its own Azurite so that it can stop it and see the app report the store as down.
let azurite: RunningAzurite;
let host: AppHost;

beforeAll(async () => {
  azurite = await startAzurite();
  host = await startApp({
    CatalogStorage: azurite.connectionString,
    ARM_ENDPOINT: 'http://127.0.0.1:9',
    ARM_CREDENTIAL: 'local',
  });
});
afterAll(async () => {
  await host.stop();
  await azurite.stop();
});

describe('GET /api/health', () => {
  it('answers 200 with the app version and the table store reachable', async () => {
    const res = await fetch(`${host.url}/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      version: string;
      checks: { tableStorage: { status: string } };
    };
    expect(body.status).toBe('healthy');
    expect(body.version).toBe(appVersion());
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.checks.tableStorage.status).toBe('reachable');
  });

  it('answers 503 naming the failing dependency, with Retry-After and no internal error text', async () => {
    await azurite.stop();
    const res = await fetch(`${host.url}/api/health`);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const text = await res.text();
    const body = JSON.parse(text) as {
      status: string;
      failing: string[];
      checks: { tableStorage: { status: string; error?: string } };
    };
    expect(body.status).toBe('unhealthy');
    expect(body.failing).toEqual(['tableStorage']);
    expect(body.checks.tableStorage.status).toBe('unreachable');
    expect(body.checks.tableStorage.error).toBeUndefined();
    // neither the store's host and port nor any error text (ECONNREFUSED ...) reaches the caller
    expect(text).not.toContain(String(azurite.port));
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|ECONN|connect/i);
    // the log has it, on one line
    expect(
      host.logs.some(
        (l) => l.functionName === 'health' && l.level === 'warning' && l.message.includes('tableStorage unreachable'),
      ),
    ).toBe(true);
  });
});

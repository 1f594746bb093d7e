import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../shared/devhost/azurite.js';
import { startApp, type AppHost } from '../support/app-host.js';
import { appVersion } from '../../shared/version.js';

// This file runs its own Azurite so that it can stop it and see the app report the store as down.
let azurite: RunningAzurite;
let host: AppHost;

beforeAll(async () => {
  azurite = await startAzurite();
  host = await startApp({ CatalogStorage: azurite.connectionString, ARM_ENDPOINT: 'http://127.0.0.1:9', ARM_CREDENTIAL: 'local' });
});
afterAll(async () => {
  await host.stop();
  await azurite.stop();
});

describe('GET /api/health', () => {
  it('answers 200 with the app version and the table store reachable', async () => {
    const res = await fetch(`${host.url}/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; version: string; checks: { tableStorage: { status: string } } };
    expect(body.status).toBe('healthy');
    expect(body.version).toBe(appVersion());
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.checks.tableStorage.status).toBe('reachable');
  });

  it('answers 503 when the table store is unreachable', async () => {
    await azurite.stop();
    const res = await fetch(`${host.url}/api/health`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: { tableStorage: { status: string; error?: string } } };
    expect(body.status).toBe('unhealthy');
    expect(body.checks.tableStorage.status).toBe('unreachable');
    expect(body.checks.tableStorage.error).toBeTruthy();
  });
});

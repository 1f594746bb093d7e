/**
 * The app's table and ARM clients leave out core-rest-pipeline's request tracing policy (the app
 * registers no instrumenter, so its spans record nothing: shared/sdk-tracing.ts), and keep
 * everything else: retries, signing, the deadline and round-trip counter, and they still answer.
 */
import { describe, it, expect, afterAll, inject } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { TableStore } from '../../shared/storage/tables.js';
import { clearComputeClientCache, createComputeClient } from '../../shared/arm/client.js';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { REQUEST_TRACING_POLICY } from '../../shared/sdk-tracing.js';
import { PUBLISHER, armSettings, fixture } from '../arm/helpers.js';
import { uniqueTablePrefix } from '../support/app-host.js';

const names = (client: { pipeline: { getOrderedPolicies(): { name: string }[] } }): string[] =>
  client.pipeline.getOrderedPolicies().map((p) => p.name);

afterAll(() => clearComputeClientCache());

describe('request tracing policy of the SDK clients', () => {
  it('is in a default table client (so the name removed is the one the SDK adds)', () => {
    const plain = TableClient.fromConnectionString(inject('azuriteConnectionString'), 'any', {
      allowInsecureConnection: true,
    });
    expect(names(plain)).toContain(REQUEST_TRACING_POLICY);
  });

  it('is not in the table clients of a TableStore, which keep retries, signing, deadline and counter, and answer', async () => {
    const tables = new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') });
    const client = tables.table(`${uniqueTablePrefix()}traced`);
    for (const policies of [names(client), names(tables.service())]) {
      expect(policies).not.toContain(REQUEST_TRACING_POLICY);
      expect(policies).toEqual(
        expect.arrayContaining(['defaultRetryPolicy', 'countRoundTrips', 'deadline-tableStorage']),
      );
    }
    await client.createTable();
    await client.upsertEntity({ partitionKey: 'p', rowKey: 'r', value: 1 });
    expect((await client.getEntity<{ value: number }>('p', 'r')).value).toBe(1);
    expect(tables.roundTrips).toBe(3);
  });

  it('is not in the ARM client, which keeps retries and its deadline, and answers', async () => {
    const sim = new ArmSimulator();
    const { endpoint } = await sim.start();
    try {
      sim.putGallery(fixture('gallery-private'));
      const client = createComputeClient(armSettings(endpoint), PUBLISHER);
      expect(names(client)).not.toContain(REQUEST_TRACING_POLICY);
      expect(names(client)).toEqual(expect.arrayContaining(['defaultRetryPolicy', 'deadline-arm']));
      expect((await client.galleries.get('rg-images', 'corpGallery')).name).toBe('corpGallery');
    } finally {
      await sim.stop();
    }
  });
});

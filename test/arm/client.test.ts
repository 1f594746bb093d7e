import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { LOCAL_DEV_TOKEN, clearComputeClientCache, createComputeClient } from '../../shared/arm/client.js';
import { PUBLISHER, armSettings, fixture } from './helpers.js';
import { GALLERY_API_VERSION } from '../../shared/arm/compute-api-version.js';

const CONSUMER = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const sim = new ArmSimulator();
let endpoint = '';

beforeAll(async () => {
  ({ endpoint } = await sim.start());
});
afterAll(async () => {
  await sim.stop();
  clearComputeClientCache();
});

const policyNames = (c: ReturnType<typeof createComputeClient>): string[] =>
  c.pipeline.getOrderedPolicies().map((p) => p.name);

describe('createComputeClient', () => {
  it("'local' swaps the SDK's bearer policy for a static development token over http", async () => {
    const client = createComputeClient(armSettings(endpoint), PUBLISHER);
    expect(policyNames(client)).not.toContain('bearerTokenAuthenticationPolicy');
    expect(policyNames(client)).toContain('galleryCatalogLocalDevToken');
    expect(policyNames(client)).toContain('defaultRetryPolicy');

    // A simulator that accepts only the development token.
    const strict = new ArmSimulator({ requiredToken: LOCAL_DEV_TOKEN });
    const { endpoint: strictEndpoint } = await strict.start();
    try {
      strict.putGallery(fixture('gallery-private'));
      const gallery = await createComputeClient(armSettings(strictEndpoint), PUBLISHER).galleries.get(
        'rg-images',
        'corpGallery',
      );
      expect(gallery.name).toBe('corpGallery');
      const wrong = await fetch(
        `${strictEndpoint}/subscriptions/${PUBLISHER}/providers/Microsoft.Compute/galleries?api-version=${GALLERY_API_VERSION}`,
        {
          headers: { authorization: 'Bearer something-else' },
        },
      );
      expect(wrong.status).toBe(401);
    } finally {
      await strict.stop();
    }
  });

  it('caches one client per subscription and settings', () => {
    const settings = armSettings(endpoint);
    const a = createComputeClient(settings, PUBLISHER);
    expect(createComputeClient(settings, PUBLISHER.toUpperCase())).toBe(a);
    expect(createComputeClient({ ...settings }, PUBLISHER)).toBe(a);
    expect(createComputeClient(settings, CONSUMER)).not.toBe(a);
    expect(createComputeClient(armSettings(endpoint, { maxRetries: 0 }), PUBLISHER)).not.toBe(a);
  });

  it("refuses 'local' for a non-loopback endpoint", () => {
    expect(() => createComputeClient(armSettings('https://management.azure.com'), PUBLISHER)).toThrow(/loopback/);
  });

  it("'default' and 'managedidentity' keep the SDK's bearer policy (https only)", async () => {
    const settings = {
      ...armSettings('https://management.azure.com'),
      clientId: '11111111-2222-3333-4444-555555555555',
    };
    for (const credential of ['default', 'managedidentity'] as const) {
      const client = createComputeClient({ ...settings, credential }, PUBLISHER);
      expect(policyNames(client)).toContain('bearerTokenAuthenticationPolicy');
      expect(policyNames(client)).not.toContain('galleryCatalogLocalDevToken');
    }
    // Pointed at the plain-http simulator, the real bearer policy refuses before any token is fetched.
    const insecure = createComputeClient({ ...armSettings(endpoint), credential: 'default' }, PUBLISHER);
    await expect(insecure.galleries.get('rg-images', 'corpGallery')).rejects.toThrow(/non-TLS|https|insecure/i);
  });
});

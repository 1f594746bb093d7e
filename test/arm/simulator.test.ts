import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import net from 'node:net';
import { ArmSimulator, SimulatorInputError } from '../../dev/arm-simulator.js';
import { PortInUseError } from '../../dev/ports.js';
import { createGalleryArmReader } from '../../shared/arm/reader.js';
import { parseResourceId, type GalleryRef, type ImageRef, type VersionRef } from '../../shared/domain/ids.js';
import {
  CORP_GALLERY,
  PUBLISHER,
  UBUNTU_IMAGE,
  armSettings,
  corpGalleryFixtures,
  elapsedMs,
  fixture,
  versionNamed,
  resetSimulator,
} from './helpers.js';
import { GALLERY_API_VERSION } from '../../shared/arm/compute-api-version.js';

const sim = new ArmSimulator();
let endpoint = '';
const API = `api-version=${GALLERY_API_VERSION}`;
const AUTH = { authorization: 'Bearer test-token' };

/** The fields these tests read from ARM and admin answers. */
interface Body {
  id?: string;
  name?: string;
  error: { code: string; message: string };
  value: { name: string }[];
  nextLink?: string;
  deleted?: number;
  resources: unknown[];
  skus: Record<string, unknown[]>;
  pendingFaults: unknown[];
  requestCount: { total: number };
}

async function armGet(
  path: string,
  headers: Record<string, string> = AUTH,
): Promise<{ status: number; body: Body; headers: Headers }> {
  const res = await fetch(`${endpoint}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${endpoint}/_sim${path}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          body: typeof body === 'string' ? body : JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  ({ endpoint } = await sim.start());
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  resetSimulator(sim);
  for (const r of corpGalleryFixtures()) sim.put(r);
});

describe('ARM protocol', () => {
  it('answers REST shapes, properties not flattened', async () => {
    const r = await armGet(`${UBUNTU_IMAGE}/versions/1.9.0?${API}&$expand=ReplicationStatus`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(fixture('image-version-completed'));
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('x-ms-request-id')).toBeTruthy();
  });

  it('requires a bearer token', async () => {
    const none = await armGet(`${CORP_GALLERY}?${API}`, {});
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('AuthenticationFailed');
    const basic = await armGet(`${CORP_GALLERY}?${API}`, { authorization: 'Basic abc' });
    expect(basic.status).toBe(401);
    expect(basic.body.error.code).toBe('InvalidAuthenticationToken');
  });

  it('requires an api-version', async () => {
    const r = await armGet(CORP_GALLERY);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MissingApiVersionParameter');
  });

  it('matches paths case-insensitively', async () => {
    const lower = await armGet(`${UBUNTU_IMAGE.toLowerCase()}/versions/1.9.0?${API}`);
    expect(lower.status).toBe(200);
    expect(lower.body.id).toBe(fixture('image-version-completed').id);
    const upper = await armGet(`${CORP_GALLERY.toUpperCase().replace('SUBSCRIPTIONS', 'subscriptions')}?${API}`);
    expect(upper.status).toBe(200);
    expect(upper.body.name).toBe('corpGallery');
  });

  it('answers ARM not-found bodies', async () => {
    const missing = await armGet(`${UBUNTU_IMAGE}/versions/3.0.0?${API}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(JSON.parse(JSON.stringify(fixture('error-not-found'))));
    const parent = await armGet(`${CORP_GALLERY}/images/nope/versions/1.0.0?${API}`);
    expect(parent.status).toBe(404);
    expect(parent.body.error.code).toBe('ParentResourceNotFound');
    const route = await armGet(`/subscriptions/${PUBLISHER}/providers/Microsoft.Compute/virtualMachines?${API}`);
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('InvalidResourceType');
  });

  it('pages with an absolute nextLink carrying a skip token and the query', async () => {
    sim.pageSize = 4;
    const first = await armGet(`${UBUNTU_IMAGE}/versions?${API}`);
    expect(first.body.value).toHaveLength(4);
    const next = new URL(first.body.nextLink ?? '');
    expect(`${next.protocol}//${next.host}`).toBe(endpoint);
    expect(next.searchParams.get('api-version')).toBe(GALLERY_API_VERSION);
    expect(next.searchParams.get('$skiptoken')).toBeTruthy();
    expect(first.body.nextLink).toContain('$skiptoken=');
    const second = await armGet(`${next.pathname}${next.search}`);
    expect(second.body.value).toHaveLength(2);
    expect(second.body.nextLink).toBeUndefined();
    const bad = await armGet(`${UBUNTU_IMAGE}/versions?${API}&$skiptoken=garbage`);
    expect(bad.status).toBe(400);
  });

  it('throttles with the ARM body and Retry-After', async () => {
    sim.injectFaults({ match: /\/versions\//, status: 429, count: 1, retryAfterSeconds: 7 });
    const other = await armGet(`${CORP_GALLERY}?${API}`);
    expect(other.status).toBe(200);
    const r = await armGet(`${UBUNTU_IMAGE}/versions/1.9.0?${API}`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.body).toEqual(JSON.parse(JSON.stringify(fixture('error-throttled'))));
    expect((await armGet(`${UBUNTU_IMAGE}/versions/1.9.0?${API}`)).status).toBe(200);
    expect(sim.pendingFaultCount).toBe(0);
  });

  it('throttles reads per subscription with a token bucket, answering 429 with Retry-After (off by default)', async () => {
    const other = CORP_GALLERY.replace(/subscriptions\/[^/]+/, 'subscriptions/00000000-0000-0000-0000-000000000001');
    expect((await armGet(`${CORP_GALLERY}?${API}`)).status).toBe(200);
    sim.readThrottle = { capacity: 3, refillPerSecond: 2 };
    try {
      sim.resetCounters();
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await armGet(`${CORP_GALLERY}?${API}`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const throttled = await armGet(`${CORP_GALLERY}?${API}`);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('1');
      expect(throttled.body.error.code).toBe('TooManyRequests');
      // another subscription has its own bucket (its gallery does not exist: 404, not 429)
      expect((await armGet(`${other}?${API}`)).status).toBe(404);
      expect(sim.requestCount.throttled).toBe(2);
      await new Promise((r) => setTimeout(r, 600)); // 2 tokens per second: one is back
      expect((await armGet(`${CORP_GALLERY}?${API}`)).status).toBe(200);
    } finally {
      sim.readThrottle = undefined;
    }
  });

  it('only GET is served on ARM routes', async () => {
    const res = await fetch(`${endpoint}${CORP_GALLERY}?${API}`, { method: 'DELETE', headers: AUTH });
    expect(res.status).toBe(405);
    expect(sim.get(CORP_GALLERY)).toBeDefined();
  });

  it('counts reads by kind and logs them', async () => {
    sim.pageSize = 2;
    const reader = createGalleryArmReader(armSettings(endpoint));
    await reader.getGallery(parseResourceId(CORP_GALLERY) as GalleryRef);
    for await (const _ of reader.listVersions(parseResourceId(UBUNTU_IMAGE) as ImageRef)) {
      // drain
    }
    await reader.listVmSkus(PUBLISHER, 'westeurope');
    expect(sim.requestCount).toEqual({ total: 5, get: 1, list: 3, skus: 1, faulted: 0, throttled: 0 });
    expect(sim.requests).toHaveLength(5);
    // What @azure/arm-compute 25.x really sends (the design notes say 2025-03-03; the SDK sends these).
    expect([...sim.seenApiVersions].sort()).toEqual(['2021-07-01', GALLERY_API_VERSION]);
    sim.resetCounters();
    expect(sim.requestCount.total).toBe(0);
    expect(sim.requests).toEqual([]);
  });

  it('adds latency when asked', async () => {
    sim.latencyMs = 150;
    const { ms, result } = await elapsedMs(() => armGet(`${CORP_GALLERY}?${API}`));
    expect(result.status).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(140);
  });
});

describe('state API', () => {
  it('keeps display casing, keys case-insensitively, replaces on re-put', () => {
    const v = versionNamed('1.13.0');
    sim.putVersion({ ...v, id: v.id.replace('rg-images', 'RG-Images') });
    expect(sim.get(v.id.toLowerCase())?.id).toBe(v.id.replace('rg-images', 'RG-Images'));
    sim.putVersion(v);
    expect(sim.all().filter((r) => r.name === '1.13.0')).toHaveLength(1);
  });

  it('rejects misplaced or orphan bodies', () => {
    expect(() => sim.putImage(fixture('gallery-private'))).toThrow(SimulatorInputError);
    expect(() => sim.putVersion(versionNamed('1.0.0', `${CORP_GALLERY}/images/nope`))).toThrow(/Parent resource/);
    expect(() => sim.putGallery({ id: 'not-an-id' })).toThrow(SimulatorInputError);
  });

  it('fills name, type and the parent location', () => {
    const id = `${UBUNTU_IMAGE}/versions/4.0.0`;
    const stored = sim.putVersion({ id, properties: { publishingProfile: { targetRegions: [] } } });
    expect(stored).toMatchObject({
      id,
      name: '4.0.0',
      type: 'Microsoft.Compute/galleries/images/versions',
      location: 'westeurope',
    });
  });

  it('echoes excludeFromLatest: false on target regions that did not set it, as ARM does (GalleryImageVersion_Get_WithVhdAsSource.json, azure-rest-api-specs GalleryRP 2023-07-03)', () => {
    const id = `${UBUNTU_IMAGE}/versions/9.9.9`;
    const stored = sim.putVersion({
      id,
      properties: {
        publishingProfile: {
          excludeFromLatest: true,
          targetRegions: [{ name: 'West Europe' }, { name: 'East US', excludeFromLatest: true }],
        },
      },
    });
    const regions = (stored.properties?.publishingProfile as { targetRegions: { excludeFromLatest?: boolean }[] })
      .targetRegions;
    expect(regions.map((r) => r.excludeFromLatest)).toEqual([false, true]);
    sim.delete(id);
  });

  it('start on a taken port says so', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const other = new ArmSimulator();
    await expect(other.start(port)).rejects.toBeInstanceOf(PortInUseError);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });
});

describe('admin endpoints', () => {
  it('creates a version with PUT, then the SDK reads it', async () => {
    const id = `${UBUNTU_IMAGE}/versions/1.13.0`;
    const { id: _drop, name: _name, location: _loc, ...body } = versionNamed('1.13.0');
    const created = await admin('PUT', `/resources${id}`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id, name: '1.13.0', location: 'westeurope' });
    const replaced = await admin('PUT', `/resources${id}`, { ...body, id });
    expect(replaced.status).toBe(200);

    const reader = createGalleryArmReader(armSettings(endpoint));
    const got = await reader.getVersion(parseResourceId(id) as VersionRef);
    expect(got.found && got.value.replicationStatus?.aggregatedState).toBe('Completed');

    const one = await admin('GET', `/resources${id.toLowerCase()}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(id);
  });

  it('DELETE removes a resource and its children', async () => {
    const r = await admin('DELETE', `/resources${UBUNTU_IMAGE}`);
    expect(r.status).toBe(200);
    expect(r.body.deleted).toBe(7);
    expect((await admin('DELETE', `/resources${UBUNTU_IMAGE}`)).status).toBe(404);
    expect((await admin('GET', `/resources${UBUNTU_IMAGE}/versions/1.9.0`)).status).toBe(404);
  });

  it('refuses bad bodies and orphans', async () => {
    expect(
      (await admin('PUT', `/resources${CORP_GALLERY}/images/nope/versions/1.0.0`, { properties: {} })).body.error.code,
    ).toBe('ParentResourceNotFound');
    expect((await admin('PUT', `/resources${UBUNTU_IMAGE}/versions/1.0.0`, '{not json')).status).toBe(400);
    expect(
      (await admin('PUT', `/resources${UBUNTU_IMAGE}/versions/1.0.0`, { id: `${UBUNTU_IMAGE}/versions/9.9.9` })).status,
    ).toBe(400);
    expect((await admin('PUT', `/resources/subscriptions/x`, { properties: {} })).status).toBe(400);
    expect((await admin('GET', '/nothing')).status).toBe(404);
  });

  it('GET state shows resources, SKUs, counters and faults', async () => {
    sim.putSkus(PUBLISHER, [{ resourceType: 'virtualMachines', name: 'Standard_D2s_v5', locations: ['westeurope'] }]);
    sim.injectFaults({ status: 503, count: 2 });
    const state = await admin('GET', '/state');
    expect(state.status).toBe(200);
    expect(state.body.resources).toHaveLength(10);
    expect(state.body.skus[PUBLISHER]).toHaveLength(1);
    expect(state.body.pendingFaults).toEqual([{ status: 503, remaining: 2, match: 'all' }]);
    expect(state.body.requestCount.total).toBe(0); // admin calls are not ARM reads
  });

  it('injects and clears faults, puts SKUs, resets', async () => {
    expect((await admin('POST', '/faults', { status: 503, count: 1, pathPattern: 'corpgallery$' })).status).toBe(202);
    expect((await armGet(`${CORP_GALLERY}?${API}`)).status).toBe(503);
    expect((await armGet(`${CORP_GALLERY}?${API}`)).status).toBe(200);
    expect((await admin('POST', '/faults', { status: 200 })).status).toBe(400);
    await admin('POST', '/faults', { status: 500, count: 5 });
    expect((await admin('DELETE', '/faults')).status).toBe(204);
    expect((await armGet(`${CORP_GALLERY}?${API}`)).status).toBe(200);

    expect(
      (
        await admin('PUT', `/skus/${PUBLISHER}`, {
          value: [{ resourceType: 'virtualMachines', name: 'Standard_X', locations: ['eastus'] }],
        })
      ).status,
    ).toBe(204);
    const skus = await armGet(
      `/subscriptions/${PUBLISHER}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=${encodeURIComponent("location eq 'eastus'")}`,
    );
    expect(skus.body.value.map((s) => s.name)).toEqual(['Standard_X']);
    const badFilter = await armGet(
      `/subscriptions/${PUBLISHER}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=name eq 'x'`,
    );
    expect(badFilter.status).toBe(400);

    expect((await admin('POST', '/reset')).status).toBe(204);
    expect(sim.all()).toEqual([]);
    expect(sim.requestCount.total).toBe(0);
  });
});

import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import type { GalleryImageVersion } from '@azure/arm-compute';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import {
  ArmAccessError,
  ArmNotFoundError,
  ArmRequestError,
  ArmTransientError,
  createGalleryArmReader,
  type GalleryArmReader,
} from '../../shared/arm/reader.js';
import { createComputeClient } from '../../shared/arm/client.js';
import { parseResourceId, type GalleryRef, type ImageRef, type VersionRef } from '../../shared/domain/ids.js';
import {
  CORP_GALLERY,
  GALLERY_FIXTURES,
  IMAGE_FIXTURES,
  PUBLISHER,
  UBUNTU_IMAGE,
  VERSION_FIXTURES,
  armSettings,
  corpGalleryFixtures,
  elapsedMs,
  fixture,
  fixtureSkus,
  versionNamed,
  resetSimulator,
} from './helpers.js';

const sim = new ArmSimulator();
let endpoint = '';
let reader: GalleryArmReader;

const ref = <T extends GalleryRef | ImageRef | VersionRef>(id: string): T => parseResourceId(id) as T;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  ({ endpoint } = await sim.start());
  reader = createGalleryArmReader(armSettings(endpoint));
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  resetSimulator(sim);
});

function seedCorp(): void {
  for (const r of corpGalleryFixtures()) sim.put(r);
}

describe('GET through the real client', () => {
  it('reads each gallery fixture, with sharing groups expanded', async () => {
    for (const name of GALLERY_FIXTURES) sim.putGallery(fixture(name));
    for (const name of GALLERY_FIXTURES) {
      const f = fixture(name);
      const got = await reader.getGallery(ref(f.id));
      expect(got.found).toBe(true);
      if (!got.found) continue;
      expect(got.value.id).toBe(f.id);
      expect(got.value.name).toBe(f.name);
      expect(got.value.location).toBe(f.location);
      expect(got.value.provisioningState).toBe('Succeeded');
      expect(got.value.sharingProfile?.permissions).toBe(
        (f.properties?.sharingProfile as { permissions: string }).permissions,
      );
    }
    const shared = await reader.getGallery(ref(fixture('gallery-direct-shared').id));
    expect(shared.found && shared.value.sharingProfile?.groups).toEqual([
      { type: 'Subscriptions', ids: ['9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b'] },
      { type: 'AADTenants', ids: ['c24c76aa-8897-4027-9b03-8f7928b54ff6'] },
    ]);
    const community = await reader.getGallery(ref(fixture('gallery-community').id));
    expect(community.found && community.value.sharingProfile?.communityGalleryInfo?.publicNames).toEqual([
      'contoso-1a2b3c4d',
    ]);
    // The reader asked for the groups.
    const galleryGets = sim.requests.filter((r) => r.kind === 'get');
    expect(galleryGets.every((r) => r.query.$expand === 'SharingProfile/Groups')).toBe(true);
  });

  it('reads each image definition fixture, flattened by the SDK', async () => {
    seedCorp();
    for (const name of IMAGE_FIXTURES) {
      const f = fixture(name);
      const got = await reader.getImage(ref(f.id));
      expect(got.found).toBe(true);
      if (!got.found) continue;
      const p = f.properties as Record<string, unknown>;
      expect(got.value.id).toBe(f.id);
      expect(got.value.osType).toBe(p.osType);
      expect(got.value.osState).toBe(p.osState);
      expect(got.value.hyperVGeneration).toBe(p.hyperVGeneration);
      expect(got.value.architecture).toBe(p.architecture);
      expect(got.value.identifier).toEqual(p.identifier);
      expect(got.value.features ?? []).toEqual(p.features ?? []);
    }
    const linux = await reader.getImage(ref(UBUNTU_IMAGE));
    expect(linux.found && linux.value.endOfLifeDate).toEqual(new Date('2027-06-30T00:00:00Z'));
    expect(linux.found && linux.value.recommended?.vCPUs).toEqual({ min: 2, max: 16 });
    const windows = await reader.getImage(ref(`${CORP_GALLERY}/images/win2022-sql`));
    expect(windows.found && windows.value.purchasePlan).toEqual({
      name: 'sql2022',
      publisher: 'contoso',
      product: 'sqlserver',
    });
  });

  it('reads each version fixture with its replication status', async () => {
    seedCorp();
    for (const name of VERSION_FIXTURES) {
      const f = fixture(name);
      const got = await reader.getVersion(ref(f.id));
      expect(got.found).toBe(true);
      if (!got.found) continue;
      const p = f.properties as {
        provisioningState: string;
        replicationStatus: { aggregatedState: string; summary: unknown[] };
      };
      expect(got.value.id).toBe(f.id);
      expect(got.value.provisioningState).toBe(p.provisioningState);
      expect(got.value.replicationStatus?.aggregatedState).toBe(p.replicationStatus.aggregatedState);
      expect(got.value.replicationStatus?.summary).toHaveLength(p.replicationStatus.summary.length);
      expect(got.value.publishingProfile?.publishedDate).toBeInstanceOf(Date);
    }
    const regional = await reader.getVersion(ref(fixture('image-version-regional-exclude').id));
    expect(
      regional.found && regional.value.publishingProfile?.targetRegions?.map((t) => [t.name, t.excludeFromLatest]),
    ).toEqual([
      ['West Europe', true],
      ['East US', false],
    ]);
    const replicating = await reader.getVersion(ref(fixture('image-version-replicating').id));
    expect(replicating.found && replicating.value.replicationStatus?.summary?.map((s) => s.state)).toContain(
      'Replicating',
    );
    const shallow = await reader.getVersion(ref(fixture('image-version-shallow-eol').id));
    expect(shallow.found && shallow.value.publishingProfile?.replicationMode).toBe('Shallow');
    expect(shallow.found && shallow.value.publishingProfile?.endOfLifeDate).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(sim.requests.filter((r) => r.kind === 'get').every((r) => r.query.$expand === 'ReplicationStatus')).toBe(
      true,
    );
  });

  it('without $expand the SDK gets no sharing groups and no replication status (as ARM)', async () => {
    sim.putGallery(fixture('gallery-direct-shared'));
    seedCorp();
    const client = createComputeClient(armSettings(endpoint), PUBLISHER);
    const gallery = await client.galleries.get('rg-images', 'partnerGallery');
    expect(gallery.sharingProfile?.permissions).toBe('Groups');
    expect(gallery.sharingProfile?.groups).toBeUndefined();
    const version = await client.galleryImageVersions.get('rg-images', 'corpGallery', 'ubuntu-2204-base', '1.9.0');
    expect(version.provisioningState).toBe('Succeeded');
    expect(version.replicationStatus).toBeUndefined();
    const expanded = await client.galleryImageVersions.get('rg-images', 'corpGallery', 'ubuntu-2204-base', '1.9.0', {
      expand: 'ReplicationStatus',
    });
    expect(expanded.replicationStatus?.aggregatedState).toBe('Completed');
  });

  it('a missing resource is { found: false }, missing parents included', async () => {
    seedCorp();
    expect(await reader.getGallery(ref(`${CORP_GALLERY.replace('corpGallery', 'nope')}`))).toEqual({ found: false });
    expect(await reader.getImage(ref(`${CORP_GALLERY}/images/nope`))).toEqual({ found: false });
    expect(await reader.getVersion(ref(`${UBUNTU_IMAGE}/versions/3.0.0`))).toEqual({ found: false });
    // Parent gallery / image missing: ARM answers ParentResourceNotFound, still a 404.
    expect(await reader.getVersion(ref(`${CORP_GALLERY}/images/nope/versions/1.0.0`))).toEqual({ found: false });
    expect(
      await reader.getImage(
        ref(`/subscriptions/${PUBLISHER}/resourceGroups/rg-x/providers/Microsoft.Compute/galleries/g1/images/i1`),
      ),
    ).toEqual({
      found: false,
    });
    expect(sim.requests.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    // 404s are not retried.
    expect(sim.requestCount.total).toBe(5);
  });

  it('ids match case-insensitively and come back in their display casing', async () => {
    seedCorp();
    const versionId = fixture('image-version-completed').id;
    const shouted = ref<VersionRef>(versionId);
    const odd: VersionRef = {
      ...shouted,
      resourceGroup: 'RG-IMAGES',
      gallery: 'CORPGALLERY',
      image: 'Ubuntu-2204-BASE',
      subscriptionId: PUBLISHER.toUpperCase(),
    };
    const got = await reader.getVersion(odd);
    expect(got.found && got.value.id).toBe(versionId);
    const versions = await collect(reader.listVersions({ ...odd, level: 'image' }));
    expect(versions).toHaveLength(VERSION_FIXTURES.length);
  });
});

describe('lists follow nextLink', () => {
  it('lists versions across three pages of two', async () => {
    seedCorp();
    sim.pageSize = 2;
    sim.resetCounters();
    const versions: GalleryImageVersion[] = await collect(reader.listVersions(ref(UBUNTU_IMAGE)));
    expect(versions.map((v) => v.name)).toEqual(VERSION_FIXTURES.map((n) => fixture(n).name));
    expect(sim.requestCount.list).toBe(3);
    const pages = sim.requests.filter((r) => r.kind === 'list');
    expect(pages[0]?.query.$skiptoken).toBeUndefined();
    expect(pages[1]?.query.$skiptoken).toBeDefined();
    expect(pages[2]?.query.$skiptoken).toBeDefined();
    // Listed versions carry no replicationStatus (as ARM); a GET with $expand does.
    expect(versions.every((v) => v.replicationStatus === undefined)).toBe(true);
  });

  it('lists galleries by subscription and images by gallery, paging', async () => {
    for (const name of GALLERY_FIXTURES) sim.putGallery(fixture(name));
    seedCorp();
    sim.putGallery({
      ...fixture('gallery-private'),
      id: `/subscriptions/5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f/resourceGroups/rg-team/providers/Microsoft.Compute/galleries/teamGallery`,
      name: 'teamGallery',
    });
    sim.pageSize = 2;
    const galleries = await collect(reader.listGalleries(PUBLISHER));
    expect(galleries.map((g) => g.name).sort()).toEqual(['corpGallery', 'partnerGallery', 'publicGallery']);
    expect(galleries.find((g) => g.name === 'partnerGallery')?.sharingProfile?.groups).toBeUndefined();
    const images = await collect(reader.listImages(ref(CORP_GALLERY)));
    expect(images.map((i) => i.name)).toEqual(['ubuntu-2204-base', 'win2022-sql', 'mariner-arm64']);
    expect(await collect(reader.listGalleries('5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f'))).toHaveLength(1);
    expect(await collect(reader.listGalleries('9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b'))).toEqual([]);
  });

  it('lists many versions (5 pages of 2)', async () => {
    seedCorp();
    sim.delete(UBUNTU_IMAGE);
    sim.putImage(fixture('image-definition-linux-gen2-trustedlaunch'));
    for (let i = 0; i < 9; i++) sim.putVersion(versionNamed(`1.${i}.0`));
    sim.pageSize = 2;
    sim.resetCounters();
    const names = (await collect(reader.listVersions(ref(UBUNTU_IMAGE)))).map((v) => v.name);
    expect(names).toEqual(Array.from({ length: 9 }, (_, i) => `1.${i}.0`));
    expect(sim.requestCount.list).toBe(5);
  });

  it('listing the children of a missing parent throws ArmNotFoundError', async () => {
    const err = await rejection(collect(reader.listImages(ref(CORP_GALLERY))));
    expect(err).toBeInstanceOf(ArmNotFoundError);
    expect(err).toBeInstanceOf(ArmRequestError);
    expect((err as ArmNotFoundError).status).toBe(404);
    expect((err as ArmNotFoundError).code).toBe('ParentResourceNotFound');
  });

  it('a failure on a later page surfaces from the iteration', async () => {
    seedCorp();
    sim.pageSize = 2;
    // Every page has the same path: let the first one through, fail the rest.
    let pages = 0;
    sim.injectFaults({
      match: () => {
        pages += 1;
        return pages > 1;
      },
      status: 500,
      count: 100,
    });
    const seen: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const v of reader.listVersions(ref(UBUNTU_IMAGE))) seen.push(v.name ?? '');
      })(),
    );
    expect(seen).toEqual(['1.9.0', '1.10.0']);
    expect(err).toBeInstanceOf(ArmTransientError);
    expect((err as ArmTransientError).status).toBe(500);
  });
});

describe('throttling, server errors, access errors', () => {
  it('honours Retry-After on 429, then succeeds', async () => {
    seedCorp();
    sim.injectFaults({ status: 429, count: 1, retryAfterSeconds: 1 });
    const { ms, result } = await elapsedMs(() => reader.getVersion(ref(fixture('image-version-completed').id)));
    expect(result.found).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(sim.requestCount.get).toBe(2);
    expect(sim.requestCount.faulted).toBe(1);
    expect(sim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('429 beyond the retries is an ArmTransientError with the code and Retry-After', async () => {
    seedCorp();
    sim.injectFaults({ status: 429, count: 10, retryAfterSeconds: 0 });
    const r = createGalleryArmReader(armSettings(endpoint, { maxRetries: 1 }));
    const err = await rejection(r.getGallery(ref(CORP_GALLERY)));
    expect(err).toBeInstanceOf(ArmTransientError);
    expect(err).toMatchObject({ status: 429, code: 'TooManyRequests', retryAfterMs: 0 });
    expect(sim.requestCount.total).toBe(2);
  });

  it('repeated 5xx is an ArmTransientError after maxRetries', async () => {
    seedCorp();
    sim.injectFaults({ status: 500, count: 10 });
    const err = await rejection(reader.getImage(ref(UBUNTU_IMAGE)));
    expect(err).toBeInstanceOf(ArmTransientError);
    expect((err as ArmTransientError).status).toBe(500);
    expect((err as ArmTransientError).code).toBe('InternalServerError');
    expect((err as ArmTransientError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.requestCount.total).toBe(3); // 1 + maxRetries (2)
  });

  it('a single 503 is retried by the SDK', async () => {
    seedCorp();
    sim.injectFaults({ status: 503, count: 1 });
    expect((await reader.getImage(ref(UBUNTU_IMAGE))).found).toBe(true);
    expect(sim.requestCount.get).toBe(2);
  });

  it('a dropped connection is retried; persistent drops are transient', async () => {
    seedCorp();
    sim.injectFaults({ status: 'connection-reset', count: 1 });
    expect((await reader.getGallery(ref(CORP_GALLERY))).found).toBe(true);
    sim.injectFaults({ status: 'connection-reset', count: 10 });
    const err = await rejection(reader.getGallery(ref(CORP_GALLERY)));
    expect(err).toBeInstanceOf(ArmTransientError);
    expect((err as ArmTransientError).status).toBeUndefined();
    expect((err as ArmTransientError).code).toBeDefined();
  });

  it('403 is an ArmAccessError, not retried', async () => {
    seedCorp();
    sim.injectFaults({ status: 403, count: 1 });
    const err = await rejection(reader.getGallery(ref(CORP_GALLERY)));
    expect(err).toBeInstanceOf(ArmAccessError);
    expect(err).toMatchObject({ status: 403, code: 'AuthorizationFailed' });
    expect(sim.requestCount.total).toBe(1);
  });

  it('401 is an ArmAccessError, other 4xx an ArmRequestError', async () => {
    seedCorp();
    sim.injectFaults({ status: 401, count: 1 });
    expect(await rejection(collect(reader.listGalleries(PUBLISHER)))).toBeInstanceOf(ArmAccessError);
    sim.injectFaults({ status: 400, count: 1, code: 'InvalidParameter', message: 'bad' });
    const err = await rejection(reader.getVersion(ref(fixture('image-version-failed').id)));
    expect(err).toBeInstanceOf(ArmRequestError);
    expect(err).not.toBeInstanceOf(ArmNotFoundError);
    expect(err).toMatchObject({ status: 400, code: 'InvalidParameter' });
  });

  it('an abort passes through as an AbortError', async () => {
    seedCorp();
    sim.latencyMs = 500;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await rejection(reader.getGallery(ref(CORP_GALLERY), { abortSignal: controller.signal }));
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('state changes', () => {
  it('deleting a gallery removes its images and versions', async () => {
    seedCorp();
    expect((await reader.getVersion(ref(fixture('image-version-completed').id))).found).toBe(true);
    expect(sim.delete(CORP_GALLERY.toLowerCase())).toBe(1 + IMAGE_FIXTURES.length + VERSION_FIXTURES.length);
    expect(await reader.getGallery(ref(CORP_GALLERY))).toEqual({ found: false });
    expect(await reader.getImage(ref(UBUNTU_IMAGE))).toEqual({ found: false });
    expect(await reader.getVersion(ref(fixture('image-version-completed').id))).toEqual({ found: false });
    expect(sim.get(fixture('image-version-completed').id)).toBeUndefined();
  });

  it('deleting an image removes its versions only', async () => {
    seedCorp();
    sim.delete(UBUNTU_IMAGE);
    expect((await reader.getGallery(ref(CORP_GALLERY))).found).toBe(true);
    expect((await reader.getImage(ref(`${CORP_GALLERY}/images/win2022-sql`))).found).toBe(true);
    expect(await reader.getVersion(ref(fixture('image-version-failed').id))).toEqual({ found: false });
    // Re-creating the image does not bring old versions back.
    sim.putImage(fixture('image-definition-linux-gen2-trustedlaunch'));
    expect(await collect(reader.listVersions(ref(UBUNTU_IMAGE)))).toEqual([]);
  });

  it('a version that changes state is read fresh', async () => {
    seedCorp();
    const v = fixture('image-version-replicating');
    expect((await reader.getVersion(ref(v.id))).found && true).toBe(true);
    const done = structuredClone(v);
    (done.properties as { replicationStatus: { aggregatedState: string } }).replicationStatus.aggregatedState =
      'Completed';
    sim.putVersion(done);
    const got = await reader.getVersion(ref(v.id));
    expect(got.found && got.value.replicationStatus?.aggregatedState).toBe('Completed');
  });
});

describe('VM sizes', () => {
  it('lists the sizes of a region with the location filter', async () => {
    sim.putSkus(PUBLISHER, fixtureSkus());
    const we = await reader.listVmSkus(PUBLISHER, 'westeurope');
    expect(we.map((s) => s.name)).toEqual(fixtureSkus().value.map((s) => s.name));
    const eus = await reader.listVmSkus(PUBLISHER, 'East US');
    expect(eus.map((s) => s.name)).not.toContain('Standard_D64s_v5');
    expect(eus).toHaveLength(6);
    expect(eus.every((s) => JSON.stringify(s.locations) === '["eastus"]')).toBe(true);
    expect(eus[0]?.locationInfo?.map((l) => l.location)).toEqual(['eastus']);
    expect(eus[0]?.capabilities?.find((c) => c.name === 'vCPUs')?.value).toBe('2');
    expect(await reader.listVmSkus(PUBLISHER, 'japaneast')).toEqual([]);
    expect(sim.requests.filter((r) => r.kind === 'skus').map((r) => r.query.$filter)).toEqual([
      "location eq 'westeurope'",
      "location eq 'eastus'",
      "location eq 'japaneast'",
    ]);
  });

  it('a subscription without sizes lists none', async () => {
    expect(await reader.listVmSkus('5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f', 'westeurope')).toEqual([]);
  });
});

import { describe, it, expect, beforeAll, afterAll, beforeEach, inject } from 'vitest';
import { ArmSimulator, type RestResource } from '../../dev/arm-simulator.js';
import { startApp, type AppHost } from '../support/app-host.js';
import { services } from '../../shared/services.js';
import {
  armEvent,
  clearCatalog,
  expectCatalogEqualsArm,
  fixture,
  liveCatalogIds,
  postEvents,
} from '../support/catalog-fixtures.js';
import { parseResourceId, type GalleryRef, type ImageRef, type VersionRef } from '../../shared/domain/ids.js';

const ids = fixture<{ subscriptions: Record<string, string>; tenants: Record<string, string> }>('identities.json');
const PUB = ids.subscriptions.publisher_contoso!;
const OTHER = ids.subscriptions.other_org!;
const PARTNER_TENANT = ids.tenants.partner!;

let sim: ArmSimulator;
let host: AppHost;

beforeAll(async () => {
  sim = new ArmSimulator();
  const { endpoint } = await sim.start();
  host = await startApp({
    CatalogStorage: inject('azuriteConnectionString'),
    ARM_ENDPOINT: endpoint,
    ARM_CREDENTIAL: 'local',
    ARM_MAX_RETRIES: '1',
    ARM_RETRY_DELAY_MS: '10',
    ARM_MAX_RETRY_DELAY_MS: '50',
  });
});
afterAll(async () => {
  await host.stop();
  await sim.stop();
});

const store = () => services().catalog;
const galleryId = `/subscriptions/${PUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery`;
const imageId = `${galleryId}/images/ubuntu-2204-base`;

function withId(r: RestResource, id: string, name: string): RestResource {
  return { ...structuredClone(r), id, name };
}

async function deliver(...events: unknown[]): Promise<void> {
  const res = await postEvents(host.url, events);
  expect(res.status).toBe(202);
}

describe('catalog from Event Grid events, end to end', () => {
  beforeEach(async () => {
    sim.clear();
    await clearCatalog(store());
  });

  it('indexes a gallery, a definition and three versions; a delete tombstones; a share updates sharing', async () => {
    sim.clear();
    sim.putGallery(fixture('arm/gallery-private.json'));
    await deliver(armEvent(galleryId, 'Write'));
    sim.putImage(fixture('arm/image-definition-linux-gen2-trustedlaunch.json'));
    await deliver(armEvent(imageId, 'Write'));
    const v19 = fixture<RestResource>('arm/image-version-completed.json');
    const v110 = fixture<RestResource>('arm/image-version-replicating.json');
    const v200 = fixture<RestResource>('arm/image-version-excluded-global.json');
    for (const v of [v19, v110, v200]) sim.putVersion(v);
    await deliver(...[v19, v110, v200].map((v) => armEvent(v.id, 'Write')));

    const versions = await store().listVersions(parseResourceId(imageId) as ImageRef);
    expect(versions.map((v) => v.ref.version)).toEqual(['2.0.0', '1.10.0', '1.9.0']);

    sim.delete(v200.id);
    await deliver(armEvent(v200.id, 'Delete'));
    const gone = await store().getVersion(parseResourceId(v200.id) as VersionRef);
    expect(gone).toMatchObject({ deleted: true });
    expect(gone?.record).toBeUndefined();

    const shared = structuredClone(
      fixture<RestResource & { properties: Record<string, unknown> }>('arm/gallery-private.json'),
    );
    shared.properties.sharingProfile = {
      permissions: 'Groups',
      groups: [
        { type: 'Subscriptions', ids: [OTHER] },
        { type: 'AADTenants', ids: [PARTNER_TENANT] },
      ],
    };
    sim.putGallery(shared);
    await deliver(armEvent(galleryId, 'Action', { share: true }));

    const g = await store().getGallery(parseResourceId(galleryId) as GalleryRef);
    expect(g?.record?.sharing).toMatchObject({
      permissions: 'Groups',
      subscriptionIds: [OTHER],
      tenantIds: [PARTNER_TENANT],
    });
    expect((await store().sharedGalleries({ subscriptionId: OTHER })).map((r) => r.gallery)).toEqual(['corpGallery']);
    expect((await store().sharedGalleries({ tenantId: PARTNER_TENANT })).map((r) => r.gallery)).toEqual([
      'corpGallery',
    ]);

    await expectCatalogEqualsArm(sim, store(), [PUB]);
  });

  it('indexes every ARM fixture as ARM returns it', async () => {
    sim.clear();
    const galleries = ['gallery-private', 'gallery-direct-shared', 'gallery-community'].map((n) =>
      fixture<RestResource>(`arm/${n}.json`),
    );
    const images = [
      'image-definition-linux-gen2-trustedlaunch',
      'image-definition-arm64-confidential',
      'image-definition-windows-specialized',
    ].map((n) => fixture<RestResource>(`arm/${n}.json`));
    const versions = [
      'image-version-completed',
      'image-version-replicating',
      'image-version-failed',
      'image-version-excluded-global',
      'image-version-regional-exclude',
      'image-version-shallow-eol',
    ].map((n) => fixture<RestResource>(`arm/${n}.json`));
    const pages = [
      ...fixture<{ value: RestResource[] }>('arm/list-versions-page1.json').value,
      ...fixture<{ value: RestResource[] }>('arm/list-versions-page2.json').value,
    ];
    const known = new Set(versions.map((v) => v.id.toLowerCase()));
    const listed = pages.filter((v) => !known.has(v.id.toLowerCase()));
    for (const r of [...galleries, ...images, ...versions, ...listed]) sim.put(r);
    const all = [...galleries, ...images, ...versions, ...listed];
    await deliver(...all.map((r) => armEvent(r.id, 'Write')));
    await expectCatalogEqualsArm(sim, store(), [PUB]);

    const failed = await store().getVersion(parseResourceId(versions[2]!.id) as VersionRef);
    expect(failed?.record?.provisioningState).toBe('Failed');
    const community = await store().sharedGalleries('community');
    expect(community.map((c) => c.gallery)).toContain('publicGallery');
  });

  it('handles each delivered event fixture as its kind says', async () => {
    sim.clear();
    sim.putGallery(fixture('arm/gallery-private.json'));
    sim.putGallery(fixture('arm/gallery-direct-shared.json'));
    sim.putImage(fixture('arm/image-definition-linux-gen2-trustedlaunch.json'));
    sim.putVersion(fixture('arm/image-version-replicating.json')); // 1.10.0
    sim.putVersion(fixture('arm/image-version-completed.json')); // 1.9.0

    // A version indexed earlier, deleted in ARM since: the delete event tombstones it.
    sim.putVersion(fixture('arm/image-version-shallow-eol.json')); // 1.2.0
    await deliver(armEvent(`${imageId}/versions/1.2.0`, 'Write'));
    sim.delete(`${imageId}/versions/1.2.0`);

    for (const name of [
      'version-write-success',
      'cloudevents-version-write',
      'definition-write-success',
      'gallery-share-action',
      'version-delete-success',
    ]) {
      const res = await postEvents(host.url, fixture(`events/${name}.json`));
      expect(res.status, name).toBe(202);
    }
    // lower-case `resourcegroups` subject → the same catalog entry as ARM's casing
    const v110 = await store().getVersion(parseResourceId(`${imageId}/versions/1.10.0`) as VersionRef);
    expect(v110?.record?.aggregatedReplicationState).toBe('InProgress');
    expect(v110?.lastEventId).toBe('b3b9a5d6-4c1e-4a57-9d0e-6f1c2a3b4c5d');
    expect((await store().getVersion(parseResourceId(`${imageId}/versions/1.9.0`) as VersionRef))?.lastEventId).toBe(
      'c9d0e1f2-5a6b-4c7d-8e9f-4a5b6c7d8e9f',
    );
    expect((await store().getImage(parseResourceId(imageId) as ImageRef))?.record?.sku).toBe('2204-base');
    expect(
      (
        await store().getGallery(
          parseResourceId(
            `/subscriptions/${PUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/partnerGallery`,
          ) as GalleryRef,
        )
      )?.record?.sharing.tenantIds,
    ).toEqual([PARTNER_TENANT]);
    expect(await store().getVersion(parseResourceId(`${imageId}/versions/1.2.0`) as VersionRef)).toMatchObject({
      deleted: true,
      lastEventId: 'c4d5e6f7-0a1b-4c2d-9e3f-405162738495',
    });

    // A failure event and an unrelated resource write change nothing.
    const before = await liveCatalogIds(store(), [PUB]);
    sim.resetCounters();
    for (const name of ['write-failure', 'unrelated-storage-write']) {
      expect((await postEvents(host.url, fixture(`events/${name}.json`))).status, name).toBe(202);
    }
    expect(sim.requestCount.total).toBe(0);
    expect(await liveCatalogIds(store(), [PUB])).toEqual(before);
    expect(await store().getVersion(parseResourceId(`${imageId}/versions/1.12.0`) as VersionRef)).toBeUndefined();

    // The validation handshake fixture.
    const validation = await postEvents(
      host.url,
      fixture('events/subscription-validation.json'),
      'SubscriptionValidation',
    );
    expect(await validation.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  });

  it('logs and completes bad events without writing or throwing', async () => {
    sim.putGallery(fixture('arm/gallery-private.json'));
    await deliver(armEvent(galleryId, 'Write'));
    sim.resetCounters();
    const before = await liveCatalogIds(store(), [PUB]);
    const good = armEvent(`${imageId}/versions/1.9.0`, 'Write');
    const bad = [
      { ...good, id: 'bad-shape', data: 'not an object' },
      { id: 'no-type', subject: good.subject, eventTime: good.eventTime, data: good.data },
      {
        ...good,
        id: 'bad-id',
        subject: '/subscriptions/nope/resourceGroups/x',
        data: { ...(good.data as object), resourceUri: '/subscriptions/nope/resourceGroups/x' },
      },
      {
        ...good,
        id: 'huge',
        subject: `${imageId}/versions/${'9'.repeat(5000)}`,
        data: { ...(good.data as object), resourceUri: `${imageId}/versions/${'9'.repeat(5000)}` },
      },
      {
        ...good,
        id: 'mismatch',
        data: { ...(good.data as object), operationName: 'Microsoft.Compute/galleries/write' },
      },
      42,
      null,
    ];
    const res = await postEvents(host.url, bad);
    expect(res.status).toBe(202);
    expect(sim.requestCount.total).toBe(0);
    expect(await liveCatalogIds(store(), [PUB])).toEqual(before);
    const warnings = host.logs
      .filter((l) => l.functionName === 'galleryEvents' && l.level === 'warning')
      .map((l) => l.message);
    for (const id of ['bad-shape', 'no-type', 'bad-id', 'huge', 'mismatch'])
      expect(
        warnings.some((w) => w.includes(`event ${id} rejected`)),
        id,
      ).toBe(true);
  });

  it('a late write for a deleted version keeps the tombstone; a genuine re-create restores it', async () => {
    sim.clear();
    sim.putGallery(fixture('arm/gallery-private.json'));
    sim.putImage(fixture('arm/image-definition-linux-gen2-trustedlaunch.json'));
    const v = fixture<RestResource>('arm/image-version-completed.json');
    sim.putVersion(v);
    const write = armEvent(v.id, 'Write');
    await deliver(write);
    sim.delete(v.id);
    await deliver(armEvent(v.id, 'Delete'));
    await deliver(write); // redelivered late
    expect(await store().getVersion(parseResourceId(v.id) as VersionRef)).toMatchObject({ deleted: true });
    sim.putVersion(withId(v, v.id, '1.9.0'));
    await deliver(armEvent(v.id, 'Write'));
    expect((await store().getVersion(parseResourceId(v.id) as VersionRef))?.deleted).toBe(false);
  });

  it('a deleted gallery or image definition tombstones everything under it', async () => {
    sim.clear();
    sim.putGallery(fixture('arm/gallery-private.json'));
    for (const n of ['image-definition-linux-gen2-trustedlaunch', 'image-definition-windows-specialized'])
      sim.putImage(fixture(`arm/${n}.json`));
    for (const n of ['image-version-completed', 'image-version-replicating']) sim.putVersion(fixture(`arm/${n}.json`));
    await deliver(...sim.all().map((r) => armEvent(r.id, 'Write')));
    expect(await liveCatalogIds(store(), [PUB])).toHaveLength(5);
    sim.delete(imageId);
    await deliver(armEvent(imageId, 'Delete'));
    expect(await liveCatalogIds(store(), [PUB])).toHaveLength(2);
    sim.delete(galleryId);
    await deliver(armEvent(galleryId, 'Delete'));
    expect(await liveCatalogIds(store(), [PUB])).toHaveLength(0);
    await expectCatalogEqualsArm(sim, store(), [PUB]);
  });

  it('answers 500 on a transient ARM failure so Event Grid redelivers, then converges', async () => {
    sim.clear();
    sim.putGallery(fixture('arm/gallery-private.json'));
    sim.injectFaults({ status: 503, count: 10 });
    const res = await postEvents(host.url, [armEvent(galleryId, 'Write')]);
    expect(res.status).toBe(500);
    sim.clearFaults();
    await deliver(armEvent(galleryId, 'Write'));
    expect((await store().getGallery(parseResourceId(galleryId) as GalleryRef))?.record?.description).toBe(
      'Golden images',
    );
  });

  /** Posts a gallery write event whose ARM read is answered once with `status`. */
  async function deliverFaulted(status: number, code: string, eventId: string): Promise<number> {
    sim.clear();
    sim.putGallery(fixture('arm/gallery-private.json'));
    sim.injectFaults({ status, count: 1, code, message: `ARM says ${status}` });
    host.logs.length = 0;
    const res = await postEvents(host.url, [armEvent(galleryId, 'Write', { eventId })]);
    expect(await store().getGallery(parseResourceId(galleryId) as GalleryRef)).toBeUndefined();
    return res.status;
  }
  const logged = (eventId: string, pattern: RegExp): boolean =>
    host.logs.some(
      (l) => l.functionName === 'galleryEvents' && l.message.startsWith(`event ${eventId} `) && pattern.test(l.message),
    );

  it('answers 500 when ARM refuses the read (403: a role assignment still propagating), logging the event id; converges once access is granted', async () => {
    expect(await deliverFaulted(403, 'AuthorizationFailed', 'evt-refused-403')).toBe(500);
    expect(logged('evt-refused-403', /failed, Event Grid will redeliver: .*403/)).toBe(true);
    await deliver(armEvent(galleryId, 'Write', { eventId: 'evt-refused-403' }));
    expect((await store().getGallery(parseResourceId(galleryId) as GalleryRef))?.record?.description).toBe(
      'Golden images',
    );
  });

  it('answers 500 on a 401 as well', async () => {
    expect(await deliverFaulted(401, 'InvalidAuthenticationToken', 'evt-refused-401')).toBe(500);
  });

  it('a 400 from ARM is a logged skip (202), naming the event id', async () => {
    expect(await deliverFaulted(400, 'InvalidParameter', 'evt-bad-400')).toBe(202);
    expect(logged('evt-bad-400', /skipped .*400/)).toBe(true);
  });
});

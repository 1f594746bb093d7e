import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startJobsHost, envelope, galleryImage, type JobsHost } from '../support/jobs-host.js';
import { DEMO_IMAGES, DEMO_VERSIONS } from '../../dev/demo/demo-org.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';
import type { RestResource } from '../../dev/arm-simulator.js';

// Exclusion from latest, through every public interface that depends on it: excluded in region R
// iff the global publishingProfile.excludeFromLatest is true OR R's target-region entry says true.
// Version bodies echo a regional excludeFromLatest: false, as real ARM does
// (Azure/azure-rest-api-specs GalleryRP/stable/2023-07-03/examples/galleryExamples/GalleryImageVersion_Get_WithVhdAsSource.json).
type Json = Record<string, unknown>;
type Case = {
  name: string;
  global?: boolean;
  regions?: (boolean | undefined)[] | 'none';
  eligible: { westeurope: boolean; eastus: boolean };
};
const CASES: Case[] = [
  {
    name: 'global-true-regional-false',
    global: true,
    regions: [false, false],
    eligible: { westeurope: false, eastus: false },
  },
  {
    name: 'regional-true-westeurope',
    global: false,
    regions: [true, false],
    eligible: { westeurope: false, eastus: true },
  },
  { name: 'global-true-no-regions', global: true, regions: 'none', eligible: { westeurope: false, eastus: false } },
  { name: 'both-false', global: false, regions: [false, false], eligible: { westeurope: true, eastus: true } },
  { name: 'both-absent', regions: [undefined, undefined], eligible: { westeurope: true, eastus: true } },
];
const imageId = (c: Case): string => `${DEMO_IMAGES.ubuntu.replace(/ubuntu-2204-base$/, '')}x-${c.name}`;
const imagePath = (c: Case): string =>
  imageId(c)
    .replace(/^\/subscriptions\//, 'subscriptions/')
    .replace('/providers/Microsoft.Compute/', '/');

let host: JobsHost;

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
  const image = host.sim.get(DEMO_IMAGES.ubuntu)!;
  const version = host.sim.get(DEMO_VERSIONS.ubuntuCompleted)!; // completed in West Europe and East US
  const events: Json[] = [];
  for (const c of CASES) {
    const img = structuredClone(image);
    img.id = imageId(c);
    delete img.name;
    (img.properties as { identifier: Json }).identifier = { publisher: 'Contoso', offer: 'Exclusion', sku: c.name };
    host.sim.put(img);
    const v = structuredClone(version) as RestResource & {
      properties: { publishingProfile: Json; replicationStatus: { summary: Json[] } };
    };
    v.id = `${imageId(c)}/versions/1.0.0`;
    delete v.name;
    const pp = v.properties.publishingProfile;
    if (c.global === undefined) delete pp.excludeFromLatest;
    else pp.excludeFromLatest = c.global;
    if (c.regions === 'none') {
      delete pp.targetRegions; // the service then replicates to the source region only
      v.properties.replicationStatus.summary = v.properties.replicationStatus.summary.filter(
        (s) => s.region === 'West Europe',
      );
    } else {
      const regions = c.regions!;
      pp.targetRegions = (pp.targetRegions as Json[]).map((t, i) => {
        const { excludeFromLatest: _drop, ...rest } = t;
        return regions[i] === undefined ? rest : { ...rest, excludeFromLatest: regions[i] };
      });
    }
    host.sim.put(v);
    events.push(armEvent(imageId(c), 'Write'), armEvent(v.id, 'Write'));
  }
  expect((await postEvents(host.url, events)).status).toBe(202);
});
afterAll(async () => {
  await host.stop();
});

describe('exclusion from latest (global OR regional)', () => {
  for (const c of CASES) {
    for (const region of ['westeurope', 'eastus'] as const) {
      const targeted = c.regions !== 'none' || region === 'westeurope';
      it(`${c.name} in ${region}: ${c.eligible[region] ? 'eligible' : 'excluded'} through latest, the version list and search`, async () => {
        const latest = await host.request('GET', `${imagePath(c)}/versions/latest?region=${region}`);
        expect(latest.status).toBe(200);
        expect(latest.body.version).toBe(c.eligible[region] ? '1.0.0' : undefined);

        const list = await host.request('GET', `${imagePath(c)}/versions?region=${region}`);
        expect(list.status).toBe(200);
        const item = (
          list.body.items as {
            version: string;
            deployability: { deployable: boolean; eligibleForLatest: boolean; reasons: { code: string }[] };
          }[]
        )[0]!;
        expect(item.deployability).toMatchObject({ deployable: targeted, eligibleForLatest: c.eligible[region] });
        if (targeted && !c.eligible[region]) {
          const expected = [
            ...(c.global === true ? ['excluded-global'] : []),
            ...(c.regions !== 'none' && c.regions?.[region === 'westeurope' ? 0 : 1] === true
              ? ['excluded-regional']
              : []),
          ];
          expect(item.deployability.reasons.map((r) => r.code)).toEqual(expected);
        }

        const search = await host.request('GET', `images?sku=${c.name}&region=${region}`);
        expect(search.status).toBe(200);
        expect((search.body.items as unknown[]).length).toBe(c.eligible[region] ? 1 : 0);
      });
    }
  }

  it('a group job on latest skips the globally excluded 2.0.0 (regional entries false) and resolves 1.10.0 in West Europe', async () => {
    const env = envelope('elastigroup-gallery-latest');
    galleryImage(env.body as Json).spotAccountId = 'act-1a2b3c4d';
    const job = await host.run(env);
    expect(job, JSON.stringify(job)).toMatchObject({
      status: 'succeeded',
      resolvedImageVersionId: `${DEMO_IMAGES.ubuntu}/versions/1.10.0`,
    });
  });

  it('a group job on latest of a definition whose only version is excluded globally (regional false) fails', async () => {
    const c = CASES[0]!;
    const env = envelope('elastigroup-gallery-latest');
    Object.assign(galleryImage(env.body as Json), { spotAccountId: 'act-1a2b3c4d', imageName: `x-${c.name}` });
    const job = await host.run(env);
    expect(job.status, JSON.stringify(job)).toBe('failed');
    expect(JSON.stringify(job.errors)).toMatch(/exclud/i);
  });
});

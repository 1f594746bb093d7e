import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startJobsHost, type JobsHost } from '../support/jobs-host.js';
import { replicatedVersion as version, scaleSetGroupJob } from '../support/replica-fixtures.js';
import { DEMO_GALLERIES, DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { DEMO_PARTNER_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { armEvent, postEvents } from '../support/catalog-fixtures.js';

// Replica advice end to end: an image in the consumer subscription's gallery, version 1.0.0 in
// West Europe with 2 replicas of a 10 GB image (and East US, 1 replica), an older 0.9.0 nobody
// uses in two regions; two scale-set groups of 60 and 80 VMs on 1.0.0 (one on latest, one pinned).
let host: JobsHost;
type Json = Record<string, unknown>;

const IMAGE = `${DEMO_GALLERIES.team}/images/replica-demo`;
const V1 = `${IMAGE}/versions/1.0.0`;
const V09 = `${IMAGE}/versions/0.9.0`;
const route = (id: string) =>
  id.replace(
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\//,
    'subscriptions/$1/resourceGroups/$2/galleries/',
  );

let secondJob: Json;
let firstJob: Json;

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
  const definition = structuredClone(host.sim.get(DEMO_IMAGES.ubuntu)!) as Json;
  host.sim.put({ ...definition, id: IMAGE });
  host.sim.put(
    version(V09, [
      { name: 'West Europe', replicas: 2 },
      { name: 'East US', replicas: 2 },
    ]),
  );
  host.sim.put(
    version(V1, [
      { name: 'West Europe', replicas: 2 },
      { name: 'East US', replicas: 1 },
    ]),
  );
  expect(
    (await postEvents(host.url, [armEvent(IMAGE, 'Write'), armEvent(V09, 'Write'), armEvent(V1, 'Write')])).status,
  ).toBe(202);
  firstJob = await host.run(scaleSetGroupJob('replica-demo', 60, 'latest'));
  secondJob = await host.run(scaleSetGroupJob('replica-demo', 80, '1.0.0'));
});
afterAll(async () => {
  await host.stop();
});

describe('replica advice end to end', () => {
  it('the job of the group whose maximum needs more replicas than its region has carries the warning (never a block)', () => {
    expect(firstJob, JSON.stringify(firstJob)).toMatchObject({ status: 'succeeded', resolvedImageVersionId: V1 });
    expect(secondJob, JSON.stringify(secondJob)).toMatchObject({
      status: 'succeeded',
      resolvedImageVersionId: V1,
      errors: [],
    });
    const warning = (secondJob.warnings as { code: string; pointer: string; message: string }[]).find(
      (w) => w.code === 'too-few-replicas',
    );
    expect(warning, JSON.stringify(secondJob.warnings)).toMatchObject({ pointer: '/body/group/capacity/maximum' });
    expect(warning?.message).toMatch(
      /westeurope: 2 replicas for 80 concurrent VMs and 1 concurrent scale set; keep at least 4 .*recommended 4/,
    );
  });

  it('GET .../versions/{v}/replicas: two groups of 60 and 80 VMs on 2 replicas in westeurope → recommended 7, both rules named, with the storage estimate', async () => {
    const res = await host.request('GET', `${route(V1)}/replicas`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      id: V1,
      version: '1.0.0',
      location: 'westeurope',
      sizeGB: 10,
      burstFactor: 1,
      currency: 'USD',
      totals: { snapshots: 3, billedGB: 30, monthly: 1.5, egressOneOff: 0.2 },
    });
    const regions = res.body.regions as Json[];
    const weu = regions.find((r) => r.region === 'westeurope')!;
    expect(weu).toMatchObject({
      targeted: true,
      source: true,
      current: 2,
      recommended: 7,
      status: 'under-replicated',
      storageAccountType: 'Standard_LRS',
    });
    expect(weu.demand).toMatchObject({
      statelessGroups: 2,
      maximumVms: 140,
      concurrentVms: 140,
      concurrentScaleSets: 2,
      production: false,
      otherGroups: 0,
    });
    expect(((weu.demand as Json).groups as Json[]).map((g) => [g.maximum, g.onLatest]).sort()).toEqual([
      [60, true],
      [80, false],
    ]);
    expect((weu.rules as Json[]).map((r) => [r.code, r.replicas, r.decisive])).toEqual([
      ['vms-per-replica', 7, true],
      ['scale-set-per-replica', 2, false],
    ]);
    expect(weu.storage).toEqual({
      snapshots: 2,
      billedGB: 20,
      monthly: 1,
      egressGB: 0,
      egressOneOff: 0,
      recommendedMonthly: 3.5,
    });
    const eus = regions.find((r) => r.region === 'eastus')!;
    expect(eus).toMatchObject({
      current: 1,
      recommended: 1,
      status: 'unused',
      rules: [{ code: 'at-least-one' }],
      storage: { snapshots: 1, egressGB: 10, egressOneOff: 0.2 },
    });
  });

  it('GET /api/advice/replicas: the under-replicated version first, and the unused one with the saving of trimming it', async () => {
    const res = await host.request('GET', 'advice/replicas');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const under = res.body.underReplicated as Json[];
    expect(under[0]).toMatchObject({ id: V1, region: 'westeurope', current: 2, recommended: 7, concurrentVms: 140 });
    expect(under[0]?.risk).toBeCloseTo(0.71, 2);
    const unused = (res.body.unused as Json[]).find((u) => u.id === V09);
    expect(unused, JSON.stringify(res.body.unused)).toMatchObject({
      sizeGB: 10,
      monthlySaving: 1.5,
      regions: [
        { region: 'westeurope', action: 'reduce-to-one', snapshotsSaved: 1, monthlySaving: 0.5 },
        { region: 'eastus', action: 'remove-region', snapshotsSaved: 2, monthlySaving: 1 },
      ],
    });
    // 1.0.0 is latest in East US: new groups on latest get it there, so it is not trimmable.
    expect((res.body.unused as Json[]).some((u) => u.id === V1)).toBe(false);
    expect((await host.request('GET', 'advice/replicas?top=1')).body.underReplicated).toHaveLength(1);
  });

  it('is caller-scoped: an invisible version is a 404 like a missing one; another organization sees none of it', async () => {
    const partner = await host.request('GET', `${route(V1)}/replicas`, undefined, DEMO_PARTNER_PRINCIPAL);
    const missing = await host.request('GET', `${route(IMAGE)}/versions/9.9.9/replicas`);
    expect(partner.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(partner.body.detail).toBe(missing.body.detail);
    const advice = await host.request('GET', 'advice/replicas', undefined, DEMO_PARTNER_PRINCIPAL);
    expect(advice.status).toBe(200);
    expect(JSON.stringify(advice.body)).not.toContain('replica-demo');
  });

  it('names the field of a bad request', async () => {
    const bad = await host.request('GET', `${route(IMAGE)}/versions/one/replicas?x=1`);
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['path.version', 'query.x']);
    const top = await host.request('GET', 'advice/replicas?top=0');
    expect(top.status).toBe(400);
    expect(top.body.errors).toEqual([{ field: 'query.top', message: 'must be a whole number from 1 to 1000' }]);
  });

  it('counts a group on latest on the version it runs while no roll has moved it: a newer latest gets none of its demand', async () => {
    // 1.1.0 becomes latest in both regions; this host runs no auto-roll, so the group on latest stays on 1.0.0.
    const V11 = `${IMAGE}/versions/1.1.0`;
    host.sim.put(
      version(V11, [
        { name: 'West Europe', replicas: 2 },
        { name: 'East US', replicas: 1 },
      ]),
    );
    expect((await postEvents(host.url, [armEvent(V11, 'Write')])).status).toBe(202);
    expect((await host.request('GET', `${route(IMAGE)}/versions/latest?region=westeurope`)).body.version).toBe('1.1.0');
    const groupsOn = async (id: string) => {
      const weu = ((await host.request('GET', `${route(id)}/replicas`)).body.regions as Json[]).find(
        (r) => r.region === 'westeurope',
      )!;
      return ((weu.demand as Json).groups as Json[]).map((g) => [g.maximum, g.onLatest]).sort();
    };
    expect(await groupsOn(V1)).toEqual([
      [60, true],
      [80, false],
    ]);
    expect(await groupsOn(V11)).toEqual([]);
  });
});

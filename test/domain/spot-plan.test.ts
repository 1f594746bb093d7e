/**
 * The Spot target's plan (shared/domain/spot-plan.ts) against Spot's own OpenAPI schema
 * (spotinst/openapi, copied in test/fixtures/spot-openapi, corrections of its README applied by
 * dev/spot-openapi.ts: the same loader and validator as the Spot simulator).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpotOpenApi, spotOpenApi } from '../../dev/spot-openapi.js';
import { completeJob, kindLetter, parseJobEnvelope, type JobKind } from '../../shared/domain/job-envelope.js';
import { secretValuesOf, storedSpecOf } from '../../shared/domain/spot-body.js';
import {
  isSpotRefusal,
  planSpot,
  planSpotRoll,
  spotSecretsOf,
  withSecrets,
  type SpotPlan,
  type SpotPlanResult,
  type SpotRefusal,
  type SpotRequest,
} from '../../shared/domain/spot-plan.js';

const SPOT = new URL('../fixtures/spot/', import.meta.url);
const ACCOUNT = 'act-1a2b3c4d';
const RESOLVED = '1.10.0';

type Spec = Record<string, unknown>;
interface Fixture {
  readonly file: string;
  readonly kind: JobKind;
  readonly spec: Spec;
}

/** Every Spot body of test/fixtures/spot (a new file is covered without editing this test). */
const FIXTURES: Fixture[] = readdirSync(SPOT)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const body = JSON.parse(readFileSync(new URL(file, SPOT), 'utf8')) as { group?: Spec; statefulNode?: Spec };
    return body.group !== undefined
      ? { file, kind: 'statelessGroup' as const, spec: body.group }
      : { file, kind: 'statefulNode' as const, spec: body.statefulNode as Spec };
  });
const PARTIAL = 'elastigroup-partial-update.json';
const COMPLETE = FIXTURES.filter((f) => f.file !== PARTIAL);
const fixture = (file: string): Fixture => structuredClone(FIXTURES.find((f) => f.file === file) as Fixture);

const oa = spotOpenApi();

function plan(result: SpotPlanResult): SpotPlan {
  if (isSpotRefusal(result)) throw new Error(`expected a plan, got a refusal: ${JSON.stringify(result.refused)}`);
  return result;
}
function refusal(result: SpotPlanResult): SpotRefusal['refused'] {
  if (!isSpotRefusal(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.requests)}`);
  return result.refused;
}
/** The path of a request's URL, as the schema's paths are matched. */
const pathOf = (r: SpotRequest): string => new URL(r.url, 'https://api.spotinst.io').pathname;
const problems = (r: SpotRequest, openApi: SpotOpenApi = oa) => openApi.validateRequest(r.method, pathOf(r), r.body);
const get = (root: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((cur, k) => (cur !== null && typeof cur === 'object' ? (cur as Spec)[k] : undefined), root);
const imageOf = (r: SpotRequest): Spec =>
  get(r.body, Object.keys(r.body)[0] as string, 'compute', 'launchSpecification', 'image') as Spec;

/** A validated job of a fixture (so the planner is fed only what the job validation lets through). */
function validCreate(f: Fixture): Spec {
  const parsed = parseJobEnvelope({
    schemaVersion: 1,
    jobId: 'job-1',
    action: 'create',
    kind: f.kind,
    caller: { account: ACCOUNT },
    body: { [f.kind === 'statelessGroup' ? 'group' : 'statefulNode']: f.spec },
  });
  if (!parsed.ok) throw new Error(`${f.file} is not a valid job: ${JSON.stringify(parsed.errors)}`);
  return f.spec;
}

describe("every real Spot body plans into a request Spot's schema accepts", () => {
  it.each(COMPLETE.map((f) => [f.file, f] as const))(
    '%s: create (POST) and update (PUT of the whole spec)',
    (_file, f) => {
      const spec = validCreate(f);
      const created = plan(planSpot({ kind: f.kind, accountId: ACCOUNT, spec, resolvedVersion: RESOLVED }));
      expect(created.requests).toHaveLength(1);
      const post = created.requests[0] as SpotRequest;
      expect(post.method).toBe('POST');
      expect(post.url).toBe(
        f.kind === 'statelessGroup'
          ? `/azure/compute/group?accountId=${ACCOUNT}`
          : `/azure/compute/statefulNode?accountId=${ACCOUNT}`,
      );
      expect(problems(post)).toEqual([]);

      const spotId = f.kind === 'statelessGroup' ? 'sig-1a2b3c4d' : 'ssn-1a2b3c4d';
      const updated = plan(planSpot({ kind: f.kind, accountId: ACCOUNT, spec, spotId, resolvedVersion: RESOLVED }));
      const put = updated.requests[0] as SpotRequest;
      expect([put.method, put.url]).toEqual([
        'PUT',
        `/azure/compute/${f.kind === 'statelessGroup' ? 'group' : 'statefulNode'}/${spotId}?accountId=${ACCOUNT}`,
      ]);
      expect(problems(put)).toEqual([]);

      // What goes to Spot once the secrets are back validates too.
      for (const p of [created, updated]) {
        const sent = withSecrets(p, spotSecretsOf(spec));
        if (!sent.ok) throw new Error(`missing ${sent.missing.join(', ')}`);
        for (const r of sent.requests) expect(problems(r)).toEqual([]);
      }
    },
  );

  it('elastigroup-partial-update.json: the update of elastigroup-full.json sends its changes, null removing scheduling', () => {
    const full = fixture('elastigroup-full.json');
    const changes = fixture(PARTIAL).spec;
    const parsed = parseJobEnvelope({
      schemaVersion: 1,
      jobId: 'job-2',
      action: 'update',
      kind: 'statelessGroup',
      caller: { account: ACCOUNT },
      body: { group: changes },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const merged = completeJob(parsed.envelope, storedSpecOf('G', full.spec));
    if (!merged.ok) throw new Error(JSON.stringify(merged.errors));
    const spec = (merged.job.body as unknown as { group: Spec }).group;
    const put = plan(
      planSpot({
        kind: 'statelessGroup',
        accountId: ACCOUNT,
        spec,
        spotId: 'sig-1a2b3c4d',
        changes,
        resolvedVersion: RESOLVED,
      }),
    ).requests[0] as SpotRequest;
    expect(put.method).toBe('PUT');
    expect(put.body).toEqual({ group: changes });
    expect(get(put.body, 'group', 'scheduling')).toBeNull();
    expect(problems(put)).toEqual([]);
    // Without correction 9 (null removes on PUT) the copied schema refuses exactly that null.
    expect(problems(put, new SpotOpenApi({ corrections: false })).map((p) => p.pointer)).toEqual(['/group/scheduling']);
  });

  it('the schema as copied refuses what the README lists, so the corrections are what lets the bodies through', () => {
    const raw = new SpotOpenApi({ corrections: false });
    const full = fixture('elastigroup-full.json');
    const post = plan(
      planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec: full.spec, resolvedVersion: RESOLVED }),
    ).requests[0] as SpotRequest;
    const pointers = problems(post, raw).map((p) => p.pointer);
    // #1 (wrapper-level required), #2 (subnetName), #3 (scaling.up an object), #7 (task isEnabled a string).
    expect(pointers).toEqual(
      expect.arrayContaining([
        '/name',
        '/region',
        '/capacity',
        '/strategy',
        '/compute',
        '/group/compute/launchSpecification/subnetName',
        '/group/scaling/up',
        '/group/scheduling/tasks/0/isEnabled',
      ]),
    );
    const put = plan(
      planSpot({
        kind: 'statelessGroup',
        accountId: ACCOUNT,
        spec: full.spec,
        spotId: 'sig-1a2b3c4d',
        resolvedVersion: RESOLVED,
      }),
    ).requests[0] as SpotRequest;
    // #5 (action oneOf matches both branches).
    expect(problems(put, raw).map((p) => p.pointer)).toContain('/group/scaling/up/0/action');
  });
});

describe('secrets', () => {
  const f = fixture('elastigroup-password-login.json');
  const secretValues = secretValuesOf('G', f.spec);
  const created = plan(
    planSpot({ kind: 'statelessGroup', accountId: ACCOUNT, spec: f.spec, resolvedVersion: RESOLVED }),
  );

  it('the plan holds no secret, only the markers', () => {
    expect(secretValues).toHaveLength(2);
    const text = JSON.stringify(created);
    for (const v of secretValues) expect(text).not.toContain(v);
    expect(text).not.toContain('Xt9-protected');
    expect(get(created.requests[0]?.body, 'group', 'compute', 'launchSpecification', 'login')).toEqual({
      userName: 'azureuser',
      passwordSet: true,
    });
    const ext = (get(created.requests[0]?.body, 'group', 'compute', 'launchSpecification', 'extensions') as Spec[])[0];
    expect(ext).toMatchObject({ name: 'CustomScript', protectedSettingsSet: true });
    expect(ext).not.toHaveProperty('protectedSettings');
    // And so for a spec already stored without them.
    expect(
      JSON.stringify(
        planSpot({
          kind: 'statelessGroup',
          accountId: ACCOUNT,
          spec: storedSpecOf('G', f.spec),
          resolvedVersion: RESOLVED,
        }),
      ),
    ).toBe(text);
  });

  it('withSecrets puts them back where the markers stand, for the apply step', () => {
    const sent = withSecrets(created, spotSecretsOf(f.spec));
    if (!sent.ok) throw new Error(sent.missing.join());
    const ls = get(sent.requests[0]?.body, 'group', 'compute', 'launchSpecification') as Spec;
    expect(ls.login).toEqual(get(f.spec, 'compute', 'launchSpecification', 'login'));
    expect(ls.extensions).toEqual(get(f.spec, 'compute', 'launchSpecification', 'extensions'));
    // The plan itself is unchanged.
    expect(JSON.stringify(created)).not.toContain(secretValues[0]);
  });

  it('a marker without its secret is missing, not sent', () => {
    const sent = withSecrets(created, {});
    expect(sent).toEqual({
      ok: false,
      missing: [
        '/group/compute/launchSpecification/login/password',
        '/group/compute/launchSpecification/extensions/0/protectedSettings',
      ],
    });
    const onlyPassword = withSecrets(created, { password: 'Vq7#mT2!rZ9@kL4p' });
    expect(onlyPassword.ok).toBe(false);
  });
});

describe('the resolved version, under the field each kind spells', () => {
  it('groups: image.gallery.version', () => {
    const f = fixture('elastigroup-gallery-latest.json');
    const post = plan(planSpot({ kind: f.kind, accountId: ACCOUNT, spec: f.spec, resolvedVersion: RESOLVED }))
      .requests[0] as SpotRequest;
    expect(imageOf(post)).toEqual({
      gallery: {
        resourceGroupName: 'rg-images',
        galleryName: 'corpGallery',
        imageName: 'ubuntu-2204-base',
        version: RESOLVED,
        spotAccountId: 'act-1a2b3c4d',
      },
    });
  });

  it('stateful nodes: image.gallery.versionName', () => {
    const f = fixture('stateful-node-gallery.json');
    const post = plan(planSpot({ kind: f.kind, accountId: ACCOUNT, spec: f.spec, resolvedVersion: RESOLVED }))
      .requests[0] as SpotRequest;
    expect(imageOf(post)).toEqual({
      gallery: {
        resourceGroupName: 'rg-images',
        galleryName: 'corpGallery',
        imageName: 'win2022-sql',
        versionName: RESOLVED,
      },
    });
  });

  it("a pinned version plans as it is; latest without a resolved version is the caller's error", () => {
    const pinned = fixture('elastigroup-gallery-pinned.json');
    expect(
      get(
        imageOf(
          plan(planSpot({ kind: pinned.kind, accountId: ACCOUNT, spec: pinned.spec })).requests[0] as SpotRequest,
        ),
        'gallery',
        'version',
      ),
    ).toBe('1.9.0');
    const latest = fixture('elastigroup-gallery-latest.json');
    expect(() => planSpot({ kind: latest.kind, accountId: ACCOUNT, spec: latest.spec })).toThrow(/resolved version/);
    expect(() =>
      planSpot({ kind: latest.kind, accountId: ACCOUNT, spec: latest.spec, resolvedVersion: 'latest' }),
    ).toThrow(/Major\.Minor\.Patch/);
  });

  it('marketplace and custom images go as given', () => {
    for (const file of ['elastigroup-marketplace-image.json', 'stateful-node-custom-image.json']) {
      const f = fixture(file);
      const post = plan(planSpot({ kind: f.kind, accountId: ACCOUNT, spec: f.spec })).requests[0] as SpotRequest;
      expect(imageOf(post)).toEqual(get(f.spec, 'compute', 'launchSpecification', 'image'));
    }
  });
});

describe('updates carry no id and nothing Spot does not take on update', () => {
  it('groups: no id, createdAt, updatedAt, region, resourceGroupName, compute.os', () => {
    const f = fixture('elastigroup-full.json');
    const spec = {
      id: 'sig-1a2b3c4d',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
      ...f.spec,
    };
    const put = plan(
      planSpot({ kind: f.kind, accountId: ACCOUNT, spec, spotId: 'sig-1a2b3c4d', resolvedVersion: RESOLVED }),
    ).requests[0] as SpotRequest;
    const group = put.body.group as Spec;
    for (const field of ['id', 'createdAt', 'updatedAt', 'region', 'resourceGroupName'])
      expect(group).not.toHaveProperty(field);
    expect(group.compute).not.toHaveProperty('os');
    expect(group.name).toBe('web-weu-full');
    expect(problems(put)).toEqual([]);
    // A create keeps region and resourceGroupName (but never the id).
    const post = plan(planSpot({ kind: f.kind, accountId: ACCOUNT, spec, resolvedVersion: RESOLVED }))
      .requests[0] as SpotRequest;
    expect(post.body.group).toMatchObject({ region: 'westeurope', resourceGroupName: 'rg-workloads' });
    expect(post.body.group).not.toHaveProperty('id');
    // The validator refuses a read-only field in a request: an id put back is caught. (The group
    // update schema does not declare `id` at all; the simulator refuses it there: spot-simulator.test.ts.)
    expect(problems({ ...post, body: { group: { ...(post.body.group as Spec), id: 'sig-1a2b3c4d' } } })).toEqual([
      { pointer: '/group/id', field: 'group.id', message: 'is read-only: set by Spot, not sent' },
    ]);
    expect(
      problems({ ...put, body: { group: { ...group, createdAt: '2026-01-01T00:00:00.000Z' } } }).map((p) => p.pointer),
    ).toEqual(['/group/createdAt']);
  });

  it('stateful nodes: no region or resourceGroupName (read-only on update), none of what persistence locks', () => {
    const f = fixture('stateful-node-gallery.json');
    const result = plan(
      planSpot({ kind: f.kind, accountId: ACCOUNT, spec: f.spec, spotId: 'ssn-1a2b3c4d', resolvedVersion: RESOLVED }),
    );
    const node = (result.requests[0] as SpotRequest).body.statefulNode as Spec;
    for (const field of ['id', 'region', 'resourceGroupName']) expect(node).not.toHaveProperty(field);
    const ls = get(node, 'compute', 'launchSpecification') as Spec;
    expect(ls).not.toHaveProperty('image');
    expect(ls).not.toHaveProperty('network');
    expect(ls.dataDisks).toEqual(get(f.spec, 'compute', 'launchSpecification', 'dataDisks'));
    expect(result.notes.map((n) => n.pointer)).toEqual([
      '/body/statefulNode/compute/launchSpecification/image',
      '/body/statefulNode/compute/launchSpecification/network',
    ]);
    // Sent anyway, the same body is what the simulator (and Spot) refuse: region is read-only.
    const withRegion = { statefulNode: { ...node, region: 'westeurope' } };
    expect(
      oa.validateRequest('PUT', '/azure/compute/statefulNode/ssn-1a2b3c4d', withRegion).map((p) => p.pointer),
    ).toEqual(['/statefulNode/region']);
  });

  it("a stateful node update that changes what persistence locks is Spot's refusal, not a request", () => {
    const f = fixture('stateful-node-gallery.json');
    const image = refusal(
      planSpot({
        kind: f.kind,
        accountId: ACCOUNT,
        spec: f.spec,
        spotId: 'ssn-1a2b3c4d',
        changes: {
          name: 'sql-01',
          compute: { launchSpecification: { image: { gallery: { versionName: 'latest' } } } },
        },
        resolvedVersion: RESOLVED,
      }),
    );
    expect(image).toMatchObject({
      code: 'spot-persisted-os-disk',
      pointer: '/body/statefulNode/compute/launchSpecification/image',
    });
    expect(image.message).toContain(
      'For import or update operations, image object cannot be defined when the compute.persistence.shouldPersistOsDisk = true.',
    );
    const network = refusal(
      planSpot({
        kind: f.kind,
        accountId: ACCOUNT,
        spec: f.spec,
        spotId: 'ssn-1a2b3c4d',
        changes: {
          name: 'sql-01',
          compute: {
            launchSpecification: { network: get(f.spec, 'compute', 'launchSpecification', 'network') as Spec },
          },
        },
      }),
    );
    expect(network).toMatchObject({
      code: 'spot-persisted-network',
      pointer: '/body/statefulNode/compute/launchSpecification/network',
    });
    expect(network.source).toContain('createStatefulNodeCompute.yaml line 262');
    // A change elsewhere goes through.
    const tags = plan(
      planSpot({
        kind: f.kind,
        accountId: ACCOUNT,
        spec: f.spec,
        spotId: 'ssn-1a2b3c4d',
        changes: { name: 'sql-01', description: 'moved' },
      }),
    );
    expect((tags.requests[0] as SpotRequest).body).toEqual({ statefulNode: { name: 'sql-01', description: 'moved' } });
    // The same image sent again (the stored spec tells) is left out, said in a note.
    const sameImage = {
      name: 'sql-01',
      description: 'moved',
      compute: { launchSpecification: { image: get(f.spec, 'compute', 'launchSpecification', 'image') as Spec } },
    };
    const repeated = plan(
      planSpot({
        kind: f.kind,
        accountId: ACCOUNT,
        spec: f.spec,
        storedSpec: f.spec,
        spotId: 'ssn-1a2b3c4d',
        changes: sameImage,
        resolvedVersion: RESOLVED,
      }),
    );
    expect((repeated.requests[0] as SpotRequest).body).toEqual({
      statefulNode: { name: 'sql-01', description: 'moved' },
    });
    expect(repeated.notes.map((n) => n.pointer)).toEqual(['/body/statefulNode/compute/launchSpecification/image']);
    expect(problems(repeated.requests[0] as SpotRequest)).toEqual([]);
  });

  it("a change of what Spot does not change after creation (region, resourceGroupName, a group's compute.os) is refused; a repetition is left out", () => {
    const f = fixture('elastigroup-gallery-pinned.json');
    const moved = { name: f.spec.name as string, region: 'northeurope' };
    const refused = refusal(
      planSpot({
        kind: f.kind,
        accountId: ACCOUNT,
        spec: { ...f.spec, ...moved },
        storedSpec: f.spec,
        spotId: 'sig-1a2b3c4d',
        changes: moved,
      }),
    );
    expect(refused).toMatchObject({ code: 'spot-immutable-field', pointer: '/body/group/region' });
    expect(refused.source).toContain('fields_spotinst_elastigroup_azure.go');
    const os = { name: f.spec.name as string, compute: { os: 'Windows' } };
    expect(
      refusal(
        planSpot({
          kind: f.kind,
          accountId: ACCOUNT,
          spec: f.spec,
          storedSpec: f.spec,
          spotId: 'sig-1a2b3c4d',
          changes: os,
        }),
      ).pointer,
    ).toBe('/body/group/compute/os');
    const same = { name: f.spec.name as string, region: 'eastus', capacity: { minimum: 0, maximum: 20, target: 4 } };
    const repeated = plan(
      planSpot({
        kind: f.kind,
        accountId: ACCOUNT,
        spec: { ...f.spec, ...same },
        storedSpec: f.spec,
        spotId: 'sig-1a2b3c4d',
        changes: same,
      }),
    );
    expect((repeated.requests[0] as SpotRequest).body).toEqual({
      group: { name: 'batch-eus', capacity: { minimum: 0, maximum: 20, target: 4 } },
    });
    expect(repeated.notes).toEqual([
      expect.objectContaining({ code: 'left-out-on-update', pointer: '/body/group/region' }),
    ]);
    // Without the stored spec a region in the changes cannot be told from a move: refused.
    expect(
      refusal(
        planSpot({
          kind: f.kind,
          accountId: ACCOUNT,
          spec: { ...f.spec, ...same },
          spotId: 'sig-1a2b3c4d',
          changes: same,
        }),
      ).code,
    ).toBe('spot-immutable-field');
  });
});

describe("this project's own fields and Spot's required ones", () => {
  it("compute.orchestrationMode (this project's extension) is never sent", () => {
    const f = fixture('elastigroup-gallery-latest.json');
    (f.spec.compute as Spec).orchestrationMode = 'Flexible';
    validCreate(f);
    for (const spotId of [undefined, 'sig-1a2b3c4d']) {
      const r = plan(
        planSpot({
          kind: f.kind,
          accountId: ACCOUNT,
          spec: f.spec,
          resolvedVersion: RESOLVED,
          ...(spotId ? { spotId } : {}),
        }),
      ).requests[0] as SpotRequest;
      expect(get(r.body, 'group', 'compute')).not.toHaveProperty('orchestrationMode');
    }
  });

  it.each(['elastigroup-gallery-pinned.json', 'elastigroup-marketplace-image.json', 'elastigroup-password-login.json'])(
    "%s has no strategy: the create sends Spot's documented default and says so",
    (file) => {
      const f = fixture(file);
      expect(f.spec).not.toHaveProperty('strategy');
      const created = plan(planSpot({ kind: f.kind, accountId: ACCOUNT, spec: f.spec, resolvedVersion: RESOLVED }));
      const post = created.requests[0] as SpotRequest;
      expect(get(post.body, 'group', 'strategy')).toEqual({ spotPercentage: 100 });
      expect(created.notes).toEqual([
        expect.objectContaining({ code: 'default-added', pointer: '/body/group/strategy' }),
      ]);
      // Without it Spot's schema refuses the body.
      const { strategy: _strategy, ...group } = post.body.group as Spec;
      expect(oa.validateRequest('POST', '/azure/compute/group', { group }).map((p) => p.pointer)).toEqual([
        '/group/strategy',
      ]);
      // An update needs none.
      const put = plan(
        planSpot({ kind: f.kind, accountId: ACCOUNT, spec: f.spec, spotId: 'sig-1a2b3c4d', resolvedVersion: RESOLVED }),
      );
      expect(put.notes).toEqual([]);
      expect((put.requests[0] as SpotRequest).body.group).not.toHaveProperty('strategy');
    },
  );

  it('a stateful node without strategy.fallbackToOd (required by Spot, no default) is refused before Spot', () => {
    const f = fixture('stateful-node-custom-image.json');
    delete (f.spec.strategy as Spec).fallbackToOd;
    expect(refusal(planSpot({ kind: f.kind, accountId: ACCOUNT, spec: f.spec }))).toMatchObject({
      code: 'spot-required-field',
      pointer: '/body/statefulNode/strategy/fallbackToOd',
    });
  });
});

describe('roll plans', () => {
  it("a group: the PUT of the new version, then a blue/green deployment with Spot's defaults", () => {
    const f = fixture('elastigroup-gallery-latest.json');
    const roll = plan(
      planSpotRoll({
        kind: f.kind,
        accountId: ACCOUNT,
        spotId: 'sig-1a2b3c4d',
        spec: storedSpecOf(kindLetter(f.kind), f.spec),
        toVersion: '1.11.0',
      }),
    );
    expect(roll.requests.map((r) => [r.method, r.url, r.action])).toEqual([
      ['PUT', `/azure/compute/group/sig-1a2b3c4d?accountId=${ACCOUNT}`, 'update'],
      ['POST', `/azure/compute/group/sig-1a2b3c4d/deployment?accountId=${ACCOUNT}`, 'deploy'],
    ]);
    const [put, deploy] = roll.requests as [SpotRequest, SpotRequest];
    expect(put.body).toEqual({
      group: {
        compute: {
          launchSpecification: {
            image: {
              gallery: {
                resourceGroupName: 'rg-images',
                galleryName: 'corpGallery',
                imageName: 'ubuntu-2204-base',
                version: '1.11.0',
                spotAccountId: 'act-1a2b3c4d',
              },
            },
          },
        },
      },
    });
    expect(deploy.body).toEqual({
      deployment: { batchSizePercentage: 25, gracePeriod: 600, batchMinHealthyPercentage: 50 },
    });
    for (const r of roll.requests) expect(problems(r)).toEqual([]);
  });

  it("a group's auto-roll policy sets the deployment; one Spot's schema refuses is refused first", () => {
    const f = fixture('elastigroup-full.json');
    const deployment = {
      batchSizePercentage: 50,
      gracePeriod: 900,
      batchMinHealthyPercentage: 100,
      healthCheckTypes: ['vmState' as const],
    };
    const roll = plan(
      planSpotRoll({
        kind: f.kind,
        accountId: ACCOUNT,
        spotId: 'sig-1a2b3c4d',
        spec: f.spec,
        toVersion: '1.11.0',
        deployment,
      }),
    );
    const deploy = roll.requests[1] as SpotRequest;
    expect(deploy.body).toEqual({ deployment });
    expect(problems(deploy)).toEqual([]);
    // Spot's minimum grace period is 300 seconds (groupVmDeployment.yaml): the schema and the planner agree.
    expect(
      problems({ ...deploy, body: { deployment: { ...deployment, gracePeriod: 120 } } }).map((p) => p.pointer),
    ).toEqual(['/deployment/gracePeriod']);
    expect(() =>
      planSpotRoll({
        kind: f.kind,
        accountId: ACCOUNT,
        spotId: 'sig-1a2b3c4d',
        spec: f.spec,
        toVersion: '1.11.0',
        deployment: { ...deployment, gracePeriod: 120 },
      }),
    ).toThrow();
  });

  it('a stateful node without a persisted OS disk: the PUT of the new versionName, then a recycle', () => {
    const f = fixture('stateful-node-gallery.json');
    (f.spec.persistence as Spec).shouldPersistOsDisk = false;
    const roll = plan(
      planSpotRoll({ kind: f.kind, accountId: ACCOUNT, spotId: 'ssn-1a2b3c4d', spec: f.spec, toVersion: '1.11.0' }),
    );
    expect(roll.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      [
        'PUT',
        `/azure/compute/statefulNode/ssn-1a2b3c4d?accountId=${ACCOUNT}`,
        {
          statefulNode: {
            compute: {
              launchSpecification: {
                image: {
                  gallery: {
                    resourceGroupName: 'rg-images',
                    galleryName: 'corpGallery',
                    imageName: 'win2022-sql',
                    versionName: '1.11.0',
                  },
                },
              },
            },
          },
        },
      ],
      ['PUT', `/azure/compute/statefulNode/ssn-1a2b3c4d/state?accountId=${ACCOUNT}`, { state: 'recycle' }],
    ]);
    for (const r of roll.requests) expect(problems(r)).toEqual([]);
  });

  it("a stateful node whose OS disk is persisted: Spot's refusal, in Spot's words, instead of requests", () => {
    const f = fixture('stateful-node-gallery.json');
    expect(get(f.spec, 'persistence', 'shouldPersistOsDisk')).toBe(true);
    const refused = refusal(
      planSpotRoll({ kind: f.kind, accountId: ACCOUNT, spotId: 'ssn-1a2b3c4d', spec: f.spec, toVersion: '1.11.0' }),
    );
    expect(refused.code).toBe('spot-persisted-os-disk');
    expect(refused.pointer).toBe('/body/statefulNode/persistence/shouldPersistOsDisk');
    expect(refused.message).toContain(
      '"For import or update operations, image object cannot be defined when the compute.persistence.shouldPersistOsDisk = true."',
    );
    expect(refused.source).toContain('createStatefulNodeCompute.yaml line 118');
    expect(refused.source).toContain('create-stateful-node.md line 31');
    // osDiskPersistenceMode makes no difference.
    (f.spec.persistence as Spec).osDiskPersistenceMode = 'onLaunch';
    expect(
      refusal(
        planSpotRoll({ kind: f.kind, accountId: ACCOUNT, spotId: 'ssn-1a2b3c4d', spec: f.spec, toVersion: '1.11.0' }),
      ).code,
    ).toBe('spot-persisted-os-disk');
  });

  it('only a gallery image rolls', () => {
    const f = fixture('elastigroup-marketplace-image.json');
    expect(
      refusal(
        planSpotRoll({ kind: f.kind, accountId: ACCOUNT, spotId: 'sig-1a2b3c4d', spec: f.spec, toVersion: '1.11.0' }),
      ).code,
    ).toBe('not-a-gallery-image');
  });
});

it('ids and accounts are escaped in URLs', () => {
  const f = fixture('elastigroup-gallery-pinned.json');
  const put = plan(planSpot({ kind: f.kind, accountId: 'act-1a2b&x=1', spec: f.spec, spotId: 'sig-1/../x' }))
    .requests[0] as SpotRequest;
  expect(put.url).toBe('/azure/compute/group/sig-1%2F..%2Fx?accountId=act-1a2b%26x%3D1');
});

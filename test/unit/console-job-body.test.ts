import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { demoOrganizationResources, demoVmSkus, DEMO_IMAGES, DEMO_REGIONS } from '../../dev/demo/demo-org.js';
import { demoOrganizations } from '../../dev/demo/demo-directory.js';
import { flattenArm, type Json } from '../domain/arm-fixtures.js';
import { valueAt } from '../domain/spot-fixtures.js';
import {
  imageDefinitionRecordFrom,
  imageVersionRecordFrom,
  type ImageDefinitionRecord,
  type ImageVersionRecord,
} from '../../shared/domain/records.js';
import { vmSizesFromSkus } from '../../shared/domain/vm-sizes.js';
import { deployability } from '../../shared/domain/latest.js';
import { checkCompatibility } from '../../shared/domain/compatibility.js';
import { completeJob, groupSpecOf, parseJobEnvelope } from '../../shared/domain/job-envelope.js';
import { defaultSecurityType, sizeFits } from '../../shared/domain/size-fit.js';
import {
  freshGroupName,
  galleryAccount,
  jobBody,
  jobRegion,
  ownAccounts,
  type AccountView,
  type ImageFacts,
  type VersionSizesView,
} from '../../shared/console/job-body.js';
import { buildMatrix, type VersionView } from '../../shared/console/model.js';

// "Use in a group job" without the browser: for every image of the demo organization, the body the
// console builds from each Spot template, with the sizes the catalog says fit (sizeFits over the
// demo's resource SKUs), is parsed and checked exactly as the job processor checks a job
// (parseJobEnvelope, completeJob, checkCompatibility): no error. (That the console's shapes accept
// the API's answers is checked by the typecheck step: test/types/console-views.typecheck.ts.)

const NOW = new Date('2026-11-24T12:00:00Z');
const TEMPLATES = path.resolve(import.meta.dirname, '../fixtures/spot');
const template = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(TEMPLATES, file), 'utf8'));
const CALLER = 'act-5c6d7e8f';
const ACCOUNTS: AccountView[] = demoOrganizations().contoso!.subscriptions.map((s) => ({
  account: s.spotAccountId ?? s.subscriptionId,
  subscriptionId: s.subscriptionId,
  actsFor: s.spotAccountId === CALLER,
}));

const resources = demoOrganizationResources();
const images = resources
  .filter((r) => r.type === 'Microsoft.Compute/galleries/images')
  .map((r) => imageDefinitionRecordFrom(flattenArm(r as unknown as Json)));
const versions = resources
  .filter((r) => r.type === 'Microsoft.Compute/galleries/images/versions')
  .map((r) => imageVersionRecordFrom(flattenArm(r as unknown as Json)));
const versionsOf = (image: ImageDefinitionRecord): ImageVersionRecord[] =>
  versions.filter((v) => v.id.toLowerCase().startsWith(`${image.id.toLowerCase()}/versions/`));

function facts(image: ImageDefinitionRecord): ImageFacts {
  return {
    name: image.ref.image,
    subscriptionId: image.ref.subscriptionId,
    osType: image.osType,
    osState: image.osState,
    hyperVGeneration: image.hyperVGeneration,
    architecture: image.architecture,
    disallowedDiskTypes: image.disallowedDiskTypes,
  };
}

/** The sizes answer the API gives for the version in the region (the demo's SKUs). */
function sizesAnswer(image: ImageDefinitionRecord, version: ImageVersionRecord, region: string): VersionSizesView {
  const securityType = defaultSecurityType(image);
  const vmSizes = vmSizesFromSkus(demoVmSkus(), region);
  return {
    version: version.id,
    region,
    account: CALLER,
    ...(securityType ? { securityType } : {}),
    sizes: sizeFits({ image, version, region, vmSizes, securityType, now: NOW }),
  };
}

interface Checked {
  problem?: string;
  body?: unknown;
  sizes?: string[];
  notes?: string[];
  envelopeErrors?: string[];
  errors?: string[];
  warnings?: string[];
}

/** Builds the body for `image` `version` from `file`, then runs it through the job's own validation and checks. */
function buildAndCheck(
  image: ImageDefinitionRecord,
  version: ImageVersionRecord,
  region: string,
  file: string,
): Checked {
  const holder = galleryAccount(image.ref.subscriptionId, CALLER, ACCOUNTS);
  if ('problem' in holder) throw new Error(holder.problem);
  const choice = {
    resourceGroupName: image.ref.resourceGroup,
    galleryName: image.ref.gallery,
    imageName: image.ref.image,
    version: version.ref.version,
  };
  const built = jobBody(template(file), {
    choice,
    image: facts(image),
    region,
    sizes: sizesAnswer(image, version, region),
    name: freshGroupName(image.ref.image, 'a1b2c3d4e5'),
    ...holder,
    ...(version.osDiskSizeGB === undefined ? {} : { osDiskSizeGB: version.osDiskSizeGB }),
  });
  if ('problem' in built) return { problem: built.problem };
  const kind = 'group' in built.body ? 'statelessGroup' : 'statefulNode';
  const parsed = parseJobEnvelope({
    schemaVersion: 1,
    jobId: 'j-1',
    action: 'create',
    kind,
    caller: { account: CALLER },
    body: built.body,
  });
  const made = { body: built.body, sizes: built.sizes, notes: built.notes };
  if (!parsed.ok) return { ...made, envelopeErrors: parsed.errors.map((e) => `${e.code} at ${e.path}: ${e.message}`) };
  const complete = completeJob(parsed.envelope);
  if (!complete.ok) throw new Error('a create is complete as given');
  const { spec } = groupSpecOf(complete.job);
  const findings = checkCompatibility({
    kind,
    spec,
    region,
    image,
    version,
    vmSizes: vmSizesFromSkus(demoVmSkus(), region),
    imageTenant: 'same',
    now: NOW,
  });
  return {
    ...made,
    envelopeErrors: [],
    errors: findings.filter((f) => f.severity === 'error').map((f) => `${f.code} at ${f.path}`),
    warnings: findings.filter((f) => f.severity === 'warning').map((f) => f.code),
  };
}

/** A region where the version can be deployed. */
const deployableRegion = (image: ImageDefinitionRecord, version: ImageVersionRecord): string | undefined =>
  DEMO_REGIONS.find((r) => deployability(version, r, { image, now: NOW }).deployable);

describe('console: the body "Use in a group job" builds', () => {
  // Every image of the organization's subscriptions but the Arm64 confidential one (a job names only galleries of its own organization).
  const runnable = images.filter((i) => i.id !== DEMO_IMAGES.marinerArm64 && i.id !== DEMO_IMAGES.otherDebian);

  it('passes the job validation and every compatibility rule for each version of each demo image that can be deployed (stateless group template)', () => {
    let checked = 0;
    for (const image of runnable) {
      for (const version of versionsOf(image)) {
        const region = deployableRegion(image, version);
        if (!region) continue;
        const result = buildAndCheck(image, version, region, 'elastigroup-gallery-latest.json');
        expect(result, `${image.ref.image} ${version.ref.version}`).toMatchObject({ envelopeErrors: [], errors: [] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('sets what the image decides: region, OS, login, sizes that run it, disk types, security type, spotAccountId, a new name', () => {
    const ubuntu = images.find((i) => i.id === DEMO_IMAGES.ubuntu)!;
    const v19 = versionsOf(ubuntu).find((v) => v.ref.version === '1.9.0')!;
    const u = buildAndCheck(ubuntu, v19, 'westeurope', 'elastigroup-gallery-latest.json');
    const at = (p: string): unknown => valueAt(u.body, `group.${p}`);
    expect(at('name')).toBe('ubuntu-2204-base-a1b2c3d4');
    expect(at('region')).toBe('westeurope');
    expect(at('compute.os')).toBe('Linux');
    // TrustedLaunch x64 Gen2 sizes without warnings, fewest vCPUs first (D64s_v5 is above the recommended 16 vCPUs).
    expect(u.sizes).toEqual(['Standard_D2s_v5', 'Standard_DC2as_v5', 'Standard_E2bds_v5']);
    expect(at('compute.vmSizes')).toEqual({
      odSizes: ['Standard_D2s_v5'],
      spotSizes: ['Standard_D2s_v5', 'Standard_DC2as_v5', 'Standard_E2bds_v5'],
    });
    expect(at('compute.launchSpecification.image')).toEqual({
      gallery: {
        resourceGroupName: 'rg-images',
        galleryName: 'corpGallery',
        imageName: 'ubuntu-2204-base',
        version: '1.9.0',
        spotAccountId: 'act-1a2b3c4d',
      },
    });
    expect(at('compute.launchSpecification.security')).toEqual({
      securityType: 'TrustedLaunch',
      secureBootEnabled: true,
      vTpmEnabled: true,
    });
    expect(at('compute.launchSpecification.osDisk')).toEqual({ sizeGB: 64, type: 'Premium_LRS' });
    expect(at('compute.launchSpecification.login.sshPublicKey')).toMatch(/^ssh-ed25519 /); // the template's own key stays

    // A specialized Windows Gen1 image: no login, Gen1 sizes, Standard security, non-premium disks for a size without premium storage.
    const windows = images.find((i) => i.id === DEMO_IMAGES.windowsSql)!;
    const w = buildAndCheck(windows, versionsOf(windows)[0]!, 'westeurope', 'elastigroup-gallery-latest.json');
    expect(w.sizes).toEqual(['Standard_A2_v2', 'Standard_D2s_v5', 'Standard_D4s_v5']);
    expect(valueAt(w.body, 'group.compute.os')).toBe('Windows');
    expect(valueAt(w.body, 'group.compute.launchSpecification.login')).toBeUndefined();
    expect(valueAt(w.body, 'group.compute.launchSpecification.security')).toEqual({ securityType: 'Standard' });
    expect(valueAt(w.body, 'group.compute.launchSpecification.osDisk.type')).toBe('StandardSSD_LRS');
    expect(w.warnings).toEqual(['end-of-life']); // the definition's end of life has passed: a warning, not an error

    // The consumer's own gallery: no spotAccountId.
    const app = images.find((i) => i.id === DEMO_IMAGES.teamApp)!;
    const a = buildAndCheck(app, versionsOf(app)[0]!, 'eastus', 'elastigroup-gallery-latest.json');
    expect(valueAt(a.body, 'group.compute.launchSpecification.image.gallery')).toEqual({
      resourceGroupName: 'rg-team',
      galleryName: 'teamGallery',
      imageName: 'app-server',
      version: '1.0.0',
    });
  });

  it('builds a stateful node from its template too, and names what only the user can give', () => {
    const windows = images.find((i) => i.id === DEMO_IMAGES.windowsSql)!;
    const w = buildAndCheck(windows, versionsOf(windows)[0]!, 'westeurope', 'stateful-node-gallery.json');
    expect(w).toMatchObject({ envelopeErrors: [], errors: [] });
    expect(valueAt(w.body, 'statefulNode.compute.launchSpecification.image.gallery')).toMatchObject({
      imageName: 'win2022-sql',
      versionName: '1.0.0',
    });
    // Data disks follow the OS disk off premium storage when a size has none.
    expect(valueAt(w.body, 'statefulNode.compute.launchSpecification.dataDisks[0].type')).toBe('StandardSSD_LRS');
    expect(valueAt(w.body, 'statefulNode.compute.launchSpecification.dataDisks[1].type')).toBe('StandardSSD_LRS');
    // A Linux image on the stateful template, which has no login: the body says what to add rather than inventing a key.
    const ubuntu = images.find((i) => i.id === DEMO_IMAGES.ubuntu)!;
    const u = buildAndCheck(
      ubuntu,
      versionsOf(ubuntu).find((v) => v.ref.version === '1.9.0')!,
      'westeurope',
      'stateful-node-gallery.json',
    );
    expect(u.notes).toEqual(['Linux VMs need login.sshPublicKey (or a password): add one.']);
    expect((u.envelopeErrors ?? []).join('\n')).toMatch(
      /^missing-credentials at body\.statefulNode\.compute\.launchSpecification\.login/,
    );
  });

  it('says why no body can pass when no size of the account runs the image (Azure has no Arm64 confidential VM size)', () => {
    const mariner = images.find((i) => i.id === DEMO_IMAGES.marinerArm64)!;
    const problem = buildAndCheck(
      mariner,
      versionsOf(mariner)[0]!,
      'westeurope',
      'elastigroup-gallery-latest.json',
    ).problem;
    expect(problem).toMatch(
      /^No VM size of act-5c6d7e8f in westeurope can run mariner-arm64 1\.0\.0 \(ConfidentialVM VMs\)\. /,
    );
    expect(problem).toContain('Standard_D2ps_v5: VM size Standard_D2ps_v5 is not a confidential VM size');
    expect(problem).toContain('Standard_DC2as_v5: VM size Standard_DC2as_v5 is x64 but the image is Arm64.');
  });
});

describe('console: where and for whom the body is built', () => {
  const ubuntu = images.find((i) => i.id === DEMO_IMAGES.ubuntu)!;
  const views: VersionView[] = versionsOf(ubuntu).map((v) => ({
    id: v.id,
    name: v.ref.version,
    provisioningState: v.provisioningState,
    replicationMode: v.replicationMode,
    targetRegions: v.targetRegions.map((t) => ({
      region: t.region,
      displayName: t.region,
      replicaCount: t.replicaCount,
      storageAccountType: t.storageAccountType,
      replicationState: t.replicationState,
    })),
  }));
  const perRegion = Object.fromEntries(
    DEMO_REGIONS.map((r) => [
      r,
      {
        versions: views.map((v) => {
          const d = deployability(
            versionsOf(ubuntu).find((x) => x.ref.version === v.name)!,
            r,
            { image: ubuntu, now: NOW },
          );
          return {
            ...v,
            deployability: { deployable: d.deployable, reasons: [...d.reasons], warnings: [...d.warnings] },
          };
        }),
        latest: {
          region: r,
          image: ubuntu.id,
          version: r === 'westeurope' ? '1.10.0' : '1.11.0',
          warnings: [],
          passedOver: [],
        },
      },
    ]),
  );
  const matrix = buildMatrix(views, perRegion);

  it('keeps the body region when the version can be deployed there, else takes the first that can', () => {
    expect(jobRegion(matrix, 'latest', 'westeurope')).toEqual({ region: 'westeurope', version: '1.10.0' });
    expect(jobRegion(matrix, 'latest', 'East US')).toEqual({ region: 'eastus', version: '1.11.0' });
    // 1.10.0 is still replicating to East US: West Europe instead.
    expect(jobRegion(matrix, '1.10.0', 'eastus')).toEqual({ region: 'westeurope', version: '1.10.0' });
    expect(jobRegion(matrix, '1.12.0', 'westeurope')).toBeUndefined(); // failed everywhere
  });

  it("names the gallery's account: none for the caller's own, the organization's account otherwise, a problem outside the organization", () => {
    expect(galleryAccount('5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f', CALLER, ACCOUNTS)).toEqual({});
    expect(galleryAccount('0B7F7C3E-1A2B-4C5D-8E9F-0A1B2C3D4E5F', CALLER, ACCOUNTS)).toEqual({
      spotAccountId: 'act-1a2b3c4d',
    });
    expect(galleryAccount('9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b', CALLER, ACCOUNTS)).toEqual({
      problem: expect.stringContaining('not an account of your organization'),
    });
    const noSpot = [
      ...ACCOUNTS,
      {
        account: '11111111-2222-4333-8444-555555555555',
        subscriptionId: '11111111-2222-4333-8444-555555555555',
        actsFor: false,
      },
    ];
    expect(galleryAccount('11111111-2222-4333-8444-555555555555', CALLER, noSpot)).toEqual({
      problem: expect.stringContaining('no Spot account id'),
    });
  });

  it('offers the accounts the caller acts for, and a fresh name per body', () => {
    expect(ownAccounts({ organization: 'contoso', accounts: ACCOUNTS }).map((a) => a.account)).toEqual([CALLER]);
    expect(freshGroupName('x'.repeat(80), 'F00D-BEEF-1234')).toBe(`${'x'.repeat(55)}-f00dbeef`);
    expect(freshGroupName('app-server', crypto.randomUUID())).not.toBe(
      freshGroupName('app-server', crypto.randomUUID()),
    );
  });
});

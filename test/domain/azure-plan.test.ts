/**
 * The Azure plan (shared/domain/azure-plan.ts) against Microsoft's own examples.
 *
 * Layout: every request body of every plan (each real Spot body of test/fixtures/spot and each
 * example envelope of examples/, with each way of reaching a gallery image, as a create, an update
 * and a roll) is compared with the copies of Azure/azure-rest-api-specs Compute examples in
 * test/fixtures/azure-compute (README there: paths, commits, api-versions). Every key path of our
 * body (array indices collapsed) must exist in the union of the examples of its resource type, and
 * every enum value must be one the examples use or the spec defines (the `Known*` enums and closed
 * unions of the installed `@azure/arm-compute`, generated from the same spec).
 *
 * A few key paths have no stored example of their own resource type; each is allowed below with the
 * example of the other resource type that shows the same spec definition, and the test checks that
 * the SDK's serializer of that definition names the key.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import {
  KnownAllocationStrategy,
  KnownDeleteOptions,
  KnownDiskCreateOptionTypes,
  KnownDiskDeleteOptionTypes,
  KnownIPVersions,
  KnownNetworkApiVersion,
  KnownOrchestrationMode,
  KnownPublicIPAddressSkuName,
  KnownPublicIPAddressSkuTier,
  KnownSecurityEncryptionTypes,
  KnownSecurityTypes,
  KnownStorageAccountTypes,
  KnownVirtualMachineEvictionPolicyTypes,
  KnownVirtualMachinePriorityTypes,
} from '@azure/arm-compute';
import {
  MissingSecretError,
  galleryAccessFor,
  planAzureCreateOrUpdate,
  planAzureRoll,
  planSecretsOf,
  publicPlanOf,
  withSecrets,
  type AzurePlan,
  type AzureRequest,
  type GalleryAccess,
  type Json,
  type JsonObject,
  type PlanGroupSpec,
  type PlanImage,
  type PlanNodeSpec,
} from '../../shared/domain/azure-plan.js';
import { COMPUTE_API_VERSION } from '../../shared/arm/compute-api-version.js';
import { mergePatch, storedSpecOf } from '../../shared/domain/spot-body.js';
import { completeJob, groupSpecOf, parseJobEnvelope, type JobEnvelope } from '../../shared/domain/job-envelope.js';
import { identities } from './spot-fixtures.js';

const IDS = identities();
const TARGET = IDS.subscriptions.consumer_contoso;
const PUBLISHER = IDS.subscriptions.publisher_contoso;
const OWNERSHIP = { 'gallery-catalog-job': 'job-0001' };
const PASSWORD = 'Vq7#mT2!rZ9@kL4p';
const PROTECTED = 'Xt9-protected-setting-4Fq';

// ---------------------------------------------------------------- the examples

type ResourceType = 'virtualMachineScaleSets' | 'virtualMachines' | 'virtualMachines/extensions' | 'manualupgrade';
const EXAMPLES_DIR = new URL('../fixtures/azure-compute/', import.meta.url);

interface Example {
  readonly file: string;
  readonly type: ResourceType;
  readonly body: JsonObject;
}

function readJson(url: URL): JsonObject {
  return JSON.parse(readFileSync(url, 'utf8')) as JsonObject;
}
function at(value: Json | undefined, ...path: (string | number)[]): JsonObject {
  let cur: Json | undefined = value;
  for (const p of path)
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, Json>)[p] : undefined;
  if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) throw new Error(`no object at ${path.join('.')}`);
  return cur;
}

/** Each copied example body with its resource type (instance views and reimage are other operations). */
function loadExamples(): Example[] {
  const out: Example[] = [];
  for (const file of readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const json = readJson(new URL(file, EXAMPLES_DIR));
    if (file.startsWith('VirtualMachineScaleSet_UpdateInstances'))
      out.push({ file, type: 'manualupgrade', body: at(json, 'parameters', 'vmInstanceIDs') });
    else if (file.startsWith('VirtualMachineScaleSet_'))
      out.push({ file, type: 'virtualMachineScaleSets', body: at(json, 'parameters', 'parameters') });
    else if (file.startsWith('VirtualMachineExtension_'))
      out.push({ file, type: 'virtualMachines/extensions', body: at(json, 'parameters', 'extensionParameters') });
    else if (file === 'VirtualMachine_Get.json')
      out.push({ file, type: 'virtualMachines', body: at(json, 'responses', '200', 'body') });
    else if (file.startsWith('VirtualMachine_List_'))
      out.push({ file, type: 'virtualMachines', body: at(json, 'responses', '200', 'body', 'value', 0) });
    else if (file.startsWith('VirtualMachine_Create_'))
      out.push({ file, type: 'virtualMachines', body: at(json, 'parameters', 'parameters') });
  }
  return out;
}
const EXAMPLES = loadExamples();

/** Objects whose keys are data (tag names, identity ids, extension settings): their path ends there. */
const FREE_FORM = new Set(['tags', 'userAssignedIdentities', 'settings', 'protectedSettings']);
/** This project's markers stand where the secret goes: checked as the secret's own key. */
const MARKERS: Readonly<Record<string, string>> = {
  adminPasswordSet: 'adminPassword',
  protectedSettingsSet: 'protectedSettings',
};

/** Every key path (`a.b[].c`) of a body, with the values found at each. */
function keyPaths(value: Json, prefix = '', out = new Map<string, Json[]>()): Map<string, Json[]> {
  if (Array.isArray(value)) {
    for (const item of value) keyPaths(item, `${prefix}[]`, out);
    return out;
  }
  if (value === null || typeof value !== 'object') return out;
  for (const [rawKey, v] of Object.entries(value)) {
    const key = MARKERS[rawKey] ?? rawKey;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    out.set(path, [...(out.get(path) ?? []), v]);
    if (!FREE_FORM.has(key)) keyPaths(v, path, out);
  }
  return out;
}

/**
 * Key paths with no stored example of their own resource type, each shown (`examplePath`) by an
 * example of the other type with the same spec definition; `serializer` is the SDK function of that
 * definition, which must write the key. (No stored example shows `DataDisk.deleteOption`: only the
 * serializer vouches for it.)
 */
const VMSS_IP =
  'properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[].properties.ipConfigurations[].properties.publicIPAddressConfiguration';
const VM_IP =
  'properties.networkProfile.networkInterfaceConfigurations[].properties.ipConfigurations[].properties.publicIPAddressConfiguration';
const VMSS_SECRETS = 'properties.virtualMachineProfile.osProfile.secrets[]';
const SHOWN_ELSEWHERE: ReadonlyArray<{
  type: ResourceType;
  path: string;
  example?: string;
  examplePath?: string;
  serializer: string;
  key: string;
}> = [
  {
    type: 'virtualMachineScaleSets',
    path: 'properties.virtualMachineProfile.storageProfile.imageReference.communityGalleryImageId',
    example: 'VirtualMachine_Create_FromACommunityGalleryImage.json',
    examplePath: 'properties.storageProfile.imageReference.communityGalleryImageId',
    serializer: 'imageReferenceSerializer',
    key: 'communityGalleryImageId',
  },
  ...(
    [
      ['sku', 'virtualMachineScaleSetPublicIPAddressConfigurationSerializer', 'sku'],
      ['sku.name', 'publicIPAddressSkuSerializer', 'name'],
      ['sku.tier', 'publicIPAddressSkuSerializer', 'tier'],
    ] as const
  ).map(([p, serializer, key]) => ({
    type: 'virtualMachineScaleSets' as const,
    path: `${VMSS_IP}.${p}`,
    example: 'VirtualMachine_Create_WithNetworkInterfaceConfiguration.json',
    examplePath: `${VM_IP}.${p}`,
    serializer,
    key,
  })),
  {
    type: 'virtualMachines',
    path: 'properties.storageProfile.dataDisks[].deleteOption',
    serializer: 'dataDiskSerializer',
    key: 'deleteOption',
  },
  ...(
    [
      ['sourceVault', 'vaultSecretGroupSerializer', 'sourceVault'],
      ['sourceVault.id', 'subResourceSerializer', 'id'],
      ['vaultCertificates', 'vaultSecretGroupSerializer', 'vaultCertificates'],
      ['vaultCertificates[].certificateUrl', 'vaultCertificateSerializer', 'certificateUrl'],
      ['vaultCertificates[].certificateStore', 'vaultCertificateSerializer', 'certificateStore'],
    ] as const
  ).map(([p, serializer, key]) => ({
    type: 'virtualMachines' as const,
    path: `properties.osProfile.secrets[].${p}`,
    example: 'VirtualMachineScaleSet_Update_MaximumSet_Gen.json',
    examplePath: `${VMSS_SECRETS}.${p}`,
    serializer,
    key,
  })),
];

function allowedPaths(type: ResourceType): Set<string> {
  const paths = new Set<string>();
  for (const e of EXAMPLES.filter((x) => x.type === type)) for (const p of keyPaths(e.body).keys()) paths.add(p);
  for (const s of SHOWN_ELSEWHERE.filter((x) => x.type === type)) paths.add(s.path);
  return paths;
}
const ALLOWED: Record<ResourceType, Set<string>> = {
  virtualMachineScaleSets: allowedPaths('virtualMachineScaleSets'),
  virtualMachines: allowedPaths('virtualMachines'),
  'virtualMachines/extensions': allowedPaths('virtualMachines/extensions'),
  manualupgrade: allowedPaths('manualupgrade'),
};

/** Enum-valued keys (by the end of their path) and the values the spec defines for them. */
const ENUMS: ReadonlyArray<{ readonly suffix: RegExp; readonly values: readonly string[] }> = [
  { suffix: /(^|\.)orchestrationMode$/, values: Object.values(KnownOrchestrationMode) },
  { suffix: /(^|\.)priority$/, values: Object.values(KnownVirtualMachinePriorityTypes) },
  { suffix: /(^|\.)evictionPolicy$/, values: Object.values(KnownVirtualMachineEvictionPolicyTypes) },
  { suffix: /skuProfile\.allocationStrategy$/, values: Object.values(KnownAllocationStrategy) },
  // `UpgradeMode = "Automatic" | "Manual" | "Rolling"` (models/compute/models.d.ts), a closed union.
  { suffix: /upgradePolicy\.mode$/, values: ['Automatic', 'Manual', 'Rolling'] },
  { suffix: /\.createOption$/, values: Object.values(KnownDiskCreateOptionTypes) },
  // `CachingTypes = "None" | "ReadOnly" | "ReadWrite"`, a closed union.
  { suffix: /\.caching$/, values: ['None', 'ReadOnly', 'ReadWrite'] },
  { suffix: /\.storageAccountType$/, values: Object.values(KnownStorageAccountTypes) },
  { suffix: /securityProfile\.securityType$/, values: Object.values(KnownSecurityTypes) },
  { suffix: /\.securityEncryptionType$/, values: Object.values(KnownSecurityEncryptionTypes) },
  { suffix: /(osDisk|dataDisks\[\])\.deleteOption$/, values: Object.values(KnownDiskDeleteOptionTypes) },
  { suffix: /properties\.deleteOption$/, values: Object.values(KnownDeleteOptions) },
  { suffix: /networkApiVersion$/, values: Object.values(KnownNetworkApiVersion) },
  { suffix: /privateIPAddressVersion$/, values: Object.values(KnownIPVersions) },
  { suffix: /publicIPAddressConfiguration\.sku\.name$/, values: Object.values(KnownPublicIPAddressSkuName) },
  { suffix: /publicIPAddressConfiguration\.sku\.tier$/, values: Object.values(KnownPublicIPAddressSkuTier) },
  // `ResourceIdentityType` (models/common/models.d.ts), a closed union.
  { suffix: /^identity\.type$/, values: ['SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned', 'None'] },
];

function exampleValues(type: ResourceType, path: string): Json[] {
  return EXAMPLES.filter((e) => e.type === type).flatMap((e) => keyPaths(e.body).get(path) ?? []);
}

function resourceTypeOf(r: AzureRequest): ResourceType {
  const path = new URL(r.url).pathname;
  if (path.endsWith('/manualupgrade')) return 'manualupgrade';
  if (/\/virtualMachines\/[^/]+\/extensions\/[^/]+$/i.test(path)) return 'virtualMachines/extensions';
  if (/\/virtualMachineScaleSets\/[^/]+$/i.test(path)) return 'virtualMachineScaleSets';
  if (/\/virtualMachines\/[^/]+$/i.test(path)) return 'virtualMachines';
  throw new Error(`no resource type for ${r.url}`);
}

/** Key paths and enum values of every request body of a plan against the examples. */
function layoutProblems(plan: AzurePlan): string[] {
  const problems: string[] = [];
  for (const r of plan.requests) {
    const type = resourceTypeOf(r);
    for (const [path, values] of keyPaths(r.body)) {
      if (!ALLOWED[type].has(path)) problems.push(`${type}: ${path} is in no example`);
      for (const e of ENUMS.filter((x) => x.suffix.test(path))) {
        const allowed = new Set<Json>([...e.values, ...exampleValues(type, path)]);
        for (const v of values)
          if (!allowed.has(v))
            problems.push(
              `${type}: ${path} = ${JSON.stringify(v)} is not one of ${[...allowed].map((x) => JSON.stringify(x)).join(', ')}`,
            );
      }
    }
  }
  return problems;
}

function expectArmLayout(plan: AzurePlan): void {
  expect(layoutProblems(plan)).toEqual([]);
}

// ---------------------------------------------------------------- plan inputs

const GALLERY = `/subscriptions/${PUBLISHER}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery`;
const ACCESSES: readonly GalleryAccess[] = [
  { via: 'rbac' },
  { via: 'sharedGallery', uniqueName: '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f-CORPGALLERY' },
  { via: 'communityGallery', publicName: 'contoso-1a2b3c4d-5e6f' },
];

type Live = Record<string, unknown> & {
  compute: {
    os: 'Linux' | 'Windows';
    launchSpecification: { image: Record<string, Record<string, string>>; [key: string]: unknown };
    [key: string]: unknown;
  };
};

function imageOf(
  kind: 'statelessGroup' | 'statefulNode',
  spec: Live,
  access: GalleryAccess = { via: 'rbac' },
  osState: 'Generalized' | 'Specialized' = 'Generalized',
  securityType?: string,
): PlanImage {
  const image = spec.compute.launchSpecification.image;
  const g = image.gallery;
  if (g !== undefined) {
    const version = (kind === 'statelessGroup' ? g.version : g.versionName) ?? '';
    const latest = version.toLowerCase() === 'latest';
    const definitionId = `/subscriptions/${g.spotAccountId ? PUBLISHER : TARGET}/resourceGroups/${g.resourceGroupName}/providers/Microsoft.Compute/galleries/${g.galleryName}/images/${g.imageName}`;
    return {
      source: 'gallery',
      definitionId,
      versionId: `${definitionId}/versions/${latest ? '1.13.0' : version}`,
      followsLatest: latest,
      access,
      definition: {
        osType: spec.compute.os,
        osState,
        hyperVGeneration: 'V2',
        ...(securityType ? { securityType } : {}),
      },
    };
  }
  if (image.marketplace !== undefined) {
    const m = image.marketplace;
    return {
      source: 'marketplace',
      publisher: m.publisher ?? '',
      offer: m.offer ?? '',
      sku: m.sku ?? '',
      version: m.version ?? '',
    };
  }
  const c = image.custom ?? {};
  return { source: 'custom', resourceGroupName: c.resourceGroupName ?? '', name: c.name ?? '' };
}

interface PlanOptions {
  readonly access?: GalleryAccess;
  readonly action?: 'create' | 'update';
  readonly osState?: 'Generalized' | 'Specialized';
  readonly imageSecurityType?: string;
  /** Plan from the live spec (secrets still in it) instead of the stored one. */
  readonly live?: boolean;
}

function planOf(kind: 'statelessGroup' | 'statefulNode', live: Live, o: PlanOptions = {}): AzurePlan {
  const spec = o.live ? live : storedSpecOf(kind === 'statelessGroup' ? 'G' : 'N', live);
  const base = {
    apiVersion: COMPUTE_API_VERSION,
    action: o.action ?? 'create',
    subscriptionId: TARGET,
    image: imageOf(kind, live, o.access, o.osState, o.imageSecurityType),
    ownershipTags: OWNERSHIP,
  } as const;
  return kind === 'statelessGroup'
    ? planAzureCreateOrUpdate({ ...base, kind, spec: spec as unknown as PlanGroupSpec })
    : planAzureCreateOrUpdate({ ...base, kind, spec: spec as unknown as PlanNodeSpec });
}

const SPOT_DIR = new URL('../fixtures/spot/', import.meta.url);
function spot(file: string): { kind: 'statelessGroup' | 'statefulNode'; spec: Live } {
  const body = readJson(new URL(file, SPOT_DIR)) as Record<string, unknown>;
  return 'group' in body
    ? { kind: 'statelessGroup', spec: structuredClone(body.group) as Live }
    : { kind: 'statefulNode', spec: structuredClone(body.statefulNode) as Live };
}
const group = (file = 'elastigroup-gallery-latest.json'): Live => spot(file).spec;
const node = (file = 'stateful-node-gallery.json'): Live => spot(file).spec;

/** Each real Spot body as a complete spec: the partial update merged onto the full group it updates. */
function spotSpecs(): Array<{ name: string; kind: 'statelessGroup' | 'statefulNode'; spec: Live }> {
  return readdirSync(SPOT_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const s = spot(f);
      if (f === 'elastigroup-partial-update.json')
        return { name: f, kind: s.kind, spec: mergePatch(group('elastigroup-full.json'), s.spec) as Live };
      return { name: f, ...s };
    });
}

/** Each example envelope of examples/, completed (an update onto the create it updates). */
function exampleSpecs(): Array<{ name: string; kind: 'statelessGroup' | 'statefulNode'; spec: Live }> {
  const dir = new URL('../../examples/', import.meta.url);
  const parsed = new Map<string, JobEnvelope>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const r = parseJobEnvelope(readFileSync(new URL(f, dir), 'utf8'));
    if (!r.ok) throw new Error(`${f}: ${JSON.stringify(r.errors)}`);
    parsed.set(f, r.envelope);
  }
  const stored = (name: string): unknown => {
    const e = [...parsed.values()].find(
      (x) => x.action === 'create' && 'group' in x.body && x.body.group.name === name,
    );
    return e && 'group' in e.body ? e.body.group : undefined;
  };
  return [...parsed.entries()].sort().map(([f, envelope]) => {
    const done = completeJob(
      envelope,
      envelope.action === 'update' && 'group' in envelope.body ? stored(envelope.body.group.name) : undefined,
    );
    if (!done.ok) throw new Error(`${f}: ${JSON.stringify(done.errors)}`);
    const { kind, spec } = groupSpecOf(done.job);
    return { name: f, kind, spec: structuredClone(spec) as unknown as Live };
  });
}

const ALL_BODIES = [
  ...spotSpecs().map((s) => ({ ...s, name: `test/fixtures/spot/${s.name}` })),
  ...exampleSpecs().map((s) => ({ ...s, name: `examples/${s.name}` })),
];

function requestBody(plan: AzurePlan, i = 0): JsonObject {
  const r = plan.requests[i];
  if (!r) throw new Error(`no request ${i}`);
  return r.body;
}
const props = (body: JsonObject): JsonObject => at(body, 'properties');
const vmProfile = (body: JsonObject): JsonObject => at(body, 'properties', 'virtualMachineProfile');

// ---------------------------------------------------------------- layout against the examples

describe('every plan matches the field layout of the Microsoft examples', () => {
  it('loads the examples of each resource type (VirtualMachineScaleSet_Create_*, VirtualMachine_Create_*, VirtualMachine_Get, VirtualMachine_List_MaximumSet_Gen, VirtualMachineExtension_CreateOrUpdate_MaximumSet_Gen, VirtualMachineScaleSet_UpdateInstances_MaximumSet_Gen)', () => {
    const count = (t: ResourceType): number => EXAMPLES.filter((e) => e.type === t).length;
    expect(count('virtualMachineScaleSets')).toBe(9);
    expect(count('virtualMachines')).toBe(10);
    expect(count('virtualMachines/extensions')).toBe(1);
    expect(count('manualupgrade')).toBe(1);
    expect(ALLOWED.virtualMachineScaleSets.has('properties.priorityMixPolicy.baseRegularPriorityCount')).toBe(true);
    expect(
      ALLOWED.virtualMachines.has('properties.networkProfile.networkInterfaceConfigurations[].properties.deleteOption'),
    ).toBe(true);
  });

  it('allows a key path shown only on the other resource type when the SDK serializer of that definition writes it', () => {
    const sdk = ['models/compute/models.js', 'models/common/models.js']
      .map((f) => readFileSync(new URL(`../../node_modules/@azure/arm-compute/dist/esm/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    for (const s of SHOWN_ELSEWHERE) {
      expect(
        ALLOWED[s.type].has(s.path),
        `${s.path} is shown by an example of its own type: drop it from the list`,
      ).toBe(true);
      const start = sdk.indexOf(`export function ${s.serializer}(item) {`);
      expect(start, s.serializer).toBeGreaterThanOrEqual(0);
      const block = sdk.slice(start, sdk.indexOf('\n}\n', start));
      expect(block, `${s.serializer} writes ${s.key}`).toMatch(new RegExp(`\\b${s.key}: `));
      if (s.example !== undefined) {
        const other = EXAMPLES.find((e) => e.file === s.example);
        expect(
          other && keyPaths(other.body).has(s.examplePath ?? ''),
          `${s.example} shows ${s.examplePath ?? ''}`,
        ).toBe(true);
      }
    }
  });

  it('rejects a body with a misspelled key or a value the spec does not define (the check can fail)', () => {
    const plan = planOf('statelessGroup', group());
    const body = structuredClone(requestBody(plan));
    const p = props(body);
    p.orchestrationmode = 'Flexible';
    at(body, 'properties', 'virtualMachineProfile').evictionPolicy = 'Stop';
    expect(layoutProblems({ ...plan, requests: [{ ...plan.requests[0], body } as AzureRequest] }).sort()).toEqual([
      'virtualMachineScaleSets: properties.orchestrationmode is in no example',
      'virtualMachineScaleSets: properties.virtualMachineProfile.evictionPolicy = "Stop" is not one of "Deallocate", "Delete"',
    ]);
  });

  for (const b of ALL_BODIES) {
    for (const access of ACCESSES) {
      it(`${b.name} (${access.via}): create, update and roll bodies use only example key paths and enum values`, () => {
        for (const action of ['create', 'update'] as const) expectArmLayout(planOf(b.kind, b.spec, { access, action }));
        const created = planOf(b.kind, b.spec, { access });
        expectArmLayout(
          planAzureRoll({
            apiVersion: COMPUTE_API_VERSION,
            resourceId: created.resourceId,
            image: imageOf(b.kind, b.spec, access),
            upgradeMode: 'Manual',
            instanceNames: ['a_1', 'a_2', 'a_3'],
            batchSize: 2,
          }),
        );
      });
    }
    it(`${b.name}: a specialized image and a confidential VM still match the examples (..._FromASpecializedSharedImage.json, VirtualMachineScaleSet_Create_WithSecurityTypeConfidentialVM.json)`, () => {
      expectArmLayout(planOf(b.kind, b.spec, { osState: 'Specialized' }));
      const cvm = structuredClone(b.spec);
      cvm.compute.launchSpecification.security = {
        securityType: 'ConfidentialVM',
        secureBootEnabled: true,
        vTpmEnabled: true,
        confidentialOsDiskEncryption: true,
      };
      expectArmLayout(planOf(b.kind, cvm));
    });
    it(`${b.name}: no plan carries the password or protected settings, from the stored or the live spec`, () => {
      const withSecretsSpec = structuredClone(b.spec);
      const ls = withSecretsSpec.compute.launchSpecification;
      ls.login = { ...(ls.login as Record<string, unknown> | undefined), userName: 'azureuser', password: PASSWORD };
      ls.extensions = [
        ...((ls.extensions as unknown[] | undefined) ?? []),
        {
          name: 'run',
          type: 'CustomScript',
          publisher: 'Microsoft.Azure.Extensions',
          apiVersion: '2.1',
          protectedSettings: { commandToExecute: PROTECTED },
        },
      ];
      for (const live of [false, true]) {
        for (const action of ['create', 'update'] as const) {
          const text = JSON.stringify(planOf(b.kind, withSecretsSpec, { live, action }));
          expect(text).not.toContain(PASSWORD);
          expect(text).not.toContain(PROTECTED);
        }
      }
    });
  }
});

// ---------------------------------------------------------------- the mapping, rule by rule

describe('stateless group → Flexible scale set (VirtualMachineScaleSet_Create_WithPriorityMixPolicy.json)', () => {
  it('PUTs the scale set at its ARM URL with the SDK api-version, If-None-Match on a create only', () => {
    const create = planOf('statelessGroup', group());
    expect(create.target).toBe('azure');
    expect(create.resourceId).toBe(
      `/subscriptions/${TARGET}/resourceGroups/rg-workloads/providers/Microsoft.Compute/virtualMachineScaleSets/web-weu`,
    );
    expect(create.requests).toHaveLength(1);
    expect(create.requests[0]?.method).toBe('PUT');
    expect(create.requests[0]?.url).toBe(
      `https://management.azure.com${create.resourceId}?api-version=${COMPUTE_API_VERSION}`,
    );
    expect(create.requests[0]?.headers).toEqual({ 'If-None-Match': '*' });
    expect(planOf('statelessGroup', group(), { action: 'update' }).requests[0]?.headers).toBeUndefined();
  });

  it('is Flexible with one fault domain, no single placement group, the network api-version beside the NIC configurations', () => {
    const body = requestBody(planOf('statelessGroup', group()));
    expect(props(body)).toMatchObject({
      orchestrationMode: 'Flexible',
      platformFaultDomainCount: 1,
      singlePlacementGroup: false,
    });
    expect(at(vmProfile(body), 'networkProfile').networkApiVersion).toBe('2020-11-01');
    expect(body.location).toBe('westeurope');
  });

  it('capacity.target is sku.capacity; one VM size is sku.name with tier Standard and no skuProfile', () => {
    const pinned = requestBody(planOf('statelessGroup', group('elastigroup-gallery-pinned.json')));
    expect(pinned.sku).toEqual({ name: 'Standard_D4s_v5', tier: 'Standard', capacity: 4 });
    expect(props(pinned).skuProfile).toBeUndefined();
  });

  it('Spot: priority Spot, eviction Delete, maxPrice -1; the on-demand part is priorityMixPolicy (VirtualMachineScaleSet_Create_WithSkuProfile.json)', () => {
    const full = requestBody(planOf('statelessGroup', group('elastigroup-full.json')));
    expect(vmProfile(full)).toMatchObject({
      priority: 'Spot',
      evictionPolicy: 'Delete',
      billingProfile: { maxPrice: -1 },
    });
    expect(props(full).priorityMixPolicy).toEqual({
      baseRegularPriorityCount: 2,
      regularPriorityPercentageAboveBase: 0,
    });
    const seventy = group();
    (seventy.strategy as Record<string, unknown>).spotPercentage = 70;
    expect(props(requestBody(planOf('statelessGroup', seventy))).priorityMixPolicy).toEqual({
      baseRegularPriorityCount: 0,
      regularPriorityPercentageAboveBase: 30,
    });
    expect(
      props(requestBody(planOf('statelessGroup', group('elastigroup-gallery-pinned.json')))).priorityMixPolicy,
    ).toEqual({ baseRegularPriorityCount: 0, regularPriorityPercentageAboveBase: 0 });
  });

  it('several sizes are an instance mix: sku Mix without tier; preferred sizes → Prioritized with ranks (VirtualMachineScaleSet_Create_WithSkuProfile_Prioritized.json)', () => {
    const body = requestBody(planOf('statelessGroup', group('elastigroup-full.json')));
    expect(body.sku).toEqual({ name: 'Mix', capacity: 10 });
    expect(props(body).skuProfile).toEqual({
      vmSizes: [
        { name: 'Standard_D4s_v5', rank: 0 },
        { name: 'Standard_D2s_v5', rank: 1 },
      ],
      allocationStrategy: 'Prioritized',
    });
  });

  it('availabilityVsCost above 50 → CapacityOptimized, else LowestPrice, without ranks (VirtualMachineScaleSet_Create_WithSkuProfile.json)', () => {
    const available = group();
    (available.strategy as Record<string, unknown>).availabilityVsCost = 80;
    expect(props(requestBody(planOf('statelessGroup', available))).skuProfile).toEqual({
      vmSizes: [{ name: 'Standard_D2s_v5' }, { name: 'Standard_D4s_v5' }],
      allocationStrategy: 'CapacityOptimized',
    });
    const cheap = group();
    (cheap.strategy as Record<string, unknown>).availabilityVsCost = 50;
    expect(at(props(requestBody(planOf('statelessGroup', cheap))), 'skuProfile').allocationStrategy).toBe(
      'LowestPrice',
    );
    expect(at(props(requestBody(planOf('statelessGroup', group()))), 'skuProfile').allocationStrategy).toBe(
      'LowestPrice',
    );
  });

  it('the mix leaves out excluded sizes and keeps five, saying which it dropped', () => {
    const many = group();
    const sizes = many.compute as unknown as { vmSizes: Record<string, string[]> };
    sizes.vmSizes = {
      odSizes: ['Standard_D2s_v5'],
      spotSizes: [
        'Standard_D2s_v5',
        'Standard_D4s_v5',
        'Standard_D8s_v5',
        'Standard_E2s_v5',
        'Standard_E4s_v5',
        'Standard_F2s_v2',
        'Standard_F4s_v2',
      ],
      excludedVmSizes: ['standard_d8s_v5'],
    };
    const plan = planOf('statelessGroup', many);
    expect(at(props(requestBody(plan)), 'skuProfile').vmSizes).toEqual(
      ['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_E2s_v5', 'Standard_E4s_v5', 'Standard_F2s_v2'].map((name) => ({
        name,
      })),
    );
    expect(plan.notes).toContain('vmSizes: an instance mix takes at most 5 sizes; left out: Standard_F4s_v2');
  });

  it('a group that asks for no rolling upgrade is Manual and says why its health checks do not make it Rolling', () => {
    const plan = planOf('statelessGroup', group('elastigroup-full.json'));
    expect(props(requestBody(plan)).upgradePolicy).toEqual({ mode: 'Manual' });
    expect(plan.notes).toContain(
      'health.healthCheckTypes (vmState) name no probe: without the Application Health extension the upgrade policy is Manual',
    );
  });

  it('the Application Health extension asks for a rolling upgrade: Rolling with its policy, the extension in the profile (VirtualMachineScaleSet_Update_MaximumSet_Gen.json)', () => {
    const g = group();
    g.compute.launchSpecification.extensions = [
      {
        name: 'HealthExtension',
        type: 'ApplicationHealthLinux',
        publisher: 'Microsoft.ManagedServices',
        apiVersion: '2.0',
        minorVersionAutoUpgrade: true,
        publicSettings: { protocol: 'http', port: 80, requestPath: '/health' },
      },
    ];
    const body = requestBody(planOf('statelessGroup', g));
    expect(props(body).upgradePolicy).toEqual({
      mode: 'Rolling',
      rollingUpgradePolicy: {
        maxBatchInstancePercent: 20,
        maxUnhealthyInstancePercent: 20,
        maxUnhealthyUpgradedInstancePercent: 20,
      },
    });
    expect(at(vmProfile(body), 'extensionProfile').extensions).toEqual([
      {
        name: 'HealthExtension',
        properties: {
          publisher: 'Microsoft.ManagedServices',
          type: 'ApplicationHealthLinux',
          typeHandlerVersion: '2.0',
          autoUpgradeMinorVersion: true,
          settings: { protocol: 'http', port: 80, requestPath: '/health' },
        },
      },
    ]);
  });

  it('zones, tags (Spot tags, then the ownership tags, which win), identity, boot diagnostics, computerNamePrefix', () => {
    const g = group('elastigroup-full.json');
    g.compute.launchSpecification.tags = [
      { tagKey: 'env', tagValue: 'prod' },
      { tagKey: 'gallery-catalog-job', tagValue: 'forged' },
    ];
    const body = requestBody(planOf('statelessGroup', g));
    expect(body.zones).toEqual(['1', '2', '3']);
    expect(body.tags).toEqual({ env: 'prod', 'gallery-catalog-job': 'job-0001' });
    expect(body.identity).toEqual({
      type: 'UserAssigned',
      userAssignedIdentities: {
        [`/subscriptions/${TARGET}/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-web`]:
          {},
      },
    });
    expect(vmProfile(body).diagnosticsProfile).toEqual({ bootDiagnostics: { enabled: true } });
    expect(at(vmProfile(body), 'osProfile').computerNamePrefix).toBe('web-weu');
  });
});

describe('image reference', () => {
  const ref = (plan: AzurePlan): JsonObject => at(vmProfile(requestBody(plan)), 'storageProfile', 'imageReference');

  it('own or RBAC: the definition id when following latest, the version id when pinned (VirtualMachineScaleSet_Create_FromAGeneralizedSharedImage.json)', () => {
    expect(ref(planOf('statelessGroup', group()))).toEqual({ id: `${GALLERY}/images/ubuntu-2204-base` });
    expect(ref(planOf('statelessGroup', group('elastigroup-gallery-pinned.json')))).toEqual({
      id: `/subscriptions/${TARGET}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base/versions/1.9.0`,
    });
  });

  it('a directly shared gallery: sharedGalleryImageId (VirtualMachine_Create_FromASharedGalleryImage.json)', () => {
    const shared = ACCESSES[1] as GalleryAccess;
    expect(ref(planOf('statelessGroup', group(), { access: shared }))).toEqual({
      sharedGalleryImageId:
        '/SharedGalleries/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f-CORPGALLERY/Images/ubuntu-2204-base/Versions/latest',
    });
    expect(ref(planOf('statelessGroup', group('elastigroup-gallery-pinned.json'), { access: shared }))).toEqual({
      sharedGalleryImageId:
        '/SharedGalleries/0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f-CORPGALLERY/Images/ubuntu-2204-base/Versions/1.9.0',
    });
  });

  it('a community gallery: communityGalleryImageId (VirtualMachine_Create_FromACommunityGalleryImage.json)', () => {
    expect(ref(planOf('statelessGroup', group('elastigroup-gallery-pinned.json'), { access: ACCESSES[2] }))).toEqual({
      communityGalleryImageId: '/CommunityGalleries/contoso-1a2b3c4d-5e6f/Images/ubuntu-2204-base/Versions/1.9.0',
    });
  });

  it('marketplace and custom images', () => {
    expect(ref(planOf('statelessGroup', group('elastigroup-marketplace-image.json')))).toEqual({
      publisher: 'Canonical',
      offer: '0001-com-ubuntu-server-jammy',
      sku: '22_04-lts-gen2',
      version: 'latest',
    });
    const custom = planOf('statefulNode', node('stateful-node-custom-image.json'));
    expect(at(props(requestBody(custom)), 'storageProfile', 'imageReference')).toEqual({
      id: `/subscriptions/${TARGET}/resourceGroups/rg-images/providers/Microsoft.Compute/images/win2022-sql-managed`,
    });
  });

  it('a specialized image gets no osProfile (VirtualMachineScaleSet_Create_FromASpecializedSharedImage.json, VirtualMachine_Create_FromASpecializedSharedImage.json)', () => {
    expect(
      vmProfile(requestBody(planOf('statelessGroup', group(), { osState: 'Specialized' }))).osProfile,
    ).toBeUndefined();
    expect(props(requestBody(planOf('statefulNode', node(), { osState: 'Specialized' }))).osProfile).toBeUndefined();
    expect(vmProfile(requestBody(planOf('statelessGroup', group()))).osProfile).toBeDefined();
  });

  it('how the caller sees a gallery decides the reference kind (galleryAccessFor)', () => {
    const sharing = { permissions: 'Groups', groupsReported: true, subscriptionIds: [], tenantIds: [] };
    expect(galleryAccessFor('own-subscription', { sharing })).toEqual({ via: 'rbac' });
    expect(galleryAccessFor('image-grant', { sharing })).toEqual({ via: 'rbac' });
    expect(galleryAccessFor('direct-share-tenant', { uniqueName: 'abc-CORPGALLERY', sharing })).toEqual({
      via: 'sharedGallery',
      uniqueName: 'abc-CORPGALLERY',
    });
    expect(galleryAccessFor('direct-share-subscription', { sharing })).toBeUndefined();
    expect(
      galleryAccessFor('community', {
        sharing: { ...sharing, permissions: 'Community', community: { publicNames: ['contoso-1'], enabled: true } },
      }),
    ).toEqual({ via: 'communityGallery', publicName: 'contoso-1' });
  });
});

describe('security, disks, login, network', () => {
  it('TrustedLaunch with UEFI settings and encryption at host (VirtualMachineScaleSet_Create_WithUefiSettings.json)', () => {
    expect(vmProfile(requestBody(planOf('statelessGroup', group('elastigroup-full.json')))).securityProfile).toEqual({
      securityType: 'TrustedLaunch',
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      encryptionAtHost: true,
    });
  });

  it('the image definition requires TrustedLaunch when the body says nothing; a "Supported" feature requires nothing', () => {
    const pinned = group('elastigroup-gallery-pinned.json');
    expect(
      vmProfile(requestBody(planOf('statelessGroup', pinned, { imageSecurityType: 'TrustedLaunch' }))).securityProfile,
    ).toEqual({ securityType: 'TrustedLaunch' });
    expect(
      vmProfile(requestBody(planOf('statelessGroup', pinned, { imageSecurityType: 'TrustedLaunchSupported' })))
        .securityProfile,
    ).toBeUndefined();
  });

  it('ConfidentialVM encrypts the OS disk with the guest state (VirtualMachineScaleSet_Create_WithSecurityTypeConfidentialVM.json)', () => {
    const g = group();
    g.compute.launchSpecification.security = {
      securityType: 'ConfidentialVM',
      secureBootEnabled: true,
      vTpmEnabled: true,
      confidentialOsDiskEncryption: true,
    };
    const osDisk = at(vmProfile(requestBody(planOf('statelessGroup', g))), 'storageProfile', 'osDisk');
    expect(osDisk.managedDisk).toEqual({
      storageAccountType: 'Premium_LRS',
      securityProfile: { securityEncryptionType: 'DiskWithVMGuestState' },
    });
    (g.compute.launchSpecification.security as Record<string, unknown>).confidentialOsDiskEncryption = false;
    expect(
      at(
        vmProfile(requestBody(planOf('statelessGroup', g))),
        'storageProfile',
        'osDisk',
        'managedDisk',
        'securityProfile',
      ).securityEncryptionType,
    ).toBe('VMGuestStateOnly');
  });

  it('OS disk and data disks', () => {
    const storage = at(
      vmProfile(requestBody(planOf('statelessGroup', group('elastigroup-full.json')))),
      'storageProfile',
    );
    expect(storage.osDisk).toEqual({
      createOption: 'FromImage',
      caching: 'ReadWrite',
      diskSizeGB: 64,
      managedDisk: { storageAccountType: 'Premium_LRS' },
    });
    expect(storage.dataDisks).toEqual([
      { lun: 0, diskSizeGB: 128, createOption: 'Empty', managedDisk: { storageAccountType: 'Premium_LRS' } },
      { lun: 1, diskSizeGB: 512, createOption: 'Empty', managedDisk: { storageAccountType: 'StandardSSD_LRS' } },
    ]);
  });

  it('an SSH key: linuxConfiguration with the key and password authentication off (VirtualMachine_Create_WithSshAuthentication.json)', () => {
    expect(at(vmProfile(requestBody(planOf('statelessGroup', group()))), 'osProfile')).toEqual({
      computerNamePrefix: 'web-weu',
      adminUsername: 'azureuser',
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: {
          publicKeys: [
            {
              path: '/home/azureuser/.ssh/authorized_keys',
              keyData: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly azureuser',
            },
          ],
        },
      },
    });
  });

  it('a password: the create carries adminPasswordSet where adminPassword goes, an update leaves it out (VirtualMachine_Create_WithPasswordAuthentication.json)', () => {
    const pw = group('elastigroup-password-login.json');
    for (const live of [false, true]) {
      const osProfile = at(vmProfile(requestBody(planOf('statelessGroup', pw, { live }))), 'osProfile');
      expect(osProfile.adminPasswordSet).toBe(true);
      expect(osProfile.adminPassword).toBeUndefined();
      expect(osProfile.linuxConfiguration).toEqual({ disablePasswordAuthentication: false });
      expect(
        at(vmProfile(requestBody(planOf('statelessGroup', pw, { live, action: 'update' }))), 'osProfile')
          .adminPasswordSet,
      ).toBeUndefined();
    }
    const ext = at(vmProfile(requestBody(planOf('statelessGroup', pw))), 'extensionProfile').extensions as JsonObject[];
    expect(ext[0]?.properties).toMatchObject({
      protectedSettingsSet: true,
      settings: { fileUris: ['https://stcontoso.blob.core.windows.net/scripts/bootstrap.sh'] },
    });
  });

  it('withSecrets puts the password and protected settings in place of their markers, for the apply only', () => {
    const pw = group('elastigroup-password-login.json');
    const plan = planOf('statelessGroup', pw);
    const secrets = planSecretsOf(pw as unknown as PlanGroupSpec);
    expect(secrets).toEqual({
      adminPassword: PASSWORD,
      extensionProtectedSettings: { CustomScript: { commandToExecute: `sh bootstrap.sh --token ${PROTECTED}` } },
    });
    const applied = withSecrets(plan, secrets);
    const osProfile = at(vmProfile(requestBody(applied)), 'osProfile');
    expect(osProfile.adminPassword).toBe(PASSWORD);
    expect(osProfile.adminPasswordSet).toBeUndefined();
    const ext = (at(vmProfile(requestBody(applied)), 'extensionProfile').extensions as JsonObject[])[0];
    expect(ext?.properties).toMatchObject({
      protectedSettings: { commandToExecute: `sh bootstrap.sh --token ${PROTECTED}` },
    });
    expect(JSON.stringify(plan)).not.toContain(PASSWORD);
    expectArmLayout(applied);
  });

  it('withSecrets refuses a marker without its secret and names the place, not a value', () => {
    const plan = planOf('statelessGroup', group('elastigroup-password-login.json'));
    expect(() => withSecrets(plan, {})).toThrow(MissingSecretError);
    expect(() => withSecrets(plan, { adminPassword: PASSWORD })).toThrow(
      'the plan needs the protected settings of extension CustomScript, and the submission in memory has none',
    );
  });

  it('network: the subnet from Spot network names, NSG, ASG, load balancer pool, additional IPv6 configuration', () => {
    const nic = (
      at(vmProfile(requestBody(planOf('statelessGroup', group('elastigroup-full.json')))), 'networkProfile')
        .networkInterfaceConfigurations as JsonObject[]
    )[0] as JsonObject;
    const net = `/subscriptions/${TARGET}/resourceGroups/rg-net/providers/Microsoft.Network`;
    expect(nic).toEqual({
      name: 'web-weu-full-nic0',
      properties: {
        primary: true,
        enableIPForwarding: false,
        networkSecurityGroup: { id: `${net}/networkSecurityGroups/nsg-web` },
        ipConfigurations: [
          {
            name: 'web-weu-full-nic0-ip0',
            properties: {
              primary: true,
              subnet: { id: `${net}/virtualNetworks/vnet-main/subnets/snet-app` },
              applicationSecurityGroups: [{ id: `${net}/applicationSecurityGroups/asg-web` }],
              loadBalancerBackendAddressPools: [{ id: `${net}/loadBalancers/lb-web/backendAddressPools/bp-web` }],
            },
          },
          {
            name: 'ipconfig-v6',
            properties: {
              primary: false,
              subnet: { id: `${net}/virtualNetworks/vnet-main/subnets/snet-app` },
              privateIPAddressVersion: 'IPv6',
            },
          },
        ],
      },
    });
  });

  it('a public IP when asked, with its SKU (VirtualMachine_Create_WithNetworkInterfaceConfiguration.json)', () => {
    const g = group() as Live & {
      compute: { launchSpecification: { network: { networkInterfaces: Record<string, unknown>[] } } };
    };
    Object.assign(g.compute.launchSpecification.network.networkInterfaces[0] as object, {
      assignPublicIp: true,
      publicIpSku: 'Standard',
    });
    const plan = planOf('statelessGroup', g);
    const ip = at(
      vmProfile(requestBody(plan)),
      'networkProfile',
      'networkInterfaceConfigurations',
      0,
      'properties',
      'ipConfigurations',
      0,
      'properties',
    );
    expect(ip.publicIPAddressConfiguration).toEqual({
      name: 'web-weu-nic0-pip',
      sku: { name: 'Standard', tier: 'Regional' },
    });
    expectArmLayout(plan);
  });
});

describe('stateful node → virtual machine', () => {
  it('PUTs the VM named by vmName, then each extension as its own resource (VirtualMachineExtension_CreateOrUpdate_MaximumSet_Gen.json)', () => {
    const n = node();
    n.compute.launchSpecification.extensions = [
      {
        name: 'monitor',
        type: 'AzureMonitorWindowsAgent',
        publisher: 'Microsoft.Azure.Monitor',
        apiVersion: '1.0',
        minorVersionAutoUpgrade: true,
      },
    ];
    const plan = planOf('statefulNode', n);
    expect(plan.resourceId).toBe(
      `/subscriptions/${TARGET}/resourceGroups/rg-db/providers/Microsoft.Compute/virtualMachines/sql01`,
    );
    expect(plan.requests.map((r) => [r.method, r.url, r.headers])).toEqual([
      [
        'PUT',
        `https://management.azure.com${plan.resourceId}?api-version=${COMPUTE_API_VERSION}`,
        { 'If-None-Match': '*' },
      ],
      [
        'PUT',
        `https://management.azure.com${plan.resourceId}/extensions/monitor?api-version=${COMPUTE_API_VERSION}`,
        undefined,
      ],
    ]);
    expect(plan.requests[1]?.body).toEqual({
      location: 'westeurope',
      properties: {
        publisher: 'Microsoft.Azure.Monitor',
        type: 'AzureMonitorWindowsAgent',
        typeHandlerVersion: '1.0',
        autoUpgradeMinorVersion: true,
      },
    });
    expectArmLayout(plan);
  });

  it('an od node is Regular; a spot node is Spot, Deallocate, maxPrice -1 (VirtualMachine_List_MaximumSet_Gen.json)', () => {
    const od = props(requestBody(planOf('statefulNode', node())));
    expect(od.priority).toBe('Regular');
    expect(od.evictionPolicy).toBeUndefined();
    const s = node();
    (s.strategy as Record<string, unknown>).preferredLifecycle = 'spot';
    expect(props(requestBody(planOf('statefulNode', s)))).toMatchObject({
      priority: 'Spot',
      evictionPolicy: 'Deallocate',
      billingProfile: { maxPrice: -1 },
      hardwareProfile: { vmSize: 'Standard_D4s_v5' },
    });
  });

  it('persistence → deleteOption Detach on the OS disk, data disks and NIC; Delete when not persisted (VirtualMachine_Create_WithNetworkInterfaceConfiguration.json)', () => {
    const persisted = props(requestBody(planOf('statefulNode', node())));
    expect(at(persisted, 'storageProfile', 'osDisk').deleteOption).toBe('Detach');
    expect((at(persisted, 'storageProfile').dataDisks as JsonObject[]).map((d) => d.deleteOption)).toEqual([
      'Detach',
      'Detach',
    ]);
    expect(at(persisted, 'networkProfile', 'networkInterfaceConfigurations', 0, 'properties').deleteOption).toBe(
      'Detach',
    );
    const n = node();
    n.persistence = { shouldPersistOsDisk: false, shouldPersistDataDisks: false, shouldPersistNetwork: false };
    const dropped = props(requestBody(planOf('statefulNode', n)));
    expect(at(dropped, 'storageProfile', 'osDisk').deleteOption).toBe('Delete');
    expect((at(dropped, 'storageProfile').dataDisks as JsonObject[]).map((d) => d.deleteOption)).toEqual([
      'Delete',
      'Delete',
    ]);
    expect(at(dropped, 'networkProfile', 'networkInterfaceConfigurations', 0, 'properties').deleteOption).toBe(
      'Delete',
    );
  });

  it('one zone (the preferred one), the computer name, license type, tags', () => {
    const body = requestBody(planOf('statefulNode', node()));
    expect(body.zones).toEqual(['1']);
    expect(at(props(body), 'osProfile').computerName).toBe('sql01');
    expect(props(body).licenseType).toBe('Windows_Server');
    expect(body.tags).toEqual({ env: 'prod', app: 'sql', 'gallery-catalog-job': 'job-0001' });
  });
});

describe('roll plan (VirtualMachineScaleSet_Update_MaximumSet_Gen.json, VirtualMachineScaleSet_UpdateInstances_MaximumSet_Gen.json)', () => {
  const scaleSet = `/subscriptions/${TARGET}/resourceGroups/rg-workloads/providers/Microsoft.Compute/virtualMachineScaleSets/web-weu`;
  const image = (version: string): PlanImage => ({
    source: 'gallery',
    definitionId: `${GALLERY}/images/ubuntu-2204-base`,
    versionId: `${GALLERY}/images/ubuntu-2204-base/versions/${version}`,
    followsLatest: false,
    access: { via: 'rbac' },
    definition: { osType: 'Linux', osState: 'Generalized', hyperVGeneration: 'V2' },
  });

  it('Manual: the model PATCH, then one manualupgrade per batch of VM names', () => {
    const plan = planAzureRoll({
      apiVersion: COMPUTE_API_VERSION,
      resourceId: scaleSet,
      image: image('1.14.0'),
      upgradeMode: 'Manual',
      instanceNames: ['web-weu_1', 'web-weu_2', 'web-weu_3', 'web-weu_4', 'web-weu_5'],
      batchSize: 2,
    });
    expect(plan.requests.map((r) => [r.method, r.url.replace('https://management.azure.com', ''), r.body])).toEqual([
      [
        'PATCH',
        `${scaleSet}?api-version=${COMPUTE_API_VERSION}`,
        {
          properties: {
            virtualMachineProfile: {
              storageProfile: { imageReference: { id: `${GALLERY}/images/ubuntu-2204-base/versions/1.14.0` } },
            },
          },
        },
      ],
      [
        'POST',
        `${scaleSet}/manualupgrade?api-version=${COMPUTE_API_VERSION}`,
        { instanceIds: ['web-weu_1', 'web-weu_2'] },
      ],
      [
        'POST',
        `${scaleSet}/manualupgrade?api-version=${COMPUTE_API_VERSION}`,
        { instanceIds: ['web-weu_3', 'web-weu_4'] },
      ],
      ['POST', `${scaleSet}/manualupgrade?api-version=${COMPUTE_API_VERSION}`, { instanceIds: ['web-weu_5'] }],
    ]);
    expectArmLayout(plan);
  });

  it('Rolling: the model PATCH only (Azure moves the VMs); a VM: the PATCH of its image', () => {
    expect(
      planAzureRoll({
        apiVersion: COMPUTE_API_VERSION,
        resourceId: scaleSet,
        image: image('1.14.0'),
        upgradeMode: 'Rolling',
        instanceNames: ['a'],
        batchSize: 1,
      }).requests.map((r) => r.method),
    ).toEqual(['PATCH']);
    const vm = `/subscriptions/${TARGET}/resourceGroups/rg-db/providers/Microsoft.Compute/virtualMachines/sql01`;
    const plan = planAzureRoll({
      apiVersion: COMPUTE_API_VERSION,
      resourceId: vm,
      image: image('1.14.0'),
      upgradeMode: 'Manual',
    });
    expect(plan.requests).toEqual([
      {
        method: 'PATCH',
        url: `https://management.azure.com${vm}?api-version=${COMPUTE_API_VERSION}`,
        body: {
          properties: {
            storageProfile: { imageReference: { id: `${GALLERY}/images/ubuntu-2204-base/versions/1.14.0` } },
          },
        },
      },
    ]);
    expectArmLayout(plan);
  });

  it('refuses a batch size below one and an id that is no scale set or VM', () => {
    expect(() =>
      planAzureRoll({
        apiVersion: COMPUTE_API_VERSION,
        resourceId: scaleSet,
        image: image('1.14.0'),
        upgradeMode: 'Manual',
        instanceNames: ['a'],
        batchSize: 0,
      }),
    ).toThrow(RangeError);
    expect(() =>
      planAzureRoll({
        apiVersion: COMPUTE_API_VERSION,
        resourceId: `${GALLERY}/images/x`,
        image: image('1.14.0'),
        upgradeMode: 'Manual',
      }),
    ).toThrow(TypeError);
  });
});

describe('showing a plan', () => {
  it('publicPlanOf shows customData and userData as size and SHA-256, as the stored group does', () => {
    const plan = planOf('statelessGroup', group('elastigroup-full.json'));
    const shown = publicPlanOf(plan);
    const customData = at(vmProfile(requestBody(plan)), 'osProfile').customData as string;
    expect(at(vmProfile(requestBody(shown)), 'osProfile').customData).toEqual({
      size: customData.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.stringify(shown)).not.toContain(customData);
  });

  it('the plan is plain JSON that survives a round trip', () => {
    for (const b of ALL_BODIES) {
      const plan = planOf(b.kind, b.spec);
      expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    }
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkAcceleratedNetworking,
  DEFAULT_OS_DISK_TYPE,
  checkArchitecture,
  checkCompatibility,
  checkCrossTenantFlexible,
  checkDeployability,
  checkDiskController,
  checkDisallowedDiskType,
  checkEndOfLife,
  checkHyperVGeneration,
  checkLogin,
  checkOsDiskSize,
  checkOsType,
  checkPremiumStorage,
  checkEncryptionAtHost,
  checkRecommendedRange,
  checkSecurityType,
  checkVmSizeAvailability,
  checkZones,
  COMPATIBILITY_RULES,
  effectiveSecurityType,
  hasErrors,
  listedSizes,
  pathsFor,
  securityTypesOf,
  type CompatibilityInput,
  type Finding,
  type Rule,
} from '../../shared/domain/compatibility.js';
import {
  completeJob,
  groupSpecOf,
  parseJobEnvelope,
  type StatefulNodeSpec,
  type StatelessGroupSpec,
} from '../../shared/domain/job-envelope.js';
import {
  imageDefinitionRecordFrom,
  imageVersionRecordFrom,
  type ImageDefinitionRecord,
  type ImageVersionRecord,
} from '../../shared/domain/records.js';
import { vmSizesFromSkus, type VmSizeCapabilities } from '../../shared/domain/vm-sizes.js';
import { flatImage, flatVersion, loadFixture } from './arm-fixtures.js';
import { fixtureEnvelope, resourceSkus, valueAt, type SpotFixture } from './spot-fixtures.js';

const NOW = new Date('2026-11-24T12:00:00Z');

const definition = (name: string): ImageDefinitionRecord => imageDefinitionRecordFrom(flatImage(loadFixture(name)));
const version = (name: string): ImageVersionRecord => imageVersionRecordFrom(flatVersion(loadFixture(name)));
const UBUNTU = definition('image-definition-linux-gen2-trustedlaunch.json'); // Linux, Generalized, V2, x64, TrustedLaunch, SCSI+NVMe, AN, 2-16 vCPUs, 4-64 GB, no Standard_LRS, EOL 2027
const WINDOWS = definition('image-definition-windows-specialized.json'); // Windows, Specialized, V1, x64, EOL 2025 (passed)
const MARINER = definition('image-definition-arm64-confidential.json'); // Linux, Generalized, V2, Arm64, ConfidentialVM
const V1_9 = version('image-version-completed.json'); // complete in westeurope (3 replicas) and eastus (2)
const V1_10 = version('image-version-replicating.json'); // still replicating to eastus
const V1_11 = version('image-version-regional-exclude.json'); // excluded from latest in westeurope
const V1_12 = version('image-version-failed.json'); // provisioning failed
const V2_0 = version('image-version-excluded-global.json'); // excluded from latest globally
const V1_2 = version('image-version-shallow-eol.json'); // shallow, past EOL, westeurope only, 1 replica
const WIN_VERSION: ImageVersionRecord = { ...V1_9, ref: { ...V1_9.ref, image: 'win2022-sql' } };

const SIZES_WEU = vmSizesFromSkus(resourceSkus(), 'westeurope');
const SIZES_EUS = vmSizesFromSkus(resourceSkus(), 'eastus');

function specOf(name: 'elastigroup-gallery-latest.json' | 'elastigroup-gallery-pinned.json'): StatelessGroupSpec;
function specOf(name: 'stateful-node-gallery.json'): StatefulNodeSpec;
function specOf(name: SpotFixture): StatelessGroupSpec | StatefulNodeSpec {
  const result = parseJobEnvelope(fixtureEnvelope(name));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const complete = completeJob(result.envelope);
  if (!complete.ok) throw new Error(JSON.stringify(complete.errors));
  return groupSpecOf(complete.job).spec;
}
const GROUP = specOf('elastigroup-gallery-latest.json'); // web-weu: westeurope, target 60, D2s_v5 / D2s_v5 + D4s_v5, Premium_LRS 64 GB, TrustedLaunch
const PINNED = specOf('elastigroup-gallery-pinned.json'); // batch-eus: eastus, target 4, D4s_v5, StandardSSD_LRS
const NODE = specOf('stateful-node-gallery.json'); // sql-01: Windows, westeurope, D4s_v5, Premium_LRS 128 GB, no login

function group(edit?: (s: StatelessGroupSpec) => void): StatelessGroupSpec {
  const s = structuredClone(GROUP);
  edit?.(s);
  return s;
}
function node(edit?: (s: StatefulNodeSpec) => void): StatefulNodeSpec {
  const s = structuredClone(NODE);
  edit?.(s);
  return s;
}
const withSizes = (od: string[], spot: string[]) => (s: StatelessGroupSpec | StatefulNodeSpec) => {
  s.compute.vmSizes = { odSizes: od, spotSizes: spot };
};

function groupInput(over: Partial<CompatibilityInput> = {}): CompatibilityInput {
  return {
    kind: 'statelessGroup',
    spec: GROUP,
    region: 'westeurope',
    image: UBUNTU,
    version: V1_9,
    vmSizes: SIZES_WEU,
    imageTenant: 'same',
    now: NOW,
    ...over,
  };
}
function nodeInput(over: Partial<CompatibilityInput> = {}): CompatibilityInput {
  return {
    kind: 'statefulNode',
    spec: NODE,
    region: 'westeurope',
    image: WINDOWS,
    version: WIN_VERSION,
    vmSizes: SIZES_WEU,
    imageTenant: 'same',
    now: NOW,
    ...over,
  };
}
const image = (base: ImageDefinitionRecord, over: Partial<ImageDefinitionRecord>): ImageDefinitionRecord => ({
  ...base,
  ...over,
});
const features = (
  base: ImageDefinitionRecord,
  over: Partial<ImageDefinitionRecord['features']>,
): ImageDefinitionRecord => ({
  ...base,
  features: { ...base.features, ...over },
});
const size = (name: string, over: Partial<VmSizeCapabilities>): VmSizeCapabilities => ({
  ...SIZES_WEU[name]!,
  ...over,
});

type Row = [severity: Finding['severity'], code: string, path: string];
const rows = (findings: readonly Finding[]): Row[] => findings.map((f) => [f.severity, f.code, f.path]);

const G = 'group.compute';
const GL = `${G}.launchSpecification`;
const GV = `${GL}.image.gallery.version`;
const N = 'statefulNode.compute';
const NV = `${N}.launchSpecification.image.gallery.versionName`;
const OD = (i: number): string => `${G}.vmSizes.odSizes[${i}]`;
const SPOT = (i: number): string => `${G}.vmSizes.spotSizes[${i}]`;

describe('checkCompatibility: the fixtures', () => {
  it('the West Europe group on Ubuntu 1.9.0 is compatible with no findings', () => {
    expect(checkCompatibility(groupInput())).toEqual([]);
  });

  it('the East US batch group on Ubuntu 1.9.0 is compatible', () => {
    expect(checkCompatibility(groupInput({ spec: PINNED, region: 'eastus', vmSizes: SIZES_EUS }))).toEqual([]);
  });

  it('the stateful SQL node on the specialized Windows image only warns about the definition end of life', () => {
    const findings = checkCompatibility(nodeInput());
    expect(rows(findings)).toEqual([['warning', 'end-of-life', NV]]);
    expect(findings[0]!.message).toContain("image definition's end-of-life date");
    expect(hasErrors(findings)).toBe(false);
  });

  it('runs every rule in order and concatenates their findings', () => {
    const input = groupInput({
      image: MARINER,
      version: V1_2,
      spec: group(withSizes(['Standard_A2_v2', 'Nope'], ['standard_d2ps_v5'])),
      imageTenant: 'other',
    });
    expect(checkCompatibility(input)).toEqual(COMPATIBILITY_RULES.flatMap((rule) => rule(input)));
    expect(COMPATIBILITY_RULES).toHaveLength(17);
  });
});

describe('version in the region', () => {
  it('is an error when not deployable there, with the blocking reason as code, at the version path', () => {
    expect(rows(checkDeployability(groupInput({ region: 'northeurope' })))).toEqual([['error', 'not-targeted', GV]]);
    expect(rows(checkDeployability(groupInput({ version: V1_10, region: 'eastus' })))).toEqual([
      ['error', 'replication-in-progress', GV],
    ]);
    expect(rows(checkDeployability(groupInput({ version: V1_12 })))).toEqual([
      ['error', 'provisioning-failed', GV],
      ['error', 'replication-failed', GV],
    ]);
    expect(rows(checkDeployability(nodeInput({ region: 'northeurope' })))).toEqual([['error', 'not-targeted', NV]]);
    const unreported: ImageVersionRecord = {
      ...V1_9,
      replicationStatusReported: false,
      targetRegions: V1_9.targetRegions.map((t) => ({ ...t, replicationState: 'Unknown' as const })),
    };
    expect(rows(checkDeployability(groupInput({ version: unreported })))).toEqual([
      ['error', 'replication-in-progress', GV],
    ]);
  });

  it('exclusion from latest does not block a version (it only matters when resolving latest)', () => {
    expect(checkDeployability(groupInput({ version: V1_11 }))).toEqual([]);
    expect(checkDeployability(groupInput({ version: V2_0 }))).toEqual([]);
  });

  it('end of life is a warning: the version date first, else the definition default', () => {
    expect(rows(checkEndOfLife(groupInput({ version: V1_2 })))).toEqual([['warning', 'end-of-life', GV]]);
    expect(checkEndOfLife(groupInput({ version: V1_2 }))[0]!.message).toContain('its end-of-life date (2026-01-01');
    // The definition's default (2027-06-30) has not passed.
    expect(checkEndOfLife(groupInput())).toEqual([]);
    expect(rows(checkEndOfLife(groupInput({ now: new Date('2027-06-30T00:00:00Z') })))).toEqual([
      ['warning', 'end-of-life', GV],
    ]);
    expect(checkEndOfLife(groupInput({ now: new Date('2027-06-29T23:59:59Z') }))).toEqual([]);
    // A version date in the future overrides a passed definition default.
    expect(
      checkEndOfLife(nodeInput({ version: { ...WIN_VERSION, endOfLifeDate: '2030-01-01T00:00:00.000Z' } })),
    ).toEqual([]);
    expect(checkEndOfLife(groupInput({ image: image(UBUNTU, { endOfLifeDate: 'not a date' }) }))).toEqual([]);
  });

  it('the end-of-life and shallow warnings never block', () => {
    const findings = checkCompatibility(
      groupInput({ version: V1_2, spec: group((s) => (s.capacity = { minimum: 0, maximum: 1, target: 1 })) }),
    );
    expect(rows(findings)).toEqual([['warning', 'end-of-life', GV]]);
    expect(hasErrors(findings)).toBe(false);
  });
});

describe('image definition vs spec', () => {
  it('the OS must match the image', () => {
    expect(rows(checkOsType(groupInput({ image: WINDOWS })))).toEqual([['error', 'os-type-mismatch', `${G}.os`]]);
    expect(rows(checkOsType(nodeInput({ image: UBUNTU })))).toEqual([['error', 'os-type-mismatch', `${N}.os`]]);
    expect(checkOsType(nodeInput())).toEqual([]);
  });

  it('a specialized image takes no login; a generalized image needs one', () => {
    const withLogin = node(
      (s) => (s.compute.launchSpecification.login = { userName: 'admin', password: 'S3cret-enough!' }),
    );
    expect(rows(checkLogin(nodeInput({ spec: withLogin })))).toEqual([
      ['error', 'specialized-image-login', `${N}.launchSpecification.login`],
    ]);
    expect(rows(checkLogin(groupInput({ image: image(UBUNTU, { osState: 'Specialized' }) })))).toEqual([
      ['error', 'specialized-image-login', `${GL}.login`],
    ]);
    const noLogin = group((s) => delete s.compute.launchSpecification.login);
    expect(rows(checkLogin(groupInput({ spec: noLogin })))).toEqual([['error', 'login-required', `${GL}.login`]]);
    expect(checkLogin(groupInput())).toEqual([]);
    expect(checkLogin(nodeInput())).toEqual([]);
  });

  it('the OS disk type must not be disallowed (case-insensitive)', () => {
    const standard = group((s) => (s.compute.launchSpecification.osDisk = { sizeGB: 64, type: 'Standard_LRS' }));
    expect(rows(checkDisallowedDiskType(groupInput({ spec: standard })))).toEqual([
      ['error', 'disk-type-disallowed', `${GL}.osDisk.type`],
    ]);
    expect(
      rows(checkDisallowedDiskType(groupInput({ image: image(UBUNTU, { disallowedDiskTypes: ['premium_lrs'] }) }))),
    ).toEqual([['error', 'disk-type-disallowed', `${GL}.osDisk.type`]]);
    expect(checkDisallowedDiskType(groupInput())).toEqual([]);
    // No osDisk (or no type): the default type is checked, at the osDisk path, and the message says it was assumed.
    const defaulted = checkDisallowedDiskType(
      groupInput({ spec: group((s) => delete s.compute.launchSpecification.osDisk) }),
    );
    expect(rows(defaulted)).toEqual([['error', 'disk-type-disallowed', `${GL}.osDisk`]]);
    expect(defaulted[0]!.message).toContain(`no osDisk.type given: ${DEFAULT_OS_DISK_TYPE} is assumed`);
    expect(
      checkDisallowedDiskType(
        groupInput({
          spec: group((s) => delete s.compute.launchSpecification.osDisk),
          image: image(UBUNTU, { disallowedDiskTypes: ['Premium_LRS'] }),
        }),
      ),
    ).toEqual([]);
  });

  it('disallowed disk types apply to every data disk too', () => {
    const disks = group((s) => {
      s.compute.launchSpecification.dataDisks = [
        { lun: 0, sizeGB: 128, type: 'Premium_LRS' },
        { lun: 1, sizeGB: 512, type: 'Standard_LRS' },
        { lun: 2, sizeGB: 512, type: 'standard_lrs' },
      ];
    });
    expect(rows(checkDisallowedDiskType(groupInput({ spec: disks })))).toEqual([
      ['error', 'disk-type-disallowed', `${GL}.dataDisks[1].type`],
      ['error', 'disk-type-disallowed', `${GL}.dataDisks[2].type`],
    ]);
    expect(checkDisallowedDiskType(groupInput({ spec: disks }))[0]!.message).toContain('data disk LUN 1');
    const premiumOnA2 = group((s) => {
      s.compute.vmSizes = { odSizes: ['Standard_A2_v2'], spotSizes: ['Standard_A2_v2'] };
      s.compute.launchSpecification.osDisk = { sizeGB: 64, type: 'StandardSSD_LRS' };
      s.compute.launchSpecification.dataDisks = [{ lun: 0, sizeGB: 128, type: 'Premium_LRS' }];
    });
    const premium = checkPremiumStorage(groupInput({ spec: premiumOnA2 }));
    expect(rows(premium)).toEqual([
      ['error', 'premium-storage-unsupported', `${G}.vmSizes.odSizes[0]`],
      ['error', 'premium-storage-unsupported', `${G}.vmSizes.spotSizes[0]`],
    ]);
    expect(premium[0]!.message).toContain('data disk LUN 0 (Premium_LRS)');
  });

  it("Spot's security flags need the security type they belong to", () => {
    const standard = group(
      (s) =>
        (s.compute.launchSpecification.security = {
          securityType: 'Standard',
          secureBootEnabled: true,
          vTpmEnabled: true,
          confidentialOsDiskEncryption: true,
        }),
    );
    const std = image(UBUNTU, { features: { ...UBUNTU.features, securityType: 'TrustedLaunchSupported' } });
    expect(rows(checkSecurityType(groupInput({ spec: standard, image: std })))).toEqual([
      ['error', 'security-flag-needs-trusted-launch', `${GL}.security.secureBootEnabled`],
      ['error', 'security-flag-needs-trusted-launch', `${GL}.security.vTpmEnabled`],
      ['error', 'confidential-encryption-needs-confidential-vm', `${GL}.security.confidentialOsDiskEncryption`],
    ]);
    // The fixture: TrustedLaunch with secure boot and vTPM on a trusted-launch image.
    expect(checkSecurityType(groupInput())).toEqual([]);
  });

  it('the OS disk may not be smaller than the image version`s', () => {
    const small = group((s) => (s.compute.launchSpecification.osDisk = { sizeGB: 29, type: 'Premium_LRS' }));
    expect(rows(checkOsDiskSize(groupInput({ spec: small })))).toEqual([
      ['error', 'os-disk-too-small', `${GL}.osDisk.sizeGB`],
    ]);
    expect(
      checkOsDiskSize(
        groupInput({
          spec: group((s) => (s.compute.launchSpecification.osDisk = { sizeGB: 30, type: 'Premium_LRS' })),
        }),
      ),
    ).toEqual([]);
    expect(
      checkOsDiskSize(
        groupInput({ spec: group((s) => (s.compute.launchSpecification.osDisk = { type: 'Premium_LRS' })) }),
      ),
    ).toEqual([]);
    const { osDiskSizeGB: _unused, ...unknownSize } = V1_9;
    expect(checkOsDiskSize(groupInput({ spec: small, version: unknownSize }))).toEqual([]);
  });

  it('a Flexible scale set cannot use an image shared by another tenant', () => {
    const flexible = group((s) => (s.compute.orchestrationMode = 'Flexible'));
    expect(rows(checkCrossTenantFlexible(groupInput({ spec: flexible, imageTenant: 'other' })))).toEqual([
      ['error', 'flexible-cross-tenant-image', `${G}.orchestrationMode`],
    ]);
    expect(checkCrossTenantFlexible(groupInput({ spec: flexible, imageTenant: 'same' }))).toEqual([]);
    expect(
      checkCrossTenantFlexible(
        groupInput({ spec: group((s) => (s.compute.orchestrationMode = 'Uniform')), imageTenant: 'other' }),
      ),
    ).toEqual([]);
    expect(checkCrossTenantFlexible(groupInput({ imageTenant: 'other' }))).toEqual([]);
    expect(checkCrossTenantFlexible(nodeInput({ imageTenant: 'other' }))).toEqual([]);
  });

  it("an organization that applies to Azure makes every stateless group a Flexible scale set: another tenant's image is refused at the image", () => {
    const applied = checkCrossTenantFlexible({ ...groupInput({ imageTenant: 'other' }), appliedAsFlexible: true });
    expect(rows(applied)).toEqual([
      ['error', 'flexible-cross-tenant-image', `${G}.launchSpecification.image.gallery.version`],
    ]);
    expect(applied[0]!.message).toContain(
      '(the organization applies groups to Azure, where each is a Flexible scale set)',
    );
    expect(checkCrossTenantFlexible({ ...groupInput({ imageTenant: 'same' }), appliedAsFlexible: true })).toEqual([]);
    expect(checkCrossTenantFlexible({ ...nodeInput({ imageTenant: 'other' }), appliedAsFlexible: true })).toEqual([]);
    expect(checkCrossTenantFlexible({ ...groupInput({ imageTenant: 'other' }), appliedAsFlexible: false })).toEqual([]);
  });

  it('fails closed: an image whose owner tenant is unknown counts as another tenant, and the reason says so', () => {
    const flexible = group((s) => (s.compute.orchestrationMode = 'Flexible'));
    const findings = checkCrossTenantFlexible(groupInput({ spec: flexible, imageTenant: 'unknown' }));
    expect(rows(findings)).toEqual([['error', 'flexible-cross-tenant-image', `${G}.orchestrationMode`]]);
    expect(findings[0]!.message).toContain('unknown to this service, so it is treated as another tenant');
  });
});

describe('security type', () => {
  type Requested = 'none' | 'Standard' | 'TrustedLaunch' | 'ConfidentialVM';
  const NS = 'security-type-not-supported-by-image';
  const TL = 'trusted-launch-unsupported';
  const CVM = 'confidential-vm-unsupported';
  /**
   * Seed 004's SecurityType table: what each image type can create, and so which findings each
   * requested type gives on Standard_A2_v2 (no trusted launch, not confidential; odSizes[0]) and
   * Standard_DC2as_v5 (trusted launch and confidential; spotSizes[0]).
   */
  const TABLE: Record<string, Record<Requested, string[]>> = {
    '(none)': { none: [], Standard: [], TrustedLaunch: [NS, TL], ConfidentialVM: [NS, CVM] },
    Standard: { none: [], Standard: [], TrustedLaunch: [NS, TL], ConfidentialVM: [NS, CVM] },
    TrustedLaunch: { none: [TL], Standard: [NS], TrustedLaunch: [TL], ConfidentialVM: [NS, CVM] },
    TrustedLaunchSupported: { none: [], Standard: [], TrustedLaunch: [TL], ConfidentialVM: [NS, CVM] },
    ConfidentialVM: { none: [CVM], Standard: [NS], TrustedLaunch: [NS, TL], ConfidentialVM: [CVM] },
    ConfidentialVMSupported: { none: [], Standard: [], TrustedLaunch: [NS, TL], ConfidentialVM: [CVM] },
    TrustedLaunchAndConfidentialVmSupported: { none: [], Standard: [], TrustedLaunch: [TL], ConfidentialVM: [CVM] },
  };
  const cases = Object.entries(TABLE).flatMap(([imageType, byRequest]) =>
    (Object.entries(byRequest) as Array<[Requested, string[]]>).map(
      ([requested, codes]) => [imageType, requested, codes] as const,
    ),
  );

  it.each(cases)('image %s, spec %s → %j', (imageType, requested, codes) => {
    const img = features(UBUNTU, { securityType: imageType === '(none)' ? undefined : imageType });
    const spec = group((s) => {
      withSizes(['Standard_A2_v2'], ['Standard_DC2as_v5'])(s);
      if (requested === 'none') delete s.compute.launchSpecification.security;
      else
        s.compute.launchSpecification.security = {
          securityType: requested,
          secureBootEnabled: requested !== 'Standard',
          vTpmEnabled: requested !== 'Standard',
        };
    });
    const findings = checkSecurityType(groupInput({ image: img, spec }));
    expect(findings.map((f) => f.code)).toEqual(codes);
    for (const f of findings) {
      expect(f.severity).toBe('error');
      expect(f.path).toBe(f.code === NS ? `${GL}.security.securityType` : OD(0));
    }
  });

  it('accepts spelling variants of the SecurityType value ("Confidential VM", any case)', () => {
    expect(securityTypesOf(features(UBUNTU, { securityType: 'Confidential VM' }))).toEqual(['ConfidentialVM']);
    expect(securityTypesOf(features(UBUNTU, { securityType: 'trustedlaunchsupported' }))).toEqual([
      'Standard',
      'TrustedLaunch',
    ]);
    expect(securityTypesOf(features(UBUNTU, { securityType: '  ' }))).toEqual(['Standard']);
    expect(securityTypesOf(features(UBUNTU, { securityType: 'Quantum' }))).toBeUndefined();
  });

  it('an unknown SecurityType is a warning and nothing else is checked', () => {
    expect(rows(checkSecurityType(groupInput({ image: features(UBUNTU, { securityType: 'Quantum' }) })))).toEqual([
      ['warning', 'security-type-unknown', GV],
    ]);
  });

  it('trusted launch and confidential VMs need a Generation 2 image', () => {
    const gen1 = image(features(UBUNTU, { securityType: 'TrustedLaunchSupported' }), { hyperVGeneration: 'V1' });
    expect(rows(checkSecurityType(groupInput({ image: gen1 })))).toEqual([
      ['error', 'security-type-requires-gen2', `${GL}.security.securityType`],
    ]);
    const gen1TrustedOnly = image(UBUNTU, { hyperVGeneration: 'V1' });
    const noSecurity = group((s) => delete s.compute.launchSpecification.security);
    expect(rows(checkSecurityType(groupInput({ image: gen1TrustedOnly, spec: noSecurity })))).toEqual([
      ['error', 'security-type-requires-gen2', GV],
    ]);
    expect(checkSecurityType(nodeInput())).toEqual([]); // Gen1 Windows, Standard
  });

  it('the effective VM security type: the spec`s, else the image`s only one, else Standard', () => {
    const noSecurity = group((s) => delete s.compute.launchSpecification.security);
    expect(effectiveSecurityType({ spec: GROUP, image: WINDOWS })).toBe('TrustedLaunch');
    expect(effectiveSecurityType({ spec: noSecurity, image: UBUNTU })).toBe('TrustedLaunch');
    expect(effectiveSecurityType({ spec: noSecurity, image: MARINER })).toBe('ConfidentialVM');
    expect(
      effectiveSecurityType({ spec: noSecurity, image: features(UBUNTU, { securityType: 'TrustedLaunchSupported' }) }),
    ).toBe('Standard');
    expect(effectiveSecurityType({ spec: noSecurity, image: WINDOWS })).toBe('Standard');
  });

  it('the confidential Arm64 fixture image needs a confidential Arm64 Gen2 size', () => {
    const spec = group((s) => {
      s.compute.vmSizes = { odSizes: ['Standard_DC2as_v5'], spotSizes: ['Standard_D2ps_v5'] };
      s.compute.launchSpecification.security = {
        securityType: 'ConfidentialVM',
        secureBootEnabled: true,
        vTpmEnabled: true,
      };
    });
    expect(rows(checkCompatibility(groupInput({ image: MARINER, spec })))).toEqual([
      ['error', 'confidential-vm-unsupported', SPOT(0)],
      ['error', 'architecture-mismatch', OD(0)],
    ]);
  });
});

describe('VM sizes', () => {
  it('every listed size must be known, offered and not restricted in the region (each at its own path)', () => {
    const sizes = {
      ...SIZES_WEU,
      Standard_Restricted: size('Standard_D2s_v5', {
        name: 'Standard_Restricted',
        restrictedInRegion: true,
        restrictionReasons: ['NotAvailableForSubscription'],
      }),
      Standard_Elsewhere: size('Standard_D2s_v5', { name: 'Standard_Elsewhere', offeredInRegion: false }),
      Standard_OtherRegion: size('Standard_D2s_v5', { name: 'Standard_OtherRegion', region: 'eastus' }),
    };
    const spec = group(
      withSizes(
        ['Standard_D2s_v5', 'Standard_Restricted'],
        ['Standard_Nope', 'Standard_Elsewhere', 'Standard_OtherRegion', 'standard_d4s_V5'],
      ),
    );
    const findings = checkVmSizeAvailability(groupInput({ spec, vmSizes: sizes }));
    expect(rows(findings)).toEqual([
      ['error', 'vm-size-restricted', OD(1)],
      ['error', 'vm-size-unknown', SPOT(0)],
      ['error', 'vm-size-not-offered', SPOT(1)],
      ['error', 'vm-size-unknown', SPOT(2)],
    ]);
    expect(findings[0]!.message).toContain('NotAvailableForSubscription');
  });

  it('a size the SKU list does not offer in the region (D64s_v5 in East US)', () => {
    const spec = group(withSizes(['Standard_D64s_v5'], ['Standard_D2s_v5']));
    expect(rows(checkVmSizeAvailability(groupInput({ spec, region: 'eastus', vmSizes: SIZES_EUS })))).toEqual([
      ['error', 'vm-size-not-offered', OD(0)],
    ]);
  });

  it('a size listed in odSizes and spotSizes is reported at both paths', () => {
    const spec = group(withSizes(['Standard_Nope'], ['Standard_Nope']));
    expect(rows(checkVmSizeAvailability(groupInput({ spec })))).toEqual([
      ['error', 'vm-size-unknown', OD(0)],
      ['error', 'vm-size-unknown', SPOT(0)],
    ]);
    expect(listedSizes({ kind: 'statelessGroup', spec })).toEqual([
      { name: 'Standard_Nope', path: OD(0) },
      { name: 'Standard_Nope', path: SPOT(0) },
    ]);
  });

  it('the size must support the image`s Hyper-V generation', () => {
    const spec = group(withSizes(['Standard_A2_v2'], ['Standard_D2s_v5', 'Standard_E2bds_v5']));
    expect(rows(checkHyperVGeneration(groupInput({ spec })))).toEqual([
      ['error', 'hyperv-generation-unsupported', OD(0)],
    ]);
    const gen1 = node(withSizes(['Standard_A2_v2'], ['Standard_E2bds_v5']));
    expect(rows(checkHyperVGeneration(nodeInput({ spec: gen1 })))).toEqual([
      ['error', 'hyperv-generation-unsupported', `${N}.vmSizes.spotSizes[0]`],
    ]);
  });

  it('the size must have the image`s CPU architecture', () => {
    const spec = group(withSizes(['Standard_D2ps_v5'], ['Standard_D2s_v5']));
    expect(rows(checkArchitecture(groupInput({ spec })))).toEqual([['error', 'architecture-mismatch', OD(0)]]);
    expect(rows(checkArchitecture(groupInput({ spec, image: MARINER })))).toEqual([
      ['error', 'architecture-mismatch', SPOT(0)],
    ]);
  });

  it('the image and the size must share a disk controller type (default SCSI on both sides)', () => {
    const spec = group(withSizes(['Standard_D2s_v5'], ['Standard_E2bds_v5']));
    expect(checkDiskController(groupInput({ spec }))).toEqual([]); // image SCSI+NVMe
    expect(
      rows(checkDiskController(groupInput({ spec, image: features(UBUNTU, { diskControllerTypes: ['NVMe'] }) }))),
    ).toEqual([['error', 'disk-controller-mismatch', OD(0)]]);
    expect(
      checkDiskController(groupInput({ spec, image: features(UBUNTU, { diskControllerTypes: ['nvme'] }) })).map(
        (f) => f.path,
      ),
    ).toEqual([OD(0)]);
    const nvmeOnly = {
      ...SIZES_WEU,
      Standard_NvmeOnly: size('Standard_E2bds_v5', { name: 'Standard_NvmeOnly', diskControllerTypes: ['NVMe'] }),
    };
    const nvmeSpec = group(withSizes(['Standard_NvmeOnly'], ['Standard_D2s_v5']));
    expect(
      rows(
        checkDiskController(
          groupInput({
            spec: nvmeSpec,
            vmSizes: nvmeOnly,
            image: features(UBUNTU, { diskControllerTypes: undefined }),
          }),
        ),
      ),
    ).toEqual([['error', 'disk-controller-mismatch', OD(0)]]);
    expect(checkDiskController(groupInput({ spec: nvmeSpec, vmSizes: nvmeOnly }))).toEqual([]);
  });

  it('accelerated networking the image supports but a size lacks is a warning', () => {
    const spec = group(withSizes(['Standard_A2_v2'], ['Standard_D2s_v5']));
    expect(rows(checkAcceleratedNetworking(groupInput({ spec })))).toEqual([
      ['warning', 'accelerated-networking-unavailable', OD(0)],
    ]);
    expect(
      checkAcceleratedNetworking(groupInput({ spec, image: features(UBUNTU, { acceleratedNetwork: false }) })),
    ).toEqual([]);
    expect(
      checkAcceleratedNetworking(groupInput({ spec, image: features(UBUNTU, { acceleratedNetwork: undefined }) })),
    ).toEqual([]);
  });

  it('a premium OS disk needs premium storage on every size', () => {
    const spec = group(withSizes(['Standard_A2_v2'], ['Standard_D2s_v5']));
    expect(rows(checkPremiumStorage(groupInput({ spec })))).toEqual([['error', 'premium-storage-unsupported', OD(0)]]);
    const ssd = group((s) => {
      withSizes(['Standard_A2_v2'], ['Standard_D2s_v5'])(s);
      s.compute.launchSpecification.osDisk = { sizeGB: 64, type: 'StandardSSD_LRS' };
    });
    expect(checkPremiumStorage(groupInput({ spec: ssd }))).toEqual([]);
    const zrs = group((s) => {
      withSizes(['Standard_A2_v2'], ['Standard_D2s_v5'])(s);
      s.compute.launchSpecification.osDisk = { sizeGB: 64, type: 'Premium_ZRS' };
    });
    expect(checkPremiumStorage(groupInput({ spec: zrs })).map((f) => f.code)).toEqual(['premium-storage-unsupported']);
  });

  it("encryption at host needs sizes with EncryptionAtHostSupported True (resource SKUs' capability); sizes cached before it was read are not judged", () => {
    const asked = group((s) => {
      withSizes(['Standard_A2_v2'], ['Standard_D2s_v5'])(s);
      s.compute.launchSpecification.security = { ...s.compute.launchSpecification.security, encryptionAtHost: true };
    });
    expect(SIZES_WEU['Standard_D2s_v5']?.encryptionAtHostSupported).toBe(true);
    expect(SIZES_WEU['Standard_A2_v2']?.encryptionAtHostSupported).toBe(false);
    const found = checkEncryptionAtHost(groupInput({ spec: asked }));
    expect(rows(found)).toEqual([['error', 'encryption-at-host-unsupported', OD(0)]]);
    expect(found[0]?.message).toContain(`${GL}.security.encryptionAtHost`);
    const notAsked = group(withSizes(['Standard_A2_v2'], ['Standard_D2s_v5']));
    expect(checkEncryptionAtHost(groupInput({ spec: notAsked }))).toEqual([]);
    const { encryptionAtHostSupported: _unknown, ...cachedBefore } = SIZES_WEU['Standard_A2_v2']!;
    expect(
      checkEncryptionAtHost(groupInput({ spec: asked, vmSizes: { ...SIZES_WEU, Standard_A2_v2: cachedBefore } })),
    ).toEqual([]);
  });

  it('warns per size and bound outside the recommended vCPU and memory range', () => {
    const spec = group(withSizes(['Standard_D64s_v5'], ['Standard_D2s_v5', 'Standard_A2_v2']));
    expect(rows(checkRecommendedRange(groupInput({ spec })))).toEqual([
      ['warning', 'vcpus-above-recommended', OD(0)],
      ['warning', 'memory-above-recommended', OD(0)],
    ]);
    const demanding = image(UBUNTU, { recommended: { vCPUs: { min: 4 }, memoryGB: { min: 8, max: 8 } } });
    expect(rows(checkRecommendedRange(groupInput({ spec, image: demanding })))).toEqual([
      ['warning', 'memory-above-recommended', OD(0)],
      ['warning', 'vcpus-below-recommended', SPOT(0)],
      ['warning', 'vcpus-below-recommended', SPOT(1)],
      ['warning', 'memory-below-recommended', SPOT(1)],
    ]);
    expect(checkRecommendedRange(groupInput({ spec, image: image(UBUNTU, { recommended: {} }) }))).toEqual([]);
  });

  it('warns about zones the spec names that a size does not offer in the region', () => {
    const sizes = {
      ...SIZES_WEU,
      Standard_TwoZones: size('Standard_D2s_v5', { name: 'Standard_TwoZones', zones: ['1', '2'] }),
    };
    const spec = group(withSizes(['Standard_TwoZones'], ['Standard_D2s_v5']));
    const findings = checkZones(groupInput({ spec, vmSizes: sizes }));
    expect(rows(findings)).toEqual([['warning', 'vm-size-zone-unavailable', OD(0)]]);
    expect(findings[0]!.message).toContain('zone 3');
    const preferred = node((s) => {
      s.compute.vmSizes = { odSizes: ['Standard_TwoZones'], spotSizes: ['Standard_D4s_v5'] };
      s.compute.preferredZone = '3';
    });
    expect(rows(checkZones(nodeInput({ spec: preferred, vmSizes: sizes })))).toEqual([
      ['warning', 'vm-size-zone-unavailable', `${N}.vmSizes.odSizes[0]`],
    ]);
    expect(checkZones(groupInput({ spec: group((s) => delete s.compute.zones), vmSizes: sizes }))).toEqual([]);
    const { zones: _unused, ...noZoneInfo } = sizes.Standard_TwoZones;
    expect(checkZones(groupInput({ spec, vmSizes: { ...sizes, Standard_TwoZones: noZoneInfo } }))).toEqual([]);
  });

  it('size rules other than availability skip unknown sizes', () => {
    const spec = group(withSizes(['Standard_Nope'], ['Standard_Nope']));
    const input = groupInput({ spec, image: MARINER });
    const sizeRules: Rule[] = [
      checkHyperVGeneration,
      checkArchitecture,
      checkDiskController,
      checkAcceleratedNetworking,
      checkPremiumStorage,
      checkRecommendedRange,
      checkZones,
    ];
    for (const rule of sizeRules) expect(rule(input)).toEqual([]);
    expect(checkSecurityType(input)).toEqual([
      {
        severity: 'error',
        code: 'security-type-not-supported-by-image',
        path: `${GL}.security.securityType`,
        message: expect.any(String) as string,
      },
    ]);
  });
});

describe('paths', () => {
  it('point into the body of each kind', () => {
    expect(pathsFor('statelessGroup')).toMatchObject({
      version: GV,
      os: `${G}.os`,
      capacityTarget: 'group.capacity.target',
      orchestrationMode: `${G}.orchestrationMode`,
    });
    expect(pathsFor('statefulNode')).toMatchObject({
      version: NV,
      os: `${N}.os`,
      login: `${N}.launchSpecification.login`,
    });
  });
});

// ---------------------------------------------------------------- properties

const SIZE_POOL = [...Object.keys(SIZES_WEU), 'Standard_Nope', 'standard_d2s_v5', 'Standard_Restricted'];
const IMAGE_POOL = [
  UBUNTU,
  WINDOWS,
  MARINER,
  features(UBUNTU, { securityType: 'Quantum' }),
  features(MARINER, { diskControllerTypes: ['NVMe'] }),
];
const VERSION_POOL = [V1_9, V1_10, V1_11, V1_12, V2_0, V1_2];
const SIZE_CODES = new Set([
  'vm-size-unknown',
  'vm-size-not-offered',
  'vm-size-restricted',
  'hyperv-generation-unsupported',
  'architecture-mismatch',
  'trusted-launch-unsupported',
  'confidential-vm-unsupported',
  'accelerated-networking-unavailable',
  'disk-controller-mismatch',
  'premium-storage-unsupported',
  'encryption-at-host-unsupported',
  'vcpus-below-recommended',
  'vcpus-above-recommended',
  'memory-below-recommended',
  'memory-above-recommended',
  'vm-size-zone-unavailable',
]);
const OTHER_CODES = new Set([
  'provisioning-failed',
  'provisioning-in-progress',
  'provisioning-unknown',
  'not-targeted',
  'replication-in-progress',
  'replication-failed',
  'end-of-life',
  'os-type-mismatch',
  'specialized-image-login',
  'login-required',
  'security-type-unknown',
  'security-type-not-supported-by-image',
  'security-type-requires-gen2',
  'disk-type-disallowed',
  'os-disk-too-small',
  'flexible-cross-tenant-image',
  'security-flag-needs-trusted-launch',
  'confidential-encryption-needs-confidential-vm',
]);

const inputArb: fc.Arbitrary<CompatibilityInput> = fc
  .record({
    stateful: fc.boolean(),
    od: fc.array(fc.constantFrom(...SIZE_POOL), { minLength: 1, maxLength: 3 }),
    spot: fc.array(fc.constantFrom(...SIZE_POOL), { minLength: 1, maxLength: 3 }),
    image: fc.constantFrom(...IMAGE_POOL),
    version: fc.constantFrom(...VERSION_POOL),
    region: fc.constantFrom('westeurope', 'eastus', 'northeurope'),
    target: fc.nat({ max: 200 }),
    security: fc.constantFrom(undefined, 'Standard', 'TrustedLaunch', 'ConfidentialVM'),
    diskType: fc.constantFrom('Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS', 'Premium_ZRS'),
    login: fc.boolean(),
    orchestration: fc.constantFrom(undefined, 'Flexible', 'Uniform'),
    imageTenant: fc.constantFrom('same' as const, 'other' as const, 'unknown' as const),
  })
  .map((r) => {
    const sizes = {
      ...vmSizesFromSkus(resourceSkus(), r.region),
      Standard_Restricted: {
        ...SIZES_WEU.Standard_D2s_v5!,
        name: 'Standard_Restricted',
        region: r.region,
        restrictedInRegion: true,
      },
    };
    const edit = (s: StatelessGroupSpec | StatefulNodeSpec): void => {
      s.compute.vmSizes = { odSizes: r.od, spotSizes: r.spot };
      const ls = s.compute.launchSpecification;
      if (r.security === undefined) delete ls.security;
      else ls.security = { securityType: r.security, secureBootEnabled: true, vTpmEnabled: true };
      ls.osDisk = { sizeGB: 64, type: r.diskType };
      if (r.login) ls.login = { userName: 'u', password: 'p' };
      else delete ls.login;
    };
    const base = {
      region: r.region,
      image: r.image,
      version: r.version,
      vmSizes: sizes,
      imageTenant: r.imageTenant,
      now: NOW,
    };
    if (r.stateful) return { ...base, kind: 'statefulNode' as const, spec: node(edit) };
    return {
      ...base,
      kind: 'statelessGroup' as const,
      spec: group((s) => {
        edit(s);
        s.capacity = { minimum: 0, maximum: 200, target: r.target };
        if (r.orchestration === undefined) delete s.compute.orchestrationMode;
        else s.compute.orchestrationMode = r.orchestration;
      }),
    };
  });

describe('checkCompatibility: properties', () => {
  it('never throws; every finding is well-formed, with a known code and a path into the body', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const body = input.kind === 'statelessGroup' ? { group: input.spec } : { statefulNode: input.spec };
        const root = input.kind === 'statelessGroup' ? 'group.' : 'statefulNode.';
        for (const f of checkCompatibility(input)) {
          expect(['error', 'warning']).toContain(f.severity);
          expect(f.message.length).toBeGreaterThan(0);
          expect(f.path.startsWith(root)).toBe(true);
          if (SIZE_CODES.has(f.code)) {
            const listed = valueAt(body, f.path);
            expect(typeof listed).toBe('string');
            expect(f.message).toContain(String(listed));
          } else {
            expect(OTHER_CODES.has(f.code)).toBe(true);
          }
        }
      }),
    );
  });

  it('is deterministic, and the result is exactly the rules` findings in order', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const findings = checkCompatibility(input);
        expect(checkCompatibility(input)).toEqual(findings);
        expect(findings).toEqual(COMPATIBILITY_RULES.flatMap((rule) => rule(input)));
      }),
    );
  });

  it('warnings alone never make a spec incompatible; end of life is only ever a warning', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const f of checkCompatibility(input)) {
          if (['end-of-life', 'accelerated-networking-unavailable', 'vm-size-zone-unavailable'].includes(f.code)) {
            expect(f.severity).toBe('warning');
          }
        }
        const findings = checkCompatibility(input);
        expect(hasErrors(findings)).toBe(findings.some((f) => f.severity === 'error'));
      }),
    );
  });

  it('dropping a listed size never adds a size finding', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { odSizes, spotSizes = [] } = input.spec.compute.vmSizes;
        if (spotSizes.length < 2) return;
        const fewer = structuredClone(input.spec);
        fewer.compute.vmSizes = { odSizes, spotSizes: spotSizes.slice(0, -1) };
        const count = (i: CompatibilityInput): number =>
          checkCompatibility(i).filter((f) => SIZE_CODES.has(f.code)).length;
        expect(count({ ...input, spec: fewer })).toBeLessThanOrEqual(count(input));
      }),
    );
  });
});

describe('checkCompatibility: each finding says what is wrong, in full', () => {
  const full = (findings: readonly Finding[]) => findings.map((f) => [f.severity, f.code, f.path, f.message]);
  const CASES: [string, () => CompatibilityInput, string[][]][] = [
    [
      'a confidential Arm64 image past its end of life, on x64 sizes without trusted launch or premium storage',
      () =>
        groupInput({
          image: MARINER,
          version: V1_2,
          spec: group(withSizes(['Standard_A2_v2', 'Nope'], ['standard_d2ps_v5'])),
          imageTenant: 'other',
        }),
      [
        [
          'warning',
          'end-of-life',
          'group.compute.launchSpecification.image.gallery.version',
          'Image mariner-arm64 1.2.0 is past its end-of-life date (2026-01-01T00:00:00.000Z); VMs can still be created from it.',
        ],
        [
          'error',
          'security-type-not-supported-by-image',
          'group.compute.launchSpecification.security.securityType',
          'Image mariner-arm64 (SecurityType ConfidentialVM) can only create ConfidentialVM VMs, not TrustedLaunch.',
        ],
        [
          'error',
          'trusted-launch-unsupported',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_A2_v2 does not support trusted launch, which the VMs use (image mariner-arm64).',
        ],
        [
          'error',
          'trusted-launch-unsupported',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size standard_d2ps_v5 does not support trusted launch, which the VMs use (image mariner-arm64).',
        ],
        [
          'error',
          'vm-size-unknown',
          'group.compute.vmSizes.odSizes[1]',
          'VM size Nope is not a known VM size in westeurope.',
        ],
        [
          'error',
          'hyperv-generation-unsupported',
          'group.compute.vmSizes.odSizes[0]',
          "VM size Standard_A2_v2 supports Hyper-V generation V1, not the image's V2.",
        ],
        [
          'error',
          'architecture-mismatch',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_A2_v2 is x64 but the image is Arm64.',
        ],
        [
          'error',
          'premium-storage-unsupported',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_A2_v2 does not support premium storage, which the OS disk (Premium_LRS) needs.',
        ],
      ],
    ],
    [
      'disallowed disk types and an OS disk smaller than the image',
      () =>
        groupInput({
          spec: group((s) => {
            s.compute.launchSpecification.osDisk = { sizeGB: 8, type: 'Standard_LRS' };
            s.compute.launchSpecification.dataDisks = [{ lun: 0, sizeGB: 8, type: 'Standard_LRS' }];
          }),
        }),
      [
        [
          'error',
          'disk-type-disallowed',
          'group.compute.launchSpecification.osDisk.type',
          'Image ubuntu-2204-base disallows Standard_LRS disks (disallowed: Standard_LRS), the type of the OS disk.',
        ],
        [
          'error',
          'disk-type-disallowed',
          'group.compute.launchSpecification.dataDisks[0].type',
          'Image ubuntu-2204-base disallows Standard_LRS disks (disallowed: Standard_LRS), the type of data disk LUN 0.',
        ],
        [
          'error',
          'os-disk-too-small',
          'group.compute.launchSpecification.osDisk.sizeGB',
          'The OS disk is 8 GB but image ubuntu-2204-base 1.9.0 has a 30 GB OS disk.',
        ],
      ],
    ],
    [
      'confidential OS disk encryption on trusted launch VMs',
      () =>
        groupInput({
          spec: group((s) => {
            s.compute.launchSpecification.security = {
              ...(s.compute.launchSpecification.security ?? {}),
              encryptionAtHost: true,
              confidentialOsDiskEncryption: true,
            };
          }),
        }),
      [
        [
          'error',
          'confidential-encryption-needs-confidential-vm',
          'group.compute.launchSpecification.security.confidentialOsDiskEncryption',
          'confidentialOsDiskEncryption needs securityType ConfidentialVM; the VMs are TrustedLaunch.',
        ],
      ],
    ],
    [
      'a zone the sizes are not available in',
      () =>
        groupInput({
          spec: group((s) => {
            s.compute.zones = ['1', '4'];
          }),
        }),
      [
        [
          'warning',
          'vm-size-zone-unavailable',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_D2s_v5 is not available in zone 4 of westeurope (group.compute.zones).',
        ],
        [
          'warning',
          'vm-size-zone-unavailable',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size Standard_D2s_v5 is not available in zone 4 of westeurope (group.compute.zones).',
        ],
        [
          'warning',
          'vm-size-zone-unavailable',
          'group.compute.vmSizes.spotSizes[1]',
          'VM size Standard_D4s_v5 is not available in zone 4 of westeurope (group.compute.zones).',
        ],
      ],
    ],
    [
      'login credentials for a specialized image',
      () =>
        nodeInput({
          spec: node((s) => {
            s.compute.launchSpecification.login = { userName: 'u', password: 'Passw0rd!2345' };
          }),
        }),
      [
        [
          'warning',
          'end-of-life',
          'statefulNode.compute.launchSpecification.image.gallery.versionName',
          "Image win2022-sql 1.9.0 is past its image definition's end-of-life date (2025-01-01T00:00:00.000Z); VMs can still be created from it.",
        ],
        [
          'error',
          'specialized-image-login',
          'statefulNode.compute.launchSpecification.login',
          'Image win2022-sql is specialized: its VMs get no osProfile, so the launch specification must not carry login credentials.',
        ],
      ],
    ],
    [
      'a Flexible scale set from an image whose tenant is unknown',
      () =>
        groupInput({
          imageTenant: 'unknown',
          spec: group((s) => {
            s.compute.orchestrationMode = 'Flexible';
          }),
        }),
      [
        [
          'error',
          'flexible-cross-tenant-image',
          'group.compute.orchestrationMode',
          'A Flexible scale set cannot be created from an image of another tenant: the tenant owning image ubuntu-2204-base is unknown to this service, so it is treated as another tenant.',
        ],
      ],
    ],
    [
      'a Flexible scale set from an image of another tenant',
      () =>
        groupInput({
          imageTenant: 'other',
          spec: group((s) => {
            s.compute.orchestrationMode = 'Flexible';
          }),
        }),
      [
        [
          'error',
          'flexible-cross-tenant-image',
          'group.compute.orchestrationMode',
          'A Flexible scale set cannot be created from an image of another tenant: image ubuntu-2204-base is shared by another tenant.',
        ],
      ],
    ],
    [
      'a SecurityType this service does not know',
      () => groupInput({ image: features(UBUNTU, { securityType: 'Weird' }) }),
      [
        [
          'warning',
          'security-type-unknown',
          'group.compute.launchSpecification.image.gallery.version',
          'Image ubuntu-2204-base has SecurityType "Weird", which this service does not know; security compatibility was not checked.',
        ],
      ],
    ],
    [
      'a security type the image cannot create',
      () =>
        groupInput({
          spec: group((s) => {
            s.compute.launchSpecification.security = { securityType: 'ConfidentialVM' };
          }),
        }),
      [
        [
          'error',
          'security-type-not-supported-by-image',
          'group.compute.launchSpecification.security.securityType',
          'Image ubuntu-2204-base (SecurityType TrustedLaunch) can only create TrustedLaunch VMs, not ConfidentialVM.',
        ],
        [
          'error',
          'confidential-vm-unsupported',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_D2s_v5 is not a confidential VM size, which the VMs need (image ubuntu-2204-base).',
        ],
        [
          'error',
          'confidential-vm-unsupported',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size Standard_D2s_v5 is not a confidential VM size, which the VMs need (image ubuntu-2204-base).',
        ],
        [
          'error',
          'confidential-vm-unsupported',
          'group.compute.vmSizes.spotSizes[1]',
          'VM size Standard_D4s_v5 is not a confidential VM size, which the VMs need (image ubuntu-2204-base).',
        ],
      ],
    ],
    [
      "a size without the image's Hyper-V generation",
      () =>
        groupInput({
          vmSizes: { ...SIZES_WEU, Standard_D2s_v5: size('Standard_D2s_v5', { hyperVGenerations: ['V1'] }) },
        }),
      [
        [
          'error',
          'hyperv-generation-unsupported',
          'group.compute.vmSizes.odSizes[0]',
          "VM size Standard_D2s_v5 supports Hyper-V generation V1, not the image's V2.",
        ],
        [
          'error',
          'hyperv-generation-unsupported',
          'group.compute.vmSizes.spotSizes[0]',
          "VM size Standard_D2s_v5 supports Hyper-V generation V1, not the image's V2.",
        ],
      ],
    ],
    [
      'a size that reports no Hyper-V generation',
      () =>
        groupInput({ vmSizes: { ...SIZES_WEU, Standard_D2s_v5: size('Standard_D2s_v5', { hyperVGenerations: [] }) } }),
      [
        [
          'error',
          'hyperv-generation-unsupported',
          'group.compute.vmSizes.odSizes[0]',
          "VM size Standard_D2s_v5 supports Hyper-V generation none, not the image's V2.",
        ],
        [
          'error',
          'hyperv-generation-unsupported',
          'group.compute.vmSizes.spotSizes[0]',
          "VM size Standard_D2s_v5 supports Hyper-V generation none, not the image's V2.",
        ],
      ],
    ],
    [
      'no disk controller type in common',
      () =>
        groupInput({
          vmSizes: { ...SIZES_WEU, Standard_D2s_v5: size('Standard_D2s_v5', { diskControllerTypes: ['NVMe'] }) },
          image: features(UBUNTU, { diskControllerTypes: [] }),
        }),
      [
        [
          'error',
          'disk-controller-mismatch',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_D2s_v5 supports NVMe disk controllers and the image SCSI: no common controller type.',
        ],
        [
          'error',
          'disk-controller-mismatch',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size Standard_D2s_v5 supports NVMe disk controllers and the image SCSI: no common controller type.',
        ],
      ],
    ],
    [
      'a size without premium storage',
      () => groupInput({ vmSizes: { ...SIZES_WEU, Standard_D2s_v5: size('Standard_D2s_v5', { premiumIO: false }) } }),
      [
        [
          'error',
          'premium-storage-unsupported',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_D2s_v5 does not support premium storage, which the OS disk (Premium_LRS) needs.',
        ],
        [
          'error',
          'premium-storage-unsupported',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size Standard_D2s_v5 does not support premium storage, which the OS disk (Premium_LRS) needs.',
        ],
      ],
    ],
    [
      'more vCPUs and less memory than recommended',
      () =>
        groupInput({ vmSizes: { ...SIZES_WEU, Standard_D2s_v5: size('Standard_D2s_v5', { vCPUs: 64, memoryGB: 1 }) } }),
      [
        [
          'warning',
          'vcpus-above-recommended',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_D2s_v5 has 64 vCPUs; image ubuntu-2204-base recommends at most 16.',
        ],
        [
          'warning',
          'memory-below-recommended',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_D2s_v5 has 1 GB of memory; image ubuntu-2204-base recommends at least 4 GB.',
        ],
        [
          'warning',
          'vcpus-above-recommended',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size Standard_D2s_v5 has 64 vCPUs; image ubuntu-2204-base recommends at most 16.',
        ],
        [
          'warning',
          'memory-below-recommended',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size Standard_D2s_v5 has 1 GB of memory; image ubuntu-2204-base recommends at least 4 GB.',
        ],
      ],
    ],
    [
      'fewer vCPUs and more memory than recommended',
      () =>
        groupInput({
          vmSizes: { ...SIZES_WEU, Standard_D2s_v5: size('Standard_D2s_v5', { vCPUs: 1, memoryGB: 512 }) },
        }),
      [
        [
          'warning',
          'vcpus-below-recommended',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_D2s_v5 has 1 vCPUs; image ubuntu-2204-base recommends at least 2.',
        ],
        [
          'warning',
          'memory-above-recommended',
          'group.compute.vmSizes.odSizes[0]',
          'VM size Standard_D2s_v5 has 512 GB of memory; image ubuntu-2204-base recommends at most 64 GB.',
        ],
        [
          'warning',
          'vcpus-below-recommended',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size Standard_D2s_v5 has 1 vCPUs; image ubuntu-2204-base recommends at least 2.',
        ],
        [
          'warning',
          'memory-above-recommended',
          'group.compute.vmSizes.spotSizes[0]',
          'VM size Standard_D2s_v5 has 512 GB of memory; image ubuntu-2204-base recommends at most 64 GB.',
        ],
      ],
    ],
  ];
  for (const [label, input, expected] of CASES) {
    it(label, () => {
      expect(full(checkCompatibility(input()))).toEqual(expected);
    });
  }
});

/**
 * Compatibility of a group (or stateful node) spec with the gallery image version it uses, in its
 * region, on the VM sizes it lists.
 *
 * Each rule is a pure, exported function of the same input returning `Finding[]`;
 * `checkCompatibility` runs them all in a fixed order. Errors make the job fail (permanent
 * failure); warnings are recorded with the job. Paths are JSON paths into the job BODY
 * (`group.compute.vmSizes.spotSizes[1]`; `statefulNode.…` for stateful nodes).
 *
 * Decisions on rules the sources leave open:
 * - Deployability: only blocking reasons of latest.ts `deployability` are errors (their codes are
 *   kept: `not-targeted`, `replication-in-progress`, …); exclusion from latest is not (it only
 *   matters when resolving "latest", which happened before). Its shallow-replication warning is
 *   replaced by the job's replica warnings (warn only when the group is above 20 VMs).
 * - End of life (the version's, else the definition's default) is a warning, never an error.
 * - Security type: the image's `SecurityType` feature decides which VM security types it can
 *   create (seed 004): none/Standard → Standard; TrustedLaunch → TrustedLaunch only;
 *   TrustedLaunchSupported → Standard or TrustedLaunch; ConfidentialVM → ConfidentialVM only;
 *   ConfidentialVMSupported → Standard or ConfidentialVM; TrustedLaunchAndConfidentialVmSupported →
 *   any. A security type named in the spec must be one of those (error). The VMs' effective type is
 *   the spec's, else the image's only one, else Standard; a TrustedLaunch VM needs a size with
 *   trusted launch (TrustedLaunchDisabled ≠ True) and a ConfidentialVM a confidential size
 *   (ConfidentialComputingType): error per size. TrustedLaunch and ConfidentialVM also need a
 *   Generation 2 image. An unknown SecurityType value is a warning (not checked further).
 * - Accelerated networking: an image that supports it on a size without it is a WARNING: the VM
 *   still works, its NIC is just not accelerated (the feature says the image supports it, not
 *   that it requires it).
 * - Disk controllers: the image's DiskControllerType (default SCSI) and the size's
 *   DiskControllerTypes (default SCSI) must share one: error.
 * - Premium OS disks (Premium_LRS, Premium_ZRS) need a size with PremiumIO: error per size.
 * - An OS disk smaller than the image version's OS disk is an error (Azure refuses to shrink).
 * - A generalized image needs login credentials (its VMs get an osProfile); a specialized image
 *   must have none (its VMs get no osProfile): errors at the login path.
 * - VM sizes: unknown (no capabilities, or capabilities of another region), not offered in the
 *   region, or restricted there: errors; further size rules skip unknown sizes. Zones the spec
 *   names that a size does not offer there: warning. A size listed twice (odSizes and spotSizes)
 *   is reported at each path.
 * - Replicas are not a compatibility rule: the replica warnings of a job come from
 *   shared/advice/job-warnings.ts (capacity maximum, production tags, shallow replication).
 * - Cross-tenant images with a Flexible scale set (`compute.orchestrationMode: Flexible`, this
 *   project's extension, or any stateless group of an organization that applies to Azure, where
 *   every group becomes a Flexible scale set): error. Fails closed: when the image owner's tenant is unknown it counts as
 *   another tenant, and the reason says so.
 * - Disallowed disk types apply to the OS disk and every data disk; an OS disk without a type is
 *   checked as DEFAULT_OS_DISK_TYPE. Premium data disks need premium storage like a premium OS disk.
 * - Security reads Spot's `security` block: `securityType` as above; `secureBootEnabled` and
 *   `vTpmEnabled` need TrustedLaunch or ConfidentialVM; `confidentialOsDiskEncryption` needs a
 *   ConfidentialVM; `encryptionAtHost` needs every size to have `EncryptionAtHostSupported` True
 *   (error per size; sizes whose capabilities were cached before it was read are not checked).
 */
import { bodyRootOf, type GroupSpec, type JobKind } from './job-envelope.js';
import { deployability, isBlocking } from './latest.js';
import type { ImageDefinitionRecord, ImageVersionRecord } from './records.js';
import { normalizeRegion } from './regions.js';
import { findVmSize, type VmSizeCapabilities } from './vm-sizes.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  readonly severity: Severity;
  readonly code: string;
  /** JSON path into the job body, e.g. `group.compute.launchSpecification.image.gallery.version`. */
  readonly path: string;
  readonly message: string;
}

export interface CompatibilityInput {
  readonly kind: JobKind;
  readonly spec: GroupSpec;
  /** The region the VMs are created in (normally the spec's region). */
  readonly region: string;
  readonly image: ImageDefinitionRecord;
  readonly version: ImageVersionRecord;
  /** Capabilities by size name, for this region; a missing or undefined entry is an unknown size. */
  readonly vmSizes: Readonly<Record<string, VmSizeCapabilities | undefined>>;
  /** Whose tenant the image's gallery is in, relative to the caller's: `unknown` is treated as `other` (fail closed). */
  readonly imageTenant: 'same' | 'other' | 'unknown';
  readonly now: Date;
  /** The organization applies stateless groups to Azure, where each becomes a Flexible scale set whatever the body says. */
  readonly appliedAsFlexible?: boolean;
}

export type Rule = (input: CompatibilityInput) => Finding[];

// ---------------------------------------------------------------- paths and helpers

interface Paths {
  readonly root: string;
  readonly os: string;
  readonly launch: string;
  readonly version: string;
  readonly login: string;
  readonly osDiskType: string;
  readonly osDiskSize: string;
  readonly securityType: string;
  readonly orchestrationMode: string;
  readonly capacityTarget: string;
  readonly zones: string;
  readonly preferredZone: string;
}

function buildPaths(kind: JobKind): Paths {
  const root = bodyRootOf(kind);
  const compute = `${root}.compute`;
  const launch = `${compute}.launchSpecification`;
  return {
    root,
    os: `${compute}.os`,
    launch,
    version: `${launch}.image.gallery.${kind === 'statelessGroup' ? 'version' : 'versionName'}`,
    login: `${launch}.login`,
    osDiskType: `${launch}.osDisk.type`,
    osDiskSize: `${launch}.osDisk.sizeGB`,
    securityType: `${launch}.security.securityType`,
    orchestrationMode: `${compute}.orchestrationMode`,
    capacityTarget: `${root}.capacity.target`,
    zones: `${compute}.zones`,
    preferredZone: `${compute}.preferredZone`,
  };
}

const PATHS: Readonly<Record<JobKind, Paths>> = {
  statelessGroup: buildPaths('statelessGroup'),
  statefulNode: buildPaths('statefulNode'),
};

/** The JSON paths (into the body) the rules report at: built once per kind, not per rule and job. */
export function pathsFor(kind: JobKind): Paths {
  return PATHS[kind];
}

export interface ListedSize {
  readonly name: string;
  readonly path: string;
}

/** Every size the spec lists: odSizes then spotSizes, each with its path. */
export function listedSizes(input: Pick<CompatibilityInput, 'kind' | 'spec'>): ListedSize[] {
  const base = `${bodyRootOf(input.kind)}.compute.vmSizes`;
  const { odSizes, spotSizes = [] } = input.spec.compute.vmSizes;
  return [
    ...odSizes.map((name, i) => ({ name, path: `${base}.odSizes[${i}]` })),
    ...spotSizes.map((name, i) => ({ name, path: `${base}.spotSizes[${i}]` })),
  ];
}

interface SizeOfInput {
  readonly listed: ListedSize;
  /** Its capabilities for the input's region; undefined when unknown. */
  readonly size: VmSizeCapabilities | undefined;
}

const sizesByInput = new WeakMap<CompatibilityInput, readonly SizeOfInput[]>();

/**
 * Every listed size with its capabilities for the input's region, looked up once per input: the
 * size rules of one check share it (an input is read-only).
 */
function sizesOf(input: CompatibilityInput): readonly SizeOfInput[] {
  const known = sizesByInput.get(input);
  if (known !== undefined) return known;
  const region = normalizeRegion(input.region);
  const sizes = listedSizes(input).map((listed) => {
    const size = findVmSize(input.vmSizes, listed.name);
    return { listed, size: size === undefined || normalizeRegion(size.region) !== region ? undefined : size };
  });
  sizesByInput.set(input, sizes);
  return sizes;
}

/** Runs `check` for every listed size with known capabilities. */
function perKnownSize(
  input: CompatibilityInput,
  check: (size: VmSizeCapabilities, listed: ListedSize) => Finding | undefined,
): Finding[] {
  const out: Finding[] = [];
  for (const { listed, size } of sizesOf(input)) {
    if (size === undefined) continue;
    const f = check(size, listed);
    if (f !== undefined) out.push(f);
  }
  return out;
}

const error = (code: string, path: string, message: string): Finding => ({ severity: 'error', code, path, message });
const warning = (code: string, path: string, message: string): Finding => ({
  severity: 'warning',
  code,
  path,
  message,
});
const sameText = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function imageName(input: CompatibilityInput): string {
  return `${input.image.ref.image} ${input.version.ref.version}`;
}

// ---------------------------------------------------------------- version

/** The version must be deployable in the region: provisioned, targeted, replicated there. */
export function checkDeployability(input: CompatibilityInput): Finding[] {
  const d = deployability(input.version, input.region, { now: input.now, image: input.image });
  const path = pathsFor(input.kind).version;
  return d.reasons.filter((r) => isBlocking(r.code)).map((r) => error(r.code, path, r.message));
}

/** End of life passed (the version's date, else the definition's default): warning. */
export function checkEndOfLife(input: CompatibilityInput): Finding[] {
  const own = input.version.endOfLifeDate;
  const eol = own ?? input.image.endOfLifeDate;
  if (eol === undefined) return [];
  const at = Date.parse(eol);
  if (Number.isNaN(at) || at > input.now.getTime()) return [];
  const whose = own === undefined ? `its image definition's end-of-life date` : 'its end-of-life date';
  return [
    warning(
      'end-of-life',
      pathsFor(input.kind).version,
      `Image ${imageName(input)} is past ${whose} (${eol}); VMs can still be created from it.`,
    ),
  ];
}

// ---------------------------------------------------------------- image definition vs spec

/** `compute.os` must be the image's OS type. */
export function checkOsType(input: CompatibilityInput): Finding[] {
  const os = input.spec.compute.os;
  if (sameText(os, input.image.osType)) return [];
  return [
    error(
      'os-type-mismatch',
      pathsFor(input.kind).os,
      `The spec's OS is ${os} but image ${input.image.ref.image} is a ${input.image.osType} image.`,
    ),
  ];
}

/** Specialized images: no login (VMs get no osProfile). Generalized images: login required. */
export function checkLogin(input: CompatibilityInput): Finding[] {
  const path = pathsFor(input.kind).login;
  const login = input.spec.compute.launchSpecification.login;
  if (input.image.osState === 'Specialized' && login !== undefined) {
    return [
      error(
        'specialized-image-login',
        path,
        `Image ${input.image.ref.image} is specialized: its VMs get no osProfile, so the launch specification must not carry login credentials.`,
      ),
    ];
  }
  if (input.image.osState === 'Generalized' && login === undefined) {
    return [
      error(
        'login-required',
        path,
        `Image ${input.image.ref.image} is generalized: its VMs need login credentials (userName and a password or SSH key).`,
      ),
    ];
  }
  return [];
}

/** The OS disk type assumed when the spec gives none (`osDisk` or `osDisk.type` omitted). */
export const DEFAULT_OS_DISK_TYPE = 'Standard_LRS';

/** Every disk of the spec with its type and path: the OS disk (its default type when omitted), then the data disks. */
export function disksOf(
  input: Pick<CompatibilityInput, 'kind' | 'spec'>,
): Array<{ readonly type: string; readonly path: string; readonly what: string; readonly defaulted: boolean }> {
  const paths = pathsFor(input.kind);
  const launch = input.spec.compute.launchSpecification;
  const osType = launch.osDisk?.type;
  const os = {
    type: osType ?? DEFAULT_OS_DISK_TYPE,
    path: osType === undefined ? `${paths.launch}.osDisk` : paths.osDiskType,
    what: 'the OS disk',
    defaulted: osType === undefined,
  };
  const data = (launch.dataDisks ?? []).map((d, i) => ({
    type: d.type,
    path: `${paths.launch}.dataDisks[${i}].type`,
    what: `data disk LUN ${d.lun}`,
    defaulted: false,
  }));
  return [os, ...data];
}

/** No disk (OS disk, data disks) of a type the definition disallows. */
export function checkDisallowedDiskType(input: CompatibilityInput): Finding[] {
  const disallowed = input.image.disallowedDiskTypes;
  if (disallowed.length === 0) return [];
  return disksOf(input)
    .filter((d) => disallowed.some((x) => sameText(x, d.type)))
    .map((d) =>
      error(
        'disk-type-disallowed',
        d.path,
        `Image ${input.image.ref.image} disallows ${d.type} disks (disallowed: ${disallowed.join(', ')}), the type of ${d.what}${d.defaulted ? ` (no osDisk.type given: ${DEFAULT_OS_DISK_TYPE} is assumed)` : ''}.`,
      ),
    );
}

/** The OS disk cannot be smaller than the image version's OS disk. */
export function checkOsDiskSize(input: CompatibilityInput): Finding[] {
  const size = input.spec.compute.launchSpecification.osDisk?.sizeGB;
  const imageSize = input.version.osDiskSizeGB;
  if (size === undefined || imageSize === undefined || size >= imageSize) return [];
  return [
    error(
      'os-disk-too-small',
      pathsFor(input.kind).osDiskSize,
      `The OS disk is ${size} GB but image ${imageName(input)} has a ${imageSize} GB OS disk.`,
    ),
  ];
}

/** A Flexible scale set cannot be created from an image shared by another tenant (an unknown owner tenant counts as another). */
export function checkCrossTenantFlexible(input: CompatibilityInput): Finding[] {
  if (input.imageTenant === 'same' || input.kind !== 'statelessGroup') return [];
  const asked = input.spec.compute.orchestrationMode === 'Flexible';
  if (!asked && input.appliedAsFlexible !== true) return [];
  const why =
    input.imageTenant === 'unknown'
      ? `the tenant owning image ${input.image.ref.image} is unknown to this service, so it is treated as another tenant`
      : `image ${input.image.ref.image} is shared by another tenant`;
  const applied = asked ? '' : ' (the organization applies groups to Azure, where each is a Flexible scale set)';
  return [
    error(
      'flexible-cross-tenant-image',
      asked ? pathsFor(input.kind).orchestrationMode : pathsFor(input.kind).version,
      `A Flexible scale set cannot be created from an image of another tenant: ${why}${applied}.`,
    ),
  ];
}

// ---------------------------------------------------------------- security type

export type VmSecurityType = 'Standard' | 'TrustedLaunch' | 'ConfidentialVM';

const IMAGE_SECURITY: Readonly<Record<string, readonly VmSecurityType[]>> = {
  standard: ['Standard'],
  trustedlaunch: ['TrustedLaunch'],
  trustedlaunchsupported: ['Standard', 'TrustedLaunch'],
  confidentialvm: ['ConfidentialVM'],
  confidentialvmsupported: ['Standard', 'ConfidentialVM'],
  trustedlaunchandconfidentialvmsupported: ['Standard', 'TrustedLaunch', 'ConfidentialVM'],
};

/**
 * The VM security types an image definition can create, from its SecurityType feature (absent =
 * Standard only); undefined for a value this service does not know. Spaces, underscores and case
 * are ignored ("Confidential VM" = "ConfidentialVM").
 */
export function securityTypesOf(image: Pick<ImageDefinitionRecord, 'features'>): readonly VmSecurityType[] | undefined {
  const raw = image.features.securityType;
  if (raw === undefined || raw.trim() === '') return IMAGE_SECURITY.standard;
  return IMAGE_SECURITY[raw.replace(/[\s_]+/g, '').toLowerCase()];
}

/** The VMs' security type: the spec's, else the image's only one, else Standard. */
export function effectiveSecurityType(input: Pick<CompatibilityInput, 'spec' | 'image'>): VmSecurityType {
  const requested = input.spec.compute.launchSpecification.security?.securityType;
  if (requested !== undefined) return requested;
  const allowed = securityTypesOf(input.image);
  return allowed?.length === 1 && allowed[0] !== undefined ? allowed[0] : 'Standard';
}

/** Image security type vs the spec's, Generation 2 for trusted launch / confidential VMs, and each size's support. */
export function checkSecurityType(input: CompatibilityInput): Finding[] {
  const paths = pathsFor(input.kind);
  const allowed = securityTypesOf(input.image);
  if (allowed === undefined) {
    return [
      warning(
        'security-type-unknown',
        paths.version,
        `Image ${input.image.ref.image} has SecurityType "${input.image.features.securityType ?? ''}", which this service does not know; security compatibility was not checked.`,
      ),
    ];
  }
  const out: Finding[] = [];
  const requested = input.spec.compute.launchSpecification.security?.securityType;
  if (requested !== undefined && !allowed.includes(requested)) {
    out.push(
      error(
        'security-type-not-supported-by-image',
        paths.securityType,
        `Image ${input.image.ref.image} (SecurityType ${input.image.features.securityType ?? 'Standard'}) can only create ${allowed.join(' or ')} VMs, not ${requested}.`,
      ),
    );
  }
  const effective = effectiveSecurityType(input);
  const security = input.spec.compute.launchSpecification.security;
  for (const flag of ['secureBootEnabled', 'vTpmEnabled'] as const) {
    if (security?.[flag] === true && effective === 'Standard') {
      out.push(
        error(
          'security-flag-needs-trusted-launch',
          `${paths.launch}.security.${flag}`,
          `${flag} needs securityType TrustedLaunch or ConfidentialVM; the VMs are Standard.`,
        ),
      );
    }
  }
  if (security?.confidentialOsDiskEncryption === true && effective !== 'ConfidentialVM') {
    out.push(
      error(
        'confidential-encryption-needs-confidential-vm',
        `${paths.launch}.security.confidentialOsDiskEncryption`,
        `confidentialOsDiskEncryption needs securityType ConfidentialVM; the VMs are ${effective}.`,
      ),
    );
  }
  if (effective !== 'Standard' && input.image.hyperVGeneration !== 'V2') {
    out.push(
      error(
        'security-type-requires-gen2',
        requested === undefined ? paths.version : paths.securityType,
        `${effective} VMs need a Generation 2 (V2) image; image ${input.image.ref.image} is ${input.image.hyperVGeneration}.`,
      ),
    );
  }
  if (effective === 'TrustedLaunch') {
    out.push(
      ...perKnownSize(input, (size, listed) =>
        size.trustedLaunchSupported
          ? undefined
          : error(
              'trusted-launch-unsupported',
              listed.path,
              `VM size ${listed.name} does not support trusted launch, which the VMs use (image ${input.image.ref.image}).`,
            ),
      ),
    );
  } else if (effective === 'ConfidentialVM') {
    out.push(
      ...perKnownSize(input, (size, listed) =>
        size.confidentialComputing !== undefined
          ? undefined
          : error(
              'confidential-vm-unsupported',
              listed.path,
              `VM size ${listed.name} is not a confidential VM size, which the VMs need (image ${input.image.ref.image}).`,
            ),
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------- VM sizes

/** Every listed size must be known, offered in the region and not restricted there. */
export function checkVmSizeAvailability(input: CompatibilityInput): Finding[] {
  const region = normalizeRegion(input.region);
  const out: Finding[] = [];
  for (const { listed, size } of sizesOf(input)) {
    if (size === undefined) {
      out.push(error('vm-size-unknown', listed.path, `VM size ${listed.name} is not a known VM size in ${region}.`));
    } else if (!size.offeredInRegion) {
      out.push(error('vm-size-not-offered', listed.path, `VM size ${listed.name} is not offered in ${region}.`));
    } else if (size.restrictedInRegion) {
      const why = size.restrictionReasons.length > 0 ? ` (${size.restrictionReasons.join(', ')})` : '';
      out.push(
        error(
          'vm-size-restricted',
          listed.path,
          `VM size ${listed.name} is restricted in ${region} for this subscription${why}.`,
        ),
      );
    }
  }
  return out;
}

/** The image's Hyper-V generation must be one the size supports. */
export function checkHyperVGeneration(input: CompatibilityInput): Finding[] {
  const gen = input.image.hyperVGeneration;
  return perKnownSize(input, (size, listed) =>
    size.hyperVGenerations.includes(gen)
      ? undefined
      : error(
          'hyperv-generation-unsupported',
          listed.path,
          `VM size ${listed.name} supports Hyper-V generation ${size.hyperVGenerations.join(', ') || 'none'}, not the image's ${gen}.`,
        ),
  );
}

/** The image's CPU architecture must be the size's. */
export function checkArchitecture(input: CompatibilityInput): Finding[] {
  const arch = input.image.architecture;
  return perKnownSize(input, (size, listed) =>
    size.architecture === arch
      ? undefined
      : error(
          'architecture-mismatch',
          listed.path,
          `VM size ${listed.name} is ${size.architecture} but the image is ${arch}.`,
        ),
  );
}

/** An image supporting accelerated networking on a size without it: warning (the NIC is not accelerated). */
export function checkAcceleratedNetworking(input: CompatibilityInput): Finding[] {
  if (input.image.features.acceleratedNetwork !== true) return [];
  return perKnownSize(input, (size, listed) =>
    size.acceleratedNetworking
      ? undefined
      : warning(
          'accelerated-networking-unavailable',
          listed.path,
          `Image ${input.image.ref.image} supports accelerated networking but VM size ${listed.name} does not: its VMs get non-accelerated networking.`,
        ),
  );
}

/** The image's and the size's disk controller types (default SCSI) must share one. */
export function checkDiskController(input: CompatibilityInput): Finding[] {
  const fromImage = input.image.features.diskControllerTypes;
  const imageTypes = fromImage !== undefined && fromImage.length > 0 ? fromImage : ['SCSI'];
  return perKnownSize(input, (size, listed) =>
    size.diskControllerTypes.some((s) => imageTypes.some((i) => sameText(s, i)))
      ? undefined
      : error(
          'disk-controller-mismatch',
          listed.path,
          `VM size ${listed.name} supports ${size.diskControllerTypes.join(', ')} disk controllers and the image ${imageTypes.join(', ')}: no common controller type.`,
        ),
  );
}

/**
 * `security.encryptionAtHost: true` needs sizes that support encryption at host (the SKU capability
 * `EncryptionAtHostSupported`, as in the Azure docs' "Finding supported VM sizes" for host-based
 * encryption): error per size.
 */
export function checkEncryptionAtHost(input: CompatibilityInput): Finding[] {
  if (input.spec.compute.launchSpecification.security?.encryptionAtHost !== true) return [];
  const flag = `${pathsFor(input.kind).launch}.security.encryptionAtHost`;
  return perKnownSize(input, (size, listed) =>
    size.encryptionAtHostSupported === false
      ? error(
          'encryption-at-host-unsupported',
          listed.path,
          `VM size ${listed.name} does not support encryption at host, which ${flag} asks for.`,
        )
      : undefined,
  );
}

/** Premium disks (OS or data: Premium_LRS, Premium_ZRS, PremiumV2_LRS) need a size with premium storage (PremiumIO). */
export function checkPremiumStorage(input: CompatibilityInput): Finding[] {
  const premium = disksOf(input).filter((d) => d.type.toLowerCase().startsWith('premium'));
  if (premium.length === 0) return [];
  const which = premium.map((d) => `${d.what} (${d.type})`).join(', ');
  return perKnownSize(input, (size, listed) =>
    size.premiumIO
      ? undefined
      : error(
          'premium-storage-unsupported',
          listed.path,
          `VM size ${listed.name} does not support premium storage, which ${which} need${premium.length === 1 ? 's' : ''}.`,
        ),
  );
}

/** Sizes outside the definition's recommended vCPU / memory range: warning per size and bound. */
export function checkRecommendedRange(input: CompatibilityInput): Finding[] {
  const { vCPUs, memoryGB } = input.image.recommended;
  const out: Finding[] = [];
  for (const { listed, size } of sizesOf(input)) {
    if (size === undefined) continue;
    const img = input.image.ref.image;
    if (size.vCPUs !== undefined && vCPUs?.min !== undefined && size.vCPUs < vCPUs.min) {
      out.push(
        warning(
          'vcpus-below-recommended',
          listed.path,
          `VM size ${listed.name} has ${size.vCPUs} vCPUs; image ${img} recommends at least ${vCPUs.min}.`,
        ),
      );
    }
    if (size.vCPUs !== undefined && vCPUs?.max !== undefined && size.vCPUs > vCPUs.max) {
      out.push(
        warning(
          'vcpus-above-recommended',
          listed.path,
          `VM size ${listed.name} has ${size.vCPUs} vCPUs; image ${img} recommends at most ${vCPUs.max}.`,
        ),
      );
    }
    if (size.memoryGB !== undefined && memoryGB?.min !== undefined && size.memoryGB < memoryGB.min) {
      out.push(
        warning(
          'memory-below-recommended',
          listed.path,
          `VM size ${listed.name} has ${size.memoryGB} GB of memory; image ${img} recommends at least ${memoryGB.min} GB.`,
        ),
      );
    }
    if (size.memoryGB !== undefined && memoryGB?.max !== undefined && size.memoryGB > memoryGB.max) {
      out.push(
        warning(
          'memory-above-recommended',
          listed.path,
          `VM size ${listed.name} has ${size.memoryGB} GB of memory; image ${img} recommends at most ${memoryGB.max} GB.`,
        ),
      );
    }
  }
  return out;
}

/** Zones the spec names (zones, else preferredZone) that an offered size does not offer in the region: warning. */
export function checkZones(input: CompatibilityInput): Finding[] {
  const compute = input.spec.compute;
  const paths = pathsFor(input.kind);
  const wanted = compute.zones ?? (compute.preferredZone === undefined ? [] : [compute.preferredZone]);
  if (wanted.length === 0) return [];
  return perKnownSize(input, (size, listed) => {
    if (size.zones === undefined || !size.offeredInRegion || size.restrictedInRegion) return undefined;
    const missing = wanted.filter((z) => !size.zones?.includes(z));
    if (missing.length === 0) return undefined;
    return warning(
      'vm-size-zone-unavailable',
      listed.path,
      `VM size ${listed.name} is not available in zone${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${normalizeRegion(input.region)} (${compute.zones === undefined ? paths.preferredZone : paths.zones}).`,
    );
  });
}

// ---------------------------------------------------------------- all rules

/** Every rule, in the order checkCompatibility runs them. */
export const COMPATIBILITY_RULES: readonly Rule[] = [
  checkDeployability,
  checkEndOfLife,
  checkOsType,
  checkLogin,
  checkSecurityType,
  checkVmSizeAvailability,
  checkHyperVGeneration,
  checkArchitecture,
  checkDiskController,
  checkAcceleratedNetworking,
  checkPremiumStorage,
  checkEncryptionAtHost,
  checkRecommendedRange,
  checkZones,
  checkDisallowedDiskType,
  checkOsDiskSize,
  checkCrossTenantFlexible,
];

/** Runs every rule; findings in rule order, then size order. */
export function checkCompatibility(input: CompatibilityInput): Finding[] {
  return COMPATIBILITY_RULES.flatMap((rule) => rule(input));
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/**
 * The Azure plan of a group: the exact ARM requests that make a validated group exist on Azure, and
 * the requests that roll it to another image. Pure: no SDK, no I/O; the caller passes the
 * api-version the installed `@azure/arm-compute` sends (shared/arm/compute-api-version.ts).
 *
 * - A stateless group becomes a Flexible virtual machine scale set
 *   (`PUT .../providers/Microsoft.Compute/virtualMachineScaleSets/{name}`), a stateful node a virtual
 *   machine (`PUT .../virtualMachines/{name}`, then one `PUT .../virtualMachines/{name}/extensions/{ext}`
 *   per extension: a VM's extensions are resources of their own). A create carries
 *   `If-None-Match: *` so it never overwrites a resource it does not own; an update does not (the
 *   apply checks the ownership tags first).
 * - Shapes follow Azure/azure-rest-api-specs Compute examples (copies and commits in
 *   test/fixtures/azure-compute/README.md): `VirtualMachineScaleSet_Create_WithPriorityMixPolicy.json`
 *   (Flexible: `orchestrationMode`, `platformFaultDomainCount: 1`, `priorityMixPolicy`,
 *   `networkApiVersion`), `..._WithSkuProfile.json` / `..._WithSkuProfile_Prioritized.json` (instance
 *   mix), `..._FromAGeneralizedSharedImage.json` / `..._FromASpecializedSharedImage.json` (gallery
 *   images, no `osProfile` for a specialized one), `..._WithUefiSettings.json` and
 *   `..._WithSecurityTypeConfidentialVM.json` (security), `VirtualMachine_Create_WithNetworkInterfaceConfiguration.json`
 *   (a VM's network from a configuration, `deleteOption`), `VirtualMachine_Create_FromASharedGalleryImage.json`
 *   / `..._FromACommunityGalleryImage.json` (`sharedGalleryImageId`, `communityGalleryImageId`).
 *
 * Mapping (Spot body → ARM), both kinds unless named:
 * - capacity.target → `sku.capacity` (group).
 * - Spot: a group's VMs are `priority: Spot`, `evictionPolicy: Delete` (a stateless VM leaves
 *   nothing worth keeping; a deallocated one would still count toward the capacity and its disks
 *   would still cost), `billingProfile.maxPrice: -1` (never evicted for price), and its on-demand
 *   part is `priorityMixPolicy` (`baseRegularPriorityCount` = `strategy.onDemandCount`,
 *   `regularPriorityPercentageAboveBase` = 100 − `strategy.spotPercentage`; Spot's default
 *   spotPercentage is 100). A stateful node is `Spot` with `evictionPolicy: Deallocate` (it keeps its
 *   disks and NICs) unless `strategy.preferredLifecycle` is `od`: then `Regular`.
 * - VM sizes, group: one size → `sku.name` (tier Standard); several → instance mix: `sku.name: "Mix"`,
 *   `skuProfile.vmSizes` (preferred sizes first, then spot sizes, then on-demand sizes; excluded
 *   sizes left out; at most five, Azure's limit: the rest are dropped with a note). The allocation
 *   strategy comes from Spot's own fields: `preferredSpotSizes` given → `Prioritized` with rank 0 for
 *   the preferred sizes and 1 for the others (Spot's "prefer these" is a ranking; ranks may repeat);
 *   else `strategy.availabilityVsCost` above 50 (Spot: 100 = availability) → `CapacityOptimized`;
 *   else `LowestPrice` (Azure's default, "best suited for Spot VMs"). Stateful node: one size,
 *   `hardwareProfile.vmSize` = the first on-demand size for an `od` node, else the first preferred
 *   spot size, else the first spot size.
 * - Image: a gallery image the caller reaches through its own subscription or an RBAC grant →
 *   `imageReference.id` (the definition id when the group follows `latest`, the version id when
 *   pinned); a directly shared gallery → `sharedGalleryImageId`
 *   `/SharedGalleries/{uniqueName}/Images/{image}/Versions/{version|latest}`; a community gallery →
 *   `communityGalleryImageId` `/CommunityGalleries/{publicName}/Images/{image}/Versions/{version|latest}`;
 *   marketplace → publisher/offer/sku/version; custom → the managed image id. A specialized image
 *   gets no `osProfile`.
 * - Security: `security.securityType` (else what the image definition requires: `TrustedLaunch` or
 *   `ConfidentialVM`) → `securityProfile.securityType`; `secureBootEnabled` / `vTpmEnabled` →
 *   `uefiSettings` (TrustedLaunch and ConfidentialVM only); `encryptionAtHost`; for a ConfidentialVM
 *   `confidentialOsDiskEncryption` → `osDisk.managedDisk.securityProfile.securityEncryptionType`
 *   (`DiskWithVMGuestState`, else `VMGuestStateOnly`).
 * - Disks: `osDisk` (`createOption: FromImage`, `caching` (default ReadWrite), `diskSizeGB`,
 *   `managedDisk.storageAccountType`), `dataDisks[]` (`createOption: Empty`, `lun`, `diskSizeGB`,
 *   `managedDisk.storageAccountType`). Stateful node: `persistence.shouldPersistOsDisk` /
 *   `shouldPersistDataDisks` / `shouldPersistNetwork` → `deleteOption: Detach` (else `Delete`) on the
 *   OS disk, the data disks, the NIC configurations and their public IP configurations.
 * - Login: `userName` → `adminUsername`; `sshPublicKey` → `linuxConfiguration.ssh.publicKeys`
 *   (`/home/{user}/.ssh/authorized_keys`) with `disablePasswordAuthentication` unless a password is
 *   set. A password is never in a plan: a create carries `adminPasswordSet: true` where
 *   `adminPassword` goes (this project's `<secret>Set` marker), and `withSecrets` puts it in for the
 *   apply only; an update leaves the password out (ARM keeps the one it has). Extension
 *   `protectedSettings` likewise: `protectedSettingsSet: true`.
 * - Network: `networkApiVersion: 2020-11-01` and one `networkInterfaceConfigurations` entry per
 *   Spot network interface (`primary`, `enableIPForwarding`, `networkSecurityGroup.id`), its
 *   subnet `/subscriptions/{target}/resourceGroups/{network.resourceGroupName}/providers/
 *   Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}`, application
 *   security groups, additional IP configurations (`privateIPAddressVersion`), a public IP
 *   configuration when `assignPublicIp` (`sku` from `publicIpSku`); load balancer and application
 *   gateway backend pools on the primary interface's primary IP configuration.
 * - Zones: group `compute.zones` → `zones`; stateful node: one zone, `preferredZone` else the first
 *   of `zones`.
 * - Tags: `launchSpecification.tags[]` → ARM `tags`, then the ownership tags (they win).
 * - `managedServiceIdentities[]` → `identity: { type: UserAssigned, userAssignedIdentities }` (a
 *   Flexible scale set takes user-assigned identities only); `bootDiagnostics` →
 *   `diagnosticsProfile.bootDiagnostics`; `customData` → `osProfile.customData`; `userData`;
 *   `secrets[]` → `osProfile.secrets`; `proximityPlacementGroups[0]` → `proximityPlacementGroup`
 *   (not with an instance mix, which Azure refuses); node `licenseType`; `vmNamePrefix` →
 *   `computerNamePrefix` (9 characters at most for Windows); node `vmName` → the VM's name.
 * - Extensions → `extensionProfile.extensions` (group) or extension resources (node): `publisher`,
 *   `type`, `typeHandlerVersion` (Spot's `apiVersion`), `autoUpgradeMinorVersion`,
 *   `enableAutomaticUpgrade`, `settings` (Spot's `publicSettings`).
 * - Upgrade policy, group: `Rolling` only when the body carries the Application Health extension
 *   (publisher `Microsoft.ManagedServices`, type `ApplicationHealthLinux` / `ApplicationHealthWindows`),
 *   else `Manual`. Why: Microsoft requires that extension for a rolling upgrade of a Flexible scale
 *   set ("When using a rolling upgrade policy mode on Virtual Machine Scale Sets with Flexible
 *   Orchestration, the scale set must also use the Application Health Extension",
 *   virtual-machine-scale-sets-upgrade-policy), and it carries the probe (protocol, port, request
 *   path) that decides health. Spot's own `health.healthCheckTypes` (`vmState`,
 *   `applicationGateway`) name no probe, so they cannot configure one: a group that only lists them is
 *   rolled batch by batch (`Manual` + `manualupgrade`) and says so in a note.
 *
 * Not mapped (no ARM counterpart on a scale set or VM, or Spot's own machinery): `description`;
 * `capacity.minimum` / `maximum` and `scaling` (autoscale is a separate Microsoft.Insights resource);
 * `scheduling`; `strategy.fallbackToOd`, `drainingTimeout`, `revertToSpot`, `optimizationWindows`,
 * `odWindows`, `vmAdmins`, `signals`, `interruptionToleration`; `strategy.capacityReservation` (Spot
 * VMs cannot use capacity reservations); `health.*` (Spot's own healing; see the upgrade policy);
 * `persistence.osDiskPersistenceMode` / `dataDisksPersistenceMode` (how Spot re-creates a node);
 * `compute.preferredZones`; `compute.vmSizes.spotSizeAttributes` (instance mix names sizes, it has no
 * attribute selection); `compute.orchestrationMode` (the plan is always Flexible); network interface
 * `publicIps` (existing public IPs) and `privateIpAddresses` (static addresses need a NIC resource);
 * load balancer `sku` / `loadBalancerSku` (a property of the load balancer); extension
 * `protectedSettingsFromKeyVault` (Spot names the vault, ARM needs its resource id);
 * `shutdownScript`; read-only fields (`id`, `createdAt`, `updatedAt`).
 */
import { parseResourceId } from './ids.js';
import { scriptSummary } from './spot-body.js';
import { normalizeRegion } from './regions.js';
import type {
  JobKind,
  LoginSpec,
  StatefulNodeSpec,
  StatelessGroupSpec,
  ComputeSpec,
  LaunchSpecificationSpec,
} from './job-envelope.js';
import type { GalleryRecord, HyperVGeneration, OsState, OsType } from './records.js';
import type { VisibleVia } from './visibility.js';

// ---------------------------------------------------------------- JSON

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A deep copy of JSON data; anything else (undefined, functions, non-finite numbers) is a TypeError. */
function toJson(value: unknown, at = ''): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not JSON at ${at || '/'}: ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => toJson(v, `${at}/${i}`));
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = toJson(v, `${at}/${k}`);
    }
    return out;
  }
  throw new TypeError(`not JSON at ${at || '/'}: ${typeof value}`);
}

// ---------------------------------------------------------------- plan

const ARM_ENDPOINT = 'https://management.azure.com';
/** Required beside `networkInterfaceConfigurations` on a Flexible scale set (Azure/azure-rest-api-specs issue 27029). */
const NETWORK_API_VERSION = '2020-11-01';
/** Azure's limit on `skuProfile.vmSizes` (instance-mix-overview: "Define up to five VM sizes"). */
const MAX_MIX_SIZES = 5;
/** The marker written where a secret goes (the project's `<secret>Set` convention, spot-body.ts). */
const ADMIN_PASSWORD_MARKER = 'adminPasswordSet';
const PROTECTED_SETTINGS_MARKER = 'protectedSettingsSet';

export type AzureHttpMethod = 'PUT' | 'PATCH' | 'POST';

export interface AzureRequest {
  readonly method: AzureHttpMethod;
  /** Absolute ARM URL with `api-version`. */
  readonly url: string;
  /** Headers the request needs beyond ARM's own (`If-None-Match: *` on a create). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: JsonObject;
}

export interface AzurePlan {
  readonly target: 'azure';
  /** The ARM id of the scale set or VM the plan makes or rolls. */
  readonly resourceId: string;
  readonly requests: readonly AzureRequest[];
  /** What this group's body asked for that the plan narrowed or left out (beyond the list in the module comment). */
  readonly notes: readonly string[];
}

/** How the caller reaches a gallery image (visibility.ts `VisibleVia`, grouped by how ARM takes the reference). */
export type GalleryAccess =
  | { readonly via: 'rbac' }
  | { readonly via: 'sharedGallery'; readonly uniqueName: string }
  | { readonly via: 'communityGallery'; readonly publicName: string };

/** The facts of the image definition the plan reads. */
export interface ImageDefinitionFacts {
  readonly osType: OsType;
  readonly osState: OsState;
  readonly hyperVGeneration: HyperVGeneration;
  /** The definition's `SecurityType` feature, when it has one. */
  readonly securityType?: string;
}

export type PlanImage =
  | {
      readonly source: 'gallery';
      /** The resolved version's ARM id. */
      readonly versionId: string;
      /** The image definition's ARM id. */
      readonly definitionId: string;
      /** The group names `latest`: the scale set follows the definition. */
      readonly followsLatest: boolean;
      readonly access: GalleryAccess;
      readonly definition: ImageDefinitionFacts;
    }
  | {
      readonly source: 'marketplace';
      readonly publisher: string;
      readonly offer: string;
      readonly sku: string;
      readonly version: string;
    }
  | {
      readonly source: 'custom';
      readonly resourceGroupName: string;
      readonly name: string;
      readonly osState?: OsState;
    };

/** The rolling upgrade policy a group with the Application Health extension gets (Azure's defaults: 20 %). */
export interface RollingUpgradeSettings {
  readonly maxBatchInstancePercent?: number;
  readonly maxUnhealthyInstancePercent?: number;
  readonly maxUnhealthyUpgradedInstancePercent?: number;
}

// ---------------------------------------------------------------- typed views of the stored spec the plan reads

type Ref = { readonly name: string; readonly resourceGroupName: string };
export interface NetworkInterfaceSpec {
  readonly subnetName: string;
  readonly isPrimary: boolean;
  readonly assignPublicIp: boolean;
  /** Group spelling. */
  readonly enableIPForwarding?: boolean;
  /** Stateful node spelling. */
  readonly enableIpForwarding?: boolean;
  readonly publicIpSku?: 'Basic' | 'Standard';
  readonly privateIpAddresses?: readonly string[];
  readonly additionalIpConfigurations?: ReadonlyArray<{
    readonly name: string;
    readonly privateIpAddressVersion?: 'IPv4' | 'IPv6';
  }>;
  readonly applicationSecurityGroups?: readonly Ref[];
  readonly publicIps?: readonly Ref[];
  /** Group. */
  readonly securityGroup?: Ref;
  /** Stateful node. */
  readonly networkSecurityGroup?: Ref;
}
export interface ExtensionSpec {
  readonly name: string;
  readonly type: string;
  readonly publisher: string;
  readonly apiVersion: string;
  readonly minorVersionAutoUpgrade?: boolean;
  readonly enableAutomaticUpgrade?: boolean;
  readonly publicSettings?: Readonly<Record<string, unknown>>;
  /** Only in a job being run; a stored spec has `protectedSettingsSet: true`. */
  readonly protectedSettings?: Readonly<Record<string, unknown>>;
  readonly protectedSettingsSet?: true;
  readonly protectedSettingsFromKeyVault?: { readonly secretUrl: string; readonly sourceVault: string };
}
export interface PlanLaunchSpecification extends LaunchSpecificationSpec {
  readonly login?: LoginSpec;
  readonly network: {
    readonly virtualNetworkName: string;
    readonly resourceGroupName: string;
    readonly networkInterfaces: readonly NetworkInterfaceSpec[];
  };
  readonly userData?: string;
  readonly shutdownScript?: string;
  readonly vmName?: string;
  readonly vmNamePrefix?: string;
  readonly licenseType?: string;
  readonly tags?: ReadonlyArray<{ readonly tagKey: string; readonly tagValue: string }>;
  readonly managedServiceIdentities?: ReadonlyArray<{
    readonly name: string;
    readonly resourceGroupName: string;
    readonly subscriptionId?: string;
  }>;
  readonly loadBalancersConfig?: {
    readonly loadBalancers?: ReadonlyArray<{
      readonly type: 'loadBalancer' | 'applicationGateway';
      readonly resourceGroupName: string;
      readonly name: string;
      readonly backendPoolNames?: readonly string[];
    }>;
  };
  readonly extensions?: readonly ExtensionSpec[];
  readonly bootDiagnostics?: {
    readonly isEnabled?: boolean;
    readonly type?: 'managed' | 'unmanaged';
    readonly storageUri?: string;
    readonly storageUrl?: string;
  };
  readonly proximityPlacementGroups?: readonly Ref[];
  readonly secrets?: ReadonlyArray<{
    readonly sourceVault: Ref;
    readonly vaultCertificates: ReadonlyArray<{ readonly certificateUrl: string; readonly certificateStore?: string }>;
  }>;
}
export interface PlanComputeSpec extends ComputeSpec {
  readonly vmSizes: {
    readonly odSizes: string[];
    readonly spotSizes?: string[];
    readonly preferredSpotSizes?: readonly string[];
    readonly excludedVmSizes?: readonly string[];
    readonly spotSizeAttributes?: unknown;
  };
  readonly launchSpecification: PlanLaunchSpecification;
}
export interface PlanHealthSpec {
  readonly autoHealing?: boolean;
  readonly gracePeriod?: number;
  readonly unhealthyDuration?: number;
  readonly healthCheckTypes?: readonly string[];
}
/** A stored stateless group as the plan reads it (storedSpecOf's output; every other field is ignored). */
export interface PlanGroupSpec extends StatelessGroupSpec {
  readonly strategy?: {
    readonly onDemandCount?: number;
    readonly spotPercentage?: number;
    readonly availabilityVsCost?: number;
  };
  readonly health?: PlanHealthSpec;
  readonly compute: PlanComputeSpec;
}
/** A stored stateful node as the plan reads it. */
export interface PlanNodeSpec extends StatefulNodeSpec {
  readonly strategy?: { readonly preferredLifecycle?: 'od' | 'spot' };
  readonly persistence: {
    readonly shouldPersistOsDisk: boolean;
    readonly shouldPersistDataDisks: boolean;
    readonly shouldPersistNetwork: boolean;
  };
  readonly health?: PlanHealthSpec;
  readonly compute: PlanComputeSpec;
}

interface PlanInputBase {
  /** The api-version `@azure/arm-compute` sends (COMPUTE_API_VERSION). */
  readonly apiVersion: string;
  /** `create` sends `If-None-Match: *` and the password marker; `update` neither. */
  readonly action: 'create' | 'update';
  /** The subscription the account acts for: where the scale set or VM goes. */
  readonly subscriptionId: string;
  readonly image: PlanImage;
  /** Tags that mark the resource as this service's (e.g. `gallery-catalog-job`); they win over the body's tags. */
  readonly ownershipTags: Readonly<Record<string, string>>;
  readonly rollingUpgrade?: RollingUpgradeSettings;
}
export type AzurePlanInput = PlanInputBase &
  (
    | { readonly kind: 'statelessGroup'; readonly spec: PlanGroupSpec }
    | { readonly kind: 'statefulNode'; readonly spec: PlanNodeSpec }
  );

// ---------------------------------------------------------------- names and ids

const enc = encodeURIComponent;

/** An ARM resource name from a Spot name: letters, digits, `.`, `_`, `-`; other characters become `-`; at most 64. */
function armResourceNameOf(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64)
    .replace(/[.-]+$/, '');
  return cleaned.length > 0 ? cleaned : 'group';
}

/** A computer name (or prefix) from a name: letters, digits and `-`, at most `max` characters. */
function computerNameOf(name: string, max: number): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return cleaned.length > 0 && !/^\d+$/.test(cleaned) ? cleaned : `vm${cleaned}`.slice(0, max);
}

function resourceGroupPath(subscriptionId: string, resourceGroupName: string): string {
  return `/subscriptions/${enc(subscriptionId)}/resourceGroups/${enc(resourceGroupName)}`;
}

function scaleSetResourceId(subscriptionId: string, resourceGroupName: string, name: string): string {
  return `${resourceGroupPath(subscriptionId, resourceGroupName)}/providers/Microsoft.Compute/virtualMachineScaleSets/${enc(name)}`;
}
function virtualMachineResourceId(subscriptionId: string, resourceGroupName: string, name: string): string {
  return `${resourceGroupPath(subscriptionId, resourceGroupName)}/providers/Microsoft.Compute/virtualMachines/${enc(name)}`;
}
function networkId(subscriptionId: string, resourceGroupName: string, type: string, name: string): string {
  return `${resourceGroupPath(subscriptionId, resourceGroupName)}/providers/Microsoft.Network/${type}/${enc(name)}`;
}
function armUrl(resourcePath: string, apiVersion: string): string {
  return `${ARM_ENDPOINT}${resourcePath}?api-version=${enc(apiVersion)}`;
}

/**
 * How ARM takes a gallery image the caller sees `via` (visibility.ts): its own subscription or an
 * RBAC grant → `imageReference.id`; a direct share → `sharedGalleryImageId` (needs the gallery's
 * `uniqueName`); community → `communityGalleryImageId` (needs a public name). Undefined when the
 * name ARM needs is not known.
 */
export function galleryAccessFor(
  via: VisibleVia,
  gallery: Pick<GalleryRecord, 'uniqueName' | 'sharing'>,
): GalleryAccess | undefined {
  switch (via) {
    case 'own-subscription':
    case 'gallery-grant':
    case 'image-grant':
      return { via: 'rbac' };
    case 'direct-share-subscription':
    case 'direct-share-tenant':
      return gallery.uniqueName ? { via: 'sharedGallery', uniqueName: gallery.uniqueName } : undefined;
    case 'community': {
      const publicName = gallery.sharing.community?.publicNames[0];
      return publicName ? { via: 'communityGallery', publicName } : undefined;
    }
  }
}

/** The `imageReference` of an image, for a resource in `subscriptionId`. */
function imageReferenceFor(image: PlanImage, subscriptionId: string): JsonObject {
  switch (image.source) {
    case 'marketplace':
      return { publisher: image.publisher, offer: image.offer, sku: image.sku, version: image.version };
    case 'custom':
      return {
        id: `${resourceGroupPath(subscriptionId, image.resourceGroupName)}/providers/Microsoft.Compute/images/${enc(image.name)}`,
      };
    case 'gallery': {
      if (image.access.via === 'rbac') return { id: image.followsLatest ? image.definitionId : image.versionId };
      const ref = parseResourceId(image.versionId);
      if (ref.level !== 'version') throw new TypeError(`not an image version id: ${image.versionId}`);
      const tail = `/Images/${enc(ref.image)}/Versions/${image.followsLatest ? 'latest' : enc(ref.version)}`;
      return image.access.via === 'sharedGallery'
        ? { sharedGalleryImageId: `/SharedGalleries/${enc(image.access.uniqueName)}${tail}` }
        : { communityGalleryImageId: `/CommunityGalleries/${enc(image.access.publicName)}${tail}` };
    }
  }
}

function osStateOf(image: PlanImage): OsState {
  if (image.source === 'gallery') return image.definition.osState;
  if (image.source === 'custom') return image.osState ?? 'Generalized';
  return 'Generalized';
}

// ---------------------------------------------------------------- building blocks

type Obj = JsonObject;

/** `obj` without the keys whose value is undefined (so optional parts stay out of the body). */
function compact(obj: Record<string, Json | undefined>): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}
const nonEmpty = (o: Obj): Obj | undefined => (Object.keys(o).length > 0 ? o : undefined);

function isHealthExtension(e: ExtensionSpec): boolean {
  return (
    e.publisher.toLowerCase() === 'microsoft.managedservices' && /^applicationhealth(linux|windows)$/i.test(e.type)
  );
}

function tagsOf(ls: PlanLaunchSpecification, ownership: Readonly<Record<string, string>>): Obj {
  const tags: Obj = {};
  for (const t of ls.tags ?? []) tags[t.tagKey] = t.tagValue;
  for (const [k, v] of Object.entries(ownership)) tags[k] = v;
  return tags;
}

function identityOf(ls: PlanLaunchSpecification, subscriptionId: string): Obj | undefined {
  const ids = ls.managedServiceIdentities ?? [];
  if (ids.length === 0) return undefined;
  const userAssignedIdentities: Obj = {};
  for (const i of ids) {
    userAssignedIdentities[
      `${resourceGroupPath(i.subscriptionId ?? subscriptionId, i.resourceGroupName)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${enc(i.name)}`
    ] = {};
  }
  return { type: 'UserAssigned', userAssignedIdentities };
}

function securityTypeOf(ls: PlanLaunchSpecification, image: PlanImage): string | undefined {
  const given = ls.security?.securityType;
  if (given !== undefined) return given;
  const required = image.source === 'gallery' ? image.definition.securityType : undefined;
  return required === 'TrustedLaunch' || required === 'ConfidentialVM' ? required : undefined;
}

function securityProfileOf(ls: PlanLaunchSpecification, image: PlanImage): Obj | undefined {
  const s = ls.security;
  const securityType = securityTypeOf(ls, image);
  const uefi =
    securityType === 'TrustedLaunch' || securityType === 'ConfidentialVM'
      ? nonEmpty(compact({ secureBootEnabled: s?.secureBootEnabled, vTpmEnabled: s?.vTpmEnabled }))
      : undefined;
  return nonEmpty(compact({ securityType, uefiSettings: uefi, encryptionAtHost: s?.encryptionAtHost }));
}

function osDiskOf(ls: PlanLaunchSpecification, image: PlanImage, deleteOption: string | undefined): Obj {
  const d = ls.osDisk;
  const confidential = securityTypeOf(ls, image) === 'ConfidentialVM';
  const managedDisk = nonEmpty(
    compact({
      storageAccountType: d?.type,
      securityProfile: confidential
        ? {
            securityEncryptionType:
              ls.security?.confidentialOsDiskEncryption === true ? 'DiskWithVMGuestState' : 'VMGuestStateOnly',
          }
        : undefined,
    }),
  );
  return compact({
    createOption: 'FromImage',
    caching: d?.caching ?? 'ReadWrite',
    diskSizeGB: d?.sizeGB,
    managedDisk,
    deleteOption,
  });
}

function dataDisksOf(ls: PlanLaunchSpecification, deleteOption: string | undefined): Json[] | undefined {
  const disks = ls.dataDisks ?? [];
  if (disks.length === 0) return undefined;
  return disks.map((d) =>
    compact({
      lun: d.lun,
      diskSizeGB: d.sizeGB,
      createOption: 'Empty',
      managedDisk: { storageAccountType: d.type },
      deleteOption,
    }),
  );
}

function osProfileOf(
  kind: JobKind,
  os: OsType,
  ls: PlanLaunchSpecification,
  name: string,
  action: 'create' | 'update',
  subscriptionId: string,
  notes: string[],
): Obj {
  const login = ls.login;
  const hasPassword = login !== undefined && (login.passwordSet === true || typeof login.password === 'string');
  if (login === undefined)
    notes.push('launchSpecification.login is absent: Azure needs an admin user name for a generalized image');
  let naming: Obj;
  if (kind === 'statelessGroup') {
    // Flexible appends a suffix to the prefix; a Windows computer name is at most 15 characters.
    const max = os === 'Windows' ? 9 : 15;
    const source = ls.vmNamePrefix ?? name;
    const prefix = computerNameOf(source, max);
    if (ls.vmNamePrefix !== undefined && prefix !== ls.vmNamePrefix)
      notes.push(
        `vmNamePrefix "${ls.vmNamePrefix}" is used as computerNamePrefix "${prefix}" (${max} characters at most for ${os})`,
      );
    naming = { computerNamePrefix: prefix };
  } else {
    naming = { computerName: computerNameOf(name, os === 'Windows' ? 15 : 64) };
  }
  const sshKey = login?.sshPublicKey;
  const linuxConfiguration =
    os === 'Linux' && login !== undefined
      ? compact({
          disablePasswordAuthentication: !hasPassword,
          ssh:
            sshKey !== undefined
              ? { publicKeys: [{ path: `/home/${login.userName}/.ssh/authorized_keys`, keyData: sshKey }] }
              : undefined,
        })
      : undefined;
  const secrets = (ls.secrets ?? []).map((s) => ({
    sourceVault: {
      id: `${resourceGroupPath(subscriptionId, s.sourceVault.resourceGroupName)}/providers/Microsoft.KeyVault/vaults/${enc(s.sourceVault.name)}`,
    },
    vaultCertificates: s.vaultCertificates.map((c) =>
      compact({
        certificateUrl: c.certificateUrl,
        certificateStore: os === 'Windows' ? c.certificateStore : undefined,
      }),
    ),
  }));
  return compact({
    ...naming,
    adminUsername: login?.userName,
    // Never the password: its marker, on a create only (an update keeps the password ARM has).
    [ADMIN_PASSWORD_MARKER]: hasPassword && action === 'create' ? true : undefined,
    customData: ls.customData,
    linuxConfiguration,
    secrets: secrets.length > 0 ? secrets : undefined,
  });
}

function extensionPropertiesOf(e: ExtensionSpec): Obj {
  return compact({
    publisher: e.publisher,
    type: e.type,
    typeHandlerVersion: e.apiVersion,
    autoUpgradeMinorVersion: e.minorVersionAutoUpgrade,
    enableAutomaticUpgrade: e.enableAutomaticUpgrade,
    settings:
      e.publicSettings === undefined ? undefined : toJson(e.publicSettings, `/extensions/${e.name}/publicSettings`),
    [PROTECTED_SETTINGS_MARKER]:
      e.protectedSettingsSet === true || e.protectedSettings !== undefined ? true : undefined,
  });
}

function networkProfileOf(
  input: { readonly subscriptionId: string },
  ls: PlanLaunchSpecification,
  baseName: string,
  deleteOption: string | undefined,
  notes: string[],
): Obj {
  const net = ls.network;
  const subnet = (nic: NetworkInterfaceSpec): Obj => ({
    id: `${networkId(input.subscriptionId, net.resourceGroupName, 'virtualNetworks', net.virtualNetworkName)}/subnets/${enc(nic.subnetName)}`,
  });
  const lbPools: Json[] = [];
  const agwPools: Json[] = [];
  for (const lb of ls.loadBalancersConfig?.loadBalancers ?? []) {
    const type = lb.type === 'loadBalancer' ? 'loadBalancers' : 'applicationGateways';
    for (const pool of lb.backendPoolNames ?? []) {
      const id = `${networkId(input.subscriptionId, lb.resourceGroupName, type, lb.name)}/backendAddressPools/${enc(pool)}`;
      (lb.type === 'loadBalancer' ? lbPools : agwPools).push({ id });
    }
  }
  const configurations = net.networkInterfaces.map((nic, i): Json => {
    const nicName = `${baseName}-nic${i}`;
    if ((nic.publicIps ?? []).length > 0)
      notes.push(
        `networkInterfaces[${i}].publicIps: existing public IPs cannot be attached through a NIC configuration`,
      );
    if ((nic.privateIpAddresses ?? []).length > 0)
      notes.push(
        `networkInterfaces[${i}].privateIpAddresses: static private addresses need a NIC resource, not a NIC configuration`,
      );
    const asgs = (nic.applicationSecurityGroups ?? []).map((a) => ({
      id: networkId(input.subscriptionId, a.resourceGroupName, 'applicationSecurityGroups', a.name),
    }));
    const nsg = nic.securityGroup ?? nic.networkSecurityGroup;
    const publicIp = nic.assignPublicIp
      ? compact({
          name: `${nicName}-pip`,
          properties: deleteOption === undefined ? undefined : { deleteOption },
          sku: nic.publicIpSku === undefined ? undefined : { name: nic.publicIpSku, tier: 'Regional' },
        })
      : undefined;
    const primaryIp = {
      name: `${nicName}-ip0`,
      properties: compact({
        primary: true,
        subnet: subnet(nic),
        applicationSecurityGroups: asgs.length > 0 ? asgs : undefined,
        loadBalancerBackendAddressPools: nic.isPrimary && lbPools.length > 0 ? lbPools : undefined,
        applicationGatewayBackendAddressPools: nic.isPrimary && agwPools.length > 0 ? agwPools : undefined,
        publicIPAddressConfiguration: publicIp,
      }),
    };
    const additional = (nic.additionalIpConfigurations ?? []).map((a) => ({
      name: a.name,
      properties: { primary: false, subnet: subnet(nic), privateIPAddressVersion: a.privateIpAddressVersion ?? 'IPv4' },
    }));
    return {
      name: nicName,
      properties: compact({
        primary: nic.isPrimary,
        enableIPForwarding: nic.enableIPForwarding ?? nic.enableIpForwarding,
        networkSecurityGroup:
          nsg === undefined
            ? undefined
            : { id: networkId(input.subscriptionId, nsg.resourceGroupName, 'networkSecurityGroups', nsg.name) },
        deleteOption,
        ipConfigurations: [primaryIp, ...additional],
      }),
    };
  });
  return { networkApiVersion: NETWORK_API_VERSION, networkInterfaceConfigurations: configurations };
}

function diagnosticsOf(ls: PlanLaunchSpecification): Obj | undefined {
  const b = ls.bootDiagnostics;
  if (b === undefined) return undefined;
  const storageUri = b.type === 'unmanaged' ? (b.storageUri ?? b.storageUrl) : undefined;
  return { bootDiagnostics: compact({ enabled: b.isEnabled ?? true, storageUri }) };
}

function proximityPlacementGroupOf(
  ls: PlanLaunchSpecification,
  subscriptionId: string,
  notes: string[],
): Obj | undefined {
  const ppgs = ls.proximityPlacementGroups ?? [];
  if (ppgs.length > 1)
    notes.push(
      `proximityPlacementGroups: a resource sits in one proximity placement group; only ${ppgs[0]?.name ?? ''} is used`,
    );
  const p = ppgs[0];
  return p === undefined
    ? undefined
    : {
        id: `${resourceGroupPath(subscriptionId, p.resourceGroupName)}/providers/Microsoft.Compute/proximityPlacementGroups/${enc(p.name)}`,
      };
}

function osTypeOf(spec: PlanGroupSpec | PlanNodeSpec, image: PlanImage): OsType {
  return image.source === 'gallery' ? image.definition.osType : spec.compute.os;
}

// ---------------------------------------------------------------- scale set

/** The instance mix sizes: preferred, then spot, then on-demand; excluded ones out; unique; at most five. */
function mixSizesOf(vmSizes: PlanComputeSpec['vmSizes'], notes: string[]): string[] {
  const excluded = new Set((vmSizes.excludedVmSizes ?? []).map((s) => s.toLowerCase()));
  const seen = new Set<string>();
  const all: string[] = [];
  for (const s of [...(vmSizes.preferredSpotSizes ?? []), ...(vmSizes.spotSizes ?? []), ...vmSizes.odSizes]) {
    const key = s.toLowerCase();
    if (excluded.has(key) || seen.has(key)) continue;
    seen.add(key);
    all.push(s);
  }
  if (vmSizes.spotSizeAttributes !== undefined)
    notes.push('vmSizes.spotSizeAttributes: an instance mix names its sizes; only the listed sizes are used');
  if (all.length > MAX_MIX_SIZES)
    notes.push(
      `vmSizes: an instance mix takes at most ${MAX_MIX_SIZES} sizes; left out: ${all.slice(MAX_MIX_SIZES).join(', ')}`,
    );
  return all.slice(0, MAX_MIX_SIZES);
}

function scaleSetPlan(input: PlanInputBase, spec: PlanGroupSpec): AzurePlan {
  const notes: string[] = [];
  const ls = spec.compute.launchSpecification;
  const name = armResourceNameOf(spec.name);
  const resourceId = scaleSetResourceId(input.subscriptionId, spec.resourceGroupName, name);
  const os = osTypeOf(spec, input.image);
  if (spec.compute.orchestrationMode === 'Uniform')
    notes.push(
      'compute.orchestrationMode Uniform: the plan makes a Flexible scale set (instance mix and Spot priority mix need Flexible)',
    );

  const sizes = mixSizesOf(spec.compute.vmSizes, notes);
  const mix = sizes.length > 1;
  const preferred = new Set((spec.compute.vmSizes.preferredSpotSizes ?? []).map((s) => s.toLowerCase()));
  const availabilityVsCost = spec.strategy?.availabilityVsCost;
  // Why this strategy: see the module comment (preferred sizes are Spot's ranking).
  const allocationStrategy =
    preferred.size > 0
      ? 'Prioritized'
      : availabilityVsCost !== undefined && availabilityVsCost > 50
        ? 'CapacityOptimized'
        : 'LowestPrice';
  const skuProfile: Obj | undefined = mix
    ? {
        vmSizes: sizes.map((s): Obj =>
          allocationStrategy === 'Prioritized'
            ? { name: s, rank: preferred.has(s.toLowerCase()) ? 0 : 1 }
            : { name: s },
        ),
        allocationStrategy,
      }
    : undefined;
  const sku: Obj = mix
    ? { name: 'Mix', capacity: spec.capacity.target }
    : { name: sizes[0] ?? spec.compute.vmSizes.odSizes[0] ?? '', tier: 'Standard', capacity: spec.capacity.target };

  // Spot's default spotPercentage is 100; with onDemandCount every VM above the base is Spot.
  const onDemandCount = spec.strategy?.onDemandCount;
  const spotPercentage = spec.strategy?.spotPercentage ?? 100;
  const priorityMixPolicy = {
    baseRegularPriorityCount: onDemandCount ?? 0,
    regularPriorityPercentageAboveBase: 100 - spotPercentage,
  };

  const extensions = ls.extensions ?? [];
  const health = extensions.find(isHealthExtension);
  if (health === undefined && (spec.health?.healthCheckTypes ?? []).length > 0) {
    notes.push(
      `health.healthCheckTypes (${(spec.health?.healthCheckTypes ?? []).join(', ')}) name no probe: without the Application Health extension the upgrade policy is Manual`,
    );
  }
  const rolling = input.rollingUpgrade ?? {};
  const upgradePolicy: Obj =
    health !== undefined
      ? {
          mode: 'Rolling',
          rollingUpgradePolicy: {
            maxBatchInstancePercent: rolling.maxBatchInstancePercent ?? 20,
            maxUnhealthyInstancePercent: rolling.maxUnhealthyInstancePercent ?? 20,
            maxUnhealthyUpgradedInstancePercent: rolling.maxUnhealthyUpgradedInstancePercent ?? 20,
          },
        }
      : { mode: 'Manual' };

  let proximityPlacementGroup = proximityPlacementGroupOf(ls, input.subscriptionId, notes);
  if (proximityPlacementGroup !== undefined && mix) {
    notes.push('proximityPlacementGroups: an instance mix cannot use a proximity placement group; left out');
    proximityPlacementGroup = undefined;
  }

  const specialized = osStateOf(input.image) === 'Specialized';
  const virtualMachineProfile = compact({
    priority: 'Spot',
    evictionPolicy: 'Delete',
    billingProfile: { maxPrice: -1 },
    storageProfile: compact({
      imageReference: imageReferenceFor(input.image, input.subscriptionId),
      osDisk: osDiskOf(ls, input.image, undefined),
      dataDisks: dataDisksOf(ls, undefined),
    }),
    osProfile: specialized
      ? undefined
      : osProfileOf('statelessGroup', os, ls, name, input.action, input.subscriptionId, notes),
    networkProfile: networkProfileOf(input, ls, name, undefined, notes),
    securityProfile: securityProfileOf(ls, input.image),
    diagnosticsProfile: diagnosticsOf(ls),
    extensionProfile:
      extensions.length > 0
        ? { extensions: extensions.map((e) => ({ name: e.name, properties: extensionPropertiesOf(e) })) }
        : undefined,
    userData: ls.userData,
  });
  const body = compact({
    location: normalizeRegion(spec.region),
    tags: tagsOf(ls, input.ownershipTags),
    sku,
    zones: spec.compute.zones !== undefined && spec.compute.zones.length > 0 ? [...spec.compute.zones] : undefined,
    identity: identityOf(ls, input.subscriptionId),
    properties: compact({
      orchestrationMode: 'Flexible',
      platformFaultDomainCount: 1,
      singlePlacementGroup: false,
      upgradePolicy,
      priorityMixPolicy,
      skuProfile,
      proximityPlacementGroup,
      virtualMachineProfile,
    }),
  });
  return {
    target: 'azure',
    resourceId,
    requests: [
      {
        method: 'PUT',
        url: armUrl(resourceId, input.apiVersion),
        ...(input.action === 'create' ? { headers: { 'If-None-Match': '*' } } : {}),
        body,
      },
    ],
    notes,
  };
}

// ---------------------------------------------------------------- virtual machine

function nodeSizeOf(spec: PlanNodeSpec, notes: string[]): string {
  const v = spec.compute.vmSizes;
  const od = spec.strategy?.preferredLifecycle === 'od';
  const chosen = od ? v.odSizes[0] : (v.preferredSpotSizes?.[0] ?? v.spotSizes?.[0] ?? v.odSizes[0]);
  const all = new Set(
    [...v.odSizes, ...(v.spotSizes ?? []), ...(v.preferredSpotSizes ?? [])].map((s) => s.toLowerCase()),
  );
  if (all.size > 1) notes.push(`vmSizes: a VM has one size; ${chosen ?? ''} is used`);
  return chosen ?? '';
}

function virtualMachinePlan(input: PlanInputBase, spec: PlanNodeSpec): AzurePlan {
  const notes: string[] = [];
  const ls = spec.compute.launchSpecification;
  const name = armResourceNameOf(ls.vmName ?? spec.name);
  const resourceId = virtualMachineResourceId(input.subscriptionId, spec.resourceGroupName, name);
  const os = osTypeOf(spec, input.image);
  const location = normalizeRegion(spec.region);
  const p = spec.persistence;
  const keep = (persist: boolean): string => (persist ? 'Detach' : 'Delete');
  const spot = spec.strategy?.preferredLifecycle !== 'od';
  const zones = spec.compute.zones ?? [];
  const zone = spec.compute.preferredZone ?? zones[0];
  if (spec.compute.preferredZone === undefined && zones.length > 1)
    notes.push(`zones: a VM sits in one zone; ${zone ?? ''} is used`);
  const specialized = osStateOf(input.image) === 'Specialized';

  const properties = compact({
    hardwareProfile: { vmSize: nodeSizeOf(spec, notes) },
    priority: spot ? 'Spot' : 'Regular',
    evictionPolicy: spot ? 'Deallocate' : undefined,
    billingProfile: spot ? { maxPrice: -1 } : undefined,
    storageProfile: compact({
      imageReference: imageReferenceFor(input.image, input.subscriptionId),
      osDisk: osDiskOf(ls, input.image, keep(p.shouldPersistOsDisk)),
      dataDisks: dataDisksOf(ls, keep(p.shouldPersistDataDisks)),
    }),
    osProfile: specialized
      ? undefined
      : osProfileOf('statefulNode', os, ls, name, input.action, input.subscriptionId, notes),
    networkProfile: networkProfileOf(input, ls, name, keep(p.shouldPersistNetwork), notes),
    securityProfile: securityProfileOf(ls, input.image),
    diagnosticsProfile: diagnosticsOf(ls),
    proximityPlacementGroup: proximityPlacementGroupOf(ls, input.subscriptionId, notes),
    licenseType: ls.licenseType,
    userData: ls.userData,
  });
  const body = compact({
    location,
    tags: tagsOf(ls, input.ownershipTags),
    zones: zone === undefined ? undefined : [zone],
    identity: identityOf(ls, input.subscriptionId),
    properties,
  });
  const requests: AzureRequest[] = [
    {
      method: 'PUT',
      url: armUrl(resourceId, input.apiVersion),
      ...(input.action === 'create' ? { headers: { 'If-None-Match': '*' } } : {}),
      body,
    },
    ...(ls.extensions ?? []).map((e): AzureRequest => ({
      method: 'PUT',
      url: armUrl(`${resourceId}/extensions/${enc(e.name)}`, input.apiVersion),
      body: { location, properties: extensionPropertiesOf(e) },
    })),
  ];
  return { target: 'azure', resourceId, requests, notes };
}

// ---------------------------------------------------------------- public: plans

/** The requests that create (or update) the group's scale set or VM. Pure; never reads a password. */
export function planAzureCreateOrUpdate(input: AzurePlanInput): AzurePlan {
  const plan =
    input.kind === 'statelessGroup' ? scaleSetPlan(input, input.spec) : virtualMachinePlan(input, input.spec);
  const keyVault = (input.spec.compute.launchSpecification.extensions ?? []).filter(
    (e) => e.protectedSettingsFromKeyVault !== undefined,
  );
  if (keyVault.length === 0) return plan;
  return {
    ...plan,
    notes: [
      ...plan.notes,
      ...keyVault.map(
        (e) => `extensions[${e.name}].protectedSettingsFromKeyVault is not mapped (ARM needs the vault's resource id)`,
      ),
    ],
  };
}

export interface AzureRollInput {
  readonly apiVersion: string;
  /** The scale set's or VM's ARM id (the group's deployment record). */
  readonly resourceId: string;
  /** The image to move to (the same access rules as a create). */
  readonly image: PlanImage;
  /** The scale set's upgrade policy: `Rolling` lets Azure move the VMs; `Manual` adds the per-batch upgrades. */
  readonly upgradeMode: 'Manual' | 'Rolling';
  /** Manual: the names of the scale set's VMs, in the order to upgrade. */
  readonly instanceNames?: readonly string[];
  /** Manual: VMs per batch (the group's batch size), at least 1. */
  readonly batchSize?: number;
}

const SCALE_SET_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(virtualMachineScaleSets|virtualMachines)\/([^/]+)$/i;

/**
 * The requests that roll a scale set or VM to `image`: the PATCH of
 * `storageProfile.imageReference` (the scale set's model, or the VM), then for a scale set with a
 * Manual upgrade policy one `POST .../manualupgrade` `{ instanceIds }` per batch of `batchSize` VM
 * names (Flexible takes VM names: virtual-machine-scale-sets-perform-manual-upgrades). With
 * `Rolling`, Azure moves the VMs itself after the PATCH. A VM's image change is Azure's to refuse
 * or apply (no source found documents an in-place image change of a standalone VM; reimage with
 * `exactVersion` is the alternative the apply can fall back to).
 */
export function planAzureRoll(input: AzureRollInput): AzurePlan {
  const m = SCALE_SET_ID.exec(input.resourceId);
  if (!m) throw new TypeError(`not a scale set or virtual machine id: ${input.resourceId}`);
  const subscriptionId = decodeURIComponent(m[1] ?? '');
  const scaleSet = (m[3] ?? '').toLowerCase() === 'virtualmachinescalesets';
  const imageReference = imageReferenceFor(input.image, subscriptionId);
  const patch: AzureRequest = {
    method: 'PATCH',
    url: armUrl(input.resourceId, input.apiVersion),
    body: scaleSet
      ? { properties: { virtualMachineProfile: { storageProfile: { imageReference } } } }
      : { properties: { storageProfile: { imageReference } } },
  };
  if (!scaleSet || input.upgradeMode === 'Rolling')
    return { target: 'azure', resourceId: input.resourceId, requests: [patch], notes: [] };
  const batchSize = input.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a whole number of at least 1 (got ${batchSize})`);
  const names = input.instanceNames ?? [];
  const batches: AzureRequest[] = [];
  for (let i = 0; i < names.length; i += batchSize) {
    batches.push({
      method: 'POST',
      url: armUrl(`${input.resourceId}/manualupgrade`, input.apiVersion),
      body: { instanceIds: names.slice(i, i + batchSize) },
    });
  }
  return { target: 'azure', resourceId: input.resourceId, requests: [patch, ...batches], notes: [] };
}

// ---------------------------------------------------------------- secrets and display

export interface PlanSecrets {
  readonly adminPassword?: string;
  /** Extension protected settings by extension name. */
  readonly extensionProtectedSettings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A plan marker with no secret to put in its place. The message names the place, never a value. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
  constructor(readonly what: string) {
    super(`the plan needs ${what}, and the submission in memory has none`);
  }
}

/** The secrets a job's live (not stored) spec carries, for `withSecrets`. */
export function planSecretsOf(spec: {
  readonly compute: { readonly launchSpecification: PlanLaunchSpecification };
}): PlanSecrets {
  const ls = spec.compute.launchSpecification;
  const protectedSettings: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const e of ls.extensions ?? [])
    if (e.protectedSettings !== undefined) protectedSettings[e.name] = e.protectedSettings;
  return {
    ...(typeof ls.login?.password === 'string' ? { adminPassword: ls.login.password } : {}),
    ...(Object.keys(protectedSettings).length > 0 ? { extensionProtectedSettings: protectedSettings } : {}),
  };
}

function fill(value: Json, secrets: PlanSecrets, extension: string | undefined): Json {
  if (Array.isArray(value)) return value.map((v) => fill(v, secrets, extension));
  if (value === null || typeof value !== 'object') return value;
  const here = typeof value.name === 'string' && typeof value.properties === 'object' ? value.name : extension;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === ADMIN_PASSWORD_MARKER && v === true) {
      if (secrets.adminPassword === undefined) throw new MissingSecretError('the admin password');
      out.adminPassword = secrets.adminPassword;
    } else if (k === PROTECTED_SETTINGS_MARKER && v === true) {
      const settings = here === undefined ? undefined : secrets.extensionProtectedSettings?.[here];
      if (settings === undefined)
        throw new MissingSecretError(`the protected settings of extension ${here ?? '(unnamed)'}`);
      out.protectedSettings = toJson(settings);
    } else {
      out[k] = fill(v, secrets, here);
    }
  }
  return out;
}

/**
 * The plan with its secrets in place of their markers, for the apply step only (never stored,
 * logged or returned): `adminPasswordSet: true` → `adminPassword`, `protectedSettingsSet: true` →
 * `protectedSettings` of the extension of that name. Throws MissingSecretError when a marker has no
 * secret. Does not change its input.
 */
export function withSecrets(plan: AzurePlan, secrets: PlanSecrets): AzurePlan {
  return {
    ...plan,
    requests: plan.requests.map((r) => {
      const ext = /\/extensions\/([^/?]+)\?/.exec(r.url)?.[1];
      return {
        ...r,
        body: fill(r.body, secrets, ext === undefined ? undefined : decodeURIComponent(ext)) as JsonObject,
      };
    }),
  };
}

function hideScripts(value: Json): Json {
  if (Array.isArray(value)) return value.map(hideScripts);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value))
    out[k] =
      (k === 'customData' || k === 'userData') && typeof v === 'string' ? { ...scriptSummary(v) } : hideScripts(v);
  return out;
}

/** The plan as it may be shown (job page, API, CLI): `customData` and `userData` as `{ size, sha256 }`, as the stored group shows them. */
export function publicPlanOf(plan: AzurePlan): AzurePlan {
  return { ...plan, requests: plan.requests.map((r) => ({ ...r, body: hideScripts(r.body) as JsonObject })) };
}

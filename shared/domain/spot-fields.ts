/**
 * THE field table of the two job bodies: Spot's Elastigroup Azure (v3) `group` and Stateful Node
 * Azure `statefulNode`. Every field of Spot's public SDK structs is listed here once, with its JSON
 * name, nesting, type and (where Spot's documentation defines them) its enum values:
 *
 * - group: spotinst/spotinst-sdk-go `service/elastigroup/providers/azure/v3/azure.go` (type Group
 *   and everything under it),
 * - stateful node: spotinst/spotinst-sdk-go `service/stateful/providers/azure/statefulNode.go`
 *   (type StatefulNode and everything under it).
 *
 * The zod schemas, the partial-update schemas and the OpenAPI schemas are all built from this table
 * (spot-body.ts); nothing else spells a body field.
 *
 * A row is `[path, type, kinds, flags?, maxItems?]`:
 * - `path`: dotted from the spec root (`compute.launchSpecification.osDisk.type`); `[]` marks an
 *   array of objects (`compute.launchSpecification.dataDisks[]` declares the array, its item fields
 *   follow as `compute.launchSpecification.dataDisks[].lun`).
 * - `type`: a scalar type name of SCALARS, `object`, or `<scalar>[]` (an array of scalars).
 * - `kinds`: `G` (group), `N` (stateful node) or `GN` (both, same JSON name and type).
 * - `flags`: `R` required in a complete body; `O` read-only (Spot sets it: accepted as typed, not
 *   stored); `C` read by the checks; `S` a secret (validated, used, then dropped: never stored);
 *   `X` a script (stored, never returned in full: size and SHA-256 only); `E` this project's
 *   extension (not a Spot field); `U` unique items; `M` not empty when given.
 * - `maxItems`: the cap of an array (checked before any item is looked at).
 *
 * Limits are generous for real use and bounded for safety; they are documented in docs/jobs.md
 * ("Body limits"). Names of Azure resources follow Azure's naming rules (at most 80 characters for
 * most, 90 for resource groups, 64 for VM names and user names).
 */
import { isGalleryName, isImageName, isResourceGroupName, isVersionName } from './ids.js';
import { regionProblem } from './regions.js';
import { isSpotAccountId } from './visibility.js';

export type Kind = 'G' | 'N';

/** `latest` (any case) or `Major.Minor.Patch` of whole numbers up to 2,147,483,647. */
export function isGalleryVersionText(s: string): boolean {
  return s.toLowerCase() === 'latest' || isVersionName(s);
}

export type ScalarType =
  | {
      readonly type: 'string';
      readonly min?: number;
      readonly max: number;
      readonly pattern?: RegExp;
      readonly check?: (s: string) => string | undefined;
      readonly hint?: string;
      /** The error code of a value that fails `pattern` or `check` (default `invalid-format`). */
      readonly code?: string;
    }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'integer'; readonly min: number; readonly max: number }
  | { readonly type: 'number'; readonly min: number; readonly max: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'date-time' }
  /** A free-form JSON object (extension settings), at most `maxBytes` of JSON. */
  | { readonly type: 'json'; readonly maxBytes: number };

const str = (max: number, extra: Omit<Extract<ScalarType, { type: 'string' }>, 'type' | 'max'> = {}): ScalarType => ({
  type: 'string',
  min: 1,
  max,
  ...extra,
});
const en = (...values: string[]): ScalarType => ({ type: 'enum', values });
const int = (min: number, max: number): ScalarType => ({ type: 'integer', min, max });
const checked = (max: number, test: (s: string) => boolean, hint: string): ScalarType => ({
  type: 'string',
  min: 1,
  max,
  check: (s) => (test(s) ? undefined : hint),
  hint,
});

// eslint-disable-next-line no-control-regex
const GROUP_NAME = /^(?! )[^\u0000-\u001f\u007f/\\#?]{1,64}(?<! )$/;
/** Spot's time windows: `ddd:hh:mm-ddd:hh:mm` (e.g. `Mon:03:00-Mon:05:30`). */
const TIME_WINDOW =
  /^(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat):(?:[01]\d|2[0-3]):[0-5]\d-(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat):(?:[01]\d|2[0-3]):[0-5]\d$/i;
const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}[\r\n]*$/;
/** Azure: custom data is at most 65,535 bytes once decoded, 87,380 characters of base64. */
export const MAX_SCRIPT_CHARS = 87_380;

/** Every scalar type of the table (the `type` column names one of these). */
export const SCALARS = {
  groupName: {
    type: 'string',
    min: 1,
    max: 64,
    pattern: GROUP_NAME,
    hint: 'must be 1-64 characters without control characters, / \\ # ? or leading/trailing spaces',
  },
  spotId: str(64, { pattern: /^[a-z]{2,5}-[0-9a-z]{4,32}$/, hint: 'must be a Spot id such as sig-1a2b3c4d' }),
  resourceGroupName: checked(
    90,
    isResourceGroupName,
    'must be a resource group name (1-90 letters, digits, _ - . ( ), not ending in .)',
  ),
  region: {
    type: 'string',
    min: 1,
    max: 64,
    check: (s) => {
      const p = regionProblem(s);
      return p === undefined ? undefined : `must be an Azure region name: ${p}`;
    },
  },
  azureName: str(80),
  longName: str(256),
  description: { type: 'string', max: 1024 },
  url: str(2048, { pattern: /^https?:\/\/\S+$/i, hint: 'must be an http(s) URL' }),
  galleryName: checked(
    80,
    isGalleryName,
    'must be a gallery name (1-80 letters, digits, _ and ., not starting or ending with .)',
  ),
  imageName: checked(
    80,
    isImageName,
    'must be an image definition name (1-80 letters, digits, _ - ., starting and ending with a letter or digit)',
  ),
  galleryVersion: {
    type: 'string',
    max: 40,
    check: (s) =>
      isGalleryVersionText(s) ? undefined : 'must be "latest" or a version Major.Minor.Patch of whole numbers',
    code: 'invalid-version',
  },
  marketplaceVersion: str(40, {
    pattern: /^(?:latest|\d{1,10}\.\d{1,10}\.\d{1,12})$/i,
    hint: 'must be "latest" or a version Major.Minor.Build',
  }),
  spotAccountId: checked(64, isSpotAccountId, 'must be a Spot account id (act-xxxxxxxx)'),
  subscriptionId: str(36, {
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    hint: 'must be a subscription id (GUID)',
  }),
  vmSize: str(64, { pattern: /^[A-Za-z0-9_-]{1,64}$/, hint: 'must be a VM size name like Standard_D2s_v5' }),
  zone: str(8, { pattern: /^[1-9]$/, hint: 'must be an availability zone number ("1", "2", "3")' }),
  vmName: str(64, {
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_])?$/,
    hint: 'must be a VM name (1-64 letters, digits, . _ -, starting with a letter or digit, ending with a letter, digit or _)',
  }),
  vmNamePrefix: str(15, {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/,
    hint: 'must be 1-15 letters, digits or -, starting with a letter or digit',
  }),
  userName: str(64, {
    pattern: /^[^\s\\/"[\]:|<>+=;,?*@&]{1,64}$/,
    hint: 'must be 1-64 characters without spaces or \\ / " [ ] : | < > + = ; , ? * @ &',
  }),
  sshPublicKey: str(16_384, {
    pattern: /^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d{3}|sk-\S+) [A-Za-z0-9+/=]+(?: [^\r\n]*)?\s*$/,
    hint: 'must be an OpenSSH public key ("ssh-ed25519 AAAA... comment")',
  }),
  /** Only capped here: Azure's length and complexity rules depend on the OS (spot-body.ts passwordProblem). */
  password: { type: 'string', max: 256 },
  script: {
    type: 'string',
    max: MAX_SCRIPT_CHARS,
    pattern: BASE64,
    hint: `must be base64 (at most ${MAX_SCRIPT_CHARS} characters)`,
  },
  tagKey: str(512, { pattern: /^[^<>%&\\?/]+$/, hint: 'must be 1-512 characters without < > % & \\ ? /' }),
  tagValue: { type: 'string', max: 256 },
  timeWindow: str(23, {
    pattern: TIME_WINDOW,
    hint: 'must be a time window ddd:hh:mm-ddd:hh:mm (e.g. Mon:03:00-Mon:05:30)',
  }),
  cron: str(256),
  shortText: str(64),
  ipAddress: str(45, { pattern: /^[0-9A-Fa-f:.]{2,45}$/, hint: 'must be an IP address' }),
  dateTime: { type: 'date-time' },
  settings: { type: 'json', maxBytes: 32 * 1024 },
  bool: { type: 'boolean' },
  count: int(0, 100_000),
  percent: int(0, 100),
  seconds: int(0, 86_400),
  drainingTimeout: int(0, 3600),
  gracePeriod: int(0, 86_400),
  lun: int(0, 63),
  diskSizeGB: int(1, 65_536),
  osDiskSizeGB: int(1, 4095),
  sizeAttribute: int(0, 1_000_000),
  threshold: { type: 'number', min: -1e12, max: 1e12 },
  os: en('Linux', 'Windows'),
  osDiskType: en('Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS', 'StandardSSD_ZRS', 'Premium_ZRS'),
  dataDiskType: en(
    'Standard_LRS',
    'StandardSSD_LRS',
    'Premium_LRS',
    'StandardSSD_ZRS',
    'Premium_ZRS',
    'PremiumV2_LRS',
    'UltraSSD_LRS',
  ),
  caching: en('None', 'ReadOnly', 'ReadWrite'),
  securityType: en('Standard', 'TrustedLaunch', 'ConfidentialVM'),
  orchestrationMode: en('Flexible', 'Uniform'),
  preferredLifecycle: en('od', 'spot'),
  persistenceMode: en('reattach', 'onLaunch'),
  performAt: en('always', 'never', 'timeWindow'),
  utilizationStrategy: en('utilizeOverOD', 'utilizeOverSpot'),
  loadBalancerType: en('loadBalancer', 'applicationGateway'),
  sku: en('Basic', 'Standard'),
  ipVersion: en('IPv4', 'IPv6'),
  bootDiagnosticsType: en('managed', 'unmanaged'),
  licenseType: en('Windows_Server', 'Windows_Client', 'RHEL_BYOS', 'SLES_BYOS'),
  signalType: en('vmReady', 'vmReadyToShutdown'),
  statistic: en('average', 'sum', 'sampleCount', 'maximum', 'minimum'),
  operator: en('gt', 'gte', 'lt', 'lte'),
  nodeTaskType: en('pause', 'resume', 'recycle'),
} as const satisfies Record<string, ScalarType>;

export type ScalarName = keyof typeof SCALARS;
export type FieldType = ScalarName | `${ScalarName}[]` | 'object';
/** `[path, type, kinds, flags, maxItems]` — see the module comment. */
export type FieldRow = readonly [
  path: string,
  type: FieldType,
  kinds: 'G' | 'N' | 'GN',
  flags?: string,
  maxItems?: number,
];

const LS = 'compute.launchSpecification';
const NIC = `${LS}.network.networkInterfaces[]`;

/** The table. Order: Spot's struct order, group and stateful node side by side. */
export const SPOT_FIELDS: readonly FieldRow[] = [
  ['id', 'spotId', 'GN', 'O'],
  ['name', 'groupName', 'GN', 'RC'],
  ['resourceGroupName', 'resourceGroupName', 'GN', 'R'],
  ['region', 'region', 'GN', 'RC'],
  ['description', 'description', 'GN'],
  ['createdAt', 'dateTime', 'GN', 'O'],
  ['updatedAt', 'dateTime', 'GN', 'O'],

  ['capacity', 'object', 'G', 'R'],
  ['capacity.minimum', 'count', 'G', 'R'],
  ['capacity.maximum', 'count', 'G', 'R'],
  ['capacity.target', 'count', 'G', 'RC'],

  ['strategy', 'object', 'GN'],
  ['strategy.onDemandCount', 'count', 'G'],
  ['strategy.spotPercentage', 'percent', 'G'],
  ['strategy.preferredLifecycle', 'preferredLifecycle', 'N'],
  ['strategy.fallbackToOd', 'bool', 'GN'],
  ['strategy.drainingTimeout', 'drainingTimeout', 'GN'],
  ['strategy.availabilityVsCost', 'percent', 'GN'],
  ['strategy.optimizationWindows', 'timeWindow[]', 'GN', '', 50],
  ['strategy.odWindows', 'timeWindow[]', 'N', '', 50],
  ['strategy.vmAdmins', 'longName[]', 'N', '', 100],
  ['strategy.revertToSpot', 'object', 'GN'],
  ['strategy.revertToSpot.performAt', 'performAt', 'GN', 'R'],
  ['strategy.signals[]', 'object', 'GN', '', 10],
  ['strategy.signals[].type', 'signalType', 'GN', 'R'],
  ['strategy.signals[].timeout', 'seconds', 'GN'],
  ['strategy.capacityReservation', 'object', 'GN'],
  ['strategy.capacityReservation.shouldUtilize', 'bool', 'GN'],
  ['strategy.capacityReservation.utilizationStrategy', 'utilizationStrategy', 'GN'],
  ['strategy.capacityReservation.capacityReservationGroups[]', 'object', 'GN', '', 20],
  ['strategy.capacityReservation.capacityReservationGroups[].name', 'azureName', 'GN', 'R'],
  ['strategy.capacityReservation.capacityReservationGroups[].resourceGroupName', 'resourceGroupName', 'GN', 'R'],
  ['strategy.capacityReservation.capacityReservationGroups[].shouldPrioritize', 'bool', 'GN'],
  ['strategy.interruptionToleration', 'object', 'N'],
  ['strategy.interruptionToleration.cooldown', 'seconds', 'N'],
  ['strategy.interruptionToleration.evaluationPeriod', 'seconds', 'N'],
  ['strategy.interruptionToleration.isEnabled', 'bool', 'N'],
  ['strategy.interruptionToleration.threshold', 'count', 'N'],

  ['persistence', 'object', 'N', 'R'],
  ['persistence.shouldPersistOsDisk', 'bool', 'N', 'R'],
  ['persistence.osDiskPersistenceMode', 'persistenceMode', 'N'],
  ['persistence.shouldPersistDataDisks', 'bool', 'N', 'R'],
  ['persistence.dataDisksPersistenceMode', 'persistenceMode', 'N'],
  ['persistence.shouldPersistNetwork', 'bool', 'N', 'R'],

  ['compute', 'object', 'GN', 'R'],
  ['compute.os', 'os', 'GN', 'RC'],
  ['compute.orchestrationMode', 'orchestrationMode', 'G', 'EC'],
  ['compute.zones', 'zone[]', 'GN', 'CU', 3],
  ['compute.preferredZones', 'zone[]', 'G', 'CU', 3],
  ['compute.preferredZone', 'zone', 'N', 'C'],
  ['compute.vmSizes', 'object', 'GN', 'R'],
  ['compute.vmSizes.odSizes', 'vmSize[]', 'GN', 'RC', 500],
  ['compute.vmSizes.spotSizes', 'vmSize[]', 'GN', 'CM', 500],
  ['compute.vmSizes.preferredSpotSizes', 'vmSize[]', 'GN', '', 500],
  ['compute.vmSizes.excludedVmSizes', 'vmSize[]', 'GN', '', 500],
  ['compute.vmSizes.spotSizeAttributes', 'object', 'GN'],
  ['compute.vmSizes.spotSizeAttributes.minCpu', 'sizeAttribute', 'GN'],
  ['compute.vmSizes.spotSizeAttributes.maxCpu', 'sizeAttribute', 'GN'],
  ['compute.vmSizes.spotSizeAttributes.minMemory', 'sizeAttribute', 'GN'],
  ['compute.vmSizes.spotSizeAttributes.maxMemory', 'sizeAttribute', 'GN'],
  ['compute.vmSizes.spotSizeAttributes.minStorage', 'sizeAttribute', 'GN'],
  ['compute.vmSizes.spotSizeAttributes.maxStorage', 'sizeAttribute', 'GN'],

  [LS, 'object', 'GN', 'R'],
  [`${LS}.image`, 'object', 'GN', 'RC'],
  [`${LS}.image.gallery`, 'object', 'GN', 'C'],
  [`${LS}.image.gallery.resourceGroupName`, 'resourceGroupName', 'GN', 'RC'],
  [`${LS}.image.gallery.galleryName`, 'galleryName', 'GN', 'RC'],
  [`${LS}.image.gallery.imageName`, 'imageName', 'GN', 'RC'],
  [`${LS}.image.gallery.version`, 'galleryVersion', 'G', 'RC'],
  [`${LS}.image.gallery.versionName`, 'galleryVersion', 'N', 'RC'],
  [`${LS}.image.gallery.spotAccountId`, 'spotAccountId', 'GN', 'C'],
  [`${LS}.image.marketplace`, 'object', 'GN', 'C'],
  [`${LS}.image.marketplace.publisher`, 'longName', 'GN', 'R'],
  [`${LS}.image.marketplace.offer`, 'longName', 'GN', 'R'],
  [`${LS}.image.marketplace.sku`, 'longName', 'GN', 'R'],
  [`${LS}.image.marketplace.version`, 'marketplaceVersion', 'GN', 'R'],
  [`${LS}.image.custom`, 'object', 'GN', 'C'],
  [`${LS}.image.custom.resourceGroupName`, 'resourceGroupName', 'GN', 'R'],
  [`${LS}.image.custom.name`, 'azureName', 'GN', 'R'],

  [`${LS}.network`, 'object', 'GN', 'R'],
  [`${LS}.network.virtualNetworkName`, 'longName', 'GN', 'R'],
  [`${LS}.network.resourceGroupName`, 'resourceGroupName', 'GN', 'R'],
  [`${LS}.network.networkInterfaces[]`, 'object', 'GN', 'R', 8],
  [`${NIC}.subnetName`, 'azureName', 'GN', 'R'],
  [`${NIC}.isPrimary`, 'bool', 'GN', 'R'],
  [`${NIC}.assignPublicIp`, 'bool', 'GN', 'R'],
  [`${NIC}.enableIPForwarding`, 'bool', 'G'],
  [`${NIC}.enableIpForwarding`, 'bool', 'N'],
  [`${NIC}.publicIpSku`, 'sku', 'GN'],
  [`${NIC}.privateIpAddresses`, 'ipAddress[]', 'GN', 'U', 256],
  [`${NIC}.additionalIpConfigurations[]`, 'object', 'GN', '', 256],
  [`${NIC}.additionalIpConfigurations[].name`, 'azureName', 'GN', 'R'],
  [`${NIC}.additionalIpConfigurations[].privateIpAddressVersion`, 'ipVersion', 'GN'],
  [`${NIC}.applicationSecurityGroups[]`, 'object', 'GN', '', 20],
  [`${NIC}.applicationSecurityGroups[].name`, 'azureName', 'GN', 'R'],
  [`${NIC}.applicationSecurityGroups[].resourceGroupName`, 'resourceGroupName', 'GN', 'R'],
  [`${NIC}.publicIps[]`, 'object', 'GN', '', 20],
  [`${NIC}.publicIps[].name`, 'azureName', 'GN', 'R'],
  [`${NIC}.publicIps[].resourceGroupName`, 'resourceGroupName', 'GN', 'R'],
  [`${NIC}.securityGroup`, 'object', 'G'],
  [`${NIC}.securityGroup.name`, 'azureName', 'G', 'R'],
  [`${NIC}.securityGroup.resourceGroupName`, 'resourceGroupName', 'G', 'R'],
  [`${NIC}.networkSecurityGroup`, 'object', 'N'],
  [`${NIC}.networkSecurityGroup.name`, 'azureName', 'N', 'R'],
  [`${NIC}.networkSecurityGroup.resourceGroupName`, 'resourceGroupName', 'N', 'R'],

  [`${LS}.login`, 'object', 'GN', 'C'],
  [`${LS}.login.userName`, 'userName', 'GN', 'R'],
  [`${LS}.login.sshPublicKey`, 'sshPublicKey', 'GN', 'C'],
  [`${LS}.login.password`, 'password', 'GN', 'CS'],

  [`${LS}.osDisk`, 'object', 'GN', 'C'],
  [`${LS}.osDisk.sizeGB`, 'osDiskSizeGB', 'GN', 'C'],
  [`${LS}.osDisk.type`, 'osDiskType', 'GN', 'C'],
  [`${LS}.osDisk.caching`, 'caching', 'N'],
  [`${LS}.dataDisks[]`, 'object', 'GN', 'C', 64],
  [`${LS}.dataDisks[].lun`, 'lun', 'GN', 'R'],
  [`${LS}.dataDisks[].sizeGB`, 'diskSizeGB', 'GN', 'R'],
  [`${LS}.dataDisks[].type`, 'dataDiskType', 'GN', 'RC'],

  [`${LS}.security`, 'object', 'GN', 'C'],
  [`${LS}.security.securityType`, 'securityType', 'GN', 'C'],
  [`${LS}.security.secureBootEnabled`, 'bool', 'GN', 'C'],
  [`${LS}.security.vTpmEnabled`, 'bool', 'GN', 'C'],
  [`${LS}.security.encryptionAtHost`, 'bool', 'GN'],
  [`${LS}.security.confidentialOsDiskEncryption`, 'bool', 'GN', 'C'],

  [`${LS}.customData`, 'script', 'GN', 'X'],
  [`${LS}.userData`, 'script', 'GN', 'X'],
  [`${LS}.shutdownScript`, 'script', 'GN', 'X'],
  [`${LS}.vmName`, 'vmName', 'N'],
  [`${LS}.vmNamePrefix`, 'vmNamePrefix', 'GN'],
  [`${LS}.licenseType`, 'licenseType', 'N'],
  [`${LS}.tags[]`, 'object', 'GN', '', 50],
  [`${LS}.tags[].tagKey`, 'tagKey', 'GN', 'R'],
  [`${LS}.tags[].tagValue`, 'tagValue', 'GN', 'R'],
  [`${LS}.managedServiceIdentities[]`, 'object', 'GN', '', 100],
  [`${LS}.managedServiceIdentities[].name`, 'azureName', 'GN', 'R'],
  [`${LS}.managedServiceIdentities[].resourceGroupName`, 'resourceGroupName', 'GN', 'R'],
  [`${LS}.managedServiceIdentities[].subscriptionId`, 'subscriptionId', 'N'],
  [`${LS}.loadBalancersConfig`, 'object', 'GN'],
  [`${LS}.loadBalancersConfig.loadBalancers[]`, 'object', 'GN', '', 20],
  [`${LS}.loadBalancersConfig.loadBalancers[].type`, 'loadBalancerType', 'GN', 'R'],
  [`${LS}.loadBalancersConfig.loadBalancers[].resourceGroupName`, 'resourceGroupName', 'GN', 'R'],
  [`${LS}.loadBalancersConfig.loadBalancers[].name`, 'azureName', 'GN', 'R'],
  [`${LS}.loadBalancersConfig.loadBalancers[].sku`, 'sku', 'G'],
  [`${LS}.loadBalancersConfig.loadBalancers[].loadBalancerSku`, 'sku', 'N'],
  [`${LS}.loadBalancersConfig.loadBalancers[].backendPoolNames`, 'azureName[]', 'GN', 'U', 20],
  [`${LS}.extensions[]`, 'object', 'GN', '', 50],
  [`${LS}.extensions[].name`, 'longName', 'GN', 'R'],
  [`${LS}.extensions[].type`, 'longName', 'GN', 'R'],
  [`${LS}.extensions[].publisher`, 'longName', 'GN', 'R'],
  [`${LS}.extensions[].apiVersion`, 'shortText', 'GN', 'R'],
  [`${LS}.extensions[].minorVersionAutoUpgrade`, 'bool', 'GN'],
  [`${LS}.extensions[].enableAutomaticUpgrade`, 'bool', 'G'],
  [`${LS}.extensions[].publicSettings`, 'settings', 'GN'],
  [`${LS}.extensions[].protectedSettings`, 'settings', 'GN', 'S'],
  [`${LS}.extensions[].protectedSettingsFromKeyVault`, 'object', 'G'],
  [`${LS}.extensions[].protectedSettingsFromKeyVault.secretUrl`, 'url', 'G', 'R'],
  [`${LS}.extensions[].protectedSettingsFromKeyVault.sourceVault`, 'longName', 'G', 'R'],
  [`${LS}.bootDiagnostics`, 'object', 'GN'],
  [`${LS}.bootDiagnostics.isEnabled`, 'bool', 'GN'],
  [`${LS}.bootDiagnostics.type`, 'bootDiagnosticsType', 'GN'],
  [`${LS}.bootDiagnostics.storageUri`, 'url', 'G'],
  [`${LS}.bootDiagnostics.storageUrl`, 'url', 'N'],
  [`${LS}.proximityPlacementGroups[]`, 'object', 'GN', '', 10],
  [`${LS}.proximityPlacementGroups[].name`, 'azureName', 'GN', 'R'],
  [`${LS}.proximityPlacementGroups[].resourceGroupName`, 'resourceGroupName', 'GN', 'R'],
  [`${LS}.secrets[]`, 'object', 'GN', '', 20],
  [`${LS}.secrets[].sourceVault`, 'object', 'GN', 'R'],
  [`${LS}.secrets[].sourceVault.name`, 'azureName', 'GN', 'R'],
  [`${LS}.secrets[].sourceVault.resourceGroupName`, 'resourceGroupName', 'GN', 'R'],
  [`${LS}.secrets[].vaultCertificates[]`, 'object', 'GN', 'R', 50],
  [`${LS}.secrets[].vaultCertificates[].certificateUrl`, 'url', 'GN', 'R'],
  [`${LS}.secrets[].vaultCertificates[].certificateStore`, 'longName', 'GN'],

  ['scaling', 'object', 'G'],
  ['scaling.up[]', 'object', 'G', '', 50],
  ['scaling.down[]', 'object', 'G', '', 50],
  ...(['up', 'down'] as const).flatMap((d): FieldRow[] => [
    [`scaling.${d}[].policyName`, 'longName', 'G', 'R'],
    [`scaling.${d}[].metricName`, 'longName', 'G', 'R'],
    [`scaling.${d}[].namespace`, 'longName', 'G', 'R'],
    [`scaling.${d}[].statistic`, 'statistic', 'G'],
    [`scaling.${d}[].unit`, 'shortText', 'G'],
    [`scaling.${d}[].threshold`, 'threshold', 'G', 'R'],
    [`scaling.${d}[].evaluationPeriods`, 'count', 'G'],
    [`scaling.${d}[].period`, 'seconds', 'G'],
    [`scaling.${d}[].cooldown`, 'seconds', 'G'],
    [`scaling.${d}[].operator`, 'operator', 'G'],
    [`scaling.${d}[].source`, 'shortText', 'G'],
    [`scaling.${d}[].isEnabled`, 'bool', 'G'],
    [`scaling.${d}[].dimensions[]`, 'object', 'G', '', 10],
    [`scaling.${d}[].dimensions[].name`, 'longName', 'G', 'R'],
    [`scaling.${d}[].dimensions[].value`, 'longName', 'G'],
    [`scaling.${d}[].action`, 'object', 'G'],
    [`scaling.${d}[].action.type`, 'shortText', 'G', 'R'],
    [`scaling.${d}[].action.adjustment`, 'shortText', 'G'],
    [`scaling.${d}[].action.minimum`, 'shortText', 'G'],
    [`scaling.${d}[].action.maximum`, 'shortText', 'G'],
    [`scaling.${d}[].action.target`, 'shortText', 'G'],
  ]),

  ['health', 'object', 'GN'],
  ['health.autoHealing', 'bool', 'GN'],
  ['health.gracePeriod', 'gracePeriod', 'GN'],
  ['health.unhealthyDuration', 'gracePeriod', 'GN'],
  ['health.healthCheckTypes', 'shortText[]', 'GN', 'U', 10],

  ['scheduling', 'object', 'GN'],
  ['scheduling.tasks[]', 'object', 'GN', '', 100],
  ['scheduling.tasks[].isEnabled', 'bool', 'GN'],
  ['scheduling.tasks[].type', 'shortText', 'G', 'R'],
  ['scheduling.tasks[].type', 'nodeTaskType', 'N', 'R'],
  ['scheduling.tasks[].cronExpression', 'cron', 'GN', 'R'],
  ['scheduling.tasks[].scaleMinCapacity', 'count', 'G'],
  ['scheduling.tasks[].scaleMaxCapacity', 'count', 'G'],
  ['scheduling.tasks[].scaleTargetCapacity', 'count', 'G'],
  ['scheduling.tasks[].adjustment', 'count', 'G'],
  ['scheduling.tasks[].adjustmentPercentage', 'percent', 'G'],
  ['scheduling.tasks[].batchSizePercentage', 'percent', 'G'],
  ['scheduling.tasks[].gracePeriod', 'gracePeriod', 'G'],
];

/** The rows of one kind. */
export function rowsOf(kind: Kind): FieldRow[] {
  return SPOT_FIELDS.filter((r) => r[2].includes(kind));
}

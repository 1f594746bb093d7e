/**
 * The field table (shared/domain/spot-fields.ts) against Spot's SDK structs, and what is built from
 * it: schemas (complete, partial update, stored), caps, partial-update merge, secrets and scripts.
 *
 * Source of truth for the field lists below: spotinst/spotinst-sdk-go
 * `service/elastigroup/providers/azure/v3/azure.go` (type Group) and
 * `service/stateful/providers/azure/statefulNode.go` (type StatefulNode): every json tag, flattened.
 */
import { describe, expect, it } from 'vitest';
import { SCALARS, SPOT_FIELDS, rowsOf, type Kind, type ScalarName } from '../../shared/domain/spot-fields.js';
import {
  fieldTree,
  mergePatch,
  passwordProblem,
  publicSpecOf,
  scriptSummary,
  secretValuesOf,
  specJsonSchema,
  specSchema,
  storedSpecOf,
} from '../../shared/domain/spot-body.js';
import { completeJob, parseJobEnvelope, type JobEnvelope } from '../../shared/domain/job-envelope.js';
import { envelopeOf, spotBody } from './spot-fixtures.js';

/** Every json tag path of the SDK's Group (azure v3), as the SDK nests them (`[]` = a slice of structs). */
const SDK_GROUP_PATHS = `id name resourceGroupName region description createdAt updatedAt
capacity capacity.minimum capacity.maximum capacity.target
strategy strategy.onDemandCount strategy.drainingTimeout strategy.spotPercentage strategy.fallbackToOd strategy.availabilityVsCost strategy.optimizationWindows
strategy.capacityReservation strategy.capacityReservation.capacityReservationGroups[] strategy.capacityReservation.capacityReservationGroups[].name strategy.capacityReservation.capacityReservationGroups[].resourceGroupName strategy.capacityReservation.capacityReservationGroups[].shouldPrioritize strategy.capacityReservation.shouldUtilize strategy.capacityReservation.utilizationStrategy
strategy.revertToSpot strategy.revertToSpot.performAt strategy.signals[] strategy.signals[].type strategy.signals[].timeout
compute compute.vmSizes compute.vmSizes.odSizes compute.vmSizes.spotSizes compute.vmSizes.preferredSpotSizes compute.vmSizes.excludedVmSizes
compute.vmSizes.spotSizeAttributes compute.vmSizes.spotSizeAttributes.maxCpu compute.vmSizes.spotSizeAttributes.maxMemory compute.vmSizes.spotSizeAttributes.maxStorage compute.vmSizes.spotSizeAttributes.minCpu compute.vmSizes.spotSizeAttributes.minMemory compute.vmSizes.spotSizeAttributes.minStorage
compute.os compute.preferredZones compute.zones compute.launchSpecification
LS.image LS.image.marketplace LS.image.marketplace.publisher LS.image.marketplace.offer LS.image.marketplace.sku LS.image.marketplace.version LS.image.custom LS.image.custom.resourceGroupName LS.image.custom.name
LS.image.gallery LS.image.gallery.galleryName LS.image.gallery.imageName LS.image.gallery.resourceGroupName LS.image.gallery.spotAccountId LS.image.gallery.version
LS.network LS.network.virtualNetworkName LS.network.resourceGroupName LS.network.networkInterfaces[]
NIC.subnetName NIC.assignPublicIp NIC.isPrimary NIC.additionalIpConfigurations[] NIC.additionalIpConfigurations[].name NIC.additionalIpConfigurations[].privateIpAddressVersion
NIC.applicationSecurityGroups[] NIC.applicationSecurityGroups[].name NIC.applicationSecurityGroups[].resourceGroupName NIC.enableIPForwarding NIC.privateIpAddresses
NIC.publicIps[] NIC.publicIps[].name NIC.publicIps[].resourceGroupName NIC.publicIpSku NIC.securityGroup NIC.securityGroup.name NIC.securityGroup.resourceGroupName
LS.login LS.login.userName LS.login.sshPublicKey LS.login.password LS.customData
LS.managedServiceIdentities[] LS.managedServiceIdentities[].resourceGroupName LS.managedServiceIdentities[].name LS.tags[] LS.tags[].tagKey LS.tags[].tagValue
LS.loadBalancersConfig LS.loadBalancersConfig.loadBalancers[] LS.loadBalancersConfig.loadBalancers[].type LS.loadBalancersConfig.loadBalancers[].resourceGroupName LS.loadBalancersConfig.loadBalancers[].name LS.loadBalancersConfig.loadBalancers[].sku LS.loadBalancersConfig.loadBalancers[].backendPoolNames
LS.shutdownScript LS.extensions[] LS.extensions[].apiVersion LS.extensions[].enableAutomaticUpgrade LS.extensions[].minorVersionAutoUpgrade LS.extensions[].name
LS.extensions[].protectedSettingsFromKeyVault LS.extensions[].protectedSettingsFromKeyVault.secretUrl LS.extensions[].protectedSettingsFromKeyVault.sourceVault
LS.extensions[].protectedSettings LS.extensions[].publicSettings LS.extensions[].publisher LS.extensions[].type
LS.bootDiagnostics LS.bootDiagnostics.isEnabled LS.bootDiagnostics.storageUri LS.bootDiagnostics.type
LS.dataDisks[] LS.dataDisks[].lun LS.dataDisks[].sizeGB LS.dataDisks[].type LS.osDisk LS.osDisk.sizeGB LS.osDisk.type
LS.proximityPlacementGroups[] LS.proximityPlacementGroups[].name LS.proximityPlacementGroups[].resourceGroupName
LS.secrets[] LS.secrets[].sourceVault LS.secrets[].sourceVault.name LS.secrets[].sourceVault.resourceGroupName LS.secrets[].vaultCertificates[] LS.secrets[].vaultCertificates[].certificateStore LS.secrets[].vaultCertificates[].certificateUrl
LS.security LS.security.confidentialOsDiskEncryption LS.security.secureBootEnabled LS.security.securityType LS.security.vTpmEnabled LS.security.encryptionAtHost
LS.userData LS.vmNamePrefix
scaling ${['up', 'down'].map((d) => `scaling.${d}[] ${['policyName', 'metricName', 'namespace', 'statistic', 'unit', 'threshold', 'evaluationPeriods', 'period', 'cooldown', 'operator', 'source', 'isEnabled', 'dimensions[]', 'dimensions[].name', 'dimensions[].value', 'action', 'action.type', 'action.adjustment', 'action.maximum', 'action.minimum', 'action.target'].map((f) => `scaling.${d}[].${f}`).join(' ')}`).join(' ')}
health health.autoHealing health.gracePeriod health.healthCheckTypes health.unhealthyDuration
scheduling scheduling.tasks[] ${['cronExpression', 'isEnabled', 'scaleMaxCapacity', 'scaleMinCapacity', 'scaleTargetCapacity', 'type', 'adjustment', 'adjustmentPercentage', 'batchSizePercentage', 'gracePeriod'].map((f) => `scheduling.tasks[].${f}`).join(' ')}`;

/** Every json tag path of the SDK's StatefulNode (azure). */
const SDK_NODE_PATHS = `id name resourceGroupName region description createdAt updatedAt
strategy strategy.preferredLifecycle strategy.signals[] strategy.signals[].type strategy.signals[].timeout strategy.fallbackToOd strategy.drainingTimeout strategy.revertToSpot strategy.revertToSpot.performAt
strategy.optimizationWindows strategy.capacityReservation strategy.capacityReservation.shouldUtilize strategy.capacityReservation.utilizationStrategy strategy.capacityReservation.capacityReservationGroups[] strategy.capacityReservation.capacityReservationGroups[].name strategy.capacityReservation.capacityReservationGroups[].resourceGroupName strategy.capacityReservation.capacityReservationGroups[].shouldPrioritize
strategy.availabilityVsCost strategy.odWindows strategy.vmAdmins strategy.interruptionToleration strategy.interruptionToleration.cooldown strategy.interruptionToleration.evaluationPeriod strategy.interruptionToleration.isEnabled strategy.interruptionToleration.threshold
compute compute.os compute.vmSizes compute.vmSizes.odSizes compute.vmSizes.spotSizes compute.vmSizes.preferredSpotSizes compute.vmSizes.excludedVmSizes
compute.vmSizes.spotSizeAttributes compute.vmSizes.spotSizeAttributes.maxCpu compute.vmSizes.spotSizeAttributes.maxMemory compute.vmSizes.spotSizeAttributes.maxStorage compute.vmSizes.spotSizeAttributes.minCpu compute.vmSizes.spotSizeAttributes.minMemory compute.vmSizes.spotSizeAttributes.minStorage
compute.zones compute.preferredZone compute.launchSpecification
LS.image LS.image.marketplace LS.image.marketplace.publisher LS.image.marketplace.offer LS.image.marketplace.sku LS.image.marketplace.version LS.image.custom LS.image.custom.resourceGroupName LS.image.custom.name
LS.image.gallery LS.image.gallery.resourceGroupName LS.image.gallery.galleryName LS.image.gallery.imageName LS.image.gallery.versionName LS.image.gallery.spotAccountId
LS.network LS.network.virtualNetworkName LS.network.resourceGroupName LS.network.networkInterfaces[]
NIC.subnetName NIC.assignPublicIp NIC.isPrimary NIC.publicIpSku NIC.networkSecurityGroup NIC.networkSecurityGroup.name NIC.networkSecurityGroup.resourceGroupName NIC.enableIpForwarding NIC.privateIpAddresses
NIC.additionalIpConfigurations[] NIC.additionalIpConfigurations[].privateIpAddressVersion NIC.additionalIpConfigurations[].name NIC.publicIps[] NIC.publicIps[].name NIC.publicIps[].resourceGroupName
NIC.applicationSecurityGroups[] NIC.applicationSecurityGroups[].name NIC.applicationSecurityGroups[].resourceGroupName
LS.login LS.login.userName LS.login.sshPublicKey LS.login.password LS.customData LS.shutdownScript
LS.loadBalancersConfig LS.loadBalancersConfig.loadBalancers[] LS.loadBalancersConfig.loadBalancers[].type LS.loadBalancersConfig.loadBalancers[].resourceGroupName LS.loadBalancersConfig.loadBalancers[].name LS.loadBalancersConfig.loadBalancers[].loadBalancerSku LS.loadBalancersConfig.loadBalancers[].backendPoolNames
LS.tags[] LS.tags[].tagKey LS.tags[].tagValue LS.managedServiceIdentities[] LS.managedServiceIdentities[].name LS.managedServiceIdentities[].resourceGroupName LS.managedServiceIdentities[].subscriptionId
LS.extensions[] LS.extensions[].name LS.extensions[].type LS.extensions[].publisher LS.extensions[].apiVersion LS.extensions[].minorVersionAutoUpgrade LS.extensions[].protectedSettings LS.extensions[].publicSettings
LS.osDisk LS.osDisk.sizeGB LS.osDisk.type LS.osDisk.caching LS.dataDisks[] LS.dataDisks[].sizeGB LS.dataDisks[].lun LS.dataDisks[].type
LS.secrets[] LS.secrets[].sourceVault LS.secrets[].sourceVault.name LS.secrets[].sourceVault.resourceGroupName LS.secrets[].vaultCertificates[] LS.secrets[].vaultCertificates[].certificateUrl LS.secrets[].vaultCertificates[].certificateStore
LS.bootDiagnostics LS.bootDiagnostics.isEnabled LS.bootDiagnostics.type LS.bootDiagnostics.storageUrl LS.userData LS.vmName
LS.security LS.security.secureBootEnabled LS.security.securityType LS.security.vTpmEnabled LS.security.encryptionAtHost LS.security.confidentialOsDiskEncryption
LS.proximityPlacementGroups[] LS.proximityPlacementGroups[].name LS.proximityPlacementGroups[].resourceGroupName LS.licenseType LS.vmNamePrefix
persistence persistence.shouldPersistOsDisk persistence.osDiskPersistenceMode persistence.shouldPersistDataDisks persistence.dataDisksPersistenceMode persistence.shouldPersistNetwork
scheduling scheduling.tasks[] scheduling.tasks[].isEnabled scheduling.tasks[].type scheduling.tasks[].cronExpression
health health.healthCheckTypes health.gracePeriod health.unhealthyDuration health.autoHealing`;

const expand = (paths: string): string[] =>
  paths
    .split(/\s+/)
    .filter(Boolean)
    .map((p) =>
      p
        .replace(/^LS\./, 'compute.launchSpecification.')
        .replace(/^NIC\./, 'compute.launchSpecification.network.networkInterfaces[].'),
    );

/** A valid example of every scalar type (a new type without one fails the "every field" tests). */
const SAMPLES: Record<ScalarName, unknown> = {
  groupName: 'web-weu',
  spotId: 'sig-1a2b3c4d',
  resourceGroupName: 'rg-workloads',
  region: 'westeurope',
  azureName: 'name-1',
  longName: 'Some.Long-Name',
  description: 'a description',
  url: 'https://vault.example.org/secrets/s1',
  galleryName: 'corpGallery',
  imageName: 'ubuntu-2204-base',
  galleryVersion: 'latest',
  marketplaceVersion: 'latest',
  spotAccountId: 'act-1a2b3c4d',
  subscriptionId: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f',
  vmSize: 'Standard_D2s_v5',
  zone: '1',
  vmName: 'vm01',
  vmNamePrefix: 'web',
  userName: 'azureuser',
  sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly azureuser',
  password: 'Vq7#mT2!rZ9@kL4p',
  script: 'IyEvYmluL2Jhc2gK',
  tagKey: 'env',
  tagValue: 'prod',
  timeWindow: 'Mon:03:00-Mon:05:30',
  cron: '0 7 * * 1-5',
  shortText: 'text',
  ipAddress: '10.0.0.4',
  dateTime: '2026-11-30T10:00:00.000Z',
  settings: { key: 'value' },
  bool: true,
  count: 1,
  percent: 50,
  seconds: 60,
  drainingTimeout: 120,
  gracePeriod: 300,
  lun: 0,
  diskSizeGB: 128,
  osDiskSizeGB: 64,
  sizeAttribute: 8,
  threshold: 75.5,
  os: 'Linux',
  osDiskType: 'Premium_LRS',
  dataDiskType: 'Premium_LRS',
  caching: 'ReadWrite',
  securityType: 'TrustedLaunch',
  orchestrationMode: 'Uniform',
  preferredLifecycle: 'spot',
  persistenceMode: 'reattach',
  performAt: 'always',
  utilizationStrategy: 'utilizeOverOD',
  loadBalancerType: 'loadBalancer',
  sku: 'Standard',
  ipVersion: 'IPv4',
  bootDiagnosticsType: 'managed',
  licenseType: 'Windows_Server',
  signalType: 'vmReady',
  statistic: 'average',
  operator: 'gte',
  nodeTaskType: 'pause',
};

/** A body holding every field of the table once (image: gallery; the other sources are checked apart). */
function maximal(kind: Kind, skip: (path: string) => boolean = () => false): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, type] of rowsOf(kind)) {
    if (skip(path)) continue;
    let cur: Record<string, unknown> = root;
    const segments = path.split('.');
    segments.forEach((raw, i) => {
      const array = raw.endsWith('[]');
      const key = array ? raw.slice(0, -2) : raw;
      const last = i === segments.length - 1;
      if (last && type !== 'object') {
        const scalarArray = type.endsWith('[]');
        const sample = SAMPLES[(scalarArray ? type.slice(0, -2) : type) as ScalarName];
        cur[key] = scalarArray ? [sample] : sample;
        return;
      }
      if (array) {
        cur[key] ??= [{}];
        cur = (cur[key] as Array<Record<string, unknown>>)[0]!;
      } else {
        cur[key] ??= {};
        cur = cur[key] as Record<string, unknown>;
      }
    });
  }
  return root;
}

/** The other image sources (checked apart), and spotPercentage (Spot takes it or onDemandCount, not both: checked apart). */
const G_ONLY_OTHER_SOURCES = (p: string) =>
  p.includes('.image.marketplace') || p.includes('.image.custom') || p === 'strategy.spotPercentage';

describe('the field table', () => {
  it('lists exactly the json fields of the SDK Group (azure v3), plus this service extension orchestrationMode', () => {
    const table = rowsOf('G').map((r) => r[0]);
    expect(new Set(table)).toEqual(new Set([...expand(SDK_GROUP_PATHS), 'compute.orchestrationMode']));
    expect(table).toHaveLength(new Set(table).size);
  });

  it('lists exactly the json fields of the SDK StatefulNode (azure)', () => {
    const table = rowsOf('N').map((r) => r[0]);
    expect(new Set(table)).toEqual(new Set(expand(SDK_NODE_PATHS)));
    expect(table).toHaveLength(new Set(table).size);
  });

  it('has a valid example for every scalar type, and every array a cap', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(SCALARS).sort());
    for (const [path, type, , , max] of SPOT_FIELDS)
      if (path.endsWith('[]') || type.endsWith('[]')) expect(max, path).toBeGreaterThan(0);
    expect(() => fieldTree('G')).not.toThrow();
    expect(() => fieldTree('N')).not.toThrow();
  });

  it.each(['G', 'N'] as const)('a %s body with every field of the table (gallery image) is valid', (kind) => {
    const body = maximal(kind, G_ONLY_OTHER_SOURCES);
    const result = specSchema(kind, 'full').safeParse(body);
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
  });

  it.each(['G', 'N'] as const)('%s: marketplace and custom images with every one of their fields are valid', (kind) => {
    for (const source of ['marketplace', 'custom']) {
      const body = maximal(
        kind,
        (p) => (p.includes('.image.') && !p.includes(`.image.${source}`)) || p === 'strategy.onDemandCount',
      );
      const result = specSchema(kind, 'full').safeParse(body);
      expect(result.success, `${source}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
    }
  });

  it('JSON Schema of each kind is strict at every level and names the required fields', () => {
    const schema = specJsonSchema('G', 'full') as {
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, { additionalProperties?: boolean }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'resourceGroupName', 'region', 'capacity', 'compute']);
    expect(schema.properties.compute!.additionalProperties).toBe(false);
    const patch = specJsonSchema('N', 'patch') as { required: string[] };
    expect(patch.required).toEqual(['name']);
    const node = specJsonSchema('N', 'full') as {
      properties: {
        compute: {
          properties: {
            launchSpecification: { properties: { image: { properties: { gallery: { required: string[] } } } } };
          };
        };
      };
    };
    expect(node.properties.compute.properties.launchSpecification.properties.image.properties.gallery.required).toEqual(
      ['resourceGroupName', 'galleryName', 'imageName', 'versionName'],
    );
  });
});

describe('caps (before any item is looked at)', () => {
  it('an array over its cap is one error at the array, its items not examined', () => {
    const body = spotBody('elastigroup-gallery-latest.json') as {
      group: { compute: { vmSizes: Record<string, unknown> } };
    };
    body.group.compute.vmSizes.spotSizes = Array.from({ length: 501 }, () => ({ not: 'a size' }));
    const result = parseJobEnvelope(envelopeOf('statelessGroup', body));
    expect(result.ok ? [] : result.errors.map((e) => [e.pointer, e.code])).toEqual([
      ['/body/group/compute/vmSizes/spotSizes', 'too-big'],
    ]);
  });

  it('a string over its cap is one error, whatever its pattern', () => {
    const body = spotBody('elastigroup-gallery-latest.json') as {
      group: { compute: { launchSpecification: Record<string, unknown> } };
    };
    body.group.compute.launchSpecification.customData = 'A'.repeat(87_381);
    const result = parseJobEnvelope(envelopeOf('statelessGroup', body));
    expect(result.ok ? [] : result.errors.map((e) => [e.pointer, e.code])).toEqual([
      ['/body/group/compute/launchSpecification/customData', 'too-big'],
    ]);
  });

  it('extension settings are capped at 32 KB of JSON', () => {
    const body = spotBody('elastigroup-gallery-latest.json') as {
      group: { compute: { launchSpecification: Record<string, unknown> } };
    };
    body.group.compute.launchSpecification.extensions = [
      { name: 'x', type: 'x', publisher: 'p', apiVersion: '1.0', publicSettings: { blob: 'x'.repeat(33 * 1024) } },
    ];
    const result = parseJobEnvelope(envelopeOf('statelessGroup', body));
    expect(result.ok ? [] : result.errors.map((e) => [e.pointer, e.code])).toEqual([
      ['/body/group/compute/launchSpecification/extensions/0/publicSettings', 'too-big'],
    ]);
  });
});

describe('passwords (Azure adminPassword rules)', () => {
  it('Linux: 6-72 characters; Windows: 12-123', () => {
    expect(passwordProblem('Ab1!xy', 'Linux')).toBeUndefined();
    expect(passwordProblem('Ab1!x', 'Linux')).toBe('must be 6-72 characters for Linux (got 5)');
    expect(passwordProblem(`Ab1!${'x'.repeat(69)}`, 'Linux')).toContain('6-72');
    expect(passwordProblem('Ab1!xyzwvuts', 'Windows')).toBeUndefined();
    expect(passwordProblem('Ab1!xyzwvut', 'Windows')).toBe('must be 12-123 characters for Windows (got 11)');
    expect(passwordProblem(`Ab1!${'x'.repeat(120)}`, 'Windows')).toContain('12-123');
  });

  it('3 of 4 character classes, and not a disallowed value; the message never holds the password', () => {
    expect(passwordProblem('abcdefgh12', 'Linux')).toContain('has 2');
    expect(passwordProblem('abcdefGH12', 'Linux')).toBeUndefined();
    expect(passwordProblem('abcdefgh_!', 'Linux')).toContain('has 2');
    expect(passwordProblem('abcdefgh_1', 'Linux')).toBeUndefined();
    expect(passwordProblem('P@ssw0rd', 'Linux')).toBe('is a password Azure disallows');
    for (const p of ['abcdefgh12', 'P@ssw0rd', 'short']) expect(passwordProblem(p, 'Linux') ?? '').not.toContain(p);
  });
});

describe('partial updates', () => {
  it('objects merge, arrays replace whole, null removes; inputs are not changed', () => {
    const stored = { a: 1, o: { x: 1, y: 2 }, list: [1, 2, 3], gone: { z: 1 } };
    const patch = { o: { y: 3 }, list: [9], gone: null, n: 'new' };
    expect(mergePatch(stored, patch)).toEqual({ a: 1, o: { x: 1, y: 3 }, list: [9], n: 'new' });
    expect(stored).toEqual({ a: 1, o: { x: 1, y: 2 }, list: [1, 2, 3], gone: { z: 1 } });
  });

  it('an update names the group and carries only what changes; array items must be complete', () => {
    const patch = (body: unknown) => parseJobEnvelope(envelopeOf('statelessGroup', body, { action: 'update' }));
    expect(patch({ group: { name: 'web-weu', capacity: { target: 5 } } }).ok).toBe(true);
    expect(patch({ group: { name: 'web-weu', scheduling: null } }).ok).toBe(true);
    const noName = patch({ group: { capacity: { target: 5 } } });
    expect(noName.ok ? [] : noName.errors.map((e) => [e.pointer, e.code])).toEqual([['/body/group/name', 'required']]);
    const partialItem = patch({
      group: { name: 'web-weu', compute: { launchSpecification: { dataDisks: [{ lun: 1 }] } } },
    });
    expect(partialItem.ok ? [] : partialItem.errors.map((e) => [e.pointer, e.code])).toEqual([
      ['/body/group/compute/launchSpecification/dataDisks/0/sizeGB', 'required'],
      ['/body/group/compute/launchSpecification/dataDisks/0/type', 'required'],
    ]);
  });

  it('the merged group is validated as a whole, errors where the field would be', () => {
    const stored = storedSpecOf('G', spotBody('elastigroup-gallery-latest.json').group);
    const parsed = parseJobEnvelope(
      envelopeOf('statelessGroup', { group: { name: 'web-weu', capacity: { target: 200 } } }, { action: 'update' }),
    );
    if (!parsed.ok) throw new Error('expected a valid update');
    const merged = completeJob(parsed.envelope, stored);
    expect(merged.ok ? [] : merged.errors.map((e) => [e.pointer, e.code])).toEqual([
      ['/body/group/capacity/target', 'capacity-order'],
    ]);
    const removesNetwork = parseJobEnvelope(
      envelopeOf(
        'statelessGroup',
        { group: { name: 'web-weu', compute: { launchSpecification: { network: null } } } },
        { action: 'update' },
      ),
    );
    if (!removesNetwork.ok) throw new Error('expected a valid update');
    const result = completeJob(removesNetwork.envelope, stored);
    expect(result.ok ? [] : result.errors.map((e) => [e.pointer, e.code])).toEqual([
      ['/body/group/compute/launchSpecification/network', 'required'],
    ]);
  });

  it('a stored group whose password was dropped stays valid (passwordSet), and an update cannot send passwordSet', () => {
    const body = spotBody('elastigroup-gallery-latest.json') as {
      group: { compute: { os: string; launchSpecification: { login: Record<string, unknown> } } };
    };
    body.group.compute.os = 'Linux';
    body.group.compute.launchSpecification.login = { userName: 'azureuser', password: 'Vq7#mT2!rZ9@kL4p' };
    const stored = storedSpecOf('G', body.group);
    const parsed = parseJobEnvelope(
      envelopeOf('statelessGroup', { group: { name: 'web-weu', capacity: { target: 3 } } }, { action: 'update' }),
    );
    if (!parsed.ok) throw new Error('expected a valid update');
    expect(completeJob(parsed.envelope, stored).ok).toBe(true);
    const forged = parseJobEnvelope(
      envelopeOf(
        'statelessGroup',
        {
          group: { name: 'web-weu', compute: { launchSpecification: { login: { userName: 'x', passwordSet: true } } } },
        },
        { action: 'update' },
      ),
    );
    expect(forged.ok ? [] : forged.errors.map((e) => e.code)).toContain('unknown-field');
  });
});

describe('secrets, read-only fields and scripts', () => {
  const body = () => {
    const b = spotBody('elastigroup-gallery-latest.json') as {
      group: Record<string, unknown> & { compute: { launchSpecification: Record<string, unknown> } };
    };
    b.group.id = 'sig-1a2b3c4d';
    b.group.createdAt = '2026-11-30T10:00:00.000Z';
    b.group.compute.launchSpecification.login = {
      userName: 'azureuser',
      sshPublicKey: 'ssh-ed25519 AAAAC3Nza azureuser',
      password: 'Vq7#mT2!rZ9@kL4p',
    };
    b.group.compute.launchSpecification.customData = 'IyEvYmluL2Jhc2gK';
    b.group.compute.launchSpecification.extensions = [
      {
        name: 'cs',
        type: 'CustomScript',
        publisher: 'Microsoft.Azure.Extensions',
        apiVersion: '2.1',
        protectedSettings: { commandToExecute: 'secret-cmd' },
      },
    ];
    return b.group;
  };

  it('storedSpecOf drops secrets (marking them set) and read-only fields, keeps the rest, and does not change its input', () => {
    const spec = body();
    const stored = storedSpecOf('G', spec) as {
      id?: unknown;
      createdAt?: unknown;
      compute: { launchSpecification: { login: unknown; customData: unknown; extensions: unknown[] } };
    };
    expect(stored.compute.launchSpecification.login).toEqual({
      userName: 'azureuser',
      sshPublicKey: 'ssh-ed25519 AAAAC3Nza azureuser',
      passwordSet: true,
    });
    expect(stored.compute.launchSpecification.extensions[0]).toEqual({
      name: 'cs',
      type: 'CustomScript',
      publisher: 'Microsoft.Azure.Extensions',
      apiVersion: '2.1',
      protectedSettingsSet: true,
    });
    expect(stored.compute.launchSpecification.customData).toBe('IyEvYmluL2Jhc2gK');
    expect(stored.id).toBeUndefined();
    expect(stored.createdAt).toBeUndefined();
    expect(secretValuesOf('G', stored)).toEqual([]);
    expect(secretValuesOf('G', spec)).toEqual(['Vq7#mT2!rZ9@kL4p', JSON.stringify({ commandToExecute: 'secret-cmd' })]);
    expect(JSON.stringify(stored)).not.toContain('Vq7#mT2');
    expect(JSON.stringify(stored)).not.toContain('secret-cmd');
    expect((spec.compute.launchSpecification.login as { password: string }).password).toBe('Vq7#mT2!rZ9@kL4p');
  });

  it('publicSpecOf returns scripts as size and SHA-256 only', () => {
    const shown = publicSpecOf('G', storedSpecOf('G', body())) as {
      compute: { launchSpecification: { customData: unknown } };
    };
    expect(shown.compute.launchSpecification.customData).toEqual({
      size: 16,
      sha256: scriptSummary('IyEvYmluL2Jhc2gK').sha256,
    });
    expect(scriptSummary('IyEvYmluL2Jhc2gK').sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a job envelope fingerprint ignores secret values but not the rest', async () => {
    const { envelopeFingerprint } = await import('../../shared/domain/job-envelope.js');
    const env = (password: string, target = 60): JobEnvelope => {
      const b = { group: body() } as {
        group: Record<string, unknown> & {
          compute: { launchSpecification: { login: { password: string } } };
          capacity: { target: number };
        };
      };
      b.group.compute.launchSpecification.login.password = password;
      b.group.capacity.target = target;
      delete b.group.id;
      delete b.group.createdAt;
      const parsed = parseJobEnvelope(envelopeOf('statelessGroup', b));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return parsed.envelope;
    };
    expect(envelopeFingerprint(env('Vq7#mT2!rZ9@kL4p'))).toBe(envelopeFingerprint(env('Other#Pass1word')));
    expect(envelopeFingerprint(env('Vq7#mT2!rZ9@kL4p'))).not.toBe(envelopeFingerprint(env('Vq7#mT2!rZ9@kL4p', 61)));
  });
});

describe('OpenAPI', () => {
  it('describes the envelope and both bodies (create and update) from the same field table', async () => {
    const { openApiDocument } = await import('../../shared/http/openapi.js');
    const schemas = (openApiDocument() as { components: { schemas: Record<string, unknown> } }).components.schemas;
    expect(schemas['Group.spec']).toEqual(specJsonSchema('G', 'full'));
    expect(schemas['GroupUpdate.spec']).toEqual(specJsonSchema('G', 'patch'));
    expect(schemas['StatefulNode.spec']).toEqual(specJsonSchema('N', 'full'));
    expect(schemas['StatefulNodeUpdate.spec']).toEqual(specJsonSchema('N', 'patch'));
    const envelope = schemas.JobEnvelope as { allOf: Array<{ then: { properties: { body: { $ref: string } } } }> };
    expect(envelope.allOf.map((c) => c.then.properties.body.$ref)).toEqual([
      '#/components/schemas/GroupBody',
      '#/components/schemas/GroupUpdateBody',
      '#/components/schemas/StatefulNodeBody',
      '#/components/schemas/StatefulNodeUpdateBody',
    ]);
  });
});

describe('docs/jobs.md', () => {
  it('names every field the checks read, and the size of the table', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../docs/jobs.md', import.meta.url), 'utf8');
    const bullet = /- \*\*Fields the checks read:\*\*([\s\S]*?)\n- \*\*/.exec(readme)?.[1] ?? '';
    const named = new Set([...bullet.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1]!.split(/[.\s/[\]]+/)));
    const checked = SPOT_FIELDS.filter((r) => (r[3] ?? '').includes('C')).map((r) =>
      r[0].split('.').pop()!.replace('[]', ''),
    );
    for (const field of checked) expect(named, field).toContain(field);
    expect(readme).toContain(
      `${SPOT_FIELDS.length} rows: ${rowsOf('G').length} group fields, ${rowsOf('N').length} stateful node fields`,
    );
  });
});

describe('scalar formats', () => {
  const login = (sshPublicKey: string): boolean => {
    const group = spotBody('elastigroup-gallery-latest.json').group as {
      compute: { launchSpecification: Record<string, unknown> };
    };
    group.compute.launchSpecification.login = { userName: 'azureuser', sshPublicKey };
    return specSchema('G', 'full').safeParse(group).success;
  };

  it('an OpenSSH public key as pasted (comment, trailing newline) is accepted; other text is not', () => {
    expect(login('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host\n')).toBe(true);
    expect(login('ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=')).toBe(true);
    expect(login('-----BEGIN RSA PRIVATE KEY-----')).toBe(false);
    expect(login('AAAAB3NzaC1yc2E')).toBe(false);
  });
});

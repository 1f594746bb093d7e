/**
 * A small demo organization for the local ARM simulator, built in code (the offline `npm start`
 * and the benchmarks seed it; nothing here reads test fixtures).
 *
 * Contoso publishes images from one subscription and consumes them from another; a third
 * subscription belongs to another organization (a partner the direct-shared gallery is shared with).
 *
 *   publisher / rg-images / corpGallery      private
 *     ubuntu-2204-base   Linux Gen2 TrustedLaunch    1.9.0 completed (West Europe + East US)
 *                                                    1.10.0 replicating (East US in progress)
 *                                                    1.11.0 excluded from latest in West Europe only
 *                                                    1.12.0 failed
 *                                                    2.0.0 excluded from latest globally
 *                                                    1.2.0 shallow replication, past end of life
 *     win2022-sql        Windows specialized Gen1    1.0.0 completed
 *     mariner-arm64      Arm64 confidential VM       1.0.0 completed (West Europe)
 *   publisher / rg-images / partnerGallery   direct-shared with the other organization's subscription and the partner tenant
 *     ubuntu-2204-partner                            1.0.0 completed
 *   publisher / rg-public / publicGallery    community
 *     ubuntu-2204-community                          1.0.0 completed (East US)
 *   consumer  / rg-team / teamGallery        private
 *     app-server         Linux Gen2                  1.0.0 completed, 1.1.0 replicating
 *   other org / rg-other / otherGallery      private
 *     debian-12          Linux Gen2                  1.0.0 completed
 */
import type { ArmSimulator, RestResource, RestSku } from '../arm-simulator.js';

export const DEMO_SUBSCRIPTIONS = {
  publisher: '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f',
  consumer: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f',
  otherOrg: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
} as const;

export const DEMO_TENANTS = {
  contoso: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  partner: 'c24c76aa-8897-4027-9b03-8f7928b54ff6',
} as const;

export const DEMO_REGIONS = ['westeurope', 'eastus'] as const;

const gid = (sub: string, rg: string, gallery: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/${gallery}`;

export const DEMO_GALLERIES = {
  corp: gid(DEMO_SUBSCRIPTIONS.publisher, 'rg-images', 'corpGallery'),
  partner: gid(DEMO_SUBSCRIPTIONS.publisher, 'rg-images', 'partnerGallery'),
  community: gid(DEMO_SUBSCRIPTIONS.publisher, 'rg-public', 'publicGallery'),
  team: gid(DEMO_SUBSCRIPTIONS.consumer, 'rg-team', 'teamGallery'),
  other: gid(DEMO_SUBSCRIPTIONS.otherOrg, 'rg-other', 'otherGallery'),
} as const;

export const DEMO_IMAGES = {
  ubuntu: `${DEMO_GALLERIES.corp}/images/ubuntu-2204-base`,
  windowsSql: `${DEMO_GALLERIES.corp}/images/win2022-sql`,
  marinerArm64: `${DEMO_GALLERIES.corp}/images/mariner-arm64`,
  partnerUbuntu: `${DEMO_GALLERIES.partner}/images/ubuntu-2204-partner`,
  communityUbuntu: `${DEMO_GALLERIES.community}/images/ubuntu-2204-community`,
  teamApp: `${DEMO_GALLERIES.team}/images/app-server`,
  otherDebian: `${DEMO_GALLERIES.other}/images/debian-12`,
} as const;

export const DEMO_VERSIONS = {
  ubuntuCompleted: `${DEMO_IMAGES.ubuntu}/versions/1.9.0`,
  ubuntuReplicating: `${DEMO_IMAGES.ubuntu}/versions/1.10.0`,
  ubuntuRegionalExclude: `${DEMO_IMAGES.ubuntu}/versions/1.11.0`,
  ubuntuFailed: `${DEMO_IMAGES.ubuntu}/versions/1.12.0`,
  ubuntuExcludedGlobal: `${DEMO_IMAGES.ubuntu}/versions/2.0.0`,
  ubuntuShallowEol: `${DEMO_IMAGES.ubuntu}/versions/1.2.0`,
  windowsSql: `${DEMO_IMAGES.windowsSql}/versions/1.0.0`,
  marinerArm64: `${DEMO_IMAGES.marinerArm64}/versions/1.0.0`,
  partnerUbuntu: `${DEMO_IMAGES.partnerUbuntu}/versions/1.0.0`,
  communityUbuntu: `${DEMO_IMAGES.communityUbuntu}/versions/1.0.0`,
  teamAppCompleted: `${DEMO_IMAGES.teamApp}/versions/1.0.0`,
  teamAppReplicating: `${DEMO_IMAGES.teamApp}/versions/1.1.0`,
  otherDebian: `${DEMO_IMAGES.otherDebian}/versions/1.0.0`,
} as const;

export const DEMO_VM_SIZES = [
  'Standard_D2s_v5',
  'Standard_D4s_v5',
  'Standard_A2_v2',
  'Standard_D2ps_v5',
  'Standard_DC2as_v5',
  'Standard_E2bds_v5',
  'Standard_D64s_v5',
] as const;

// ------------------------------------------------------------------ builders

function gallery(
  id: string,
  location: string,
  description: string,
  sharingProfile: Record<string, unknown>,
  tags?: Record<string, string>,
): RestResource {
  const name = id.split('/').pop() ?? '';
  const sub = id.split('/')[2] ?? '';
  const properties: Record<string, unknown> = {
    description,
    identifier: { uniqueName: `${sub}-${name.toUpperCase()}` },
    provisioningState: 'Succeeded',
    sharingProfile,
  };
  if (sharingProfile.permissions === 'Community') {
    properties.sharingStatus = {
      aggregatedState: 'Succeeded',
      summary: [{ region: location, state: 'Succeeded', details: '' }],
    };
  }
  return { id, name, type: 'Microsoft.Compute/galleries', location, ...(tags ? { tags } : {}), properties };
}

interface ImagePlan {
  osType: 'Linux' | 'Windows';
  osState: 'Generalized' | 'Specialized';
  hyperVGeneration: 'V1' | 'V2';
  architecture: 'x64' | 'Arm64';
  identifier: { publisher: string; offer: string; sku: string };
  features?: { name: string; value: string }[];
  description?: string;
  extra?: Record<string, unknown>;
}

function image(id: string, location: string, plan: ImagePlan, tags?: Record<string, string>): RestResource {
  return {
    id,
    name: id.split('/').pop() ?? '',
    type: 'Microsoft.Compute/galleries/images',
    location,
    ...(tags ? { tags } : {}),
    properties: {
      ...(plan.description ? { description: plan.description } : {}),
      osType: plan.osType,
      osState: plan.osState,
      hyperVGeneration: plan.hyperVGeneration,
      architecture: plan.architecture,
      identifier: plan.identifier,
      ...(plan.features ? { features: plan.features } : {}),
      ...plan.extra,
      provisioningState: 'Succeeded',
    },
  };
}

interface RegionPlan {
  /** Display name, as ARM shows target regions of a version ("West Europe"). */
  name: string;
  replicas: number;
  storageAccountType?: 'Standard_LRS' | 'Standard_ZRS' | 'Premium_LRS';
  /** Regional exclude (targetRegions[i].excludeFromLatest); `false` when not given, as ARM echoes it. */
  excludeFromLatest?: boolean;
  state: 'Completed' | 'Replicating' | 'Failed';
  progress?: number;
  details?: string;
}

interface VersionPlan {
  publishedDate: string;
  regions: RegionPlan[];
  excludeFromLatest?: boolean;
  provisioningState?: 'Succeeded' | 'Failed' | 'Creating' | 'Updating';
  replicationMode?: 'Full' | 'Shallow';
  endOfLifeDate?: string;
}

const BUILD_VM = `/subscriptions/${DEMO_SUBSCRIPTIONS.publisher}/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/build-vm`;

function version(id: string, location: string, plan: VersionPlan): RestResource {
  const states = plan.regions.map((r) => r.state);
  const aggregatedState = states.includes('Failed')
    ? 'Failed'
    : states.includes('Replicating')
      ? 'InProgress'
      : 'Completed';
  return {
    id,
    name: id.split('/').pop() ?? '',
    type: 'Microsoft.Compute/galleries/images/versions',
    location,
    tags: {},
    properties: {
      publishingProfile: {
        targetRegions: plan.regions.map((r) => ({
          name: r.name,
          regionalReplicaCount: r.replicas,
          storageAccountType: r.storageAccountType ?? 'Standard_LRS',
          // Real ARM echoes a regional excludeFromLatest (false by default) on every target region
          // (Azure/azure-rest-api-specs, GalleryRP/stable/2023-07-03/examples/galleryExamples/GalleryImageVersion_Get_WithVhdAsSource.json).
          excludeFromLatest: r.excludeFromLatest ?? false,
        })),
        replicaCount: 1,
        excludeFromLatest: plan.excludeFromLatest ?? false,
        publishedDate: plan.publishedDate,
        storageAccountType: 'Standard_LRS',
        replicationMode: plan.replicationMode ?? 'Full',
        ...(plan.endOfLifeDate ? { endOfLifeDate: plan.endOfLifeDate } : {}),
      },
      storageProfile: {
        source: { virtualMachineId: BUILD_VM },
        osDiskImage: { sizeInGB: 30, hostCaching: 'ReadWrite' },
        dataDiskImages: [],
      },
      safetyProfile: {
        allowDeletionOfReplicatedLocations: false,
        reportedForPolicyViolation: false,
        blockDeletionBeforeEndOfLife: false,
      },
      replicationStatus: {
        aggregatedState,
        summary: plan.regions.map((r) => ({
          region: r.name,
          state: r.state,
          details: r.details ?? '',
          progress: r.progress ?? (r.state === 'Completed' ? 100 : 0),
        })),
      },
      provisioningState: plan.provisioningState ?? (aggregatedState === 'Failed' ? 'Failed' : 'Succeeded'),
    },
  };
}

const WE = (o: Partial<RegionPlan> = {}): RegionPlan => ({
  name: 'West Europe',
  replicas: 3,
  storageAccountType: 'Standard_ZRS',
  state: 'Completed',
  ...o,
});
const EUS = (o: Partial<RegionPlan> = {}): RegionPlan => ({ name: 'East US', replicas: 2, state: 'Completed', ...o });

const LINUX_GEN2_TL: Pick<ImagePlan, 'osType' | 'osState' | 'hyperVGeneration' | 'architecture' | 'features'> = {
  osType: 'Linux',
  osState: 'Generalized',
  hyperVGeneration: 'V2',
  architecture: 'x64',
  features: [
    { name: 'SecurityType', value: 'TrustedLaunch' },
    { name: 'DiskControllerType', value: 'SCSI, NVMe' },
    { name: 'IsAcceleratedNetworkSupported', value: 'True' },
  ],
};

/** Every demo resource, parents before children, in REST shape. */
export function demoOrganizationResources(): RestResource[] {
  const out: RestResource[] = [];
  const we = 'westeurope';
  const eus = 'eastus';

  // publisher / rg-images / corpGallery (private)
  out.push(gallery(DEMO_GALLERIES.corp, we, 'Golden images', { permissions: 'Private' }, { env: 'prod' }));
  out.push(
    image(
      DEMO_IMAGES.ubuntu,
      we,
      {
        ...LINUX_GEN2_TL,
        description: 'Ubuntu 22.04 hardened base',
        identifier: { publisher: 'Contoso', offer: 'Ubuntu', sku: '2204-base' },
        extra: {
          recommended: { vCPUs: { min: 2, max: 16 }, memory: { min: 4, max: 64 } },
          disallowed: { diskTypes: ['Standard_LRS'] },
          endOfLifeDate: '2027-06-30T00:00:00Z',
          releaseNoteUri: 'https://example.org/notes',
        },
      },
      { team: 'platform' },
    ),
  );
  out.push(
    version(DEMO_VERSIONS.ubuntuCompleted, we, { publishedDate: '2026-10-01T08:00:00Z', regions: [WE(), EUS()] }),
  );
  out.push(
    version(DEMO_VERSIONS.ubuntuReplicating, we, {
      publishedDate: '2026-11-20T08:00:00Z',
      regions: [WE(), EUS({ state: 'Replicating', progress: 40 })],
    }),
  );
  out.push(
    version(DEMO_VERSIONS.ubuntuRegionalExclude, we, {
      publishedDate: '2026-11-21T09:00:00Z',
      regions: [WE({ excludeFromLatest: true }), EUS()],
    }),
  );
  out.push(
    version(DEMO_VERSIONS.ubuntuFailed, we, {
      publishedDate: '2026-10-01T08:00:00Z',
      regions: [WE({ state: 'Failed', details: 'Source disk could not be read' }), EUS({ state: 'Failed' })],
    }),
  );
  out.push(
    version(DEMO_VERSIONS.ubuntuExcludedGlobal, we, {
      publishedDate: '2026-11-21T08:00:00Z',
      excludeFromLatest: true,
      regions: [WE(), EUS()],
    }),
  );
  out.push(
    version(DEMO_VERSIONS.ubuntuShallowEol, we, {
      publishedDate: '2026-10-01T08:00:00Z',
      replicationMode: 'Shallow',
      endOfLifeDate: '2026-01-01T00:00:00Z',
      regions: [{ name: 'West Europe', replicas: 1, state: 'Completed' }],
    }),
  );

  out.push(
    image(DEMO_IMAGES.windowsSql, we, {
      osType: 'Windows',
      osState: 'Specialized',
      hyperVGeneration: 'V1',
      architecture: 'x64',
      identifier: { publisher: 'Contoso', offer: 'WindowsServer', sku: '2022-sql' },
      extra: {
        purchasePlan: { name: 'sql2022', publisher: 'contoso', product: 'sqlserver' },
        eula: 'https://example.org/eula',
        privacyStatementUri: 'https://example.org/privacy',
        endOfLifeDate: '2025-01-01T00:00:00Z',
      },
    }),
  );
  out.push(version(DEMO_VERSIONS.windowsSql, we, { publishedDate: '2026-09-15T08:00:00Z', regions: [WE(), EUS()] }));

  out.push(
    image(DEMO_IMAGES.marinerArm64, we, {
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      architecture: 'Arm64',
      identifier: { publisher: 'Contoso', offer: 'Mariner', sku: 'arm64' },
      features: [
        { name: 'SecurityType', value: 'ConfidentialVM' },
        { name: 'IsHibernateSupported', value: 'False' },
      ],
    }),
  );
  out.push(version(DEMO_VERSIONS.marinerArm64, we, { publishedDate: '2026-11-01T08:00:00Z', regions: [WE()] }));

  // publisher / rg-images / partnerGallery (direct shared with a subscription and a tenant)
  out.push(
    gallery(DEMO_GALLERIES.partner, we, 'Shared with partner subscriptions and tenants', {
      permissions: 'Groups',
      groups: [
        { type: 'Subscriptions', ids: [DEMO_SUBSCRIPTIONS.otherOrg] },
        { type: 'AADTenants', ids: [DEMO_TENANTS.partner] },
      ],
    }),
  );
  out.push(
    image(DEMO_IMAGES.partnerUbuntu, we, {
      ...LINUX_GEN2_TL,
      identifier: { publisher: 'Contoso', offer: 'UbuntuPartner', sku: '2204' },
    }),
  );
  out.push(version(DEMO_VERSIONS.partnerUbuntu, we, { publishedDate: '2026-10-10T08:00:00Z', regions: [WE(), EUS()] }));

  // publisher / rg-public / publicGallery (community)
  out.push(
    gallery(DEMO_GALLERIES.community, eus, 'Community images', {
      permissions: 'Community',
      communityGalleryInfo: {
        publisherUri: 'https://example.org',
        publisherContact: 'images@example.org',
        eula: 'https://example.org/eula',
        publicNamePrefix: 'contoso',
        communityGalleryEnabled: true,
        publicNames: ['contoso-1a2b3c4d'],
      },
    }),
  );
  out.push(
    image(DEMO_IMAGES.communityUbuntu, eus, {
      ...LINUX_GEN2_TL,
      identifier: { publisher: 'Contoso', offer: 'UbuntuCommunity', sku: '2204' },
    }),
  );
  out.push(version(DEMO_VERSIONS.communityUbuntu, eus, { publishedDate: '2026-10-05T08:00:00Z', regions: [EUS()] }));

  // consumer / rg-team / teamGallery (private)
  out.push(gallery(DEMO_GALLERIES.team, eus, 'Team images', { permissions: 'Private' }));
  out.push(
    image(DEMO_IMAGES.teamApp, eus, {
      ...LINUX_GEN2_TL,
      identifier: { publisher: 'ContosoTeam', offer: 'AppServer', sku: 'v1' },
    }),
  );
  out.push(
    version(DEMO_VERSIONS.teamAppCompleted, eus, { publishedDate: '2026-11-02T08:00:00Z', regions: [EUS(), WE()] }),
  );
  out.push(
    version(DEMO_VERSIONS.teamAppReplicating, eus, {
      publishedDate: '2026-11-22T08:00:00Z',
      regions: [EUS(), WE({ state: 'Replicating', progress: 10 })],
    }),
  );

  // other organization / rg-other / otherGallery (private)
  out.push(gallery(DEMO_GALLERIES.other, we, 'Another organization', { permissions: 'Private' }));
  out.push(
    image(DEMO_IMAGES.otherDebian, we, {
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      architecture: 'x64',
      identifier: { publisher: 'Fabrikam', offer: 'Debian', sku: '12' },
    }),
  );
  out.push(version(DEMO_VERSIONS.otherDebian, we, { publishedDate: '2026-08-01T08:00:00Z', regions: [WE()] }));
  return out;
}

// ------------------------------------------------------------------ VM sizes

interface SizePlan {
  vCPUs: number;
  memoryGB: number;
  hyperVGenerations: 'V1' | 'V2' | 'V1,V2';
  architecture: 'x64' | 'Arm64';
  premiumIO: boolean;
  acceleratedNetworking: boolean;
  trustedLaunchDisabled?: boolean;
  diskControllerTypes?: string;
  confidentialComputingType?: string;
  /** `EncryptionAtHostSupported` (default True). */
  encryptionAtHost?: boolean;
  locations?: readonly string[];
}

function vmSku(name: string, plan: SizePlan): RestSku {
  const locations = [...(plan.locations ?? DEMO_REGIONS)];
  const capabilities: { name: string; value: string }[] = [
    { name: 'vCPUs', value: String(plan.vCPUs) },
    { name: 'MemoryGB', value: String(plan.memoryGB) },
    { name: 'HyperVGenerations', value: plan.hyperVGenerations },
    { name: 'CpuArchitectureType', value: plan.architecture },
    { name: 'PremiumIO', value: plan.premiumIO ? 'True' : 'False' },
    { name: 'AcceleratedNetworkingEnabled', value: plan.acceleratedNetworking ? 'True' : 'False' },
    { name: 'EncryptionAtHostSupported', value: plan.encryptionAtHost === false ? 'False' : 'True' },
  ];
  if (plan.trustedLaunchDisabled !== undefined)
    capabilities.push({ name: 'TrustedLaunchDisabled', value: plan.trustedLaunchDisabled ? 'True' : 'False' });
  if (plan.diskControllerTypes) capabilities.push({ name: 'DiskControllerTypes', value: plan.diskControllerTypes });
  if (plan.confidentialComputingType)
    capabilities.push({ name: 'ConfidentialComputingType', value: plan.confidentialComputingType });
  return {
    resourceType: 'virtualMachines',
    name,
    tier: 'Standard',
    size: name.replace(/^Standard_/, ''),
    family: 'x',
    locations,
    locationInfo: locations.map((location) => ({ location, zones: ['1', '2', '3'] })),
    capabilities,
    restrictions: [],
  };
}

/** The VM sizes of the demo subscriptions, in the REST shape of a resource SKU list. */
export function demoVmSkus(): RestSku[] {
  return [
    vmSku('Standard_D2s_v5', {
      vCPUs: 2,
      memoryGB: 8,
      hyperVGenerations: 'V1,V2',
      architecture: 'x64',
      premiumIO: true,
      acceleratedNetworking: true,
      trustedLaunchDisabled: false,
      diskControllerTypes: 'SCSI',
    }),
    vmSku('Standard_D4s_v5', {
      vCPUs: 4,
      memoryGB: 16,
      hyperVGenerations: 'V1,V2',
      architecture: 'x64',
      premiumIO: true,
      acceleratedNetworking: true,
      trustedLaunchDisabled: false,
      diskControllerTypes: 'SCSI',
    }),
    vmSku('Standard_A2_v2', {
      vCPUs: 2,
      memoryGB: 4,
      hyperVGenerations: 'V1',
      architecture: 'x64',
      premiumIO: false,
      acceleratedNetworking: false,
      trustedLaunchDisabled: true,
      encryptionAtHost: false,
    }),
    vmSku('Standard_D2ps_v5', {
      vCPUs: 2,
      memoryGB: 8,
      hyperVGenerations: 'V2',
      architecture: 'Arm64',
      premiumIO: true,
      acceleratedNetworking: true,
      trustedLaunchDisabled: true,
    }),
    vmSku('Standard_DC2as_v5', {
      vCPUs: 2,
      memoryGB: 8,
      hyperVGenerations: 'V2',
      architecture: 'x64',
      premiumIO: true,
      acceleratedNetworking: true,
      confidentialComputingType: 'SNP',
    }),
    vmSku('Standard_E2bds_v5', {
      vCPUs: 2,
      memoryGB: 16,
      hyperVGenerations: 'V2',
      architecture: 'x64',
      premiumIO: true,
      acceleratedNetworking: true,
      diskControllerTypes: 'SCSI, NVMe',
    }),
    vmSku('Standard_D64s_v5', {
      vCPUs: 64,
      memoryGB: 256,
      hyperVGenerations: 'V1,V2',
      architecture: 'x64',
      premiumIO: true,
      acceleratedNetworking: true,
      trustedLaunchDisabled: false,
      locations: ['westeurope'],
    }),
  ];
}

export interface DemoSeedSummary {
  galleries: number;
  images: number;
  versions: number;
  subscriptions: number;
}

/** Puts the demo organization (resources and VM sizes of every demo subscription) into the simulator. */
export function seedDemoOrganization(sim: ArmSimulator): DemoSeedSummary {
  const summary: DemoSeedSummary = { galleries: 0, images: 0, versions: 0, subscriptions: 0 };
  for (const resource of demoOrganizationResources()) {
    sim.put(resource);
    if (resource.type === 'Microsoft.Compute/galleries') summary.galleries += 1;
    else if (resource.type === 'Microsoft.Compute/galleries/images') summary.images += 1;
    else summary.versions += 1;
  }
  for (const subscriptionId of Object.values(DEMO_SUBSCRIPTIONS)) {
    sim.putSkus(subscriptionId, { value: demoVmSkus() });
    summary.subscriptions += 1;
  }
  return summary;
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ResourceSku } from '@azure/arm-compute';
import {
  capabilityOf,
  findVmSize,
  isVmSku,
  usableInRegion,
  vmSizeCapabilitiesSchema,
  vmSizeFromSku,
  vmSizesFromSkus,
  type SkuLike,
  type VmSizeCapabilities,
} from '../../shared/domain/vm-sizes.js';
import { resourceSkus } from './spot-fixtures.js';

// Compile-time: the SDK's ResourceSku is assignable to SkuLike, and SkuLike names no field the SDK lacks.
const asSku = (s: ResourceSku): SkuLike => s;
type Extra<Domain, Sdk> = Exclude<keyof Domain, keyof Sdk>;
const noExtraSkuFields: [Extra<SkuLike, ResourceSku>] extends [never] ? true : never = true;
type SdkRestriction = NonNullable<ResourceSku['restrictions']>[number];
const noExtraRestrictionFields: [Extra<NonNullable<SkuLike['restrictions']>[number], SdkRestriction>] extends [never]
  ? true
  : never = true;
const noExtraCapabilityFields: [
  Extra<NonNullable<SkuLike['capabilities']>[number], NonNullable<ResourceSku['capabilities']>[number]>,
] extends [never]
  ? true
  : never = true;
const noExtraLocationInfoFields: [
  Extra<NonNullable<SkuLike['locationInfo']>[number], NonNullable<ResourceSku['locationInfo']>[number]>,
] extends [never]
  ? true
  : never = true;

const SKUS = resourceSkus();
const sku = (name: string): SkuLike => {
  const found = SKUS.find((s) => s.name === name);
  if (!found) throw new Error(`no fixture SKU ${name}`);
  return found;
};
const ZONES = ['1', '2', '3'];

/** What each fixture size should give in West Europe (written from the fixture, not from the code). */
const EXPECTED_WESTEUROPE: Record<string, VmSizeCapabilities> = {
  Standard_D2s_v5: {
    name: 'Standard_D2s_v5',
    region: 'westeurope',
    vCPUs: 2,
    memoryGB: 8,
    hyperVGenerations: ['V1', 'V2'],
    architecture: 'x64',
    acceleratedNetworking: true,
    premiumIO: true,
    trustedLaunchSupported: true,
    diskControllerTypes: ['SCSI'],
    encryptionAtHostSupported: true,
    offeredInRegion: true,
    restrictedInRegion: false,
    restrictionReasons: [],
    zones: ZONES,
  },
  Standard_D4s_v5: {
    name: 'Standard_D4s_v5',
    region: 'westeurope',
    vCPUs: 4,
    memoryGB: 16,
    hyperVGenerations: ['V1', 'V2'],
    architecture: 'x64',
    acceleratedNetworking: true,
    premiumIO: true,
    trustedLaunchSupported: true,
    diskControllerTypes: ['SCSI'],
    encryptionAtHostSupported: true,
    offeredInRegion: true,
    restrictedInRegion: false,
    restrictionReasons: [],
    zones: ZONES,
  },
  Standard_A2_v2: {
    name: 'Standard_A2_v2',
    region: 'westeurope',
    vCPUs: 2,
    memoryGB: 4,
    hyperVGenerations: ['V1'],
    architecture: 'x64',
    acceleratedNetworking: false,
    premiumIO: false,
    trustedLaunchSupported: false,
    diskControllerTypes: ['SCSI'],
    encryptionAtHostSupported: false,
    offeredInRegion: true,
    restrictedInRegion: false,
    restrictionReasons: [],
    zones: ZONES,
  },
  Standard_D2ps_v5: {
    name: 'Standard_D2ps_v5',
    region: 'westeurope',
    vCPUs: 2,
    memoryGB: 8,
    hyperVGenerations: ['V2'],
    architecture: 'Arm64',
    acceleratedNetworking: true,
    premiumIO: true,
    trustedLaunchSupported: false,
    diskControllerTypes: ['SCSI'],
    encryptionAtHostSupported: true,
    offeredInRegion: true,
    restrictedInRegion: false,
    restrictionReasons: [],
    zones: ZONES,
  },
  Standard_DC2as_v5: {
    name: 'Standard_DC2as_v5',
    region: 'westeurope',
    vCPUs: 2,
    memoryGB: 8,
    hyperVGenerations: ['V2'],
    architecture: 'x64',
    acceleratedNetworking: true,
    premiumIO: true,
    trustedLaunchSupported: true,
    confidentialComputing: 'SNP',
    diskControllerTypes: ['SCSI'],
    encryptionAtHostSupported: true,
    offeredInRegion: true,
    restrictedInRegion: false,
    restrictionReasons: [],
    zones: ZONES,
  },
  Standard_E2bds_v5: {
    name: 'Standard_E2bds_v5',
    region: 'westeurope',
    vCPUs: 2,
    memoryGB: 16,
    hyperVGenerations: ['V2'],
    architecture: 'x64',
    acceleratedNetworking: true,
    premiumIO: true,
    trustedLaunchSupported: true,
    diskControllerTypes: ['SCSI', 'NVMe'],
    encryptionAtHostSupported: true,
    offeredInRegion: true,
    restrictedInRegion: false,
    restrictionReasons: [],
    zones: ZONES,
  },
  Standard_D64s_v5: {
    name: 'Standard_D64s_v5',
    region: 'westeurope',
    vCPUs: 64,
    memoryGB: 256,
    hyperVGenerations: ['V1', 'V2'],
    architecture: 'x64',
    acceleratedNetworking: true,
    premiumIO: true,
    trustedLaunchSupported: true,
    diskControllerTypes: ['SCSI'],
    encryptionAtHostSupported: true,
    offeredInRegion: true,
    restrictedInRegion: false,
    restrictionReasons: [],
    zones: ZONES,
  },
};

describe('SkuLike mirrors @azure/arm-compute ResourceSku', () => {
  it('has no field the SDK lacks (checked at compile time) and accepts SDK values', () => {
    expect([noExtraSkuFields, noExtraRestrictionFields, noExtraCapabilityFields, noExtraLocationInfoFields]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const sdk: ResourceSku = {
      resourceType: 'virtualMachines',
      name: 'Standard_X',
      locations: ['westeurope'],
      capabilities: [{ name: 'vCPUs', value: '8' }],
    };
    expect(vmSizeFromSku(asSku(sdk), 'westeurope')?.vCPUs).toBe(8);
  });
});

describe('vmSizeFromSku: the fixture SKU list', () => {
  it.each(Object.entries(EXPECTED_WESTEUROPE))('%s in West Europe', (name, capabilities) => {
    expect(vmSizeFromSku(sku(name), 'westeurope')).toEqual(capabilities);
    // Display names of regions are normalised.
    expect(vmSizeFromSku(sku(name), 'West Europe')).toEqual(capabilities);
  });

  it('a size not listed for a region is not offered there, and has no zones there', () => {
    const d64 = vmSizeFromSku(sku('Standard_D64s_v5'), 'eastus');
    expect(d64).toMatchObject({ region: 'eastus', offeredInRegion: false, restrictedInRegion: false });
    expect(d64?.zones).toBeUndefined();
    expect(usableInRegion(d64!)).toBe(false);
    expect(vmSizeFromSku(sku('Standard_D2s_v5'), 'East US')).toMatchObject({ region: 'eastus', offeredInRegion: true });
  });

  it('is JSON-friendly: a JSON round trip is identical and passes the cache schema', () => {
    for (const s of SKUS) {
      const caps = vmSizeFromSku(s, 'westeurope');
      expect(caps).toBeDefined();
      const copy: unknown = JSON.parse(JSON.stringify(caps));
      expect(copy).toEqual(caps);
      expect(vmSizeCapabilitiesSchema.parse(copy)).toEqual(caps);
      expect(Object.values(caps!).includes(undefined)).toBe(false);
    }
  });
});

describe('vmSizeFromSku: capabilities', () => {
  const base: SkuLike = { resourceType: 'virtualMachines', name: 'Standard_T1', locations: ['westeurope'] };

  it('applies the defaults when capabilities are absent', () => {
    expect(vmSizeFromSku(base, 'westeurope')).toEqual({
      name: 'Standard_T1',
      region: 'westeurope',
      hyperVGenerations: ['V1'],
      architecture: 'x64',
      acceleratedNetworking: false,
      premiumIO: false,
      trustedLaunchSupported: true,
      diskControllerTypes: ['SCSI'],
      encryptionAtHostSupported: false,
      offeredInRegion: true,
      restrictedInRegion: false,
      restrictionReasons: [],
    });
  });

  it('reads names and values case-insensitively, trims, canonicalises and de-duplicates lists', () => {
    const caps = vmSizeFromSku(
      {
        ...base,
        capabilities: [
          { name: 'VCPUS', value: ' 16 ' },
          { name: 'memorygb', value: '0.75' },
          { name: 'hypervgenerations', value: 'v2, V1,V2' },
          { name: 'cpuarchitecturetype', value: 'ARM64' },
          { name: 'acceleratednetworkingenabled', value: 'TRUE' },
          { name: 'premiumio', value: 'true' },
          { name: 'trustedlaunchdisabled', value: 'TRUE' },
          { name: 'confidentialcomputingtype', value: 'TDX' },
          { name: 'diskcontrollertypes', value: 'nvme,SCSI, NVMe' },
        ],
      },
      'westeurope',
    );
    expect(caps).toMatchObject({
      vCPUs: 16,
      memoryGB: 0.75,
      hyperVGenerations: ['V2', 'V1'],
      architecture: 'Arm64',
      acceleratedNetworking: true,
      premiumIO: true,
      trustedLaunchSupported: false,
      confidentialComputing: 'TDX',
      diskControllerTypes: ['NVMe', 'SCSI'],
    });
  });

  it('ignores unreadable numbers, unknown generations and empty values', () => {
    const caps = vmSizeFromSku(
      {
        ...base,
        capabilities: [
          { name: 'vCPUs', value: 'many' },
          { name: 'MemoryGB', value: '-1' },
          { name: 'HyperVGenerations', value: 'V3' },
          { name: 'ConfidentialComputingType', value: '  ' },
          { name: 'DiskControllerTypes', value: ' , ' },
          { name: 'TrustedLaunchDisabled', value: 'False' },
          {},
        ],
      },
      'westeurope',
    );
    expect(caps?.vCPUs).toBeUndefined();
    expect(caps?.memoryGB).toBeUndefined();
    expect(caps?.hyperVGenerations).toEqual([]);
    expect(caps?.confidentialComputing).toBeUndefined();
    expect(caps?.diskControllerTypes).toEqual(['SCSI']);
    expect(caps?.trustedLaunchSupported).toBe(true);
    expect(capabilityOf({ capabilities: [{ name: 'x' }] }, 'X')).toBeUndefined();
  });

  it('only maps VM sizes that have a name', () => {
    expect(vmSizeFromSku({ ...base, resourceType: 'disks' }, 'westeurope')).toBeUndefined();
    expect(vmSizeFromSku({ ...base, resourceType: 'availabilitySets' }, 'westeurope')).toBeUndefined();
    expect(vmSizeFromSku({ ...base, name: '' }, 'westeurope')).toBeUndefined();
    expect(vmSizeFromSku({ resourceType: 'virtualMachines' }, 'westeurope')).toBeUndefined();
    expect(vmSizeFromSku({ name: 'Standard_NoType', locations: ['westeurope'] }, 'westeurope')?.name).toBe(
      'Standard_NoType',
    );
    expect(vmSizeFromSku({ ...base, resourceType: 'VirtualMachines' }, 'westeurope')).toBeDefined();
    expect(isVmSku({ ...base, resourceType: 'disks' })).toBe(false);
  });
});

describe('vmSizeFromSku: regions, restrictions and zones', () => {
  const base: SkuLike = {
    resourceType: 'virtualMachines',
    name: 'Standard_R1',
    locations: ['westeurope', 'eastus'],
    locationInfo: [
      { location: 'westeurope', zones: ['3', '1', '2'] },
      { location: 'eastus', zones: [] },
    ],
  };

  it('a Location restriction naming the region restricts it there only, with its reason', () => {
    const restricted: SkuLike = {
      ...base,
      restrictions: [
        {
          type: 'Location',
          values: ['westeurope'],
          restrictionInfo: { locations: ['westeurope'] },
          reasonCode: 'NotAvailableForSubscription',
        },
      ],
    };
    const weu = vmSizeFromSku(restricted, 'westeurope')!;
    expect(weu).toMatchObject({
      offeredInRegion: true,
      restrictedInRegion: true,
      restrictionReasons: ['NotAvailableForSubscription'],
    });
    expect(usableInRegion(weu)).toBe(false);
    expect(vmSizeFromSku(restricted, 'eastus')).toMatchObject({ restrictedInRegion: false, restrictionReasons: [] });
  });

  it('reads the restricted locations from restrictionInfo too, and any case of type and region', () => {
    const restricted: SkuLike = {
      ...base,
      restrictions: [{ type: 'location', restrictionInfo: { locations: ['West Europe'] }, reasonCode: 'QuotaId' }],
    };
    expect(vmSizeFromSku(restricted, 'westeurope')).toMatchObject({
      restrictedInRegion: true,
      restrictionReasons: ['QuotaId'],
    });
  });

  it('a Zone restriction removes the zones, without restricting the region', () => {
    const zoned: SkuLike = {
      ...base,
      restrictions: [
        {
          type: 'Zone',
          values: ['westeurope'],
          restrictionInfo: { locations: ['westeurope'], zones: ['2'] },
          reasonCode: 'NotAvailableForSubscription',
        },
      ],
    };
    const weu = vmSizeFromSku(zoned, 'westeurope')!;
    expect(weu).toMatchObject({
      restrictedInRegion: false,
      zones: ['1', '3'],
      restrictionReasons: ['NotAvailableForSubscription'],
    });
    expect(usableInRegion(weu)).toBe(true);
    expect(vmSizeFromSku(zoned, 'eastus')?.zones).toEqual([]);
  });

  it('ignores restriction types it does not know', () => {
    expect(
      vmSizeFromSku(
        { ...base, restrictions: [{ type: 'Other', values: ['westeurope'], reasonCode: 'X' }] },
        'westeurope',
      ),
    ).toMatchObject({
      restrictedInRegion: false,
      restrictionReasons: [],
    });
  });

  it('falls back to locationInfo when locations is absent', () => {
    const { locations: _unused, ...noLocations } = base;
    expect(vmSizeFromSku(noLocations, 'eastus')?.offeredInRegion).toBe(true);
    expect(vmSizeFromSku(noLocations, 'northeurope')?.offeredInRegion).toBe(false);
  });
});

describe('vmSizesFromSkus / findVmSize', () => {
  it('keys every VM size of a list by name, for one region', () => {
    const sizes = vmSizesFromSkus(SKUS, 'westeurope');
    expect(Object.keys(sizes).sort()).toEqual(Object.keys(EXPECTED_WESTEUROPE).sort());
    for (const [name, caps] of Object.entries(EXPECTED_WESTEUROPE)) expect(sizes[name]).toEqual(caps);
  });

  it('skips other resource types and prefers the entry offered in the region when a name repeats', () => {
    const sizes = vmSizesFromSkus(
      [
        { resourceType: 'disks', name: 'Premium_LRS', locations: ['westeurope'] },
        { resourceType: 'virtualMachines', name: 'Standard_Dup', locations: ['eastus'] },
        {
          resourceType: 'virtualMachines',
          name: 'Standard_Dup',
          locations: ['westeurope'],
          capabilities: [{ name: 'vCPUs', value: '2' }],
        },
        {
          resourceType: 'virtualMachines',
          name: 'Standard_Dup',
          locations: ['westeurope'],
          capabilities: [{ name: 'vCPUs', value: '4' }],
        },
      ],
      'westeurope',
    );
    expect(Object.keys(sizes)).toEqual(['Standard_Dup']);
    expect(sizes.Standard_Dup).toMatchObject({ offeredInRegion: true, vCPUs: 2 });
  });

  it('finds a size by exact name, then case-insensitively', () => {
    const sizes = vmSizesFromSkus(SKUS, 'westeurope');
    expect(findVmSize(sizes, 'Standard_D2s_v5')?.name).toBe('Standard_D2s_v5');
    expect(findVmSize(sizes, 'standard_d2S_V5')?.name).toBe('Standard_D2s_v5');
    expect(findVmSize(sizes, 'Standard_Nope')).toBeUndefined();
    expect(findVmSize(sizes, 'toString')).toBeUndefined();
    expect(findVmSize({ Standard_X: undefined }, 'Standard_X')).toBeUndefined();
  });
});

describe('vmSizeFromSku: properties', () => {
  const text = fc.oneof(
    fc.constantFrom(
      'True',
      'False',
      'true',
      'V1',
      'V2',
      'V1,V2',
      'SCSI',
      'NVMe',
      'SCSI, NVMe',
      'Arm64',
      'x64',
      '4',
      '0.5',
      '',
    ),
    fc.string(),
  );
  const skuArb: fc.Arbitrary<SkuLike> = fc.record(
    {
      resourceType: fc.constantFrom('virtualMachines', 'disks', 'VIRTUALMACHINES'),
      name: fc.string({ maxLength: 20 }),
      locations: fc.array(fc.constantFrom('westeurope', 'West Europe', 'eastus', ''), { maxLength: 3 }),
      locationInfo: fc.array(
        fc.record({
          location: fc.constantFrom('westeurope', 'eastus'),
          zones: fc.array(fc.constantFrom('1', '2', '3', ' 2 '), { maxLength: 3 }),
        }),
        {
          maxLength: 2,
        },
      ),
      capabilities: fc.array(
        fc.record({
          name: fc.constantFrom(
            'vCPUs',
            'MemoryGB',
            'HyperVGenerations',
            'CpuArchitectureType',
            'AcceleratedNetworkingEnabled',
            'PremiumIO',
            'TrustedLaunchDisabled',
            'ConfidentialComputingType',
            'DiskControllerTypes',
            'Other',
          ),
          value: text,
        }),
        { maxLength: 12 },
      ),
      restrictions: fc.array(
        fc.record({
          type: fc.constantFrom('Location', 'Zone', 'Other'),
          values: fc.array(fc.constantFrom('westeurope', 'eastus'), { maxLength: 2 }),
          restrictionInfo: fc.record({
            locations: fc.array(fc.constantFrom('westeurope', 'eastus'), { maxLength: 2 }),
            zones: fc.array(fc.constantFrom('1', '2', '3'), { maxLength: 3 }),
          }),
          reasonCode: fc.constantFrom('QuotaId', 'NotAvailableForSubscription'),
        }),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  );

  it('never throws, and whatever it returns is plain JSON that the cache schema accepts', () => {
    fc.assert(
      fc.property(skuArb, fc.constantFrom('westeurope', 'West Europe', 'eastus'), (s, region) => {
        const caps = vmSizeFromSku(s, region);
        if (caps === undefined) {
          expect(isVmSku(s)).toBe(false);
          return;
        }
        const copy: unknown = JSON.parse(JSON.stringify(caps));
        expect(copy).toEqual(caps);
        expect(vmSizeCapabilitiesSchema.safeParse(copy).success).toBe(true);
        expect(caps.diskControllerTypes.length).toBeGreaterThan(0);
        if (caps.restrictedInRegion) expect(usableInRegion(caps)).toBe(false);
      }),
    );
  });

  it('reads a capability value that is also a name of Object.prototype as itself (fast-check seed -222019669)', () => {
    const caps = vmSizeFromSku(
      { ...sku('Standard_D2s_v5'), capabilities: [{ name: 'DiskControllerTypes', value: '__proto__,SCSI' }] },
      'westeurope',
    )!;
    expect(caps.diskControllerTypes).toEqual(['__proto__', 'SCSI']);
    expect(vmSizeCapabilitiesSchema.safeParse(JSON.parse(JSON.stringify(caps))).success).toBe(true);
  });

  it('the cache schema rejects unknown fields and wrong types', () => {
    const caps = vmSizeFromSku(sku('Standard_D2s_v5'), 'westeurope')!;
    expect(vmSizeCapabilitiesSchema.safeParse({ ...caps, extra: 1 }).success).toBe(false);
    expect(vmSizeCapabilitiesSchema.safeParse({ ...caps, architecture: 'risc-v' }).success).toBe(false);
    expect(vmSizeCapabilitiesSchema.safeParse({ ...caps, hyperVGenerations: ['V3'] }).success).toBe(false);
  });
});

describe('vmSizeFromSku: edges of the SKU shape', () => {
  const sku = (over: Partial<SkuLike> = {}): SkuLike => ({
    resourceType: 'virtualMachines',
    name: ' Standard_X4 ',
    locations: ['westeurope'],
    locationInfo: [{ location: 'westeurope', zones: [' 2', '1', '1 ', '', '3'] }],
    capabilities: [
      { name: 'vCPUs', value: '4' },
      { name: 'memorygb', value: ' 16 ' },
    ],
    ...over,
  });

  it('trims the name and the zones, drops empty and repeated zones, sorts them; reads capability names in any case', () => {
    expect(vmSizeFromSku(sku(), 'West Europe')).toMatchObject({
      name: 'Standard_X4',
      region: 'westeurope',
      vCPUs: 4,
      memoryGB: 16,
      zones: ['1', '2', '3'],
      offeredInRegion: true,
      restrictedInRegion: false,
      restrictionReasons: [],
    });
  });

  it('without counts or zones: no such members (not zero, not empty)', () => {
    const size = vmSizeFromSku(
      sku({
        capabilities: [
          { name: 'vCPUs', value: '-1' },
          { name: 'MemoryGB', value: 'lots' },
        ],
        locationInfo: [{ location: 'westeurope' }],
      }),
      'westeurope',
    )!;
    expect(size).not.toHaveProperty('vCPUs');
    expect(size).not.toHaveProperty('memoryGB');
    expect(size).not.toHaveProperty('zones');
    expect(vmSizeFromSku(sku({ capabilities: [{ name: 'vCPUs', value: '0' }] }), 'westeurope')).toMatchObject({
      vCPUs: 0,
    });
  });

  it('offered by its locations list, or else by its location info', () => {
    expect(vmSizeFromSku(sku({ locations: ['eastus'] }), 'westeurope')?.offeredInRegion).toBe(false);
    expect(vmSizeFromSku(sku({ locations: undefined }), 'westeurope')?.offeredInRegion).toBe(true);
    expect(vmSizeFromSku(sku({ locations: undefined, locationInfo: undefined }), 'westeurope')).toMatchObject({
      offeredInRegion: false,
    });
  });

  it('restrictions: in the region only (by values or restriction info), zone ones remove their zones (trimmed), each reason once, other types ignored', () => {
    const size = vmSizeFromSku(
      sku({
        restrictions: [
          {
            type: 'Zone',
            values: ['westeurope'],
            restrictionInfo: { zones: [' 2 '] },
            reasonCode: 'NotAvailableForSubscription',
          },
          {
            type: 'zone',
            restrictionInfo: { locations: ['westeurope'], zones: ['3'] },
            reasonCode: 'NotAvailableForSubscription',
          },
          { type: 'Location', values: ['eastus'], reasonCode: 'QuotaId' },
          { type: 'Other', values: ['westeurope'], reasonCode: 'Ignored' },
          { type: 'Zone', values: ['westeurope'] },
        ],
      }),
      'westeurope',
    );
    expect(size).toMatchObject({
      zones: ['1'],
      restrictedInRegion: false,
      restrictionReasons: ['NotAvailableForSubscription'],
    });
    const located = vmSizeFromSku(
      sku({
        restrictions: [{ type: 'Location', restrictionInfo: { locations: ['westeurope'] }, reasonCode: 'QuotaId' }],
      }),
      'westeurope',
    );
    expect(located).toMatchObject({ restrictedInRegion: true, restrictionReasons: ['QuotaId'] });
  });

  it('looks sizes up exactly, then in any case; an unknown name is not found', () => {
    const sizes = vmSizesFromSkus([sku()], 'westeurope');
    expect(findVmSize(sizes, 'Standard_X4')?.name).toBe('Standard_X4');
    expect(findVmSize(sizes, 'standard_x4')?.name).toBe('Standard_X4');
    expect(findVmSize(sizes, 'Standard_X8')).toBeUndefined();
    expect(findVmSize({ a: 1, A: 2 }, 'A')).toBe(2);
  });
});

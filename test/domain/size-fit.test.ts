import { describe, it, expect } from 'vitest';
import { demoOrganizationResources, demoVmSkus, DEMO_IMAGES } from '../../dev/demo/demo-org.js';
import { flattenArm, type Json } from './arm-fixtures.js';
import {
  imageDefinitionRecordFrom,
  imageVersionRecordFrom,
  type ImageDefinitionRecord,
} from '../../shared/domain/records.js';
import { vmSizesFromSkus } from '../../shared/domain/vm-sizes.js';
import { defaultSecurityType, sizeFits } from '../../shared/domain/size-fit.js';

// Which sizes can run an image version: the job's own rules on each size of the region (the demo
// organization's images and resource SKUs, dev/demo/demo-org.ts).
const NOW = new Date('2026-11-24T12:00:00Z');
const resources = demoOrganizationResources();
const image = (id: string): ImageDefinitionRecord =>
  imageDefinitionRecordFrom(flattenArm(resources.find((r) => r.id === id) as unknown as Json));
const version = (id: string) =>
  imageVersionRecordFrom(flattenArm(resources.find((r) => r.id === id) as unknown as Json));
const withFeature = (i: ImageDefinitionRecord, securityType: string | undefined): ImageDefinitionRecord => ({
  ...i,
  features: { ...i.features, ...(securityType === undefined ? { securityType: undefined } : { securityType }) },
});

describe('size fit', () => {
  it("checks for the image's only security type, else TrustedLaunch when allowed, else Standard", () => {
    const ubuntu = image(DEMO_IMAGES.ubuntu);
    expect(defaultSecurityType(ubuntu)).toBe('TrustedLaunch');
    expect(defaultSecurityType(image(DEMO_IMAGES.marinerArm64))).toBe('ConfidentialVM');
    expect(defaultSecurityType(image(DEMO_IMAGES.windowsSql))).toBe('Standard');
    expect(defaultSecurityType(withFeature(ubuntu, 'TrustedLaunchSupported'))).toBe('TrustedLaunch');
    expect(defaultSecurityType(withFeature(ubuntu, 'ConfidentialVMSupported'))).toBe('Standard');
    expect(defaultSecurityType(withFeature(ubuntu, 'TrustedLaunchAndConfidentialVmSupported'))).toBe('TrustedLaunch');
    expect(defaultSecurityType(withFeature(ubuntu, 'SomethingNew'))).toBeUndefined();
  });

  it('lists every size of the region: those that fit first (no warning, fewest vCPUs), then the others with the codes a job would fail with', () => {
    const ubuntu = image(DEMO_IMAGES.ubuntu);
    const fits = sizeFits({
      image: ubuntu,
      version: version(`${DEMO_IMAGES.ubuntu}/versions/1.9.0`),
      region: 'West Europe',
      vmSizes: vmSizesFromSkus(demoVmSkus(), 'westeurope'),
      securityType: 'TrustedLaunch',
      now: NOW,
    });
    expect(fits.map((s) => [s.name, s.fits, [...s.errors, ...s.warnings].map((f) => f.code)])).toEqual([
      ['Standard_D2s_v5', true, []],
      ['Standard_DC2as_v5', true, []],
      ['Standard_E2bds_v5', true, []],
      ['Standard_D4s_v5', true, []],
      ['Standard_D64s_v5', true, ['vcpus-above-recommended', 'memory-above-recommended']],
      // Two errors each: by name.
      [
        'Standard_A2_v2',
        false,
        ['trusted-launch-unsupported', 'hyperv-generation-unsupported', 'accelerated-networking-unavailable'],
      ],
      ['Standard_D2ps_v5', false, ['trusted-launch-unsupported', 'architecture-mismatch']],
    ]);
    expect(fits[0]).toMatchObject({
      vCPUs: 2,
      memoryGB: 8,
      premiumIO: true,
      encryptionAtHostSupported: true,
      zones: ['1', '2', '3'],
    });
    // East US: D64s_v5 is not offered there, so it is not listed.
    const east = sizeFits({
      image: ubuntu,
      version: version(`${DEMO_IMAGES.ubuntu}/versions/1.9.0`),
      region: 'eastus',
      vmSizes: vmSizesFromSkus(demoVmSkus(), 'eastus'),
      securityType: 'TrustedLaunch',
      now: NOW,
    });
    expect(east.map((s) => s.name)).not.toContain('Standard_D64s_v5');
    expect(east.length).toBe(6);
  });

  it('checks the security type asked for: Standard VMs of a TrustedLaunchSupported image run on sizes without trusted launch', () => {
    const ubuntu = withFeature(image(DEMO_IMAGES.ubuntu), 'TrustedLaunchSupported');
    const args = {
      image: ubuntu,
      version: version(`${DEMO_IMAGES.ubuntu}/versions/1.9.0`),
      region: 'westeurope',
      vmSizes: vmSizesFromSkus(demoVmSkus(), 'westeurope'),
      now: NOW,
    };
    const a2 = (securityType: 'Standard' | 'TrustedLaunch') =>
      sizeFits({ ...args, securityType }).find((s) => s.name === 'Standard_A2_v2')!;
    expect(a2('TrustedLaunch').errors.map((e) => e.code)).toContain('trusted-launch-unsupported');
    expect(a2('Standard').errors.map((e) => e.code)).toEqual(['hyperv-generation-unsupported']);
  });

  it('fits no size when Azure has none for the image: Arm64 confidential VMs', () => {
    const mariner = image(DEMO_IMAGES.marinerArm64);
    const fits = sizeFits({
      image: mariner,
      version: version(`${DEMO_IMAGES.marinerArm64}/versions/1.0.0`),
      region: 'westeurope',
      vmSizes: vmSizesFromSkus(demoVmSkus(), 'westeurope'),
      securityType: 'ConfidentialVM',
      now: NOW,
    });
    expect(fits.some((s) => s.fits)).toBe(false);
    expect(fits.slice(0, 2).map((s) => [s.name, s.errors.map((e) => e.code)])).toEqual([
      ['Standard_D2ps_v5', ['confidential-vm-unsupported']],
      ['Standard_DC2as_v5', ['architecture-mismatch']],
    ]);
  });

  it('lists nothing for a region without sizes', () => {
    expect(
      sizeFits({
        image: image(DEMO_IMAGES.ubuntu),
        version: version(`${DEMO_IMAGES.ubuntu}/versions/1.9.0`),
        region: 'japaneast',
        vmSizes: vmSizesFromSkus(demoVmSkus(), 'japaneast'),
        securityType: 'TrustedLaunch',
        now: NOW,
      }),
    ).toEqual([]);
  });
});

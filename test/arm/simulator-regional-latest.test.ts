import { describe, it, expect } from 'vitest';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { DEMO_IMAGES, seedDemoOrganization } from '../../dev/demo/demo-org.js';

// A scale set that names an image definition gets `latest` as Azure resolves it in the scale set's
// region: a version whose target region there says `excludeFromLatest` ("Contains the flag setting
// to hide an image when users specify version='latest'": TargetRegion.excludeFromLatest,
// @azure/arm-compute 24.1.0 dist/esm/models/computeGallery/models.d.ts), or that has no target
// region there, is passed over. The demo's ubuntu-2204-base: 1.11.0 is excluded from latest in
// West Europe only, 2.0.0 everywhere, 1.12.0 failed.
describe('ARM simulator: latest of a gallery image definition in a region', () => {
  const sim = new ArmSimulator();
  seedDemoOrganization(sim);

  it('passes over a version excluded from latest in that region, or not replicated there', () => {
    expect(sim.latestVersionOf(DEMO_IMAGES.ubuntu, 'westeurope')).toBe('1.10.0');
    expect(sim.latestVersionOf(DEMO_IMAGES.ubuntu, 'West Europe')).toBe('1.10.0');
    expect(sim.latestVersionOf(DEMO_IMAGES.ubuntu, 'eastus')).toBe('1.11.0');
    expect(sim.latestVersionOf(DEMO_IMAGES.ubuntu, 'japaneast')).toBeUndefined();
    // Without a region: the definition's latest over every region (excluded everywhere: passed over).
    expect(sim.latestVersionOf(DEMO_IMAGES.ubuntu)).toBe('1.11.0');
  });
});

import { readFileSync } from 'node:fs';
import type { ArmSettings } from '../../shared/arm/client.js';
import type { ArmSimulator, RestResource, RestSku } from '../../dev/arm-simulator.js';

/** A REST-shaped fixture of test/fixtures/arm (by file name without .json). */
export function fixture(name: string): RestResource {
  return JSON.parse(readFileSync(new URL(`../fixtures/arm/${name}.json`, import.meta.url), 'utf8')) as RestResource;
}

export function fixtureSkus(): { value: RestSku[] } {
  return JSON.parse(readFileSync(new URL('../fixtures/arm/resource-skus.json', import.meta.url), 'utf8')) as {
    value: RestSku[];
  };
}

export const PUBLISHER = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
export const CORP_GALLERY = `/subscriptions/${PUBLISHER}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery`;
export const UBUNTU_IMAGE = `${CORP_GALLERY}/images/ubuntu-2204-base`;

export const GALLERY_FIXTURES = ['gallery-private', 'gallery-direct-shared', 'gallery-community'] as const;
export const IMAGE_FIXTURES = [
  'image-definition-linux-gen2-trustedlaunch',
  'image-definition-windows-specialized',
  'image-definition-arm64-confidential',
] as const;
export const VERSION_FIXTURES = [
  'image-version-completed',
  'image-version-replicating',
  'image-version-regional-exclude',
  'image-version-failed',
  'image-version-excluded-global',
  'image-version-shallow-eol',
] as const;

/** ARM settings for the simulator: local token, small retry delays so failing tests stay fast. */
export function armSettings(endpoint: string, overrides: Partial<ArmSettings> = {}): ArmSettings {
  return {
    endpoint,
    credential: 'local',
    subscriptionIds: [],
    maxRetries: 2,
    retryDelayMs: 10,
    maxRetryDelayMs: 50,
    ...overrides,
  };
}

/** A version body derived from the completed fixture, under another name. */
export function versionNamed(name: string, imageId = UBUNTU_IMAGE): RestResource {
  const v = fixture('image-version-completed');
  return { ...v, id: `${imageId}/versions/${name}`, name };
}

/** Every fixture of the corp gallery (gallery, its three definitions, the six versions). */
export function corpGalleryFixtures(): RestResource[] {
  return [
    fixture('gallery-private'),
    ...IMAGE_FIXTURES.map((n) => fixture(n)),
    ...VERSION_FIXTURES.map((n) => fixture(n)),
  ];
}

export async function elapsedMs<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** Back to an empty simulator with default paging, no faults, no latency and zeroed counters. */
export function resetSimulator(sim: ArmSimulator): void {
  sim.clear();
  sim.clearFaults();
  sim.resetCounters();
  sim.pageSize = 100;
  sim.latencyMs = 0;
}

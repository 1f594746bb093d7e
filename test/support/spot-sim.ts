import { beforeAll, afterAll, beforeEach } from 'vitest';
import type { SpotSimulator } from '../../dev/spot-simulator.js';

/** Serves `sim` for the test file: started once, every group, fault and logged request forgotten before each test (then `onReset`). */
export function serveSpotSimulator(
  sim: SpotSimulator,
  onReset: () => void = () => undefined,
): { readonly endpoint: string } {
  const served = { endpoint: '' };
  beforeAll(async () => {
    served.endpoint = (await sim.start()).endpoint;
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
    onReset();
  });
  return served;
}

/**
 * The app in-process against an ARM simulator seeded with the demo organization, its source
 * subscriptions set and its timers parked (tests invoke the reconcile themselves).
 */
import { inject } from 'vitest';
import { ArmSimulator, type ArmSimulatorOptions } from '../../dev/arm-simulator.js';
import { seedDemoOrganization, DEMO_SUBSCRIPTIONS } from '../../dev/demo/demo-org.js';
import { startApp, type AppHost } from './app-host.js';

/** A schedule that never fires during a test run. */
export const NEVER = '0 0 0 1 1 *';

export async function startDemoArmApp(
  simOptions: ArmSimulatorOptions,
  settings: Record<string, string> = {},
): Promise<{ sim: ArmSimulator; host: AppHost }> {
  const sim = new ArmSimulator(simOptions);
  const { endpoint } = await sim.start();
  seedDemoOrganization(sim);
  const host = await startApp({
    CatalogStorage: inject('azuriteConnectionString'),
    ARM_ENDPOINT: endpoint,
    ARM_CREDENTIAL: 'local',
    ARM_SUBSCRIPTION_IDS: Object.values(DEMO_SUBSCRIPTIONS).join(','),
    RECONCILE_SCHEDULE: NEVER,
    ...settings,
  });
  return { sim, host };
}

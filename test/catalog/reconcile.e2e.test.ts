import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ArmSimulator } from '../../dev/arm-simulator.js';
import { DEMO_SUBSCRIPTIONS, DEMO_VERSIONS } from '../../dev/demo/demo-org.js';
import { reconcileNow, type AppHost } from '../support/app-host.js';
import { describeRun } from '../../shared/domain/reconcile-run.js';
import { NEVER, startDemoArmApp } from '../support/demo-arm-app.js';
import { services } from '../../shared/services.js';
import { expectCatalogEqualsArm, liveCatalogIds } from '../support/catalog-fixtures.js';
import { parseResourceId } from '../../shared/domain/ids.js';

let sim: ArmSimulator;
let host: AppHost;
const subs = Object.values(DEMO_SUBSCRIPTIONS);

beforeAll(async () => {
  ({ sim, host } = await startDemoArmApp({ pageSize: 2 }, { RECHECK_SCHEDULE: NEVER }));
});
afterAll(async () => {
  await host.stop();
  await sim.stop();
});

/** The resources ARM was asked for one by one (GET), lower case, sorted. */
function getsOf(arm: ArmSimulator): string[] {
  return arm.requests
    .filter((r) => r.kind === 'get')
    .map((r) => r.path.toLowerCase())
    .sort();
}

type Rest = { id: string; location?: string; properties?: Record<string, unknown> };
const lower = (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : '');
const regionKey = (s: unknown) => lower(s).replace(/\s+/g, '');

/** A gallery shared with groups or the community, from its ARM JSON. */
function sharedGallery(r: Rest): boolean {
  if (parseResourceId(r.id).level !== 'gallery') return false;
  const permissions = lower((r.properties?.sharingProfile as { permissions?: string } | undefined)?.permissions);
  return permissions === 'groups' || permissions === 'community';
}

/**
 * A version not settled yet, from its ARM JSON, as the catalog documents it: provisioning neither
 * succeeded nor failed, or succeeded with a targeted region (the source region when none is
 * targeted) still replicating or in no known state.
 */
function settlingVersion(r: Rest): boolean {
  if (parseResourceId(r.id).level !== 'version') return false;
  const p = r.properties ?? {};
  const provisioning = lower(p.provisioningState);
  if (provisioning === 'failed') return false;
  if (provisioning !== 'succeeded') return true;
  const status = p.replicationStatus as
    { aggregatedState?: string; summary?: { region?: string; state?: string }[] } | undefined;
  const targets = (
    (p.publishingProfile as { targetRegions?: { name?: string }[] } | undefined)?.targetRegions ?? []
  ).map((t) => t.name);
  return (targets.length > 0 ? targets : [r.location]).some((region) => {
    const entry = status?.summary?.find((s) => regionKey(s.region) === regionKey(region));
    const state = entry
      ? lower(entry.state)
      : lower(status?.aggregatedState) === 'completed'
        ? 'completed'
        : lower(status?.aggregatedState) === 'failed'
          ? 'failed'
          : 'unknown';
    return state !== 'completed' && state !== 'failed';
  });
}

async function runReconcile(): Promise<void> {
  // the timer queues one unit per gallery; the run record says when the last one finished
  const run = await reconcileNow(host);
  expect(describeRun(run)).toMatch(/^reconcile: 3 subscriptions, 5 galleries .*: succeeded$/);
  host.logs.length = 0;
}

describe('reconcile timer', () => {
  it('fills an empty catalog from ARM (paged lists), then re-reads only the shared galleries and the versions not settled', async () => {
    await runReconcile();
    // first pass: every gallery and every version read one by one (definitions come whole in their list)
    const firstGets = getsOf(sim);
    await expectCatalogEqualsArm(sim, services().catalog, subs);
    expect(firstGets).toEqual(
      sim
        .all()
        .filter((r) => parseResourceId(r.id).level !== 'image')
        .map((r) => r.id.toLowerCase())
        .sort(),
    );
    sim.resetCounters();
    await runReconcile();
    // second pass: only the shared galleries (the list does not say with whom) and the versions
    // still settling are re-read; settled, unchanged versions are not
    const expected = sim
      .all()
      .filter((r) => sharedGallery(r) || settlingVersion(r))
      .map((r) => r.id.toLowerCase())
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(firstGets.length);
    expect(getsOf(sim)).toEqual(expected);
  });

  it('tombstones what ARM no longer has, when its events were lost', async () => {
    sim.delete(DEMO_VERSIONS.ubuntuCompleted);
    await runReconcile();
    expect(await liveCatalogIds(services().catalog, subs)).not.toContain(DEMO_VERSIONS.ubuntuCompleted.toLowerCase());
    await expectCatalogEqualsArm(sim, services().catalog, subs);
  });
});

import { describe, it, expect } from 'vitest';
import {
  demandText,
  groupsOfVersion,
  groupText,
  lastName,
  listedText,
  moneyText,
  parseVersionHash,
  replicaCountText,
  replicaRows,
  riskText,
  ruleHeadline,
  storageLines,
  totalsText,
  trimText,
  unnamedText,
  versionHash,
  versionLocation,
  versionsToLoad,
  type VersionReplicas,
} from '../../shared/console/replica-view.js';
import type { RegionReplicasView, VersionReplicasView } from '../../shared/advice/replica-advisor.js';
import { recommendReplicas, regionDemand, type GroupLoad } from '../../shared/domain/replicas.js';

// The console's texts and rows of the replica advice, from answers in the API's own types
// (shared/advice/replicas.ts) with rules computed by the domain (shared/domain/replicas.ts). That
// the console's types accept those answers is checked by the typecheck step
// (test/types/console-views.typecheck.ts).
const IMAGE =
  '/subscriptions/5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f/resourceGroups/rg-team/providers/Microsoft.Compute/galleries/teamGallery/images/web';
const group = (name: string, maximum: number, over: Partial<GroupLoad> = {}): GroupLoad => ({
  kind: 'statelessGroup',
  name,
  maximum,
  target: maximum / 2,
  scaleSet: true,
  production: false,
  ...over,
});

function region(
  name: string,
  current: number,
  loads: GroupLoad[],
  extra: Partial<RegionReplicasView> = {},
): RegionReplicasView {
  const d = regionDemand(name, loads);
  const rec = recommendReplicas(d);
  const { region: _r, ...numbers } = d;
  return {
    region: name,
    targeted: true,
    source: name === 'westeurope',
    storageAccountType: 'Standard_LRS',
    current,
    recommended: rec.recommended,
    status:
      current < rec.recommended
        ? 'under-replicated'
        : loads.length === 0
          ? 'unused'
          : current > rec.recommended
            ? 'over-replicated'
            : 'ok',
    demand: {
      ...numbers,
      groups: loads.map((g) => ({
        account: 'act-5c6d7e8f',
        kind: g.kind,
        name: g.name,
        maximum: g.maximum,
        target: g.target,
        concurrentVms: g.maximum,
        scaleSet: g.scaleSet,
        production: g.production,
        onLatest: g.name === 'web-a',
      })),
      otherGroups: 0,
    },
    rules: rec.rules,
    warnings: [],
    ...extra,
  };
}

function answer(version: string, regions: RegionReplicasView[]): VersionReplicasView {
  return {
    id: `${IMAGE}/versions/${version}`,
    image: IMAGE,
    version,
    location: 'westeurope',
    replicationMode: 'Full',
    sizeGB: 10,
    sizeBasis: 'storageProfile sizeInGB',
    burstFactor: 1,
    currency: 'USD',
    regions,
    totals: { snapshots: 3, billedGB: 30, monthly: 1.5, egressOneOff: 0.2, recommendedMonthly: 4 },
    unpriced: [],
  };
}

describe('console: replica texts', () => {
  const weu = region('westeurope', 2, [group('web-a', 60), group('web-b', 80)], {
    storage: { snapshots: 2, billedGB: 20, monthly: 1, egressGB: 0, egressOneOff: 0, recommendedMonthly: 3.5 },
  });

  it('says current against recommended, and when the version is not targeted', () => {
    expect(weu.recommended).toBe(7);
    expect(replicaCountText(weu)).toBe('2 of 7 recommended');
    expect(replicaCountText({ current: 3, recommended: 1, targeted: true })).toBe('3 replicas (recommended 1)');
    expect(replicaCountText({ current: 1, recommended: 1, targeted: true })).toBe('1 replica (recommended 1)');
    expect(replicaCountText({ current: 0, recommended: 2, targeted: false })).toBe('not targeted; 2 recommended');
  });

  it('names every rule with the count it asks for, marking the one that decides (the reasons come from the domain)', () => {
    expect(weu.rules.map(ruleHeadline)).toEqual(['vms-per-replica → 7, decides', 'scale-set-per-replica → 2']);
    expect(weu.rules[0]?.reason).toBe(
      '140 VMs may be created at once: one replica per 20 VMs created concurrently → 7.',
    );
  });

  it('says the demand in words, or that no group uses the version there', () => {
    expect(demandText(weu.demand)).toBe('140 VMs at once, 2 scale sets at once (maximum 140, target 70)');
    expect(
      demandText(
        region('eastus', 1, [group('db', 1, { kind: 'statefulNode', target: 1, scaleSet: false, production: true })])
          .demand,
      ),
    ).toBe('1 VM at once, production (maximum 1, target 1)');
    expect(demandText(region('eastus', 1, []).demand)).toBe('No group of your organization uses it here.');
  });

  it('gives the storage estimate now and at the recommended count, egress once, or says what is missing', () => {
    expect(storageLines(weu, 10, 'USD')).toEqual([
      '2 snapshots × 10 GB = 20 GB',
      'USD 1.00 a month now, USD 3.50 at 7',
    ]);
    const eus = region('eastus', 1, [], {
      storage: { snapshots: 1, billedGB: 10, monthly: 0.5, egressGB: 10, egressOneOff: 0.2, recommendedMonthly: 0.5 },
    });
    expect(storageLines(eus, 10, 'USD')).toEqual([
      '1 snapshot × 10 GB = 10 GB',
      'USD 0.50 a month',
      'First copy: 10 GB egress, USD 0.20 once',
    ]);
    const unpriced = region('eastus', 1, [], {
      storageAccountType: 'PremiumV2_LRS',
      storage: { snapshots: 1, billedGB: 10, egressGB: 10, egressOneOff: 0.2 },
    });
    expect(storageLines(unpriced, 10, 'USD')?.[1]).toBe('No price for PremiumV2_LRS: no monthly figure');
    expect(storageLines(region('eastus', 1, []), 10, 'USD')).toBeUndefined();
  });

  it('sums up the version, priced, unpriced or without a reported size', () => {
    const a = answer('1.0.0', [weu]);
    expect(totalsText(a)).toBe(
      'In all: 3 snapshots of 10 GB, 30 GB billed, USD 1.50 a month now, USD 4.00 at the recommended counts; first copies USD 0.20 once.',
    );
    expect(
      totalsText({ ...a, totals: { snapshots: 3, billedGB: 30, egressOneOff: 0.2 }, unpriced: ['PremiumV2_LRS'] }),
    ).toBe(
      'In all: 3 snapshots of 10 GB, 30 GB billed, no monthly total (no price for PremiumV2_LRS); first copies USD 0.20 once.',
    );
    expect(
      totalsText({
        ...a,
        totals: { snapshots: 3, billedGB: 30, monthly: 1.5, egressOneOff: 0.2, recommendedMonthly: 1.5 },
      }),
    ).toBe('In all: 3 snapshots of 10 GB, 30 GB billed, USD 1.50 a month; first copies USD 0.20 once.');
    const { sizeGB: _s, ...noSize } = a;
    expect(totalsText(noSize)).toBe('3 snapshots in all; ARM reported no disk size, so there is no storage estimate.');
  });

  it('formats money, risk, list sizes and names', () => {
    expect(moneyText(3.5, 'EUR')).toBe('EUR 3.50');
    expect(riskText(0.71)).toBe('71%');
    expect(listedText(3, 3)).toBe('3 items');
    expect(listedText(1, 1)).toBe('1 item');
    expect(listedText(100, 240)).toBe('the first 100 of 240');
    expect(lastName(IMAGE)).toBe('web');
  });

  it('says what trimming an unused region saves', () => {
    expect(
      trimText(
        {
          region: 'eastus',
          replicas: 2,
          storageAccountType: 'Standard_LRS',
          action: 'remove-region',
          snapshotsSaved: 2,
          monthlySaving: 1,
        },
        'USD',
      ),
    ).toBe('eastus: remove the region (2 Standard_LRS replicas), saves USD 1.00 a month');
    expect(
      trimText(
        {
          region: 'westeurope',
          replicas: 2,
          storageAccountType: 'Standard_LRS',
          action: 'reduce-to-one',
          snapshotsSaved: 1,
          monthlySaving: 0.5,
        },
        'USD',
      ),
    ).toBe(
      'westeurope: source region: keep one of its 2 Standard_LRS replicas (1 snapshot fewer), saves USD 0.50 a month',
    );
    expect(
      trimText(
        {
          region: 'eastus',
          replicas: 1,
          storageAccountType: 'PremiumV2_LRS',
          action: 'remove-region',
          snapshotsSaved: 1,
        },
        'USD',
      ),
    ).toBe('eastus: remove the region (1 PremiumV2_LRS replica), no price for PremiumV2_LRS');
  });
});

describe('console: rows of the replica table', () => {
  const v1 = answer('1.0.0', [
    region('westeurope', 2, [group('web-b', 80)]),
    region('eastus', 1, []),
    { ...region('northeurope', 0, [group('web-c', 10)]), targeted: false },
  ]);
  const v09 = answer('0.9.0', [region('westeurope', 2, []), region('eastus', 2, [])]);
  const answers = new Map<string, VersionReplicas>([
    ['1.0.0', v1],
    ['0.9.0', v09],
  ]);
  const regions = ['eastus', 'westeurope'];

  it("a version: its regions in the matrix's order, then the regions where groups use it untargeted", () => {
    const rows = replicaRows('1.0.0', regions, {}, answers);
    expect(rows.map((r) => [r.region, r.version, r.replicas.current])).toEqual([
      ['eastus', '1.0.0', 1],
      ['westeurope', '1.0.0', 2],
      ['northeurope', '1.0.0', 0],
    ]);
    expect(rows[0]).toMatchObject({ sizeGB: 10, currency: 'USD' });
    expect(replicaRows('2.0.0', regions, {}, answers)).toEqual([]);
    expect(versionsToLoad('1.0.0', regions, {})).toEqual(['1.0.0']);
  });

  it('latest: each region from the version latest resolves to there; none where nothing qualifies', () => {
    const latest = { eastus: '1.0.0', westeurope: '0.9.0', northeurope: undefined };
    expect(versionsToLoad('latest', [...regions, 'northeurope'], latest)).toEqual(['1.0.0', '0.9.0']);
    expect(versionsToLoad('latest', ['eastus', 'westeurope'], { eastus: '1.0.0', westeurope: '1.0.0' })).toEqual([
      '1.0.0',
    ]);
    const rows = replicaRows('latest', [...regions, 'northeurope'], latest, answers);
    expect(rows.map((r) => [r.region, r.version])).toEqual([
      ['eastus', '1.0.0'],
      ['westeurope', '0.9.0'],
    ]);
  });
});

describe('console: groups on a version', () => {
  it('lists the named groups by region and name, and counts the others per region', () => {
    const a = answer('1.0.0', [
      region('westeurope', 2, [group('web-b', 80), group('web-a', 60)]),
      {
        ...region('eastus', 1, [
          group('db', 1, { kind: 'statefulNode', target: 1, scaleSet: false, production: true }),
        ]),
        demand: {
          ...region('eastus', 1, [
            group('db', 1, { kind: 'statefulNode', target: 1, scaleSet: false, production: true }),
          ]).demand,
          otherGroups: 2,
        },
      },
    ]);
    const g = groupsOfVersion(a);
    expect(g.groups.map(groupText)).toEqual([
      'db in eastus: stateful node of act-5c6d7e8f, production, pinned',
      'web-a in westeurope: stateless group of act-5c6d7e8f, maximum 60, target 30, scale set, on latest',
      'web-b in westeurope: stateless group of act-5c6d7e8f, maximum 80, target 40, scale set, pinned',
    ]);
    expect(g.unnamed.map(unnamedText)).toEqual(['2 groups in eastus of subscriptions you do not act for']);
    expect(groupsOfVersion(answer('0.9.0', [region('eastus', 1, [])]))).toEqual({ groups: [], unnamed: [] });
  });
});

describe('console: links to a version in the matrix', () => {
  it('reads a version id, builds its address and reads it back, escaping names', () => {
    const id = `${IMAGE}/versions/1.0.0`;
    const where = versionLocation(id);
    expect(where).toEqual({
      subscriptionId: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f',
      resourceGroup: 'rg-team',
      gallery: 'teamGallery',
      image: 'web',
      version: '1.0.0',
    });
    expect(versionHash(where!)).toBe(
      '#/catalog/subscriptions/5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f/resourceGroups/rg-team/galleries/teamGallery/images/web/versions/1.0.0',
    );
    expect(parseVersionHash(versionHash(where!))).toEqual(where);
    const odd = { subscriptionId: 's', resourceGroup: 'rg (1)', gallery: 'g', image: 'a/b%c', version: '1.0.0' };
    expect(parseVersionHash(versionHash(odd))).toEqual(odd);
    expect(versionLocation(id.replace('/providers/Microsoft.Compute/', '/providers/microsoft.compute/'))?.image).toBe(
      'web',
    );
  });

  it('refuses what is not a version', () => {
    expect(versionLocation(IMAGE)).toBeUndefined();
    expect(parseVersionHash('#/catalog')).toBeUndefined();
    expect(parseVersionHash('#/advice')).toBeUndefined();
    expect(
      parseVersionHash('#/catalog/subscriptions/s/resourceGroups/rg/galleries/g/images/i/versions/%E0%A4%A'),
    ).toBeUndefined();
  });
});

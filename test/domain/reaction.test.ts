import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  affectsReaction,
  DEFAULT_AUTO_ROLL,
  latestChanges,
  latestWith,
  readyRegions,
  rollDecision,
  rollJobChoice,
  rollOrdinal,
  type ExistingRoll,
  type LatestPointers,
} from '../../shared/domain/reaction.js';
import { latestVersion } from '../../shared/domain/latest.js';
import type { ImageVersionRecord, RegionalReplicationState } from '../../shared/domain/records.js';

const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const NOW = new Date('2026-11-24T12:00:00Z');

interface Spec {
  state?: string;
  exclude?: boolean;
  regions?: { region: string; state?: RegionalReplicationState; exclude?: boolean }[];
}
function rec(version: string, spec: Spec = {}): ImageVersionRecord {
  const regions = spec.regions ?? [{ region: 'westeurope' }, { region: 'eastus' }];
  return {
    ref: {
      level: 'version',
      subscriptionId: SUB,
      resourceGroup: 'rg-images',
      gallery: 'corpGallery',
      image: 'ubuntu',
      version,
    },
    id: `/subscriptions/${SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu/versions/${version}`,
    location: 'westeurope',
    tags: {},
    provisioningState: spec.state ?? 'Succeeded',
    excludeFromLatest: spec.exclude ?? false,
    replicationMode: 'Full',
    replicaCount: 1,
    storageAccountType: 'Standard_LRS',
    source: { kind: 'none' },
    dataDiskCount: 0,
    safetyProfile: {},
    replicationStatusReported: true,
    aggregatedReplicationState: 'Completed',
    targetRegions: regions.map((r) => ({
      region: r.region,
      displayName: r.region,
      replicaCount: 1,
      storageAccountType: 'Standard_LRS',
      ...(r.exclude === undefined ? {} : { excludeFromLatest: r.exclude }),
      replicationState: r.state ?? 'Completed',
    })),
  };
}

describe('latest with one changed version', () => {
  it('takes the changed version when it is eligible and newer, otherwise the newest other', () => {
    const changed = rec('1.11.0', { regions: [{ region: 'westeurope' }, { region: 'eastus', state: 'Replicating' }] });
    expect(latestWith({ westeurope: '1.10.0', eastus: '1.10.0' }, changed, ['eastus', 'westeurope'], NOW)).toEqual({
      westeurope: '1.11.0',
      eastus: '1.10.0',
    });
    expect(latestWith({ westeurope: '1.12.0' }, changed, ['westeurope'], NOW)).toEqual({ westeurope: '1.12.0' });
    expect(latestWith({}, undefined, ['westeurope'], NOW)).toEqual({});
    expect(latestWith({}, rec('2.0.0', { exclude: true }), ['westeurope'], NOW)).toEqual({});
  });

  it('equals latestVersion over all the versions, whichever one changed (property)', () => {
    const version = fc.record({
      v: fc.tuple(fc.nat(3), fc.nat(12), fc.nat(3)).map(([a, b, c]) => `${a}.${b}.${c}`),
      state: fc.constantFrom('Succeeded', 'Failed', 'Creating'),
      exclude: fc.boolean(),
      we: fc.constantFrom<RegionalReplicationState>('Completed', 'Replicating', 'Failed'),
      weExclude: fc.option(fc.boolean(), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(version, { selector: (x) => x.v, minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.boolean(),
        (specs, pick, deleted) => {
          const all = specs.map((s) =>
            rec(s.v, {
              state: s.state,
              exclude: s.exclude,
              regions: [
                { region: 'westeurope', state: s.we, ...(s.weExclude === undefined ? {} : { exclude: s.weExclude }) },
              ],
            }),
          );
          const changed = all[pick % all.length]!;
          const others = all.filter((v) => v !== changed);
          const stored = latestVersion(others, 'westeurope', { now: NOW }).version?.ref.version;
          const after = latestWith(
            stored ? { westeurope: stored } : {},
            deleted ? undefined : changed,
            ['westeurope'],
            NOW,
          );
          expect(after.westeurope).toBe(
            latestVersion(deleted ? others : all, 'westeurope', { now: NOW }).version?.ref.version,
          );
        },
      ),
    );
  });
});

describe('latest changes', () => {
  const we = (state: RegionalReplicationState = 'Completed', exclude?: boolean) => [
    { region: 'westeurope', state, ...(exclude === undefined ? {} : { exclude }) },
  ];

  it('a newer version ready: newVersionReady, with previous and new', () => {
    const versions = [rec('1.10.0', { regions: we() }), rec('1.11.0', { regions: we() })];
    expect(latestChanges({ westeurope: '1.10.0' }, { westeurope: '1.11.0' }, versions, NOW)).toEqual([
      { region: 'westeurope', previousVersion: '1.10.0', newVersion: '1.11.0', cause: 'newVersionReady' },
    ]);
  });

  it('a first latest in a region: newVersionReady without previous', () => {
    expect(latestChanges({}, { eastus: '1.0.0' }, [rec('1.0.0')], NOW)).toEqual([
      { region: 'eastus', newVersion: '1.0.0', cause: 'newVersionReady' },
    ]);
  });

  it('the previous latest excluded (globally or in the region): versionExcluded', () => {
    const global = [rec('1.10.0', { regions: we() }), rec('1.11.0', { exclude: true, regions: we() })];
    expect(latestChanges({ westeurope: '1.11.0' }, { westeurope: '1.10.0' }, global, NOW)).toEqual([
      { region: 'westeurope', previousVersion: '1.11.0', newVersion: '1.10.0', cause: 'versionExcluded' },
    ]);
    const regional = [rec('1.10.0', { regions: we() }), rec('1.11.0', { regions: we('Completed', true) })];
    expect(latestChanges({ westeurope: '1.11.0' }, { westeurope: '1.10.0' }, regional, NOW)[0]?.cause).toBe(
      'versionExcluded',
    );
  });

  it('the previous latest deleted: versionDeleted', () => {
    expect(latestChanges({ westeurope: '1.11.0' }, { westeurope: '1.10.0' }, [rec('1.10.0')], NOW)[0]?.cause).toBe(
      'versionDeleted',
    );
  });

  it('the previous latest failed to replicate there: replicationFailed', () => {
    const versions = [rec('1.10.0', { regions: we() }), rec('1.11.0', { regions: we('Failed') })];
    expect(latestChanges({ westeurope: '1.11.0' }, { westeurope: '1.10.0' }, versions, NOW)[0]?.cause).toBe(
      'replicationFailed',
    );
  });

  it('the previous latest no longer deployable otherwise (provisioning, region dropped): versionNotDeployable; no latest left: no newVersion', () => {
    const versions = [rec('1.11.0', { state: 'Updating', regions: we() })];
    expect(latestChanges({ westeurope: '1.11.0' }, {}, versions, NOW)).toEqual([
      { region: 'westeurope', previousVersion: '1.11.0', cause: 'versionNotDeployable' },
    ]);
    expect(
      latestChanges({ westeurope: '1.11.0' }, {}, [rec('1.11.0', { regions: [{ region: 'eastus' }] })], NOW)[0]?.cause,
    ).toBe('versionNotDeployable');
  });

  it('nothing when no pointer moved', () => {
    expect(latestChanges({ westeurope: '1.0.0' }, { westeurope: '1.0.0' }, [rec('1.0.0')], NOW)).toEqual([]);
  });

  it('one change per region that moved, in region order (property)', () => {
    const pointers = fc.dictionary(
      fc.constantFrom('westeurope', 'eastus', 'northeurope'),
      fc.constantFrom('1.0.0', '1.1.0', '2.0.0'),
    );
    fc.assert(
      fc.property(pointers, pointers, (before: LatestPointers, after: LatestPointers) => {
        const changes = latestChanges(before, after, [rec('1.0.0'), rec('1.1.0'), rec('2.0.0')], NOW);
        const moved = [...new Set([...Object.keys(before), ...Object.keys(after)])]
          .filter((r) => before[r] !== after[r])
          .sort();
        expect(changes.map((c) => c.region)).toEqual(moved);
        for (const c of changes) expect([c.previousVersion, c.newVersion]).toEqual([before[c.region], after[c.region]]);
      }),
    );
  });
});

describe('ready regions', () => {
  it('lists the regions where the version just became deployable', () => {
    const replicating = rec('1.11.0', {
      regions: [
        { region: 'westeurope', state: 'Replicating' },
        { region: 'eastus', state: 'Replicating' },
      ],
    });
    const weDone = rec('1.11.0', { regions: [{ region: 'westeurope' }, { region: 'eastus', state: 'Replicating' }] });
    const allDone = rec('1.11.0');
    expect(readyRegions(undefined, replicating, NOW)).toEqual([]);
    expect(readyRegions(replicating, weDone, NOW)).toEqual(['westeurope']);
    expect(readyRegions(weDone, allDone, NOW)).toEqual(['eastus']);
    expect(readyRegions(allDone, allDone, NOW)).toEqual([]);
    expect(readyRegions(undefined, allDone, NOW)).toEqual(['eastus', 'westeurope']);
  });

  it('counts an excluded version as ready (deployable; only latest skips it)', () => {
    expect(readyRegions(undefined, rec('1.0.0', { exclude: true, regions: [{ region: 'westeurope' }] }), NOW)).toEqual([
      'westeurope',
    ]);
  });
});

describe('whether a write can move latest', () => {
  const replicating = rec('1.11.0', { regions: [{ region: 'westeurope', state: 'Replicating' }] });
  const done = rec('1.11.0', { regions: [{ region: 'westeurope' }] });
  it('yes when deployability or eligibility changes somewhere, or the version appears or goes', () => {
    expect(affectsReaction(replicating, done, NOW)).toBe(true);
    expect(affectsReaction(done, rec('1.11.0', { exclude: true, regions: [{ region: 'westeurope' }] }), NOW)).toBe(
      true,
    );
    expect(affectsReaction(undefined, done, NOW)).toBe(true);
    expect(affectsReaction(done, undefined, NOW)).toBe(true);
    expect(
      affectsReaction(done, rec('1.11.0', { regions: [{ region: 'westeurope' }, { region: 'eastus' }] }), NOW),
    ).toBe(true);
  });
  it('no for a re-read or progress that changes neither', () => {
    expect(affectsReaction(done, done, NOW)).toBe(false);
    expect(affectsReaction(replicating, replicating, NOW)).toBe(false);
    expect(affectsReaction(undefined, replicating, NOW)).toBe(false);
    expect(affectsReaction(undefined, undefined, NOW)).toBe(false);
  });
});

describe('roll decision', () => {
  const group = { specVersion: 'latest', region: 'westeurope', currentVersion: '1.10.0', policy: DEFAULT_AUTO_ROLL };
  const change = { region: 'westeurope', newVersion: '1.11.0' };

  it('rolls a group on latest in the region, at once without soak', () => {
    expect(rollDecision(group, change, NOW, false)).toEqual({ roll: true, notBefore: NOW });
    expect(rollDecision({ ...group, specVersion: 'LATEST' }, change, NOW, false).roll).toBe(true);
  });

  it('delays by the soak', () => {
    expect(rollDecision({ ...group, policy: { ...DEFAULT_AUTO_ROLL, soakMinutes: 30 } }, change, NOW, false)).toEqual({
      roll: true,
      notBefore: new Date(NOW.getTime() + 30 * 60_000),
    });
  });

  it.each([
    ['pinned', { ...group, specVersion: '1.10.0' }, change, false],
    ['other-region', { ...group, region: 'eastus' }, change, false],
    ['disabled', { ...group, policy: { ...DEFAULT_AUTO_ROLL, enabled: false } }, change, false],
    ['paused', { ...group, policy: { ...DEFAULT_AUTO_ROLL, paused: true } }, change, false],
    ['definition-paused', group, change, true],
    ['no-latest', group, { region: 'westeurope' }, false],
    ['already-on-version', { ...group, currentVersion: '1.11.0' }, change, false],
  ] as const)('does not roll: %s', (reason, g, c, paused) => {
    expect(rollDecision(g, c, NOW, paused)).toEqual({ roll: false, reason });
  });

  it('rolls back down on a recall (the new latest is lower)', () => {
    expect(
      rollDecision({ ...group, currentVersion: '1.11.0' }, { region: 'westeurope', newVersion: '1.10.0' }, NOW, false)
        .roll,
    ).toBe(true);
  });
});

describe('roll job choice', () => {
  const base = 'roll:0123456789abcdef:1.11.0';
  const job = (jobId: string, status: ExistingRoll['status']): ExistingRoll => ({ jobId, status });

  it('ranks the rolls of a group to one version, and nothing else', () => {
    expect(rollOrdinal(base, base)).toBe(0);
    expect(rollOrdinal(base, `${base}:1`)).toBe(1);
    expect(rollOrdinal(base, `${base}:12`)).toBe(12);
    for (const other of [
      'roll:0123456789abcdef:1.11.01',
      'roll:0123456789abcdef:1.11',
      `${base}:0`,
      `${base}:01`,
      `${base}:x`,
      `${base}:1:2`,
      `${base}:`,
    ])
      expect(rollOrdinal(base, other)).toBeUndefined();
  });

  it('the first roll to a version: the base id, whatever latest is', () => {
    expect(rollJobChoice(base, '1.11.0', [], '1.11.0')).toEqual({ kind: 'create', jobId: base });
    expect(rollJobChoice(base, '1.11.0', [], undefined)).toEqual({ kind: 'create', jobId: base });
    expect(rollJobChoice(base, '1.11.0', [job('roll:0123456789abcdef:1.11.01', 'succeeded')], '1.11.0')).toEqual({
      kind: 'create',
      jobId: base,
    });
  });

  it('a roll still queued is sent again (the queue drops the duplicate); one running is left alone', () => {
    expect(rollJobChoice(base, '1.11.0', [job(base, 'queued')], '1.11.0')).toEqual({ kind: 'resend', jobId: base });
    expect(rollJobChoice(base, '1.11.0', [job(base, 'succeeded'), job(`${base}:1`, 'queued')], '1.11.0')).toEqual({
      kind: 'resend',
      jobId: `${base}:1`,
    });
    expect(rollJobChoice(base, '1.11.0', [job(base, 'running')], '1.11.0')).toEqual({ kind: 'none' });
  });

  it('back to a version rolled to before, now latest: a new roll, numbered after the newest', () => {
    expect(rollJobChoice(base, '1.11.0', [job(base, 'succeeded')], '1.11.0')).toEqual({
      kind: 'create',
      jobId: `${base}:1`,
    });
    expect(rollJobChoice(base, '1.11.0', [job(`${base}:1`, 'succeeded'), job(base, 'succeeded')], '1.11.0')).toEqual({
      kind: 'create',
      jobId: `${base}:2`,
    });
    expect(rollJobChoice(base, '1.11.0', [job(base, 'failed'), job(`${base}:1`, 'succeeded')], '1.11.0')).toEqual({
      kind: 'create',
      jobId: `${base}:2`,
    });
  });

  it('a stale replay (the version no longer latest), or a last roll that failed for this very change: nothing', () => {
    expect(rollJobChoice(base, '1.11.0', [job(base, 'succeeded')], '1.12.0')).toEqual({ kind: 'none' });
    expect(rollJobChoice(base, '1.11.0', [job(base, 'succeeded')], undefined)).toEqual({ kind: 'none' });
    expect(rollJobChoice(base, '1.11.0', [job(base, 'failed')], '1.11.0')).toEqual({ kind: 'none' });
    expect(rollJobChoice(base, '1.11.0', [job(base, 'succeeded'), job(`${base}:1`, 'deadLettered')], '1.11.0')).toEqual(
      { kind: 'none' },
    );
    const failedAt = { submittedAt: '2026-11-20T10:00:05Z' };
    expect(
      rollJobChoice(base, '1.11.0', [{ ...job(base, 'failed'), ...failedAt }], '1.11.0', '2026-11-20T10:00:00Z'),
    ).toEqual({ kind: 'none' });
    expect(
      rollJobChoice(base, '1.11.0', [{ ...job(base, 'failed'), ...failedAt }], '1.12.0', '2026-11-21T10:00:00Z'),
    ).toEqual({ kind: 'none' });
    expect(
      rollJobChoice(base, '1.11.0', [{ ...job(base, 'running'), ...failedAt }], '1.11.0', '2026-11-21T10:00:00Z'),
    ).toEqual({ kind: 'none' });
  });

  it('a version whose last roll failed before this change of latest (it went and came back): a new roll', () => {
    const early = { submittedAt: '2026-11-20T10:00:05Z' };
    const later = '2026-11-21T09:00:00Z';
    expect(rollJobChoice(base, '1.11.0', [{ ...job(base, 'failed'), ...early }], '1.11.0', later)).toEqual({
      kind: 'create',
      jobId: `${base}:1`,
    });
    expect(rollJobChoice(base, '1.11.0', [{ ...job(base, 'deadLettered'), ...early }], '1.11.0', later)).toEqual({
      kind: 'create',
      jobId: `${base}:1`,
    });
    // A finished record may keep only its start time.
    expect(
      rollJobChoice(
        base,
        '1.11.0',
        [job(base, 'succeeded'), { ...job(`${base}:1`, 'failed'), startedAt: early.submittedAt }],
        '1.11.0',
        later,
      ),
    ).toEqual({ kind: 'create', jobId: `${base}:2` });
    // Without the times the choice cannot tell: nothing, as before.
    expect(rollJobChoice(base, '1.11.0', [job(base, 'failed')], '1.11.0', later)).toEqual({ kind: 'none' });
  });

  it('the choice depends on the stored rolls only, not on the order they are read in', () => {
    const statuses: ExistingRoll['status'][] = ['queued', 'running', 'succeeded', 'failed', 'deadLettered'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...statuses), { maxLength: 5 }),
        fc.constantFrom('1.11.0', '1.12.0', undefined),
        (list, latest) => {
          const existing = list.map((s, n) => job(n === 0 ? base : `${base}:${n}`, s));
          const a = rollJobChoice(base, '1.11.0', existing, latest);
          expect(rollJobChoice(base, '1.11.0', [...existing].reverse(), latest)).toEqual(a);
          if (a.kind !== 'none')
            expect(rollOrdinal(base, a.jobId)).toBe(a.kind === 'create' ? list.length : list.length - 1);
        },
      ),
    );
  });

  it('every duplicate of one change names the same job: the very job the first delivery created while it is queued (soaking or not), nothing once it runs', () => {
    const changedAt = '2026-11-21T09:00:00Z';
    const earlier = '2026-11-20T10:00:00Z';
    const later = '2026-11-21T09:00:01Z';
    const finished: ExistingRoll['status'][] = ['succeeded', 'failed', 'deadLettered'];
    fc.assert(
      fc.property(
        // earlier rolls to the target (finished before this change), by ordinal, in any order and with gaps
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom(...finished)), {
          maxLength: 4,
          selector: ([n]) => n,
        }),
        fc.constantFrom('1.11.0', '1.12.0', undefined),
        (history, latest) => {
          const existing: ExistingRoll[] = history.map(([n, status]) => ({
            jobId: n === 0 ? base : `${base}:${n}`,
            status,
            submittedAt: earlier,
          }));
          const first = rollJobChoice(base, '1.11.0', existing, latest, changedAt);
          // A duplicate read before the first delivery stored its job: the same answer.
          expect(rollJobChoice(base, '1.11.0', [...existing].reverse(), latest, changedAt)).toEqual(first);
          if (first.kind === 'none') return;
          expect(first.kind).toBe('create');
          // The id is new: no earlier roll has it.
          expect(existing.map((e) => e.jobId)).not.toContain(first.jobId);
          for (const [status, expected] of [
            ['queued', { kind: 'resend', jobId: first.jobId }],
            ['running', { kind: 'none' }],
          ] as const) {
            const after: ExistingRoll[] = [...existing, { jobId: first.jobId, status, submittedAt: later }];
            for (const order of [after, [...after].reverse()]) {
              const again = rollJobChoice(base, '1.11.0', order, latest, changedAt);
              expect(again).toEqual(expected);
              // identity, not only the rank: the job named is the one stored, by its exact id
              if (again.kind !== 'none') expect(after.filter((e) => e.jobId === again.jobId)).toEqual([after.at(-1)]);
            }
          }
        },
      ),
    );
  });
});

describe('roll ids and decisions: edges', () => {
  const base = 'roll:0123456789abcdef:1.11.0';
  it('an ordinal is a whole number after the base and a colon, and nothing else', () => {
    expect(rollOrdinal(base, base)).toBe(0);
    expect(rollOrdinal(base, `${base}:12`)).toBe(12);
    for (const id of [
      `${base}:0`,
      `${base}:01`,
      `${base}:x`,
      `${base}:`,
      `${base}1`,
      `${base}x:1`,
      `roll:0123456789abcdef:1.11.01`,
      'other',
    ])
      expect(rollOrdinal(base, id), id).toBeUndefined();
  });

  it('a group not resolved to a version yet rolls; one on the version does not', () => {
    const policy = DEFAULT_AUTO_ROLL;
    const at = new Date('2026-11-24T12:00:00Z');
    expect(
      rollDecision(
        { specVersion: 'latest', region: 'westeurope', policy },
        { region: 'westeurope', newVersion: '1.11.0' },
        at,
        false,
      ),
    ).toEqual({ roll: true, notBefore: at });
    expect(
      rollDecision(
        { specVersion: 'LATEST', region: 'westeurope', currentVersion: '1.11.0', policy },
        { region: 'westeurope', newVersion: '1.11.0' },
        at,
        false,
      ),
    ).toEqual({ roll: false, reason: 'already-on-version' });
    expect(
      rollDecision(
        {
          specVersion: 'latest',
          region: 'westeurope',
          currentVersion: '1.10.0',
          policy: { ...policy, soakMinutes: 30 },
        },
        { region: 'westeurope', newVersion: '1.11.0' },
        at,
        false,
      ),
    ).toEqual({ roll: true, notBefore: new Date('2026-11-24T12:30:00Z') });
  });

  it('a failed roll created at the very time of the change is not before it: nothing', () => {
    const at = '2026-11-21T09:00:00Z';
    expect(rollJobChoice(base, '1.11.0', [{ jobId: base, status: 'failed', submittedAt: at }], '1.11.0', at)).toEqual({
      kind: 'none',
    });
    expect(
      rollJobChoice(
        base,
        '1.11.0',
        [{ jobId: base, status: 'failed', submittedAt: '2026-11-21T08:59:59Z' }],
        '1.11.0',
        at,
      ),
    ).toEqual({ kind: 'create', jobId: `${base}:1` });
  });
});

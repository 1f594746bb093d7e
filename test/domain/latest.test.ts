import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  deployability,
  isBlocking,
  latestVersion,
  needsRecheck,
  type Reason,
  type ReasonCode,
} from '../../shared/domain/latest.js';
import {
  imageDefinitionRecordFrom,
  imageVersionRecordFrom,
  type ImageDefinitionRecord,
  type ImageVersionRecord,
  type RegionalReplicationState,
  type ReplicationMode,
} from '../../shared/domain/records.js';
import { compareVersions } from '../../shared/domain/versions.js';
import { flatImage, flatVersion, loadFixture } from './arm-fixtures.js';

const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const NOW = new Date('2026-11-24T12:00:00Z');

const DISPLAY: Record<string, string> = { westeurope: 'West Europe', eastus: 'East US', northeurope: 'North Europe' };

interface RegionSpec {
  readonly region: string;
  readonly state?: RegionalReplicationState;
  readonly exclude?: boolean;
  readonly details?: string;
  readonly progress?: number;
}
interface VersionSpec {
  readonly state?: string;
  readonly exclude?: boolean;
  readonly regions?: readonly RegionSpec[];
  readonly mode?: ReplicationMode;
  readonly eol?: string;
  readonly reported?: boolean;
}

/** An image version record built directly (the mapper is tested in records.test.ts). */
function rec(version: string, spec: VersionSpec = {}): ImageVersionRecord {
  const regions = spec.regions ?? [{ region: 'westeurope' }];
  return {
    ref: {
      level: 'version',
      subscriptionId: SUB,
      resourceGroup: 'rg-images',
      gallery: 'corpGallery',
      image: 'ubuntu-2204-base',
      version,
    },
    id: `/subscriptions/${SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-2204-base/versions/${version}`,
    location: 'westeurope',
    tags: {},
    provisioningState: spec.state ?? 'Succeeded',
    excludeFromLatest: spec.exclude ?? false,
    ...(spec.eol === undefined ? {} : { endOfLifeDate: spec.eol }),
    replicationMode: spec.mode ?? 'Full',
    replicaCount: 1,
    storageAccountType: 'Standard_LRS',
    source: { kind: 'none' },
    dataDiskCount: 0,
    safetyProfile: {},
    replicationStatusReported: spec.reported ?? true,
    aggregatedReplicationState: 'Completed',
    targetRegions: regions.map((r) => ({
      region: r.region,
      displayName: DISPLAY[r.region] ?? r.region,
      replicaCount: 1,
      storageAccountType: 'Standard_LRS',
      ...(r.exclude === undefined ? {} : { excludeFromLatest: r.exclude }),
      replicationState: r.state ?? 'Completed',
      ...(r.details === undefined ? {} : { replicationDetails: r.details }),
      ...(r.progress === undefined ? {} : { progress: r.progress }),
    })),
  };
}

const codes = (reasons: readonly Reason[]): ReasonCode[] => reasons.map((r) => r.code);

const fixture = (name: string): ImageVersionRecord => imageVersionRecordFrom(flatVersion(loadFixture(name)));
const FIXTURE_VERSIONS = [
  'image-version-completed.json', // 1.9.0: complete everywhere
  'image-version-replicating.json', // 1.10.0: complete in West Europe, replicating to East US
  'image-version-regional-exclude.json', // 1.11.0: excluded in West Europe only
  'image-version-failed.json', // 1.12.0: provisioning and replication failed
  'image-version-excluded-global.json', // 2.0.0: excluded globally
  'image-version-shallow-eol.json', // 1.2.0: shallow, past EOL, West Europe only
].map(fixture);

describe('deployability', () => {
  it('a succeeded, replicated, not excluded version is deployable and eligible', () => {
    expect(deployability(rec('1.0.0'), 'westeurope', { now: NOW })).toEqual({
      region: 'westeurope',
      deployable: true,
      eligibleForLatest: true,
      reasons: [],
      warnings: [],
    });
  });

  it('provisioning failed → not deployable', () => {
    const d = deployability(rec('1.0.0', { state: 'Failed' }), 'westeurope');
    expect(d.deployable).toBe(false);
    expect(d.eligibleForLatest).toBe(false);
    expect(codes(d.reasons)).toEqual(['provisioning-failed']);
  });

  it.each(['Creating', 'Updating', 'Migrating', 'Deleting'])('provisioning %s → provisioning-in-progress', (state) => {
    const d = deployability(rec('1.0.0', { state }), 'westeurope');
    expect(d.deployable).toBe(false);
    expect(codes(d.reasons)).toEqual(['provisioning-in-progress']);
    expect(d.reasons[0]?.message).toContain(state);
  });

  it('an unreported or unknown provisioning state is not Succeeded → not deployable', () => {
    expect(codes(deployability(rec('1.0.0', { state: 'Unknown' }), 'westeurope').reasons)).toEqual([
      'provisioning-unknown',
    ]);
    expect(codes(deployability(rec('1.0.0', { state: 'Canceled' }), 'westeurope').reasons)).toEqual([
      'provisioning-unknown',
    ]);
  });

  it('matches provisioning states in any case', () => {
    expect(deployability(rec('1.0.0', { state: 'succeeded' }), 'westeurope').deployable).toBe(true);
    expect(codes(deployability(rec('1.0.0', { state: 'FAILED' }), 'westeurope').reasons)).toEqual([
      'provisioning-failed',
    ]);
  });

  it('region not among the target regions → not-targeted', () => {
    const d = deployability(rec('1.0.0', { regions: [{ region: 'westeurope' }, { region: 'eastus' }] }), 'northeurope');
    expect(d.deployable).toBe(false);
    expect(codes(d.reasons)).toEqual(['not-targeted']);
    expect(d.reasons[0]?.message).toMatch(/northeurope.*westeurope, eastus/);
  });

  it('an empty region is never targeted', () => {
    expect(codes(deployability(rec('1.0.0'), '  ').reasons)).toEqual(['not-targeted']);
  });

  it('replication still running in the region → replication-in-progress, with the progress', () => {
    const d = deployability(
      rec('1.0.0', { regions: [{ region: 'eastus', state: 'Replicating', progress: 41 }] }),
      'eastus',
    );
    expect(d.deployable).toBe(false);
    expect(codes(d.reasons)).toEqual(['replication-in-progress']);
    expect(d.reasons[0]?.message).toContain('41%');
  });

  it('replication state Unknown in the region → replication-in-progress', () => {
    const d = deployability(rec('1.0.0', { regions: [{ region: 'eastus', state: 'Unknown' }] }), 'eastus');
    expect(codes(d.reasons)).toEqual(['replication-in-progress']);
    expect(d.reasons[0]?.message).toMatch(/unknown/);
  });

  it('replication status not fetched → replication-in-progress, saying so', () => {
    const d = deployability(
      rec('1.0.0', { reported: false, regions: [{ region: 'eastus', state: 'Unknown' }] }),
      'eastus',
    );
    expect(codes(d.reasons)).toEqual(['replication-in-progress']);
    expect(d.reasons[0]?.message).toMatch(/\$expand=ReplicationStatus/);
  });

  it('aggregated InProgress without an entry for the region → replication-in-progress (via the mapper)', () => {
    const r = imageVersionRecordFrom({
      id: rec('1.0.0').id,
      location: 'westeurope',
      provisioningState: 'Succeeded',
      publishingProfile: { targetRegions: [{ name: 'West Europe' }, { name: 'East US' }] },
      replicationStatus: { aggregatedState: 'InProgress', summary: [{ region: 'West Europe', state: 'Completed' }] },
    });
    expect(deployability(r, 'westeurope').deployable).toBe(true);
    expect(codes(deployability(r, 'eastus').reasons)).toEqual(['replication-in-progress']);
  });

  it('replication failed in the region → replication-failed, with the details', () => {
    const d = deployability(
      rec('1.0.0', { regions: [{ region: 'westeurope', state: 'Failed', details: 'Source disk could not be read' }] }),
      'westeurope',
    );
    expect(d.deployable).toBe(false);
    expect(codes(d.reasons)).toEqual(['replication-failed']);
    expect(d.reasons[0]?.message).toContain('Source disk could not be read');
  });

  it('replication elsewhere does not matter', () => {
    const v = rec('1.0.0', { regions: [{ region: 'westeurope' }, { region: 'eastus', state: 'Failed' }] });
    expect(deployability(v, 'westeurope').eligibleForLatest).toBe(true);
  });

  it('lists every blocking reason at once', () => {
    const d = deployability(
      rec('1.0.0', { state: 'Failed', exclude: true, regions: [{ region: 'westeurope', state: 'Failed' }] }),
      'westeurope',
    );
    expect(codes(d.reasons)).toEqual(['provisioning-failed', 'replication-failed', 'excluded-global']);
  });

  describe('excludeFromLatest', () => {
    it('global exclude: deployable when asked for explicitly, but not eligible for latest', () => {
      const d = deployability(rec('1.0.0', { exclude: true }), 'westeurope');
      expect(d.deployable).toBe(true);
      expect(d.eligibleForLatest).toBe(false);
      expect(codes(d.reasons)).toEqual(['excluded-global']);
    });

    it('regional exclude (true) overrides global false', () => {
      const d = deployability(
        rec('1.0.0', { exclude: false, regions: [{ region: 'westeurope', exclude: true }, { region: 'eastus' }] }),
        'westeurope',
      );
      expect(d.deployable).toBe(true);
      expect(d.eligibleForLatest).toBe(false);
      expect(codes(d.reasons)).toEqual(['excluded-regional']);
      expect(d.reasons[0]?.message).toContain('West Europe');
    });

    it("a regional false never re-admits a globally excluded version (it is ARM's default echo)", () => {
      const v = rec('1.0.0', {
        exclude: true,
        regions: [{ region: 'westeurope', exclude: false }, { region: 'eastus' }],
      });
      expect(deployability(v, 'westeurope').deployable).toBe(true);
      expect(codes(deployability(v, 'westeurope').reasons)).toEqual(['excluded-global']);
      expect(codes(deployability(v, 'eastus').reasons)).toEqual(['excluded-global']);
    });

    it('regional true with global true reports both reasons', () => {
      const d = deployability(
        rec('1.0.0', { exclude: true, regions: [{ region: 'westeurope', exclude: true }] }),
        'westeurope',
      );
      expect(codes(d.reasons)).toEqual(['excluded-global', 'excluded-regional']);
    });

    // The whole truth table: excluded in R iff global OR regional(R) is true; an absent regional flag is false.
    for (const global of [false, true]) {
      for (const regional of [undefined, false, true]) {
        const excluded = global || regional === true;
        it(`global ${global}, regional ${String(regional)} → ${excluded ? 'excluded' : 'eligible'}`, () => {
          const v = rec('1.0.0', {
            exclude: global,
            regions: [
              { region: 'westeurope', ...(regional === undefined ? {} : { exclude: regional }) },
              { region: 'eastus', exclude: false },
            ],
          });
          expect(deployability(v, 'westeurope').eligibleForLatest).toBe(!excluded);
          expect(deployability(v, 'eastus').eligibleForLatest).toBe(!global);
        });
      }
    }

    it('a region with no flag and global false is eligible', () => {
      expect(deployability(rec('1.0.0', { regions: [{ region: 'westeurope' }] }), 'westeurope').eligibleForLatest).toBe(
        true,
      );
    });
  });

  describe('regions by display name or canonical name', () => {
    it('"West Europe", "westeurope" and "WESTEUROPE" are the same region', () => {
      const v = fixture('image-version-replicating.json');
      const canonical = deployability(v, 'westeurope', { now: NOW });
      expect(deployability(v, 'West Europe', { now: NOW })).toEqual(canonical);
      expect(deployability(v, ' WEST europe ', { now: NOW })).toEqual(canonical);
      expect(canonical.deployable).toBe(true);
      expect(deployability(v, 'East US').deployable).toBe(false);
    });
  });

  describe('warnings never block', () => {
    it('a version past its end-of-life date is still deployable and eligible, with a warning', () => {
      const d = deployability(rec('1.0.0', { eol: '2026-01-01T00:00:00.000Z' }), 'westeurope', { now: NOW });
      expect(d.deployable).toBe(true);
      expect(d.eligibleForLatest).toBe(true);
      expect(codes(d.warnings)).toEqual(['end-of-life']);
      expect(d.warnings[0]?.message).toMatch(/its end-of-life date \(2026-01-01/);
    });

    it('an end-of-life date exactly now counts as passed', () => {
      expect(
        codes(deployability(rec('1.0.0', { eol: NOW.toISOString() }), 'westeurope', { now: NOW }).warnings),
      ).toEqual(['end-of-life']);
    });

    it('an end-of-life date in the future gives no warning', () => {
      expect(
        deployability(rec('1.0.0', { eol: '2027-01-01T00:00:00.000Z' }), 'westeurope', { now: NOW }).warnings,
      ).toEqual([]);
    });

    it("falls back to the image definition's default end-of-life date when the version has none", () => {
      const image: ImageDefinitionRecord = imageDefinitionRecordFrom(
        flatImage(loadFixture('image-definition-windows-specialized.json')),
      );
      expect(image.endOfLifeDate).toBe('2025-01-01T00:00:00.000Z');
      const d = deployability(rec('1.0.0'), 'westeurope', { now: NOW, image });
      expect(d.eligibleForLatest).toBe(true);
      expect(codes(d.warnings)).toEqual(['end-of-life']);
      expect(d.warnings[0]?.message).toMatch(/image definition/);
    });

    it("the version's own end-of-life date takes precedence over the definition's", () => {
      const image = {
        ...imageDefinitionRecordFrom(flatImage(loadFixture('image-definition-windows-specialized.json'))),
      };
      expect(
        deployability(rec('1.0.0', { eol: '2030-01-01T00:00:00.000Z' }), 'westeurope', { now: NOW, image }).warnings,
      ).toEqual([]);
    });

    it('no end-of-life warning without any date, and `now` defaults to the clock', () => {
      expect(deployability(rec('1.0.0'), 'westeurope').warnings).toEqual([]);
      expect(codes(deployability(rec('1.0.0', { eol: '2000-01-01T00:00:00.000Z' }), 'westeurope').warnings)).toEqual([
        'end-of-life',
      ]);
    });

    it('shallow replication is a warning', () => {
      const d = deployability(rec('1.0.0', { mode: 'Shallow' }), 'westeurope', { now: NOW });
      expect(d.eligibleForLatest).toBe(true);
      expect(codes(d.warnings)).toEqual(['shallow-replication']);
    });

    it('the shallow, past-EOL fixture carries both warnings and stays deployable (image-version-shallow-eol.json)', () => {
      const d = deployability(fixture('image-version-shallow-eol.json'), 'West Europe', { now: NOW });
      expect(d.eligibleForLatest).toBe(true);
      expect(codes(d.warnings)).toEqual(['end-of-life', 'shallow-replication']);
    });

    it('warning codes are never blocking', () => {
      expect(isBlocking('end-of-life')).toBe(false);
      expect(isBlocking('shallow-replication')).toBe(false);
      expect(isBlocking('excluded-global')).toBe(false);
      expect(isBlocking('not-targeted')).toBe(true);
    });
  });
});

describe('latestVersion', () => {
  it('orders numerically: 1.10.0 beats 1.9.0 (and 1.2.0)', () => {
    const r = latestVersion([rec('1.9.0'), rec('1.10.0'), rec('1.2.0')], 'westeurope', { now: NOW });
    expect(r.version?.ref.version).toBe('1.10.0');
    expect(r.passedOver).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('skips a globally excluded version and says why', () => {
    const r = latestVersion([rec('1.0.0'), rec('2.0.0', { exclude: true })], 'westeurope', { now: NOW });
    expect(r.version?.ref.version).toBe('1.0.0');
    expect(r.passedOver).toEqual([
      { version: '2.0.0', reasons: [expect.objectContaining({ code: 'excluded-global' })] },
    ]);
  });

  it('excluded when the global OR the regional flag is true; a regional false re-admits nothing', () => {
    const versions = [
      rec('1.0.0'),
      rec('2.0.0', {
        exclude: true,
        regions: [
          { region: 'westeurope', exclude: false },
          { region: 'eastus', exclude: false },
        ],
      }),
      rec('3.0.0', {
        exclude: false,
        regions: [
          { region: 'westeurope', exclude: true },
          { region: 'eastus', exclude: false },
        ],
      }),
    ];
    const west = latestVersion(versions, 'westeurope', { now: NOW });
    expect(west.version?.ref.version).toBe('1.0.0');
    expect(west.passedOver.map((p) => [p.version, codes(p.reasons)])).toEqual([
      ['3.0.0', ['excluded-regional']],
      ['2.0.0', ['excluded-global']],
    ]);
    const east = latestVersion(versions, 'eastus', { now: NOW });
    expect(east.version?.ref.version).toBe('3.0.0');
  });

  it('skips a version not replicated to the region', () => {
    const r = latestVersion(
      [rec('1.0.0', { regions: [{ region: 'eastus' }] }), rec('2.0.0', { regions: [{ region: 'westeurope' }] })],
      'eastus',
    );
    expect(r.version?.ref.version).toBe('1.0.0');
    expect(codes(r.passedOver[0]!.reasons)).toEqual(['not-targeted']);
  });

  it('skips versions still replicating or failed in the region, and failed provisioning', () => {
    const r = latestVersion(
      [
        rec('1.0.0'),
        rec('1.1.0', { regions: [{ region: 'westeurope', state: 'Replicating' }] }),
        rec('1.2.0', { regions: [{ region: 'westeurope', state: 'Failed' }] }),
        rec('1.3.0', { state: 'Failed' }),
        rec('1.4.0', { state: 'Creating' }),
      ],
      'westeurope',
    );
    expect(r.version?.ref.version).toBe('1.0.0');
    expect(r.passedOver.map((p) => [p.version, codes(p.reasons)])).toEqual([
      ['1.4.0', ['provisioning-in-progress']],
      ['1.3.0', ['provisioning-failed']],
      ['1.2.0', ['replication-failed']],
      ['1.1.0', ['replication-in-progress']],
    ]);
  });

  it('everything excluded → no version, every version listed with its reasons', () => {
    const r = latestVersion(
      [
        rec('1.0.0', { exclude: true }),
        rec('1.1.0', { regions: [{ region: 'westeurope', exclude: true }] }),
        rec('0.9.0', { exclude: true }),
      ],
      'westeurope',
    );
    expect(r.version).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(r.passedOver.map((p) => [p.version, codes(p.reasons)])).toEqual([
      ['1.1.0', ['excluded-regional']],
      ['1.0.0', ['excluded-global']],
      ['0.9.0', ['excluded-global']],
    ]);
  });

  it('no versions → no version, nothing passed over', () => {
    expect(latestVersion([], 'westeurope')).toEqual({ warnings: [], passedOver: [] });
  });

  it('a version past end of life is still chosen, with the warning', () => {
    const r = latestVersion([rec('1.0.0'), rec('1.1.0', { eol: '2026-01-01T00:00:00.000Z' })], 'westeurope', {
      now: NOW,
    });
    expect(r.version?.ref.version).toBe('1.1.0');
    expect(codes(r.warnings)).toEqual(['end-of-life']);
  });

  it('passes the image definition through for its end-of-life date', () => {
    const image = imageDefinitionRecordFrom(flatImage(loadFixture('image-definition-windows-specialized.json')));
    expect(codes(latestVersion([rec('1.0.0')], 'westeurope', { now: NOW, image }).warnings)).toEqual(['end-of-life']);
  });

  describe('on the fixtures (1.9.0, 1.10.0, 1.11.0, 1.12.0, 2.0.0, 1.2.0)', () => {
    // image-version-excluded-global.json (2.0.0) sets the global flag to true and, as real ARM
    // echoes by default, excludeFromLatest: false on each of its target regions
    // (Azure/azure-rest-api-specs GalleryRP/stable/2023-07-03/examples/galleryExamples/
    // GalleryImageVersion_Get_WithVhdAsSource.json). The regional false is no decision: 2.0.0 is
    // excluded everywhere.
    it('2.0.0 (global true, every regional flag false) is excluded in every region', () => {
      const v200 = fixture('image-version-excluded-global.json');
      expect(v200.excludeFromLatest).toBe(true);
      expect(v200.targetRegions.map((t) => t.excludeFromLatest)).toEqual([false, false]);
      expect(codes(deployability(v200, 'West Europe', { now: NOW }).reasons)).toEqual(['excluded-global']);
      expect(codes(deployability(v200, 'eastus', { now: NOW }).reasons)).toEqual(['excluded-global']);
      expect(latestVersion(FIXTURE_VERSIONS, 'West Europe', { now: NOW }).version?.ref.version).toBe('1.10.0');
    });

    it('2.0.0 without regional flags is excluded globally', () => {
      const v200 = fixture('image-version-excluded-global.json');
      const globalOnly: ImageVersionRecord = {
        ...v200,
        targetRegions: v200.targetRegions.map(({ excludeFromLatest: _drop, ...t }) => t),
      };
      expect(codes(deployability(globalOnly, 'westeurope').reasons)).toEqual(['excluded-global']);
      const others = FIXTURE_VERSIONS.filter((v) => v.ref.version !== '2.0.0');
      const r = latestVersion([...others, globalOnly], 'westeurope', { now: NOW });
      expect(r.version?.ref.version).toBe('1.10.0');
      expect(r.passedOver.map((p) => p.version)).toEqual(['2.0.0', '1.12.0', '1.11.0']);
    });

    const withoutV200 = FIXTURE_VERSIONS.filter((v) => v.ref.version !== '2.0.0');

    it('West Europe without 2.0.0: 1.10.0 (1.12.0 failed, 1.11.0 excluded in West Europe)', () => {
      const r = latestVersion(withoutV200, 'West Europe', { now: NOW });
      expect(r.version?.ref.version).toBe('1.10.0');
      expect(r.passedOver.map((p) => [p.version, codes(p.reasons)])).toEqual([
        ['1.12.0', ['provisioning-failed', 'replication-failed']],
        ['1.11.0', ['excluded-regional']],
      ]);
    });

    it('the canonical name gives the same answer', () => {
      expect(latestVersion(withoutV200, 'westeurope', { now: NOW })).toEqual(
        latestVersion(withoutV200, 'West Europe', { now: NOW }),
      );
    });

    it('East US without 2.0.0: 1.11.0 (its exclude flag is for West Europe only)', () => {
      const r = latestVersion(withoutV200, 'eastus', { now: NOW });
      expect(r.version?.ref.version).toBe('1.11.0');
      expect(r.passedOver.map((p) => p.version)).toEqual(['1.12.0']);
    });

    it('East US without 2.0.0 and 1.11.0: 1.9.0, since 1.10.0 is still replicating there', () => {
      const r = latestVersion(
        withoutV200.filter((v) => v.ref.version !== '1.11.0'),
        'East US',
        { now: NOW },
      );
      expect(r.version?.ref.version).toBe('1.9.0');
      expect(r.passedOver.map((p) => [p.version, codes(p.reasons)])).toEqual([
        ['1.12.0', ['provisioning-failed', 'replication-failed']],
        ['1.10.0', ['replication-in-progress']],
      ]);
    });

    it('North Europe: none, every version not targeted', () => {
      const r = latestVersion(FIXTURE_VERSIONS, 'North Europe', { now: NOW });
      expect(r.version).toBeUndefined();
      expect(r.passedOver.map((p) => p.version)).toEqual(['2.0.0', '1.12.0', '1.11.0', '1.10.0', '1.9.0', '1.2.0']);
      for (const p of r.passedOver) expect(codes(p.reasons)).toContain('not-targeted');
    });

    it('list pages without replication status resolve to nothing until re-read with $expand', () => {
      const records = ['list-versions-page1.json', 'list-versions-page2.json'].flatMap((name) => {
        const page = loadFixture(name) as { value: Parameters<typeof flatVersion>[0][] };
        return page.value.map((item) => imageVersionRecordFrom(flatVersion(item)));
      });
      const r = latestVersion(records, 'westeurope', { now: NOW });
      expect(r.version).toBeUndefined();
      expect(r.passedOver.map((p) => p.version)).toEqual(['1.10.0', '1.9.0', '1.1.0', '1.0.0']);
      expect(records.every(needsRecheck)).toBe(true);
    });
  });
});

describe('needsRecheck', () => {
  it.each([
    ['complete everywhere', rec('1.0.0', { regions: [{ region: 'westeurope' }, { region: 'eastus' }] }), false],
    [
      'replicating to one region',
      rec('1.0.0', { regions: [{ region: 'westeurope' }, { region: 'eastus', state: 'Replicating' }] }),
      true,
    ],
    ['a region in an unknown state', rec('1.0.0', { regions: [{ region: 'eastus', state: 'Unknown' }] }), true],
    [
      'replication failed in a region (settled)',
      rec('1.0.0', { regions: [{ region: 'eastus', state: 'Failed' }] }),
      false,
    ],
    ['Creating', rec('1.0.0', { state: 'Creating' }), true],
    ['Updating', rec('1.0.0', { state: 'Updating' }), true],
    ['Migrating', rec('1.0.0', { state: 'Migrating' }), true],
    ['Deleting', rec('1.0.0', { state: 'Deleting' }), true],
    ['no provisioning state reported', rec('1.0.0', { state: 'Unknown' }), true],
    [
      'provisioning failed (settled)',
      rec('1.0.0', { state: 'Failed', regions: [{ region: 'westeurope', state: 'Unknown' }] }),
      false,
    ],
    ['excluded (settled)', rec('1.0.0', { exclude: true }), false],
  ])('%s → %s', (_name, version, expected) => {
    expect(needsRecheck(version)).toBe(expected);
  });

  it('on the fixtures: only the replicating one needs a re-check', () => {
    expect(FIXTURE_VERSIONS.filter(needsRecheck).map((v) => v.ref.version)).toEqual(['1.10.0']);
  });
});

describe('properties', () => {
  const REGIONS = ['westeurope', 'eastus', 'northeurope'] as const;
  const regionSpec = (region: string): fc.Arbitrary<RegionSpec> =>
    fc.record({
      region: fc.constant(region),
      state: fc.constantFrom<RegionalReplicationState>('Completed', 'Completed', 'Replicating', 'Failed', 'Unknown'),
      exclude: fc.constantFrom(undefined, undefined, true, false),
    });
  const part = fc.integer({ min: 0, max: 12 });
  const versionName = fc.tuple(part, part, part).map((p) => p.join('.'));
  const spec: fc.Arbitrary<VersionSpec> = fc.record({
    state: fc.constantFrom('Succeeded', 'Succeeded', 'Succeeded', 'Failed', 'Creating', 'Updating', 'Unknown'),
    exclude: fc.boolean(),
    regions: fc.subarray([...REGIONS]).chain((rs) => fc.tuple(...rs.map(regionSpec))),
    mode: fc.constantFrom<ReplicationMode>('Full', 'Shallow'),
    eol: fc.constantFrom(undefined, '2020-01-01T00:00:00.000Z', '2099-01-01T00:00:00.000Z'),
  });
  const versionSet = fc
    .uniqueArray(fc.tuple(versionName, spec), { selector: ([name]) => name, maxLength: 12 })
    .map((xs) => xs.map(([name, s]) => rec(name, s)));
  const queryRegion = fc.constantFrom(...REGIONS, 'West Europe', 'EAST US', 'North Europe', 'southindia');

  /** The rule, written independently: succeeded, targeted, replicated there, and not excluded there (regional flag first). */
  const oracleEligible = (v: ImageVersionRecord, region: string): boolean => {
    const where = region.replace(/\s/g, '').toLowerCase();
    const target = v.targetRegions.find((t) => t.region === where);
    if (v.provisioningState !== 'Succeeded' || target === undefined || target.replicationState !== 'Completed')
      return false;
    const excluded = v.excludeFromLatest || target.excludeFromLatest === true;
    return !excluded;
  };

  it('latestVersion equals a brute-force oracle', () => {
    fc.assert(
      fc.property(versionSet, queryRegion, (versions, region) => {
        const eligible = versions.filter((v) => oracleEligible(v, region));
        const best = eligible.reduce<ImageVersionRecord | undefined>(
          (a, v) => (a === undefined || compareVersions(v.ref.version, a.ref.version) > 0 ? v : a),
          undefined,
        );
        const result = latestVersion(versions, region, { now: NOW });
        expect(result.version?.ref.version).toBe(best?.ref.version);
        const higher = versions
          .filter((v) => best === undefined || compareVersions(v.ref.version, best.ref.version) > 0)
          .sort((a, b) => compareVersions(b.ref.version, a.ref.version))
          .map((v) => v.ref.version);
        expect(result.passedOver.map((p) => p.version)).toEqual(higher);
        for (const p of result.passedOver) expect(p.reasons.length).toBeGreaterThan(0);
      }),
    );
  });

  it('eligible ⇔ no reasons; deployable ⇔ no blocking reasons; warnings never block', () => {
    fc.assert(
      fc.property(versionName, spec, queryRegion, (name, s, region) => {
        const d = deployability(rec(name, s), region, { now: NOW });
        expect(d.eligibleForLatest).toBe(d.reasons.length === 0);
        expect(d.deployable).toBe(!d.reasons.some((r) => isBlocking(r.code)));
        expect(d.eligibleForLatest).toBe(oracleEligible(rec(name, s), region));
        const withoutWarnings = deployability(rec(name, { ...s, mode: 'Full', eol: undefined }), region, { now: NOW });
        expect(withoutWarnings.reasons).toEqual(d.reasons);
      }),
    );
  });

  it('exclusion flags never change whether a version is deployable', () => {
    fc.assert(
      fc.property(versionName, spec, queryRegion, (name, s, region) => {
        const cleared = { ...s, exclude: false, regions: (s.regions ?? []).map((r) => ({ ...r, exclude: undefined })) };
        expect(deployability(rec(name, s), region).deployable).toBe(
          deployability(rec(name, cleared), region).deployable,
        );
      }),
    );
  });

  it('the answer does not depend on the input order', () => {
    fc.assert(
      fc.property(
        versionSet.chain((vs) =>
          fc.tuple(fc.constant(vs), fc.shuffledSubarray(vs, { minLength: vs.length, maxLength: vs.length })),
        ),
        queryRegion,
        ([versions, shuffled], region) => {
          expect(latestVersion(shuffled, region, { now: NOW })).toEqual(latestVersion(versions, region, { now: NOW }));
        },
      ),
    );
  });
});

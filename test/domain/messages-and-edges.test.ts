/**
 * Edges and messages of the small domain modules: version texts and sort keys, why a version is
 * not deployable (each reason in words), the token bucket's refill, resource id errors.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidVersionError,
  MAX_VERSION_PART,
  isVersion,
  parseVersion,
  tryParseVersion,
  versionFromSortKey,
  versionSortKey,
} from '../../shared/domain/versions.js';
import { deployability } from '../../shared/domain/latest.js';
import { TokenBucket } from '../../shared/domain/token-bucket.js';
import { InvalidResourceIdError, parseResourceId, tryParseResourceId } from '../../shared/domain/ids.js';
import {
  imageVersionRecordFrom,
  type ImageVersionRecord,
  type TargetRegionRecord,
} from '../../shared/domain/records.js';
import { flatVersion, loadFixture } from './arm-fixtures.js';

const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
};

describe('versions', () => {
  it('says why a text is not a version, quoting at most 40 characters of it', () => {
    const e = thrown(() => parseVersion('1.2'));
    expect(e).toBeInstanceOf(InvalidVersionError);
    expect(e.name).toBe('InvalidVersionError');
    expect(e.message).toBe('Invalid image version "1.2": must be Major.Minor.Patch of whole numbers');
    const long = 'x'.repeat(41);
    expect(thrown(() => parseVersion(long)).message).toBe(
      `Invalid image version "${'x'.repeat(40)}…": must be Major.Minor.Patch of whole numbers`,
    );
    expect(thrown(() => parseVersion('x'.repeat(40))).message).toBe(
      `Invalid image version "${'x'.repeat(40)}": must be Major.Minor.Patch of whole numbers`,
    );
  });

  it('each part at most the largest whole number ARM takes, in every position', () => {
    const big = String(MAX_VERSION_PART + 1);
    for (const text of [`${big}.0.0`, `0.${big}.0`, `0.0.${big}`]) {
      expect(thrown(() => parseVersion(text)).message).toBe(
        `Invalid image version "${text}": each part must be at most ${MAX_VERSION_PART}`,
      );
      expect(tryParseVersion(text)).toBeUndefined();
      expect(isVersion(text)).toBe(false);
    }
    expect(parseVersion(`${MAX_VERSION_PART}.0.${MAX_VERSION_PART}`)).toEqual({
      major: MAX_VERSION_PART,
      minor: 0,
      patch: MAX_VERSION_PART,
    });
    expect(tryParseVersion('1.02.3')).toEqual({ major: 1, minor: 2, patch: 3 });
    expect(isVersion('1.2.3')).toBe(true);
  });

  it('sort keys: malformed ones and parts too large are refused with the reason', () => {
    expect(versionFromSortKey(versionSortKey('1.2.3'))).toBe('1.2.3');
    expect(thrown(() => versionFromSortKey('1.2.3')).message).toBe(
      'Invalid image version "1.2.3": is not a version sort key (three 10-digit parts joined by ".")',
    );
    expect(thrown(() => versionFromSortKey('9999999999.0000000000.0000000000')).message).toBe(
      `Invalid image version "9999999999.0000000000.0000000000": is not a version sort key (a part exceeds ${MAX_VERSION_PART})`,
    );
    expect(thrown(() => versionSortKey({ major: -1, minor: 0, patch: 0 })).message).toBe(
      `Invalid image version "-1.0.0": each part must be a whole number from 0 to ${MAX_VERSION_PART}`,
    );
  });
});

describe('why a version is not deployable, in words', () => {
  const base = imageVersionRecordFrom(flatVersion(loadFixture('image-version-completed.json')));
  const name = base.ref.version;
  const at = (
    edit: (v: { -readonly [K in keyof ImageVersionRecord]: ImageVersionRecord[K] }) => void,
    region = 'westeurope',
  ) => {
    const v = structuredClone(base) as { -readonly [K in keyof ImageVersionRecord]: ImageVersionRecord[K] };
    edit(v);
    return deployability(v, region, { now: new Date('2026-11-24T12:00:00Z') });
  };
  const weu = (v: { targetRegions: readonly TargetRegionRecord[] }, edit: Partial<TargetRegionRecord>) =>
    v.targetRegions.map((t) => (t.region === 'westeurope' ? { ...t, ...edit } : t));

  it('provisioning: unknown state, not targeted (and no target at all)', () => {
    expect(at((v) => (v.provisioningState = 'Weird')).reasons).toEqual([
      { code: 'provisioning-unknown', message: `Version ${name} has provisioning state Weird, not Succeeded.` },
    ]);
    expect(at(() => undefined, 'northeurope').reasons).toEqual([
      {
        code: 'not-targeted',
        message: `Version ${name} is not replicated to northeurope (target regions: westeurope, eastus).`,
      },
    ]);
    expect(at((v) => (v.targetRegions = []), '').reasons).toEqual([
      {
        code: 'not-targeted',
        message: `Version ${name} is not replicated to an unnamed region (target regions: none).`,
      },
    ]);
  });

  it('replication: failed with or without details, in progress with or without progress, by display name or region', () => {
    expect(
      at((v) => (v.targetRegions = weu(v, { replicationState: 'Failed', replicationDetails: 'quota' }))).reasons,
    ).toEqual([{ code: 'replication-failed', message: `Replication of version ${name} to West Europe failed: quota` }]);
    expect(
      at(
        (v) =>
          (v.targetRegions = weu(v, { replicationState: 'Failed', replicationDetails: undefined, displayName: '' })),
      ).reasons,
    ).toEqual([{ code: 'replication-failed', message: `Replication of version ${name} to westeurope failed.` }]);
    expect(at((v) => (v.targetRegions = weu(v, { replicationState: 'Replicating', progress: 40 }))).reasons).toEqual([
      { code: 'replication-in-progress', message: `Version ${name} is still replicating to West Europe (40%).` },
    ]);
    expect(
      at((v) => (v.targetRegions = weu(v, { replicationState: 'Replicating', progress: undefined }))).reasons,
    ).toEqual([{ code: 'replication-in-progress', message: `Version ${name} is still replicating to West Europe.` }]);
    expect(at((v) => (v.targetRegions = weu(v, { replicationState: 'Unknown' }))).reasons).toEqual([
      { code: 'replication-in-progress', message: `Replication state of version ${name} in West Europe is unknown.` },
    ]);
  });

  it("exclusions and warnings: global, regional (named), end of life (its own or the definition's), shallow replication", () => {
    const excluded = at((v) => {
      v.excludeFromLatest = true;
      v.targetRegions = weu(v, { excludeFromLatest: true });
    });
    expect(excluded).toMatchObject({ deployable: true, eligibleForLatest: false });
    expect(excluded.reasons).toEqual([
      { code: 'excluded-global', message: `Version ${name} is excluded from latest.` },
      { code: 'excluded-regional', message: `Version ${name} is excluded from latest in West Europe.` },
    ]);
    const old = at((v) => {
      v.endOfLifeDate = '2026-11-24T12:00:00.000Z'; // exactly now: past
      v.replicationMode = 'Shallow';
    });
    expect(old.warnings).toEqual([
      {
        code: 'end-of-life',
        message: `Version ${name} is past its end-of-life date (2026-11-24T12:00:00.000Z); it can still be deployed.`,
      },
      {
        code: 'shallow-replication',
        message: `Version ${name} uses shallow replication: not suited to deploying many VMs at once.`,
      },
    ]);
    expect(at((v) => (v.endOfLifeDate = '2026-11-24T12:00:00.001Z')).warnings).toEqual([]);
  });
});

describe('token bucket', () => {
  it('refuses a capacity below 1 or a refill rate that is not positive', () => {
    for (const limits of [
      { capacity: 0.5, refillPerSecond: 1 },
      { capacity: 1, refillPerSecond: 0 },
      { capacity: Number.NaN, refillPerSecond: 1 },
    ]) {
      expect(thrown(() => new TokenBucket(limits, 0)).message).toBe(
        'a token bucket needs a capacity of at least 1 and a positive refill rate',
      );
    }
    expect(new TokenBucket({ capacity: 1, refillPerSecond: 0.5 }, 0).available(0)).toBe(1);
  });

  it('refills by the time passed since the last look, never past its capacity, never backwards', () => {
    const b = new TokenBucket({ capacity: 4, refillPerSecond: 2 }, 1000);
    for (let i = 0; i < 4; i++) expect(b.take(1000)).toBe(0);
    expect(b.available(1000)).toBe(0);
    expect(b.available(1250)).toBe(0.5); // 250 ms at 2/s
    expect(b.available(1000)).toBe(0.5); // an earlier clock reading adds nothing (and takes nothing away)
    expect(b.take(1250)).toBe(250); // half a token to go: 250 ms
    expect(b.available(11_000)).toBe(4);
  });
});

describe('resource ids', () => {
  it('names the segment that is wrong, counting from 1', () => {
    expect(
      thrown(() => parseResourceId('/subscriptions/s/resourcegroupz/rg/providers/Microsoft.Compute/galleries/g'))
        .message,
    ).toBe('Invalid gallery resource id: expected "resourceGroups" at segment 3');
    expect(thrown(() => parseResourceId('/subscription/s')).message).toBe(
      'Invalid gallery resource id: expected "subscriptions" at segment 1',
    );
    expect(
      thrown(() => parseResourceId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g'))
        .constructor,
    ).toBe(InvalidResourceIdError);
    expect(tryParseResourceId('nope')).toBeUndefined();
  });
});

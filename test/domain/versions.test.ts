import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareVersions,
  formatVersion,
  InvalidVersionError,
  isVersion,
  MAX_VERSION_PART,
  parseVersion,
  sortNewestFirst,
  tryParseVersion,
  versionFromSortKey,
  versionSortKey,
  type Version,
} from '../../shared/domain/versions.js';

describe('parseVersion', () => {
  it('parses Major.Minor.Patch', () => {
    expect(parseVersion('1.10.0')).toEqual({ major: 1, minor: 10, patch: 0 });
    expect(parseVersion('0.0.0')).toEqual({ major: 0, minor: 0, patch: 0 });
  });

  it(`accepts each part up to ${MAX_VERSION_PART}`, () => {
    expect(parseVersion('2147483647.2147483647.2147483647')).toEqual({
      major: MAX_VERSION_PART,
      minor: MAX_VERSION_PART,
      patch: MAX_VERSION_PART,
    });
  });

  it('accepts leading zeros and drops them', () => {
    expect(parseVersion('01.002.0003')).toEqual({ major: 1, minor: 2, patch: 3 });
    expect(formatVersion(parseVersion('01.002.0003'))).toBe('1.2.3');
  });

  it.each([
    ['a part above 2147483647', '2147483648.0.0'],
    ['an 11-digit part', '00000000001.0.0'],
    ['two parts', '1.0'],
    ['four parts', '1.0.0.0'],
    ['a negative part', '-1.0.0'],
    ['a plus sign', '+1.0.0'],
    ['an exponent', '1e3.0.0'],
    ['a decimal point inside a part', '1.0.0.5'],
    ['a pre-release suffix', '1.0.0-beta'],
    ['a v prefix', 'v1.0.0'],
    ['surrounding spaces', ' 1.0.0 '],
    ['an empty part', '1..0'],
    ['the empty string', ''],
    ['"latest"', 'latest'],
    ['non-ASCII digits', '١.٠.٠'],
  ])('rejects %s', (_name, text) => {
    expect(() => parseVersion(text)).toThrow(InvalidVersionError);
    expect(tryParseVersion(text)).toBeUndefined();
    expect(isVersion(text)).toBe(false);
  });

  it('the error names the input and the rule', () => {
    try {
      parseVersion('2147483648.0.0');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidVersionError);
      expect((e as InvalidVersionError).input).toBe('2147483648.0.0');
      expect((e as Error).message).toMatch(/at most 2147483647/);
    }
  });
});

describe('compareVersions', () => {
  it('compares numerically: 1.10.0 > 1.9.0', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('1.9.0', '1.10.0')).toBeLessThan(0);
    // ... which a string comparison gets wrong
    expect('1.10.0' < '1.9.0').toBe(true);
  });

  it('major beats minor beats patch', () => {
    expect(compareVersions('2.0.0', '1.99.99')).toBe(1);
    expect(compareVersions('1.2.0', '1.1.99')).toBe(1);
    expect(compareVersions('1.1.2', '1.1.10')).toBe(-1);
  });

  it('equal versions compare 0, whatever leading zeros', () => {
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
    expect(compareVersions('1.02.3', '1.2.3')).toBe(0);
  });

  it('accepts parsed versions and text alike', () => {
    expect(compareVersions({ major: 1, minor: 10, patch: 0 }, '1.9.0')).toBe(1);
  });

  it('throws on invalid text or out-of-range parts', () => {
    expect(() => compareVersions('1.0', '1.0.0')).toThrow(InvalidVersionError);
    expect(() => compareVersions({ major: -1, minor: 0, patch: 0 }, '1.0.0')).toThrow(InvalidVersionError);
    expect(() => compareVersions({ major: 1.5, minor: 0, patch: 0 }, '1.0.0')).toThrow(InvalidVersionError);
    expect(() => compareVersions({ major: MAX_VERSION_PART + 1, minor: 0, patch: 0 }, '1.0.0')).toThrow(
      InvalidVersionError,
    );
  });
});

describe('versionSortKey', () => {
  it('inverts and zero-pads each part to 10 digits', () => {
    expect(versionSortKey('0.0.0')).toBe('2147483647.2147483647.2147483647');
    expect(versionSortKey('2147483647.2147483647.2147483647')).toBe('0000000000.0000000000.0000000000');
    expect(versionSortKey('1.10.0')).toBe('2147483646.2147483637.2147483647');
  });

  it('sorts newest first as plain strings: 1.10.0 before 1.9.0', () => {
    const keys = ['1.9.0', '1.10.0', '2.0.0', '1.2.0', '0.0.1'].map((v) => versionSortKey(v)).sort();
    expect(keys.map((k) => versionFromSortKey(k))).toEqual(['2.0.0', '1.10.0', '1.9.0', '1.2.0', '0.0.1']);
  });

  it('uses only characters valid in Table Storage keys', () => {
    expect(versionSortKey('1.2.3')).toMatch(/^[0-9.]+$/);
  });

  it('gives the same key for the same version written with leading zeros', () => {
    expect(versionSortKey('1.02.3')).toBe(versionSortKey('1.2.3'));
  });

  it('versionFromSortKey returns the canonical version text', () => {
    expect(versionFromSortKey(versionSortKey('01.002.3'))).toBe('1.2.3');
  });

  it.each([
    ['a version instead of a key', '1.2.3'],
    ['short parts', '214748364.2147483647.2147483647'],
    ['two parts', '2147483647.2147483647'],
    ['a part above the maximum', '9999999999.0000000000.0000000000'],
    ['letters', 'abcdefghij.0000000000.0000000000'],
    ['the empty string', ''],
  ])('versionFromSortKey rejects %s', (_name, key) => {
    expect(() => versionFromSortKey(key)).toThrow(InvalidVersionError);
  });
});

describe('sortNewestFirst', () => {
  it('sorts numerically, newest first, without touching the input', () => {
    const input = ['1.9.0', '1.10.0', '1.2.0', '10.0.0', '2.0.0'];
    expect(sortNewestFirst(input, (v) => v)).toEqual(['10.0.0', '2.0.0', '1.10.0', '1.9.0', '1.2.0']);
    expect(input).toEqual(['1.9.0', '1.10.0', '1.2.0', '10.0.0', '2.0.0']);
  });

  it('keeps equal versions in input order', () => {
    const input = [
      { v: '1.2.0', tag: 'a' },
      { v: '1.02.0', tag: 'b' },
      { v: '1.3.0', tag: 'c' },
    ];
    expect(sortNewestFirst(input, (x) => x.v).map((x) => x.tag)).toEqual(['c', 'a', 'b']);
  });
});

describe('properties', () => {
  const part = fc.oneof(
    fc.integer({ min: 0, max: 12 }),
    fc.integer({ min: 0, max: MAX_VERSION_PART }),
    fc.constantFrom(0, MAX_VERSION_PART),
  );
  const version: fc.Arbitrary<Version> = fc.record({ major: part, minor: part, patch: part });
  const reference = (a: Version, b: Version): number =>
    a.major !== b.major
      ? a.major < b.major
        ? -1
        : 1
      : a.minor !== b.minor
        ? a.minor < b.minor
          ? -1
          : 1
        : a.patch !== b.patch
          ? a.patch < b.patch
            ? -1
            : 1
          : 0;

  it('format → parse round trips', () => {
    fc.assert(
      fc.property(version, (v) => {
        expect(parseVersion(formatVersion(v))).toEqual(v);
      }),
    );
  });

  it('compareVersions agrees with a lexicographic comparison of the number triples', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(a, b)).toBe(reference(a, b));
        expect(compareVersions(formatVersion(a), formatVersion(b))).toBe(reference(a, b));
        expect(compareVersions(b, a)).toBe(reference(b, a));
      }),
    );
  });

  it('the order of sort keys is the reverse numeric order', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        const ka = versionSortKey(a);
        const kb = versionSortKey(b);
        const keyOrder = ka < kb ? -1 : ka > kb ? 1 : 0;
        expect(keyOrder).toBe(compareVersions(b, a));
      }),
    );
  });

  it('a version, its text and its padded text are equal and share one key', () => {
    fc.assert(
      fc.property(version, (v) => {
        const padded = [v.major, v.minor, v.patch].map((n) => String(n).padStart(10, '0')).join('.');
        expect(compareVersions(v, formatVersion(v))).toBe(0);
        expect(compareVersions(padded, v)).toBe(0);
        expect(versionSortKey(padded)).toBe(versionSortKey(v));
      }),
    );
  });

  it('sorting keys ascending lists versions newest first', () => {
    fc.assert(
      fc.property(fc.array(version, { maxLength: 30 }), (vs) => {
        const byKey = vs.map((v) => versionSortKey(v)).sort();
        const byNumber = [...vs].sort((a, b) => reference(b, a)).map((v) => versionSortKey(v));
        expect(byKey).toEqual(byNumber);
      }),
    );
  });

  it('versionFromSortKey inverts versionSortKey, and keys have a fixed width', () => {
    fc.assert(
      fc.property(version, (v) => {
        const key = versionSortKey(v);
        expect(key).toHaveLength(32);
        expect(versionFromSortKey(key)).toBe(formatVersion(v));
        expect(versionSortKey(versionFromSortKey(key))).toBe(key);
      }),
    );
  });

  it('parseVersion never throws anything but InvalidVersionError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{1,11}\.\d{1,11}\.\d{1,11}$/)), (s) => {
        try {
          const v = parseVersion(s);
          expect(compareVersions(v, s)).toBe(0);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidVersionError);
        }
      }),
    );
  });
});

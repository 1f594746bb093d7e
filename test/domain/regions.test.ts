import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  isValidRegionQuery,
  MAX_REGION_LENGTH,
  normalizeRegion,
  parseRegionQuery,
  regionProblem,
  sameRegion,
} from '../../shared/domain/regions.js';

describe('normalizeRegion', () => {
  it.each([
    ['West Europe', 'westeurope'],
    ['westeurope', 'westeurope'],
    ['WESTEUROPE', 'westeurope'],
    ['East US 2', 'eastus2'],
    ['  South  Central\tUS\n', 'southcentralus'],
    ['West\u00a0Europe', 'westeurope'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeRegion(input)).toBe(expected);
  });

  it('only lower-cases and strips whitespace: hyphens and underscores stay', () => {
    expect(normalizeRegion('West-Europe')).toBe('west-europe');
    expect(normalizeRegion('west_europe')).toBe('west_europe');
  });

  it('display names match canonical names', () => {
    expect(sameRegion('West Europe', 'westeurope')).toBe(true);
    expect(sameRegion('East US', 'eastus')).toBe(true);
    expect(sameRegion('East US', 'eastus2')).toBe(false);
  });
});

describe('region query validation', () => {
  it('accepts display and canonical names, normalised', () => {
    expect(parseRegionQuery('West Europe')).toEqual({ ok: true, region: 'westeurope' });
    expect(parseRegionQuery('eastus2')).toEqual({ ok: true, region: 'eastus2' });
    expect(isValidRegionQuery('Australia Central 2')).toBe(true);
  });

  it(`accepts up to ${MAX_REGION_LENGTH} characters, spaces not counted`, () => {
    expect(isValidRegionQuery('a'.repeat(MAX_REGION_LENGTH))).toBe(true);
    expect(isValidRegionQuery(`${'a '.repeat(MAX_REGION_LENGTH)}`)).toBe(true);
    expect(regionProblem('a'.repeat(MAX_REGION_LENGTH + 1))).toMatch(/at most 40/);
  });

  it.each([
    ['empty', '', /empty/],
    ['only whitespace', ' \t ', /empty/],
    ['a hyphen', 'west-europe', /letters and digits/],
    ['an underscore', 'west_europe', /letters and digits/],
    ['a slash', 'west/europe', /letters and digits/],
    ['an OData quote', "westeurope' or 1 eq 1", /letters and digits/],
    ['non-ASCII letters', 'westeuröpe', /letters and digits/],
  ])('rejects %s', (_name, input, problem) => {
    expect(regionProblem(input)).toMatch(problem);
    expect(isValidRegionQuery(input)).toBe(false);
    const result = parseRegionQuery(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });
});

describe('properties', () => {
  it('normalisation is idempotent and leaves no whitespace or upper case', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const n = normalizeRegion(s);
        expect(normalizeRegion(n)).toBe(n);
        expect(n).not.toMatch(/\s/);
        expect(n).toBe(n.toLowerCase());
      }),
    );
  });

  it('an accepted query is 1-40 lower-case letters and digits', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9 ]{0,50}$/)), (s) => {
        const result = parseRegionQuery(s);
        if (result.ok) expect(result.region).toMatch(/^[a-z0-9]{1,40}$/);
        else expect(result.problem.length).toBeGreaterThan(0);
      }),
    );
  });

  it('a region name and its display form (words, any case, spaces) are the same region', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), { minLength: 1, maxLength: 4 }), (words) => {
        expect(sameRegion(words.join(' '), words.join('').toLowerCase())).toBe(true);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  gallerySortRange,
  matchesSearch,
  searchFamiliesColumn,
  searchSortKey,
  securityFamiliesOf,
  securityFamilyOf,
  securityTypeKey,
} from '../../shared/domain/search.js';
import { imageRef, galleryRef, resourceKey, type ImageRef } from '../../shared/domain/ids.js';
import type { ImageDefinitionRecord } from '../../shared/domain/records.js';

const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';

function image(securityType?: string, extra: Partial<ImageDefinitionRecord> = {}): ImageDefinitionRecord {
  const ref = imageRef(galleryRef(SUB, 'rg', 'g'), 'img');
  return {
    ref,
    id: '/x',
    location: 'westeurope',
    publisher: 'Contoso',
    offer: 'Ubuntu',
    sku: '22_04-LTS',
    osType: 'Linux',
    osState: 'Generalized',
    hyperVGeneration: 'V2',
    architecture: 'x64',
    features: { ...(securityType !== undefined ? { securityType } : {}), other: {} },
    recommended: {},
    disallowedDiskTypes: [],
    tags: {},
    ...extra,
  } as ImageDefinitionRecord;
}

// The image definition features table of "Store and share images in an Azure Compute Gallery"
// (learn.microsoft.com/azure/virtual-machines/shared-image-galleries, SecurityType): which VM
// security types each definition SecurityType can create.
const TABLE: [string | undefined, string[]][] = [
  [undefined, ['Standard']],
  ['Standard', ['Standard']],
  ['TrustedLaunch', ['TrustedLaunch']],
  ['TrustedLaunchSupported', ['Standard', 'TrustedLaunch']],
  ['ConfidentialVM', ['ConfidentialVM']],
  ['ConfidentialVMSupported', ['Standard', 'ConfidentialVM']],
  ['TrustedLaunchAndConfidentialVmSupported', ['Standard', 'TrustedLaunch', 'ConfidentialVM']],
  ['SomethingNew', []],
];

describe('security families', () => {
  it('names a family only for the three VM security types, in any case', () => {
    expect(securityFamilyOf('trustedlaunch')).toBe('TrustedLaunch');
    expect(securityFamilyOf('CONFIDENTIALVM')).toBe('ConfidentialVM');
    expect(securityFamilyOf('Standard')).toBe('Standard');
    expect(securityFamilyOf('TrustedLaunchSupported')).toBeUndefined();
    expect(searchFamiliesColumn('TrustedLaunch')).toBe('S_trustedlaunch');
  });

  it.each(TABLE)('SecurityType %s belongs to the families %j', (securityType, families) => {
    expect(securityFamiliesOf(image(securityType))).toEqual(families);
    for (const family of ['Standard', 'TrustedLaunch', 'ConfidentialVM']) {
      expect(matchesSearch(image(securityType), { securityType: family }), family).toBe(families.includes(family));
    }
  });

  it('the TrustedLaunch family finds TrustedLaunch, TrustedLaunchSupported and TrustedLaunchAndConfidentialVmSupported', () => {
    expect(TABLE.filter(([s]) => matchesSearch(image(s), { securityType: 'TrustedLaunch' })).map(([s]) => s)).toEqual([
      'TrustedLaunch',
      'TrustedLaunchSupported',
      'TrustedLaunchAndConfidentialVmSupported',
    ]);
    expect(TABLE.filter(([s]) => matchesSearch(image(s), { securityType: 'ConfidentialVM' })).map(([s]) => s)).toEqual([
      'ConfidentialVM',
      'ConfidentialVMSupported',
      'TrustedLaunchAndConfidentialVmSupported',
    ]);
  });

  it('any other value matches that SecurityType exactly, ignoring case (absent = Standard)', () => {
    expect(matchesSearch(image('TrustedLaunchSupported'), { securityType: 'trustedlaunchsupported' })).toBe(true);
    expect(matchesSearch(image('TrustedLaunch'), { securityType: 'TrustedLaunchSupported' })).toBe(false);
    expect(matchesSearch(image('SomethingNew'), { securityType: 'somethingnew' })).toBe(true);
    expect(securityTypeKey(image())).toBe('standard');
  });
});

describe('matchesSearch', () => {
  const img = image('TrustedLaunchSupported');
  it.each([
    [{}, true],
    [{ publisher: 'contoso', offer: 'UBUNTU', sku: '22_04-lts' }, true],
    [{ publisher: 'Fabrikam' }, false],
    [{ offer: 'Debian' }, false],
    [{ sku: '20_04' }, false],
    [{ osType: 'linux', osState: 'generalized', hyperVGeneration: 'v2', architecture: 'X64' }, true],
    [{ osType: 'Windows' }, false],
    [{ osState: 'Specialized' }, false],
    [{ hyperVGeneration: 'V1' }, false],
    [{ architecture: 'Arm64' }, false],
    [{ region: 'westeurope' }, true], // the region depends on versions: checked elsewhere
  ])('%j → %s', (filters, expected) => {
    expect(matchesSearch(img, filters)).toBe(expected);
  });
});

describe('search sort key', () => {
  const name = (chars: string, max: number) =>
    fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: max });
  const rgChars = 'aAbZz09_.()-é';
  const refs = fc
    .record({
      subscriptionId: fc.uuid(),
      resourceGroup: name(rgChars, 6),
      gallery: name('aB9_.', 5),
      image: name('aB9_.-', 5),
    })
    .map((r): ImageRef => imageRef(galleryRef(r.subscriptionId, r.resourceGroup, r.gallery), r.image));
  const sign = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

  it('orders exactly like the lower-cased resource id', () => {
    fc.assert(
      fc.property(refs, refs, (a, b) => {
        expect(sign(searchSortKey(a), searchSortKey(b))).toBe(sign(resourceKey(a), resourceKey(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders prefixes like the id does (rg "a" after "a-b" and "a.b", before "a0")', () => {
    const k = (rg: string) => searchSortKey(imageRef(galleryRef(SUB, rg, 'g'), 'i'));
    const byId = ['a', 'a-b', 'a.b', 'a0', 'a(b)', 'a_b'].sort((x, y) =>
      sign(resourceKey(imageRef(galleryRef(SUB, x, 'g'), 'i')), resourceKey(imageRef(galleryRef(SUB, y, 'g'), 'i'))),
    );
    expect(['a', 'a-b', 'a.b', 'a0', 'a(b)', 'a_b'].sort((x, y) => sign(k(x), k(y)))).toEqual(byId);
  });

  it('holds no character a RowKey may not hold', () => {
    fc.assert(
      fc.property(refs, (r) => {
        const key = searchSortKey(r);
        expect(key).not.toMatch(/[/\\#?]/);
        expect(
          [...key].every((c) => c.charCodeAt(0) > 0x1f && (c.charCodeAt(0) < 0x7f || c.charCodeAt(0) > 0x9f)),
        ).toBe(true);
      }),
    );
  });

  it('puts every definition of a gallery, and nothing else, in its gallery range', () => {
    fc.assert(
      fc.property(refs, refs, (a, b) => {
        const { from, to } = gallerySortRange(a);
        const inRange = (r: ImageRef) => searchSortKey(r) >= from && searchSortKey(r) < to;
        expect(inRange(a)).toBe(true);
        const sameGallery =
          resourceKey(galleryRef(a.subscriptionId, a.resourceGroup, a.gallery)) ===
          resourceKey(galleryRef(b.subscriptionId, b.resourceGroup, b.gallery));
        expect(inRange(b)).toBe(sameGallery);
      }),
      { numRuns: 2000 },
    );
  });
});

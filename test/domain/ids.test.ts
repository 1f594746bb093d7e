import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatResourceId,
  galleryRef,
  imageRef,
  InvalidResourceIdError,
  isGalleryName,
  isImageName,
  isResourceGroupName,
  isSubscriptionId,
  isVersionName,
  isWithin,
  MAX_RESOURCE_ID_LENGTH,
  nameProblem,
  parentOf,
  parseResourceId,
  resourceKey,
  tryParseResourceId,
  versionRef,
  type ResourceRef,
} from '../../shared/domain/ids.js';

const SUB = '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
const GALLERY_ID = `/subscriptions/${SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/corpGallery`;
const IMAGE_ID = `${GALLERY_ID}/images/ubuntu-2204-base`;
const VERSION_ID = `${IMAGE_ID}/versions/1.10.0`;

function reasonOf(id: string): string {
  try {
    parseResourceId(id);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidResourceIdError);
    return (e as InvalidResourceIdError).reason;
  }
  throw new Error(`expected ${id} to be rejected`);
}

describe('parseResourceId: the three levels', () => {
  it('parses a gallery id', () => {
    expect(parseResourceId(GALLERY_ID)).toEqual({
      level: 'gallery',
      subscriptionId: SUB,
      resourceGroup: 'rg-images',
      gallery: 'corpGallery',
    });
  });

  it('parses an image definition id', () => {
    expect(parseResourceId(IMAGE_ID)).toEqual({
      level: 'image',
      subscriptionId: SUB,
      resourceGroup: 'rg-images',
      gallery: 'corpGallery',
      image: 'ubuntu-2204-base',
    });
  });

  it('parses an image version id', () => {
    expect(parseResourceId(VERSION_ID)).toEqual({
      level: 'version',
      subscriptionId: SUB,
      resourceGroup: 'rg-images',
      gallery: 'corpGallery',
      image: 'ubuntu-2204-base',
      version: '1.10.0',
    });
  });

  it('accepts a trailing slash (or several)', () => {
    expect(parseResourceId(`${VERSION_ID}/`)).toEqual(parseResourceId(VERSION_ID));
    expect(parseResourceId(`${GALLERY_ID}//`)).toEqual(parseResourceId(GALLERY_ID));
  });

  it('tryParseResourceId returns undefined instead of throwing', () => {
    expect(tryParseResourceId(VERSION_ID)?.level).toBe('version');
    expect(tryParseResourceId('/nope')).toBeUndefined();
    expect(tryParseResourceId('')).toBeUndefined();
  });
});

describe('parseResourceId: case-insensitivity', () => {
  it('accepts the lower-case `resourcegroups` that Event Grid sends', () => {
    const fromEvent = VERSION_ID.replace('/resourceGroups/', '/resourcegroups/');
    expect(parseResourceId(fromEvent)).toEqual(parseResourceId(VERSION_ID));
  });

  it('accepts any casing of the fixed segments', () => {
    const shouted = `/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/rg-images/PROVIDERS/MICROSOFT.COMPUTE/GALLERIES/corpGallery/IMAGES/ubuntu-2204-base/VERSIONS/1.10.0`;
    expect(parseResourceId(shouted)).toEqual(parseResourceId(VERSION_ID));
    const lower = VERSION_ID.toLowerCase();
    expect(parseResourceId(lower).level).toBe('version');
  });

  it('keeps the display casing of the names, and keys on the lower-case form', () => {
    const upper = parseResourceId(VERSION_ID.replace('corpGallery', 'CORPGALLERY').replace(SUB, SUB.toUpperCase()));
    const lower = parseResourceId(VERSION_ID.toLowerCase());
    expect(upper.gallery).toBe('CORPGALLERY');
    expect(upper.subscriptionId).toBe(SUB.toUpperCase());
    expect(lower.gallery).toBe('corpgallery');
    expect(resourceKey(upper)).toBe(resourceKey(lower));
    expect(resourceKey(upper)).toBe(VERSION_ID.toLowerCase());
  });

  it('formats with the canonical segment casing whatever the input casing', () => {
    const fromEvent = VERSION_ID.replace('/resourceGroups/', '/resourcegroups/').replace(
      '/providers/Microsoft.Compute/',
      '/providers/microsoft.compute/',
    );
    expect(formatResourceId(parseResourceId(fromEvent))).toBe(VERSION_ID);
    expect(formatResourceId(parseResourceId(fromEvent))).toContain('/resourceGroups/');
  });
});

describe('parseResourceId: malformed ids', () => {
  it.each([
    ['empty', '', /empty/],
    ['no leading slash', GALLERY_ID.slice(1), /start with \/subscriptions/],
    ['wrong first segment', GALLERY_ID.replace('/subscriptions/', '/subscription/'), /"subscriptions"/],
    ['not a GUID subscription', GALLERY_ID.replace(SUB, 'my-subscription'), /subscriptionId/],
    ['missing resource group segment', GALLERY_ID.replace('/resourceGroups/', '/groups/'), /"resourceGroups"/],
    ['wrong provider', GALLERY_ID.replace('Microsoft.Compute', 'Microsoft.Storage'), /"Microsoft.Compute"/],
    ['wrong resource type', GALLERY_ID.replace('/galleries/', '/images/'), /"galleries"/],
    [
      'a virtual machine id',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`,
      /"galleries"/,
    ],
    ['no gallery name', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries`, /gallery/],
    ['gallery name with a hyphen', GALLERY_ID.replace('corpGallery', 'corp-gallery'), /gallery must be/],
    ['gallery name ending in a period', GALLERY_ID.replace('corpGallery', 'corpGallery.'), /gallery must be/],
    ['resource group ending in a period', GALLERY_ID.replace('rg-images', 'rg-images.'), /resourceGroup/],
    ['resource group too long', GALLERY_ID.replace('rg-images', 'r'.repeat(91)), /resourceGroup/],
    ['images segment without a name', `${GALLERY_ID}/images`, /image must be/],
    ['image name starting with a hyphen', `${GALLERY_ID}/images/-base`, /image must be/],
    ['image name too long', `${GALLERY_ID}/images/${'a'.repeat(81)}`, /image must be/],
    ['wrong segment after the image', `${IMAGE_ID}/revisions/1.0.0`, /"versions"/],
    ['version with two parts', `${IMAGE_ID}/versions/1.0`, /version must be/],
    ['version with four parts', `${IMAGE_ID}/versions/1.0.0.0`, /version must be/],
    ['version with letters', `${IMAGE_ID}/versions/1.0.0-beta`, /version must be/],
    ['version part above 2147483647', `${IMAGE_ID}/versions/2147483648.0.0`, /version must be/],
    ['segments after the version', `${VERSION_ID}/extra`, /segments after the version/],
    ['an empty segment in the middle', GALLERY_ID.replace('/providers/', '//providers/'), /"providers"/],
  ])('rejects %s', (_name, id, reason) => {
    expect(reasonOf(id)).toMatch(reason);
  });

  it('accepts the largest version part, 2147483647', () => {
    expect(parseResourceId(`${IMAGE_ID}/versions/2147483647.0.2147483647`).level).toBe('version');
  });

  it('rejects non-string input without crashing', () => {
    expect(() => parseResourceId(undefined as unknown as string)).toThrow(InvalidResourceIdError);
    expect(() => parseResourceId(42 as unknown as string)).toThrow(InvalidResourceIdError);
  });

  it('says which id was wrong', () => {
    const bad = GALLERY_ID.replace('corpGallery', 'corp-gallery');
    try {
      parseResourceId(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidResourceIdError);
      expect((e as InvalidResourceIdError).input).toBe(bad);
      expect((e as InvalidResourceIdError).message).toMatch(/^Invalid gallery resource id: gallery must be/);
      expect((e as InvalidResourceIdError).name).toBe('InvalidResourceIdError');
    }
  });
});

describe('parseResourceId: oversize ids', () => {
  it(`accepts an id of exactly ${MAX_RESOURCE_ID_LENGTH} characters`, () => {
    // Pad a valid id with trailing slashes, which are allowed and stripped.
    const id = VERSION_ID + '/'.repeat(MAX_RESOURCE_ID_LENGTH - VERSION_ID.length);
    expect(id).toHaveLength(MAX_RESOURCE_ID_LENGTH);
    expect(parseResourceId(id).level).toBe('version');
  });

  it(`rejects an id longer than ${MAX_RESOURCE_ID_LENGTH} characters, and does not echo it whole`, () => {
    const id = VERSION_ID + '/'.repeat(MAX_RESOURCE_ID_LENGTH + 1 - VERSION_ID.length);
    expect(reasonOf(id)).toMatch(/longer than 1024/);
    expect(reasonOf(`/subscriptions/${'x'.repeat(100_000)}`)).toMatch(/longer than 1024/);
    try {
      parseResourceId('/' + 'a'.repeat(5000));
    } catch (e) {
      expect((e as InvalidResourceIdError).input.length).toBeLessThanOrEqual(80);
    }
  });
});

describe('name validators', () => {
  it('subscription ids are GUIDs in any case', () => {
    expect(isSubscriptionId(SUB)).toBe(true);
    expect(isSubscriptionId(SUB.toUpperCase())).toBe(true);
    expect(isSubscriptionId(SUB.slice(1))).toBe(false);
    expect(isSubscriptionId(`{${SUB}}`)).toBe(false);
  });

  it('resource group names: letters, digits, _ - . ( ), 1-90, not ending in a period', () => {
    expect(isResourceGroupName('rg_images-(prod).1')).toBe(true);
    expect(isResourceGroupName('r'.repeat(90))).toBe(true);
    expect(isResourceGroupName('r'.repeat(91))).toBe(false);
    expect(isResourceGroupName('rg.')).toBe(false);
    expect(isResourceGroupName('')).toBe(false);
    expect(isResourceGroupName('rg/x')).toBe(false);
    expect(isResourceGroupName('grüße')).toBe(true);
  });

  it('gallery names: letters, digits, _ and ., 1-80, no leading or trailing period', () => {
    expect(isGalleryName('corp_Gallery.v2')).toBe(true);
    expect(isGalleryName('g')).toBe(true);
    expect(isGalleryName('g'.repeat(80))).toBe(true);
    expect(isGalleryName('g'.repeat(81))).toBe(false);
    expect(isGalleryName('.g')).toBe(false);
    expect(isGalleryName('g.')).toBe(false);
    expect(isGalleryName('corp-gallery')).toBe(false);
  });

  it('image names: letters, digits, _ - ., 1-80, starting and ending with a letter or digit', () => {
    expect(isImageName('ubuntu-2204_base.v1')).toBe(true);
    expect(isImageName('u')).toBe(true);
    expect(isImageName('u'.repeat(80))).toBe(true);
    expect(isImageName('u'.repeat(81))).toBe(false);
    expect(isImageName('-u')).toBe(false);
    expect(isImageName('u_')).toBe(false);
  });

  it('version names: Major.Minor.Patch of 32-bit integers', () => {
    expect(isVersionName('0.0.0')).toBe(true);
    expect(isVersionName('1.10.0')).toBe(true);
    expect(isVersionName('2147483647.2147483647.2147483647')).toBe(true);
    expect(isVersionName('2147483648.0.0')).toBe(false);
    expect(isVersionName('1.0')).toBe(false);
    expect(isVersionName('v1.0.0')).toBe(false);
    expect(isVersionName('1.0.0 ')).toBe(false);
    expect(isVersionName('-1.0.0')).toBe(false);
  });

  it('nameProblem explains each kind of name, and is undefined for valid ones', () => {
    expect(nameProblem('subscriptionId', SUB)).toBeUndefined();
    expect(nameProblem('subscriptionId', 'x')).toMatch(/GUID/);
    expect(nameProblem('resourceGroup', 'rg.')).toMatch(/resource group/);
    expect(nameProblem('gallery', 'a-b')).toMatch(/gallery name/);
    expect(nameProblem('image', '_x')).toMatch(/image definition name/);
    expect(nameProblem('version', 'latest')).toMatch(/Major\.Minor\.Patch/);
    expect(nameProblem('version', '1.2.3')).toBeUndefined();
  });
});

describe('refs: format, key, parent, isWithin', () => {
  const g = galleryRef(SUB, 'rg-images', 'corpGallery');
  const i = imageRef(g, 'ubuntu-2204-base');
  const v = versionRef(i, '1.10.0');

  it('builders make the same refs the parser does', () => {
    expect(g).toEqual(parseResourceId(GALLERY_ID));
    expect(i).toEqual(parseResourceId(IMAGE_ID));
    expect(v).toEqual(parseResourceId(VERSION_ID));
  });

  it('formats each level back to its id', () => {
    expect(formatResourceId(g)).toBe(GALLERY_ID);
    expect(formatResourceId(i)).toBe(IMAGE_ID);
    expect(formatResourceId(v)).toBe(VERSION_ID);
  });

  it('keys are the lower-case ids', () => {
    expect(resourceKey(v)).toBe(VERSION_ID.toLowerCase());
    expect(resourceKey(g)).toBe(GALLERY_ID.toLowerCase());
  });

  it('builders drop the level of the parent they are given', () => {
    expect(imageRef(v, 'other')).toEqual({ ...i, image: 'other' });
    expect(versionRef(v, '2.0.0')).toEqual({ ...v, version: '2.0.0' });
  });

  it('parentOf walks one level up', () => {
    expect(parentOf(v)).toEqual(i);
    expect(parentOf(i)).toEqual(g);
  });

  it('isWithin: a resource is within itself and its ancestors', () => {
    expect(isWithin(v, v)).toBe(true);
    expect(isWithin(v, i)).toBe(true);
    expect(isWithin(v, g)).toBe(true);
    expect(isWithin(i, g)).toBe(true);
  });

  it('isWithin: not within descendants, siblings, or galleries whose name is a prefix', () => {
    expect(isWithin(g, i)).toBe(false);
    expect(isWithin(i, v)).toBe(false);
    expect(isWithin(v, imageRef(g, 'ubuntu-2204'))).toBe(false);
    expect(isWithin(i, galleryRef(SUB, 'rg-images', 'corp'))).toBe(false);
    expect(isWithin(v, versionRef(i, '1.10.1'))).toBe(false);
    expect(isWithin(g, galleryRef(SUB, 'rg-other', 'corpGallery'))).toBe(false);
  });

  it('isWithin ignores case', () => {
    const upper = galleryRef(SUB.toUpperCase(), 'RG-IMAGES', 'CORPGALLERY');
    expect(isWithin(v, upper)).toBe(true);
  });
});

describe('properties', () => {
  const hex = (n: number): fc.Arbitrary<string> =>
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: n, maxLength: n });
  const sub = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join('-'));
  const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
  const rg = fc
    .string({ unit: fc.oneof(alnum, fc.constantFrom('-', '_', '(', ')', '.')), minLength: 1, maxLength: 90 })
    .filter((s) => !s.endsWith('.'));
  const gallery = fc
    .tuple(alnum, fc.string({ unit: fc.oneof(alnum, fc.constantFrom('_', '.')), maxLength: 78 }), alnum)
    .map(([a, mid, b]) => `${a}${mid}${b}`);
  const image = fc
    .tuple(alnum, fc.string({ unit: fc.oneof(alnum, fc.constantFrom('_', '.', '-')), maxLength: 78 }), alnum)
    .map(([a, mid, b]) => `${a}${mid}${b}`);
  const part = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 2_147_483_647 }));
  const version = fc.tuple(part, part, part).map((p) => p.join('.'));
  const ref: fc.Arbitrary<ResourceRef> = fc.oneof(
    fc.tuple(sub, rg, gallery).map(([s, r, g]) => galleryRef(s, r, g)),
    fc.tuple(sub, rg, gallery, image).map(([s, r, g, i]) => imageRef(galleryRef(s, r, g), i)),
    fc
      .tuple(sub, rg, gallery, image, version)
      .map(([s, r, g, i, v]) => versionRef(imageRef(galleryRef(s, r, g), i), v)),
  );
  const recase = (s: string, flips: boolean[]): string =>
    [...s].map((c, k) => (flips[k % Math.max(flips.length, 1)] ? c.toUpperCase() : c.toLowerCase())).join('');

  it('format → parse is the identity on valid refs', () => {
    fc.assert(
      fc.property(ref, (r) => {
        expect(parseResourceId(formatResourceId(r))).toEqual(r);
      }),
    );
  });

  it('parse → format → parse is stable, and the key ignores the casing of the input', () => {
    fc.assert(
      fc.property(ref, fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), (r, flips) => {
        const recased = recase(formatResourceId(r), flips);
        const parsed = parseResourceId(recased);
        expect(parseResourceId(formatResourceId(parsed))).toEqual(parsed);
        expect(resourceKey(parsed)).toBe(resourceKey(r));
        expect(isWithin(parsed, r)).toBe(true);
      }),
    );
  });

  it('a ref is within each of its ancestors', () => {
    fc.assert(
      fc.property(ref, (r) => {
        if (r.level === 'version') {
          expect(isWithin(r, parentOf(r))).toBe(true);
          expect(isWithin(r, parentOf(parentOf(r)))).toBe(true);
          expect(isWithin(parentOf(r), r)).toBe(false);
        } else if (r.level === 'image') {
          expect(isWithin(r, parentOf(r))).toBe(true);
          expect(isWithin(parentOf(r), r)).toBe(false);
        }
      }),
    );
  });

  it('never throws anything but InvalidResourceIdError on arbitrary input', () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'subscriptions',
        'resourceGroups',
        'providers',
        'Microsoft.Compute',
        'galleries',
        'images',
        'versions',
        SUB,
        'g',
        '1.0.0',
        '',
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 14 }), (segs) => {
        const id = '/' + segs.join('/');
        try {
          const r = parseResourceId(id);
          expect(resourceKey(r)).toBe(id.replace(/\/+$/, '').toLowerCase());
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidResourceIdError);
        }
      }),
    );
  });
});

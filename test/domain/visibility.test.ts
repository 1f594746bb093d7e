import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  galleryRef,
  imageRef,
  versionRef,
  type GalleryRef,
  type ImageRef,
  type VersionRef,
} from '../../shared/domain/ids.js';
import { galleryRecordFrom, type GallerySharingRecord } from '../../shared/domain/records.js';
import {
  actsFor,
  canSee,
  galleryFactsFor,
  grantApplies,
  isCrossTenant,
  isSpotAccountId,
  organizationOfSubscription,
  subscriptionForAccount,
  type Caller,
  type GalleryFacts,
  type Grant,
  type Organization,
  type Visibility,
  type VisibleVia,
} from '../../shared/domain/visibility.js';
import { flatGallery, loadFixture } from './arm-fixtures.js';
import { identities } from './spot-fixtures.js';

const ids = identities();
const PUBLISHER_SUB = ids.subscriptions.publisher_contoso; // owns the galleries
const CONSUMER_SUB = ids.subscriptions.consumer_contoso; // same organization
const SIBLING_SUB = '11111111-2222-4333-8444-555555555555'; // same organization, not acted for by the caller
const OTHER_SUB = ids.subscriptions.other_org;
const CONTOSO_TENANT = ids.tenants.contoso;
const PARTNER_TENANT = ids.tenants.partner;
const ORG_CONTOSO = 'org-contoso';
const ORG_OTHER = 'org-fabrikam';

const GALLERY = galleryRef(PUBLISHER_SUB, 'rg-images', 'corpGallery');
const IMAGE = imageRef(GALLERY, 'ubuntu-2204-base');
const VERSION = versionRef(IMAGE, '1.9.0');
const OTHER_IMAGE = imageRef(GALLERY, 'win2022-sql');
const TARGETS: Record<'gallery' | 'image' | 'version', GalleryRef | ImageRef | VersionRef> = {
  gallery: GALLERY,
  image: IMAGE,
  version: VERSION,
};

const sharing = (over: Partial<GallerySharingRecord> = {}): GallerySharingRecord => ({
  permissions: 'Private',
  groupsReported: true,
  subscriptionIds: [],
  tenantIds: [],
  ...over,
});
const facts = (over: Partial<GalleryFacts> = {}): GalleryFacts => ({
  ref: GALLERY,
  ownerOrganizationId: ORG_CONTOSO,
  ownerTenantId: CONTOSO_TENANT,
  sharing: sharing(),
  ...over,
});
const seen = (via: VisibleVia): Visibility => ({ visible: true, via });
const hidden: Visibility = { visible: false };

// ---------------------------------------------------------------- the sharing matrix

type CallerKind = 'owner-subscription' | 'same-org' | 'other-org';
type GrantScope = 'none' | 'gallery' | 'image';
type GrantSubject = 'whole-org' | 'caller-subscription' | 'sibling-subscription';
type Level = 'gallery' | 'image' | 'version';
type DirectShare = 'none' | 'subscription' | 'tenant';

interface Case {
  readonly caller: CallerKind;
  readonly grant: GrantScope;
  readonly subject: GrantSubject;
  readonly level: Level;
  readonly direct: DirectShare;
  readonly community: boolean;
}

const CALLERS: Record<CallerKind, Caller> = {
  'owner-subscription': {
    organizationId: ORG_CONTOSO,
    tenantId: CONTOSO_TENANT,
    subscriptionIds: [PUBLISHER_SUB, CONSUMER_SUB],
  },
  'same-org': { organizationId: ORG_CONTOSO, tenantId: CONTOSO_TENANT, subscriptionIds: [CONSUMER_SUB] },
  'other-org': { organizationId: ORG_OTHER, tenantId: PARTNER_TENANT, subscriptionIds: [OTHER_SUB] },
};

/**
 * The RBAC sharing matrix of "Store and share resources in an Azure Compute Gallery", verbatim:
 * rows = the resource shared with the user, columns = what the user gets access to.
 */
const RBAC_MATRIX: Record<'gallery' | 'image', Record<Level, boolean>> = {
  gallery: { gallery: true, image: true, version: true },
  image: { gallery: false, image: true, version: true },
};

/** The oracle, written from the rules (not from the implementation). */
function expected(c: Case): Visibility {
  // Anything in a subscription the caller acts for is its own.
  if (c.caller === 'owner-subscription') return seen('own-subscription');
  // Grants only work inside the gallery owner's organization, for the whole org or a subscription the caller acts for.
  const grantInForce = c.caller === 'same-org' && c.subject !== 'sibling-subscription';
  if (c.grant !== 'none' && grantInForce && RBAC_MATRIX[c.grant][c.level])
    return seen(c.grant === 'gallery' ? 'gallery-grant' : 'image-grant');
  // A gallery is direct shared (Groups) or community (Community), never both: community wins the
  // permission here, so the sharing groups are ignored when community is on.
  if (c.community) return seen('community');
  if (c.direct === 'subscription') return seen('direct-share-subscription');
  if (c.direct === 'tenant') return seen('direct-share-tenant');
  return hidden;
}

function arrange(c: Case): { caller: Caller; gallery: GalleryFacts; grants: Grant[] } {
  const caller = CALLERS[c.caller];
  const callerSub = caller.subscriptionIds[caller.subscriptionIds.length - 1]!;
  const grants: Grant[] = [];
  if (c.grant !== 'none') {
    const scope = c.grant === 'gallery' ? GALLERY : IMAGE;
    const base = { organizationId: caller.organizationId, scope };
    grants.push(
      c.subject === 'whole-org'
        ? base
        : { ...base, subscriptionId: c.subject === 'caller-subscription' ? callerSub : SIBLING_SUB },
    );
  }
  const subscriptionIds = c.direct === 'subscription' ? [callerSub] : [];
  const tenantIds = c.direct === 'tenant' ? [caller.tenantId] : [];
  const s = c.community
    ? sharing({
        permissions: 'Community',
        subscriptionIds,
        tenantIds,
        community: { publicNames: ['contoso-1a2b3c4d'], enabled: true },
      })
    : sharing({ permissions: c.direct === 'none' ? 'Private' : 'Groups', subscriptionIds, tenantIds });
  return { caller, gallery: facts({ sharing: s }), grants };
}

function allCases(): Case[] {
  const out: Case[] = [];
  for (const caller of ['owner-subscription', 'same-org', 'other-org'] as const)
    for (const grant of ['none', 'gallery', 'image'] as const)
      for (const subject of ['whole-org', 'caller-subscription', 'sibling-subscription'] as const)
        for (const level of ['gallery', 'image', 'version'] as const)
          for (const direct of ['none', 'subscription', 'tenant'] as const)
            for (const community of [false, true]) {
              if (grant === 'none' && subject !== 'whole-org') continue; // the subject only matters with a grant
              out.push({ caller, grant, subject, level, direct, community });
            }
  return out;
}

const MATRIX = allCases();
const describeCase = (c: Case): string =>
  `${c.caller} | grant=${c.grant}${c.grant === 'none' ? '' : `(${c.subject})`} | ${c.level} | direct=${c.direct} | community=${c.community ? 'on' : 'off'}`;

describe('canSee: sharing matrix', () => {
  it('covers every combination (3 callers × (1 + 2 scopes × 3 subjects) grants × 3 levels × 3 direct shares × 2 community)', () => {
    expect(MATRIX).toHaveLength(3 * 7 * 3 * 3 * 2);
  });

  it.each(MATRIX.map((c) => [describeCase(c), c] as const))('%s', (_name, c) => {
    const { caller, gallery, grants } = arrange(c);
    expect(canSee(caller, TARGETS[c.level], gallery, grants)).toEqual(expected(c));
  });
});

describe('canSee: rules in detail', () => {
  const sameOrg = CALLERS['same-org'];
  const otherOrg = CALLERS['other-org'];

  it('an image grant shows the image and its versions, never the gallery or another image', () => {
    const grants: Grant[] = [{ organizationId: ORG_CONTOSO, scope: IMAGE }];
    expect(canSee(sameOrg, GALLERY, facts(), grants)).toEqual(hidden);
    expect(canSee(sameOrg, IMAGE, facts(), grants)).toEqual(seen('image-grant'));
    expect(canSee(sameOrg, VERSION, facts(), grants)).toEqual(seen('image-grant'));
    expect(canSee(sameOrg, OTHER_IMAGE, facts(), grants)).toEqual(hidden);
    expect(canSee(sameOrg, versionRef(OTHER_IMAGE, '1.0.0'), facts(), grants)).toEqual(hidden);
  });

  it('a gallery grant shows every definition and version of that gallery only', () => {
    const grants: Grant[] = [{ organizationId: ORG_CONTOSO, scope: GALLERY }];
    expect(canSee(sameOrg, OTHER_IMAGE, facts(), grants)).toEqual(seen('gallery-grant'));
    const otherGallery = galleryRef(PUBLISHER_SUB, 'rg-images', 'otherGallery');
    const otherFacts = facts({ ref: otherGallery });
    expect(canSee(sameOrg, otherGallery, otherFacts, grants)).toEqual(hidden);
    expect(canSee(sameOrg, imageRef(otherGallery, 'x'), otherFacts, grants)).toEqual(hidden);
  });

  it('grants do not cross organizations', () => {
    // The grantee organization is not the caller's.
    expect(canSee(sameOrg, IMAGE, facts(), [{ organizationId: ORG_OTHER, scope: GALLERY }])).toEqual(hidden);
    // The caller's organization is the grantee but does not own the gallery.
    expect(canSee(otherOrg, IMAGE, facts(), [{ organizationId: ORG_OTHER, scope: GALLERY }])).toEqual(hidden);
    // The owner organization is unknown: no grant applies.
    expect(
      canSee(sameOrg, IMAGE, facts({ ownerOrganizationId: undefined }), [
        { organizationId: ORG_CONTOSO, scope: GALLERY },
      ]),
    ).toEqual(hidden);
  });

  it('a grant naming a subscription applies only when the caller acts for it', () => {
    const grant: Grant = { organizationId: ORG_CONTOSO, subscriptionId: SIBLING_SUB, scope: GALLERY };
    expect(canSee(sameOrg, GALLERY, facts(), [grant])).toEqual(hidden);
    expect(canSee({ ...sameOrg, subscriptionIds: [CONSUMER_SUB, SIBLING_SUB] }, GALLERY, facts(), [grant])).toEqual(
      seen('gallery-grant'),
    );
    expect(grantApplies(sameOrg, facts(), grant)).toBe(false);
    expect(grantApplies(sameOrg, facts(), { ...grant, subscriptionId: CONSUMER_SUB })).toBe(true);
  });

  it('a target outside the gallery is never visible through it, not even in an own subscription', () => {
    const elsewhere = imageRef(galleryRef(CONSUMER_SUB, 'rg', 'mine'), 'img');
    expect(
      canSee(
        sameOrg,
        elsewhere,
        facts({ sharing: sharing({ permissions: 'Community', community: { publicNames: [], enabled: true } }) }),
        [],
      ),
    ).toEqual(hidden);
  });

  it('sharing groups count only with Groups permission; community only when enabled with Community permission', () => {
    const lists = { subscriptionIds: [CONSUMER_SUB], tenantIds: [CONTOSO_TENANT] };
    expect(
      canSee(
        otherOrg,
        IMAGE,
        facts({ sharing: sharing({ permissions: 'Private', subscriptionIds: [OTHER_SUB] }) }),
        [],
      ),
    ).toEqual(hidden);
    expect(canSee(sameOrg, IMAGE, facts({ sharing: sharing({ permissions: 'Private', ...lists }) }), [])).toEqual(
      hidden,
    );
    expect(canSee(sameOrg, IMAGE, facts({ sharing: sharing({ permissions: 'groups', ...lists }) }), [])).toEqual(
      seen('direct-share-subscription'),
    );
    // Groups not reported ($expand missing): the lists are empty, nothing is shown through them.
    expect(
      canSee(otherOrg, IMAGE, facts({ sharing: sharing({ permissions: 'Groups', groupsReported: false }) }), []),
    ).toEqual(hidden);
    const disabled = sharing({ permissions: 'Community', community: { publicNames: [], enabled: false } });
    expect(canSee(otherOrg, IMAGE, facts({ sharing: disabled }), [])).toEqual(hidden);
    expect(canSee(otherOrg, IMAGE, facts({ sharing: sharing({ permissions: 'Community' }) }), [])).toEqual(hidden);
    const enabledButPrivate = sharing({ permissions: 'Private', community: { publicNames: [], enabled: true } });
    expect(canSee(otherOrg, IMAGE, facts({ sharing: enabledButPrivate }), [])).toEqual(hidden);
  });

  it('reports the first rule that holds: own > gallery grant > image grant > subscription share > tenant share > community', () => {
    const callerBoth = { ...sameOrg, subscriptionIds: [PUBLISHER_SUB, CONSUMER_SUB] };
    const groups = facts({
      sharing: sharing({ permissions: 'Groups', subscriptionIds: [CONSUMER_SUB], tenantIds: [CONTOSO_TENANT] }),
    });
    const both: Grant[] = [
      { organizationId: ORG_CONTOSO, scope: IMAGE },
      { organizationId: ORG_CONTOSO, scope: GALLERY },
    ];
    expect(canSee(callerBoth, VERSION, groups, both)).toEqual(seen('own-subscription'));
    expect(canSee(sameOrg, VERSION, groups, both)).toEqual(seen('gallery-grant'));
    expect(canSee(sameOrg, VERSION, groups, [both[0]!])).toEqual(seen('image-grant'));
    expect(canSee(sameOrg, VERSION, groups, [])).toEqual(seen('direct-share-subscription'));
    expect(canSee({ ...sameOrg, subscriptionIds: [] }, VERSION, groups, [])).toEqual(seen('direct-share-tenant'));
  });

  it('compares every id case-insensitively', () => {
    const upper: Caller = {
      organizationId: ORG_CONTOSO.toUpperCase(),
      tenantId: CONTOSO_TENANT.toUpperCase(),
      subscriptionIds: [CONSUMER_SUB.toUpperCase()],
    };
    const shoutedImage = imageRef(
      galleryRef(PUBLISHER_SUB.toUpperCase(), 'RG-IMAGES', 'CORPGALLERY'),
      'UBUNTU-2204-BASE',
    );
    expect(canSee(upper, shoutedImage, facts(), [{ organizationId: 'Org-Contoso', scope: IMAGE }])).toEqual(
      seen('image-grant'),
    );
    expect(
      canSee(upper, VERSION, facts(), [{ organizationId: ORG_CONTOSO, scope: { ...GALLERY, gallery: 'CorpGallery' } }]),
    ).toEqual(seen('gallery-grant'));
    expect(
      canSee(upper, VERSION, facts({ ownerOrganizationId: 'ORG-CONTOSO' }), [
        { organizationId: ORG_CONTOSO, subscriptionId: CONSUMER_SUB, scope: GALLERY },
      ]),
    ).toEqual(seen('gallery-grant'));
    expect(
      canSee(upper, VERSION, facts({ sharing: sharing({ permissions: 'Groups', tenantIds: [CONTOSO_TENANT] }) }), []),
    ).toEqual(seen('direct-share-tenant'));
    expect(
      canSee(
        upper,
        VERSION,
        facts({ sharing: sharing({ permissions: 'GROUPS', subscriptionIds: [CONSUMER_SUB] }) }),
        [],
      ),
    ).toEqual(seen('direct-share-subscription'));
    expect(canSee({ ...upper, subscriptionIds: [PUBLISHER_SUB.toUpperCase()] }, VERSION, facts(), [])).toEqual(
      seen('own-subscription'),
    );
    expect(actsFor(upper, CONSUMER_SUB)).toBe(true);
  });
});

// ---------------------------------------------------------------- properties

const SUBS = [PUBLISHER_SUB, CONSUMER_SUB, SIBLING_SUB, OTHER_SUB];
const TENANTS = [CONTOSO_TENANT, PARTNER_TENANT];
const ORGS = [ORG_CONTOSO, ORG_OTHER];
const recase = (s: string, upper: boolean): string => (upper ? s.toUpperCase() : s);

const callerArb: fc.Arbitrary<Caller> = fc.record({
  organizationId: fc.constantFrom(...ORGS),
  tenantId: fc.constantFrom(...TENANTS),
  subscriptionIds: fc.subarray(SUBS),
});
const grantArb: fc.Arbitrary<Grant> = fc.record(
  {
    organizationId: fc.constantFrom(...ORGS),
    subscriptionId: fc.constantFrom(...SUBS),
    scope: fc.constantFrom<GalleryRef | ImageRef>(
      GALLERY,
      IMAGE,
      OTHER_IMAGE,
      galleryRef(PUBLISHER_SUB, 'rg-images', 'otherGallery'),
    ),
  },
  { requiredKeys: ['organizationId', 'scope'] },
);
const factsArb: fc.Arbitrary<GalleryFacts> = fc.record({
  ref: fc.constant(GALLERY),
  ownerOrganizationId: fc.option(fc.constantFrom(...ORGS), { nil: undefined }),
  ownerTenantId: fc.option(fc.constantFrom(...TENANTS), { nil: undefined }),
  sharing: fc.record({
    permissions: fc.constantFrom('Private', 'Groups', 'Community'),
    groupsReported: fc.boolean(),
    subscriptionIds: fc.subarray(SUBS),
    tenantIds: fc.subarray(TENANTS),
    community: fc.option(fc.record({ publicNames: fc.constant([]), enabled: fc.boolean() }), { nil: undefined }),
  }),
});
const world = fc.record({ caller: callerArb, gallery: factsArb, grants: fc.array(grantArb, { maxLength: 4 }) });

describe('canSee: properties', () => {
  it('a version is visible exactly when its image is, and for the same reason', () => {
    fc.assert(
      fc.property(world, ({ caller, gallery, grants }) => {
        expect(canSee(caller, VERSION, gallery, grants)).toEqual(canSee(caller, IMAGE, gallery, grants));
      }),
    );
  });

  it('whatever shows the gallery shows its images', () => {
    fc.assert(
      fc.property(world, ({ caller, gallery, grants }) => {
        if (canSee(caller, GALLERY, gallery, grants).visible)
          expect(canSee(caller, IMAGE, gallery, grants).visible).toBe(true);
      }),
    );
  });

  it('adding grants never hides anything; grants to another organization change nothing', () => {
    fc.assert(
      fc.property(
        world,
        fc.array(grantArb, { maxLength: 3 }),
        fc.constantFrom<Level>('gallery', 'image', 'version'),
        ({ caller, gallery, grants }, more, level) => {
          const before = canSee(caller, TARGETS[level], gallery, grants);
          const after = canSee(caller, TARGETS[level], gallery, [...grants, ...more]);
          if (before.visible) expect(after.visible).toBe(true);
          const foreign = more.filter((g) => g.organizationId !== caller.organizationId);
          expect(canSee(caller, TARGETS[level], gallery, [...grants, ...foreign])).toEqual(before);
        },
      ),
    );
  });

  it('the case of ids never matters', () => {
    fc.assert(
      fc.property(
        world,
        fc.boolean(),
        fc.constantFrom<Level>('gallery', 'image', 'version'),
        ({ caller, gallery, grants }, upper, level) => {
          const shouted: Caller = {
            organizationId: recase(caller.organizationId, upper),
            tenantId: recase(caller.tenantId, upper),
            subscriptionIds: caller.subscriptionIds.map((s) => recase(s, upper)),
          };
          const shoutedGrants = grants.map((g) => ({ ...g, organizationId: recase(g.organizationId, !upper) }));
          expect(canSee(shouted, TARGETS[level], gallery, shoutedGrants)).toEqual(
            canSee(caller, TARGETS[level], gallery, grants),
          );
        },
      ),
    );
  });
});

// ---------------------------------------------------------------- tenants, organizations, accounts

describe('isCrossTenant', () => {
  const caller = CALLERS['same-org'];
  it('is true only when the owner tenant is known and differs', () => {
    expect(isCrossTenant(caller, { ownerTenantId: PARTNER_TENANT })).toBe(true);
    expect(isCrossTenant(caller, { ownerTenantId: CONTOSO_TENANT })).toBe(false);
    expect(isCrossTenant(caller, { ownerTenantId: CONTOSO_TENANT.toUpperCase() })).toBe(false);
    expect(isCrossTenant(caller, {})).toBe(false);
    expect(isCrossTenant(caller, { ownerTenantId: '' })).toBe(false);
  });
});

const CONTOSO: Organization = {
  id: ORG_CONTOSO,
  tenantId: CONTOSO_TENANT,
  subscriptionIds: [PUBLISHER_SUB, CONSUMER_SUB],
  spotAccounts: { 'act-1a2b3c4d': PUBLISHER_SUB, 'act-0000beef': CONSUMER_SUB, 'act-deadbeef': OTHER_SUB },
};
const FABRIKAM: Organization = { id: ORG_OTHER, tenantId: PARTNER_TENANT, subscriptionIds: [OTHER_SUB] };

describe('organizations and gallery facts', () => {
  it('finds the organization of a subscription, case-insensitively', () => {
    expect(organizationOfSubscription(CONSUMER_SUB.toUpperCase(), [FABRIKAM, CONTOSO])).toBe(CONTOSO);
    expect(organizationOfSubscription(SIBLING_SUB, [FABRIKAM, CONTOSO])).toBeUndefined();
  });

  it('builds gallery facts from catalog records of the fixtures', () => {
    const corp = galleryRecordFrom(flatGallery(loadFixture('gallery-private.json')));
    expect(galleryFactsFor(corp, [FABRIKAM, CONTOSO])).toEqual({
      ref: corp.ref,
      ownerOrganizationId: ORG_CONTOSO,
      ownerTenantId: CONTOSO_TENANT,
      sharing: corp.sharing,
    });
    expect(galleryFactsFor(corp, [FABRIKAM])).toEqual({ ref: corp.ref, sharing: corp.sharing });
  });

  it('applies the fixtures: private, direct shared (subscription and tenant), community', () => {
    const orgs = [CONTOSO, FABRIKAM];
    const corp = galleryFactsFor(galleryRecordFrom(flatGallery(loadFixture('gallery-private.json'))), orgs);
    const partner = galleryFactsFor(galleryRecordFrom(flatGallery(loadFixture('gallery-direct-shared.json'))), orgs);
    const community = galleryFactsFor(galleryRecordFrom(flatGallery(loadFixture('gallery-community.json'))), orgs);
    const fabrikam: Caller = { organizationId: ORG_OTHER, tenantId: PARTNER_TENANT, subscriptionIds: [OTHER_SUB] };
    const partnerTenantOnly: Caller = { organizationId: 'org-x', tenantId: PARTNER_TENANT, subscriptionIds: [] };
    const stranger: Caller = {
      organizationId: 'org-y',
      tenantId: '00000000-0000-4000-8000-000000000000',
      subscriptionIds: [],
    };
    expect(canSee(fabrikam, corp.ref, corp, [])).toEqual(hidden);
    expect(canSee(fabrikam, imageRef(partner.ref, 'x'), partner, [])).toEqual(seen('direct-share-subscription'));
    expect(canSee(partnerTenantOnly, partner.ref, partner, [])).toEqual(seen('direct-share-tenant'));
    expect(canSee(stranger, partner.ref, partner, [])).toEqual(hidden);
    expect(canSee(stranger, versionRef(imageRef(community.ref, 'x'), '1.0.0'), community, [])).toEqual(
      seen('community'),
    );
    expect(isCrossTenant(fabrikam, partner)).toBe(true);
    expect(isCrossTenant(CALLERS['same-org'], corp)).toBe(false);
  });
});

describe('accounts', () => {
  it('recognises Spot account ids', () => {
    for (const ok of ['act-1a2b3c4d', 'ACT-1A2B3C4D', 'act-abcdefgh']) expect(isSpotAccountId(ok)).toBe(true);
    for (const bad of [
      'act-1a2b3c4',
      'act-1a2b3c4d5',
      'acct-1a2b3c4d',
      'act_1a2b3c4d',
      '',
      PUBLISHER_SUB,
      'act-1a2b-c4d',
    ])
      expect(isSpotAccountId(bad)).toBe(false);
  });

  it('maps an account to a subscription of the organization', () => {
    expect(subscriptionForAccount(CONSUMER_SUB, CONTOSO)).toBe(CONSUMER_SUB);
    expect(subscriptionForAccount(CONSUMER_SUB.toUpperCase(), CONTOSO)).toBe(CONSUMER_SUB);
    expect(subscriptionForAccount('act-1a2b3c4d', CONTOSO)).toBe(PUBLISHER_SUB);
    expect(subscriptionForAccount('ACT-0000BEEF', CONTOSO)).toBe(CONSUMER_SUB);
  });

  it('refuses accounts the organization does not own, unknown accounts and malformed ones', () => {
    expect(subscriptionForAccount(OTHER_SUB, CONTOSO)).toBeUndefined();
    expect(subscriptionForAccount('act-deadbeef', CONTOSO)).toBeUndefined(); // mapped to another organization's subscription
    expect(subscriptionForAccount('act-99999999', CONTOSO)).toBeUndefined();
    expect(subscriptionForAccount('act-1a2b3c4d', FABRIKAM)).toBeUndefined();
    expect(subscriptionForAccount('not-an-account', CONTOSO)).toBeUndefined();
    expect(subscriptionForAccount('', CONTOSO)).toBeUndefined();
  });
});

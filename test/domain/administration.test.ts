import { describe, it, expect } from 'vitest';
import {
  adminScopeOf,
  administratorProblems,
  mayManage,
  mayManageSubscription,
  organizationAdminProblems,
  type OrganizationShape,
} from '../../shared/domain/administration.js';

const OPERATOR_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const PARTNER = 'c24c76aa-8897-4027-9b03-8f7928b54ff6';

describe('adminScopeOf', () => {
  const member = (administrator: boolean, organizationTenantId = PARTNER) => ({
    organizationId: 'fabrikam',
    organizationTenantId,
    administrator,
  });

  it('needs the Catalog.Admin role before anything else', () => {
    expect(adminScopeOf({ tenantId: OPERATOR_TENANT, hasAdminRole: false }, OPERATOR_TENANT, undefined)).toEqual({
      kind: 'none',
    });
    expect(adminScopeOf({ tenantId: PARTNER, hasAdminRole: false }, OPERATOR_TENANT, member(true))).toEqual({
      kind: 'none',
    });
  });

  it("makes a Catalog.Admin of the operator's tenant the operator (tenants compare case-insensitively), member or not", () => {
    expect(
      adminScopeOf({ tenantId: OPERATOR_TENANT, hasAdminRole: true }, OPERATOR_TENANT.toUpperCase(), undefined),
    ).toEqual({ kind: 'operator' });
    expect(
      adminScopeOf({ tenantId: OPERATOR_TENANT, hasAdminRole: true }, OPERATOR_TENANT, member(false, OPERATOR_TENANT)),
    ).toEqual({ kind: 'operator' });
  });

  it('makes nobody operator when no operator tenant is set', () => {
    expect(adminScopeOf({ tenantId: OPERATOR_TENANT, hasAdminRole: true }, undefined, undefined)).toEqual({
      kind: 'none',
    });
  });

  it("gives another tenant's Catalog.Admin its organization only when the record names it administrator, in the organization's own tenant", () => {
    expect(adminScopeOf({ tenantId: PARTNER, hasAdminRole: true }, OPERATOR_TENANT, member(true))).toEqual({
      kind: 'organization',
      organizationId: 'fabrikam',
      tenantId: PARTNER,
    });
    expect(adminScopeOf({ tenantId: PARTNER, hasAdminRole: true }, OPERATOR_TENANT, member(false))).toEqual({
      kind: 'none',
    });
    expect(adminScopeOf({ tenantId: PARTNER, hasAdminRole: true }, OPERATOR_TENANT, undefined)).toEqual({
      kind: 'none',
    });
    // a guest of another tenant listed in an organization (and somehow marked) never administers it
    expect(
      adminScopeOf({ tenantId: PARTNER, hasAdminRole: true }, OPERATOR_TENANT, member(true, OPERATOR_TENANT)),
    ).toEqual({ kind: 'none' });
  });
});

describe('mayManage / mayManageSubscription', () => {
  it('lets the operator manage every organization, an administrator its own, anyone else none', () => {
    expect(mayManage({ kind: 'operator' }, 'contoso')).toBe(true);
    expect(mayManage({ kind: 'organization', organizationId: 'fabrikam', tenantId: PARTNER }, 'fabrikam')).toBe(true);
    expect(mayManage({ kind: 'organization', organizationId: 'fabrikam', tenantId: PARTNER }, 'contoso')).toBe(false);
    expect(mayManage({ kind: 'none' }, 'contoso')).toBe(false);
  });

  it("lets an administrator act on its organization's subscriptions only (an unowned subscription is the operator's)", () => {
    const admin = { kind: 'organization', organizationId: 'fabrikam', tenantId: PARTNER } as const;
    expect(mayManageSubscription(admin, { id: 'fabrikam' })).toBe(true);
    expect(mayManageSubscription(admin, { id: 'contoso' })).toBe(false);
    expect(mayManageSubscription(admin, undefined)).toBe(false);
    expect(mayManageSubscription({ kind: 'operator' }, undefined)).toBe(true);
    expect(mayManageSubscription({ kind: 'none' }, { id: 'fabrikam' })).toBe(false);
  });
});

describe('what an organization administrator may change', () => {
  const SUB = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
  const before: OrganizationShape = {
    tenantId: PARTNER,
    subscriptions: [{ subscriptionId: SUB }],
    principals: [
      { tenantId: PARTNER, objectId: '66666666-7777-4888-8999-aaaaaaaaaaaa', administrator: true },
      { tenantId: OPERATOR_TENANT, objectId: '11111111-2222-4333-8444-555555555555' },
    ],
  };

  it('accepts the record as it is, principals of its tenant added, a subscription or a guest dropped', () => {
    expect(organizationAdminProblems(before, before)).toEqual([]);
    const more = {
      ...before,
      principals: [
        ...before.principals,
        { tenantId: PARTNER.toUpperCase(), objectId: 'bbbbbbbb-7777-4888-8999-aaaaaaaaaaaa', administrator: true },
      ],
    };
    expect(organizationAdminProblems(before, more)).toEqual([]);
    expect(
      organizationAdminProblems(before, { ...before, subscriptions: [], principals: [before.principals[0]!] }),
    ).toEqual([]);
    // a guest already listed stays (keeping it is no change)
    expect(organizationAdminProblems(before, { ...before, principals: [...before.principals].reverse() })).toEqual([]);
  });

  it('refuses a subscription added, a principal of another tenant added, and a tenant change, naming each field', () => {
    const after: OrganizationShape = {
      tenantId: OPERATOR_TENANT,
      subscriptions: [
        { subscriptionId: SUB.toUpperCase() },
        { subscriptionId: '0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f' },
      ],
      principals: [
        ...before.principals,
        { tenantId: 'dddddddd-1111-4222-8333-444444444444', objectId: 'eeeeeeee-1111-4222-8333-444444444444' },
      ],
    };
    expect(organizationAdminProblems(before, after).map((p) => p.field)).toEqual([
      'body.tenantId',
      'body.subscriptions[1].subscriptionId',
      'body.principals[2].tenantId',
    ]);
  });
});

describe('administratorProblems', () => {
  it("accepts administrators of the organization's tenant, refuses one of another tenant", () => {
    const ok: OrganizationShape = {
      tenantId: PARTNER,
      subscriptions: [],
      principals: [
        { tenantId: PARTNER, objectId: 'a', administrator: true },
        { tenantId: OPERATOR_TENANT, objectId: 'b' },
      ],
    };
    expect(administratorProblems(ok)).toEqual([]);
    const bad: OrganizationShape = {
      ...ok,
      principals: [...ok.principals, { tenantId: OPERATOR_TENANT, objectId: 'c', administrator: true }],
    };
    expect(administratorProblems(bad)).toEqual([
      { field: 'body.principals[2].administrator', message: expect.stringContaining("organization's own tenant") },
    ]);
  });
});

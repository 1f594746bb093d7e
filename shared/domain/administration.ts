/**
 * Who may manage which organization (pure).
 *
 * One deployment serves many organizations, each in its own Microsoft Entra tenant. With a
 * multi-tenant app registration every tenant assigns the app roles in its own enterprise
 * application, so a tenant's administrator can give itself `Catalog.Admin`: the role alone must
 * never reach beyond the caller's tenant and organization.
 *
 * - The **operator** is a principal of the operator's tenant (`AUTH_OPERATOR_TENANT`, by default the
 *   first allowed tenant) holding `Catalog.Admin`: it manages every organization, creates and
 *   deletes them, and runs the reconcile.
 * - An **organization administrator** is a principal the organization's record names
 *   (`principals[].administrator: true`), of the organization's own tenant, holding
 *   `Catalog.Admin`: it manages that organization only — its principals (of its tenant), Spot
 *   accounts, grants, administrators, auto-roll pauses of its definitions — and never adds a
 *   subscription or changes the tenant: a subscription decides whose catalog an organization sees,
 *   and the answer to taking one that another organization holds (409) would tell whether it is.
 * - Anyone else, whatever its roles, manages nothing: another organization is answered exactly as
 *   a missing one.
 */

export type AdminScope =
  | { readonly kind: 'operator' }
  | { readonly kind: 'organization'; readonly organizationId: string; readonly tenantId: string }
  | { readonly kind: 'none' };

export interface AdminCandidate {
  /** The principal's own tenant (lower case). */
  readonly tenantId: string;
  /** Whether its token carries `Catalog.Admin`. */
  readonly hasAdminRole: boolean;
}

/** The organization that lists the principal, and whether it names it an administrator. */
export interface Membership {
  readonly organizationId: string;
  readonly organizationTenantId: string;
  readonly administrator: boolean;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function adminScopeOf(
  candidate: AdminCandidate,
  operatorTenant: string | undefined,
  membership: Membership | undefined,
): AdminScope {
  if (!candidate.hasAdminRole) return { kind: 'none' };
  if (operatorTenant !== undefined && same(candidate.tenantId, operatorTenant)) return { kind: 'operator' };
  if (membership?.administrator === true && same(membership.organizationTenantId, candidate.tenantId)) {
    return {
      kind: 'organization',
      organizationId: membership.organizationId,
      tenantId: membership.organizationTenantId,
    };
  }
  return { kind: 'none' };
}

/** Whether the scope may read and change the organization (creating and deleting are the operator's). */
export function mayManage(scope: AdminScope, organizationId: string): boolean {
  return scope.kind === 'operator' || (scope.kind === 'organization' && scope.organizationId === organizationId);
}

/** Whether the scope may act on a resource of this subscription (its organization's auto-roll pauses). */
export function mayManageSubscription(scope: AdminScope, owner: { readonly id: string } | undefined): boolean {
  return (
    scope.kind === 'operator' ||
    (scope.kind === 'organization' && owner !== undefined && owner.id === scope.organizationId)
  );
}

export interface OrganizationShape {
  readonly tenantId: string;
  readonly subscriptions: readonly { readonly subscriptionId: string }[];
  readonly principals: readonly {
    readonly tenantId: string;
    readonly objectId: string;
    readonly administrator?: boolean | undefined;
  }[];
}

export interface FieldFault {
  readonly field: string;
  readonly message: string;
}

/** Administrators are principals of the organization's own tenant (whoever writes the record). */
export function administratorProblems(doc: OrganizationShape): FieldFault[] {
  return doc.principals.flatMap((p, i) =>
    p.administrator === true && !same(p.tenantId, doc.tenantId)
      ? [
          {
            field: `body.principals[${i}].administrator`,
            message: "an administrator must be a principal of the organization's own tenant",
          },
        ]
      : [],
  );
}

/** What an organization administrator may not change in its organization's record (the operator may). */
export function organizationAdminProblems(before: OrganizationShape, after: OrganizationShape): FieldFault[] {
  const problems: FieldFault[] = [];
  if (!same(before.tenantId, after.tenantId))
    problems.push({ field: 'body.tenantId', message: "only the operator changes an organization's tenant" });
  const held = new Set(before.subscriptions.map((s) => s.subscriptionId.toLowerCase()));
  after.subscriptions.forEach((s, i) => {
    if (!held.has(s.subscriptionId.toLowerCase()))
      problems.push({
        field: `body.subscriptions[${i}].subscriptionId`,
        message: 'only the operator adds a subscription to an organization',
      });
  });
  const known = new Set(before.principals.map((p) => `${p.tenantId}/${p.objectId}`.toLowerCase()));
  after.principals.forEach((p, i) => {
    if (!known.has(`${p.tenantId}/${p.objectId}`.toLowerCase()) && !same(p.tenantId, after.tenantId)) {
      problems.push({
        field: `body.principals[${i}].tenantId`,
        message: "an organization administrator adds principals of the organization's own tenant only",
      });
    }
  });
  return problems;
}

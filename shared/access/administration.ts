/**
 * Managing organizations with the scope each administrator has (shared/domain/administration.ts):
 * the operator manages every organization; an organization administrator manages its own; anyone
 * else manages nothing. An organization outside the caller's scope is answered exactly as a missing
 * one (NotVisibleError, 404), so nobody learns which organizations exist elsewhere.
 */
import { NotVisibleError } from '../domain/not-visible.js';
import {
  adminScopeOf,
  mayManage,
  mayManageSubscription,
  organizationAdminProblems,
  type AdminScope,
  type FieldFault,
} from '../domain/administration.js';
import { organizationOfSubscription } from '../domain/visibility.js';
import { APP_ROLES, type Principal } from './principal.js';
import type { OrganizationDirectory, OrganizationDocument, StoredOrganization } from './directory.js';

/** The administrator may see the organization but not make this change (403, naming each field). */
export class AdminChangeForbiddenError extends Error {
  override readonly name = 'AdminChangeForbiddenError';
  constructor(
    message: string,
    readonly faults: readonly FieldFault[] = [],
  ) {
    super(message);
  }
}

export class Administration {
  constructor(
    private readonly directory: OrganizationDirectory,
    private readonly operatorTenant: string | undefined,
  ) {}

  async scopeOf(principal: Principal): Promise<AdminScope> {
    const membership = await this.directory.membershipOf(principal.tenantId, principal.objectId);
    return adminScopeOf(
      { tenantId: principal.tenantId, hasAdminRole: (principal.roles ?? []).includes(APP_ROLES.admin) },
      this.operatorTenant,
      membership,
    );
  }

  async list(scope: AdminScope): Promise<StoredOrganization[]> {
    const all = await this.directory.list();
    return all.filter((o) => mayManage(scope, o.id));
  }

  async get(scope: AdminScope, id: string): Promise<StoredOrganization> {
    const org = mayManage(scope, id) ? await this.directory.get(id) : undefined;
    if (!org) throw new NotVisibleError();
    return org;
  }

  async put(scope: AdminScope, id: string, document: OrganizationDocument): Promise<StoredOrganization> {
    if (scope.kind === 'operator') return this.directory.put(id, document);
    if (!mayManage(scope, id)) throw new NotVisibleError();
    const before = await this.directory.get(id, true);
    if (!before) throw new NotVisibleError();
    const faults = organizationAdminProblems(before, document);
    if (faults.length > 0)
      throw new AdminChangeForbiddenError(
        'An organization administrator may not make these changes; the operator can.',
        faults,
      );
    return this.directory.put(id, document);
  }

  async delete(scope: AdminScope, id: string): Promise<void> {
    if (scope.kind === 'organization' && scope.organizationId === id)
      throw new AdminChangeForbiddenError('Only the operator deletes an organization.');
    if (scope.kind !== 'operator' || !(await this.directory.delete(id))) throw new NotVisibleError();
  }

  /** Whether the scope may pause auto-roll of a definition in this subscription (the organization owning it). */
  async mayManageSubscription(scope: AdminScope, subscriptionId: string): Promise<boolean> {
    if (scope.kind === 'operator') return true;
    return mayManageSubscription(
      scope,
      organizationOfSubscription(subscriptionId, await this.directory.organizations()),
    );
  }
}

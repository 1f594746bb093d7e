import { z } from 'zod';
import type { Caller } from '../domain/visibility.js';
import { kindLetter } from '../domain/job-envelope.js';
import { publicSpecOf } from '../domain/spot-body.js';
import { groupRecordSchema, type GroupRecord, type JobScope } from '../jobs/store.js';
import { services } from '../services.js';

/** The subscription an account names, when the caller acts for it; otherwise undefined. */
export async function callerAccountSubscription(caller: Caller, account: string): Promise<string | undefined> {
  const owner = await services().directory.accountOwner(account);
  return owner &&
    owner.organization.id === caller.organizationId &&
    caller.subscriptionIds.includes(owner.subscriptionId)
    ? owner.subscriptionId
    : undefined;
}

/**
 * Whose jobs the caller may find by id: its organization, and (for jobs recorded before ids were
 * scoped to organizations) the organization's subscriptions.
 */
export async function organizationScope(caller: Caller): Promise<JobScope> {
  const organization = (await services().directory.organizations()).find((o) => o.id === caller.organizationId);
  return {
    organizationId: caller.organizationId,
    subscriptionIds: organization?.subscriptionIds ?? caller.subscriptionIds,
  };
}

/** Whether an account (a gallery's `spotAccountId`) is a connected account of the caller's own organization. */
export async function sameOrganizationAccount(caller: Caller, account: string): Promise<boolean> {
  const owner = await services().directory.accountOwner(account);
  return owner !== undefined && owner.organization.id === caller.organizationId;
}

/** A group as the API returns it (publicGroupView): its record, the spec with scripts shown by size and hash. */
export const groupViewSchema = groupRecordSchema.extend({
  spec: z
    .record(z.string(), z.unknown())
    .describe(
      "The group's Spot body as last written: secrets are never kept (login.passwordSet: true, extensions[].protectedSettingsSet: true in their place), read-only fields are dropped, and customData, userData and shutdownScript are shown as { size, sha256 }.",
    ),
});

/** A group as the API returns it: scripts (customData, userData, shutdownScript) as `{ size, sha256 }`; secrets were never stored. */
export function publicGroupView(group: GroupRecord): GroupRecord {
  const kind = group.kind === 'statefulNode' || group.kind === 'statelessGroup' ? group.kind : undefined;
  return kind === undefined ? group : { ...group, spec: publicSpecOf(kindLetter(kind), group.spec) };
}

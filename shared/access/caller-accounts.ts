/**
 * Who the caller is to this service (`GET /api/me`): its organization and the organization's
 * accounts, those the caller acts for marked. Nothing of another organization is ever in it.
 *
 * The accounts it does not act for are listed because a job may name one of them as the
 * `spotAccountId` of its gallery image (a gallery of another subscription of the same
 * organization); the jobs, groups and sizes of an account stay readable only to those who act
 * for it.
 */
import { z } from 'zod';
import type { OrganizationDirectory } from './directory.js';
import type { Caller } from '../domain/visibility.js';

export const callerAccountsSchema = z.strictObject({
  organization: z.string().describe("The caller's organization id"),
  displayName: z.string().optional(),
  accounts: z
    .array(
      z.strictObject({
        account: z
          .string()
          .describe(
            'The Spot account id, or the subscription id when the subscription has none: what caller.account and spotAccountId name',
          ),
        subscriptionId: z.string(),
        actsFor: z.boolean().describe('The caller acts for the account: it may submit its jobs and read its groups'),
      }),
    )
    .describe("The organization's accounts, those the caller acts for first"),
});
export type CallerAccounts = z.infer<typeof callerAccountsSchema>;

/** The caller's organization and its accounts (from the organization's record). */
export async function callerAccounts(directory: OrganizationDirectory, caller: Caller): Promise<CallerAccounts> {
  const organization = await directory.get(caller.organizationId);
  const mine = new Set(caller.subscriptionIds.map((s) => s.toLowerCase()));
  const accounts = (organization?.subscriptions ?? [])
    .map((s) => ({
      account: s.spotAccountId ?? s.subscriptionId,
      subscriptionId: s.subscriptionId,
      actsFor: mine.has(s.subscriptionId.toLowerCase()),
    }))
    .sort((a, b) => Number(b.actsFor) - Number(a.actsFor) || a.account.localeCompare(b.account));
  return {
    organization: caller.organizationId,
    ...(organization?.displayName ? { displayName: organization.displayName } : {}),
    accounts,
  };
}

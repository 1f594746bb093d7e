import type { Caller } from '../domain/visibility.js';
import { subscriptionForAccount } from '../domain/visibility.js';
import { toOrganization } from '../access/directory.js';
import { services } from '../services.js';

/** The subscription an account names, when the caller acts for it; otherwise undefined. */
export async function callerAccountSubscription(caller: Caller, account: string): Promise<string | undefined> {
  const org = (await services().directory.list()).find((o) => o.id === caller.organizationId);
  if (!org) return undefined;
  const sub = subscriptionForAccount(account, toOrganization(org));
  return sub && caller.subscriptionIds.includes(sub) ? sub : undefined;
}

import type { Caller } from '../domain/visibility.js';
import { services } from '../services.js';

/** The subscription an account names, when the caller acts for it; otherwise undefined. */
export async function callerAccountSubscription(caller: Caller, account: string): Promise<string | undefined> {
  const owner = await services().directory.accountOwner(account);
  return owner && owner.organization.id === caller.organizationId && caller.subscriptionIds.includes(owner.subscriptionId) ? owner.subscriptionId : undefined;
}

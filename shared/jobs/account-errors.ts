/**
 * The one answer for a gallery account (`spotAccountId`) that is not a connected account of the
 * caller's own organization: the same code and message whether the account belongs to another
 * organization or to none, and no id in it, so accounts cannot be enumerated.
 */
export const ACCOUNT_NOT_CONNECTED = {
  code: 'account-not-connected',
  message: "The spotAccountId is not a connected account of the caller's organization.",
} as const;

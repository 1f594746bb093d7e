/**
 * Azure built-in roles, by role definition id (the same in every tenant), with their names as
 * Azure's built-in roles reference lists them: MicrosoftDocs/azure-docs
 * articles/role-based-access-control/built-in-roles.md at commit
 * 00a583295ba737a5caf885472cb3bca3624e9cde (published as
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles), sections Privileged,
 * General, Compute, Networking, Storage, Integration and Monitor.
 *
 * A small table: the roles this app assigns, the broad roles the tests refuse, and their near
 * neighbours. A role id the infrastructure writes that is not here fails the Bicep check; add the
 * role from that reference when the infrastructure really needs it.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  // Privileged
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  // General
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  // Storage
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1': 'Storage Blob Data Reader',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '76199698-9eea-4c19-bc75-cec21354c6b6': 'Storage Table Data Reader',
  // Integration
  '090c5cfd-751d-490a-894a-3ce6f1109419': 'Azure Service Bus Data Owner',
  '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0': 'Azure Service Bus Data Receiver',
  '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39': 'Azure Service Bus Data Sender',
  'd5a91429-5739-47e2-a06b-3470a27159e7': 'EventGrid Data Sender',
  // Compute
  '9980e02c-c2be-4d73-94e8-173b1dc7cf3c': 'Virtual Machine Contributor',
  // Networking
  '4d97b98b-1d4f-4787-a291-c67834d212e7': 'Network Contributor',
  // Monitor
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
};

/** The id of a role in the table, by its name. */
export function roleId(name: string): string {
  const id = Object.entries(BUILT_IN_ROLES).find(([, n]) => n === name)?.[0];
  if (!id) throw new Error(`${name} is not in BUILT_IN_ROLES`);
  return id;
}

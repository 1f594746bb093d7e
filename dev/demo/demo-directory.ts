/**
 * The demo organizations for the offline `npm start`: who acts for which demo subscription, and
 * the organization shares between them. The development principal (`LOCAL_PRINCIPAL`, default
 * DEMO_PRINCIPAL) is a Contoso platform engineer acting for the consumer subscription.
 */
import type { OrganizationDirectory, OrganizationDocument } from '../../shared/access/directory.js';
import type { Principal } from '../../shared/access/principal.js';
import { DEMO_GALLERIES, DEMO_IMAGES, DEMO_SUBSCRIPTIONS, DEMO_TENANTS } from './demo-org.js';

export const DEMO_PRINCIPAL: Principal = {
  tenantId: DEMO_TENANTS.contoso,
  objectId: '11111111-2222-4333-8444-555555555555',
};
export const DEMO_PARTNER_PRINCIPAL: Principal = {
  tenantId: DEMO_TENANTS.partner,
  objectId: '66666666-7777-4888-8999-aaaaaaaaaaaa',
};

/** The demo organization records, by id, as an administrator would PUT them. */
export function demoOrganizations(): Record<string, OrganizationDocument> {
  return {
    contoso: {
      tenantId: DEMO_TENANTS.contoso,
      displayName: 'Contoso',
      subscriptions: [
        { subscriptionId: DEMO_SUBSCRIPTIONS.publisher, spotAccountId: 'act-1a2b3c4d' },
        { subscriptionId: DEMO_SUBSCRIPTIONS.consumer, spotAccountId: 'act-5c6d7e8f' },
      ],
      principals: [{ ...DEMO_PRINCIPAL, subscriptionIds: [DEMO_SUBSCRIPTIONS.consumer] }],
      grants: [
        { scope: DEMO_GALLERIES.corp, subscriptionId: DEMO_SUBSCRIPTIONS.consumer },
        { scope: DEMO_IMAGES.marinerArm64 },
      ],
    },
    fabrikam: {
      tenantId: DEMO_TENANTS.partner,
      displayName: 'Fabrikam',
      subscriptions: [{ subscriptionId: DEMO_SUBSCRIPTIONS.otherOrg, spotAccountId: 'act-9e8d7c6b' }],
      principals: [DEMO_PARTNER_PRINCIPAL],
      grants: [],
    },
  };
}

export async function seedDemoDirectory(directory: OrganizationDirectory): Promise<void> {
  for (const [id, document] of Object.entries(demoOrganizations())) await directory.put(id, document);
}

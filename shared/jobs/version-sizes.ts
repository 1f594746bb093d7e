/**
 * The VM sizes one of the caller's accounts has in a region, each checked against an image version
 * as a group job would check it (shared/domain/size-fit.ts): which sizes can run the version and
 * why the others cannot. The console picks the sizes of the body it builds from this answer.
 *
 * The caller must see the image (404 otherwise, like a missing one); the account is one it acts
 * for (the HTTP function checks that); the sizes are the account's own (its subscription's
 * resource SKUs, the list a job of that account is checked against).
 */
import { z } from 'zod';
import type { CatalogStore } from '../catalog/store.js';
import type { CatalogLookups } from '../lookups/lookups.js';
import type { VmSizeCatalog } from './vm-sizes.js';
import { NotVisibleError } from '../domain/not-visible.js';
import { FieldErrors } from '../domain/faults.js';
import { parentOf, type VersionRef } from '../domain/ids.js';
import type { Caller } from '../domain/visibility.js';
import { SECURITY_TYPES } from '../domain/job-envelope.js';
import { securityTypesOf, type VmSecurityType } from '../domain/compatibility.js';
import { defaultSecurityType, sizeFits, sizeFitSchema } from '../domain/size-fit.js';

/** GET .../versions/{version}/vmSizes?region=&account=. */
export const versionSizesSchema = z.strictObject({
  version: z.string().describe('The image version id'),
  region: z.string(),
  account: z.string().describe('The account whose sizes these are (Spot account id or subscription id)'),
  securityType: z
    .enum(SECURITY_TYPES)
    .describe(
      "The VMs' security type the sizes were checked for: the one asked for, else the image's only one, else TrustedLaunch when the image allows it, else Standard; absent when the image's SecurityType is unknown to this service",
    )
    .optional(),
  sizes: z
    .array(sizeFitSchema)
    .describe(
      'Every size offered in the region: those that fit first (fewest warnings, then fewest vCPUs), then the others with why not, fewest errors first',
    ),
});
export type VersionSizes = z.infer<typeof versionSizesSchema>;

export class VersionSizeLookup {
  constructor(
    private readonly deps: { catalog: CatalogStore; lookups: CatalogLookups; vmSizes: VmSizeCatalog },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The account's sizes in `region` checked against the version; `subscriptionId` is the account's (one the caller acts for). */
  async sizes(
    caller: Caller,
    ref: VersionRef,
    region: string,
    account: { name: string; subscriptionId: string },
    securityType: VmSecurityType | undefined,
  ): Promise<VersionSizes> {
    await this.deps.lookups.image(caller, parentOf(ref)); // NotVisibleError (404) when the caller does not see it
    const [image, stored] = await Promise.all([
      this.deps.lookups.liveImage(parentOf(ref)),
      this.deps.catalog.getVersion(ref),
    ]);
    const version = stored?.record;
    if (!image || !version) throw new NotVisibleError();
    const allowed = securityTypesOf(image);
    if (securityType !== undefined && allowed !== undefined && !allowed.includes(securityType)) {
      throw new FieldErrors([
        { field: 'query.securityType', message: `must be one the image can create: ${allowed.join(', ')}` },
      ]);
    }
    const checked = securityType ?? defaultSecurityType(image);
    const vmSizes = await this.deps.vmSizes.sizes(account.subscriptionId, region);
    return {
      version: version.id,
      region,
      account: account.name,
      ...(checked === undefined ? {} : { securityType: checked }),
      sizes: sizeFits({ image, version, region, vmSizes, securityType: checked, now: this.now() }),
    };
  }
}

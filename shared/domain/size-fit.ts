/**
 * Which VM sizes of a region can run an image version, by the job's own rules: every size offered
 * in the region is listed in one probe spec and `checkCompatibility` (compatibility.ts) runs on it
 * as it runs on a job; a size fits when no error names it. Nothing here repeats a rule, so a size
 * said to fit is one a job listing it passes on (for the VMs' security type asked for).
 *
 * Only the findings at a size's own place are kept: the others concern the rest of the probe spec
 * (login, disks, orchestration mode), which the caller's own body decides. What a size offers that
 * the body must match (premium storage, encryption at host, zones) is answered as facts.
 */
import { z } from 'zod';
import { checkCompatibility, listedSizes, securityTypesOf, type VmSecurityType } from './compatibility.js';
import type { StatelessGroupSpec } from './job-envelope.js';
import type { ImageDefinitionRecord, ImageVersionRecord } from './records.js';
import { normalizeRegion } from './regions.js';
import type { VmSizeCapabilities } from './vm-sizes.js';

const findingSchema = z.strictObject({ code: z.string(), message: z.string() });

export const sizeFitSchema = z.strictObject({
  name: z.string(),
  vCPUs: z.number().optional(),
  memoryGB: z.number().optional(),
  premiumIO: z.boolean().describe('Premium storage (PremiumIO): Premium_LRS and Premium_ZRS disks'),
  encryptionAtHostSupported: z.boolean().optional(),
  zones: z.array(z.string()).describe('Zones of the region the size is available in').optional(),
  fits: z.boolean().describe('No compatibility rule of a job refuses the size for this version and security type'),
  errors: z
    .array(findingSchema)
    .describe('Why a job listing the size fails (code and message as the job would report them)'),
  warnings: z.array(findingSchema),
});
export type SizeFit = z.infer<typeof sizeFitSchema>;

export interface SizeFitInput {
  readonly image: ImageDefinitionRecord;
  readonly version: ImageVersionRecord;
  readonly region: string;
  /** The capabilities of the account's sizes in the region, by name. */
  readonly vmSizes: Readonly<Record<string, VmSizeCapabilities | undefined>>;
  /** The VMs' security type; undefined for an image whose SecurityType this service does not know (not checked). */
  readonly securityType: VmSecurityType | undefined;
  readonly now: Date;
}

/**
 * The security type a new group of an image gets unless told otherwise: the image's only one,
 * else TrustedLaunch when the image allows it (Azure's default for new VMs), else Standard.
 * Undefined for an image whose SecurityType this service does not know.
 */
export function defaultSecurityType(image: Pick<ImageDefinitionRecord, 'features'>): VmSecurityType | undefined {
  const allowed = securityTypesOf(image);
  if (allowed === undefined) return undefined;
  if (allowed.length === 1 && allowed[0] !== undefined) return allowed[0];
  return allowed.includes('TrustedLaunch') ? 'TrustedLaunch' : 'Standard';
}

/**
 * Every size offered in the region, checked: those that fit first (fewest warnings, then fewest
 * vCPUs, least memory, name), then the others, nearest to fitting (fewest errors) first.
 */
export function sizeFits(input: SizeFitInput): SizeFit[] {
  const region = normalizeRegion(input.region);
  const offered = Object.values(input.vmSizes)
    .filter(
      (s): s is VmSizeCapabilities => s !== undefined && s.offeredInRegion && normalizeRegion(s.region) === region,
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  if (offered.length === 0) return [];
  const spec: StatelessGroupSpec = {
    name: 'size-probe',
    resourceGroupName: 'size-probe',
    region,
    capacity: { minimum: 0, maximum: 1, target: 1 },
    compute: {
      os: input.image.osType,
      vmSizes: { odSizes: offered.map((s) => s.name) },
      launchSpecification: {
        image: {},
        ...(input.securityType === undefined ? {} : { security: { securityType: input.securityType } }),
      },
    },
  };
  const findings = checkCompatibility({
    kind: 'statelessGroup',
    spec,
    region,
    image: input.image,
    version: input.version,
    vmSizes: input.vmSizes,
    imageTenant: 'same',
    now: input.now,
  });
  const paths = listedSizes({ kind: 'statelessGroup', spec });
  const fits = offered.map((size, i): SizeFit => {
    const here = findings
      .filter((f) => f.path === paths[i]?.path)
      .map((f) => ({ severity: f.severity, finding: { code: f.code, message: f.message } }));
    const errors = here.filter((f) => f.severity === 'error').map((f) => f.finding);
    return {
      name: size.name,
      ...(size.vCPUs === undefined ? {} : { vCPUs: size.vCPUs }),
      ...(size.memoryGB === undefined ? {} : { memoryGB: size.memoryGB }),
      premiumIO: size.premiumIO,
      ...(size.encryptionAtHostSupported === undefined
        ? {}
        : { encryptionAtHostSupported: size.encryptionAtHostSupported }),
      ...(size.zones === undefined ? {} : { zones: size.zones }),
      fits: errors.length === 0,
      errors,
      warnings: here.filter((f) => f.severity === 'warning').map((f) => f.finding),
    };
  });
  const rank = (s: SizeFit): number[] =>
    s.fits ? [0, s.warnings.length, s.vCPUs ?? Infinity, s.memoryGB ?? Infinity] : [1, s.errors.length, 0, 0];
  return fits.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
    return a.name.localeCompare(b.name);
  });
}

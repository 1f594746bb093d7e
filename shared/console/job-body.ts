/**
 * "Use in a group job": the body the console builds for a chosen image, computed without the DOM
 * (shared by the browser code and its unit tests). Starting from a Spot body (a template or the
 * user's own), it sets what the image decides so that a job passes as given:
 * - the region: the body's own when the version can be deployed there, else the first that can
 *   (for `latest`: a region where it resolves to a version);
 * - the OS (`compute.os`), login (none for a specialized image), the security type and its flags;
 * - the VM sizes: those of the caller's account in that region that the catalog says can run the
 *   version (`GET .../versions/{version}/vmSizes`, the job's own compatibility rules), and the
 *   zones all of them offer;
 * - disk types the sizes support and the image allows, an OS disk no smaller than the version's;
 * - the gallery image, with `spotAccountId` when the gallery is in another account of the
 *   organization (a job can name no gallery outside it);
 * - a fresh group name.
 * What only the user can give (a Windows password) is named in `notes`, never invented.
 */
import { kindOfBody, type GalleryChoice, type Matrix } from './model.js';

// ---------------------------------------------------------------- API shapes (the fields read)

/** An image definition as the cascade lists it. */
export interface ImageFacts {
  name: string;
  subscriptionId: string;
  osType: 'Windows' | 'Linux';
  osState: 'Generalized' | 'Specialized';
  hyperVGeneration: 'V1' | 'V2';
  architecture: 'x64' | 'Arm64';
  disallowedDiskTypes: readonly string[];
}

export interface FindingView {
  code: string;
  message: string;
}

export interface SizeFitView {
  name: string;
  vCPUs?: number;
  memoryGB?: number;
  premiumIO: boolean;
  encryptionAtHostSupported?: boolean;
  zones?: readonly string[];
  fits: boolean;
  errors: readonly FindingView[];
  warnings: readonly FindingView[];
}

/** `GET .../versions/{version}/vmSizes?region=&account=`. */
export interface VersionSizesView {
  version: string;
  region: string;
  account: string;
  securityType?: 'Standard' | 'TrustedLaunch' | 'ConfidentialVM';
  sizes: readonly SizeFitView[];
}

export interface AccountView {
  account: string;
  subscriptionId: string;
  actsFor: boolean;
}

/** `GET /api/me`. */
export interface CallerAccountsView {
  organization: string;
  displayName?: string;
  accounts: readonly AccountView[];
}

// ---------------------------------------------------------------- choices

/** The accounts the caller may submit jobs for, as the job form offers them. */
export function ownAccounts(me: CallerAccountsView): AccountView[] {
  return me.accounts.filter((a) => a.actsFor);
}

/**
 * The region a job on the chosen version goes to, and the version it gets there: the preferred
 * region when the version can be deployed there, else the first region (the matrix's order) that
 * can. Undefined when no region can.
 */
export function jobRegion(
  matrix: Pick<Matrix, 'regions' | 'rows' | 'latest'>,
  chosen: string,
  preferred: string | undefined,
): { region: string; version: string } | undefined {
  const candidates = (region: string): string | undefined => {
    if (chosen === 'latest') return matrix.latest[region];
    const row = matrix.rows.find((r) => r.version === chosen);
    return row?.cells.find((c) => c.region === region)?.deployable ? chosen : undefined;
  };
  const wanted = preferred?.toLowerCase().replace(/\s+/g, '');
  const order =
    wanted !== undefined && matrix.regions.includes(wanted)
      ? [wanted, ...matrix.regions.filter((r) => r !== wanted)]
      : matrix.regions;
  for (const region of order) {
    const version = candidates(region);
    if (version !== undefined) return { region, version };
  }
  return undefined;
}

const SPOT_ACCOUNT = /^act-[0-9a-z]{8}$/i;

/**
 * How the body names the gallery's account: nothing when it is the caller's account, the Spot
 * account id of the organization's account holding it otherwise; a problem when the gallery is in
 * no account of the organization (a job names only galleries of its organization's accounts).
 */
export function galleryAccount(
  imageSubscription: string,
  callerAccount: string,
  accounts: readonly AccountView[],
): { spotAccountId?: string } | { problem: string } {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  const caller = accounts.find((a) => same(a.account, callerAccount) || same(a.subscriptionId, callerAccount));
  if (caller && same(caller.subscriptionId, imageSubscription)) return {};
  const holder = accounts.find((a) => same(a.subscriptionId, imageSubscription));
  if (!holder)
    return {
      problem: `The gallery is in subscription ${imageSubscription}, which is not an account of your organization: a group job can only use galleries of your organization's accounts.`,
    };
  if (!SPOT_ACCOUNT.test(holder.account))
    return {
      problem: `The gallery's subscription ${imageSubscription} has no Spot account id in your organization's record, so a job cannot name it as spotAccountId.`,
    };
  return { spotAccountId: holder.account };
}

/** A group name no job has used yet: the image's name and eight random hex digits (at most 64 characters). */
export function freshGroupName(imageName: string, random: string): string {
  return `${imageName.slice(0, 55)}-${random
    .replace(/[^0-9a-f]/gi, '')
    .slice(0, 8)
    .toLowerCase()}`;
}

// ---------------------------------------------------------------- the body

export interface JobBodyInput {
  choice: GalleryChoice;
  image: ImageFacts;
  region: string;
  sizes: VersionSizesView;
  /** The gallery's account, when it is not the caller's. */
  spotAccountId?: string;
  /** The OS disk of the version the region gets (GB), when ARM reported it. */
  osDiskSizeGB?: number;
  name: string;
}

export type JobBodyResult = { body: Record<string, unknown>; sizes: string[]; notes: string[] } | { problem: string };

/** At most this many sizes: one for on-demand, these for spot. */
const SPOT_SIZES = 3;
/** OS disk types in order of preference: premium when every size supports it. */
const PREMIUM = ['Premium_LRS', 'Premium_ZRS'];
const STANDARD = ['StandardSSD_LRS', 'StandardSSD_ZRS', 'Standard_LRS'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const objectAt = (parent: Obj, key: string): Obj => {
  const v = parent[key];
  if (isObj(v)) return v;
  const created: Obj = {};
  parent[key] = created;
  return created;
};

/** Why no size fits, in one sentence: the reasons of the first few sizes. */
export function noSizeText(image: string, version: string, sizes: VersionSizesView): string {
  const where = `${sizes.account} in ${sizes.region}`;
  if (sizes.sizes.length === 0)
    return `The account ${where} offers no VM size: no body can be built for ${image} ${version}.`;
  const why = sizes.sizes.slice(0, 4).map((s) => `${s.name}: ${s.errors.map((e) => e.message).join(' ')}`);
  return `No VM size of ${where} can run ${image} ${version}${sizes.securityType ? ` (${sizes.securityType} VMs)` : ''}. ${why.join(' ')}${sizes.sizes.length > 4 ? ` (and ${sizes.sizes.length - 4} more sizes)` : ''}`;
}

/** The body for the chosen image, or why none can be built. `template` is a group or stateful node body. */
export function jobBody(template: unknown, input: JobBodyInput): JobBodyResult {
  const kind = kindOfBody(template);
  if (!kind) return { problem: 'The body must be an object with exactly one of "group" or "statefulNode".' };
  const fitting = input.sizes.sizes.filter((s) => s.fits);
  if (fitting.length === 0) return { problem: noSizeText(input.image.name, input.choice.version, input.sizes) };
  const clean = fitting.filter((s) => s.warnings.length === 0);
  const picked = (clean.length > 0 ? clean : fitting).slice(0, SPOT_SIZES);
  const notes: string[] = [];

  const body = structuredClone(template) as Obj;
  const spec = objectAt(body, kind === 'statelessGroup' ? 'group' : 'statefulNode');
  spec.name = input.name;
  spec.region = input.region;
  const compute = objectAt(spec, 'compute');
  compute.os = input.image.osType;
  compute.vmSizes = { odSizes: [picked[0]?.name], spotSizes: picked.map((s) => s.name) };
  zonesFor(compute, picked);

  const launch = objectAt(compute, 'launchSpecification');
  launch.image = {
    gallery: {
      resourceGroupName: input.choice.resourceGroupName,
      galleryName: input.choice.galleryName,
      imageName: input.choice.imageName,
      [kind === 'statelessGroup' ? 'version' : 'versionName']: input.choice.version,
      ...(input.spotAccountId ? { spotAccountId: input.spotAccountId } : {}),
    },
  };
  loginFor(launch, input.image, notes);
  disksFor(launch, input.image, picked, input.osDiskSizeGB);
  securityFor(launch, input.sizes.securityType, picked);
  return { body, sizes: picked.map((s) => s.name), notes };
}

/** Zones every picked size offers: the body's zones (or preferred zone) kept only where all are. */
function zonesFor(compute: Obj, picked: readonly SizeFitView[]): void {
  const offered = (zone: string): boolean => picked.every((s) => s.zones === undefined || s.zones.includes(zone));
  for (const key of ['zones', 'preferredZones']) {
    const zones = compute[key];
    if (!Array.isArray(zones)) continue;
    const kept = zones.filter((z): z is string => typeof z === 'string' && offered(z));
    if (kept.length > 0) compute[key] = kept;
    else Reflect.deleteProperty(compute, key);
  }
  if (typeof compute.preferredZone === 'string' && !offered(compute.preferredZone)) {
    // Another zone every size offers, one of the body's zones when it names them.
    const zones = Array.isArray(compute.zones)
      ? compute.zones.filter((z): z is string => typeof z === 'string')
      : (picked[0]?.zones ?? []);
    const common = zones.find(offered);
    if (common !== undefined) compute.preferredZone = common;
    else Reflect.deleteProperty(compute, 'preferredZone');
  }
}

/** A generalized image needs login credentials, a specialized one none. */
function loginFor(launch: Obj, image: ImageFacts, notes: string[]): void {
  if (image.osState === 'Specialized') {
    Reflect.deleteProperty(launch, 'login');
    return;
  }
  const login = objectAt(launch, 'login');
  if (typeof login.userName !== 'string') login.userName = 'azureuser';
  if (image.osType === 'Windows') {
    Reflect.deleteProperty(login, 'sshPublicKey');
    if (typeof login.password !== 'string')
      notes.push('Windows VMs need login.password: add one (it is used and never stored).');
  } else if (typeof login.sshPublicKey !== 'string' && typeof login.password !== 'string') {
    notes.push('Linux VMs need login.sshPublicKey (or a password): add one.');
  }
}

/** Disk types the picked sizes support and the image allows; the OS disk no smaller than the version's. */
function disksFor(
  launch: Obj,
  image: ImageFacts,
  picked: readonly SizeFitView[],
  osDiskSizeGB: number | undefined,
): void {
  const allowed = (t: string): boolean => !image.disallowedDiskTypes.some((d) => d.toLowerCase() === t.toLowerCase());
  const premium = picked.every((s) => s.premiumIO);
  const usable = (t: string): boolean => allowed(t) && (premium || !PREMIUM.includes(t));
  const fallback = [...(premium ? PREMIUM : []), ...STANDARD].find(allowed);
  const osDisk = objectAt(launch, 'osDisk');
  const osType = typeof osDisk.type === 'string' && usable(osDisk.type) ? osDisk.type : fallback;
  if (osType !== undefined) osDisk.type = osType;
  if (osDiskSizeGB !== undefined && !(typeof osDisk.sizeGB === 'number' && osDisk.sizeGB >= osDiskSizeGB))
    osDisk.sizeGB = osDiskSizeGB;
  const data = launch.dataDisks;
  if (!Array.isArray(data)) return;
  for (const disk of data) {
    if (isObj(disk) && typeof disk.type === 'string' && !usable(disk.type) && fallback !== undefined)
      disk.type = fallback;
  }
}

/** The security type the sizes were checked for, with its flags; encryption at host only where every size has it. */
function securityFor(
  launch: Obj,
  securityType: VersionSizesView['securityType'],
  picked: readonly SizeFitView[],
): void {
  const before = isObj(launch.security) ? launch.security : {};
  const security: Obj = {};
  if (securityType === 'TrustedLaunch' || securityType === 'ConfidentialVM')
    Object.assign(security, { securityType, secureBootEnabled: true, vTpmEnabled: true });
  else if (securityType === 'Standard') security.securityType = 'Standard';
  if (before.encryptionAtHost === true && picked.every((s) => s.encryptionAtHostSupported === true))
    security.encryptionAtHost = true;
  if (Object.keys(security).length > 0) launch.security = security;
  else Reflect.deleteProperty(launch, 'security');
}

/**
 * The versioned job envelope carried by a "group-jobs" Service Bus message (design §5), and its
 * parser.
 *
 * ```
 * { schemaVersion: 1, jobId, action: 'create' | 'update', kind: 'statelessGroup' | 'statefulNode',
 *   caller: { account }, body: { group: … } | { statefulNode: … } }
 * ```
 *
 * - `jobId` is the Service Bus messageId (duplicate detection): 1-128 of `A-Z a-z 0-9 . _ : -`.
 * - `caller.account` is the account the job acts for, kept as given: either a subscription GUID
 *   (it names itself) or a Spot account id `act-` + 8 letters/digits (e.g. `act-1a2b3c4d`), which
 *   maps to a subscription through the organization records (visibility.ts
 *   `subscriptionForAccount`). The parser checks the form only; the job runner resolves it.
 * - The bodies follow Spot's Elastigroup (`group`) and stateful node (`statefulNode`) JSON: gallery
 *   images are `compute.launchSpecification.image.gallery` with `version` for groups and
 *   `versionName` for stateful nodes (`latest` or `Major.Minor.Patch`); exactly one of `gallery`,
 *   `marketplace`, `custom`.
 * - `group.compute.orchestrationMode` (`Flexible` | `Uniform`, optional) is THIS PROJECT'S
 *   extension, not a Spot field: it says the group's VMs are created in a scale set of that mode,
 *   so the "no Flexible scale set from another tenant's image" rule can be checked. Absent means
 *   no scale set (Spot's default: individual VMs).
 * - Every object is strict: an unknown field is an error at its own path.
 * - The serialized message may be at most 256 KB (262,144 bytes of UTF-8 JSON), Service Bus
 *   standard tier's message size.
 * - Group names: 1-64 characters, no control characters, no `/ \ # ?`, no leading or trailing
 *   space, so the session id `${account}/${kind}/${name}` stays within Service Bus's 128 characters
 *   and splits unambiguously.
 *
 * Error paths are dotted JSON paths from the envelope root with array indexes in brackets
 * (`body.group.compute.vmSizes.spotSizes[1]`); the root itself is the empty path.
 * `parseJobEnvelope` never throws. Pure: no I/O.
 */
import { z } from 'zod';
import { isGalleryName, isImageName, isResourceGroupName, isSubscriptionId, isVersionName } from './ids.js';
import { regionProblem } from './regions.js';
import { isSpotAccountId } from './visibility.js';

export const JOB_ENVELOPE_SCHEMA_VERSION = 1;
/** 256 KB: the largest serialized envelope accepted (Service Bus standard tier message size). */
export const MAX_JOB_ENVELOPE_BYTES = 256 * 1024;
/** Errors reported at most (a failed job record keeps them all, so they stay bounded). */
export const MAX_REPORTED_ERRORS = 50;
export const MAX_GROUP_NAME_LENGTH = 64;

export const JOB_KINDS = ['statelessGroup', 'statefulNode'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_ACTIONS = ['create', 'update'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

const JOB_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// eslint-disable-next-line no-control-regex
const GROUP_NAME = /^(?! )[^\u0000-\u001f\u007f/\\#?]{1,64}(?<! )$/;
const VM_SIZE = /^[A-Za-z0-9_-]{1,64}$/;
const VM_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_])?$/;
const MARKETPLACE_VERSION = /^(?:latest|\d{1,10}\.\d{1,10}\.\d{1,12})$/i;
const ZONE = /^[1-9]$/;

// ---------------------------------------------------------------- field schemas

/** A string of 1..max characters that is not only whitespace (kept as given, not trimmed). */
const nonEmpty = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max)
    .refine((s) => s.trim().length > 0, 'must not be blank');

const resourceGroupName = z.string().refine(isResourceGroupName, 'must be a resource group name (1-90 letters, digits, _ - . ( ), not ending in .)');
const region = z.string().superRefine((value, ctx) => {
  const problem = regionProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `must be an Azure region name: ${problem}` });
});
const account = z
  .string()
  .refine((s) => isSubscriptionId(s) || isSpotAccountId(s), 'must be a Spot account id (act-xxxxxxxx) or a subscription GUID');

/** `latest` (any case) or `Major.Minor.Patch` of whole numbers up to 2,147,483,647. */
export function isGalleryVersionText(s: string): boolean {
  return s.toLowerCase() === 'latest' || isVersionName(s);
}
const galleryVersion = z
  .string()
  .refine(isGalleryVersionText, { message: 'must be "latest" or a version Major.Minor.Patch of whole numbers', params: { code: 'invalid-version' } });

const galleryFields = {
  resourceGroupName,
  galleryName: z.string().refine(isGalleryName, 'must be a gallery name (1-80 letters, digits, _ and ., not starting or ending with .)'),
  imageName: z.string().refine(isImageName, 'must be an image definition name (1-80 letters, digits, _ - ., starting and ending with a letter or digit)'),
  spotAccountId: z.string().refine(isSpotAccountId, 'must be a Spot account id (act-xxxxxxxx)').optional(),
};
const groupGalleryImage = z.strictObject({ ...galleryFields, version: galleryVersion });
const nodeGalleryImage = z.strictObject({ ...galleryFields, versionName: galleryVersion });
const marketplaceImage = z.strictObject({
  publisher: nonEmpty(128),
  offer: nonEmpty(128),
  sku: nonEmpty(128),
  version: z.string().regex(MARKETPLACE_VERSION, 'must be "latest" or a version Major.Minor.Build'),
});
const customImage = z.strictObject({ resourceGroupName, name: nonEmpty(80) });

const IMAGE_SOURCES = ['gallery', 'marketplace', 'custom'] as const;

/** Exactly one image source. Checked even when a source itself has errors (so "both given" is always reported). */
function imageSchema<G extends z.ZodType>(gallery: G) {
  return z.strictObject({ gallery: gallery.optional(), marketplace: marketplaceImage.optional(), custom: customImage.optional() }).refine(
    (image) => IMAGE_SOURCES.filter((k) => image[k] !== undefined).length === 1,
    {
      error: (issue) => {
        const value = issue.input;
        const given = isPlainObject(value) ? IMAGE_SOURCES.filter((k) => value[k] !== undefined) : [];
        return given.length === 0
          ? 'must have exactly one of gallery, marketplace, custom (none given)'
          : `must have exactly one of gallery, marketplace, custom (got ${given.join(' and ')})`;
      },
      params: { code: 'exactly-one-image-source' },
      when: (payload) => isPlainObject(payload.value),
    },
  );
}

export const OS_DISK_TYPES = ['Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS', 'StandardSSD_ZRS', 'Premium_ZRS'] as const;
const osDisk = z.strictObject({
  sizeGB: z.number().int().min(1).max(4095).optional(),
  type: z.enum(OS_DISK_TYPES),
  caching: z.enum(['None', 'ReadOnly', 'ReadWrite']).optional(),
});

const login = z
  .strictObject({
    userName: nonEmpty(64),
    sshPublicKey: nonEmpty(16_384).optional(),
    password: z.string().min(1).max(256).optional(),
  })
  .superRefine((l, ctx) => {
    if (l.sshPublicKey === undefined && l.password === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must give sshPublicKey or password', params: { code: 'missing-credentials' } });
    }
  });

export const SECURITY_TYPES = ['Standard', 'TrustedLaunch', 'ConfidentialVM'] as const;
const security = z.strictObject({
  securityType: z.enum(SECURITY_TYPES),
  secureBootEnabled: z.boolean(),
  vTpmEnabled: z.boolean(),
});

const networkInterface = z.strictObject({
  subnetName: nonEmpty(80),
  isPrimary: z.boolean(),
  assignPublicIp: z.boolean(),
  enableIpForwarding: z.boolean().optional(),
});
const network = z.strictObject({
  virtualNetworkName: nonEmpty(64),
  resourceGroupName,
  networkInterfaces: z
    .array(networkInterface)
    .min(1)
    .superRefine((nics, ctx) => {
      const primaries = nics.filter((n) => n.isPrimary).length;
      if (nics.length > 0 && primaries !== 1) {
        ctx.addIssue({ code: 'custom', message: `must have exactly one primary network interface (got ${primaries})`, params: { code: 'one-primary-interface' } });
      }
    }),
});

const vmSizeName = z.string().regex(VM_SIZE, 'must be a VM size name like Standard_D2s_v5');
const vmSizes = z.strictObject({ odSizes: z.array(vmSizeName).min(1), spotSizes: z.array(vmSizeName).min(1) });
const zones = z
  .array(z.string().regex(ZONE, 'must be an availability zone number ("1", "2", "3")'))
  .min(1)
  .superRefine((list, ctx) => {
    if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', message: 'must not repeat a zone', params: { code: 'duplicate-zone' } });
  });

const groupName = z.string().regex(GROUP_NAME, `must be 1-${MAX_GROUP_NAME_LENGTH} characters without control characters, / \\ # ? or leading/trailing spaces`);

/** Spot: `compute.os` names the OS family. */
export const OS_TYPES = ['Linux', 'Windows'] as const;

interface ComputeLike {
  readonly os: (typeof OS_TYPES)[number];
  readonly zones?: readonly string[] | undefined;
  readonly preferredZone?: string | undefined;
  readonly launchSpecification: { readonly login?: { readonly sshPublicKey?: string | undefined; readonly password?: string | undefined } | undefined };
}

/** Cross-field rules of a compute section (run once the section is well-formed). */
function checkCompute(c: ComputeLike, ctx: z.RefinementCtx): void {
  if (c.preferredZone !== undefined && c.zones !== undefined && !c.zones.includes(c.preferredZone)) {
    ctx.addIssue({ code: 'custom', path: ['preferredZone'], message: `must be one of zones (${c.zones.join(', ')})`, params: { code: 'preferred-zone-not-in-zones' } });
  }
  const l = c.launchSpecification.login;
  if (c.os === 'Windows' && l !== undefined) {
    if (l.sshPublicKey !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['launchSpecification', 'login', 'sshPublicKey'],
        message: 'Windows VMs take a password, not an SSH public key',
        params: { code: 'windows-ssh-key' },
      });
    } else if (l.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['launchSpecification', 'login', 'password'], message: 'Windows VMs need a password', params: { code: 'windows-password-required' } });
    }
  }
}

// ---------------------------------------------------------------- stateless group (Elastigroup)

const groupCapacity = z
  .strictObject({ minimum: z.number().int().min(0), maximum: z.number().int().min(0), target: z.number().int().min(0) })
  .superRefine((c, ctx) => {
    // Only order well-formed counts (a bad count is already reported on its own).
    if (![c.minimum, c.maximum, c.target].every((n) => Number.isSafeInteger(n) && n >= 0)) return;
    if (c.minimum > c.maximum) ctx.addIssue({ code: 'custom', path: ['minimum'], message: `must be at most maximum (${c.maximum})`, params: { code: 'capacity-order' } });
    if (c.target < c.minimum || c.target > c.maximum) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: `must be between minimum (${c.minimum}) and maximum (${c.maximum})`, params: { code: 'capacity-order' } });
    }
  });

const groupStrategy = z
  .strictObject({
    spotPercentage: z.number().int().min(0).max(100).optional(),
    odCount: z.number().int().min(0).optional(),
    fallbackToOd: z.boolean().optional(),
    drainingTimeout: z.number().int().min(0).max(3600).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.spotPercentage !== undefined && s.odCount !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['odCount'], message: 'give spotPercentage or odCount, not both', params: { code: 'spot-percentage-and-od-count' } });
    }
  });

const groupLaunchSpecification = z.strictObject({
  image: imageSchema(groupGalleryImage),
  osDisk: osDisk.optional(),
  login: login.optional(),
  security: security.optional(),
  network,
});

export const ORCHESTRATION_MODES = ['Flexible', 'Uniform'] as const;
export type OrchestrationMode = (typeof ORCHESTRATION_MODES)[number];

const groupCompute = z
  .strictObject({
    os: z.enum(OS_TYPES),
    vmSizes,
    zones: zones.optional(),
    preferredZone: z.string().regex(ZONE, 'must be an availability zone number').optional(),
    /** This project's extension (not a Spot field): the scale set orchestration mode, when the group is a scale set. */
    orchestrationMode: z.enum(ORCHESTRATION_MODES).optional(),
    launchSpecification: groupLaunchSpecification,
  })
  .superRefine(checkCompute);

export const statelessGroupSpecSchema = z.strictObject({
  name: groupName,
  resourceGroupName,
  region,
  capacity: groupCapacity,
  strategy: groupStrategy.optional(),
  compute: groupCompute,
});

// ---------------------------------------------------------------- stateful node

const PERSISTENCE_MODES = ['reattach', 'onLaunch'] as const;
const nodeStrategy = z.strictObject({
  preferredLifecycle: z.enum(['od', 'spot']).optional(),
  fallbackToOd: z.boolean().optional(),
  drainingTimeout: z.number().int().min(0).max(3600).optional(),
});
const nodePersistence = z.strictObject({
  shouldPersistOsDisk: z.boolean(),
  osDiskPersistenceMode: z.enum(PERSISTENCE_MODES).optional(),
  shouldPersistDataDisks: z.boolean(),
  dataDisksPersistenceMode: z.enum(PERSISTENCE_MODES).optional(),
  shouldPersistNetwork: z.boolean(),
});
const nodeLaunchSpecification = z.strictObject({
  vmName: z.string().regex(VM_NAME, 'must be a VM name (1-64 letters, digits, . _ -, starting with a letter or digit, ending with a letter, digit or _)').optional(),
  image: imageSchema(nodeGalleryImage),
  osDisk: osDisk.optional(),
  login: login.optional(),
  security: security.optional(),
  network,
});
const nodeCompute = z
  .strictObject({
    os: z.enum(OS_TYPES),
    vmSizes,
    zones: zones.optional(),
    preferredZone: z.string().regex(ZONE, 'must be an availability zone number').optional(),
    launchSpecification: nodeLaunchSpecification,
  })
  .superRefine(checkCompute);

export const statefulNodeSpecSchema = z.strictObject({
  name: groupName,
  resourceGroupName,
  region,
  strategy: nodeStrategy.optional(),
  persistence: nodePersistence,
  compute: nodeCompute,
});

// ---------------------------------------------------------------- envelope

export const statelessGroupBodySchema = z.strictObject({ group: statelessGroupSpecSchema });
export const statefulNodeBodySchema = z.strictObject({ statefulNode: statefulNodeSpecSchema });

const callerSchema = z.strictObject({ account });
/** Auto-roll policy of a group on `latest`, beside the Spot body (not a Spot field). */
export const autoRollPolicySchema = z.strictObject({
  enabled: z.boolean().optional(),
  soakMinutes: z.number().int().min(0).max(10_080).optional(),
  paused: z.boolean().optional(),
});
export type AutoRollPolicyInput = z.infer<typeof autoRollPolicySchema>;
/** Set by the auto-roll only: the version a roll job rolls the group to (the job fails unless it is latest in the group's region). */
const rollSchema = z.strictObject({ toVersion: z.string().refine(isVersionName, 'must be a version Major.Minor.Patch'), cause: z.string().max(64).optional() });
const headerFields = {
  schemaVersion: z.literal(JOB_ENVELOPE_SCHEMA_VERSION),
  jobId: z.string().regex(JOB_ID, 'must be 1-128 of letters, digits, . _ : -'),
  action: z.enum(JOB_ACTIONS),
  caller: callerSchema,
  autoRoll: autoRollPolicySchema.optional(),
  roll: rollSchema.optional(),
};
const headerSchema = z.strictObject({ ...headerFields, kind: z.enum(JOB_KINDS), body: z.unknown() });

/** The whole envelope as one schema (the parser uses the same pieces, checking header and body separately to report every error). */
export const jobEnvelopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...headerFields, kind: z.literal('statelessGroup'), body: statelessGroupBodySchema }),
  z.strictObject({ ...headerFields, kind: z.literal('statefulNode'), body: statefulNodeBodySchema }),
]);

export type StatelessGroupSpec = z.infer<typeof statelessGroupSpecSchema>;
export type StatefulNodeSpec = z.infer<typeof statefulNodeSpecSchema>;
/** A group or stateful node spec (the body's only member). */
export type GroupSpec = StatelessGroupSpec | StatefulNodeSpec;
export type JobEnvelope = z.infer<typeof jobEnvelopeSchema>;
export type StatelessGroupEnvelope = Extract<JobEnvelope, { kind: 'statelessGroup' }>;
export type StatefulNodeEnvelope = Extract<JobEnvelope, { kind: 'statefulNode' }>;
export type ImageSpec = StatelessGroupSpec['compute']['launchSpecification']['image'] | StatefulNodeSpec['compute']['launchSpecification']['image'];

// ---------------------------------------------------------------- parsing

export type EnvelopeErrorCode =
  | 'not-json'
  | 'not-serializable'
  | 'too-large'
  | 'unsupported-schema-version'
  | 'required'
  | 'invalid-type'
  | 'unknown-field'
  | 'invalid-value'
  | 'invalid-format'
  | 'too-small'
  | 'too-big'
  | 'invalid-version'
  | 'exactly-one-image-source'
  | 'too-many-errors'
  | (string & Record<never, never>);

export interface EnvelopeError {
  /** Dotted JSON path from the envelope root (`body.group.compute.vmSizes.spotSizes[1]`); '' for the whole message. */
  readonly path: string;
  readonly code: EnvelopeErrorCode;
  readonly message: string;
}

export type ParseJobEnvelopeResult =
  | { readonly ok: true; readonly envelope: JobEnvelope }
  | { readonly ok: false; readonly jobId?: string; readonly errors: readonly EnvelopeError[] };

type PathSegment = string | number;

/** Formats a path as `a.b[2].c`; keys that are not identifiers are quoted (`a["x.y"]`). */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether the key exists at `path` in `value` (to tell a missing field from a wrong-typed one). */
function present(value: unknown, path: readonly PathSegment[]): boolean {
  if (value === undefined) return false;
  let cur: unknown = value;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur) || seg >= cur.length) return false;
      cur = cur[seg];
    } else {
      if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return false;
      cur = cur[seg];
    }
  }
  return true;
}

/** Hints for fields named as the other kind names them. */
function unknownFieldMessage(path: readonly PathSegment[], key: string): string {
  const parent = path[path.length - 1];
  if (parent === 'gallery' && path.includes('statefulNode') && key === 'version') {
    return 'unknown field "version": a stateful node names the image version "versionName"';
  }
  if (parent === 'gallery' && path.includes('group') && key === 'versionName') {
    return 'unknown field "versionName": a group names the image version "version"';
  }
  if (path.length === 1 && path[0] === 'body' && (key === 'group' || key === 'statefulNode')) {
    return `unknown field "${key}": the body of this kind is ${key === 'group' ? '"statefulNode"' : '"group"'}`;
  }
  return `unknown field "${key}"`;
}

function errorsFromIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[], input: unknown): EnvelopeError[] {
  const out: EnvelopeError[] = [];
  for (const issue of issues) {
    const rel = issue.path.filter((p): p is PathSegment => typeof p === 'string' || typeof p === 'number');
    const full = [...prefix, ...rel];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push({ path: formatPath([...full, key]), code: 'unknown-field', message: unknownFieldMessage(full, key) });
        break;
      case 'invalid_type':
        if (!present(input, rel)) out.push({ path: formatPath(full), code: 'required', message: 'is required' });
        else out.push({ path: formatPath(full), code: 'invalid-type', message: `must be ${issue.expected === 'int' ? 'a whole number' : `of type ${issue.expected}`}` });
        break;
      case 'invalid_value':
        if (!present(input, rel)) out.push({ path: formatPath(full), code: 'required', message: 'is required' });
        else out.push({ path: formatPath(full), code: 'invalid-value', message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` });
        break;
      case 'invalid_format':
        out.push({ path: formatPath(full), code: 'invalid-format', message: issue.message });
        break;
      case 'too_small':
        out.push({ path: formatPath(full), code: 'too-small', message: issue.message });
        break;
      case 'too_big':
        out.push({ path: formatPath(full), code: 'too-big', message: issue.message });
        break;
      case 'custom': {
        const code = (issue.params as { code?: unknown } | undefined)?.code;
        out.push({ path: formatPath(full), code: typeof code === 'string' ? code : 'invalid-value', message: issue.message });
        break;
      }
      default:
        out.push({ path: formatPath(full), code: 'invalid-value', message: issue.message });
    }
  }
  return out;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

type Decoded = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: EnvelopeError };

const tooLarge = (bytes: number): Decoded => ({
  ok: false,
  error: { path: '', code: 'too-large', message: `the message is ${bytes} bytes; at most ${MAX_JOB_ENVELOPE_BYTES} (256 KB) are accepted` },
});

/** Text or bytes → JSON value; an object → its JSON round trip (what would be sent), within the size limit. */
function decode(raw: unknown): Decoded {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else if (raw instanceof Uint8Array) {
    if (raw.length > MAX_JOB_ENVELOPE_BYTES) return tooLarge(raw.length);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return { ok: false, error: { path: '', code: 'not-json', message: 'the message is not UTF-8 text' } };
    }
  } else {
    let serialized: string | undefined;
    try {
      serialized = JSON.stringify(raw);
    } catch (e) {
      return { ok: false, error: { path: '', code: 'not-serializable', message: `the message cannot be serialized as JSON: ${e instanceof Error ? e.message : String(e)}` } };
    }
    if (serialized === undefined) return { ok: false, error: { path: '', code: 'invalid-type', message: 'the message must be a JSON object' } };
    text = serialized;
  }
  if (text.length > MAX_JOB_ENVELOPE_BYTES) return tooLarge(utf8Length(text));
  const bytes = text.length * 3 <= MAX_JOB_ENVELOPE_BYTES ? text.length : utf8Length(text);
  if (bytes > MAX_JOB_ENVELOPE_BYTES) return tooLarge(bytes);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: { path: '', code: 'not-json', message: `the message is not JSON: ${e instanceof Error ? e.message : String(e)}` } };
  }
}

function readableJobId(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = value.jobId;
  return typeof id === 'string' && JOB_ID.test(id) ? id : undefined;
}

function failed(value: unknown, errors: EnvelopeError[]): ParseJobEnvelopeResult {
  const jobId = readableJobId(value);
  const capped =
    errors.length > MAX_REPORTED_ERRORS
      ? [
          ...errors.slice(0, MAX_REPORTED_ERRORS),
          { path: '', code: 'too-many-errors', message: `${errors.length - MAX_REPORTED_ERRORS} more errors not shown` } satisfies EnvelopeError,
        ]
      : errors;
  return jobId === undefined ? { ok: false, errors: capped } : { ok: false, jobId, errors: capped };
}

/**
 * Parses and validates a job envelope: a JSON string, UTF-8 bytes, or an already-decoded object.
 * Never throws. On failure, every error found (header and body), and the jobId when it is readable
 * and well-formed (so the failure can be recorded against the job).
 */
export function parseJobEnvelope(raw: unknown): ParseJobEnvelopeResult {
  try {
    return parseUnsafe(raw);
  } catch (e) {
    // Defensive: validation itself should not throw; never let it escape to the host.
    return { ok: false, errors: [{ path: '', code: 'invalid-value', message: `the message could not be validated: ${e instanceof Error ? e.message : String(e)}` }] };
  }
}

function parseUnsafe(raw: unknown): ParseJobEnvelopeResult {
  const decoded = decode(raw);
  if (!decoded.ok) return { ok: false, errors: [decoded.error] };
  const value = decoded.value;
  if (!isPlainObject(value)) return failed(value, [{ path: '', code: 'invalid-type', message: 'the message must be a JSON object' }]);

  if (!Object.prototype.hasOwnProperty.call(value, 'schemaVersion')) {
    return failed(value, [{ path: 'schemaVersion', code: 'required', message: `is required (${JOB_ENVELOPE_SCHEMA_VERSION})` }]);
  }
  if (value.schemaVersion !== JOB_ENVELOPE_SCHEMA_VERSION) {
    return failed(value, [
      {
        path: 'schemaVersion',
        code: 'unsupported-schema-version',
        message: `schema version ${JSON.stringify(value.schemaVersion)} is not supported (this service reads ${JOB_ENVELOPE_SCHEMA_VERSION})`,
      },
    ]);
  }

  // The common case, a valid envelope, costs one validation; the pieces are only checked apart to
  // report every error of an invalid one (header and body).
  const whole = jobEnvelopeSchema.safeParse(value);
  if (whole.success) return { ok: true, envelope: whole.data };

  const header = headerSchema.safeParse(value);
  const errors: EnvelopeError[] = header.success ? [] : errorsFromIssues(header.error.issues, [], value);

  const kind = value.kind;
  // The body is checked against its kind's schema (a missing body is already reported by the header).
  if ((kind === 'statelessGroup' || kind === 'statefulNode') && value.body !== undefined) {
    const bodySchema = kind === 'statelessGroup' ? statelessGroupBodySchema : statefulNodeBodySchema;
    const body = bodySchema.safeParse(value.body);
    if (!body.success) errors.push(...errorsFromIssues(body.error.issues, ['body'], value.body));
  }
  if (errors.length > 0) return failed(value, errors);
  return failed(value, errorsFromIssues(whole.error.issues, [], value));
}

// ---------------------------------------------------------------- accessors

/** The group or stateful node spec of an envelope, with its kind. */
export function groupSpecOf(envelope: JobEnvelope): { kind: 'statelessGroup'; spec: StatelessGroupSpec } | { kind: 'statefulNode'; spec: StatefulNodeSpec } {
  return envelope.kind === 'statelessGroup' ? { kind: 'statelessGroup', spec: envelope.body.group } : { kind: 'statefulNode', spec: envelope.body.statefulNode };
}

/** The body member holding the spec: `group` or `statefulNode`. */
export function bodyRootOf(kind: JobKind): 'group' | 'statefulNode' {
  return kind === 'statelessGroup' ? 'group' : 'statefulNode';
}

/**
 * The group identity, used as the Service Bus sessionId so the jobs of one group run in order:
 * `${caller.account}/${kind}/${name}`, lower case (at most 128 characters by construction).
 */
export function groupIdentity(envelope: JobEnvelope): string {
  const { spec } = groupSpecOf(envelope);
  return `${envelope.caller.account}/${envelope.kind}/${spec.name}`.toLowerCase();
}

export type ImageReference =
  | {
      readonly source: 'gallery';
      readonly resourceGroupName: string;
      readonly galleryName: string;
      readonly imageName: string;
      /** `latest` (normalised to lower case) or the version name as given. */
      readonly version: 'latest' | (string & Record<never, never>);
      /** The connected Spot account of the gallery's subscription, when it is another subscription. */
      readonly spotAccountId?: string;
      /** Path of the `gallery` object in the body (`group.compute.launchSpecification.image.gallery`). */
      readonly path: string;
      /** Path of the version field: `….gallery.version` for groups, `….gallery.versionName` for stateful nodes. */
      readonly versionPath: string;
    }
  | {
      readonly source: 'marketplace';
      readonly publisher: string;
      readonly offer: string;
      readonly sku: string;
      readonly version: string;
      readonly path: string;
    }
  | { readonly source: 'custom'; readonly resourceGroupName: string; readonly name: string; readonly path: string };

/** The image a job asks for; paths are relative to the body (like compatibility findings). */
export function imageReferenceOf(envelope: JobEnvelope): ImageReference {
  const root = bodyRootOf(envelope.kind);
  const imagePath = `${root}.compute.launchSpecification.image`;
  let image: ImageSpec;
  let version: string | undefined;
  let versionField: 'version' | 'versionName';
  if (envelope.kind === 'statelessGroup') {
    image = envelope.body.group.compute.launchSpecification.image;
    version = envelope.body.group.compute.launchSpecification.image.gallery?.version;
    versionField = 'version';
  } else {
    image = envelope.body.statefulNode.compute.launchSpecification.image;
    version = envelope.body.statefulNode.compute.launchSpecification.image.gallery?.versionName;
    versionField = 'versionName';
  }
  const g = image.gallery;
  if (g !== undefined && version !== undefined) {
    const ref = {
      source: 'gallery' as const,
      resourceGroupName: g.resourceGroupName,
      galleryName: g.galleryName,
      imageName: g.imageName,
      version: version.toLowerCase() === 'latest' ? 'latest' : version,
      path: `${imagePath}.gallery`,
      versionPath: `${imagePath}.gallery.${versionField}`,
    };
    return g.spotAccountId === undefined ? ref : { ...ref, spotAccountId: g.spotAccountId };
  }
  if (image.marketplace !== undefined) {
    const m = image.marketplace;
    return { source: 'marketplace', publisher: m.publisher, offer: m.offer, sku: m.sku, version: m.version, path: `${imagePath}.marketplace` };
  }
  if (image.custom !== undefined) {
    return { source: 'custom', resourceGroupName: image.custom.resourceGroupName, name: image.custom.name, path: `${imagePath}.custom` };
  }
  // Unreachable for a parsed envelope (exactly one source is enforced).
  throw new TypeError('the envelope has no image source: it was not produced by parseJobEnvelope');
}

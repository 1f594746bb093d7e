/**
 * The versioned job envelope carried by a "group-jobs" Service Bus message (design §5), and its
 * parser.
 *
 * ```
 * { schemaVersion: 1, jobId, action: 'create' | 'update', kind: 'statelessGroup' | 'statefulNode',
 *   caller: { account }, body: { group: … } | { statefulNode: … } }
 * ```
 *
 * - `jobId` is the Service Bus messageId (duplicate detection): 1-128 of `A-Z a-z 0-9 . _ : -`,
 *   case-sensitive (as Service Bus message ids are).
 * - `caller.account` is the account the job acts for, kept as given: either a subscription GUID
 *   (it names itself) or a Spot account id `act-` + 8 letters/digits (e.g. `act-1a2b3c4d`), which
 *   maps to a subscription through the organization records (visibility.ts
 *   `subscriptionForAccount`). The parser checks the form only; the job runner resolves it.
 * - The body is exactly Spot's: the Elastigroup Azure v3 `group` or the Stateful Node Azure
 *   `statefulNode`, every field typed from the one field table (spot-fields.ts, spot-body.ts).
 *   A create carries the complete body; an update only the changed fields (and `name`), merged
 *   onto the stored group by `completeJob` (objects merge, arrays replace whole, `null` removes),
 *   then validated as a whole.
 * - `group.compute.orchestrationMode` (`Flexible` | `Uniform`, optional) is THIS PROJECT'S
 *   extension, not a Spot field: it says the group's VMs are created in a scale set of that mode,
 *   so the "no Flexible scale set from another tenant's image" rule can be checked.
 * - Every object is strict: an unknown field is an error at its own path.
 * - The serialized message may be at most 256 KB (262,144 bytes of UTF-8 JSON), Service Bus
 *   standard tier's message size.
 * - Optional envelope members beside `body` go in OPTIONAL_ENVELOPE_FIELDS (one line each).
 *
 * Every error has a JSON Pointer (RFC 6901) from the envelope root (`/body/group/compute/vmSizes/
 * spotSizes/1`; the root itself is ''), and the same place as a dotted path (`path`, for people).
 * `parseJobEnvelope` never throws. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isSubscriptionId, isVersionName } from './ids.js';
import { isSpotAccountId } from './visibility.js';
import { mergePatch, secretPointersOf, specSchema, storedSpecOf, type SpecMode } from './spot-body.js';
import { isGalleryVersionText, type Kind } from './spot-fields.js';
import { errorText } from './printable.js';
import { rollDeploymentSchema } from './apply.js';

export { isGalleryVersionText };

export const JOB_ENVELOPE_SCHEMA_VERSION = 1;
/** 256 KB: the largest serialized envelope accepted (Service Bus standard tier message size). */
export const MAX_JOB_ENVELOPE_BYTES = 256 * 1024;
/** Errors reported at most (a failed job record keeps them all, so they stay bounded). */
export const MAX_REPORTED_ERRORS = 50;

export const JOB_KINDS = ['statelessGroup', 'statefulNode'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_ACTIONS = ['create', 'update'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/** 1-128 of `A-Z a-z 0-9 . _ : -`, but not `.` or `..` (a URL path normalises them away: `/api/groups/jobs/..` is no job's address). */
export const JOB_ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._:-]{1,128}$/;

/** Spot: `compute.os` names the OS family. */
export const OS_TYPES = ['Linux', 'Windows'] as const;
export const OS_DISK_TYPES = [
  'Standard_LRS',
  'StandardSSD_LRS',
  'Premium_LRS',
  'StandardSSD_ZRS',
  'Premium_ZRS',
] as const;
export const SECURITY_TYPES = ['Standard', 'TrustedLaunch', 'ConfidentialVM'] as const;
export const ORCHESTRATION_MODES = ['Flexible', 'Uniform'] as const;
export type OrchestrationMode = (typeof ORCHESTRATION_MODES)[number];

// ---------------------------------------------------------------- typed views of the fields the checks read

/**
 * The fields of a complete, validated spec that this service reads. A spec holds every other field
 * of the table too (typed and validated, kept as given); they are not listed here.
 */
export interface GalleryImageSpec {
  resourceGroupName: string;
  galleryName: string;
  imageName: string;
  /** Groups. */
  version?: string;
  /** Stateful nodes. */
  versionName?: string;
  spotAccountId?: string;
}
export interface ImageSpec {
  gallery?: GalleryImageSpec;
  marketplace?: { publisher: string; offer: string; sku: string; version: string };
  custom?: { resourceGroupName: string; name: string };
}
export interface LoginSpec {
  userName: string;
  sshPublicKey?: string;
  /** Only in a job being run: never stored (the stored group has `passwordSet: true`). */
  password?: string;
  passwordSet?: true;
}
export interface LaunchSpecificationSpec {
  image: ImageSpec;
  login?: LoginSpec;
  osDisk?: { sizeGB?: number; type?: (typeof OS_DISK_TYPES)[number]; caching?: string };
  dataDisks?: Array<{ lun: number; sizeGB: number; type: string }>;
  security?: {
    securityType?: (typeof SECURITY_TYPES)[number];
    secureBootEnabled?: boolean;
    vTpmEnabled?: boolean;
    encryptionAtHost?: boolean;
    confidentialOsDiskEncryption?: boolean;
  };
  customData?: string;
}
export interface ComputeSpec {
  os: (typeof OS_TYPES)[number];
  vmSizes: { odSizes: string[]; spotSizes?: string[] };
  zones?: string[];
  /** Groups: a list. */
  preferredZones?: string[];
  /** Stateful nodes: one zone. */
  preferredZone?: string;
  orchestrationMode?: OrchestrationMode;
  launchSpecification: LaunchSpecificationSpec;
}
export interface StatelessGroupSpec {
  name: string;
  resourceGroupName: string;
  region: string;
  capacity: { minimum: number; maximum: number; target: number };
  compute: ComputeSpec;
}
export interface StatefulNodeSpec {
  name: string;
  resourceGroupName: string;
  region: string;
  compute: ComputeSpec;
}
/** A group or stateful node spec (the body's only member). */
export type GroupSpec = StatelessGroupSpec | StatefulNodeSpec;

// ---------------------------------------------------------------- envelope

/** The field-table letter of a job kind. */
export function kindLetter(kind: JobKind): Kind {
  return kind === 'statelessGroup' ? 'G' : 'N';
}
/** The body member holding the spec: `group` or `statefulNode`. */
export function bodyRootOf(kind: JobKind): 'group' | 'statefulNode' {
  return kind === 'statelessGroup' ? 'group' : 'statefulNode';
}

const account = z
  .string()
  .max(64)
  .refine(
    (s) => isSubscriptionId(s) || isSpotAccountId(s),
    'must be a Spot account id (act-xxxxxxxx) or a subscription GUID',
  );

/** The longest soak of a roll: a week. */
export const MAX_SOAK_MINUTES = 7 * 24 * 60;

/** Auto-roll policy of a group on `latest`, beside the Spot body (not a Spot field). */
export const autoRollPolicySchema = z
  .strictObject({
    // `default`: what a group's policy holds for a field never given (documentation only: parsing adds nothing).
    enabled: z.boolean().meta({ default: true }).optional(),
    soakMinutes: z.number().int().min(0).max(MAX_SOAK_MINUTES).meta({ default: 0 }).optional(),
    paused: z.boolean().meta({ default: false }).optional(),
    deployment: rollDeploymentSchema.optional(),
  })
  .describe(
    'Auto-roll of a group on latest; set beside the body in a job envelope (`autoRoll`) or with PUT .../autoroll',
  );
export type AutoRollPolicyInput = z.infer<typeof autoRollPolicySchema>;
/** Set by the auto-roll only: the version a roll job rolls the group to (the job fails unless it is latest in the group's region). */
export const rollSchema = z
  .strictObject({
    toVersion: z.string().refine(isVersionName, 'must be a version Major.Minor.Patch'),
    cause: z.string().max(64).optional(),
  })
  .meta({
    readOnly: true,
    description:
      'Set by the auto-roll only, on the roll jobs it queues (the version the job rolls the group to); POST /api/groups/jobs refuses an envelope carrying it (400 at /roll)',
  });

/** Optional members of the envelope beside `body` (one line per member; absent = not given). */
export const OPTIONAL_ENVELOPE_FIELDS = {
  autoRoll: autoRollPolicySchema.optional(),
  roll: rollSchema.optional(),
  planOnly: z
    .literal(true)
    .describe(
      "The job only plans: the requests it would make at the organization's apply target are recorded on the job; nothing is sent and the group is not recorded, whatever the apply mode",
    )
    .optional(),
} satisfies Record<string, z.ZodType>;

const headerFields = {
  schemaVersion: z.literal(JOB_ENVELOPE_SCHEMA_VERSION),
  jobId: z
    .string()
    .regex(JOB_ID_PATTERN, 'must be 1-128 of letters, digits, . _ : - (and not . or ..)')
    .describe('Case-sensitive; the Service Bus messageId. The same id with the same envelope is the same job.'),
  action: z.enum(JOB_ACTIONS),
  kind: z.enum(JOB_KINDS),
  caller: z.strictObject({ account: account.describe('Spot account id (act-…) or subscription id') }),
  ...OPTIONAL_ENVELOPE_FIELDS,
};
/** The envelope with its body unread: the body is checked next, with the schema of its kind and action (`bodySchema`). */
export const jobHeaderSchema = z
  .strictObject({ ...headerFields, body: z.unknown() })
  .describe(
    "A create carries Spot's complete body; an update only the changed fields and `name` (objects merge, arrays replace whole, null removes), merged onto the stored group and then validated as a whole. Unknown fields are rejected with their JSON Pointer.",
  );

/** The body an action carries: the changed fields for an update, else complete (a create). */
export function bodyModeOf(action: unknown): 'full' | 'patch' {
  return action === 'update' ? 'patch' : 'full';
}

const bodySchemas = new Map<string, z.ZodType>();
/**
 * The body schema of a kind: complete (`full`, create), an update (`patch`), or an update merged
 * onto a stored group (`stored`). Built once per kind and mode (zod compiles an object schema's
 * fast path on its first use: a schema built per message would be compiled per message).
 */
export function bodySchema(kind: JobKind, mode: SpecMode): z.ZodType {
  const key = `${kind}/${mode}`;
  let schema = bodySchemas.get(key);
  if (schema === undefined) {
    schema = z.strictObject({ [bodyRootOf(kind)]: specSchema(kindLetter(kind), mode) });
    bodySchemas.set(key, schema);
  }
  return schema;
}

type Header = Omit<z.infer<typeof jobHeaderSchema>, 'body'>;
/** A spec as received: complete for a create, the changed fields (and `name`) for an update. */
export type SpecInput = { readonly name: string } & Readonly<Record<string, unknown>>;
/** A parsed, valid envelope (the body as received). */
export type JobEnvelope = Header & {
  readonly body: { readonly group: SpecInput } | { readonly statefulNode: SpecInput };
};
/** A job with its complete spec: a create as received, an update merged onto its stored group. */
export type CompleteJob = Header &
  (
    | { readonly kind: 'statelessGroup'; readonly body: { readonly group: StatelessGroupSpec } }
    | { readonly kind: 'statefulNode'; readonly body: { readonly statefulNode: StatefulNodeSpec } }
  );

// ---------------------------------------------------------------- errors

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
  /** JSON Pointer (RFC 6901) from the envelope root (`/body/group/compute/vmSizes/spotSizes/1`); '' for the whole message. */
  readonly pointer: string;
  /** The same place as a dotted path (`body.group.compute.vmSizes.spotSizes[1]`), for people. */
  readonly path: string;
  readonly code: EnvelopeErrorCode;
  readonly message: string;
}

export type ParseJobEnvelopeResult =
  | { readonly ok: true; readonly envelope: JobEnvelope }
  | { readonly ok: false; readonly jobId?: string; readonly errors: readonly EnvelopeError[] };

export type PathSegment = string | number;

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

/** RFC 6901: `/a/b/2/c`, with `~` as `~0` and `/` as `~1`; '' for the root. */
export function formatPointer(segments: readonly PathSegment[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** The segments of a path written by formatPath. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const re = /([A-Za-z_$][\w$]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return segments;
}

/** A dotted path (formatPath) as a JSON Pointer. */
export function pointerOf(path: string): string {
  return formatPointer(parsePath(path));
}

const envelopeError = (segments: readonly PathSegment[], code: EnvelopeErrorCode, message: string): EnvelopeError => ({
  pointer: formatPointer(segments),
  path: formatPath(segments),
  code,
  message,
});

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

/** Fields one kind spells differently from the other, or that are not Spot's: the hint says what to write. */
const SPELLING_HINTS: Readonly<
  Record<string, { readonly in: 'group' | 'statefulNode' | 'both'; readonly hint: string }>
> = {
  versionName: { in: 'group', hint: 'a group names the image version "version"' },
  version: { in: 'statefulNode', hint: 'a stateful node names the image version "versionName"' },
  preferredZone: { in: 'group', hint: 'a group lists its preferred zones in "preferredZones"' },
  preferredZones: { in: 'statefulNode', hint: 'a stateful node names one "preferredZone"' },
  enableIpForwarding: { in: 'group', hint: 'a group network interface spells it "enableIPForwarding"' },
  enableIPForwarding: { in: 'statefulNode', hint: 'a stateful node network interface spells it "enableIpForwarding"' },
  odCount: { in: 'both', hint: 'Spot names it "onDemandCount"' },
  capacity: { in: 'statefulNode', hint: 'a stateful node has no capacity (it is one VM)' },
};

function unknownFieldMessage(path: readonly PathSegment[], key: string): string {
  if (path.length === 1 && path[0] === 'body' && (key === 'group' || key === 'statefulNode')) {
    return `unknown field "${key}": the body of this kind is ${key === 'group' ? '"statefulNode"' : '"group"'}`;
  }
  const hint = SPELLING_HINTS[key];
  if (hint !== undefined && (hint.in === 'both' || path.includes(hint.in)))
    return `unknown field "${key}": ${hint.hint}`;
  return `unknown field "${key}"`;
}

function errorsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PathSegment[],
  input: unknown,
): EnvelopeError[] {
  const out: EnvelopeError[] = [];
  for (const issue of issues) {
    const rel = issue.path.filter((p): p is PathSegment => typeof p === 'string' || typeof p === 'number');
    const full = [...prefix, ...rel];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys)
          out.push(envelopeError([...full, key], 'unknown-field', unknownFieldMessage(full, key)));
        break;
      case 'invalid_type':
        if (!present(input, rel)) out.push(envelopeError(full, 'required', 'is required'));
        else
          out.push(
            envelopeError(
              full,
              'invalid-type',
              `must be ${issue.expected === 'int' ? 'a whole number' : `of type ${issue.expected}`}`,
            ),
          );
        break;
      case 'invalid_value':
        if (!present(input, rel)) out.push(envelopeError(full, 'required', 'is required'));
        else
          out.push(
            envelopeError(
              full,
              'invalid-value',
              `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
            ),
          );
        break;
      case 'invalid_format':
        out.push(envelopeError(full, 'invalid-format', issue.message));
        break;
      case 'too_small':
        out.push(envelopeError(full, 'too-small', issue.message));
        break;
      case 'too_big':
        out.push(envelopeError(full, 'too-big', issue.message));
        break;
      case 'custom': {
        const code = (issue.params as { code?: unknown } | undefined)?.code;
        out.push(envelopeError(full, typeof code === 'string' ? code : 'invalid-value', issue.message));
        break;
      }
      default:
        out.push(envelopeError(full, 'invalid-value', issue.message));
    }
  }
  // Each fault once (a union or a pipe can report the same place twice).
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = `${e.pointer}\n${e.code}\n${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

type Decoded = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: EnvelopeError };

const tooLarge = (bytes: number): Decoded => ({
  ok: false,
  error: envelopeError(
    [],
    'too-large',
    `the message is ${bytes} bytes; at most ${MAX_JOB_ENVELOPE_BYTES} (256 KB) are accepted`,
  ),
});

/**
 * Whether a value is JSON data already, exactly as JSON.parse of its JSON.stringify would give it:
 * plain objects (no undefined, function or symbol members), arrays, strings, finite numbers,
 * booleans and null, no `toJSON`, no cycles (they would not serialize).
 */
function isJsonData(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !isJsonData(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (key === 'toJSON' || key === '__proto__' || !isJsonData(v, depth + 1)) return false;
  }
  return true;
}

/**
 * Text or bytes → JSON value; an object → its JSON round trip (what would be sent), within the size
 * limit. An object that is JSON data already (a message the host decoded) is used as it is: its
 * round trip would be an equal copy.
 */
function decode(raw: unknown): Decoded {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else if (raw instanceof Uint8Array) {
    if (raw.length > MAX_JOB_ENVELOPE_BYTES) return tooLarge(raw.length);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return { ok: false, error: envelopeError([], 'not-json', 'the message is not UTF-8 text') };
    }
  } else {
    let serialized: string | undefined;
    try {
      serialized = JSON.stringify(raw);
    } catch (e) {
      return {
        ok: false,
        error: envelopeError([], 'not-serializable', `the message cannot be serialized as JSON: ${errorText(e)}`),
      };
    }
    if (serialized === undefined)
      return { ok: false, error: envelopeError([], 'invalid-type', 'the message must be a JSON object') };
    if (serialized.length * 3 <= MAX_JOB_ENVELOPE_BYTES && isJsonData(raw)) return { ok: true, value: raw };
    text = serialized;
  }
  if (text.length > MAX_JOB_ENVELOPE_BYTES) return tooLarge(utf8Length(text));
  const bytes = text.length * 3 <= MAX_JOB_ENVELOPE_BYTES ? text.length : utf8Length(text);
  if (bytes > MAX_JOB_ENVELOPE_BYTES) return tooLarge(bytes);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    // Only the position: the parser's own message may quote a piece of the text (a secret, say).
    const position = e instanceof Error ? /position (\d+)/.exec(e.message)?.[1] : undefined;
    return {
      ok: false,
      error: envelopeError(
        [],
        'not-json',
        `the message is not JSON${position === undefined ? '' : ` (at position ${position})`}`,
      ),
    };
  }
}

function readableJobId(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const id = value.jobId;
  return typeof id === 'string' && JOB_ID_PATTERN.test(id) ? id : undefined;
}

/** At most MAX_REPORTED_ERRORS errors, then one saying how many more. */
export function capErrors(errors: readonly EnvelopeError[]): EnvelopeError[] {
  return errors.length > MAX_REPORTED_ERRORS
    ? [
        ...errors.slice(0, MAX_REPORTED_ERRORS),
        envelopeError([], 'too-many-errors', `${errors.length - MAX_REPORTED_ERRORS} more errors not shown`),
      ]
    : [...errors];
}

function failed(value: unknown, errors: EnvelopeError[]): ParseJobEnvelopeResult {
  const jobId = readableJobId(value);
  const capped = capErrors(errors);
  return jobId === undefined ? { ok: false, errors: capped } : { ok: false, jobId, errors: capped };
}

/**
 * Parses and validates a job envelope: a JSON string, UTF-8 bytes, or an already-decoded object.
 * Never throws. On failure, every error found (header and body), each once, and the jobId when it
 * is readable and well-formed (so the failure can be recorded against the job).
 */
export function parseJobEnvelope(raw: unknown): ParseJobEnvelopeResult {
  try {
    return parseUnsafe(raw);
  } catch (e) {
    // Defensive: validation itself should not throw; never let it escape to the host.
    return {
      ok: false,
      errors: [envelopeError([], 'invalid-value', `the message could not be validated: ${errorText(e)}`)],
    };
  }
}

function parseUnsafe(raw: unknown): ParseJobEnvelopeResult {
  const decoded = decode(raw);
  if (!decoded.ok) return { ok: false, errors: [decoded.error] };
  const value = decoded.value;
  if (!isPlainObject(value))
    return failed(value, [envelopeError([], 'invalid-type', 'the message must be a JSON object')]);

  if (
    Object.prototype.hasOwnProperty.call(value, 'schemaVersion') &&
    value.schemaVersion !== JOB_ENVELOPE_SCHEMA_VERSION
  ) {
    return failed(value, [
      envelopeError(
        ['schemaVersion'],
        'unsupported-schema-version',
        `schema version ${JSON.stringify(value.schemaVersion)} is not supported (this service reads ${JOB_ENVELOPE_SCHEMA_VERSION})`,
      ),
    ]);
  }

  const header = jobHeaderSchema.safeParse(value);
  const errors: EnvelopeError[] = header.success ? [] : errorsFromIssues(header.error.issues, [], value);
  const kind = value.kind;
  // The body is checked against its kind's schema for the action (a missing body is already
  // reported by the header; an unknown action checks the body as a create).
  if ((kind === 'statelessGroup' || kind === 'statefulNode') && value.body !== undefined) {
    const body = bodySchema(kind, bodyModeOf(value.action)).safeParse(value.body);
    if (!body.success) errors.push(...errorsFromIssues(body.error.issues, ['body'], value.body));
  }
  if (errors.length > 0) return failed(value, errors);
  return { ok: true, envelope: value as JobEnvelope };
}

// ---------------------------------------------------------------- complete jobs (partial updates)

export type CompleteJobResult =
  { readonly ok: true; readonly job: CompleteJob } | { readonly ok: false; readonly errors: readonly EnvelopeError[] };

/**
 * The job with its complete spec. A create is complete as parsed. An update is merged onto the
 * stored spec (objects merge, arrays replace whole, `null` removes; read-only fields are ignored),
 * then the result is validated as a whole (errors point into the body, where the field would be).
 */
export function completeJob(envelope: JobEnvelope, storedSpec?: unknown): CompleteJobResult {
  const root = bodyRootOf(envelope.kind);
  const given = specInputOf(envelope);
  if (envelope.action === 'create') return { ok: true, job: envelope as unknown as CompleteJob };
  const merged = mergePatch(storedSpec ?? {}, given);
  const body = { [root]: merged };
  const result = bodySchema(envelope.kind, 'stored').safeParse(body);
  if (!result.success) return { ok: false, errors: capErrors(errorsFromIssues(result.error.issues, ['body'], body)) };
  return { ok: true, job: { ...envelope, body } as unknown as CompleteJob };
}

// ---------------------------------------------------------------- accessors

/** The spec as received (complete for a create, the changes for an update). */
export function specInputOf(envelope: JobEnvelope): SpecInput {
  return 'group' in envelope.body ? envelope.body.group : envelope.body.statefulNode;
}

/** The group or stateful node spec of a complete job, with its kind. */
export function groupSpecOf(
  job: CompleteJob,
): { kind: 'statelessGroup'; spec: StatelessGroupSpec } | { kind: 'statefulNode'; spec: StatefulNodeSpec } {
  return job.kind === 'statelessGroup'
    ? { kind: 'statelessGroup', spec: job.body.group }
    : { kind: 'statefulNode', spec: job.body.statefulNode };
}

/**
 * The group identity, used as the Service Bus sessionId so the jobs of one group run in order:
 * `${caller.account}/${kind}/${name}`, lower case (at most 128 characters by construction).
 */
export function groupIdentity(envelope: {
  readonly caller: { readonly account: string };
  readonly kind: JobKind;
  readonly body: { readonly group: { readonly name: string } } | { readonly statefulNode: { readonly name: string } };
}): string {
  const name = 'group' in envelope.body ? envelope.body.group.name : envelope.body.statefulNode.name;
  return `${envelope.caller.account}/${envelope.kind}/${name}`.toLowerCase();
}

/** Where a body names the gallery's Spot account, when it does (a create, or an update that changes it). */
export function spotAccountIdOf(
  envelope: JobEnvelope,
): { readonly value: string; readonly pointer: string } | undefined {
  const root = bodyRootOf(envelope.kind);
  const segments = ['compute', 'launchSpecification', 'image', 'gallery', 'spotAccountId'];
  let cur: unknown = specInputOf(envelope);
  for (const s of segments) cur = isPlainObject(cur) ? cur[s] : undefined;
  return typeof cur === 'string' ? { value: cur, pointer: formatPointer(['body', root, ...segments]) } : undefined;
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
export function imageReferenceOf(job: CompleteJob): ImageReference {
  const root = bodyRootOf(job.kind);
  const imagePath = `${root}.compute.launchSpecification.image`;
  const { spec } = groupSpecOf(job);
  const image = spec.compute.launchSpecification.image;
  const versionField = job.kind === 'statelessGroup' ? 'version' : 'versionName';
  const g = image.gallery;
  const version = g?.[versionField];
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
    return {
      source: 'marketplace',
      publisher: m.publisher,
      offer: m.offer,
      sku: m.sku,
      version: m.version,
      path: `${imagePath}.marketplace`,
    };
  }
  if (image.custom !== undefined) {
    return {
      source: 'custom',
      resourceGroupName: image.custom.resourceGroupName,
      name: image.custom.name,
      path: `${imagePath}.custom`,
    };
  }
  // Unreachable for a complete job (exactly one source is enforced).
  throw new TypeError('the job has no image source: it was not produced by parseJobEnvelope and completeJob');
}

// ---------------------------------------------------------------- fingerprint

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * SHA-256 of the envelope in canonical form (keys sorted) with its secrets dropped (as stored):
 * the same job submitted twice has the same fingerprint, another body under the same jobId another
 * one. Secret values never enter it, so a stored fingerprint reveals nothing about them.
 */
export function envelopeFingerprint(envelope: JobEnvelope): string {
  const root = bodyRootOf(envelope.kind);
  const withoutSecrets = {
    ...envelope,
    body: { [root]: storedSpecOf(kindLetter(envelope.kind), specInputOf(envelope)) },
  };
  return createHash('sha256').update(canonicalJson(withoutSecrets), 'utf8').digest('hex');
}

/**
 * The envelope as it may be kept to send again: as given when it carries no secret; otherwise with
 * its secrets dropped (marked `<name>Set: true`) and the JSON Pointers (from the envelope root) of
 * what was dropped. A kept copy with dropped secrets is never run: without its password a job
 * would do something else than what was asked.
 */
export function keptEnvelopeOf(envelope: JobEnvelope): { envelope: JobEnvelope; secretPointers: string[] } {
  const kind = kindLetter(envelope.kind);
  const root = bodyRootOf(envelope.kind);
  const spec = specInputOf(envelope);
  const secretPointers = secretPointersOf(kind, spec).map((p) => `/body/${root}${p}`);
  if (secretPointers.length === 0) return { envelope, secretPointers };
  return { envelope: { ...envelope, body: { [root]: storedSpecOf(kind, spec) } } as JobEnvelope, secretPointers };
}

/** Service Bus's longest message id. */
const MAX_MESSAGE_ID = 128;

/**
 * A job's Service Bus `messageId`: `<account>/<jobId>`, so the queue's duplicate detection drops a
 * job sent twice while two organizations' jobs with the same id are two messages (an account
 * belongs to one organization). A job reopened after it ended without running (`generation` 1, 2…:
 * its earlier messages were taken, and a new one must not be dropped as their duplicate) gets
 * `#<generation>` after the id. Over 128 characters, the job id is replaced by 40 hex digits of its
 * SHA-256.
 */
export function jobMessageId(account: string, jobId: string, generation = 0): string {
  const suffix = generation > 0 ? `#${generation}` : '';
  const id = `${account.toLowerCase()}/${jobId}${suffix}`;
  return id.length <= MAX_MESSAGE_ID
    ? id
    : `${account.toLowerCase()}/~${createHash('sha256').update(jobId, 'utf8').digest('hex').slice(0, 40)}${suffix}`;
}

/** A job's message id without what follows `@` (a follow-up's or a deferred send's counter). */
function baseMessageId(messageId: string): string {
  const at = messageId.indexOf('@');
  return at >= 0 ? messageId.slice(0, at) : messageId;
}

/** The generation a job's message id carries (0 when none). */
export function generationOfMessageId(messageId: string | undefined): number {
  const m = /#(\d+)$/.exec(baseMessageId(messageId ?? ''));
  return m ? Number(m[1]) : 0;
}

/** The job id a message id names, when it names one (`<account>/<jobId>[#n]`, or a bare job id from an older producer). */
export function jobIdOfMessageId(messageId: string | undefined): string | undefined {
  if (messageId === undefined) return undefined;
  const base = baseMessageId(messageId);
  const slash = base.lastIndexOf('/');
  const id = (slash >= 0 ? base.slice(slash + 1) : base).replace(/#\d+$/, '');
  return JOB_ID_PATTERN.test(id) ? id : undefined;
}

/**
 * The header of a kept copy sent again without its secrets (its body carries `<secret>Set`
 * markers, which the envelope parser refuses): job id, action, kind, account and group name.
 */
export function parseKeptHeader(
  raw: unknown,
): { jobId: string; action: JobAction; kind: JobKind; account: string; name: string } | undefined {
  const decoded = decode(raw);
  if (!decoded.ok || !isPlainObject(decoded.value)) return undefined;
  const header = jobHeaderSchema.safeParse(decoded.value);
  if (!header.success) return undefined;
  const body = decoded.value.body;
  const spec = isPlainObject(body) ? (body.group ?? body.statefulNode) : undefined;
  const name = isPlainObject(spec) && typeof spec.name === 'string' ? spec.name : '';
  return {
    jobId: header.data.jobId,
    action: header.data.action,
    kind: header.data.kind,
    account: header.data.caller.account,
    name,
  };
}

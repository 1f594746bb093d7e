/**
 * The schemas of the OpenAPI document, generated from the zod schemas the code validates requests
 * with and builds its answers to (zod 4's JSON Schema output, draft 2020-12: OpenAPI 3.1's
 * dialect). Each component is a zod schema with a name; a named schema used inside another becomes
 * a `$ref` to its component. Requests are described as zod reads them (`io: 'input'`: a field with
 * a default may be left out), answers as the code writes them (`io: 'output'`).
 *
 * One part is not zod's output: the Spot spec inside a job body is the JSON Schema the field table
 * builds (spot-body.ts `specJsonSchema`), from the same table as the zod schema the body is
 * validated with, and with each field's hints, which the zod schema does not carry.
 */
import { z } from 'zod';
import {
  bodyModeOf,
  bodySchema,
  JOB_ACTIONS,
  JOB_KINDS,
  jobHeaderSchema,
  autoRollPolicySchema,
  kindLetter,
  type JobKind,
} from '../domain/job-envelope.js';
import { specJsonSchema, specSchema } from '../domain/spot-body.js';
import type { Kind } from '../domain/spot-fields.js';
import { fieldErrorSchema } from '../domain/faults.js';
import { reasonSchema } from '../domain/latest.js';
import { visibleViaSchema } from '../domain/visibility.js';
import { replicaRuleSchema } from '../domain/replicas.js';
import { reconcileProgressSchema, reconcileStartedSchema } from '../domain/reconcile-run.js';
import { organizationDocumentSchema, organizationListSchema, storedOrganizationSchema } from '../access/directory.js';
import { definitionPauseRequestSchema, definitionPauseSchema } from '../autoroll/pause.js';
import { rolloutRegionSchema, rolloutSchema, rollsSchema } from '../autoroll/views.js';
import {
  groupUseViewSchema,
  organizationAdviceViewSchema,
  regionReplicasViewSchema,
  versionReplicasViewSchema,
} from '../advice/replica-advisor.js';
import { jobProblemSchema, jobRecordSchema } from '../jobs/store.js';
import { jobAcceptedSchema } from '../jobs/submission.js';
import { versionSizesSchema } from '../jobs/version-sizes.js';
import { sizeFitSchema } from '../domain/size-fit.js';
import { callerAccountsSchema } from '../access/caller-accounts.js';
import { pageSchema } from '../lookups/paging.js';
import {
  galleryPageSchema,
  galleryViewSchema,
  imagePageSchema,
  imageViewSchema,
  latestViewSchema,
  resourceGroupPageSchema,
  resourceGroupViewSchema,
  versionPageSchema,
  versionViewSchema,
} from '../lookups/lookups.js';
import { healthSchema } from '../health.js';
import { groupViewSchema } from './jobs-access.js';
import { problemDetailsSchema } from './responses.js';

export type JsonSchema = Record<string, unknown>;
export type Direction = 'input' | 'output';

/** This document itself (GET /api/openapi.json). */
export const openApiDocumentSchema = z
  .strictObject({
    openapi: z.literal('3.1.0'),
    info: z.strictObject({ title: z.string(), version: z.string(), description: z.string() }),
    servers: z.array(z.strictObject({ url: z.string() })),
    security: z.array(z.record(z.string(), z.array(z.string()))),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z.strictObject({
      securitySchemes: z.record(z.string(), z.unknown()),
      schemas: z.record(z.string(), z.unknown()),
    }),
  })
  .describe('This OpenAPI 3.1 document');

// ---------------------------------------------------------------- the job envelope's bodies

const KIND_NAMES: Record<JobKind, string> = { statelessGroup: 'Group', statefulNode: 'StatefulNode' };
const MODE_NAMES = { full: '', patch: 'Update' } as const;

/** One body of the envelope: a kind and an action, the body schema they call for, and its spec. */
interface EnvelopeBody {
  kind: JobKind;
  action: (typeof JOB_ACTIONS)[number];
  name: string;
  body: z.ZodType;
  specName: string;
  spec: z.ZodType;
  letter: Kind;
  mode: 'full' | 'patch';
}

/** Every kind and action of the envelope, with the body it carries (parseJobEnvelope's choice). */
export function envelopeBodies(): EnvelopeBody[] {
  return JOB_KINDS.flatMap((kind) =>
    JOB_ACTIONS.map((action) => {
      const mode = bodyModeOf(action);
      const prefix = `${KIND_NAMES[kind]}${MODE_NAMES[mode]}`;
      return {
        kind,
        action,
        name: `${prefix}Body`,
        body: bodySchema(kind, mode),
        specName: `${prefix}.spec`,
        spec: specSchema(kindLetter(kind), mode),
        letter: kindLetter(kind),
        mode,
      };
    }),
  );
}

// ---------------------------------------------------------------- components

/** Request bodies, by component name: the schemas the handlers validate with. */
export function requestComponents(): Record<string, z.ZodType> {
  const bodies = envelopeBodies();
  return {
    JobEnvelope: jobHeaderSchema,
    ...Object.fromEntries(bodies.map((b) => [b.name, b.body])),
    ...Object.fromEntries(bodies.map((b) => [b.specName, b.spec])),
    AutoRollPolicy: autoRollPolicySchema,
    DefinitionPauseRequest: definitionPauseRequestSchema,
    OrganizationDocument: organizationDocumentSchema,
  };
}

/** Response bodies, by component name: the schemas of what the handlers answer. */
export function responseComponents(): Record<string, z.ZodType> {
  return {
    Problem: problemDetailsSchema,
    FieldError: fieldErrorSchema,
    Health: healthSchema,
    OpenApiDocument: openApiDocumentSchema,
    ResourceGroup: resourceGroupViewSchema,
    ResourceGroupPage: resourceGroupPageSchema,
    Gallery: galleryViewSchema,
    GalleryPage: galleryPageSchema,
    VisibleVia: visibleViaSchema,
    Image: imageViewSchema,
    ImagePage: imagePageSchema,
    Reason: reasonSchema,
    Version: versionViewSchema,
    VersionPage: versionPageSchema,
    Latest: latestViewSchema,
    ReplicaRule: replicaRuleSchema,
    GroupUse: groupUseViewSchema,
    RegionReplicas: regionReplicasViewSchema,
    VersionReplicas: versionReplicasViewSchema,
    ReplicaAdvice: organizationAdviceViewSchema,
    SizeFit: sizeFitSchema,
    VersionSizes: versionSizesSchema,
    CallerAccounts: callerAccountsSchema,
    JobAccepted: jobAcceptedSchema,
    JobProblem: jobProblemSchema,
    Job: jobRecordSchema,
    Group: groupViewSchema,
    GroupPage: groupPageSchema,
    Rolls: rollsSchema,
    Rollout: rolloutSchema,
    RolloutRegion: rolloutRegionSchema,
    DefinitionPause: definitionPauseSchema,
    ReconcileProgress: reconcileProgressSchema,
    ReconcileStarted: reconcileStartedSchema,
    Organization: storedOrganizationSchema,
    OrganizationList: organizationListSchema,
  };
}

/** A page of groups (GET /api/groups/{account}). */
export const groupPageSchema = pageSchema(groupViewSchema);

// ---------------------------------------------------------------- conversion

/**
 * What a conversion does besides zod's own output: a Spot spec becomes the field table's JSON
 * Schema, and zod's implicit integer range (±2^53-1, the safe integers) is left out: it says nothing.
 */
function adjuster(): (ctx: { zodSchema: unknown; jsonSchema: JsonSchema }) => void {
  const specs = new Map<unknown, EnvelopeBody>(envelopeBodies().map((b) => [b.spec, b]));
  return ({ zodSchema, jsonSchema }) => {
    const spec = specs.get(zodSchema);
    if (spec) {
      for (const key of Object.keys(jsonSchema)) Reflect.deleteProperty(jsonSchema, key);
      Object.assign(jsonSchema, specJsonSchema(spec.letter, spec.mode));
      return;
    }
    if (jsonSchema.type !== 'integer') return;
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) Reflect.deleteProperty(jsonSchema, 'minimum');
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) Reflect.deleteProperty(jsonSchema, 'maximum');
  };
}

/** zod's options for the document's schemas: draft 2020-12, nothing unrepresentable let through. */
function jsonSchemaOptions(io: Direction) {
  return { target: 'draft-2020-12', io, unrepresentable: 'throw', override: adjuster() } as const;
}

/** The JSON Schema of one zod schema on its own (every schema inside it written out), as the document would say it. */
export function jsonSchemaOf(schema: z.ZodType, io: Direction): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, jsonSchemaOptions(io)) as JsonSchema;
  return rest;
}

export const COMPONENT_PREFIX = '#/components/schemas/';

/** Converts named zod schemas together: a named schema inside another is a `$ref` to its component. */
function convert(components: Record<string, z.ZodType>, io: Direction): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...jsonSchemaOptions(io), uri: (id) => `${COMPONENT_PREFIX}${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...rest }]) => [id, rest as JsonSchema]),
  );
}

/**
 * The envelope's body depends on its kind and action: an `if`/`then` per pair names the body
 * component (the header alone is jobHeaderSchema, whose `body` zod leaves open).
 */
function withBodies(envelope: JsonSchema): JsonSchema {
  return {
    ...envelope,
    allOf: envelopeBodies().map((b) => ({
      if: { properties: { kind: { const: b.kind }, action: { const: b.action } }, required: ['kind', 'action'] },
      then: { properties: { body: { $ref: `${COMPONENT_PREFIX}${b.name}` } } },
    })),
  };
}

let cached: Record<string, JsonSchema> | undefined;

/** Every component schema of the document (converted once: the Spot specs take a while). */
export function componentSchemas(): Record<string, JsonSchema> {
  if (!cached) {
    const requests = convert(requestComponents(), 'input');
    const responses = convert(responseComponents(), 'output');
    const clash = Object.keys(requests).filter((name) => name in responses);
    if (clash.length > 0) throw new Error(`components named twice: ${clash.join(', ')}`);
    cached = { ...requests, JobEnvelope: withBodies(requests.JobEnvelope ?? {}), ...responses };
  }
  return cached;
}

/** The component name of every named zod schema. */
export function componentNames(): Map<z.ZodType, string> {
  return new Map(
    [...Object.entries(requestComponents()), ...Object.entries(responseComponents())].map(([name, schema]) => [
      schema,
      name,
    ]),
  );
}

/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /api/openapi.json.
 *
 * Route metadata (paths, methods, parameters, summaries, app roles, status codes and what they
 * mean) is written here, one table per area. Every request and response body is the zod schema the
 * code validates or answers with, put in place as it is; `openApiDocument` turns each into a
 * `$ref` to its component, whose JSON Schema zod generates (openapi-schemas.ts). A body that is not
 * a named zod schema cannot be written here: the document refuses to build.
 *
 * Tests compare the paths and methods with the registered HTTP functions, check that every body
 * schema is its zod schema's JSON Schema, and parse real answers of the app with the schemas named
 * here for their route and status.
 */
import { z } from 'zod';
import { appVersion } from '../version.js';
import { autoRollPolicySchema, jobHeaderSchema } from '../domain/job-envelope.js';
import { organizationDocumentSchema, organizationListSchema, storedOrganizationSchema } from '../access/directory.js';
import { definitionPauseRequestSchema, definitionPauseSchema } from '../autoroll/pause.js';
import { rolloutSchema, rollsSchema } from '../autoroll/views.js';
import { organizationAdviceViewSchema, versionReplicasViewSchema } from '../advice/replica-advisor.js';
import { reconcileProgressSchema, reconcileStartedSchema } from '../domain/reconcile-run.js';
import { jobRecordSchema } from '../jobs/store.js';
import { jobAcceptedSchema } from '../jobs/submission.js';
import { versionSizesSchema } from '../jobs/version-sizes.js';
import { callerAccountsSchema } from '../access/caller-accounts.js';
import {
  galleryPageSchema,
  imagePageSchema,
  imageViewSchema,
  latestViewSchema,
  resourceGroupPageSchema,
  versionPageSchema,
} from '../lookups/lookups.js';
import { healthSchema } from '../health.js';
import { groupViewSchema } from './jobs-access.js';
import { problemDetailsSchema } from './responses.js';
import {
  COMPONENT_PREFIX,
  componentNames,
  componentSchemas,
  groupPageSchema,
  openApiDocumentSchema,
} from './openapi-schemas.js';

/** Operations by path and method, with zod schemas where the bodies are. */
export type Paths = Record<string, Record<string, unknown>>;
export type OpenApiDocument = z.infer<typeof openApiDocumentSchema>;

// ---------------------------------------------------------------- building blocks

const json = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemDetailsSchema } },
});
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } });
const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const query = (name: string, description: string, schema: unknown = { type: 'string' }, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
/** The app role an operation needs (the document's default is Catalog.Read). */
const role = (name: 'Jobs.Submit' | 'Catalog.Admin') => [{ entra: [name] }];

const sub = pathParam('subscriptionId', 'Subscription id (GUID)');
const rg = pathParam('resourceGroup', 'Resource group name (case-insensitive)');
const gallery = pathParam('gallery', 'Gallery name (case-insensitive)');
const image = pathParam('image', 'Image definition name (case-insensitive)');
const top = query('top', 'Page size, 1-1000 (default 100)', { type: 'integer', minimum: 1, maximum: 1000 });
const token = query('continuationToken', 'Opaque token from the previous page; bound to the caller and the query');
const region = (required: boolean) =>
  query(
    'region',
    'Region name, display or canonical ("West Europe", "westeurope")',
    { type: 'string', maxLength: 40 },
    required,
  );
const filters = [
  query('osType', 'Windows or Linux', { enum: ['Windows', 'Linux'] }),
  query('osState', 'Generalized or Specialized', { enum: ['Generalized', 'Specialized'] }),
  query('architecture', 'x64 or Arm64', { enum: ['x64', 'Arm64'] }),
  query('hyperVGeneration', 'V1 or V2', { enum: ['V1', 'V2'] }),
  query('securityType', 'The image definition SecurityType feature (Standard when absent)'),
];
const groupPath = [
  pathParam('account', 'Spot account id or subscription id'),
  pathParam('kind', 'statelessGroup or statefulNode'),
  pathParam('name', 'The group name'),
];
const errors = {
  '400': problem('Invalid request: `errors` names every field at fault'),
  '401': problem('No authenticated principal'),
  '403': problem('The principal belongs to no organization'),
  '503': problem(
    'A dependency (table store, job queue, ARM) is unavailable; `dependency` names it; retry after the Retry-After delay',
  ),
};
/** The answers of an operation on something the caller may not see: it, or 404, or a request error. */
const visibleOr404 = (description: string, schema: z.ZodType) => ({
  '200': json(description, schema),
  '404': problem('Not found or not visible'),
  ...errors,
});
/** A mutating route's answer to a body that is not application/json (a browser's cross-site form or text post). */
const unsupported = problem('The body is not application/json; `accepted` lists what is');

// ---------------------------------------------------------------- the service itself

function serviceRoutes(): Paths {
  return {
    '/health': {
      get: {
        operationId: 'health',
        security: [],
        summary: 'App version and table store reachability',
        responses: { '200': json('Healthy', healthSchema), '503': json('Table store unreachable', healthSchema) },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        security: [],
        summary: 'This document',
        responses: { '200': json('OpenAPI 3.1', openApiDocumentSchema) },
      },
    },
    '/console/{path}': {
      get: {
        operationId: 'console',
        // behind App Service authentication (signed in) but no app role: static files only; every API call they make checks its role
        security: [{ entra: [] }],
        summary:
          'The web console (its page at /api/console/, then its scripts, styles and job templates); it calls this API with the browser session',
        parameters: [pathParam('path', 'A console file; empty for the page')],
        responses: {
          '200': {
            description: 'The file',
            content: { 'text/html': {}, 'text/javascript': {}, 'text/css': {}, 'application/json': {} },
          },
          '308': { description: 'Redirect to the page with its trailing slash' },
          '404': problem('No such console file'),
        },
      },
    },
  };
}

// ---------------------------------------------------------------- lookups: the console cascade, latest, search, replica advice

const cascade = '/subscriptions/{subscriptionId}/resourceGroups';
const definition = `${cascade}/{resourceGroup}/galleries/{gallery}/images/{image}`;

function cascadeRoutes(): Paths {
  return {
    [cascade]: {
      get: {
        operationId: 'listResourceGroups',
        summary: 'Resource groups holding galleries the caller sees',
        parameters: [sub, top, token],
        responses: { '200': json('A page', resourceGroupPageSchema), ...errors },
      },
    },
    [`${cascade}/{resourceGroup}/galleries`]: {
      get: {
        operationId: 'listGalleries',
        summary: 'Galleries of a resource group the caller sees',
        parameters: [sub, rg, top, token],
        responses: { '200': json('A page', galleryPageSchema), ...errors },
      },
    },
    [`${cascade}/{resourceGroup}/galleries/{gallery}/images`]: {
      get: {
        operationId: 'listImages',
        summary: 'Image definitions of a gallery',
        parameters: [sub, rg, gallery, ...filters, top, token],
        responses: {
          '200': json('A page', imagePageSchema),
          '404': problem('No such gallery visible to the caller'),
          ...errors,
        },
      },
    },
    [definition]: {
      get: {
        operationId: 'getImage',
        summary: 'One image definition',
        parameters: [sub, rg, gallery, image],
        responses: {
          '200': json('The definition', imageViewSchema),
          '404': problem('Not found or not visible'),
          ...errors,
        },
      },
    },
    [`${definition}/versions`]: {
      get: {
        operationId: 'listVersions',
        summary: 'Versions, newest first, each with its deployability in the region and why',
        parameters: [sub, rg, gallery, image, region(false), top, token],
        responses: { '200': json('A page', versionPageSchema), '404': problem('Not found or not visible'), ...errors },
      },
    },
    [`${definition}/versions/latest`]: {
      get: {
        operationId: 'latestVersion',
        summary: 'What latest resolves to in a region, and the newer versions passed over with why',
        parameters: [sub, rg, gallery, image, region(true)],
        responses: {
          '200': json('The resolution (no `version` when none qualifies)', latestViewSchema),
          '404': problem('Not found or not visible'),
          ...errors,
        },
      },
    },
  };
}

function searchAndAdviceRoutes(): Paths {
  return {
    [`${definition}/versions/{version}/replicas`]: {
      get: {
        operationId: 'versionReplicas',
        summary:
          "Per target region: current replicas, the demand of the organization's groups, the recommended count with every rule and why, and the storage estimate",
        parameters: [sub, rg, gallery, image, pathParam('version', 'Version name Major.Minor.Patch')],
        responses: {
          '200': json('Replica advice for the version', versionReplicasViewSchema),
          '404': problem('Not found or not visible'),
          ...errors,
        },
      },
    },
    [`${definition}/versions/{version}/vmSizes`]: {
      get: {
        operationId: 'versionVmSizes',
        summary:
          "The VM sizes of one of the caller's accounts in a region, each checked against the version as a group job would be: the sizes that can run it, then the others with why not",
        parameters: [
          sub,
          rg,
          gallery,
          image,
          pathParam('version', 'Version name Major.Minor.Patch'),
          region(true),
          query(
            'account',
            'An account the caller acts for (Spot account id or subscription id): its sizes',
            { type: 'string', maxLength: 64 },
            true,
          ),
          query(
            'securityType',
            "The VMs' security type to check for (one the image can create); by default the image's only one, else TrustedLaunch when it allows it, else Standard",
            { enum: ['Standard', 'TrustedLaunch', 'ConfidentialVM'] },
          ),
        ],
        responses: {
          '200': json('The sizes, checked', versionSizesSchema),
          '404': problem('Not found or not visible'),
          ...errors,
        },
      },
    },
    '/advice/replicas': {
      get: {
        operationId: 'replicaAdvice',
        summary:
          "The caller's organization: versions under-replicated for their demand (most at risk first), and replicas nobody uses with the monthly saving of trimming them",
        parameters: [
          query('top', 'Items per list, 1-1000 (default 100); the totals count every item', {
            type: 'integer',
            minimum: 1,
            maximum: 1000,
          }),
        ],
        responses: { '200': json('Replica advice for the organization', organizationAdviceViewSchema), ...errors },
      },
    },
    '/images': {
      get: {
        operationId: 'searchImages',
        summary: 'Image definitions across every gallery the caller sees, in all subscriptions',
        parameters: [
          query('publisher', 'Publisher (case-insensitive)'),
          query('offer', 'Offer (case-insensitive)'),
          query('sku', 'SKU (case-insensitive)'),
          ...filters.filter((f) => f.name !== 'securityType'),
          query(
            'securityType',
            'Standard, TrustedLaunch or ConfidentialVM: definitions that can create VMs of that security type (TrustedLaunch also finds TrustedLaunchSupported and TrustedLaunchAndConfidentialVmSupported); any other value: that SecurityType feature exactly',
          ),
          region(false),
          top,
          token,
        ],
        responses: { '200': json('A page', imagePageSchema), ...errors },
      },
    },
  };
}

// ---------------------------------------------------------------- group jobs and groups

function jobRoutes(): Paths {
  return {
    '/me': {
      get: {
        operationId: 'me',
        summary:
          "The caller's organization and its accounts, those the caller acts for marked (the accounts a job may name as caller.account, and as a gallery's spotAccountId)",
        responses: { '200': json("The caller's accounts", callerAccountsSchema), ...errors },
      },
    },
    '/groups/jobs': {
      post: {
        operationId: 'submitGroupJob',
        security: role('Jobs.Submit'),
        summary: 'Submit a group create/update job (queued; the same jobId again is the same job)',
        requestBody: body(jobHeaderSchema),
        responses: {
          '202': {
            ...json('Queued (or already known: `duplicate: true`)', jobAcceptedSchema),
            headers: { Location: { description: 'The job URL', schema: { type: 'string' } } },
          },
          '409': problem('The jobId was already submitted with another envelope by the organization'),
          '413': problem('The envelope is larger than 256 KB'),
          '415': unsupported,
          ...errors,
        },
      },
    },
    '/groups/jobs/{jobId}': {
      get: {
        operationId: 'getGroupJob',
        summary: 'A job: status, resolved image version, warnings, errors',
        parameters: [pathParam('jobId', 'The job id')],
        responses: {
          '200': json('The job', jobRecordSchema),
          '404': problem('No such job visible to the caller'),
          ...errors,
        },
      },
    },
    '/groups/{account}': {
      get: {
        operationId: 'listGroups',
        summary: "Groups and stateful nodes of one of the caller's accounts",
        parameters: [pathParam('account', 'Spot account id or subscription id'), top, token],
        responses: {
          '200': json('A page', groupPageSchema),
          '404': problem('Not an account of the caller'),
          ...errors,
        },
      },
    },
    '/groups/{account}/{kind}/{name}': {
      get: {
        operationId: 'getGroup',
        summary: 'One group or stateful node as the last successful job wrote it',
        parameters: groupPath,
        responses: { '200': json('The group', groupViewSchema), '404': problem('Not found or not visible'), ...errors },
      },
    },
  };
}

// ---------------------------------------------------------------- auto-roll

function autoRollRoutes(): Paths {
  return {
    '/groups/{account}/{kind}/{name}/rolls': {
      get: {
        operationId: 'groupRolls',
        summary: "A group's auto-roll policy, its last roll, and its roll jobs (history), newest first",
        parameters: groupPath,
        responses: visibleOr404('The roll history', rollsSchema),
      },
    },
    '/groups/{account}/{kind}/{name}/autoroll': {
      put: {
        operationId: 'setGroupAutoRoll',
        security: role('Jobs.Submit'),
        summary: "Sets a group's auto-roll policy (the fields given change)",
        parameters: groupPath,
        requestBody: body(autoRollPolicySchema),
        responses: { ...visibleOr404('The group', groupViewSchema), '415': unsupported },
      },
    },
    [`${definition}/rollout`]: {
      get: {
        operationId: 'imageRollout',
        summary:
          "Per region, the definition's latest version and which of the caller's groups run which version (rolled, soaking, pending, failed, held)",
        parameters: [sub, rg, gallery, image],
        responses: visibleOr404('The rollout', rolloutSchema),
      },
    },
    '/manage/autoroll/pauses/{definitionId}': {
      put: {
        operationId: 'pauseAutoRoll',
        security: role('Catalog.Admin'),
        summary:
          "Emergency stop of auto-roll for an image definition, or its release (the operator; an organization administrator for its organization's definitions)",
        parameters: [pathParam('definitionId', 'The image definition ARM id (its slashes as they are)')],
        requestBody: body(definitionPauseRequestSchema),
        responses: {
          '200': json(
            'The pause; on release, the roll jobs it queued for what the pause held back',
            definitionPauseSchema,
          ),
          '400': problem('Invalid id or body'),
          '404': problem('No such definition the caller administers'),
          '415': unsupported,
        },
      },
    },
  };
}

// ---------------------------------------------------------------- administration: the reconcile and organizations

function reconcileRoutes(): Paths {
  return {
    '/manage/reconcile': {
      get: {
        operationId: 'reconcileStatus',
        security: role('Catalog.Admin'),
        summary:
          'The running or last reconcile: status, start time, counts so far, gallery units done of those queued, failed units, last error (admin)',
        responses: {
          '200': json('Progress', reconcileProgressSchema),
          '403': problem("Only the deployment's operator reads the reconcile"),
          '404': problem('No reconcile has run yet'),
        },
      },
      post: {
        operationId: 'startReconcile',
        security: role('Catalog.Admin'),
        summary: 'Start a reconcile run: plan every source subscription and queue one unit per gallery (admin)',
        responses: {
          '202': json('Started; Location is GET /api/manage/reconcile', reconcileStartedSchema),
          '403': problem("Only the deployment's operator starts a reconcile"),
          '409': problem('No source subscriptions are configured'),
          '415': unsupported,
          '503': problem('The reconcile-units queue is not configured or unavailable'),
        },
      },
    },
  };
}

function organizationRoutes(): Paths {
  const missing = problem('No such organization the caller administers');
  return {
    '/manage/organizations': {
      get: {
        operationId: 'listOrganizations',
        security: role('Catalog.Admin'),
        summary:
          'The organizations the caller administers: every one for the operator, its own for an organization administrator, none otherwise',
        responses: { '200': json('Organizations', organizationListSchema) },
      },
    },
    '/manage/organizations/{organizationId}': {
      parameters: [pathParam('organizationId', 'Organization id (2-63 lower-case letters, digits, hyphens)')],
      get: {
        operationId: 'getOrganization',
        security: role('Catalog.Admin'),
        summary: 'One organization (the operator, or its administrator)',
        responses: { '200': json('The organization', storedOrganizationSchema), '404': missing },
      },
      put: {
        operationId: 'putOrganization',
        security: role('Catalog.Admin'),
        summary:
          'Create or replace an organization (the operator); replace its own (an organization administrator: no subscription added, principals of its tenant only, same tenant)',
        requestBody: body(organizationDocumentSchema),
        responses: {
          '200': json('Stored', storedOrganizationSchema),
          '400': problem('Invalid document'),
          '403': problem('An organization administrator may not make this change; `errors` names each field'),
          '404': missing,
          '409': problem('A subscription belongs to another organization'),
          '415': unsupported,
        },
      },
      delete: {
        operationId: 'deleteOrganization',
        security: role('Catalog.Admin'),
        summary: 'Delete an organization (the operator)',
        responses: {
          '204': { description: 'Deleted' },
          '403': problem('Only the operator deletes an organization'),
          '404': missing,
        },
      },
    },
  };
}

// ---------------------------------------------------------------- the document

/** Every route of the API, by area, with the zod schemas of its bodies in place. */
export function apiPaths(): Paths {
  return {
    ...serviceRoutes(),
    ...cascadeRoutes(),
    ...searchAndAdviceRoutes(),
    ...jobRoutes(),
    ...autoRollRoutes(),
    ...reconcileRoutes(),
    ...organizationRoutes(),
  };
}

const SECURITY_SCHEMES = {
  entra: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A Microsoft Entra access token for api://<client-id>, validated by App Service authentication, which passes the caller to the app as x-ms-client-principal. The security requirement lists the app role the token must carry (Catalog.Read, Jobs.Submit or Catalog.Admin); without it the answer is 403 naming the role.',
  },
};

export function openApiDocument(): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'gallery-catalog',
      version: appVersion(),
      description:
        'Azure Compute Gallery catalog: the console cascade (resource group → gallery → image → version), latest per region, search, and group jobs. Every lookup sees only what the caller may see; an invisible resource answers 404 like a missing one.',
    },
    servers: [{ url: '/api' }],
    security: [{ entra: ['Catalog.Read'] }],
    paths: withRefs(apiPaths(), componentNames()) as Paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas: componentSchemas() },
  };
}

/** The routes with each zod schema replaced by a `$ref` to its component; a schema without a name is an error. */
function withRefs(value: unknown, names: Map<z.ZodType, string>): unknown {
  if (value instanceof z.ZodType) {
    const name = names.get(value);
    if (name === undefined)
      throw new Error('a body schema of the OpenAPI document is not a named component (openapi-schemas.ts)');
    return { $ref: `${COMPONENT_PREFIX}${name}` };
  }
  if (Array.isArray(value)) return value.map((v) => withRefs(v, names));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withRefs(v, names)]));
  return value;
}

/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /api/openapi.json. A test compares
 * its paths and methods with the registered HTTP functions, so it cannot drift from the code.
 */
import { appVersion } from '../version.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const json = (description: string, schema: unknown) => ({ description, content: { 'application/json': { schema } } });
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const query = (name: string, description: string, schema: unknown = { type: 'string' }, required = false) => ({ name, in: 'query', required, description, schema });

const sub = pathParam('subscriptionId', 'Subscription id (GUID)');
const rg = pathParam('resourceGroup', 'Resource group name (case-insensitive)');
const gallery = pathParam('gallery', 'Gallery name (case-insensitive)');
const image = pathParam('image', 'Image definition name (case-insensitive)');
const top = query('top', 'Page size, 1-1000 (default 100)', { type: 'integer', minimum: 1, maximum: 1000 });
const token = query('continuationToken', 'Opaque token from the previous page; bound to the caller and the query');
const region = (required: boolean) => query('region', 'Region name, display or canonical ("West Europe", "westeurope")', { type: 'string', maxLength: 40 }, required);
const filters = [
  query('osType', 'Windows or Linux', { enum: ['Windows', 'Linux'] }),
  query('osState', 'Generalized or Specialized', { enum: ['Generalized', 'Specialized'] }),
  query('architecture', 'x64 or Arm64', { enum: ['x64', 'Arm64'] }),
  query('hyperVGeneration', 'V1 or V2', { enum: ['V1', 'V2'] }),
  query('securityType', 'The image definition SecurityType feature (Standard when absent)'),
];
const groupPath = [pathParam('account', 'Spot account id or subscription id'), pathParam('kind', 'statelessGroup or statefulNode'), pathParam('name', 'The group name')];
const errors = {
  '400': problem('Invalid request: `errors` names every field at fault'),
  '401': problem('No authenticated principal'),
  '403': problem('The principal belongs to no organization'),
  '503': problem('The catalog store is unavailable; retry after the Retry-After delay'),
};
const page = (item: string) => ({
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: ref(item) }, continuationToken: { type: 'string' } },
});

export function openApiDocument(): Record<string, unknown> {
  const cascade = '/subscriptions/{subscriptionId}/resourceGroups';
  return {
    openapi: '3.1.0',
    info: {
      title: 'gallery-catalog',
      version: appVersion(),
      description:
        'Azure Compute Gallery catalog: the console cascade (resource group → gallery → image → version), latest per region, search, and group jobs. Every lookup sees only what the caller may see; an invisible resource answers 404 like a missing one.',
    },
    servers: [{ url: '/api' }],
    security: [{ appServiceAuth: [] }],
    paths: {
      '/health': { get: { operationId: 'health', security: [], summary: 'App version and table store reachability', responses: { '200': json('Healthy', ref('Health')), '503': json('Table store unreachable', ref('Health')) } } },
      '/openapi.json': { get: { operationId: 'openapi', security: [], summary: 'This document', responses: { '200': json('OpenAPI 3.1', { type: 'object' }) } } },
      [cascade]: { get: { operationId: 'listResourceGroups', summary: 'Resource groups holding galleries the caller sees', parameters: [sub, top, token], responses: { '200': json('A page', page('ResourceGroup')), ...errors } } },
      [`${cascade}/{resourceGroup}/galleries`]: { get: { operationId: 'listGalleries', summary: 'Galleries of a resource group the caller sees', parameters: [sub, rg, top, token], responses: { '200': json('A page', page('Gallery')), ...errors } } },
      [`${cascade}/{resourceGroup}/galleries/{gallery}/images`]: {
        get: { operationId: 'listImages', summary: 'Image definitions of a gallery', parameters: [sub, rg, gallery, ...filters, top, token], responses: { '200': json('A page', page('Image')), '404': problem('No such gallery visible to the caller'), ...errors } },
      },
      [`${cascade}/{resourceGroup}/galleries/{gallery}/images/{image}`]: {
        get: { operationId: 'getImage', summary: 'One image definition', parameters: [sub, rg, gallery, image], responses: { '200': json('The definition', ref('Image')), '404': problem('Not found or not visible'), ...errors } },
      },
      [`${cascade}/{resourceGroup}/galleries/{gallery}/images/{image}/versions`]: {
        get: {
          operationId: 'listVersions',
          summary: 'Versions, newest first, each with its deployability in the region and why',
          parameters: [sub, rg, gallery, image, region(false), top, token],
          responses: { '200': json('A page', page('Version')), '404': problem('Not found or not visible'), ...errors },
        },
      },
      [`${cascade}/{resourceGroup}/galleries/{gallery}/images/{image}/versions/latest`]: {
        get: {
          operationId: 'latestVersion',
          summary: 'What latest resolves to in a region, and the newer versions passed over with why',
          parameters: [sub, rg, gallery, image, region(true)],
          responses: { '200': json('The resolution (no `version` when none qualifies)', ref('Latest')), '404': problem('Not found or not visible'), ...errors },
        },
      },
      '/images': {
        get: {
          operationId: 'searchImages',
          summary: 'Image definitions across every gallery the caller sees, in all subscriptions',
          parameters: [query('publisher', 'Publisher (case-insensitive)'), query('offer', 'Offer (case-insensitive)'), query('sku', 'SKU (case-insensitive)'), ...filters, region(false), top, token],
          responses: { '200': json('A page', page('Image')), ...errors },
        },
      },
      '/groups/jobs': {
        post: {
          operationId: 'submitGroupJob',
          summary: 'Submit a group create/update job (queued; the same jobId again is the same job)',
          requestBody: { required: true, content: { 'application/json': { schema: ref('JobEnvelope') } } },
          responses: {
            '202': { ...json('Queued (or already known: `duplicate: true`)', ref('JobAccepted')), headers: { Location: { description: 'The job URL', schema: { type: 'string' } } } },
            '409': problem('The jobId is used by another account'),
            '413': problem('The envelope is larger than 256 KB'),
            ...errors,
          },
        },
      },
      '/groups/jobs/{jobId}': {
        get: { operationId: 'getGroupJob', summary: 'A job: status, resolved image version, warnings, errors', parameters: [pathParam('jobId', 'The job id')], responses: { '200': json('The job', ref('Job')), '404': problem('No such job visible to the caller'), ...errors } },
      },
      '/groups/{account}': {
        get: { operationId: 'listGroups', summary: "Groups and stateful nodes of one of the caller's accounts", parameters: [pathParam('account', 'Spot account id or subscription id'), top, token], responses: { '200': json('A page', page('Group')), '404': problem('Not an account of the caller'), ...errors } },
      },
      '/groups/{account}/{kind}/{name}': {
        get: {
          operationId: 'getGroup',
          summary: 'One group or stateful node as the last successful job wrote it',
          parameters: groupPath,
          responses: { '200': json('The group', ref('Group')), '404': problem('Not found or not visible'), ...errors },
        },
      },
      '/groups/{account}/{kind}/{name}/rolls': {
        get: {
          operationId: 'groupRolls',
          summary: "A group's auto-roll policy, its last roll, and its roll jobs (history), newest first",
          parameters: groupPath,
          responses: { '200': json('The roll history', ref('Rolls')), '404': problem('Not found or not visible'), ...errors },
        },
      },
      '/groups/{account}/{kind}/{name}/autoroll': {
        put: {
          operationId: 'setGroupAutoRoll',
          summary: "Sets a group's auto-roll policy (the fields given change)",
          parameters: groupPath,
          requestBody: { required: true, content: { 'application/json': { schema: ref('AutoRollPolicy') } } },
          responses: { '200': json('The group', ref('Group')), '404': problem('Not found or not visible'), ...errors },
        },
      },
      [`${cascade}/{resourceGroup}/galleries/{gallery}/images/{image}/rollout`]: {
        get: {
          operationId: 'imageRollout',
          summary: "Per region, the definition's latest version and which of the caller's groups run which version (rolled, soaking, pending, failed, held)",
          parameters: [sub, rg, gallery, image],
          responses: { '200': json('The rollout', ref('Rollout')), '404': problem('Not found or not visible'), ...errors },
        },
      },
      '/manage/autoroll/pauses/{definitionId}': {
        put: {
          operationId: 'pauseAutoRoll',
          security: [{ adminKey: [] }],
          summary: 'Emergency stop of auto-roll for an image definition, or its release (admin)',
          parameters: [pathParam('definitionId', 'The image definition ARM id (its slashes as they are)')],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['paused'], additionalProperties: false, properties: { paused: { type: 'boolean' } } } } } },
          responses: { '200': json('The pause', { type: 'object', properties: { imageDefinitionId: { type: 'string' }, paused: { type: 'boolean' }, pausedAt: { type: 'string', format: 'date-time' } } }), '400': problem('Invalid id or body') },
        },
      },
      '/manage/organizations': { get: { operationId: 'listOrganizations', security: [{ adminKey: [] }], summary: 'Every organization (admin)', responses: { '200': json('Organizations', { type: 'object' }) } } },
      '/manage/organizations/{organizationId}': {
        parameters: [pathParam('organizationId', 'Organization id (2-63 lower-case letters, digits, hyphens)')],
        get: { operationId: 'getOrganization', security: [{ adminKey: [] }], summary: 'One organization (admin)', responses: { '200': json('The organization', ref('Organization')), '404': problem('No such organization') } },
        put: {
          operationId: 'putOrganization',
          security: [{ adminKey: [] }],
          summary: 'Create or replace an organization (admin)',
          requestBody: { required: true, content: { 'application/json': { schema: ref('Organization') } } },
          responses: { '200': json('Stored', ref('Organization')), '400': problem('Invalid document'), '409': problem('A subscription belongs to another organization') },
        },
        delete: { operationId: 'deleteOrganization', security: [{ adminKey: [] }], summary: 'Delete an organization (admin)', responses: { '204': { description: 'Deleted' }, '404': problem('No such organization') } },
      },
    },
    components: {
      securitySchemes: {
        appServiceAuth: { type: 'apiKey', in: 'header', name: 'x-ms-client-principal', description: 'Set by App Service authentication (Easy Auth); plus the function key (`code`) in Azure' },
        adminKey: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'The host master key' },
      },
      schemas: {
        AutoRollPolicy: {
          type: 'object',
          additionalProperties: false,
          description: 'Auto-roll of a group on latest; set beside the body in a job envelope (`autoRoll`) or with PUT .../autoroll',
          properties: { enabled: { type: 'boolean', default: true }, soakMinutes: { type: 'integer', minimum: 0, maximum: 10080, default: 0 }, paused: { type: 'boolean', default: false } },
        },
        Rolls: {
          type: 'object',
          properties: {
            group: { type: 'object', properties: { account: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' }, imageVersionId: { type: 'string' }, autoRoll: ref('AutoRollPolicy'), lastRoll: { type: 'object' } } },
            rolls: { type: 'array', items: { type: 'object', properties: { jobId: { type: 'string' }, toVersion: { type: 'string' }, status: { type: 'string' }, notBefore: { type: 'string' }, finishedAt: { type: 'string' }, errors: { type: 'array' } } } },
          },
        },
        Rollout: {
          type: 'object',
          properties: {
            imageDefinitionId: { type: 'string' },
            paused: { type: 'boolean' },
            regions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  region: { type: 'string' },
                  latestVersion: { type: 'string' },
                  counts: { type: 'object', additionalProperties: { type: 'integer' } },
                  groups: { type: 'array', items: { type: 'object', properties: { account: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' }, state: { enum: ['rolled', 'soaking', 'pending', 'failed', 'held'] }, rollJobId: { type: 'string' }, notBefore: { type: 'string' } } } },
                },
              },
            },
          },
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
        Health: { type: 'object', properties: { status: { enum: ['healthy', 'unhealthy'] }, version: { type: 'string' }, checks: { type: 'object' } } },
        ResourceGroup: { type: 'object', required: ['name', 'subscriptionId', 'galleries'], properties: { name: { type: 'string' }, subscriptionId: { type: 'string' }, galleries: { type: 'integer' } } },
        Gallery: {
          type: 'object',
          required: ['id', 'name', 'location', 'sharing', 'visibleVia'],
          properties: { id: { type: 'string' }, subscriptionId: { type: 'string' }, resourceGroup: { type: 'string' }, name: { type: 'string' }, location: { type: 'string' }, description: { type: 'string' }, tags: { type: 'object' }, sharing: { type: 'object' }, visibleVia: { $ref: '#/components/schemas/VisibleVia' } },
        },
        VisibleVia: { enum: ['own-subscription', 'gallery-grant', 'image-grant', 'direct-share-subscription', 'direct-share-tenant', 'community'] },
        Image: {
          type: 'object',
          required: ['id', 'name', 'publisher', 'offer', 'sku', 'osType', 'osState', 'hyperVGeneration', 'architecture'],
          properties: {
            id: { type: 'string' },
            subscriptionId: { type: 'string' },
            resourceGroup: { type: 'string' },
            gallery: { type: 'string' },
            name: { type: 'string' },
            publisher: { type: 'string' },
            offer: { type: 'string' },
            sku: { type: 'string' },
            osType: { enum: ['Windows', 'Linux'] },
            osState: { enum: ['Generalized', 'Specialized'] },
            hyperVGeneration: { enum: ['V1', 'V2'] },
            architecture: { enum: ['x64', 'Arm64'] },
            features: { type: 'object' },
            recommended: { type: 'object' },
            disallowedDiskTypes: { type: 'array', items: { type: 'string' } },
            purchasePlan: { type: 'object' },
            endOfLifeDate: { type: 'string', format: 'date-time' },
            visibleVia: { $ref: '#/components/schemas/VisibleVia' },
          },
        },
        Reason: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
        Version: {
          type: 'object',
          required: ['id', 'name', 'provisioningState', 'replicationState', 'targetRegions'],
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            provisioningState: { type: 'string' },
            replicationState: { type: 'string' },
            replicationMode: { enum: ['Full', 'Shallow'] },
            publishedDate: { type: 'string', format: 'date-time' },
            endOfLifeDate: { type: 'string', format: 'date-time' },
            excludeFromLatest: { type: 'boolean' },
            targetRegions: { type: 'array', items: { type: 'object' } },
            deployability: {
              type: 'object',
              properties: { region: { type: 'string' }, deployable: { type: 'boolean' }, eligibleForLatest: { type: 'boolean' }, reasons: { type: 'array', items: ref('Reason') }, warnings: { type: 'array', items: ref('Reason') } },
            },
          },
        },
        Latest: {
          type: 'object',
          required: ['region', 'image', 'warnings', 'passedOver'],
          properties: {
            region: { type: 'string' },
            image: { type: 'string' },
            version: { type: 'string' },
            id: { type: 'string' },
            warnings: { type: 'array', items: ref('Reason') },
            passedOver: { type: 'array', items: { type: 'object', properties: { version: { type: 'string' }, id: { type: 'string' }, reasons: { type: 'array', items: ref('Reason') } } } },
            details: ref('Version'),
          },
        },
        JobEnvelope: {
          type: 'object',
          required: ['schemaVersion', 'jobId', 'action', 'kind', 'caller', 'body'],
          additionalProperties: false,
          properties: {
            schemaVersion: { const: 1 },
            jobId: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
            action: { enum: ['create', 'update'] },
            kind: { enum: ['statelessGroup', 'statefulNode'] },
            caller: { type: 'object', required: ['account'], properties: { account: { type: 'string', description: 'Spot account id (act-…) or subscription id' } } },
            body: { type: 'object', description: "Spot's shapes: `{ group: {...} }` (image.gallery.version) or `{ statefulNode: {...} }` (image.gallery.versionName); unknown fields are rejected" },
          },
        },
        JobAccepted: { type: 'object', required: ['jobId', 'status', 'url'], properties: { jobId: { type: 'string' }, status: { type: 'string' }, url: { type: 'string' }, duplicate: { type: 'boolean' } } },
        JobProblem: { type: 'object', required: ['path', 'code', 'message'], properties: { path: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } },
        Job: {
          type: 'object',
          required: ['jobId', 'status', 'attempts', 'errors', 'warnings'],
          properties: {
            jobId: { type: 'string' },
            status: { enum: ['queued', 'running', 'succeeded', 'failed', 'deadLettered'] },
            action: { type: 'string' },
            kind: { type: 'string' },
            account: { type: 'string' },
            group: { type: 'object', properties: { kind: { type: 'string' }, name: { type: 'string' } } },
            attempts: { type: 'integer' },
            resolvedImageVersionId: { type: 'string' },
            errors: { type: 'array', items: ref('JobProblem') },
            warnings: { type: 'array', items: ref('JobProblem') },
            lastError: { type: 'string' },
            submittedAt: { type: 'string', format: 'date-time' },
            startedAt: { type: 'string', format: 'date-time' },
            finishedAt: { type: 'string', format: 'date-time' },
          },
        },
        Group: {
          type: 'object',
          properties: {
            account: { type: 'string' },
            kind: { type: 'string' },
            name: { type: 'string' },
            region: { type: 'string' },
            imageVersionId: { type: 'string' },
            revision: { type: 'integer' },
            spec: { type: 'object' },
            createdAt: { type: 'string' },
            updatedAt: { type: 'string' },
            updatedByJob: { type: 'string' },
          },
        },
        Organization: {
          type: 'object',
          required: ['tenantId', 'subscriptions', 'principals'],
          properties: {
            tenantId: { type: 'string', format: 'uuid' },
            displayName: { type: 'string' },
            subscriptions: { type: 'array', items: { type: 'object', required: ['subscriptionId'], properties: { subscriptionId: { type: 'string', format: 'uuid' }, spotAccountId: { type: 'string' } } } },
            principals: { type: 'array', items: { type: 'object', required: ['tenantId', 'objectId'], properties: { tenantId: { type: 'string' }, objectId: { type: 'string' }, subscriptionIds: { type: 'array', items: { type: 'string' } } } } },
            grants: { type: 'array', items: { type: 'object', required: ['scope'], properties: { scope: { type: 'string', description: 'Gallery or image definition id' }, subscriptionId: { type: 'string' } } } },
          },
        },
      },
    },
  };
}

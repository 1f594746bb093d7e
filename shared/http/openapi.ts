/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /api/openapi.json. A test compares
 * its paths and methods with the registered HTTP functions, so it cannot drift from the code.
 */
import { appVersion } from '../version.js';
import { specJsonSchema } from '../domain/spot-body.js';
import { JOB_ACTIONS, JOB_ID_PATTERN, JOB_KINDS, MAX_SOAK_MINUTES } from '../domain/job-envelope.js';

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
  '503': problem('A dependency (table store, job queue, ARM) is unavailable; `dependency` names it; retry after the Retry-After delay'),
};
/** The answers of an operation on something the caller may not see: it, or 404, or a request error. */
/** A mutating route's answer to a body that is not application/json (a browser's cross-site form or text post). */
const unsupported = problem('The body is not application/json; `accepted` lists what is');
const visibleOr404 = (description: string, schema: unknown) => ({ '200': json(description, schema), '404': problem('Not found or not visible'), ...errors });
/** The identity of a version in the replica advice answers. */
const versionIds = { id: { type: 'string' }, image: { type: 'string', description: 'Image definition id' }, version: { type: 'string' } };
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
    security: [{ entra: ['Catalog.Read'] }],
    paths: {
      '/health': { get: { operationId: 'health', security: [], summary: 'App version and table store reachability', responses: { '200': json('Healthy', ref('Health')), '503': json('Table store unreachable', ref('Health')) } } },
      '/openapi.json': { get: { operationId: 'openapi', security: [], summary: 'This document', responses: { '200': json('OpenAPI 3.1', { type: 'object' }) } } },
      '/console/{path}': {
        get: {
          operationId: 'console',
          // behind App Service authentication (signed in) but no app role: static files only; every API call they make checks its role
          security: [{ entra: [] }],
          summary: 'The web console (its page at /api/console/, then its scripts, styles and job templates); it calls this API with the browser session',
          parameters: [pathParam('path', 'A console file; empty for the page')],
          responses: { '200': { description: 'The file', content: { 'text/html': {}, 'text/javascript': {}, 'text/css': {}, 'application/json': {} } }, '308': { description: 'Redirect to the page with its trailing slash' }, '404': problem('No such console file') },
        },
      },
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
      [`${cascade}/{resourceGroup}/galleries/{gallery}/images/{image}/versions/{version}/replicas`]: {
        get: {
          operationId: 'versionReplicas',
          summary: "Per target region: current replicas, the demand of the organization's groups, the recommended count with every rule and why, and the storage estimate",
          parameters: [sub, rg, gallery, image, pathParam('version', 'Version name Major.Minor.Patch')],
          responses: { '200': json('Replica advice for the version', ref('VersionReplicas')), '404': problem('Not found or not visible'), ...errors },
        },
      },
      '/advice/replicas': {
        get: {
          operationId: 'replicaAdvice',
          summary: "The caller's organization: versions under-replicated for their demand (most at risk first), and replicas nobody uses with the monthly saving of trimming them",
          parameters: [query('top', 'Items per list, 1-1000 (default 100); the totals count every item', { type: 'integer', minimum: 1, maximum: 1000 })],
          responses: { '200': json('Replica advice for the organization', ref('ReplicaAdvice')), ...errors },
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
            query('securityType', 'Standard, TrustedLaunch or ConfidentialVM: definitions that can create VMs of that security type (TrustedLaunch also finds TrustedLaunchSupported and TrustedLaunchAndConfidentialVmSupported); any other value: that SecurityType feature exactly'),
            region(false),
            top,
            token,
          ],
          responses: { '200': json('A page', page('Image')), ...errors },
        },
      },
      '/groups/jobs': {
        post: {
          operationId: 'submitGroupJob',
          security: [{ entra: ['Jobs.Submit'] }],
          summary: 'Submit a group create/update job (queued; the same jobId again is the same job)',
          requestBody: { required: true, content: { 'application/json': { schema: ref('JobEnvelope') } } },
          responses: {
            '202': { ...json('Queued (or already known: `duplicate: true`)', ref('JobAccepted')), headers: { Location: { description: 'The job URL', schema: { type: 'string' } } } },
            '409': problem('The jobId was already submitted with another envelope by the organization'),
            '413': problem('The envelope is larger than 256 KB'),
            '415': unsupported,
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
        get: { operationId: 'groupRolls', summary: "A group's auto-roll policy, its last roll, and its roll jobs (history), newest first", parameters: groupPath, responses: visibleOr404('The roll history', ref('Rolls')) },
      },
      '/groups/{account}/{kind}/{name}/autoroll': {
        put: {
          operationId: 'setGroupAutoRoll',
          security: [{ entra: ['Jobs.Submit'] }],
          summary: "Sets a group's auto-roll policy (the fields given change)",
          parameters: groupPath,
          requestBody: { required: true, content: { 'application/json': { schema: ref('AutoRollPolicy') } } },
          responses: { ...visibleOr404('The group', ref('Group')), '415': unsupported },
        },
      },
      [`${cascade}/{resourceGroup}/galleries/{gallery}/images/{image}/rollout`]: {
        get: {
          operationId: 'imageRollout',
          summary: "Per region, the definition's latest version and which of the caller's groups run which version (rolled, soaking, pending, failed, held)",
          parameters: [sub, rg, gallery, image],
          responses: visibleOr404('The rollout', ref('Rollout')),
        },
      },
      '/manage/autoroll/pauses/{definitionId}': {
        put: {
          operationId: 'pauseAutoRoll',
          security: [{ entra: ['Catalog.Admin'] }],
          summary: "Emergency stop of auto-roll for an image definition, or its release (the operator; an organization administrator for its organization's definitions)",
          parameters: [pathParam('definitionId', 'The image definition ARM id (its slashes as they are)')],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['paused'], additionalProperties: false, properties: { paused: { type: 'boolean' } } } } } },
          responses: { '200': json('The pause; on release, the roll jobs it queued for what the pause held back', { type: 'object', properties: { imageDefinitionId: { type: 'string' }, paused: { type: 'boolean' }, pausedAt: { type: 'string', format: 'date-time' }, rollsQueued: { type: 'integer', minimum: 0 } } }), '400': problem('Invalid id or body'), '404': problem('No such definition the caller administers'), '415': unsupported },
        },
      },
      '/manage/reconcile': {
        get: {
          operationId: 'reconcileStatus',
          security: [{ entra: ['Catalog.Admin'] }],
          summary: 'The running or last reconcile: status, start time, counts so far, gallery units done of those queued, failed units, last error (admin)',
          responses: { '200': json('Progress', ref('ReconcileProgress')), '403': problem("Only the deployment's operator reads the reconcile"), '404': problem('No reconcile has run yet') },
        },
        post: {
          operationId: 'startReconcile',
          security: [{ entra: ['Catalog.Admin'] }],
          summary: 'Start a reconcile run: plan every source subscription and queue one unit per gallery (admin)',
          responses: {
            '202': json('Started; Location is GET /api/manage/reconcile', {
              type: 'object',
              required: ['runId', 'status', 'units', 'subscriptions'],
              properties: { runId: { type: 'string' }, status: { enum: ['running', 'succeeded', 'failed'] }, units: { type: 'integer' }, subscriptions: { type: 'integer' } },
            }),
            '403': problem("Only the deployment's operator starts a reconcile"),
            '409': problem('No source subscriptions are configured'),
            '415': unsupported,
            '503': problem('The reconcile-units queue is not configured or unavailable'),
          },
        },
      },
      '/manage/organizations': {
        get: { operationId: 'listOrganizations', security: [{ entra: ['Catalog.Admin'] }], summary: 'The organizations the caller administers: every one for the operator, its own for an organization administrator, none otherwise', responses: { '200': json('Organizations', { type: 'object' }) } },
      },
      '/manage/organizations/{organizationId}': {
        parameters: [pathParam('organizationId', 'Organization id (2-63 lower-case letters, digits, hyphens)')],
        get: { operationId: 'getOrganization', security: [{ entra: ['Catalog.Admin'] }], summary: 'One organization (the operator, or its administrator)', responses: { '200': json('The organization', ref('Organization')), '404': problem('No such organization the caller administers') } },
        put: {
          operationId: 'putOrganization',
          security: [{ entra: ['Catalog.Admin'] }],
          summary: 'Create or replace an organization (the operator); replace its own (an organization administrator: no subscription added, principals of its tenant only, same tenant)',
          requestBody: { required: true, content: { 'application/json': { schema: ref('Organization') } } },
          responses: {
            '200': json('Stored', ref('Organization')),
            '400': problem('Invalid document'),
            '403': problem('An organization administrator may not make this change; `errors` names each field'),
            '404': problem('No such organization the caller administers'),
            '409': problem('A subscription belongs to another organization'),
            '415': unsupported,
          },
        },
        delete: {
          operationId: 'deleteOrganization',
          security: [{ entra: ['Catalog.Admin'] }],
          summary: 'Delete an organization (the operator)',
          responses: { '204': { description: 'Deleted' }, '403': problem('Only the operator deletes an organization'), '404': problem('No such organization the caller administers') },
        },
      },
    },
    components: {
      securitySchemes: {
        entra: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Microsoft Entra access token for api://<client-id>, validated by App Service authentication, which passes the caller to the app as x-ms-client-principal. The security requirement lists the app role the token must carry (Catalog.Read, Jobs.Submit or Catalog.Admin); without it the answer is 403 naming the role.',
        },
      },
      schemas: {
        AutoRollPolicy: {
          type: 'object',
          additionalProperties: false,
          description: 'Auto-roll of a group on latest; set beside the body in a job envelope (`autoRoll`) or with PUT .../autoroll',
          properties: { enabled: { type: 'boolean', default: true }, soakMinutes: { type: 'integer', minimum: 0, maximum: MAX_SOAK_MINUTES, default: 0 }, paused: { type: 'boolean', default: false } },
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
            regions: { type: 'array', items: ref('RolloutRegion') },
          },
        },
        RolloutRegion: {
          type: 'object',
          properties: {
            region: { type: 'string' },
            latestVersion: { type: 'string' },
            counts: { type: 'object', additionalProperties: { type: 'integer' } },
            groups: { type: 'array', items: { type: 'object', properties: { account: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' }, state: { enum: ['rolled', 'soaking', 'pending', 'failed', 'held'] }, rollJobId: { type: 'string', description: 'The roll job to the latest version (for rolled: the roll that brought the group there, when it came by a roll)' }, notBefore: { type: 'string' }, errors: { type: 'array', description: 'failed: the roll job\'s errors', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } }, heldBy: { type: 'array', description: 'held: why (auto-roll off for the group, the group paused, the definition paused)', items: { enum: ['disabled', 'paused', 'definitionPaused'] } } } } },
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
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'message'],
                properties: {
                  field: { type: 'string', description: 'The request part and place: query.top, path.gallery, body.tenantId' },
                  pointer: { type: 'string', description: 'For a fault in the request body: its JSON Pointer (RFC 6901) into the body' },
                  code: { type: 'string' },
                  message: { type: 'string' },
                },
              },
            },
          },
        },
        ReconcileProgress: {
          type: 'object',
          required: ['runId', 'status', 'startedAt', 'updatedAt', 'counts', 'units', 'plans', 'failedUnits'],
          properties: {
            runId: { type: 'string' },
            status: { enum: ['running', 'succeeded', 'failed'] },
            startedAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
            finishedAt: { type: 'string', format: 'date-time' },
            counts: { type: 'object', properties: Object.fromEntries(['subscriptions', 'galleries', 'images', 'versions', 'versionReads', 'galleryReads', 'imageWrites', 'flagUpgrades', 'tombstoned', 'skipped'].map((k) => [k, { type: 'integer' }])) },
            units: {
              type: 'object',
              description: 'Gallery units queued so far (total), finished (done, failed included) and failed for good',
              properties: { total: { type: 'integer' }, done: { type: 'integer' }, failed: { type: 'integer' } },
            },
            plans: {
              type: 'object',
              description: 'Subscriptions of the run (total), planned so far (done) and whose gallery list failed',
              properties: { total: { type: 'integer' }, done: { type: 'integer' }, failed: { type: 'integer' } },
            },
            failedUnits: {
              type: 'array',
              description: 'The units that failed for good (at most 100, oldest first)',
              items: { type: 'object', properties: { galleryId: { type: 'string' }, at: { type: 'string', format: 'date-time' }, error: { type: 'string' } } },
            },
            lastError: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, message: { type: 'string' } } },
          },
        },
        Health: { type: 'object', properties: { status: { enum: ['healthy', 'unhealthy'] }, version: { type: 'string' }, failing: { type: 'array', items: { type: 'string' } }, checks: { type: 'object' } } },
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
        ReplicaRule: {
          type: 'object',
          required: ['code', 'replicas', 'decisive', 'reason'],
          properties: {
            code: { enum: ['vms-per-replica', 'scale-set-per-replica', 'production-minimum', 'at-least-one', 'region-maximum'] },
            replicas: { type: 'integer', description: 'The count this rule asks for (region-maximum: the cap)' },
            decisive: { type: 'boolean', description: 'This rule set the recommended count' },
            reason: { type: 'string' },
          },
        },
        GroupUse: {
          type: 'object',
          properties: { account: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, maximum: { type: 'integer' }, target: { type: 'integer' }, concurrentVms: { type: 'integer' }, scaleSet: { type: 'boolean' }, production: { type: 'boolean' }, onLatest: { type: 'boolean' } },
        },
        RegionReplicas: {
          type: 'object',
          required: ['region', 'targeted', 'source', 'current', 'recommended', 'status', 'demand', 'rules', 'warnings'],
          properties: {
            region: { type: 'string' },
            targeted: { type: 'boolean' },
            source: { type: 'boolean' },
            storageAccountType: { type: 'string' },
            current: { type: 'integer' },
            recommended: { type: 'integer' },
            status: { enum: ['under-replicated', 'ok', 'over-replicated', 'unused'] },
            demand: {
              type: 'object',
              description: "Groups of the caller's organization using the version in the region; groups of subscriptions the caller does not act for are only counted (otherGroups)",
              properties: {
                statelessGroups: { type: 'integer' },
                statefulNodes: { type: 'integer' },
                maximumVms: { type: 'integer' },
                targetVms: { type: 'integer' },
                concurrentVms: { type: 'integer' },
                concurrentScaleSets: { type: 'integer' },
                production: { type: 'boolean' },
                groups: { type: 'array', items: ref('GroupUse') },
                otherGroups: { type: 'integer' },
              },
            },
            rules: { type: 'array', items: ref('ReplicaRule') },
            warnings: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, region: { type: 'string' }, recommended: { type: 'integer' } } } },
            storage: {
              type: 'object',
              properties: { snapshots: { type: 'integer' }, billedGB: { type: 'number' }, monthly: { type: 'number' }, egressGB: { type: 'number' }, egressOneOff: { type: 'number' }, recommendedMonthly: { type: 'number' } },
            },
          },
        },
        VersionReplicas: {
          type: 'object',
          required: ['id', 'image', 'version', 'location', 'sizeBasis', 'burstFactor', 'currency', 'regions', 'totals', 'unpriced'],
          properties: {
            ...versionIds,
            location: { type: 'string' },
            replicationMode: { enum: ['Full', 'Shallow'] },
            sizeGB: { type: 'number' },
            sizeBasis: { type: 'string' },
            burstFactor: { type: 'number' },
            currency: { type: 'string' },
            regions: { type: 'array', items: ref('RegionReplicas') },
            totals: { type: 'object', properties: { snapshots: { type: 'integer' }, billedGB: { type: 'number' }, monthly: { type: 'number' }, egressOneOff: { type: 'number' }, recommendedMonthly: { type: 'number' } } },
            unpriced: { type: 'array', items: { type: 'string' }, description: 'Storage account types without a price setting' },
          },
        },
        ReplicaAdvice: {
          type: 'object',
          required: ['organization', 'burstFactor', 'currency', 'underReplicated', 'underReplicatedTotal', 'unused', 'unusedTotal', 'monthlySaving'],
          properties: {
            organization: { type: 'string' },
            burstFactor: { type: 'number' },
            currency: { type: 'string' },
            underReplicated: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  ...versionIds,
                  region: { type: 'string' },
                  current: { type: 'integer' },
                  recommended: { type: 'integer' },
                  risk: { type: 'number', description: '(recommended − current) / recommended' },
                  concurrentVms: { type: 'integer' },
                  rules: { type: 'array', items: ref('ReplicaRule') },
                  groups: { type: 'array', items: ref('GroupUse') },
                  otherGroups: { type: 'integer' },
                },
              },
            },
            underReplicatedTotal: { type: 'integer' },
            unused: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  ...versionIds,
                  sizeGB: { type: 'number' },
                  monthlySaving: { type: 'number' },
                  regions: {
                    type: 'array',
                    items: { type: 'object', properties: { region: { type: 'string' }, replicas: { type: 'integer' }, storageAccountType: { type: 'string' }, action: { enum: ['remove-region', 'reduce-to-one'] }, snapshotsSaved: { type: 'integer' }, monthlySaving: { type: 'number' } } },
                  },
                },
              },
            },
            unusedTotal: { type: 'integer' },
            monthlySaving: { type: 'number' },
          },
        },
        JobEnvelope: {
          type: 'object',
          required: ['schemaVersion', 'jobId', 'action', 'kind', 'caller', 'body'],
          additionalProperties: false,
          description:
            "A create carries Spot's complete body; an update only the changed fields and `name` (objects merge, arrays replace whole, null removes), merged onto the stored group and then validated as a whole. Unknown fields are rejected with their JSON Pointer.",
          properties: {
            schemaVersion: { const: 1 },
            jobId: { type: 'string', pattern: JOB_ID_PATTERN.source, description: 'Case-sensitive; the Service Bus messageId. The same id with the same envelope is the same job.' },
            action: { enum: [...JOB_ACTIONS] },
            kind: { enum: [...JOB_KINDS] },
            caller: { type: 'object', additionalProperties: false, required: ['account'], properties: { account: { type: 'string', description: 'Spot account id (act-…) or subscription id' } } },
            body: { type: 'object' },
            autoRoll: ref('AutoRollPolicy'),
            roll: {
              type: 'object',
              readOnly: true,
              additionalProperties: false,
              required: ['toVersion'],
              description: 'Set by the auto-roll only, on the roll jobs it queues (the version the job rolls the group to); POST /api/groups/jobs refuses an envelope carrying it (400 at /roll)',
              properties: { toVersion: { type: 'string' }, cause: { type: 'string', maxLength: 64 } },
            },
          },
          allOf: [
            ['statelessGroup', 'create', 'GroupBody'],
            ['statelessGroup', 'update', 'GroupUpdateBody'],
            ['statefulNode', 'create', 'StatefulNodeBody'],
            ['statefulNode', 'update', 'StatefulNodeUpdateBody'],
          ].map(([kind, action, body]) => ({
            if: { properties: { kind: { const: kind }, action: { const: action } }, required: ['kind', 'action'] },
            then: { properties: { body: ref(body as string) } },
          })),
        },
        GroupBody: { type: 'object', additionalProperties: false, required: ['group'], properties: { group: ref('Group.spec') } },
        GroupUpdateBody: { type: 'object', additionalProperties: false, required: ['group'], properties: { group: ref('GroupUpdate.spec') } },
        StatefulNodeBody: { type: 'object', additionalProperties: false, required: ['statefulNode'], properties: { statefulNode: ref('StatefulNode.spec') } },
        StatefulNodeUpdateBody: { type: 'object', additionalProperties: false, required: ['statefulNode'], properties: { statefulNode: ref('StatefulNodeUpdate.spec') } },
        // Built from the field table (shared/domain/spot-fields.ts): Spot's Elastigroup Azure v3 group and Stateful Node Azure.
        'Group.spec': specJsonSchema('G', 'full'),
        'GroupUpdate.spec': specJsonSchema('G', 'patch'),
        'StatefulNode.spec': specJsonSchema('N', 'full'),
        'StatefulNodeUpdate.spec': specJsonSchema('N', 'patch'),
        JobAccepted: { type: 'object', required: ['jobId', 'status', 'url'], properties: { jobId: { type: 'string' }, status: { type: 'string' }, url: { type: 'string' }, duplicate: { type: 'boolean' } } },
        JobProblem: {
          type: 'object',
          required: ['pointer', 'code', 'message'],
          properties: { pointer: { type: 'string', description: "JSON Pointer (RFC 6901) into the job envelope ('' for the whole message)" }, code: { type: 'string' }, message: { type: 'string' } },
        },
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
            deadLetterReason: { type: 'string', description: "Service Bus's DeadLetterReason when the job's message was dead-lettered" },
            deadLetterDescription: { type: 'string' },
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
            spec: {
              type: 'object',
              description:
                "The group's Spot body as last written: secrets are never kept (login.passwordSet: true, extensions[].protectedSettingsSet: true in their place), read-only fields are dropped, and customData, userData and shutdownScript are shown as { size, sha256 }.",
            },
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
            principals: {
              type: 'array',
              items: {
                type: 'object',
                required: ['tenantId', 'objectId'],
                properties: {
                  tenantId: { type: 'string' },
                  objectId: { type: 'string' },
                  subscriptionIds: { type: 'array', items: { type: 'string' } },
                  administrator: { type: 'boolean', description: "An administrator of this organization (with Catalog.Admin): a principal of the organization's own tenant" },
                },
              },
            },
            grants: { type: 'array', items: { type: 'object', required: ['scope'], properties: { scope: { type: 'string', description: 'Gallery or image definition id' }, subscriptionId: { type: 'string' } } } },
          },
        },
      },
    },
  };
}

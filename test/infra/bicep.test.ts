/**
 * The Bicep deployment (infra/) against what the code needs.
 *
 * No Bicep compiler is available offline (nothing on the machine, no download at test time), so
 * these tests read the .bicep files as text: comments are stripped, strings and brackets are
 * tracked, and the blocks of the resources of interest are picked out by their type. That is why
 * the Bicep keeps what is checked here literal and plain (app settings as `name: '...'` entries of
 * the site's appSettings array, the queue name and flags, the event filter lists, the role
 * definition ids with a `// Role Name` comment). The Bicep against Azure's own resource type
 * definitions (types, api-versions, properties, enum values, role ids) and the app settings against
 * shared/config.ts: bicep-types.test.ts; what only a deployment proves: docs/deploy.md.
 *
 * What fails here:
 * - a key or a Flex-incompatible setting is among the Function App's settings, or a setting the
 *   host needs for its identity-based storage and telemetry is missing;
 * - a `%SETTING%` binding expression in functions/ has no app setting;
 * - the queue name, sessions flag or dead-lettering differ from what the code handles;
 * - the event subscription's event types or data.operationName filter differ from
 *   HANDLED_EVENT_TYPES / HANDLED_OPERATIONS, or it does not target the galleryEvents function;
 * - shared-key / local auth is enabled, or a required role (by built-in role id) is missing;
 * - main.bicep, main.parameters.json, azure.yaml and the README's "Deploy to Azure" section disagree.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { GROUP_JOBS_QUEUE, RECONCILE_UNITS_QUEUE, SERVICE_BUS_CONNECTION } from '../../shared/config.js';
import { HANDLED_EVENT_TYPES, HANDLED_OPERATIONS } from '../../shared/catalog/arm-events.js';
import { EVENT_TYPES } from '../../shared/events/events.js';
import { HOST_SETTINGS } from './bicep-checker.js';
import { roleId } from './azure-roles.js';
import { docSection } from '../support/doc-commands.js';

const root = path.resolve(import.meta.dirname, '../..');
const infraDir = path.join(root, 'infra');

function read(...parts: string[]): string {
  return fs.readFileSync(path.join(root, ...parts), 'utf8');
}

const bicepPaths = [
  'main.bicep',
  ...fs
    .readdirSync(path.join(infraDir, 'modules'))
    .filter((f) => f.endsWith('.bicep'))
    .map((f) => `modules/${f}`),
];
/** Raw text (with comments) of every Bicep file, keyed by its path under infra/. */
const raw = new Map(bicepPaths.map((p) => [p, read('infra', p)] as const));
/** The same text without comments. */
const code = new Map([...raw].map(([p, text]) => [p, stripComments(text)] as const));

// ---------------------------------------------------------------------------------------------
// A small reader for the Bicep subset used in infra/.

/** Removes `//` and `/* *\/` comments outside strings (Bicep strings: '...', with ${...} interpolation). */
function stripComments(src: string): string {
  let out = '';
  const stack: ('str' | number)[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    const n = src[i + 1];
    const top = stack[stack.length - 1];
    if (top === 'str') {
      if (c === '\\') {
        out += c + (n ?? '');
        i += 2;
        continue;
      }
      if (c === "'") stack.pop();
      else if (c === '$' && n === '{') {
        stack.push(0);
        out += '${';
        i += 2;
        continue;
      }
      out += c;
      i += 1;
      continue;
    }
    if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i += 1;
      continue;
    }
    if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      continue;
    }
    if (c === "'") stack.push('str');
    else if (typeof top === 'number') {
      if (c === '{') stack[stack.length - 1] = top + 1;
      else if (c === '}') {
        if (top === 0) stack.pop();
        else stack[stack.length - 1] = top - 1;
      }
    }
    out += c;
    i += 1;
  }
  return out;
}

/** Bracket depth before each character of comment-free Bicep; -1 inside a string (interpolations included). */
function depths(src: string): number[] {
  const result: number[] = new Array<number>(src.length).fill(-1);
  const stack: ('str' | number)[] = [];
  let depth = 0;
  for (let i = 0; i < src.length; i += 1) {
    const c = src[i] as string;
    const top = stack[stack.length - 1];
    if (top === 'str') {
      if (c === '\\') i += 1;
      else if (c === "'") stack.pop();
      else if (c === '$' && src[i + 1] === '{') {
        stack.push(0);
        i += 1;
      }
      continue;
    }
    if (typeof top === 'number') {
      if (c === "'") stack.push('str');
      else if (c === '{') stack[stack.length - 1] = top + 1;
      else if (c === '}') {
        if (top === 0) stack.pop();
        else stack[stack.length - 1] = top - 1;
      }
      continue;
    }
    result[i] = depth;
    if (c === "'") stack.push('str');
    else if (c === '{' || c === '[' || c === '(') depth += 1;
    else if (c === '}' || c === ']' || c === ')') depth -= 1;
  }
  return result;
}

/** The bracketed block (`{...}` or `[...]`) that opens at `open`. */
function blockAt(src: string, open: number): string {
  const d = depths(src);
  const level = d[open];
  expect(['{', '['], `no block opens at ${open}`).toContain(src[open]);
  for (let j = open + 1; j < src.length; j += 1) {
    if (d[j] === (level ?? 0) + 1 && '}])'.includes(src[j] as string)) return src.slice(open, j + 1);
  }
  throw new Error(`unbalanced block at ${open}`);
}

/** The value text of `key:` directly inside `block` (not in a nested object or array). */
function prop(block: string, key: string): string | undefined {
  const d = depths(block);
  const re = new RegExp(`(^|[\\s{,])(${key})\\s*:`, 'g');
  for (const m of block.matchAll(re)) {
    const at = (m.index ?? 0) + (m[1] ?? '').length;
    if (d[at] !== 1) continue;
    let v = at + m[0].length - (m[1] ?? '').length;
    while (v < block.length && /[ \t]/.test(block[v] as string)) v += 1;
    if (block[v] === '{' || block[v] === '[') return blockAt(block, v);
    const end = block.indexOf('\n', v);
    return block.slice(v, end < 0 ? undefined : end).trim();
  }
  return undefined;
}

/** Like prop, but the key must be there. */
function must(block: string, key: string): string {
  const v = prop(block, key);
  expect(v, `property ${key}`).toBeDefined();
  return v as string;
}

/** The `{...}` items of an array block. */
function items(array: string): string[] {
  const d = depths(array);
  const out: string[] = [];
  for (let i = 1; i < array.length; i += 1) if (array[i] === '{' && d[i] === 1) out.push(blockAt(array, i));
  return out;
}

/** The plain string literals of an array block, e.g. `[ 'a' 'b' ]` → ['a', 'b']. */
function stringList(array: string): string[] {
  return [...array.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1] as string);
}

/** A single-quoted literal without interpolation, or undefined. */
function literal(value: string | undefined): string | undefined {
  const m = /^'([^'$]*)'$/.exec(value ?? '');
  return m?.[1];
}

interface BicepResource {
  file: string;
  symbol: string;
  type: string;
  body: string;
}

/** Declared (not `existing`) resources of a type, across every Bicep file. */
function resources(type: string): BicepResource[] {
  const found: BicepResource[] = [];
  for (const [file, src] of code) {
    const d = depths(src);
    for (const m of src.matchAll(/resource\s+(\w+)\s+'([^'@]+)@[^']+'\s+(existing\s+)?=/g)) {
      if (m[2] !== type || m[3]) continue;
      const start = (m.index ?? 0) + m[0].length;
      let open = start;
      while (open < src.length && !(src[open] === '{' && d[open] === d[m.index ?? 0])) open += 1;
      found.push({ file, symbol: m[1] as string, type, body: blockAt(src, open) });
    }
  }
  return found;
}

function one(type: string): BicepResource {
  const all = resources(type);
  expect(
    all.map((r) => `${r.file}:${r.symbol}`),
    `exactly one ${type}`,
  ).toHaveLength(1);
  return all[0] as BicepResource;
}

/** ISO 8601 duration (PnDTnHnMnS) or .NET TimeSpan (hh:mm:ss) in seconds. */
function seconds(text: string): number {
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (iso)
    return Number(iso[1] ?? 0) * 86_400 + Number(iso[2] ?? 0) * 3_600 + Number(iso[3] ?? 0) * 60 + Number(iso[4] ?? 0);
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (span) return Number(span[1] ?? 0) * 86_400 + Number(span[2]) * 3_600 + Number(span[3]) * 60 + Number(span[4]);
  throw new Error(`not a duration: ${text}`);
}

// ---------------------------------------------------------------------------------------------

const site = one('Microsoft.Web/sites');
const appSettings = items(must(must(must(site.body, 'properties'), 'siteConfig'), 'appSettings')).map((item) => ({
  name: literal(prop(item, 'name')),
  value: must(item, 'value'),
}));
const appSettingNames = appSettings.map((s) => s.name);

describe('Function App (infra/modules/function-app.bicep)', () => {
  it('runs on the Flex Consumption plan, Node 22, with the user-assigned identity', () => {
    const plan = one('Microsoft.Web/serverfarms');
    const sku = must(plan.body, 'sku');
    expect(literal(prop(sku, 'name'))).toBe('FC1');
    expect(literal(prop(sku, 'tier'))).toBe('FlexConsumption');

    const props = must(site.body, 'properties');
    const config = must(props, 'functionAppConfig');
    const runtime = must(config, 'runtime');
    expect(literal(prop(runtime, 'name'))).toBe('node');
    expect(literal(prop(runtime, 'version'))).toBe('22');
    const storage = must(must(config, 'deployment'), 'storage');
    expect(literal(prop(storage, 'type'))).toBe('blobContainer');
    expect(literal(prop(must(storage, 'authentication'), 'type'))).toBe('UserAssignedIdentity');
    expect(must(config, 'scaleAndConcurrency')).toContain('maximumInstanceCount');
    expect(literal(prop(must(site.body, 'identity'), 'type'))).toBe('UserAssigned');
    expect(prop(props, 'httpsOnly')).toBe('true');
  });

  it('has the identity-based host settings', () => {
    for (const name of HOST_SETTINGS) expect(appSettingNames, name).toContain(name);
  });

  it('has an app setting for every %SETTING% binding expression in functions/', () => {
    const dir = path.join(root, 'functions');
    const expressions = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map(
          (m) => m[1] as string,
        ),
      );
    expect(expressions).toContain('RECHECK_SCHEDULE');
    for (const name of new Set(expressions)) expect(appSettingNames, `%${name}%`).toContain(name);
  });

  // Which settings the app sets against shared/config.ts, both ways: bicep-types.test.ts.
  it('sets no key and no setting Flex Consumption rejects', () => {
    for (const name of [
      'AzureWebJobsStorage',
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'APPINSIGHTS_INSTRUMENTATIONKEY',
      'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
    ]) {
      expect(appSettingNames, name).not.toContain(name);
    }
    for (const [file, src] of code) {
      for (const secret of ['listKeys(', 'listConnectionStrings(', 'AccountKey=', 'SharedAccessKey'])
        expect(src, `${secret} in ${file}`).not.toContain(secret);
    }
  });

  it('authenticates every connection with the managed identity', () => {
    const value = (name: string) => appSettings.find((s) => s.name === name)?.value;
    for (const s of appSettings.filter((x) => x.name?.endsWith('__credential')))
      expect(s.value, s.name).toBe("'managedidentity'");
    expect(value('ARM_CREDENTIAL')).toBe("'managedidentity'");
    const clientIds = appSettings
      .filter((s) => s.name?.endsWith('__clientId') || s.name === 'ARM_CLIENT_ID')
      .map((s) => s.value);
    expect(clientIds.length).toBe(5);
    expect(new Set(clientIds).size, 'one identity for every connection').toBe(1);
    expect(value('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toMatch(/Authorization=AAD/);
    expect(value('CatalogStorage__tableServiceUri')).toMatch(/^'https:\/\//);
  });
});

/** The declared queue of that name. */
function queueNamed(name: string): BicepResource {
  const all = resources('Microsoft.ServiceBus/namespaces/queues').filter((q) => literal(prop(q.body, 'name')) === name);
  expect(all, `exactly one queue ${name}`).toHaveLength(1);
  return all[0] as BicepResource;
}

describe('Service Bus (infra/modules/servicebus.bicep)', () => {
  const queue = queueNamed(GROUP_JOBS_QUEUE);
  const props = must(queue.body, 'properties');

  it('declares exactly the queues the code uses', () => {
    expect(
      resources('Microsoft.ServiceBus/namespaces/queues')
        .map((q) => literal(prop(q.body, 'name')))
        .sort(),
    ).toEqual([GROUP_JOBS_QUEUE, RECONCILE_UNITS_QUEUE].sort());
  });

  it('names the queue as the code does and enables sessions', () => {
    expect(literal(prop(queue.body, 'name'))).toBe(GROUP_JOBS_QUEUE);
    expect(prop(props, 'requiresSession')).toBe('true');
  });

  it('detects duplicates, bounds deliveries and dead-letters expired messages', () => {
    expect(prop(props, 'requiresDuplicateDetection')).toBe('true');
    expect(prop(props, 'duplicateDetectionHistoryTimeWindow')).toBeDefined();
    expect(prop(props, 'maxDeliveryCount')).toBeDefined();
    expect(prop(props, 'deadLetteringOnMessageExpiration')).toBe('true');
  });

  it('has a lock the host can renew (host.json maxAutoLockRenewalDuration)', () => {
    const lock = seconds(literal(prop(props, 'lockDuration')) ?? '');
    const host = JSON.parse(read('host.json')) as {
      extensions?: { serviceBus?: { maxAutoLockRenewalDuration?: string } };
    };
    const renewal = host.extensions?.serviceBus?.maxAutoLockRenewalDuration;
    expect(renewal).toBeDefined();
    expect(lock).toBeGreaterThan(0);
    expect(lock).toBeLessThanOrEqual(300);
    expect(lock).toBeLessThan(seconds(renewal as string));
  });

  it('accepts no SAS keys', () => {
    expect(prop(must(one('Microsoft.ServiceBus/namespaces').body, 'properties'), 'disableLocalAuth')).toBe('true');
  });

  it('matches the groupJobs trigger', () => {
    expect(
      fs.existsSync(path.join(root, 'functions', 'groupJobs.ts')),
      'functions/groupJobs.ts (the group-jobs queue trigger)',
    ).toBe(true);
    const trigger = read('functions', 'groupJobs.ts');
    expect(trigger).toMatch(/isSessionsEnabled:\s*true/);
    expect(trigger).toMatch(new RegExp(`GROUP_JOBS_QUEUE|'${GROUP_JOBS_QUEUE}'`));
    expect(trigger).toMatch(new RegExp(`SERVICE_BUS_CONNECTION|'${SERVICE_BUS_CONNECTION}'`));
  });
});

describe('the reconcile-units queue (infra/modules/servicebus.bicep)', () => {
  const queue = queueNamed(RECONCILE_UNITS_QUEUE);
  const props = must(queue.body, 'properties');

  it('has no sessions (units run in parallel), detects duplicates and dead-letters expired units', () => {
    expect(prop(props, 'requiresSession')).toBe('false');
    expect(prop(props, 'requiresDuplicateDetection')).toBe('true');
    expect(seconds(literal(prop(props, 'duplicateDetectionHistoryTimeWindow')) ?? '')).toBeGreaterThan(0);
    expect(prop(props, 'deadLetteringOnMessageExpiration')).toBe('true');
  });

  it('bounds deliveries with the same parameter the app reads as RECONCILE_UNITS_MAX_DELIVERY_COUNT', () => {
    expect(prop(props, 'maxDeliveryCount')).toBe('unitsMaxDeliveryCount');
    expect(code.get('main.bicep')).toMatch(/unitsMaxDeliveryCount:\s*reconcileUnitsMaxDeliveryCount/);
    expect(code.get('main.bicep')).toMatch(/reconcileUnitsMaxDeliveryCount:\s*reconcileUnitsMaxDeliveryCount/);
    expect(appSettings.find((x) => x.name === 'RECONCILE_UNITS_MAX_DELIVERY_COUNT')?.value).toBe(
      'string(reconcileUnitsMaxDeliveryCount)',
    );
  });

  it('has a lock the host can renew (host.json maxAutoLockRenewalDuration)', () => {
    const lock = seconds(literal(prop(props, 'lockDuration')) ?? '');
    const host = JSON.parse(read('host.json')) as {
      extensions?: { serviceBus?: { maxAutoLockRenewalDuration?: string } };
    };
    expect(lock).toBeGreaterThan(0);
    expect(lock).toBeLessThanOrEqual(300);
    expect(lock).toBeLessThan(seconds(host.extensions?.serviceBus?.maxAutoLockRenewalDuration ?? '0:0:0'));
  });

  it('matches the reconcileUnit trigger and its dead-letter trigger', () => {
    const trigger = read('functions', 'reconcileUnit.ts');
    expect(trigger).not.toMatch(/isSessionsEnabled/);
    expect(trigger).toMatch(/queueName:\s*RECONCILE_UNITS_QUEUE/);
    expect(trigger).toMatch(/connection:\s*SERVICE_BUS_CONNECTION/);
    expect(read('functions', 'reconcileUnitsDeadLetter.ts')).toMatch(
      /queueName:\s*`\$\{RECONCILE_UNITS_QUEUE\}\/\$DeadLetterQueue`/,
    );
  });

  it('lets the app identity send and receive on it (the group-jobs assignments do not reach it)', () => {
    const roles = code.get('modules/app-roles.bicep') ?? '';
    for (const role of ['serviceBusDataReceiver', 'serviceBusDataSender']) {
      expect(roles).toMatch(
        new RegExp(`name: guid\\(unitsQueue\\.id, principalId, roleIds\\.${role}\\)\\s*scope: unitsQueue`),
      );
    }
    expect(code.get('main.bicep')).toMatch(/unitsQueueName:\s*serviceBus\.outputs\.unitsQueueName/);
  });
});

describe('Event Grid (infra/modules/event-topic.bicep, gallery-events.bicep)', () => {
  const subscription = one('Microsoft.EventGrid/systemTopics/eventSubscriptions');
  const props = must(subscription.body, 'properties');
  const filter = must(props, 'filter');

  it('subscribes to exactly the event types the code handles', () => {
    expect(stringList(must(filter, 'includedEventTypes')).sort()).toEqual([...HANDLED_EVENT_TYPES].sort());
  });

  it('filters data.operationName to exactly the gallery operations the code handles', () => {
    const filters = items(must(filter, 'advancedFilters')).filter(
      (f) => literal(prop(f, 'key')) === 'data.operationName',
    );
    expect(filters).toHaveLength(1);
    const operationFilter = filters[0] as string;
    expect(literal(prop(operationFilter, 'operatorType'))).toBe('StringIn');
    expect(stringList(must(operationFilter, 'values')).sort()).toEqual([...HANDLED_OPERATIONS].sort());
  });

  it('delivers to the galleryEvents function, retries and dead-letters', () => {
    const destination = must(props, 'destination');
    expect(literal(prop(destination, 'endpointType'))).toBe('AzureFunction');
    expect(must(must(destination, 'properties'), 'resourceId')).toMatch(/\/functions\/galleryEvents'$/);
    expect(read('functions', 'galleryEvents.ts')).toMatch(/app\.eventGrid\(\s*'galleryEvents'/);
    const retry = must(props, 'retryPolicy');
    expect(Number(prop(retry, 'maxDeliveryAttempts'))).toBeGreaterThan(1);
    expect(Number(prop(retry, 'eventTimeToLiveInMinutes'))).toBeGreaterThan(0);
    const deadLetter = must(props, 'deadLetterWithResourceIdentity');
    expect(literal(prop(must(deadLetter, 'deadLetterDestination'), 'endpointType'))).toBe('StorageBlob');
  });

  it('uses a Microsoft.Resources.Subscriptions system topic per source subscription', () => {
    const topic = one('Microsoft.EventGrid/systemTopics');
    expect(literal(prop(topic.body, 'location'))).toBe('global');
    const topicProps = must(topic.body, 'properties');
    expect(literal(prop(topicProps, 'topicType'))).toBe('Microsoft.Resources.Subscriptions');
    expect(prop(topicProps, 'source')).toBe('subscription().id');
    expect(code.get('modules/source-subscription.bicep')).toMatch(/targetScope\s*=\s*'subscription'/);
    expect(code.get('main.bicep')).toMatch(
      /module\s+\w+\s+'modules\/source-subscription\.bicep'\s*=\s*\[\s*for\s[\s\S]*?scope:\s*subscription\(/,
    );
  });
});

describe('domain events (infra/modules/domain-events.bicep, infra/event-subscriptions.json)', () => {
  const src = code.get('modules/domain-events.bicep') ?? '';
  const definitions = (
    JSON.parse(read('infra', 'event-subscriptions.json')) as {
      subscriptions: { name: string; function: string; includedEventTypes: string[] }[];
    }
  ).subscriptions;

  it('is a custom topic in the CloudEvents schema with local (key) auth off', () => {
    const topic = one('Microsoft.EventGrid/topics');
    const props = must(topic.body, 'properties');
    expect(literal(prop(props, 'inputSchema'))).toBe('CloudEventSchemaV1_0');
    expect(prop(props, 'disableLocalAuth')).toBe('true');
  });

  it('creates the subscriptions from the one definition file the local runtime reads too, in the CloudEvents schema', () => {
    expect(src).toContain("loadJsonContent('../event-subscriptions.json')");
    expect(src).toMatch(/for s in subscriptions/);
    expect(src).toContain("eventDeliverySchema: 'CloudEventSchemaV1_0'");
    expect(src).toMatch(/\/functions\/\$\{s\.function\}/);
    expect(read('dev', 'runtime', 'event-grid-topic.ts')).toContain("'event-subscriptions.json'");
  });

  it('names only Event Grid triggers of this app and only event types the app publishes', () => {
    const published = Object.values(EVENT_TYPES) as string[];
    expect(definitions.length).toBeGreaterThan(0);
    for (const d of definitions) {
      expect(read('functions', `${d.function}.ts`)).toMatch(new RegExp(`app\\.eventGrid\\(\\s*'${d.function}'`));
      for (const t of d.includedEventTypes) expect(published).toContain(t);
    }
  });

  it('gives the Function App the topic endpoint and the outbox schedule', () => {
    expect(code.get('main.bicep')).toMatch(/domainEventsEndpoint:\s*domainEvents\.outputs\.endpoint/);
    expect(appSettingNames).toEqual(
      expect.arrayContaining([
        'DomainEvents__topicEndpointUri',
        'DomainEvents__credential',
        'DomainEvents__clientId',
        'OUTBOX_SCHEDULE',
      ]),
    );
  });
});

describe('Storage and monitoring', () => {
  it('turns shared-key access off on the storage account', () => {
    const props = must(one('Microsoft.Storage/storageAccounts').body, 'properties');
    expect(prop(props, 'allowSharedKeyAccess')).toBe('false');
    expect(prop(props, 'allowBlobPublicAccess')).toBe('false');
  });

  it('turns local authentication off on Application Insights', () => {
    expect(prop(must(one('Microsoft.Insights/components').body, 'properties'), 'DisableLocalAuth')).toBe('true');
  });
});

describe('the Spot API token (infra/modules/spot-token-vault.bicep)', () => {
  it('is a Key Vault reference App Service resolves with the app identity, to a vault that is RBAC-only', () => {
    expect(appSettings.find((x) => x.name === 'SPOT_API_TOKEN')?.value).toBe(
      "'@Microsoft.KeyVault(SecretUri=${spotApiTokenSecretUri})'",
    );
    expect(prop(must(site.body, 'properties'), 'keyVaultReferenceIdentity')).toBe('identityId');
    expect(code.get('main.bicep')).toMatch(/spotApiTokenSecretUri:\s*spotTokenVault\.outputs\.secretUri/);
    const vault = one('Microsoft.KeyVault/vaults');
    expect(prop(must(vault.body, 'properties'), 'enableRbacAuthorization')).toBe('true');
    expect(code.get('modules/spot-token-vault.bicep')).toMatch(
      /output secretUri string = '\$\{vault\.properties\.vaultUri\}secrets\/\$\{secretName\}'/,
    );
  });

  it('grants the app identity Key Vault Secrets User on that vault only, and declares no secret value', () => {
    const grant = resources('Microsoft.Authorization/roleAssignments').filter(
      (r) => r.file === 'modules/spot-token-vault.bicep',
    );
    expect(grant).toHaveLength(1);
    expect(prop(grant[0]?.body ?? '', 'scope')).toBe('vault');
    expect(prop(must(grant[0]?.body ?? '', 'properties'), 'roleDefinitionId')).toContain('keyVaultSecretsUserRoleId');
    // A secret declared here would need a value, and every provision would write it over the operator's token.
    expect(resources('Microsoft.KeyVault/vaults/secrets')).toEqual([]);
    expect(code.get('modules/spot-token-vault.bicep')).not.toMatch(/'Microsoft\.KeyVault\/vaults\/secrets@/);
  });
});

describe('role assignments', () => {
  const withIds = (roles: string[]) => roles.map((role) => ({ role, id: roleId(role) }));
  const REQUIRED = withIds([
    'Storage Table Data Contributor',
    'Storage Blob Data Owner',
    'Azure Service Bus Data Receiver',
    'Azure Service Bus Data Sender',
    'Reader',
    'Monitoring Metrics Publisher',
    'EventGrid Data Sender',
    'Key Vault Secrets User',
    'Virtual Machine Contributor',
    'Network Contributor',
  ]);
  const TOO_BROAD = withIds([
    'Owner',
    'Contributor',
    'Azure Service Bus Data Owner',
    'Key Vault Secrets Officer',
    'Key Vault Administrator',
  ]);

  it.each(REQUIRED)('grants $role ($id), named in a comment and used', ({ role, id }) => {
    const hits = [...raw].flatMap(([file, text]) =>
      text
        .split('\n')
        .filter((line) => line.includes(`'${id}'`))
        .map((line) => ({ file, line })),
    );
    expect(hits.length, `${role} role id`).toBeGreaterThan(0);
    for (const { file, line } of hits) {
      expect(line.toLowerCase(), `${file}: comment naming the role`).toContain(`// ${role.toLowerCase()}`);
      const symbol = /(\w+)\s*[:=]\s*'[0-9a-f-]{36}'/.exec(line)?.[1];
      expect(symbol, `${file}: the id is bound to a name`).toBeDefined();
      const uses = (code.get(file) ?? '').match(new RegExp(`\\b${symbol}\\b`, 'g')) ?? [];
      expect(uses.length, `${file}: ${String(symbol)} is used in a role assignment`).toBeGreaterThan(1);
      expect(code.get(file), file).toContain("'Microsoft.Authorization/roleAssignments@");
    }
  });

  it('grants no broad role', () => {
    for (const [file, text] of raw)
      for (const { role, id } of TOO_BROAD) expect(text, `${role} in ${file}`).not.toContain(id);
  });

  it('names every assignment guid(scope, principal, role) and gives it a principal type', () => {
    const assignments = resources('Microsoft.Authorization/roleAssignments');
    expect(assignments.length).toBeGreaterThanOrEqual(REQUIRED.length);
    for (const a of assignments) {
      expect(prop(a.body, 'name'), `${a.file}:${a.symbol}`).toMatch(/^guid\(.+,.+,.+\)$/);
      expect(literal(prop(must(a.body, 'properties'), 'principalType')), `${a.file}:${a.symbol}`).toBe(
        'ServicePrincipal',
      );
    }
  });
});

describe('azd wiring (main.parameters.json, azure.yaml, docs/deploy.md)', () => {
  const main = code.get('main.bicep') ?? '';
  const params = [...main.matchAll(/^param\s+(\w+)\s+\w+(\s*=)?/gm)].map((m) => ({
    name: m[1] as string,
    hasDefault: Boolean(m[2]),
  }));
  const parameterFile = JSON.parse(read('infra', 'main.parameters.json')) as { parameters: Record<string, unknown> };
  const readme = docSection('docs/deploy.md', '## Deploy to Azure');

  it('gives every required parameter a value and names only real parameters', () => {
    for (const p of params.filter((x) => !x.hasDefault))
      expect(Object.keys(parameterFile.parameters), p.name).toContain(p.name);
    for (const name of Object.keys(parameterFile.parameters))
      expect(
        params.map((p) => p.name),
        name,
      ).toContain(name);
  });

  it('documents every azd environment variable the parameters read', () => {
    const variables = [...read('infra', 'main.parameters.json').matchAll(/\$\{([A-Z0-9_]+)/g)].map(
      (m) => m[1] as string,
    );
    expect(variables).toContain('AZURE_ENV_NAME');
    for (const v of new Set(variables)) expect(readme, v).toContain(v);
  });

  it('deploys this folder as a function service that the Bicep tags', () => {
    const yaml = read('azure.yaml');
    expect(yaml).toMatch(/^\s+host:\s*function\s*$/m);
    expect(yaml).toMatch(/^\s+language:\s*(ts|js)\s*$/m);
    expect(yaml).toMatch(/^\s+project:\s*\.\/?\s*$/m);
    const service = /^services:\s*\n\s+([\w-]+):/m.exec(yaml)?.[1];
    expect(service).toBeDefined();
    expect(main).toMatch(new RegExp(`var serviceName = '${service}'`));
    expect(code.get('modules/function-app.bicep')).toMatch(/'azd-service-name':\s*serviceName/);
  });

  it('names every prerequisite and command of the deployment in docs/deploy.md', () => {
    expect(readme).toMatch(/^## Deploy to Azure/m);
    for (const needed of [
      'azd auth login',
      'azd env new',
      'azd env set AZURE_LOCATION',
      'azd env set AZURE_SUBSCRIPTION_ID',
      'azd env set SOURCE_SUBSCRIPTION_IDS',
      'azd up',
      'azd env set WIRE_GALLERY_EVENTS true',
      'azd provision',
      'az login',
      'az functionapp list-flexconsumption-locations',
      'User Access Administrator',
      'Owner',
      'Node.js',
    ]) {
      expect(readme, needed).toContain(needed);
    }
  });
});

describe('App Service authentication (the API trusts x-ms-client-principal only behind it)', () => {
  const app = fs.readFileSync(path.join(root, 'infra', 'modules', 'function-app.bicep'), 'utf8');
  it('requires authentication, answers 401, and excludes only the Event Grid webhook, health and OpenAPI', () => {
    expect(app).toMatch(/name: 'authsettingsV2'/);
    expect(app).toMatch(/requireAuthentication: true/);
    expect(app).toMatch(/unauthenticatedClientAction: 'Return401'/);
    const excluded = /excludedPaths: \[([^\]]*)\]/.exec(app)?.[1] ?? '';
    expect([...excluded.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort()).toEqual([
      '/api/health',
      '/api/openapi.json',
      '/runtime/webhooks/eventgrid',
    ]);
  });
});

/**
 * `npm start`: the app offline, like `func start` but with nothing to install.
 *
 * 1. Settings: `local.settings.json` (Values) when present, otherwise embedded defaults; variables
 *    already in the environment win.
 * 2. Table Storage: when `CatalogStorage` is `UseDevelopmentStorage=true` (the default), Azurite's
 *    Table service is started on 127.0.0.1:10002 with data kept in `.data/azurite`.
 * 3. ARM: unless `ARM_ENDPOINT` or `ARM_SUBSCRIPTION_IDS` is set, a simulated ARM seeded with a demo
 *    organization answers the gallery REST calls, and the app is pointed at it.
 * 3b. Spot: unless `SPOT_API_TOKEN` is set, the Spot API simulator (dev/spot-simulator.ts) answers
 *    the Spot target's calls with a token made for the run, and the app is pointed at it.
 * 4. The catalog is reconciled with ARM once before anything is served (then on its schedule; the
 *    host listens meanwhile only for its local event topic), so the lookups answer on the first run; with real ARM and no organization stored, it prints the
 *    request that creates the first one.
 * 5. The functions from package.json `main` are served on http://localhost:7071.
 * Ctrl-C stops everything it started.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startAzurite, stopLeftoverAzurite, type RunningAzurite } from './azurite.js';
import { ArmSimulator } from './arm-simulator.js';
import { SpotSimulator } from './spot-simulator.js';
import { seedDemoOrganization } from './demo/demo-org.js';
import { loadApp, projectRoot } from './runtime/load-app.js';
import { LocalRuntime } from './runtime/runtime.js';
import { isListening, PortInUseError } from './ports.js';
import { config, ConfigError } from '../shared/config.js';
import { services } from '../shared/services.js';
import { useJobQueue, useReconcileQueue } from './runtime/host-queues.js';
import { waitForRun } from '../shared/reconcile/runs.js';
import { describeRun } from '../shared/domain/reconcile-run.js';
import { ALL_APP_ROLES, parseLocalPrincipal, principalHeader } from '../shared/access/principal.js';
import { DEMO_PRINCIPAL, seedDemoDirectory } from './demo/demo-directory.js';
import { DEMO_SUBSCRIPTIONS } from './demo/demo-org.js';
import { LOCAL_TOPIC_PATH, parseWebhooks, readEventSubscriptions } from './runtime/event-grid-topic.js';
import { errorText } from '../shared/domain/printable.js';

const DEFAULT_SETTINGS: Record<string, string> = {
  FUNCTIONS_WORKER_RUNTIME: 'node',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CatalogStorage: 'UseDevelopmentStorage=true',
  RECONCILE_SCHEDULE: '0 0 */6 * * *',
  RECHECK_SCHEDULE: '0 */2 * * * *',
  VM_SIZES_SCHEDULE: '0 30 3 * * *',
  OUTBOX_SCHEDULE: '0 */1 * * * *',
  JOBS_SWEEP_SCHEDULE: '*/30 * * * * *',
  // The host's request body limit, as the deployment sets it (infra/modules/function-app.bicep).
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '4194304',
};

interface LocalSettings {
  Values?: Record<string, string>;
  Host?: { LocalHttpPort?: number };
}

function readLocalSettings(root: string): LocalSettings | undefined {
  const file = path.join(root, 'local.settings.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalSettings;
  } catch (err) {
    throw new Error(`local.settings.json is not valid JSON: ${(err as Error).message}`);
  }
}

function portSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const root = projectRoot();
  const local = readLocalSettings(root);
  const values = local?.Values ?? DEFAULT_SETTINGS;
  for (const [k, v] of Object.entries(values)) if (process.env[k] === undefined) process.env[k] = v;
  console.log(local ? 'Settings: local.settings.json' : 'Settings: embedded defaults (no local.settings.json)');

  const httpPort = portSetting('FUNCTIONS_HTTP_PORT', local?.Host?.LocalHttpPort ?? 7071);
  if (await isListening(httpPort)) throw new PortInUseError(httpPort, 'the Functions HTTP server', 'FUNCTIONS_HTTP_PORT');

  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e));
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    let azurite: RunningAzurite | undefined;
    let simulated = false;
    if (/^UseDevelopmentStorage=true/i.test(process.env.CatalogStorage ?? '')) {
      const port = portSetting('AZURITE_TABLE_PORT', 10002);
      const location = process.env.LOCAL_DATA_DIR ? path.resolve(process.env.LOCAL_DATA_DIR, 'azurite') : path.join(root, '.data', 'azurite');
      const leftover = await stopLeftoverAzurite(location);
      if (leftover !== undefined) console.log(`Azurite: stopped the one an earlier run left running on this data folder (pid ${leftover})`);
      azurite = await startAzurite({ port, location });
      stops.push(() => azurite!.stop());
      process.env.CatalogStorage = azurite.connectionString;
      console.log(`Azurite Table service: ${azurite.tableEndpoint} (data in ${path.relative(root, location) || location})`);
    }

    if (!process.env.ARM_ENDPOINT && !process.env.ARM_SUBSCRIPTION_IDS) {
      const sim = new ArmSimulator();
      seedDemoOrganization(sim);
      const { endpoint } = await sim.start(portSetting('ARM_SIMULATOR_PORT', 7072));
      stops.push(() => sim.stop());
      process.env.ARM_ENDPOINT = endpoint;
      process.env.ARM_CREDENTIAL = 'local';
      process.env.ARM_SUBSCRIPTION_IDS = Object.values(DEMO_SUBSCRIPTIONS).join(',');
      simulated = true;
      console.log(`ARM: simulated at ${endpoint} with a demo organization (set ARM_ENDPOINT or ARM_SUBSCRIPTION_IDS to use real Azure)`);
    } else {
      console.log(`ARM: ${process.env.ARM_ENDPOINT ?? 'https://management.azure.com'}`);
    }

    if (!process.env.SPOT_API_TOKEN) {
      // The Spot target offline: the Spot API simulator, with a token made for this run (never printed).
      const token = randomBytes(24).toString('base64url');
      const spot = new SpotSimulator({ token });
      const { endpoint } = await spot.start(portSetting('SPOT_SIMULATOR_PORT', 0));
      stops.push(() => spot.stop());
      process.env.SPOT_API_URL = endpoint;
      process.env.SPOT_API_TOKEN = token;
      console.log(`Spot API: simulated at ${endpoint} (set SPOT_API_TOKEN, and SPOT_API_URL, to use Spot's API)`);
    } else {
      console.log(`Spot API: ${process.env.SPOT_API_URL || 'https://api.spotinst.io'}`);
    }

    if (!process.env.DomainEvents__topicEndpointUri) {
      // The domain-event topic is hosted by the local runtime; its key is chosen here, before the
      // app (the bundle, with its own configuration) reads any setting.
      process.env.DomainEvents__topicEndpointUri = `http://localhost:${httpPort}${LOCAL_TOPIC_PATH}`;
      process.env.DomainEvents__credential = 'key';
      process.env.DomainEvents__topicKey = randomBytes(24).toString('base64');
    }
    const principal = process.env.LOCAL_PRINCIPAL ? parseLocalPrincipal(process.env.LOCAL_PRINCIPAL) : { ...DEMO_PRINCIPAL, roles: ALL_APP_ROLES };
    // Offline, the development principal's tenant operates the deployment unless a setting says otherwise.
    if (!process.env.AUTH_OPERATOR_TENANT && !process.env.AUTH_ALLOWED_TENANTS) process.env.AUTH_OPERATOR_TENANT = principal.tenantId;
    config(); // fail fast, naming the setting, before anything is served
    if (simulated) {
      await seedDemoDirectory(services().directory);
      console.log('Organizations: demo organizations contoso and fabrikam (PUT /api/manage/organizations/{id} to change them)');
    } else if ((await services().directory.list()).length === 0) {
      console.warn(firstOrganizationHint(httpPort, principal, config().arm.subscriptionIds));
    }
    console.log(`Caller: requests without x-ms-client-principal act as ${principal.tenantId}/${principal.objectId} with app roles ${(principal.roles ?? []).join(', ') || '(none)'} (LOCAL_PRINCIPAL)`);
    const registry = await loadApp(root);
    const hostJson = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')) as {
      extensions?: { http?: { routePrefix?: string }; serviceBus?: Record<string, unknown> };
    };
    const runtime = new LocalRuntime(registry, {
      routePrefix: hostJson.extensions?.http?.routePrefix ?? 'api',
      serviceBus: hostJson.extensions?.serviceBus as never,
      principalHeader: principalHeader(principal),
    });
    if (process.env.DomainEvents__topicEndpointUri === `http://localhost:${httpPort}${LOCAL_TOPIC_PATH}`) {
      runtime.hostEventTopic(readEventSubscriptions(root), parseWebhooks(process.env.LOCAL_EVENT_WEBHOOKS), process.env.DomainEvents__topicKey);
      console.log(`Domain events: local topic ${process.env.DomainEvents__topicEndpointUri} (recent: GET /runtime/events; webhooks: LOCAL_EVENT_WEBHOOKS)`);
    }
    // Listening before the start-up reconcile, so the domain events it records reach the local topic
    // this server hosts; every other request waits until the host reports it started (as requests
    // wait for a starting host: 503 after 30 s).
    runtime.holdRequests();
    await runtime.start(httpPort);
    stops.push(() => runtime.stop());
    if (registry.get('reconcileUnit') && !runtime.isListening('reconcileUnit')) {
      // The reconcile-units queue in memory, delivered to reconcileUnit with host.json's maxConcurrentCalls.
      useReconcileQueue(runtime.emulateServiceBus('reconcileUnit', { maxDeliveryCount: config().reconcileUnitsMaxDeliveryCount, redeliveryDelayMs: 1000 }));
    }
    const reconcile = registry.get('reconcileCatalog');
    if (reconcile) {
      // First run: fill the catalog from ARM before serving, so the lookups answer at once (on a
      // restart this costs list pages only: unchanged resources are not re-read). The timer only
      // queues the units; the run is over when its record says so.
      console.log('Catalog: reconciling with ARM once at start-up...');
      const before = (await services().reconcileProgress.read())?.runId;
      const started = await runtime.invoke(reconcile, { isPastDue: false }).then(
        () => true,
        (err: unknown) => {
          console.error(`Catalog: the start-up reconcile failed (${errorText(err)}); it runs again on RECONCILE_SCHEDULE or with POST /admin/functions/reconcileCatalog`);
          return false;
        },
      );
      if (started && config().arm.subscriptionIds.length > 0) {
        await waitForRun(() => services().reconcileProgress.read(), before, { pollMs: 200 }).then(
          (run) => console.log(`Catalog: ${describeRun(run)}`),
          (err: unknown) => console.error(`Catalog: the start-up reconcile's progress could not be read (${errorText(err)}); GET /api/manage/reconcile shows it`),
        );
      }
    }
    if (!runtime.isListening('groupJobs')) {
      useJobQueue(runtime.emulateServiceBus('groupJobs', { maxDeliveryCount: config().groupJobsMaxDeliveryCount, maxConcurrentSessions: 16, redeliveryDelayMs: 1000 }));
    }
    console.log('\nFunctions:\n');
    for (const line of runtime.describe()) console.log(`\t${line}`);
    for (const notice of runtime.notices) console.log(`\n${notice}`);
    console.log(`\nHost started: ${runtime.url} (Ctrl-C to stop)`);
    console.log(`Console: ${runtime.url}/${hostJson.extensions?.http?.routePrefix ?? 'api'}/console/`);
    runtime.releaseRequests();
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(err instanceof Error ? err.message : err);
    await shutdown(1);
  }
}

/** What to do when real ARM is used and no organization is stored yet: every lookup would be a 403. */
function firstOrganizationHint(port: number, principal: { tenantId: string; objectId: string }, subscriptionIds: readonly string[]): string {
  const subs = subscriptionIds.length > 0 ? subscriptionIds : ['<subscription-id>'];
  const doc = {
    tenantId: principal.tenantId,
    subscriptions: subs.map((subscriptionId) => ({ subscriptionId })),
    principals: [{ tenantId: principal.tenantId, objectId: principal.objectId }],
  };
  return [
    'Organizations: none stored, so every lookup answers 403 (the caller belongs to no organization).',
    `Create the first one (the caller is LOCAL_PRINCIPAL, the subscriptions ARM_SUBSCRIPTION_IDS):`,
    `  curl -X PUT 'http://localhost:${port}/api/manage/organizations/my-org' -H 'content-type: application/json' -d '${JSON.stringify(doc)}'`,
  ].join('\n');
}

void main();

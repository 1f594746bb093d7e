/**
 * `npm start`: the app offline, like `func start` but with nothing to install.
 *
 * 1. Settings: `local.settings.json` (Values) when present, otherwise embedded defaults; variables
 *    already in the environment win.
 * 2. Table Storage: when `CatalogStorage` is `UseDevelopmentStorage=true` (the default), Azurite's
 *    Table service is started on 127.0.0.1:10002 with data kept in `.data/azurite`.
 * 3. ARM: unless `ARM_ENDPOINT` or `ARM_SUBSCRIPTION_IDS` is set, a simulated ARM seeded with a demo
 *    organization (and the edits made to it through /_sim/resources in earlier runs) answers the
 *    gallery REST calls, and the app is pointed at it.
 * 3b. Spot: unless `SPOT_API_TOKEN` is set, the Spot API simulator (dev/spot-simulator.ts) answers
 *    the Spot target's calls with a token made for the run, and the app is pointed at it.
 * 4. The catalog is reconciled with ARM once before anything is served (then on its schedule; the
 *    host listens meanwhile only for its local event topic), so the lookups answer on the first run; with real ARM and no organization stored, it prints the
 *    request that creates the first one.
 * 5. The functions from package.json `main` are served on http://localhost:7071; it prints where,
 *    the demo identities and a first lookup (LOCAL_LOG_LEVEL=debug: every function and invocation).
 * Ctrl-C, SIGTERM and SIGHUP (the terminal closed) stop everything it started; a port already
 * taken or a bad setting is one line naming what to change, and exit code 1.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startAzurite, stopLeftoverAzurite, type RunningAzurite } from './azurite.js';
import { ArmSimulator } from './arm-simulator.js';
import { SpotSimulator } from './spot-simulator.js';
import { applyKeptEdits, keepEdits, SIMULATOR_EDITS_FILE } from './arm-simulator-edits.js';
import { DEMO_IMAGES, DEMO_SUBSCRIPTIONS, seedDemoOrganization } from './demo/demo-org.js';
import { loadApp, projectRoot } from './runtime/load-app.js';
import { LocalRuntime } from './runtime/runtime.js';
import { isListening, PortInUseError } from './ports.js';
import { config, ConfigError } from '../shared/config.js';
import { services } from '../shared/services.js';
import { useJobQueue, useReconcileQueue } from './runtime/host-queues.js';
import { waitForRun } from '../shared/reconcile/runs.js';
import { describeRun } from '../shared/domain/reconcile-run.js';
import { ALL_APP_ROLES, parseLocalPrincipal, principalHeader, type Principal } from '../shared/access/principal.js';
import { DEMO_PRINCIPAL, demoOrganizations, seedDemoDirectory } from './demo/demo-directory.js';
import { parseResourceId } from '../shared/domain/ids.js';
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
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  return n;
}

/**
 * How much the functions' log shows (LOCAL_LOG_LEVEL, a variable of `npm start` only): `info` (the
 * default) the start-up lines and the functions' warnings and errors; `debug` every function's
 * list entry, every invocation (the host's `Executing`/`Executed` lines), what the functions log
 * and each event of the local topic, as `func start` prints them.
 */
function logLevelSetting(): 'info' | 'debug' {
  const raw = (process.env.LOCAL_LOG_LEVEL ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'info') return 'info';
  if (raw === 'debug') return 'debug';
  throw new Error(`LOCAL_LOG_LEVEL must be info or debug, got "${process.env.LOCAL_LOG_LEVEL}"`);
}

/** What `npm start` started, stopped in reverse order on Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal closed) or a failed start. */
class Started {
  private readonly stops: (() => Promise<void>)[] = [];
  private stopping = false;

  constructor() {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void this.shutdown(0));
  }

  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  async shutdown(code: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // After SIGHUP the terminal may be gone: writing to it must not stop the shutdown.
    try {
      console.log('\nStopping...');
    } catch {
      // nobody reads it
    }
    for (const stop of this.stops.reverse()) await stop().catch((e: unknown) => console.error(errorText(e)));
    process.exit(code);
  }
}

/** Step 1: the settings, from local.settings.json or the embedded defaults; variables already set win. */
function applySettings(root: string): {
  local: LocalSettings | undefined;
  httpPort: number;
  logLevel: 'info' | 'debug';
} {
  const local = readLocalSettings(root);
  const values = local?.Values ?? DEFAULT_SETTINGS;
  for (const [k, v] of Object.entries(values)) if (process.env[k] === undefined) process.env[k] = v;
  console.log(local ? 'Settings: local.settings.json' : 'Settings: embedded defaults (no local.settings.json)');
  return {
    local,
    httpPort: portSetting('FUNCTIONS_HTTP_PORT', local?.Host?.LocalHttpPort ?? 7071),
    logLevel: logLevelSetting(),
  };
}

/** Where `npm start` keeps its data: LOCAL_DATA_DIR, default `.data` in the project. */
function dataFolder(root: string): string {
  return process.env.LOCAL_DATA_DIR ? path.resolve(process.env.LOCAL_DATA_DIR) : path.join(root, '.data');
}

/** Step 2: Azurite's Table service for `UseDevelopmentStorage=true`, after stopping one an earlier run left on the same data folder. */
async function startStorage(root: string, started: Started): Promise<void> {
  if (!/^UseDevelopmentStorage=true/i.test(process.env.CatalogStorage ?? '')) return;
  const port = portSetting('AZURITE_TABLE_PORT', 10002);
  const location = path.join(dataFolder(root), 'azurite');
  const leftover = await stopLeftoverAzurite(location);
  if (leftover !== undefined)
    console.log(`Azurite: stopped the one an earlier run left running on this data folder (pid ${leftover})`);
  const azurite: RunningAzurite = await startAzurite({ port, location });
  started.add(() => azurite.stop());
  process.env.CatalogStorage = azurite.connectionString;
  console.log(`Azurite Table service: ${azurite.tableEndpoint} (data in ${path.relative(root, location) || location})`);
}

/** Step 3: the ARM simulator with the demo organization, unless real ARM is configured; true when simulated. */
async function startArm(root: string, started: Started): Promise<boolean> {
  if (process.env.ARM_ENDPOINT || process.env.ARM_SUBSCRIPTION_IDS) {
    console.log(`ARM: ${process.env.ARM_ENDPOINT ?? 'https://management.azure.com'}`);
    return false;
  }
  // The demo organization, then the edits made through /_sim/resources in earlier runs (kept in the data folder).
  const editsFile = path.join(dataFolder(root), SIMULATOR_EDITS_FILE);
  const sim = new ArmSimulator({ onEdit: keepEdits(editsFile) });
  seedDemoOrganization(sim);
  const kept = applyKeptEdits(sim, editsFile);
  const { endpoint } = await sim.start(portSetting('ARM_SIMULATOR_PORT', 7072));
  started.add(() => sim.stop());
  process.env.ARM_ENDPOINT = endpoint;
  process.env.ARM_CREDENTIAL = 'local';
  process.env.ARM_SUBSCRIPTION_IDS = Object.values(DEMO_SUBSCRIPTIONS).join(',');
  console.log(
    `ARM: simulated at ${endpoint} with a demo organization${kept.applied > 0 ? ` and ${kept.applied} edits kept in ${path.relative(root, editsFile) || editsFile}` : ''}${kept.skipped > 0 ? ` (${kept.skipped} kept edits could not be applied)` : ''} (set ARM_ENDPOINT or ARM_SUBSCRIPTION_IDS to use real Azure)`,
  );
  return true;
}

/** Step 3b: the Spot API simulator with a token made for this run (never printed), unless a Spot API token is set. */
async function startSpot(started: Started): Promise<void> {
  if (process.env.SPOT_API_TOKEN) {
    console.log(`Spot API: ${process.env.SPOT_API_URL || 'https://api.spotinst.io'}`);
    return;
  }
  const token = randomBytes(24).toString('base64url');
  const spot = new SpotSimulator({ token });
  const { endpoint } = await spot.start(portSetting('SPOT_SIMULATOR_PORT', 0));
  started.add(() => spot.stop());
  process.env.SPOT_API_URL = endpoint;
  process.env.SPOT_API_TOKEN = token;
  console.log(`Spot API: simulated at ${endpoint} (set SPOT_API_TOKEN, and SPOT_API_URL, to use Spot's API)`);
}

/** Step 4: the settings the app reads that depend on what was started (the local topic, the operator), then the app's configuration, checked. */
function prepareApp(httpPort: number): Principal {
  if (!process.env.DomainEvents__topicEndpointUri) {
    // The domain-event topic is hosted by the local runtime; its key is chosen here, before the
    // app (the bundle, with its own configuration) reads any setting.
    process.env.DomainEvents__topicEndpointUri = `http://localhost:${httpPort}${LOCAL_TOPIC_PATH}`;
    process.env.DomainEvents__credential = 'key';
    process.env.DomainEvents__topicKey = randomBytes(24).toString('base64');
  }
  const principal = process.env.LOCAL_PRINCIPAL
    ? parseLocalPrincipal(process.env.LOCAL_PRINCIPAL)
    : { ...DEMO_PRINCIPAL, roles: ALL_APP_ROLES };
  // Offline, the development principal's tenant operates the deployment unless a setting says otherwise.
  if (!process.env.AUTH_OPERATOR_TENANT && !process.env.AUTH_ALLOWED_TENANTS)
    process.env.AUTH_OPERATOR_TENANT = principal.tenantId;
  config(); // fail fast, naming the setting, before anything is served
  return principal;
}

/** Step 5: the local runtime with the app's functions, listening (requests held until the host is ready). */
async function startRuntime(
  root: string,
  httpPort: number,
  principal: Principal,
  logLevel: 'info' | 'debug',
  started: Started,
): Promise<{ runtime: LocalRuntime; routePrefix: string }> {
  const registry = await loadApp(root);
  const hostJson = JSON.parse(fs.readFileSync(path.join(root, 'host.json'), 'utf8')) as {
    extensions?: { http?: { routePrefix?: string }; serviceBus?: Record<string, unknown> };
  };
  const routePrefix = hostJson.extensions?.http?.routePrefix ?? 'api';
  const runtime = new LocalRuntime(registry, {
    routePrefix,
    serviceBus: hostJson.extensions?.serviceBus as never,
    principalHeader: principalHeader(principal),
    logLevel: logLevel === 'debug' ? 'debug' : 'warning',
  });
  if (process.env.DomainEvents__topicEndpointUri === `http://localhost:${httpPort}${LOCAL_TOPIC_PATH}`) {
    runtime.hostEventTopic(
      readEventSubscriptions(root),
      parseWebhooks(process.env.LOCAL_EVENT_WEBHOOKS),
      process.env.DomainEvents__topicKey,
    );
    console.log(
      `Domain events: local topic ${process.env.DomainEvents__topicEndpointUri} (recent: GET /runtime/events; webhooks: LOCAL_EVENT_WEBHOOKS)`,
    );
  }
  // Listening before the start-up reconcile, so the domain events it records reach the local topic
  // this server hosts; every other request waits until the host reports it started (as requests
  // wait for a starting host: 503 after 30 s).
  runtime.holdRequests();
  await runtime.start(httpPort);
  started.add(() => runtime.stop());
  if (registry.get('reconcileUnit') && !runtime.isListening('reconcileUnit')) {
    // The reconcile-units queue in memory, delivered to reconcileUnit with host.json's maxConcurrentCalls.
    useReconcileQueue(
      runtime.emulateServiceBus('reconcileUnit', {
        maxDeliveryCount: config().reconcileUnitsMaxDeliveryCount,
        redeliveryDelayMs: 1000,
      }),
    );
  }
  if (registry.get('groupJobs') && !runtime.isListening('groupJobs')) {
    useJobQueue(
      runtime.emulateServiceBus('groupJobs', {
        maxDeliveryCount: config().groupJobsMaxDeliveryCount,
        maxConcurrentSessions: 16,
        redeliveryDelayMs: 1000,
      }),
    );
  }
  return { runtime, routePrefix };
}

/**
 * Step 6: the first reconcile, before serving, so the lookups answer at once (on a restart this
 * costs list pages only: unchanged resources are not re-read). The timer only queues the units;
 * the run is over when its record says so.
 */
async function reconcileAtStart(runtime: LocalRuntime): Promise<void> {
  const reconcile = runtime.registry.get('reconcileCatalog');
  if (!reconcile) return;
  console.log('Catalog: reconciling with ARM once at start-up...');
  const before = (await services().reconcileProgress.read())?.runId;
  const started = await runtime.invoke(reconcile, { isPastDue: false }).then(
    () => true,
    (err: unknown) => {
      console.error(
        `Catalog: the start-up reconcile failed (${errorText(err)}); it runs again on RECONCILE_SCHEDULE or with POST /admin/functions/reconcileCatalog`,
      );
      return false;
    },
  );
  if (!started || config().arm.subscriptionIds.length === 0) return;
  await waitForRun(() => services().reconcileProgress.read(), before, { pollMs: 200 }).then(
    (run) => console.log(`Catalog: ${describeRun(run)}`),
    (err: unknown) =>
      console.error(
        `Catalog: the start-up reconcile's progress could not be read (${errorText(err)}); GET /api/manage/reconcile shows it`,
      ),
  );
}

/** Step 7: what is served where, the demo identities and a first thing to try (the function list with LOCAL_LOG_LEVEL=debug). */
function printReady(
  runtime: LocalRuntime,
  routePrefix: string,
  principal: Principal,
  simulated: boolean,
  logLevel: 'info' | 'debug',
): void {
  // The queues emulated in memory, by queue name (their dead-letter sub-queues go with them).
  const emulated = runtime
    .describe()
    .map((line) => /serviceBusTrigger queue=(\S+) \(emulated in memory\)/.exec(line)?.[1])
    .filter((queue): queue is string => queue !== undefined && !queue.includes('/'));
  const other = runtime.notices.filter((n) => !n.includes('emulated in memory'));
  if (logLevel === 'debug') {
    console.log('\nFunctions:\n');
    for (const line of runtime.describe()) console.log(`\t${line}`);
    for (const notice of runtime.notices) console.log(`\n${notice}`);
  } else {
    if (emulated.length > 0)
      console.log(
        `Queues: ${emulated.join(', ')} and their dead-letter queues emulated in memory (set ServiceBusConnection to use a real namespace)`,
      );
    for (const notice of other) console.log(notice);
    console.log(
      `Functions: ${runtime.registry.list().length}; the Event Grid webhook is POST ${runtime.url}/runtime/webhooks/eventgrid?functionName=galleryEvents (LOCAL_LOG_LEVEL=debug lists every function and logs every invocation)`,
    );
  }
  if (simulated) for (const line of demoLines(runtime.url, routePrefix, principal)) console.log(line);
  console.log(`\nHost started: ${runtime.url} (Ctrl-C to stop)`);
  console.log(`Console: ${runtime.url}/${routePrefix}/console/`);
}

/** The demo organizations, who the caller is among them, and the first lookup to try. */
function demoLines(url: string, routePrefix: string, principal: Principal): string[] {
  const orgs = demoOrganizations();
  const lines = ['\nDemo organizations (PUT /api/manage/organizations/{id} to change them):'];
  for (const [id, org] of Object.entries(orgs)) {
    const accounts = org.subscriptions
      .map((s) => `${s.subscriptionId} (Spot account ${s.spotAccountId ?? 'none'})`)
      .join(', ');
    lines.push(`  ${id}: tenant ${org.tenantId}, subscriptions ${accounts}`);
  }
  const mine = Object.entries(orgs).find(([, org]) =>
    org.principals.some((p) => p.tenantId === principal.tenantId && p.objectId === principal.objectId),
  );
  const actsFor = mine?.[1].principals.find((p) => p.objectId === principal.objectId)?.subscriptionIds ?? [];
  const accounts = actsFor
    .map((sub) => mine?.[1].subscriptions.find((s) => s.subscriptionId === sub)?.spotAccountId)
    .filter((a): a is string => a !== undefined);
  lines.push(
    `You (LOCAL_PRINCIPAL): ${principal.tenantId}/${principal.objectId}, app roles ${(principal.roles ?? []).join(', ') || '(none)'}` +
      (mine
        ? `, of ${mine[0]}, acting for ${actsFor.join(', ')} (Spot account ${accounts.join(', ')})`
        : ', of no demo organization'),
  );
  const ubuntu = parseResourceId(DEMO_IMAGES.ubuntu);
  if (ubuntu.level !== 'image') return lines;
  lines.push(
    `Try: the image ${ubuntu.resourceGroup} / ${ubuntu.gallery} / ${ubuntu.image} in westeurope, in the console or with`,
    `  curl -s '${url}/${routePrefix}/subscriptions/${ubuntu.subscriptionId}/resourceGroups/${ubuntu.resourceGroup}/galleries/${ubuntu.gallery}/images/${ubuntu.image}/versions/latest?region=westeurope'`,
    `  npm run cli -- submit examples/stateless-latest.json --wait    (a group job on it; README.md: "Try it in five minutes")`,
  );
  return lines;
}

async function main(): Promise<void> {
  const root = projectRoot();
  const started = new Started();
  try {
    const { local, httpPort, logLevel } = applySettings(root);
    if (await isListening(httpPort))
      throw new PortInUseError(
        httpPort,
        'the Functions HTTP server',
        local?.Host?.LocalHttpPort === undefined
          ? 'FUNCTIONS_HTTP_PORT'
          : 'FUNCTIONS_HTTP_PORT (or Host.LocalHttpPort in local.settings.json)',
      );
    await startStorage(root, started);
    const simulated = await startArm(root, started);
    await startSpot(started);
    const principal = prepareApp(httpPort);
    if (simulated) await seedDemoDirectory(services().directory);
    else if ((await services().directory.list()).length === 0)
      console.warn(firstOrganizationHint(httpPort, principal, config().arm.subscriptionIds));
    if (!simulated)
      console.log(
        `Caller: requests without x-ms-client-principal act as ${principal.tenantId}/${principal.objectId} with app roles ${(principal.roles ?? []).join(', ') || '(none)'} (LOCAL_PRINCIPAL)`,
      );
    const { runtime, routePrefix } = await startRuntime(root, httpPort, principal, logLevel, started);
    await reconcileAtStart(runtime);
    printReady(runtime, routePrefix, principal, simulated, logLevel);
    runtime.releaseRequests();
  } catch (err) {
    // One line naming what to change (a setting, a port variable), never a stack trace.
    console.error(err instanceof ConfigError || err instanceof Error ? err.message : String(err));
    await started.shutdown(1);
  }
}

/** What to do when real ARM is used and no organization is stored yet: every lookup would be a 403. */
function firstOrganizationHint(
  port: number,
  principal: { tenantId: string; objectId: string },
  subscriptionIds: readonly string[],
): string {
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

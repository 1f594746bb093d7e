import { z } from 'zod';
import type { ReplicaPrices } from './domain/replicas.js';

/**
 * Every setting the app reads, validated once at start-up. A missing or malformed setting fails
 * with its name. Connection settings follow the Functions host convention for identity-based
 * connections: `<Connection>` holds a connection string, or `<Connection>__tableServiceUri` /
 * `<Connection>__fullyQualifiedNamespace` with `<Connection>__credential` and `<Connection>__clientId`.
 */

export const CATALOG_CONNECTION = 'CatalogStorage';
export const SERVICE_BUS_CONNECTION = 'ServiceBusConnection';
/** The Service Bus queue the group-jobs trigger listens on (sessions enabled: one session a group). */
export const GROUP_JOBS_QUEUE = 'group-jobs';
/** The Service Bus queue of reconcile units: one message per gallery of a reconcile run (no sessions). */
export const RECONCILE_UNITS_QUEUE = 'reconcile-units';
/** The connection prefix of the Event Grid custom topic the app publishes its domain events to. */
export const EVENT_TOPIC_CONNECTION = 'DomainEvents';

const nonEmpty = z.string().trim().min(1);
const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');
const intSetting = (min: number, max: number, def: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? def);
const decimalSetting = (min: number, max: number, def: number, minExclusive = false) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a decimal number such as 0.05')
    .transform(Number)
    .pipe(minExclusive ? z.number().gt(min).max(max) : z.number().min(min).max(max))
    .optional()
    .transform((v) => v ?? def);
const ncrontab = z
  .string()
  .trim()
  .regex(/^(\S+\s+){5}\S+$/, 'must be a six-field NCRONTAB expression (second minute hour day month day-of-week)');
const httpsOrLoopbackUrl = z
  .string()
  .trim()
  .url()
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || isLoopback(url.hostname);
  }, 'must be https (plain http only on a loopback address)');

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const credentialKind = z.enum(['managedidentity', 'default']);

const envSchema = z
  .object({
    [CATALOG_CONNECTION]: nonEmpty.optional(),
    [`${CATALOG_CONNECTION}__tableServiceUri`]: httpsOrLoopbackUrl.optional(),
    [`${CATALOG_CONNECTION}__credential`]: credentialKind.optional(),
    [`${CATALOG_CONNECTION}__clientId`]: uuid.optional(),
    CATALOG_TABLE_PREFIX: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,19}$/, 'must be a letter then up to 19 letters or digits')
      .optional()
      .transform((v) => v ?? 'gc'),
    [SERVICE_BUS_CONNECTION]: nonEmpty.optional(),
    [`${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace`]: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name such as mybus.servicebus.windows.net')
      .optional(),
    [`${SERVICE_BUS_CONNECTION}__credential`]: credentialKind.optional(),
    [`${SERVICE_BUS_CONNECTION}__clientId`]: uuid.optional(),
    ARM_ENDPOINT: httpsOrLoopbackUrl.optional().transform((v) => v ?? 'https://management.azure.com'),
    ARM_CREDENTIAL: z
      .enum(['default', 'managedidentity', 'local'])
      .optional()
      .transform((v) => v ?? 'default'),
    ARM_CLIENT_ID: uuid.optional(),
    ARM_SUBSCRIPTION_IDS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(z.array(uuid).max(500)),
    ARM_MAX_RETRIES: intSetting(0, 10, 3),
    ARM_RETRY_DELAY_MS: intSetting(0, 60_000, 800),
    ARM_MAX_RETRY_DELAY_MS: intSetting(0, 300_000, 30_000),
    RECONCILE_SCHEDULE: ncrontab.optional().transform((v) => v ?? '0 0 */6 * * *'),
    RECHECK_SCHEDULE: ncrontab.optional().transform((v) => v ?? '0 */2 * * * *'),
    VM_SIZES_SCHEDULE: ncrontab.optional().transform((v) => v ?? '0 30 3 * * *'),
    GROUP_JOBS_MAX_DELIVERY_COUNT: intSetting(1, 2000, 10),
    RECONCILE_UNITS_MAX_DELIVERY_COUNT: intSetting(1, 2000, 5),
    [`${EVENT_TOPIC_CONNECTION}__topicEndpointUri`]: httpsOrLoopbackUrl.optional(),
    [`${EVENT_TOPIC_CONNECTION}__credential`]: z.enum(['managedidentity', 'default', 'key']).optional(),
    [`${EVENT_TOPIC_CONNECTION}__clientId`]: uuid.optional(),
    [`${EVENT_TOPIC_CONNECTION}__topicKey`]: nonEmpty.optional(),
    OUTBOX_SCHEDULE: ncrontab.optional().transform((v) => v ?? '0 */1 * * * *'),
    REPLICA_BURST_FACTOR: decimalSetting(0, 1, 1, true),
    REPLICA_PRICE_CURRENCY: z
      .string()
      .trim()
      .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 currency code such as USD')
      .optional()
      .transform((v) => v ?? 'USD'),
    REPLICA_PRICE_STANDARD_LRS: decimalSetting(0, 1000, 0.05),
    REPLICA_PRICE_STANDARD_ZRS: decimalSetting(0, 1000, 0.0625),
    REPLICA_PRICE_PREMIUM_LRS: decimalSetting(0, 1000, 0.12),
    REPLICA_EGRESS_PRICE_PER_GB: decimalSetting(0, 1000, 0.02),
    AUTH_ALLOWED_TENANTS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(z.array(uuid).max(200)),
    AUTH_OPERATOR_TENANT: uuid.optional(),
    TABLE_TIMEOUT_MS: intSetting(100, 120_000, 5_000),
    SERVICE_BUS_TIMEOUT_MS: intSetting(100, 120_000, 5_000),
    ARM_TIMEOUT_MS: intSetting(100, 300_000, 15_000),
    HTTP_DEADLINE_MS: intSetting(500, 200_000, 20_000),
    BACKGROUND_TIMEOUT_MS: intSetting(1_000, 600_000, 30_000),
    JOBS_SWEEP_SCHEDULE: ncrontab.optional().transform((v) => v ?? '*/30 * * * * *'),
    JOBS_RESEND_AFTER_SECONDS: intSetting(1, 86_400, 120),
    JOBS_MAX_RESENDS: intSetting(1, 100, 5),
    SPOT_API_URL: httpsOrLoopbackUrl.optional().transform((v) => v ?? 'https://api.spotinst.io'),
    SPOT_API_TOKEN: nonEmpty.optional(),
    SPOT_TIMEOUT_MS: intSetting(100, 120_000, 10_000),
    APPLY_POLL_BUDGET_SECONDS: intSetting(1, 240, 20),
    APPLY_FOLLOW_UP_SECONDS: intSetting(1, 3_600, 30),
    APPLY_MAX_ATTEMPTS: intSetting(1, 20, 5),
    APPLY_RETRY_BASE_SECONDS: intSetting(1, 1_800, 30),
  })
  .superRefine((env, ctx) => {
    const tables = env[CATALOG_CONNECTION] ?? env[`${CATALOG_CONNECTION}__tableServiceUri`];
    if (!tables) {
      ctx.addIssue({
        code: 'custom',
        path: [CATALOG_CONNECTION],
        message: `is required: set ${CATALOG_CONNECTION} (a connection string) or ${CATALOG_CONNECTION}__tableServiceUri`,
      });
    }
    const topicCredential = env[`${EVENT_TOPIC_CONNECTION}__credential`];
    if (topicCredential === 'key' && !env[`${EVENT_TOPIC_CONNECTION}__topicKey`]) {
      ctx.addIssue({
        code: 'custom',
        path: [`${EVENT_TOPIC_CONNECTION}__topicKey`],
        message: `is required when ${EVENT_TOPIC_CONNECTION}__credential is key`,
      });
    }
    const topicUri = env[`${EVENT_TOPIC_CONNECTION}__topicEndpointUri`];
    if (topicUri && topicCredential !== 'key' && new URL(topicUri).protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        path: [`${EVENT_TOPIC_CONNECTION}__topicEndpointUri`],
        message: 'must be https with an identity credential (plain http only with the key credential)',
      });
    }
    const spotToken = env.SPOT_API_TOKEN;
    if (spotToken !== undefined && !isKeyVaultReference(spotToken) && !/^[\x21-\x7e]+$/.test(spotToken)) {
      // The value is a secret: the message never repeats it.
      ctx.addIssue({
        code: 'custom',
        path: ['SPOT_API_TOKEN'],
        message: 'must be the Spot API token (printable characters, no spaces)',
      });
    }
    if (env.ARM_CREDENTIAL === 'local' && !isLoopback(new URL(env.ARM_ENDPOINT).hostname)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ARM_CREDENTIAL'],
        message: 'local is only allowed with a loopback ARM_ENDPOINT',
      });
    }
    if (
      env.ARM_CREDENTIAL !== 'local' &&
      new URL(env.ARM_ENDPOINT).protocol === 'http:' &&
      isLoopback(new URL(env.ARM_ENDPOINT).hostname)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['ARM_CREDENTIAL'],
        message: `must be local with a plain-http ARM_ENDPOINT (${env.ARM_ENDPOINT}): Azure credentials send bearer tokens over https only. Set ARM_CREDENTIAL=local for a local ARM, or use an https ARM_ENDPOINT`,
      });
    }
  });

/**
 * App Service puts a Key Vault reference (`@Microsoft.KeyVault(SecretUri=...)`) it could not resolve
 * into the environment as written ("If a reference isn't resolved properly, the reference string is
 * used instead": MicrosoftDocs/azure-docs articles/app-service/app-service-key-vault-references.md,
 * "Troubleshoot Key Vault references").
 */
export function isKeyVaultReference(value: string): boolean {
  return /^@Microsoft\.KeyVault\(/i.test(value.trim());
}

/** The Spot API client's settings (shared/apply/spot.ts), when the Spot target is configured. */
export interface SpotApiSettings {
  /** SPOT_API_URL, no trailing slash. */
  baseUrl: string;
  /** SPOT_TIMEOUT_MS: the deadline of one call, its retries included. */
  timeoutMs: number;
  /** SPOT_API_TOKEN: a function, so that the token is no property of the configuration (nothing that prints it prints the token). */
  token: () => Promise<string>;
}

export type Credential = 'default' | 'managedidentity';

export type TableStoreSettings =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableServiceUri: string; credential: Credential; clientId?: string };

export type ServiceBusSettings =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; fullyQualifiedNamespace: string; credential: Credential; clientId?: string };

export type EventTopicSettings =
  | { endpoint: string; credential: 'key'; key: string }
  | { endpoint: string; credential: Credential; clientId?: string };

export interface Config {
  tables: TableStoreSettings;
  tablePrefix: string;
  /** Absent when no Service Bus connection is configured (the queue trigger and job submission are then disabled). */
  serviceBus?: ServiceBusSettings;
  arm: {
    endpoint: string;
    credential: 'default' | 'managedidentity' | 'local';
    clientId?: string;
    subscriptionIds: string[];
    maxRetries: number;
    retryDelayMs: number;
    maxRetryDelayMs: number;
    /** Longest wait for one ARM call in an HTTP request (ARM_TIMEOUT_MS; 15 s when absent). */
    timeoutMs?: number;
    /** Longest wait for one ARM call of a trigger (BACKGROUND_TIMEOUT_MS; 30 s when absent). */
    backgroundTimeoutMs?: number;
  };
  schedules: { reconcile: string; recheck: string; vmSizes: string };
  /** The group-jobs queue's max delivery count: on that delivery a failing job is recorded as dead-lettered. */
  groupJobsMaxDeliveryCount: number;
  /** The reconcile-units queue's max delivery count: on that delivery a failing unit is recorded failed. */
  reconcileUnitsMaxDeliveryCount: number;
  /** The Event Grid custom topic of the domain events; absent: events stay in the outbox. */
  eventTopic?: EventTopicSettings;
  /** NCRONTAB schedule of the publishing of outbox leftovers. */
  outboxSchedule: string;
  /** Replica advice: the share of a group's capacity maximum assumed created at once, and the price table of the estimates. */
  replicas: { burstFactor: number; prices: ReplicaPrices };
  /** Tenants whose principals may call the API (lower case); empty: any tenant App Service authentication admits. */
  allowedTenants: string[];
  /**
   * The deployment operator's tenant (lower case): its principals holding Catalog.Admin manage every
   * organization. AUTH_OPERATOR_TENANT, else the first of AUTH_ALLOWED_TENANTS; absent: nobody is operator.
   */
  operatorTenant?: string;
  /** How long one call to each dependency may take, and the whole budget of one HTTP request (milliseconds). */
  deadlines: { tableMs: number; serviceBusMs: number; armMs: number; httpRequestMs: number; backgroundMs: number };
  /** The sweep of submitted jobs whose message never ran (lost or never sent). */
  jobSweep: { schedule: string; resendAfterSeconds: number; maxResends: number };
  /**
   * The Spot API. `settings` absent: the Spot target is not configured, and `notConfigured` says
   * why (no SPOT_API_TOKEN, or a Key Vault reference App Service could not resolve).
   */
  spot: { settings: SpotApiSettings; notConfigured?: undefined } | { settings?: undefined; notConfigured: string };
  /** Applying jobs (docs/apply.md): how long a delivery polls, when a waiting job looks again, how often a plan is sent. */
  apply: { pollBudgetMs: number; followUpSeconds: number; maxAttempts: number; retryBaseMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: { setting: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.setting} ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Every setting name the app reads (for documentation, the sample settings file and the infra test). */
export const SETTING_NAMES: readonly string[] = Object.keys(envSchema.shape);

/** The value a setting takes when it is not set (undefined when it has none), from the schema itself. */
export function settingDefault(name: string): string | undefined {
  const schema = (envSchema.shape as Record<string, z.ZodType | undefined>)[name];
  const parsed = schema?.safeParse(undefined);
  if (!parsed?.success || parsed.data === undefined) return undefined;
  const value: unknown = parsed.data;
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : undefined;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const picked: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ setting: String(i.path[0] ?? 'environment'), message: i.message })),
    );
  }
  const e = parsed.data;
  const connStr = e[CATALOG_CONNECTION];
  const tables: TableStoreSettings = connStr
    ? { kind: 'connectionString', connectionString: connStr }
    : {
        kind: 'identity',
        tableServiceUri: e[`${CATALOG_CONNECTION}__tableServiceUri`] as string,
        credential: e[`${CATALOG_CONNECTION}__credential`] ?? 'default',
        ...optional('clientId', e[`${CATALOG_CONNECTION}__clientId`]),
      };
  const sbConn = e[SERVICE_BUS_CONNECTION];
  const sbNs = e[`${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace`];
  const serviceBus: ServiceBusSettings | undefined = sbConn
    ? { kind: 'connectionString', connectionString: sbConn }
    : sbNs
      ? {
          kind: 'identity',
          fullyQualifiedNamespace: sbNs,
          credential: e[`${SERVICE_BUS_CONNECTION}__credential`] ?? 'default',
          ...optional('clientId', e[`${SERVICE_BUS_CONNECTION}__clientId`]),
        }
      : undefined;
  const topicEndpoint = e[`${EVENT_TOPIC_CONNECTION}__topicEndpointUri`];
  const topicCredential = e[`${EVENT_TOPIC_CONNECTION}__credential`] ?? 'default';
  const eventTopic: EventTopicSettings | undefined = !topicEndpoint
    ? undefined
    : topicCredential === 'key'
      ? { endpoint: topicEndpoint, credential: 'key', key: e[`${EVENT_TOPIC_CONNECTION}__topicKey`] as string }
      : {
          endpoint: topicEndpoint,
          credential: topicCredential,
          ...optional('clientId', e[`${EVENT_TOPIC_CONNECTION}__clientId`]),
        };
  const spotToken = e.SPOT_API_TOKEN;
  const spot: Config['spot'] =
    spotToken === undefined
      ? { notConfigured: 'SPOT_API_TOKEN is not set' }
      : isKeyVaultReference(spotToken)
        ? {
            notConfigured:
              'SPOT_API_TOKEN is a Key Vault reference App Service did not resolve (the secret is not set, or the app may not read it)',
          }
        : {
            settings: {
              baseUrl: e.SPOT_API_URL.replace(/\/+$/, ''),
              timeoutMs: e.SPOT_TIMEOUT_MS,
              token: () => Promise.resolve(spotToken),
            },
          };
  return {
    tables,
    tablePrefix: e.CATALOG_TABLE_PREFIX,
    ...(eventTopic ? { eventTopic } : {}),
    outboxSchedule: e.OUTBOX_SCHEDULE,
    ...(serviceBus ? { serviceBus } : {}),
    arm: {
      endpoint: e.ARM_ENDPOINT.replace(/\/+$/, ''),
      credential: e.ARM_CREDENTIAL,
      ...optional('clientId', e.ARM_CLIENT_ID),
      subscriptionIds: e.ARM_SUBSCRIPTION_IDS.map((s) => s.toLowerCase()),
      maxRetries: e.ARM_MAX_RETRIES,
      retryDelayMs: e.ARM_RETRY_DELAY_MS,
      maxRetryDelayMs: e.ARM_MAX_RETRY_DELAY_MS,
      timeoutMs: e.ARM_TIMEOUT_MS,
      backgroundTimeoutMs: Math.max(e.ARM_TIMEOUT_MS, e.BACKGROUND_TIMEOUT_MS),
    },
    schedules: { reconcile: e.RECONCILE_SCHEDULE, recheck: e.RECHECK_SCHEDULE, vmSizes: e.VM_SIZES_SCHEDULE },
    groupJobsMaxDeliveryCount: e.GROUP_JOBS_MAX_DELIVERY_COUNT,
    reconcileUnitsMaxDeliveryCount: e.RECONCILE_UNITS_MAX_DELIVERY_COUNT,
    replicas: {
      burstFactor: e.REPLICA_BURST_FACTOR,
      prices: {
        currency: e.REPLICA_PRICE_CURRENCY,
        perGBMonth: {
          Standard_LRS: e.REPLICA_PRICE_STANDARD_LRS,
          Standard_ZRS: e.REPLICA_PRICE_STANDARD_ZRS,
          Premium_LRS: e.REPLICA_PRICE_PREMIUM_LRS,
        },
        egressPerGB: e.REPLICA_EGRESS_PRICE_PER_GB,
      },
    },
    allowedTenants: e.AUTH_ALLOWED_TENANTS.map((t) => t.toLowerCase()),
    ...optional('operatorTenant', (e.AUTH_OPERATOR_TENANT ?? e.AUTH_ALLOWED_TENANTS[0])?.toLowerCase()),
    deadlines: {
      tableMs: e.TABLE_TIMEOUT_MS,
      serviceBusMs: e.SERVICE_BUS_TIMEOUT_MS,
      armMs: e.ARM_TIMEOUT_MS,
      httpRequestMs: e.HTTP_DEADLINE_MS,
      backgroundMs: e.BACKGROUND_TIMEOUT_MS,
    },
    jobSweep: {
      schedule: e.JOBS_SWEEP_SCHEDULE,
      resendAfterSeconds: e.JOBS_RESEND_AFTER_SECONDS,
      maxResends: e.JOBS_MAX_RESENDS,
    },
    spot,
    apply: {
      pollBudgetMs: e.APPLY_POLL_BUDGET_SECONDS * 1000,
      followUpSeconds: e.APPLY_FOLLOW_UP_SECONDS,
      maxAttempts: e.APPLY_MAX_ATTEMPTS,
      retryBaseMs: e.APPLY_RETRY_BASE_SECONDS * 1000,
    },
  };
}

/** The Spot API client's settings; undefined when the Spot target is not configured (`config().spot.notConfigured` says why). */
export function spotApiSettings(c: Config = config()): SpotApiSettings | undefined {
  return c.spot.settings;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

let cached: Config | undefined;

/** The configuration of this process, read from the environment on first use. */
export function config(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

/** For tests and the local runtime: forget the cached configuration so the next call re-reads it. */
export function resetConfig(): void {
  cached = undefined;
}

/**
 * What each setting is for, and how the Azure deployment provides it: `set` — the Function App
 * always has it; `alternative` — a local form of a setting the deployment provides another way
 * (a connection string instead of an identity-based connection); `optional` — a default applies.
 */
export const SETTING_DOCS: Readonly<
  Record<string, { description: string; azure: 'set' | 'alternative' | 'optional' }>
> = {
  [CATALOG_CONNECTION]: {
    description:
      'Catalog Table Storage connection string (local development; `UseDevelopmentStorage=true` starts Azurite with `npm start`)',
    azure: 'alternative',
  },
  [`${CATALOG_CONNECTION}__tableServiceUri`]: {
    description:
      'Catalog Table Storage endpoint for an identity-based connection, e.g. https://<account>.table.core.windows.net',
    azure: 'set',
  },
  [`${CATALOG_CONNECTION}__credential`]: { description: '`managedidentity` in Azure', azure: 'set' },
  [`${CATALOG_CONNECTION}__clientId`]: {
    description: 'Client id of the user-assigned managed identity used for the catalog tables',
    azure: 'set',
  },
  CATALOG_TABLE_PREFIX: { description: 'Prefix of the catalog table names (letters and digits)', azure: 'optional' },
  [SERVICE_BUS_CONNECTION]: {
    description: 'Service Bus connection string (local development only)',
    azure: 'alternative',
  },
  [`${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace`]: {
    description:
      'Service Bus namespace host name for the group-jobs and reconcile-units queues, e.g. <ns>.servicebus.windows.net',
    azure: 'set',
  },
  [`${SERVICE_BUS_CONNECTION}__credential`]: { description: '`managedidentity` in Azure', azure: 'set' },
  [`${SERVICE_BUS_CONNECTION}__clientId`]: {
    description: 'Client id of the user-assigned managed identity used for Service Bus',
    azure: 'set',
  },
  ARM_ENDPOINT: {
    description:
      'Azure Resource Manager endpoint (default https://management.azure.com); `npm start` points it at the ARM simulator',
    azure: 'optional',
  },
  ARM_CREDENTIAL: {
    description:
      '`default` (DefaultAzureCredential), `managedidentity`, or `local` (static token, loopback endpoints only)',
    azure: 'set',
  },
  ARM_CLIENT_ID: { description: 'Client id of the user-assigned managed identity used for ARM reads', azure: 'set' },
  ARM_SUBSCRIPTION_IDS: {
    description: 'Comma-separated source subscriptions whose galleries the catalog reconciles',
    azure: 'set',
  },
  ARM_MAX_RETRIES: { description: 'ARM client retries (429 honours Retry-After; 5xx back off)', azure: 'optional' },
  ARM_RETRY_DELAY_MS: { description: 'ARM client first retry delay, milliseconds', azure: 'optional' },
  ARM_MAX_RETRY_DELAY_MS: { description: 'ARM client longest retry delay, milliseconds', azure: 'optional' },
  RECONCILE_SCHEDULE: { description: 'NCRONTAB schedule of the full reconcile against ARM', azure: 'set' },
  RECHECK_SCHEDULE: {
    description: 'NCRONTAB schedule of the re-check of versions still provisioning or replicating',
    azure: 'set',
  },
  VM_SIZES_SCHEDULE: {
    description: 'NCRONTAB schedule of the refresh of the cached VM size capabilities',
    azure: 'set',
  },
  GROUP_JOBS_MAX_DELIVERY_COUNT: {
    description: "The group-jobs queue's max delivery count (must equal the queue's setting)",
    azure: 'set',
  },
  RECONCILE_UNITS_MAX_DELIVERY_COUNT: {
    description:
      "The reconcile-units queue's max delivery count (must equal the queue's setting); on that delivery a failing gallery unit is recorded failed",
    azure: 'set',
  },
  [`${EVENT_TOPIC_CONNECTION}__topicEndpointUri`]: {
    description:
      'Endpoint of the Event Grid custom topic for domain events (CloudEvents schema), e.g. https://<topic>.<region>-1.eventgrid.azure.net/api/events; `npm start` points it at the local topic',
    azure: 'set',
  },
  [`${EVENT_TOPIC_CONNECTION}__credential`]: {
    description: '`managedidentity` in Azure, `default`, or `key` (the topic key; the local topic)',
    azure: 'set',
  },
  [`${EVENT_TOPIC_CONNECTION}__clientId`]: {
    description: 'Client id of the user-assigned managed identity that publishes domain events',
    azure: 'set',
  },
  [`${EVENT_TOPIC_CONNECTION}__topicKey`]: {
    description: 'Topic access key, with credential `key` (local topic only; never in Azure)',
    azure: 'alternative',
  },
  OUTBOX_SCHEDULE: {
    description: 'NCRONTAB schedule of the publishing of domain events left in the outbox',
    azure: 'set',
  },
  REPLICA_BURST_FACTOR: {
    description:
      "Replica advice: share of a group's capacity maximum assumed created at once, in (0, 1]; 1 = a group may create its whole maximum at once",
    azure: 'optional',
  },
  REPLICA_PRICE_CURRENCY: {
    description: 'Replica cost estimates: the currency of the REPLICA_*PRICE* settings (ISO 4217)',
    azure: 'optional',
  },
  REPLICA_PRICE_STANDARD_LRS: {
    description:
      "Replica cost estimates: snapshot storage price per GB-month for Standard_LRS replicas (estimate default; set your region's price)",
    azure: 'optional',
  },
  REPLICA_PRICE_STANDARD_ZRS: {
    description:
      'Replica cost estimates: snapshot storage price per GB-month for Standard_ZRS replicas (estimate default)',
    azure: 'optional',
  },
  REPLICA_PRICE_PREMIUM_LRS: {
    description:
      'Replica cost estimates: snapshot storage price per GB-month for Premium_LRS replicas (estimate default)',
    azure: 'optional',
  },
  REPLICA_EGRESS_PRICE_PER_GB: {
    description:
      'Replica cost estimates: inter-region data transfer price per GB, for the first copy to each region (estimate default)',
    azure: 'optional',
  },
  AUTH_ALLOWED_TENANTS: {
    description:
      'Comma-separated Microsoft Entra tenants whose principals may call the API (multi-tenant sign-in); empty: any tenant',
    azure: 'set',
  },
  AUTH_OPERATOR_TENANT: {
    description:
      "The deployment operator's tenant: its principals holding Catalog.Admin manage every organization (default: the first of AUTH_ALLOWED_TENANTS; with neither, nobody is operator). Administrators of other tenants manage only organizations that name them",
    azure: 'set',
  },
  TABLE_TIMEOUT_MS: {
    description:
      'Longest wait for one Table Storage call, milliseconds; an HTTP request whose table call times out answers 503 with Retry-After',
    azure: 'optional',
  },
  SERVICE_BUS_TIMEOUT_MS: { description: 'Longest wait for one Service Bus send, milliseconds', azure: 'optional' },
  ARM_TIMEOUT_MS: { description: 'Longest wait for one Azure Resource Manager call, milliseconds', azure: 'optional' },
  BACKGROUND_TIMEOUT_MS: {
    description:
      'Longest wait for one dependency call made by a trigger (events, queues, timers: no caller is waiting; a call that times out is retried by redelivery), milliseconds',
    azure: 'optional',
  },
  HTTP_DEADLINE_MS: {
    description:
      'The whole budget of the dependency calls of one HTTP request, milliseconds (under the 230 s of the Azure front end); each call gets the smaller of its own timeout and what is left',
    azure: 'optional',
  },
  JOBS_SWEEP_SCHEDULE: {
    description:
      'NCRONTAB schedule of the sweep that sends again submitted jobs whose message has not run (lost, or never sent because the app stopped in between)',
    azure: 'set',
  },
  JOBS_RESEND_AFTER_SECONDS: {
    description:
      'A submitted job still queued (or running with no progress) this long after its last send is sent again by the sweep',
    azure: 'optional',
  },
  JOBS_MAX_RESENDS: {
    description: 'Sends by the sweep before a job that never runs is recorded failed (not-delivered)',
    azure: 'optional',
  },
  SPOT_API_URL: {
    description:
      'Base URL of the Spot API (the Spot target, docs/apply-spot.md); `npm start` points it at the local Spot API simulator unless SPOT_API_TOKEN is set',
    azure: 'optional',
  },
  SPOT_API_TOKEN: {
    description:
      "Spot API token (Bearer) of the Spot target. In Azure a Key Vault reference to the secret `spot-api-token`, which an operator sets with `az keyvault secret set` (docs/apply-spot.md); not set, or the reference not resolved: the Spot target is not configured. Offline: the local simulator's token",
    azure: 'set',
  },
  SPOT_TIMEOUT_MS: {
    description:
      'Longest wait for one Spot API call, milliseconds (the apply sends a request that met a 429 or a 5xx again by a later follow-up: APPLY_RETRY_BASE_SECONDS, APPLY_MAX_ATTEMPTS)',
    azure: 'optional',
  },
  APPLY_POLL_BUDGET_SECONDS: {
    description:
      "Apply: how long one delivery of a job polls its target's long-running operation before it checkpoints and schedules a follow-up (keep it well under the queue's lock duration)",
    azure: 'optional',
  },
  APPLY_FOLLOW_UP_SECONDS: {
    description:
      'Apply: when a job whose operation still runs (or that waits for another job of its group) looks again, seconds',
    azure: 'optional',
  },
  APPLY_MAX_ATTEMPTS: {
    description: 'Apply: sends of a plan before a capacity, conflict or throttling failure of the target is final',
    azure: 'optional',
  },
  APPLY_RETRY_BASE_SECONDS: {
    description:
      'Apply: the wait before the first new send after such a failure, seconds; each further wait doubles, at most 30 minutes',
    azure: 'optional',
  },
};

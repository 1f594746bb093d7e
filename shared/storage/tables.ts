import {
  TableClient,
  TableServiceClient,
  type TableEntityResult,
  type TableServiceClientOptions,
} from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { isLoopback, type TableStoreSettings } from '../config.js';
import { deadlinePolicy } from '../deadlines/deadline.js';
import { errorText } from '../domain/printable.js';
import { withoutRequestSpans } from '../sdk-tracing.js';

const TABLE_RETRIES = { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 };

/** Builds Table Storage clients from the catalog connection settings (connection string or identity). */
export class TableStore {
  private readonly clients = new Map<string, TableClient>();
  private credential: TokenCredential | undefined;
  /** HTTP round trips made by the table clients of this store (benchmarks and tests read it). */
  roundTrips = 0;
  private readonly counter: PipelinePolicy = {
    name: 'countRoundTrips',
    sendRequest: (request, next) => {
      this.roundTrips++;
      return next(request);
    },
  };

  private readonly deadline: PipelinePolicy;

  /**
   * `timeouts`: the longest wait for one table call in an HTTP request (TABLE_TIMEOUT_MS, or less of
   * the request's budget) and in a trigger (BACKGROUND_TIMEOUT_MS).
   */
  constructor(
    private readonly settings: TableStoreSettings,
    private readonly options: TableServiceClientOptions = {},
    timeouts: { requestMs: number; backgroundMs: number } = { requestMs: 5_000, backgroundMs: 30_000 },
  ) {
    this.deadline = deadlinePolicy('tableStorage', timeouts.requestMs, timeouts.backgroundMs);
  }

  private opts(extra: TableServiceClientOptions = {}): TableServiceClientOptions {
    const insecure = this.endpointUrl().protocol === 'http:' && isLoopback(this.endpointUrl().hostname);
    return {
      ...(insecure ? { allowInsecureConnection: true } : {}),
      // Retries within about 1.5 s: a request during a store outage is answered 503 quickly, and
      // the queue and Event Grid redeliver what still fails (the SDK default waits up to ~6 s).
      retryOptions: TABLE_RETRIES,
      ...this.options,
      ...extra,
      additionalPolicies: [
        ...(this.options.additionalPolicies ?? []),
        { policy: this.counter, position: 'perRetry' },
        { policy: this.deadline, position: 'perRetry' },
      ],
    };
  }

  private endpointUrl(): URL {
    if (this.settings.kind === 'identity') return new URL(this.settings.tableServiceUri);
    const m = /TableEndpoint=([^;]+)/i.exec(this.settings.connectionString);
    if (m?.[1]) return new URL(m[1]);
    if (/UseDevelopmentStorage=true/i.test(this.settings.connectionString)) return new URL('http://127.0.0.1:10002');
    return new URL('https://table.core.windows.net');
  }

  private tokenCredential(): TokenCredential {
    if (this.settings.kind !== 'identity') throw new Error('no identity configured');
    this.credential ??=
      this.settings.credential === 'managedidentity'
        ? new ManagedIdentityCredential(this.settings.clientId ? { clientId: this.settings.clientId } : {})
        : new DefaultAzureCredential(this.settings.clientId ? { managedIdentityClientId: this.settings.clientId } : {});
    return this.credential;
  }

  table(name: string): TableClient {
    let client = this.clients.get(name);
    if (!client) {
      client = withoutRequestSpans(
        this.settings.kind === 'connectionString'
          ? TableClient.fromConnectionString(this.settings.connectionString, name, this.opts())
          : new TableClient(this.settings.tableServiceUri, name, this.tokenCredential(), this.opts()),
      );
      this.clients.set(name, client);
    }
    return client;
  }

  service(extra: TableServiceClientOptions = {}): TableServiceClient {
    return withoutRequestSpans(
      this.settings.kind === 'connectionString'
        ? TableServiceClient.fromConnectionString(this.settings.connectionString, this.opts(extra))
        : new TableServiceClient(this.settings.tableServiceUri, this.tokenCredential(), this.opts(extra)),
    );
  }

  /** Whether the table service answers, within `timeoutMs`, without retries. */
  async ping(timeoutMs = 3000): Promise<{ reachable: boolean; latencyMs: number; error?: string }> {
    const started = performance.now();
    const service = this.service({ retryOptions: { maxRetries: 0 } });
    try {
      await service
        .listTables({ abortSignal: AbortSignal.timeout(timeoutMs) })
        .byPage({ maxPageSize: 1 })
        .next();
      return { reachable: true, latencyMs: Math.round(performance.now() - started) };
    } catch (err) {
      return { reachable: false, latencyMs: Math.round(performance.now() - started), error: errorText(err) };
    }
  }
}

/** The HTTP status of a failed table call, if any. */
export function tableStatusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { statusCode?: unknown }).statusCode === 'number'
    ? (err as { statusCode: number }).statusCode
    : undefined;
}

/** An entity, or undefined when it does not exist (404). */
export async function getEntityOrUndefined(
  client: TableClient,
  pk: string,
  rk: string,
): Promise<TableEntityResult<Record<string, unknown>> | undefined> {
  try {
    return await client.getEntity<Record<string, unknown>>(pk, rk);
  } catch (err) {
    if (tableStatusOf(err) === 404) return undefined;
    throw err;
  }
}

/** Creates the tables once per process (a failed attempt is retried on the next call). */
export function createTablesOnce(clients: TableClient[]): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= Promise.all(clients.map((c) => c.createTable())).then(
      () => undefined,
      (err: unknown) => {
        ready = undefined;
        throw err;
      },
    );
    return ready;
  };
}

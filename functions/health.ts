import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../shared/services.js';
import { appVersion } from '../shared/version.js';

/** Liveness and readiness: the app version and whether the table store answers. */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const tables = await services().tables.ping();
  const healthy = tables.reachable;
  if (!healthy) context.warn(`Table store unreachable: ${tables.error ?? 'no answer'}`);
  return {
    status: healthy ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
    jsonBody: {
      status: healthy ? 'healthy' : 'unhealthy',
      version: appVersion(),
      checks: {
        tableStorage: { status: tables.reachable ? 'reachable' : 'unreachable', latencyMs: tables.latencyMs, ...(tables.error ? { error: tables.error } : {}) },
      },
    },
  };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });

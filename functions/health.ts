import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { services } from '../shared/services.js';
import { appVersion } from '../shared/version.js';
import { printable } from '../shared/domain/printable.js';
import type { Health } from '../shared/health.js';

/**
 * Liveness and readiness: the app version and whether the table store answers. Anonymous in
 * Azure, so a failing dependency is named, never described: its error text (hosts, ports) goes to
 * the log only.
 */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const tables = await services().tables.ping();
  const healthy = tables.reachable;
  if (!healthy) context.warn(`health: tableStorage unreachable: ${printable(tables.error ?? 'no answer')}`);
  return {
    status: healthy ? 200 : 503,
    headers: { 'cache-control': 'no-store', ...(healthy ? {} : { 'retry-after': '5' }) },
    jsonBody: {
      status: healthy ? 'healthy' : 'unhealthy',
      version: appVersion(),
      ...(healthy ? {} : { failing: ['tableStorage'] }),
      checks: {
        tableStorage: { status: tables.reachable ? 'reachable' : 'unreachable', latencyMs: tables.latencyMs },
      },
    } satisfies Health,
  };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });

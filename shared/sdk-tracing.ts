/**
 * The app registers no OpenTelemetry instrumenter for the Azure SDKs (nothing calls
 * `useInstrumenter` of @azure/core-tracing), so the per-request `tracingPolicy` of
 * @azure/core-rest-pipeline builds spans that record nothing, after sanitizing every request's URL
 * for their attributes: about 0.03 ms of CPU per request, a tenth of a one-row table read. The
 * app's SDK clients leave that policy out. The operation spans of the SDKs stay (no-ops as well), and
 * the Functions host still records each invocation. An app that adds Azure SDK instrumentation
 * removes this call with it (docs/operations.md).
 */
export const REQUEST_TRACING_POLICY = 'tracingPolicy';

/** Removes the request tracing policy from an SDK client's pipeline (any copy of core-rest-pipeline). */
export function withoutRequestSpans<T extends { pipeline: { removePolicy(options: { name: string }): unknown } }>(
  client: T,
): T {
  client.pipeline.removePolicy({ name: REQUEST_TRACING_POLICY });
  return client;
}

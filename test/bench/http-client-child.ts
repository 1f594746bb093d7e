// The HTTP client's own process (see http-client.ts): runs the calls it is sent, with keep-alive
// connections (Node's fetch), and answers their timings; stops when the parent disconnects.
import type { ClientReply, ClientRequest, ClientRunResult } from './http-client.js';

async function run(work: ClientRequest): Promise<ClientRunResult> {
  const times: number[][] = work.paths.map(() => []);
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < work.n) {
      const k = next++ % work.paths.length;
      const path = work.paths[k] as string;
      const t = performance.now();
      const res = await fetch(`${work.baseUrl}${path}`);
      await res.arrayBuffer();
      times[k]!.push(performance.now() - t);
      if (res.status !== 200) {
        failures++;
        firstFailure ??= `${res.status} ${path}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(work.concurrency, work.n) }, worker));
  return { wallMs: performance.now() - started, times, failures, ...(firstFailure ? { firstFailure } : {}) };
}

process.on('message', (m) => {
  const request = m as ClientRequest;
  run(request).then(
    (result) => process.send?.({ id: request.id, ok: true, result } satisfies ClientReply),
    (err: unknown) =>
      process.send?.({
        id: request.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      } satisfies ClientReply),
  );
});
process.once('disconnect', () => process.exit(0));
process.send?.({ ready: true });

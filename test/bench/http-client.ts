/**
 * An HTTP client in a process of its own, for benchmarks of the app's CPU per request: the calls
 * are made, timed and checked in the child, so this process spends only what answering them costs.
 * Work goes out and timings come back over the child's IPC channel.
 */
import { forkChild } from './child-process.js';
import { processCpuMs } from './harness.js';

/** `n` GETs of `paths` in turn (call k asks `paths[k % paths.length]`), at most `concurrency` in flight. */
export interface ClientRun {
  baseUrl: string;
  paths: readonly string[];
  n: number;
  concurrency: number;
}
export interface ClientRunResult {
  wallMs: number;
  /** Milliseconds per call, by index into `paths`. */
  times: number[][];
  /** Calls answered with anything but 200 (the first one's status and path). */
  failures: number;
  firstFailure?: string;
}
export type ClientRequest = ClientRun & { id: number };
export type ClientReply = { id: number; ok: true; result: ClientRunResult } | { id: number; ok: false; error: string };

export interface HttpClientProcess {
  readonly pid: number | undefined;
  run(work: ClientRun): Promise<ClientRunResult>;
  /** CPU the client process spent so far (undefined where /proc does not tell). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

export async function startHttpClientProcess(): Promise<HttpClientProcess> {
  const link = await forkChild<ClientRun, ClientReply>('http-client-child.js', [], 'the client process');
  return {
    pid: link.child.pid,
    run: async (work) => {
      const reply = await link.call(work);
      if (!reply.ok) throw new Error(reply.error);
      return reply.result;
    },
    cpuMs: () => processCpuMs(link.child.pid),
    stop: () => link.stop(),
  };
}

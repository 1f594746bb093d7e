/**
 * The ARM simulator in a process of its own, for benchmarks that measure the app's CPU: ARM is a
 * remote service, so answering its requests must not be charged to the handler being measured.
 * Resources go in and request counts come out over the child's IPC channel.
 */
import { forkChild } from './child-process.js';
import type { ArmRequestCounts, ArmSimulatorOptions, RestResourceInput } from '../../dev/arm-simulator.js';

type Op = { op: 'put'; resources: RestResourceInput[] } | { op: 'counts' };
export type ArmProcessRequest = Op & { id: number };
export interface ArmProcessReply {
  id: number;
  ok: boolean;
  counts?: ArmRequestCounts;
  error?: string;
}

export interface ArmProcess {
  endpoint: string;
  /** The child's process id (for its CPU time). */
  pid: number | undefined;
  put(resources: RestResourceInput[]): Promise<void>;
  requestCount(): Promise<ArmRequestCounts>;
  stop(): Promise<void>;
}

export async function startArmProcess(options: Pick<ArmSimulatorOptions, 'pageSize'> = {}): Promise<ArmProcess> {
  const link = await forkChild<Op, ArmProcessReply>(
    'arm-process-child.js',
    [JSON.stringify(options)],
    'the ARM simulator process',
  );
  const call = async (request: Op): Promise<ArmProcessReply> => {
    const r = await link.call(request);
    if (!r.ok) throw new Error(r.error ?? 'the ARM simulator process refused the request');
    return r;
  };
  return {
    endpoint: (link.ready as { endpoint: string }).endpoint,
    pid: link.child.pid,
    put: async (resources) => {
      await call({ op: 'put', resources });
    },
    requestCount: async () => (await call({ op: 'counts' })).counts as ArmRequestCounts,
    stop: () => link.stop(),
  };
}

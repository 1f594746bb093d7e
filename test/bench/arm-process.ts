/**
 * The ARM simulator in a process of its own, for benchmarks that measure the app's CPU: ARM is a
 * remote service, so answering its requests must not be charged to the handler being measured.
 * Resources go in and request counts come out over the child's IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  put(resources: RestResourceInput[]): Promise<void>;
  requestCount(): Promise<ArmRequestCounts>;
  stop(): Promise<void>;
}

export async function startArmProcess(options: Pick<ArmSimulatorOptions, 'pageSize'> = {}): Promise<ArmProcess> {
  const child: ChildProcess = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'arm-process-child.js'), [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (r: ArmProcessReply) => void; reject: (e: Error) => void }>();
  let next = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { endpoint: string }).endpoint));
    child.once('exit', (code) => reject(new Error(`the ARM simulator process exited with ${code} before it listened`)));
  });
  child.on('message', (m) => {
    const reply = m as ArmProcessReply;
    pending.get(reply.id)?.resolve(reply);
    pending.delete(reply.id);
  });
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error('the ARM simulator process exited'));
    pending.clear();
  });
  const call = (request: Op): Promise<ArmProcessReply> =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ ...request, id });
    }).then((reply) => {
      const r = reply as ArmProcessReply;
      if (!r.ok) throw new Error(r.error ?? 'the ARM simulator process refused the request');
      return r;
    });
  return {
    endpoint,
    put: async (resources) => {
      await call({ op: 'put', resources });
    },
    requestCount: async () => (await call({ op: 'counts' })).counts as ArmRequestCounts,
    stop: async () => {
      child.disconnect();
      await exited;
    },
  };
}

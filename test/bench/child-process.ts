/**
 * A benchmark's helper in a process of its own (a forked child of test/bench): requests go out
 * over the IPC channel with an id, replies come back with it. The child sends one message when it
 * is ready (its first), then a reply `{ id, ... }` per request; it exits when the parent disconnects.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildLink<Request, Reply> {
  child: ChildProcess;
  /** The child's first message. */
  ready: unknown;
  call(request: Request): Promise<Reply>;
  stop(): Promise<void>;
}

/** Forks `file` (next to this module) with `args`; `what` names it in errors. */
export async function forkChild<Request extends object, Reply extends { id: number }>(
  file: string,
  args: string[],
  what: string,
): Promise<ChildLink<Request, Reply>> {
  const child = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), file), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<unknown>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code} before it was ready`)));
  });
  child.on('message', (m) => {
    const reply = m as Reply;
    pending.get(reply.id)?.resolve(reply);
    pending.delete(reply.id);
  });
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error(`${what} exited`));
    pending.clear();
  });
  let next = 1;
  return {
    child,
    ready,
    call: (request) =>
      new Promise<Reply>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        child.send({ ...request, id });
      }),
    stop: async () => {
      child.disconnect();
      await exited;
    },
  };
}

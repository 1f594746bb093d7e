import fs from 'node:fs';
import functions from '@azure/functions';
import { FunctionRegistry, installFunctionsCore } from '../../dev/runtime/functions-core.js';
import { startAzurite, type RunningAzurite } from '../../dev/azurite.js';
import { ArmSimulator } from '../../dev/arm-simulator.js';
import { resetConfig } from '../../shared/config.js';
import { resetServices } from '../../shared/services.js';
import { startArmProcess, type ArmProcess } from './arm-process.js';
import { sum } from './stats.js';

const { InvocationContext } = functions;

interface StorageEnv {
  azurite: RunningAzurite;
  stop(): Promise<void>;
}
export type BenchEnv = StorageEnv & { sim: ArmSimulator };
/** Azurite and the ARM simulator each in a process of their own (see startRemoteArmBenchEnv). */
export type RemoteArmBenchEnv = StorageEnv & { arm: ArmProcess };

/** Azurite (in memory) and the ARM simulator, with the app's settings pointing at them. */
export async function startBenchEnv(tablePrefix: string): Promise<BenchEnv> {
  const sim = new ArmSimulator({ pageSize: 100 });
  const { endpoint } = await sim.start();
  return { ...(await startWithArm(tablePrefix, endpoint, () => sim.stop())), sim };
}

/**
 * Azurite and the ARM simulator each in a process of their own, as in Azure (neither answers in the
 * app's process): for benchmarks of the app's CPU per request.
 */
export async function startRemoteArmBenchEnv(tablePrefix: string): Promise<RemoteArmBenchEnv> {
  const arm = await startArmProcess({ pageSize: 100 });
  return { ...(await startWithArm(tablePrefix, arm.endpoint, () => arm.stop())), arm };
}

async function startWithArm(
  tablePrefix: string,
  armEndpoint: string,
  stopArm: () => Promise<void>,
): Promise<StorageEnv> {
  installFunctionsCore(new FunctionRegistry());
  const azurite = await startAzurite();
  pointAppAt(azurite, armEndpoint, tablePrefix);
  return {
    azurite,
    stop: async () => {
      await stopArm();
      await azurite.stop();
    },
  };
}

function pointAppAt(azurite: RunningAzurite, armEndpoint: string, tablePrefix: string): void {
  Object.assign(process.env, {
    CatalogStorage: azurite.connectionString,
    CATALOG_TABLE_PREFIX: tablePrefix,
    ARM_ENDPOINT: armEndpoint,
    ARM_CREDENTIAL: 'local',
    ARM_MAX_RETRIES: '2',
    ARM_RETRY_DELAY_MS: '50',
  });
  resetConfig();
  resetServices();
}

export function benchContext(functionName: string): InstanceType<typeof InvocationContext> {
  return new InvocationContext({ functionName, logHandler: () => undefined });
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` in flight; returns elapsed milliseconds. */
export async function runConcurrently(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return performance.now() - started;
}

/** Peak resident set size of this process while `phase` runs, sampled every 20 ms. */
export async function withPeakRss<T>(phase: () => Promise<T>): Promise<{ value: T; peakMiB: number; ms: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  try {
    const value = await phase();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMiB: peak / 2 ** 20, ms: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

/** CPU time (user + system) of another process so far, in milliseconds; undefined where /proc is not. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux this runs on (the kernel ABI fixes it for /proc). */
const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuSpent {
  /** This process: the handler and its clients. */
  appCpuMs: number;
  /** Azurite; undefined where /proc does not tell. */
  azuriteCpuMs: number | undefined;
}

/** CPU milliseconds spent by this process and by Azurite while `run` ran. */
export async function measuredCpu<T>(
  azurite: RunningAzurite,
  run: () => Promise<T>,
): Promise<CpuSpent & { result: T }> {
  const a0 = processCpuMs(azurite.pid);
  const c0 = process.cpuUsage();
  const result = await run();
  const c = process.cpuUsage(c0);
  const a1 = processCpuMs(azurite.pid);
  return {
    result,
    appCpuMs: (c.user + c.system) / 1000,
    azuriteCpuMs: a0 === undefined || a1 === undefined ? undefined : a1 - a0,
  };
}

/** The CPU of several measured runs together (Azurite's unknown if any run's is). */
export function totalCpu(runs: readonly CpuSpent[]): CpuSpent {
  return {
    appCpuMs: sum(runs.map((r) => r.appCpuMs)),
    azuriteCpuMs: runs.some((r) => r.azuriteCpuMs === undefined)
      ? undefined
      : sum(runs.map((r) => r.azuriteCpuMs ?? 0)),
  };
}

/**
 * The rate ratio (item / raw) that CPU figures of equal counts allow when this process and Azurite
 * each have a core: each is single-threaded, so the busier of the two sets a rate.
 */
export function cpuBoundRatio(item: CpuSpent, raw: CpuSpent): number | undefined {
  if (item.azuriteCpuMs === undefined || raw.azuriteCpuMs === undefined) return undefined;
  return Math.max(raw.appCpuMs, raw.azuriteCpuMs) / Math.max(item.appCpuMs, item.azuriteCpuMs);
}

import functions from '@azure/functions';
import { FunctionRegistry, installFunctionsCore } from '../../shared/devhost/functions-core.js';
import { startAzurite, type RunningAzurite } from '../../shared/devhost/azurite.js';
import { ArmSimulator } from '../../shared/devhost/arm-simulator.js';
import { resetConfig } from '../../shared/config.js';
import { resetServices } from '../../shared/services.js';

const { InvocationContext } = functions;

export interface BenchEnv {
  azurite: RunningAzurite;
  sim: ArmSimulator;
  stop(): Promise<void>;
}

/** Azurite (in memory) and the ARM simulator, with the app's settings pointing at them. */
export async function startBenchEnv(tablePrefix: string): Promise<BenchEnv> {
  installFunctionsCore(new FunctionRegistry());
  const azurite = await startAzurite();
  const sim = new ArmSimulator({ pageSize: 100 });
  const { endpoint } = await sim.start();
  Object.assign(process.env, {
    CatalogStorage: azurite.connectionString,
    CATALOG_TABLE_PREFIX: tablePrefix,
    ARM_ENDPOINT: endpoint,
    ARM_CREDENTIAL: 'local',
    ARM_MAX_RETRIES: '2',
    ARM_RETRY_DELAY_MS: '50',
  });
  resetConfig();
  resetServices();
  return {
    azurite,
    sim,
    stop: async () => {
      await sim.stop();
      await azurite.stop();
    },
  };
}

export function benchContext(functionName: string): InstanceType<typeof InvocationContext> {
  return new InvocationContext({ functionName, logHandler: () => undefined });
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` in flight; returns elapsed milliseconds. */
export async function runConcurrently(n: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
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

import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startAzurite, type RunningAzurite } from '../../dev/azurite.js';

let azurite: RunningAzurite | undefined;

/** One in-memory Azurite for the whole run, on a free port. */
export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide('azuriteConnectionString', azurite.connectionString);
  project.provide('azuritePort', azurite.port);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    azuritePort: number;
  }
}

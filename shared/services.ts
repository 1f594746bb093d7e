/**
 * The composition root: builds each adapter once from the configuration and hands the use cases
 * what they need. Function files call `services()`; nothing else reads the configuration.
 */
import { config, type Config } from './config.js';
import { TableStore } from './storage/tables.js';

export interface Services {
  config: Config;
  tables: TableStore;
}

let cached: Services | undefined;

export function services(): Services {
  if (cached) return cached;
  const cfg = config();
  cached = {
    config: cfg,
    tables: new TableStore(cfg.tables),
  };
  return cached;
}

/** Forget the built services (tests that change settings between runtimes). */
export function resetServices(): void {
  cached = undefined;
}

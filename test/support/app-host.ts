/**
 * Runs the real app in-process for end-to-end tests: the functions under functions/ (from their
 * TypeScript sources), registered through the functions-core stand-in and served by the local
 * runtime on a free port, with settings pointing at Azurite (and, when given, the ARM simulator).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadApp } from '../../shared/devhost/load-app.js';
import { LocalRuntime, type LogLine } from '../../shared/devhost/runtime.js';
import { resetConfig } from '../../shared/config.js';
import { resetServices } from '../../shared/services.js';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

export function appSourceFiles(): string[] {
  const fnDir = path.join(projectRoot, 'functions');
  return ['index.ts', ...fs.readdirSync(fnDir).filter((f) => f.endsWith('.ts')).sort().map((f) => `functions/${f}`)];
}

export interface AppHost {
  url: string;
  runtime: LocalRuntime;
  logs: LogLine[];
  tablePrefix: string;
  stop(): Promise<void>;
}

/** A table prefix no other test file uses, so files can share one Azurite. */
export function uniqueTablePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export async function startApp(settings: Record<string, string>): Promise<AppHost> {
  const tablePrefix = settings.CATALOG_TABLE_PREFIX ?? uniqueTablePrefix();
  Object.assign(process.env, { CATALOG_TABLE_PREFIX: tablePrefix, ...settings });
  resetConfig();
  resetServices();
  const registry = await loadApp(projectRoot, appSourceFiles());
  const logs: LogLine[] = [];
  const runtime = new LocalRuntime(registry, { onLog: (l) => logs.push(l), timers: false });
  const url = await runtime.start(0);
  return { url, runtime, logs, tablePrefix, stop: () => runtime.stop() };
}

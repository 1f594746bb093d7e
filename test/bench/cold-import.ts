import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, fmt } from './stats.js';

/** Cold import time of the built app entry: median over fresh processes. */
export function coldImport(runs = 7): { medianImportMs: number; medianSinceStartMs: number; functions: number; runs: number } {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cold-import-child.js');
  const imports: number[] = [];
  const totals: number[] = [];
  let functions = 0;
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [child], { encoding: 'utf8' });
    const r = JSON.parse(out) as { importMs: number; sinceProcessStartMs: number; functions: number };
    imports.push(r.importMs);
    totals.push(r.sinceProcessStartMs);
    functions = r.functions;
  }
  return { medianImportMs: median(imports), medianSinceStartMs: median(totals), functions, runs };
}

export function printColdImport(): void {
  const r = coldImport();
  console.log(`cold import of the built app (dist, ${r.functions} functions), median of ${r.runs} fresh processes: ${fmt(r.medianImportMs)} ms to import; ${fmt(r.medianSinceStartMs)} ms since process start`);
}

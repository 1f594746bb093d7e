import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, fmt } from './stats.js';

type Mode = 'bundled' | 'unbundled';

/** Cold import time of the built app: median over fresh processes, the two modes interleaved. */
export function coldImport(
  runs = 9,
): Record<Mode, { medianImportMs: number; medianSinceStartMs: number; functions: number }> & { runs: number } {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cold-import-child.js');
  const samples: Record<Mode, { imports: number[]; totals: number[]; functions: number }> = {
    bundled: { imports: [], totals: [], functions: 0 },
    unbundled: { imports: [], totals: [], functions: 0 },
  };
  for (let i = 0; i < runs; i++) {
    for (const mode of ['bundled', 'unbundled'] as const) {
      const out = execFileSync(process.execPath, [child, mode], { encoding: 'utf8' });
      const r = JSON.parse(out) as { importMs: number; sinceProcessStartMs: number; functions: number };
      samples[mode].imports.push(r.importMs);
      samples[mode].totals.push(r.sinceProcessStartMs);
      samples[mode].functions = r.functions;
    }
  }
  const of = (m: Mode) => ({
    medianImportMs: median(samples[m].imports),
    medianSinceStartMs: median(samples[m].totals),
    functions: samples[m].functions,
  });
  return { bundled: of('bundled'), unbundled: of('unbundled'), runs };
}

export function printColdImport(): void {
  const r = coldImport();
  for (const mode of ['bundled', 'unbundled'] as const) {
    const m = r[mode];
    const what =
      mode === 'bundled' ? 'bundle dist/app/main.js' : 'tsc output dist/{index,functions/*}.js + node_modules';
    console.log(
      `cold import, ${mode} (${what}, ${m.functions} functions), median of ${r.runs} fresh processes: ${fmt(m.medianImportMs)} ms to import; ${fmt(m.medianSinceStartMs)} ms since process start`,
    );
  }
  console.log(
    `cold import ratio bundled/unbundled: ${fmt(r.bundled.medianImportMs / r.unbundled.medianImportMs, 2)} (goal <= 0.33)`,
  );
}

/** What every CLI command gets: output streams, environment, working folder; and the exit codes. */
export interface CliIO {
  out(s: string): void;
  err(s: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type Output = 'table' | 'json';

/** Exit codes (documented in `gallery-catalog help`). */
export const EXIT = {
  /** Done: sent or accepted, or the job succeeded (with --wait), or the answer was printed. */
  ok: 0,
  /** The job failed or was dead-lettered, or the API refused the request (4xx: not found, forbidden, invalid). */
  failed: 1,
  /** Wrong usage, or an unreadable or invalid envelope (nothing was sent). */
  usage: 2,
  /** The API or the queue could not be reached, answered 5xx, or --wait timed out. */
  unreachable: 3,
} as const;

/** A JSON value as text for a table cell. */
export function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

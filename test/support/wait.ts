/**
 * Waits for a condition instead of sleeping and hoping: polls `condition` until it holds (returns
 * a value other than false/undefined/null), and fails naming `what` once the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  condition: () => T | false | undefined | null | Promise<T | false | undefined | null>,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const pollMs = options.pollMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== false && value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Text from a request, an event or a message, made safe for one log line: control characters
 * (C0, DEL, C1, and the Unicode line and paragraph separators) are escaped as `\n`, `\r`, `\t` or
 * `\uXXXX`, so input can never start a forged line or hide text in the log.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What a caught value says: an Error's message, or the value as text. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

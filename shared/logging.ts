import type { InvocationContext } from '@azure/functions';
import { printable } from './domain/printable.js';

const LEVELS = ['log', 'trace', 'debug', 'info', 'warn', 'error'] as const;

/**
 * Makes every log call of one invocation escape control characters in its text arguments (an
 * event id holding a newline cannot start a forged log line), in Azure as in the local runtime.
 */
export function escapeInvocationLogs(context: InvocationContext): void {
  for (const level of LEVELS) {
    const original = context[level].bind(context);
    context[level] = (...args: unknown[]): void =>
      original(...args.map((a) => (typeof a === 'string' ? printable(a) : a)));
  }
}

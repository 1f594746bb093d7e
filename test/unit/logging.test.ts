import { describe, it, expect } from 'vitest';
import functions from '@azure/functions';
import { escapeInvocationLogs } from '../../shared/logging.js';
import { printable } from '../../shared/domain/printable.js';

const { InvocationContext } = functions;

describe('log lines', () => {
  it('printable escapes every control character and the Unicode line separators, nothing else', () => {
    expect(printable('a\nb\r\tc\u0000d\u001b[31me\u007f\u0085\u2028\u2029 ü € 🚀')).toBe(
      'a\\nb\\r\\tc\\u0000d\\u001b[31me\\u007f\\u0085\\u2028\\u2029 ü € 🚀',
    );
  });

  it('every log level of an invocation escapes its text arguments', () => {
    const lines: string[] = [];
    const context = new InvocationContext({
      functionName: 'f',
      invocationId: 'i',
      logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')),
    });
    escapeInvocationLogs(context);
    context.info('event evt-1\n[forged] line');
    context.warn('x\r\ny', 42);
    context.error('e\u001b');
    context.log('l\n');
    expect(lines).toEqual(['event evt-1\\n[forged] line', 'x\\r\\ny 42', 'e\\u001b', 'l\\n']);
  });
});

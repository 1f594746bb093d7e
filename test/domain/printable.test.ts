import { describe, expect, it } from 'vitest';
import { printable } from '../../shared/domain/printable.js';

// One log line per text: control characters escaped, everything else as it is.
describe('printable', () => {
  it('escapes line breaks and tabs by name, other control characters by code point', () => {
    expect(printable('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(printable('\u0000\u0001\u001f\u007f\u0080\u009f')).toBe('\\u0000\\u0001\\u001f\\u007f\\u0080\\u009f');
    expect(printable('x\u2028y\u2029z')).toBe('x\\u2028y\\u2029z');
  });

  it('keeps printable text, quotes, backslashes and non-ASCII as they are', () => {
    for (const text of ['', 'plain text', 'quote " and \\ backslash', 'é ü 漢字 🙂', '\u00a0nbsp', '\u2027\u202a'])
      expect(printable(text)).toBe(text);
  });

  it('a forged log line stays on one line', () => {
    const forged = 'job x failed\n[error] job y succeeded\r\n';
    expect(printable(forged)).toBe('job x failed\\n[error] job y succeeded\\r\\n');
    expect(printable(forged)).not.toMatch(/[\n\r]/);
  });
});

import { describe, it, expect } from 'vitest';
import { jsonLimitProblem, formatJsonPath, DEFAULT_JSON_LIMITS } from '../../shared/http/json-limits.js';

const limits = { maxDepth: 4, maxArrayItems: 3, maxStringChars: 10 };

describe('jsonLimitProblem', () => {
  it('accepts what is within the limits, whatever the whitespace and escapes', () => {
    expect(
      jsonLimitProblem('{"a": [1, 2, {"b": "x\\"]}"}], "c": {"d": [true, null, -1.5e3]}}', limits),
    ).toBeUndefined();
    expect(jsonLimitProblem('[]', limits)).toBeUndefined();
    expect(jsonLimitProblem('"just a string"', { ...limits, maxStringChars: 20 })).toBeUndefined();
  });

  it('names the array with too many items', () => {
    const p = jsonLimitProblem('{"group": {"vmSizes": {"odSizes": [1, 2, 3, 4]}}}', limits);
    expect(p).toEqual({ path: ['group', 'vmSizes', 'odSizes'], message: 'must have at most 3 items' });
    expect(formatJsonPath('body', p!.path)).toBe('body.group.vmSizes.odSizes');
    expect(jsonLimitProblem('[[1], [1, 2, 3, 4]]', limits)?.path).toEqual([1]);
  });

  it('names where nesting goes too deep and which string is too long', () => {
    expect(jsonLimitProblem('{"a": {"b": {"c": {"d": {}}}}}', limits)).toEqual({
      path: ['a', 'b', 'c', 'd'],
      message: 'must not nest deeper than 4 levels',
    });
    expect(jsonLimitProblem('['.repeat(100_000) + ']'.repeat(100_000))?.message).toMatch(/nest/);
    expect(jsonLimitProblem('{"tags": [{"key": "k", "value": "01234567890"}]}', limits)).toEqual({
      path: ['tags', 0, 'value'],
      message: 'must be at most 10 characters',
    });
    expect(formatJsonPath('body', ['tags', 0, 'value'])).toBe('body.tags[0].value');
  });

  it('never throws on malformed JSON', () => {
    for (const t of ['{', ']]]', '{"a"', '"unterminated', '{"a":}', '[1,,2]', 'nul', '\u0000'])
      expect(() => jsonLimitProblem(t, limits)).not.toThrow();
  });

  it('costs one pass: a 256 KB body of 50,000-element arrays is refused at once', () => {
    const text = JSON.stringify({
      odSizes: Array.from({ length: 50_000 }, () => 1),
      spotSizes: Array.from({ length: 30_000 }, () => 'x'),
    });
    expect(jsonLimitProblem(text, DEFAULT_JSON_LIMITS)?.path).toEqual(['odSizes']);
  });
});

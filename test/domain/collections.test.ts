import { describe, it, expect } from 'vitest';
import { chunksOf, eachLimited, groupBy } from '../../shared/domain/collections.js';

describe('collections', () => {
  it('groupBy keeps first-seen key order and each key’s items in order', () => {
    const g = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);
    expect([...g]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ]);
    expect(groupBy([], (x: number) => x).size).toBe(0);
  });

  it('chunksOf slices in order, the last slice shorter', () => {
    expect(chunksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunksOf([1, 2], 5)).toEqual([[1, 2]]);
    expect(chunksOf([], 3)).toEqual([]);
  });

  it('eachLimited runs every item once, never more than the limit at a time, and rejects with a failure', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await eachLimited(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (i) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setImmediate(r));
        seen.push(i);
        running--;
      },
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(most).toBe(3);
    await expect(
      eachLimited([1, 2, 3], 2, (i) => (i === 2 ? Promise.reject(new Error('two')) : Promise.resolve())),
    ).rejects.toThrow('two');
    await expect(eachLimited([], 4, () => Promise.reject(new Error('never')))).resolves.toBeUndefined();
  });
});

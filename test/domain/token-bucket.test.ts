import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ARM_READ_LIMITS, TokenBucket, minimumSeconds } from '../../shared/domain/token-bucket.js';

describe('token bucket', () => {
  it('starts full, then refills at its rate up to its capacity', () => {
    const b = new TokenBucket({ capacity: 3, refillPerSecond: 10 }, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 0]);
    expect(b.take(0)).toBe(100);
    expect(b.take(50)).toBe(50);
    expect(b.take(100)).toBe(0);
    expect(b.available(10_000)).toBe(3);
  });

  it('reserves tokens ahead: each waiter gets the next slot', () => {
    const b = new TokenBucket({ capacity: 2, refillPerSecond: 25 }, 0);
    expect([0, 1, 2, 3].map(() => b.reserve(0))).toEqual([0, 0, 40, 80]);
  });

  it('never lets more than capacity + rate × time through (ARM read limits)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 400 }), (gaps) => {
        const b = new TokenBucket(ARM_READ_LIMITS, 0);
        let t = 0;
        let passed = 0;
        for (const g of gaps) {
          t += g;
          if (b.take(t) === 0) passed++;
        }
        expect(passed).toBeLessThanOrEqual(ARM_READ_LIMITS.capacity + (t / 1000) * ARM_READ_LIMITS.refillPerSecond);
      }),
    );
  });

  it('gives the shortest time for n requests', () => {
    expect(minimumSeconds(250, ARM_READ_LIMITS)).toBe(0);
    expect(minimumSeconds(1250, ARM_READ_LIMITS)).toBe(40);
  });

  it('refuses a bucket that can never pass a request', () => {
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }, 0)).toThrow();
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: 0 }, 0)).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { ArmReadThrottle } from '../../shared/arm/read-throttle.js';

// Counts and orderings, no upper time bounds (timings belong in the benchmarks): a request that
// waited for a token is counted in `waits`; one that did not is not.
describe('ARM read throttle', () => {
  it('lets everything through when off: no request waits', async () => {
    const t = new ArmReadThrottle();
    for (let i = 0; i < 1000; i++) await t.acquire('sub');
    expect(t.waits).toEqual({ count: 0, totalMs: 0 });
  });

  it('spends a burst at once, then one token per refill interval, per subscription', async () => {
    const t = new ArmReadThrottle();
    t.limits = { capacity: 5, refillPerSecond: 50 };
    const order: number[] = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => t.acquire('a').then(() => order.push(i))));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(90); // 5 more tokens at 50/s: a lower bound only
    expect(t.waits.count).toBe(5);
    // the burst first, then the waiting ones in the order they asked
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // another subscription has its own, full bucket: five more, none waits
    await Promise.all(Array.from({ length: 5 }, () => t.acquire('b')));
    expect(t.waits.count).toBe(5);
  });

  it('throttles GETs only, in the pipeline policy: a PUT passes a GET that waits', async () => {
    const t = new ArmReadThrottle();
    t.limits = { capacity: 1, refillPerSecond: 2 };
    const policy = t.policyFor('s');
    const done: string[] = [];
    const next = (label: string) => () => {
      done.push(label);
      return Promise.resolve({ status: 200 } as never);
    };
    await policy.sendRequest({ method: 'GET' } as never, next('first GET'));
    expect(t.waits.count).toBe(0);
    // the bucket is empty: the next GET waits; a PUT sent after it goes through first
    const get = policy.sendRequest({ method: 'GET' } as never, next('second GET'));
    const put = policy.sendRequest({ method: 'PUT' } as never, next('PUT'));
    await Promise.all([get, put]);
    expect(done).toEqual(['first GET', 'PUT', 'second GET']);
    expect(t.waits.count).toBe(1);
  });
});

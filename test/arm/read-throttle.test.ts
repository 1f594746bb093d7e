import { describe, expect, it } from 'vitest';
import { ArmReadThrottle } from '../../shared/arm/read-throttle.js';

describe('ARM read throttle', () => {
  it('lets everything through when off', async () => {
    const t = new ArmReadThrottle();
    const started = performance.now();
    for (let i = 0; i < 1000; i++) await t.acquire('sub');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(t.waits.count).toBe(0);
  });

  it('spends a burst at once, then one token per refill interval, per subscription', async () => {
    const t = new ArmReadThrottle();
    t.limits = { capacity: 5, refillPerSecond: 50 };
    const started = performance.now();
    await Promise.all(Array.from({ length: 10 }, () => t.acquire('a')));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(90); // 5 more tokens at 50/s
    expect(t.waits.count).toBe(5);
    // another subscription has its own, full bucket
    const other = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => t.acquire('b')));
    expect(performance.now() - other).toBeLessThan(50);
  });

  it('throttles GETs only, in the pipeline policy', async () => {
    const t = new ArmReadThrottle();
    t.limits = { capacity: 1, refillPerSecond: 1 };
    const policy = t.policyFor('s');
    const next = () => Promise.resolve({ status: 200 } as never);
    await policy.sendRequest({ method: 'GET' } as never, next);
    const started = performance.now();
    await policy.sendRequest({ method: 'PUT' } as never, next);
    expect(performance.now() - started).toBeLessThan(100);
    expect(t.waits.count).toBe(0);
  });
});

import { describe, it, expect } from 'vitest';
import {
  callTimeout,
  deadlinePolicy,
  DeadlineExceededError,
  withDeadline,
  withTimeout,
} from '../../shared/deadlines/deadline.js';

const abortError = () => Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });

describe('callTimeout', () => {
  it("is the call's own timeout outside a request, and never more than the request's budget left inside one", async () => {
    expect(callTimeout(5000)).toBe(5000);
    await withDeadline(1000, () => {
      expect(callTimeout(5000)).toBeLessThanOrEqual(1000);
      expect(callTimeout(10)).toBe(10);
      return Promise.resolve();
    });
    // the budget does not leak out of its request
    expect(callTimeout(5000)).toBe(5000);
  });

  it('gives a call outside any request (a trigger) its background timeout', async () => {
    expect(callTimeout(5000, 30_000)).toBe(30_000);
    await withDeadline(1000, () => {
      expect(callTimeout(5000, 30_000)).toBeLessThanOrEqual(1000);
      return Promise.resolve();
    });
  });
});

describe('deadlinePolicy', () => {
  it('sets the attempt timeout (keeping a shorter one already set) and turns its own abort into a DeadlineExceededError naming the dependency', async () => {
    const policy = deadlinePolicy('tableStorage', 2000);
    const seen: number[] = [];
    await policy.sendRequest({ timeout: 0 }, (r) => (seen.push(r.timeout), Promise.resolve('ok')));
    await policy.sendRequest({ timeout: 500 }, (r) => (seen.push(r.timeout), Promise.resolve('ok')));
    expect(seen).toEqual([2000, 500]);
    const err = await policy.sendRequest({ timeout: 0 }, () => Promise.reject(abortError())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect(err).toMatchObject({ dependency: 'tableStorage', timeoutMs: 2000 });
  });

  it('leaves an abort the caller asked for as it is, and any other error', async () => {
    const policy = deadlinePolicy('arm', 2000);
    const callerAbort = await policy
      .sendRequest({ timeout: 0, abortSignal: { aborted: true } }, () => Promise.reject(abortError()))
      .catch((e: unknown) => e);
    expect(callerAbort).toMatchObject({ name: 'AbortError' });
    const other = await policy
      .sendRequest({ timeout: 0 }, () => Promise.reject(new Error('boom')))
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ message: 'boom' });
  });

  it("fails at once, without calling, when the request's budget is spent", async () => {
    const policy = deadlinePolicy('tableStorage', 2000);
    let called = false;
    await withDeadline(1, async () => {
      await new Promise((r) => setTimeout(r, 5));
      const err = await policy
        .sendRequest({ timeout: 0 }, () => ((called = true), Promise.resolve('ok')))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'DeadlineExceededError', timeoutMs: 0 });
    });
    expect(called).toBe(false);
  });
});

describe('withTimeout', () => {
  it('gives the answer of a call that answers in time', async () => {
    expect(await withTimeout('serviceBus', 1000, () => Promise.resolve(42))).toBe(42);
  });

  it('aborts a call that does not answer and rejects with a DeadlineExceededError', async () => {
    let signal: AbortSignal | undefined;
    const err = await withTimeout('serviceBus', 20, (s) => ((signal = s), new Promise<never>(() => undefined))).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'DeadlineExceededError', dependency: 'serviceBus' });
    expect(signal?.aborted).toBe(true);
  });
});

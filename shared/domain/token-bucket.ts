/**
 * A token bucket, the way Azure Resource Manager throttles: `capacity` tokens, refilled at
 * `refillPerSecond`; a request takes one token, or waits until one is there. ARM's read limits
 * per subscription and principal: capacity 250, refill 25 per second ("Understand how Azure
 * Resource Manager throttles requests", learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
 * Pure: the caller passes the time.
 */
export interface TokenBucketLimits {
  capacity: number;
  refillPerSecond: number;
}

/** ARM's read limits per subscription and principal. */
export const ARM_READ_LIMITS: TokenBucketLimits = { capacity: 250, refillPerSecond: 25 };

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly limits: TokenBucketLimits,
    nowMs: number,
  ) {
    if (!(limits.capacity >= 1) || !(limits.refillPerSecond > 0))
      throw new Error('a token bucket needs a capacity of at least 1 and a positive refill rate');
    this.tokens = limits.capacity;
    this.at = nowMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.at) {
      this.tokens = Math.min(
        this.limits.capacity,
        this.tokens + ((nowMs - this.at) / 1000) * this.limits.refillPerSecond,
      );
      this.at = nowMs;
    }
  }

  /** Takes a token if one is there: 0. Otherwise takes nothing and returns the milliseconds until one will be. */
  take(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.limits.refillPerSecond) * 1000);
  }

  /** Reserves the next token, even one not there yet: the milliseconds to wait before using it (0 = now). */
  reserve(nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.limits.refillPerSecond) * 1000);
  }

  /** Tokens there now (may be negative while reservations wait). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }
}

/** The shortest time in which `requests` requests can pass a full bucket: the excess over the capacity at the refill rate. */
export function minimumSeconds(requests: number, limits: TokenBucketLimits): number {
  return Math.max(0, requests - limits.capacity) / limits.refillPerSecond;
}

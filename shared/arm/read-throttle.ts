/**
 * ARM's read throttle, applied by this client before ARM applies it: one token bucket per
 * subscription in this process (ARM's: 250 reads, refill 25 per second, per subscription and
 * principal), so that the reconcile's parallel gallery units spend the subscription's read budget
 * at its refill rate instead of running into 429s. Each request attempt (retries included) waits
 * for its token; a 429 that still comes (other instances share the principal's budget) is retried
 * by the SDK after its `Retry-After`.
 *
 * Off until `limits` is set: the composition root sets ARM's limits for real ARM; the local
 * simulator is unthrottled unless a test or benchmark turns both on.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TokenBucket, type TokenBucketLimits } from '../domain/token-bucket.js';

export class ArmReadThrottle {
  private readonly buckets = new Map<string, TokenBucket>();
  private current: TokenBucketLimits | undefined;
  /** Requests that waited for a token, and how long in all (milliseconds). */
  waits = { count: 0, totalMs: 0 };

  get limits(): TokenBucketLimits | undefined {
    return this.current;
  }

  /** Sets the limits (undefined: off); the buckets start full. */
  set limits(limits: TokenBucketLimits | undefined) {
    this.current = limits;
    this.buckets.clear();
  }

  /** Waits for a read token of the subscription (at once when the throttle is off). */
  async acquire(subscriptionId: string): Promise<void> {
    const limits = this.current;
    if (!limits) return;
    const key = subscriptionId.toLowerCase();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(limits, performance.now());
      this.buckets.set(key, bucket);
    }
    const wait = bucket.reserve(performance.now());
    if (wait > 0) {
      this.waits.count++;
      this.waits.totalMs += wait;
      // a timer may fire a millisecond early: never arrive before the token does
      await new Promise((resolve) => setTimeout(resolve, wait + 2));
    }
  }

  /** The pipeline policy of a subscription's client: every attempt takes a token. */
  policyFor(subscriptionId: string): PipelinePolicy {
    return {
      name: 'galleryCatalogArmReadThrottle',
      sendRequest: async (request, next) => {
        if (request.method === 'GET') await this.acquire(subscriptionId);
        return next(request);
      },
    };
  }
}

/** The process's ARM read throttle (one budget per subscription, shared by every ARM client). */
export const armReadThrottle = new ArmReadThrottle();

import type { Source } from "../ledger/sources.ts";

/**
 * Token buckets per source, in this gateway's memory: `rate_per_second` tokens flow in, up to
 * `burst` (default one second's worth). Several gateways each enforce the limit on their own share.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  /** Takes `events` tokens; returns 0 when allowed, else the whole seconds to wait before retrying. */
  take(source: Source, events: number, now = Date.now()): number {
    const rate = source.rate_per_second;
    if (rate === null || rate <= 0) return 0;
    const burst = source.burst ?? Math.max(1, Math.ceil(rate));
    const bucket = this.buckets.get(source.source_id) ?? { tokens: burst, updated: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    this.buckets.set(source.source_id, bucket);
    if (bucket.tokens >= events) {
      bucket.tokens -= events;
      return 0;
    }
    return Math.max(1, Math.ceil((events - bucket.tokens) / rate));
  }
}

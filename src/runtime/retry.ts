import pRetry, { AbortError } from "p-retry";
import { KppeError } from "../errors.ts";

export interface RetryPolicy {
  /** Retries after the first attempt (default 4). */
  retries: number;
  /** First delay in ms, doubled each time, with jitter (default 500). */
  minDelayMs: number;
  /** Longest delay in ms (default 8,000). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, minDelayMs: 500, maxDelayMs: 8_000 };

/**
 * True for failures that a later attempt may not see: HTTP 429 and 5xx, timeouts, dropped
 * connections. A revert, a bad argument or a rejected nonce is the same the next time.
 */
export function isTransient(error: unknown): boolean {
  const e = error as { code?: string; message?: string; status?: number; error?: { code?: number } };
  if (["SERVER_ERROR", "TIMEOUT", "NETWORK_ERROR"].includes(e?.code ?? "")) return true;
  const message = String(e?.message ?? "");
  return /\b(429|50[0-9])\b|rate limit|too many requests|timeout|ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|fetch failed|other side closed/i.test(message);
}

/**
 * Runs an RPC call with bounded retries (exponential backoff with full jitter) on transient
 * failures. When they run out, throws RPC_UNAVAILABLE naming the call, so the caller can abandon
 * the cycle cleanly and try again later.
 */
export async function withRetry<T>(
  what: string,
  call: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (message: string) => void,
): Promise<T> {
  try {
    return await pRetry(
      async () => {
        try {
          return await call();
        } catch (error) {
          throw isTransient(error) ? error : new AbortError(error as Error);
        }
      },
      {
        retries: policy.retries,
        minTimeout: policy.minDelayMs,
        maxTimeout: policy.maxDelayMs,
        factor: 2,
        randomize: true,
        onFailedAttempt: ({ error, retriesLeft, retryDelay }) => {
          if (retriesLeft > 0) onRetry(`WARNING: RPC ${what} failed (${shortMessage(error)}), retrying in ${(retryDelay / 1000).toFixed(1)}s (${retriesLeft} left)...`);
        },
      },
    );
  } catch (error) {
    if (!isTransient(error)) throw error;
    throw new KppeError("RPC_UNAVAILABLE", `RPC ${what} still failing after ${policy.retries + 1} attempts: ${shortMessage(error)}`, { cause: error });
  }
}

/** The first line of an error's message, without ethers' long diagnostic suffix, with the HTTP status if any. */
export function shortMessage(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; response?: { statusCode?: number } };
  const message = String(e?.shortMessage ?? e?.message ?? error).split("\n")[0].slice(0, 200);
  const status = e?.response?.statusCode;
  return status && !message.includes(String(status)) ? `HTTP ${status}: ${message}` : message;
}

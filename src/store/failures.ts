import pRetry from "p-retry";

/** The code of the error openStore throws when the store cannot be reached at all. */
export const STORE_UNREACHABLE = "ERR_STORE_UNREACHABLE";

/**
 * Whether a store error means "the store cannot be reached or is busy now" (retry later) rather
 * than "the store refused this write" (retrying the same write fails the same way).
 */
export function isStoreUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (code === STORE_UNREACHABLE) return true;
    // PostgreSQL SQLSTATE classes 08 (connection), 53 (resources), 57P (shut down), and
    // serialization failures / deadlocks / lock timeouts, which a retry resolves.
    if (/^(08|53)/.test(code) || /^57P0[1-3]$/.test(code) || ["40001", "40P01", "55P03"].includes(code)) return true;
    if (["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ENOTFOUND"].includes(code)) return true;
  }
  return typeof message === "string" && /connection terminated|connection error|timeout exceeded when trying to connect|not queryable|database is locked|SQLITE_BUSY|worker .*(exited|terminated)/i.test(message);
}

/**
 * Runs `attempt` until it succeeds, waiting while the store cannot be reached (0.5 s, doubling up
 * to 10 s, between tries) and saying so through `say` each time: how a process that runs until
 * stopped (the gateway, the keeper, a storage node) starts while PostgreSQL is starting or
 * restarting, as it rides out an outage once running. Any other failure is thrown at once, and
 * so is `signal`'s reason once it aborts (the process was asked to stop).
 */
export function whenReachable<T>(attempt: () => Promise<T>, say: (message: string) => void, signal?: AbortSignal): Promise<T> {
  return pRetry(attempt, {
    retries: Infinity,
    minTimeout: 500,
    maxTimeout: 10_000,
    factor: 2,
    signal,
    shouldRetry: ({ error }) => isStoreUnavailable(error),
    onFailedAttempt: ({ error, retryDelay }) => {
      if (!isStoreUnavailable(error)) return;
      const why = (error as { code?: unknown }).code === STORE_UNREACHABLE ? error.message : `the store cannot be reached (${error.message})`;
      say(`${why}; trying again in ${(retryDelay / 1000).toFixed(1)} s`);
    },
  });
}

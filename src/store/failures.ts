/**
 * Whether a store error means "the store cannot be reached or is busy now" (retry later) rather
 * than "the store refused this write" (retrying the same write fails the same way).
 */
export function isStoreUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    // PostgreSQL SQLSTATE classes 08 (connection), 53 (resources), 57P (shut down), and
    // serialization failures / deadlocks / lock timeouts, which a retry resolves.
    if (/^(08|53)/.test(code) || /^57P0[1-3]$/.test(code) || ["40001", "40P01", "55P03"].includes(code)) return true;
    if (["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ENOTFOUND"].includes(code)) return true;
  }
  return typeof message === "string" && /connection terminated|connection error|timeout exceeded when trying to connect|not queryable|database is locked|SQLITE_BUSY|worker .*(exited|terminated)/i.test(message);
}

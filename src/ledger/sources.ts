import { createHash, randomBytes } from "node:crypto";

/** An application or oracle that submits events: its quota account. */
export interface Source {
  source_id: string;
  /** sha256 (hex) of the API key; the key itself is shown once and never stored. */
  api_key_hash: string;
  /** Prepaid events left; null means unlimited. */
  credits: number | null;
  /** Sustained events per second; null means unlimited. */
  rate_per_second: number | null;
  /** Events allowed in a burst above the rate (default: one second's worth). */
  burst: number | null;
  created_at: string;
}

/** A new API key: 32 random bytes, base64url, with a recognizable prefix. */
export function newApiKey(): string {
  return "kppe_" + randomBytes(32).toString("base64url");
}

/** Keys are long random strings, so a plain sha256 is enough to store them safely. */
export function apiKeyHash(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

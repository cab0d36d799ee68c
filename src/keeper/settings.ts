import { DEFAULT_MAX_LEAVES } from "../merkle/limits.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "../runtime/retry.ts";
import { applyNumbers } from "../runtime/settings.ts";

/** How the keeper runs. Each has a K-PPE-style environment variable and a task option. */
export interface KeeperSettings {
  /** Time between cycles (BATCH_INTERVAL_MS, default 60,000). */
  intervalMs: number;
  /** Most events in one batch (MAX_EVENTS_PER_BATCH, default 256, at most 2^20). */
  maxEventsPerBatch: number;
  /** Blocks on top of an anchor's block, itself included, before receipts are written (CONFIRMATIONS, default 2). */
  confirmations: number;
  /** Fee cap in gwei (MAX_FEE_GWEI, default 5): above it anchoring pauses instead of paying (the circuit breaker). */
  maxFeeGwei: number;
  /** A transaction still pending after this long is replaced with higher fees (STUCK_TX_MS, default 180,000). */
  stuckAfterMs: number;
  /** How often a waiting keeper polls the chain (default 2,000). */
  pollMs: number;
  /** The keeper's lease on the store; another keeper takes over this long after it stops renewing (LEASE_TTL_MS, default 30,000). */
  leaseTtlMs: number;
  /** Confirmed batches rechecked on chain at each cycle, to catch a reorg deeper than the confirmations (default 16). */
  reorgCheckBatches: number;
  /** Receipts written per store transaction (default 8,192). */
  receiptChunk: number;
  retry: RetryPolicy;
}

export const DEFAULT_SETTINGS: KeeperSettings = {
  intervalMs: 60_000,
  maxEventsPerBatch: 256,
  confirmations: 2,
  maxFeeGwei: 5,
  stuckAfterMs: 180_000,
  pollMs: 2_000,
  leaseTtlMs: 30_000,
  reorgCheckBatches: 16,
  receiptChunk: 8_192,
  retry: DEFAULT_RETRY,
};

/** Environment variable of each setting that has one. */
export const SETTING_ENV = {
  intervalMs: "BATCH_INTERVAL_MS",
  maxEventsPerBatch: "MAX_EVENTS_PER_BATCH",
  confirmations: "CONFIRMATIONS",
  maxFeeGwei: "MAX_FEE_GWEI",
  stuckAfterMs: "STUCK_TX_MS",
  leaseTtlMs: "LEASE_TTL_MS",
} as const;

const LIMITS: Record<keyof typeof SETTING_ENV, [min: number, max: number, integer: boolean]> = {
  intervalMs: [100, 86_400_000, true],
  maxEventsPerBatch: [1, DEFAULT_MAX_LEAVES, true],
  confirmations: [1, 1_000, true],
  maxFeeGwei: [0.000001, 1_000_000, false],
  stuckAfterMs: [1_000, 86_400_000, true],
  leaseTtlMs: [1_000, 3_600_000, true],
};

/**
 * Settings from, in order of precedence: `given` (task options; undefined means not given), the
 * environment, the defaults. A bad value is refused with its name, the value and the valid range.
 */
export function resolveSettings(given: Partial<KeeperSettings> = {}, env: NodeJS.ProcessEnv = process.env): KeeperSettings {
  const settings: KeeperSettings = { ...DEFAULT_SETTINGS, retry: { ...DEFAULT_SETTINGS.retry, ...given.retry } };
  applyNumbers(settings, SETTING_ENV, LIMITS, given, env);
  for (const key of ["pollMs", "reorgCheckBatches", "receiptChunk"] as const) if (given[key] !== undefined) settings[key] = given[key];
  return settings;
}

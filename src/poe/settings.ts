import { DEFAULT_RETRY, type RetryPolicy } from "../runtime/retry.ts";
import { applyNumbers } from "../runtime/settings.ts";
import { DEFAULT_STUCK_AFTER_MS } from "../chain/txMonitor.ts";

/** How FlowPay batches close and are anchored. Each has an environment variable and a task option. */
export interface PoeSettings {
  /** A batch closes at this many orders (POE_MAX_ORDERS, default 100). */
  maxOrders: number;
  /** ...or this long after it opened, whichever comes first (POE_MAX_AGE_MS, default 900,000 = 15 min). */
  maxAgeMs: number;
  /** Blocks, the recording one included, before a batch counts as anchored (POE_CONFIRMATIONS, default 1). */
  confirmations: number;
  /** Time between cycles of `poe:anchor` (POE_INTERVAL_MS, default 30,000). */
  intervalMs: number;
  /** Lease on the store, so one anchorer at a time records a store's batches (LEASE_TTL_MS, default 30,000). */
  leaseTtlMs: number;
  /** Fee cap in gwei: above it nothing is sent until fees fall (MAX_FEE_GWEI, default 5, as the keeper's). */
  maxFeeGwei: number;
  /** A transaction pending this long is replaced with higher fees, under the cap (STUCK_TX_MS, default 180,000, as the keeper's). */
  stuckAfterMs: number;
  pollMs: number;
  retry: RetryPolicy;
}

export const DEFAULT_POE_SETTINGS: PoeSettings = {
  maxOrders: 100,
  maxAgeMs: 900_000,
  confirmations: 1,
  intervalMs: 30_000,
  leaseTtlMs: 30_000,
  maxFeeGwei: 5,
  stuckAfterMs: DEFAULT_STUCK_AFTER_MS,
  pollMs: 500,
  retry: DEFAULT_RETRY,
};

const ENV = {
  maxOrders: "POE_MAX_ORDERS",
  maxAgeMs: "POE_MAX_AGE_MS",
  confirmations: "POE_CONFIRMATIONS",
  intervalMs: "POE_INTERVAL_MS",
  leaseTtlMs: "LEASE_TTL_MS",
  maxFeeGwei: "MAX_FEE_GWEI",
  stuckAfterMs: "STUCK_TX_MS",
} as const;

const LIMITS: Record<keyof typeof ENV, [number, number, boolean]> = {
  maxOrders: [1, 65_536, true],
  maxAgeMs: [1_000, 604_800_000, true],
  confirmations: [1, 1_000, true],
  intervalMs: [100, 86_400_000, true],
  leaseTtlMs: [1_000, 3_600_000, true],
  maxFeeGwei: [0.000001, 1_000_000, false],
  stuckAfterMs: [1_000, 86_400_000, true],
};

/** Settings from task options (undefined: not given), then the environment, then the defaults. */
export function resolvePoeSettings(given: Partial<PoeSettings> = {}, env: NodeJS.ProcessEnv = process.env): PoeSettings {
  const settings: PoeSettings = { ...DEFAULT_POE_SETTINGS, retry: { ...DEFAULT_POE_SETTINGS.retry, ...given.retry } };
  applyNumbers(settings, ENV, LIMITS, given, env);
  if (given.pollMs !== undefined) settings.pollMs = given.pollMs;
  return settings;
}

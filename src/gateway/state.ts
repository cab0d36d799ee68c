import type { LedgerStore } from "../store/types.ts";

export type GatewayState = "IDLE" | "ACCEPTING" | "THROTTLED" | "DEGRADED" | "DOWN";

/** How long after the last accepted event the gateway still counts as ACCEPTING. */
export const ACCEPTING_WINDOW_MS = 10_000;
/** How often the store is pinged to notice it went away (and came back). */
export const STORE_PING_MS = 2_000;

/**
 * Derives the PoE gateway state from real conditions: DOWN while the store does not answer,
 * DEGRADED when a known storage node lags more than `maxNodeLag` entries, THROTTLED while a rate
 * limit is refusing someone, ACCEPTING shortly after an event was accepted, IDLE otherwise.
 */
export class StateTracker {
  private storeUp = true;
  private lastAccepted = 0;
  private lastThrottled = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly store: LedgerStore;
  private readonly nodeLag: () => number;
  private readonly maxNodeLag: number;

  constructor(store: LedgerStore, nodeLag: () => number, maxNodeLag: number) {
    this.store = store;
    this.nodeLag = nodeLag;
    this.maxNodeLag = maxNodeLag;
    this.timer = setInterval(() => void this.check(), STORE_PING_MS);
    this.timer.unref();
  }

  async check(): Promise<boolean> {
    try {
      await this.store.ping();
      this.storeUp = true;
    } catch {
      this.storeUp = false;
    }
    return this.storeUp;
  }

  markDown(): void {
    this.storeUp = false;
  }

  accepted(): void {
    this.storeUp = true;
    this.lastAccepted = Date.now();
  }

  throttled(): void {
    this.lastThrottled = Date.now();
  }

  get state(): GatewayState {
    const now = Date.now();
    if (!this.storeUp) return "DOWN";
    if (this.nodeLag() > this.maxNodeLag) return "DEGRADED";
    if (now - this.lastThrottled < ACCEPTING_WINDOW_MS) return "THROTTLED";
    if (now - this.lastAccepted < ACCEPTING_WINDOW_MS) return "ACCEPTING";
    return "IDLE";
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

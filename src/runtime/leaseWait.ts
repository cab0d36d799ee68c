import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs `cycle` until it is no longer on standby, for at most 1.5 lease TTLs: a process that just
 * crashed holds the store's lease until it expires, and a `--once` run should wait that out once.
 */
export async function cycleAfterStandby<T extends { outcome: string }>(cycle: () => Promise<T>, leaseTtlMs: number): Promise<T> {
  const deadline = Date.now() + leaseTtlMs * 1.5;
  let result = await cycle();
  while (result.outcome === "standby" && Date.now() < deadline) {
    await sleep(Math.min(1_000, leaseTtlMs / 4));
    result = await cycle();
  }
  return result;
}

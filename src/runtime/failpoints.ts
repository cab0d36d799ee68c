/**
 * Crash points for the crash tests of the keeper, the FlowPay anchorer and session anchoring. With KPPE_FAILPOINT set to one of these names the
 * process kills itself with SIGKILL when it reaches that step: a real crash, nothing flushed or
 * cleaned up. Unset (always, outside tests), each call is one comparison.
 */
export type Failpoint =
  | "after-cut"
  | "before-broadcast"
  | "after-broadcast"
  | "after-confirmations"
  | "mid-receipts"
  // FlowPay batches: checkpoint fixed, nothing sent; recordProof sent; recorded and confirmed, batch not yet updated.
  | "poe-after-checkpoint"
  | "poe-after-send"
  | "poe-after-record"
  // Lucid sessions: registerSession sent and mined, the manifest not yet completed.
  | "session-after-broadcast"
  | "session-after-send";

export function failpoint(name: Failpoint): void {
  if (process.env.KPPE_FAILPOINT === name) process.kill(process.pid, "SIGKILL");
}

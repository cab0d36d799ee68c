import { explorerAddressUrl, explorerTxUrl, type AnchorReceipt, type AnchorReceiptV1 } from "./format.ts";
import type { CheckResult, OfflineVerification } from "./verify.ts";

export type VerdictStatus = "verified" | "verified-except" | "not-verified";

export interface Verdict {
  status: VerdictStatus;
  failed: string[];
  /** Checks that were not made: never counted as passed. */
  skipped: string[];
  /** One line: NOT VERIFIED with what failed; VERIFIED only when every check was made; otherwise VERIFIED EXCEPT, naming what was not checked. */
  line: string;
}

/** The verdict over `checks`; `verified` says what a full pass proves. */
export function verdictOf(checks: CheckResult[], verified: string): Verdict {
  const failed = checks.filter((c) => !c.ok && !c.skipped).map((c) => c.name);
  const skipped = checks.filter((c) => c.skipped).map((c) => c.name);
  if (failed.length > 0) return { status: "not-verified", failed, skipped, line: `NOT VERIFIED: ${failed.join(", ")} failed` };
  if (skipped.length > 0) return { status: "verified-except", failed, skipped, line: `VERIFIED EXCEPT what was not checked (${skipped.join(", ")}): ${verified}` };
  return { status: "verified", failed, skipped, line: `VERIFIED: ${verified}` };
}

/** One line per check: ok, FAIL, or skip with why. */
export function checkLine(check: CheckResult): string {
  return `${check.skipped ? "skip" : check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(22)} ${check.detail}`;
}

export interface ReceiptVerification {
  receipt: AnchorReceipt | AnchorReceiptV1;
  checks: CheckResult[];
  verdict: Verdict;
  /** What the receipt claims, in one line: event, sequence, batch, chain, time and transaction. */
  claim: string;
  /** The anchoring transaction and the contract on the chain's block explorer (from the chain id, not from the receipt's text), or null. */
  explorer: { tx: string; contract: string } | null;
}

/**
 * A receipt's whole verification from its offline checks and, when the chain was asked, the
 * on-chain ones (undefined: reported as not checked), with the verdict and what the receipt claims.
 */
export function receiptVerification(offline: OfflineVerification, onChain?: CheckResult[]): ReceiptVerification {
  const { receipt } = offline;
  const checks = [
    ...offline.checks,
    ...(onChain ?? [{ name: "on chain", ok: false, skipped: true as const, detail: "not checked on chain (offline): nothing shows the batch was anchored; give an RPC URL and the KPPEAnchor you trust to check it" }]),
  ];
  const { event, batch, anchor, ledger_entry: entry } = receipt;
  const tx = explorerTxUrl(anchor.chain_id, anchor.tx_hash);
  const when = "block_time" in anchor && anchor.block_time !== null ? ` at ${new Date(anchor.block_time * 1000).toISOString()}` : "";
  return {
    receipt,
    checks,
    verdict: verdictOf(checks, `${event.event_id} is entry ${entry.fifo_sequence} of the log anchored in batch #${batch.batch_id} on chain ${anchor.chain_id}`),
    claim: `receipt of ${event.event_id}: sequence ${entry.fifo_sequence}, batch #${batch.batch_id} (leaf ${batch.leaf_index} of ${batch.event_count}), anchored on chain ${anchor.chain_id}${when} by tx ${anchor.tx_hash}`,
    explorer: tx ? { tx, contract: explorerAddressUrl(anchor.chain_id, anchor.contract)! } : null,
  };
}

/** The verification as a person reads it: the claim and its explorer link, a line per check, the verdict. */
export function verificationLines(result: ReceiptVerification): string[] {
  return [result.claim + (result.explorer ? `\n  ${result.explorer.tx}` : ""), ...result.checks.map(checkLine), result.verdict.line];
}

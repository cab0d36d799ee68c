import type { Provider } from "ethers";
import { explorerAddressUrl, explorerTxUrl, type AnchorReceipt, type AnchorReceiptV1 } from "./format.ts";
import { verifyOnChain, type TrustedAnchor } from "./onchain.ts";
import { verdictOf, type Verdict } from "./verdict.ts";
import { verifyReceiptOffline, type CheckResult, type OfflineOptions } from "./verify.ts";

export interface ReceiptVerifyOptions extends OfflineOptions {
  /** Where to check the anchoring: a read-only provider and the KPPEAnchor the verifier trusts. Absent: not checked on chain (reported as such). */
  chain?: TrustedAnchor & { provider: Provider };
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

/** Every check of a receipt, offline and (given `chain`) on chain, with the verdict. */
export async function verifyReceipt(input: string | unknown, options: ReceiptVerifyOptions = {}): Promise<ReceiptVerification> {
  const offline = verifyReceiptOffline(input, options);
  const checks = [...offline.checks];
  const { receipt } = offline;
  if (!options.chain) {
    checks.push({ name: "on chain", ok: false, skipped: true, detail: "not checked on chain (offline): nothing shows the batch was anchored" });
  } else {
    try {
      checks.push(...(await verifyOnChain(receipt, options.chain.provider, options.chain)));
    } catch (error) {
      checks.push({ name: "on chain", ok: false, detail: `could not read the chain: ${(error as Error).message.split("\n")[0]}` });
    }
  }
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

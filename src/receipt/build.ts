import type { KppeTree } from "../merkle/kppeTree.ts";
import { explorerProof, explorerTxUrl, RECEIPT_FORMAT, type AnchorReceipt } from "./format.ts";

export interface ReceiptParts {
  event: AnchorReceipt["event"];
  ledgerEntry: AnchorReceipt["ledger_entry"];
  batchId: bigint | number | string;
  /** The batch's first ledger sequence. */
  firstSequence: number;
  leafIndex: number;
  /** The batch's tree, or anything that gives the same proof, root, depth and count (a stored receipt). */
  tree: Pick<KppeTree, "proof" | "root" | "depth" | "leafCount">;
  prevRoot: string;
  log: AnchorReceipt["log"];
  anchor: Omit<AnchorReceipt["anchor"], "explorer">;
}

/** Assembles the self-contained receipt (version 2) of one event in an anchored batch. */
export function buildReceipt(parts: ReceiptParts): AnchorReceipt {
  const proof = parts.tree.proof(parts.leafIndex);
  const batchId = BigInt(parts.batchId).toString();
  return {
    format: RECEIPT_FORMAT,
    event: parts.event,
    ledger_entry: parts.ledgerEntry,
    batch: {
      batch_id: batchId,
      first_sequence: parts.firstSequence,
      leaf_index: parts.leafIndex,
      event_count: parts.tree.leafCount,
      tree_depth: parts.tree.depth,
      root: parts.tree.root,
      prev_root: parts.prevRoot,
      proof,
    },
    log: parts.log,
    anchor: { ...parts.anchor, explorer: explorerTxUrl(parts.anchor.chain_id, parts.anchor.tx_hash) },
    verify_proof_view: {
      batchId,
      eventHash: parts.event.payload_hash,
      proof: explorerProof(proof),
      leafIndex: String(parts.leafIndex),
    },
  };
}

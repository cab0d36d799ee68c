import { clientHash } from "../hashing/canonical.ts";
import { eventHash } from "../hashing/eventHash.ts";
import { depthFor } from "../merkle/limits.ts";
import { verifyKppeProof } from "../merkle/kppeTree.ts";
import { explorerProof, parseReceipt, type AnchorReceipt } from "./format.ts";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface OfflineVerification {
  ok: boolean;
  checks: CheckResult[];
  receipt: AnchorReceipt;
}

/**
 * Checks everything a receipt claims that needs no network: the client hash (when the event body
 * is in the receipt or given), the ledger entry's hash, depth and index bounds, the proof to the
 * root, and that the explorer arguments say the same as the receipt. Each check is reported.
 * The on-chain checks (`verifyProofView`, `getBatch`) are in `verifyOnChain`.
 */
export function verifyReceiptOffline(input: string | unknown, options: { eventBody?: unknown } = {}): OfflineVerification {
  const receipt = parseReceipt(input);
  const { event, ledger_entry: entry, batch } = receipt;
  const checks: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  const body = options.eventBody ?? event.body;
  if (body === undefined) {
    check("client hash", true, "skipped: no event body in the receipt or given; payload_hash taken as is");
  } else {
    let computed: string;
    try {
      computed = clientHash(body);
    } catch (error) {
      computed = `not hashable (${(error as Error).message})`;
    }
    check("client hash", computed === event.payload_hash, `keccak256(canonical body) = ${computed}, payload_hash = ${event.payload_hash}`);
  }

  const recomputed = eventHash({ ...event, ...entry });
  check("ledger entry hash", recomputed === entry.event_hash, `recomputed ${recomputed}, receipt says ${entry.event_hash}`);

  const expectedDepth = depthFor(batch.event_count);
  check("tree depth", batch.tree_depth === expectedDepth, `tree_depth ${batch.tree_depth}, ceil(log2(${batch.event_count})) = ${expectedDepth}`);
  check(
    "proof length",
    batch.proof.length === batch.tree_depth,
    `${batch.proof.length} hashes, tree_depth ${batch.tree_depth}`,
  );
  check("leaf index", batch.leaf_index < batch.event_count, `leaf_index ${batch.leaf_index} of ${batch.event_count} events`);

  const included = verifyKppeProof({
    root: batch.root,
    leaf: event.payload_hash,
    proof: batch.proof,
    leafIndex: batch.leaf_index,
    leafCount: batch.event_count,
  });
  check("proof to root", included, included ? `payload_hash reaches root ${batch.root}` : `payload_hash does not reach root ${batch.root}`);

  const args = receipt.verify_proof_view;
  const argsMatch =
    args.batchId === batch.batch_id &&
    args.eventHash === event.payload_hash &&
    args.proof === explorerProof(batch.proof) &&
    args.leafIndex === String(batch.leaf_index);
  check("explorer arguments", argsMatch, argsMatch ? "verify_proof_view matches the receipt" : "verify_proof_view differs from the receipt's batch and proof");

  return { ok: checks.every((c) => c.ok), checks, receipt };
}

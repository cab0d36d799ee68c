import { Contract, type Provider } from "ethers";
import { KPPE_ANCHOR_ABI } from "../keeper/abi.ts";
import type { AnchorReceipt } from "./format.ts";
import type { CheckResult } from "./verify.ts";

/**
 * Checks a receipt against the chain it names: the provider is on the receipt's chain, the batch
 * exists with the receipt's root, count, depth and previous root, and `verifyProofView` accepts
 * the proof. Needs only a read-only provider.
 */
export async function verifyOnChain(receipt: AnchorReceipt, provider: Provider): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const { chainId } = await provider.getNetwork();
  const onChain = Number(chainId) === receipt.anchor.chain_id;
  checks.push({ name: "chain id", ok: onChain, detail: `provider is on chain ${chainId}, receipt names ${receipt.anchor.chain_id}` });
  if (!onChain) return checks;

  const anchor = new Contract(receipt.anchor.contract, KPPE_ANCHOR_ABI, provider);
  const { batch } = receipt;
  const stored = await anchor.getBatch(batch.batch_id);
  const same =
    stored.exists &&
    stored.merkleRoot === batch.root &&
    Number(stored.eventCount) === batch.event_count &&
    Number(stored.treeDepth) === batch.tree_depth &&
    stored.prevRoot === batch.prev_root;
  checks.push({
    name: "batch on chain",
    ok: same,
    detail: stored.exists
      ? `getBatch(${batch.batch_id}): root ${stored.merkleRoot}, ${stored.eventCount} events, depth ${stored.treeDepth}, prevRoot ${stored.prevRoot}`
      : `getBatch(${batch.batch_id}): no such batch on ${receipt.anchor.contract}`,
  });
  const verified: boolean = await anchor.verifyProofView(batch.batch_id, receipt.event.payload_hash, batch.proof, batch.leaf_index);
  checks.push({ name: "verifyProofView", ok: verified, detail: `verifyProofView returned ${verified}` });
  return checks;
}

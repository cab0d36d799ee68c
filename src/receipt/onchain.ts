import { Contract, Interface, type Provider } from "ethers";
import { KPPE_ANCHOR_ABI } from "../chain/kppeAnchorAbi.ts";
import { RECEIPT_FORMAT_V1, type AnchorReceipt, type AnchorReceiptV1 } from "./format.ts";
import type { CheckResult } from "./verify.ts";

/** What the verifier trusts, from its own configuration: never taken from the receipt. */
export interface TrustedAnchor {
  /** The KPPEAnchor deployment the verifier trusts. */
  contract: string;
  /** The chain it is on; default: the provider's. */
  chainId?: number;
}

const anchorInterface = new Interface(KPPE_ANCHOR_ABI);

/**
 * Checks a receipt against the trusted KPPEAnchor: the provider's chain and the contract are the
 * verifier's, and the receipt must name the same ones; the anchoring transaction is mined in the
 * receipt's block, sent to that contract, and its logs anchor this batch with this root (and,
 * version 2, this log size and root); the block's time is the receipt's; `getBatch` agrees;
 * `verifyLogInclusion` (version 2) and `verifyProofView` accept the proofs. Needs only a
 * read-only provider.
 */
export async function verifyOnChain(receipt: AnchorReceipt | AnchorReceiptV1, provider: Provider, trusted: TrustedAnchor): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const { anchor, batch } = receipt;
  const chainId = Number((await provider.getNetwork()).chainId);
  const trustedChain = trusted.chainId ?? chainId;
  const contract = trusted.contract.toLowerCase();
  check("chain", chainId === trustedChain && anchor.chain_id === trustedChain, `provider on chain ${chainId}, verifier trusts chain ${trustedChain}, receipt names chain ${anchor.chain_id}`);
  check(
    "contract",
    anchor.contract.toLowerCase() === contract,
    anchor.contract.toLowerCase() === contract ? `${contract}, the verifier's` : `the receipt names ${anchor.contract.toLowerCase()}, the verifier trusts ${contract}: a receipt can name any deployment`,
  );
  if (checks.some((c) => !c.ok)) return checks;

  const tx = await provider.getTransactionReceipt(anchor.tx_hash);
  const logs = (tx?.logs ?? []).filter((l) => l.address.toLowerCase() === contract).map((l) => anchorInterface.parseLog(l)).filter((l) => l !== null);
  const anchored = logs.find((l) => l.name === "KPPEMerkleAnchored" && l.args.batchId.toString() === batch.batch_id);
  check(
    "anchoring transaction",
    tx !== null && tx.status === 1 && tx.blockNumber === anchor.block_number && tx.to?.toLowerCase() === contract,
    tx ? `tx ${anchor.tx_hash}: status ${tx.status}, block ${tx.blockNumber} (receipt says ${anchor.block_number}), to ${tx.to}` : `tx ${anchor.tx_hash} is not on this chain`,
  );
  check(
    "anchoring event",
    anchored !== undefined && anchored.args.merkleRoot === batch.root && Number(anchored.args.eventCount) === batch.event_count,
    anchored ? `KPPEMerkleAnchored(batch ${batch.batch_id}, root ${anchored.args.merkleRoot}, ${anchored.args.eventCount} events)` : `the transaction emitted no KPPEMerkleAnchored for batch ${batch.batch_id} from ${contract}`,
  );
  if ("block_time" in anchor && anchor.block_time !== null) {
    const block = await provider.getBlock(anchor.block_number);
    check("block time", block?.timestamp === anchor.block_time, `block ${anchor.block_number} at ${block?.timestamp}, receipt says ${anchor.block_time}`);
  }

  const kppe = new Contract(contract, KPPE_ANCHOR_ABI, provider);
  const stored = await kppe.getBatch(batch.batch_id);
  const same = stored.exists && stored.merkleRoot === batch.root && Number(stored.eventCount) === batch.event_count && Number(stored.treeDepth) === batch.tree_depth && stored.prevRoot === batch.prev_root;
  check(
    "batch on chain",
    same,
    stored.exists ? `getBatch(${batch.batch_id}): root ${stored.merkleRoot}, ${stored.eventCount} events, depth ${stored.treeDepth}, prevRoot ${stored.prevRoot}` : `getBatch(${batch.batch_id}): no such batch on ${contract}`,
  );

  if (receipt.format === RECEIPT_FORMAT_V1 || receipt.log === null) {
    checks.push({ name: "log inclusion on chain", ok: false, skipped: true, detail: "no log proof in this receipt: the event's position is not proven on chain" });
  } else {
    const { log, ledger_entry: entry } = receipt;
    const checkpointEvent = logs.find((l) => l.name === "LogCheckpointAnchored" && l.args.batchId.toString() === batch.batch_id);
    check(
      "checkpoint event",
      checkpointEvent !== undefined && Number(checkpointEvent.args.logSize) === log.size && checkpointEvent.args.logRoot === log.root,
      checkpointEvent ? `LogCheckpointAnchored(batch ${batch.batch_id}, log size ${checkpointEvent.args.logSize}, log root ${checkpointEvent.args.logRoot})` : `the transaction anchored no log checkpoint for batch ${batch.batch_id}`,
    );
    const onChain: boolean = await kppe.verifyLogInclusion(batch.batch_id, log.index, entry.event_hash, entry.content_hash, log.proof);
    check("verifyLogInclusion", onChain, `verifyLogInclusion(${batch.batch_id}, ${log.index}, event_hash, content_hash, proof) returned ${onChain}`);
  }
  const verified: boolean = await kppe.verifyProofView(batch.batch_id, receipt.event.payload_hash, batch.proof, batch.leaf_index);
  check("verifyProofView", verified, `verifyProofView returned ${verified}`);
  return checks;
}

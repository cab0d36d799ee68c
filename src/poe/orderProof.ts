import { KppeError } from "../errors.ts";
import { FlowPayTree, verifyFlowPayProof } from "../merkle/flowPayTree.ts";
import type { RecorderChain } from "../chain/recorderChain.ts";
import type { CheckResult } from "../receipt/verify.ts";
import type { LedgerStore } from "../store/types.ts";
import { flowPayCheckpoint } from "./checkpoint.ts";

/** An order's inclusion proof in its FlowPay batch, verifiable with no database (docs/flowpay.md). */
export interface OrderProof {
  format: "flowpay-order-proof/1";
  order_id: string;
  /** The leaf: the order's settlement tx hash. */
  tx_hash: string;
  batch_id: number;
  batch_size: number;
  /** Position among the batch's sorted leaves; with `batch_size` it fixes the proof's length. */
  leaf_index: number;
  proof: string[];
  root: string;
  /** sha256(root || uint64 checkpoint_timestamp || uint256 batch_id): the on-chain `proofId`. */
  checkpoint: string;
  checkpoint_timestamp: number;
  chain_id: number;
  /** ProofRecorder address. */
  contract: string;
  network: string | null;
  anchor_tx_hash: string | null;
  block_number: number | null;
  anchored_at: string | null;
}

/** The proof of `orderId`, once its batch's checkpoint is fixed (status `anchoring` or `anchored`). */
export async function buildOrderProof(store: LedgerStore, orderId: string): Promise<OrderProof> {
  const order = await store.poe.findOrder(orderId);
  if (!order) throw new KppeError("ORDER_NOT_FOUND", `no order ${JSON.stringify(orderId)} in this store: add it with npx hardhat poe:add-order`);
  const batch = (await store.poe.findPoeBatch(order.poeBatchId!))!;
  if (batch.status === "open" || batch.status === "closed") {
    throw new KppeError("ORDER_NOT_ANCHORED", `order ${JSON.stringify(orderId)} is in PoE batch #${batch.id}, which is ${batch.status} and not anchored yet: run npx hardhat poe:anchor${batch.status === "open" ? " --now" : ""}`);
  }
  const orders = await store.poe.batchOrders(batch.id);
  const tree = FlowPayTree.fromHex(
    orders.map((o) => o.txHash),
    { maxLeaves: Math.max(orders.length, 1) },
  );
  const leafIndex = tree.indexOf(order.txHash);
  return {
    format: "flowpay-order-proof/1",
    order_id: order.id,
    tx_hash: order.txHash,
    batch_id: batch.id,
    batch_size: batch.batchSize,
    leaf_index: leafIndex,
    proof: tree.proof(leafIndex),
    root: tree.root,
    checkpoint: batch.checkpointHash!,
    checkpoint_timestamp: batch.checkpointTimestamp!,
    chain_id: batch.chainId!,
    contract: batch.contract!,
    network: batch.network,
    anchor_tx_hash: batch.anchorTxHash,
    block_number: batch.blockNumber,
    anchored_at: batch.anchoredAt,
  };
}

/** Checks that need nothing but the proof: the Merkle path (with its exact length) and the checkpoint. */
export function verifyOrderProofOffline(p: OrderProof): CheckResult[] {
  const pathOk = verifyFlowPayProof({ root: p.root, leaf: p.tx_hash, proof: p.proof, leafIndex: p.leaf_index, leafCount: p.batch_size });
  const checkpoint = flowPayCheckpoint(p.root, p.checkpoint_timestamp, p.batch_id);
  return [
    { name: "merkle proof", ok: pathOk, detail: pathOk ? `tx hash ${p.tx_hash} is leaf ${p.leaf_index} of ${p.batch_size} under root ${p.root}` : `the proof does not lead from ${p.tx_hash} to root ${p.root}` },
    {
      name: "checkpoint",
      ok: checkpoint === p.checkpoint.toLowerCase(),
      detail: checkpoint === p.checkpoint.toLowerCase() ? `sha256(root, ${p.checkpoint_timestamp}, ${p.batch_id}) = ${checkpoint}` : `sha256(root, timestamp, batch id) is ${checkpoint}, the proof says ${p.checkpoint}`,
    },
  ];
}

/**
 * Checks against ProofRecorder: the checkpoint is recorded with this root and the batch size the
 * proof claims, and the contract accepts the path with the size it recorded (never the proof's).
 */
export async function verifyOrderProofOnChain(p: OrderProof, chain: RecorderChain): Promise<CheckResult[]> {
  const record = await chain.getCheckpointRecord(p.checkpoint);
  const recorded = record.recordedAt !== 0 && record.root.toLowerCase() === p.root.toLowerCase();
  const accepted = await chain.verifyCheckpointProof(p.checkpoint, p.tx_hash, p.proof, p.leaf_index);
  return [
    {
      name: "recorded root",
      ok: recorded,
      detail:
        record.recordedAt === 0
          ? `checkpoint ${p.checkpoint} is not recorded on chain ${chain.target.chainId} at ${chain.target.contract}`
          : recorded
            ? `recorded at ${new Date(record.recordedAt * 1000).toISOString()} with root ${record.root}`
            : `recorded with root ${record.root}, not ${p.root}`,
    },
    {
      name: "batch size",
      ok: record.recordedAt !== 0 && record.leafCount === p.batch_size,
      detail: `${record.leafCount} orders recorded on chain, the proof says ${p.batch_size}`,
    },
    { name: "verifyCheckpointProof", ok: accepted, detail: accepted ? `the contract accepts the path at position ${p.leaf_index} of the ${record.leafCount} orders it recorded` : "the contract refuses the proof" },
  ];
}

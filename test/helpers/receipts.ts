import { randomUUID } from "node:crypto";
import type { BatchRecord, ReceiptRecord } from "../../src/store/types.ts";

/** Rows of the keeper's tables made directly, to test the stores' handling of them. */
export const RECEIPT_TARGET = { chainId: 31337, contract: "0x" + "cd".repeat(20) };

export const hash32 = (n: number) => "0x" + n.toString(16).padStart(64, "0");

/** A confirmed batch of `count` events on RECEIPT_TARGET. */
export function confirmedBatch(count: number): BatchRecord {
  const now = new Date().toISOString();
  return {
    ...RECEIPT_TARGET, id: randomUUID(), batchNumber: 1, firstSequence: 1, lastSequence: count, eventCount: count, treeDepth: Math.ceil(Math.log2(Math.max(count, 2))),
    merkleRoot: hash32(1), batchTimestamp: 1, status: "confirmed", txHash: hash32(2), txAttempts: [], blockNumber: 1, prevRoot: hash32(0), error: null,
    createdAt: now, confirmedAt: now, logRoot: null, logProof: null, blockTime: 1, witnessSignatures: null,
  };
}

/** The receipt of `batch`'s leaf `leafIndex` for `eventId`, with `proof` (two made-up nodes unless given). */
export function receiptRow(batch: BatchRecord, leafIndex: number, eventId: string, proof = [hash32(100 + leafIndex), hash32(200 + leafIndex)]): ReceiptRecord {
  return {
    id: randomUUID(), eventId, fifoSequence: leafIndex + 1, batchId: batch.id, clientHash: hash32(300 + leafIndex), leafIndex,
    proof, root: batch.merkleRoot, txHash: batch.txHash!, verified: true, createdAt: "2026-12-05T04:00:00.000Z",
  };
}

import type { BatchRecord, BatchStatus, ReceiptRecord } from "./types.ts";

/** Column order of `merkle_batches` INSERTs in both stores. */
export const BATCH_COLUMNS = [
  "id",
  "chain_id",
  "contract",
  "batch_number",
  "first_sequence",
  "last_sequence",
  "event_count",
  "tree_depth",
  "merkle_root",
  "batch_timestamp",
  "status",
  "tx_hash",
  "tx_attempts",
  "block_number",
  "prev_root",
  "error",
  "created_at",
  "confirmed_at",
  "log_root",
  "log_proof",
  "block_time",
  "witness_signatures",
] as const;

/** Column order of `event_receipts` INSERTs in both stores. */
export const RECEIPT_COLUMNS = ["id", "event_id", "fifo_sequence", "batch_id", "client_hash", "leaf_index", "proof", "root", "tx_hash", "verified", "created_at"] as const;

/** Names of BatchUpdate fields as columns. */
export const UPDATE_COLUMNS: Record<string, string> = {
  status: "status",
  txHash: "tx_hash",
  txAttempts: "tx_attempts",
  blockNumber: "block_number",
  prevRoot: "prev_root",
  error: "error",
  confirmedAt: "confirmed_at",
  blockTime: "block_time",
};

export function batchValues(b: BatchRecord): Array<string | number | null> {
  return [
    b.id,
    b.chainId,
    b.contract,
    b.batchNumber,
    b.firstSequence,
    b.lastSequence,
    b.eventCount,
    b.treeDepth,
    b.merkleRoot,
    b.batchTimestamp,
    b.status,
    b.txHash,
    JSON.stringify(b.txAttempts),
    b.blockNumber,
    b.prevRoot,
    b.error,
    b.createdAt,
    b.confirmedAt,
    b.logRoot,
    b.logProof === null ? null : JSON.stringify(b.logProof),
    b.blockTime,
    b.witnessSignatures,
  ];
}

/** A column value as the stores take it (JSON columns as text). */
export function columnValue(value: unknown): string | number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "object") return JSON.stringify(value);
  return value as string | number;
}

export function receiptValues(r: ReceiptRecord, verified: number | boolean): Array<string | number | boolean> {
  return [r.id, r.eventId, r.fifoSequence, r.batchId, r.clientHash, r.leafIndex, JSON.stringify(r.proof), r.root, r.txHash, verified, r.createdAt];
}

const json = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value);
const time = (value: unknown) => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value));
const maybeNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value));

export function batchFromRow(row: Record<string, unknown>): BatchRecord {
  return {
    id: String(row.id),
    chainId: Number(row.chain_id),
    contract: String(row.contract),
    batchNumber: Number(row.batch_number),
    firstSequence: Number(row.first_sequence),
    lastSequence: Number(row.last_sequence),
    eventCount: Number(row.event_count),
    treeDepth: Number(row.tree_depth),
    merkleRoot: String(row.merkle_root),
    batchTimestamp: Number(row.batch_timestamp),
    status: String(row.status) as BatchStatus,
    txHash: (row.tx_hash as string | null) ?? null,
    txAttempts: json(row.tx_attempts ?? "[]"),
    blockNumber: maybeNumber(row.block_number),
    prevRoot: (row.prev_root as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    createdAt: time(row.created_at)!,
    confirmedAt: time(row.confirmed_at),
    logRoot: (row.log_root as string | null) ?? null,
    logProof: row.log_proof === null || row.log_proof === undefined ? null : json(row.log_proof),
    blockTime: maybeNumber(row.block_time),
    witnessSignatures: (row.witness_signatures as string | null) ?? null,
  };
}

export function receiptFromRow(row: Record<string, unknown>): ReceiptRecord {
  return {
    id: String(row.id),
    eventId: String(row.event_id),
    fifoSequence: Number(row.fifo_sequence),
    batchId: String(row.batch_id),
    clientHash: String(row.client_hash),
    leafIndex: Number(row.leaf_index),
    proof: json(row.proof),
    root: String(row.root),
    txHash: String(row.tx_hash),
    verified: Boolean(row.verified),
    createdAt: time(row.created_at)!,
  };
}

/** Splits a joined receipt+batch row whose batch columns are prefixed with `b_`. */
export function splitJoined(row: Record<string, unknown>): { receipt: ReceiptRecord; batch: BatchRecord } {
  const batchRow: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key.startsWith("b_")) batchRow[key.slice(2)] = value;
  return { receipt: receiptFromRow(row), batch: batchFromRow(batchRow) };
}

/** `b.col AS b_col, …` for a join that splitJoined can take apart. */
export const BATCH_SELECT_PREFIXED = BATCH_COLUMNS.map((c) => `b.${c} AS b_${c}`).join(", ");

/** Migration of both stores: the witness signatures a checkpoint was anchored with. */
export const WITNESS_SIGNATURES_MIGRATION = "ALTER TABLE merkle_batches ADD COLUMN witness_signatures TEXT;";

/** Migration of both stores: the checkpoint a batch anchors, and its block's time. */
export const CHECKPOINT_COLUMNS_MIGRATION = (integer: string) => `
  ALTER TABLE merkle_batches ADD COLUMN log_root TEXT;
  ALTER TABLE merkle_batches ADD COLUMN log_proof TEXT;
  ALTER TABLE merkle_batches ADD COLUMN block_time ${integer};`;

import type { AnchorTarget } from "../chain/anchorChain.ts";
import type { TxAttempt } from "../chain/txMonitor.ts";

// The keeper's tables (merkle_batches, event_receipts, keeper_leases): what it keeps beside the ledger.

/** Batch statuses as in the K-PPE `merkle_batches` table. */
export type BatchStatus = "pending" | "submitted" | "confirmed" | "failed";

/** A contiguous range of the ledger and what became of its root (a `merkle_batches` row). */
export interface BatchRecord extends AnchorTarget {
  /** UUID. */
  id: string;
  /** The contract's `batchId`. */
  batchNumber: number;
  firstSequence: number;
  lastSequence: number;
  eventCount: number;
  treeDepth: number;
  merkleRoot: string;
  /** The `timestamp` argument of `anchorMerkleRoot` (unix seconds at the cut), kept so a resend is identical. */
  batchTimestamp: number;
  status: BatchStatus;
  /** The attempt that was mined, else the latest one sent. */
  txHash: string | null;
  txAttempts: TxAttempt[];
  blockNumber: number | null;
  prevRoot: string | null;
  /** Why the batch failed (a decoded custom error), or the last warning while it is in flight. */
  error: string | null;
  createdAt: string;
  confirmedAt: string | null;
  /**
   * The log root at size `lastSequence` that the batch anchors with `anchorCheckpoint`, and the
   * consistency proof from the previously anchored checkpoint (empty for the first); null for a
   * batch anchored without a checkpoint (a KPPEAnchor older than 2.0.0).
   */
  logRoot: string | null;
  logProof: string[] | null;
  /** Unix seconds of the block that holds the anchoring transaction, once confirmed. */
  blockTime: number | null;
  /** The witnesses' EIP-712 signatures the checkpoint is anchored with (0x, 65 bytes each), when the contract requires them. */
  witnessSignatures: string | null;
}

/** What may change on a batch after it is cut. */
export type BatchUpdate = Partial<Pick<BatchRecord, "status" | "txHash" | "txAttempts" | "blockNumber" | "blockTime" | "prevRoot" | "error" | "confirmedAt">>;

/** One `event_receipts` row: an event's place and proof in a confirmed batch. */
export interface ReceiptRecord {
  id: string;
  eventId: string;
  fifoSequence: number;
  batchId: string;
  clientHash: string;
  leafIndex: number;
  proof: string[];
  root: string;
  txHash: string;
  verified: boolean;
  createdAt: string;
}

export interface AnchorStats {
  batches: Record<BatchStatus, number>;
  eventsConfirmed: number;
  lastConfirmed: BatchRecord | undefined;
}

/**
 * The keeper's tables (`merkle_batches`, `event_receipts`, `keeper_leases`), next to the ledger
 * in the same store. "Live" batches are those not `failed`: together they cover the ledger from
 * sequence 1 with no gap and no overlap, per target.
 */
export interface AnchorStore {
  /** The live batch with the highest batch number, if any. */
  lastLiveBatch(target: AnchorTarget): Promise<BatchRecord | undefined>;
  /** Batches `pending` or `submitted`, by batch number. */
  openBatches(target: AnchorTarget): Promise<BatchRecord[]>;
  /** The latest `limit` confirmed batches, newest first. */
  recentConfirmed(target: AnchorTarget, limit: number): Promise<BatchRecord[]>;
  findBatch(target: AnchorTarget, batchNumber: number): Promise<BatchRecord | undefined>;
  /** Inserts a `pending` batch; throws if a live batch already has its number or first sequence. */
  createBatch(batch: BatchRecord): Promise<void>;
  updateBatch(id: string, update: BatchUpdate): Promise<void>;
  /** Inserts receipts, skipping any already stored for the same batch and leaf (safe to repeat). */
  saveReceipts(receipts: readonly ReceiptRecord[]): Promise<void>;
  deleteReceipts(batchId: string): Promise<void>;
  countReceipts(batchId: string): Promise<number>;
  /** The event's receipt in the newest confirmed batch holding it, with that batch. */
  findReceipt(eventId: string, target?: AnchorTarget): Promise<{ receipt: ReceiptRecord; batch: BatchRecord } | undefined>;
  stats(target: AnchorTarget): Promise<AnchorStats>;
  /** Takes or renews the named lease for `ttlMs`; false while another holder's lease is unexpired. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  leaseHolder(name: string): Promise<{ holder: string; expiresAt: number } | undefined>;
}

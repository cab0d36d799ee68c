import type { PootStore } from "./sqlPootStore.ts";
import type { Source } from "../ledger/sources.ts";
import type { LogStore } from "../log/store.ts";
import type { WitnessStore } from "../log/witnessStore.ts";
import type { LedgerEntry } from "../ledger/types.ts";
import type { AnchorTarget } from "../chain/anchorChain.ts";
import type { TxAttempt } from "../chain/txMonitor.ts";
import type { LedgerStorePort, LedgerTx } from "../ledger/storePort.ts";

export type { AnchorTarget, LedgerTx, TxAttempt };

/**
 * A ledger's database: the ledger's port (src/ledger/storePort.ts) and what the rest of the
 * pipeline reads and keeps beside it. Each backend owns its SQL and migrations.
 */
export interface LedgerStore extends LedgerStorePort {
  readonly kind: "sqlite" | "postgres";
  /** A description safe to log (no credentials). */
  readonly location: string;
  /** The keeper's batches, receipts and leases, kept in the same database as the ledger. */
  readonly anchoring: AnchorStore;
  /** FlowPay's order batches, in the same database. */
  readonly poe: PoeStore;
  /** Lucid's PoOT task proofs, tallies and leader schedules, in the same database. */
  readonly poot: PootStore;
  /** The RFC 9162 log's node hashes over the ledger, in the same database (src/log). */
  readonly log: LogStore;
  /** A storage node's witness state: the last checkpoint it cosigned, per log. */
  readonly witness: WitnessStore;
  findByEventId(eventId: string): Promise<LedgerEntry | undefined>;
  /** Entries with fifo_sequence >= `from`, in order, at most `limit`. */
  range(from: number, limit: number): Promise<LedgerEntry[]>;
  findSourceByKeyHash(apiKeyHash: string): Promise<Source | undefined>;
  findSource(sourceId: string): Promise<Source | undefined>;
  /** Creates a source; fails if `source_id` exists. */
  createSource(source: Source): Promise<void>;
  /** Adds credits to a limited source and returns the new balance. */
  addCredits(sourceId: string, credits: number): Promise<number | null>;
  /**
   * Removes the entries after `sequence` and returns how many. Only a storage node calls this, on
   * its own copy, when anchored roots show that its tail is not the ledger's; a gateway's ledger
   * is never edited (its triggers refuse every other UPDATE and DELETE).
   */
  discardAfter(sequence: number): Promise<number>;
  close(): Promise<void>;
}

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

/** FlowPay proof-of-execution batch statuses: open (taking orders), closed, anchoring (checkpoint fixed, recordProof in flight), anchored. */
export type PoeBatchStatus = "open" | "closed" | "anchoring" | "anchored";

/** A confirmed payment order as FlowPay hands it over. */
export interface OrderInput {
  /** The order's id in FlowPay. */
  id: string;
  /** The settlement transaction's hash (0x + 64 hex): the order's leaf. */
  txHash: string;
  pixChargeId?: string | null;
  amount?: string | null;
  metadata?: Record<string, unknown> | null;
}

/** An `orders` row. */
export interface OrderRecord {
  id: string;
  txHash: string;
  pixChargeId: string | null;
  amount: string | null;
  metadata: Record<string, unknown> | null;
  poeBatchId: number | null;
  createdAt: string;
  batchedAt: string | null;
}

/** A `poe_batches` row. */
export interface PoeBatchRecord {
  /** The batch id, also the checkpoint's `batchId`. */
  id: number;
  status: PoeBatchStatus;
  merkleRoot: string | null;
  batchSize: number;
  anchorTxHash: string | null;
  /** The Hardhat network (or RPC host) it was anchored on. */
  network: string | null;
  checkpointHash: string | null;
  /** The checkpoint's timestamp (unix seconds), fixed before the proof is sent. */
  checkpointTimestamp: number | null;
  chainId: number | null;
  /** Lower-case ProofRecorder address. */
  contract: string | null;
  blockNumber: number | null;
  /** The signed recordProof transaction, stored before it is sent so a crash cannot lose it. */
  signedTx: string | null;
  error: string | null;
  createdAt: string;
  closedAt: string | null;
  anchoredAt: string | null;
  metadata: Record<string, unknown>;
}

export type PoeBatchUpdate = Partial<
  Pick<PoeBatchRecord, "status" | "merkleRoot" | "anchorTxHash" | "network" | "checkpointHash" | "checkpointTimestamp" | "chainId" | "contract" | "blockNumber" | "signedTx" | "error" | "anchoredAt" | "metadata">
>;

/** When the open batch closes: at `maxOrders` orders or `maxAgeMs` after it opened, whichever comes first. */
export interface PoeBatchPolicy {
  maxOrders: number;
  maxAgeMs: number;
}

/** A `v_orders_recent` row: an order of the last 7 days with its batch's root. */
export interface RecentOrder extends OrderRecord {
  poeRoot: string | null;
  poeStatus: PoeBatchStatus | null;
  anchorTxHash: string | null;
}

/** FlowPay's tables (`orders`, `poe_batches`, view `v_orders_recent`), next to the ledger. */
export interface PoeStore {
  /**
   * Links a confirmed order to the open batch (opening one if needed), in one transaction; closes
   * the batch when it reaches `maxOrders`, and first closes an open batch older than `maxAgeMs`.
   * The same order again (same id and tx hash) returns it unchanged (`added: false`).
   */
  addOrderToBatch(order: OrderInput, policy: PoeBatchPolicy, now?: Date): Promise<{ order: OrderRecord; batch: PoeBatchRecord; added: boolean }>;
  /** Closes the open batch if it has orders and (when `olderThanMs` is given) is at least that old. */
  closeOpenBatch(options?: { olderThanMs?: number; now?: Date }): Promise<PoeBatchRecord | undefined>;
  /** Batches `closed` or `anchoring`, oldest first. */
  unanchoredBatches(): Promise<PoeBatchRecord[]>;
  updatePoeBatch(id: number, update: PoeBatchUpdate): Promise<void>;
  findPoeBatch(id: number): Promise<PoeBatchRecord | undefined>;
  /** The newest `limit` batches, newest first. */
  listPoeBatches(limit: number): Promise<PoeBatchRecord[]>;
  batchOrders(batchId: number): Promise<OrderRecord[]>;
  findOrder(id: string): Promise<OrderRecord | undefined>;
  /** `v_orders_recent`, newest first. */
  recentOrders(limit: number): Promise<RecentOrder[]>;
}

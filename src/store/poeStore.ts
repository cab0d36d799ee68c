// FlowPay's tables (orders, poe_batches, v_orders_recent): what poe:* keeps beside the ledger.

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

import { KppeError } from "../errors.ts";
import type { OrderInput, OrderRecord, PoeBatchPolicy, PoeBatchRecord, PoeBatchStatus, PoeBatchUpdate, PoeStore, RecentOrder } from "./types.ts";

type Row = Record<string, unknown>;

/** Runs SQL with `?` placeholders; rows of a SELECT or of a RETURNING clause. */
export interface SqlSession {
  query(sql: string, args?: readonly unknown[]): Promise<Row[]>;
}

/** A backend's connection: reads on their own, writes inside a serialized transaction. */
export interface SqlDatabase extends SqlSession {
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
}

const BATCH_UPDATE_COLUMNS: Record<keyof PoeBatchUpdate, string> = {
  status: "status",
  merkleRoot: "merkle_root",
  anchorTxHash: "anchor_tx_hash",
  network: "network",
  checkpointHash: "checkpoint_hash",
  checkpointTimestamp: "checkpoint_timestamp",
  chainId: "chain_id",
  contract: "contract",
  blockNumber: "block_number",
  signedTx: "signed_tx",
  error: "error",
  anchoredAt: "anchored_at",
  metadata: "metadata",
};

/**
 * FlowPay's tables through portable SQL, so the batching rules are written once for both
 * backends; each backend supplies its connection and its own migration (types differ).
 */
export class SqlPoeStore implements PoeStore {
  private readonly db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.db = db;
  }

  addOrderToBatch(order: OrderInput, policy: PoeBatchPolicy, now = new Date()) {
    return this.db.transaction(async (q) => {
      const txHash = order.txHash.toLowerCase();
      const existing = (await q.query("SELECT * FROM orders WHERE id = ?", [order.id]))[0];
      if (existing) {
        if (existing.tx_hash !== txHash) {
          throw new KppeError("ORDER_CONFLICT", `order ${JSON.stringify(order.id)} is already batched with tx hash ${existing.tx_hash}, not ${txHash}; an order's proof cannot change`);
        }
        const batch = (await q.query("SELECT * FROM poe_batches WHERE id = ?", [existing.poe_batch_id]))[0];
        return { order: orderFromRow(existing), batch: poeBatchFromRow(batch), added: false };
      }
      const sameTx = (await q.query("SELECT id FROM orders WHERE tx_hash = ?", [txHash]))[0];
      if (sameTx) throw new KppeError("DUPLICATE_TX_HASH", `tx hash ${txHash} already belongs to order ${JSON.stringify(sameTx.id)}; each order needs its own settlement transaction`);

      let open: Row | undefined = (await q.query("SELECT * FROM poe_batches WHERE status = 'open'"))[0];
      if (open && ageMs(open, now) >= policy.maxAgeMs) {
        await q.query("UPDATE poe_batches SET status = 'closed', closed_at = ? WHERE id = ?", [now.toISOString(), open.id]);
        open = undefined;
      }
      open ??= (await q.query("INSERT INTO poe_batches (status, batch_size, created_at, metadata) VALUES ('open', 0, ?, '{}') RETURNING *", [now.toISOString()]))[0];
      const [inserted] = await q.query(
        "INSERT INTO orders (id, tx_hash, pix_charge_id, amount, metadata, poe_batch_id, created_at, batched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        [order.id, txHash, order.pixChargeId ?? null, order.amount ?? null, order.metadata ? JSON.stringify(order.metadata) : null, open.id, now.toISOString(), now.toISOString()],
      );
      const size = Number(open.batch_size) + 1;
      const full = size >= policy.maxOrders;
      const [batch] = await q.query("UPDATE poe_batches SET batch_size = ?, status = ?, closed_at = ? WHERE id = ? RETURNING *", [
        size,
        full ? "closed" : "open",
        full ? now.toISOString() : null,
        open.id,
      ]);
      return { order: orderFromRow(inserted), batch: poeBatchFromRow(batch), added: true };
    });
  }

  closeOpenBatch(options: { olderThanMs?: number; now?: Date } = {}) {
    const now = options.now ?? new Date();
    return this.db.transaction(async (q) => {
      const open = (await q.query("SELECT * FROM poe_batches WHERE status = 'open'"))[0];
      if (!open || Number(open.batch_size) === 0) return undefined;
      if (options.olderThanMs !== undefined && ageMs(open, now) < options.olderThanMs) return undefined;
      const [closed] = await q.query("UPDATE poe_batches SET status = 'closed', closed_at = ? WHERE id = ? RETURNING *", [now.toISOString(), open.id]);
      return poeBatchFromRow(closed);
    });
  }

  async unanchoredBatches() {
    return (await this.db.query("SELECT * FROM poe_batches WHERE status IN ('closed', 'anchoring') ORDER BY id")).map(poeBatchFromRow);
  }

  async updatePoeBatch(id: number, update: PoeBatchUpdate) {
    const entries = Object.entries(update) as Array<[keyof PoeBatchUpdate, unknown]>;
    if (entries.length === 0) return;
    const sets = entries.map(([key]) => `${BATCH_UPDATE_COLUMNS[key]} = ?`).join(", ");
    const values = entries.map(([key, value]) => (key === "metadata" ? JSON.stringify(value) : value));
    await this.db.transaction((q) => q.query(`UPDATE poe_batches SET ${sets} WHERE id = ?`, [...values, id]));
  }

  async findPoeBatch(id: number) {
    const row = (await this.db.query("SELECT * FROM poe_batches WHERE id = ?", [id]))[0];
    return row ? poeBatchFromRow(row) : undefined;
  }

  async listPoeBatches(limit: number) {
    return (await this.db.query("SELECT * FROM poe_batches ORDER BY id DESC LIMIT ?", [limit])).map(poeBatchFromRow);
  }

  async batchOrders(batchId: number) {
    return (await this.db.query("SELECT * FROM orders WHERE poe_batch_id = ? ORDER BY created_at, id", [batchId])).map(orderFromRow);
  }

  async findOrder(id: string) {
    const row = (await this.db.query("SELECT * FROM orders WHERE id = ?", [id]))[0];
    return row ? orderFromRow(row) : undefined;
  }

  async recentOrders(limit: number): Promise<RecentOrder[]> {
    return (await this.db.query("SELECT * FROM v_orders_recent ORDER BY created_at DESC, id LIMIT ?", [limit])).map((row) => ({
      ...orderFromRow(row),
      poeRoot: nullableString(row.poe_root),
      poeStatus: (row.poe_status ?? null) as PoeBatchStatus | null,
      anchorTxHash: nullableString(row.anchor_tx_hash),
    }));
  }
}

function ageMs(batch: Row, now: Date): number {
  return now.getTime() - Date.parse(isoOf(batch.created_at)!);
}

const nullableString = (value: unknown) => (value === null || value === undefined ? null : String(value));
const nullableNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value));
/** PostgreSQL returns TIMESTAMPTZ as a Date, SQLite keeps the ISO text. */
const isoOf = (value: unknown) => (value instanceof Date ? value.toISOString() : nullableString(value));
/** PostgreSQL returns JSONB parsed, SQLite keeps the text. */
const jsonOf = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : (value ?? null));

function orderFromRow(row: Row): OrderRecord {
  return {
    id: String(row.id),
    txHash: String(row.tx_hash),
    pixChargeId: nullableString(row.pix_charge_id),
    amount: nullableString(row.amount),
    metadata: jsonOf(row.metadata),
    poeBatchId: nullableNumber(row.poe_batch_id),
    createdAt: isoOf(row.created_at)!,
    batchedAt: isoOf(row.batched_at),
  };
}

function poeBatchFromRow(row: Row): PoeBatchRecord {
  return {
    id: Number(row.id),
    status: row.status as PoeBatchStatus,
    merkleRoot: nullableString(row.merkle_root),
    batchSize: Number(row.batch_size),
    anchorTxHash: nullableString(row.anchor_tx_hash),
    network: nullableString(row.network),
    checkpointHash: nullableString(row.checkpoint_hash),
    checkpointTimestamp: nullableNumber(row.checkpoint_timestamp),
    chainId: nullableNumber(row.chain_id),
    contract: nullableString(row.contract),
    blockNumber: nullableNumber(row.block_number),
    signedTx: nullableString(row.signed_tx),
    error: nullableString(row.error),
    createdAt: isoOf(row.created_at)!,
    closedAt: isoOf(row.closed_at),
    anchoredAt: isoOf(row.anchored_at),
    metadata: jsonOf(row.metadata) ?? {},
  };
}

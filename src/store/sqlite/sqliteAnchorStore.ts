import type { DatabaseSync } from "node:sqlite";
import {
  BATCH_COLUMNS,
  BATCH_SELECT_PREFIXED,
  batchFromRow,
  batchValues,
  columnValue,
  RECEIPT_COLUMNS,
  receiptValues,
  splitJoined,
  UPDATE_COLUMNS,
} from "../anchorRows.ts";
import type { AnchorStats, AnchorStore, AnchorTarget, BatchRecord, BatchStatus, BatchUpdate, ReceiptRecord } from "../types.ts";

/** The K-PPE Supabase `analytics_events`, as a view over the ledger (migration 3; rebuilt by 5). */
export const ANALYTICS_EVENTS_VIEW = `CREATE VIEW analytics_events AS
    SELECT e.event_id AS id, e.source_id AS app_id, json_extract(e.data, '$.type') AS event_type, e.data AS data,
           e.payload_hash AS client_hash, json_extract(e.data, '$.session_id') AS session_id,
           (SELECT b.id FROM merkle_batches b WHERE b.status <> 'failed' AND e.fifo_sequence BETWEEN b.first_sequence AND b.last_sequence
             ORDER BY b.created_at LIMIT 1) AS batch_id,
           e.accepted_at AS created_at, e.fifo_sequence AS fifo_sequence
      FROM ledger_entries e`;

/** The keeper's tables on SQLite (migration 3 in sqliteStore.ts). */
export const ANCHOR_MIGRATION = `
  CREATE TABLE merkle_batches (
    id TEXT PRIMARY KEY,
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    batch_number INTEGER NOT NULL,
    first_sequence INTEGER NOT NULL,
    last_sequence INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    tree_depth INTEGER NOT NULL,
    merkle_root TEXT NOT NULL,
    batch_timestamp INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'confirmed', 'failed')),
    tx_hash TEXT,
    tx_attempts TEXT NOT NULL DEFAULT '[]',
    block_number INTEGER,
    prev_root TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    confirmed_at TEXT
  );
  CREATE UNIQUE INDEX merkle_batches_live_number ON merkle_batches (chain_id, contract, batch_number) WHERE status <> 'failed';
  CREATE UNIQUE INDEX merkle_batches_live_start ON merkle_batches (chain_id, contract, first_sequence) WHERE status <> 'failed';
  CREATE TABLE event_receipts (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    fifo_sequence INTEGER NOT NULL,
    batch_id TEXT NOT NULL REFERENCES merkle_batches (id),
    client_hash TEXT NOT NULL,
    leaf_index INTEGER NOT NULL,
    proof TEXT NOT NULL,
    root TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    verified INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (batch_id, leaf_index)
  );
  CREATE INDEX event_receipts_event_id ON event_receipts (event_id);
  CREATE TABLE keeper_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
  ${ANALYTICS_EVENTS_VIEW};`;

const TARGET = "chain_id = ? AND contract = ?";
const targetArgs = (t: AnchorTarget) => [t.chainId, t.contract] as const;

export class SqliteAnchorStore implements AnchorStore {
  private readonly db: DatabaseSync;
  private readonly exclusive: <T>(work: (db: DatabaseSync) => T) => Promise<T>;

  /** `db` serves reads; `exclusive` runs writes in a transaction queued with the ledger's writers. */
  constructor(db: DatabaseSync, exclusive: <T>(work: (db: DatabaseSync) => T) => Promise<T>) {
    this.db = db;
    this.exclusive = exclusive;
  }

  async lastLiveBatch(target: AnchorTarget): Promise<BatchRecord | undefined> {
    const row = this.db.prepare(`SELECT * FROM merkle_batches WHERE ${TARGET} AND status <> 'failed' ORDER BY batch_number DESC LIMIT 1`).get(...targetArgs(target));
    return row ? batchFromRow(row) : undefined;
  }

  async openBatches(target: AnchorTarget): Promise<BatchRecord[]> {
    return this.db
      .prepare(`SELECT * FROM merkle_batches WHERE ${TARGET} AND status IN ('pending', 'submitted') ORDER BY batch_number`)
      .all(...targetArgs(target))
      .map(batchFromRow);
  }

  async recentConfirmed(target: AnchorTarget, limit: number): Promise<BatchRecord[]> {
    return this.db
      .prepare(`SELECT * FROM merkle_batches WHERE ${TARGET} AND status = 'confirmed' ORDER BY batch_number DESC LIMIT ?`)
      .all(...targetArgs(target), limit)
      .map(batchFromRow);
  }

  async findBatch(target: AnchorTarget, batchNumber: number): Promise<BatchRecord | undefined> {
    const row = this.db
      .prepare(`SELECT * FROM merkle_batches WHERE ${TARGET} AND batch_number = ? ORDER BY status = 'failed', created_at DESC LIMIT 1`)
      .get(...targetArgs(target), batchNumber);
    return row ? batchFromRow(row) : undefined;
  }

  async createBatch(batch: BatchRecord): Promise<void> {
    await this.exclusive((db) =>
      db.prepare(`INSERT INTO merkle_batches (${BATCH_COLUMNS.join(", ")}) VALUES (${BATCH_COLUMNS.map(() => "?").join(", ")})`).run(...batchValues(batch)),
    );
  }

  async updateBatch(id: string, update: BatchUpdate): Promise<void> {
    const entries = Object.entries(update);
    if (entries.length === 0) return;
    const sets = entries.map(([key]) => `${UPDATE_COLUMNS[key]} = ?`).join(", ");
    await this.exclusive((db) => db.prepare(`UPDATE merkle_batches SET ${sets} WHERE id = ?`).run(...entries.map(([, v]) => columnValue(v)), id));
  }

  async saveReceipts(receipts: readonly ReceiptRecord[]): Promise<void> {
    if (receipts.length === 0) return;
    await this.exclusive((db) => {
      const insert = db.prepare(
        `INSERT INTO event_receipts (${RECEIPT_COLUMNS.join(", ")}) VALUES (${RECEIPT_COLUMNS.map(() => "?").join(", ")}) ON CONFLICT (batch_id, leaf_index) DO NOTHING`,
      );
      for (const receipt of receipts) insert.run(...(receiptValues(receipt, receipt.verified ? 1 : 0) as Array<string | number>));
    });
  }

  async deleteReceipts(batchId: string): Promise<void> {
    await this.exclusive((db) => db.prepare("DELETE FROM event_receipts WHERE batch_id = ?").run(batchId));
  }

  async countReceipts(batchId: string): Promise<number> {
    return Number(this.db.prepare("SELECT count(*) AS n FROM event_receipts WHERE batch_id = ?").get(batchId)!.n);
  }

  async findReceipt(eventId: string, target?: AnchorTarget) {
    const where = target ? "AND b.chain_id = ? AND b.contract = ?" : "";
    const row = this.db
      .prepare(
        `SELECT r.*, ${BATCH_SELECT_PREFIXED} FROM event_receipts r JOIN merkle_batches b ON b.id = r.batch_id
          WHERE r.event_id = ? AND b.status = 'confirmed' ${where} ORDER BY b.confirmed_at DESC LIMIT 1`,
      )
      .get(eventId, ...(target ? targetArgs(target) : []));
    return row ? splitJoined(row) : undefined;
  }

  async stats(target: AnchorTarget): Promise<AnchorStats> {
    const batches: Record<BatchStatus, number> = { pending: 0, submitted: 0, confirmed: 0, failed: 0 };
    let eventsConfirmed = 0;
    for (const row of this.db.prepare(`SELECT status, count(*) AS n, sum(event_count) AS events FROM merkle_batches WHERE ${TARGET} GROUP BY status`).all(...targetArgs(target))) {
      batches[row.status as BatchStatus] = Number(row.n);
      if (row.status === "confirmed") eventsConfirmed = Number(row.events);
    }
    return { batches, eventsConfirmed, lastConfirmed: (await this.recentConfirmed(target, 1))[0] };
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.exclusive(
      (db) =>
        db
          .prepare(
            `INSERT INTO keeper_leases (name, holder, expires_at) VALUES (?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
               WHERE keeper_leases.holder = excluded.holder OR keeper_leases.expires_at < ?`,
          )
          .run(name, holder, now + ttlMs, now).changes === 1,
    );
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.exclusive((db) => db.prepare("DELETE FROM keeper_leases WHERE name = ? AND holder = ?").run(name, holder));
  }

  async leaseHolder(name: string) {
    const row = this.db.prepare("SELECT holder, expires_at FROM keeper_leases WHERE name = ?").get(name);
    return row ? { holder: String(row.holder), expiresAt: Number(row.expires_at) } : undefined;
  }
}

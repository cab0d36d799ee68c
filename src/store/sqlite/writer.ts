import { DatabaseSync, type StatementSync } from "./nodeSqlite.ts";
import { ENTRY_COLUMNS } from "../rows.ts";
import { SAVED_FILTER_SQL } from "../eventIds.ts";

/**
 * The write side of the SQLite store: one connection, synchronous calls. It runs on a worker
 * thread (writerWorker.ts) so that a COMMIT's fsync blocks that thread, not the event loop.
 */
export class SqliteWriter {
  private readonly db: DatabaseSync;
  private readonly insertOne: StatementSync;
  private readonly selectHead: StatementSync;
  private readonly selectCredits: StatementSync;
  private readonly takeCredits: StatementSync;
  /** The first failed insert of the open transaction: its COMMIT must not happen. */
  private failure: Error | undefined;
  /** Why the last BEGIN failed, for the writes that arrive after it. */
  private beginFailure: Error | undefined;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.insertOne = this.db.prepare(`INSERT INTO ledger_entries (${ENTRY_COLUMNS.join(", ")}) VALUES (${ENTRY_COLUMNS.map(() => "?").join(", ")})`);
    this.selectHead = this.db.prepare("SELECT fifo_sequence, event_hash FROM ledger_entries ORDER BY fifo_sequence DESC LIMIT 1");
    this.selectCredits = this.db.prepare("SELECT credits FROM sources WHERE source_id = ?");
    this.takeCredits = this.db.prepare("UPDATE sources SET credits = credits - ? WHERE source_id = ? AND credits >= ?");
  }

  begin(): void {
    this.failure = undefined;
    this.beginFailure = undefined;
    try {
      this.db.exec("BEGIN IMMEDIATE");
    } catch (error) {
      this.beginFailure = error as Error;
      throw error;
    }
  }

  /**
   * Inserts are sent without waiting for each answer (SqliteStore.writeTransaction), so COMMIT
   * may arrive after one failed: it rolls back and refuses instead of keeping the others.
   */
  commit(): void {
    if (this.failure) {
      this.rollback();
      throw new Error(`not committed: ${this.failure.message}`);
    }
    this.db.exec("COMMIT");
  }

  rollback(): void {
    if (this.db.isTransaction) this.db.exec("ROLLBACK");
  }

  head(): Record<string, unknown> | undefined {
    return this.selectHead.get();
  }

  /** `rowsJson`: a JSON array of rows in ENTRY_COLUMNS order (one string crosses threads ~4x faster than nested arrays). */
  insert(rowsJson: string): void {
    this.mustBeInTransaction("insert");
    try {
      for (const values of JSON.parse(rowsJson) as Array<Array<string | number | null>>) this.insertOne.run(...values);
    } catch (error) {
      this.failure ??= error as Error;
      throw error;
    }
  }

  /** BEGIN, the inserts and COMMIT in one call: the whole of `LedgerStore.append`. */
  append(rowsJson: string): void {
    this.inTransaction(() => this.insert(rowsJson));
  }

  charge(sourceId: string, events: number): boolean {
    this.mustBeInTransaction("charge");
    const row = this.selectCredits.get(sourceId);
    if (!row) return false;
    if (row.credits === null) return true;
    return this.takeCredits.run(events, sourceId, events).changes === 1;
  }

  /** One part of a save of the event id filter (src/store/eventIds.ts), in a transaction of its own. */
  saveEventIdFilterPart(generation: number, part: number, bytes: Uint8Array): void {
    this.db.prepare(SAVED_FILTER_SQL.savePart).run(generation, part, bytes);
  }

  /** EventIdStorage.commitSavedFilter. */
  commitEventIdFilter(covered: number, coveredHash: string, generation: number, parts: number): boolean {
    return this.inTransaction(() => {
      const whole = Number(this.db.prepare(SAVED_FILTER_SQL.countParts).get(generation)?.stored) === parts;
      if (whole) {
        this.db.prepare(SAVED_FILTER_SQL.commit).run(covered, coveredHash, generation, parts, new Date().toISOString());
        this.db.prepare(SAVED_FILTER_SQL.dropOthers).run(generation);
      } else {
        this.db.prepare(SAVED_FILTER_SQL.dropOwn).run(generation);
      }
      return whole;
    });
  }

  /** BEGIN, `work` and COMMIT in one call; rolled back if any of them throws. */
  private inTransaction<T>(work: () => T): T {
    this.begin();
    try {
      const result = work();
      this.commit();
      return result;
    } catch (error) {
      this.rollback();
      throw error;
    }
  }

  /** BEGIN is not awaited either: if it failed, a write must not run (and autocommit) on its own. */
  private mustBeInTransaction(what: string): void {
    if (!this.db.isTransaction) throw new Error(`${what} refused, no transaction: ${this.beginFailure?.message ?? "BEGIN was not sent"}`);
  }

  close(): void {
    this.db.close();
  }
}

/** Runs `work` in one `BEGIN IMMEDIATE` transaction on `db`: committed when it resolves, rolled back when it throws. */
export async function immediateTransaction<T>(db: DatabaseSync, work: () => T | Promise<T>): Promise<T> {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = await work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** A connection set up as the store needs it: WAL, fsync on every commit, waiting for other writers. */
export function openConnection(location: string, busyTimeoutMs: number): DatabaseSync {
  const db = new DatabaseSync(location);
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = ${busyTimeoutMs};`);
  return db;
}

export type WriterMethod = "begin" | "commit" | "rollback" | "head" | "insert" | "append" | "charge" | "saveEventIdFilterPart" | "commitEventIdFilter" | "close";

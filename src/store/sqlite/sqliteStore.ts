import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "./nodeSqlite.ts";
import { Worker } from "node:worker_threads";
import type { Source } from "../../ledger/sources.ts";
import type { LedgerEntry, LedgerHead } from "../../ledger/types.ts";
import { CHECKPOINT_COLUMNS_MIGRATION, WITNESS_SIGNATURES_MIGRATION } from "../anchorRows.ts";
import { entryFromRow, entryValues, headFromRow } from "../rows.ts";
import { POOT_MIGRATION, SqlPootStore, type PootStore } from "../sqlPootStore.ts";
import { SqlPoeStore, type SqlSession } from "../sqlPoeStore.ts";
import { ANALYTICS_EVENTS_VIEW, ANCHOR_MIGRATION, SqliteAnchorStore } from "./sqliteAnchorStore.ts";
import { WITNESS_MIGRATION, WITNESS_NOTE_MIGRATION } from "../../log/witnessStore.ts";
import { LOG_MIGRATION, SqliteLogStore, SqliteWitnessStore } from "./sqliteLogStore.ts";
import { immediateTransaction, openConnection, SqliteWriter, type WriterMethod } from "./writer.ts";
import { AppendConflict, type EventIdsLoaded } from "../../ledger/storePort.ts";
import { isStoreUnavailable } from "../failures.ts";
import { EPOCH_BITS, EventIdFilter, SAVED_FILTER_PARTS_MIGRATION, SAVED_FILTER_SQL, savedFilterHeader, savedFilterParts } from "../eventIds.ts";
import type { LedgerStore, LedgerTx } from "../types.ts";

const IMMUTABLE_UPDATE = `CREATE TRIGGER ledger_entries_immutable_update BEFORE UPDATE ON ledger_entries
       BEGIN SELECT RAISE(ABORT, 'ledger entries are never edited'); END;`;
const IMMUTABLE_DELETE = `CREATE TRIGGER ledger_entries_immutable_delete BEFORE DELETE ON ledger_entries
       BEGIN SELECT RAISE(ABORT, 'ledger entries are never deleted'); END;`;

/** Versioned migrations, applied in order on open; a version is never edited once released. */
export const MIGRATIONS: Array<[number, string]> = [
  [
    1,
    `CREATE TABLE ledger_entries (
       fifo_sequence INTEGER PRIMARY KEY,
       event_id TEXT NOT NULL UNIQUE,
       version TEXT NOT NULL,
       payload_hash TEXT NOT NULL,
       source_id TEXT NOT NULL,
       local_timestamp TEXT,
       previous_event_hash TEXT,
       observed_prev_hash TEXT NOT NULL,
       event_hash TEXT NOT NULL UNIQUE,
       content_hash TEXT NOT NULL,
       accepted_at TEXT NOT NULL,
       data TEXT NOT NULL
     );
     ${IMMUTABLE_UPDATE}
     ${IMMUTABLE_DELETE}`,
  ],
  [
    2,
    `CREATE TABLE sources (
       source_id TEXT PRIMARY KEY,
       api_key_hash TEXT NOT NULL UNIQUE,
       credits INTEGER CHECK (credits IS NULL OR credits >= 0),
       rate_per_second REAL,
       burst INTEGER,
       created_at TEXT NOT NULL
     );`,
  ],
  [3, ANCHOR_MIGRATION],
  [
    4,
    `CREATE TABLE poe_batches (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'anchoring', 'anchored')),
       merkle_root TEXT,
       batch_size INTEGER NOT NULL DEFAULT 0,
       anchor_tx_hash TEXT,
       network TEXT,
       checkpoint_hash TEXT,
       checkpoint_timestamp INTEGER,
       chain_id INTEGER,
       contract TEXT,
       block_number INTEGER,
       signed_tx TEXT,
       error TEXT,
       created_at TEXT NOT NULL,
       closed_at TEXT,
       anchored_at TEXT,
       metadata TEXT NOT NULL DEFAULT '{}'
     );
     CREATE UNIQUE INDEX poe_batches_one_open ON poe_batches (status) WHERE status = 'open';
     CREATE TABLE orders (
       id TEXT PRIMARY KEY,
       tx_hash TEXT NOT NULL UNIQUE,
       pix_charge_id TEXT,
       amount TEXT,
       metadata TEXT,
       poe_batch_id INTEGER NOT NULL REFERENCES poe_batches (id),
       created_at TEXT NOT NULL,
       batched_at TEXT
     );
     CREATE INDEX orders_poe_batch ON orders (poe_batch_id);
     CREATE VIEW v_orders_recent AS
       SELECT o.*, b.merkle_root AS poe_root, b.status AS poe_status, b.anchor_tx_hash AS anchor_tx_hash
         FROM orders o JOIN poe_batches b ON b.id = o.poe_batch_id
        WHERE o.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days');`,
  ],
  [
    // event_hash commits to fifo_sequence (the primary key), so two equal ones would take a SHA-256
    // collision; its unique index enforced nothing, was never read, and its random keys made every
    // append dirty a random index page (docs/benchmarks.md, "Gateway"). SQLite cannot drop a
    // column's UNIQUE, so the table is rebuilt once, in this migration's transaction.
    5,
    `CREATE TABLE ledger_entries_v5 (
       fifo_sequence INTEGER PRIMARY KEY,
       event_id TEXT NOT NULL UNIQUE,
       version TEXT NOT NULL,
       payload_hash TEXT NOT NULL,
       source_id TEXT NOT NULL,
       local_timestamp TEXT,
       previous_event_hash TEXT,
       observed_prev_hash TEXT NOT NULL,
       event_hash TEXT NOT NULL,
       content_hash TEXT NOT NULL,
       accepted_at TEXT NOT NULL,
       data TEXT NOT NULL
     );
     INSERT INTO ledger_entries_v5 SELECT * FROM ledger_entries ORDER BY fifo_sequence;
     DROP VIEW analytics_events;
     DROP TABLE ledger_entries;
     ALTER TABLE ledger_entries_v5 RENAME TO ledger_entries;
     ${IMMUTABLE_UPDATE}
     ${IMMUTABLE_DELETE}
     ${ANALYTICS_EVENTS_VIEW};`,
  ],
  [6, LOG_MIGRATION],
  [7, CHECKPOINT_COLUMNS_MIGRATION("INTEGER")],
  [8, WITNESS_MIGRATION("INTEGER")],
  [9, WITNESS_SIGNATURES_MIGRATION],
  [10, WITNESS_NOTE_MIGRATION],
  [11, POOT_MIGRATION("INTEGER", "REAL")],
  [
    // A unique index on event_id wrote a random page of the whole index per random id (UUIDv4);
    // ids are indexed per epoch instead, and writers refuse a taken id (src/store/eventIds.ts).
    // SQLite cannot drop a column's UNIQUE, so the table is rebuilt once, in this transaction.
    12,
    `CREATE TABLE ledger_entries_v12 (
       fifo_sequence INTEGER PRIMARY KEY,
       event_id TEXT NOT NULL,
       version TEXT NOT NULL,
       payload_hash TEXT NOT NULL,
       source_id TEXT NOT NULL,
       local_timestamp TEXT,
       previous_event_hash TEXT,
       observed_prev_hash TEXT NOT NULL,
       event_hash TEXT NOT NULL,
       content_hash TEXT NOT NULL,
       accepted_at TEXT NOT NULL,
       data TEXT NOT NULL
     );
     INSERT INTO ledger_entries_v12 SELECT * FROM ledger_entries ORDER BY fifo_sequence;
     DROP VIEW analytics_events;
     DROP TABLE ledger_entries;
     ALTER TABLE ledger_entries_v12 RENAME TO ledger_entries;
     CREATE INDEX ledger_entries_event_id_epoch ON ledger_entries (fifo_sequence >> ${EPOCH_BITS}, event_id);
     ${IMMUTABLE_UPDATE}
     ${IMMUTABLE_DELETE}
     ${ANALYTICS_EVENTS_VIEW};`,
  ],
  // The event id filter, saved so that a gateway's start reads only the ids after it.
  [
    13,
    `CREATE TABLE event_id_filter (
       slot INTEGER PRIMARY KEY CHECK (slot = 1),
       covered INTEGER NOT NULL,
       covered_event_hash TEXT NOT NULL,
       filter BLOB NOT NULL,
       saved_at TEXT NOT NULL
     );`,
  ],
  // The filter saved in parts (EventIdFilter's PART_BYTES), each written in a transaction of
  // its own. A saved filter of the first layout is dropped: the next start reads every id once.
  [14, SAVED_FILTER_PARTS_MIGRATION("BLOB", "TEXT")],
];

/** Rethrows a taken fifo_sequence as AppendConflict (event ids: EventIdFilter), anything else as it is. */
function asConflict(error: unknown): never {
  if (/UNIQUE constraint failed: ledger_entries\.fifo_sequence/.test((error as Error)?.message ?? "")) throw new AppendConflict(error);
  throw error;
}

/**
 * Writers queued per database file across every connection in this process. node:sqlite blocks
 * synchronously while another connection holds the write lock, so a second connection in the
 * same process must wait here instead, or it would stall the event loop the first one needs.
 */
const writersByFile = new Map<string, Promise<unknown>>();

/**
 * The embedded default store: one SQLite file through Node's built-in `node:sqlite` (no native
 * addon). WAL with synchronous=FULL, so a commit is on disk before a receipt is sent; writers in
 * several processes are serialized by `BEGIN IMMEDIATE` (waiting up to `busyTimeoutMs`).
 * Writes run on a worker thread with their own connection (node:sqlite is synchronous, and a
 * COMMIT's fsync would otherwise stall the event loop); reads use this thread's connection,
 * which WAL lets proceed during a write.
 */
export class SqliteStore implements LedgerStore {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly write: (method: WriterMethod, ...args: unknown[]) => Promise<unknown>;
  private readonly worker: Worker | undefined;
  private readonly selectHead: StatementSync;
  private readonly selectByEventIds: StatementSync;
  private readonly selectEventIdsBetween: StatementSync;
  /** Which event ids are taken, for this process's appends (src/store/eventIds.ts). */
  private readonly eventIds: EventIdFilter;
  private readonly selectRange: StatementSync;
  private readonly writerKey: string;
  /** A writer on this thread for `append({ inline })`, on a connection that never waits for a lock. */
  private inlineWriter: SqliteWriter | undefined;
  readonly location: string;
  readonly anchoring: SqliteAnchorStore;
  readonly poe: SqlPoeStore;
  readonly poot: PootStore;
  readonly log: SqliteLogStore;
  readonly witness: SqliteWitnessStore;
  private closing: Promise<void> | undefined;

  constructor(location: string, options: { busyTimeoutMs?: number } = {}) {
    this.location = location;
    if (location !== ":memory:") mkdirSync(dirname(location), { recursive: true });
    const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.db = openConnection(location, busyTimeoutMs);
    this.writerKey = location === ":memory:" ? `:memory:${Math.random()}` : resolve(location);
    this.migrate();
    if (location === ":memory:") {
      // A worker cannot share an in-memory database: write through this thread's connection.
      const writer = new SqliteWriter(this.db);
      this.write = async (method, ...args) => (writer[method] as (...a: unknown[]) => unknown)(...args);
    } else {
      const worker = new Worker(new URL("./writerWorker.ts", import.meta.url), { workerData: { location, busyTimeoutMs } });
      const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
      let nextId = 0;
      worker.on("message", ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
        const call = pending.get(id)!;
        pending.delete(id);
        if (error === undefined) call.resolve(result);
        else call.reject(new Error(error));
      });
      // A write sent to a stopped worker would never be answered: refuse it, and any unanswered one.
      let stopped: Error | undefined;
      const stop = (error: Error) => {
        stopped ??= error;
        for (const call of pending.values()) call.reject(error);
        pending.clear();
      };
      worker.on("error", stop);
      worker.on("exit", () => stop(new Error(`the store ${location} is closed`)));
      this.worker = worker;
      this.write = (method, ...args) =>
        new Promise((resolve, reject) => {
          if (stopped) return reject(stopped);
          const id = nextId++;
          pending.set(id, { resolve, reject });
          worker.postMessage({ id, method, args });
        });
    }
    this.selectHead = this.db.prepare("SELECT fifo_sequence, event_hash FROM ledger_entries ORDER BY fifo_sequence DESC LIMIT 1");
    // One seek per epoch of the (epoch, event_id) index, up to the head's epoch.
    this.selectByEventIds = this.db.prepare(
      `WITH RECURSIVE epochs (epoch) AS (
         SELECT 0 UNION ALL SELECT epoch + 1 FROM epochs
          WHERE epoch < (SELECT coalesce(max(fifo_sequence), 0) >> ${EPOCH_BITS} FROM ledger_entries))
       SELECT e.* FROM epochs CROSS JOIN ledger_entries e
        WHERE (e.fifo_sequence >> ${EPOCH_BITS}) = epochs.epoch AND e.event_id IN (SELECT value FROM json_each(?))`,
    );
    // One JSON array per call: a row object per id made reading ten million of them take 13 s.
    this.selectEventIdsBetween = this.db.prepare(
      `SELECT json_group_array(event_id) AS ids FROM ledger_entries INDEXED BY ledger_entries_event_id_epoch
        WHERE (fifo_sequence >> ${EPOCH_BITS}) BETWEEN (? >> ${EPOCH_BITS}) AND (? >> ${EPOCH_BITS}) AND fifo_sequence > ? AND fifo_sequence <= ?`,
    );
    this.eventIds = new EventIdFilter({
      eventIdsBetween: async (after, through) => {
        await new Promise((resolve) => setImmediate(resolve)); // a long first read yields to requests between epochs
        return JSON.parse(String(this.selectEventIdsBetween.get(after + 1, through, after, through)?.ids));
      },
      entriesWithEventIds: async (ids) => this.selectByEventIds.all(JSON.stringify(ids)).map(entryFromRow),
      eventHashAt: async (sequence) => this.db.prepare("SELECT event_hash FROM ledger_entries WHERE fifo_sequence = ?").get(sequence)?.event_hash as string | undefined,
      loadSavedFilter: async () => savedFilterParts(this.db.prepare(SAVED_FILTER_SQL.load).all()),
      loadSavedFilterHeader: async () => savedFilterHeader(this.db.prepare(SAVED_FILTER_SQL.header).get()),
      // On the writer's thread, each part queued only once the one before is written: appends go in between.
      saveFilterPart: async (generation, part, bytes) => void (await this.queueWrite(() => this.write("saveEventIdFilterPart", generation, part, bytes))),
      commitSavedFilter: async ({ covered, coveredHash, generation, parts }) =>
        (await this.queueWrite(() => this.write("commitEventIdFilter", covered, coveredHash, generation, parts))) as boolean,
    });
    this.selectRange = this.db.prepare("SELECT * FROM ledger_entries WHERE fifo_sequence >= ? ORDER BY fifo_sequence LIMIT ?");
    this.anchoring = new SqliteAnchorStore(this.db, (work) => this.exclusive(work));
    this.log = new SqliteLogStore(this.db, (work) => this.exclusive(work));
    this.witness = new SqliteWitnessStore(this.db, (work) => this.exclusive(work));
    const session: SqlSession = { query: async (sql, args = []) => this.db.prepare(sql).all(...(args as SQLInputValue[])) };
    this.poe = new SqlPoeStore({ ...session, transaction: (work) => this.exclusiveAsync(() => work(session)) });
    this.poot = new SqlPootStore({ ...session, transaction: (work) => this.exclusiveAsync(() => work(session)) });
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const applied = new Set(this.db.prepare("SELECT version FROM schema_migrations").all().map((r) => Number(r.version)));
      for (const [version, sql] of MIGRATIONS) {
        if (applied.has(version)) continue;
        this.db.exec(sql);
        this.db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(version, new Date().toISOString());
      }
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * Queues `run` behind every other write to the same file in this process (other processes wait
   * on the file lock). node:sqlite blocks synchronously on a held lock, so two connections of one
   * process must never wait on each other.
   */
  private queueWrite<T>(run: () => Promise<T>): Promise<T> {
    const previous = writersByFile.get(this.writerKey) ?? Promise.resolve();
    const result = previous.then(run);
    writersByFile.set(this.writerKey, result.catch(() => undefined));
    return result;
  }

  writeTransaction<T>(work: (tx: LedgerTx) => Promise<T>): Promise<T> {
    return this.queueWrite(async () => {
      // BEGIN and the inserts go to the writer thread without waiting for their answers: messages
      // keep their order, the writer refuses writes outside a transaction and COMMIT after a
      // failed insert, so the main thread waits for reads and the commit only.
      const unanswered: Promise<unknown>[] = [];
      const send = (method: WriterMethod, ...args: unknown[]) => {
        const answer = this.write(method, ...args);
        answer.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
        unanswered.push(answer);
      };
      send("begin");
      const written = this.eventIds.write();
      // Read once until this transaction inserts: the ledger asks for the head and the ids together.
      let headRead: Promise<LedgerHead> | undefined;
      const head = () => (headRead ??= this.write("head").then((row) => headFromRow(row as Record<string, unknown> | undefined)));
      try {
        const result = await work({
          head,
          // Entries through the head read inside this transaction are committed: the main
          // thread's connection reads them while the writer holds the lock.
          findByEventIds: async (ids) => this.eventIds.taken(ids, (await head()).fifo_sequence),
          insert: async (entries) => {
            headRead = undefined;
            await written.insert(entries);
            send("insert", JSON.stringify(entries.map(entryValues)));
          },
          charge: async (sourceId, events) => (await this.write("charge", sourceId, events)) as boolean,
        });
        send("commit");
        await Promise.all(unanswered).catch(asConflict);
        written.committed();
        return result;
      } catch (error) {
        await Promise.allSettled(unanswered);
        await this.write("rollback").catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * One message to the writer thread, or, `inline` (nothing else waiting), the same work on this
   * thread: a COMMIT's fsync then blocks the event loop for a fraction of a millisecond, which is
   * cheaper than two thread hand-offs when no other request could use the loop meanwhile. The
   * inline connection does not wait for another process's lock: it hands the write to the thread.
   */
  append(entries: readonly LedgerEntry[], options: { inline?: boolean } = {}): Promise<void> {
    const rows = JSON.stringify(entries.map(entryValues));
    return this.queueWrite(async () => {
      const written = this.eventIds.write();
      await written.insert(entries);
      await this.appendRows(rows, options.inline === true).catch(asConflict);
      written.committed();
    });
  }

  private async appendRows(rows: string, inline: boolean): Promise<void> {
    if (inline && this.worker) {
      try {
        this.inlineWriter ??= new SqliteWriter(openConnection(this.location, 0));
        return this.inlineWriter.append(rows);
      } catch (error) {
        if (!/database is locked|SQLITE_BUSY/i.test((error as Error).message)) throw error;
      }
    }
    await this.write("append", rows);
  }

  /**
   * Runs a short synchronous `work` in one transaction on this thread's connection (the keeper's
   * small writes), queued like the ledger's appends.
   */
  exclusive<T>(work: (db: DatabaseSync) => T): Promise<T> {
    return this.exclusiveAsync(async () => work(this.db));
  }

  /** Like `exclusive`, for work that awaits between its statements (all on this thread's connection). */
  private exclusiveAsync<T>(work: () => Promise<T>): Promise<T> {
    return this.queueWrite(() => immediateTransaction(this.db, work));
  }

  async head(): Promise<LedgerHead> {
    return headFromRow(this.selectHead.get());
  }

  async prepareAppends(): Promise<EventIdsLoaded> {
    return this.eventIds.prepare((await this.head()).fifo_sequence);
  }

  findByEventId(eventId: string): Promise<LedgerEntry | undefined> {
    return this.eventIds.find(eventId, async () => (await this.head()).fifo_sequence);
  }

  async range(from: number, limit: number): Promise<LedgerEntry[]> {
    return this.selectRange.all(from, limit).map(entryFromRow);
  }

  async findSourceByKeyHash(apiKeyHash: string): Promise<Source | undefined> {
    return this.db.prepare("SELECT * FROM sources WHERE api_key_hash = ?").get(apiKeyHash) as Source | undefined;
  }

  async findSource(sourceId: string): Promise<Source | undefined> {
    return this.db.prepare("SELECT * FROM sources WHERE source_id = ?").get(sourceId) as Source | undefined;
  }

  async createSource(source: Source): Promise<void> {
    await this.exclusive((db) =>
      db
        .prepare("INSERT INTO sources (source_id, api_key_hash, credits, rate_per_second, burst, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(source.source_id, source.api_key_hash, source.credits, source.rate_per_second, source.burst, source.created_at),
    );
  }

  async addCredits(sourceId: string, credits: number): Promise<number | null> {
    const row = await this.exclusive((db) => db.prepare("UPDATE sources SET credits = credits + ? WHERE source_id = ? RETURNING credits").get(credits, sourceId));
    return row ? Number(row.credits) : null;
  }

  discardAfter(sequence: number): Promise<number> {
    return this.exclusive((db) => {
      db.exec("DROP TRIGGER ledger_entries_immutable_delete");
      const { changes } = db.prepare("DELETE FROM ledger_entries WHERE fifo_sequence > ?").run(sequence);
      db.exec(IMMUTABLE_DELETE);
      // The log is derived data: rebuilt from the entries kept at the next integration.
      db.exec("DELETE FROM log_chunks; UPDATE log_state SET size = 0");
      this.eventIds.discardedAfter(sequence);
      return Number(changes);
    });
  }

  isUnavailable(error: unknown): boolean {
    return isStoreUnavailable(error);
  }

  async ping(): Promise<void> {
    this.db.prepare("SELECT 1").get();
  }

  /** Saves the event id filter when due, waits for queued writes, then closes; calling it again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.eventIds.close();
      await writersByFile.get(this.writerKey);
      if (this.worker) {
        await this.write("close");
        await this.worker.terminate();
      }
      this.inlineWriter?.close();
      this.db.close();
    })();
    return this.closing;
  }

}

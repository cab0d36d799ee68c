import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { GENESIS_PREV_HASH } from "../../hashing/eventHash.ts";
import type { Source } from "../../ledger/sources.ts";
import type { LedgerEntry, LedgerHead } from "../../ledger/types.ts";
import { ENTRY_COLUMNS, entryFromRow, entryValues } from "../rows.ts";
import type { LedgerStore, LedgerTx } from "../types.ts";

/** Versioned migrations, applied in order on open; a version is never edited once released. */
const MIGRATIONS: Array<[number, string]> = [
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
     CREATE TRIGGER ledger_entries_immutable_update BEFORE UPDATE ON ledger_entries
       BEGIN SELECT RAISE(ABORT, 'ledger entries are never edited'); END;
     CREATE TRIGGER ledger_entries_immutable_delete BEFORE DELETE ON ledger_entries
       BEGIN SELECT RAISE(ABORT, 'ledger entries are never deleted'); END;`,
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
];

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
 */
export class SqliteStore implements LedgerStore {
  readonly kind = "sqlite" as const;
  private readonly db: DatabaseSync;
  private readonly insertOne: StatementSync;
  private readonly selectHead: StatementSync;
  private readonly selectByEventId: StatementSync;
  private readonly selectRange: StatementSync;
  private readonly writerKey: string;
  readonly location: string;

  constructor(location: string, options: { busyTimeoutMs?: number } = {}) {
    this.location = location;
    if (location !== ":memory:") mkdirSync(dirname(location), { recursive: true });
    this.db = new DatabaseSync(location);
    this.writerKey = location === ":memory:" ? `:memory:${Math.random()}` : resolve(location);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 10_000};`);
    this.migrate();
    this.insertOne = this.db.prepare(`INSERT INTO ledger_entries (${ENTRY_COLUMNS.join(", ")}) VALUES (${ENTRY_COLUMNS.map(() => "?").join(", ")})`);
    this.selectHead = this.db.prepare("SELECT fifo_sequence, event_hash FROM ledger_entries ORDER BY fifo_sequence DESC LIMIT 1");
    this.selectByEventId = this.db.prepare("SELECT * FROM ledger_entries WHERE event_id = ?");
    this.selectRange = this.db.prepare("SELECT * FROM ledger_entries WHERE fifo_sequence >= ? ORDER BY fifo_sequence LIMIT ?");
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

  writeTransaction<T>(work: (tx: LedgerTx) => Promise<T>): Promise<T> {
    // One transaction at a time per file in this process; other processes wait on the file lock.
    const previous = writersByFile.get(this.writerKey) ?? Promise.resolve();
    const run = previous.then(async () => {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await work({
          head: async () => this.readHead(),
          findByEventIds: async (ids) => this.findMany(ids),
          insert: async (entries) => {
            for (const entry of entries) this.insertOne.run(...entryValues(entry));
          },
          charge: async (sourceId, events) => {
            const row = this.db.prepare("SELECT credits FROM sources WHERE source_id = ?").get(sourceId);
            if (!row) return false;
            if (row.credits === null) return true;
            return this.db.prepare("UPDATE sources SET credits = credits - ? WHERE source_id = ? AND credits >= ?").run(events, sourceId, events).changes === 1;
          },
        });
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    });
    writersByFile.set(this.writerKey, run.catch(() => undefined));
    return run;
  }

  private readHead(): LedgerHead {
    const row = this.selectHead.get();
    return row ? { fifo_sequence: Number(row.fifo_sequence), event_hash: String(row.event_hash) } : { fifo_sequence: 0, event_hash: GENESIS_PREV_HASH };
  }

  private findMany(ids: readonly string[]): Map<string, LedgerEntry> {
    const found = new Map<string, LedgerEntry>();
    for (const id of new Set(ids)) {
      const row = this.selectByEventId.get(id);
      if (row) found.set(id, entryFromRow(row));
    }
    return found;
  }

  async head(): Promise<LedgerHead> {
    return this.readHead();
  }

  async findByEventId(eventId: string): Promise<LedgerEntry | undefined> {
    return this.findMany([eventId]).get(eventId);
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
    this.db
      .prepare("INSERT INTO sources (source_id, api_key_hash, credits, rate_per_second, burst, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(source.source_id, source.api_key_hash, source.credits, source.rate_per_second, source.burst, source.created_at);
  }

  async addCredits(sourceId: string, credits: number): Promise<number | null> {
    const row = this.db.prepare("UPDATE sources SET credits = credits + ? WHERE source_id = ? RETURNING credits").get(credits, sourceId);
    return row ? Number(row.credits) : null;
  }

  async ping(): Promise<void> {
    this.db.prepare("SELECT 1").get();
  }

  async close(): Promise<void> {
    await writersByFile.get(this.writerKey);
    this.db.close();
  }
}

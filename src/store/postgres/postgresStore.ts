import pg from "pg";
import type { Source } from "../../ledger/sources.ts";
import type { LedgerEntry, LedgerHead } from "../../ledger/types.ts";
import { ENTRY_COLUMNS, entryFromRow, entryValues, headFromRow } from "../rows.ts";
import type { LedgerStore, LedgerTx } from "../types.ts";
import { ANCHOR_MIGRATION, PostgresAnchorStore } from "./postgresAnchorStore.ts";

/** Advisory lock keys ('KPPE' and 'KPPF'): one for appending, one for migrating. */
const APPEND_LOCK = 0x4b505045;
const MIGRATE_LOCK = 0x4b505046;

const MIGRATIONS: Array<[number, string]> = [
  [
    1,
    `CREATE TABLE ledger_entries (
       fifo_sequence BIGINT PRIMARY KEY CHECK (fifo_sequence > 0),
       event_id TEXT NOT NULL UNIQUE,
       version TEXT NOT NULL,
       payload_hash TEXT NOT NULL,
       source_id TEXT NOT NULL,
       local_timestamp TEXT,
       previous_event_hash TEXT,
       observed_prev_hash TEXT NOT NULL,
       event_hash TEXT NOT NULL UNIQUE,
       content_hash TEXT NOT NULL,
       accepted_at TIMESTAMPTZ NOT NULL,
       data JSONB NOT NULL
     );
     CREATE FUNCTION ledger_entries_immutable() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'ledger entries are never edited or deleted'; END $$;
     CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries
       FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable();`,
  ],
  [
    2,
    `CREATE TABLE sources (
       source_id TEXT PRIMARY KEY,
       api_key_hash TEXT NOT NULL UNIQUE,
       credits BIGINT CHECK (credits IS NULL OR credits >= 0),
       rate_per_second DOUBLE PRECISION,
       burst INTEGER,
       created_at TIMESTAMPTZ NOT NULL
     );`,
  ],
  [3, ANCHOR_MIGRATION],
];

export interface PostgresStoreOptions {
  /** A schema of its own (created if missing); default "public". */
  schema?: string;
  /** Pool size; default 10. */
  maxConnections?: number;
}

/**
 * The production store: PostgreSQL through `pg` (pure JavaScript). Several gateway processes may
 * share one database: appends take a transaction-scoped advisory lock, so the order stays one
 * gap-free sequence whoever writes.
 */
export class PostgresStore implements LedgerStore {
  readonly kind = "postgres" as const;
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly schema: string;
  readonly anchoring: PostgresAnchorStore;
  private closing: Promise<void> | undefined;

  private constructor(url: string, options: PostgresStoreOptions) {
    const parsed = new URL(url);
    this.schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new Error(`schema: expected a lower-case SQL identifier, got ${JSON.stringify(this.schema)}`);
    this.location = `postgres://${parsed.host}${parsed.pathname} (schema ${this.schema})`;
    this.pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, options: `-c search_path=${this.schema}` });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    this.pool.on("error", () => undefined);
    this.anchoring = new PostgresAnchorStore(this.pool);
  }

  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options);
    try {
      await store.migrate();
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATE_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
      const applied = new Set((await client.query("SELECT version FROM schema_migrations")).rows.map((r) => Number(r.version)));
      for (const [version, sql] of MIGRATIONS) {
        if (applied.has(version)) continue;
        await client.query(sql);
        await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [version]);
      }
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async writeTransaction<T>(work: (tx: LedgerTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [APPEND_LOCK]);
      const result = await work({
        head: () => headOf(client),
        findByEventIds: async (ids) => {
          const { rows } = await client.query("SELECT * FROM ledger_entries WHERE event_id = ANY($1)", [[...new Set(ids)]]);
          return new Map(rows.map((row) => [String(row.event_id), entryFromRow(row)]));
        },
        insert: async (entries) => {
          // One multi-row INSERT per 1,000 entries (12 parameters each, under PostgreSQL's 65,535).
          for (let start = 0; start < entries.length; start += 1000) {
            const chunk = entries.slice(start, start + 1000);
            const values = chunk.flatMap(entryValues);
            const tuples = chunk.map((_, i) => `(${ENTRY_COLUMNS.map((__, j) => `$${i * ENTRY_COLUMNS.length + j + 1}`).join(", ")})`);
            await client.query(`INSERT INTO ledger_entries (${ENTRY_COLUMNS.join(", ")}) VALUES ${tuples.join(", ")}`, values);
          }
        },
        charge: async (sourceId, events) => {
          const { rows } = await client.query("SELECT credits FROM sources WHERE source_id = $1 FOR UPDATE", [sourceId]);
          if (rows.length === 0) return false;
          if (rows[0].credits === null) return true;
          const updated = await client.query("UPDATE sources SET credits = credits - $1 WHERE source_id = $2 AND credits >= $1", [events, sourceId]);
          return updated.rowCount === 1;
        },
      });
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  head(): Promise<LedgerHead> {
    return headOf(this.pool);
  }

  async findByEventId(eventId: string): Promise<LedgerEntry | undefined> {
    const { rows } = await this.pool.query("SELECT * FROM ledger_entries WHERE event_id = $1", [eventId]);
    return rows[0] ? entryFromRow(rows[0]) : undefined;
  }

  async range(from: number, limit: number): Promise<LedgerEntry[]> {
    const { rows } = await this.pool.query("SELECT * FROM ledger_entries WHERE fifo_sequence >= $1 ORDER BY fifo_sequence LIMIT $2", [from, limit]);
    return rows.map(entryFromRow);
  }

  async findSourceByKeyHash(apiKeyHash: string): Promise<Source | undefined> {
    const { rows } = await this.pool.query("SELECT * FROM sources WHERE api_key_hash = $1", [apiKeyHash]);
    return rows[0] ? sourceFromRow(rows[0]) : undefined;
  }

  async findSource(sourceId: string): Promise<Source | undefined> {
    const { rows } = await this.pool.query("SELECT * FROM sources WHERE source_id = $1", [sourceId]);
    return rows[0] ? sourceFromRow(rows[0]) : undefined;
  }

  async createSource(source: Source): Promise<void> {
    await this.pool.query(
      "INSERT INTO sources (source_id, api_key_hash, credits, rate_per_second, burst, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
      [source.source_id, source.api_key_hash, source.credits, source.rate_per_second, source.burst, source.created_at],
    );
  }

  async addCredits(sourceId: string, credits: number): Promise<number | null> {
    const { rows } = await this.pool.query("UPDATE sources SET credits = credits + $1 WHERE source_id = $2 RETURNING credits", [credits, sourceId]);
    return rows[0] ? Number(rows[0].credits) : null;
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  /** Ends the pool; calling it again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  /** Drops this store's schema and everything in it (tests only). */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }
}

function sourceFromRow(row: Record<string, unknown>): Source {
  return {
    source_id: String(row.source_id),
    api_key_hash: String(row.api_key_hash),
    credits: row.credits === null ? null : Number(row.credits),
    rate_per_second: row.rate_per_second === null ? null : Number(row.rate_per_second),
    burst: row.burst === null ? null : Number(row.burst),
    created_at: row.created_at instanceof Date ? row.created_at.toISOString() : String(row.created_at),
  };
}

async function headOf(db: pg.Pool | pg.PoolClient): Promise<LedgerHead> {
  const { rows } = await db.query("SELECT fifo_sequence, event_hash FROM ledger_entries ORDER BY fifo_sequence DESC LIMIT 1");
  return headFromRow(rows[0]);
}

import { join } from "node:path";
import { DatabaseSync } from "../../src/store/sqlite/nodeSqlite.ts";
import pg from "pg";
import { PostgresStore } from "../../src/store/postgres/postgresStore.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { removeTempDirectory, tempDirectory } from "./tempDirectory.ts";

/** The real PostgreSQL server of our machines; CI fails (not skips) when it is unreachable. */
export const POSTGRES_URL = process.env.KPPE_TEST_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";

export interface StoreFixture {
  kind: "sqlite" | "postgres";
  /** What `openStore` and the tasks' `--store` take for this ledger. */
  location: string;
  /** Opens a new connection to the same ledger (as another process would). */
  open(): Promise<LedgerStore>;
  /** Runs SQL on the ledger's database directly, around the store (to cause a store's own refusals). */
  exec(sql: string): Promise<void>;
  /** The rows of one query on the ledger's database, read directly. */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Removes the ledger after the test. */
  cleanup(): Promise<void>;
}

export function sqliteFixture(): StoreFixture {
  const directory = tempDirectory("kppe-ledger-");
  const file = join(directory, "ledger.sqlite");
  return {
    kind: "sqlite",
    location: file,
    open: async () => new SqliteStore(file),
    exec: async (sql) => {
      const db = new DatabaseSync(file);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    query: async (sql) => {
      const db = new DatabaseSync(file);
      try {
        return db.prepare(sql).all();
      } finally {
        db.close();
      }
    },
    cleanup: async () => removeTempDirectory(directory),
  };
}

export function postgresFixture(): StoreFixture {
  const schema = `kppe_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    kind: "postgres",
    location: `${POSTGRES_URL}?schema=${schema}`,
    open: async () => {
      try {
        return await PostgresStore.open(POSTGRES_URL, { schema });
      } catch (cause) {
        throw new Error(`PostgreSQL at ${POSTGRES_URL} is required by this test and could not be reached: ${(cause as Error).message}`);
      }
    },
    exec: async (sql) => void (await query(sql)),
    query,
    cleanup: async () => {
      const store = await PostgresStore.open(POSTGRES_URL, { schema });
      await store.dropSchema();
      await store.close();
    },
  };
}

export const STORE_FIXTURES = [sqliteFixture, postgresFixture];

/** SQL that makes the store itself refuse any entry whose source_id is 'poison' (a refusal validation cannot foresee). */
export function poisonTrigger(kind: StoreFixture["kind"]): string {
  return kind === "sqlite"
    ? `CREATE TRIGGER poison BEFORE INSERT ON ledger_entries WHEN NEW.source_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned entry'); END;`
    : `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.source_id = 'poison' THEN RAISE EXCEPTION 'poisoned entry'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER poison BEFORE INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION poison();`;
}

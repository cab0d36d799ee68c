import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresStore } from "../../src/store/postgres/postgresStore.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import type { LedgerStore } from "../../src/store/types.ts";

/** The real PostgreSQL server of our machines; CI fails (not skips) when it is unreachable. */
export const POSTGRES_URL = process.env.KPPE_TEST_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";

export interface StoreFixture {
  kind: "sqlite" | "postgres";
  /** Opens a new connection to the same ledger (as another process would). */
  open(): Promise<LedgerStore>;
  /** Removes the ledger after the test. */
  cleanup(): Promise<void>;
}

export function sqliteFixture(): StoreFixture {
  const file = join(mkdtempSync(join(tmpdir(), "kppe-ledger-")), "ledger.sqlite");
  return { kind: "sqlite", open: async () => new SqliteStore(file), cleanup: async () => undefined };
}

export function postgresFixture(): StoreFixture {
  const schema = `kppe_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  return {
    kind: "postgres",
    open: async () => {
      try {
        return await PostgresStore.open(POSTGRES_URL, { schema });
      } catch (cause) {
        throw new Error(`PostgreSQL at ${POSTGRES_URL} is required by this test and could not be reached: ${(cause as Error).message}`);
      }
    },
    cleanup: async () => {
      const store = await PostgresStore.open(POSTGRES_URL, { schema });
      await store.dropSchema();
      await store.close();
    },
  };
}

export const STORE_FIXTURES = [sqliteFixture, postgresFixture];

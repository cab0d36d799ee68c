import { PostgresStore, type PostgresStoreOptions } from "./postgres/postgresStore.ts";
import { SqliteStore } from "./sqlite/sqliteStore.ts";
import type { LedgerStore } from "./types.ts";

/** Where the ledger lives when nothing is configured: a SQLite file under the project. */
export const DEFAULT_STORE = "data/ledger.sqlite";

/**
 * Opens a store from one string: `postgres://…` or `postgresql://…` for PostgreSQL, anything
 * else is a SQLite file path (`sqlite:` prefix optional, `:memory:` for a throwaway ledger).
 */
export async function openStore(location = DEFAULT_STORE, options: PostgresStoreOptions = {}): Promise<LedgerStore> {
  if (/^postgres(ql)?:\/\//.test(location)) return PostgresStore.open(location, options);
  return new SqliteStore(location.replace(/^sqlite:/, ""));
}

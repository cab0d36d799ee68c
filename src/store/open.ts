import { PostgresStore, type PostgresStoreOptions } from "./postgres/postgresStore.ts";
import { SqliteStore } from "./sqlite/sqliteStore.ts";
import type { LedgerStore } from "./types.ts";

/** Where the ledger lives when nothing is configured: a SQLite file under the project. */
export const DEFAULT_STORE = "data/ledger.sqlite";

/**
 * Opens a store from one string: `postgres://…` or `postgresql://…` for PostgreSQL (a
 * `?schema=name` parameter keeps the ledger in its own schema), anything else is a SQLite file
 * path (`sqlite:` prefix optional, `:memory:` for a throwaway ledger). Without one (undefined or
 * empty), the KPPE_STORE environment variable, else DEFAULT_STORE.
 */
export async function openStore(given?: string, options: PostgresStoreOptions = {}): Promise<LedgerStore> {
  const location = given || process.env.KPPE_STORE || DEFAULT_STORE;
  if (/^postgres(ql)?:\/\//.test(location)) {
    const url = new URL(location);
    const schema = url.searchParams.get("schema") ?? options.schema;
    url.searchParams.delete("schema");
    return PostgresStore.open(url.toString(), { ...options, schema });
  }
  return new SqliteStore(location.replace(/^sqlite:/, ""));
}

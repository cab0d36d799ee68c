import { PostgresStore, type PostgresStoreOptions } from "./postgres/postgresStore.ts";
import type { DatabaseSync } from "node:sqlite";
import type { LogStore } from "../log/store.ts";
import { SqliteLogStore } from "./sqlite/sqliteLogStore.ts";
import { SqliteStore } from "./sqlite/sqliteStore.ts";
import { immediateTransaction, openConnection } from "./sqlite/writer.ts";
import type { LedgerStore } from "./types.ts";
import { KppeError } from "../errors.ts";
import { isStoreUnavailable, STORE_UNREACHABLE } from "./failures.ts";

/** Where the ledger lives when nothing is configured: a SQLite file under the project. */
export const DEFAULT_STORE = "data/ledger.sqlite";

/** Whether a store location names PostgreSQL (anything else is a SQLite file). */
function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/** The store a task opens for `given`: it, else KPPE_STORE, else DEFAULT_STORE. */
export function storeLocation(given?: string): string {
  return given || process.env.KPPE_STORE || DEFAULT_STORE;
}

/**
 * Opens a store from one string: `postgres://…` or `postgresql://…` for PostgreSQL (a
 * `?schema=name` parameter keeps the ledger in its own schema), anything else is a SQLite file
 * path (`sqlite:` prefix optional, `:memory:` for a throwaway ledger). Without one (undefined or
 * empty), the KPPE_STORE environment variable, else DEFAULT_STORE.
 */
export async function openStore(given?: string, options: PostgresStoreOptions = {}): Promise<LedgerStore> {
  const location = storeLocation(given);
  try {
    if (isPostgresUrl(location)) {
      const url = new URL(location);
      const schema = url.searchParams.get("schema") ?? options.schema;
      url.searchParams.delete("schema");
      return await PostgresStore.open(url.toString(), { ...options, schema });
    }
    return new SqliteStore(location.replace(/^sqlite:/, ""));
  } catch (error) {
    if (!isStoreUnavailable(error)) throw error;
    const where = printableLocation(location);
    throw new KppeError(STORE_UNREACHABLE, `the store ${where} cannot be reached (${(error as Error).message}): start it, or name another with --store or KPPE_STORE`, { cause: error, details: { store: where } });
  }
}

/** `location` fit for a log line or an error: a PostgreSQL URL without its user's password. */
export function printableLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  const url = new URL(location);
  url.password = "";
  return url.toString();
}

/**
 * Only the log's tables of an existing (already migrated) store, on a connection of its own: for
 * the log integrator's worker thread. SQLite gets one plain connection (no writer thread of its
 * own); its writes wait for the ledger's on the file lock.
 */
export async function openLogStore(location: string): Promise<{ log: LogStore; close(): Promise<void> }> {
  if (isPostgresUrl(location)) {
    const store = await openStore(location);
    return { log: store.log, close: () => store.close() };
  }
  const db = openConnection(location.replace(/^sqlite:/, ""), 10_000);
  const exclusive = <T>(work: (connection: DatabaseSync) => T): Promise<T> => immediateTransaction(db, () => work(db));
  return { log: new SqliteLogStore(db, exclusive), close: async () => db.close() };
}

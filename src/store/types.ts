import type { Source } from "../ledger/sources.ts";
import type { LedgerEntry, LedgerHead } from "../ledger/types.ts";

/** What the ledger needs inside one write transaction. */
export interface LedgerTx {
  head(): Promise<LedgerHead>;
  findByEventIds(eventIds: readonly string[]): Promise<Map<string, LedgerEntry>>;
  insert(entries: readonly LedgerEntry[]): Promise<void>;
  /**
   * Takes `events` credits from `sourceId` (a negative count gives them back). True when the
   * source has unlimited credits or enough of them; false, changing nothing, otherwise.
   */
  charge(sourceId: string, events: number): Promise<boolean>;
}

/**
 * The narrow storage interface behind the ledger. Each backend owns its SQL and migrations; the
 * ledger rules (sequence, links, hashes, dedup) live in src/ledger, not here.
 */
export interface LedgerStore {
  readonly kind: "sqlite" | "postgres";
  /** A description safe to log (no credentials). */
  readonly location: string;
  /**
   * Runs `work` in one durable write transaction, serialized against every other writer of the
   * same ledger, other processes included. Commits when `work` resolves, rolls back when it throws.
   */
  writeTransaction<T>(work: (tx: LedgerTx) => Promise<T>): Promise<T>;
  head(): Promise<LedgerHead>;
  findByEventId(eventId: string): Promise<LedgerEntry | undefined>;
  /** Entries with fifo_sequence >= `from`, in order, at most `limit`. */
  range(from: number, limit: number): Promise<LedgerEntry[]>;
  findSourceByKeyHash(apiKeyHash: string): Promise<Source | undefined>;
  findSource(sourceId: string): Promise<Source | undefined>;
  /** Creates a source; fails if `source_id` exists. */
  createSource(source: Source): Promise<void>;
  /** Adds credits to a limited source and returns the new balance. */
  addCredits(sourceId: string, credits: number): Promise<number | null>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

import type { LedgerEntry, LedgerHead } from "./types.ts";

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
 * What the ledger needs of a store: the ledger declares it, the stores (src/store) implement it.
 * The ledger rules (sequence, links, hashes, dedup) live in the ledger, not behind this port.
 */
export interface LedgerStorePort {
  /**
   * Runs `work` in one durable write transaction, serialized against every other writer of the
   * same ledger, other processes included. Commits when `work` resolves, rolls back when it throws.
   */
  writeTransaction<T>(work: (tx: LedgerTx) => Promise<T>): Promise<T>;
  /**
   * Appends `entries` in one durable transaction without the ledger reading anything first,
   * trusting that their sequence numbers and event ids are free: the store checks both (the
   * primary key, and the event ids through src/store/eventIds.ts), and when either is taken it
   * throws AppendConflict, having written nothing. `inline`:
   * nothing else is waiting, so a store may trade overlap for latency.
   */
  append(entries: readonly LedgerEntry[], options?: { inline?: boolean }): Promise<void>;
  head(): Promise<LedgerHead>;
  /**
   * Reads what the store's appends need before the first one (which event ids are taken), so that
   * the first submission does not wait for it: from the filter saved in the store and the entries
   * after it, or, without one that fits, every id (seconds at ten million entries).
   */
  prepareAppends(): Promise<EventIdsLoaded>;
  /** The committed entry with `eventId`, if any. */
  findByEventId(eventId: string): Promise<LedgerEntry | undefined>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  /**
   * Whether `error` means "the store cannot be reached or is busy now" (retry later) rather than
   * "the store refused this write" (retrying the same write fails the same way).
   */
  isUnavailable(error: unknown): boolean;
}

/**
 * Thrown by `LedgerStorePort.append` when a sequence number or an event id it was given is taken:
 * nothing was written, and the ledger decides again inside a locked transaction.
 */
export class AppendConflict extends Error {
  constructor(cause: unknown) {
    super(`an entry's fifo_sequence or event_id is already taken: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = "AppendConflict";
  }
}

/** How a store's appends came to know the ledger's event ids when it started (prepareAppends). */
export interface EventIdsLoaded {
  /** Entries covered by the filter saved in the store (0 when there was none or it did not fit the ledger). */
  restored: number;
  /** Entries whose ids were read from the ledger. */
  read: number;
}

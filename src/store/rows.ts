import { GENESIS_PREV_HASH } from "../hashing/eventHash.ts";
import type { LedgerEntry, LedgerHead } from "../ledger/types.ts";

/** Column order shared by both stores' INSERT statements. */
export const ENTRY_COLUMNS = [
  "fifo_sequence",
  "event_id",
  "version",
  "payload_hash",
  "source_id",
  "local_timestamp",
  "previous_event_hash",
  "observed_prev_hash",
  "event_hash",
  "content_hash",
  "accepted_at",
  "data",
] as const;

/**
 * `data` is stored as the JSON text of what was parsed, in a text column on both stores, and read
 * back with JSON.parse: one path, so a string, number, boolean or null comes back as itself and
 * keys keep their order (PostgreSQL's jsonb would parse scalars and reorder keys).
 */
export function entryValues(entry: LedgerEntry): Array<string | number | null> {
  return ENTRY_COLUMNS.map((column) => (column === "data" ? JSON.stringify(entry.data ?? null) : (entry[column] as string | number | null)));
}

/** Builds an entry from a row whose columns are named as in ENTRY_COLUMNS. */
export function entryFromRow(row: Record<string, unknown>): LedgerEntry {
  return {
    fifo_sequence: Number(row.fifo_sequence),
    event_id: String(row.event_id),
    version: String(row.version),
    payload_hash: String(row.payload_hash),
    source_id: String(row.source_id),
    local_timestamp: (row.local_timestamp as string | null) ?? null,
    previous_event_hash: (row.previous_event_hash as string | null) ?? null,
    observed_prev_hash: String(row.observed_prev_hash),
    event_hash: String(row.event_hash),
    content_hash: String(row.content_hash),
    accepted_at: row.accepted_at instanceof Date ? row.accepted_at.toISOString() : String(row.accepted_at),
    data: JSON.parse(String(row.data)),
  };
}

/** The head from a row with fifo_sequence and event_hash, or the empty ledger's head when there is none. */
export function headFromRow(row: Record<string, unknown> | undefined): LedgerHead {
  return row ? { fifo_sequence: Number(row.fifo_sequence), event_hash: String(row.event_hash) } : { fifo_sequence: 0, event_hash: GENESIS_PREV_HASH };
}

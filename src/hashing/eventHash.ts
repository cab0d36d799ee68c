import { KppeError } from "../errors.ts";
import { canonicalJson } from "./canonical.ts";
import { sha256 } from "./hashers.ts";
import { isHex32, toHex } from "./hex.ts";

/** The fields of a ledger entry that its `event_hash` commits to (DESIGN section 3). */
export interface LedgerEntryFields {
  fifo_sequence: number;
  version: string;
  event_id: string;
  payload_hash: string;
  source_id: string;
  /** Informational only; `null` when the client sent none. */
  local_timestamp: string | null;
  observed_prev_hash: string;
}

/** `observed_prev_hash` of the first ledger entry. */
export const GENESIS_PREV_HASH = "0x" + "00".repeat(32);

const utf8 = new TextEncoder();

/**
 * `event_hash = sha256(RFC 8785 JSON of the seven committed fields)`, as 0x-hex. Only these
 * fields are taken, whatever else `entry` carries, so a receipt's extra fields cannot change it.
 */
export function eventHash(entry: LedgerEntryFields): string {
  const { fifo_sequence, version, event_id, payload_hash, source_id, local_timestamp, observed_prev_hash } = entry;
  if (!Number.isSafeInteger(fifo_sequence) || fifo_sequence < 1) {
    throw new KppeError("BAD_LEDGER_ENTRY", `fifo_sequence: expected an integer >= 1, got ${JSON.stringify(fifo_sequence)}`);
  }
  for (const [name, value] of Object.entries({ version, event_id, source_id })) {
    if (typeof value !== "string") {
      throw new KppeError("BAD_LEDGER_ENTRY", `${name}: expected a string, got ${JSON.stringify(value)}`);
    }
  }
  if (local_timestamp !== null && typeof local_timestamp !== "string") {
    throw new KppeError("BAD_LEDGER_ENTRY", `local_timestamp: expected a string or null, got ${JSON.stringify(local_timestamp)}`);
  }
  for (const [name, value] of Object.entries({ payload_hash, observed_prev_hash })) {
    if (!isHex32(value)) {
      throw new KppeError("BAD_LEDGER_ENTRY", `${name}: expected 0x followed by 64 lower-case hex digits, got ${JSON.stringify(value)}`);
    }
  }
  const committed = { fifo_sequence, version, event_id, payload_hash, source_id, local_timestamp, observed_prev_hash };
  return toHex(sha256(utf8.encode(canonicalJson(committed))));
}

import { KppeError } from "../errors.ts";
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
const LONE_SURROGATE = /\p{Cs}/u;

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
  for (const [name, value] of Object.entries({ version, event_id, source_id, local_timestamp })) {
    if (typeof value === "string" && LONE_SURROGATE.test(value)) {
      throw new KppeError("BAD_LEDGER_ENTRY", `${name}: contains a lone surrogate, which RFC 8785 JSON cannot represent`);
    }
  }
  // RFC 8785 of this fixed shape, written directly (it runs once per accepted event): keys in
  // UTF-16 order, strings as ECMAScript JSON.stringify writes them (RFC 8785 section 3.2.2.2),
  // the sequence as a safe integer. test/hashing/eventHash.test.ts checks it against vectors.
  const canonical =
    `{"event_id":${JSON.stringify(event_id)},"fifo_sequence":${fifo_sequence},"local_timestamp":${JSON.stringify(local_timestamp)},` +
    `"observed_prev_hash":"${observed_prev_hash}","payload_hash":"${payload_hash}","source_id":${JSON.stringify(source_id)},"version":${JSON.stringify(version)}}`;
  return toHex(sha256(utf8.encode(canonical)));
}

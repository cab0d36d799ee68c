import { KppeError } from "../errors.ts";
import { sha256Hex } from "./hashers.ts";
import { isHex32 } from "./hex.ts";

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

const LONE_SURROGATE = /\p{Cs}/u;

function bad(problem: string): never {
  throw new KppeError("BAD_LEDGER_ENTRY", problem);
}

function checkText(name: string, value: unknown, nullable = false): void {
  if (nullable && value === null) return;
  if (typeof value !== "string") bad(`${name}: expected a string${nullable ? " or null" : ""}, got ${JSON.stringify(value)}`);
  if (LONE_SURROGATE.test(value)) bad(`${name}: contains a lone surrogate, which RFC 8785 JSON cannot represent`);
}

function checkHash(name: string, value: unknown): void {
  if (!isHex32(value)) bad(`${name}: expected 0x followed by 64 lower-case hex digits, got ${JSON.stringify(value)}`);
}

/**
 * `event_hash = sha256(RFC 8785 JSON of the seven committed fields)`, as 0x-hex. Only these
 * fields are taken, whatever else `entry` carries, so a receipt's extra fields cannot change it.
 * Refuses fields that RFC 8785 or DESIGN section 3 do not allow, naming the field.
 */
export function eventHash(entry: LedgerEntryFields): string {
  const { fifo_sequence, version, event_id, payload_hash, source_id, local_timestamp, observed_prev_hash } = entry;
  if (!Number.isSafeInteger(fifo_sequence) || fifo_sequence < 1) bad(`fifo_sequence: expected an integer >= 1, got ${JSON.stringify(fifo_sequence)}`);
  checkText("version", version);
  checkText("event_id", event_id);
  checkText("source_id", source_id);
  checkText("local_timestamp", local_timestamp, true);
  checkHash("payload_hash", payload_hash);
  checkHash("observed_prev_hash", observed_prev_hash);
  return eventHashUnchecked(entry);
}

/**
 * `eventHash` without its checks, for fields already held to them: the ledger's, whose event
 * passed validateEvent (stricter) and whose sequence and previous hash it sets itself.
 */
export function eventHashUnchecked(entry: LedgerEntryFields): string {
  const { fifo_sequence, version, event_id, payload_hash, source_id, local_timestamp, observed_prev_hash } = entry;
  // RFC 8785 of this fixed shape, written directly (it runs once per accepted event): keys in
  // UTF-16 order, strings as ECMAScript JSON.stringify writes them (RFC 8785 section 3.2.2.2),
  // the sequence as a safe integer. test/hashing/eventHash.test.ts checks it against vectors.
  return sha256Hex(
    `{"event_id":${JSON.stringify(event_id)},"fifo_sequence":${fifo_sequence},"local_timestamp":${JSON.stringify(local_timestamp)},` +
      `"observed_prev_hash":"${observed_prev_hash}","payload_hash":"${payload_hash}","source_id":${JSON.stringify(source_id)},"version":${JSON.stringify(version)}}`,
  );
}

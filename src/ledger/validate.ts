import { isHex32 } from "../hashing/hex.ts";
import { LedgerError, type SubmittedEvent } from "./types.ts";

export const PROTOCOL_VERSION = "0.1";
export const MAX_EVENT_ID_LENGTH = 128;
export const MAX_SOURCE_ID_LENGTH = 128;
export const MAX_TIMESTAMP_LENGTH = 64;

const ZERO32 = "0x" + "0".repeat(64);
// Printable, no control characters and no lone surrogates: ids end up in logs, URLs and SQL.
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;
const ALLOWED = new Set(["version", "event_id", "previous_event_hash", "payload_hash", "source_id", "local_timestamp", "data"]);

function bad(field: string, problem: string): never {
  throw new LedgerError("ERR_BAD_FORMAT", `${field}: ${problem}`, { field });
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== "string") bad(field, `expected a string, got ${value === null ? "null" : typeof value}`);
  if (value.length === 0 || value.length > max) bad(field, `expected 1 to ${max} characters, got ${value.length}`);
  if (!PRINTABLE.test(value)) bad(field, "must not contain control characters or lone surrogates");
  return value;
}

function hash(value: unknown, field: string): string {
  if (!isHex32(value)) bad(field, `expected 0x followed by 64 lower-case hex digits, got ${JSON.stringify(value)?.slice(0, 80)}`);
  return value;
}

/**
 * Validates one submitted event (PoE v0.1) strictly: unknown fields, wrong types, bad hex and
 * over-long strings are ERR_BAD_FORMAT naming the field; a version other than "0.1" is
 * ERR_BAD_VERSION. `data` is stored as given and never hashed by the server.
 */
export function validateEvent(raw: unknown, where = "event"): SubmittedEvent {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad(where, "expected a JSON object");
  const body = raw as Record<string, unknown>;
  for (const key of Object.keys(body)) if (!ALLOWED.has(key)) bad(`${where}.${key}`, "unknown field");
  if (body.version === undefined) bad(`${where}.version`, `missing; expected "${PROTOCOL_VERSION}"`);
  if (body.version !== PROTOCOL_VERSION) {
    throw new LedgerError("ERR_BAD_VERSION", `${where}.version: unsupported ${JSON.stringify(body.version)}; this gateway speaks "${PROTOCOL_VERSION}"`, {
      field: `${where}.version`,
    });
  }
  const payload_hash = hash(body.payload_hash, `${where}.payload_hash`);
  if (payload_hash === ZERO32) bad(`${where}.payload_hash`, "the zero hash is padding in batch trees and could never be proven");
  const previous =
    body.previous_event_hash === undefined || body.previous_event_hash === null ? null : hash(body.previous_event_hash, `${where}.previous_event_hash`);
  return {
    version: PROTOCOL_VERSION,
    event_id: text(body.event_id, `${where}.event_id`, MAX_EVENT_ID_LENGTH),
    previous_event_hash: previous,
    payload_hash,
    source_id: text(body.source_id, `${where}.source_id`, MAX_SOURCE_ID_LENGTH),
    local_timestamp: body.local_timestamp === undefined || body.local_timestamp === null ? null : text(body.local_timestamp, `${where}.local_timestamp`, MAX_TIMESTAMP_LENGTH),
    data: body.data === undefined ? null : body.data,
  };
}

import { isHex32 } from "../hashing/hex.ts";
import { LedgerError, type SubmittedEvent } from "./types.ts";

export const PROTOCOL_VERSION = "0.1";
/** Lengths count Unicode code points, not UTF-16 units: an emoji is one character. */
export const MAX_EVENT_ID_LENGTH = 128;
export const MAX_SOURCE_ID_LENGTH = 128;
export const MAX_TIMESTAMP_LENGTH = 64;
/** Deepest nesting of arrays and objects allowed in `data` (each store, and RFC 8785, recurse). */
export const MAX_DATA_DEPTH = 64;

const ZERO32 = "0x" + "0".repeat(64);
// Ids end up in logs, URLs, file names and SQL, and people compare them by eye: no control or
// format characters (bidirectional overrides, zero-width spaces), no line separators, no lone
// surrogates, and not only white space.
const ID_CHARACTERS = { forbidden: /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u, problem: "must not contain control, format or line-separator characters, or lone surrogates" };
const TEXT_CHARACTERS = { forbidden: /[\p{Cc}\p{Cs}]/u, problem: "must not contain control characters or lone surrogates" };
// What neither store can hold as sent: PostgreSQL's jsonb (the analytics_events view) refuses
// U+0000, and a lone surrogate has no UTF-8 form (RFC 8785 refuses it too).
const DATA_FORBIDDEN = /[\u0000\p{Cs}]/u;
const REQUIRED = ["version", "event_id", "payload_hash", "source_id"] as const;
const ALLOWED = new Set<string>([...REQUIRED, "previous_event_hash", "local_timestamp", "data"]);

function bad(field: string, problem: string): never {
  throw new LedgerError("ERR_BAD_FORMAT", `${field}: ${problem}`, { field });
}

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

function text(value: unknown, field: string, max: number, characters: typeof ID_CHARACTERS): string {
  if (typeof value !== "string") bad(field, `expected a string, got ${value === null ? "null" : typeof value}`);
  const length = codePoints(value);
  if (length === 0 || length > max) bad(field, `expected 1 to ${max} characters, got ${length}`);
  if (characters.forbidden.test(value)) bad(field, characters.problem);
  if (value.trim() === "") bad(field, "must not be only white space");
  return value;
}

function hash(value: unknown, field: string): string {
  if (!isHex32(value)) bad(field, `expected 0x followed by 64 lower-case hex digits, got ${JSON.stringify(value)?.slice(0, 80)}`);
  return value;
}

/**
 * Checks that `data` holds only what both stores keep exactly and RFC 8785 can hash: nesting at
 * most MAX_DATA_DEPTH, finite numbers, strings and keys without U+0000 or lone surrogates.
 * Iterative, so hostile nesting cannot overflow the stack.
 */
function checkData(data: unknown, field: string): void {
  const stack: Array<[unknown, string, number]> = [[data, field, 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === "string") {
      if (DATA_FORBIDDEN.test(value)) bad(path, "strings must not contain U+0000 or lone surrogates (neither store can hold them as sent)");
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) bad(path, "numbers must be finite (JSON text such as 1e400 parses to Infinity)");
    } else if (typeof value === "object" && value !== null) {
      if (depth >= MAX_DATA_DEPTH) bad(path, `nested deeper than ${MAX_DATA_DEPTH} arrays or objects`);
      if (Array.isArray(value)) {
        value.forEach((item, i) => stack.push([item, `${path}[${i}]`, depth + 1]));
      } else {
        for (const [key, item] of Object.entries(value)) {
          if (DATA_FORBIDDEN.test(key)) bad(`${path}.${JSON.stringify(key)}`, "keys must not contain U+0000 or lone surrogates");
          stack.push([item, `${path}.${key.length > 40 ? key.slice(0, 40) + "…" : key}`, depth + 1]);
        }
      }
    }
  }
}

/**
 * Validates one submitted event (PoE v0.1) strictly: unknown fields, wrong types, bad hex and
 * over-long strings are ERR_BAD_FORMAT naming the field; a version other than "0.1" is
 * ERR_BAD_VERSION. `data` is stored as given and never hashed by the server.
 */
export function validateEvent(raw: unknown, where = "event"): SubmittedEvent {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad(where, "expected a JSON object");
  const body = raw as Record<string, unknown>;
  const unknown = Object.keys(body).filter((key) => !ALLOWED.has(key));
  const missing = REQUIRED.filter((key) => body[key] === undefined);
  if (unknown.length > 0 || missing.length > 0) {
    const problems = [
      missing.length > 0 ? `missing ${missing.join(", ")}` : "",
      unknown.length > 0 ? `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.slice(0, 8).join(", ")}` : "",
    ].filter(Boolean);
    const field = missing.length > 0 ? `${where}.${missing[0]}` : `${where}.${unknown[0]}`;
    throw new LedgerError(
      "ERR_BAD_FORMAT",
      `${where}: ${problems.join("; ")}. An event is {version: "${PROTOCOL_VERSION}", event_id, payload_hash, source_id, optional previous_event_hash, local_timestamp, data}; put your own fields in data`,
      { field },
    );
  }
  if (body.version !== PROTOCOL_VERSION) {
    throw new LedgerError("ERR_BAD_VERSION", `${where}.version: unsupported ${JSON.stringify(body.version)}; this gateway speaks "${PROTOCOL_VERSION}"`, {
      field: `${where}.version`,
    });
  }
  const payload_hash = hash(body.payload_hash, `${where}.payload_hash`);
  if (payload_hash === ZERO32) bad(`${where}.payload_hash`, "the zero hash is padding in batch trees and could never be proven");
  const previous =
    body.previous_event_hash === undefined || body.previous_event_hash === null ? null : hash(body.previous_event_hash, `${where}.previous_event_hash`);
  const data = body.data === undefined ? null : body.data;
  checkData(data, `${where}.data`);
  return {
    version: PROTOCOL_VERSION,
    event_id: text(body.event_id, `${where}.event_id`, MAX_EVENT_ID_LENGTH, ID_CHARACTERS),
    previous_event_hash: previous,
    payload_hash,
    source_id: text(body.source_id, `${where}.source_id`, MAX_SOURCE_ID_LENGTH, ID_CHARACTERS),
    local_timestamp:
      body.local_timestamp === undefined || body.local_timestamp === null ? null : text(body.local_timestamp, `${where}.local_timestamp`, MAX_TIMESTAMP_LENGTH, TEXT_CHARACTERS),
    data,
  };
}

/** True when `value` could be an event_id: lookups of anything else answer "not found" without asking the store. */
export function couldBeEventId(value: string): boolean {
  try {
    text(value, "event_id", MAX_EVENT_ID_LENGTH, ID_CHARACTERS);
    return true;
  } catch {
    return false;
  }
}

import canonicalize from "canonicalize";
import { KppeError } from "../errors.ts";
import { keccak256 } from "./hashers.ts";
import { toHex } from "./hex.ts";

/** A value that RFC 8785 can represent exactly. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function fail(path: string, problem: string): never {
  throw new KppeError("NOT_CANONICAL_JSON", `${path}: ${problem}; RFC 8785 canonical JSON cannot represent it`, {
    details: { path },
  });
}

/**
 * Refuses what `JSON.stringify` would silently drop or change (undefined, functions, symbols,
 * BigInt, Dates and other class instances, non-finite numbers), naming the path, so that a
 * client never hashes something other than what it meant to send.
 */
function assertJson(value: unknown, path: string): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) fail(path, `${value} is not a finite number`);
      return;
    case "object":
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => assertJson(item, `${path}[${i}]`));
        return;
      }
      {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          fail(path, `a ${proto?.constructor?.name ?? "class"} instance is not plain JSON data`);
        }
      }
      for (const [key, item] of Object.entries(value)) assertJson(item, `${path}.${key}`);
      return;
    default:
      fail(path, `a value of type ${typeof value} is not JSON`);
  }
}

/** RFC 8785 (JCS) canonical JSON of `value`: sorted keys at every depth, ES number form, no whitespace. */
export function canonicalJson(value: unknown): string {
  assertJson(value, "$");
  try {
    return canonicalize(value) as string;
  } catch (cause) {
    // canonicalize refuses lone surrogates in strings and keys.
    throw new KppeError("NOT_CANONICAL_JSON", `$: ${(cause as Error).message}; RFC 8785 canonical JSON cannot represent it`, {
      cause,
    });
  }
}

const utf8 = new TextEncoder();

/** The client hash of an event body: `keccak256(utf8(RFC 8785 canonical JSON))`, as 0x-hex. */
export function clientHash(eventBody: unknown): string {
  return toHex(keccak256(utf8.encode(canonicalJson(eventBody))));
}

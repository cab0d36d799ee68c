import { KppeError } from "../errors.ts";

const HEX32 = /^0x[0-9a-f]{64}$/;
const DIGITS = "0123456789abcdef";
/** The value of each lower-case hex digit by its character code (a table: parsing a hash is on hot paths). */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 16; i++) NIBBLE[DIGITS.charCodeAt(i)] = i;
/** Bytes converted at a time: String.fromCharCode takes its codes as arguments, which are bounded. */
const HEX_CHUNK = 4096;

/**
 * Lower-case 0x-prefixed hex of `bytes`, made from character codes in one call: a string grown
 * with `+=` is a rope, which every later JSON.stringify must flatten (10x slower for proofs
 * written by the million).
 */
export function toHex(bytes: Uint8Array): string {
  let out = "0x";
  for (let start = 0; start < bytes.length; start += HEX_CHUNK) {
    const end = Math.min(bytes.length, start + HEX_CHUNK);
    const codes = new Array<number>((end - start) * 2);
    for (let i = start, c = 0; i < end; i++, c += 2) {
      codes[c] = DIGITS.charCodeAt(bytes[i] >> 4);
      codes[c + 1] = DIGITS.charCodeAt(bytes[i] & 15);
    }
    out += String.fromCharCode(...codes);
  }
  return out;
}

/** True for a 0x-prefixed, lower-case, 32-byte hex string: the one spelling hashes have here. */
export function isHex32(value: unknown): value is string {
  return typeof value === "string" && HEX32.test(value);
}

/**
 * Parses a 32-byte hash. `what` names the value in the error, e.g. "leaf 3".
 * Upper-case hex is refused rather than normalized so that one hash has one spelling everywhere.
 */
export function hex32ToBytes(value: unknown, what = "hash"): Uint8Array {
  if (!isHex32(value)) {
    throw new KppeError(
      "BAD_HEX32",
      `${what}: expected 0x followed by 64 lower-case hex digits (32 bytes), got ${JSON.stringify(value)}`,
    );
  }
  const bytes = new Uint8Array(32);
  for (let i = 0, c = 2; i < 32; i++, c += 2) bytes[i] = (NIBBLE[value.charCodeAt(c)] << 4) | NIBBLE[value.charCodeAt(c + 1)];
  return bytes;
}

/** Lexicographic (big-endian) comparison of the 32-byte words at `a[ai..]` and `b[bi..]`. */
export function compare32(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
  for (let k = 0; k < 32; k++) {
    const d = a[ai + k] - b[bi + k];
    if (d !== 0) return d;
  }
  return 0;
}

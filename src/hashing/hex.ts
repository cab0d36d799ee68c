import { KppeError } from "../errors.ts";

const HEX32 = /^0x[0-9a-f]{64}$/;
const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case 0x-prefixed hex of `bytes` (a lookup table: receipts print millions of these). */
export function toHex(bytes: Uint8Array): string {
  let out = "0x";
  for (let i = 0; i < bytes.length; i++) out += HEX_DIGITS[bytes[i]];
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
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(value.slice(2 + 2 * i, 4 + 2 * i), 16);
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

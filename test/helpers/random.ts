import { randomBytes } from "node:crypto";

/** `count` random 32-byte leaves as 0x-hex (never zero in practice). */
export function randomLeaves(count: number): string[] {
  return Array.from({ length: count }, () => "0x" + randomBytes(32).toString("hex"));
}

export const ZERO_HASH = "0x" + "00".repeat(32);

import { hash } from "node:crypto";
import { createKeccak, createSHA256 } from "hash-wasm";
import { compare32 } from "./hex.ts";

// hash-wasm's WebAssembly hashers run about 5x faster than pure-JS ones here (TOOLCHAIN.md measured
// 970k vs 190k keccak256/s); tree levels use the batched kernel in keccakLevel.ts instead.
// One instance of each serves the whole process; every use below is synchronous, so calls
// cannot interleave.
const keccak = await createKeccak(256);
const sha = await createSHA256();

export function keccak256(data: Uint8Array): Uint8Array {
  keccak.init();
  keccak.update(data);
  return keccak.digest("binary");
}

/**
 * sha256 of `text`'s UTF-8 bytes, as 0x-hex. Node's one-shot `crypto.hash`, not hash-wasm: for the
 * few hundred bytes of an event it takes 0.4 µs against 3.7 µs (a call into WebAssembly and the
 * copies around it cost more than the hashing), and the gateway hashes every event twice.
 */
export function sha256Hex(text: string): string {
  return "0x" + hash("sha256", text, "hex");
}

export type PairHasher = (nodes: Uint8Array, a: number, b: number, out: Uint8Array, o: number) => void;

function sortedPair(hasher: typeof keccak): PairHasher {
  const swapped = new Uint8Array(64);
  return (nodes, a, b, out, o) => {
    hasher.init();
    if (b === a + 32 && compare32(nodes, a, nodes, b) <= 0) {
      // Siblings in a tree level are adjacent: already `min || max` in place, hash without a copy.
      hasher.update(nodes.subarray(a, a + 64));
    } else {
      const [lo, hi] = compare32(nodes, a, nodes, b) <= 0 ? [a, b] : [b, a];
      swapped.set(nodes.subarray(lo, lo + 32), 0);
      swapped.set(nodes.subarray(hi, hi + 32), 32);
      hasher.update(swapped);
    }
    out.set(hasher.digest("binary"), o);
  };
}

/**
 * Hashes the 32-byte nodes at offsets `a` and `b` of `nodes` in ascending order and writes the
 * 32-byte result at `out[o..]`: `keccak256(min || max)`, as OpenZeppelin's `MerkleProof`.
 */
export const keccakSortedPair: PairHasher = sortedPair(keccak);

/** The same with SHA-256: FlowPay's pair rule. */
export const sha256SortedPair: PairHasher = sortedPair(sha);

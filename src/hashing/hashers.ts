import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
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

// Node's one-shot crypto.hash when there is one: for the few hundred bytes of an event it takes
// 0.4 µs against 3.7 µs for hash-wasm (the call into WebAssembly and its copies cost more than the
// hashing), and the gateway hashes every event twice. Looked up at run time, not imported, so that
// browsers and bundlers never see a Node built-in; they use @noble/hashes.
const nodeHash = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process?.getBuiltinModule?.("node:crypto") as
  | { hash(algorithm: string, data: string, encoding: "hex"): string }
  | undefined;

/** sha256 of `text`'s UTF-8 bytes, as 0x-hex. */
export const sha256Hex: (text: string) => string = nodeHash
  ? (text) => "0x" + nodeHash.hash("sha256", text, "hex")
  : (text) => "0x" + bytesToHex(sha256(utf8ToBytes(text)));

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

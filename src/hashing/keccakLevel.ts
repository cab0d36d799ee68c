import { KECCAK_LEVEL_WASM_BASE64 } from "./keccakLevel.wasm.ts";
import { instantiateKernel } from "./wasmKernel.ts";

// A tree level is hashed in chunks of 1,024 pairs (64 KiB in, 32 KiB out), so the WebAssembly
// memory stays at two pages whatever the tree size. Small chunks also matter for speed: V8 first
// runs WebAssembly in a baseline tier and switches to optimized code only on a later call, so
// many short calls reach the fast code early in a process's first tree.
const CHUNK_PAIRS = 1 << 10;
const IN = 1024;
const OUT = IN + CHUNK_PAIRS * 64;

const { exports, heap } = await instantiateKernel(KECCAK_LEVEL_WASM_BASE64, OUT + CHUNK_PAIRS * 32);
const hashLevel = exports.hash_level as (src: number, dst: number, pairs: number) => void;

/**
 * For each of the `pairs` 64-byte pairs at `src[srcOffset..]`, writes
 * keccak256(min || max) (32 bytes) at `dst[dstOffset..]`: one level of a sorted-pair tree.
 * `src` and `dst` may be the same buffer when the ranges do not overlap.
 */
export function keccakSortedPairsLevel(src: Uint8Array, srcOffset: number, pairs: number, dst: Uint8Array, dstOffset: number): void {
  for (let done = 0; done < pairs; done += CHUNK_PAIRS) {
    const n = Math.min(CHUNK_PAIRS, pairs - done);
    heap.set(src.subarray(srcOffset + done * 64, srcOffset + (done + n) * 64), IN);
    hashLevel(IN, OUT, n);
    dst.set(heap.subarray(OUT, OUT + n * 32), dstOffset + done * 32);
  }
}

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { concat, hexlify, keccak256 } from "ethers";
import { keccakSortedPairsLevel } from "../../src/hashing/keccakLevel.ts";
import { wasmModuleSource } from "../../scripts/wasm/build.ts";
import { keccakLevelWasm } from "../../scripts/wasm/keccakLevelWat.ts";

/** keccak256(min || max) with ethers: an implementation independent of the WebAssembly kernel. */
function reference(pair: Uint8Array): string {
  const [a, b] = [hexlify(pair.subarray(0, 32)), hexlify(pair.subarray(32, 64))];
  return BigInt(a) <= BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

describe("WebAssembly level hasher", function () {
  it("equals keccak256(min || max) for random, equal, swapped and near-equal pairs, across chunk boundaries", function () {
    const pairs = 2500; // more than two 1,024-pair chunks
    const src = new Uint8Array(randomBytes(pairs * 64));
    src.fill(7, 0, 64); // a == b
    src.set(src.subarray(64 + 32, 128), 64); // a == b, random bytes
    src.set(src.subarray(128, 160), 160);
    src[191] ^= 1; // a and b differ only in the last byte
    src.fill(0, 192, 256); // zero pair (padding)
    const out = new Uint8Array(pairs * 32);
    keccakSortedPairsLevel(src, 0, pairs, out, 0);
    for (let i = 0; i < pairs; i++) {
      assert.equal(hexlify(out.subarray(i * 32, i * 32 + 32)), reference(src.subarray(i * 64, i * 64 + 64)), `pair ${i}`);
    }
  });

  it("writes in place into the same buffer at an offset", function () {
    const buffer = new Uint8Array(randomBytes(8 * 64 + 8 * 32));
    const expected = Array.from({ length: 8 }, (_, i) => reference(buffer.subarray(i * 64, i * 64 + 64)));
    keccakSortedPairsLevel(buffer, 0, 8, buffer, 8 * 64);
    for (let i = 0; i < 8; i++) assert.equal(hexlify(buffer.subarray(8 * 64 + i * 32, 8 * 64 + i * 32 + 32)), expected[i]);
  });

  it("is built from scripts/wasm/keccakLevelWat.ts (the committed binary is not edited by hand)", async function () {
    const committed = await readFile(new URL("../../src/hashing/keccakLevel.wasm.ts", import.meta.url), "utf8");
    assert.equal(committed, wasmModuleSource("keccakLevel", await keccakLevelWasm()), "run: npm run build:wasm");
  });
});

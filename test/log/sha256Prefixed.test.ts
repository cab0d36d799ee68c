import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { wasmModuleSource } from "../../scripts/wasm/build.ts";
import { sha256PrefixedWasm } from "../../scripts/wasm/sha256PrefixedWat.ts";
import { sha256Prefixed } from "../../src/log/sha256Prefixed.ts";

/** sha256(prefix || input) with OpenSSL, through node:crypto: independent of the WebAssembly kernel. */
function reference(prefix: number, input: Uint8Array): string {
  return createHash("sha256").update(Uint8Array.of(prefix)).update(input).digest("hex");
}

describe("WebAssembly SHA-256 of prefixed 64-byte inputs (the log's leaves and nodes)", function () {
  it("equals OpenSSL's sha256(prefix || input) for both prefixes, every input, in every SIMD lane and the remainder, across chunk boundaries", function () {
    // Four inputs at a time on SIMD lanes, the last count % 4 one at a time.
    for (const count of [1, 2, 3, 4, 5, 7, 8, 4095, 4096, 4097, 9000]) {
      const src = new Uint8Array(randomBytes(count * 64));
      src.fill(0xff, 0, 64); // all ones: a carry in every addition
      if (count > 1) src.fill(0, 64, 128); // all zeros
      for (const prefix of [0x00, 0x01] as const) {
        const out = new Uint8Array(count * 32);
        sha256Prefixed(prefix, src, 0, count, out, 0);
        for (let i = 0; i < count; i++) {
          assert.equal(Buffer.from(out.subarray(i * 32, i * 32 + 32)).toString("hex"), reference(prefix, src.subarray(i * 64, i * 64 + 64)), `count ${count}, prefix ${prefix}, input ${i}`);
        }
      }
    }
  });

  it("gives a fixed value computed outside Node: a zero byte and 64 'a's", function () {
    // (printf '\x00'; printf 'a%.0s' $(seq 64)) | sha256sum   (GNU coreutils)
    const out = new Uint8Array(32);
    sha256Prefixed(0x00, new Uint8Array(64).fill(0x61), 0, 1, out, 0);
    assert.equal(Buffer.from(out).toString("hex"), "88df0645999a1bc9dec19086e862403750a069436d7ecf7775256f78279b3fcb");
  });

  it("reads from and writes to offsets of one buffer", function () {
    const buffer = new Uint8Array(randomBytes(8 * 64 + 8 * 32 + 5));
    const expected = Array.from({ length: 8 }, (_, i) => reference(0x01, buffer.subarray(5 + i * 64, 5 + i * 64 + 64)));
    sha256Prefixed(0x01, buffer, 5, 8, buffer, 5 + 8 * 64);
    for (let i = 0; i < 8; i++) assert.equal(Buffer.from(buffer.subarray(5 + 8 * 64 + i * 32, 5 + 8 * 64 + i * 32 + 32)).toString("hex"), expected[i]);
  });

  it("is built from scripts/wasm/sha256PrefixedWat.ts (the committed binary is not edited by hand)", async function () {
    const committed = await readFile(new URL("../../src/log/sha256Prefixed.wasm.ts", import.meta.url), "utf8");
    assert.equal(committed, wasmModuleSource("sha256Prefixed", await sha256PrefixedWasm()), "run: npm run build:wasm");
  });
});

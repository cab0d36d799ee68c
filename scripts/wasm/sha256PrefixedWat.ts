// Generates the WebAssembly text of `hash_prefixed(prefix, src, dst, count)`: for each of `count`
// 64-byte inputs at `src`, writes sha256(prefix || input) (32 bytes) at `dst`. With prefix 0x00
// and event_hash || content_hash that is the log's leaf hash, with 0x01 and left || right its
// node hash (RFC 9162). One call hashes thousands: Node's crypto.hash costs about 1 µs a call
// whatever the input, most of it the call itself. `hash_prefixed_x4` does the same for four
// inputs at a time on 128-bit SIMD lanes, from the same rounds (2.4 times the rate). Built into
// src/log/sha256Prefixed.wasm.ts by scripts/wasm/build.ts; a test checks they agree.
import { assembleWat } from "./assemble.ts";

/** SHA-256 round constants (FIPS 180-4, section 4.2.2). */
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/** Initial hash value (FIPS 180-4, section 5.3.3). */
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const get = (name: string) => `(local.get $${name})`;
const i32 = (value: number) => `(i32.const ${value | 0})`;

/** The operations the rounds need, on one 32-bit word (i32) or on four lanes of them (v128). */
interface Ops {
  type: "i32" | "v128";
  /** An i32 value in every word. */
  splat(x: string): string;
  add(...terms: string[]): string;
  xor(...terms: string[]): string;
  and(x: string, y: string): string;
  or(x: string, y: string): string;
  rotr(x: string, n: number): string;
  shr(x: string, n: number): string;
  shl(x: string, n: number): string;
  /** Each word's bytes reversed: big-endian words from little-endian loads. */
  bswap(x: string): string;
  /** The word(s) loaded (`load`, e.g. i32.load) at `offset` past `base` within each input. */
  load(load: string, offset: number, base?: string): string;
}

const reduce = (op: string) => (...terms: string[]) => terms.reduce((sum, term) => `(${op} ${sum} ${term})`);

const ONE: Ops = {
  type: "i32",
  splat: (x) => x,
  add: reduce("i32.add"),
  xor: reduce("i32.xor"),
  and: (x, y) => `(i32.and ${x} ${y})`,
  or: (x, y) => `(i32.or ${x} ${y})`,
  rotr: (x, n) => `(i32.rotr ${x} ${i32(n)})`,
  shr: (x, n) => `(i32.shr_u ${x} ${i32(n)})`,
  shl: (x, n) => `(i32.shl ${x} ${i32(n)})`,
  bswap: (x) => `(i32.or (i32.rotr (i32.and ${x} ${i32(0x00ff00ff)}) ${i32(8)}) (i32.rotl (i32.and ${x} ${i32(0xff00ff00)}) ${i32(8)}))`,
  load: (load, offset, base = "(local.get $src)") => `(${load} offset=${offset} ${base})`,
};

// Four lanes: lane j hashes the j-th of four consecutive inputs (SIMD has no rotate: a rotation is
// two shifts and an or).
const FOUR: Ops = {
  type: "v128",
  splat: (x) => `(i32x4.splat ${x})`,
  add: reduce("i32x4.add"),
  xor: reduce("v128.xor"),
  and: (x, y) => `(v128.and ${x} ${y})`,
  or: (x, y) => `(v128.or ${x} ${y})`,
  rotr: (x, n) => `(v128.or (i32x4.shr_u ${x} ${i32(n)}) (i32x4.shl ${x} ${i32(32 - n)}))`,
  shr: (x, n) => `(i32x4.shr_u ${x} ${i32(n)})`,
  shl: (x, n) => `(i32x4.shl ${x} ${i32(n)})`,
  bswap: (x) => `(i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 ${x} ${x})`,
  load: (load, offset, base = "(local.get $src)") =>
    [1, 2, 3].reduce((vector, lane) => `(i32x4.replace_lane ${lane} ${vector} (${load} offset=${offset + 64 * lane} ${base}))`, `(i32x4.splat (${load} offset=${offset} ${base}))`),
};

/** The 64 rounds of one block over working variables v0..v7 and message words w0..w15 (renamed each round instead of moved). */
function rounds(op: Ops): string[] {
  const out: string[] = [];
  for (let t = 0; t < 64; t++) {
    const v = (k: number) => `v${(((k - t) % 8) + 8) % 8}`;
    const w = (k: number) => `w${(((k % 16) + 16) % 16)}`;
    if (t >= 16) {
      const s0 = op.xor(op.rotr(get(w(t - 15)), 7), op.rotr(get(w(t - 15)), 18), op.shr(get(w(t - 15)), 3));
      const s1 = op.xor(op.rotr(get(w(t - 2)), 17), op.rotr(get(w(t - 2)), 19), op.shr(get(w(t - 2)), 10));
      out.push(`(local.set $${w(t)} ${op.add(s1, get(w(t - 7)), s0, get(w(t - 16)))})`);
    }
    const [a, b, c, d, e, f, g, h] = [0, 1, 2, 3, 4, 5, 6, 7].map(v);
    const sigma1 = op.xor(op.rotr(get(e), 6), op.rotr(get(e), 11), op.rotr(get(e), 25));
    const choose = op.xor(get(g), op.and(get(e), op.xor(get(f), get(g))));
    out.push(`(local.set $t1 ${op.add(get(h), sigma1, choose, op.splat(i32(K[t])), get(w(t)))})`);
    const sigma0 = op.xor(op.rotr(get(a), 2), op.rotr(get(a), 13), op.rotr(get(a), 22));
    const majority = op.or(op.and(get(a), get(b)), op.and(get(c), op.or(get(a), get(b))));
    out.push(`(local.set $${d} ${op.add(get(d), get("t1"))})`);
    out.push(`(local.set $${h} ${op.add(get("t1"), sigma0, majority)})`);
  }
  return out;
}

/** The exported function `name`, hashing `inputs` inputs per turn (1, or 4 on SIMD lanes: then `count` is a multiple of 4). */
function hashFunction(name: string, op: Ops, inputs: 1 | 4): string {
  const constant = (value: number) => op.splat(i32(value));
  const locals = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `(local $${prefix}${i} ${op.type})`).join(" ");
  // Block 1: prefix, then input bytes 0-62. Word k (k >= 1) is input bytes 4k-1 .. 4k+2: a load at
  // src + 4k - 1. Word 0 takes the prefix as its top byte (src - 1 is in memory: inputs never start at 0).
  const firstBlock = [
    `(local.set $w0 ${op.or(op.splat(`(i32.shl (local.get $prefix) ${i32(24)})`), op.and(op.bswap(op.load("i32.load", 0, `(i32.sub (local.get $src) ${i32(1)})`)), constant(0x00ffffff)))})`,
    ...Array.from({ length: 15 }, (_, j) => j + 1).map((k) => `(local.set $w${k} ${op.bswap(op.load("i32.load", 4 * k - 1))})`),
  ];
  // Block 2: input byte 63, the 0x80 pad byte, zeros, and the message length (65 bytes = 520 bits).
  const secondBlock = [
    `(local.set $w0 ${op.or(op.shl(op.load("i32.load8_u", 63), 24), constant(0x00800000))})`,
    ...Array.from({ length: 14 }, (_, j) => `(local.set $w${j + 1} ${constant(0)})`),
    `(local.set $w15 ${constant(520)})`,
  ];
  const start = IV.map((value, i) => `(local.set $h${i} ${constant(value)})`);
  const begin = IV.map((_, i) => `(local.set $v${i} (local.get $h${i}))`);
  const finish = IV.map((_, i) => `(local.set $h${i} ${op.add(get(`h${i}`), get(`v${i}`))})`);
  const store = IV.flatMap((_, i) =>
    inputs === 1
      ? [`(i32.store offset=${4 * i} (local.get $dst) ${op.bswap(get(`h${i}`))})`]
      : [
          `(local.set $h${i} ${op.bswap(get(`h${i}`))})`,
          ...[0, 1, 2, 3].map((lane) => `(i32.store offset=${32 * lane + 4 * i} (local.get $dst) (i32x4.extract_lane ${lane} (local.get $h${i})))`),
        ],
  );
  return `(func (export "${name}") (param $prefix i32) (param $src i32) (param $dst i32) (param $count i32)
    (local $block i32) (local $t1 ${op.type})
    ${locals("h", 8)}
    ${locals("v", 8)}
    ${locals("w", 16)}
    (block $done
      (loop $message
        (br_if $done (i32.eqz (local.get $count)))
        ${start.join("\n        ")}
        (local.set $block (i32.const 0))
        (loop $blocks
          (if (i32.eqz (local.get $block))
            (then
              ${firstBlock.join("\n              ")})
            (else
              ${secondBlock.join("\n              ")}))
          ${begin.join("\n          ")}
          ${rounds(op).join("\n          ")}
          ${finish.join("\n          ")}
          (local.set $block (i32.add (local.get $block) (i32.const 1)))
          (br_if $blocks (i32.lt_u (local.get $block) (i32.const 2))))
        ${store.join("\n        ")}
        (local.set $src (i32.add (local.get $src) (i32.const ${64 * inputs})))
        (local.set $dst (i32.add (local.get $dst) (i32.const ${32 * inputs})))
        (local.set $count (i32.sub (local.get $count) (i32.const ${inputs})))
        (br $message))))`;
}

export function sha256PrefixedWat(): string {
  return `(module
  (memory (export "memory") 1)
  ${hashFunction("hash_prefixed", ONE, 1)}
  ${hashFunction("hash_prefixed_x4", FOUR, 4)})
`;
}

export function sha256PrefixedWasm(): Promise<Uint8Array> {
  return assembleWat("sha256-prefixed.wat", sha256PrefixedWat());
}

// Generates the WebAssembly text of `hash_prefixed(prefix, src, dst, count)`: for each of `count`
// 64-byte inputs at `src`, writes sha256(prefix || input) (32 bytes) at `dst`. With prefix 0x00
// and event_hash || content_hash that is the log's leaf hash, with 0x01 and left || right its
// node hash (RFC 9162). One call hashes thousands: Node's crypto.hash costs about 1 µs a call
// whatever the input, most of it the call itself. Built into src/log/sha256Prefixed.wasm.ts by
// scripts/wasm/build.ts; a test checks they agree.
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
const add = (...terms: string[]) => terms.reduce((sum, term) => `(i32.add ${sum} ${term})`);
const xor = (...terms: string[]) => terms.reduce((sum, term) => `(i32.xor ${sum} ${term})`);
const rotr = (x: string, n: number) => `(i32.rotr ${x} ${i32(n)})`;
const shr = (x: string, n: number) => `(i32.shr_u ${x} ${i32(n)})`;
/** Big-endian 32-bit word from a little-endian load. */
const bswap = (x: string) => `(i32.or (i32.rotr (i32.and ${x} ${i32(0x00ff00ff)}) ${i32(8)}) (i32.rotl (i32.and ${x} ${i32(0xff00ff00)}) ${i32(8)}))`;

/** The 64 rounds of one block over working variables v0..v7 and message words w0..w15 (renamed each round instead of moved). */
function rounds(): string[] {
  const out: string[] = [];
  for (let t = 0; t < 64; t++) {
    const v = (k: number) => `v${(((k - t) % 8) + 8) % 8}`;
    const w = (k: number) => `w${(((k % 16) + 16) % 16)}`;
    if (t >= 16) {
      const s0 = xor(rotr(get(w(t - 15)), 7), rotr(get(w(t - 15)), 18), shr(get(w(t - 15)), 3));
      const s1 = xor(rotr(get(w(t - 2)), 17), rotr(get(w(t - 2)), 19), shr(get(w(t - 2)), 10));
      out.push(`(local.set $${w(t)} ${add(s1, get(w(t - 7)), s0, get(w(t - 16)))})`);
    }
    const [a, b, c, d, e, f, g, h] = [0, 1, 2, 3, 4, 5, 6, 7].map(v);
    const sigma1 = xor(rotr(get(e), 6), rotr(get(e), 11), rotr(get(e), 25));
    const choose = xor(get(g), `(i32.and ${get(e)} ${xor(get(f), get(g))})`);
    out.push(`(local.set $t1 ${add(get(h), sigma1, choose, i32(K[t]), get(w(t)))})`);
    const sigma0 = xor(rotr(get(a), 2), rotr(get(a), 13), rotr(get(a), 22));
    const majority = `(i32.or (i32.and ${get(a)} ${get(b)}) (i32.and ${get(c)} (i32.or ${get(a)} ${get(b)})))`;
    out.push(`(local.set $${d} ${add(get(d), get("t1"))})`);
    out.push(`(local.set $${h} ${add(get("t1"), sigma0, majority)})`);
  }
  return out;
}

// Four lanes: the same rounds on v128 values, lane j hashing the j-th of four consecutive inputs
// (SIMD has no rotate: a rotation is two shifts and an or).
const v = {
  get,
  splat: (value: number) => `(i32x4.splat ${i32(value)})`,
  add: (...terms: string[]) => terms.reduce((sum, term) => `(i32x4.add ${sum} ${term})`),
  xor: (...terms: string[]) => terms.reduce((sum, term) => `(v128.xor ${sum} ${term})`),
  and: (x: string, y: string) => `(v128.and ${x} ${y})`,
  or: (x: string, y: string) => `(v128.or ${x} ${y})`,
  rotr: (x: string, n: number) => `(v128.or (i32x4.shr_u ${x} ${i32(n)}) (i32x4.shl ${x} ${i32(32 - n)}))`,
  shr: (x: string, n: number) => `(i32x4.shr_u ${x} ${i32(n)})`,
  /** Each lane's bytes reversed: big-endian words from little-endian loads. */
  bswap: (x: string) => `(i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 ${x} ${x})`,
  /** A vector of the loads at `offset` within each of the four 64-byte inputs at `base`. */
  gather: (load: string, offset: number, base = "(local.get $src)") =>
    [1, 2, 3].reduce((vector, lane) => `(i32x4.replace_lane ${lane} ${vector} (${load} offset=${offset + 64 * lane} ${base}))`, `(i32x4.splat (${load} offset=${offset} ${base}))`),
};

/** `rounds()` on four lanes. */
function roundsX4(): string[] {
  const out: string[] = [];
  for (let t = 0; t < 64; t++) {
    const r = (k: number) => `v${(((k - t) % 8) + 8) % 8}`;
    const w = (k: number) => `w${(((k % 16) + 16) % 16)}`;
    if (t >= 16) {
      const s0 = v.xor(v.rotr(get(w(t - 15)), 7), v.rotr(get(w(t - 15)), 18), v.shr(get(w(t - 15)), 3));
      const s1 = v.xor(v.rotr(get(w(t - 2)), 17), v.rotr(get(w(t - 2)), 19), v.shr(get(w(t - 2)), 10));
      out.push(`(local.set $${w(t)} ${v.add(s1, get(w(t - 7)), s0, get(w(t - 16)))})`);
    }
    const [a, b, c, d, e, f, g, h] = [0, 1, 2, 3, 4, 5, 6, 7].map(r);
    const sigma1 = v.xor(v.rotr(get(e), 6), v.rotr(get(e), 11), v.rotr(get(e), 25));
    const choose = v.xor(get(g), v.and(get(e), v.xor(get(f), get(g))));
    out.push(`(local.set $t1 ${v.add(get(h), sigma1, choose, v.splat(K[t]), get(w(t)))})`);
    const sigma0 = v.xor(v.rotr(get(a), 2), v.rotr(get(a), 13), v.rotr(get(a), 22));
    const majority = v.or(v.and(get(a), get(b)), v.and(get(c), v.or(get(a), get(b))));
    out.push(`(local.set $${d} ${v.add(get(d), get("t1"))})`);
    out.push(`(local.set $${h} ${v.add(get("t1"), sigma0, majority)})`);
  }
  return out;
}

/** `hash_prefixed_x4`: as hash_prefixed, four inputs at a time; `count` must be a multiple of 4. */
function hashPrefixedX4(): string {
  const locals = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `(local $${prefix}${i} v128)`).join(" ");
  const firstBlock = [
    `(local.set $w0 ${v.or(`(i32x4.splat (i32.shl (local.get $prefix) ${i32(24)}))`, v.and(v.bswap(v.gather("i32.load", 0, `(i32.sub (local.get $src) ${i32(1)})`)), v.splat(0x00ffffff)))})`,
    ...Array.from({ length: 15 }, (_, j) => j + 1).map((k) => `(local.set $w${k} ${v.bswap(v.gather("i32.load", 4 * k - 1))})`),
  ];
  const secondBlock = [
    `(local.set $w0 ${v.or(`(i32x4.shl ${v.gather("i32.load8_u", 63)} ${i32(24)})`, v.splat(0x00800000))})`,
    ...Array.from({ length: 14 }, (_, j) => `(local.set $w${j + 1} ${v.splat(0)})`),
    `(local.set $w15 ${v.splat(520)})`,
  ];
  const start = IV.map((value, i) => `(local.set $h${i} ${v.splat(value)})`);
  const begin = IV.map((_, i) => `(local.set $v${i} (local.get $h${i}))`);
  const finish = IV.map((_, i) => `(local.set $h${i} (i32x4.add (local.get $h${i}) (local.get $v${i})))`);
  const store = IV.flatMap((_, i) => [
    `(local.set $h${i} ${v.bswap(`(local.get $h${i})`)})`,
    ...[0, 1, 2, 3].map((lane) => `(i32.store offset=${32 * lane + 4 * i} (local.get $dst) (i32x4.extract_lane ${lane} (local.get $h${i})))`),
  ]);
  return `(func (export "hash_prefixed_x4") (param $prefix i32) (param $src i32) (param $dst i32) (param $count i32)
    (local $block i32) (local $t1 v128)
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
          ${roundsX4().join("\n          ")}
          ${finish.join("\n          ")}
          (local.set $block (i32.add (local.get $block) (i32.const 1)))
          (br_if $blocks (i32.lt_u (local.get $block) (i32.const 2))))
        ${store.join("\n        ")}
        (local.set $src (i32.add (local.get $src) (i32.const 256)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
        (local.set $count (i32.sub (local.get $count) (i32.const 4)))
        (br $message))))`;
}

export function sha256PrefixedWat(): string {
  const locals = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `(local $${prefix}${i} i32)`).join(" ");
  // Block 1: prefix, then input bytes 0-62. Word k (k >= 1) is input bytes 4k-1 .. 4k+2: a load at
  // src + 4k - 1. Word 0 takes the prefix as its top byte (src - 1 is in memory: inputs never start at 0).
  const firstBlock = [
    `(local.set $w0 (i32.or (i32.shl (local.get $prefix) ${i32(24)}) (i32.and ${bswap(`(i32.load offset=0 (i32.sub (local.get $src) ${i32(1)}))`)} ${i32(0x00ffffff)})))`,
    ...Array.from({ length: 15 }, (_, j) => j + 1).map((k) => `(local.set $w${k} ${bswap(`(i32.load offset=${4 * k - 1} (local.get $src))`)})`),
  ];
  // Block 2: input byte 63, the 0x80 pad byte, zeros, and the message length (65 bytes = 520 bits).
  const secondBlock = [
    `(local.set $w0 (i32.or (i32.shl (i32.load8_u offset=63 (local.get $src)) ${i32(24)}) ${i32(0x00800000)}))`,
    ...Array.from({ length: 14 }, (_, j) => `(local.set $w${j + 1} ${i32(0)})`),
    `(local.set $w15 ${i32(520)})`,
  ];
  const start = IV.map((value, i) => `(local.set $h${i} ${i32(value)})`);
  const begin = IV.map((_, i) => `(local.set $v${i} (local.get $h${i}))`);
  const finish = IV.map((_, i) => `(local.set $h${i} (i32.add (local.get $h${i}) (local.get $v${i})))`);
  const store = IV.map((_, i) => `(i32.store offset=${4 * i} (local.get $dst) ${bswap(`(local.get $h${i})`)})`);
  return `(module
  (memory (export "memory") 1)
  (func (export "hash_prefixed") (param $prefix i32) (param $src i32) (param $dst i32) (param $count i32)
    (local $block i32) (local $t1 i32)
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
          ${rounds().join("\n          ")}
          ${finish.join("\n          ")}
          (local.set $block (i32.add (local.get $block) (i32.const 1)))
          (br_if $blocks (i32.lt_u (local.get $block) (i32.const 2))))
        ${store.join("\n        ")}
        (local.set $src (i32.add (local.get $src) (i32.const 64)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $message))))
  ${hashPrefixedX4()})
`;
}

export function sha256PrefixedWasm(): Promise<Uint8Array> {
  return assembleWat("sha256-prefixed.wat", sha256PrefixedWat());
}

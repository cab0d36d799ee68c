// Generates the WebAssembly text of `hash_level(src, dst, pairs)`: for each of `pairs` 64-byte
// inputs at `src`, writes keccak256(min(a, b) || max(a, b)) (32 bytes) at `dst`. One call hashes a
// whole tree level, which removes the JS-to-WASM round trips that dominate per-pair hashing.
// Built into src/hashing/keccakLevel.wasm.ts by scripts/wasm/build.ts; a test checks they agree.
import { assembleWat } from "./assemble.ts";

/** Keccak-f[1600] round constants (FIPS 202, section 3.2.5). */
const ROUND_CONSTANTS = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n,
  0x000000000000808bn, 0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n,
  0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n,
  0x8000000000008002n, 0x8000000000000080n, 0x000000000000800an, 0x800000008000000an,
  0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];

/** Rotation offsets r[x + 5y] (FIPS 202, rho). */
const ROTATIONS = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

const s = (i: number) => `(local.get $s${i})`;
const b = (i: number) => `(local.get $b${i})`;
const xor = (x: string, y: string) => `(i64.xor ${x} ${y})`;

function round(): string[] {
  const out: string[] = [];
  // theta
  for (let x = 0; x < 5; x++) out.push(`(local.set $c${x} ${xor(xor(xor(xor(s(x), s(x + 5)), s(x + 10)), s(x + 15)), s(x + 20))})`);
  for (let x = 0; x < 5; x++) out.push(`(local.set $d${x} ${xor(`(local.get $c${(x + 4) % 5})`, `(i64.rotl (local.get $c${(x + 1) % 5}) (i64.const 1))`)})`);
  for (let i = 0; i < 25; i++) out.push(`(local.set $s${i} ${xor(s(i), `(local.get $d${i % 5})`)})`);
  // rho and pi: B[y, 2x + 3y] = rotl(A[x, y], r[x, y])
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      out.push(`(local.set $b${y + 5 * ((2 * x + 3 * y) % 5)} (i64.rotl ${s(x + 5 * y)} (i64.const ${ROTATIONS[x + 5 * y]})))`);
    }
  }
  // chi
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      const not = `(i64.xor ${b(((x + 1) % 5) + 5 * y)} (i64.const -1))`;
      out.push(`(local.set $s${x + 5 * y} ${xor(b(x + 5 * y), `(i64.and ${not} ${b(((x + 2) % 5) + 5 * y)})`)})`);
    }
  }
  // iota: round constants are at memory offset 0
  out.push(`(local.set $s0 ${xor(s(0), "(i64.load (i32.shl (local.get $round) (i32.const 3)))")})`);
  return out;
}

function littleEndianBytes(value: bigint): string {
  let out = "";
  for (let i = 0n; i < 8n; i++) out += "\\" + ((value >> (8n * i)) & 0xffn).toString(16).padStart(2, "0");
  return out;
}

export function keccakLevelWat(): string {
  const lanes = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `(local $${prefix}${i} i64)`).join(" ");
  const absorb = [
    ...[0, 1, 2, 3].map((i) => `(local.set $s${i} (i64.load offset=${8 * i} (local.get $lo)))`),
    ...[0, 1, 2, 3].map((i) => `(local.set $s${i + 4} (i64.load offset=${8 * i} (local.get $hi)))`),
    // keccak256 padding of a 64-byte message: 0x01 at byte 64 (lane 8), 0x80 at byte 135 (top of lane 16)
    "(local.set $s8 (i64.const 1))",
    ...Array.from({ length: 16 }, (_, k) => k + 9).map((i) => `(local.set $s${i} (i64.const ${i === 16 ? "0x8000000000000000" : 0}))`),
  ];
  return `(module
  (memory (export "memory") 1)
  (data (i32.const 0) "${ROUND_CONSTANTS.map(littleEndianBytes).join("")}")
  (func (export "hash_level") (param $src i32) (param $dst i32) (param $pairs i32)
    (local $lo i32) (local $hi i32) (local $i i32) (local $x i32) (local $y i32) (local $round i32)
    ${lanes("s", 25)}
    ${lanes("b", 25)}
    ${lanes("c", 5)}
    ${lanes("d", 5)}
    (block $done
      (loop $pair
        (br_if $done (i32.eqz (local.get $pairs)))
        ;; order the two 32-byte nodes as big-endian numbers: min first
        (local.set $lo (local.get $src))
        (local.set $hi (i32.add (local.get $src) (i32.const 32)))
        (local.set $i (i32.const 0))
        (block $ordered
          (loop $compare
            (br_if $ordered (i32.eq (local.get $i) (i32.const 32)))
            (local.set $x (i32.load8_u (i32.add (local.get $src) (local.get $i))))
            (local.set $y (i32.load8_u (i32.add (i32.add (local.get $src) (i32.const 32)) (local.get $i))))
            (if (i32.ne (local.get $x) (local.get $y))
              (then
                (if (i32.gt_u (local.get $x) (local.get $y))
                  (then
                    (local.set $lo (i32.add (local.get $src) (i32.const 32)))
                    (local.set $hi (local.get $src))))
                (br $ordered)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $compare)))
        ${absorb.join("\n        ")}
        (local.set $round (i32.const 0))
        (loop $rounds
          ${round().join("\n          ")}
          (local.set $round (i32.add (local.get $round) (i32.const 1)))
          (br_if $rounds (i32.lt_u (local.get $round) (i32.const 24))))
        ${[0, 1, 2, 3].map((i) => `(i64.store offset=${8 * i} (local.get $dst) (local.get $s${i}))`).join("\n        ")}
        (local.set $src (i32.add (local.get $src) (i32.const 64)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $pairs (i32.sub (local.get $pairs) (i32.const 1)))
        (br $pair)))))
`;
}

export function keccakLevelWasm(): Promise<Uint8Array> {
  return assembleWat("keccak-level.wat", keccakLevelWat());
}

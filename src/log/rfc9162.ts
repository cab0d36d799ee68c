import { sha256 } from "@noble/hashes/sha2.js";
import { KppeError } from "../errors.ts";
import { hex32ToBytes, toHex } from "../hashing/hex.ts";

// The RFC 9162 (RFC 6962) Merkle tree hash, with SHA-256 and its domain separation:
// leaf = sha256(0x00 || leaf data), node = sha256(0x01 || left || right), empty tree = sha256("").
// Pure and browser-safe (@noble/hashes); sizes are plain numbers up to 2^53 - 1, so every bit
// operation below is written as arithmetic (JavaScript's bit operators stop at 32 bits).

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** sha256(prefix || a || b) for two 32-byte values. */
function hashPrefixed(prefix: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(65);
  buffer[0] = prefix;
  buffer.set(a, 1);
  buffer.set(b, 33);
  return sha256(buffer);
}

/** sha256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hashPrefixed(NODE_PREFIX, left, right);
}

/** The log's leaf: sha256(0x00 || event_hash || content_hash), 64 bytes of leaf data (DESIGN section 7). */
export function leafHashBytes(eventHash: Uint8Array, contentHash: Uint8Array): Uint8Array {
  return hashPrefixed(LEAF_PREFIX, eventHash, contentHash);
}

/** The leaf hash of a ledger entry, from its `event_hash` and `content_hash` (0x hex). */
export function logLeafHash(eventHash: string, contentHash: string): string {
  return toHex(leafHashBytes(hex32ToBytes(eventHash, "eventHash"), hex32ToBytes(contentHash, "contentHash")));
}

/** The root of the tree over `leafHashes` (0x hex, in log order); sha256("") for none. */
export function logRoot(leafHashes: readonly string[]): string {
  const leaves = leafHashes.map((h, i) => hex32ToBytes(h, `leafHashes[${i}]`));
  return toHex(rangeHash(0, leaves.length, (start, end) => perfectRoot(leaves, start, end)));
}

/** The root of `leaves[start..end)`, where `end - start` is a power of two. */
function perfectRoot(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  if (end - start === 1) return leaves[start];
  const mid = start + (end - start) / 2;
  return hashChildren(perfectRoot(leaves, start, mid), perfectRoot(leaves, mid, end));
}

/** The largest power of two strictly below `n` (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The aligned perfect subtrees that make up `[start, end)`, left to right, as `[start, end)` pairs.
 * Every range an RFC 9162 proof names starts at a multiple of a power of two at least its length,
 * so it is the largest perfect subtree first, then the rest of the range the same way.
 */
export function perfectSubtrees(start: number, end: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  while (start < end) {
    let size = 1;
    while (size * 2 <= end - start) size *= 2;
    parts.push([start, start + size]);
    start += size;
  }
  return parts;
}

/**
 * MTH(D[start:end]) from the hashes of its perfect subtrees (`perfect(a, b)`): the right-most
 * subtree first, each one to its left hashed on top, as RFC 9162's split rule builds it.
 */
export function rangeHash(start: number, end: number, perfect: (start: number, end: number) => Uint8Array): Uint8Array {
  if (start === end) return sha256(new Uint8Array(0));
  const parts = perfectSubtrees(start, end);
  let hash = perfect(...parts[parts.length - 1]);
  for (let i = parts.length - 2; i >= 0; i--) hash = hashChildren(perfect(...parts[i]), hash);
  return hash;
}

/** The ranges whose hashes form the inclusion proof of `index` in a tree of `size` (RFC 9162 2.1.3.1), bottom up. */
export function inclusionRanges(index: number, size: number): Array<[number, number]> {
  const path: Array<[number, number]> = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index - start < k) {
      path.push([start + k, end]);
      end = start + k;
    } else {
      path.push([start, start + k]);
      start += k;
    }
  }
  return path.reverse();
}

/** The ranges whose hashes form the consistency proof from `size1` to `size2` (RFC 9162 2.1.4.1), bottom up. */
export function consistencyRanges(size1: number, size2: number): Array<[number, number]> {
  const path: Array<[number, number]> = [];
  let start = 0;
  let end = size2;
  let m = size1;
  let whole = true; // SUBPROOF's b: the old tree is still a whole subtree of this one
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      path.push([start + k, end]);
      end = start + k;
    } else {
      path.push([start, start + k]);
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) path.push([start, end]);
  return path.reverse();
}

/** Proof hashes for `ranges`, from the tree's leaves in memory: the naive reference for tests and benchmarks. */
export function proofFromLeaves(leafHashes: readonly string[], ranges: Array<[number, number]>): string[] {
  const leaves = leafHashes.map((h, i) => hex32ToBytes(h, `leafHashes[${i}]`));
  return ranges.map(([a, b]) => toHex(rangeHash(a, b, (s, e) => perfectRoot(leaves, s, e))));
}

function checkSize(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new KppeError("BAD_LOG_SIZE", `${name}: expected a non-negative safe integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkProof(proof: unknown): Uint8Array[] {
  if (!Array.isArray(proof)) throw new KppeError("BAD_PROOF", `proof: expected an array of 0x hashes, got ${JSON.stringify(proof)}`);
  return proof.map((p, i) => hex32ToBytes(p, `proof[${i}]`));
}

const odd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface InclusionClaim {
  index: number;
  size: number;
  leafHash: string;
  proof: readonly string[];
  root: string;
}

/**
 * True when `proof` shows `leafHash` at position `index` of the tree of `size` leaves with root
 * `root` (RFC 9162 2.1.3.2). False for every proof that does not, including `index >= size` and a
 * proof one element too long or short. Throws KppeError only for malformed input.
 */
export function verifyInclusion(claim: InclusionClaim): boolean {
  const index = checkSize(claim.index, "index");
  const size = checkSize(claim.size, "size");
  const leaf = hex32ToBytes(claim.leafHash, "leafHash");
  const root = hex32ToBytes(claim.root, "root");
  const proof = checkProof(claim.proof);
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = hashChildren(p, r);
      [fn, sn] = climbRightEdge(fn, sn);
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal(r, root);
}

export interface ConsistencyClaim {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: readonly string[];
}

/**
 * True when `proof` shows that the tree of `size2` leaves with root `root2` extends the tree of
 * `size1` leaves with root `root1` (RFC 9162 2.1.4.2). False when it does not, when
 * `size1 > size2`, and when `size1 = 0` (the empty tree is a prefix of everything, so such a
 * proof proves nothing). Equal sizes verify with an empty proof and equal roots.
 */
export function verifyConsistency(claim: ConsistencyClaim): boolean {
  const size1 = checkSize(claim.size1, "size1");
  const size2 = checkSize(claim.size2, "size2");
  const root1 = hex32ToBytes(claim.root1, "root1");
  const root2 = hex32ToBytes(claim.root2, "root2");
  const proof = checkProof(claim.proof);
  if (size1 === 0 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && equal(root1, root2);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      [fn, sn] = climbRightEdge(fn, sn);
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal(fr, root1) && equal(sr, root2);
}

/** RFC 9162's "right-shift both fn and sn equally until either LSB(fn) is set or fn is 0": up a right edge. */
function climbRightEdge(fn: number, sn: number): [number, number] {
  while (!odd(fn) && fn !== 0) {
    fn = half(fn);
    sn = half(sn);
  }
  return [fn, sn];
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && !odd(n)) n = half(n);
  return n === 1;
}

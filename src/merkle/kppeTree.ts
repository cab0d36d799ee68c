import { KppeError } from "../errors.ts";
import { keccakSortedPair } from "../hashing/hashers.ts";
import { compare32, hex32ToBytes, toHex } from "../hashing/hex.ts";
import { keccakSortedPairsLevel } from "../hashing/keccakLevel.ts";
import { checkIndex, checkLeafCount, DEFAULT_MAX_LEAVES, depthFor, type TreeOptions } from "./limits.ts";

const ZERO32 = new Uint8Array(32);

/** zeroSubtree[d]: root of a subtree of 2^d zero leaves (the padding), computed once. */
const zeroSubtree: Uint8Array[] = [ZERO32];
for (let d = 1; d <= 32; d++) {
  const pair = new Uint8Array(64);
  pair.set(zeroSubtree[d - 1], 0);
  pair.set(zeroSubtree[d - 1], 32);
  const out = new Uint8Array(32);
  keccakSortedPair(pair, 0, 32, out, 0);
  zeroSubtree.push(out);
}

/**
 * The K-PPE batch tree: leaves in ledger order (never re-hashed), padded with zero leaves to the
 * next power of two, pairs hashed sorted with keccak256. Equal to
 * `SimpleMerkleTree.of(padded, { sortLeaves: false })` of `@openzeppelin/merkle-tree`, and its
 * proofs verify in `KPPEAnchor.verifyProofView`.
 *
 * All levels live in one buffer (level 0 first); a 2^20-leaf tree takes 64 MiB.
 */
export class KppeTree {
  readonly leafCount: number;
  readonly depth: number;
  private readonly nodes: Uint8Array;
  private readonly levelStart: number[];

  private constructor(leaves: Uint8Array, leafCount: number) {
    this.leafCount = leafCount;
    this.depth = depthFor(leafCount);
    const width = 2 ** this.depth;
    this.levelStart = [];
    let total = 0;
    for (let d = 0, w = width; d <= this.depth; d++, w /= 2) {
      this.levelStart.push(total);
      total += w * 32;
    }
    this.nodes = new Uint8Array(total);
    this.nodes.set(leaves.subarray(0, leafCount * 32), 0);

    // Level d holds ceil(leafCount / 2^d) nodes with real leaves below; the rest are zero subtrees.
    let real = leafCount;
    for (let d = 1; d <= this.depth; d++) {
      const below = this.levelStart[d - 1];
      const here = this.levelStart[d];
      const belowWidth = (this.levelStart[d] - below) / 32;
      real = Math.ceil(real / 2);
      keccakSortedPairsLevel(this.nodes, below, real, this.nodes, here);
      for (let i = real; i < belowWidth / 2; i++) this.nodes.set(zeroSubtree[d], here + 32 * i);
    }
  }

  /** Builds the tree over 0x-hex leaves. */
  static fromHex(leaves: readonly string[], options: TreeOptions = {}): KppeTree {
    checkLeafCount(leaves.length, options.maxLeaves ?? DEFAULT_MAX_LEAVES);
    const packed = new Uint8Array(leaves.length * 32);
    leaves.forEach((leaf, i) => packed.set(hex32ToBytes(leaf, `leaf ${i}`), i * 32));
    return KppeTree.fromPacked(packed, options);
  }

  /** Builds the tree over leaves packed back to back, 32 bytes each (no copy of each leaf). */
  static fromPacked(packed: Uint8Array, options: TreeOptions = {}): KppeTree {
    if (packed.length % 32 !== 0) {
      throw new KppeError("BAD_LEAF", `leaves: packed length ${packed.length} is not a multiple of 32 bytes`);
    }
    const count = packed.length / 32;
    checkLeafCount(count, options.maxLeaves ?? DEFAULT_MAX_LEAVES);
    for (let i = 0; i < count; i++) {
      if (compare32(packed, i * 32, ZERO32, 0) === 0) {
        throw new KppeError("ZERO_LEAF", `leaf ${i}: a zero leaf is padding and could never be proven; refusing it`);
      }
    }
    return new KppeTree(packed, count);
  }

  get root(): string {
    return toHex(this.node(this.depth, 0));
  }

  /** Leaf `index` as 0x-hex. */
  leaf(index: number): string {
    checkIndex(index, this.leafCount);
    return toHex(this.node(0, index));
  }

  /** The sibling path of leaf `index`, bottom up: exactly `depth` hashes. */
  proof(index: number): string[] {
    checkIndex(index, this.leafCount);
    const path = new Array<string>(this.depth);
    for (let d = 0, i = index; d < this.depth; d++, i >>>= 1) path[d] = toHex(this.node(d, i ^ 1));
    return path;
  }

  /**
   * Rehashes every node above the leaves with hash-wasm's keccak (`keccakSortedPair`), not the
   * batched kernel that built the tree, and compares. True means every proof this tree gives
   * verifies: a proof is the siblings along one path, and every parent on every path checks out.
   * Costs one keccak per node (n), where checking each leaf's proof costs n log n.
   */
  verifyEveryNode(): boolean {
    const out = new Uint8Array(32);
    for (let d = 1; d <= this.depth; d++) {
      const width = (this.levelStart[d + 1] ?? this.nodes.length) - this.levelStart[d];
      for (let k = 0; k < width / 32; k++) {
        const left = this.levelStart[d - 1] + 64 * k;
        keccakSortedPair(this.nodes, left, left + 32, out, 0);
        if (compare32(out, 0, this.nodes, this.levelStart[d] + 32 * k) !== 0) return false;
      }
    }
    return true;
  }

  private node(level: number, index: number): Uint8Array {
    const at = this.levelStart[level] + index * 32;
    return this.nodes.subarray(at, at + 32);
  }
}

export interface KppeProofClaim {
  root: string;
  leaf: string;
  proof: readonly string[];
  leafIndex: number;
  leafCount: number;
}

/**
 * Off-chain twin of `KPPEAnchor.verifyProofView`: false for a zero leaf, an index outside
 * [0, leafCount), or a proof that is not exactly ceil(log2(leafCount)) long (so an inner node
 * cannot pose as a leaf); otherwise true when the sorted-pair path reaches `root`.
 * Throws only on malformed input (not 32-byte hex).
 */
export function verifyKppeProof(claim: KppeProofClaim): boolean {
  const root = hex32ToBytes(claim.root, "root");
  const work = new Uint8Array(64);
  work.set(hex32ToBytes(claim.leaf, "leaf"), 0);
  const siblings = claim.proof.map((p, i) => hex32ToBytes(p, `proof[${i}]`));
  const { leafIndex, leafCount } = claim;
  if (!Number.isInteger(leafCount) || leafCount < 1) return false;
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafCount) return false;
  if (compare32(work, 0, ZERO32, 0) === 0) return false;
  if (siblings.length !== depthFor(leafCount)) return false;
  for (const sibling of siblings) {
    work.set(sibling, 32);
    keccakSortedPair(work, 0, 32, work, 0);
  }
  return compare32(work, 0, root, 0) === 0;
}

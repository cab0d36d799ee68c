import { KppeError } from "../errors.ts";
import { sha256SortedPair } from "../hashing/hashers.ts";
import { compare32, hex32ToBytes, toHex } from "../hashing/hex.ts";
import { checkIndex, checkLeafCount, DEFAULT_MAX_LEAVES, type TreeOptions } from "./limits.ts";

/**
 * FlowPay's proof-of-execution tree, root rule unchanged so that roots FlowPay already anchored
 * can be recomputed: leaves (order tx hashes, not re-hashed) sorted ascending; each level hashes
 * pairs as sha256(min || max); an odd last node is carried up unhashed.
 *
 * FlowPay's own proofs were positional and so failed for most leaves; these proofs are sorted-pair
 * paths that skip the levels where the node was carried, and they verify.
 */
export class FlowPayTree {
  /** levels[0] holds the sorted leaves; the last level holds the root. */
  private readonly levels: Uint8Array[];

  private constructor(sortedLeaves: Uint8Array) {
    this.levels = [sortedLeaves];
    let level = sortedLeaves;
    while (level.length > 32) {
      const count = level.length / 32;
      const next = new Uint8Array(Math.ceil(count / 2) * 32);
      for (let i = 0; i + 1 < count; i += 2) sha256SortedPair(level, i * 32, i * 32 + 32, next, (i / 2) * 32);
      if (count % 2 === 1) next.set(level.subarray((count - 1) * 32), next.length - 32);
      this.levels.push(next);
      level = next;
    }
  }

  static fromHex(leaves: readonly string[], options: TreeOptions = {}): FlowPayTree {
    checkLeafCount(leaves.length, options.maxLeaves ?? DEFAULT_MAX_LEAVES);
    const bytes = leaves.map((leaf, i) => hex32ToBytes(leaf, `leaf ${i}`));
    bytes.sort((a, b) => compare32(a, 0, b, 0));
    const packed = new Uint8Array(bytes.length * 32);
    bytes.forEach((b, i) => packed.set(b, i * 32));
    return new FlowPayTree(packed);
  }

  get leafCount(): number {
    return this.levels[0].length / 32;
  }

  get root(): string {
    return toHex(this.levels[this.levels.length - 1]);
  }

  /** Position of `leaf` among the sorted leaves (the first, if it occurs twice). */
  indexOf(leaf: string): number {
    const wanted = hex32ToBytes(leaf, "leaf");
    const leaves = this.levels[0];
    for (let i = 0; i < this.leafCount; i++) if (compare32(leaves, i * 32, wanted, 0) === 0) return i;
    throw new KppeError("LEAF_NOT_FOUND", `leaf ${leaf} is not in this FlowPay batch`);
  }

  /** Sorted-pair sibling path of the leaf at sorted position `index`, bottom up. */
  proof(index: number): string[] {
    checkIndex(index, this.leafCount);
    const path: string[] = [];
    for (let d = 0, i = index; d < this.levels.length - 1; d++, i >>>= 1) {
      const sibling = i ^ 1;
      if (sibling * 32 < this.levels[d].length) path.push(toHex(this.levels[d].subarray(sibling * 32, sibling * 32 + 32)));
    }
    return path;
  }
}

/** Number of siblings on the path of sorted position `index` in a FlowPay tree of `count` leaves. */
export function flowPayProofLength(index: number, count: number): number {
  let length = 0;
  for (let i = index, n = count; n > 1; i >>>= 1, n = Math.ceil(n / 2)) if ((i ^ 1) < n) length++;
  return length;
}

export interface FlowPayProofClaim {
  root: string;
  leaf: string;
  proof: readonly string[];
  /** With `leafCount`, fixes the proof's length so an inner node cannot pose as a leaf. */
  leafIndex?: number;
  leafCount?: number;
}

/**
 * Folds `proof` over `leaf` with sorted-pair SHA-256 and compares with `root` (the same check as
 * `ProofRecorder.verifySha256Proof`). When `leafIndex` and `leafCount` are given, the proof must
 * also have exactly the length of that position's path.
 */
export function verifyFlowPayProof(claim: FlowPayProofClaim): boolean {
  const root = hex32ToBytes(claim.root, "root");
  const work = new Uint8Array(64);
  work.set(hex32ToBytes(claim.leaf, "leaf"), 0);
  const siblings = claim.proof.map((p, i) => hex32ToBytes(p, `proof[${i}]`));
  if (work.subarray(0, 32).every((b) => b === 0)) return false;
  if (claim.leafIndex !== undefined || claim.leafCount !== undefined) {
    const { leafIndex = -1, leafCount = 0 } = claim;
    if (!Number.isInteger(leafIndex) || !Number.isInteger(leafCount) || leafIndex < 0 || leafIndex >= leafCount) return false;
    if (siblings.length !== flowPayProofLength(leafIndex, leafCount)) return false;
  }
  for (const sibling of siblings) {
    work.set(sibling, 32);
    sha256SortedPair(work, 0, 32, work, 0);
  }
  return compare32(work, 0, root, 0) === 0;
}

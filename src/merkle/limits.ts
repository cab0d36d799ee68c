import { KppeError } from "../errors.ts";

/** Default cap on leaves per tree: 2^20, the largest batch the keeper is tuned for. */
export const DEFAULT_MAX_LEAVES = 1 << 20;
/** Hard cap whatever the configuration: 2^24 leaves is a 1 GiB tree. */
export const ABSOLUTE_MAX_LEAVES = 1 << 24;

export interface TreeOptions {
  /** Refuse more leaves than this (default 2^20). */
  maxLeaves?: number;
}

export function checkLeafCount(count: number, maxLeaves = DEFAULT_MAX_LEAVES): void {
  if (!Number.isInteger(maxLeaves) || maxLeaves < 1 || maxLeaves > ABSOLUTE_MAX_LEAVES) {
    throw new KppeError("BAD_MAX_LEAVES", `maxLeaves: expected an integer from 1 to ${ABSOLUTE_MAX_LEAVES}, got ${maxLeaves}`);
  }
  if (count === 0) throw new KppeError("EMPTY_TREE", "leaves: a tree needs at least one leaf, got none");
  if (count > maxLeaves) {
    throw new KppeError(
      "TOO_MANY_LEAVES",
      `leaves: ${count} leaves exceed the configured maximum of ${maxLeaves}; split them into batches or raise maxLeaves`,
    );
  }
}

export function checkIndex(index: number, count: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new KppeError("INDEX_OUT_OF_RANGE", `leafIndex: expected an integer from 0 to ${count - 1}, got ${index}`);
  }
}

/** ceil(log2(count)), 0 for one leaf: the depth the contract demands for `count` events. */
export function depthFor(count: number): number {
  return count <= 1 ? 0 : Math.ceil(Math.log2(count));
}

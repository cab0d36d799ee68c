import type { ChainBatch } from "../keeper/chain.ts";
import { KppeTree } from "../merkle/kppeTree.ts";
import { DEFAULT_MAX_LEAVES } from "../merkle/limits.ts";
import type { LedgerStore } from "../store/types.ts";

/** What a storage node reads of KPPEAnchor (AnchorChain has it). */
export interface AnchorReader {
  latestBatchId(): Promise<number>;
  getBatch(batchId: number): Promise<ChainBatch>;
}

/** An anchored batch and the ledger range it covers. */
export interface AnchoredRange {
  batchId: number;
  firstSequence: number;
  lastSequence: number;
  root: string;
}

/**
 * The ledger ranges anchored on chain, in order. Batch ids only grow and batch k covers the
 * events after batch k-1 (DESIGN section 3), so the chain alone gives each batch's range; ids a
 * keeper skipped (after a refused anchor) hold no batch. `known` are ranges read before: only
 * newer batch ids are read.
 */
export async function anchoredRanges(chain: AnchorReader, known: AnchoredRange[] = []): Promise<AnchoredRange[]> {
  const ranges = [...known];
  const latest = await chain.latestBatchId();
  for (let id = (ranges.at(-1)?.batchId ?? 0) + 1; id <= latest; id++) {
    const batch = await chain.getBatch(id);
    if (!batch.exists) continue;
    const first = (ranges.at(-1)?.lastSequence ?? 0) + 1;
    ranges.push({ batchId: id, firstSequence: first, lastSequence: first + batch.eventCount - 1, root: batch.merkleRoot.toLowerCase() });
  }
  return ranges;
}

/** The K-PPE root of the store's entries in `range`, or undefined if the store does not hold them all. */
export async function localRoot(store: LedgerStore, range: AnchoredRange): Promise<string | undefined> {
  const count = range.lastSequence - range.firstSequence + 1;
  const entries = await store.range(range.firstSequence, count);
  if (entries.length !== count) return undefined;
  return KppeTree.fromHex(
    entries.map((e) => e.payload_hash),
    { maxLeaves: Math.max(count, DEFAULT_MAX_LEAVES) },
  ).root;
}

/**
 * How far the store agrees with the chain: the end of the last anchored range, from the first on,
 * whose entries recompute its root (0 if none), and the first range that does not, if any.
 * Ranges the store does not hold yet end the walk. `from` skips ranges already checked.
 */
export async function trustedThrough(store: LedgerStore, ranges: AnchoredRange[], from = 0): Promise<{ trusted: number; mismatch?: AnchoredRange }> {
  let trusted = from;
  for (const range of ranges) {
    if (range.lastSequence <= from) continue;
    const root = await localRoot(store, range);
    if (root === undefined) break;
    if (root !== range.root) return { trusted, mismatch: range };
    trusted = range.lastSequence;
  }
  return { trusted };
}

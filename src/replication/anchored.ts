import type { ChainBatch, ChainCheckpoint } from "../chain/anchorChain.ts";
import type { StoredLog } from "../log/storedLog.ts";
import { KppeTree } from "../merkle/kppeTree.ts";
import { DEFAULT_MAX_LEAVES } from "../merkle/limits.ts";
import type { LedgerStore } from "../store/types.ts";

/** What a storage node reads of KPPEAnchor (AnchorChain has it). */
export interface AnchorReader {
  latestBatchId(): Promise<number>;
  getBatch(batchId: number): Promise<ChainBatch>;
  firstCheckpointBatchId(): Promise<number>;
  getCheckpoint(batchId: number): Promise<ChainCheckpoint>;
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

/**
 * With log checkpoints on chain: how far the copy agrees with the chain, in O(log n) chain reads
 * instead of one per batch. A log root at size n commits to every entry up to n, and the contract
 * only accepted checkpoints that extend each other, so agreement at one anchored size means
 * agreement at every smaller one: a binary search over the checkpointed batch ids finds the last
 * anchored size whose root the copy's log gives (`trusted`), and the anchored batch after it,
 * which the copy contradicts (`mismatch`), if the copy holds it. `checkpoints` caches reads
 * (anchored checkpoints do not change; a reorg deeper than the keeper's confirmations aside).
 */
export async function trustedByCheckpoints(
  chain: AnchorReader,
  log: StoredLog,
  ids: { first: number; latest: number },
  checkpoints: Map<number, ChainCheckpoint>,
): Promise<{ trusted: number; mismatch?: AnchoredRange }> {
  const size = await log.size();
  const read = async (id: number) => {
    let checkpoint = checkpoints.get(id);
    if (!checkpoint) checkpoints.set(id, (checkpoint = await chain.getCheckpoint(id)));
    return checkpoint;
  };
  const agrees = async (id: number) => {
    const c = await read(id);
    return (await log.root(c.logSize)) === c.logRoot.toLowerCase();
  };
  // The last checkpointed batch the copy holds in full.
  let [lo, hi] = [ids.first, ids.latest];
  let held = ids.first - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await read(mid)).logSize <= size) [held, lo] = [mid, mid + 1];
    else hi = mid - 1;
  }
  if (held < ids.first) return { trusted: 0 };
  if (await agrees(held)) return { trusted: (await read(held)).logSize };
  // The last one it agrees with, before `held`.
  let good = ids.first - 1;
  [lo, hi] = [ids.first, held - 1];
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await agrees(mid)) [good, lo] = [mid, mid + 1];
    else hi = mid - 1;
  }
  const trusted = good < ids.first ? 0 : (await read(good)).logSize;
  const bad = await read(good + 1);
  return { trusted, mismatch: { batchId: good + 1, firstSequence: bad.firstSequence, lastSequence: bad.logSize, root: bad.logRoot.toLowerCase() } };
}

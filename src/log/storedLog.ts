import { KppeError } from "../errors.ts";
import { toHex } from "../hashing/hex.ts";
import { consistencyRanges, inclusionRanges, perfectSubtrees, rangeHash } from "./rfc9162.ts";
import { sha256Prefixed } from "./sha256Prefixed.ts";
import { CHUNK_WIDTH, type ChunkKey, type LogChunk, type LogStore } from "./store.ts";

/** Entries read and integrated per store transaction. */
export const INTEGRATION_STEP = 65_536;
/** The lowest level whose nodes a proof cache keeps: subtrees of 2^8 = 256 entries. */
const CACHED_LEVEL = 8;

/**
 * Each level's last stored chunk while integrating, when partial: where that level's next node
 * goes. Its hashes are exactly the nodes it holds.
 */
type Edges = Map<number, LogChunk>;

/**
 * The RFC 9162 log over a ledger, kept in its store: node hashes in chunks, so that integrating
 * n entries costs O(n) hashes and writes, and any root or proof costs one read of O(log n) node
 * hashes, never a rebuild from the leaves. Integration is separate from accepting events
 * (Tessera's rule): it follows the ledger, and any number of integrators may run, since a write
 * only lands on the size it was computed from.
 */
export class StoredLog {
  private readonly store: LogStore;
  /** Nodes read before, by nodeKey, oldest first; bounded by `cacheNodes`. */
  private readonly cache = new Map<number, Uint8Array>();
  private readonly cacheNodes: number;

  /**
   * `cacheNodes`: keep up to this many nodes read for proofs in memory (every proof reads the
   * upper levels). Only for a log that is never rewound, such as a gateway's own: a node never
   * changes once written, but a storage node's copy can discard its log and integrate another.
   */
  constructor(store: LogStore, options: { cacheNodes?: number } = {}) {
    this.store = store;
    this.cacheNodes = options.cacheNodes ?? 0;
  }

  size(): Promise<number> {
    return this.store.logSize();
  }

  /**
   * Integrates the ledger entries after the stored size, up to `upTo` entries in all (default:
   * the ledger's head), `step` per transaction. Returns the new size. Safe to run from several
   * processes: a step that lost the race is recomputed from the new size.
   */
  async integrate(options: { upTo?: number; step?: number } = {}): Promise<number> {
    const step = options.step ?? INTEGRATION_STEP;
    while (true) {
      const from = await this.store.logSize();
      const limit = Math.min(step, (options.upTo ?? Number.MAX_SAFE_INTEGER) - from);
      if (limit <= 0) return from;
      const leaves = await this.leafData(from, limit);
      if (leaves.length === 0) return from;
      const chunks = this.extend(from, leaves, await this.loadEdges(from));
      await this.store.writeLogChunks(from, from + leaves.length / 64, chunks);
      if (leaves.length / 64 < limit) return this.store.logSize();
    }
  }

  /**
   * Recomputes every stored node hash from the ledger's entries, up to the integrated size, and
   * returns the first chunk that differs (undefined when all agree). The hashes are derived
   * data: this is what `ledger:audit` runs so that it trusts none of them.
   */
  async audit(options: { step?: number; onProgress?: (checked: number) => void } = {}): Promise<{ size: number; mismatch?: ChunkKey }> {
    const size = await this.store.logSize();
    const step = options.step ?? INTEGRATION_STEP;
    const edges: Edges = new Map();
    for (let from = 0; from < size; from += step) {
      const leaves = await this.leafData(from, Math.min(step, size - from));
      if (leaves.length === 0) return { size, mismatch: { level: 0, index: Math.floor(from / CHUNK_WIDTH) } };
      const computed = this.extend(from, leaves, edges);
      const stored = new Map((await this.store.readLogChunks(computed)).map((c) => [`${c.level}/${c.index}`, c.hashes]));
      for (const chunk of computed) {
        const bytes = stored.get(`${chunk.level}/${chunk.index}`);
        // A stored chunk may hold more (it was integrated further); the nodes computed so far must match.
        if (!bytes || bytes.length < chunk.hashes.length || !chunk.hashes.every((b, i) => bytes[i] === b)) return { size, mismatch: { level: chunk.level, index: chunk.index } };
      }
      options.onProgress?.(from + leaves.length / 64);
    }
    return { size };
  }

  /** The leaf data (event_hash || content_hash, 64 bytes each) of up to `limit` entries after the first `from`. */
  private async leafData(from: number, limit: number): Promise<Uint8Array> {
    const { entries, data } = await this.store.leafData(from + 1, limit);
    if (data.length !== entries * 64) throw corrupt(`the ledger's entries from ${from + 1} on are not all in sequence with a 32-byte event_hash and content_hash (the first ${data.length / 64} of ${entries} read are)`);
    return data;
  }

  /**
   * Appends the leaves whose data is `leaves` to a log of `from` entries whose partial chunks are
   * `edges` (updated in place), and returns the chunks that changed. Level by level: each level's
   * new nodes, after its partial chunk's, in one buffer, and each level's parents hashed from it
   * in one call (a call per node cost more than the hash). The browser-safe functions in
   * rfc9162.ts compute the same values; test/log/storedLog.test.ts compares the two at every size
   * it builds.
   */
  private extend(from: number, leaves: Uint8Array, edges: Edges): LogChunk[] {
    const changed: LogChunk[] = [];
    let [level, oldCount, newCount] = [0, from, from + leaves.length / 64];
    // Level `level`'s nodes from `start` (a chunk's first) to `end`, the first `count - start` from its partial chunk.
    const levelBuffer = (level: number, count: number, start: number, end: number): Uint8Array => {
      const nodes = new Uint8Array((end - start) * 32);
      const width = count - start;
      if (width > 0) {
        const edge = edges.get(level);
        if (!edge || edge.index !== start / CHUNK_WIDTH || edge.hashes.length !== width * 32) throw corrupt(`level ${level} chunk ${start / CHUNK_WIDTH} does not hold the ${width} nodes size ${from} needs`);
        nodes.set(edge.hashes);
      }
      return nodes;
    };
    let start = chunkStart(oldCount);
    let nodes = levelBuffer(0, oldCount, start, newCount);
    sha256Prefixed(0x00, leaves, 0, newCount - oldCount, nodes, (oldCount - start) * 32);
    while (true) {
      for (let first = start; first < newCount; first += CHUNK_WIDTH) {
        changed.push({ level, index: first / CHUNK_WIDTH, hashes: nodes.subarray((first - start) * 32, (Math.min(first + CHUNK_WIDTH, newCount) - start) * 32) });
      }
      const last = chunkStart(newCount);
      if (newCount > last) edges.set(level, { level, index: last / CHUNK_WIDTH, hashes: nodes.slice((last - start) * 32, (newCount - start) * 32) });
      else edges.delete(level);
      // A parent is new when its right child is; its left child is in this buffer (chunks are even).
      const [parentsFrom, parentsTo] = [Math.floor(oldCount / 2), Math.floor(newCount / 2)];
      if (parentsTo === parentsFrom) return changed;
      level++;
      const parentStart = chunkStart(parentsFrom);
      const parents = levelBuffer(level, parentsFrom, parentStart, parentsTo);
      sha256Prefixed(0x01, nodes, (2 * parentsFrom - start) * 32, parentsTo - parentsFrom, parents, (parentsFrom - parentStart) * 32);
      [oldCount, newCount, start, nodes] = [parentsFrom, parentsTo, parentStart, parents];
    }
  }

  /** Each level's partial last chunk at `size`, where its next node goes. */
  private async loadEdges(size: number): Promise<Edges> {
    const keys: ChunkKey[] = [];
    for (let level = 0; Math.floor(size / 2 ** level) > 0; level++) {
      const count = Math.floor(size / 2 ** level);
      if (count % CHUNK_WIDTH !== 0) keys.push({ level, index: Math.floor(count / CHUNK_WIDTH) });
    }
    const stored = new Map((await this.store.readLogChunks(keys)).map((c) => [c.level, c]));
    const edges: Edges = new Map();
    for (const key of keys) {
      const width = Math.floor(size / 2 ** key.level) % CHUNK_WIDTH;
      const chunk = stored.get(key.level);
      // A longer chunk is another integrator's newer write (a node never changes once written):
      // its first nodes are the ones wanted, and this step's write will lose the race anyway.
      if (!chunk || chunk.hashes.length < width * 32) throw corrupt(`level ${key.level} chunk ${key.index} holds ${(chunk?.hashes.length ?? 0) / 32} nodes, size ${size} needs ${width}`);
      edges.set(key.level, { ...key, hashes: chunk.hashes.subarray(0, width * 32) });
    }
    return edges;
  }

  /** The root at `size` (default: the integrated size). */
  async root(size?: number): Promise<string> {
    const n = size ?? (await this.store.logSize());
    const [hash] = await this.hashes([[0, n]], n);
    return hash;
  }

  /** The RFC 9162 inclusion proof of entry `index` in the tree of `size` entries. */
  async inclusionProof(index: number, size: number): Promise<string[]> {
    if (!(index < size)) throw new KppeError("BAD_LOG_INDEX", `index ${index} is not below the tree size ${size}`);
    return this.hashes(inclusionRanges(index, size), size);
  }

  /** The RFC 9162 consistency proof from the tree of `size1` entries to that of `size2`. */
  async consistencyProof(size1: number, size2: number): Promise<string[]> {
    if (size1 > size2) throw new KppeError("BAD_LOG_SIZE", `size1 ${size1} is above size2 ${size2}`);
    return this.hashes(consistencyRanges(size1, size2), size2);
  }

  /**
   * The leaf hash, inclusion proof and root of entry `index` in the tree of `size` (default: the
   * integrated size), from one read of the nodes they need. `integrated`: the log size the caller
   * has just read, so that it is not read again.
   */
  async inclusion(index: number, size?: number, integrated?: number): Promise<{ size: number; leafHash: string; proof: string[]; root: string }> {
    const known = integrated ?? (size === undefined ? await this.store.logSize() : undefined);
    const n = size ?? known!;
    if (!(index < n)) throw new KppeError("BAD_LOG_INDEX", `index ${index} is not below the tree size ${n}`);
    const path = inclusionRanges(index, n);
    const [leafHash, root, ...proof] = await this.hashes([[index, index + 1], [0, n], ...path], n, known);
    return { size: n, leafHash, proof, root };
  }

  /**
   * The hashes of `ranges`, from one read of the single nodes they need. `integrated`: the size
   * the caller already read, else it is read here to refuse sizes beyond the log.
   */
  private async hashes(ranges: Array<[number, number]>, size: number, integrated?: number): Promise<string[]> {
    if (integrated !== undefined) refuseBeyond(size, integrated);
    const found = new Map<number, Uint8Array | undefined>();
    const missing: Array<{ level: number; index: number }> = [];
    for (const [a, b] of ranges.flatMap(([a, b]) => perfectSubtrees(a, b))) {
      const [level, index] = [Math.log2(b - a), a / (b - a)];
      const key = nodeKey(level, index);
      if (found.has(key)) continue;
      const cached = this.cache.get(key);
      found.set(key, cached);
      if (!cached) missing.push({ level, index });
    }
    // The size comes with the nodes (one round trip) when the caller did not read it.
    const { size: logSize, hashes: read } = missing.length > 0 ? await this.store.readLogNodes(missing) : { size: integrated ?? (await this.store.logSize()), hashes: [] };
    refuseBeyond(size, integrated ?? logSize);
    missing.forEach(({ level, index }, i) => {
      const key = nodeKey(level, index);
      found.set(key, read[i]);
      // Only nodes over 256 entries or more: every proof reads those, few proofs share a lower one.
      if (this.cacheNodes > 0 && read[i] && level >= CACHED_LEVEL) {
        if (this.cache.size >= this.cacheNodes) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, read[i]!);
      }
    });
    const perfect = (a: number, b: number): Uint8Array => {
      const [level, index] = [Math.log2(b - a), a / (b - a)];
      const bytes = found.get(nodeKey(level, index));
      if (!bytes) throw corrupt(`node ${level}/${index} is missing`);
      return bytes;
    };
    return ranges.map(([a, b]) => toHex(rangeHash(a, b, perfect)));
  }
}

/** One number per tree node, for maps (faster than "level/index" strings): level < 64, index < 2^47. */
function nodeKey(level: number, index: number): number {
  return index * 64 + level;
}

/** The first node of the chunk that holds node `index`. */
function chunkStart(index: number): number {
  return index - (index % CHUNK_WIDTH);
}

function refuseBeyond(size: number, integrated: number): void {
  if (size > integrated) {
    throw new KppeError("LOG_SIZE_BEYOND", `the log has ${integrated} integrated entries; size ${size} is beyond it (integration follows the ledger: retry shortly)`, {
      details: { size, integrated },
    });
  }
}

function corrupt(detail: string): KppeError {
  return new KppeError("LOG_CORRUPT", `the stored log is inconsistent (${detail}); run npx hardhat ledger:audit, which rebuilds and compares it`);
}

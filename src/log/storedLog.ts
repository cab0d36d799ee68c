import { hash } from "node:crypto";
import { KppeError } from "../errors.ts";
import { toHex } from "../hashing/hex.ts";
import { consistencyRanges, inclusionRanges, perfectSubtrees, rangeHash } from "./rfc9162.ts";
import { CHUNK_WIDTH, type ChunkKey, type LogChunk, type LogStore } from "./store.ts";

/** Entries read and integrated per store transaction. */
export const INTEGRATION_STEP = 65_536;
/** The lowest level whose nodes a proof cache keeps: subtrees of 2^8 = 256 entries. */
const CACHED_LEVEL = 8;

// Node's one-shot crypto.hash (under 1 µs for 65 bytes here): integration hashes two per entry,
// through one scratch buffer (allocating one per hash made garbage collection a fifth of the
// time). The browser-safe functions in rfc9162.ts compute the same values;
// test/log/storedLog.test.ts compares the two on every size it builds.
const scratch = Buffer.alloc(65);
const sha256 = () => hash("sha256", scratch, "buffer") as unknown as Buffer;
function nodeOf(left: Uint8Array, right: Uint8Array): Buffer {
  scratch[0] = 0x01;
  scratch.set(left, 1);
  scratch.set(right, 33);
  return sha256();
}
function leafOf(eventHash: string, contentHash: string): Buffer {
  scratch[0] = 0x00;
  scratch.write(eventHash.slice(2), 1, 32, "hex");
  scratch.write(contentHash.slice(2), 33, 32, "hex");
  return sha256();
}

/** One level's last chunk while integrating: where new nodes of that level go. */
interface Edge extends LogChunk {
  width: number;
}

/**
 * The RFC 9162 log over a ledger, kept in its store: node hashes in chunks, so that integrating
 * n entries costs O(n) hashes and writes, and any root or proof costs one read of O(log n) node
 * hashes, never a rebuild from the leaves. Integration is separate from accepting events
 * (Tessera's rule): it follows the ledger, and any number of integrators may run, since a write
 * only lands on the size it was computed from.
 */
export class StoredLog {
  private readonly store: LogStore;
  /** Nodes read before, by "level/index", oldest first; bounded by `cacheNodes`. */
  private readonly cache = new Map<string, Uint8Array>();
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
      const inputs = await this.store.leafInputs(from + 1, limit);
      if (inputs.length === 0) return from;
      const chunks = this.extend(from, inputs, await this.loadEdges(from));
      await this.store.writeLogChunks(from, from + inputs.length, chunks);
      if (inputs.length < limit) return this.store.logSize();
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
    const edges = new Map<number, Edge>();
    for (let from = 0; from < size; from += step) {
      const inputs = await this.store.leafInputs(from + 1, Math.min(step, size - from));
      if (inputs.length === 0) return { size, mismatch: { level: 0, index: Math.floor(from / CHUNK_WIDTH) } };
      const computed = this.extend(from, inputs, edges);
      const stored = new Map((await this.store.readLogChunks(computed)).map((c) => [`${c.level}/${c.index}`, c.hashes]));
      for (const chunk of computed) {
        const bytes = stored.get(`${chunk.level}/${chunk.index}`);
        // A stored chunk may hold more (it was integrated further); the nodes computed so far must match.
        if (!bytes || bytes.length < chunk.hashes.length || !chunk.hashes.every((b, i) => bytes[i] === b)) return { size, mismatch: { level: chunk.level, index: chunk.index } };
      }
      options.onProgress?.(from + inputs.length);
    }
    return { size };
  }

  /**
   * Appends the leaves of `inputs` to a log of `from` entries whose last chunk per level is in
   * `edges` (updated in place), and returns the chunks that changed.
   */
  private extend(from: number, inputs: Array<[string, string]>, edges: Map<number, Edge>): LogChunk[] {
    const changed = new Set<Edge>();
    const append = (level: number, index: number, node: Uint8Array): void => {
      const chunk = Math.floor(index / CHUNK_WIDTH);
      const offset = index % CHUNK_WIDTH;
      let edge = edges.get(level);
      if (!edge || edge.index !== chunk) {
        edge = { level, index: chunk, hashes: new Uint8Array(CHUNK_WIDTH * 32), width: 0 };
        edges.set(level, edge);
      }
      edge.hashes.set(node, offset * 32);
      edge.width = offset + 1;
      changed.add(edge);
      // A right child completes its parent; its left sibling is in the same (even-width) chunk.
      if (index % 2 === 1) append(level + 1, (index - 1) / 2, nodeOf(edge.hashes.subarray((offset - 1) * 32, offset * 32), node));
    };
    for (let i = 0; i < inputs.length; i++) {
      append(0, from + i, leafOf(inputs[i][0], inputs[i][1]));
    }
    return [...changed].map((c) => ({ level: c.level, index: c.index, hashes: c.hashes.slice(0, c.width * 32) }));
  }

  /** Each level's partial last chunk at `size`, where its next node goes. */
  private async loadEdges(size: number): Promise<Map<number, Edge>> {
    const keys: ChunkKey[] = [];
    for (let level = 0; Math.floor(size / 2 ** level) > 0; level++) {
      const count = Math.floor(size / 2 ** level);
      if (count % CHUNK_WIDTH !== 0) keys.push({ level, index: Math.floor(count / CHUNK_WIDTH) });
    }
    const stored = new Map((await this.store.readLogChunks(keys)).map((c) => [c.level, c]));
    const edges = new Map<number, Edge>();
    for (const key of keys) {
      const width = Math.floor(size / 2 ** key.level) % CHUNK_WIDTH;
      const chunk = stored.get(key.level);
      // A longer chunk is another integrator's newer write (a node never changes once written):
      // its first nodes are the ones wanted, and this step's write will lose the race anyway.
      if (!chunk || chunk.hashes.length < width * 32) throw corrupt(`level ${key.level} chunk ${key.index} holds ${(chunk?.hashes.length ?? 0) / 32} nodes, size ${size} needs ${width}`);
      const hashes = new Uint8Array(CHUNK_WIDTH * 32);
      hashes.set(chunk.hashes.subarray(0, width * 32));
      edges.set(key.level, { ...key, hashes, width });
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
    const keys = new Map<string, { level: number; index: number }>();
    for (const [a, b] of ranges.flatMap(([a, b]) => perfectSubtrees(a, b))) {
      const level = Math.log2(b - a);
      keys.set(`${level}/${a / (b - a)}`, { level, index: a / (b - a) });
    }
    const found = new Map<string, Uint8Array | undefined>();
    const missing: Array<{ level: number; index: number }> = [];
    for (const [key, node] of keys) {
      const cached = this.cache.get(key);
      if (cached) found.set(key, cached);
      else missing.push(node);
    }
    // The size comes with the nodes (one round trip) when the caller did not read it.
    const { size: logSize, hashes: read } = missing.length > 0 ? await this.store.readLogNodes(missing) : { size: integrated ?? (await this.store.logSize()), hashes: [] };
    refuseBeyond(size, integrated ?? logSize);
    missing.forEach((n, i) => {
      const key = `${n.level}/${n.index}`;
      found.set(key, read[i]);
      // Only nodes over 256 entries or more: every proof reads those, few proofs share a lower one.
      if (this.cacheNodes > 0 && read[i] && n.level >= CACHED_LEVEL) {
        if (this.cache.size >= this.cacheNodes) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, read[i]!);
      }
    });
    const perfect = (a: number, b: number): Uint8Array => {
      const level = Math.log2(b - a);
      const bytes = found.get(`${level}/${a / (b - a)}`);
      if (!bytes) throw corrupt(`node ${level}/${a / (b - a)} is missing`);
      return bytes;
    };
    return ranges.map(([a, b]) => toHex(rangeHash(a, b, perfect)));
  }
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

/**
 * What the stored log needs from a database: its node hashes in chunks of CHUNK_WIDTH per tree
 * level (level 0 holds leaf hashes), its integrated
 * size, and the two fields of each ledger entry that make its leaf. Each store implements it
 * next to the ledger, in the same database; the rules live in src/log.
 */
export interface LogStore {
  /** Entries integrated so far (0 before the first integration). */
  logSize(): Promise<number>;
  /** The stored chunks among `keys`; a missing one is left out. */
  readLogChunks(keys: readonly ChunkKey[]): Promise<LogChunk[]>;
  /**
   * The 32-byte hashes of single nodes (`index` is the node's index in its level), in order;
   * undefined for a node not stored. Reads only those bytes: what proofs need. With them, the
   * integrated size, read in the same round trip and no later than the nodes, so that every node
   * of a tree of that size is among those found.
   */
  readLogNodes(nodes: readonly NodeKey[]): Promise<{ size: number; hashes: Array<Uint8Array | undefined> }>;
  /**
   * Writes `chunks` (replacing stored ones with the same key) and sets the size to `toSize`, in
   * one durable transaction, only if the stored size is still `fromSize`: false, writing
   * nothing, when another integrator got there first.
   */
  writeLogChunks(fromSize: number, toSize: number, chunks: readonly LogChunk[]): Promise<boolean>;
  /**
   * The leaf data of the ledger entries from `fromSequence` on, in order, at most `limit`:
   * event_hash || content_hash, 64 bytes each, in one buffer (integration reads millions), and
   * how many entries were read: `packLeafData` of their rows.
   */
  leafData(fromSequence: number, limit: number): Promise<{ entries: number; data: Uint8Array }>;
}

export interface ChunkKey {
  level: number;
  /** The chunk's number within its level: node index >> 8. */
  index: number;
}

export interface NodeKey {
  level: number;
  index: number;
}

export interface LogChunk extends ChunkKey {
  /** 32 bytes per node, from the chunk's first node; a level's last chunk may be partial. */
  hashes: Uint8Array;
}

/**
 * Nodes per chunk: 32, so a chunk (1 KiB) is stored inline, in its table's page, by both
 * databases: at 256 (8 KiB) SQLite spilled every chunk to overflow pages and PostgreSQL to TOAST,
 * and reading one node of a proof cost reading the chunk (docs/log.md, "Speed"). Eight chunks of
 * level 8k make one C2SP tlog-tiles tile.
 */
export const CHUNK_WIDTH = 32;

/**
 * The rows of `SELECT fifo_sequence, substr(event_hash, 3) || substr(content_hash, 3) … WHERE
 * fifo_sequence BETWEEN first AND last ORDER BY fifo_sequence` as leafData answers them. A row
 * out of sequence (a gap), or a hash of another length or not hex, ends the data before it: the
 * data is then shorter than 64 bytes an entry, never misaligned silently (the caller compares).
 * The hex is decoded here, not by the database: PostgreSQL's ordered string_agg sorted (and
 * spilled to disk) where an index scan needs no sort, and SQLite's group_concat has no order
 * without one.
 */
export function packLeafData(rows: ReadonlyArray<readonly [number | string, string]>, fromSequence: number): { entries: number; data: Uint8Array } {
  const data = Buffer.alloc(rows.length * 64);
  for (let i = 0; i < rows.length; i++) {
    const [sequence, hex] = rows[i];
    if (Number(sequence) !== fromSequence + i || hex.length !== 128 || data.write(hex, i * 64, 64, "hex") !== 64) return { entries: rows.length, data: data.subarray(0, i * 64) };
  }
  return { entries: rows.length, data };
}

/** The statement behind leafData, the same on both stores (`$1`/`$2` are `?` on SQLite). */
export const LEAF_DATA_SQL = "SELECT fifo_sequence, substr(event_hash, 3) || substr(content_hash, 3) FROM ledger_entries WHERE fifo_sequence BETWEEN $1 AND $2 ORDER BY fifo_sequence";

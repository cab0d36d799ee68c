import type { DatabaseSync, StatementSync } from "node:sqlite";
import { CHUNK_WIDTH, LEAF_DATA_SQL, packLeafData, type ChunkKey, type LogChunk, type LogStore, type NodeKey } from "../../log/store.ts";
import type { CosignedCheckpoint, WitnessStore } from "../../log/witnessStore.ts";

export const LOG_MIGRATION = `
  CREATE TABLE log_chunks (
    level INTEGER NOT NULL,
    chunk_index INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (level, chunk_index)
  );
  CREATE TABLE log_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL
  );
  INSERT INTO log_state (id, size) VALUES (1, 0);`;

/** The log's chunks on SQLite, written on this thread's connection in the store's write queue. */
export class SqliteLogStore implements LogStore {
  private readonly db: DatabaseSync;
  private readonly exclusive: <T>(work: (db: DatabaseSync) => T) => Promise<T>;
  private readonly nodeSelects = new Map<number, StatementSync>();
  private selectLeafData: StatementSync | undefined;
  private selectSize: StatementSync | undefined;

  constructor(db: DatabaseSync, exclusive: <T>(work: (db: DatabaseSync) => T) => Promise<T>) {
    this.db = db;
    this.exclusive = exclusive;
  }

  async logSize(): Promise<number> {
    // Prepared once: every proof a gateway serves asks for it.
    this.selectSize ??= this.db.prepare("SELECT size FROM log_state WHERE id = 1");
    return Number(this.selectSize.get()!.size);
  }

  async readLogChunks(keys: readonly ChunkKey[]): Promise<LogChunk[]> {
    const select = this.db.prepare("SELECT hashes FROM log_chunks WHERE level = ? AND chunk_index = ?");
    const chunks: LogChunk[] = [];
    for (const key of keys) {
      const row = select.get(key.level, key.index);
      if (row) chunks.push({ ...key, hashes: row.hashes as Uint8Array });
    }
    return chunks;
  }

  async readLogNodes(nodes: readonly NodeKey[]): Promise<{ size: number; hashes: Array<Uint8Array | undefined> }> {
    // One statement (one read snapshot) for the size and all of a proof's nodes; a prepared one
    // per node count, reused.
    let select = this.nodeSelects.get(nodes.length);
    if (!select) {
      const values = nodes.map(() => "(?, ?, ?, ?)").join(", ");
      select = this.db.prepare(
        nodes.length === 0
          ? "SELECT -1 AS i, NULL AS hash, size FROM log_state WHERE id = 1"
          : `WITH k(level, chunk_index, offset_byte, i) AS (VALUES ${values})
             SELECT -1 AS i, NULL AS hash, size FROM log_state WHERE id = 1
             UNION ALL
             SELECT k.i, substr(c.hashes, k.offset_byte, 32), NULL FROM k JOIN log_chunks c ON c.level = k.level AND c.chunk_index = k.chunk_index`,
      );
      select.setReturnArrays(true);
      this.nodeSelects.set(nodes.length, select);
    }
    const args = nodes.flatMap((n, i) => [n.level, Math.floor(n.index / CHUNK_WIDTH), (n.index % CHUNK_WIDTH) * 32 + 1, i]);
    let size = 0;
    const found: Array<Uint8Array | undefined> = nodes.map(() => undefined);
    for (const [i, hash, rowSize] of select.all(...args) as unknown as Array<[number, Uint8Array | null, number | null]>) {
      if (i === -1) size = Number(rowSize);
      else if (hash!.length === 32) found[i] = hash!;
    }
    return { size, hashes: found };
  }

  writeLogChunks(fromSize: number, toSize: number, chunks: readonly LogChunk[]): Promise<boolean> {
    return this.exclusive((db) => {
      if (Number(db.prepare("SELECT size FROM log_state WHERE id = 1").get()!.size) !== fromSize) return false;
      const upsert = db.prepare("INSERT INTO log_chunks (level, chunk_index, hashes) VALUES (?, ?, ?) ON CONFLICT (level, chunk_index) DO UPDATE SET hashes = excluded.hashes");
      for (const c of chunks) upsert.run(c.level, c.index, c.hashes);
      db.prepare("UPDATE log_state SET size = ? WHERE id = 1").run(toSize);
      return true;
    });
  }

  async leafData(fromSequence: number, limit: number): Promise<{ entries: number; data: Uint8Array }> {
    if (!this.selectLeafData) {
      this.selectLeafData = this.db.prepare(LEAF_DATA_SQL.replace(/\$\d/g, "?"));
      this.selectLeafData.setReturnArrays(true);
    }
    return packLeafData(this.selectLeafData.all(fromSequence, fromSequence + limit - 1) as unknown as Array<[number, string]>, fromSequence);
  }
}

/** The witness's last cosigned checkpoints on SQLite (migration 8). */
export class SqliteWitnessStore implements WitnessStore {
  private readonly db: DatabaseSync;
  private readonly exclusive: <T>(work: (db: DatabaseSync) => T) => Promise<T>;

  constructor(db: DatabaseSync, exclusive: <T>(work: (db: DatabaseSync) => T) => Promise<T>) {
    this.db = db;
    this.exclusive = exclusive;
  }

  async lastCosigned(origin: string): Promise<CosignedCheckpoint | undefined> {
    const row = this.db.prepare("SELECT size, root, note FROM witness_state WHERE origin = ?").get(origin);
    return row ? { size: Number(row.size), root: String(row.root), note: row.note === null ? undefined : String(row.note) } : undefined;
  }

  advance(origin: string, fromSize: number, { size, root, note }: Required<CosignedCheckpoint>): Promise<boolean> {
    return this.exclusive((db) => {
      const row = db.prepare("SELECT size FROM witness_state WHERE origin = ?").get(origin);
      if (Number(row?.size ?? 0) !== fromSize) return false;
      db.prepare("INSERT INTO witness_state (origin, size, root, note, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, updated_at = excluded.updated_at").run(
        origin,
        size,
        root,
        note,
        new Date().toISOString(),
      );
      return true;
    });
  }
}

import type pg from "pg";
import { CHUNK_WIDTH, LEAF_DATA_SQL, packLeafData, type ChunkKey, type LogChunk, type LogStore, type NodeKey } from "../../log/store.ts";
import type { CosignedCheckpoint, WitnessStore } from "../../log/witnessStore.ts";

export const LOG_MIGRATION = `
  CREATE TABLE log_chunks (
    level INTEGER NOT NULL,
    chunk_index BIGINT NOT NULL,
    hashes BYTEA NOT NULL,
    PRIMARY KEY (level, chunk_index)
  );
  CREATE TABLE log_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
  );
  INSERT INTO log_state (id, size) VALUES (1, 0);`;

/** The log's chunks on PostgreSQL; writes take the store's log lock, so integrators take turns. */
export class PostgresLogStore implements LogStore {
  private readonly pool: pg.Pool;
  private readonly locked: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

  constructor(pool: pg.Pool, locked: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>) {
    this.pool = pool;
    this.locked = locked;
  }

  async logSize(): Promise<number> {
    const { rows } = await this.pool.query("SELECT size FROM log_state WHERE id = 1");
    return Number(rows[0].size);
  }

  async readLogChunks(keys: readonly ChunkKey[]): Promise<LogChunk[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.pool.query(
      "SELECT c.level, c.chunk_index, c.hashes FROM log_chunks c JOIN unnest($1::int[], $2::bigint[]) AS k(level, chunk_index) ON c.level = k.level AND c.chunk_index = k.chunk_index",
      [keys.map((k) => k.level), keys.map((k) => k.index)],
    );
    return rows.map((r) => ({ level: Number(r.level), index: Number(r.chunk_index), hashes: new Uint8Array(r.hashes as Buffer) }));
  }

  async readLogNodes(nodes: readonly NodeKey[]): Promise<{ size: number; hashes: Array<Uint8Array | undefined> }> {
    // One round trip, one snapshot: the size and the nodes (a proof's whole cost from the store).
    // Named, so each connection parses and plans it once.
    const { rows } = await this.pool.query({
      name: "kppe_log_nodes",
      text: `SELECT -1 AS i, NULL::bytea AS hash, size FROM log_state WHERE id = 1
             UNION ALL
             SELECT k.i, substring(c.hashes from k.offset_byte for 32), NULL
               FROM unnest($1::int[], $2::bigint[], $3::int[], $4::int[]) AS k(level, chunk_index, offset_byte, i)
               JOIN log_chunks c ON c.level = k.level AND c.chunk_index = k.chunk_index`,
      values: [nodes.map((n) => n.level), nodes.map((n) => Math.floor(n.index / CHUNK_WIDTH)), nodes.map((n) => (n.index % CHUNK_WIDTH) * 32 + 1), nodes.map((_, i) => i)],
    });
    let size = 0;
    const found: Array<Uint8Array | undefined> = nodes.map(() => undefined);
    for (const row of rows) {
      if (Number(row.i) === -1) size = Number(row.size);
      else if ((row.hash as Buffer).length === 32) found[Number(row.i)] = new Uint8Array(row.hash as Buffer);
    }
    return { size, hashes: found };
  }

  writeLogChunks(fromSize: number, toSize: number, chunks: readonly LogChunk[]): Promise<boolean> {
    return this.locked(async (client) => {
      const { rows } = await client.query("SELECT size FROM log_state WHERE id = 1");
      if (Number(rows[0].size) !== fromSize) return false;
      await client.query(
        `INSERT INTO log_chunks (level, chunk_index, hashes) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])
         ON CONFLICT (level, chunk_index) DO UPDATE SET hashes = EXCLUDED.hashes`,
        [chunks.map((c) => c.level), chunks.map((c) => c.index), chunks.map((c) => Buffer.from(c.hashes))],
      );
      await client.query("UPDATE log_state SET size = $1 WHERE id = 1", [toSize]);
      return true;
    });
  }

  async leafData(fromSequence: number, limit: number): Promise<{ entries: number; data: Uint8Array }> {
    const { rows } = await this.pool.query({ name: "kppe_leaf_data", text: LEAF_DATA_SQL, values: [fromSequence, fromSequence + limit - 1], rowMode: "array" });
    return packLeafData(rows as Array<[string, string]>, fromSequence);
  }
}

/** The witness's last cosigned checkpoints on PostgreSQL (migration 9). */
export class PostgresWitnessStore implements WitnessStore {
  private readonly pool: pg.Pool;
  private readonly locked: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

  constructor(pool: pg.Pool, locked: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>) {
    this.pool = pool;
    this.locked = locked;
  }

  async lastCosigned(origin: string): Promise<CosignedCheckpoint | undefined> {
    const { rows } = await this.pool.query("SELECT size, root, note FROM witness_state WHERE origin = $1", [origin]);
    return rows[0] ? { size: Number(rows[0].size), root: String(rows[0].root), note: rows[0].note ?? undefined } : undefined;
  }

  advance(origin: string, fromSize: number, { size, root, note }: Required<CosignedCheckpoint>): Promise<boolean> {
    return this.locked(async (client) => {
      const { rows } = await client.query("SELECT size FROM witness_state WHERE origin = $1", [origin]);
      if (Number(rows[0]?.size ?? 0) !== fromSize) return false;
      await client.query(
        "INSERT INTO witness_state (origin, size, root, note, updated_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (origin) DO UPDATE SET size = EXCLUDED.size, root = EXCLUDED.root, note = EXCLUDED.note, updated_at = EXCLUDED.updated_at",
        [origin, size, root, note],
      );
      return true;
    });
  }
}

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { DatabaseSync } from "../../src/store/sqlite/nodeSqlite.ts";
import pg from "pg";
import { auditLedger } from "../../src/ledger/audit.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import type { LedgerEntry, SubmittedEvent } from "../../src/ledger/types.ts";
import { MIGRATIONS as POSTGRES_MIGRATIONS, PostgresStore } from "../../src/store/postgres/postgresStore.ts";
import { ENTRY_COLUMNS, entryValues } from "../../src/store/rows.ts";
import { MIGRATIONS as SQLITE_MIGRATIONS, SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { POSTGRES_URL } from "../helpers/stores.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

const LAST_RELEASED_BEFORE = 4;

function events(count: number, tag: string): SubmittedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    version: "0.1",
    event_id: `${tag}-${i}`,
    previous_event_hash: null,
    payload_hash: "0x" + randomBytes(32).toString("hex"),
    source_id: "app",
    local_timestamp: i % 2 ? "2026-11-23T10:00:00Z" : null,
    data: { i, text: "Łódź" },
  }));
}

/** Entries a real ledger wrote (on a throw-away in-memory store), to be copied into an older schema. */
async function ledgerEntries(count: number): Promise<LedgerEntry[]> {
  const scratch = new SqliteStore(":memory:");
  await new Ledger(scratch).submit(events(count, "old"));
  const entries = await scratch.range(1, count);
  await scratch.close();
  return entries;
}

const insertSql = (placeholder: (i: number) => string) =>
  `INSERT INTO ledger_entries (${ENTRY_COLUMNS.join(", ")}) VALUES (${ENTRY_COLUMNS.map((_, i) => placeholder(i)).join(", ")})`;

interface OldSchema {
  /** Opens the store (which applies the newer migrations). */
  open(): Promise<LedgerStore>;
  /** Definitions of the indexes on ledger_entries. */
  indexedColumns(): Promise<string[]>;
  /** Columns of the unique indexes on ledger_entries. */
  uniqueColumns(): Promise<string[]>;
  /** Runs one statement directly, bypassing the store. */
  exec(sql: string): Promise<unknown>;
  cleanup(): Promise<void>;
}

async function sqliteAtVersion4(entries: LedgerEntry[], version = LAST_RELEASED_BEFORE): Promise<OldSchema> {
  const file = join(tempDirectory("kppe-migrate-"), "ledger.sqlite");
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL; CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  for (const [v, sql] of SQLITE_MIGRATIONS.filter(([v]) => v <= version)) {
    db.exec(sql);
    db.prepare("INSERT INTO schema_migrations VALUES (?, ?)").run(v, new Date().toISOString());
  }
  const insert = db.prepare(insertSql(() => "?"));
  for (const entry of entries) insert.run(...entryValues(entry));
  return {
    open: async () => new SqliteStore(file),
    indexedColumns: async () =>
      db
        .prepare("SELECT name FROM pragma_index_list('ledger_entries')")
        .all()
        .flatMap((index) => db.prepare("SELECT name FROM pragma_index_info(?)").all(String(index.name)).map((c) => String(c.name))),
    uniqueColumns: async () =>
      db
        .prepare("SELECT c.name FROM pragma_index_list('ledger_entries') i JOIN pragma_index_info(i.name) c WHERE i.\"unique\" = 1")
        .all()
        .map((column) => String(column.name)),
    exec: async (sql) => db.exec(sql),
    cleanup: async () => db.close(),
  };
}

async function postgresAtVersion4(entries: LedgerEntry[], version = LAST_RELEASED_BEFORE): Promise<OldSchema> {
  const schema = `kppe_migrate_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  for (const [v, sql] of POSTGRES_MIGRATIONS.filter(([v]) => v <= version)) {
    await client.query(sql);
    await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [v]);
  }
  // The SQL the store wrote before migration 6: data as JSON text into a jsonb column.
  for (const entry of entries) await client.query(insertSql((i) => `$${i + 1}`), entryValues(entry));
  return {
    open: () => PostgresStore.open(POSTGRES_URL, { schema }),
    indexedColumns: async () =>
      (
        await client.query(
          `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = '${schema}.ledger_entries'::regclass`,
        )
      ).rows.map((r) => String(r.attname)),
    uniqueColumns: async () =>
      (
        await client.query(
          `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = '${schema}.ledger_entries'::regclass AND i.indisunique`,
        )
      ).rows.map((r) => String(r.attname)),
    exec: (sql) => client.query(sql),
    cleanup: async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

for (const [kind, atVersion4] of [
  ["sqlite", sqliteAtVersion4],
  ["postgres", postgresAtVersion4],
] as const) {
  describe(`migration 5 on ${kind}: event_hash loses its unique index`, function () {
    this.timeout(60_000);
    let old: OldSchema;
    let entries: LedgerEntry[];

    beforeEach(async function () {
      entries = await ledgerEntries(50);
      old = await atVersion4(entries);
    });
    afterEach(async function () {
      await old?.cleanup();
    });

    it("keeps every entry, drops only the event_hash index, and the ledger goes on from its head", async function () {
      assert.ok((await old.indexedColumns()).includes("event_hash"), "the version 4 schema indexes event_hash");
      const store = await old.open();
      try {
        assert.deepEqual(await store.range(1, 100), entries);
        const indexed = await old.indexedColumns();
        assert.ok(!indexed.includes("event_hash"), `indexes left on: ${indexed.join(", ")}`);
        assert.ok(indexed.includes("event_id"), "event_id stays indexed: duplicates are found through it");

        const [next] = await new Ledger(store).submit(events(1, "new"));
        assert.equal(next.fifo_sequence, 51);
        assert.equal(next.observed_prev_hash, entries[49].event_hash);
        assert.equal((await auditLedger((from, limit) => store.range(from, limit))).ok, true);
        await assert.rejects(new Ledger(store).submit([{ ...events(1, "old")[0], payload_hash: entries[1].payload_hash }]), /already in the ledger at sequence 1/);
      } finally {
        await store.close();
      }
      await assert.rejects(old.exec("UPDATE ledger_entries SET source_id = 'x'"), /never edited/);
      await assert.rejects(old.exec("DELETE FROM ledger_entries"), /never (edited or )?deleted/);
    });
  });
}

for (const [kind, atVersion, before] of [
  ["sqlite", sqliteAtVersion4, 11],
  ["postgres", postgresAtVersion4, 12],
] as const) {
  describe(`migration ${before + 1} on ${kind}: event_id's unique index becomes an index per epoch`, function () {
    this.timeout(60_000);

    it("keeps every entry, indexes event_id without a unique index, and still refuses an id written before it", async function () {
      const entries = await ledgerEntries(30);
      const old = await atVersion(entries, before);
      try {
        assert.ok((await old.uniqueColumns()).includes("event_id"), "before: event_id has a unique index");
        const store = await old.open();
        try {
          assert.deepEqual(await store.range(1, 100), entries);
          assert.ok(!(await old.uniqueColumns()).includes("event_id"), "after: no unique index on event_id");
          assert.ok((await old.indexedColumns()).includes("event_id"));
          const ledger = new Ledger(store);
          await assert.rejects(ledger.submit([{ ...events(1, "old")[0], payload_hash: entries[1].payload_hash }]), /already in the ledger at sequence 1/);
          const [again] = await ledger.submit([{ ...events(1, "old")[0], payload_hash: entries[0].payload_hash, data: entries[0].data, local_timestamp: entries[0].local_timestamp }]);
          assert.deepEqual([again.fifo_sequence, again.duplicate], [1, true]);
          const [next] = await ledger.submit(events(1, "new"));
          assert.equal(next.fifo_sequence, 31);
          assert.equal((await store.findByEventId("old-29"))?.fifo_sequence, 30);
          assert.equal((await auditLedger((from, limit) => store.range(from, limit))).ok, true);
        } finally {
          await store.close();
        }
        await assert.rejects(old.exec("UPDATE ledger_entries SET source_id = 'x'"), /never edited/);
        await assert.rejects(old.exec("DELETE FROM ledger_entries"), /never (edited or )?deleted/);
      } finally {
        await old.cleanup();
      }
    });
  });
}

describe("migration 6 on postgres: data becomes the JSON text as sent", function () {
  this.timeout(60_000);

  it("a ledger whose jsonb holds JSON strings, numbers and booleans reads, streams and audits as written", async function () {
    // Entries as the gateway accepted them, written with the SQL of migration 5's store.
    const values: unknown[] = ["hello", "123", "true", "null", 123, true, null, [1, "2"], { b: 1, a: { d: 2, c: 3 } }];
    const scratch = new SqliteStore(":memory:");
    await new Ledger(scratch).submit(values.map((data, i) => ({ ...events(1, `scalar-${i}`)[0], data })));
    const entries = await scratch.range(1, values.length);
    await scratch.close();
    const old = await postgresAtVersion4(entries, 5);
    try {
      const store = await old.open();
      try {
        const read = await store.range(1, 100);
        // jsonb kept no key order, so objects written before the fix compare as values.
        assert.deepEqual(read.map((e) => e.data), values);
        assert.deepEqual(read.map((e) => typeof e.data), values.map((v) => typeof v));
        assert.equal((await store.findByEventId(entries[1].event_id))?.data, "123");
        const audit = await auditLedger((from, limit) => store.range(from, limit));
        assert.deepEqual([audit.ok, audit.checked], [true, values.length]);
        const [next] = await new Ledger(store).submit([{ ...events(1, "after")[0], data: { z: 1, a: 2 } }]);
        assert.equal(JSON.stringify((await store.findByEventId(next.event_id))?.data), '{"z":1,"a":2}', "new entries keep their key order");
      } finally {
        await store.close();
      }
      const view = (await old.exec("SELECT event_type, data FROM analytics_events ORDER BY fifo_sequence")) as { rows: Array<{ data: unknown }> };
      assert.deepEqual(view.rows.slice(0, values.length).map((r) => r.data), values, "analytics_events still serves data as jsonb");
    } finally {
      await old.cleanup();
    }
  });
});

for (const [kind, atVersion, before] of [
  ["sqlite", sqliteAtVersion4, 13],
  ["postgres", postgresAtVersion4, 14],
] as const) {
  describe(`migration ${before + 1} on ${kind}: the event id filter is saved in parts`, function () {
    this.timeout(60_000);

    it("drops a filter saved in one piece (the next start reads every id and refuses a taken one) and makes the table of parts", async function () {
      const entries = await ledgerEntries(30);
      const old = await atVersion(entries, before);
      try {
        const bytes = kind === "sqlite" ? "x'00'" : "'\\x00'::bytea";
        await old.exec(`INSERT INTO event_id_filter (slot, covered, covered_event_hash, filter, saved_at) VALUES (1, 30, '${entries[29].event_hash}', ${bytes}, '2026-12-06T00:00:00Z')`);
        const store = await old.open();
        try {
          assert.deepEqual(await store.prepareAppends(), { restored: 0, read: 30 });
          await assert.rejects(new Ledger(store).submit([{ ...events(1, "old")[0], payload_hash: entries[1].payload_hash }]), /already in the ledger at sequence 1/);
        } finally {
          await store.close();
        }
        await old.exec("INSERT INTO event_id_filter_parts (generation, part, bytes) VALUES (1, 0, " + bytes + ")");
      } finally {
        await old.cleanup();
      }
    });
  });
}

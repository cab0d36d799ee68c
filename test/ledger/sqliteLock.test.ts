import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "../../src/store/sqlite/nodeSqlite.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { LedgerError, type SubmittedEvent } from "../../src/ledger/types.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import { randomLeaves } from "../helpers/random.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

const event = (id: string): SubmittedEvent => ({
  version: "0.1",
  event_id: id,
  previous_event_hash: null,
  payload_hash: randomLeaves(1)[0],
  source_id: "paying",
  local_timestamp: null,
  data: null,
});

describe("SQLite ledger while another process holds the write lock", function () {
  this.timeout(30_000);

  it("writes and charges nothing when BEGIN times out, and the next submission goes through", async function () {
    const file = join(tempDirectory("kppe-lock-"), "ledger.sqlite");
    const store = new SqliteStore(file, { busyTimeoutMs: 200 });
    await store.createSource({ source_id: "paying", api_key_hash: "0x" + "11".repeat(32), credits: 5, rate_per_second: null, burst: null, created_at: new Date().toISOString() });
    const ledger = new Ledger(store, { chargeCredits: true });
    const other = new DatabaseSync(file);
    try {
      other.exec("BEGIN IMMEDIATE");
      await assert.rejects(ledger.submit([event("a"), event("b")]), (e: unknown) => e instanceof LedgerError && e.code === "ERR_FIFO_DOWN" && /locked/.test(e.message));
      other.exec("ROLLBACK");

      assert.equal((await store.head()).fifo_sequence, 0);
      assert.equal((await store.findSource("paying"))?.credits, 5);
      const [receipt] = await ledger.submit([event("a")]);
      assert.equal(receipt.fifo_sequence, 1);
      assert.equal((await store.findSource("paying"))?.credits, 4);
    } finally {
      other.close();
      await store.close();
    }
  });
});

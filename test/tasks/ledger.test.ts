import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "../../src/store/sqlite/nodeSqlite.ts";
import hre from "hardhat";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

/** Runs a task and returns what it printed with console.log. */
async function runTask(name: string, args: Record<string, unknown>): Promise<string> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => printed.push(parts.join(" "));
  try {
    await hre.tasks.getTask(name).run(args);
  } finally {
    console.log = original;
  }
  return printed.join("\n");
}

describe("ledger tasks", function () {
  let file: string;
  let gateway: Gateway;
  let url: string;

  beforeEach(async function () {
    file = join(tempDirectory("kppe-tasks-"), "ledger.sqlite");
    gateway = createGateway({ store: new SqliteStore(file), port: 0, logLevel: false });
    url = await gateway.listen();
  });
  afterEach(async function () {
    await gateway.close();
    process.exitCode = 0;
  });

  it("ledger:submit hashes the body locally and prints the receipt; ledger:head shows it", async function () {
    const printed = await runTask("ledger:submit", { body: '{"type":"click","n":1}', file: "", sourceId: "cli", eventId: "t-1", previousEventHash: "", url });
    const receipt = JSON.parse(printed);
    assert.equal(receipt.fifo_sequence, 1);
    assert.match(await runTask("ledger:head", { url }), new RegExp(`sequence 1  event_hash ${receipt.event_hash}  state ACCEPTING`));
    // Resubmitting the same id and body is a safe retry: the original receipt, nothing new written.
    const again = JSON.parse(await runTask("ledger:submit", { body: '{"type":"click","n":1}', file: "", sourceId: "cli", eventId: "t-1", previousEventHash: "", url }));
    assert.deepEqual([again.fifo_sequence, again.event_hash, again.duplicate], [1, receipt.event_hash, true]);
    await assert.rejects(
      runTask("ledger:submit", { body: '{"type":"click","n":2}', file: "", sourceId: "cli", eventId: "t-1", previousEventHash: "", url }),
      /409 ERR_DUPLICATE_EVENT/,
    );
    await assert.rejects(runTask("ledger:submit", { body: "", file: "", sourceId: "cli", eventId: "", previousEventHash: "", url }), /exactly one of --body/);
  });

  it("ledger:audit --url reads a ledger of several pages over one stream", async function () {
    for (let batch = 0; batch < 2; batch++) {
      const events = Array.from({ length: 600 }, (_, i) => ({ version: "0.1", event_id: `p-${batch}-${i}`, payload_hash: "0x" + (batch * 600 + i + 1).toString(16).padStart(64, "0"), source_id: "cli" }));
      const response = await fetch(`${url}/submit_batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
      assert.equal(response.status, 200);
    }
    assert.match(await runTask("ledger:audit", { store: "", url }), /the chain verifies: 1200 entries/);
  });

  it("ledger:audit verifies a good ledger and names the first broken link of a tampered one", async function () {
    for (let i = 0; i < 5; i++) {
      await runTask("ledger:submit", { body: `{"n":${i}}`, file: "", sourceId: "cli", eventId: `a-${i}`, previousEventHash: "", url });
    }
    assert.match(await runTask("ledger:audit", { store: file, url: "" }), /the chain verifies: 5 entries/);
    assert.match(await runTask("ledger:audit", { store: "", url }), /the chain verifies: 5 entries/);
    assert.equal(process.exitCode ?? 0, 0);

    // Someone with access to the file drops the guard and rewrites entry 3.
    const db = new DatabaseSync(file);
    db.exec("DROP TRIGGER ledger_entries_immutable_update; UPDATE ledger_entries SET source_id = 'mallory' WHERE fifo_sequence = 3");
    db.close();
    const report = await runTask("ledger:audit", { store: file, url: "" });
    assert.match(report, /BROKEN at sequence 3: event_hash 0x[0-9a-f]{64} does not recompute/);
    assert.match(report, /the 2 entries before it verify/);
    assert.equal(process.exitCode, 1);
  });

  it("ledger:audit recomputes the log from the entries and compares it with the stored hashes and the served checkpoint", async function () {
    for (let i = 0; i < 40; i++) {
      await runTask("ledger:submit", { body: `{"n":${i}}`, file: "", sourceId: "cli", eventId: `l-${i}`, previousEventHash: "", url });
    }
    assert.equal(await gateway.logService.integrate(), 40);
    assert.match(await runTask("ledger:audit", { store: file, url: "" }), /the stored log matches the entries: size 40, root 0x[0-9a-f]{64}/);
    assert.match(await runTask("ledger:audit", { store: "", url }), /the gateway's checkpoint \(signature not checked\) matches the entries: size 40/);
    assert.equal(process.exitCode ?? 0, 0);

    // The stored hashes are derived data; a changed one is caught, and the audit says how to rebuild.
    const db = new DatabaseSync(file);
    db.prepare("UPDATE log_chunks SET hashes = ? WHERE level = 0 AND chunk_index = 0").run(new Uint8Array(40 * 32).fill(7));
    db.close();
    const report = await runTask("ledger:audit", { store: file, url: "" });
    assert.match(report, /the stored log holds node hashes at level 0, chunk 0, that the entries do not give: NOT CONSISTENT \(the stored hashes are derived data/);
    assert.equal(process.exitCode, 1);
  });
});

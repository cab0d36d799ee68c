import assert from "node:assert/strict";
import { auditLedger } from "../../src/ledger/audit.ts";
import type { EnqueueReceipt } from "../../src/ledger/types.ts";
import { PostgresStore } from "../../src/store/postgres/postgresStore.ts";
import { openStore } from "../../src/store/open.ts";
import { clientHash } from "../../src/sdk/index.ts";
import { kill, startGatewayProcess } from "../helpers/processes.ts";
import { POSTGRES_URL } from "../helpers/stores.ts";
import { join } from "node:path";
import { tempDirectory } from "../helpers/tempDirectory.ts";

const CLIENTS = 16;

/** Submits from `CLIENTS` concurrent clients until the gateway stops answering; returns every receipt received. */
async function loadUntilDown(url: string, tag: string): Promise<EnqueueReceipt[]> {
  const receipts: EnqueueReceipt[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; ; i++) {
        const body = { tag, client, i };
        const event = { version: "0.1", event_id: `${tag}-${client}-${i}`, payload_hash: clientHash(body), source_id: "load", data: body };
        try {
          const response = await fetch(`${url}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
          if (response.status === 200) receipts.push((await response.json()) as EnqueueReceipt);
        } catch {
          return; // connection refused or reset: the gateway is gone
        }
      }
    }),
  );
  return receipts;
}

const stores: Array<[string, () => { location: string; cleanup(): Promise<void> }]> = [
  ["sqlite", () => ({ location: join(tempDirectory("kppe-crash-"), "ledger.sqlite"), cleanup: async () => undefined })],
  [
    "postgres",
    () => {
      const schema = `kppe_crash_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      return {
        location: `${POSTGRES_URL}?schema=${schema}`,
        cleanup: async () => {
          const store = await PostgresStore.open(POSTGRES_URL, { schema });
          await store.dropSchema();
          await store.close();
        },
      };
    },
  ],
];

for (const [kind, make] of stores) {
  describe(`gateway killed with SIGKILL under load (${kind}, real processes)`, function () {
    this.timeout(120_000);

    it("keeps every receipted event at its sequence, with no gap, repeat or broken link", async function () {
      const { location, cleanup } = make();
      const all: EnqueueReceipt[] = [];
      try {
        for (let round = 0; round < 3; round++) {
          const { child, url } = await startGatewayProcess(location);
          const load = loadUntilDown(url, `r${round}`);
          await new Promise((r) => setTimeout(r, 400 + Math.random() * 400));
          await kill(child, "SIGKILL");
          all.push(...(await load));
        }
        assert.ok(all.length > 50, `load produced only ${all.length} receipts`);

        const store = await openStore(location);
        try {
          const audit = await auditLedger((f, l) => store.range(f, l));
          assert.equal(audit.ok, true, JSON.stringify(audit.problem));
          for (const receipt of all) {
            const entry = await store.findByEventId(receipt.event_id);
            assert.ok(entry, `receipted event ${receipt.event_id} is missing`);
            assert.equal(entry.fifo_sequence, receipt.fifo_sequence);
            assert.equal(entry.event_hash, receipt.event_hash);
          }
          // Entries without a receipt are allowed (killed between commit and reply), never the reverse.
          assert.ok(audit.checked >= all.length);
        } finally {
          await store.close();
        }
      } finally {
        await cleanup();
      }
    });
  });
}

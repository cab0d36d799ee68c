// PostgreSQL going away under load, for real: a TCP proxy between each process and the server
// resets every connection, or refuses new ones for a while. The gateway, the keeper and a storage
// node must survive it, report it, and carry on with nothing acknowledged lost.
import assert from "node:assert/strict";
import { Wallet } from "ethers";
import { createGateway } from "../../src/gateway/server.ts";
import { auditLedger } from "../../src/ledger/audit.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { LedgerError, type EnqueueReceipt } from "../../src/ledger/types.ts";
import { StorageNode } from "../../src/replication/node.ts";
import { isStoreUnavailable } from "../../src/store/failures.ts";
import { openStore } from "../../src/store/open.ts";
import { clientHash } from "../../src/sdk/index.ts";
import { appendEvents, devWallet, fastSettings, openKeeper, startLocalChain } from "../helpers/chain.ts";
import { kill, runHardhatTask, startGatewayProcess, stopHardhatTask, whenGatewayListens } from "../helpers/processes.ts";
import { POSTGRES_URL, postgresFixture, sqliteFixture, type StoreFixture } from "../helpers/stores.ts";
import { confirmedBatch, hash32, RECEIPT_TARGET, receiptRow } from "../helpers/receipts.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcpProxy.ts";
import { waitFor } from "../helpers/wait.ts";
import { startWitnessNode } from "../helpers/witness.ts";
import { generateSignerKey, parseSignerKey, parseVerifierKey, verifierKeyOf } from "../../src/log/note.ts";
import { openCosigned } from "../../src/log/cosignature.ts";
import { SLOT_SECONDS } from "../../src/poot/params.ts";
import { taskProofMessage } from "../../src/poot/taskProof.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fixture's location with its host and port replaced by the proxy's. */
function throughProxy(location: string, proxy: TcpProxy): string {
  const url = new URL(location);
  url.host = `127.0.0.1:${proxy.port}`;
  return url.toString();
}

async function withProxy<T>(work: (proxy: TcpProxy) => Promise<T>): Promise<T> {
  const target = new URL(POSTGRES_URL);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  try {
    return await work(proxy);
  } finally {
    await proxy.close();
  }
}

/**
 * A fresh PostgreSQL ledger behind a TCP proxy: its migrations applied directly (before the proxy
 * is in the way), `viaProxy` its location through the proxy; removed afterwards.
 */
async function ledgerBehindProxy(work: (ledger: { fixture: StoreFixture; proxy: TcpProxy; viaProxy: string }) => Promise<void>): Promise<void> {
  const fixture = postgresFixture();
  await (await fixture.open()).close();
  try {
    await withProxy((proxy) => work({ fixture, proxy, viaProxy: throughProxy(fixture.location, proxy) }));
  } finally {
    await fixture.cleanup();
  }
}

/** Cuts every connection three times, then keeps the database unreachable for `downMs`. */
async function outages(proxy: TcpProxy, downMs: number, onDown: () => Promise<void> = async () => undefined): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await sleep(500);
    proxy.cut();
  }
  await sleep(300);
  proxy.down();
  await sleep(downMs / 2);
  await onDown();
  await sleep(downMs / 2);
  proxy.up();
}

/** Waits until the task `run` has said twice that it waits for its store; fails at once, with its output, if it exited instead. */
async function saysItWaits(run: ReturnType<typeof runHardhatTask>): Promise<void> {
  await waitFor("two waits said", async () => {
    if (run.outputClosed) throw new Error(`the task exited instead of waiting for its store:\n${run.output}`);
    return (run.output.match(/trying again in/g) ?? []).length >= 2;
  }, 30_000);
  assert.equal(run.child.exitCode, null, "still running");
}

describe("PostgreSQL cut off under load (TCP proxy, real processes)", function () {
  this.timeout(120_000);

  it("the gateway survives, answers 503 ERR_FIFO_DOWN with Retry-After while it is DOWN, and continues the sequence with every receipt durable", async function () {
    await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
      const { child, url } = await startGatewayProcess(viaProxy);
      try {
        const receipts: EnqueueReceipt[] = [];
        const statuses = new Map<number, number>();
        const stateSeen = new Set<string>();
        let running = true;
        const clients = Array.from({ length: 8 }, async (_, client) => {
          for (let i = 0; running; i++) {
            const body = { client, i };
            const event = { version: "0.1", event_id: `cut-${client}-${i}`, payload_hash: clientHash(body), source_id: "load", data: body };
            const response = await fetch(`${url}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
            const json = (await response.json()) as EnqueueReceipt & { error?: string };
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            if (response.status === 200) receipts.push(json);
            else {
              assert.equal(response.status, 503, JSON.stringify(json));
              assert.equal(json.error, "ERR_FIFO_DOWN");
              assert.ok(response.headers.get("retry-after"), "503 carries Retry-After");
              await sleep(50);
            }
          }
        });
        await outages(proxy, 3_000, async () => {
          stateSeen.add((await (await fetch(`${url}/health`)).json()).state);
        });
        const beforeRecovery = receipts.length;
        const deadline = Date.now() + 20_000;
        while (receipts.length < beforeRecovery + 50 && Date.now() < deadline) await sleep(100);
        running = false;
        await Promise.all(clients);

        assert.equal(child.exitCode, null, "the gateway process is still running");
        assert.ok(stateSeen.has("DOWN"), `health while unreachable: ${[...stateSeen].join(", ")}`);
        assert.ok((statuses.get(503) ?? 0) > 0, "some submissions met the outage");
        assert.ok(receipts.length >= beforeRecovery + 50, `accepting again after the outage (${receipts.length - beforeRecovery} since)`);
        assert.deepEqual([...statuses.keys()].sort(), [200, 503]);
        assert.equal((await (await fetch(`${url}/health`)).json()).status, "ok");
      } finally {
        await kill(child, "SIGTERM");
      }
      const store = await fixture.open();
      try {
        const audit = await auditLedger((f, l) => store.range(f, l));
        assert.equal(audit.ok, true, JSON.stringify(audit.problem));
      } finally {
        await store.close();
      }
    });
  });

  it("every acknowledged event is in the ledger at its receipt's sequence and hash after repeated cuts", async function () {
    await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
      const receipts: EnqueueReceipt[] = [];
      const { child, url } = await startGatewayProcess(viaProxy);
      try {
        let running = true;
        const clients = Array.from({ length: 8 }, async (_, client) => {
          for (let i = 0; running; i++) {
            const events = Array.from({ length: 20 }, (_, k) => ({ version: "0.1", event_id: `b-${client}-${i}-${k}`, payload_hash: clientHash({ client, i, k }), source_id: "load" }));
            const response = await fetch(`${url}/submit_batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
            const json = (await response.json()) as { receipts?: EnqueueReceipt[] };
            if (response.status === 200) receipts.push(...json.receipts!);
            else await sleep(20);
          }
        });
        for (let i = 0; i < 8; i++) {
          await sleep(300);
          proxy.cut();
        }
        await sleep(1_000);
        running = false;
        await Promise.all(clients);
        assert.equal(child.exitCode, null, "the gateway process is still running");
      } finally {
        await kill(child, "SIGTERM");
      }
      assert.ok(receipts.length > 100, `only ${receipts.length} receipts`);
      const store = await fixture.open();
      try {
        const audit = await auditLedger((f, l) => store.range(f, l));
        assert.equal(audit.ok, true, JSON.stringify(audit.problem));
        for (const receipt of receipts) {
          const entry = await store.findByEventId(receipt.event_id);
          assert.ok(entry, `acknowledged ${receipt.event_id} is missing`);
          assert.deepEqual([entry.fifo_sequence, entry.event_hash], [receipt.fifo_sequence, receipt.event_hash]);
        }
      } finally {
        await store.close();
      }
    });
  });

  it("the keeper rides out the cuts and anchors every event exactly once", async function () {
    const chain = await startLocalChain();
    try {
      await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
        const direct = await fixture.open();
        await appendEvents(direct, 3_000, "kcut");
        const store = await openStore(viaProxy);
        const contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
        const keeper = await openKeeper({ store, url: chain.url, contract, settings: fastSettings({ maxEventsPerBatch: 100, intervalMs: 100 }) });
        const running = keeper.run();
        await outages(proxy, 1_500);
        const deadline = Date.now() + 60_000;
        while ((await direct.anchoring.stats(keeper.target)).eventsConfirmed < 3_000 && Date.now() < deadline) await sleep(200);
        keeper.stop();
        await running;
        await store.close();
        const stats = await direct.anchoring.stats(keeper.target);
        assert.equal(stats.eventsConfirmed, 3_000);
        const live = await direct.anchoring.recentConfirmed(keeper.target, 1_000);
        assert.equal(live.reduce((n, b) => n + b.eventCount, 0), 3_000, "each event in one confirmed batch");
        await direct.close();
      });
    } finally {
      await chain.close();
    }
  });

  it("while the store is unreachable every route that needs it answers 503 ERR_FIFO_DOWN with Retry-After, PoOT task proofs included, and answers again once it is back", async function () {
    await ledgerBehindProxy(async ({ proxy, viaProxy }) => {
      const genesis = Math.floor(Date.now() / 1000) - 10 * SLOT_SECONDS;
      const gateway = createGateway({ store: await openStore(viaProxy), port: 0, logLevel: false, poot: { deployment: "0x00000000000000000000000000000000000000bb", genesis } });
      const url = await gateway.listen();
      try {
        const event = { version: "0.1", event_id: "o-1", payload_hash: clientHash({ o: 1 }), source_id: "app" };
        assert.equal((await fetch(`${url}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) })).status, 200);
        const wallet = Wallet.createRandom();
        const slot = Math.floor((Date.now() / 1000 - genesis) / SLOT_SECONDS);
        const unsigned = { slot, node_id: wallet.address, type: "uptime_beacon" as const, value: {}, time: genesis + slot * SLOT_SECONDS + 1 };
        const proof = { ...unsigned, signature: wallet.signMessageSync(taskProofMessage("0x00000000000000000000000000000000000000bb", unsigned)) };
        const requests = () => [
          fetch(`${url}/receipts/o-1`),
          fetch(`${url}/poot/proofs?from_slot=0&to_slot=${slot + 1}`),
          fetch(`${url}/poot/proofs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ proofs: [proof] }) }),
        ];
        proxy.cut();
        proxy.down();
        for (const response of await Promise.all(requests())) {
          const body = await response.json();
          assert.equal(response.status, 503, `${response.url}: ${JSON.stringify(body)}`);
          assert.equal(body.error, "ERR_FIFO_DOWN");
          assert.ok(Number(response.headers.get("retry-after")) > 0, "Retry-After");
        }
        proxy.up();
        await waitFor("the store to answer again", async () => (await fetch(`${url}/receipts/o-1`)).status === 200, 20_000);
        const [receipt, listed, posted] = await Promise.all(requests());
        assert.equal(receipt.status, 200);
        assert.equal(listed.status, 200);
        assert.deepEqual(await posted.json(), { stored: 1, refused: [] }, "the proof refused during the outage is stored once the store is back");
      } finally {
        await gateway.close();
      }
    });
  });

  it("a witness whose state is on PostgreSQL rides out the cuts: it never cosigns what does not extend what it recorded, and the gateway's cosignatures catch up", async function () {
    const logSignerKey = generateSignerKey("outage.example/log");
    await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
      const cleanups: Array<() => Promise<void> | void> = [];
      try {
        // The witness's store (its copy and witness_state) reaches PostgreSQL only through the proxy.
        const witnessStore: StoreFixture = { ...fixture, open: () => openStore(viaProxy), cleanup: async () => undefined };
        const witness = await startWitnessNode(witnessStore, "outage.example/witness", verifierKeyOf(parseSignerKey(logSignerKey)), cleanups);
        const gateway = createGateway({ store: await sqliteFixture().open(), port: 0, logLevel: false, logKey: logSignerKey, witnesses: [{ url: witness.url, key: witness.key }] });
        const url = await gateway.listen();
        cleanups.push(() => gateway.close());
        witness.follow(url);
        let submitted = 0;
        const cosigned: number[] = [];
        const failures: string[] = [];
        const feeding = (async () => {
          for (let i = 0; i < 30; i++) {
            const events = Array.from({ length: 20 }, (_, k) => ({ version: "0.1", event_id: `w-${i}-${k}`, payload_hash: clientHash({ i, k }), source_id: "app" }));
            await fetch(`${url}/submit_batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
            submitted += events.length;
            await gateway.logService.integrate().catch(() => undefined);
            await gateway.logService.cosignLatest().catch(() => undefined);
            const [status] = gateway.logService.witnessStatus();
            cosigned.push(status.cosignedSize);
            if (status.lastError) failures.push(status.lastError);
            await sleep(100);
          }
        })();
        await outages(proxy, 1_500);
        await feeding;
        await waitFor("the witness to cosign the whole log after the cuts", async () => {
          await gateway.logService.integrate();
          await gateway.logService.cosignLatest().catch(() => undefined);
          return gateway.logService.witnessStatus()[0].cosignedSize === submitted;
        }, 30_000);
        assert.ok(failures.length > 0, "the witness failed to cosign while its database was cut (else the cuts were not felt)");
        assert.deepEqual(cosigned, [...cosigned].sort((a, b) => a - b), "the cosigned size never went back");
        // What the witness recorded is the note it cosigned last, and it verifies with both keys.
        const served = await (await fetch(`${witness.url}/checkpoint`)).text();
        const opened = openCosigned(served, parseVerifierKey(verifierKeyOf(parseSignerKey(logSignerKey))), [parseVerifierKey(witness.key)], 1);
        assert.equal(opened.checkpoint.size, submitted);
        assert.equal((await witness.store.witness.lastCosigned("outage.example/log"))?.size, submitted);
      } finally {
        for (const cleanup of cleanups.reverse()) await cleanup();
      }
    });
  });

  it("a PoOT epoch schedule being saved when the connection is cut is recorded whole or not at all, and whole when saved again", async function () {
    const operators = Array.from({ length: 20 }, () => Wallet.createRandom().address.toLowerCase());
    const scheduleOf = (slots: number, seed: string) => ({
      epoch: 7,
      seed,
      leaders: operators.slice(0, 17),
      tally: operators.map((node_id, i) => ({ node_id, credits: 100 - i, density: 1, live_score: 100 - i, eligible: true, rank: i + 1 })),
      slots: Array.from({ length: slots }, (_, slot) => ({ slot, primary: operators[slot % 17], fallbacks: [operators[(slot + 1) % 17]], reason: `rank ${(slot % 17) + 1}` })),
    });
    const before = scheduleOf(10, "0x" + "11".repeat(32));
    // A row per round trip: the save of 3,000 slots takes long enough to be cut in the middle.
    const after = scheduleOf(3_000, "0x" + "22".repeat(32));
    await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
      const direct = await fixture.open();
      try {
        await direct.poot.saveSchedule(before);
        const store = await openStore(viaProxy);
        try {
          const saving = store.poot.saveSchedule(after);
          await sleep(150);
          proxy.cut();
          const outcome = await saving.then(() => "saved", (error: Error) => `refused: ${error.message}`);
          const recorded = await direct.poot.schedule(7);
          // Usually the cut lands mid-transaction and nothing of the new schedule is visible; if it
          // came after COMMIT, the whole new one is. Never a mix (old tally, half the new slots).
          if (outcome === "saved") assert.deepEqual(recorded, after);
          else assert.deepEqual(recorded, before, `after "${outcome}", the old schedule is intact`);
          await store.poot.saveSchedule(after);
          assert.deepEqual(await direct.poot.schedule(7), after, "saved whole once the connection is back");
        } finally {
          await store.close();
        }
      } finally {
        await direct.close();
      }
    });
  });

  it("started while PostgreSQL is unreachable, the gateway (npx hardhat ledger:serve) waits for it, saying so, and serves once it is back; a one-shot task fails at once in one line that names the store without its password", async function () {
    await ledgerBehindProxy(async ({ proxy, viaProxy }) => {
      proxy.down();
      const withPassword = viaProxy.replace("//root@", "//root:s3cret-pw@");
      const oneShot = runHardhatTask(["ledger:source", "--store", withPassword, "--source-id", "app"]);
      assert.equal(await oneShot.exited, 1, oneShot.output);
      assert.match(oneShot.output, new RegExp(`the store postgres://root@127\\.0\\.0\\.1:${proxy.port}/.* cannot be reached \\([a-z]+ ECONN[A-Z]+[^)]*\\): start it, or name another with --store or KPPE_STORE`));
      assert.doesNotMatch(oneShot.output, /s3cret-pw|An unexpected error|\n\s+at /, `no password, no stack trace in:\n${oneShot.output}`);
      // With stack traces on (as in CI, where Hardhat turns them on itself), the error's whole
      // cause chain is printed: it still holds no password.
      const withStack = runHardhatTask(["--show-stack-traces", "ledger:source", "--store", withPassword, "--source-id", "app"]);
      assert.equal(await withStack.exited, 1, withStack.output);
      assert.match(withStack.output, /\n\s+at /, "the stack trace is shown");
      assert.doesNotMatch(withStack.output, /s3cret-pw/, `no password in:\n${withStack.output}`);

      const serve = runHardhatTask(["ledger:serve", "--store", withPassword, "--port", "0", "--log-format", "json"]);
      try {
        await saysItWaits(serve);
        assert.doesNotMatch(serve.output, /s3cret-pw/);
        proxy.up();
        const { url } = await whenGatewayListens(serve, 30_000);
        const event = { version: "0.1", event_id: "after-the-wait", payload_hash: clientHash({ n: 1 }), source_id: "app", data: { n: 1 } };
        const response = await fetch(`${url}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
        assert.equal(response.status, 200, await response.clone().text());
        assert.equal(((await response.json()) as EnqueueReceipt).fifo_sequence, 1);
      } finally {
        await stopHardhatTask(serve);
      }
    });
  });

  it("a gateway stopped while it waits for its store exits, saying why", async function () {
    await ledgerBehindProxy(async ({ proxy, viaProxy }) => {
      proxy.down();
      const serve = runHardhatTask(["ledger:serve", "--store", viaProxy, "--port", "0"]);
      await waitFor("a wait said", async () => serve.output.includes("trying again in"), 30_000);
      // npx does not pass SIGTERM on (test/tasks/stop.test.ts); the task sees npm go and stops.
      await stopHardhatTask(serve);
      assert.match(serve.output, /npm exited: stopped while waiting for the store/);
    });
  });

  it("started while PostgreSQL is unreachable, the keeper (npx hardhat anchor) waits for it, saying so, and anchors once it is back", async function () {
    const chain = await startLocalChain();
    try {
      const contract = await (await chain.deployAnchor(devWallet(0).address)).getAddress();
      await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
        const direct = await fixture.open();
        await appendEvents(direct, 3, "kept");
        await direct.close();
        proxy.down();
        const keeper = runHardhatTask(
          ["anchor", "--store", viaProxy, "--rpc-url", chain.url, "--contract", contract, "--interval-ms", "300", "--confirmations", "1", "--health-port", "0"],
          { PRIVATE_KEY: "" },
        );
        try {
          await saysItWaits(keeper);
          assert.doesNotMatch(keeper.output, /Batch #1/, "nothing anchored while the store is away");
          proxy.up();
          await waitFor("the batch anchored and its receipts stored", async () => /Proofs stored for 3 events/.test(keeper.output), 60_000);
          assert.match(keeper.output, /Batch #1 confirmed in block \d+ \| 3 events anchored/);
        } finally {
          await stopHardhatTask(keeper);
        }
        const stored = await fixture.open();
        try {
          assert.equal(await stored.anchoring.countReceipts((await stored.anchoring.findBatch({ chainId: 31337, contract: contract.toLowerCase() }, 1))!.id), 3);
        } finally {
          await stored.close();
        }
      });
    } finally {
      await chain.close();
    }
  });

  it("started while PostgreSQL is unreachable, a storage node (npx hardhat ledger:replicate) waits for it, saying so, and copies the ledger once it is back", async function () {
    const source = await sqliteFixture().open();
    const gateway = createGateway({ store: source, port: 0, logLevel: false });
    const url = await gateway.listen();
    try {
      await appendEvents(source, 5, "copied");
      await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
        proxy.down();
        const node = runHardhatTask(["ledger:replicate", "--gateway", url, "--store", viaProxy, "--port", "0", "--ephemeral-key"]);
        try {
          await saysItWaits(node);
          proxy.up();
          await waitFor("the copy caught up", async () => /appended \d+ entries, head 5 /.test(node.output), 60_000);
        } finally {
          await stopHardhatTask(node);
        }
        const copy = await fixture.open();
        try {
          assert.deepEqual(await copy.head(), await source.head());
        } finally {
          await copy.close();
        }
      });
    } finally {
      await gateway.close();
    }
  });

  it("receipts being written with COPY when the connection is cut are stored all or none, the process goes on, and the chunk is stored whole when written again", async function () {
    const batch = confirmedBatch(30_000);
    // 30,000 receipts with 15-node proofs: about 35 MB of COPY, long enough to be cut in the middle.
    const receipts = Array.from({ length: 30_000 }, (_, i) => receiptRow(batch, i, `cut-${i}`, Array.from({ length: 15 }, (_, k) => hash32(i * 16 + k))));
    await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
      const direct = await fixture.open();
      try {
        await direct.anchoring.createBatch(batch);
        const store = await openStore(viaProxy);
        try {
          const saving = store.anchoring.saveReceipts(receipts);
          await sleep(100);
          proxy.cut();
          const outcome = await saving.then(() => "saved", (error: Error) => `refused: ${error.message}`);
          const stored = await direct.anchoring.countReceipts(batch.id);
          assert.ok(stored === 0 || (stored === receipts.length && outcome === "saved"), `after "${outcome}", ${stored} receipts stored`);
          await store.anchoring.saveReceipts(receipts);
          assert.equal(await direct.anchoring.countReceipts(batch.id), receipts.length, "stored whole once the connection is back");
          assert.deepEqual((await direct.anchoring.findReceipt("cut-29999", RECEIPT_TARGET))!.receipt, receipts[29_999]);
        } finally {
          await store.close();
        }
      } finally {
        await direct.close();
      }
    });
  });

  it("an event id filter being saved or loaded when the connection is cut is never used half-written: the process goes on, and a start reads what it lacks", async function () {
    // SAVE_AT_CLOSE: a process that appended 65,536 entries or more saves its filter (about 500 KB
    // here) when it closes. Throttled to 100 KB/s, its save and its load take seconds, and a cut
    // after one second lands inside them.
    const SAVED = 65_536 + 100;
    const inside = async (proxy: TcpProxy, work: Promise<unknown>) => {
      proxy.throttle(100_000);
      await sleep(1_000);
      proxy.cut();
      proxy.throttle(undefined);
      return work.then(() => "done", (error: Error) => error);
    };
    await ledgerBehindProxy(async ({ fixture, proxy, viaProxy }) => {
      const appender = await openStore(viaProxy);
      const ids = await appendEvents(appender, SAVED, "kept");
      const closing = appender.close();
      assert.equal(await inside(proxy, closing), "done", "a failed save does not fail the close");

      const direct = await fixture.open();
      assert.deepEqual(await direct.prepareAppends(), { restored: 0, read: SAVED }, "nothing of the cut save is used: every id is read");
      await direct.close(); // saves it whole

      const starting = await openStore(viaProxy);
      try {
        const failed = await inside(proxy, starting.prepareAppends());
        assert.ok(failed instanceof Error && isStoreUnavailable(failed), `a load cut midway fails the start as the store being unreachable, got ${failed}`);
        assert.deepEqual(await starting.prepareAppends(), { restored: SAVED, read: 0 }, "the same process loads it once the connection is back");
        await assert.rejects(new Ledger(starting).submit([{ version: "0.1", event_id: ids[SAVED - 1], previous_event_hash: null, payload_hash: hash32(1), source_id: "test", local_timestamp: null, data: null }]), (e: unknown) => e instanceof LedgerError && e.code === "ERR_DUPLICATE_EVENT" && e.message.includes(`at sequence ${SAVED} `));
      } finally {
        await starting.close();
      }
    });
  });

  it("a storage node whose copy is on PostgreSQL rides out the cuts and catches up with an intact chain", async function () {
    await ledgerBehindProxy(async ({ proxy, viaProxy }) => {
      const gateway = createGateway({ store: await sqliteFixture().open(), port: 0, logLevel: false });
      const url = await gateway.listen();
      try {
        const copy = await openStore(viaProxy);
        const node = new StorageNode({ gatewayUrl: url, store: copy, wallet: Wallet.createRandom() });
        node.start();
        const feeding = (async () => {
          for (let i = 0; i < 40; i++) {
            const events = Array.from({ length: 50 }, (_, k) => ({ version: "0.1", event_id: `n-${i}-${k}`, payload_hash: clientHash({ i, k }), source_id: "app" }));
            await fetch(`${url}/submit_batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
            await sleep(50);
          }
        })();
        await outages(proxy, 1_500);
        await feeding;
        const deadline = Date.now() + 30_000;
        while ((await copy.head().catch(() => ({ fifo_sequence: -1 }))).fifo_sequence < 2_000 && Date.now() < deadline) await sleep(200);
        await node.stop();
        assert.deepEqual(await copy.head(), await gateway.ledger.store.head());
        assert.equal((await auditLedger((f, l) => copy.range(f, l))).ok, true);
        await copy.close();
      } finally {
        await gateway.close();
      }
    });
  });
});

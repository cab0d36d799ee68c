import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { receiptFromStore } from "../../src/receipt/assemble.ts";
import { verifyOnChain } from "../../src/receipt/onchain.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { waitFor } from "../helpers/wait.ts";
import { appendEvents, captureLog, devWallet, fastSettings, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { STORE_FIXTURES } from "../helpers/stores.ts";

const gwei = (n: number) => "0x" + (BigInt(Math.round(n * 1e9))).toString(16);


describe("keeper and the chain's moods: stuck transactions, fee spikes, reorgs", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let store: LedgerStore;
  let contract: string;

  async function setUp(blockMs: number) {
    chain = await startLocalChain({ blockMs });
    store = new SqliteStore(":memory:");
    contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
  }
  afterEach(async () => {
    await store.close();
    await chain.close();
  });

  it("replaces a transaction that stays pending with higher fees on the same nonce", async () => {
    await setUp(0); // blocks only when the test says so
    await appendEvents(store, 5);
    await chain.rpc("evm_setAutomine", [false]);
    const { log, lines } = captureLog();
    const keeper = await openKeeper({ store, url: chain.url, contract, log, settings: fastSettings({ stuckAfterMs: 1_000, maxFeeGwei: 50 }) });
    const cycle = keeper.cycle();
    await waitFor("the replacement", async () => lines.some((l) => l.includes("-- replaced by")));
    const miner = setInterval(() => void chain.rpc("evm_mine").catch(() => undefined), 50);
    try {
      assert.equal((await cycle).eventsConfirmed, 5, lines.join("\n"));
    } finally {
      clearInterval(miner);
    }
    const batch = (await store.anchoring.findBatch(keeper.target, 1))!;
    assert.ok(batch.txAttempts.length >= 2);
    assert.equal(new Set(batch.txAttempts.map((a) => a.nonce)).size, 1, "every attempt uses the same nonce");
    assert.ok(BigInt(batch.txAttempts[1].maxFeePerGas) > BigInt(batch.txAttempts[0].maxFeePerGas));
    assert.equal(batch.txHash, batch.txAttempts.at(-1)!.hash, "the replacement is the one mined");
    const receipt = await receiptFromStore(store, "e-4");
    assert.equal(receipt!.anchor.tx_hash, batch.txHash);
  });

  it("on a chain that mines only on transactions, says that confirmations are not accruing and what to do", async () => {
    await setUp(0); // automine only: no block comes without a transaction
    await appendEvents(store, 3);
    const { log, lines } = captureLog();
    const keeper = await openKeeper({ store, url: chain.url, contract, log, settings: fastSettings({ confirmations: 2 }) });
    const cycle = keeper.cycle();
    await waitFor("the stalled-chain warning", async () => lines.some((l) => l.includes("no new block for")));
    assert.ok(lines.some((l) => /WARNING: no new block for \d+ s while waiting for 2 confirmation\(s\) \(have 1\): this chain seems to mine only on transactions .* --confirmations 1/.test(l)), lines.join("\n"));
    assert.equal(keeper.status().status, "degraded");
    await chain.rpc("evm_mine"); // one more block: the second confirmation
    assert.equal((await cycle).eventsConfirmed, 3);
  });

  it("pauses when a replacement would pass the fee cap, and finishes when the fees fall", async () => {
    await setUp(0);
    await appendEvents(store, 3);
    await chain.rpc("evm_setAutomine", [false]);
    const { log, lines } = captureLog();
    // The first transaction fits under the cap; a 25% bump would not.
    const fees = await chain.provider.getFeeData();
    const capGwei = Number(fees.maxFeePerGas! / 10n ** 9n) + 0.1;
    const keeper = await openKeeper({ store, url: chain.url, contract, log, settings: fastSettings({ stuckAfterMs: 1_000, maxFeeGwei: capGwei }) });
    const paused = await keeper.cycle();
    assert.equal(paused.outcome, "paused");
    assert.ok(lines.some((l) => /replacing it needs .* gwei, above the fee cap .* anchoring paused until fees fall/.test(l)), lines.join("\n"));
    assert.equal(keeper.status().status, "paused");

    // Fees fall: the pending transaction is mined as it is, and the next cycle finishes the batch.
    await chain.rpc("evm_mine");
    await chain.rpc("evm_mine");
    assert.equal((await keeper.cycle()).eventsConfirmed, 3);
    assert.equal(keeper.status().status, "ok");
  });

  it("does not send while the base fee is above the cap (circuit breaker), and resumes when it falls", async () => {
    await setUp(500);
    await appendEvents(store, 4);
    const { log, lines } = captureLog();
    const keeper = await openKeeper({ store, url: chain.url, contract, log, settings: fastSettings({ maxFeeGwei: 5 }) });
    await chain.rpc("hardhat_setNextBlockBaseFeePerGas", [gwei(100)]);
    await chain.rpc("evm_mine");
    const spike = await keeper.cycle();
    assert.equal(spike.outcome, "paused");
    assert.ok(lines.some((l) => /base fee 100\.0 gwei is above the fee cap of 5 gwei -- anchoring paused until fees fall/.test(l)), lines.join("\n"));
    const [waiting] = await store.anchoring.openBatches(keeper.target);
    assert.equal(waiting.status, "pending", "nothing was signed or sent");

    await chain.rpc("hardhat_setNextBlockBaseFeePerGas", [gwei(1)]);
    await chain.rpc("evm_mine");
    assert.equal((await keeper.cycle()).eventsConfirmed, 4);
  });

  it("re-anchors a batch that a reorg deeper than the confirmations removed", async () => {
    await setUp(100);
    const snapshot = await chain.rpc("evm_snapshot");
    await appendEvents(store, 6);
    const { log, lines } = captureLog();
    const keeper = await openKeeper({ store, url: chain.url, contract, log });
    assert.equal((await keeper.cycle()).eventsConfirmed, 6);

    await chain.rpc("evm_revert", [snapshot]); // the chain forgets batch #1
    await keeper.cycle();
    assert.ok(lines.some((l) => l.includes("WARNING: batch #1") && l.includes("is no longer on chain")), lines.join("\n"));
    const batch = (await store.anchoring.findBatch(keeper.target, 1))!;
    assert.equal(batch.status, "confirmed");
    const receipt = await receiptFromStore(store, "e-5");
    assert.ok((await verifyOnChain(receipt!, chain.provider, { contract: receipt!.anchor.contract })).every((c) => c.ok), "the rewritten receipt verifies on the chain as it is now");
  });
});

for (const makeFixture of STORE_FIXTURES) {
  describe(`two keepers on one store (${makeFixture.name.replace("Fixture", "")})`, function () {
    this.timeout(60_000);

    it("only the lease holder anchors; the other takes over when the first stops renewing", async () => {
      const fixture = makeFixture();
      const chain = await startLocalChain();
      const [storeA, storeB] = [await fixture.open(), await fixture.open()];
      try {
        const anchor = await chain.deployAnchor(devWallet(1).address);
        await (await anchor.setAuthorized(devWallet(2).address, true)).wait();
        const contract = await anchor.getAddress();
        const settings = fastSettings({ leaseTtlMs: 2_000 });
        const a = await openKeeper({ store: storeA, url: chain.url, contract, settings, keyIndex: 1 });
        const b = await openKeeper({ store: storeB, url: chain.url, contract, settings, keyIndex: 2 });
        await appendEvents(storeA, 300);

        const outcomes = (await Promise.all([a.cycle(), b.cycle()])).map((s) => s.outcome).sort();
        assert.deepEqual(outcomes, ["anchored", "standby"]);

        // The holder dies without a word (no release); the other waits out its lease, then anchors.
        await appendEvents(storeA, 50, "late");
        const survivor = b.status().status === "standby" ? b : a;
        assert.equal((await survivor.cycle()).outcome, "standby");
        await sleep(2_100);
        const takeover = await survivor.cycle();
        assert.equal(takeover.eventsConfirmed, 50);
        assert.equal(Number(await anchor.totalEventsAnchored()), 350, "every event anchored once");
      } finally {
        await storeA.close();
        await storeB.close();
        await chain.close();
        await fixture.cleanup();
      }
    });
  });
}

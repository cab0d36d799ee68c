import assert from "node:assert/strict";
import { Contract } from "ethers";
import { KPPE_ANCHOR_ABI } from "../../src/chain/kppeAnchorAbi.ts";
import { receiptFromStore } from "../../src/receipt/assemble.ts";
import { verifyOnChain } from "../../src/receipt/onchain.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import { appendEvents, captureLog, devWallet, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { FaultyRpcProxy } from "../helpers/rpcProxy.ts";

/** Roots anchored on the contract, in order (from its KPPEMerkleAnchored events). */
async function anchoredRoots(chain: LocalChain, contract: string): Promise<string[]> {
  const reader = new Contract(contract, KPPE_ANCHOR_ABI, chain.provider);
  const events = await reader.queryFilter(reader.filters.KPPEMerkleAnchored(), 0);
  return events.map((e) => (e as unknown as { args: { merkleRoot: string } }).args.merkleRoot);
}

describe("keeper under a hostile RPC (fault-injecting proxy in front of the real chain)", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let proxy: FaultyRpcProxy;
  let proxyUrl: string;
  let store: LedgerStore;
  let contract: string;

  beforeEach(async () => {
    chain = await startLocalChain();
    proxy = new FaultyRpcProxy(chain.url);
    proxyUrl = await proxy.listen();
    store = new SqliteStore(":memory:");
    contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
  });
  afterEach(async () => {
    await store.close();
    await proxy.close();
    await chain.close();
  });

  it("retries 429 and 5xx replies with backoff and still anchors once", async () => {
    await appendEvents(store, 40);
    const { log, lines } = captureLog();
    const keeper = await openKeeper({ store, url: proxyUrl, contract, log });
    proxy.inject("eth_call", { kind: "status", status: 429 }, 2);
    proxy.inject("eth_estimateGas", { kind: "status", status: 503 }, 1);
    proxy.inject("eth_getTransactionReceipt", { kind: "status", status: 502 }, 2);
    const summary = await keeper.cycle();
    assert.equal(summary.eventsConfirmed, 40);
    assert.ok(lines.some((l) => /WARNING: RPC .* failed .*429.*retrying in/.test(l)), lines.join("\n"));
    assert.ok(proxy.log.includes("eth_estimateGas -> status"));
    assert.deepEqual((await anchoredRoots(chain, contract)).length, 1);
  });

  it("retries a call that times out", async () => {
    await appendEvents(store, 5);
    const keeper = await openKeeper({ store, url: proxyUrl, contract, timeoutMs: 300 });
    proxy.inject("eth_blockNumber", { kind: "hang" }, 2);
    assert.equal((await keeper.cycle()).eventsConfirmed, 5);
    assert.equal(proxy.log.filter((l) => l === "eth_blockNumber -> hang").length, 2);
  });

  it("survives a dropped reply to eth_sendRawTransaction: the batch is anchored exactly once", async () => {
    await appendEvents(store, 10);
    const keeper = await openKeeper({ store, url: proxyUrl, contract });
    proxy.inject("eth_sendRawTransaction", { kind: "drop-reply" }, 1);
    const summary = await keeper.cycle();
    assert.equal(summary.eventsConfirmed, 10);
    assert.ok(proxy.log.includes("eth_sendRawTransaction -> drop-reply"));
    assert.equal((await anchoredRoots(chain, contract)).length, 1);
    const receipt = await receiptFromStore(store, "e-7");
    assert.ok((await verifyOnChain(receipt!, chain.provider, { contract: receipt!.anchor.contract })).every((c) => c.ok));
  });

  it("abandons the cycle cleanly when the RPC stays down, and finishes the batch once it is back", async () => {
    await appendEvents(store, 12);
    const keeper = await openKeeper({ store, url: proxyUrl, contract });
    proxy.inject("eth_getTransactionReceipt", { kind: "status", status: 503 }, 1_000);
    await assert.rejects(keeper.cycle(), (error: Error & { code?: string }) => error.code === "RPC_UNAVAILABLE" && /still failing after 4 attempts/.test(error.message));
    const [open] = await store.anchoring.openBatches(keeper.target);
    assert.equal(open.status, "submitted", "the sent transaction is on record");

    proxy.clear();
    const summary = await keeper.cycle();
    assert.equal(summary.eventsConfirmed, 12);
    assert.equal((await anchoredRoots(chain, contract)).length, 1, "the recorded transaction was finished, not sent again");
  });
});

describe("keeper and the contract's refusals", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let store: LedgerStore;

  beforeEach(async () => {
    chain = await startLocalChain();
    store = new SqliteStore(":memory:");
  });
  afterEach(async () => {
    await store.close();
    await chain.close();
  });

  it("an unauthorized key: the batch fails with the decoded error, its events return to the queue", async () => {
    const anchor = await chain.deployAnchor(devWallet(1).address);
    const contract = await anchor.getAddress();
    await appendEvents(store, 20);
    const { log, lines } = captureLog();
    const keeper = await openKeeper({ store, url: chain.url, contract, keyIndex: 5, log });
    const failed = await keeper.cycle();
    assert.equal(failed.outcome, "failed");
    assert.equal(failed.pendingEvents, 20, "events back in the queue");
    const batch = await store.anchoring.findBatch(keeper.target, 1);
    assert.equal(batch!.status, "failed");
    assert.equal(batch!.error, `UnauthorizedAnchor(${devWallet(5).address})`);
    assert.ok(lines.some((l) => l.includes("ERROR: TX reverted: batch #1 failed with UnauthorizedAnchor")));
    assert.equal(keeper.status().status, "degraded");

    await (await anchor.setAuthorized(devWallet(5).address, true)).wait();
    const retried = await keeper.cycle();
    assert.equal(retried.eventsConfirmed, 20);
    const again = await store.anchoring.lastLiveBatch(keeper.target);
    assert.deepEqual([again!.batchNumber, again!.firstSequence, again!.lastSequence, again!.status], [1, 1, 20, "confirmed"]);
  });

  it("a batch id another keeper used: failed as a conflict, events requeued; a contract holding another history is refused, never extended", async () => {
    const anchor = await chain.deployAnchor(devWallet(1).address);
    const contract = await anchor.getAddress();
    await (await anchor.setAuthorized(devWallet(2).address, true)).wait();
    await appendEvents(store, 8);
    const { log, lines } = captureLog();
    const keeper = await openKeeper({ store, url: chain.url, contract, log });
    // This keeper cut batch #1 and stopped before sending (as after a crash)...
    await store.anchoring.createBatch({
      ...keeper.target, id: crypto.randomUUID(), batchNumber: 1, firstSequence: 1, lastSequence: 8, eventCount: 8, treeDepth: 3,
      merkleRoot: "0x" + "ab".repeat(32), batchTimestamp: 1, status: "pending", txHash: null, txAttempts: [], blockNumber: null,
      prevRoot: null, error: null, createdAt: new Date().toISOString(), confirmedAt: null, logRoot: null, logProof: null, blockTime: null, witnessSignatures: null,
    });
    // ...meanwhile another keeper anchored batch #1 of some other log (1 entry).
    const other = anchor.connect(devWallet(2).connect(chain.provider)) as Contract;
    await (await other.anchorCheckpoint(1, "0x" + "11".repeat(32), 1, 0, 1, 1, "0x" + "33".repeat(32), [], "0x")).wait();

    const summary = await keeper.cycle();
    assert.ok(lines.some((l) => l.includes("ERROR: Batch ID conflict -- latestBatchId mismatch")), lines.join("\n"));
    assert.equal((await store.anchoring.findBatch(keeper.target, 1))!.status, "failed");
    assert.equal(summary.eventsConfirmed, 0, "the cycle stops at a failed batch");
    // The resynced batch would have to extend the other log: the contract refuses it, and the
    // keeper says why instead of anchoring this ledger's events on top of another history.
    const next = await keeper.cycle();
    assert.equal(next.eventsConfirmed, 0);
    assert.ok(lines.some((l) => /TX reverted: batch #2 failed with LogSizeMismatch\(8, 1, 8\)/.test(l)), lines.join("\n"));
    assert.equal(await store.anchoring.lastLiveBatch(keeper.target), undefined, "no batch of this ledger is live");
    assert.equal(keeper.status().status, "degraded");
  });
});

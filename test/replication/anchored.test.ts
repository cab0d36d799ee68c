import assert from "node:assert/strict";
import { Wallet } from "ethers";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { rpcProvider } from "../../src/chain/rpcProvider.ts";
import { auditLedger } from "../../src/ledger/audit.ts";
import { StorageNode, type NodeEvent } from "../../src/replication/node.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { appendEvents, devWallet, fastSettings, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { STORE_FIXTURES } from "../helpers/stores.ts";
import { waitFor } from "../helpers/wait.ts";

/** 40 shared events, then 20 of `tail`'s own: two ledgers that agree up to 40 and fork after. */
async function ledgerWithTail(store: LedgerStore, tail: string, tailCount = 20): Promise<void> {
  await appendEvents(store, 40, "shared");
  await appendEvents(store, tailCount, tail);
}

const hashesOf = async (store: LedgerStore) => (await store.range(1, 10_000)).map((e) => e.event_hash);

for (const makeFixture of STORE_FIXTURES) {
  describe(`storage nodes checked against anchored roots (${makeFixture().kind} copy)`, function () {
    this.timeout(90_000);
    let chain: LocalChain;
    let anchors: AnchorChain;
    let honest: LedgerStore;
    let honestHashes: string[];
    const cleanups: Array<() => Promise<void>> = [];

    before(async () => {
      // The honest ledger: 60 events anchored in three batches of 20 (1-20, 21-40, 41-60).
      chain = await startLocalChain();
      const contract = (await (await chain.deployAnchor(devWallet(1).address)).getAddress()).toLowerCase();
      honest = await STORE_FIXTURES[0]().open();
      await ledgerWithTail(honest, "honest");
      honestHashes = await hashesOf(honest);
      const keeper = await openKeeper({ store: honest, url: chain.url, contract, settings: fastSettings({ maxEventsPerBatch: 20, confirmations: 1 }) });
      for (let i = 0; i < 10 && (await keeper.cycle()).outcome !== "idle"; i++);
      anchors = await AnchorChain.open({ provider: rpcProvider(chain.url, 5_000), wallet: devWallet(9), contract, retry: fastSettings().retry, onRetry: () => undefined });
      assert.equal(await anchors.latestBatchId(), 3);
    });
    afterEach(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      cleanups.length = 0;
    });
    after(async () => {
      anchors.close();
      await honest.close();
      await chain.close();
    });

    async function open(): Promise<LedgerStore> {
      const fixture = makeFixture();
      const store = await fixture.open();
      cleanups.push(async () => {
        await store.close();
        await fixture.cleanup();
      });
      return store;
    }

    async function serve(store: LedgerStore): Promise<string> {
      const gateway: Gateway = createGateway({ store, port: 0, logLevel: false });
      cleanups.push(() => gateway.close());
      return gateway.listen();
    }

    function startNode(gatewayUrl: string, store: LedgerStore, events: NodeEvent[]): StorageNode {
      const node = new StorageNode({ gatewayUrl, store, wallet: Wallet.createRandom(), anchors, anchorRefreshMs: 0, onEvent: (e) => events.push(e) });
      node.start();
      cleanups.push(() => node.stop());
      return node;
    }

    it("a copy that forked after the anchored history keeps what the roots confirm, discards the rest, and takes the gateway's", async () => {
      const copy = await open();
      await ledgerWithTail(copy, "fork", 10); // 1-40 as anchored, 41-50 its own
      const events: NodeEvent[] = [];
      startNode(await serve(honest), copy, events); // the gateway closes the honest store when the test ends
      await waitFor("the copy to match the honest ledger", async () => (await copy.head()).fifo_sequence === 60 && (await hashesOf(copy)).join() === honestHashes.join());
      const discarded = events.find((e) => e.type === "discarded");
      assert.deepEqual(discarded && [discarded.from, discarded.to], [41, 50]);
      assert.equal((await auditLedger((from, limit) => copy.range(from, limit))).ok, true);
    });

    it("a gateway whose history contradicts the anchored roots is refused, and the confirmed copy is kept", async () => {
      const copy = await open();
      await ledgerWithTail(copy, "honest"); // the honest 60
      const liar = await open();
      await ledgerWithTail(liar, "rewritten", 25); // 41-65 rewritten
      const before = await hashesOf(copy);
      const events: NodeEvent[] = [];
      startNode(await serve(liar), copy, events);
      await waitFor("a refusal", async () => events.some((e) => e.type === "refused"));
      const refused = events.find((e) => e.type === "refused")!;
      assert.equal(refused.type === "refused" && refused.fifo_sequence, 61);
      assert.match(refused.type === "refused" ? refused.reason : "", /does not extend this copy, whose last entry the anchored roots confirm/);
      assert.ok(!events.some((e) => e.type === "discarded"));
      assert.deepEqual(await hashesOf(copy), before);
    });

    it("a fresh node fed a rewritten anchored range takes the entries up to it and refuses the range", async () => {
      const copy = await open();
      const liar = await open();
      await ledgerWithTail(liar, "rewritten");
      const events: NodeEvent[] = [];
      startNode(await serve(liar), copy, events);
      await waitFor("a refusal", async () => events.some((e) => e.type === "refused"));
      const refused = events.find((e) => e.type === "refused")!;
      assert.match(refused.type === "refused" ? refused.reason : "", /^entries 41-60 do not give batch #3's anchored log root/);
      await waitFor("the copy to stop at 40", async () => (await copy.head()).fifo_sequence === 40);
      assert.deepEqual(await hashesOf(copy), honestHashes.slice(0, 40));
    });
  });
}

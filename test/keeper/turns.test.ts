import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Contract, ContractFactory } from "ethers";
import hre from "hardhat";
import { KPPE_ANCHOR_ABI } from "../../src/chain/kppeAnchorAbi.ts";
import { slotLeaders } from "../../src/poot/schedule.ts";
import { appendEvents, devWallet, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { hardhat, startHardhatTask } from "../helpers/hardhatCli.ts";
import { kill } from "../helpers/processes.ts";
import { postgresFixture } from "../helpers/stores.ts";
import { waitFor } from "../helpers/wait.ts";

// Three keepers, each its own `npx hardhat anchor --turns` process, on one PostgreSQL store and
// one chain, take turns for 60 slots of 3 s (leader timeout 1 s, 30-slot epochs); one is killed
// with SIGKILL while it leads and restarted. Every event must be anchored exactly once, and every
// anchor must come from its slot's primary, or from fallback i after i leader timeouts.
const SLOT_S = 3;
const TIMEOUT_S = 1;
const EPOCH_SLOTS = 30;
const SLOTS = 60;

describe("three keepers take turns by the committed PoOT schedule (PostgreSQL, SIGKILL of a leader)", function () {
  this.timeout(360_000);
  let chain: LocalChain;
  const fixture = postgresFixture();
  const processes: Array<ReturnType<typeof startHardhatTask>> = [];
  before(async () => {
    chain = await startLocalChain();
  });
  after(async () => {
    for (const p of processes) await kill(p.child);
    await chain.close();
    await fixture.cleanup();
  });

  it(`${SLOTS} slots: every event anchored once, every anchor in turn, a killed leader costs at most one timeout`, async () => {
    const keepers = [1, 2, 3].map((i) => devWallet(i));
    const owner = devWallet(0).connect(chain.provider);
    const now = (await chain.provider.getBlock("latest"))!.timestamp;
    const genesis = now + 20; // time to start the keepers
    const artifact = await hre.artifacts.readArtifact("KPPEAnchorScheduled");
    const deployed = await new ContractFactory(artifact.abi, artifact.bytecode, owner).deploy(owner.address, genesis, SLOT_S, TIMEOUT_S, EPOCH_SLOTS);
    await deployed.waitForDeployment();
    const contract = (await deployed.getAddress()).toLowerCase();
    const anchor = new Contract(contract, KPPE_ANCHOR_ABI, owner);
    for (const k of keepers) await (await anchor.setAuthorized(k.address, true)).wait();

    // The committed leaders of both epochs: the three in rank order; they rotate, the others fall back in rank order.
    const ring = keepers.map((k) => k.address);
    for (const epoch of [0, 1]) await (await anchor.commitLeaders(epoch, ring)).wait();
    const leadersOf = (slot: number) => slotLeaders(ring, slot % EPOCH_SLOTS);

    const store = await fixture.open();
    await appendEvents(store, 40, "turns-start");
    const start = (i: number) => {
      const p = startHardhatTask(
        ["anchor", "--store", fixture.location, "--rpc-url", chain.url, "--contract", contract, "--turns", "--interval-ms", "200", "--confirmations", "1", "--health-port", "0"],
        { PRIVATE_KEY: keepers[i].privateKey },
      );
      processes[i] = p;
      return p;
    };
    keepers.forEach((_, i) => start(i));

    const slotAt = (ms: number) => Math.floor((ms / 1000 - genesis) / SLOT_S);
    let appended = 40;
    let killedSlot = -1;
    while (slotAt(Date.now()) < SLOTS - 4) {
      await sleep(700);
      appended += (await appendEvents(store, 3, `turns-${appended}`)).length;
      const slot = slotAt(Date.now());
      if (killedSlot < 0 && slot >= 20 && Date.now() / 1000 - (genesis + slot * SLOT_S) < 0.5) {
        // Kill this slot's primary early in its slot, while it leads; restart it a few slots later.
        const leader = ring.indexOf(leadersOf(slot).primary);
        await kill(processes[leader].child);
        killedSlot = slot;
        setTimeout(() => start(leader), 7_000);
      }
    }
    assert.ok(killedSlot >= 0, "a leader was killed");
    await waitFor("every event anchored", async () => Number(await anchor.totalEventsAnchored()) === appended, 30_000).catch((error) => {
      throw new Error(`${(error as Error).message}\n${processes.map((p, i) => `--- keeper ${i + 1}\n${p.output().slice(-3000)}`).join("\n")}`);
    });

    // Every anchor by its slot's primary, or by fallback i once i timeouts of the slot had passed.
    const logs = await anchor.queryFilter(anchor.filters.LogCheckpointAnchored(), 0);
    let byFallback = 0;
    const fallbackSlots = new Set<number>();
    for (const log of logs) {
      const parsed = anchor.interface.parseLog(log)!;
      const time = (await chain.provider.getBlock(log.blockNumber))!.timestamp;
      const slot = Math.floor((time - genesis) / SLOT_S);
      const position = [leadersOf(slot).primary, ...leadersOf(slot).fallbacks].indexOf(parsed.args.anchor);
      assert.ok(position >= 0, `batch ${parsed.args.batchId} in slot ${slot} was anchored by ${parsed.args.anchor}, who has no place in it`);
      assert.ok(time >= genesis + slot * SLOT_S + position * TIMEOUT_S, `batch ${parsed.args.batchId}: fallback ${position} of slot ${slot} anchored too early`);
      if (position > 0) {
        byFallback++;
        fallbackSlots.add(slot);
      }
    }
    console.log(`      ${appended} events in ${logs.length} anchors, ${byFallback} by a fallback; keeper killed in slot ${killedSlot}`);
    assert.ok(logs.length >= 10, `${logs.length} anchors`);
    assert.ok(byFallback > 0, "a fallback took over while the leader was dead");
    // Exactly once: the confirmed batches tile 1..appended, and the contract's log size agrees.
    const batches = (await store.anchoring.recentConfirmed({ chainId: Number((await chain.provider.getNetwork()).chainId), contract }, 10_000)).sort((a, b) => a.firstSequence - b.firstSequence);
    let next = 1;
    for (const b of batches) {
      assert.equal(b.firstSequence, next, `batch #${b.batchNumber} starts at ${b.firstSequence}, expected ${next}`);
      next = b.lastSequence + 1;
    }
    assert.equal(next - 1, appended);
    assert.equal(batches.length, logs.length, "one confirmed batch per anchor");
    // The killed leader's slot lost at most about a timeout: its fallback anchored within that slot.
    assert.ok(fallbackSlots.has(killedSlot), `no fallback anchored in slot ${killedSlot}, whose leader was killed (fallback anchors in slots ${[...fallbackSlots].join(", ")})`);
    // poot:status shows the same from the chain: who anchored each slot, in turn.
    const status = await hardhat(["poot:status", "--epoch", "1", "--slots", "30", "--rpc-url", chain.url, "--contract", contract]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, new RegExp(`^ +1  ${ring[0]} `, "m"));
    assert.match(status.stdout, /^slot \d+: 0x[0-9a-fA-F]{40} leads, .* \| batch #\d+ by 0x[0-9a-fA-F]{40} \(primary\)/m);
    assert.doesNotMatch(status.stdout, /OUT OF TURN|no place/);
    await store.close();
  });
});

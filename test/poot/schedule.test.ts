import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { concat, ContractFactory, getCreateAddress, keccak256, Wallet } from "ethers";
import hre from "hardhat";
import { logLeafHash, logRoot } from "../../src/log/rfc9162.ts";
import { EPOCH_SLOTS, MAX_LEADERS, SLOT_SECONDS, WINDOW_SLOTS } from "../../src/poot/params.ts";
import { leaderSchedule, rotation, slotLeaders, tallyEpoch } from "../../src/poot/schedule.ts";
import { challengeIndex, taskProofMessage, type TaskProof, type TaskType } from "../../src/poot/taskProof.ts";
import { StoredLog } from "../../src/log/storedLog.ts";
import { sqliteFixture } from "../helpers/stores.ts";
import { appendEvents, devWallet, startLocalChain } from "../helpers/chain.ts";
import { hardhat } from "../helpers/hardhatCli.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

const GENESIS = 1_790_000_000;
// The address dev account 0's first contract gets on a fresh chain: the last test deploys it there.
const DEPLOYMENT = getCreateAddress({ from: devWallet(0).address, nonce: 0 }).toLowerCase();
const SEED = "0x" + "5e".repeat(32);
const EPOCH = 10;
const FIRST = EPOCH * EPOCH_SLOTS - WINDOW_SLOTS; // the window's first slot
const operators = Array.from({ length: 5 }, (_, i) => new Wallet("0x" + String(i + 1).padStart(64, "0")));
const [A, B, C, D, E] = operators;

function prove(wallet: Wallet, slot: number, type: TaskType, value: TaskProof["value"], options: { time?: number; deployment?: string } = {}): TaskProof {
  const unsigned = { slot, node_id: wallet.address, type, value, time: options.time ?? GENESIS + slot * SLOT_SECONDS + 7 };
  return { ...unsigned, signature: wallet.signMessageSync(taskProofMessage(options.deployment ?? DEPLOYMENT, unsigned)) };
}

/** Uptime beacons in `count` slots of the window, spread evenly. */
const beacons = (wallet: Wallet, count: number) => Array.from({ length: count }, (_, i) => prove(wallet, FIRST + Math.floor((i * WINDOW_SLOTS) / count), "uptime_beacon", {}));
const MB = 1024 * 1024;
const context = { deployment: DEPLOYMENT, genesis: GENESIS, logRoot: () => undefined };

describe("PoOT: work credits and the leader schedule anyone can recompute", function () {
  this.timeout(120_000);
  let proofs: TaskProof[];
  let schedule: ReturnType<typeof leaderSchedule>;

  before(function () {
    // A, B, C and E work in enough slots (1,100 of 5,040 > 20%); D in 900 (< 20%): not eligible.
    proofs = [
      ...beacons(A, 1100),
      ...beacons(B, 1100),
      ...beacons(C, 1100),
      ...beacons(D, 900),
      ...beacons(E, 1100),
      prove(A, FIRST, "relay_bandwidth", { sessions: 3, bytes: 50 * MB }), // W = max(3, ceil(50/5)) = 10
      prove(B, FIRST, "relay_bandwidth", { sessions: 20, bytes: 1 * MB }), // W = max(20, 1) = 20
      prove(C, FIRST, "relay_bandwidth", { sessions: 4, bytes: 36 * MB }), // W = max(4, ceil(7.2)) = 8
      prove(E, FIRST, "relay_bandwidth", { sessions: 8, bytes: 0 }), // W = 8: ties with C
      prove(D, FIRST, "relay_bandwidth", { sessions: 500, bytes: 0 }), // many credits, too rarely present
    ];
    // Every signature is checked: about 4 ms each in pure JavaScript, so once for the tests below.
    schedule = leaderSchedule(EPOCH, proofs, SEED, context);
  });

  it("credits are max(sessions, ceil(bytes / 5 MB)), weighted by presence; below 20% presence is not eligible", function () {
    const { tally } = schedule;
    const by = new Map(tally.map((t) => [t.node_id, t]));
    assert.deepEqual([A, B, C, D, E].map((w) => by.get(w.address)!.credits), [10, 20, 8, 500, 8]);
    assert.equal(by.get(A.address)!.density, 1100 / 5040);
    assert.equal(by.get(D.address)!.eligible, false, "900 of 5,040 slots is under D_MIN");
    assert.equal(by.get(D.address)!.rank, 5, "the ineligible rank last, whatever their credits");
    assert.deepEqual(tally.slice(0, 2).map((t) => t.node_id), [B.address, A.address]);
    // C and E tie: keccak256(seed || address), lowest first, computed here independently.
    const tie = (w: Wallet) => keccak256(concat([SEED, w.address]));
    const [first, second] = tie(C) < tie(E) ? [C, E] : [E, C];
    assert.deepEqual(tally.slice(2, 4).map((t) => t.node_id), [first.address, second.address]);
  });

  it("leaders take turns by rank, each cooling down after leading; fallbacks follow the ranking", function () {
    const ranked = schedule.tally.filter((t) => t.eligible).map((t) => t.node_id);
    assert.equal(schedule.slots.length, EPOCH_SLOTS);
    assert.equal(schedule.slots[0].slot, EPOCH * EPOCH_SLOTS);
    // Four eligible operators, a cooldown of 16: each slot goes to the one that led longest ago.
    assert.deepEqual(schedule.slots.slice(0, 8).map((s) => s.primary), [...ranked, ...ranked]);
    assert.match(schedule.slots[1].reason, /^rank 2; ranks 1-1 led within 16 slots$/);
    assert.match(schedule.slots[4].reason, /every operator led within 16 slots: the one that led longest ago \(rank 1\)/);
    for (const slot of schedule.slots) {
      assert.deepEqual(slot.fallbacks, ranked.filter((n) => n !== slot.primary).slice(0, 3));
      assert.ok(slot.primary !== D.address && !slot.fallbacks.includes(D.address), "the ineligible never lead");
    }
  });

  it("every slot's leaders follow from the committed leaders alone (what KPPEAnchorScheduled derives), for 1 to 25 eligible operators", function () {
    assert.deepEqual(schedule.leaders, schedule.tally.filter((t) => t.eligible).map((t) => t.node_id));
    schedule.slots.forEach((slot, i) => assert.deepEqual(slotLeaders(schedule.leaders, i), { primary: slot.primary, fallbacks: slot.fallbacks }));
    for (let n = 1; n <= 25; n++) {
      const ranked = Array.from({ length: n }, (_, i) => `op${i}`);
      const leaders = ranked.slice(0, MAX_LEADERS);
      rotation(ranked, 0, 200).forEach((slot, i) => assert.deepEqual(slotLeaders(leaders, i), { primary: slot.primary, fallbacks: slot.fallbacks }, `${n} operators, slot ${i}`));
    }
  });

  it("refuses forged, replayed, late, out-of-window and other deployments' proofs, saying why", function () {
    const slot = FIRST + 10;
    const forged = { ...prove(A, slot, "uptime_beacon", {}), node_id: B.address };
    const late = prove(A, slot, "uptime_beacon", {}, { time: GENESIS + (slot + 1) * SLOT_SECONDS });
    const elsewhere = prove(A, slot, "validation_signature", { checkpoint_size: 9 }, { deployment: "0x00000000000000000000000000000000000000bb" });
    const outside = prove(A, EPOCH * EPOCH_SLOTS, "uptime_beacon", {});
    const good = prove(E, slot + 1, "validation_signature", { checkpoint_size: 9 });
    const noValue = { ...prove(C, slot, "relay_bandwidth", {}), value: null } as unknown as TaskProof;
    const { refused, counted } = tallyEpoch(EPOCH, [forged, late, elsewhere, outside, good, good, noValue], SEED, context);
    assert.equal(counted, 1);
    const reasons = refused.map((r) => r.reason);
    assert.match(reasons[0], new RegExp(`signed by 0x[0-9a-fA-F]{40}, not by ${B.address} for this deployment`));
    assert.match(reasons[1], /outside slot/);
    assert.match(reasons[2], /not by .* for this deployment/);
    assert.match(reasons[3], /outside the window of epoch 10/);
    assert.match(reasons[4], /a second validation_signature proof .* \(one per node, slot and type\)/);
    assert.match(reasons[5], /value must be an object, got null/, "a malformed proof is refused, not a crash");
  });

  it("counts a storage challenge only when its answer proves the entry in the signed log", async function () {
    const fixture = sqliteFixture();
    const store = await fixture.open();
    try {
      await appendEvents(store, 6, "poot");
      const log = new StoredLog(store.log);
      await log.integrate({ upTo: 6 });
      const root = await log.root(6);
      const entries = await store.range(1, 6);
      assert.equal(root, logRoot(entries.map((e) => logLeafHash(e.event_hash, e.content_hash))), "the stored log is the RFC 9162 tree of the entries");
      const withRoot = { ...context, logRoot: (size: number) => (size === 6 ? root : undefined) };
      const slot = FIRST + 20;
      // Each node is asked for its own entry (from the slot, its address and the root): it cannot pick an easy one.
      const answerFor = (node: string, index = challengeIndex(slot, node, 6, root)) => log.inclusionProof(index, 6).then((proof) => ({ index, size: 6, leaf_hash: logLeafHash(entries[index].event_hash, entries[index].content_hash), proof }));
      const [a, b] = [await answerFor(A.address), await answerFor(B.address)];
      const notAsked = await answerFor(B.address, (challengeIndex(slot + 1, B.address, 6, root) + 1) % 6);
      const { counted, refused } = tallyEpoch(
        EPOCH,
        [
          prove(A, slot, "storage_availability", a),
          prove(B, slot, "storage_availability", { ...b, leaf_hash: "0x" + "11".repeat(32) }),
          prove(C, slot, "storage_availability", { ...a, size: 7 }),
          prove(B, slot + 1, "storage_availability", { ...notAsked }),
        ],
        SEED,
        withRoot,
      );
      assert.equal(counted, 1);
      assert.match(refused[0].reason, new RegExp(`does not prove entry ${b.index} in the log of 6`));
      assert.match(refused[1].reason, /no signed log root known at size 7/);
      // In slot + 1, B answers another entry than the one it is asked for (with a valid proof of that one).
      assert.match(refused[2].reason, new RegExp(`asks ${B.address} for entry \\d+ of the log of 6, not ${notAsked.index}`));
    } finally {
      await store.close();
      await fixture.cleanup();
    }
  });

  it("gives the same schedule in another process (npx hardhat poot:schedule), from the proofs in any order", async function () {
    const dir = tempDirectory("kppe-poot-");
    const file = join(dir, "proofs.json");
    writeFileSync(file, JSON.stringify([...proofs].sort((a, b) => (a.signature < b.signature ? -1 : 1))));
    const args = ["poot:schedule", "--proofs", file, "--epoch", String(EPOCH), "--seed", SEED, "--genesis", String(GENESIS), "--deployment", DEPLOYMENT];
    const json = await hardhat([...args, "--json"], { timeoutMs: 120_000 });
    assert.equal(json.code, 0, json.stderr);
    const there = JSON.parse(json.stdout) as { leaders: string[]; slots: unknown; tally: unknown };
    assert.deepEqual(there.leaders, schedule.leaders);
    assert.deepEqual(there.slots, schedule.slots);
    assert.deepEqual(there.tally, schedule.tally);
    // The text form, on a few proofs (each signature costs about 4 ms to check): nobody eligible yet.
    const few = join(dir, "few.json");
    writeFileSync(few, JSON.stringify(proofs.slice(-5)));
    const text = await hardhat(["poot:schedule", "--proofs", few, "--epoch", String(EPOCH), "--seed", SEED, "--genesis", String(GENESIS), "--deployment", DEPLOYMENT]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^5 task proofs counted, 0 refused$/m);
    assert.match(text.stdout, new RegExp(`^ +\\d  ${D.address} +500 +0\\.000 +0\\.10  no \\(under D_MIN\\)$`, "m"));
    assert.match(text.stdout, /no eligible operator: no schedule for this epoch/);
  });

  it("poot:schedule --commit commits the recomputed leaders on KPPEAnchorScheduled; --check shows a committed schedule to be wrong", async function () {
    const chain = await startLocalChain();
    try {
      const owner = devWallet(0).connect(chain.provider);
      assert.equal(await chain.provider.getTransactionCount(owner.address), 0, "a fresh chain: the contract lands at DEPLOYMENT");
      const artifact = await hre.artifacts.readArtifact("KPPEAnchorScheduled");
      const deployed = await new ContractFactory(artifact.abi, artifact.bytecode, owner).deploy(owner.address, GENESIS, SLOT_SECONDS, 5, EPOCH_SLOTS);
      await deployed.waitForDeployment();
      assert.equal((await deployed.getAddress()).toLowerCase(), DEPLOYMENT);
      const dir = tempDirectory("kppe-poot-commit-");
      const file = join(dir, "proofs.json");
      writeFileSync(file, JSON.stringify(proofs));
      const chainArgs = ["--epoch", String(EPOCH), "--seed", SEED, "--rpc-url", chain.url, "--contract", DEPLOYMENT];
      const commit = await hardhat(["poot:schedule", "--proofs", file, ...chainArgs, "--commit"], { timeoutMs: 120_000 });
      assert.equal(commit.code, 0, commit.stdout + commit.stderr);
      assert.match(commit.stdout, new RegExp(`commitLeaders\\(${EPOCH}, \\[${schedule.leaders.join(", ")}\\]\\) mined`));
      assert.deepEqual([...(await deployed.getFunction("epochLeaders")(EPOCH))], schedule.leaders);
      // Someone recomputes from the published proofs without B's: the committed leaders are not theirs.
      writeFileSync(file, JSON.stringify(proofs.filter((p) => p.node_id !== B.address)));
      const check = await hardhat(["poot:schedule", "--proofs", file, ...chainArgs, "--check"], { timeoutMs: 120_000 });
      assert.equal(check.code, 1, check.stdout + check.stderr);
      assert.match(check.stdout, new RegExp(`MISMATCH: the chain committed \\[${schedule.leaders.map((l) => l.toLowerCase()).join(", ")}\\] for epoch ${EPOCH}`));
    } finally {
      await chain.close();
    }
  });
});

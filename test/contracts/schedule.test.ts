import assert from "node:assert/strict";
import { getBytes, type Contract } from "ethers";
import { network } from "hardhat";
import { scheduleRoot, turnOf, type SlotLeaders, type Turn } from "../../src/poot/schedule.ts";
import { consistencyRanges, logRoot, proofFromLeaves } from "../../src/log/rfc9162.ts";
import { randomLeaves } from "../helpers/random.ts";
import { revertsWith } from "../helpers/revert.ts";

// KPPEAnchorScheduled: an anchor is accepted only in its keeper's turn of the committed leader
// schedule (Lucid's parameters: 120 s slots, 5 s leader timeout, 720-slot epochs), on the
// in-process chain with its clock moved by the test.
const SLOT = 120;
const TIMEOUT = 5;
const EPOCH_SLOTS = 720;
const BATCH_ROOT = "0x" + "ab".repeat(32);

describe("KPPEAnchorScheduled: anchors only in turn, by the committed PoOT leader schedule", function () {
  let ethers: Awaited<ReturnType<typeof network.create>>["ethers"];
  let anchor: Contract;
  let genesis: number;
  let keepers: Awaited<ReturnType<typeof ethers.getSigners>>;
  let slots: SlotLeaders[];
  const leaves = randomLeaves(400);
  let logSize = 0;
  let batchId = 0;

  /** The next 8-event batch's anchorCheckpoint arguments. */
  const nextBatch = () => {
    const size = logSize + 8;
    const proof = logSize > 0 ? proofFromLeaves(leaves.slice(0, size), consistencyRanges(logSize, size)) : [];
    return [batchId + 1, BATCH_ROOT, 8, 3, 1, size, logRoot(leaves.slice(0, size)), proof, "0x"] as const;
  };
  const anchorAs = async (who: number, turn: Turn) => {
    const receipt = await (await (anchor.connect(keepers[who]) as Contract).anchorCheckpointInTurn(...nextBatch(), turn)).wait();
    batchId++;
    logSize += 8;
    return receipt;
  };
  /** Keeper `who`'s own turn in `slot` of the schedule. */
  const turnFor = (who: number, slot: number, schedule = slots) => {
    const turn = turnOf({ slots: schedule }, slot, keepers[who].address);
    assert.ok(turn, `keeper ${who} has a place in slot ${slot}`);
    return turn;
  };
  const tryAs = (who: number, turn: Turn) => (anchor.connect(keepers[who]) as Contract).anchorCheckpointInTurn(...nextBatch(), turn);
  /** Moves the chain's clock to `seconds` into slot `slot` (the next block's time). */
  const at = async (slot: number, seconds: number) => {
    await ethers.provider.send("evm_setNextBlockTimestamp", [genesis + slot * SLOT + seconds]);
  };

  before(async function () {
    ({ ethers } = await network.create());
    keepers = await ethers.getSigners();
    const [owner] = keepers;
    const latest = (await ethers.provider.getBlock("latest"))!.timestamp;
    genesis = latest + 1_000;
    anchor = (await ethers.deployContract("KPPEAnchorScheduled", [owner.address, genesis, SLOT, TIMEOUT, EPOCH_SLOTS])) as unknown as Contract;
    for (const k of [1, 2, 3, 4]) await (await anchor.setAuthorized(keepers[k].address, true)).wait();
    // Epoch 0: keepers 1, 2 and 3 take turns; the other two are the fallbacks, in rank order.
    const ring = [1, 2, 3].map((k) => keepers[k].address);
    slots = Array.from({ length: EPOCH_SLOTS }, (_, slot) => ({ slot, primary: ring[slot % 3], fallbacks: ring.filter((_, i) => i !== slot % 3), reason: "test" }));
  });

  it("refuses bad parameters, plain anchors, and anchors before a schedule is committed", async function () {
    await assert.rejects(ethers.deployContract("KPPEAnchorScheduled", [keepers[0].address, genesis, SLOT, SLOT, EPOCH_SLOTS]), /BadScheduleParameters/);
    await revertsWith(anchor.anchorCheckpoint(...nextBatch()), "TurnRequired");
    await revertsWith(anchor.anchorMerkleRoot(1, BATCH_ROOT, 8, 3, 1), "TurnRequired");
    await at(0, 1);
    await revertsWith(tryAs(1, turnFor(1, 0)), "NoSchedule", "0");
  });

  it("the owner commits an epoch's schedule once", async function () {
    const root = scheduleRoot(slots);
    await revertsWith((anchor.connect(keepers[1]) as Contract).commitSchedule(0, root), "OwnableUnauthorizedAccount");
    const receipt = await (await anchor.commitSchedule(0, root)).wait();
    assert.equal(anchor.interface.parseLog(receipt.logs[0])?.name, "ScheduleCommitted");
    await revertsWith(anchor.commitSchedule(0, BATCH_ROOT), "ScheduleAlreadyCommitted", "0");
    assert.equal(await anchor.scheduleRoot(0), root);
  });

  it("the primary anchors at once; fallback i only after i leader timeouts; others never", async function () {
    const slot = 4; // primary keeper 2, fallbacks keepers 1 then 3
    assert.deepEqual([1, 2, 3].map((k) => turnOf({ slots }, slot, keepers[k].address)?.position), [1, 0, 2]);
    assert.equal(turnOf({ slots }, slot, keepers[4].address), undefined, "keeper 4 has no place in the schedule");
    await at(slot, 1);
    await anchorAs(2, turnFor(2, slot));
    await at(slot, 2);
    await revertsWith(tryAs(1, turnFor(1, slot)), "FallbackTooEarly", `1, ${genesis + slot * SLOT + TIMEOUT}`);
    await at(slot, TIMEOUT);
    await anchorAs(1, turnFor(1, slot));
    await at(slot, TIMEOUT + 1);
    await revertsWith(tryAs(3, turnFor(3, slot)), "FallbackTooEarly", `2, ${genesis + slot * SLOT + 2 * TIMEOUT}`);
    await at(slot, 2 * TIMEOUT);
    await anchorAs(3, turnFor(3, slot));
    // Keeper 4 is authorized but in nobody's turn: whatever place and proof it borrows.
    await at(slot, 30);
    await revertsWith(tryAs(4, turnFor(2, slot)), "NotInSchedule", `"${keepers[4].address}", ${slot}, 0`);
    await at(slot, 31);
    await revertsWith(tryAs(4, { ...turnFor(3, slot), position: 3 }), "NotInSchedule", `"${keepers[4].address}", ${slot}, 3`);
  });

  it("refuses a turn of another slot, a borrowed or moved place, and a leader that is not an authorized anchor", async function () {
    const slot = 7; // primary keeper 2, fallbacks 1 and 3
    await at(slot, 1);
    await revertsWith(tryAs(2, turnFor(2, slot + 3)), "WrongSlot", `${slot + 3}, ${slot}`);
    await at(slot, 2);
    await revertsWith(tryAs(1, { ...turnFor(2, slot) }), "NotInSchedule", `"${keepers[1].address}", ${slot}, 0`);
    await at(slot, 30);
    await revertsWith(tryAs(3, { ...turnFor(3, slot), position: 1 }), "NotInSchedule", `"${keepers[3].address}", ${slot}, 1`);
    await at(slot, 31);
    await revertsWith(tryAs(3, { ...turnFor(3, slot + 3), slot }), "NotInSchedule", `"${keepers[3].address}", ${slot}, 2`);
    await at(slot, 32);
    await revertsWith(tryAs(1, { ...turnFor(1, slot), position: 9 }), "NotInSchedule", `"${keepers[1].address}", ${slot}, 9`);
    await (await anchor.setAuthorized(keepers[2].address, false)).wait();
    await at(slot, 40);
    await revertsWith(tryAs(2, turnFor(2, slot)), "UnauthorizedAnchor", `"${keepers[2].address}"`);
    await (await anchor.setAuthorized(keepers[2].address, true)).wait();
    await at(slot + EPOCH_SLOTS, 1);
    await revertsWith(tryAs(1, { ...turnFor(1, slot), slot: slot + EPOCH_SLOTS }), "NoSchedule", "1");
  });

  it("a turn-checked anchor's cost over the log-checked anchor is measured (goal: at most 10,000 gas)", async function () {
    // The same two batches on a plain KPPEAnchor and in turn here; the second is the steady state.
    const plain = (await ethers.deployContract("KPPEAnchor", [keepers[0].address])) as unknown as Contract;
    await (await plain.setAuthorized(keepers[1].address, true)).wait();
    const size = logSize;
    const calldataGas = (data: string) => getBytes(data).reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
    let plainCalldata = 0;
    const steady = async (send: () => Promise<{ data: string; wait(): Promise<{ gasUsed: bigint }> }>) => {
      const tx = await send();
      plainCalldata = calldataGas(tx.data);
      return (await tx.wait()).gasUsed;
    };
    const plainBatch = (id: number, from: number, to: number) =>
      (plain.connect(keepers[1]) as Contract).anchorCheckpoint(id, BATCH_ROOT, to - from, to - from === 8 ? 3 : Math.ceil(Math.log2(to - from)), 1, to, logRoot(leaves.slice(0, to)), from > 0 ? proofFromLeaves(leaves.slice(0, to), consistencyRanges(from, to)) : [], "0x");
    await steady(() => plainBatch(1, 0, size));
    const plainGas = await steady(() => plainBatch(2, size, size + 8));
    // Epoch 1's schedule (the clock is in it now); slot 728's primary is keeper 3, who made the last
    // anchor here, as keeper 1 made the last one on the plain contract: like for like.
    const ring = [1, 2, 3].map((k) => keepers[k].address);
    const next = Array.from({ length: EPOCH_SLOTS }, (_, i) => ({ slot: EPOCH_SLOTS + i, primary: ring[(EPOCH_SLOTS + i) % 3], fallbacks: ring.filter((_, j) => j !== (EPOCH_SLOTS + i) % 3), reason: "test" }));
    await (await anchor.commitSchedule(1, scheduleRoot(next))).wait();
    const slot = EPOCH_SLOTS + 8;
    await at(slot, 1);
    const turn = turnFor(3, slot, next);
    assert.equal(turn.position, 0);
    const sent = await (anchor.connect(keepers[3]) as Contract).anchorCheckpointInTurn(...nextBatch(), turn);
    const turnCalldata = calldataGas(sent.data);
    const turnGas = (await sent.wait()).gasUsed;
    const extra = turnGas - plainGas;
    console.log(`      gas: log-checked anchor ${plainGas}, turn-checked ${turnGas}: +${extra}, of which calldata +${turnCalldata - plainCalldata} (a ${turn.proof.length}-hash proof), the rest execution incl. the epoch root's cold read (goal +10,000: not met, docs/contracts.md)`);
    // Guards the recorded figure (docs/contracts.md) against regressions; the goal itself is not met.
    assert.ok(extra <= 13_500n, `the turn check costs ${extra} gas, more than the 13,467 recorded`);
  });
});

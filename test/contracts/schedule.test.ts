import assert from "node:assert/strict";
import { getBytes, type Contract } from "ethers";
import { network } from "hardhat";
import { slotLeaders, type Turn } from "../../src/poot/schedule.ts";
import { consistencyRanges, logRoot, proofFromLeaves } from "../../src/log/rfc9162.ts";
import { randomLeaves } from "../helpers/random.ts";
import { revertsWith } from "../helpers/revert.ts";

// KPPEAnchorScheduled: an anchor is accepted only in its keeper's turn, by the leaders committed
// for the epoch (Lucid's parameters: 120 s slots, 5 s leader timeout, 720-slot epochs), on the
// in-process chain with its clock moved by the test.
const SLOT = 120;
const TIMEOUT = 5;
const EPOCH_SLOTS = 720;
const BATCH_ROOT = "0x" + "ab".repeat(32);

describe("KPPEAnchorScheduled: anchors only in turn, by the committed PoOT leaders", function () {
  let ethers: Awaited<ReturnType<typeof network.create>>["ethers"];
  let anchor: Contract;
  let genesis: number;
  let keepers: Awaited<ReturnType<typeof ethers.getSigners>>;
  let leaders: string[];
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
  const tryAs = (who: number, turn: Turn) => (anchor.connect(keepers[who]) as Contract).anchorCheckpointInTurn(...nextBatch(), turn);
  /** Keeper `who`'s place in `slot` by the committed leaders (TypeScript's derivation). */
  const turnFor = (who: number, slot: number): Turn => {
    const { primary, fallbacks } = slotLeaders(leaders, slot % EPOCH_SLOTS);
    const position = [primary, ...fallbacks].indexOf(keepers[who].address);
    assert.ok(position >= 0, `keeper ${who} has a place in slot ${slot}`);
    return { slot, position };
  };
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
    leaders = [1, 2, 3].map((k) => keepers[k].address); // epoch 0's ranking: keeper 1 first
  });

  it("refuses bad parameters, plain anchors, and anchors before leaders are committed", async function () {
    await assert.rejects(ethers.deployContract("KPPEAnchorScheduled", [keepers[0].address, genesis, SLOT, SLOT, EPOCH_SLOTS]), /BadScheduleParameters/);
    await revertsWith(anchor.anchorCheckpoint(...nextBatch()), "TurnRequired");
    await revertsWith(anchor.anchorMerkleRoot(1, BATCH_ROOT, 8, 3, 1), "TurnRequired");
    await at(0, 1);
    await revertsWith(tryAs(1, { slot: 0, position: 0 }), "NoSchedule", "0");
  });

  it("the owner commits an epoch's leaders once: 1 to 17 distinct addresses", async function () {
    await revertsWith((anchor.connect(keepers[1]) as Contract).commitLeaders(0, leaders), "OwnableUnauthorizedAccount");
    await revertsWith(anchor.commitLeaders(0, []), "BadLeaders", "0");
    await revertsWith(anchor.commitLeaders(0, [leaders[0], leaders[1], leaders[0]]), "BadLeaders", "3");
    await revertsWith(anchor.commitLeaders(0, [leaders[0], "0x" + "00".repeat(20)]), "BadLeaders", "2");
    await revertsWith(anchor.commitLeaders(0, Array.from({ length: 18 }, (_, i) => "0x" + String(i + 1).padStart(40, "0"))), "BadLeaders", "18");
    const receipt = await (await anchor.commitLeaders(0, leaders)).wait();
    assert.equal(anchor.interface.parseLog(receipt.logs[0])?.name, "LeadersCommitted");
    await revertsWith(anchor.commitLeaders(0, leaders), "ScheduleAlreadyCommitted", "0");
    assert.deepEqual([...(await anchor.epochLeaders(0))], leaders);
  });

  it("derives every slot's leaders as the TypeScript schedule does, for 1 to 17 leaders", async function () {
    const [owner] = keepers;
    for (const n of [1, 2, 3, 4, 5, 16, 17]) {
      const scheduled = (await ethers.deployContract("KPPEAnchorScheduled", [owner.address, genesis, SLOT, TIMEOUT, 40])) as unknown as Contract;
      const ranking = Array.from({ length: n }, (_, i) => "0x" + (i + 1).toString(16).padStart(40, "0"));
      await (await scheduled.commitLeaders(0, ranking)).wait();
      for (let slot = 0; slot < 40; slot++) {
        const { primary, fallbacks } = slotLeaders(ranking, slot);
        const onChain = await Promise.all([0, 1, 2, 3, 4].map((p) => scheduled.leaderAt(slot, p)));
        assert.deepEqual(onChain.map((a: string) => a.toLowerCase()), [primary, ...fallbacks, ...Array(5 - 1 - fallbacks.length).fill("0x" + "00".repeat(20))], `n ${n}, slot ${slot}`);
      }
    }
  });

  it("the primary anchors at once; fallback i only after i leader timeouts; others never", async function () {
    const slot = 4; // 4 mod 3 = 1: keeper 2 leads, then keepers 1 and 3 in rank order
    assert.deepEqual([1, 2, 3].map((k) => turnFor(k, slot).position), [1, 0, 2]);
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
    // Keeper 4 is authorized but has no place: whatever place it claims.
    for (const position of [0, 1, 2, 3]) {
      await at(slot, 30 + position);
      await revertsWith(tryAs(4, { slot, position }), "NotInSchedule", `"${keepers[4].address}", ${slot}, ${position}`);
    }
  });

  it("refuses a turn of another slot, a borrowed place, and a leader that is not an authorized anchor", async function () {
    const slot = 7; // 7 mod 3 = 1: keeper 2 leads, then 1 and 3
    await at(slot, 1);
    await revertsWith(tryAs(2, { slot: slot + 3, position: 0 }), "WrongSlot", `${slot + 3}, ${slot}`);
    await at(slot, 2);
    await revertsWith(tryAs(1, { slot, position: 0 }), "NotInSchedule", `"${keepers[1].address}", ${slot}, 0`);
    await at(slot, 30);
    await revertsWith(tryAs(3, { slot, position: 1 }), "NotInSchedule", `"${keepers[3].address}", ${slot}, 1`);
    await at(slot, 32);
    await revertsWith(tryAs(1, { slot, position: 9 }), "NotInSchedule", `"${keepers[1].address}", ${slot}, 9`);
    await (await anchor.setAuthorized(keepers[2].address, false)).wait();
    await at(slot, 40);
    await revertsWith(tryAs(2, turnFor(2, slot)), "UnauthorizedAnchor", `"${keepers[2].address}"`);
    await (await anchor.setAuthorized(keepers[2].address, true)).wait();
    await at(slot + EPOCH_SLOTS, 1);
    await revertsWith(tryAs(2, { slot: slot + EPOCH_SLOTS, position: 0 }), "NoSchedule", "1");
  });

  it("a turn-checked anchor costs at most 10,000 gas more than the log-checked anchor", async function () {
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
    // Epoch 1 of 17 leaders (the most that lead), keeper 3 first: it made the last anchor here,
    // as keeper 1 did on the plain contract, so both skip the authorization read: like for like.
    const many = [keepers[3].address, ...Array.from({ length: 16 }, (_, i) => "0x" + (i + 1).toString(16).padStart(40, "0"))];
    await (await anchor.commitLeaders(1, many)).wait();
    const slot = EPOCH_SLOTS + 17; // (17 mod 17) = 0: keeper 3 leads
    leaders = many;
    await at(slot, 1);
    const turn = turnFor(3, slot);
    assert.equal(turn.position, 0);
    const sent = await (anchor.connect(keepers[3]) as Contract).anchorCheckpointInTurn(...nextBatch(), turn);
    const turnCalldata = calldataGas(sent.data);
    const turnGas = (await sent.wait()).gasUsed;
    const extra = turnGas - plainGas;
    console.log(`      gas: log-checked anchor ${plainGas}, turn-checked ${turnGas}: +${extra}, of which calldata +${turnCalldata - plainCalldata} (goal +10,000)`);
    assert.ok(extra <= 10_000n, `the turn check costs ${extra} gas`);
  });
});

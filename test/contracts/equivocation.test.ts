import assert from "node:assert/strict";
import { TypedDataEncoder, Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { generateSignerKey, parseSignerKey, signCheckpoint } from "../../src/log/note.ts";
import { addLogSignature, logSignatureOf, logSignerWallet } from "../../src/log/logSigner.ts";
import { consistencyRanges, logRoot, proofFromLeaves } from "../../src/log/rfc9162.ts";
import { randomLeaves } from "../helpers/random.ts";
import { revertsWith } from "../helpers/revert.ts";

// KPPEAnchor acts on equivocation: two checkpoints signed by the log signer that cannot both be
// true freeze anchoring until the owner rotates the signer. The signatures are made by the log
// service's own code path (a signed note, then read back from the note); the expected digest is
// ethers' standard EIP-712, not the contract's.
const ORIGIN = "equivocating.example/log";
const TYPES = { Checkpoint: [{ name: "origin", type: "string" }, { name: "size", type: "uint64" }, { name: "root", type: "bytes32" }] };
const BATCH_ROOT = "0x" + "ab".repeat(32);

describe("KPPEAnchor equivocation reports: a split view signed by the log signer freezes anchoring", function () {
  let ethers: Awaited<ReturnType<typeof network.create>>["ethers"];
  let anchor: Contract;
  const logKey = parseSignerKey(generateSignerKey(ORIGIN));
  const signer = logSignerWallet(logKey);
  // Two histories sharing their first 10 entries: H (honest, anchored) and F (the fork shown to someone).
  const shared = randomLeaves(10);
  const H = [...shared, ...randomLeaves(20)];
  const F = [...shared, ...randomLeaves(20)];
  const root = (leaves: string[], size: number) => logRoot(leaves.slice(0, size));
  const proof = (leaves: string[], from: number, to: number) => proofFromLeaves(leaves.slice(0, to), consistencyRanges(from, to));
  /** A checkpoint of `leaves` at `size`, signed as the gateway signs its notes, read back from the note. */
  const signed = (leaves: string[], size: number, wallet = signer) => {
    const r = root(leaves, size);
    const note = addLogSignature(signCheckpoint(size, r, logKey), wallet);
    const signature = logSignatureOf(note, wallet.address);
    assert.ok(signature, "the note carries the log signer's signature");
    return { size, root: r, signature };
  };
  const frozen = async () => (await anchor.logSigner()).frozen as boolean;
  const anchorBatch = (batchId: number, count: number, size: number, leaves: string[], from: number) =>
    anchor.anchorCheckpoint(batchId, BATCH_ROOT, count, Math.ceil(Math.log2(count)), 1, size, root(leaves, size), from > 0 ? proof(leaves, from, size) : [], "0x");

  before(async function () {
    ({ ethers } = await network.create());
    const [owner] = await ethers.getSigners();
    anchor = (await ethers.deployContract("KPPEAnchor", [owner.address])) as unknown as Contract;
    await (await anchor.setAuthorized(owner.address, true)).wait();
    await (await anchorBatch(1, 12, 12, H, 0)).wait(); // the anchored log: H at size 12
  });

  it("refuses reports while no log signer is set, and the zero address as signer", async function () {
    await revertsWith(anchor.reportEquivocation(signed(H, 20), signed(F, 20), root(F, 20), []), "NoLogSigner");
    await revertsWith(anchor.setLogSigner("0x" + "00".repeat(20), ORIGIN), "ZeroLogSigner");
    const receipt = await (await anchor.setLogSigner(signer.address, ORIGIN)).wait();
    assert.equal(anchor.interface.parseLog(receipt.logs[0])?.name, "LogSignerChanged");
    assert.equal(await anchor.logCheckpointDigest(20, root(H, 20)), TypedDataEncoder.hash({ name: "KPPE log", version: "1" }, TYPES, { origin: ORIGIN, size: 20, root: root(H, 20) }), "standard EIP-712, no chain or contract in the domain");
  });

  it("refuses what is not an equivocation: the same checkpoint twice, a consistent pair, a made-up prefix, the wrong order", async function () {
    await revertsWith(anchor.reportEquivocation(signed(H, 20), signed(H, 20), root(H, 20), []), "NotAnEquivocation");
    await revertsWith(anchor.reportEquivocation(signed(H, 10), signed(H, 20), root(H, 10), proof(H, 10, 20)), "NotAnEquivocation");
    // F's first 10 entries are H's: its honest prefix root is H's root, so no contradiction.
    await revertsWith(anchor.reportEquivocation(signed(H, 10), signed(F, 20), root(F, 10), proof(F, 10, 20)), "NotAnEquivocation");
    // A prefix root the proof does not bind to F's root at 20.
    await revertsWith(anchor.reportEquivocation(signed(H, 15), signed(F, 20), randomLeaves(1)[0], proof(F, 15, 20)), "NotAnEquivocation");
    await revertsWith(anchor.reportEquivocation(signed(F, 20), signed(H, 15), root(F, 15), proof(F, 15, 20)), "NotAnEquivocation");
    // Anchored H at 12: H's own checkpoints before and after are consistent with it.
    await revertsWith(anchor.reportAnchoredEquivocation(1, signed(H, 8), root(H, 8), proof(H, 8, 12)), "NotAnEquivocation");
    await revertsWith(anchor.reportAnchoredEquivocation(1, signed(H, 20), root(H, 12), proof(H, 12, 20)), "NotAnEquivocation");
    await revertsWith(anchor.reportAnchoredEquivocation(2, signed(F, 20), root(F, 12), proof(F, 12, 20)), "NoCheckpoint", "2");
    assert.equal(await frozen(), false);
  });

  it("refuses checkpoints the log signer did not sign: another key, another origin, a root swapped between two", async function () {
    const stranger = logSignerWallet(parseSignerKey(generateSignerKey(ORIGIN)));
    await revertsWith(anchor.reportEquivocation(signed(H, 20, stranger), signed(F, 20, stranger), root(F, 20), []), "InvalidLogSignature", "0");
    await revertsWith(anchor.reportEquivocation(signed(H, 20), signed(F, 20, stranger), root(F, 20), []), "InvalidLogSignature", "1");
    const otherOrigin = await signer.signTypedData({ name: "KPPE log", version: "1" }, TYPES, { origin: "other.example/log", size: 20, root: root(F, 20) });
    await revertsWith(anchor.reportEquivocation(signed(H, 20), { size: 20, root: root(F, 20), signature: otherOrigin }, root(F, 20), []), "InvalidLogSignature", "1");
    const h = signed(H, 20);
    const f = signed(F, 20);
    await revertsWith(anchor.reportEquivocation(h, { ...f, signature: h.signature }, root(F, 20), []), "InvalidLogSignature", "1");
    await revertsWith(anchor.reportEquivocation(h, { ...h, size: 21 }, root(F, 20), []), "InvalidLogSignature", "1");
    assert.equal(await frozen(), false);
  });

  it("two roots for one size freeze anchoring; only another log signer lifts it", async function () {
    const tx = await anchor.reportEquivocation(signed(H, 20), signed(F, 20), root(F, 20), []);
    const receipt = await tx.wait();
    const event = anchor.interface.parseLog(receipt.logs[0]);
    assert.equal(event?.name, "LogEquivocation");
    assert.deepEqual([event?.args.logSigner, event?.args.size1, event?.args.root2], [signer.address, 20n, root(F, 20)]);
    console.log(`      gas: reportEquivocation, two roots for one size: ${receipt.gasUsed}`);
    assert.equal(await frozen(), true);
    await revertsWith(anchorBatch(2, 8, 20, H, 12), "LogFrozen", `"${signer.address}"`);
    await revertsWith(anchor.anchorMerkleRoot(2, BATCH_ROOT, 8, 3, 1), "LogFrozen");
    await revertsWith(anchor.reportEquivocation(signed(H, 20), signed(F, 20), root(F, 20), []), "LogFrozen");
    await revertsWith(anchor.setLogSigner(signer.address, ORIGIN), "LogSignerEquivocated");
    const [, stranger] = await ethers.getSigners();
    await revertsWith((anchor.connect(stranger) as Contract).setLogSigner(Wallet.createRandom().address, ORIGIN), "OwnableUnauthorizedAccount");
  });

  it("after rotation anchoring resumes, and the old signer's statements are no longer evidence", async function () {
    const newKey = parseSignerKey(generateSignerKey(ORIGIN));
    const next = logSignerWallet(newKey);
    await (await anchor.setLogSigner(next.address, ORIGIN)).wait();
    assert.equal(await frozen(), false);
    await (await anchorBatch(2, 8, 20, H, 12)).wait();
    await revertsWith(anchor.reportEquivocation(signed(H, 20), signed(F, 20), root(F, 20), []), "InvalidLogSignature", "0");
    // The new signer: a checkpoint of the fork at 25, which does not extend H at 15 (F's prefix at 15 differs).
    const report = await (await anchor.reportEquivocation(signed(H, 15, next), signed(F, 25, next), root(F, 15), proof(F, 15, 25))).wait();
    console.log(`      gas: reportEquivocation, sizes 15 and 25 with a consistency proof: ${report.gasUsed}`);
    assert.equal(await frozen(), true);
  });

  type Evidence = [checkpoint: ReturnType<typeof signed>, prefix: string, consistency: string[]];
  for (const [what, make] of [
    ["the same size as the anchored log with another root", () => [signed(F, 20), root(F, 20), []]],
    ["smaller, with a proof in the anchored log", () => [signed(F, 16), root(H, 16), proof(H, 16, 20)]],
    ["larger, with a proof in its own log", () => [signed(F, 28), root(F, 20), proof(F, 20, 28)]],
  ] as Array<[string, () => Evidence]>) {
    it(`a signed checkpoint that contradicts the anchored log freezes anchoring: ${what}`, async function () {
      const [owner] = await ethers.getSigners();
      anchor = (await ethers.deployContract("KPPEAnchor", [owner.address])) as unknown as Contract;
      await (await anchor.setAuthorized(owner.address, true)).wait();
      await (await anchorBatch(1, 20, 20, H, 0)).wait();
      await (await anchor.setLogSigner(signer.address, ORIGIN)).wait();
      const [checkpoint, prefix, consistency] = make();
      // A prefix root the proof does not bind is no evidence (the same size needs none).
      if (checkpoint.size !== 20) await revertsWith(anchor.reportAnchoredEquivocation(1, checkpoint, randomLeaves(1)[0], consistency), "NotAnEquivocation");
      const receipt = await (await anchor.reportAnchoredEquivocation(1, checkpoint, prefix, consistency)).wait();
      console.log(`      gas: reportAnchoredEquivocation, ${what}: ${receipt.gasUsed}`);
      assert.equal(await frozen(), true);
      await revertsWith(anchorBatch(2, 8, 28, H, 20), "LogFrozen");
    });
  }
});

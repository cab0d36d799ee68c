import assert from "node:assert/strict";
import { Wallet, type Contract, type HDNodeWallet, type TypedDataDomain } from "ethers";
import { network } from "hardhat";

// KPPEAnchor's witness set: k of n secp256k1 signatures over an EIP-712 checkpoint message, made
// here with ethers' signTypedData (the digest is not taken from the contract), on the in-process chain.
const ORIGIN = "witnessed.example/log";
const TYPES = { Checkpoint: [{ name: "origin", type: "string" }, { name: "size", type: "uint64" }, { name: "root", type: "bytes32" }] };
const ROOT = "0x" + "ab".repeat(32);
const LOG_ROOT = "0x" + "cd".repeat(32);

describe("KPPEAnchor witness set: k of n EIP-712 witness signatures on anchorCheckpoint", function () {
  let anchor: Contract;
  let domain: TypedDataDomain;
  let ethers: Awaited<ReturnType<typeof network.create>>["ethers"];
  const witnesses = Array.from({ length: 3 }, () => Wallet.createRandom()).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const sign = (wallet: HDNodeWallet, size: number, root = LOG_ROOT, d: TypedDataDomain = domain) => wallet.signTypedData(d, TYPES, { origin: ORIGIN, size, root });
  const concat = (signatures: string[]) => "0x" + signatures.map((s) => s.slice(2)).join("");
  const anchorWith = (signatures: string) => anchor.anchorCheckpoint(1, ROOT, 5, 3, 1, 5, LOG_ROOT, [], signatures);
  /** The in-process chain reports a revert as "reverted with custom error 'Name(args)'". */
  const customError = (e: unknown) => /custom error '(\w+)\((.*)\)'/.exec((e as Error).message) ?? [];
  const refusedWith = async (signatures: string, error: string, args?: unknown[]) => {
    await assert.rejects(anchorWith(signatures), (e: unknown) => {
      const [, name, given] = customError(e);
      assert.equal(name, error, (e as Error).message);
      if (args) assert.equal(given, args.map((a) => (typeof a === "string" ? `"${a}"` : String(a))).join(", "));
      return true;
    });
  };
  const refusedWithOneOf = (promise: Promise<unknown>, names: string[]) => assert.rejects(promise, (e: unknown) => names.includes(customError(e)[1] ?? ""));

  before(async function () {
    ({ ethers } = await network.create());
    const [owner] = await ethers.getSigners();
    anchor = (await ethers.deployContract("KPPEAnchor", [owner.address])) as unknown as Contract;
    await (await anchor.setAuthorized(owner.address, true)).wait();
    const { chainId } = await ethers.provider.getNetwork();
    domain = { name: "KPPEAnchor", version: "2", chainId, verifyingContract: await anchor.getAddress() };
  });

  it("refuses a malformed set", async function () {
    const addresses = witnesses.map((w) => w.address);
    for (const [list, threshold] of [[addresses, 4], [[addresses[1], addresses[0]], 1], [[addresses[0], addresses[0]], 1], [addresses, 0]] as const) {
      await refusedWithOneOf(anchor.proposeWitnessSet(list, threshold, ORIGIN), ["BadWitnessSet"]);
    }
  });

  it("takes effect only after the delay, announced by an event", async function () {
    const receipt = await (await anchor.proposeWitnessSet(witnesses.map((w) => w.address), 2, ORIGIN)).wait();
    const event = receipt.logs.map((l: { topics: string[]; data: string }) => anchor.interface.parseLog(l)).find((l: { name: string } | null) => l?.name === "WitnessSetProposed");
    assert.equal(event.args.threshold, 2n);
    assert.equal((await anchor.activeWitnessSet(witnesses[0].address)).threshold, 0n, "not yet in force");
    await anchor.anchorCheckpoint.staticCall(1, ROOT, 5, 3, 1, 5, LOG_ROOT, [], "0x"); // would pass without signatures today
    await ethers.provider.send("evm_increaseTime", [86_400]);
    await ethers.provider.send("evm_mine", []);
    const active = await anchor.activeWitnessSet(witnesses[0].address);
    assert.deepEqual([active.threshold, active.member], [2n, true]);
    assert.equal(await anchor.checkpointDigest(5, LOG_ROOT), ethers.TypedDataEncoder.hash(domain, TYPES, { origin: ORIGIN, size: 5, root: LOG_ROOT }), "the digest is standard EIP-712");
  });

  it("refuses k - 1 signatures, a repeated signer, a non-member, and signatures over another chain id, contract, size or root", async function () {
    const [a, b] = witnesses;
    await refusedWith("0x", "WitnessQuorumNotMet", [0, 2]);
    await refusedWith(concat([await sign(a, 5)]), "WitnessQuorumNotMet", [1, 2]);
    await refusedWith(concat([await sign(a, 5), await sign(a, 5)]), "WitnessSignaturesUnordered", [a.address]);
    await refusedWith(concat([await sign(b, 5), await sign(a, 5)]), "WitnessSignaturesUnordered", [a.address]);
    const stranger = Wallet.createRandom();
    const ordered = async (x: HDNodeWallet, y: HDNodeWallet, f = sign) => concat(BigInt(x.address) < BigInt(y.address) ? [await f(x, 5), await f(y, 5)] : [await f(y, 5), await f(x, 5)]);
    await refusedWith(await ordered(a, stranger), "NotAWitness", [stranger.address]);
    for (const other of [{ ...domain, chainId: 8453 }, { ...domain, verifyingContract: "0x" + "12".repeat(20) }]) {
      await refusedWithOneOf(anchorWith(concat([await sign(a, 5, LOG_ROOT, other), await sign(b, 5, LOG_ROOT, other)])), ["NotAWitness", "WitnessSignaturesUnordered"]);
    }
    await refusedWithOneOf(anchorWith(concat([await sign(a, 6), await sign(b, 6)])), ["NotAWitness", "WitnessSignaturesUnordered"]);
    await refusedWith("0x" + "00".repeat(64) + "1f" + (await sign(b, 5)).slice(2), "InvalidWitnessSignature", [0]);
  });

  it("accepts k of n, and each signature checked costs at most 8,000 gas", async function () {
    const [a, b, c] = witnesses;
    const two = concat([await sign(a, 5), await sign(b, 5)]);
    const three = concat([await sign(a, 5), await sign(b, 5), await sign(c, 5)]);
    const gasTwo = await anchor.anchorCheckpoint.estimateGas(1, ROOT, 5, 3, 1, 5, LOG_ROOT, [], two);
    const gasThree = await anchor.anchorCheckpoint.estimateGas(1, ROOT, 5, 3, 1, 5, LOG_ROOT, [], three);
    const perSignature = Number(gasThree - gasTwo);
    console.log(`      gas per witness signature: ${perSignature}`);
    assert.ok(perSignature <= 8_000, `${perSignature} > 8,000`);
    await (await anchor.anchorCheckpoint(1, ROOT, 5, 3, 1, 5, LOG_ROOT, [], two)).wait();
    assert.equal(await anchor.latestBatchId(), 1n);
  });
});

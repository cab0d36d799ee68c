import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Contract, ContractFactory, getAddress, hexlify, randomBytes } from "ethers";
import hre, { network } from "hardhat";
import { creditsOf, distribution, epochsOfMonth, monthlyShares, type MonthlyDistribution } from "../../src/poot/payouts.ts";
import { devWallet, startLocalChain } from "../helpers/chain.ts";
import { hardhat } from "../helpers/hardhatCli.ts";
import { STORE_FIXTURES } from "../helpers/stores.ts";
import { revertsWith } from "../helpers/revert.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

/** A small seeded generator (mulberry32): the same 500 months on every run. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Lucid's monthly payouts: amounts in proportion to credits, exact to the token's smallest unit,
// posted as a Merkle root and claimed once each, on the in-process chain with tokens deployed here.
const MONTH = 202611;
const DAY = 86_400;

describe("PoOT payouts: shares to the smallest unit", function () {
  it("split the amount exactly, the leftover units to the largest remainders (figures worked by hand)", function () {
    const [a, b, c] = ["0x" + "0a".repeat(20), "0x" + "0b".repeat(20), "0x" + "0c".repeat(20)];
    // 1,000,000,007 among equal credits: 333,333,335 each and 2 units left, to the first two by address.
    assert.deepEqual(monthlyShares(new Map([[c, 5], [a, 5], [b, 5]]), 1_000_000_007n).map((s) => s.amount), [333_333_336n, 333_333_336n, 333_333_335n]);
    // 100 among 1:2:4 = 14.28, 28.57, 57.14: floors 14, 28, 57 (99), one unit to the largest remainder (28.57).
    assert.deepEqual(monthlyShares(new Map([[a, 1], [b, 2], [c, 4]]), 100n).map((s) => s.amount), [14n, 29n, 57n]);
    assert.deepEqual(monthlyShares(new Map([[a, 0], [b, 3]]), 10n).map((s) => [s.operator.toLowerCase(), s.amount]), [[b, 10n]], "no credits, no share");
    assert.throws(() => monthlyShares(new Map([[a, 0]]), 10n), /no operator has credits/);
  });

  it("always add up to the month's amount, each within one unit of its exact share (500 random months)", function () {
    const random = mulberry32(7);
    for (let run = 0; run < 500; run++) {
      const credits = new Map(Array.from({ length: 1 + Math.floor(random() * 40) }, () => [hexlify(randomBytes(20)), Math.floor(random() * 10_000)] as [string, number]));
      if ([...credits.values()].every((c) => c === 0)) continue;
      const total = BigInt(Math.floor(random() * 1e12)) + 1n;
      const shares = monthlyShares(credits, total);
      assert.equal(shares.reduce((s, x) => s + x.amount, 0n), total);
      const sum = [...credits.values()].reduce((s, c) => s + c, 0);
      for (const share of shares) {
        const exact = (Number(total) * share.credits) / sum;
        assert.ok(Math.abs(Number(share.amount) - exact) <= 1.000001, `${share.amount} vs ${exact}`);
      }
    }
  });

  it("a month holds the epochs that start in it", function () {
    const genesis = Date.UTC(2026, 9, 31, 12) / 1000; // 2026-10-31 12:00 UTC: epoch 1 starts 2026-11-01 12:00
    assert.deepEqual(epochsOfMonth(MONTH, genesis), [1, 30]);
    assert.deepEqual(creditsOf([[{ node_id: "0x" + "0a".repeat(20), credits: 2, density: 1, live_score: 2, eligible: true, rank: 1 }], [{ node_id: "0x" + "0A".repeat(20), credits: 3, density: 1, live_score: 3, eligible: true, rank: 1 }]]).get(getAddress("0x" + "0a".repeat(20))), 5);
  });
});

describe("PayoutRouterV0 and PayoutRouterKYC on the in-process chain", function () {
  let ethers: Awaited<ReturnType<typeof network.create>>["ethers"];
  let signers: Awaited<ReturnType<typeof ethers.getSigners>>;

  before(async () => {
    ({ ethers } = await network.create());
    signers = await ethers.getSigners();
  });

  async function setup(tokenName = "TestUSD", routerName = "PayoutRouterV0") {
    const [owner, poster] = signers;
    const token = (await ethers.deployContract(tokenName)) as unknown as Contract;
    const router = (await ethers.deployContract(routerName, [owner.address, await token.getAddress(), poster.address])) as unknown as Contract;
    const operators = signers.slice(5, 9).map((s) => s.address);
    const dist = distribution(MONTH, [1, 30], monthlyShares(new Map(operators.map((o, i) => [o, (i + 1) * 3])), 1_000_000_001n));
    return { token, router, poster, operators, dist, asPoster: router.connect(poster) as Contract };
  }
  const claimOf = (router: Contract, dist: MonthlyDistribution, i: number, override: Partial<MonthlyDistribution["shares"][number]> = {}) => {
    const s = { ...dist.shares[i], ...override };
    return router.claim(dist.month, s.operator, s.amount, s.proof);
  };

  it("posts a funded month only, claims each share once with its proof, and pays exactly the month's amount", async () => {
    const { token, router, poster, dist, asPoster } = await setup();
    await revertsWith(router.postMonth(MONTH, dist.root, dist.total), "NotPoster");
    await revertsWith(asPoster.postMonth(MONTH, dist.root, dist.total), "Underfunded");
    await (await token.mint(await router.getAddress(), dist.total)).wait();
    await revertsWith(asPoster.postMonth(202613, dist.root, dist.total), "BadMonth");
    await (await asPoster.postMonth(MONTH, dist.root, dist.total)).wait();
    await revertsWith(asPoster.postMonth(MONTH, dist.root, 0), "MonthNotIncreasing");
    assert.equal(poster.address, await router.poster());
    // Attacks: another operator's proof, a larger amount, a month never posted.
    await revertsWith(claimOf(router, dist, 0, { proof: dist.shares[1].proof }), "InvalidClaim");
    await revertsWith(claimOf(router, dist, 0, { amount: (BigInt(dist.shares[0].amount) + 1n).toString() }), "InvalidClaim");
    await revertsWith(router.claim(202612, dist.shares[0].operator, dist.shares[0].amount, dist.shares[0].proof), "NoSuchMonth");
    for (let i = 0; i < dist.shares.length; i++) await (await claimOf(router, dist, i)).wait();
    await revertsWith(claimOf(router, dist, 2), "AlreadyClaimed");
    const paid = await Promise.all(dist.shares.map((s) => token.balanceOf(s.operator)));
    assert.deepEqual(paid.map(String), dist.shares.map((s) => s.amount));
    assert.equal(paid.reduce((s: bigint, x: bigint) => s + x, 0n), BigInt(dist.total), "to the smallest unit");
    assert.equal(await token.balanceOf(await router.getAddress()), 0n);
  });

  it("rolls over what a month leaves unclaimed once its claim period ends; a late claim is refused", async () => {
    const { token, router, dist, asPoster } = await setup();
    await (await token.mint(await router.getAddress(), dist.total)).wait();
    await (await asPoster.postMonth(MONTH, dist.root, dist.total)).wait();
    await (await claimOf(router, dist, 0)).wait();
    await revertsWith(router.closeMonth(MONTH), "ClaimPeriodNotOver");
    // The next month cannot spend what this one still owes.
    await revertsWith(asPoster.postMonth(202612, dist.root, 1), "Underfunded");
    await ethers.provider.send("evm_increaseTime", [90 * DAY]);
    await ethers.provider.send("evm_mine", []);
    await revertsWith(claimOf(router, dist, 1), "MonthIsClosed");
    await (await router.closeMonth(MONTH)).wait();
    const released = BigInt(dist.total) - BigInt(dist.shares[0].amount);
    await (await asPoster.postMonth(202612, dist.root, released)).wait(); // the unclaimed amount funds the next month
    await revertsWith(router.closeMonth(MONTH), "MonthIsClosed");
    await revertsWith(router.renounceOwnership(), "OwnershipCannotBeRenounced");
  });

  it("KYC: pays only operators a registrar approved", async () => {
    const { token, router, dist, asPoster } = await setup("TestUSD", "PayoutRouterKYC");
    const [owner, , registrar] = signers;
    await (await token.mint(await router.getAddress(), dist.total)).wait();
    await (await asPoster.postMonth(MONTH, dist.root, dist.total)).wait();
    await revertsWith(claimOf(router, dist, 0), "NotKycApproved");
    await revertsWith((router.connect(registrar) as Contract).setKyc(dist.shares[0].operator, true), "NotRegistrar");
    await (await (router.connect(owner) as Contract).setRegistrar(registrar.address, true)).wait();
    await (await (router.connect(registrar) as Contract).setKyc(dist.shares[0].operator, true)).wait();
    await (await claimOf(router, dist, 0)).wait();
    assert.equal(String(await token.balanceOf(dist.shares[0].operator)), dist.shares[0].amount);
    await revertsWith(claimOf(router, dist, 1), "NotKycApproved");
  });

  it("judges a payment by balances: a token answering false on success pays; one that keeps a fee is refused", async () => {
    for (const [name, outcome] of [["FalseReturningUSD", "paid"], ["FeeOnTransferUSD", "TransferMismatch"]] as const) {
      const { token, router, dist, asPoster } = await setup(name);
      await (await token.mint(await router.getAddress(), dist.total)).wait();
      await (await asPoster.postMonth(MONTH, dist.root, dist.total)).wait();
      if (outcome === "paid") {
        await (await claimOf(router, dist, 0)).wait();
        assert.equal(String(await token.balanceOf(dist.shares[0].operator)), dist.shares[0].amount);
      } else await revertsWith(claimOf(router, dist, 0), outcome);
    }
  });
});

for (const makeFixture of STORE_FIXTURES) describe(`poot:payouts and poot:claim on ${makeFixture().kind}, as processes against a chain over HTTP`, function () {
  this.timeout(120_000);

  it("compute the month from the recorded tallies, post it with the payout key, and the operator claims its share", async () => {
    const chain = await startLocalChain();
    const fixture = makeFixture();
    try {
      const genesis = Date.UTC(2026, 9, 31, 12) / 1000;
      const operators = [devWallet(5), devWallet(6), devWallet(7)];
      const store = await fixture.open();
      // Two recorded epochs of November, one of October (not counted).
      for (const [epoch, credits] of [[1, [4, 1, 0]], [2, [4, 2, 3]], [0, [100, 0, 0]]] as const) {
        await store.poot.saveSchedule({ epoch, seed: "0x" + "00".repeat(32), leaders: [], slots: [], tally: operators.map((o, i) => ({ node_id: o.address, credits: credits[i], density: 1, live_score: credits[i], eligible: true, rank: i + 1 })) });
      }
      await store.close();
      const payoutKey = devWallet(3);
      const owner = devWallet(0).connect(chain.provider);
      const deploy = async (name: string, ...args: unknown[]) => {
        const artifact = await hre.artifacts.readArtifact(name);
        const c = await new ContractFactory(artifact.abi, artifact.bytecode, owner).deploy(...args);
        await c.waitForDeployment();
        return c as unknown as Contract;
      };
      const token = await deploy("TestUSD");
      const router = await deploy("PayoutRouterV0", owner.address, await token.getAddress(), payoutKey.address);
      await (await token.mint(await router.getAddress(), 25_000_000_000n)).wait();
      const out = join(tempDirectory("kppe-payout-"), "2026-11.json");
      const common = ["--router", await router.getAddress(), "--rpc-url", chain.url];
      const post = await hardhat(["poot:payouts", "--month", "2026-11", "--amount", "1000.000001", "--genesis", String(genesis), "--store", fixture.location, "--out", out, "--post", ...common], { env: { PAYOUT_PRIVATE_KEY: payoutKey.privateKey } });
      assert.equal(post.code, 0, post.stdout + post.stderr);
      assert.match(post.stdout, /month 2026-11: epochs 1\.\.30 \(2 with a recorded tally\); 1000\.000001 tUSD among 3 operators/);
      const dist = JSON.parse(await readFile(out, "utf8")) as MonthlyDistribution;
      // Credits 8, 3 and 3 of 14 of 1,000,000,001 units: 571,428,572 exactly, then 214,285,714.5 twice:
      // the leftover unit goes to the tied remainder with the lower address, 0x14dC… (dev account 7). Worked by hand.
      assert.deepEqual(dist.shares.map((s) => [s.operator, s.credits, s.amount]).sort(), [[operators[0].address, 8, "571428572"], [operators[1].address, 3, "214285714"], [operators[2].address, 3, "214285715"]].sort());
      const claim = () => hardhat(["poot:claim", "--distribution", out, "--operator", operators[1].address, ...common], { env: { OPERATOR_PRIVATE_KEY: devWallet(8).privateKey } });
      const first = await claim();
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.match(first.stdout, /was paid 214\.285714 tUSD for 202611/);
      assert.equal(await token.balanceOf(operators[1].address), 214_285_714n);
      const again = await claim();
      assert.match(again.stdout, /already claimed/);
    } finally {
      await chain.close();
      await fixture.cleanup();
    }
  });
});

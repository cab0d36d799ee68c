import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { hexlify } from "ethers";
import { ContractRevertedError } from "../../src/chain/anchorChain.ts";
import type { RecorderChain } from "../../src/chain/recorderChain.ts";
import { TxMonitor, type TxAttempt, type TxMonitorOptions } from "../../src/chain/txMonitor.ts";
import { KppeError } from "../../src/errors.ts";
import { waitFor } from "../helpers/wait.ts";
import { captureLog, devWallet, openRecorderChain, startLocalChain, type LocalChain } from "../helpers/chain.ts";

// The transaction monitor that the keeper, the FlowPay anchorer and session anchoring share, on
// a real in-process chain whose blocks come only when the test mines them.
const gwei = (n: number) => "0x" + BigInt(Math.round(n * 1e9)).toString(16);
const random32 = () => hexlify(randomBytes(32));
/** registerSession arguments for a new session: any write the contract accepts once. */
const session = () => [random32(), random32(), 1_700_000_000, devWallet(1).address, random32(), 4];


describe("transaction monitor (chain/txMonitor.ts): one life for every transaction we send", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let recorder: RecorderChain;
  let miner: NodeJS.Timeout | undefined;

  beforeEach(async () => {
    chain = await startLocalChain({ blockMs: 0 });
    const contract = await (await chain.deployRecorder(devWallet(1).address)).getAddress();
    recorder = await openRecorderChain(chain.url, contract, 1);
    await chain.rpc("evm_setAutomine", [false]);
  });
  afterEach(async () => {
    clearInterval(miner);
    miner = undefined;
    recorder.close();
    await chain.close();
  });
  const mineEvery = (ms: number) => (miner = setInterval(() => void chain.rpc("evm_mine").catch(() => undefined), ms));

  /** A monitor whose attempts and log lines the test sees. */
  function monitor(options: Partial<TxMonitorOptions> = {}) {
    const { log, lines } = captureLog();
    const attempts: TxAttempt[] = [];
    const txMonitor = new TxMonitor(recorder, { confirmations: 1, pollMs: 25, stuckAfterMs: 60_000, log, ...options });
    const write = (args = session()) => txMonitor.write("registerSession", args, { record: async (a) => void attempts.push(a) });
    return { write, attempts, lines };
  }

  it("replaces a transaction stuck in the mempool (same nonce, 5/4 the fees), and the replacement is what is mined", async () => {
    const { write, attempts, lines } = monitor({ stuckAfterMs: 500 });
    const args = session();
    const writing = write(args);
    await waitFor("a replacement", async () => attempts.length >= 2);
    mineEvery(50);
    const mined = await writing;
    assert.equal(mined.success, true);
    assert.equal(new Set(attempts.map((a) => a.nonce)).size, 1, "every attempt has the same nonce");
    assert.ok(BigInt(attempts[1].maxFeePerGas) >= (BigInt(attempts[0].maxFeePerGas) * 5n) / 4n, "the replacement pays at least 5/4");
    assert.ok(attempts.some((a) => a.hash === mined.hash), "one of the recorded attempts is the one mined");
    assert.ok(lines.some((l) => /pending for \d+s -- replaced by 0x[0-9a-f]{64}/.test(l)), lines.join("\n"));
    assert.equal((await recorder.getSession(args[0] as string)).manifestHash, args[1], "registered once, with these arguments");
  });

  it("sends the very same signed bytes again when the node forgets the transaction", async () => {
    const { write, attempts, lines } = monitor();
    const writing = write();
    await waitFor("the first attempt", async () => attempts.length === 1);
    await sleep(50); // broadcast, after the record
    assert.equal(await chain.rpc("hardhat_dropTransaction", [attempts[0].hash]), true, "the node dropped it");
    await waitFor("the resend", async () => lines.some((l) => l.includes("is unknown to the node -- sending the same signed transaction again")));
    mineEvery(50);
    const mined = await writing;
    assert.equal(mined.hash, attempts[0].hash, "the resent bytes are the ones mined");
    assert.equal(attempts.length, 1, "nothing new was signed");
  });

  it("signs again with a new nonce when another transaction took the nonce", async () => {
    const { write, attempts, lines } = monitor();
    const args = session();
    const writing = write(args);
    await waitFor("the first attempt", async () => attempts.length === 1);
    await sleep(50);
    // Another process with the same key spends the nonce on something else, outbidding ours.
    const wallet = devWallet(1).connect(chain.provider);
    const double = (value: string) => BigInt(value) * 2n;
    await wallet.sendTransaction({ to: wallet.address, value: 1n, nonce: attempts[0].nonce, maxFeePerGas: double(attempts[0].maxFeePerGas), maxPriorityFeePerGas: double(attempts[0].maxPriorityFeePerGas) });
    // Ours is gone from the pool; sent again, the node refuses it as underpriced: the monitor waits.
    await waitFor("the monitor to see its nonce held", async () => lines.some((l) => l.includes(`the node holds another transaction with nonce ${attempts[0].nonce} at higher fees`)));
    await chain.rpc("evm_mine");
    await waitFor("a new attempt", async () => attempts.length === 2);
    mineEvery(50);
    const mined = await writing;
    assert.equal(mined.success, true);
    assert.deepEqual(attempts.map((a) => a.nonce), [attempts[0].nonce, attempts[0].nonce + 1]);
    assert.ok(lines.some((l) => l.includes(`nonce ${attempts[0].nonce} of registerSession was used by another transaction`)), lines.join("\n"));
    assert.equal((await recorder.getSession(args[0] as string)).manifestHash, args[1]);
  });

  it("a transaction reorged away before its confirmations is sent again and confirmed on the new chain", async () => {
    const { write, attempts, lines } = monitor({ confirmations: 3 });
    const snapshot = await chain.rpc("evm_snapshot");
    const args = session();
    const writing = write(args);
    await waitFor("the first attempt", async () => attempts.length === 1);
    await sleep(50);
    await chain.rpc("evm_mine");
    const first = await recorder.mined(attempts[0].hash);
    assert.ok(first, "mined once, one confirmation of three");
    await chain.rpc("evm_revert", [snapshot]); // the block that held it is gone
    mineEvery(50);
    const mined = await writing;
    assert.equal(mined.hash, attempts[0].hash, "the same bytes, sent again");
    assert.ok((await chain.provider.getBlockNumber()) - mined.blockNumber + 1 >= 3, "three confirmations on the chain as it is now");
    assert.ok(lines.some((l) => l.includes("is unknown to the node")), lines.join("\n"));
    assert.equal((await recorder.getSession(args[0] as string)).manifestHash, args[1]);
  });

  it("never passes the fee cap: nothing is sent above it, and a stuck transaction whose replacement would pass it is waited for as it is", async () => {
    await chain.rpc("hardhat_setNextBlockBaseFeePerGas", [gwei(100)]);
    await chain.rpc("evm_mine");
    const capped = monitor({ maxFeeWei: 5_000_000_000n });
    await assert.rejects(capped.write(), (e) => e instanceof KppeError && e.code === "FEE_CAP" && /base fee 100\.0 gwei is above the fee cap of 5\.0 gwei/.test(e.message));
    assert.equal(capped.attempts.length, 0, "nothing signed");

    await chain.rpc("hardhat_setNextBlockBaseFeePerGas", [gwei(1)]);
    await chain.rpc("evm_mine");
    const fees = await recorder.currentFees();
    const justAbove = fees.maxFeePerGas + 1n; // the first attempt fits; a 5/4 replacement would not
    const { write, attempts, lines } = monitor({ maxFeeWei: justAbove, stuckAfterMs: 300 });
    const writing = write();
    await waitFor("the cap warning", async () => lines.some((l) => l.includes("above the fee cap") && l.includes("waiting for it as it is")));
    mineEvery(50);
    const mined = await writing;
    assert.equal(attempts.length, 1, "no replacement above the cap");
    assert.equal(mined.hash, attempts[0].hash);
    assert.ok(BigInt(attempts[0].maxFeePerGas) <= justAbove);
  });

  it("a call the contract refuses throws the decoded error before anything is signed or paid", async () => {
    const stranger = await openRecorderChain(chain.url, recorder.target.contract, 5);
    try {
      const attempts: TxAttempt[] = [];
      const refused = new TxMonitor(stranger, { confirmations: 1, pollMs: 25 }).write("registerSession", session(), { record: async (a) => void attempts.push(a) });
      await assert.rejects(refused, (e) => e instanceof ContractRevertedError && e.revert.name === "UnauthorizedWriter");
      assert.equal(attempts.length, 0);
    } finally {
      stranger.close();
    }
  });
});

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { createGateway } from "../../src/gateway/server.ts";
import { clientHash } from "../../src/hashing/canonical.ts";
import { parseReceipt } from "../../src/receipt/format.ts";
import { verifyReceiptOffline } from "../../src/receipt/verify.ts";
import { receiptFileName } from "../../src/keeper/receiptFiles.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import { appendEvents, devWallet, startLocalChain } from "../helpers/chain.ts";
import { GatewayClient } from "../../src/client/gateway.ts";
import { hardhat, kppe } from "../helpers/hardhatCli.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

const ZERO = "0x" + "00".repeat(32);

describe("end to end: gateway -> npx hardhat anchor --once -> anchor:verify", function () {
  this.timeout(120_000);

  it("anchors events submitted over HTTP and verifies their receipts, cross-checked with OpenZeppelin", async () => {
    const dir = tempDirectory("kppe-e2e-");
    const file = join(dir, "ledger.sqlite");
    const chain = await startLocalChain();
    const store = new SqliteStore(file);
    const gateway = createGateway({ store, port: 0, logLevel: false });
    try {
      // No PRIVATE_KEY: on a loopback chain the task falls back to Hardhat's development account 0.
      const contract = await (await chain.deployAnchor(devWallet(0).address)).getAddress();
      const url = await gateway.listen();
      const bodies = Array.from({ length: 5 }, (_, i) => ({ type: "checkout", order: i, items: [{ sku: `A${i}`, qty: i + 1 }] }));
      for (const [i, body] of bodies.entries()) {
        const event = { version: "0.1", event_id: `e2e-${i}`, payload_hash: clientHash(body), source_id: "shop", data: body };
        const response = await fetch(`${url}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
        assert.equal(response.status, 200, await response.text());
      }

      const before = await (await fetch(`${url}/receipts/e2e-3`)).json();
      assert.equal(before.anchor_receipt, null, "no anchor receipt before the batch is confirmed");

      // A client waiting for the anchor is answered once the keeper has confirmed the batch.
      const waiting = new GatewayClient({ url }).waitForAnchor("e2e-3", { timeoutMs: 60_000, pollMs: 100 });
      const common = ["--rpc-url", chain.url, "--store", file];
      const receiptsDir = join(dir, "receipts");
      const anchored = await hardhat(["anchor", "--once", "--contract", contract, "--receipts-dir", receiptsDir, ...common], { env: { PRIVATE_KEY: "" } });
      assert.equal(anchored.code, 0, anchored.stdout + anchored.stderr);
      assert.match(anchored.stdout, /\[K-PPE\] Batch #1 confirmed in block \d+ \| 5 events anchored/);
      assert.match(anchored.stdout, /\[K-PPE\] Proofs stored for 5 events in event_receipts/);
      assert.match(anchored.stdout, /\[K-PPE\] Receipts written for 5 events to /);
      for (let i = 0; i < 5; i++) {
        const written = verifyReceiptOffline(readFileSync(join(receiptsDir, `e2e-${i}.json`), "utf8"));
        assert.equal(written.ok, true, `receipts/e2e-${i}.json verifies: ${JSON.stringify(written.checks)}`);
        assert.equal(written.receipt.ledger_entry.fifo_sequence, i + 1);
      }

      assert.equal((await waiting).ledger_entry.fifo_sequence, 4);

      const status = await hardhat(["anchor:status", "--contract", contract, ...common]);
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.match(status.stdout, /latest batch id +1 +1\n/);
      assert.match(status.stdout, /events anchored +5 +5\n/);
      assert.match(status.stdout, /last batch on chain +#1 in block \d+ +present, same root/);
      assert.match(status.stdout, /pending \(not in a batch\): 0/);

      const receiptFile = join(dir, "e2e-3.json");
      const verified = await hardhat(["anchor:verify", "--event-id", "e2e-3", "--out", receiptFile, "--contract", contract, ...common]);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      // Built from the store, the receipt has no signed checkpoint (the log key is the gateway's).
      assert.match(verified.stdout, /VERIFIED EXCEPT what was not checked \(checkpoint signature\): e2e-3 is entry 4 of the log anchored in batch #1/);
      for (const check of ["client hash", "entry hash", "content hash", "log inclusion", "batch range", "batch membership", "chain", "contract", "anchoring event", "checkpoint event", "verifyLogInclusion", "verifyProofView"]) {
        assert.match(verified.stdout, new RegExp(`ok +${check} `));
      }

      // The proof in the receipt is the one OpenZeppelin's tree gives for the padded leaves.
      const receipt = parseReceipt(readFileSync(receiptFile, "utf8"));
      const leaves = [...bodies.map(clientHash), ZERO, ZERO, ZERO];
      const oz = SimpleMerkleTree.of(leaves, { sortLeaves: false });
      assert.equal(receipt.batch.root, oz.root);
      assert.deepEqual(receipt.batch.proof, oz.getProof(3));
      assert.ok(SimpleMerkleTree.verify(oz.root, clientHash(bodies[3]), receipt.batch.proof));

      // The gateway now serves the same anchor receipt, with the checkpoint signed by its log key.
      const served = await (await fetch(`${url}/receipts/e2e-3`)).json();
      const logKey = (await (await fetch(`${url}/log/key`)).text()).trim();
      assert.deepEqual({ ...served.anchor_receipt, log: { ...served.anchor_receipt.log, checkpoint: null } }, receipt);
      const servedFile = join(dir, "served.json");
      writeFileSync(servedFile, JSON.stringify(served.anchor_receipt));
      const complete = await hardhat(["anchor:verify", "--receipt", servedFile, "--rpc-url", chain.url, "--contract", contract, "--log-key", logKey]);
      assert.equal(complete.code, 0, complete.stdout + complete.stderr);
      assert.match(complete.stdout, /^VERIFIED: e2e-3 is entry 4 of the log/m);
      const offline = await hardhat(["anchor:verify", "--receipt", servedFile, "--offline", "--log-key", logKey]);
      assert.equal(offline.code, 0, offline.stdout + offline.stderr);
      assert.match(offline.stdout, /skip +on chain +not checked on chain \(offline\)/);
      assert.doesNotMatch(offline.stdout, /^VERIFIED:/m, "a skipped step is never reported as verified");

      // The kppe command, outside Hardhat: fetch the receipt, check the checkpoint and the receipt.
      const fetched = join(dir, "fetched.json");
      const got = await kppe(["receipt", "e2e-3", "--url", url, "--out", fetched]);
      assert.equal(got.code, 0, got.stdout + got.stderr);
      assert.deepEqual(JSON.parse(readFileSync(fetched, "utf8")), served.anchor_receipt);
      const checkpoint = await kppe(["checkpoint", "--url", url, "--log-key", logKey]);
      assert.equal(checkpoint.code, 0, checkpoint.stdout + checkpoint.stderr);
      assert.match(checkpoint.stdout, /: size 5, root 0x[0-9a-f]{64} \(signature checked\)/);
      const cli = await kppe(["verify", fetched, "--rpc-url", chain.url, "--contract", contract, "--log-key", logKey, "--require-all"]);
      assert.equal(cli.code, 0, cli.stdout + cli.stderr);
      assert.match(cli.stdout, /^VERIFIED: /m);
      const cliOffline = await kppe(["verify", fetched, "--log-key", logKey, "--json"]);
      assert.equal(cliOffline.code, 0, "offline, nothing failed: exit 0 ...");
      const report = JSON.parse(cliOffline.stdout) as { verdict: { status: string; skipped: string[] } };
      assert.deepEqual([report.verdict.status, report.verdict.skipped], ["verified-except", ["on chain"]], "... but the verdict says what was not checked");
      const strict = await kppe(["verify", fetched, "--log-key", logKey, "--require-all"]);
      assert.equal(strict.code, 1, "with --require-all, a check not made fails the run");
      const cliOther = await kppe(["verify", fetched, "--rpc-url", chain.url, "--contract", "0x" + "12".repeat(20)]);
      assert.equal(cliOther.code, 1, cliOther.stdout + cliOther.stderr);
      assert.match(cliOther.stdout, /FAIL +contract +the receipt names 0x[0-9a-f]{40}, the verifier trusts 0x1212/);

      // A receipt naming a contract the verifier does not trust fails, naming both.
      const elsewhere = join(dir, "elsewhere.json");
      writeFileSync(elsewhere, JSON.stringify({ ...receipt, anchor: { ...receipt.anchor, contract: "0x" + "12".repeat(20) } }));
      const untrusted = await hardhat(["anchor:verify", "--receipt", elsewhere, "--rpc-url", chain.url, "--contract", contract]);
      assert.equal(untrusted.code, 1, untrusted.stdout + untrusted.stderr);
      assert.match(untrusted.stdout, /FAIL +contract +the receipt names 0x1212/);

      // A receipt whose event was altered does not verify, and the exit code says so.
      const tampered = { ...receipt, event: { ...receipt.event, body: { ...bodies[3], order: 99 } } };
      const tamperedFile = join(dir, "tampered.json");
      writeFileSync(tamperedFile, JSON.stringify(tampered));
      const refused = await hardhat(["anchor:verify", "--receipt", tamperedFile, "--rpc-url", chain.url, "--contract", contract]);
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stdout, /FAIL +client hash/);
      assert.match(refused.stdout, /NOT VERIFIED/);
    } finally {
      await gateway.close();
      await chain.close();
    }
  });

  it("names receipt files so that no event id can reach another folder or be too long for a file system", function () {
    assert.equal(receiptFileName("order-42"), "order-42.json");
    assert.equal(receiptFileName("../../etc/passwd"), "..%2F..%2Fetc%2Fpasswd.json");
    assert.equal(receiptFileName("a\\b c"), "a%5Cb%20c.json");
    const long = receiptFileName("é".repeat(128));
    assert.ok(Buffer.byteLength(long) <= 255, `${Buffer.byteLength(long)} bytes`);
    assert.notEqual(long, receiptFileName("é".repeat(127) + "è"), "shortened names stay distinct");
  });

  it("anchor --once gives up after --timeout-ms on a chain that makes no blocks, saying so; the next run continues the batch", async () => {
    const dir = tempDirectory("kppe-e2e-timeout-");
    const file = join(dir, "ledger.sqlite");
    const chain = await startLocalChain({ blockMs: 0 }); // mines only on transactions, like npx hardhat node
    try {
      const contract = await (await chain.deployAnchor(devWallet(0).address)).getAddress();
      const store = new SqliteStore(file);
      await appendEvents(store, 3, "timeout");
      await store.close();
      const common = ["--rpc-url", chain.url, "--store", file, "--contract", contract];
      const stuck = await hardhat(["anchor", "--once", "--timeout-ms", "3000", ...common], { env: { PRIVATE_KEY: "" } });
      assert.equal(stuck.code, 1, stuck.stdout + stuck.stderr);
      assert.match(stuck.stdout, /TX submitted: 0x[0-9a-f]{64} \| batch #1, nonce \d+ \| waiting for 2 confirmation\(s\)/);
      assert.match(stuck.stderr, /ERROR: --once gave up after 3 s: .*Everything done so far is recorded; the next run continues from there/);
      const resumed = await hardhat(["anchor", "--once", "--confirmations", "1", ...common], { env: { PRIVATE_KEY: "" } });
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      assert.match(resumed.stdout, /Resuming batch #1 \(submitted, sequences 1\.\.3\)/);
      assert.match(resumed.stdout, /Batch #1 confirmed in block \d+ \| 3 events anchored/);
    } finally {
      await chain.close();
    }
  });

  it("the main job (npm start) runs the whole pipeline and verifies its receipts", async () => {
    const result = await hardhat(["run", "scripts/main.ts"], { env: { KPPE_MAIN_ONCE: "1", DEMO_EVENTS: "5" }, timeoutMs: 90_000 });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /KPPEAnchor deployed by Ignition at 0x[0-9a-f]{40}/);
    assert.match(result.stdout, /Batch #1 confirmed in block \d+ \| 5 events anchored/);
    assert.match(result.stdout, /5\/5 receipts written to data\/main\/receipts\/ and verified offline and on-chain/);
    assert.match(result.stdout, /npx hardhat anchor:verify --rpc-url http:\/\/127\.0\.0\.1:\d+ --contract 0x[0-9a-f]{40} --log-key \S+ --receipt data\/main\/receipts\//);
  });
});

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { GatewayClient } from "../../src/client/gateway.ts";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import type { AnchorReceipt } from "../../src/receipt/format.ts";
import { eventHash } from "../../src/hashing/eventHash.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { devWallet, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { sqliteFixture } from "../helpers/stores.ts";

/** Debian's chromium (installed by .ci/run), or CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// The verifier page served by a real gateway, in real headless Chromium, checking a real receipt
// anchored on a chain with Base's chain id: a good one verifies, each tampered part is named, and
// offline checks send no request at all.
describe("the receipt verifier page in headless Chromium", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let store: LedgerStore;
  let gateway: Gateway;
  let url: string;
  let contract: string;
  let logKey: string;
  let receipt: AnchorReceipt;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      SKIPPED: no Chromium at ${CHROMIUM} (install Debian's chromium package, as .ci/run does, or set CHROMIUM_PATH)`);
      this.skip();
    }
    chain = await startLocalChain({ networkName: "baseLocal" });
    store = await sqliteFixture().open();
    contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
    gateway = createGateway({ store, port: 0, logLevel: false });
    url = await gateway.listen();
    const client = new GatewayClient({ url });
    for (let i = 0; i < 5; i++) await client.submit({ data: { order: i }, sourceId: "shop", eventId: `page-${i}` });
    const keeper = await openKeeper({ store, url: chain.url, contract });
    await keeper.cycle();
    receipt = (await client.waitForAnchor("page-3", { timeoutMs: 30_000, pollMs: 100 })) as AnchorReceipt;
    logKey = (await (await fetch(`${url}/log/key`)).text()).trim();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });

  after(async function () {
    await browser?.close();
    await gateway?.close();
    await store?.close();
    await chain?.close();
  });

  beforeEach(async function () {
    page = await browser.newPage();
    await page.goto(`${url}/verify`);
    await page.waitForSelector("body[data-ready=true]");
  });
  afterEach(async function () {
    await page.close();
  });

  /** Fills the form, clicks Verify, and returns the verdict and each check's result. */
  async function verify(input: { receipt: unknown; logKey?: string; rpcUrl?: string; contract?: string }) {
    await page.fill("#receipt", typeof input.receipt === "string" ? input.receipt : JSON.stringify(input.receipt, null, 2));
    await page.fill("#log-key", input.logKey ?? "");
    await page.fill("#rpc-url", input.rpcUrl ?? "");
    await page.fill("#contract", input.contract ?? "");
    await page.click("#verify");
    await page.waitForSelector("#verdict:not([data-status=running])");
    const status = await page.getAttribute("#verdict", "data-status");
    const line = await page.textContent("#verdict");
    const checks = Object.fromEntries(
      await page.$$eval("#checks tr", (rows) => rows.map((row) => [(row as HTMLElement).dataset.check!, (row as HTMLElement).dataset.result!] as [string, string])),
    );
    return { status, line, checks, claim: await page.textContent("#claim"), links: await page.$$eval("#links a", (as) => as.map((a) => (a as HTMLAnchorElement).href)) };
  }

  it("verifies a good receipt offline with no request leaving the page, and says the chain was not checked", async function () {
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    const result = await verify({ receipt, logKey });
    assert.equal(result.status, "verified-except", result.line ?? "");
    assert.match(result.line!, /VERIFIED EXCEPT what was not checked \(on chain\)/);
    assert.equal(result.checks["on chain"], "not-checked");
    for (const name of ["client hash", "entry hash", "content hash", "log position", "log leaf", "log inclusion", "batch range", "checkpoint signature", "batch membership"]) {
      assert.equal(result.checks[name], "pass", name);
    }
    assert.match(result.claim!, /receipt of page-3: sequence 4, batch #1 .* anchored on chain 8453 at \d{4}-\d\d-\d\dT/);
    assert.deepEqual(requests, [], "offline verification sends no request");
  });

  it("verifies it on chain through an RPC URL, with links to the transaction and contract on Base's explorer", async function () {
    const result = await verify({ receipt, logKey, rpcUrl: chain.url, contract });
    assert.equal(result.status, "verified", `${result.line} ${JSON.stringify(result.checks)}`);
    for (const name of ["chain", "contract", "anchoring transaction", "anchoring event", "block time", "batch on chain", "checkpoint event", "verifyLogInclusion", "verifyProofView"]) {
      assert.equal(result.checks[name], "pass", name);
    }
    assert.deepEqual(result.links, [`https://basescan.org/tx/${receipt.anchor.tx_hash}`, `https://basescan.org/address/${receipt.anchor.contract}#readContract`]);
    if (process.env.KPPE_SCREENSHOT) await page.screenshot({ path: process.env.KPPE_SCREENSHOT, fullPage: true });
  });

  it("names the check that fails for a tampered entry, proof, checkpoint or contract", async function () {
    const tampered = (change: (r: AnchorReceipt) => void) => {
      const copy = structuredClone(receipt);
      change(copy);
      return copy;
    };
    // The entry moved to another position, its event_hash recomputed as a forger would.
    const moved = tampered((r) => {
      r.ledger_entry.fifo_sequence = 2;
      r.ledger_entry.event_hash = eventHash({ ...r.event, ...r.ledger_entry });
    });
    const entry = await verify({ receipt: moved, logKey });
    assert.equal(entry.status, "not-verified");
    assert.equal(entry.checks["log position"], "fail");

    const proof = await verify({ receipt: tampered((r) => (r.log!.proof[0] = "0x" + "11".repeat(32))), logKey });
    assert.equal(proof.status, "not-verified");
    assert.equal(proof.checks["log inclusion"], "fail");
    assert.equal(proof.checks["log position"], "pass", "only the broken check fails");

    const checkpoint = await verify({ receipt: tampered((r) => (r.log!.checkpoint = r.log!.checkpoint!.replace(`\n${r.log!.size}\n`, `\n${r.log!.size + 1}\n`))), logKey });
    assert.equal(checkpoint.status, "not-verified");
    assert.equal(checkpoint.checks["checkpoint signature"], "fail");

    const elsewhere = await verify({ receipt: tampered((r) => (r.anchor.contract = "0x" + "12".repeat(20))), logKey, rpcUrl: chain.url, contract });
    assert.equal(elsewhere.status, "not-verified");
    assert.equal(elsewhere.checks.contract, "fail");
  });

  it("explains input it cannot use instead of failing silently", async function () {
    const garbage = await verify({ receipt: "{not json" });
    assert.equal(garbage.status, "error");
    assert.match(garbage.line!, /Cannot verify: receipt: not valid JSON/);
    const noContract = await verify({ receipt, rpcUrl: chain.url, contract: "nope" });
    assert.match(noContract.line!, /KPPEAnchor address: "nope" is not an address/);
  });
});

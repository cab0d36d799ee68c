import assert from "node:assert/strict";
import { clientHash } from "../../src/hashing/canonical.ts";
import { contentHash, Ledger } from "../../src/ledger/ledger.ts";
import { generateSignerKey, parseSignerKey, signCheckpoint, verifierKeyOf } from "../../src/log/note.ts";
import { receiptFromStore } from "../../src/receipt/assemble.ts";
import { verifyOnChain } from "../../src/receipt/onchain.ts";
import { eventHash, KppeError, parseReceipt, RECEIPT_FORMAT, verifyReceiptOffline, type AnchorReceipt } from "../../src/sdk/index.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { reportChecks } from "../../tasks/checks.ts";
import { appendEvents, devWallet, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { sqliteFixture } from "../helpers/stores.ts";

// Real receipts from the real pipeline (ledger, log, keeper, KPPEAnchor on the in-process
// chain), then every attack of issue 15 tried on them, offline and on chain.
describe("anchor receipts, version 2: what they prove and the attacks they refuse", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let store: LedgerStore;
  let contract: string;
  let receipts: AnchorReceipt[];
  let otherData: AnchorReceipt;
  const signer = parseSignerKey(generateSignerKey("receipts.example/log"));
  const logKey = verifierKeyOf(signer);
  const sign = (size: number, root: string) => signCheckpoint(size, root, signer);

  before(async function () {
    chain = await startLocalChain();
    store = await sqliteFixture().open();
    contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
    const first = await appendEvents(store, 5, "r");
    const keeper = await openKeeper({ store, url: chain.url, contract });
    await keeper.cycle();
    const second = await appendEvents(store, 4, "s"); // a second batch: its consistency proof is checked on chain
    await keeper.cycle();
    receipts = await Promise.all([...first, ...second].map(async (id) => (await receiptFromStore(store, id, { sign }))!));
    // An event whose data is not the body its client hashed (the gateway never hashes data).
    const body = { order: 7 };
    await new Ledger(store).submit([{ version: "0.1", event_id: "other-data", payload_hash: clientHash(body), source_id: "test", local_timestamp: null, previous_event_hash: null, data: { note: "not the body" } }]);
    await keeper.cycle();
    otherData = (await receiptFromStore(store, "other-data", { sign }))!;
  });
  after(async function () {
    await store.close();
    await chain.close();
  });

  const copy = (i = 6) => structuredClone(receipts[i]);
  const failed = (receipt: unknown, options = {}) => verifyReceiptOffline(receipt, { logKey, ...options }).checks.filter((c) => !c.ok && !c.skipped).map((c) => c.name);
  const onChainFailed = async (receipt: AnchorReceipt, trusted = contract) =>
    (await verifyOnChain(receipt, chain.provider, { contract: trusted })).filter((c) => !c.ok && !c.skipped).map((c) => c.name);
  /** Changes entry fields and recomputes event_hash, as a forger would. */
  const reHash = (r: AnchorReceipt) => (r.ledger_entry.event_hash = eventHash({ ...r.event, ...r.ledger_entry }));

  it("a receipt proves its entry at its position: every check passes offline with the log key, and on chain", async function () {
    for (const receipt of receipts) {
      assert.equal(receipt.format, RECEIPT_FORMAT);
      const offline = verifyReceiptOffline(JSON.stringify(receipt), { logKey });
      assert.equal(offline.ok, true, JSON.stringify(offline.checks));
      assert.deepEqual(offline.skipped, [], "nothing is left unchecked when the body, data and log key are there");
      assert.equal(receipt.log!.index, receipt.ledger_entry.fifo_sequence - 1);
      assert.deepEqual(await onChainFailed(receipt), []);
    }
    assert.equal(receipts[6].batch.batch_id, "2");
    assert.ok(receipts[6].anchor.block_time! > 1_700_000_000, "the anchoring time is in the receipt");
  });

  for (const field of ["fifo_sequence", "event_id", "source_id", "observed_prev_hash"] as const) {
    it(`refuses a receipt whose ${field} was changed and event_hash recomputed (offline and on chain)`, async function () {
      const r = copy();
      if (field === "fifo_sequence") r.ledger_entry.fifo_sequence += 1;
      else if (field === "event_id") r.event.event_id = "forged-id";
      else if (field === "source_id") r.event.source_id = "forged-source";
      else r.ledger_entry.observed_prev_hash = "0x" + "ab".repeat(32);
      reHash(r);
      assert.ok(failed(r).includes("log inclusion"), `offline: ${failed(r)}`);
      assert.ok((await onChainFailed(r)).includes("verifyLogInclusion"));
    });
  }

  it("refuses an accepted_at later than the block that anchored it (earlier ones are the gateway's word: docs/formats.md)", function () {
    const r = copy();
    r.ledger_entry.accepted_at = "2099-01-01T00:00:00.000Z";
    assert.deepEqual(failed(r), ["accepted before anchoring"]);
  });

  it("refuses swapped positions: another K-PPE leaf index, another log index", async function () {
    const r = copy(6);
    r.batch.leaf_index = 0;
    r.verify_proof_view.leafIndex = "0";
    assert.ok(failed(r).includes("batch range"), `${failed(r)}`);
    const s = copy(6);
    s.log!.index = 5;
    assert.ok(failed(s).includes("log position"));
    assert.ok((await onChainFailed(s)).includes("verifyLogInclusion"));
  });

  it("refuses rewritten data, even with content_hash recomputed", async function () {
    const r = copy();
    r.ledger_entry.data = { forged: true };
    r.ledger_entry.content_hash = contentHash({ ...r.event, previous_event_hash: r.event.previous_event_hash ?? null, version: "0.1", data: r.ledger_entry.data });
    assert.ok(failed(r).includes("log inclusion"));
    assert.ok((await onChainFailed(r)).includes("verifyLogInclusion"));
  });

  it("refuses another transaction or block, and checks the anchoring event", async function () {
    const r = copy();
    r.anchor.block_number += 1;
    assert.ok((await onChainFailed(r)).includes("anchoring transaction"));
    const s = copy();
    s.anchor.tx_hash = receipts[0].anchor.tx_hash; // batch 1's transaction
    assert.ok((await onChainFailed(s)).includes("anchoring event"));
  });

  it("refuses a receipt that names the attacker's own KPPEAnchor, naming both contracts", async function () {
    const theirs = await chain.deployAnchor(devWallet(1).address);
    const r = copy();
    r.anchor.contract = (await theirs.getAddress()).toLowerCase();
    const checks = await verifyOnChain(r, chain.provider, { contract });
    const check = checks.find((c) => c.name === "contract")!;
    assert.equal(check.ok, false);
    assert.match(check.detail, new RegExp(`names ${r.anchor.contract}.*trusts ${contract.toLowerCase()}`));
  });

  it("checks the checkpoint with the verifier's log key, never the receipt's, and says when it could not", function () {
    const other = verifierKeyOf(parseSignerKey(generateSignerKey("receipts.example/log")));
    assert.deepEqual(failed(copy(), { logKey: other }), ["checkpoint signature"]);
    const r = copy();
    r.log!.checkpoint = signCheckpoint(r.log!.size, "0x" + "cd".repeat(32), signer); // signed, but another root
    assert.deepEqual(failed(r), ["checkpoint signature"]);
    const offline = verifyReceiptOffline(copy(), {});
    assert.equal(offline.ok, true);
    assert.deepEqual(offline.skipped, ["checkpoint signature"], "without a key the signature is reported as not checked");
  });

  it("refuses receipt JSON with a key twice, naming it", function () {
    const text = JSON.stringify(copy()).replace('"fifo_sequence":', '"fifo_sequence":1,"fifo_sequence":');
    assert.throws(() => parseReceipt(text), (e: unknown) => e instanceof KppeError && /ledger_entry\.fifo_sequence appears twice/.test(e.message));
  });

  it("says when the entry's data is not the body the client hashed, instead of leaving it out silently", function () {
    assert.equal(otherData.event.body, undefined, "data that does not hash to payload_hash is not offered as the body");
    const result = verifyReceiptOffline(otherData, { logKey });
    assert.equal(result.ok, true, JSON.stringify(result.checks));
    assert.deepEqual(result.skipped, ["client hash"]);
    assert.match(result.checks.find((c) => c.name === "client hash")!.detail, /the entry's data is not the body the client hashed \(keccak256 of its canonical JSON is 0x[0-9a-f]{64}, payload_hash is 0x[0-9a-f]{64}\): give the body with --body/);
    assert.equal(result.checks.find((c) => c.name === "content hash")!.ok, true, "what was stored is what was sent");
    const withBody = verifyReceiptOffline(otherData, { logKey, eventBody: { order: 7 } });
    assert.deepEqual([withBody.ok, withBody.skipped], [true, []], "given the body, everything is checked");
  });

  it("reads a version 1 receipt and says it proves no position", function () {
    const r = copy();
    const v1 = {
      format: "kppe-receipt/1",
      event: r.event,
      ledger_entry: { fifo_sequence: r.ledger_entry.fifo_sequence, observed_prev_hash: r.ledger_entry.observed_prev_hash, event_hash: r.ledger_entry.event_hash, accepted_at: r.ledger_entry.accepted_at },
      batch: { batch_id: r.batch.batch_id, leaf_index: r.batch.leaf_index, event_count: r.batch.event_count, tree_depth: r.batch.tree_depth, root: r.batch.root, prev_root: r.batch.prev_root, proof: r.batch.proof },
      anchor: { chain_id: r.anchor.chain_id, contract: r.anchor.contract, tx_hash: r.anchor.tx_hash, block_number: r.anchor.block_number },
      verify_proof_view: r.verify_proof_view,
    };
    const offline = verifyReceiptOffline(v1);
    assert.equal(offline.ok, true);
    assert.ok(offline.skipped.includes("log position"));
    assert.match(offline.checks.find((c) => c.name === "log position")!.detail, /not proven/);
  });

  it("a report never says a bare VERIFIED when something was not checked", function () {
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      const offline = verifyReceiptOffline(copy(), { logKey });
      reportChecks([...offline.checks, { name: "on chain", ok: false, skipped: true, detail: "not checked on chain (--offline)" }], "x");
    } finally {
      console.log = log;
    }
    assert.match(lines.at(-1)!, /^VERIFIED EXCEPT what was not checked \(on chain\)/);
    assert.ok(lines.some((l) => l.startsWith("skip  on chain")));
  });

  it("still checks the client hash of a body given beside the receipt", function () {
    const r = copy();
    const body = r.event.body;
    delete r.event.body;
    assert.deepEqual(failed(r, { eventBody: body }), []);
    assert.deepEqual(failed(r, { eventBody: { other: true } }), ["client hash"]);
  });
});

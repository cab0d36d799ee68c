import assert from "node:assert/strict";
import { network } from "hardhat";
import {
  buildReceipt,
  clientHash,
  eventHash,
  GENESIS_PREV_HASH,
  KppeError,
  KppeTree,
  parseReceipt,
  verifyReceiptOffline,
  type AnchorReceipt,
} from "../../src/sdk/index.ts";
import { verifyOnChain } from "../../src/receipt/onchain.ts";
import { ZERO_HASH } from "../helpers/random.ts";

const CONTRACT = "0x" + "12".repeat(20);

/** Five events chained as a ledger, one batch over them, receipts for all. */
function sampleBatch(anchor: { chainId?: number; contract?: string } = {}) {
  let prev = GENESIS_PREV_HASH;
  const events = Array.from({ length: 5 }, (_, i) => {
    const body = { type: "page_view", data: { path: `/p/${i}`, n: i } };
    const event = { version: "0.1", event_id: `evt-${i}`, payload_hash: clientHash(body), source_id: "app", local_timestamp: null, body };
    const fields = { ...event, fifo_sequence: i + 1, observed_prev_hash: prev };
    const ledgerEntry = { fifo_sequence: i + 1, observed_prev_hash: prev, event_hash: eventHash(fields), accepted_at: "2026-11-23T12:00:00Z" };
    prev = ledgerEntry.event_hash;
    return { event, ledgerEntry };
  });
  const tree = KppeTree.fromHex(events.map((e) => e.event.payload_hash));
  const receipts = events.map((e, i) =>
    buildReceipt({
      ...e,
      batchId: 1,
      leafIndex: i,
      tree,
      prevRoot: ZERO_HASH,
      anchor: { chain_id: anchor.chainId ?? 31337, contract: anchor.contract ?? CONTRACT, tx_hash: "0x" + "cd".repeat(32), block_number: 7 },
    }),
  );
  return { tree, receipts };
}

const failed = (receipt: unknown, options = {}) =>
  verifyReceiptOffline(receipt, options).checks.filter((c) => !c.ok).map((c) => c.name);

describe("anchor receipts", function () {
  it("verify offline, every check reported, and survive a JSON round trip", function () {
    const { receipts } = sampleBatch();
    for (const receipt of receipts) {
      const result = verifyReceiptOffline(JSON.stringify(receipt));
      assert.equal(result.ok, true, JSON.stringify(result.checks));
      assert.deepEqual(
        result.checks.map((c) => c.name),
        ["client hash", "ledger entry hash", "tree depth", "proof length", "leaf index", "proof to root", "explorer arguments"],
      );
    }
  });

  it("carry verifyProofView's arguments as an explorer's Read Contract form takes them", function () {
    const { receipts, tree } = sampleBatch();
    const args = receipts[3].verify_proof_view;
    assert.equal(args.batchId, "1");
    assert.equal(args.leafIndex, "3");
    assert.equal(args.eventHash, receipts[3].event.payload_hash);
    assert.equal(args.proof, `[${tree.proof(3).join(",")}]`);
  });

  const tampering: Array<[string, (r: AnchorReceipt) => void, string[]]> = [
    ["the event body", (r) => ((r.event.body as { data: { n: number } }).data.n = 99), ["client hash"]],
    ["the payload hash", (r) => (r.event.payload_hash = "0x" + "ee".repeat(32)), ["client hash", "ledger entry hash", "proof to root", "explorer arguments"]],
    ["the sequence", (r) => (r.ledger_entry.fifo_sequence = 9), ["ledger entry hash"]],
    ["the event hash", (r) => (r.ledger_entry.event_hash = "0x" + "ee".repeat(32)), ["ledger entry hash"]],
    ["a proof element", (r) => (r.batch.proof[1] = "0x" + "ee".repeat(32)), ["proof to root", "explorer arguments"]],
    ["the root", (r) => (r.batch.root = "0x" + "ee".repeat(32)), ["proof to root"]],
    ["the leaf index", (r) => (r.batch.leaf_index = 5), ["leaf index", "proof to root", "explorer arguments"]],
    ["the event count", (r) => (r.batch.event_count = 9), ["tree depth", "proof to root"]],
    ["the explorer batch id", (r) => (r.verify_proof_view.batchId = "2"), ["explorer arguments"]],
  ];
  for (const [what, tamper, expected] of tampering) {
    it(`name the failing checks when ${what} is changed`, function () {
      const receipt = structuredClone(sampleBatch().receipts[2]);
      tamper(receipt);
      assert.deepEqual(failed(receipt), expected);
    });
  }

  it("check a body given beside a receipt that carries none", function () {
    const receipt = structuredClone(sampleBatch().receipts[0]);
    const body = receipt.event.body;
    delete receipt.event.body;
    assert.match(verifyReceiptOffline(receipt).checks[0].detail, /skipped/);
    assert.deepEqual(failed(receipt, { eventBody: body }), []);
    assert.deepEqual(failed(receipt, { eventBody: { other: true } }), ["client hash"]);
  });

  const malformed: Array<[string, (r: Record<string, any>) => void, RegExp]> = [
    ["not JSON", () => undefined, /not valid JSON/],
    ["a wrong format tag", (r) => (r.format = "kppe-receipt/0"), /format:/],
    ["a short root", (r) => (r.batch.root = "0x1234"), /batch\.root: expected 0x followed by 64 lower-case hex digits/],
    ["a numeric batch id", (r) => (r.batch.batch_id = 1), /batch\.batch_id:/],
    ["a negative leaf index", (r) => (r.batch.leaf_index = -1), /batch\.leaf_index:/],
    ["a bad proof element", (r) => (r.batch.proof[0] = "0xZZ"), /batch\.proof\.0:/],
    ["a bad contract address", (r) => (r.anchor.contract = "0x12"), /anchor\.contract:/],
    ["a missing ledger entry", (r) => delete r.ledger_entry, /ledger_entry:/],
    ["an unknown field", (r) => (r.batch.extra = 1), /batch: .*extra/i],
  ];
  for (const [what, tamper, message] of malformed) {
    it(`refuse a receipt with ${what}, naming the field`, function () {
      const receipt = structuredClone(sampleBatch().receipts[0]) as Record<string, any>;
      tamper(receipt);
      const input = what === "not JSON" ? "{not json" : receipt;
      assert.throws(() => parseReceipt(input), (e: unknown) => e instanceof KppeError && e.code === "BAD_RECEIPT" && message.test(e.message));
    });
  }

  it("verify against the chain: getBatch and verifyProofView agree; another chain is refused", async function () {
    const { ethers } = await network.create();
    const [owner] = await ethers.getSigners();
    const anchor = await ethers.deployContract("KPPEAnchor", [owner.address]);
    await (await anchor.setAuthorized(owner.address, true)).wait();
    const { chainId } = await ethers.provider.getNetwork();
    const { receipts, tree } = sampleBatch({ chainId: Number(chainId), contract: await anchor.getAddress() });
    await (await anchor.anchorMerkleRoot(1, tree.root, tree.leafCount, tree.depth, 1_700_000_000)).wait();

    for (const receipt of receipts) {
      const checks = await verifyOnChain(receipt, ethers.provider);
      assert.deepEqual(checks.map((c) => [c.name, c.ok]), [["chain id", true], ["batch on chain", true], ["verifyProofView", true]]);
    }
    const forged = structuredClone(receipts[1]);
    forged.event.payload_hash = "0x" + "ee".repeat(32);
    assert.deepEqual((await verifyOnChain(forged, ethers.provider)).map((c) => c.ok), [true, true, false]);
    const elsewhere = structuredClone(receipts[1]);
    elsewhere.anchor.chain_id = 8453;
    assert.deepEqual((await verifyOnChain(elsewhere, ethers.provider)).map((c) => c.ok), [false]);
  });
});

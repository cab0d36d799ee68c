import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";
import { generateSignerKey, openCheckpoint, parseVerifierKey } from "../../src/log/note.ts";
import { clientHash, logLeafHash, logRoot, verifyConsistency, verifyInclusion } from "../../src/sdk/index.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

let n = 0;
function event() {
  n++;
  const body = { type: "log", n };
  return { version: "0.1", event_id: `log-${process.pid}-${n}`, payload_hash: clientHash(body), source_id: "web", local_timestamp: null, data: body };
}

const json = async (response: Response) => ({ status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> });

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`gateway log API on ${kind}: checkpoints and RFC 9162 proofs`, function () {
    this.timeout(60_000);
    let fixture: StoreFixture;
    let gateway: Gateway;
    let url: string;
    const signerKey = generateSignerKey("test.example/log");

    beforeEach(async function () {
      fixture = makeFixture();
      // With the store's location, integration runs on its worker thread, on its own connection.
      gateway = createGateway({ store: await fixture.open(), port: 0, logLevel: false, logKey: signerKey, storeLocation: fixture.location });
      url = await gateway.listen();
    });
    afterEach(async function () {
      await gateway.close();
      await fixture.cleanup();
    });

    /** Submits `count` events and waits until the served checkpoint covers them. */
    async function submitAndIntegrate(count: number) {
      const events = Array.from({ length: count }, event);
      const response = await fetch(`${url}/submit_batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
      assert.equal(response.status, 200);
      const verifier = parseVerifierKey(await (await fetch(`${url}/log/key`)).text());
      const deadline = Date.now() + 10_000;
      while (true) {
        const checkpoint = openCheckpoint(await (await fetch(`${url}/checkpoint`)).text(), verifier);
        if (checkpoint.size >= n) return { events, checkpoint };
        assert.ok(Date.now() < deadline, `the log did not reach ${n} entries in 10 s (at ${checkpoint.size})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    async function ledgerLeaves(): Promise<string[]> {
      const lines = (await (await fetch(`${url}/stream?from_sequence=1`)).text()).trim().split("\n").map((l) => JSON.parse(l) as LedgerEntry);
      return lines.map((e) => logLeafHash(e.event_hash, e.content_hash));
    }

    beforeEach(() => (n = 0));

    it("follows the ledger off the submit path and serves a checkpoint signed by its log key, over every entry served", async function () {
      const { checkpoint } = await submitAndIntegrate(37);
      assert.equal(checkpoint.origin, "test.example/log");
      assert.equal(checkpoint.size, 37);
      assert.equal(checkpoint.root, logRoot(await ledgerLeaves()), "the root commits to every entry the stream serves, content_hash included");
    });

    it("serves inclusion proofs by event id and by index, and the receipt carries one", async function () {
      const { events, checkpoint } = await submitAndIntegrate(20);
      const leaves = await ledgerLeaves();
      const byId = await json(await fetch(`${url}/proof/inclusion?event_id=${events[6].event_id}`));
      assert.equal(byId.status, 200);
      assert.equal(byId.body.index, 6, "index = fifo_sequence - 1");
      assert.equal(verifyInclusion({ index: 6, size: checkpoint.size, leafHash: leaves[6], proof: byId.body.proof, root: checkpoint.root }), true);
      assert.equal(openCheckpoint(byId.body.checkpoint, parseVerifierKey(gateway.logService.verifierKey)).root, checkpoint.root);
      const byIndex = await json(await fetch(`${url}/proof/inclusion?index=3&size=9`));
      assert.equal(verifyInclusion({ index: 3, size: 9, leafHash: byIndex.body.leaf_hash, proof: byIndex.body.proof, root: logRoot(leaves.slice(0, 9)) }), true);
      const receipt = await json(await fetch(`${url}/receipts/${events[12].event_id}`));
      assert.equal(receipt.body.log.index, 12);
      assert.equal(verifyInclusion({ index: 12, size: receipt.body.log.size, leafHash: leaves[12], proof: receipt.body.log.proof, root: receipt.body.log.root }), true);
    });

    it("serves consistency proofs between any two sizes it has integrated", async function () {
      await submitAndIntegrate(30);
      const leaves = await ledgerLeaves();
      for (const [from, to] of [[1, 30], [7, 19], [16, 30], [30, 30]]) {
        const { status, body } = await json(await fetch(`${url}/proof/consistency?from=${from}&to=${to}`));
        assert.equal(status, 200);
        assert.equal(body.root2, logRoot(leaves.slice(0, to)));
        assert.equal(verifyConsistency({ size1: from, size2: to, root1: logRoot(leaves.slice(0, from)), root2: body.root2, proof: body.proof }), true, `${from} -> ${to}`);
      }
    });

    it("a proof at a size the checkpoint has just reached is served at once, though the gateway keeps the log size it read a moment ago", async function () {
      await submitAndIntegrate(5);
      assert.equal((await fetch(`${url}/proof/inclusion?index=0&size=5`)).status, 200); // the size 5 is now remembered
      for (let round = 0; round < 3; round++) {
        const { checkpoint } = await submitAndIntegrate(3);
        const [inclusion, consistency] = await Promise.all([
          json(await fetch(`${url}/proof/inclusion?index=${checkpoint.size - 1}&size=${checkpoint.size}`)),
          json(await fetch(`${url}/proof/consistency?from=5&to=${checkpoint.size}`)),
        ]);
        assert.equal(inclusion.status, 200, JSON.stringify(inclusion.body));
        assert.equal(consistency.status, 200, JSON.stringify(consistency.body));
      }
    });

    it("refuses bad or out-of-range parameters with the documented error body, naming the field and the log size", async function () {
      await submitAndIntegrate(5);
      const cases: Array<[string, string, RegExp]> = [
        ["/proof/inclusion?index=0x1", "index", /expected event_id, or index/],
        ["/proof/inclusion?index=1&size=6", "size", /6 is beyond the log, which has 5 integrated entries/],
        ["/proof/inclusion?index=5&size=5", "index", /5 is not below the tree size 5/],
        ["/proof/inclusion?index=1&size=1e3", "size", /expected a decimal integer/],
        ["/proof/consistency?from=0&to=5", "from", /proof from the empty tree proves nothing/],
        ["/proof/consistency?from=4&to=3", "from", /4 is above to \(3\)/],
        ["/proof/consistency?from=1&to=99", "to", /99 is beyond the log/],
      ];
      for (const [path, field, message] of cases) {
        const { status, body } = await json(await fetch(url + path));
        assert.equal(status, 400, path);
        assert.equal(body.error, "ERR_BAD_FORMAT", path);
        assert.equal(body.field, field, path);
        assert.match(body.message, message, path);
      }
      const missing = await json(await fetch(`${url}/proof/inclusion?event_id=nope`));
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error, "NOT_FOUND");
    });

    it("serves the log as C2SP tlog-tiles: an independent reader rebuilds the checkpoint's root from tiles and entry bundles", async function () {
      // 600 entries: full level-0 tiles 000 and 001, a partial level-0 tile of 88, a partial level-1 tile of 2.
      for (let i = 0; i < 600; i += 200) await submitAndIntegrate(200);
      const verifier = parseVerifierKey(await (await fetch(`${url}/log/key`)).text());
      const checkpoint = openCheckpoint(await (await fetch(`${url}/checkpoint`)).text(), verifier);
      assert.equal(checkpoint.size, 600);
      const get = async (path: string) => {
        const response = await fetch(url + path);
        assert.equal(response.status, 200, path);
        assert.equal(response.headers.get("content-type"), "application/octet-stream");
        return Buffer.from(await response.arrayBuffer());
      };
      const sha = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
      const hashes = (tile: Buffer) => Array.from({ length: tile.length / 32 }, (_, i) => tile.subarray(i * 32, i * 32 + 32));
      const level0 = [...hashes(await get("/tile/0/000")), ...hashes(await get("/tile/0/001")), ...hashes(await get("/tile/0/002.p/88"))];
      assert.equal(level0.length, 600);
      // Entry bundles: uint16 length-prefixed entries, each hashing (RFC 6962 leaf) to its level-0 hash.
      const bundles = [await get("/tile/entries/000"), await get("/tile/entries/001"), await get("/tile/entries/002.p/88")];
      let at = 0;
      for (const bundle of bundles) {
        for (let o = 0; o < bundle.length; o += 66, at++) {
          assert.equal(bundle.readUInt16BE(o), 64);
          assert.deepEqual(sha(Buffer.from([0]), bundle.subarray(o + 2, o + 66)), level0[at], `entry ${at}`);
        }
      }
      // The root, by RFC 6962's recursive definition over the leaf hashes, and level 1 from level 0.
      const mth = (leaves: Buffer[]): Buffer => {
        if (leaves.length === 1) return leaves[0];
        let k = 1;
        while (k * 2 < leaves.length) k *= 2;
        return sha(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
      };
      assert.equal("0x" + mth(level0).toString("hex"), checkpoint.root);
      const level1 = hashes(await get("/tile/1/000.p/2"));
      assert.deepEqual(level1, [mth(level0.slice(0, 256)), mth(level0.slice(256, 512))]);
      for (const missing of ["/tile/0/002", "/tile/0/003", "/tile/0/2", "/tile/1/000", "/tile/64/000", "/tile/entries/002.p/89"]) {
        assert.equal((await fetch(url + missing)).status, 404, missing);
      }
    });
  });
}

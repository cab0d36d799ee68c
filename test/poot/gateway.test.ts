import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Wallet } from "ethers";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { generateSignerKey } from "../../src/log/note.ts";
import { EPOCH_SLOTS, SLOT_SECONDS } from "../../src/poot/params.ts";
import { challengeIndex, taskProofMessage, type TaskProof, type TaskType } from "../../src/poot/taskProof.ts";
import { appendEvents } from "../helpers/chain.ts";
import { hardhat } from "../helpers/hardhatCli.ts";
import { STORE_FIXTURES } from "../helpers/stores.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

// The gateway collects operators' task proofs (POST /poot/proofs): each checked before it is
// stored in task_proofs, published (GET /poot/proofs) for anyone to recompute a schedule, which
// poot:schedule reads, records (work_tally, leader_schedule) and the gateway serves back.
const DEPLOYMENT = "0x00000000000000000000000000000000000000bb";
const SEED = "0x" + "7a".repeat(32);

for (const makeFixture of STORE_FIXTURES) {
  describe(`PoOT task proofs on the gateway (${makeFixture().kind})`, function () {
    this.timeout(120_000);
    const fixture = makeFixture();
    let gateway: Gateway;
    let url: string;
    // Set when the tests start (not when the file loads, minutes earlier in a full run): slot 0
    // started 100 slots ago plus a few seconds, so "now" is early in slot 100.
    let genesis = 0;
    let slot = 0;
    const [a, b, stranger] = [1, 2, 3].map((i) => new Wallet("0x" + String(i + 40).padStart(64, "0")));
    const prove = (wallet: Wallet, type: TaskType, value: TaskProof["value"], at = slot, signer = wallet): TaskProof => {
      const unsigned = { slot: at, node_id: wallet.address, type, value, time: genesis + at * SLOT_SECONDS + 1 };
      return { ...unsigned, signature: signer.signMessageSync(taskProofMessage(DEPLOYMENT, unsigned)) };
    };
    const post = async (body: unknown) => {
      const response = await fetch(`${url}/poot/proofs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { stored: number; refused: Array<{ index: number; reason: string }>; message?: string } };
    };

    before(async () => {
      genesis = Math.floor(Date.now() / 1000) - 100 * SLOT_SECONDS - 3;
      slot = Math.floor((Date.now() / 1000 - genesis) / SLOT_SECONDS);
      const store = await fixture.open();
      await appendEvents(store, 6, "poot");
      gateway = createGateway({ store, port: 0, logLevel: false, logKey: generateSignerKey("poot.example/log"), poot: { deployment: DEPLOYMENT, genesis } });
      url = await gateway.listen();
      await gateway.logService.integrate();
    });
    after(async () => {
      await gateway.close();
      await fixture.cleanup();
    });

    it("stores proofs that check out, and refuses a replay, a forgery, a late proof and a wrong challenge answer, saying why", async () => {
      // Each node answers the entry its challenge asks for (from the slot, its address and the root).
      const root = await gateway.logService.log.root(6);
      const answerAt = async (index: number) => {
        const { leafHash, proof } = await gateway.logService.log.inclusion(index, 6);
        return { index, size: 6, leaf_hash: leafHash, proof };
      };
      const answer = await answerAt(challengeIndex(slot, b.address, 6, root));
      const aIndex = challengeIndex(slot, a.address, 6, root);
      const good = [prove(a, "uptime_beacon", {}), prove(a, "relay_bandwidth", { sessions: 2, bytes: 12_000_000 }), prove(b, "storage_availability", answer)];
      const first = await post({ proofs: good });
      assert.deepEqual(first, { status: 200, body: { stored: 3, refused: [] } });
      const second = await post({
        proofs: [
          good[0],
          prove(stranger, "uptime_beacon", {}, slot, a), // signed by a for the stranger's node id
          prove(b, "uptime_beacon", {}, slot - 2), // made in its slot, but submitted two slots later
          prove(a, "storage_availability", { ...(await answerAt((aIndex + 1) % 6)), index: aIndex }), // the asked index, another entry's proof
          prove(b, "relay_bandwidth", { sessions: -1, bytes: 0 }),
        ],
      });
      assert.equal(second.status, 200);
      assert.equal(second.body.stored, 0);
      const reasons = second.body.refused.map((r) => `${r.index}: ${r.reason}`);
      assert.match(reasons[0], /^0: .*already stored \(one per node, slot and type\)/);
      assert.match(reasons[1], new RegExp(`^1: signed by ${a.address}, not by ${stranger.address}`));
      assert.match(reasons[2], new RegExp(`^2: submitted after slot ${slot - 1} ended: too late to count`));
      assert.match(reasons[3], new RegExp(`^3: the challenge answer does not prove entry ${aIndex} in the log of 6`));
      assert.match(reasons[4], /^4: relay_bandwidth needs whole numbers/);
    });

    it("refuses a malformed request and bounds it; a malformed proof is refused with its reason, never a crash", async () => {
      assert.equal((await post({ proofs: "x" })).status, 400);
      const odd = await post({ proofs: [null, { ...prove(a, "uptime_beacon", {}), node_id: "xyz" }, { ...prove(a, "uptime_beacon", {}), slot: "1" }, { ...prove(a, "uptime_beacon", {}), time: "soon" }, { ...prove(a, "uptime_beacon", {}), signature: 7 }] });
      assert.equal(odd.status, 200);
      assert.deepEqual(odd.body.refused.map((r) => r.reason), ["not a task proof: null", 'node_id "xyz" is not an address', 'slot "1" is not a slot number', 'time "soon" is not a unix time in seconds', "signature: expected a 0x hex string"]);
      assert.equal((await post({ proofs: Array.from({ length: 257 }, () => prove(a, "uptime_beacon", {})) })).status, 400);
      for (const query of ["from_slot=5&to_slot=1", "from_slot=0&to_slot=99999", "from_slot=0x1&to_slot=5", "to_slot=5"]) {
        assert.equal((await fetch(`${url}/poot/proofs?${query}`)).status, 400, query);
      }
    });

    it("publishes the stored proofs; poot:schedule reads them, records the schedule, and the gateway serves it", async () => {
      const listed = (await (await fetch(`${url}/poot/proofs?from_slot=${slot}&to_slot=${slot + 1}`)).json()) as { proofs: TaskProof[]; truncated: boolean };
      assert.equal(listed.proofs.length, 3);
      assert.equal(listed.truncated, false);
      const epoch = Math.floor(slot / EPOCH_SLOTS) + 1; // the proofs are in this epoch's window
      assert.equal((await fetch(`${url}/poot/schedule/${epoch}`)).status, 404);
      const out = join(tempDirectory("kppe-poot-gw-"), "schedule.json");
      const run = await hardhat(["poot:schedule", "--gateway", url, "--epoch", String(epoch), "--seed", SEED, "--genesis", String(genesis), "--deployment", DEPLOYMENT, "--save", "--store", fixture.location, "--out", out], { timeoutMs: 120_000 });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /^3 task proofs counted, 0 refused$/m);
      const served = (await (await fetch(`${url}/poot/schedule/${epoch}`)).json()) as { epoch: number; tally: Array<{ node_id: string; credits: number }>; slots: unknown[] };
      const written = JSON.parse(await readFile(out, "utf8")) as { tally: unknown; slots: unknown[] };
      assert.equal(served.epoch, epoch);
      assert.deepEqual(served.tally, written.tally);
      assert.deepEqual(new Map(served.tally.map((t) => [t.node_id, t.credits])), new Map([[a.address, 3], [b.address, 0]]), "W = max(2 sessions, ceil(12 MB / 5 MB)) = 3");
      assert.equal(served.slots.length, 0, "nobody present in 20% of the window yet: no eligible leader");
    });
  });
}

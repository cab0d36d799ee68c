import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createHash, createPublicKey, verify } from "node:crypto";
import { Wallet } from "ethers";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { cosign, openCosigned } from "../../src/log/cosignature.ts";
import { COSIGNATURE_V1, generateSignerKey, parseSignerKey, parseVerifierKey, signCheckpoint, verifierKeyOf } from "../../src/log/note.ts";
import { StoredLog } from "../../src/log/storedLog.ts";
import { KppeError } from "../../src/errors.ts";
import { logSignatureOf } from "../../src/log/logSigner.ts";
import { Witness } from "../../src/replication/witness.ts";
import { randomLeaves } from "../helpers/random.ts";
import { STORE_FIXTURES } from "../helpers/stores.ts";
import { freePort, kill } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";
import { startWitnessNode } from "../helpers/witness.ts";

let n = 0;
async function submit(url: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, () => ({ version: "0.1", event_id: `w-${process.pid}-${++n}`, payload_hash: randomLeaves(1)[0], source_id: "app", data: { n } }));
  const response = await fetch(`${url}/submit_batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
  assert.equal(response.status, 200);
}

/** An independent reading of C2SP tlog-cosignature over node:crypto: does `line` cosign `text` with this witness key? */
function nodeVerifiesCosignature(text: string, line: string, vkey: string): boolean {
  const [name, idHex, ...rest] = vkey.split("+");
  const pub = Buffer.from(rest.join("+"), "base64").subarray(1);
  const keyId = createHash("sha256").update(Buffer.concat([Buffer.from(name + "\n"), Buffer.from([0x04]), pub])).digest().subarray(0, 4);
  const [dash, lineName, blobText] = line.trim().split(" ");
  const blob = Buffer.from(blobText, "base64");
  if (dash !== "\u2014" || lineName !== name || keyId.toString("hex") !== idHex || !blob.subarray(0, 4).equals(keyId)) return false;
  const time = blob.readBigUInt64BE(4);
  const key = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pub]), format: "der", type: "spki" });
  return verify(null, Buffer.from(`cosignature/v1\ntime ${time}\n${text}`), key, blob.subarray(12));
}

const b64 = (hex: string) => Buffer.from(hex.slice(2), "hex").toString("base64");

describe("cosignature vector (docs/formats.md)", function () {
  const skey = "PRIVATE+KEY+witness.example/w1+0ad7d35e+BAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB";
  const vkey = "witness.example/w1+0ad7d35e+BIqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";
  const text = "kppe.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
  const line = "\u2014 witness.example/w1 CtfTXgAAAABrEQ7AwM07a5pw0hiPPYzeuz/ujtLjXHdLERREq3OwJ1lJ/NG7MV1BFvt106FdXbG4agAaewtDM3O/KJSoC/egpWsiAw==\n";

  it("is what our cosigner writes, and an independent node:crypto reader accepts it", function () {
    assert.equal(verifierKeyOf(parseSignerKey(skey)), vkey);
    assert.equal(cosign(text, parseSignerKey(skey), 1796280000), line);
    assert.equal(nodeVerifiesCosignature(text, line, vkey), true);
    assert.equal(nodeVerifiesCosignature(text.replace("\n8\n", "\n9\n"), line, vkey), false, "another size");
  });
});

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`storage nodes as witnesses (C2SP tlog-witness, cosignatures), ${kind} copies`, function () {
    this.timeout(90_000);
    const logSignerKey = generateSignerKey("witnessed.example/log");
    const logSigner = parseSignerKey(logSignerKey);
    const logKey = verifierKeyOf(logSigner);
    const cleanups: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      cleanups.length = 0;
    });

    async function gateway(witnesses: Array<{ url: string; key: string }> = []): Promise<{ gateway: Gateway; url: string }> {
      const fixture = STORE_FIXTURES[0]();
      const g = createGateway({ store: await fixture.open(), port: 0, logLevel: false, logKey: logSignerKey, witnesses });
      const url = await g.listen();
      cleanups.push(() => g.close());
      return { gateway: g, url };
    }

    const witnessNode = (name: string) => startWitnessNode(makeFixture(), name, logKey, cleanups);

    async function post(url: string, body: string) {
      const response = await fetch(`${url}/add-checkpoint`, { method: "POST", headers: { "content-type": "text/plain" }, body });
      return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() };
    }

    it("the gateway collects cosignatures from two witnesses; k of n is checked offline; our cosignatures verify with node:crypto", async () => {
      const w1 = await witnessNode("w1.example/witness");
      const w2 = await witnessNode("w2.example/witness");
      const { gateway: g, url } = await gateway([w1, w2].map((w) => ({ url: w.url, key: w.key })));
      w1.follow(url);
      w2.follow(url);
      const events = 24;
      await submit(url, events);
      await waitFor("both nodes to replicate", async () => (await w1.store.head()).fifo_sequence === events && (await w2.store.head()).fifo_sequence === events);
      let note = "";
      await waitFor("two cosignatures", async () => {
        await g.logService.integrate();
        await g.logService.cosignLatest();
        note = await (await fetch(`${url}/checkpoint`)).text();
        return note.split("\n").filter((l) => /^\u2014 w[12]\.example\/witness /.test(l)).length === 2;
      });
      const trusted = [w1.key, w2.key].map(parseVerifierKey);
      const opened = openCosigned(note, parseVerifierKey(logKey), trusted, 2);
      assert.equal(opened.checkpoint.size, events);
      assert.deepEqual(opened.cosigners.map((c) => c.name).sort(), ["w1.example/witness", "w2.example/witness"]);
      const third = parseVerifierKey(verifierKeyOf(parseSignerKey(generateSignerKey("w3.example/witness", COSIGNATURE_V1))));
      assert.throws(() => openCosigned(note, parseVerifierKey(logKey), [...trusted, third], 3), (e: unknown) => e instanceof KppeError && e.code === "COSIGNATURES_SHORT" && /2 of the 3 trusted witnesses/.test(e.message));
      assert.throws(() => openCosigned(note, parseVerifierKey(logKey), [trusted[0], trusted[0]], 2), (e: unknown) => e instanceof KppeError && e.code === "COSIGNATURES_SHORT", "a witness listed twice counts once");
      const text = note.slice(0, note.indexOf("\n\n") + 1);
      const lines = note.split("\n").filter((l) => /^\u2014 w[12]\.example\/witness /.test(l));
      assert.equal(lines.length, 2);
      assert.ok(lines.every((line) => nodeVerifiesCosignature(text, line, line.includes("w1.") ? w1.key : w2.key)), "an independent implementation accepts our cosignatures");
      // The note also carries the log signer's EIP-712 signature (KPPEAnchor's evidence against a split view).
      assert.ok(logSignatureOf(note, g.logService.evmSigner.address), "the log signer signed the checkpoint");
      // Each witness serves what it last cosigned: the log's note with its own cosignature.
      for (const w of [w1, w2]) {
        const served = await (await fetch(`${w.url}/checkpoint`)).text();
        const own = openCosigned(served, parseVerifierKey(logKey), [parseVerifierKey(w.key)], 1);
        assert.equal(own.checkpoint.size, events);
        assert.ok(logSignatureOf(served, g.logService.evmSigner.address), "with the log signer's signature, as the gateway sent it");
      }
      const health = await (await fetch(`${url}/health`)).json();
      assert.deepEqual(health.witnesses.map((w: { cosignedSize: number; behind: number; lastError: string | null }) => [w.cosignedSize, w.behind, w.lastError]), [[events, 0, null], [events, 0, null]]);
    });

    it("a witness refuses what does not extend its last cosigned checkpoint, a second root, a bad proof, another log or key, and a split view; after a restart it still refuses", async () => {
      const { gateway: g, url } = await gateway();
      await submit(url, 12);
      const w = await witnessNode("w.example/witness");
      w.follow(url);
      await waitFor("the node to replicate", async () => (await w.store.head()).fifo_sequence === 12);
      await g.logService.integrate();
      const root8 = await g.logService.log.root(8);
      const root12 = await g.logService.log.root(12);

      assert.equal((await fetch(`${w.url}/checkpoint`)).status, 404, "a witness that cosigned nothing serves no checkpoint (and never one of its own)");
      const first = await post(w.url, `old 0\n\n${signCheckpoint(8, root8, logSigner)}`);
      assert.equal(first.status, 200, first.body);
      assert.ok(nodeVerifiesCosignature(`witnessed.example/log\n8\n${b64(root8)}\n`, first.body, w.key));

      const stale = await post(w.url, `old 0\n\n${signCheckpoint(12, root12, logSigner)}`);
      assert.deepEqual([stale.status, stale.type, stale.body], [409, "text/x.tlog.size", "8\n"], "not from its last size: 409 with that size");
      const secondRoot = await post(w.url, `old 8\n\n${signCheckpoint(8, "0x" + "ab".repeat(32), logSigner)}`);
      assert.equal(secondRoot.status, 409);
      assert.match(secondRoot.body, /never cosigns a second root for one size/);
      const badProof = await post(w.url, `old 8\n${b64("0x" + "cd".repeat(32))}\n\n${signCheckpoint(12, root12, logSigner)}`);
      assert.equal(badProof.status, 422);
      const otherLog = parseSignerKey(generateSignerKey("other.example/log"));
      assert.equal((await post(w.url, `old 8\n\n${signCheckpoint(12, root12, otherLog)}`)).status, 404);
      const impostor = parseSignerKey(generateSignerKey("witnessed.example/log"));
      assert.equal((await post(w.url, `old 8\n\n${signCheckpoint(12, root12, impostor)}`)).status, 403, "the log's name with another key");

      const proof = (await g.logService.log.consistencyProof(8, 12)).map(b64);
      // A root the log key signed, consistent by a proof built for it, but not the entries this node holds.
      const forged = "0x" + "ef".repeat(32);
      const split = await post(w.url, `old 8\n${proof.join("\n")}\n\n${signCheckpoint(12, forged, logSigner)}`);
      assert.ok(split.status === 422, split.body);
      const good = await post(w.url, `old 8\n${proof.join("\n")}\n\n${signCheckpoint(12, root12, logSigner)}`);
      assert.equal(good.status, 200, good.body);

      // A new Witness over the reopened store (as after a restart): its state is durable.
      const reopened = await w.fixture.open();
      cleanups.push(() => reopened.close());
      const again = new Witness({ signer: w.cosigner, logKey: parseVerifierKey(logKey), state: reopened.witness, log: new StoredLog(reopened.log) });
      const afterRestart = await again.addCheckpoint(`old 0\n\n${signCheckpoint(8, root8, logSigner)}`);
      assert.deepEqual([afterRestart.status, afterRestart.body], [409, "12\n"]);
    });
  });
}


describe("a witness process killed with SIGKILL still refuses what it refused before, once restarted", function () {
  this.timeout(120_000);

  it("ledger:replicate --witness: 200, SIGKILL, restart on the same copy, then 409 for the old size and a second root", async () => {
    const logSignerKey = generateSignerKey("killed.example/log");
    const logSigner = parseSignerKey(logSignerKey);
    const fixture = STORE_FIXTURES[0]();
    const gateway = createGateway({ store: await fixture.open(), port: 0, logLevel: false, logKey: logSignerKey });
    const gatewayUrl = await gateway.listen();
    try {
      await submit(gatewayUrl, 10);
      await gateway.logService.integrate();
      const root = await gateway.logService.log.root(10);
      const copy = STORE_FIXTURES[0]().location;
      const port = await freePort();
      const env = { WITNESS_KEY: generateSignerKey("killed.example/witness", COSIGNATURE_V1), STORAGE_NODE_KEY: Wallet.createRandom().privateKey, KPPE_LOG_VERIFIER_KEY: verifierKeyOf(logSigner) };
      const witnessUrl = `http://127.0.0.1:${port}`;
      const args = ["ledger:replicate", "--gateway", gatewayUrl, "--store", copy, "--port", String(port), "--witness"];
      const post = async (body: string) => {
        const response = await fetch(`${witnessUrl}/add-checkpoint`, { method: "POST", body });
        return { status: response.status, body: await response.text() };
      };

      let node = await startTask(args, env, /cosigning killed\.example\/log/);
      await waitFor("the copy", async () => (await (await fetch(`${witnessUrl}/head`)).json()).fifo_sequence === 10);
      assert.equal((await post(`old 0\n\n${signCheckpoint(10, root, logSigner)}`)).status, 200);
      await kill(node, "SIGKILL");

      node = await startTask(args, env, /cosigning killed\.example\/log/);
      try {
        assert.deepEqual(await post(`old 0\n\n${signCheckpoint(10, root, logSigner)}`), { status: 409, body: "10\n" });
        const second = await post(`old 10\n\n${signCheckpoint(10, "0x" + "ab".repeat(32), logSigner)}`);
        assert.equal(second.status, 409);
        assert.match(second.body, /never cosigns a second root/);
      } finally {
        await kill(node, "SIGTERM");
      }
    } finally {
      await gateway.close();
    }
  });
});

/** Starts `npx hardhat <args>` as a long-running process; resolves once its stdout matches `ready`. */
function startTask(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--no-warnings", realpathSync(new URL("../../node_modules/.bin/hardhat", import.meta.url)), ...args], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      output += d;
      if (ready.test(output)) resolve(child);
    });
    child.stderr!.on("data", (d) => (output += d));
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}: ${output}`)));
  });
}

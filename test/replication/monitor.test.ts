import assert from "node:assert/strict";
import http from "node:http";
import { Contract } from "ethers";
import type { AddressInfo } from "node:net";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { rpcProvider } from "../../src/chain/rpcProvider.ts";
import { generateSignerKey, parseSignerKey, parseVerifierKey, verifierKeyOf } from "../../src/log/note.ts";
import { LogMonitor } from "../../src/replication/monitor.ts";
import { logSignerWallet } from "../../src/log/logSigner.ts";
import { KPPE_ANCHOR_ABI } from "../../src/chain/kppeAnchorAbi.ts";
import { appendEvents, captureLog, devWallet, fastSettings, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { sqliteFixture, STORE_FIXTURES } from "../helpers/stores.ts";
import { waitFor } from "../helpers/wait.ts";
import { hardhat } from "../helpers/hardhatCli.ts";
import { startWitnessNode } from "../helpers/witness.ts";

/** A real HTTP proxy whose upstream can be switched: one log key, shown first one history, then another. */
async function switchableProxy(upstream: string) {
  const state = { upstream };
  const server = http.createServer(async (req, res) => {
    const response = await fetch(state.upstream + req.url);
    res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "text/plain" });
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state, close: () => void server.close() };
}

/** KPPEAnchor at `contract`, as its owner (dev account 0, who deployed it) calls it. */
function anchorOwned(chain: LocalChain, contract: string): Contract {
  return new Contract(contract, KPPE_ANCHOR_ABI, devWallet(0).connect(chain.provider));
}

describe("ledger monitor: split views and rewritten histories are alarms with evidence", function () {
  this.timeout(60_000);
  const logKey = generateSignerKey("monitored.example/log");
  const verifier = parseVerifierKey(verifierKeyOf(parseSignerKey(logKey)));
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  /** A gateway over a fresh ledger of `count` events tagged `tag`, its log integrated. */
  async function ledger(tag: string, count: number): Promise<{ gateway: Gateway; url: string; store: Awaited<ReturnType<ReturnType<typeof sqliteFixture>["open"]>> }> {
    const store = await sqliteFixture().open();
    await appendEvents(store, count, tag);
    const gateway = createGateway({ store, port: 0, logLevel: false, logKey });
    const url = await gateway.listen();
    await gateway.logService.integrate();
    cleanups.push(() => gateway.close());
    return { gateway, url, store };
  }

  it("an honest log that grows checks out at every look", async function () {
    const a = await ledger("honest", 20);
    const monitor = new LogMonitor({ gatewayUrl: a.url, logKey: verifier });
    assert.deepEqual(await monitor.check(), { type: "checked", size: 20, root: await a.gateway.logService.log.root(20), warnings: [] });
    await appendEvents(a.store, 7, "more");
    await a.gateway.logService.integrate();
    assert.equal((await monitor.check()).type, "checked");
  });

  it("a log key that signs another history later is caught, with both checkpoints as evidence", async function () {
    const a = await ledger("a", 20);
    const b = await ledger("b", 30);
    const proxy = await switchableProxy(a.url);
    cleanups.push(proxy.close);
    const monitor = new LogMonitor({ gatewayUrl: proxy.url, logKey: verifier });
    assert.equal((await monitor.check()).type, "checked");
    proxy.state.upstream = b.url;
    const event = await monitor.check();
    assert.equal(event.type, "alarm");
    assert.ok(event.type === "alarm");
    assert.match(event.alarm.reason, /the checkpoint at size 30 does not extend the one seen at size 20/);
    assert.match(event.alarm.evidence[0], /^monitored\.example\/log\n20\n/);
    assert.match(event.alarm.evidence[1], /^monitored\.example\/log\n30\n/);
    // An alarm does not move what the monitor trusts (a's size 20): a second root for that size.
    const c = await ledger("c", 20);
    proxy.state.upstream = c.url;
    const twoRoots = await monitor.check();
    assert.ok(twoRoots.type === "alarm" && /two roots for size 20/.test(twoRoots.alarm.reason), JSON.stringify(twoRoots));
  });

  it("a gateway whose log is not an extension of the anchored one is caught", async function () {
    const chain: LocalChain = await startLocalChain();
    cleanups.push(() => chain.close());
    const contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
    const anchored = await ledger("anchored", 12);
    const keeper = await openKeeper({ store: anchored.store, url: chain.url, contract, settings: fastSettings({ confirmations: 1 }) });
    assert.equal((await keeper.cycle()).eventsConfirmed, 12);
    const reader = await AnchorChain.open({ provider: rpcProvider(chain.url, 5_000), wallet: devWallet(9), contract, retry: fastSettings().retry, onRetry: () => undefined });
    cleanups.push(() => reader.close());
    assert.equal((await new LogMonitor({ gatewayUrl: anchored.url, logKey: verifier, chain: reader }).check()).type, "checked");
    const rewritten = await ledger("rewritten", 15);
    const event = await new LogMonitor({ gatewayUrl: rewritten.url, logKey: verifier, chain: reader }).check();
    assert.ok(event.type === "alarm" && /not an extension of the log anchored on chain \(size 12\)/.test(event.alarm.reason), JSON.stringify(event));
    // With the log signer set on chain, the rewritten gateway's own checkpoint and consistency proof convict it.
    const signer = logSignerWallet(parseSignerKey(logKey)).address;
    await (await anchorOwned(chain, contract).setLogSigner(signer, "monitored.example/log")).wait();
    const proven = await new LogMonitor({ gatewayUrl: rewritten.url, logKey: verifier, chain: reader, logSigner: signer }).check();
    assert.ok(proven.type === "alarm" && proven.alarm.report && "batchId" in proven.alarm.report, JSON.stringify(proven));
    assert.deepEqual([proven.alarm.report.batchId, proven.alarm.report.signed.size], [1, 15]);
    assert.equal((await reader.reportEquivocation(proven.alarm.report, 50)).success, true);
    assert.equal((await reader.logSigner()).frozen, true);
  });
});

for (const makeFixture of STORE_FIXTURES) {
  describe(`split view across witnesses (${makeFixture().kind} copies): caught at one look, proven on chain, anchoring frozen`, function () {
    this.timeout(120_000);
    const logKey = generateSignerKey("split.example/log");
    const logSigner = logSignerWallet(parseSignerKey(logKey));
    const verifierKey = verifierKeyOf(parseSignerKey(logKey));
    const cleanups: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it("the operator shows one storage node one history and another node another, under one log key: the monitor's report freezes KPPEAnchor", async function () {
      const chain = await startLocalChain();
      cleanups.push(() => chain.close());
      const anchor = await chain.deployAnchor(devWallet(1).address);
      const contract = await anchor.getAddress();
      // The owner (dev account 0) sets the log signer with the task log:key points to.
      const setSigner = () => hardhat(["anchor:log-signer", "--signer", logSigner.address, "--origin", "split.example/log", "--rpc-url", chain.url, "--contract", contract]);
      const set = await setSigner();
      assert.equal(set.code, 0, set.stdout + set.stderr);
      assert.match(set.stdout, /is the log signer of KPPEAnchor/);

      // The operator's two faces: gateways over two ledgers, signing with the same log key, each with its own witness.
      const faces = [];
      for (const [tag, count] of [["shown-to-w1", 20], ["shown-to-w2", 30]] as const) {
        const witness = await startWitnessNode(makeFixture(), `${tag}.example/witness`, verifierKey, cleanups);
        const store = await sqliteFixture().open();
        await appendEvents(store, count, tag);
        const gateway = createGateway({ store, port: 0, logLevel: false, logKey, witnesses: [{ url: witness.url, key: witness.key }] });
        const url = await gateway.listen();
        cleanups.push(() => gateway.close());
        witness.follow(url);
        faces.push({ gateway, url, store, witness, count });
      }
      // Each witness replicates its face's history and cosigns its checkpoint.
      for (const face of faces) {
        await waitFor("the witness to cosign", async () => {
          await face.gateway.logService.integrate();
          await face.gateway.logService.cosignLatest();
          return face.gateway.logService.witnessStatus()[0].cosignedSize === face.count;
        });
      }
      // The first face's history is anchored.
      const { log, lines } = captureLog();
      const keeper = await openKeeper({ store: faces[0].store, url: chain.url, contract, settings: fastSettings({ confirmations: 1 }), log });
      assert.equal((await keeper.cycle()).eventsConfirmed, 20);

      const reporter = await AnchorChain.open({ provider: rpcProvider(chain.url, 5_000), wallet: devWallet(7), contract, retry: fastSettings().retry, onRetry: () => undefined });
      cleanups.push(() => reporter.close());
      const { signer } = await reporter.logSigner();
      // A reader of the first face, who also asks both witnesses what they cosigned.
      const monitor = new LogMonitor({ gatewayUrl: faces[0].url, logKey: parseVerifierKey(verifierKey), chain: reporter, witnesses: faces.map((f) => f.witness.url), logSigner: signer });
      const event = await monitor.check();
      assert.ok(event.type === "alarm", JSON.stringify(event));
      assert.match(event.alarm.reason, /split view: the gateway holds size 20 .*witness .* holds size 30, whose first 20 entries differ/);
      assert.equal(event.alarm.evidence.length, 2);
      assert.match(event.alarm.evidence[1], /^split\.example\/log\n30\n/);
      const report = event.alarm.report;
      assert.ok(report && "older" in report, "a proven contradiction between two signed checkpoints");
      assert.deepEqual([report.older.size, report.newer.size], [20, 30]);

      // Without the log signer's address the alarm stands, but nothing can be sent on chain.
      const unsigned = await new LogMonitor({ gatewayUrl: faces[0].url, logKey: parseVerifierKey(verifierKey), witnesses: faces.map((f) => f.witness.url) }).check();
      assert.ok(unsigned.type === "alarm" && unsigned.alarm.report === undefined);

      // The task a watcher runs: one look, the alarm with its evidence, and the report sent (as dev account 0; anyone may).
      const run = await hardhat(["ledger:monitor", "--once", "--gateway", faces[0].url, "--log-key", verifierKey, "--witnesses", faces.map((f) => f.witness.url).join(","), "--anchors", "--report", "--rpc-url", chain.url, "--contract", contract], { timeoutMs: 90_000 });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /ALARM: split view: the gateway holds size 20/);
      assert.match(run.stdout, /reportEquivocation mined in block \d+ .*anchoring on KPPEAnchor .* is frozen/);
      assert.equal((await reporter.logSigner()).frozen, true);
      // The keeper's next batch is refused: nothing is anchored under a log key that equivocated.
      await appendEvents(faces[0].store, 5, "after");
      assert.equal((await keeper.cycle()).eventsConfirmed, 0);
      assert.ok(lines.some((l) => /LogFrozen\(/.test(l)), lines.join("\n"));
      // The same report again is refused (already frozen): nobody pays for it twice.
      await assert.rejects(reporter.reportEquivocation(report, 50), /LogFrozen/);
      // The key that equivocated cannot be set again to lift the freeze.
      const again = await setSigner();
      assert.notEqual(again.code, 0);
      assert.match(again.stdout + again.stderr, /equivocated .*only another log signer lifts the freeze/);
    });
  });
}

import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { rpcProvider } from "../../src/chain/rpcProvider.ts";
import { generateSignerKey, parseSignerKey, parseVerifierKey, verifierKeyOf } from "../../src/log/note.ts";
import { LogMonitor } from "../../src/storage/monitor.ts";
import { appendEvents, devWallet, fastSettings, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { sqliteFixture } from "../helpers/stores.ts";

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
    assert.deepEqual(await monitor.check(), { type: "checked", size: 20, root: await a.gateway.logService.log.root(20) });
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
  });
});

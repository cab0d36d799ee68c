// The main job (npm start): the whole pipeline on the embedded default, in one process.
//   - an in-process chain (new at every run) with KPPEAnchor deployed by Ignition, served as
//     JSON-RPC on 127.0.0.1:8545 so every tool can reach it while this runs;
//   - the ledger in a SQLite file, data/main/ledger.sqlite, behind the HTTP gateway (:8080);
//   - the anchoring keeper with its health endpoint (:8081), a cycle every 5 s.
// Sample events are hashed and submitted over HTTP as a client would; once they are anchored their
// receipts go to data/main/receipts/, each verified offline and on-chain. Then it keeps running
// (submit more, watch them get anchored) until Ctrl-C; KPPE_MAIN_ONCE=1 stops after the samples.
// A taken port falls back to a free one; the addresses are printed.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { network } from "hardhat";
import KPPEAnchorModule from "../ignition/modules/KPPEAnchor.ts";
import { createGateway, type Gateway } from "../src/gateway/server.ts";
import { ephemeralLogKey } from "../src/log/service.ts";
import { AnchorChain } from "../src/chain/anchorChain.ts";
import { onStop } from "../tasks/stop.ts";
import { rpcProvider } from "../src/chain/rpcProvider.ts";
import { devWallet } from "../src/chain/devAccount.ts";
import { serveHealth } from "../src/gateway/keeperHealth.ts";
import { Keeper } from "../src/keeper/keeper.ts";
import { consoleLog } from "../src/runtime/taskLog.ts";
import { receiptFileName } from "../src/keeper/receiptFiles.ts";
import { receiptFromStore } from "../src/receipt/assemble.ts";
import { resolveSettings } from "../src/keeper/settings.ts";
import type { EnqueueReceipt } from "../src/ledger/types.ts";
import { verifyOnChain } from "../src/receipt/onchain.ts";
import { clientHash, verifyReceiptOffline } from "../src/sdk/index.ts";
import { SqliteStore } from "../src/store/sqlite/sqliteStore.ts";
import { serveProvider } from "./lib/rpcServer.ts";

const DIR = "data/main";
const LEDGER = `${DIR}/ledger.sqlite`;
const RECEIPTS = `${DIR}/receipts`;
const SAMPLE_EVENTS = Number(process.env.DEMO_EVENTS ?? 12);
const ONCE = process.env.KPPE_MAIN_ONCE === "1";

// The chain dies with this process, so the previous run's anchors point nowhere: start afresh.
await rm(DIR, { recursive: true, force: true });
await mkdir(RECEIPTS, { recursive: true });

// One block a second on top of one per transaction, so confirmations accrue as on Base (2 s blocks).
const connection = await network.create({ override: { mining: { auto: true, interval: 1_000 } } });
const { kppeAnchor } = await connection.ignition.deploy(KPPEAnchorModule, { displayUi: false });
const contract = (await kppeAnchor.getAddress()).toLowerCase();
const rpc = await serveProvider(connection.provider, 8545);

const store = new SqliteStore(LEDGER);
// An ephemeral log key: this run's checkpoints verify with the verifier key printed below.
const logKey = ephemeralLogKey();
const gateway = await listenGateway(store, logKey);
const verifierKey = gateway.gateway.logService.verifierKey;
const settings = resolveSettings({ intervalMs: 5_000 });
const chain = await AnchorChain.open({ provider: rpcProvider(rpc.url), wallet: devWallet(0) /* Ignition's deployer, so an authorized anchor */, contract, retry: settings.retry, onRetry: (m) => consoleLog("warn", m) });
const keeper = new Keeper({ store, chain, settings, networkName: "in-process chain" });
const health = await serveHealth(keeper, { port: 8081 }).catch(() => serveHealth(keeper, { port: 0 }));
console.log(`[K-PPE] KPPEAnchor deployed by Ignition at ${contract} on the in-process chain (id ${chain.target.chainId}), JSON-RPC on ${rpc.url}`);
console.log(`[K-PPE] Gateway on ${gateway.url} | ledger: ${LEDGER} | health: ${health.url}/kpe/health`);
keeper.logStart();

const run = Date.now();
const accepted: EnqueueReceipt[] = [];
for (let i = 0; i < SAMPLE_EVENTS; i++) {
  const body = { type: "page_view", app_id: "demo", data: { path: `/docs/${i}`, visitor: `v${i % 3}` } };
  const event = { version: "0.1", event_id: `demo-${run}-${i + 1}`, payload_hash: clientHash(body), source_id: "demo", local_timestamp: new Date().toISOString(), data: body };
  const response = await fetch(`${gateway.url}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
  if (!response.ok) throw new Error(`the gateway refused ${event.event_id}: ${await response.text()}`);
  accepted.push((await response.json()) as EnqueueReceipt);
}
console.log(`[K-PPE] ${SAMPLE_EVENTS} sample events accepted at sequences ${accepted[0].fifo_sequence}..${accepted.at(-1)!.fifo_sequence}`);

await keeper.cycle();
let verified = 0;
for (const { event_id } of accepted) {
  const receipt = (await receiptFromStore(store, event_id, { sign: gateway.gateway.logService.sign }))!;
  const onChain = await verifyOnChain(receipt, chain.provider, { contract });
  const offline = verifyReceiptOffline(receipt, { logKey: verifierKey });
  if (offline.ok && offline.skipped.length === 0 && onChain.every((c) => c.ok)) verified++;
  await writeFile(`${RECEIPTS}/${receiptFileName(event_id)}`, JSON.stringify(receipt, null, 2) + "\n");
}
console.log(`[K-PPE] ${verified}/${accepted.length} receipts written to ${RECEIPTS}/ and verified offline and on-chain`);
const example = accepted[0].event_id;
console.log(`
The pipeline is running${ONCE ? " (KPPE_MAIN_ONCE=1: stopping now)" : " until Ctrl-C"}. In another terminal:
  submit   npx hardhat ledger:submit --url ${gateway.url} --body '{"type":"click"}'
  watch    curl ${health.url}/kpe/health
           npx hardhat ledger:stream --url ${gateway.url} --follow
           npx hardhat anchor:status --rpc-url ${rpc.url} --contract ${contract} --store ${LEDGER}
  verify   npx hardhat anchor:verify --rpc-url ${rpc.url} --contract ${contract} --log-key ${verifierKey} --receipt ${RECEIPTS}/${receiptFileName(example)}
           npx hardhat anchor:verify --rpc-url ${rpc.url} --contract ${contract} --store ${LEDGER} --event-id <an event id>
  log      curl ${gateway.url}/checkpoint   (signed by this run's log key ${verifierKey})
           curl "${gateway.url}/proof/inclusion?event_id=${example}"
  by hand  ${RECEIPTS}/${receiptFileName(example)} holds "verify_proof_view": the four arguments of verifyProofView,
           as a block explorer's Read Contract page takes them`);
if (verified !== accepted.length) process.exitCode = 1;

if (!ONCE) {
  onStop(() => keeper.stop());
  await keeper.run();
}
chain.close();
await health.close();
await gateway.close(); // closes the store too
await rpc.close();
await connection.close();

/** The gateway on :8080, or on a free port if that one is taken. */
async function listenGateway(ledgerStore: SqliteStore, logKey: string): Promise<{ url: string; gateway: Gateway; close(): Promise<void> }> {
  for (const port of [8080, 0]) {
    const candidate: Gateway = createGateway({ store: ledgerStore, storeLocation: LEDGER, port, logLevel: false, logKey });
    try {
      return { url: await candidate.listen(), gateway: candidate, close: () => candidate.close() };
    } catch (error) {
      if ((error as { code?: string }).code !== "EADDRINUSE") throw error;
    }
  }
  throw new Error("no port for the gateway");
}

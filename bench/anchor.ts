// npm run bench:anchor -- the keeper end to end on a local chain (JSON-RPC over loopback, one
// block per transaction plus one every BLOCK_MS, 2 confirmations), ledger in a SQLite file, or
// with BENCH_STORE=postgres in a PostgreSQL schema of its own (KPPE_BENCH_POSTGRES_URL).
//   1. backlog of BENCH_EVENTS (default 1,000,000) events, batches of 65,536: keeper time until
//      every receipt is written and verified, events/s, gas per event;
//   2. backlog of BENCH_SMALL_EVENTS (default 25,600) events, batches of 256 (the K-PPE default);
//   3. steady state: events submitted at BENCH_RATE/s for 15 s while the keeper runs every second;
//      time from each event's acceptance to its receipt.
// Figures are printed next to the goal and the comparisons named in issue 5 (EAS timestamp per
// event, the 45,000-gas floor of any anchor transaction).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Keeper } from "../src/keeper/keeper.ts";
import { openStore } from "../src/store/open.ts";
import { PostgresStore } from "../src/store/postgres/postgresStore.ts";
import type { BatchRecord, LedgerStore } from "../src/store/types.ts";
import { appendEvents, devWallet, fastSettings, openKeeper, startLocalChain } from "../test/helpers/chain.ts";

const BIG = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SMALL = Number(process.env.BENCH_SMALL_EVENTS ?? 25_600);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const BLOCK_MS = Number(process.env.BLOCK_MS ?? 250);
const GOAL_SECONDS = 300; // issue 5, version 1 receipts
const V2_GOAL_SECONDS = 60; // issue 15, version 2 receipts (the keeper writes these now)
const EAS_TIMESTAMP_GAS = 45_864;
const POSTGRES = process.env.BENCH_STORE === "postgres";
const POSTGRES_URL = process.env.KPPE_BENCH_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";

const chain = await startLocalChain({ blockMs: BLOCK_MS });

interface Run {
  label: string;
  events: number;
  seconds: number;
  batches: BatchRecord[];
  gasPerEvent: number;
}

async function backlog(events: number, perBatch: number): Promise<Run> {
  const { store, keeper } = await setUp(perBatch, 60_000);
  process.stderr.write(`appending ${events.toLocaleString("en-US")} events (not keeper time)...\n`);
  await appendEvents(store, events, `b${perBatch}`);
  const started = performance.now();
  const summary = await keeper.cycle();
  const seconds = (performance.now() - started) / 1000;
  if (summary.eventsConfirmed !== events) throw new Error(`only ${summary.eventsConfirmed} of ${events} events confirmed`);
  const batches = await store.anchoring.recentConfirmed(keeper.target, 1_000_000);
  const gasPerEvent = (await gasOf(batches)) / events;
  await closeStore(store);
  return { label: `backlog, batches of ${perBatch.toLocaleString("en-US")}`, events, seconds, batches, gasPerEvent };
}

async function steadyState(): Promise<{ p50: number; p95: number; max: number; events: number }> {
  const { store, keeper } = await setUp(256, 1_000);
  const running = keeper.run();
  let sent = 0;
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    await appendEvents(store, RATE / 10, `s${sent}`);
    sent += RATE / 10;
    await sleep(100);
  }
  while ((await keeper.pendingEvents()) > 0 || (await store.anchoring.openBatches(keeper.target)).length > 0) await sleep(200);
  keeper.stop();
  await running;
  const latencies: number[] = [];
  for (const entry of await store.range(1, sent)) {
    const found = await store.anchoring.findReceipt(entry.event_id);
    latencies.push((Date.parse(found!.receipt.createdAt) - Date.parse(entry.accepted_at)) / 1000);
  }
  await closeStore(store);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p95: at(0.95), max: latencies[latencies.length - 1], events: sent };
}

let stores = 0;

/** Closes `store`; a PostgreSQL one's schema is dropped first. */
async function closeStore(store: LedgerStore): Promise<void> {
  if (store instanceof PostgresStore) await store.dropSchema();
  await store.close();
}

async function setUp(perBatch: number, intervalMs: number): Promise<{ store: LedgerStore; keeper: Keeper }> {
  const store = await openStore(POSTGRES ? `${POSTGRES_URL}?schema=kppe_bench_anchor_${process.pid}_${++stores}` : join(mkdtempSync(join(tmpdir(), "kppe-bench-anchor-")), "ledger.sqlite"));
  const contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
  const settings = fastSettings({ maxEventsPerBatch: perBatch, intervalMs, pollMs: 50 });
  const keeper = await openKeeper({ store, url: chain.url, contract, settings, log: (level, m) => level !== "info" && console.error(m) });
  return { store, keeper };
}

async function gasOf(batches: BatchRecord[]): Promise<number> {
  let gas = 0n;
  for (const b of batches) gas += (await chain.provider.getTransactionReceipt(b.txHash!))!.gasUsed;
  return Number(gas);
}

const big = await backlog(BIG, 65_536);
const small = await backlog(SMALL, 256);
const steady = await steadyState();
await chain.close();

const row = (cells: Array<string | number>) => console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 34 : 16)).join(""));
console.log(`\nkeeper end to end, local chain (block every ${BLOCK_MS} ms + automine, 2 confirmations), ${POSTGRES ? "PostgreSQL" : "SQLite"} ledger`);
row(["run", "events", "keeper time s", "events/s", "gas/event", "EAS timestamp/event"]);
for (const r of [big, small]) {
  row([r.label, r.events.toLocaleString("en-US"), r.seconds.toFixed(1), Math.round(r.events / r.seconds).toLocaleString("en-US"), r.gasPerEvent.toFixed(2), EAS_TIMESTAMP_GAS.toLocaleString("en-US")]);
}
const projected = (1_000_000 / (big.events / big.seconds)).toFixed(0);
for (const goal of [V2_GOAL_SECONDS, GOAL_SECONDS]) {
  console.log(`goal: receipts for 1,000,000 events in < ${goal} s of keeper time -> ${projected} s at the measured rate (${big.events === 1_000_000 ? "measured" : "projected"}): ${Number(projected) < goal ? "MET" : "NOT MET"}`);
}
console.log(`goal: gas per event < 2 at batches of 65,536 -> ${big.gasPerEvent.toFixed(2)}: ${big.gasPerEvent < 2 ? "MET" : "NOT MET"} (one anchor tx costs >= ~45,000 gas; per batch here ${Math.round((big.gasPerEvent * big.events) / big.batches.length).toLocaleString("en-US")})`);
console.log(`steady state, ${steady.events} events submitted over 15 s (aimed at ${RATE}/s), keeper every 1 s: acceptance -> receipt p50 ${steady.p50.toFixed(2)} s, p95 ${steady.p95.toFixed(2)} s, max ${steady.max.toFixed(2)} s`);

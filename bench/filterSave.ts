// npm run bench:filter-save — what saving the event id filter (src/store/eventIds.ts) costs the
// appends beside it, on a grown ledger of BENCH_ENTRIES entries with UUIDv4 ids (4,000,000 unless
// given). A store appends 65,536 more, so that it saves its filter as it closes. While
// it closes, a second store on the same ledger, in this process (as a gateway's appends share its
// event loop and, on SQLite, its queue of writes), appends one event at a time; the latencies of
// those appends are printed beside the same appends with no save going on.
// BENCH_SQLITE_FILE=path keeps the SQLite ledger there and starts from it the next time (filled
// once: about 4 minutes at ten million entries), for alternating the code before and after a change.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Ledger } from "../src/ledger/ledger.ts";
import { openStore } from "../src/store/open.ts";
import { PostgresStore } from "../src/store/postgres/postgresStore.ts";
import type { LedgerStore } from "../src/store/types.ts";
import { appendSyntheticEntries, hex } from "./syntheticEntries.ts";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 4_000_000);
const STORES = (process.env.BENCH_STORES ?? "sqlite,postgres").split(",");
const POSTGRES_URL = process.env.KPPE_BENCH_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";
/** What a store adds before it saves its filter as it closes (SAVE_AT_CLOSE). */
const ADDED_BEFORE_CLOSE = 65_536;
const BASELINE_MS = 3_000;

/** Appends one event at a time through `ledger` until `done` settles (at least BASELINE_MS when it is a timer); each append's milliseconds. */
async function appendOneByOne(ledger: Ledger, done: Promise<unknown>): Promise<number[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const latencies: number[] = [];
  while (!finished) {
    const started = performance.now();
    await ledger.submit([{ version: "0.1", event_id: randomUUID(), previous_event_hash: null, payload_hash: hex(), source_id: "bench", local_timestamp: null, data: null }]);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

function summary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return `${String(sorted.length).padStart(8)}${at(0.5).padStart(9)}${at(0.99).padStart(9)}${sorted[sorted.length - 1].toFixed(2).padStart(10)}`;
}

async function fill(store: LedgerStore, name: string, count: number): Promise<void> {
  await appendSyntheticEntries(store, count, () => randomUUID(), (appended) => {
    if (appended % 262_144 === 0) process.stderr.write(`\r  filling ${name}: ${appended.toLocaleString("en-US")}/${count.toLocaleString("en-US")}`);
  });
  process.stderr.write("\n");
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`Filter save benchmark — ${cpu}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}, ${ENTRIES.toLocaleString("en-US")} entries`);
console.log("store       appends               count   p50 ms   p99 ms    max ms");
const directory = mkdtempSync(join(tmpdir(), "kppe-bench-"));
const schema = `kppe_bench_${process.pid}`;
for (const [kind, location] of [
  ["sqlite", process.env.BENCH_SQLITE_FILE ?? join(directory, "ledger.sqlite")],
  ["postgres", `${POSTGRES_URL}?schema=${schema}`],
].filter(([kind]) => STORES.includes(kind))) {
  const filler = await openStore(location);
  const kept = kind === "sqlite" && process.env.BENCH_SQLITE_FILE !== undefined && (await filler.head()).fifo_sequence > 0;
  if (!kept) await fill(filler, kind, ENTRIES);
  await filler.close(); // saves its filter
  // Starts from that filter (a save behind it by fewer than ADDED_BEFORE_CLOSE entries), so that its
  // next save is the one at its close: far from the million entries that would begin one earlier.
  const saver = await openStore(location);
  await saver.prepareAppends();
  await fill(saver, kind, ADDED_BEFORE_CLOSE);
  const appender = await openStore(location);
  await appender.prepareAppends();
  const ledger = new Ledger(appender);
  const quiet = await appendOneByOne(ledger, new Promise((resolve) => setTimeout(resolve, BASELINE_MS)));
  const started = performance.now();
  const closing = saver.close();
  const during = await appendOneByOne(ledger, closing);
  const saveMs = performance.now() - started;
  console.log(`${kind.padEnd(12)}${"no save".padEnd(20)}${summary(quiet)}`);
  console.log(`${kind.padEnd(12)}${"during the save".padEnd(20)}${summary(during)}   (the save took ${saveMs.toFixed(0)} ms)`);
  if (appender instanceof PostgresStore) await appender.dropSchema();
  await appender.close();
}
rmSync(directory, { recursive: true, force: true });

// npm run bench:gateway — accepted events/s and latency of the gateway, load from this process
// over loopback to a gateway in its own process (scripts/serve-gateway.ts), on SQLite and on
// PostgreSQL, and with BENCH_GATEWAYS=2,3 on several gateway processes sharing one PostgreSQL
// ledger. Every receipt counted is durable (the gateway answers after commit). Ends with one
// JSON line of the figures.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import pg from "pg";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { StoredLog } from "../src/log/storedLog.ts";
import { openStore } from "../src/store/open.ts";
import { PostgresStore } from "../src/store/postgres/postgresStore.ts";
import { DatabaseSync } from "../src/store/sqlite/nodeSqlite.ts";
import type { LedgerStore } from "../src/store/types.ts";
import { post, startGateway } from "./loopback.ts";
import { appendSyntheticEntries } from "./syntheticEntries.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const POSTGRES_URL = process.env.KPPE_BENCH_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";
// BENCH_ONLY=batch (or "submit", "16 clients", ...) and BENCH_STORES=sqlite narrow a run while
// working on one figure; the recorded figures come from a full run.
const ONLY = process.env.BENCH_ONLY ?? "";
const STORES = (process.env.BENCH_STORES ?? "sqlite,postgres").split(",");
// BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the gateway process.
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean);
// BENCH_PREFILL=10000000 starts each store's ledger (and its log) at that many entries with random
// UUIDv4 event ids, as a ledger grown by applications that use them; empty by default.
const PREFILL = Number(process.env.BENCH_PREFILL ?? 0);
// "chained": each request carries the head it last saw as previous_event_hash (the protocol's
// strict mode): one client's next submit waits for its last receipt, and clients racing for the
// same head collide (409, then retry on the head the refusal names); only accepted events count.
const SCENARIOS: Array<{ name: string; clients: number; batch: number; uuids?: boolean; chained?: boolean }> = [
  { name: "submit, 1 client, chained", clients: 1, batch: 0, chained: true },
  { name: "submit, 16 clients, chained", clients: 16, batch: 0, chained: true },
  { name: "submit_batch 256, 1 client, chained", clients: 1, batch: 256, chained: true },
  { name: "submit_batch 256, 4 clients, chained", clients: 4, batch: 256, chained: true },
  { name: "submit, 1 client", clients: 1, batch: 0 },
  { name: "submit, 16 clients", clients: 16, batch: 0 },
  { name: "submit, 64 clients", clients: 64, batch: 0 },
  { name: "submit_batch 256, 4 clients", clients: 4, batch: 256 },
  { name: "submit_batch 256, 16 clients", clients: 16, batch: 256 },
  // Random event ids (UUIDs, as many applications use) land all over the event_id index.
  { name: "submit_batch 256, 4 clients, UUID ids", clients: 4, batch: 256, uuids: true },
].filter((s) => s.name.includes(ONLY));

// Request bodies are written from a template, with payload hashes drawn from a pool made before
// the clock starts: the load generator shares the gateway's 2 cores, and what it spends making
// events is taken from the gateway. The gateway's work does not depend on the hash values.
const PAYLOAD_HASHES = Array.from({ length: 4096 }, () => "0x" + randomBytes(32).toString("hex"));
let sequence = 0;
function event(uuids = false, previous?: string): string {
  sequence++;
  const id = uuids ? randomUUID() : `bench-${process.pid}-${sequence}`;
  const link = previous ? `"previous_event_hash":"${previous}",` : "";
  return `{"version":"0.1","event_id":"${id}",${link}"payload_hash":"${PAYLOAD_HASHES[sequence % 4096]}","source_id":"bench","data":{"n":${sequence}}}`;
}

/** The head a chained client links to next: from its last receipt, or from the 409 that names the current head. */
function nextHead(status: number, text: string, batch: number): string | undefined {
  const json = JSON.parse(text);
  if (status === 200) return batch ? json.receipts[json.receipts.length - 1].event_hash : json.event_hash;
  return json.head?.event_hash;
}

/** Runs `scenario` against the gateways at `urls`, its clients spread over them in turn. */
async function run(urls: URL[], scenario: (typeof SCENARIOS)[number]) {
  const url = urls[0];
  const agent = new http.Agent({ keepAlive: true, maxSockets: scenario.clients });
  const latencies: number[] = [];
  let events = 0;
  let failures = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let collisions = 0;
  const startHead = scenario.chained ? ((await (await fetch(new URL("/head", url))).json()) as { event_hash: string }).event_hash : undefined;
  await Promise.all(
    Array.from({ length: scenario.clients }, async (_, client) => {
      const target = urls[client % urls.length];
      let head = startHead;
      while (performance.now() < deadline) {
        // A chained batch links its first event to the head; the rest follow it in order.
        const [path, body, count] = scenario.batch
          ? ["/submit_batch", `{"events":[${Array.from({ length: scenario.batch }, (_, i) => event(scenario.uuids, i === 0 ? head : undefined)).join(",")}]}`, scenario.batch]
          : ["/submit", event(scenario.uuids, head), 1];
        const t0 = performance.now();
        const { status, text } = await post(agent, target, path, body, scenario.chained);
        latencies.push(performance.now() - t0);
        if (status === 200) events += count;
        else if (scenario.chained && status === 409) collisions++;
        else failures++;
        if (scenario.chained) head = nextHead(status, text, scenario.batch) ?? head;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 100) / 100;
  return { scenario: scenario.name, eventsPerSec: Math.round(events / elapsed), requests: latencies.length, collisions, failures, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`Gateway benchmark — ${cpu}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}, ${SECONDS} s per scenario`);
console.log("store       scenario                                  events/s   p50 ms   p99 ms   requests  collided  failures");
const results: Record<string, unknown>[] = [];
// BENCH_POSTGRES_SCHEMA=name keeps the PostgreSQL ledger after the run and starts from it next
// time (prefilled once), for working on one figure at ten million entries; a recorded run uses a
// new schema, dropped at the end.
const KEPT_SCHEMA = process.env.BENCH_POSTGRES_SCHEMA;
const schema = KEPT_SCHEMA ?? `kppe_bench_${process.pid}`;
const sqliteDirectory = mkdtempSync(join(tmpdir(), "kppe-bench-"));
const stores = ([
  ["sqlite", join(sqliteDirectory, "ledger.sqlite")],
  ["postgres", `${POSTGRES_URL}?schema=${schema}`],
] as Array<[string, string]>).filter(([kind]) => STORES.includes(kind));
const report = (kind: string, r: Awaited<ReturnType<typeof run>>) => {
  console.log(`${kind.padEnd(12)}${r.scenario.padEnd(40)}${String(r.eventsPerSec).padStart(10)}${String(r.p50Ms).padStart(9)}${String(r.p99Ms).padStart(9)}${String(r.requests).padStart(11)}${String(r.collisions).padStart(10)}${String(r.failures).padStart(10)}`);
  results.push({ store: kind, ...r });
};
/**
 * Starts the ledger at `location` at PREFILL entries (or at what a kept schema holds), at rest:
 * on PostgreSQL vacuumed and checkpointed before the clock, instead of during a scenario.
 */
async function prefill(location: string): Promise<void> {
  if (PREFILL === 0) return;
  const store = await openStore(location);
  try {
    const kept = (await store.head()).fifo_sequence;
    if (kept >= PREFILL) console.log(`(${location.split("?")[0]}: the kept ledger of ${kept.toLocaleString("en-US")} entries)`);
    else await fill(store, location.split("?")[0], PREFILL - kept);
  } finally {
    await store.close();
  }
  if (location.startsWith("postgres")) {
    const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
    await client.connect();
    await client.query("VACUUM (ANALYZE) ledger_entries");
    await client.query("CHECKPOINT");
    await client.end();
  }
}

/**
 * Appends `count` entries with random UUIDv4 event ids straight through the store, then
 * integrates the log over them, so that the gateway starts on a grown ledger with nothing to
 * catch up. The ids are inserted in sorted order, since random order would take hours at this
 * size (the cost the UUID scenario measures): the index holds the same keys, its pages fuller
 * than random growth leaves them.
 */
async function fill(store: LedgerStore, name: string, count: number): Promise<void> {
  const started = performance.now();
  // randomUUID() returns a string built by concatenation (a tree of pieces, over 600 bytes);
  // ten million of them exhaust a 4 GiB heap. A round trip through a Buffer makes each flat.
  const ids = Array.from({ length: count }, () => Buffer.from(randomUUID(), "latin1").toString("latin1")).sort();
  await appendSyntheticEntries(store, count, (i) => ids[i], (appended) => {
    if (appended % 262_144 === 0) process.stderr.write(`\r  prefilling ${name}: ${appended.toLocaleString("en-US")}/${count.toLocaleString("en-US")}`);
  });
  process.stderr.write(`\r  prefilled ${count.toLocaleString("en-US")} entries; integrating the log…\n`);
  await new StoredLog(store.log).integrate();
  console.log(`(${name}: ${count.toLocaleString("en-US")} entries and their log in ${((performance.now() - started) / 1000).toFixed(0)} s, before the clock)`);
  // What an event id lookup costs on this ledger (GET /receipts/<id>): taken ids and free ones.
  const lookups = async (pick: (i: number) => string) => {
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      await store.findByEventId(pick(i));
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return `p50 ${times[250].toFixed(2)} ms, p99 ${times[495].toFixed(2)} ms`;
  };
  console.log(`(event id lookups: taken ${await lookups((i) => ids[(i * 7919) % count])}; free ${await lookups(() => randomUUID())})`);
}

/** Removes the event id filter saved in the store: the next gateway reads every id as it starts, as the first start after an upgrade does. */
async function forgetSavedFilter(location: string): Promise<void> {
  const forget = "DELETE FROM event_id_filter; DELETE FROM event_id_filter_parts";
  if (location.startsWith("postgres")) {
    const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
    await client.connect();
    await client.query(forget);
    await client.end();
  } else {
    const db = new DatabaseSync(location);
    db.exec(forget);
    db.close();
  }
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

for (const [kind, location] of stores) {
  await prefill(location);
  if (PREFILL > 0) {
    await forgetSavedFilter(location);
    const starting = performance.now();
    const cold = await startGateway(location);
    console.log(`(gateway ready to append in ${seconds(starting)} without a saved event id filter: it reads every id, then saves the filter)`);
    await cold.stop();
  }
  const starting = performance.now();
  const gateway = await startGateway(location, GATEWAY_NODE_ARGS);
  if (PREFILL > 0) console.log(`(gateway ready to append in ${seconds(starting)} with the saved filter)`);
  try {
    for (const scenario of SCENARIOS) report(kind, await run([gateway.url], scenario));
  } finally {
    await gateway.stop();
  }
}
// Several gateway processes on one PostgreSQL ledger (BENCH_GATEWAYS=2,3): the same scenarios,
// the clients spread over the processes, which sequence through the store's lock; compare with
// the single process above, in the same run.
for (const count of (process.env.BENCH_GATEWAYS ?? "").split(",").filter(Boolean).map(Number)) {
  if (!STORES.includes("postgres")) break;
  const gateways = await Promise.all(Array.from({ length: count }, () => startGateway(`${POSTGRES_URL}?schema=${schema}`, GATEWAY_NODE_ARGS)));
  try {
    for (const scenario of SCENARIOS.filter((s) => !s.chained && s.clients >= count)) report(`postgres x${count}`, await run(gateways.map((g) => g.url), scenario));
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
  }
}
// A ten-million-entry SQLite ledger is 5 GB: not left behind in the temporary directory.
rmSync(sqliteDirectory, { recursive: true, force: true });
if (!KEPT_SCHEMA) {
  const postgres = await PostgresStore.open(POSTGRES_URL, { schema });
  await postgres.dropSchema();
  await postgres.close();
}
console.log(JSON.stringify({ bench: "gateway", date: new Date().toISOString(), cpu, node: process.version, seconds: SECONDS, prefill: PREFILL, results }));

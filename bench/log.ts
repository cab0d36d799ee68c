// npm run bench:log — the stored RFC 9162 log: integration of 2^20 entries on SQLite and
// PostgreSQL (durable writes), then random inclusion and consistency proofs from the store and
// over HTTP (a gateway in its own process, 8 clients in this one), each next to the same proofs
// from a naive in-memory tree built in the same run.
// BENCH_LOG_SIZE (default 2^20), BENCH_STORES=sqlite,postgres. Ends with one JSON line.
import { mkdtempSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { hashChildren, leafHashBytes } from "../src/log/rfc9162.ts";
import { consistencyRanges, inclusionRanges, rangeHash } from "../src/log/rfc9162.ts";
import { StoredLog } from "../src/log/storedLog.ts";
import { PostgresStore } from "../src/store/postgres/postgresStore.ts";
import { SqliteStore } from "../src/store/sqlite/sqliteStore.ts";
import type { LedgerStore } from "../src/store/types.ts";
import { appendSyntheticEntries } from "./syntheticEntries.ts";

const SIZE = Number(process.env.BENCH_LOG_SIZE ?? 2 ** 20);
const STORES = (process.env.BENCH_STORES ?? "sqlite,postgres").split(",");
const POSTGRES_URL = process.env.KPPE_BENCH_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";
const INCLUSION_PROOFS = 10_000;
const CONSISTENCY_PROOFS = 1_000;
const WARMUP_PROOFS = 2_000;
const HTTP_CLIENTS = 8;
// BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the gateway process.
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const figures: Record<string, number> = {};

/** Fills a fresh ledger with SIZE entries. */
async function fill(store: LedgerStore): Promise<void> {
  const started = performance.now();
  await appendSyntheticEntries(store, SIZE, (i) => `b-${i + 1}`, (appended) => process.stderr.write(`\r  filling the ledger: ${fmt(appended)}/${fmt(SIZE)}`));
  process.stderr.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}

/** The naive reference: every level of the tree in memory, built once from the leaves. */
function memoryTree(leaves: Uint8Array[]) {
  const levels: Uint8Array[][] = [leaves];
  while (levels[levels.length - 1].length > 1) {
    const below = levels[levels.length - 1];
    const level: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) level.push(hashChildren(below[i], below[i + 1]));
    levels.push(level);
  }
  const perfect = (a: number, b: number) => levels[Math.log2(b - a)][a / (b - a)];
  return { proof: (ranges: Array<[number, number]>) => ranges.map(([a, b]) => rangeHash(a, b, perfect)) };
}

async function timeEach<T>(args: readonly T[], run: (arg: T) => Promise<unknown> | unknown): Promise<{ perSecond: number; p50: number; p99: number }> {
  const count = args.length;
  const times: number[] = [];
  const started = performance.now();
  for (const arg of args) {
    const t = performance.now();
    await run(arg);
    times.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(times, 50), p99: percentile(times, 99) };
}

function get(agent: http.Agent, url: URL, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path, agent }, (response) => {
        response.resume();
        response.on("end", () => (response.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${response.statusCode}`))));
      })
      .on("error", reject);
  });
}

/** A gateway in its own process over the same ledger (as bench:gateway runs it), so the load generator here does not share its thread. */
async function gatewayProcess(location: string): Promise<{ url: URL; stop(): void }> {
  const serve = fileURLToPath(new URL("../scripts/serve-gateway.ts", import.meta.url));
  const child = spawn(process.execPath, ["--no-warnings", ...GATEWAY_NODE_ARGS, serve, location, "0"], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, LOG_LEVEL: "error" } });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (d) => resolve(String(d).trim()));
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return { url: new URL(url), stop: () => child.kill("SIGTERM") };
}

/** `count` random inclusion proofs over HTTP from HTTP_CLIENTS clients at once. */
async function proofsOverHttp(agent: http.Agent, url: URL, count: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: HTTP_CLIENTS }, async () => {
      while (next < count) {
        next++;
        const index = Math.floor(Math.random() * SIZE);
        const t = performance.now();
        await get(agent, url, `/proof/inclusion?index=${index}&size=${SIZE}`);
        times.push(performance.now() - t);
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { perSecond: count / ((performance.now() - started) / 1000), p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function overHttp(location: string, kind: string): Promise<void> {
  const gateway = await gatewayProcess(location);
  const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_CLIENTS });
  // Untimed first, as for the store: a fresh process's first thousands of requests run in V8's
  // baseline tiers (a bare Fastify route here serves 2.5 times more once warm).
  await proofsOverHttp(agent, gateway.url, WARMUP_PROOFS);
  const { perSecond, p50, p99 } = await proofsOverHttp(agent, gateway.url, INCLUSION_PROOFS);
  console.log(`  inclusion proofs over HTTP (${HTTP_CLIENTS} clients): ${fmt(perSecond)}/s, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
  figures[`${kind}.http.inclusionPerSecond`] = Math.round(perSecond);
  agent.destroy();
  gateway.stop();
}

interface BenchStore {
  store: LedgerStore;
  location: string;
  /** Lets the database finish what a bulk load leaves it to do, so that proofs are timed on a settled store. */
  settle(): Promise<void>;
  cleanup(): Promise<void>;
}

async function bench(kind: string, open: () => Promise<BenchStore>): Promise<void> {
  console.log(`\n${kind}: ${fmt(SIZE)} entries`);
  const { store, location, settle, cleanup } = await open();
  try {
    await fill(store);
    const log = new StoredLog(store.log);
    const started = performance.now();
    await log.integrate();
    const seconds = (performance.now() - started) / 1000;
    console.log(`  integration: ${fmt(SIZE / seconds)} entries/s (${seconds.toFixed(2)} s, durable writes)`);
    figures[`${kind}.integratePerSecond`] = Math.round(SIZE / seconds);

    const settleStarted = performance.now();
    await settle();
    console.log(`  settled the store after the bulk load in ${((performance.now() - settleStarted) / 1000).toFixed(2)} s`);

    // The store's proofs are timed before the in-memory reference exists: its million-node heap
    // would put its garbage collector's pauses into the store's p99.
    const indexes = Array.from({ length: INCLUSION_PROOFS }, () => Math.floor(Math.random() * SIZE));
    const sizePairs = Array.from({ length: CONSISTENCY_PROOFS }, () => {
      const a = 1 + Math.floor(Math.random() * (SIZE - 1));
      return [a, a + Math.floor(Math.random() * (SIZE - a + 1))] as [number, number];
    });
    // A gateway serves proofs for days: the first thousands (the JIT's and the database's warm-up,
    // several times slower on PostgreSQL) are run untimed.
    await timeEach(indexes.slice(0, WARMUP_PROOFS), (i) => log.inclusionProof(i, SIZE));
    await timeEach(sizePairs.slice(0, WARMUP_PROOFS), ([a, b]) => log.consistencyProof(a, b));
    const stored = await timeEach(indexes, (i) => log.inclusionProof(i, SIZE));
    const storedC = await timeEach(sizePairs, ([a, b]) => log.consistencyProof(a, b));

    const { data } = await store.log.leafData(1, SIZE);
    const memoryStarted = performance.now();
    const tree = memoryTree(Array.from({ length: SIZE }, (_, i) => leafHashBytes(data.subarray(i * 64, i * 64 + 32), data.subarray(i * 64 + 32, i * 64 + 64))));
    console.log(`  naive in-memory tree built in ${((performance.now() - memoryStarted) / 1000).toFixed(2)} s (the reference below; it holds every level in memory)`);
    const memory = await timeEach(indexes, (i) => tree.proof(inclusionRanges(i, SIZE)));
    const memoryC = await timeEach(sizePairs, ([a, b]) => tree.proof(consistencyRanges(a, b)));

    console.log(`  inclusion proofs from the store: ${fmt(stored.perSecond)}/s, p50 ${stored.p50.toFixed(3)} ms, p99 ${stored.p99.toFixed(3)} ms | in memory: ${fmt(memory.perSecond)}/s, p99 ${memory.p99.toFixed(3)} ms`);
    figures[`${kind}.store.inclusionP99Ms`] = Number(stored.p99.toFixed(3));
    figures[`${kind}.store.inclusionPerSecond`] = Math.round(stored.perSecond);
    console.log(`  consistency proofs from the store: ${fmt(storedC.perSecond)}/s, p50 ${storedC.p50.toFixed(3)} ms, p99 ${storedC.p99.toFixed(3)} ms | in memory: ${fmt(memoryC.perSecond)}/s, p99 ${memoryC.p99.toFixed(3)} ms`);
    figures[`${kind}.store.consistencyP99Ms`] = Number(storedC.p99.toFixed(3));

    await overHttp(location, kind);
  } finally {
    await store.close();
    await cleanup();
  }
}

if (STORES.includes("sqlite")) {
  const file = join(mkdtempSync(join(tmpdir(), "kppe-bench-log-")), "ledger.sqlite");
  // SQLite has no background work: its WAL is checkpointed as it is written.
  await bench("sqlite", async () => ({ store: new SqliteStore(file), location: file, settle: async () => undefined, cleanup: async () => undefined }));
}
if (STORES.includes("postgres")) {
  const schema = `kppe_bench_log_${process.pid}`;
  await bench("postgres", async () => ({
    store: await PostgresStore.open(POSTGRES_URL, { schema }),
    location: `${POSTGRES_URL}?schema=${schema}`,
    // A million fresh rows leave autovacuum and the checkpointer work that could otherwise run
    // during the proof timings: done first, as it is by the time a gateway that grew its ledger
    // over days serves proofs (in the runs of 2026-12-04 it moved the p99 by less than the noise).
    settle: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`SET search_path TO ${schema}`);
        await client.query("VACUUM ANALYZE ledger_entries, log_chunks, log_state");
        await client.query("CHECKPOINT");
      } finally {
        await client.end();
      }
    },
    cleanup: async () => {
      const store = await PostgresStore.open(POSTGRES_URL, { schema });
      await store.dropSchema();
      await store.close();
    },
  }));
}
console.log(JSON.stringify(figures));

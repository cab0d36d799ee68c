// npm run bench:gateway — accepted events/s and latency of the gateway, load from this process
// over loopback to a gateway in its own process (scripts/serve-gateway.ts), on SQLite and on
// PostgreSQL. Every receipt counted is durable (the gateway answers after commit). Ends with one
// JSON line of the figures.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PostgresStore } from "../src/store/postgres/postgresStore.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const POSTGRES_URL = process.env.KPPE_BENCH_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";
// BENCH_ONLY=batch (or "submit", "16 clients", ...) and BENCH_STORES=sqlite narrow a run while
// working on one figure; the recorded figures come from a full run.
const ONLY = process.env.BENCH_ONLY ?? "";
const STORES = (process.env.BENCH_STORES ?? "sqlite,postgres").split(",");
// BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the gateway process.
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean);
const SCENARIOS = [
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
function event(uuids = false): string {
  sequence++;
  const id = uuids ? randomUUID() : `bench-${process.pid}-${sequence}`;
  return `{"version":"0.1","event_id":"${id}","payload_hash":"${PAYLOAD_HASHES[sequence % 4096]}","source_id":"bench","data":{"n":${sequence}}}`;
}

function post(agent: http.Agent, url: URL, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function run(url: URL, scenario: (typeof SCENARIOS)[number]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: scenario.clients });
  const latencies: number[] = [];
  let events = 0;
  let failures = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: scenario.clients }, async () => {
      while (performance.now() < deadline) {
        const [path, body, count] = scenario.batch
          ? ["/submit_batch", `{"events":[${Array.from({ length: scenario.batch }, () => event(scenario.uuids)).join(",")}]}`, scenario.batch]
          : ["/submit", event(scenario.uuids), 1];
        const t0 = performance.now();
        const status = await post(agent, url, path, body);
        latencies.push(performance.now() - t0);
        if (status === 200) events += count;
        else failures++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 100) / 100;
  return { scenario: scenario.name, eventsPerSec: Math.round(events / elapsed), requests: latencies.length, failures, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

async function startGateway(store: string): Promise<{ url: URL; stop(): void }> {
  const serve = fileURLToPath(new URL("../scripts/serve-gateway.ts", import.meta.url));
  const child = spawn(process.execPath, ["--no-warnings", ...GATEWAY_NODE_ARGS, serve, store, "0"], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, LOG_LEVEL: "error" } });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (d) => resolve(String(d).trim()));
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return { url: new URL(url), stop: () => child.kill("SIGTERM") };
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`Gateway benchmark — ${cpu}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}, ${SECONDS} s per scenario`);
console.log("store     scenario                                  events/s   p50 ms   p99 ms   requests  failures");
const results: Record<string, unknown>[] = [];
const schema = `kppe_bench_${process.pid}`;
const stores = ([
  ["sqlite", join(mkdtempSync(join(tmpdir(), "kppe-bench-")), "ledger.sqlite")],
  ["postgres", `${POSTGRES_URL}?schema=${schema}`],
] as Array<[string, string]>).filter(([kind]) => STORES.includes(kind));
for (const [kind, location] of stores) {
  const gateway = await startGateway(location);
  try {
    for (const scenario of SCENARIOS) {
      const r = await run(gateway.url, scenario);
      console.log(`${kind.padEnd(10)}${r.scenario.padEnd(40)}${String(r.eventsPerSec).padStart(10)}${String(r.p50Ms).padStart(9)}${String(r.p99Ms).padStart(9)}${String(r.requests).padStart(11)}${String(r.failures).padStart(10)}`);
      results.push({ store: kind, ...r });
    }
  } finally {
    gateway.stop();
  }
}
const pg = await PostgresStore.open(POSTGRES_URL, { schema });
await pg.dropSchema();
await pg.close();
console.log(JSON.stringify({ bench: "gateway", date: new Date().toISOString(), cpu, node: process.version, seconds: SECONDS, results }));

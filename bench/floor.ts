// npm run bench:floor — what a lone client's durable submit can cost at the least on this
// machine, next to the gateway's, in one run. One client sends chained events one after another
// (each carries the previous answer's event_hash), as bench:gateway's "submit, 1 client, chained".
// The floors are bare Node servers (node:http, JSON.parse, one SHA-256, a receipt-sized answer):
// without storage, then with one durable write per request: a 4 KiB block written and
// fdatasync'ed, a one-row SQLite commit (WAL, synchronous=FULL, as the gateway's), a one-row
// PostgreSQL insert (synchronous_commit=on). Servers alternate for BENCH_ROUNDS rounds (default 2),
// BENCH_SECONDS each (default 5). Ends with one JSON line of the figures.
import { createHash, randomBytes } from "node:crypto";
import { fdatasyncSync, mkdtempSync, openSync, writeSync } from "node:fs";
import http from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PostgresStore } from "../src/store/postgres/postgresStore.ts";
import { post, startGateway, startServer } from "./loopback.ts";

const POSTGRES_URL = process.env.KPPE_BENCH_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const schema = `kppe_floor_${process.pid}`;

type Floor = "http" | "http+fdatasync" | "http+sqlite" | "http+postgres";

/** The floor server: answers each POST after its durable write, if any. Prints its URL. */
async function serveFloor(floor: Floor, table: string): Promise<void> {
  let write: (sequence: number, eventId: string, hash: string, body: string) => void | Promise<unknown> = () => {};
  if (floor === "http+fdatasync") {
    const fd = openSync(join(mkdtempSync(join(tmpdir(), "kppe-floor-")), "blocks"), "w");
    const block = Buffer.alloc(4096, 7);
    for (let i = 0; i < 256; i++) writeSync(fd, block); // overwrite allocated blocks: no metadata to sync
    fdatasyncSync(fd);
    write = (sequence) => (writeSync(fd, block, 0, block.length, (sequence % 256) * block.length), fdatasyncSync(fd));
  } else if (floor === "http+sqlite") {
    const db = new DatabaseSync(join(mkdtempSync(join(tmpdir(), "kppe-floor-")), "floor.sqlite"));
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE events (sequence INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, hash TEXT NOT NULL, body TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO events VALUES (?, ?, ?, ?)");
    write = (...row) => (db.exec("BEGIN IMMEDIATE"), insert.run(...row), db.exec("COMMIT"));
  } else if (floor === "http+postgres") {
    const client = new pg.Client({ connectionString: POSTGRES_URL, options: "-c synchronous_commit=on" });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (sequence BIGINT PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, hash TEXT NOT NULL, body JSONB NOT NULL)`);
    write = (...row) => client.query({ name: "insert", text: `INSERT INTO ${table} VALUES ($1, $2, $3, $4)`, values: row });
  }
  let sequence = 0;
  const server = http.createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk) => (body += chunk));
    request.on("end", async () => {
      const event = JSON.parse(body);
      const hash = "0x" + createHash("sha256").update(body).digest("hex");
      await write(++sequence, event.event_id, hash, body);
      const receipt = JSON.stringify({ receipt_version: "1", fifo_sequence: sequence, event_id: event.event_id, event_hash: hash, prev_hash: event.previous_event_hash, content_hash: hash });
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(receipt) }).end(receipt);
    });
  });
  server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
}

/** One client, chained, for SECONDS: accepted events/s and latency percentiles in ms. */
async function measure(url: URL, head: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const payload = "0x" + randomBytes(32).toString("hex");
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    const body = `{"version":"0.1","event_id":"floor-${process.pid}-${latencies.length}-${started}","previous_event_hash":"${head}","payload_hash":"${payload}","source_id":"bench","data":{"n":${latencies.length}}}`;
    const t0 = performance.now();
    const { status, text } = await post(agent, url, "/submit", body, true);
    latencies.push(performance.now() - t0);
    if (status !== 200) throw new Error(`${url} answered ${status}: ${text}`);
    head = JSON.parse(text).event_hash;
  }
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.floor(latencies.length * p)] * 1000) / 1000;
  return { eventsPerSec: Math.round(latencies.length / elapsed), p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

if (process.argv[2] === "serve") {
  await serveFloor(process.argv[3] as Floor, process.argv[4]);
} else {
  const sqlite = join(mkdtempSync(join(tmpdir(), "kppe-floor-")), "ledger.sqlite");
  const servers: Array<[string, () => ReturnType<typeof startServer>]> = [
    ...(["http", "http+fdatasync", "http+sqlite", "http+postgres"] as const).map((floor) => [`floor: ${floor}`, () => startServer(fileURLToPath(import.meta.url), ["serve", floor, `${schema}_events`])] as [string, () => ReturnType<typeof startServer>]),
    ["gateway: sqlite", () => startGateway(sqlite)],
    ["gateway: postgres", () => startGateway(`${POSTGRES_URL}?schema=${schema}`)],
  ];
  console.log(`Floor benchmark — ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}, 1 chained client, ${SECONDS} s per run`);
  console.log("server                      round   events/s   p50 ms   p99 ms");
  const results: Record<string, unknown>[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, start] of servers) {
        const server = await start();
        try {
          // The gateway refuses a link to anything but its head; the floors echo any hash.
          const head = name.startsWith("gateway") ? ((await (await fetch(new URL("/head", server.url))).json()) as { event_hash: string }).event_hash : "0x" + "00".repeat(32);
          const r = await measure(server.url, head);
          console.log(`${name.padEnd(28)}${String(round).padStart(5)}${String(r.eventsPerSec).padStart(11)}${r.p50Ms.toFixed(3).padStart(9)}${r.p99Ms.toFixed(3).padStart(9)}`);
          results.push({ server: name, round, ...r });
        } finally {
          server.stop();
        }
      }
    }
  } finally {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${schema}_events`);
    await client.end();
    const store = await PostgresStore.open(POSTGRES_URL, { schema });
    await store.dropSchema();
    await store.close();
  }
  console.log(JSON.stringify({ bench: "floor", date: new Date().toISOString(), cpu: cpus()[0]?.model, node: process.version, seconds: SECONDS, results }));
}

// npm run bench:replicate — how fast a storage node (`npx hardhat ledger:replicate`) copies and
// checks a ledger it is behind on: BENCH_EVENTS (default 300,000) events in the gateway's ledger
// (SQLite, or PostgreSQL with BENCH_STORE=postgres), a new node started with an empty copy; the
// time until its head is the gateway's. Both in processes of their own, over loopback.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openStore } from "../src/store/open.ts";
import { PostgresStore } from "../src/store/postgres/postgresStore.ts";
import { appendEvents } from "../test/helpers/chain.ts";
import { freePort } from "../test/helpers/processes.ts";
import { startGateway } from "./loopback.ts";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const POSTGRES_URL = process.env.KPPE_BENCH_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/test";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "kppe-bench-replicate-"));
const location = process.env.BENCH_STORE === "postgres" ? `${POSTGRES_URL}?schema=kppe_bench_replicate_${process.pid}` : join(dir, "ledger.sqlite");

const store = await openStore(location);
process.stderr.write(`appending ${EVENTS.toLocaleString("en-US")} events (not timed)...\n`);
await appendEvents(store, EVENTS);
const gateway = await startGateway(location);
const nodePort = await freePort();
const started = performance.now();
const node: ChildProcess = spawn(process.execPath, ["--no-warnings", join(ROOT, "node_modules/hardhat/dist/src/cli.js"), "ledger:replicate", "--gateway", gateway.url.origin, "--store", join(dir, "replica.sqlite"), "--port", String(nodePort), "--ephemeral-key"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, LOG_LEVEL: "error" } });
console.log(`Replication benchmark — ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}, ${EVENTS.toLocaleString("en-US")} events, gateway on ${process.env.BENCH_STORE === "postgres" ? "PostgreSQL" : "SQLite"}`);
let head = 0;
let last = { at: started, head: 0 };
while (head < EVENTS) {
  await new Promise((r) => setTimeout(r, 250));
  head = await fetch(`http://127.0.0.1:${nodePort}/head`).then(async (r) => ((await r.json()) as { fifo_sequence: number }).fifo_sequence, () => 0);
  if (performance.now() - last.at >= 5_000 || head >= EVENTS) {
    console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  head ${String(head).padStart(9)}  ${Math.round(((head - last.head) * 1000) / (performance.now() - last.at)).toLocaleString("en-US").padStart(8)} entries/s`);
    last = { at: performance.now(), head };
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`replicated ${EVENTS.toLocaleString("en-US")} entries in ${seconds.toFixed(1)} s (node start-up included): ${Math.round(EVENTS / seconds).toLocaleString("en-US")} entries/s`);
node.kill("SIGTERM");
gateway.stop();
if (store instanceof PostgresStore) await store.dropSchema();
await store.close();

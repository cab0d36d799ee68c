// npm run soak — a bounded soak of the whole pipeline: clients submit batches over HTTP to a
// gateway process (SQLite, or KPPE_SOAK_STORE=postgres://…), a storage node process replicates,
// the chain is `npx hardhat node` in a process of its own, and the keeper runs in this process
// (so each one's memory is its own). Every 10 s it prints each
// process's resident memory and open file descriptors and the rates; at the end, how each moved.
// Flat memory and descriptors are the goal. SOAK_EVENTS (default 1,000,000) and SOAK_MINUTES
// (default 10) bound the run; it stops at whichever comes first.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ContractFactory, type Contract } from "ethers";
import hre from "hardhat";
import { AnchorChain } from "../src/chain/anchorChain.ts";
import { devWallet } from "../src/chain/devAccount.ts";
import { rpcProvider } from "../src/chain/rpcProvider.ts";
import { Keeper } from "../src/keeper/keeper.ts";
import { resolveSettings } from "../src/keeper/settings.ts";
import { openStore } from "../src/store/open.ts";

const EVENTS = Number(process.env.SOAK_EVENTS ?? 1_000_000);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CLIENTS = 4;
const BATCH = 256;
const REPORT_MS = 10_000;
const dir = mkdtempSync(join(tmpdir(), "kppe-soak-"));
const location = process.env.KPPE_SOAK_STORE ?? join(dir, "ledger.sqlite");
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Starts `args` with Node and resolves once `ready` matches its output. */
async function start(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--no-warnings", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LOG_LEVEL: "error" } });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const look = (d: Buffer) => {
      output += d;
      if (ready.test(output)) resolve();
    };
    child.stdout!.on("data", look);
    child.stderr!.on("data", look);
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${output}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/** Resident memory (MiB) and open descriptors of a process, from /proc. */
function usage(pid: number): { rssMiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  return { rssMiB: Math.round(rss), fds: readdirSync(`/proc/${pid}/fd`).length };
}

const hardhatBin = join(ROOT, "node_modules/hardhat/dist/src/cli.js");
const chainPort = await freePort();
const chainNode = await start([hardhatBin, "node", "--hostname", "127.0.0.1", "--port", String(chainPort)], /JSON-RPC server at/);
const rpcUrl = `http://127.0.0.1:${chainPort}`;
// KPPEAnchor, owned by development account 0, which also anchors.
const owner = devWallet(0).connect(rpcProvider(rpcUrl));
const artifact = await hre.artifacts.readArtifact("KPPEAnchor");
const kppeAnchor = (await new ContractFactory(artifact.abi, artifact.bytecode, owner).deploy(owner.address)) as Contract;
await kppeAnchor.waitForDeployment();
await (await kppeAnchor.getFunction("setAuthorized")(owner.address, true)).wait();
const gatewayPort = await freePort();
const gateway = await start([join(ROOT, "scripts/serve-gateway.ts"), location, String(gatewayPort)], /http:\/\//);
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
const nodePort = await freePort();
const storageNode = await start([hardhatBin, "ledger:replicate", "--gateway", gatewayUrl, "--store", join(dir, "replica.sqlite"), "--port", String(nodePort), "--ephemeral-key"], /Storage node|replicat|listening/i);
const store = await openStore(location);
const settings = resolveSettings({ intervalMs: 2_000, maxEventsPerBatch: 16_384, confirmations: 1 });
const chain = await AnchorChain.open({ provider: rpcProvider(rpcUrl), wallet: devWallet(0), contract: (await kppeAnchor.getAddress()).toLowerCase(), retry: settings.retry, onRetry: () => undefined });
const keeper = new Keeper({ store, chain, settings, log: () => undefined });
const keeping = keeper.run();

const hashes = Array.from({ length: 4096 }, () => "0x" + randomBytes(32).toString("hex"));
let submitted = 0;
let failures = 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
const post = (body: string) =>
  new Promise<number>((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port: gatewayPort, path: "/submit_batch", method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
      response.resume().on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
    request.end(body);
  });

const started = Date.now();
const deadline = started + MINUTES * 60_000;
const processes = { gateway: gateway.pid!, "storage node": storageNode.pid!, keeper: process.pid, chain: chainNode.pid! };
const first = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, usage(pid)]));
const peak = structuredClone(first);
console.log(`Soak — ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}; up to ${EVENTS.toLocaleString("en-US")} events or ${MINUTES} min; store ${location.startsWith("postgres") ? "PostgreSQL" : "SQLite"}`);
console.log("  time  submitted   events/s   anchored  replicated  | RSS MiB and open fds: " + Object.keys(processes).join(", "));
let lastSubmitted = 0;
async function report(): Promise<void> {
  const head = (await (await fetch(`http://127.0.0.1:${nodePort}/head`)).json()) as { fifo_sequence: number };
  // From the contract: the keeper's own count is refreshed only when a cycle ends, and under load a cycle goes on.
  const anchored = await chain.totalEventsAnchored();
  const now = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, usage(pid)]));
  for (const [name, u] of Object.entries(now)) peak[name] = { rssMiB: Math.max(peak[name].rssMiB, u.rssMiB), fds: Math.max(peak[name].fds, u.fds) };
  const rate = Math.round((submitted - lastSubmitted) / (REPORT_MS / 1000));
  lastSubmitted = submitted;
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `${String(seconds).padStart(5)}s ${String(submitted).padStart(10)} ${String(rate).padStart(10)} ${String(anchored).padStart(10)} ${String(head.fifo_sequence).padStart(11)}  | ` +
      Object.values(now).map((u) => `${u.rssMiB} MiB ${u.fds} fds`).join(", "),
  );
}
const timer = setInterval(() => void report().catch((error) => console.log(`report failed: ${error.message}`)), REPORT_MS);
let sequence = 0;
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    while (submitted < EVENTS && Date.now() < deadline) {
      const events = Array.from({ length: BATCH }, () => {
        sequence++;
        return `{"version":"0.1","event_id":"soak-${sequence}","payload_hash":"${hashes[sequence % 4096]}","source_id":"soak","data":{"n":${sequence}}}`;
      });
      if ((await post(`{"events":[${events.join(",")}]}`)) === 200) submitted += BATCH;
      else failures++;
    }
  }),
);
// Let the keeper and the storage node catch up (bounded), then report how everything moved.
const catchUp = Date.now() + 120_000;
while (Date.now() < catchUp && (await chain.totalEventsAnchored()) < submitted) await new Promise((r) => setTimeout(r, 1_000));
clearInterval(timer);
await report();
const last = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, usage(pid)]));
console.log(`submitted ${submitted.toLocaleString("en-US")} events (${failures} refused requests) in ${Math.round((Date.now() - started) / 1000)} s; anchored ${(await chain.totalEventsAnchored()).toLocaleString("en-US")}`);
for (const name of Object.keys(processes)) {
  console.log(`${name.padEnd(14)} RSS ${first[name].rssMiB} -> ${last[name].rssMiB} MiB (peak ${peak[name].rssMiB}); fds ${first[name].fds} -> ${last[name].fds} (peak ${peak[name].fds})`);
}
keeper.stop();
await keeping;
agent.destroy();
gateway.kill("SIGTERM");
storageNode.kill("SIGTERM");
chainNode.kill("SIGTERM");
chain.close();
(owner.provider as { destroy?: () => void } | null)?.destroy?.();
await store.close();
process.exit(failures > 0 ? 1 : 0);

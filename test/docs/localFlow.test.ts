import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DOC = join(ROOT, "docs/local.md");
const DEPLOYMENTS = join(ROOT, "ignition/deployments/chain-31337");
const PORTS = [8545, 8080, 8090];

/** The lines of the sh block after the `local-flow` marker, without comments. */
function flowCommands(): string[] {
  const text = readFileSync(DOC, "utf8");
  const block = /<!-- local-flow[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(block, "docs/local.md has the local-flow block");
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#\s.*$/, "").trim())
    .filter(Boolean);
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer().once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });

/** Waits until `url` answers (a JSON-RPC endpoint answers a POST). */
async function answers(url: string, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

// The documented local flow, run as written: every command must succeed, and the verifications
// must say VERIFIED.
describe("docs/local.md: the local flow works exactly as written", function () {
  this.timeout(600_000);
  const background: ChildProcess[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PRIVATE_KEY;
  delete env.KPPE_STORE;
  let parked: string | undefined;

  before(async function () {
    const taken = [];
    for (const port of PORTS) if (!(await portFree(port))) taken.push(port);
    if (taken.length > 0) {
      console.log(`      SKIPPED: the documented flow uses ports ${PORTS.join(", ")}, and ${taken.join(", ")} are taken on this machine`);
      this.skip();
    }
    rmSync(join(ROOT, "data/local"), { recursive: true, force: true });
    // A deployment on an earlier local chain is put aside, and put back after.
    if (existsSync(DEPLOYMENTS)) renameSync(DEPLOYMENTS, (parked = `${DEPLOYMENTS}.parked-${process.pid}`));
  });

  after(async function () {
    for (const child of background) {
      try {
        process.kill(-child.pid!, "SIGTERM"); // the whole group: npx, its shell and the task
      } catch {
        // already gone
      }
    }
    rmSync(join(ROOT, "data/local"), { recursive: true, force: true });
    rmSync(DEPLOYMENTS, { recursive: true, force: true });
    if (parked) renameSync(parked, DEPLOYMENTS);
  });

  it("runs every command of the block, and each verification passes", async function () {
    const outputs = new Map<string, string>();
    for (const line of flowCommands()) {
      const exported = /^export (\w+)=(\S+)$/.exec(line);
      if (exported) {
        env[exported[1]] = exported[2];
        continue;
      }
      if (line.endsWith("&")) {
        const command = line.slice(0, -1).trim();
        const child = spawn("sh", ["-c", command], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout!.on("data", (d) => (output += d));
        child.stderr!.on("data", (d) => (output += d));
        child.once("exit", (code) => code && console.log(`      ${command} exited with ${code}:\n${output}`));
        background.push(child);
        if (command.includes("hardhat node")) await answers("http://127.0.0.1:8545", command);
        else if (command.includes("ledger:serve")) await answers("http://127.0.0.1:8080/head", command);
        else if (command.includes("ledger:replicate")) await answers("http://127.0.0.1:8090/head", command);
        continue;
      }
      const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn("sh", ["-c", line], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.once("exit", (code) => resolve({ code, output }));
      });
      assert.equal(result.code, 0, `\`${line}\` failed:\n${result.output}`);
      outputs.set(line, result.output);
    }
    // Beyond the page: only the owner may authorize, and authorizing twice changes nothing.
    const run = (line: string, extra: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn("sh", ["-c", line], { cwd: ROOT, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.once("exit", (code) => resolve({ code, output }));
      });
    const notOwner = await run("npx hardhat anchor:authorize --address 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC --network localhost");
    assert.notEqual(notOwner.code, 0);
    assert.match(notOwner.output, /only the owner of KPPEAnchor 0x[0-9a-fA-F]{40}, 0xf39F[0-9a-fA-F]{36}, can change its anchors; PRIVATE_KEY is 0x70997970C51812dc3A010C7d01b50e0d17dc79C8/);
    const again = await run("npx hardhat recorder:authorize --address 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --network localhost", { PRIVATE_KEY: "" });
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /0x70997970C51812dc3A010C7d01b50e0d17dc79C8 is already a writer of ProofRecorder/);

    const output = (task: string) => [...outputs.entries()].find(([line]) => line.includes(task))?.[1] ?? "";
    assert.match(output("anchor --once"), /Batch #1 confirmed in block \d+ \| 1 events anchored/);
    assert.match(output("anchor:verify"), /VERIFIED EXCEPT what was not checked \(checkpoint signature\): click-1 is entry 1 of the log anchored in batch #1 on chain 31337/);
    assert.match(output("ledger:head --url http://127.0.0.1:8090"), /^sequence 1 +event_hash 0x[0-9a-f]{64}/m, "the storage node holds the entry");
    assert.match(output("poe:verify"), /^VERIFIED: order ord-1 is in PoE batch #1/m);
    assert.match(output("session:verify"), /^VERIFIED: data\/local\/call-1 is session "call-1"/m);
  });
});

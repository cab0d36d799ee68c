import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// A process manager stops a service with SIGTERM to the process it started: through npx, that is
// npx, whose SIGTERM never reaches the task's own process.
describe("long-running tasks stop when npx is stopped", function () {
  this.timeout(90_000);

  it("npx hardhat ledger:serve: SIGTERM to npx stops the gateway, which finishes and exits", async function () {
    const store = join(mkdtempSync(join(tmpdir(), "kppe-stop-")), "ledger.sqlite");
    const env = { ...process.env };
    delete env.npm_command; // as from a shell, not from npm test
    const npx = spawn("npx", ["hardhat", "ledger:serve", "--store", store, "--port", "0", "--log-format", "json"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    npx.stderr.on("data", (d) => (output += d));
    // The gateway logs its pid and URL once it listens (JSON lines carry the pid).
    const { pid, url } = await new Promise<{ pid: number; url: string }>((resolve, reject) => {
      npx.stdout.on("data", (d) => {
        output += d;
        const line = output.split("\n").find((l) => l.includes("gateway listening on"));
        if (line) resolve(JSON.parse(line) as { pid: number; url: string });
      });
      npx.once("exit", (code) => reject(new Error(`npx exited with ${code}: ${output}`)));
    });
    assert.notEqual(pid, npx.pid, "the gateway runs in a process of its own, below npx");
    assert.equal((await fetch(`${url}/head`)).status, 200);

    npx.kill("SIGTERM");
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(pid), false, `the gateway process ${pid} is still running after npx was stopped:\n${output}`);
    assert.match(output, /npm exited: finishing in-flight requests, then stopping/);
    await assert.rejects(fetch(`${url}/head`), "nothing listens any more");
  });
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { runHardhatTask, whenGatewayListens } from "../helpers/processes.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

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
    const store = join(tempDirectory("kppe-stop-"), "ledger.sqlite");
    const npx = runHardhatTask(["ledger:serve", "--store", store, "--port", "0", "--log-format", "json"]);
    // The gateway logs its pid and URL once it listens (JSON lines carry the pid).
    const { pid, url } = await whenGatewayListens(npx, 60_000);
    assert.notEqual(pid, npx.child.pid, "the gateway runs in a process of its own, below npx");
    assert.equal((await fetch(`${url}/head`)).status, 200);

    npx.child.kill("SIGTERM");
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(pid), false, `the gateway process ${pid} is still running after npx was stopped:\n${npx.output}`);
    assert.match(npx.output, /npm exited: finishing in-flight requests, then stopping/);
    await assert.rejects(fetch(`${url}/head`), "nothing listens any more");
  });
});

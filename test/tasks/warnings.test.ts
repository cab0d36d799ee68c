import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempDirectory } from "../helpers/tempDirectory.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HARDHAT = realpathSync(join(ROOT, "node_modules/.bin/hardhat"));

describe("what a command prints besides its answer", function () {
  this.timeout(60_000);

  it("a task that opens a SQLite ledger prints no ExperimentalWarning (Node's warnings left on, as a user runs it)", async function () {
    const store = join(tempDirectory("kppe-warn-"), "ledger.sqlite");
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [HARDHAT, "ledger:audit", "--store", store], { cwd: ROOT });
    assert.match(stdout, /the chain verifies: 0 entries/);
    assert.doesNotMatch(stderr, /ExperimentalWarning/);
  });
});

describe("ledger:serve logs for a person by default, JSON on request", function () {
  this.timeout(60_000);

  async function serve(extra: string[]): Promise<string> {
    const { spawn } = await import("node:child_process");
    const store = join(tempDirectory("kppe-logs-"), "ledger.sqlite");
    const child = spawn(process.execPath, [HARDHAT, "ledger:serve", "--store", store, "--port", "0", "--log-level", "debug", ...extra], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stderr.on("data", (d) => (output += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        output += d;
        const match = /gateway listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
    });
    await fetch(`${url}/head`);
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    return output;
  }

  it("text: a line per record with time and level, and one line per request at debug", async function () {
    const output = await serve([]);
    assert.match(output, /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  gateway listening on http:\/\/127\.0\.0\.1:\d+ \(ledger: /m);
    assert.match(output, /^\S+ DEBUG GET \/head 200 [\d.]+ ms$/m);
    assert.doesNotMatch(output, /^\{/m, "no JSON lines");
  });

  it("--log-format json: pino's JSON lines, for log collectors", async function () {
    const lines = (await serve(["--log-format", "json"])).split("\n").filter((l) => l.startsWith("{"));
    const records = lines.map((l) => JSON.parse(l) as { msg?: string; level: number });
    assert.ok(records.some((r) => r.msg?.startsWith("gateway listening on")));
    assert.ok(records.some((r) => r.msg === "request completed"));
  });
});

describe("KPPE_LOG_FORMAT=json: every task's lines as JSON", function () {
  this.timeout(60_000);

  it("the keeper's lines (here its warning before it stops for want of a contract) are JSON objects", async function () {
    const store = join(tempDirectory("kppe-json-"), "ledger.sqlite");
    const env = { ...process.env, KPPE_LOG_FORMAT: "json", PRIVATE_KEY: "", KPPE_CONTRACT_ADDRESS: "" };
    const result = await promisify(execFile)(process.execPath, [HARDHAT, "anchor", "--once", "--store", store], { cwd: ROOT, env }).then(
      () => ({ stderr: "", ok: true }),
      (error: { stderr: string }) => ({ stderr: error.stderr, ok: false }),
    );
    assert.equal(result.ok, false, "no KPPEAnchor on the in-process chain: the task stops");
    const records = result.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { time: string; level: string; msg: string });
    const warning = records.find((r) => r.msg.includes("no PRIVATE_KEY set"));
    assert.ok(warning, result.stderr);
    assert.equal(warning.level, "warn");
    assert.ok(!Number.isNaN(Date.parse(warning.time)));
  });
});

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HARDHAT = realpathSync(join(ROOT, "node_modules/.bin/hardhat"));

describe("what a command prints besides its answer", function () {
  this.timeout(60_000);

  it("a task that opens a SQLite ledger prints no ExperimentalWarning (Node's warnings left on, as a user runs it)", async function () {
    const store = join(mkdtempSync(join(tmpdir(), "kppe-warn-")), "ledger.sqlite");
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [HARDHAT, "ledger:audit", "--store", store], { cwd: ROOT });
    assert.match(stdout, /the chain verifies: 0 entries/);
    assert.doesNotMatch(stderr, /ExperimentalWarning/);
  });
});

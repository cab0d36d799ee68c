import assert from "node:assert/strict";
import { flowPayCheckpoint } from "../../src/poe/checkpoint.ts";
import { referenceCheckpoint } from "../helpers/flowPayReference.ts";
import { randomLeaves } from "../helpers/random.ts";

describe("FlowPay checkpoint", function () {
  it("matches the vector in docs/formats.md (computed with Python's hashlib)", function () {
    const root = "0x23445e01a5c343febf115b0a26f04cf2a01f0c1e2f6ff65b491d9b2bf844d85c";
    assert.equal(flowPayCheckpoint(root, 1_795_000_000, 1), "0x37b91b23a223c5448c26c16e831dd15fc15b98fccd90554b91f17339187a7671");
  });

  it("is sha256(root || uint64 timestamp || uint256 batch id), big-endian, for any values", function () {
    for (const [timestamp, batchId] of [
      [0, 0],
      [1, 2],
      [2 ** 32 + 7, 65_536],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ]) {
      const [root] = randomLeaves(1);
      assert.equal(flowPayCheckpoint(root, timestamp, batchId), referenceCheckpoint(root, timestamp, batchId));
    }
  });
});

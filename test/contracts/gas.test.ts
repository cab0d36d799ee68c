import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { network } from "hardhat";
import { keccak256, concat, toBeHex } from "ethers";

// Real transaction gas on the in-process chain (intrinsic cost included), compared with a
// committed snapshot. A change that moves these figures must update the snapshot on purpose:
//   UPDATE_GAS_SNAPSHOT=1 npm test -- test/contracts/gas.test.ts
const SNAPSHOT = new URL("../../gas-snapshot.json", import.meta.url);

function sortedPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

const pseudoRandom = (label: string, i: number) => keccak256(toBeHex(BigInt(i), 32) + Buffer.from(label).toString("hex"));

/** A leaf, `depth` siblings, and the root they hash up to (deterministic, so calldata costs are stable). */
function syntheticProof(depth: number) {
  const leaf = pseudoRandom("leaf", depth);
  const proof = Array.from({ length: depth }, (_, i) => pseudoRandom("sibling", i));
  const root = proof.reduce((node, sibling) => sortedPair(node, sibling), leaf);
  return { leaf, proof, root };
}

describe("gas snapshot", function () {
  it("anchorMerkleRoot and verifyProofView cost what gas-snapshot.json records", async function () {
    const { ethers } = await network.create();
    const [owner] = await ethers.getSigners();
    const anchor = await ethers.deployContract("KPPEAnchor", [owner.address]);
    await (await anchor.setAuthorized(owner.address, true)).wait();

    const measured: Record<string, number> = {};
    let batchId = 1;
    for (const depth of [1, 8, 16, 20]) {
      const { leaf, proof, root } = syntheticProof(depth);
      const tx = await anchor.anchorMerkleRoot(batchId, root, 2 ** depth, depth, 1_700_000_000);
      const receipt = await tx.wait();
      // The first anchor pays for fresh head and authorization-cache slots; report both.
      measured[batchId === 1 ? "anchorMerkleRoot.first" : `anchorMerkleRoot.warm.depth${depth}`] = Number(
        receipt!.gasUsed,
      );
      assert.equal(await anchor.verifyProofView(batchId, leaf, proof, 0), true);
      measured[`verifyProofView.depth${depth}`] = Number(
        await anchor.verifyProofView.estimateGas(batchId, leaf, proof, 0),
      );
      batchId++;
    }

    if (process.env.UPDATE_GAS_SNAPSHOT === "1") {
      await writeFile(SNAPSHOT, JSON.stringify(measured, null, 2) + "\n");
      console.log("      gas snapshot updated:", measured);
      return;
    }
    const recorded = JSON.parse(await readFile(SNAPSHOT, "utf8"));
    assert.deepEqual(measured, recorded, "gas changed: rerun with UPDATE_GAS_SNAPSHOT=1 and commit gas-snapshot.json");
    for (const [name, gas] of Object.entries(measured)) {
      if (name.startsWith("anchorMerkleRoot.warm")) assert.ok(gas <= 80_000, `${name} = ${gas} > 80,000`);
    }
  });
});

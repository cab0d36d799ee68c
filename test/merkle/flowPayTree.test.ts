import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { network } from "hardhat";
import { FlowPayTree, flowPayProofLength, KppeError, verifyFlowPayProof } from "../../src/sdk/index.ts";
import { referenceFlowPayRoot as referenceRoot } from "../helpers/flowPayReference.ts";
import { randomLeaves } from "../helpers/random.ts";

describe("FlowPay SHA-256 tree", function () {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 13, 100, 101, 257]) {
    it(`keeps FlowPay's root and every proof verifies: ${n} leaves`, function () {
      const leaves = randomLeaves(n);
      const tree = FlowPayTree.fromHex(leaves);
      assert.equal(tree.root, referenceRoot(leaves));
      for (const leaf of leaves) {
        const index = tree.indexOf(leaf);
        const proof = tree.proof(index);
        assert.equal(proof.length, flowPayProofLength(index, n));
        assert.equal(verifyFlowPayProof({ root: tree.root, leaf, proof }), true);
        assert.equal(verifyFlowPayProof({ root: tree.root, leaf, proof, leafIndex: index, leafCount: n }), true);
        assert.equal(verifyFlowPayProof({ root: tree.root, leaf: randomLeaves(1)[0], proof }), false);
      }
    });
  }

  it("does not depend on the order orders arrive in", function () {
    const leaves = randomLeaves(11);
    assert.equal(FlowPayTree.fromHex(leaves).root, FlowPayTree.fromHex([...leaves].reverse()).root);
  });

  it("refuses an inner node posing as a leaf when the batch size is known", function () {
    const leaves = randomLeaves(4);
    const tree = FlowPayTree.fromHex(leaves);
    const sorted = [...leaves].sort();
    const inner = "0x" + createHash("sha256").update(Buffer.from(sorted[0].slice(2) + sorted[1].slice(2), "hex")).digest("hex");
    const upper = tree.proof(0).slice(1);
    assert.equal(verifyFlowPayProof({ root: tree.root, leaf: inner, proof: upper }), true, "the warned-about gap without a size");
    assert.equal(verifyFlowPayProof({ root: tree.root, leaf: inner, proof: upper, leafIndex: 0, leafCount: 4 }), false);
  });

  it("refuses an empty batch, bad leaves and an unknown leaf", function () {
    assert.throws(() => FlowPayTree.fromHex([]), (e: unknown) => e instanceof KppeError && e.code === "EMPTY_TREE");
    assert.throws(() => FlowPayTree.fromHex(["0x12"]), (e: unknown) => e instanceof KppeError && /leaf 0/.test(e.message));
    const tree = FlowPayTree.fromHex(randomLeaves(3));
    assert.throws(() => tree.indexOf(randomLeaves(1)[0]), (e: unknown) => e instanceof KppeError && e.code === "LEAF_NOT_FOUND");
  });

  it("ProofRecorder.verifySha256Proof agrees with the off-chain verifier", async function () {
    const { ethers } = await network.create();
    const [owner] = await ethers.getSigners();
    const recorder = await ethers.deployContract("ProofRecorder", [owner.address]);
    await (await recorder.setWriter(owner.address, true)).wait();
    for (const n of [1, 2, 3, 6, 17, 100]) {
      const leaves = randomLeaves(n);
      const tree = FlowPayTree.fromHex(leaves);
      const proofId = "0x" + n.toString(16).padStart(64, "0");
      await recorder.recordProof(proofId, `pix-${n}`, tree.root, JSON.stringify({ batch_size: n }));
      for (const leaf of leaves) {
        const proof = tree.proof(tree.indexOf(leaf));
        assert.equal(await recorder.verifySha256Proof(proofId, leaf, proof), true, `n=${n}`);
      }
      assert.equal(await recorder.verifySha256Proof(proofId, randomLeaves(1)[0], tree.proof(0)), false);
    }
  });

  it("ProofRecorder.verifyCheckpointProof takes the batch size from the record: every leaf verifies, an inner node or the bare root does not", async function () {
    const { ethers } = await network.create();
    const [owner] = await ethers.getSigners();
    const recorder = await ethers.deployContract("ProofRecorder", [owner.address]);
    await (await recorder.setWriter(owner.address, true)).wait();
    const pair = (a: string, b: string) => "0x" + createHash("sha256").update(Buffer.from((a < b ? a + b.slice(2) : b + a.slice(2)).slice(2), "hex")).digest("hex");
    for (const n of [1, 2, 3, 6, 17, 100]) {
      const leaves = randomLeaves(n);
      const tree = FlowPayTree.fromHex(leaves);
      const sorted = [...leaves].sort();
      await (await recorder.recordCheckpoint(tree.root, 1_795_000_000, n, n, "{}")).wait();
      const checkpoint = await recorder.flowPayCheckpoint(tree.root, 1_795_000_000, n);
      for (let i = 0; i < n; i++) {
        const leaf = sorted[i];
        const proof = tree.proof(i);
        assert.equal(await recorder.verifyCheckpointProof(checkpoint, leaf, proof, i), true, `n=${n} leaf ${i}`);
        assert.equal(verifyFlowPayProof({ root: tree.root, leaf, proof, leafIndex: i, leafCount: n }), true);
        if (proof.length > 0) assert.equal(await recorder.verifyCheckpointProof(checkpoint, leaf, [...proof, proof[0]], i), false, "a longer proof");
      }
      // The root with an empty proof, and a level-1 node with the rest of a path, are not leaves.
      if (n > 1) assert.equal(await recorder.verifyCheckpointProof(checkpoint, tree.root, [], 0), false, `n=${n}: the root posing as a leaf`);
      if (n >= 4) {
        const inner = pair(sorted[0], sorted[1]);
        assert.equal(verifyFlowPayProof({ root: tree.root, leaf: inner, proof: tree.proof(0).slice(1) }), true, "without a size, the inner node passes");
        assert.equal(await recorder.verifyCheckpointProof(checkpoint, inner, tree.proof(0).slice(1), 0), false, "with the recorded size, it does not");
      }
      assert.equal(await recorder.verifyCheckpointProof(checkpoint, sorted[0], tree.proof(0), n), false, "index = count");
    }
  });
});

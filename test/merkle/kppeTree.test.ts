import assert from "node:assert/strict";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, concat } from "ethers";
import { network } from "hardhat";
import { KppeError, KppeTree, verifyKppeProof } from "../../src/sdk/index.ts";
import { randomLeaves, ZERO_HASH } from "../helpers/random.ts";

function padded(leaves: string[]): string[] {
  let width = 1;
  while (width < leaves.length) width *= 2;
  return [...leaves, ...Array(width - leaves.length).fill(ZERO_HASH)];
}

const claim = (tree: KppeTree, leaves: string[], i: number) => ({
  root: tree.root,
  leaf: leaves[i],
  proof: tree.proof(i),
  leafIndex: i,
  leafCount: leaves.length,
});

// 1..40 exhaustively around the small powers of two, then random sizes up to 2,000.
const sizes = [...Array.from({ length: 40 }, (_, i) => i + 1), 63, 64, 65, 255, 256, 257, 1023, 1024, 1025, 2000];
for (let i = 0; i < 10; i++) sizes.push(41 + Math.floor(Math.random() * 1960));

describe("K-PPE tree", function () {
  describe("agrees with @openzeppelin/merkle-tree and verifies every proof", function () {
    for (const n of sizes) {
      it(`${n} leaves`, function () {
        const leaves = randomLeaves(n);
        const tree = KppeTree.fromHex(leaves);
        const oz = SimpleMerkleTree.of(padded(leaves), { sortLeaves: false });
        assert.equal(tree.root, oz.root);
        assert.equal(tree.depth, Math.ceil(Math.log2(n)));
        for (let i = 0; i < n; i++) {
          const proof = tree.proof(i);
          assert.deepEqual(proof, oz.getProof(i), `proof of leaf ${i}`);
          assert.equal(verifyKppeProof(claim(tree, leaves, i)), true, `leaf ${i} verifies`);
          if (n > 1) {
            const other = (i + 1) % n;
            assert.equal(verifyKppeProof({ ...claim(tree, leaves, i), leaf: leaves[other] }), false, `leaf ${other} with leaf ${i}'s proof`);
          }
        }
      });
    }
  });

  it("verifyEveryNode: true for an honest tree of any size; false once any stored node, padding included, is changed", function () {
    for (const n of [1, 2, 3, 5, 8, 13, 64, 100]) {
      const tree = KppeTree.fromHex(randomLeaves(n));
      assert.equal(tree.verifyEveryNode(), true, `${n} leaves`);
      // The tree keeps every level in one buffer (level 0 first); flip one bit of each node in turn.
      const nodes = (tree as unknown as { nodes: Uint8Array }).nodes;
      for (let at = 0; at < nodes.length; at += 32) {
        if (at / 32 === nodes.length / 32 - 1 && n === 1) continue; // a 1-leaf tree is its own root
        nodes[at + (at % 31)] ^= 1;
        assert.equal(tree.verifyEveryNode(), false, `${n} leaves, node at byte ${at}`);
        nodes[at + (at % 31)] ^= 1;
      }
    }
  });

  it("refuses an inner node posing as a leaf, a zero leaf, bad lengths and indexes", function () {
    const leaves = randomLeaves(6);
    const tree = KppeTree.fromHex(leaves);
    const inner = keccak256(concat([leaves[0], leaves[1]].sort()));
    const upper = tree.proof(0).slice(1);
    assert.equal(verifyKppeProof({ root: tree.root, leaf: inner, proof: upper, leafIndex: 0, leafCount: 6 }), false);
    // The same inner node does reach the root when the length check is dropped (leafCount 3 => depth 2):
    assert.equal(verifyKppeProof({ root: tree.root, leaf: inner, proof: upper, leafIndex: 0, leafCount: 3 }), true);

    const padProof = SimpleMerkleTree.of(padded(leaves), { sortLeaves: false }).getProof(6);
    assert.equal(verifyKppeProof({ root: tree.root, leaf: ZERO_HASH, proof: padProof, leafIndex: 5, leafCount: 6 }), false);
    assert.equal(verifyKppeProof({ ...claim(tree, leaves, 2), leafIndex: 6 }), false);
    assert.equal(verifyKppeProof({ ...claim(tree, leaves, 2), proof: [...tree.proof(2), ZERO_HASH] }), false);
    assert.equal(verifyKppeProof({ ...claim(tree, leaves, 2), proof: tree.proof(2).slice(1) }), false);
  });

  const badInput: Array<[string, () => unknown, string, RegExp]> = [
    ["an empty leaf list", () => KppeTree.fromHex([]), "EMPTY_TREE", /at least one leaf/],
    ["a 31-byte leaf", () => KppeTree.fromHex(["0x" + "11".repeat(31)]), "BAD_HEX32", /leaf 0: expected 0x followed by 64/],
    ["an upper-case leaf", () => KppeTree.fromHex(randomLeaves(2).concat("0x" + "AB".repeat(32))), "BAD_HEX32", /leaf 2/],
    ["a zero leaf", () => KppeTree.fromHex([...randomLeaves(3), ZERO_HASH]), "ZERO_LEAF", /leaf 3: a zero leaf is padding/],
    ["more leaves than maxLeaves", () => KppeTree.fromHex(randomLeaves(5), { maxLeaves: 4 }), "TOO_MANY_LEAVES", /5 leaves exceed the configured maximum of 4/],
    ["a packed buffer of odd length", () => KppeTree.fromPacked(new Uint8Array(33)), "BAD_LEAF", /not a multiple of 32/],
    ["an index out of range", () => KppeTree.fromHex(randomLeaves(3)).proof(3), "INDEX_OUT_OF_RANGE", /from 0 to 2, got 3/],
    ["a negative index", () => KppeTree.fromHex(randomLeaves(3)).proof(-1), "INDEX_OUT_OF_RANGE", /got -1/],
  ];
  for (const [what, run, code, message] of badInput) {
    it(`refuses ${what} with a clear error`, function () {
      assert.throws(run, (e: unknown) => e instanceof KppeError && e.code === code && message.test(e.message));
    });
  }

  describe("KPPEAnchor.verifyProofView agrees with @openzeppelin/merkle-tree", function () {
    it("for every size from 1 to 300 (every leaf up to 64, sampled leaves above)", async function () {
      this.timeout(300_000);
      const { ethers } = await network.create();
      const [owner] = await ethers.getSigners();
      const anchor = await ethers.deployContract("KPPEAnchor", [owner.address]);
      await (await anchor.setAuthorized(owner.address, true)).wait();
      for (let n = 1; n <= 300; n++) {
        const leaves = randomLeaves(n);
        // The contract is fed OpenZeppelin's root and proofs: an implementation independent of ours.
        const oz = SimpleMerkleTree.of(padded(leaves), { sortLeaves: false });
        const depth = Math.ceil(Math.log2(n));
        await anchor.anchorMerkleRoot(n, oz.root, n, depth, 1_700_000_000);
        const indexes = n <= 64 ? leaves.map((_, i) => i) : [0, 1, n >> 1, n - 2, n - 1, Math.floor(Math.random() * n)];
        for (const i of indexes) {
          assert.equal(await anchor.verifyProofView(n, leaves[i], oz.getProof(i), i), true, `n=${n} leaf ${i}`);
        }
        const i = indexes[indexes.length - 1];
        assert.equal(await anchor.verifyProofView(n, randomLeaves(1)[0], oz.getProof(i), i), false, `n=${n} non-member`);
        if (depth > 0) {
          const inner = oz.getProof(i).slice(1);
          assert.equal(await anchor.verifyProofView(n, leaves[i], inner, i), false, `n=${n} short proof`);
        }
      }
    });
  });
});

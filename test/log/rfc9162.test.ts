import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { KppeError, logLeafHash, logRoot, verifyConsistency, verifyInclusion } from "../../src/sdk/index.ts";
import { consistencyRanges, inclusionRanges, proofFromLeaves } from "../../src/log/rfc9162.ts";

// Independent source: the RFC 6962 test data of transparency-dev/merkle (testonly/constants.go
// and proof/verify_test.go): eight leaf inputs, the roots of sizes 1..8, and known proofs.
// Leaf hashes are computed here with node:crypto, not with the code under test.
const LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
].map((h) => "0x" + h);
const EMPTY_ROOT = "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// [leaf (1-based, as the source writes it), size, proof]
const INCLUSION: Array<[number, number, string[]]> = [
  [1, 1, []],
  [1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
  [6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  [3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
];
const CONSISTENCY: Array<[number, number, string[]]> = [
  [1, 1, []],
  [1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
  [6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  [2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
  [6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
];
const hex = (proof: string[]) => proof.map((h) => "0x" + h);

const sha = (...parts: Buffer[]) => "0x" + createHash("sha256").update(Buffer.concat(parts)).digest("hex");
const leafOf = (data: Buffer) => sha(Buffer.from([0]), data);
const VECTOR_LEAVES = LEAF_INPUTS.map((input) => leafOf(Buffer.from(input, "hex")));

/** A second, independent MTH: the RFC's recursive definition over node:crypto. */
function referenceRoot(leaves: string[]): string {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  const b = (h: string) => Buffer.from(h.slice(2), "hex");
  return sha(Buffer.from([1]), b(referenceRoot(leaves.slice(0, k))), b(referenceRoot(leaves.slice(k))));
}

const randomHash = () => "0x" + randomBytes(32).toString("hex");
const flipBit = (h: string, bit: number) => {
  const bytes = Buffer.from(h.slice(2), "hex");
  bytes[bit >> 3] ^= 1 << (bit & 7);
  return "0x" + bytes.toString("hex");
};

describe("RFC 9162 log: root, inclusion and consistency", function () {
  it("logLeafHash is sha256(0x00 || event_hash || content_hash)", function () {
    const e = randomHash();
    const c = randomHash();
    assert.equal(logLeafHash(e, c), sha(Buffer.from([0]), Buffer.from(e.slice(2), "hex"), Buffer.from(c.slice(2), "hex")));
  });

  it("gives the published roots for sizes 0..8", function () {
    assert.equal(logRoot([]), EMPTY_ROOT);
    for (let n = 1; n <= 8; n++) assert.equal(logRoot(VECTOR_LEAVES.slice(0, n)), ROOTS[n - 1], `size ${n}`);
  });

  it("builds and verifies the published inclusion proofs", function () {
    for (const [leaf, size, proof] of INCLUSION) {
      assert.deepEqual(proofFromLeaves(VECTOR_LEAVES.slice(0, size), inclusionRanges(leaf - 1, size)), hex(proof), `leaf ${leaf} of ${size}`);
      assert.equal(verifyInclusion({ index: leaf - 1, size, leafHash: VECTOR_LEAVES[leaf - 1], proof: hex(proof), root: ROOTS[size - 1] }), true);
    }
  });

  it("builds and verifies the published consistency proofs", function () {
    for (const [size1, size2, proof] of CONSISTENCY) {
      assert.deepEqual(proofFromLeaves(VECTOR_LEAVES.slice(0, size2), consistencyRanges(size1, size2)), hex(proof), `${size1} -> ${size2}`);
      assert.equal(verifyConsistency({ size1, size2, root1: ROOTS[size1 - 1], root2: ROOTS[size2 - 1], proof: hex(proof) }), true);
    }
  });

  it("refuses the degenerate claims the RFC's reference tests refuse", function () {
    const [a, b] = [randomHash(), randomHash()];
    assert.equal(verifyInclusion({ index: 0, size: 0, leafHash: a, proof: [], root: a }), false);
    assert.equal(verifyInclusion({ index: 1, size: 1, leafHash: a, proof: [], root: a }), false);
    assert.equal(verifyInclusion({ index: 0, size: 1, leafHash: a, proof: [], root: b }), false);
    assert.equal(verifyConsistency({ size1: 0, size2: 0, root1: EMPTY_ROOT, root2: EMPTY_ROOT, proof: [] }), false, "size1 = 0 proves nothing");
    assert.equal(verifyConsistency({ size1: 0, size2: 5, root1: EMPTY_ROOT, root2: b, proof: [] }), false, "size1 = 0 proves nothing");
    assert.equal(verifyConsistency({ size1: 2, size2: 1, root1: a, root2: b, proof: [] }), false, "time travel");
    assert.equal(verifyConsistency({ size1: 1, size2: 2, root1: a, root2: b, proof: [] }), false, "empty proof");
    assert.equal(verifyConsistency({ size1: 3, size2: 3, root1: a, root2: a, proof: [] }), true, "same tree");
    assert.equal(verifyConsistency({ size1: 3, size2: 3, root1: a, root2: b, proof: [] }), false, "same size, other root");
    assert.equal(verifyConsistency({ size1: 3, size2: 3, root1: a, root2: a, proof: [a] }), false, "same tree, extra element");
  });

  it("throws KppeError only for malformed input", function () {
    const good = { index: 0, size: 1, leafHash: randomHash(), proof: [] as string[], root: randomHash() };
    for (const bad of [{ index: -1 }, { size: 1.5 }, { size: 2 ** 53 }, { leafHash: "0x12" }, { root: "abc" }, { proof: ["0xZZ"] }, { proof: "0x" as unknown as string[] }]) {
      assert.throws(() => verifyInclusion({ ...good, ...bad }), KppeError, JSON.stringify(bad));
    }
    assert.throws(() => verifyConsistency({ size1: 1, size2: -2, root1: good.root, root2: good.root, proof: [] }), KppeError);
    assert.throws(() => logLeafHash("0x00", randomHash()), KppeError);
  });

  describe("random sizes: every proof verifies, every change to it fails", function () {
    const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 1000, 4999, 5000];
    for (let i = 0; i < 6; i++) sizes.push(1 + Math.floor(Math.random() * 5000));
    for (const size of sizes) {
      it(`size ${size}`, function () {
        const extra = Array.from({ length: size + 1 }, randomHash);
        const leaves = extra.slice(0, size);
        const root = logRoot(leaves);
        // A size is only ever trusted together with its root (a checkpoint), so "size off by one"
        // means the neighbouring checkpoint: that size with its own root. (With the root kept,
        // RFC 9162 paths of a leaf far from the right edge do not depend on the size at all.)
        const rootPlus = logRoot(extra);
        const rootMinus = logRoot(leaves.slice(0, size - 1));
        assert.equal(root, referenceRoot(leaves), "root equals the recursive definition's");
        const picks = new Set([0, size - 1, Math.floor(size / 2), Math.floor(Math.random() * size)]);
        for (const index of picks) {
          const proof = proofFromLeaves(leaves, inclusionRanges(index, size));
          const claim = { index, size, leafHash: leaves[index], proof, root };
          assert.equal(verifyInclusion(claim), true, `index ${index}`);
          assert.equal(verifyInclusion({ ...claim, index: index + 1 }), false, "index + 1");
          if (index > 0) assert.equal(verifyInclusion({ ...claim, index: index - 1 }), false, "index - 1");
          assert.equal(verifyInclusion({ ...claim, size: size + 1, root: rootPlus }), false, "size + 1");
          if (index < size - 1) assert.equal(verifyInclusion({ ...claim, size: size - 1, root: rootMinus }), false, "size - 1");
          assert.equal(verifyInclusion({ ...claim, proof: [...proof, root] }), false, "extended");
          if (proof.length > 0) assert.equal(verifyInclusion({ ...claim, proof: proof.slice(0, -1) }), false, "truncated");
          assert.equal(verifyInclusion({ ...claim, leafHash: flipBit(leaves[index], Math.floor(Math.random() * 256)) }), false, "leaf bit");
          assert.equal(verifyInclusion({ ...claim, root: flipBit(root, Math.floor(Math.random() * 256)) }), false, "root bit");
          for (let j = 0; j < proof.length; j++) {
            const changed = [...proof];
            changed[j] = flipBit(changed[j], Math.floor(Math.random() * 256));
            assert.equal(verifyInclusion({ ...claim, proof: changed }), false, `proof[${j}] bit`);
          }
        }
        const size1s = new Set([1, Math.max(1, size - 1), Math.ceil(size / 2), 1 + Math.floor(Math.random() * size)]);
        for (const size1 of size1s) {
          const root1 = logRoot(leaves.slice(0, size1));
          const proof = proofFromLeaves(leaves, consistencyRanges(size1, size));
          const claim = { size1, size2: size, root1, root2: root, proof };
          assert.equal(verifyConsistency(claim), true, `${size1} -> ${size}`);
          if (size1 === size) continue;
          assert.equal(verifyConsistency({ ...claim, size1: size1 + 1, root1: logRoot(leaves.slice(0, size1 + 1)) }), false, "size1 + 1");
          if (size1 > 1) assert.equal(verifyConsistency({ ...claim, size1: size1 - 1, root1: logRoot(leaves.slice(0, size1 - 1)) }), false, "size1 - 1");
          assert.equal(verifyConsistency({ ...claim, size2: size + 1, root2: rootPlus }), false, "size2 + 1");
          if (size1 < size - 1) assert.equal(verifyConsistency({ ...claim, size2: size - 1, root2: rootMinus }), false, "size2 - 1");
          assert.equal(verifyConsistency({ ...claim, root1: root, root2: root1 }), false, "swapped roots");
          assert.equal(verifyConsistency({ ...claim, proof: [...proof, root] }), false, "extended");
          assert.equal(verifyConsistency({ ...claim, proof: proof.slice(0, -1) }), false, "truncated");
          for (let j = 0; j < proof.length; j++) {
            const changed = [...proof];
            changed[j] = flipBit(changed[j], Math.floor(Math.random() * 256));
            assert.equal(verifyConsistency({ ...claim, proof: changed }), false, `proof[${j}] bit`);
          }
          // A history with one entry changed is not an extension of the old one.
          const forged = [...leaves];
          forged[Math.floor(Math.random() * size1)] = randomHash();
          const forgedProof = proofFromLeaves(forged, consistencyRanges(size1, size));
          assert.equal(verifyConsistency({ ...claim, root2: logRoot(forged), proof: forgedProof }), false, "rewritten history");
        }
      });
    }
  });
});

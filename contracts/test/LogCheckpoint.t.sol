// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {KPPEAnchor} from "../KPPEAnchor.sol";
import {IKPPEAnchor} from "../interfaces/IKPPEAnchor.sol";
import {LogMerkle} from "../libraries/LogMerkle.sol";
import {CheatsTest, ReferenceLog, ReferenceTree} from "./utils/Cheats.sol";

/// Log-checked anchoring: KPPEAnchor refuses a history that is not an extension of the anchored one.
contract LogCheckpointTest is CheatsTest {
    KPPEAnchor internal anchor;
    address internal constant KEEPER = address(0xBEEF);

    // A log of up to 64 entries: event and content hashes per entry, and their leaf hashes.
    bytes32[] internal eventHashes;
    bytes32[] internal contentHashes;
    bytes32[] internal leaves;
    uint256 internal anchoredSize;

    function setUp() public {
        anchor = new KPPEAnchor(address(this));
        anchor.setAuthorized(KEEPER, true);
    }

    function grow(uint256 seed, uint256 count) internal {
        for (uint256 i; i < count; i++) {
            bytes32 e = keccak256(abi.encode(seed, "event", leaves.length));
            bytes32 c = keccak256(abi.encode(seed, "content", leaves.length));
            eventHashes.push(e);
            contentHashes.push(c);
            leaves.push(sha256(bytes.concat(hex"00", e, c)));
        }
    }

    function batchArgs(uint256 from, uint256 to) internal pure returns (bytes32 root, uint32 count, uint8 depth) {
        bytes32[] memory payloads = new bytes32[](to - from);
        for (uint256 i; i < payloads.length; i++) payloads[i] = keccak256(abi.encode("payload", from + i));
        bytes32[][] memory levels = ReferenceTree.build(payloads);
        return (ReferenceTree.root(levels), uint32(to - from), uint8(levels.length - 1));
    }

    /// Anchors the log's growth from `anchoredSize` to its current length as the next batch.
    function anchorGrowth() internal {
        uint256 size = leaves.length;
        (bytes32 root, uint32 count, uint8 depth) = batchArgs(anchoredSize, size);
        // The first checkpoint has no anchored log to extend (entries before it were anchored plain).
        bytes32[] memory proof = anchor.firstCheckpointBatchId() == 0
            ? new bytes32[](0)
            : ReferenceLog.consistency(leaves, anchoredSize, size);
        // Everything is computed before the prank, which applies to the next call of any kind
        // (the sha256 precompile included).
        uint256 nextId = anchor.latestBatchId() + 1;
        bytes32 logRoot = ReferenceLog.root(leaves, size);
        vm.prank(KEEPER);
        anchor.anchorCheckpoint(nextId, root, count, depth, 1, uint64(size), logRoot, proof, "");
        anchoredSize = size;
    }

    function test_checkpoint_anchorsAndExposesTheRange() public {
        grow(1, 5);
        anchorGrowth();
        grow(1, 3);
        anchorGrowth();
        (uint64 size, bytes32 logRoot, uint64 first) = anchor.getCheckpoint(2);
        assertEq(size, 8, "log size of batch 2");
        assertEq(logRoot, ReferenceLog.root(leaves, 8), "log root of batch 2");
        assertEq(first, 6, "batch 2 starts at sequence 6");
        (size,, first) = anchor.getCheckpoint(1);
        assertEq(size, 5, "log size of batch 1");
        assertEq(first, 1, "batch 1 starts at sequence 1");
        assertEq(anchor.totalEventsAnchored(), 8, "the total is the log size");
        assertEq(anchor.firstCheckpointBatchId(), 1, "checkpoints began with batch 1");
    }

    function test_checkpoint_verifiesEveryEntryAtItsPositionInEveryBatch() public {
        grow(2, 7);
        anchorGrowth();
        grow(2, 6);
        anchorGrowth();
        for (uint256 batchId = 1; batchId <= 2; batchId++) {
            (uint64 size,,) = anchor.getCheckpoint(batchId);
            for (uint256 i; i < size; i++) {
                bytes32[] memory proof = ReferenceLog.path(leaves, i, 0, size);
                assertTrue(anchor.verifyLogInclusion(batchId, i, eventHashes[i], contentHashes[i], proof), "entry verifies");
                if (i + 1 < size) {
                    assertTrue(!anchor.verifyLogInclusion(batchId, i + 1, eventHashes[i], contentHashes[i], proof), "other index");
                }
                assertTrue(!anchor.verifyLogInclusion(batchId, i, eventHashes[i], keccak256("forged data"), proof), "changed content");
                assertTrue(!anchor.verifyLogInclusion(batchId, size, eventHashes[i], contentHashes[i], proof), "index >= size");
                assertTrue(!anchor.verifyLogInclusion(3, i, eventHashes[i], contentHashes[i], proof), "unknown batch");
            }
        }
    }

    function test_checkpoint_refusesARewrittenHistory() public {
        grow(3, 6);
        anchorGrowth();
        grow(3, 4);
        leaves[2] = sha256("rewritten entry 3");
        uint256 size = leaves.length;
        (bytes32 root, uint32 count, uint8 depth) = batchArgs(6, size);
        bytes32[] memory proof = ReferenceLog.consistency(leaves, 6, size);
        bytes32 forgedRoot = ReferenceLog.root(leaves, size);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.LogNotConsistent.selector, 6, size));
        anchor.anchorCheckpoint(2, root, count, depth, 1, uint64(size), forgedRoot, proof, "");
    }

    function test_checkpoint_batchIsExactlyTheNewRange() public {
        grow(4, 4);
        anchorGrowth();
        grow(4, 4);
        bytes32 logRoot = ReferenceLog.root(leaves, 8);
        bytes32[] memory proof = ReferenceLog.consistency(leaves, 4, 8);
        (bytes32 root,,) = batchArgs(4, 8);
        // Re-anchoring old events, or fewer or more than the log grew by, is refused.
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.LogSizeMismatch.selector, 8, 4, 8));
        anchor.anchorCheckpoint(2, root, 8, 3, 1, 8, logRoot, proof, "");
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.LogSizeMismatch.selector, 8, 4, 3));
        anchor.anchorCheckpoint(2, root, 3, 2, 1, 8, logRoot, proof, "");
        vm.prank(KEEPER);
        anchor.anchorCheckpoint(2, root, 4, 2, 1, 8, logRoot, proof, "");
    }

    function test_checkpoint_closesThePlainSideDoor() public {
        grow(5, 2);
        anchorGrowth();
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.LogCheckpointRequired.selector, 1));
        anchor.anchorMerkleRoot(2, keccak256("replayed root"), 2, 1, 1);
    }

    function test_checkpoint_firstTakesNoProofAndExtendsPlainBatches() public {
        vm.prank(KEEPER);
        anchor.anchorMerkleRoot(1, keccak256("plain"), 3, 2, 1);
        grow(6, 5); // entries 1..3 were anchored plain; the log's first checkpoint covers 4..5
        anchoredSize = 3;
        bytes32[] memory oneHash = new bytes32[](1);
        oneHash[0] = leaves[0];
        (bytes32 root,,) = batchArgs(3, 5);
        bytes32 logRoot = ReferenceLog.root(leaves, 5);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.UnexpectedConsistencyProof.selector, 1));
        anchor.anchorCheckpoint(2, root, 2, 1, 1, 5, logRoot, oneHash, "");
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.ZeroLogRoot.selector));
        anchor.anchorCheckpoint(2, root, 2, 1, 1, 5, bytes32(0), new bytes32[](0), "");
        anchorGrowth();
        (uint64 size,, uint64 first) = anchor.getCheckpoint(2);
        assertEq(size, 5, "log size");
        assertEq(first, 4, "first sequence after the plain batch");
        (size,,) = anchor.getCheckpoint(1);
        assertEq(size, 0, "a plain batch has no checkpoint");
    }

    function test_checkpoint_refusesAnUnauthorizedCaller() public {
        grow(7, 1);
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.UnauthorizedAnchor.selector, address(0xBAD)));
        anchor.anchorCheckpoint(1, keccak256("r"), 1, 0, 1, 1, leaves[0], new bytes32[](0), "");
    }

    /// Random growth sequences: every honest extension is accepted; the same growth over a log
    /// with one earlier entry changed is refused.
    function testFuzz_checkpoint_randomGrowth(uint256 seed, uint8[5] memory steps, uint8 tamperAt) public {
        for (uint256 s; s < steps.length; s++) {
            uint256 step = 1 + (steps[s] % 12);
            grow(seed, step);
            if (s == steps.length - 1) {
                uint256 victim = tamperAt % anchoredSize;
                bytes32 saved = leaves[victim];
                leaves[victim] = keccak256(abi.encode(seed, "forged"));
                uint256 size = leaves.length;
                (bytes32 root, uint32 count, uint8 depth) = batchArgs(anchoredSize, size);
                bytes32[] memory proof = ReferenceLog.consistency(leaves, anchoredSize, size);
                uint256 nextId = anchor.latestBatchId() + 1;
                bytes32 forgedRoot = ReferenceLog.root(leaves, size);
                vm.prank(KEEPER);
                vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.LogNotConsistent.selector, anchoredSize, size));
                anchor.anchorCheckpoint(nextId, root, count, depth, 1, uint64(size), forgedRoot, proof, "");
                leaves[victim] = saved;
            }
            anchorGrowth();
            assertEq(anchor.totalEventsAnchored(), leaves.length, "total is the log size");
        }
    }
}

/// LogMerkle against the RFC 6962 test vectors of transparency-dev/merkle (testonly/constants.go
/// and proof/verify_test.go), and against the reference tree for every small size.
contract LogMerkleTest is CheatsTest {
    function vectorLeaves() internal pure returns (bytes32[] memory l) {
        l = new bytes32[](8);
        l[0] = sha256(hex"00");
        l[1] = sha256(hex"0000");
        l[2] = sha256(hex"0010");
        l[3] = sha256(hex"002021");
        l[4] = sha256(hex"003031");
        l[5] = sha256(hex"0040414243");
        l[6] = sha256(hex"005051525354555657");
        l[7] = sha256(hex"00606162636465666768696a6b6c6d6e6f");
    }

    function test_vectors_rootsAndProofs() public view {
        bytes32[] memory l = vectorLeaves();
        assertEq(ReferenceLog.root(l, 8), 0x5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328, "root 8");
        assertEq(ReferenceLog.root(l, 5), 0x4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4, "root 5");
        bytes32[] memory p = new bytes32[](3);
        p[0] = 0xbc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b;
        p[1] = 0xca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0;
        p[2] = 0xd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7;
        bytes32 root8 = 0x5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328;
        assertTrue(LogMerkle.verifyInclusion(5, 8, l[5], p, root8), "leaf 6 of 8");
        assertTrue(!LogMerkle.verifyInclusion(4, 8, l[5], p, root8), "wrong index");
        bytes32[] memory c = new bytes32[](3);
        c[0] = 0x0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a;
        c[1] = 0xca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0;
        c[2] = 0xd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7;
        bytes32 root6 = 0x76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef;
        assertTrue(LogMerkle.verifyConsistency(6, 8, root6, root8, c), "6 -> 8");
        assertTrue(!LogMerkle.verifyConsistency(6, 8, root8, root6, c), "swapped roots");
        assertTrue(!LogMerkle.verifyConsistency(0, 8, root6, root8, new bytes32[](0)), "from the empty tree");
        assertTrue(!LogMerkle.verifyConsistency(8, 6, root8, root6, c), "size1 > size2");
    }

    function testFuzz_everyProofOfASmallTree(uint256 seed, uint8 rawSize) public view {
        uint256 size = 1 + (rawSize % 40);
        bytes32[] memory l = new bytes32[](size);
        for (uint256 i; i < size; i++) l[i] = keccak256(abi.encode(seed, i));
        bytes32 root = ReferenceLog.root(l, size);
        for (uint256 i; i < size; i++) {
            bytes32[] memory p = ReferenceLog.path(l, i, 0, size);
            assertTrue(LogMerkle.verifyInclusion(i, size, l[i], p, root), "inclusion");
            assertTrue(!LogMerkle.verifyInclusion(i, size, l[i], ReferenceLog.append(p, root), root), "extended");
            if (p.length > 0) {
                p[0] ^= bytes32(uint256(1));
                assertTrue(!LogMerkle.verifyInclusion(i, size, l[i], p, root), "bit flipped");
            }
        }
        for (uint256 m = 1; m <= size; m++) {
            bytes32[] memory c = ReferenceLog.consistency(l, m, size);
            bytes32 root1 = ReferenceLog.root(l, m);
            assertTrue(LogMerkle.verifyConsistency(m, size, root1, root, c), "consistency");
            if (c.length > 0) {
                assertTrue(!LogMerkle.verifyConsistency(m, size, root1, root, ReferenceLog.append(c, root)), "extended");
                bytes32[] memory shorter = new bytes32[](c.length - 1);
                for (uint256 j; j < shorter.length; j++) shorter[j] = c[j];
                assertTrue(!LogMerkle.verifyConsistency(m, size, root1, root, shorter), "truncated");
                // Off by one, each with the true root of that size (a root does not commit to its size).
                assertTrue(!LogMerkle.verifyConsistency(m + 1, size, ReferenceLog.root(l, m + 1), root, c), "old size + 1");
                if (m > 1) assertTrue(!LogMerkle.verifyConsistency(m - 1, size, ReferenceLog.root(l, m - 1), root, c), "old size - 1");
                if (m < size - 1) assertTrue(!LogMerkle.verifyConsistency(m, size - 1, root1, ReferenceLog.root(l, size - 1), c), "new size - 1");
                uint256 at = uint256(keccak256(abi.encode(seed, m))) % c.length;
                c[at] ^= bytes32(uint256(1) << (uint256(keccak256(abi.encode(seed, m, at))) % 256));
                assertTrue(!LogMerkle.verifyConsistency(m, size, root1, root, c), "bit flipped");
            }
        }
    }
}

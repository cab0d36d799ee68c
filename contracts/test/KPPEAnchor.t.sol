// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {KPPEAnchor} from "../KPPEAnchor.sol";
import {IKPPEAnchor} from "../interfaces/IKPPEAnchor.sol";
import {CheatsTest, ReferenceTree} from "./utils/Cheats.sol";

contract KPPEAnchorTest is CheatsTest {
    KPPEAnchor internal anchor;
    address internal constant KEEPER = address(0xBEEF);
    address internal constant STRANGER = address(0xBAD);

    function setUp() public {
        anchor = new KPPEAnchor(address(this));
        anchor.setAuthorized(KEEPER, true);
    }

    function leavesFrom(uint256 seed, uint256 count) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](count);
        for (uint256 i; i < count; i++) leaves[i] = keccak256(abi.encode(seed, i));
    }

    function anchorLeaves(uint256 batchId, bytes32[] memory leaves) internal returns (bytes32[][] memory levels) {
        levels = ReferenceTree.build(leaves);
        vm.prank(KEEPER);
        anchor.anchorMerkleRoot(
            batchId, ReferenceTree.root(levels), uint32(leaves.length), uint8(levels.length - 1), 1_700_000_000
        );
    }

    // --- anchoring ---

    function test_anchor_storesBatchAndChainsPrevRoot() public {
        vm.warp(1_800_000_000);
        bytes32[][] memory first = anchorLeaves(1, leavesFrom(1, 5));
        bytes32[][] memory second = anchorLeaves(2, leavesFrom(2, 1));

        IKPPEAnchor.MerkleBatch memory b1 = anchor.getBatch(1);
        assertEq(b1.merkleRoot, ReferenceTree.root(first), "root of batch 1");
        assertEq(b1.eventCount, 5, "count of batch 1");
        assertEq(b1.treeDepth, 3, "depth of batch 1");
        assertEq(b1.timestamp, 1_700_000_000, "timestamp as given");
        assertEq(b1.anchoredAt, 1_800_000_000, "anchoredAt is the block time");
        assertEq(b1.prevRoot, bytes32(0), "first batch has no previous root");
        assertTrue(b1.exists, "batch 1 exists");

        IKPPEAnchor.MerkleBatch memory b2 = anchor.getBatch(2);
        assertEq(b2.prevRoot, ReferenceTree.root(first), "batch 2 chains to batch 1");
        assertEq(b2.treeDepth, 0, "a single event has depth 0");
        assertTrue(!anchor.getBatch(3).exists, "a later id does not exist yet");

        (uint256 id, bytes32 root, uint32 count, uint64 at) = anchor.getLatestBatch();
        assertEq(id, 2, "latest id");
        assertEq(root, ReferenceTree.root(second), "latest root");
        assertEq(count, 1, "latest count");
        assertEq(at, 1_800_000_000, "latest anchoredAt");
        assertEq(anchor.latestRoot(), ReferenceTree.root(second), "latestRoot");
        assertEq(anchor.totalEventsAnchored(), 6, "total");
    }

    function test_anchor_revertsWhenCallerUnauthorized() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.UnauthorizedAnchor.selector, STRANGER));
        anchor.anchorMerkleRoot(1, bytes32(uint256(1)), 1, 0, 0);
    }

    function test_anchor_revertsAfterAuthorizationRevoked() public {
        anchorLeaves(1, leavesFrom(1, 2));
        anchor.setAuthorized(KEEPER, false);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.UnauthorizedAnchor.selector, KEEPER));
        anchor.anchorMerkleRoot(2, bytes32(uint256(1)), 1, 0, 0);
    }

    function test_anchor_revertsWhenBatchIdNotIncreasing() public {
        anchorLeaves(1, leavesFrom(1, 2));
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.BatchIdNotIncreasing.selector, 1, 1));
        anchor.anchorMerkleRoot(1, bytes32(uint256(1)), 1, 0, 0);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.BatchIdNotIncreasing.selector, 0, 1));
        anchor.anchorMerkleRoot(0, bytes32(uint256(1)), 1, 0, 0);
    }

    /// One anchorMerkleRoot(2^48 - 1) used to brick the contract (every later id refused): ids are
    /// now consecutive, so a jump is refused and anchoring continues at the next id.
    function test_anchor_refusesAJumpAheadThatWouldBrickAnchoring() public {
        anchorLeaves(1, leavesFrom(1, 2));
        uint256 far = uint256(type(uint48).max);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.BatchIdNotIncreasing.selector, far, 1));
        anchor.anchorMerkleRoot(far, bytes32(uint256(1)), 1, 0, 0);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.BatchIdNotIncreasing.selector, 3, 1));
        anchor.anchorMerkleRoot(3, bytes32(uint256(1)), 1, 0, 0);
        anchorLeaves(2, leavesFrom(2, 1));
        assertEq(anchor.latestBatchId(), 2, "anchoring continues at latestBatchId + 1");
    }

    function test_ownership_cannotBeRenounced() public {
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.OwnershipCannotBeRenounced.selector));
        anchor.renounceOwnership();
        assertTrue(anchor.owner() == address(this), "owner kept");
    }

    function test_anchor_revertsOnZeroRootOrCount() public {
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.ZeroMerkleRoot.selector));
        anchor.anchorMerkleRoot(1, bytes32(0), 1, 0, 0);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.ZeroEventCount.selector));
        anchor.anchorMerkleRoot(1, bytes32(uint256(1)), 0, 0, 0);
    }

    function test_anchor_revertsWhenTotalWouldOverflow() public {
        anchorLeaves(1, leavesFrom(1, 1));
        // Head slot (after Ownable's owner, Ownable2Step's pendingOwner, EIP712's two fallback
        // strings, _merkleRoots, _batchPairs, _logRoots, _authorized): lastAnchor in bits 0-159,
        // latestBatchId in 160-199, totalEventsAnchored in 200-247, flags in 248-255.
        bytes32 headSlot = bytes32(uint256(8));
        uint256 head = uint256(vm.load(address(anchor), headSlot));
        assertEq((head >> 200) & type(uint48).max, 1, "head slot layout as documented");
        uint256 nearMax = uint256(type(uint48).max) - 1;
        vm.store(address(anchor), headSlot, bytes32((head & ((uint256(1) << 200) - 1)) | (nearMax << 200)));
        assertEq(anchor.totalEventsAnchored(), nearMax, "total set near its maximum");

        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.TotalEventsOverflow.selector, nearMax + 2));
        anchor.anchorMerkleRoot(2, bytes32(uint256(1)), 2, 1, 0);
        vm.prank(KEEPER);
        anchor.anchorMerkleRoot(2, bytes32(uint256(1)), 1, 0, 0);
        assertEq(anchor.totalEventsAnchored(), type(uint48).max, "the last representable total is accepted");
    }

    function testFuzz_anchor_revertsWhenDepthDoesNotFitCount(uint32 count, uint8 depth) public {
        vm.assume(count > 0);
        uint8 expected;
        while ((uint256(1) << expected) < count) expected++;
        vm.assume(depth != expected);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.TreeDepthMismatch.selector, count, depth, expected));
        anchor.anchorMerkleRoot(1, bytes32(uint256(1)), count, depth, 0);
    }

    function testFuzz_anchor_batchIdsAndTotalsOnlyGrow(uint48[6] memory ids, uint32[6] memory counts) public {
        uint256 latest;
        uint256 total;
        for (uint256 i; i < ids.length; i++) {
            if (ids[i] % 2 == 0) ids[i] = uint48(latest + 1); // half the time the right id, else anything
            uint32 count = uint32(bound(counts[i], 1, 1 << 20));
            uint8 depth;
            while ((uint256(1) << depth) < count) depth++;
            vm.prank(KEEPER);
            if (ids[i] != latest + 1) {
                vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.BatchIdNotIncreasing.selector, ids[i], latest));
                anchor.anchorMerkleRoot(ids[i], keccak256(abi.encode(i)), count, depth, 0);
            } else {
                anchor.anchorMerkleRoot(ids[i], keccak256(abi.encode(i)), count, depth, 0);
                latest = ids[i];
                total += count;
            }
            assertEq(anchor.latestBatchId(), latest, "latestBatchId follows the highest anchored id");
            assertEq(anchor.totalEventsAnchored(), total, "total counts every anchored event once");
        }
    }

    /// Two consecutive batches share a metadata slot: writing one must never change the other's
    /// count, depth, timestamps or chaining, whichever half it is in.
    function testFuzz_anchor_neighboursKeepTheirMetadata(uint32[7] memory counts, uint40[7] memory timestamps, uint32[7] memory gaps) public {
        uint256 when = 1_700_000_000;
        uint64[7] memory anchoredAt;
        for (uint256 i; i < counts.length; i++) {
            counts[i] = uint32(bound(counts[i], 1, type(uint32).max));
            when += bound(gaps[i], 0, 1 << 30);
            vm.warp(when);
            anchoredAt[i] = uint64(when);
            uint8 depth;
            while ((uint256(1) << depth) < counts[i]) depth++;
            vm.prank(KEEPER);
            anchor.anchorMerkleRoot(i + 1, keccak256(abi.encode(i)), counts[i], depth, timestamps[i]);
        }
        for (uint256 i; i < counts.length; i++) {
            IKPPEAnchor.MerkleBatch memory b = anchor.getBatch(i + 1);
            uint8 depth;
            while ((uint256(1) << depth) < counts[i]) depth++;
            assertEq(b.merkleRoot, keccak256(abi.encode(i)), "root");
            assertEq(b.eventCount, counts[i], "count");
            assertEq(b.treeDepth, depth, "depth");
            assertEq(b.timestamp, timestamps[i], "timestamp");
            assertEq(b.anchoredAt, anchoredAt[i], "anchoredAt");
            assertEq(b.prevRoot, i == 0 ? bytes32(0) : keccak256(abi.encode(i - 1)), "prevRoot");
        }
        (, , uint32 latestCount, uint64 latestAt) = anchor.getLatestBatch();
        assertEq(latestCount, counts[6], "latest count");
        assertEq(latestAt, anchoredAt[6], "latest anchoredAt");
    }

    function test_anchor_refusesATimestampBeyondFortyBits() public {
        uint64 tooLarge = uint64(1) << 40; // milliseconds since 1970 passed this in 2004
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.TimestampTooLarge.selector, tooLarge));
        anchor.anchorMerkleRoot(1, bytes32(uint256(1)), 1, 0, tooLarge);
        vm.prank(KEEPER);
        anchor.anchorMerkleRoot(1, bytes32(uint256(1)), 1, 0, tooLarge - 1);
        assertEq(anchor.getBatch(1).timestamp, tooLarge - 1, "the largest timestamp is kept");
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    // --- authorization and ownership ---

    function test_setAuthorized_onlyOwner() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        anchor.setAuthorized(STRANGER, true);
    }

    function test_setAuthorized_rejectsZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IKPPEAnchor.ZeroAddressAnchor.selector));
        anchor.setAuthorized(address(0), true);
    }

    function test_ownership_transfersInTwoSteps() public {
        anchor.transferOwnership(STRANGER);
        assertTrue(anchor.owner() == address(this), "owner unchanged until accepted");
        vm.prank(STRANGER);
        anchor.acceptOwnership();
        assertTrue(anchor.owner() == STRANGER, "new owner after acceptance");
    }

    // --- verification ---

    function testFuzz_verify_everyLeafOfRandomSet(uint256 seed, uint16 rawCount) public {
        uint256 count = bound(rawCount, 1, 300);
        bytes32[] memory leaves = leavesFrom(seed, count);
        bytes32[][] memory levels = anchorLeaves(1, leaves);
        for (uint256 i; i < count; i++) {
            bytes32[] memory path = ReferenceTree.proof(levels, i);
            assertTrue(anchor.verifyProofView(1, leaves[i], path, i), "every member verifies");
            assertTrue(!anchor.verifyProofView(2, leaves[i], path, i), "an unknown batch id never verifies");
        }
        bytes32 outsider = keccak256(abi.encode(seed, "outsider"));
        assertTrue(!anchor.verifyProofView(1, outsider, ReferenceTree.proof(levels, 0), 0), "non-member fails");
    }

    function testFuzz_verify_rejectsWrongLengthsAndZeroLeaf(uint256 seed, uint16 rawCount) public {
        uint256 count = bound(rawCount, 2, 300);
        bytes32[] memory leaves = leavesFrom(seed, count);
        bytes32[][] memory levels = anchorLeaves(1, leaves);
        uint256 last = count - 1;
        bytes32[] memory path = ReferenceTree.proof(levels, last);

        bytes32[] memory longer = new bytes32[](path.length + 1);
        for (uint256 i; i < path.length; i++) longer[i] = path[i];
        bytes32[] memory shorter = new bytes32[](path.length - 1);
        for (uint256 i; i < shorter.length; i++) shorter[i] = path[i];

        assertTrue(!anchor.verifyProofView(1, leaves[last], longer, last), "too long a proof fails");
        assertTrue(!anchor.verifyProofView(1, leaves[last], shorter, last), "too short a proof fails");
        assertTrue(!anchor.verifyProofView(1, leaves[last], path, count), "leafIndex >= eventCount fails");
        if (count < levels[0].length) {
            assertTrue(
                !anchor.verifyProofView(1, bytes32(0), ReferenceTree.proof(levels, count), count - 1),
                "a zero (padding) leaf never verifies"
            );
        }
    }

    function test_verify_innerNodeCannotPoseAsLeaf() public {
        bytes32[] memory leaves = leavesFrom(42, 8);
        bytes32[][] memory levels = anchorLeaves(1, leaves);
        // Level-1 node 0 is hash(leaf0, leaf1); its proof to the root is the upper part of leaf 0's proof.
        bytes32[] memory full = ReferenceTree.proof(levels, 0);
        bytes32[] memory upper = new bytes32[](full.length - 1);
        for (uint256 i; i < upper.length; i++) upper[i] = full[i + 1];
        assertTrue(!anchor.verifyProofView(1, levels[1][0], upper, 0), "inner node rejected");
    }

    function test_verifyProof_emitsOutcomeAndMatchesView() public {
        bytes32[] memory leaves = leavesFrom(3, 3);
        bytes32[][] memory levels = anchorLeaves(1, leaves);
        assertTrue(anchor.verifyProof(1, leaves[2], ReferenceTree.proof(levels, 2), 2), "member verifies");
        assertTrue(!anchor.verifyProof(1, leaves[2], ReferenceTree.proof(levels, 1), 2), "wrong path fails");
    }

    function test_version() public view {
        assertTrue(keccak256(bytes(anchor.version())) == keccak256("2.2.0"), "version");
    }
}

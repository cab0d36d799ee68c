// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ProofRecorder} from "../ProofRecorder.sol";
import {IProofRecorder} from "../interfaces/IProofRecorder.sol";
import {CheatsTest, ReferenceTree} from "./utils/Cheats.sol";

contract ProofRecorderTest is CheatsTest {
    ProofRecorder internal recorder;
    address internal constant WRITER = address(0xCAFE);
    address internal constant STRANGER = address(0xBAD);
    address internal constant OWNER = address(0x0A11CE);

    function setUp() public {
        recorder = new ProofRecorder(address(this));
        recorder.setWriter(WRITER, true);
    }

    // --- FlowPay proofs ---

    function test_recordProof_storesRecordOnce() public {
        vm.warp(1_800_000_000);
        vm.prank(WRITER);
        assertTrue(recorder.recordProof(bytes32("id"), "pix-1", bytes32("root"), '{"n":3}'), "returns true");
        IProofRecorder.ProofRecord memory r = recorder.getProof(bytes32("id"));
        assertEq(r.txHash, bytes32("root"), "txHash");
        assertEq(r.recordedAt, 1_800_000_000, "recordedAt");
        assertTrue(r.recorder == WRITER, "recorder");
        assertTrue(keccak256(bytes(r.pixChargeId)) == keccak256("pix-1"), "pixChargeId");
        assertTrue(keccak256(bytes(r.metadata)) == keccak256('{"n":3}'), "metadata");
        assertTrue(recorder.isProofRecorded(bytes32("id")), "isProofRecorded");

        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ProofAlreadyRecorded.selector, bytes32("id")));
        recorder.recordProof(bytes32("id"), "pix-2", bytes32("other"), "");
    }

    function test_recordProof_refusesStringsOverTheirBounds() public {
        bytes memory long = new bytes(4097);
        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.StringTooLong.selector, "metadata", 4097, 4096));
        recorder.recordProof(bytes32("id"), "pix", bytes32("root"), string(long));
        bytes memory longId = new bytes(257);
        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.StringTooLong.selector, "pixChargeId", 257, 256));
        recorder.recordProof(bytes32("id"), string(longId), bytes32("root"), "");
        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.StringTooLong.selector, "metadata", 4097, 4096));
        recorder.recordCheckpoint(bytes32("root"), 1, 1, 1, string(long));
    }

    /// A batch's checkpoint is predictable, so a co-writer could take it first with recordProof
    /// and a junk root. Checkpoints live apart and their id is the contract's own hash of the
    /// content: the squatter's record does not block the batch, and the same id can only ever
    /// hold the same batch.
    function test_recordCheckpoint_cannotBeTakenFirstByAnotherWriter() public {
        address other = address(0xD00D);
        recorder.setWriter(other, true);
        bytes32 root = sha256("batch root");
        bytes32 checkpoint = recorder.flowPayCheckpoint(root, 1_795_000_000, 7);
        vm.prank(other);
        recorder.recordProof(checkpoint, "squat", bytes32("junk"), "");
        vm.prank(WRITER);
        assertEq(recorder.recordCheckpoint(root, 1_795_000_000, 7, 3, "{}"), checkpoint, "the id is the checkpoint");
        IProofRecorder.CheckpointRecord memory r = recorder.getCheckpointRecord(checkpoint);
        assertEq(r.root, root, "the batch's own root");
        assertEq(r.leafCount, 3, "its size");
        assertTrue(r.recorder == WRITER, "its writer");
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.CheckpointAlreadyRecorded.selector, checkpoint));
        recorder.recordCheckpoint(root, 1_795_000_000, 7, 3, "{}");
    }

    function test_recordProof_revertsForStrangerAndZeroValues() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.UnauthorizedWriter.selector, STRANGER));
        recorder.recordProof(bytes32("id"), "", bytes32("root"), "");
        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ZeroValue.selector, "proofId"));
        recorder.recordProof(bytes32(0), "", bytes32("root"), "");
        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ZeroValue.selector, "txHash"));
        recorder.recordProof(bytes32("id"), "", bytes32(0), "");
    }

    function test_verifySha256Proof_againstRecordedRoot() public {
        // Three leaves (a < b < c after sorting): root = sha(sha(a,b), c) with c carried up unhashed.
        bytes32 a = bytes32(uint256(1));
        bytes32 b = bytes32(uint256(2));
        bytes32 c = bytes32(uint256(3));
        bytes32 ab = sha256(abi.encodePacked(a, b));
        bytes32 root = ab < c ? sha256(abi.encodePacked(ab, c)) : sha256(abi.encodePacked(c, ab));
        vm.prank(WRITER);
        recorder.recordProof(bytes32("batch"), "", root, "");

        bytes32[] memory proofA = new bytes32[](2);
        proofA[0] = b;
        proofA[1] = c;
        bytes32[] memory proofC = new bytes32[](1);
        proofC[0] = ab;
        assertTrue(recorder.verifySha256Proof(bytes32("batch"), a, proofA), "leaf a verifies");
        assertTrue(recorder.verifySha256Proof(bytes32("batch"), c, proofC), "carried leaf c verifies");
        assertTrue(!recorder.verifySha256Proof(bytes32("batch"), b, proofC), "wrong proof fails");
        assertTrue(!recorder.verifySha256Proof(bytes32("none"), a, proofA), "unrecorded proof id fails");
        assertTrue(!recorder.verifySha256Proof(bytes32("batch"), bytes32(0), proofA), "zero leaf fails");
    }

    function test_flowPayCheckpoint_layout() public view {
        bytes32 root = keccak256("root");
        bytes memory layout = abi.encodePacked(root, uint64(1_700_000_000), uint256(42));
        assertEq(layout.length, 72, "32 + 8 + 32 bytes");
        assertEq(recorder.flowPayCheckpoint(root, 1_700_000_000, 42), sha256(layout), "checkpoint");
    }

    // --- Lucid sessions ---

    function registerChunks(bytes32 sessionId, uint256 count) internal returns (bytes32[][] memory levels) {
        bytes32[] memory chunks = new bytes32[](count);
        for (uint256 i; i < count; i++) chunks[i] = keccak256(abi.encode(sessionId, i));
        levels = ReferenceTree.build(chunks);
        vm.prank(WRITER);
        recorder.registerSession(sessionId, keccak256("manifest"), 1_700_000_000, OWNER, ReferenceTree.root(levels), uint32(count));
    }

    function test_registerSession_storesRecordOnce() public {
        vm.warp(1_800_000_000);
        bytes32[][] memory levels = registerChunks(bytes32("s1"), 5);
        IProofRecorder.SessionRecord memory s = recorder.getSession(bytes32("s1"));
        assertEq(s.manifestHash, keccak256("manifest"), "manifestHash");
        assertEq(s.merkleRoot, ReferenceTree.root(levels), "merkleRoot");
        assertEq(s.startedAt, 1_700_000_000, "startedAt");
        assertEq(s.registeredAt, 1_800_000_000, "registeredAt");
        assertEq(s.chunkCount, 5, "chunkCount");
        assertTrue(s.owner == OWNER && s.recorder == WRITER, "owner and recorder");
        assertTrue(recorder.isSessionRegistered(bytes32("s1")), "isSessionRegistered");

        vm.prank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.SessionAlreadyRegistered.selector, bytes32("s1")));
        recorder.registerSession(bytes32("s1"), bytes32("m"), 0, OWNER, bytes32("r"), 1);
    }

    function test_registerSession_revertsOnBadInput() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.UnauthorizedWriter.selector, STRANGER));
        recorder.registerSession(bytes32("s"), bytes32("m"), 0, OWNER, bytes32("r"), 1);

        vm.startPrank(WRITER);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ZeroValue.selector, "sessionId"));
        recorder.registerSession(bytes32(0), bytes32("m"), 0, OWNER, bytes32("r"), 1);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ZeroValue.selector, "manifestHash"));
        recorder.registerSession(bytes32("s"), bytes32(0), 0, OWNER, bytes32("r"), 1);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ZeroValue.selector, "merkleRoot"));
        recorder.registerSession(bytes32("s"), bytes32("m"), 0, OWNER, bytes32(0), 1);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ZeroAddress.selector));
        recorder.registerSession(bytes32("s"), bytes32("m"), 0, address(0), bytes32("r"), 1);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ZeroChunkCount.selector));
        recorder.registerSession(bytes32("s"), bytes32("m"), 0, OWNER, bytes32("r"), 0);
        vm.stopPrank();
    }

    function testFuzz_verifySessionChunk_everyChunk(bytes32 sessionId, uint8 rawCount) public {
        vm.assume(sessionId != bytes32(0));
        uint256 count = 1 + (uint256(rawCount) % 40);
        bytes32[][] memory levels = registerChunks(sessionId, count);
        for (uint256 i; i < count; i++) {
            bytes32[] memory path = ReferenceTree.proof(levels, i);
            assertTrue(recorder.verifySessionChunk(sessionId, levels[0][i], path, i), "chunk verifies");
            assertTrue(!recorder.verifySessionChunk(sessionId, keccak256("tampered"), path, i), "tampered fails");
            assertTrue(!recorder.verifySessionChunk(sessionId, levels[0][i], path, count), "index bound");
        }
    }

    function test_setWriter_onlyOwnerAndNonZero() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, STRANGER));
        recorder.setWriter(STRANGER, true);
        vm.expectRevert(abi.encodeWithSelector(IProofRecorder.ZeroAddress.selector));
        recorder.setWriter(address(0), true);
        recorder.setWriter(WRITER, false);
        assertTrue(!recorder.isWriter(WRITER), "writer revoked");
    }
}

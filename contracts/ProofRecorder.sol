// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IProofRecorder} from "./interfaces/IProofRecorder.sol";
import {PaddedMerkle} from "./libraries/PaddedMerkle.sol";

/// @title ProofRecorder
/// @notice FlowPay's `recordProof` contract and Lucid's session registry: write-once records.
contract ProofRecorder is IProofRecorder, Ownable2Step {
    /// @notice Bounds on `recordProof`'s and `recordCheckpoint`'s strings, in bytes.
    uint256 public constant MAX_PIX_CHARGE_ID_BYTES = 256;
    uint256 public constant MAX_METADATA_BYTES = 4096;

    mapping(bytes32 proofId => ProofRecord record) private _proofs;
    mapping(bytes32 checkpoint => CheckpointRecord record) private _checkpoints;
    mapping(bytes32 sessionId => SessionRecord record) private _sessions;
    mapping(address writer => bool authorized) private _writers;

    constructor(address initialOwner) Ownable(initialOwner) {}

    modifier onlyWriter() {
        if (!_writers[msg.sender]) revert UnauthorizedWriter(msg.sender);
        _;
    }

    /// @inheritdoc IProofRecorder
    function recordProof(bytes32 proofId, string calldata pixChargeId, bytes32 txHash, string calldata metadata)
        external
        onlyWriter
        returns (bool)
    {
        if (proofId == bytes32(0)) revert ZeroValue("proofId");
        if (txHash == bytes32(0)) revert ZeroValue("txHash");
        _checkLength("pixChargeId", bytes(pixChargeId).length, MAX_PIX_CHARGE_ID_BYTES);
        _checkLength("metadata", bytes(metadata).length, MAX_METADATA_BYTES);
        if (_proofs[proofId].recordedAt != 0) revert ProofAlreadyRecorded(proofId);
        _proofs[proofId] = ProofRecord({
            txHash: txHash,
            recordedAt: uint64(block.timestamp),
            recorder: msg.sender,
            pixChargeId: pixChargeId,
            metadata: metadata
        });
        emit ProofRecorded(proofId, txHash, pixChargeId, msg.sender);
        return true;
    }

    /// @inheritdoc IProofRecorder
    function recordCheckpoint(bytes32 root, uint64 timestamp, uint256 batchId, uint32 leafCount, string calldata metadata)
        external
        onlyWriter
        returns (bytes32 checkpoint)
    {
        if (root == bytes32(0)) revert ZeroValue("root");
        if (leafCount == 0) revert ZeroValue("leafCount");
        _checkLength("metadata", bytes(metadata).length, MAX_METADATA_BYTES);
        checkpoint = flowPayCheckpoint(root, timestamp, batchId);
        if (_checkpoints[checkpoint].recordedAt != 0) revert CheckpointAlreadyRecorded(checkpoint);
        _checkpoints[checkpoint] = CheckpointRecord({
            root: root,
            timestamp: timestamp,
            recordedAt: uint64(block.timestamp),
            leafCount: leafCount,
            recorder: msg.sender,
            batchId: batchId,
            metadata: metadata
        });
        emit CheckpointRecorded(checkpoint, root, batchId, leafCount, msg.sender);
    }

    /// @inheritdoc IProofRecorder
    function getCheckpointRecord(bytes32 checkpoint) external view returns (CheckpointRecord memory) {
        return _checkpoints[checkpoint];
    }

    /// @inheritdoc IProofRecorder
    function verifyCheckpointProof(bytes32 checkpoint, bytes32 leaf, bytes32[] calldata proof, uint256 leafIndex)
        external
        view
        returns (bool)
    {
        CheckpointRecord storage record = _checkpoints[checkpoint];
        uint256 count = record.leafCount;
        if (record.recordedAt == 0 || leafIndex >= count) return false;
        if (proof.length != _flowPayProofLength(leafIndex, count)) return false;
        return PaddedMerkle.verifySha256(record.root, leaf, proof);
    }

    /// @inheritdoc IProofRecorder
    function registerSession(
        bytes32 sessionId,
        bytes32 manifestHash,
        uint64 startedAt,
        address owner,
        bytes32 merkleRoot,
        uint32 chunkCount
    ) external onlyWriter {
        if (sessionId == bytes32(0)) revert ZeroValue("sessionId");
        if (manifestHash == bytes32(0)) revert ZeroValue("manifestHash");
        if (merkleRoot == bytes32(0)) revert ZeroValue("merkleRoot");
        if (owner == address(0)) revert ZeroAddress();
        if (chunkCount == 0) revert ZeroChunkCount();
        if (_sessions[sessionId].registeredAt != 0) revert SessionAlreadyRegistered(sessionId);
        _sessions[sessionId] = SessionRecord({
            manifestHash: manifestHash,
            merkleRoot: merkleRoot,
            startedAt: startedAt,
            registeredAt: uint64(block.timestamp),
            chunkCount: chunkCount,
            owner: owner,
            recorder: msg.sender
        });
        emit SessionRegistered(sessionId, owner, manifestHash, merkleRoot, chunkCount, startedAt);
    }

    /// @inheritdoc IProofRecorder
    function getProof(bytes32 proofId) external view returns (ProofRecord memory) {
        return _proofs[proofId];
    }

    /// @inheritdoc IProofRecorder
    function getSession(bytes32 sessionId) external view returns (SessionRecord memory) {
        return _sessions[sessionId];
    }

    /// @inheritdoc IProofRecorder
    function isProofRecorded(bytes32 proofId) external view returns (bool) {
        return _proofs[proofId].recordedAt != 0;
    }

    /// @inheritdoc IProofRecorder
    function isSessionRegistered(bytes32 sessionId) external view returns (bool) {
        return _sessions[sessionId].registeredAt != 0;
    }

    /// @inheritdoc IProofRecorder
    function verifySha256Proof(bytes32 proofId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        return PaddedMerkle.verifySha256(_proofs[proofId].txHash, leaf, proof);
    }

    /// @inheritdoc IProofRecorder
    function verifySessionChunk(bytes32 sessionId, bytes32 chunkHash, bytes32[] calldata proof, uint256 chunkIndex)
        external
        view
        returns (bool)
    {
        SessionRecord storage session = _sessions[sessionId];
        return PaddedMerkle.verifyKeccak(session.merkleRoot, session.chunkCount, chunkHash, proof, chunkIndex);
    }

    /// @inheritdoc IProofRecorder
    function flowPayCheckpoint(bytes32 root, uint64 timestamp, uint256 batchId) public pure returns (bytes32) {
        return sha256(abi.encodePacked(root, timestamp, batchId));
    }

    /// @dev Siblings on the path of sorted position `index` in a FlowPay tree of `count` leaves:
    /// a level where the node is the odd one out carries it up without a sibling.
    function _flowPayProofLength(uint256 index, uint256 count) private pure returns (uint256 length) {
        for (uint256 n = count; n > 1; n = (n + 1) / 2) {
            if ((index ^ 1) < n) length++;
            index >>= 1;
        }
    }

    function _checkLength(string memory field, uint256 length, uint256 maxLength) private pure {
        if (length > maxLength) revert StringTooLong(field, length, maxLength);
    }

    /// @inheritdoc IProofRecorder
    function isWriter(address writer) external view returns (bool) {
        return _writers[writer];
    }

    /// @inheritdoc IProofRecorder
    function setWriter(address writer, bool authorized) external onlyOwner {
        if (writer == address(0)) revert ZeroAddress();
        _writers[writer] = authorized;
        emit WriterAuthorizationChanged(writer, authorized);
    }

    /// @inheritdoc IProofRecorder
    function version() external pure returns (string memory) {
        return "2.0.0";
    }
}

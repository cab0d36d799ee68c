// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IKPPEAnchor} from "./interfaces/IKPPEAnchor.sol";
import {PaddedMerkle} from "./libraries/PaddedMerkle.sol";

/// @title KPPEAnchor
/// @notice Chain of Merkle roots over contiguous ledger batches; verifies inclusion proofs.
/// @dev Storage is laid out for the anchoring hot path (see docs/contracts.md, "Gas"): a batch
/// costs two fresh slots (root, packed metadata); the head (latest id, running total and the
/// last anchor that passed the authorization check) shares one slot, so a keeper that anchors
/// repeatedly pays for no mapping read. `prevRoot` is read from the previous batch, not stored.
contract KPPEAnchor is IKPPEAnchor, Ownable2Step {
    string private constant PROTOCOL = "K-PPE-v1";
    uint256 private constant MAX_BATCH_ID = type(uint48).max;

    struct StoredBatch {
        bytes32 merkleRoot;
        // Packed into one slot:
        uint32 eventCount;
        uint8 treeDepth;
        uint64 timestamp;
        uint64 anchoredAt;
        uint48 prevBatchId;
    }

    struct Head {
        address lastAnchor; // authorized when written; cleared when revoked
        uint48 latestBatchId;
        uint48 totalEventsAnchored;
    }

    mapping(uint256 batchId => StoredBatch batch) private _batches;
    mapping(address anchor => bool authorized) private _authorized;
    Head private _head;

    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @inheritdoc IKPPEAnchor
    function anchorMerkleRoot(
        uint256 batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        uint64 timestamp
    ) external {
        Head memory head = _head;
        if (msg.sender != head.lastAnchor) {
            if (!_authorized[msg.sender]) revert UnauthorizedAnchor(msg.sender);
            head.lastAnchor = msg.sender;
        }
        if (batchId <= head.latestBatchId) revert BatchIdNotIncreasing(batchId, head.latestBatchId);
        if (batchId > MAX_BATCH_ID) revert BatchIdTooLarge(batchId, MAX_BATCH_ID);
        if (merkleRoot == bytes32(0)) revert ZeroMerkleRoot();
        if (eventCount == 0) revert ZeroEventCount();
        uint8 expectedDepth = PaddedMerkle.depthFor(eventCount);
        if (treeDepth != expectedDepth) revert TreeDepthMismatch(eventCount, treeDepth, expectedDepth);
        uint256 total = uint256(head.totalEventsAnchored) + eventCount;
        if (total > type(uint48).max) revert TotalEventsOverflow(total);

        bytes32 prevRoot = _batches[head.latestBatchId].merkleRoot;
        _batches[batchId] = StoredBatch({
            merkleRoot: merkleRoot,
            eventCount: eventCount,
            treeDepth: treeDepth,
            timestamp: timestamp,
            anchoredAt: uint64(block.timestamp),
            prevBatchId: head.latestBatchId
        });
        head.latestBatchId = uint48(batchId);
        head.totalEventsAnchored = uint48(total);
        _head = head;

        emit KPPEMerkleAnchored(PROTOCOL, batchId, merkleRoot, eventCount, treeDepth, prevRoot);
    }

    /// @inheritdoc IKPPEAnchor
    function verifyProof(uint256 batchId, bytes32 eventHash, bytes32[] calldata proof, uint256 leafIndex)
        external
        returns (bool valid)
    {
        valid = verifyProofView(batchId, eventHash, proof, leafIndex);
        emit ProofVerified(batchId, eventHash, leafIndex, valid);
    }

    /// @inheritdoc IKPPEAnchor
    function verifyProofView(uint256 batchId, bytes32 eventHash, bytes32[] calldata proof, uint256 leafIndex)
        public
        view
        returns (bool)
    {
        StoredBatch storage batch = _batches[batchId];
        return PaddedMerkle.verifyKeccak(batch.merkleRoot, batch.eventCount, eventHash, proof, leafIndex);
    }

    /// @inheritdoc IKPPEAnchor
    function getBatch(uint256 batchId) public view returns (MerkleBatch memory) {
        StoredBatch storage batch = _batches[batchId];
        if (batch.merkleRoot == bytes32(0)) return MerkleBatch(0, 0, 0, 0, 0, 0, false);
        return MerkleBatch({
            merkleRoot: batch.merkleRoot,
            eventCount: batch.eventCount,
            treeDepth: batch.treeDepth,
            timestamp: batch.timestamp,
            anchoredAt: batch.anchoredAt,
            prevRoot: _batches[batch.prevBatchId].merkleRoot,
            exists: true
        });
    }

    /// @inheritdoc IKPPEAnchor
    function batches(uint256 batchId)
        external
        view
        returns (
            bytes32 merkleRoot,
            uint32 eventCount,
            uint8 treeDepth,
            uint64 timestamp,
            uint64 anchoredAt,
            bytes32 prevRoot,
            bool exists
        )
    {
        MerkleBatch memory b = getBatch(batchId);
        return (b.merkleRoot, b.eventCount, b.treeDepth, b.timestamp, b.anchoredAt, b.prevRoot, b.exists);
    }

    /// @inheritdoc IKPPEAnchor
    function getLatestBatch()
        external
        view
        returns (uint256 batchId, bytes32 merkleRoot, uint32 eventCount, uint64 anchoredAt)
    {
        batchId = _head.latestBatchId;
        StoredBatch storage batch = _batches[batchId];
        return (batchId, batch.merkleRoot, batch.eventCount, batch.anchoredAt);
    }

    /// @inheritdoc IKPPEAnchor
    function latestBatchId() external view returns (uint256) {
        return _head.latestBatchId;
    }

    /// @inheritdoc IKPPEAnchor
    function latestRoot() external view returns (bytes32) {
        return _batches[_head.latestBatchId].merkleRoot;
    }

    /// @inheritdoc IKPPEAnchor
    function totalEventsAnchored() external view returns (uint256) {
        return _head.totalEventsAnchored;
    }

    /// @inheritdoc IKPPEAnchor
    function authorizedAnchors(address anchor) external view returns (bool) {
        return _authorized[anchor];
    }

    /// @inheritdoc IKPPEAnchor
    function setAuthorized(address anchor, bool authorized) external onlyOwner {
        if (anchor == address(0)) revert ZeroAddressAnchor();
        _authorized[anchor] = authorized;
        if (!authorized && _head.lastAnchor == anchor) _head.lastAnchor = address(0);
        emit AnchorAuthorizationChanged(anchor, authorized);
    }

    /// @inheritdoc IKPPEAnchor
    function version() external pure returns (string memory) {
        return "1.0.0";
    }
}

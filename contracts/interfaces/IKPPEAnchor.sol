// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title K-PPE anchor: a chain of Merkle roots over contiguous batches of ledger events.
/// @notice Keeps the documented K-PPE interface (same function selectors, struct and event) so
/// existing callers, SDKs and block explorers keep working, with the proof checks hardened.
interface IKPPEAnchor {
    /// @notice One anchored batch, as the K-PPE interface returns it.
    /// @param merkleRoot root of the sorted-pair keccak256 tree, padded with zero leaves to a power of two
    /// @param eventCount number of real (non-padding) leaves
    /// @param treeDepth ceil(log2(eventCount)); 0 for a single event
    /// @param timestamp the keeper's batch creation time (unix seconds), as given
    /// @param anchoredAt block timestamp of the anchoring transaction
    /// @param prevRoot root of the batch anchored just before this one (zero for the first)
    /// @param exists true once the batch is anchored
    struct MerkleBatch {
        bytes32 merkleRoot;
        uint32 eventCount;
        uint8 treeDepth;
        uint64 timestamp;
        uint64 anchoredAt;
        bytes32 prevRoot;
        bool exists;
    }

    /// @notice A batch root was anchored. `protocol` is always "K-PPE-v1".
    event KPPEMerkleAnchored(
        string protocol,
        uint256 indexed batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        bytes32 prevRoot
    );

    /// @notice `anchor` was granted (`authorized` true) or denied the right to anchor.
    event AnchorAuthorizationChanged(address indexed anchor, bool authorized);

    /// @notice `verifyProof` was called; records the outcome on-chain.
    event ProofVerified(uint256 indexed batchId, bytes32 indexed eventHash, uint256 leafIndex, bool valid);

    /// @notice The caller is not an authorized anchor. Ask the owner to call `setAuthorized(caller, true)`.
    error UnauthorizedAnchor(address caller);
    /// @notice `batchId` must be greater than `latestBatchId`, which already is `latestBatchId`.
    error BatchIdNotIncreasing(uint256 batchId, uint256 latestBatchId);
    /// @notice Batch ids are stored in 48 bits; `batchId` is above `maxBatchId`.
    error BatchIdTooLarge(uint256 batchId, uint256 maxBatchId);
    /// @notice A zero Merkle root cannot be anchored.
    error ZeroMerkleRoot();
    /// @notice A batch must hold at least one event.
    error ZeroEventCount();
    /// @notice `treeDepth` does not fit `eventCount`; the only valid depth is `expectedDepth`.
    error TreeDepthMismatch(uint32 eventCount, uint8 treeDepth, uint8 expectedDepth);
    /// @notice The running total of anchored events would overflow its 48-bit counter.
    error TotalEventsOverflow(uint256 total);
    /// @notice The zero address cannot be authorized.
    error ZeroAddressAnchor();

    /// @notice Anchors the root of batch `batchId`. Only authorized anchors may call it.
    /// @dev Reverts unless `batchId > latestBatchId()`, `merkleRoot != 0`, `eventCount > 0` and
    /// `treeDepth == ceil(log2(eventCount))`. The contract sets `prevRoot` itself.
    function anchorMerkleRoot(
        uint256 batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        uint64 timestamp
    ) external;

    /// @notice Same check as `verifyProofView`, and emits `ProofVerified` with the outcome.
    function verifyProof(uint256 batchId, bytes32 eventHash, bytes32[] calldata proof, uint256 leafIndex)
        external
        returns (bool);

    /// @notice True when `eventHash` is a leaf of batch `batchId`.
    /// @dev Hardened beyond the original K-PPE contract: false for an unknown batch, a zero leaf,
    /// `leafIndex >= eventCount`, or a proof whose length is not exactly `treeDepth` (so an inner
    /// node can never pass as a leaf). Pairs are hashed sorted, as OpenZeppelin's `MerkleProof`.
    /// WARNING: sorted pairs do not encode direction, so `leafIndex` is bounds-checked only; the
    /// event's position is fixed by its ledger entry (`fifo_sequence`) in the receipt.
    function verifyProofView(uint256 batchId, bytes32 eventHash, bytes32[] calldata proof, uint256 leafIndex)
        external
        view
        returns (bool);

    /// @notice The batch `batchId`, or a zeroed struct with `exists == false`.
    function getBatch(uint256 batchId) external view returns (MerkleBatch memory);

    /// @notice The K-PPE public-mapping getter shape of `getBatch`.
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
        );

    /// @notice The latest batch's id, root, event count and anchoring time (all zero before the first).
    function getLatestBatch()
        external
        view
        returns (uint256 batchId, bytes32 merkleRoot, uint32 eventCount, uint64 anchoredAt);

    function latestBatchId() external view returns (uint256);

    function latestRoot() external view returns (bytes32);

    function totalEventsAnchored() external view returns (uint256);

    function authorizedAnchors(address anchor) external view returns (bool);

    /// @notice Grants or revokes the right to anchor. Only the owner.
    function setAuthorized(address anchor, bool authorized) external;

    /// @notice Semantic version of this deployment's code.
    function version() external pure returns (string memory);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Write-once records of FlowPay payment proofs and Lucid session manifests.
interface IProofRecorder {
    /// @notice A FlowPay proof. For a proof-of-execution batch, `txHash` holds the batch's
    /// SHA-256 Merkle root and `proofId` its checkpoint (see `flowPayCheckpoint`).
    struct ProofRecord {
        bytes32 txHash;
        uint64 recordedAt;
        address recorder;
        string pixChargeId;
        string metadata;
    }

    /// @notice A FlowPay proof-of-execution batch, recorded under the checkpoint the contract
    /// computes from it (`flowPayCheckpoint(root, timestamp, batchId)`), with its size.
    struct CheckpointRecord {
        bytes32 root;
        uint64 timestamp;
        uint64 recordedAt;
        uint32 leafCount;
        address recorder;
        uint256 batchId;
        string metadata;
    }

    /// @notice A Lucid session: the manifest's hash and the keccak256 padded-tree root over its chunk hashes.
    struct SessionRecord {
        bytes32 manifestHash;
        bytes32 merkleRoot;
        uint64 startedAt;
        uint64 registeredAt;
        uint32 chunkCount;
        address owner;
        address recorder;
    }

    event ProofRecorded(bytes32 indexed proofId, bytes32 indexed txHash, string pixChargeId, address recorder);
    event SessionRegistered(
        bytes32 indexed sessionId,
        address indexed owner,
        bytes32 manifestHash,
        bytes32 merkleRoot,
        uint32 chunkCount,
        uint64 startedAt
    );
    event CheckpointRecorded(
        bytes32 indexed checkpoint, bytes32 indexed root, uint256 batchId, uint32 leafCount, address recorder
    );
    event WriterAuthorizationChanged(address indexed writer, bool authorized);

    /// @notice The caller may not write records. Ask the owner to call `setWriter(caller, true)`.
    error UnauthorizedWriter(address caller);
    /// @notice A proof with id `proofId` is already recorded; records are never overwritten.
    error ProofAlreadyRecorded(bytes32 proofId);
    /// @notice A session with id `sessionId` is already registered; records are never overwritten.
    error SessionAlreadyRegistered(bytes32 sessionId);
    /// @notice Ids, hashes and roots must be non-zero; `field` names the zero argument.
    error ZeroValue(string field);
    /// @notice A session needs at least one chunk.
    error ZeroChunkCount();
    /// @notice The zero address cannot be a writer or a session owner.
    error ZeroAddress();
    /// @notice `field` is `length` bytes long; at most `maxLength` are recorded.
    error StringTooLong(string field, uint256 length, uint256 maxLength);
    /// @notice The batch with checkpoint `checkpoint` is already recorded (with the same root,
    /// timestamp and batch id, since the checkpoint is their hash).
    error CheckpointAlreadyRecorded(bytes32 checkpoint);

    /// @notice Records a FlowPay proof (FlowPay's ABI, unchanged). Authorized writers only.
    /// `pixChargeId` may be at most 256 bytes and `metadata` 4,096 (`StringTooLong`).
    /// WARNING: `proofId` is the caller's choice, so any writer can take any id first; batch
    /// checkpoints, which are predictable, go through `recordCheckpoint` instead.
    /// @return true once recorded (reverts otherwise).
    function recordProof(bytes32 proofId, string calldata pixChargeId, bytes32 txHash, string calldata metadata)
        external
        returns (bool);

    /// @notice Registers a Lucid session manifest. Authorized writers only.
    function registerSession(
        bytes32 sessionId,
        bytes32 manifestHash,
        uint64 startedAt,
        address owner,
        bytes32 merkleRoot,
        uint32 chunkCount
    ) external;

    /// @notice Records a FlowPay proof-of-execution batch: its SHA-256 root, checkpoint timestamp,
    /// batch id and size. The contract computes the checkpoint itself, so the record's id commits
    /// to its content: another writer can take it first only by recording the very same batch.
    /// Authorized writers only; `metadata` at most 4,096 bytes.
    /// @return checkpoint `flowPayCheckpoint(root, timestamp, batchId)`, the record's id
    function recordCheckpoint(bytes32 root, uint64 timestamp, uint256 batchId, uint32 leafCount, string calldata metadata)
        external
        returns (bytes32 checkpoint);

    /// @notice The batch recorded under `checkpoint`; `recordedAt == 0` when none is.
    function getCheckpointRecord(bytes32 checkpoint) external view returns (CheckpointRecord memory);

    /// @notice True when `leaf` is leaf `leafIndex` (in sorted order) of the FlowPay tree recorded
    /// under `checkpoint`. The proof's length must be exactly that position's path length in a
    /// tree of the recorded size, so an inner node cannot pose as a leaf, and the size is the
    /// recorded one, never the caller's.
    function verifyCheckpointProof(bytes32 checkpoint, bytes32 leaf, bytes32[] calldata proof, uint256 leafIndex)
        external
        view
        returns (bool);

    /// @notice The proof `proofId`; `recordedAt == 0` when none is recorded.
    function getProof(bytes32 proofId) external view returns (ProofRecord memory);

    /// @notice The session `sessionId`; `registeredAt == 0` when none is registered.
    function getSession(bytes32 sessionId) external view returns (SessionRecord memory);

    function isProofRecorded(bytes32 proofId) external view returns (bool);

    function isSessionRegistered(bytes32 sessionId) external view returns (bool);

    /// @notice True when `leaf` is in the FlowPay SHA-256 tree whose root is recorded as proof `proofId`'s `txHash`.
    /// @dev WARNING: unsafe on its own. FlowPay proofs have no fixed length, so without the batch
    /// size an inner node can pose as a leaf (and the root itself verifies with an empty proof).
    /// Use `verifyCheckpointProof`, or check the length against a size you trust.
    function verifySha256Proof(bytes32 proofId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool);

    /// @notice True when `chunkHash` is chunk `chunkIndex` of session `sessionId`'s keccak256 padded tree;
    /// the proof must be exactly ceil(log2(chunkCount)) long.
    function verifySessionChunk(bytes32 sessionId, bytes32 chunkHash, bytes32[] calldata proof, uint256 chunkIndex)
        external
        view
        returns (bool);

    /// @notice FlowPay checkpoint: sha256(root || uint64 timestamp || uint256 batchId), big-endian, 72 bytes.
    function flowPayCheckpoint(bytes32 root, uint64 timestamp, uint256 batchId) external pure returns (bytes32);

    function isWriter(address writer) external view returns (bool);

    /// @notice Grants or revokes the right to write records. Only the owner.
    function setWriter(address writer, bool authorized) external;

    function version() external pure returns (string memory);
}

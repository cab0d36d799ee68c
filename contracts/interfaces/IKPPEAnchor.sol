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

    /// @notice Batch `batchId` was anchored with a log checkpoint: the RFC 9162 log over the ledger
    /// had `logSize` entries and root `logRoot`, and the batch is exactly its entries
    /// `logSize - eventCount + 1 .. logSize` (ledger sequences). `anchor` sent it.
    event LogCheckpointAnchored(uint256 indexed batchId, uint64 logSize, bytes32 logRoot, address indexed anchor);

    /// @notice The owner proposed witness set `version`: from `activatesAt` on, `anchorCheckpoint`
    /// needs EIP-712 signatures of at least `threshold` of `witnesses` over each checkpoint of the
    /// log `origin`. A threshold of 0 (and no witnesses) removes the requirement, with the same delay.
    event WitnessSetProposed(uint256 indexed version, address[] witnesses, uint8 threshold, string origin, uint64 activatesAt);

    /// @notice A log checkpoint as the log signer signed it: EIP-712 `Checkpoint(string origin,
    /// uint64 size,bytes32 root)` in the domain ("KPPE log", "1"), with no chain id or contract,
    /// since the statement is about the log; `signature` is 65 bytes (r || s || v).
    struct SignedCheckpoint {
        uint64 size;
        bytes32 root;
        bytes signature;
    }

    /// @notice From now on `signer` is the log's on-chain identity: its signed checkpoints of the
    /// log `origin` are evidence against it (`reportEquivocation`). Setting it lifts a freeze.
    event LogSignerChanged(address indexed signer, string origin);

    /// @notice `reporter` proved that `logSigner` signed two histories that cannot both be true
    /// (or one that contradicts the anchored log): the log of (`size1`, `root1`) is not a prefix of
    /// the log of (`size2`, `root2`). Anchoring is frozen until the owner sets another log signer.
    event LogEquivocation(address indexed logSigner, uint64 size1, bytes32 root1, uint64 size2, bytes32 root2, address indexed reporter);

    /// @notice `anchor` was granted (`authorized` true) or denied the right to anchor.
    event AnchorAuthorizationChanged(address indexed anchor, bool authorized);

    /// @notice `verifyProof` was called; records the outcome on-chain.
    event ProofVerified(uint256 indexed batchId, bytes32 indexed eventHash, uint256 leafIndex, bool valid);

    /// @notice The caller is not an authorized anchor. Ask the owner to call `setAuthorized(caller, true)`.
    error UnauthorizedAnchor(address caller);
    /// @notice Batch ids are consecutive: `batchId` must be `latestBatchId + 1`, and `latestBatchId`
    /// already is `latestBatchId` (another anchor may have taken the id: read `latestBatchId()` again).
    error BatchIdNotIncreasing(uint256 batchId, uint256 latestBatchId);
    /// @notice A zero Merkle root cannot be anchored.
    error ZeroMerkleRoot();
    /// @notice A batch must hold at least one event.
    error ZeroEventCount();
    /// @notice `treeDepth` does not fit `eventCount`; the only valid depth is `expectedDepth`.
    error TreeDepthMismatch(uint32 eventCount, uint8 treeDepth, uint8 expectedDepth);
    /// @notice The running total of anchored events would overflow its 48-bit counter.
    error TotalEventsOverflow(uint256 total);
    /// @notice `timestamp` is above 2^40 - 1: batch timestamps are seconds (stored in 40 bits, enough until the year 36812).
    error TimestampTooLarge(uint64 timestamp);
    /// @notice The zero address cannot be authorized.
    error ZeroAddressAnchor();
    /// @notice This deployment anchors log checkpoints (since batch `checkpointBatchId`): a root
    /// without a log, which could re-anchor or skip events, is refused. Use `anchorCheckpoint`.
    error LogCheckpointRequired(uint256 checkpointBatchId);
    /// @notice A batch must be exactly the log's new range: `logSize` must equal `previousLogSize + eventCount`.
    error LogSizeMismatch(uint256 logSize, uint256 previousLogSize, uint32 eventCount);
    /// @notice The consistency proof does not show the log of `newLogSize` entries extending the
    /// anchored log of `previousLogSize` entries: the history was rewritten, or the proof is wrong.
    error LogNotConsistent(uint256 previousLogSize, uint256 newLogSize);
    /// @notice The first checkpoint has no anchored log to extend, so it takes no consistency proof.
    error UnexpectedConsistencyProof(uint256 length);
    /// @notice A log root cannot be zero.
    error ZeroLogRoot();
    /// @notice Ownership cannot be renounced: anchors could then never be revoked.
    error OwnershipCannotBeRenounced();
    /// @notice A witness set needs 1 <= threshold <= its size (or no witnesses and threshold 0),
    /// and distinct, non-zero addresses in increasing order.
    error BadWitnessSet(uint256 witnesses, uint8 threshold);
    /// @notice Only `valid` witness signatures of the `threshold` the active witness set requires.
    error WitnessQuorumNotMet(uint256 valid, uint256 threshold);
    /// @notice Signature `index` (65 bytes each, r || s || v) is not a valid secp256k1 signature.
    error InvalidWitnessSignature(uint256 index);
    /// @notice `signer` signed the checkpoint but is not in the active witness set.
    error NotAWitness(address signer);
    /// @notice Signatures must come from distinct witnesses, in increasing address order; `signer` repeats or is out of order.
    error WitnessSignaturesUnordered(address signer);

    /// @notice The log signer equivocated (`LogEquivocation`): nothing is anchored until the owner
    /// sets another log signer with `setLogSigner`.
    error LogFrozen(address logSigner);
    /// @notice No log signer is set (`setLogSigner`), so there is nobody to report.
    error NoLogSigner();
    /// @notice The log signer cannot be the zero address.
    error ZeroLogSigner();
    /// @notice `signer` equivocated; anchoring resumes only under another log signer.
    error LogSignerEquivocated(address signer);
    /// @notice Signed checkpoint `index` (0 the first, 1 the second) is not signed by the log
    /// signer over its size and root for the log's origin.
    error InvalidLogSignature(uint256 index);
    /// @notice The checkpoints given can both be true: same size and root, the first larger than
    /// the second, or a prefix root that equals the first root or that the proof does not bind.
    error NotAnEquivocation();
    /// @notice Batch `batchId` was not anchored with a log checkpoint.
    error NoCheckpoint(uint256 batchId);

    /// @notice Anchors the root of batch `batchId`. Only authorized anchors may call it.
    /// @dev Reverts unless `batchId == latestBatchId() + 1`, `merkleRoot != 0`, `eventCount > 0` and
    /// `treeDepth == ceil(log2(eventCount))`, and once a log checkpoint has been anchored
    /// (`LogCheckpointRequired`). The contract sets `prevRoot` itself.
    /// WARNING: a plain root fixes neither the events' positions nor which ledger range it covers;
    /// `anchorCheckpoint` does.
    function anchorMerkleRoot(
        uint256 batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        uint64 timestamp
    ) external;

    /// @notice Anchors batch `batchId` together with the log checkpoint (`logSize`, `logRoot`) it
    /// completes. Only authorized anchors may call it.
    /// @dev Besides `anchorMerkleRoot`'s rules: `batchId == latestBatchId() + 1`;
    /// `logSize == previous logSize + eventCount` (the batch is exactly the log's new range, so no
    /// event can be anchored twice or skipped); and `consistencyProof` must prove, by RFC 9162,
    /// that the new log extends the previously anchored one (the first checkpoint takes an empty
    /// proof and extends the `totalEventsAnchored()` events anchored before it). From the first
    /// checkpoint on, `anchorMerkleRoot` is refused. When a witness set is active,
    /// `witnessSignatures` (65 bytes each, distinct signers in increasing address order) must hold
    /// at least its threshold of members' signatures over `checkpointDigest(logSize, logRoot)`. `merkleRoot` is the K-PPE tree over the
    /// batch's `payload_hash` values, kept for `verifyProofView` and explorers.
    function anchorCheckpoint(
        uint256 batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        uint64 timestamp,
        uint64 logSize,
        bytes32 logRoot,
        bytes32[] calldata consistencyProof,
        bytes calldata witnessSignatures
    ) external;

    /// @notice Proposes the witness set whose signatures `anchorCheckpoint` will require, from
    /// `WITNESS_SET_DELAY` after now (so anchors and readers see a change coming). Only the owner.
    /// `witnesses` in increasing address order; `origin` is the log's name (its checkpoints' first line).
    function proposeWitnessSet(address[] calldata witnesses, uint8 threshold, string calldata origin) external;

    /// @notice The witness set in force now: its version, threshold, the keccak256 of its log
    /// origin, and whether `witness` is in it.
    function activeWitnessSet(address witness)
        external
        view
        returns (uint256 version, uint8 threshold, bytes32 originHash, bool member);

    /// @notice The EIP-712 digest witnesses sign for a checkpoint of the active set's log:
    /// `Checkpoint(string origin,uint64 size,bytes32 root)` in the domain ("KPPEAnchor", "2",
    /// this chain's id, this contract), so a signature is good for one log, one chain and one contract.
    function checkpointDigest(uint64 logSize, bytes32 logRoot) external view returns (bytes32);

    /// @notice Sets the log's on-chain signer (the secp256k1 key `npx hardhat log:key` derives
    /// from the log key) and its origin; lifts a freeze when it is another key than the one that
    /// equivocated. Only the owner.
    function setLogSigner(address signer, string calldata origin) external;

    /// @notice The log signer, the keccak256 of its log's origin, and whether anchoring is frozen
    /// because it equivocated.
    function logSigner() external view returns (address signer, bytes32 originHash, bool frozen);

    /// @notice The EIP-712 digest the log signer signs for its checkpoint (`size`, `root`).
    function logCheckpointDigest(uint64 size, bytes32 root) external view returns (bytes32);

    /// @notice Anyone may prove that the log signer signed two checkpoints that cannot both be
    /// true, which freezes anchoring (`LogEquivocation`, then `LogFrozen` on every anchor):
    /// `older.size == newer.size` with different roots, or `older.size < newer.size` and a
    /// consistency proof (RFC 9162) from `older.size` to `newer.size` that verifies with
    /// `prefixRoot` as the old root and `newer.root` as the new one, where `prefixRoot` is not
    /// `older.root`. Both must carry the log signer's signature.
    function reportEquivocation(
        SignedCheckpoint calldata older,
        SignedCheckpoint calldata newer,
        bytes32 prefixRoot,
        bytes32[] calldata proof
    ) external;

    /// @notice As `reportEquivocation`, with the log anchored at batch `batchId` as one side: a
    /// checkpoint signed by the log signer that is not a prefix of the anchored log (smaller, with
    /// a proof in the anchored log) or that does not extend it (larger, with a proof in its own log).
    function reportAnchoredEquivocation(
        uint256 batchId,
        SignedCheckpoint calldata signed,
        bytes32 prefixRoot,
        bytes32[] calldata proof
    ) external;

    /// @notice True when the ledger entry with `eventHash` and `contentHash` is entry `index`
    /// (ledger sequence `index + 1`) of the log anchored with batch `batchId`. Works for any
    /// batch ever anchored with a checkpoint, and for any entry up to that batch's log size.
    /// False for a batch without a checkpoint, `index >= logSize`, or a proof that does not verify.
    function verifyLogInclusion(
        uint256 batchId,
        uint256 index,
        bytes32 eventHash,
        bytes32 contentHash,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The log checkpoint anchored with batch `batchId`: the log's size and root, and the
    /// batch's first ledger sequence (`logSize - eventCount + 1`). All zero for a batch anchored
    /// without a checkpoint, or none.
    function getCheckpoint(uint256 batchId)
        external
        view
        returns (uint64 logSize, bytes32 logRoot, uint64 firstSequence);

    /// @notice The batch id of the first checkpoint, or 0 while the deployment anchors plain roots.
    function firstCheckpointBatchId() external view returns (uint256);

    /// @notice Same check as `verifyProofView`, and emits `ProofVerified` with the outcome.
    function verifyProof(uint256 batchId, bytes32 eventHash, bytes32[] calldata proof, uint256 leafIndex)
        external
        returns (bool);

    /// @notice True when `eventHash` is a leaf of batch `batchId`.
    /// @dev Hardened beyond the original K-PPE contract: false for an unknown batch, a zero leaf,
    /// `leafIndex >= eventCount`, or a proof whose length is not exactly `treeDepth` (so an inner
    /// node can never pass as a leaf). Pairs are hashed sorted, as OpenZeppelin's `MerkleProof`.
    /// WARNING: this proves membership only. Sorted pairs do not encode direction, so `leafIndex`
    /// is bounds-checked but not bound to the leaf, and reordering leaves keeps the root; the
    /// leaf is the client's `payload_hash`, not the ledger entry. An event's position and entry are
    /// proven by `verifyLogInclusion`.
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

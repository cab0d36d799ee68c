// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IKPPEAnchor} from "./interfaces/IKPPEAnchor.sol";
import {LogMerkle} from "./libraries/LogMerkle.sol";
import {PaddedMerkle} from "./libraries/PaddedMerkle.sol";

/// @title KPPEAnchor
/// @notice Chain of Merkle roots over contiguous ledger batches, and of the RFC 9162 log
/// checkpoints they complete; refuses a log history that is not an extension of the anchored one,
/// and verifies K-PPE membership proofs and log inclusion proofs.
/// @dev Storage is laid out for the anchoring hot path (see docs/contracts.md, "Gas"): a batch
/// costs a fresh slot for its root and one for its log root, and half a slot of metadata (two
/// consecutive batches share one, so every other batch writes a slot that is already in use);
/// the head (latest id, running total, whether checkpoints began, and the last anchor that passed
/// the authorization check) shares one slot, so a keeper that anchors repeatedly pays for no
/// mapping read. Ids are consecutive, so `prevRoot` is the root of batch `batchId - 1` and
/// `eventCount` the difference of two running totals, read, not stored; the tree depth follows
/// from the count. Once checkpoints begin, the running total is the log size.
contract KPPEAnchor is IKPPEAnchor, Ownable2Step, EIP712 {
    string private constant PROTOCOL = "K-PPE-v1";
    bytes32 private constant CHECKPOINT_TYPEHASH = keccak256("Checkpoint(string origin,uint64 size,bytes32 root)");
    /// @notice How long a proposed witness set waits before it is in force.
    uint64 public constant WITNESS_SET_DELAY = 1 days;
    uint8 private constant CHECKPOINTS = 1; // Head.flags: checkpoints began
    uint8 private constant WITNESSED = 2; // Head.flags: a witness set was ever proposed
    uint8 private constant FROZEN = 4; // Head.flags: the log signer equivocated; anchoring stops until it is rotated
    /// @dev The log signer's statements are about the log, not this deployment: the domain has no
    /// chain id or contract, so one signed checkpoint is evidence on every chain that knows the signer.
    bytes32 private constant LOG_DOMAIN_SEPARATOR = keccak256(
        abi.encode(keccak256("EIP712Domain(string name,string version)"), keccak256("KPPE log"), keccak256("1"))
    );

    /// @dev The metadata of batches 2p (`even*`) and 2p + 1 (`odd*`) in one slot. `total` is the
    /// running total of anchored events after the batch (the log size, for a checkpoint batch).
    struct BatchPair {
        uint48 evenTotal;
        uint40 evenTimestamp;
        uint40 evenAnchoredAt;
        uint48 oddTotal;
        uint40 oddTimestamp;
        uint40 oddAnchoredAt;
    }

    /// @dev A batch's metadata, unpacked; `anchoredAt` is 0 for a batch that does not exist.
    struct BatchInfo {
        uint256 total;
        uint64 timestamp;
        uint64 anchoredAt;
    }

    struct Head {
        address lastAnchor; // authorized when written; cleared when revoked
        uint40 latestBatchId;
        uint48 totalEventsAnchored;
        uint8 flags; // CHECKPOINTS, WITNESSED: read in the slot the hot path loads anyway
    }

    /// @dev A set is identified by its version; the pending one is in force from `pendingFrom` on.
    struct WitnessConfig {
        uint32 version;
        uint8 threshold;
        uint32 pendingVersion;
        uint8 pendingThreshold;
        uint64 pendingFrom;
    }

    mapping(uint256 batchId => bytes32 merkleRoot) private _merkleRoots;
    mapping(uint256 pair => BatchPair metadata) private _batchPairs;
    mapping(uint256 batchId => bytes32 logRoot) private _logRoots;
    mapping(address anchor => bool authorized) private _authorized;
    Head private _head;
    uint256 private _firstCheckpointBatchId;
    WitnessConfig private _witnessConfig;
    mapping(uint256 version => bytes32 originHash) private _witnessOrigins;
    mapping(uint256 version => mapping(address witness => bool member)) private _witnesses;
    address private _logSigner;
    bytes32 private _logOriginHash;

    constructor(address initialOwner) Ownable(initialOwner) EIP712("KPPEAnchor", "2") {}

    /// @inheritdoc IKPPEAnchor
    function anchorMerkleRoot(
        uint256 batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        uint64 timestamp
    ) external virtual {
        Head memory head = _checkAnchor(batchId, merkleRoot, eventCount, treeDepth, timestamp);
        // One test of the flags on the hot path; which one is set is worked out only on the way to a revert.
        if (head.flags & (CHECKPOINTS | FROZEN) != 0) {
            if (head.flags & FROZEN != 0) revert LogFrozen(_logSigner);
            revert LogCheckpointRequired(_firstCheckpointBatchId);
        }
        uint256 total = uint256(head.totalEventsAnchored) + eventCount;
        if (total > type(uint48).max) revert TotalEventsOverflow(total);
        _store(head, batchId, merkleRoot, eventCount, treeDepth, timestamp, total);
    }

    /// @inheritdoc IKPPEAnchor
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
    ) external virtual {
        _anchorCheckpoint(batchId, merkleRoot, eventCount, treeDepth, timestamp, logSize, logRoot, consistencyProof, witnessSignatures);
    }

    /// @dev `anchorCheckpoint`'s checks and writes, for a deployment that adds its own (a leader schedule).
    function _anchorCheckpoint(
        uint256 batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        uint64 timestamp,
        uint64 logSize,
        bytes32 logRoot,
        bytes32[] calldata consistencyProof,
        bytes calldata witnessSignatures
    ) internal {
        Head memory head = _checkAnchor(batchId, merkleRoot, eventCount, treeDepth, timestamp);
        if (logRoot == bytes32(0)) revert ZeroLogRoot();
        if (head.flags & (WITNESSED | FROZEN) != 0) {
            if (head.flags & FROZEN != 0) revert LogFrozen(_logSigner);
            _checkWitnesses(logSize, logRoot, witnessSignatures);
        }
        uint256 previousSize = head.totalEventsAnchored;
        if (uint256(logSize) != previousSize + eventCount) revert LogSizeMismatch(logSize, previousSize, eventCount);
        if (logSize > type(uint48).max) revert TotalEventsOverflow(logSize);
        if (head.flags & CHECKPOINTS != 0) {
            bytes32 previousRoot = _logRoots[head.latestBatchId];
            if (!LogMerkle.verifyConsistency(previousSize, logSize, previousRoot, logRoot, consistencyProof)) {
                revert LogNotConsistent(previousSize, logSize);
            }
        } else {
            if (consistencyProof.length != 0) revert UnexpectedConsistencyProof(consistencyProof.length);
            head.flags |= CHECKPOINTS;
            _firstCheckpointBatchId = batchId;
        }
        _logRoots[batchId] = logRoot;
        _store(head, batchId, merkleRoot, eventCount, treeDepth, timestamp, logSize);
        emit LogCheckpointAnchored(batchId, logSize, logRoot, msg.sender);
    }

    /// @dev Reverts unless `signatures` hold at least the active set's threshold of its members'
    /// signatures over the checkpoint; each signature costs an ecrecover and a cold membership read.
    function _checkWitnesses(uint64 logSize, bytes32 logRoot, bytes calldata signatures) private view {
        (uint256 setVersion, uint8 threshold) = _activeWitnessSet();
        if (threshold == 0) return;
        bytes32 digest = _checkpointDigest(setVersion, logSize, logRoot);
        uint256 count = signatures.length / 65;
        if (signatures.length % 65 != 0 || count < threshold) revert WitnessQuorumNotMet(count, threshold);
        address previous;
        for (uint256 i; i < count; ++i) {
            (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signatures[i * 65:i * 65 + 65]);
            if (error != ECDSA.RecoverError.NoError) revert InvalidWitnessSignature(i);
            if (signer <= previous) revert WitnessSignaturesUnordered(signer);
            if (!_witnesses[setVersion][signer]) revert NotAWitness(signer);
            previous = signer;
        }
    }

    function _activeWitnessSet() private view returns (uint256 setVersion, uint8 threshold) {
        WitnessConfig memory config = _witnessConfig;
        if (config.pendingVersion != 0 && block.timestamp >= config.pendingFrom) return (config.pendingVersion, config.pendingThreshold);
        return (config.version, config.threshold);
    }

    function _checkpointDigest(uint256 setVersion, uint64 logSize, bytes32 logRoot) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CHECKPOINT_TYPEHASH, _witnessOrigins[setVersion], logSize, logRoot)));
    }

    /// @inheritdoc IKPPEAnchor
    function proposeWitnessSet(address[] calldata witnesses, uint8 threshold, string calldata origin) external onlyOwner {
        if (threshold > witnesses.length || (threshold == 0 && witnesses.length != 0)) revert BadWitnessSet(witnesses.length, threshold);
        WitnessConfig memory config = _witnessConfig;
        // A pending set already in force becomes the current one before the next is proposed.
        if (config.pendingVersion != 0 && block.timestamp >= config.pendingFrom) {
            (config.version, config.threshold) = (config.pendingVersion, config.pendingThreshold);
        }
        uint32 setVersion = (config.pendingVersion > config.version ? config.pendingVersion : config.version) + 1;
        address previous;
        for (uint256 i; i < witnesses.length; ++i) {
            if (witnesses[i] <= previous) revert BadWitnessSet(witnesses.length, threshold);
            _witnesses[setVersion][witnesses[i]] = true;
            previous = witnesses[i];
        }
        _witnessOrigins[setVersion] = keccak256(bytes(origin));
        uint64 from = uint64(block.timestamp) + WITNESS_SET_DELAY;
        (config.pendingVersion, config.pendingThreshold, config.pendingFrom) = (setVersion, threshold, from);
        _witnessConfig = config;
        _head.flags |= WITNESSED;
        emit WitnessSetProposed(setVersion, witnesses, threshold, origin, from);
    }

    /// @inheritdoc IKPPEAnchor
    function activeWitnessSet(address witness)
        external
        view
        returns (uint256 version, uint8 threshold, bytes32 originHash, bool member)
    {
        (version, threshold) = _activeWitnessSet();
        return (version, threshold, _witnessOrigins[version], _witnesses[version][witness]);
    }

    /// @inheritdoc IKPPEAnchor
    function checkpointDigest(uint64 logSize, bytes32 logRoot) external view returns (bytes32) {
        (uint256 setVersion,) = _activeWitnessSet();
        return _checkpointDigest(setVersion, logSize, logRoot);
    }

    /// @inheritdoc IKPPEAnchor
    function setLogSigner(address signer, string calldata origin) external onlyOwner {
        if (signer == address(0)) revert ZeroLogSigner();
        // The key that equivocated cannot lift its own freeze: the owner must rotate to another.
        if (_head.flags & FROZEN != 0 && signer == _logSigner) revert LogSignerEquivocated(signer);
        _logSigner = signer;
        _logOriginHash = keccak256(bytes(origin));
        _head.flags &= ~FROZEN;
        emit LogSignerChanged(signer, origin);
    }

    /// @inheritdoc IKPPEAnchor
    function logSigner() external view returns (address signer, bytes32 originHash, bool frozen) {
        return (_logSigner, _logOriginHash, _head.flags & FROZEN != 0);
    }

    /// @inheritdoc IKPPEAnchor
    function logCheckpointDigest(uint64 size, bytes32 root) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(CHECKPOINT_TYPEHASH, _logOriginHash, size, root));
        return keccak256(abi.encodePacked(hex"1901", LOG_DOMAIN_SEPARATOR, structHash));
    }

    /// @inheritdoc IKPPEAnchor
    function reportEquivocation(
        SignedCheckpoint calldata older,
        SignedCheckpoint calldata newer,
        bytes32 prefixRoot,
        bytes32[] calldata proof
    ) external {
        address signer = _checkReportable();
        _checkLogSignature(signer, older, 0);
        _checkLogSignature(signer, newer, 1);
        if (!_contradicts(older.size, older.root, newer.size, newer.root, prefixRoot, proof)) revert NotAnEquivocation();
        _freeze(signer, older.size, older.root, newer.size, newer.root);
    }

    /// @inheritdoc IKPPEAnchor
    function reportAnchoredEquivocation(
        uint256 batchId,
        SignedCheckpoint calldata signed,
        bytes32 prefixRoot,
        bytes32[] calldata proof
    ) external {
        address signer = _checkReportable();
        _checkLogSignature(signer, signed, 0);
        bytes32 anchoredRoot = _logRoots[batchId];
        if (anchoredRoot == bytes32(0)) revert NoCheckpoint(batchId);
        uint256 anchoredSize = _batchInfo(batchId).total;
        bool contradicts = signed.size <= anchoredSize
            ? _contradicts(signed.size, signed.root, anchoredSize, anchoredRoot, prefixRoot, proof)
            : _contradicts(anchoredSize, anchoredRoot, signed.size, signed.root, prefixRoot, proof);
        if (!contradicts) revert NotAnEquivocation();
        if (signed.size <= anchoredSize) _freeze(signer, signed.size, signed.root, anchoredSize, anchoredRoot);
        else _freeze(signer, anchoredSize, anchoredRoot, signed.size, signed.root);
    }

    function _checkReportable() private view returns (address signer) {
        signer = _logSigner;
        if (signer == address(0)) revert NoLogSigner();
        if (_head.flags & FROZEN != 0) revert LogFrozen(signer);
    }

    function _checkLogSignature(address signer, SignedCheckpoint calldata checkpoint, uint256 index) private view {
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(logCheckpointDigest(checkpoint.size, checkpoint.root), checkpoint.signature);
        if (error != ECDSA.RecoverError.NoError || recovered != signer) revert InvalidLogSignature(index);
    }

    /// @dev True when the log of (`size1`, `root1`) cannot be a prefix of the log of (`size2`,
    /// `root2`), `size1 <= size2`: two roots for one size, or a consistency proof showing that the
    /// second log's first `size1` entries have root `prefixRoot`, which is not `root1`. The proof
    /// binds `prefixRoot` to `root2` (RFC 9162), so no one can make it up.
    function _contradicts(
        uint256 size1,
        bytes32 root1,
        uint256 size2,
        bytes32 root2,
        bytes32 prefixRoot,
        bytes32[] calldata proof
    ) private view returns (bool) {
        if (size1 > size2) return false;
        if (size1 == size2) return root1 != root2;
        return prefixRoot != root1 && LogMerkle.verifyConsistency(size1, size2, prefixRoot, root2, proof);
    }

    function _freeze(address signer, uint256 size1, bytes32 root1, uint256 size2, bytes32 root2) private {
        _head.flags |= FROZEN;
        emit LogEquivocation(signer, uint64(size1), root1, uint64(size2), root2, msg.sender);
    }

    /// @dev The checks both anchoring calls share; returns the head with the caller cached.
    function _checkAnchor(uint256 batchId, bytes32 merkleRoot, uint32 eventCount, uint8 treeDepth, uint64 timestamp)
        private
        view
        returns (Head memory head)
    {
        head = _head;
        if (msg.sender != head.lastAnchor) {
            if (!_authorized[msg.sender]) revert UnauthorizedAnchor(msg.sender);
            head.lastAnchor = msg.sender;
        }
        if (batchId != uint256(head.latestBatchId) + 1) revert BatchIdNotIncreasing(batchId, head.latestBatchId);
        if (merkleRoot == bytes32(0)) revert ZeroMerkleRoot();
        if (eventCount == 0) revert ZeroEventCount();
        uint8 expectedDepth = PaddedMerkle.depthFor(eventCount);
        if (treeDepth != expectedDepth) revert TreeDepthMismatch(eventCount, treeDepth, expectedDepth);
        if (timestamp > type(uint40).max) revert TimestampTooLarge(timestamp);
    }

    /// @dev `treeDepth` is checked by `_checkAnchor` and only passed on to the event.
    function _store(
        Head memory head,
        uint256 batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        uint64 timestamp,
        uint256 total
    ) private {
        bytes32 prevRoot = _merkleRoots[head.latestBatchId];
        _merkleRoots[batchId] = merkleRoot;
        // Checked: total fits 48 bits, timestamp 40; block time fits 40 bits until the year 36812.
        BatchPair storage pair = _batchPairs[batchId >> 1];
        if (batchId & 1 == 0) {
            (pair.evenTotal, pair.evenTimestamp, pair.evenAnchoredAt) = (uint48(total), uint40(timestamp), uint40(block.timestamp));
        } else {
            (pair.oddTotal, pair.oddTimestamp, pair.oddAnchoredAt) = (uint48(total), uint40(timestamp), uint40(block.timestamp));
        }
        // batchId == latestBatchId + 1 (checked), and a uint40 holds 10^12 batches.
        head.latestBatchId = uint40(batchId);
        head.totalEventsAnchored = uint48(total);
        _head = head;
        emit KPPEMerkleAnchored(PROTOCOL, batchId, merkleRoot, eventCount, treeDepth, prevRoot);
    }

    function _batchInfo(uint256 batchId) private view returns (BatchInfo memory) {
        BatchPair storage pair = _batchPairs[batchId >> 1];
        if (batchId & 1 == 0) return BatchInfo(pair.evenTotal, pair.evenTimestamp, pair.evenAnchoredAt);
        return BatchInfo(pair.oddTotal, pair.oddTimestamp, pair.oddAnchoredAt);
    }

    /// @dev Events in batch `batchId` (a batch that exists), from the running totals before and after it.
    function _eventCount(uint256 batchId, uint256 total) private view returns (uint32) {
        // Each batch's count was a uint32, and the totals of batch 0 (which never exists) are 0.
        return uint32(total - _batchInfo(batchId - 1).total);
    }

    /// @inheritdoc IKPPEAnchor
    function verifyLogInclusion(
        uint256 batchId,
        uint256 index,
        bytes32 eventHash,
        bytes32 contentHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 logRoot = _logRoots[batchId];
        if (logRoot == bytes32(0)) return false;
        return LogMerkle.verifyInclusion(index, _batchInfo(batchId).total, LogMerkle.leafHash(eventHash, contentHash), proof, logRoot);
    }

    /// @inheritdoc IKPPEAnchor
    function getCheckpoint(uint256 batchId)
        external
        view
        returns (uint64 logSize, bytes32 logRoot, uint64 firstSequence)
    {
        logRoot = _logRoots[batchId];
        if (logRoot == bytes32(0)) return (0, bytes32(0), 0);
        logSize = uint64(_batchInfo(batchId).total);
        return (logSize, logRoot, uint64(_batchInfo(batchId - 1).total) + 1);
    }

    /// @inheritdoc IKPPEAnchor
    function firstCheckpointBatchId() external view returns (uint256) {
        return _firstCheckpointBatchId;
    }

    /// @notice Always reverts: with no owner, a leaked anchor key could never be revoked.
    function renounceOwnership() public view override onlyOwner {
        revert OwnershipCannotBeRenounced();
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
        bytes32 merkleRoot = _merkleRoots[batchId];
        if (merkleRoot == bytes32(0)) return false;
        return PaddedMerkle.verifyKeccak(merkleRoot, _eventCount(batchId, _batchInfo(batchId).total), eventHash, proof, leafIndex);
    }

    /// @inheritdoc IKPPEAnchor
    function getBatch(uint256 batchId) public view returns (MerkleBatch memory) {
        bytes32 merkleRoot = _merkleRoots[batchId];
        if (merkleRoot == bytes32(0)) return MerkleBatch(0, 0, 0, 0, 0, 0, false);
        BatchInfo memory info = _batchInfo(batchId);
        uint32 eventCount = _eventCount(batchId, info.total);
        return MerkleBatch({
            merkleRoot: merkleRoot,
            eventCount: eventCount,
            treeDepth: PaddedMerkle.depthFor(eventCount),
            timestamp: info.timestamp,
            anchoredAt: info.anchoredAt,
            prevRoot: _merkleRoots[batchId - 1],
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
        if (batchId == 0) return (0, bytes32(0), 0, 0);
        BatchInfo memory info = _batchInfo(batchId);
        return (batchId, _merkleRoots[batchId], _eventCount(batchId, info.total), info.anchoredAt);
    }

    /// @inheritdoc IKPPEAnchor
    function latestBatchId() external view returns (uint256) {
        return _head.latestBatchId;
    }

    /// @inheritdoc IKPPEAnchor
    function latestRoot() external view returns (bytes32) {
        return _merkleRoots[_head.latestBatchId];
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
        return "2.2.0";
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {KPPEAnchor} from "./KPPEAnchor.sol";
import {PaddedMerkle} from "./libraries/PaddedMerkle.sol";

/// @title KPPEAnchorScheduled
/// @notice KPPEAnchor for operators that take turns by Lucid's Proof of Operational Tasks: each
/// epoch's leader schedule (per slot a primary and ordered fallbacks, computed off chain from the
/// published task proofs and a seed anyone can read, see docs/poot.md) is committed as a Merkle
/// root, and an anchor in slot s is accepted only from its primary, or from fallback i once i
/// leader timeouts of the slot have passed, each proving its place in the committed schedule.
/// @dev The slot parameters are immutables (Lucid's are fixed per deployment: 120 s slots, 5 s
/// leader timeout, 720-slot epochs), so checking a turn reads one storage slot (the epoch's root)
/// and a proof from calldata. The committed tree is the K-PPE tree (sorted pairs, padded to a
/// power of two) over `LEADERS_PER_SLOT` leaves per slot, slot by slot: leaf
/// keccak256(abi.encodePacked(uint64 slot, uint8 position, address leader)), position 0 the
/// primary and i the i-th fallback (the zero address where a slot has fewer). A keeper proves
/// its own leaf, so a turn carries only the slot, the position and the proof.
contract KPPEAnchorScheduled is KPPEAnchor {
    /// @notice Unix time at which slot 0 starts.
    uint64 public immutable GENESIS;
    uint32 public immutable SLOT_SECONDS;
    /// @notice Seconds a slot's primary has before fallback 0 may anchor; fallback i waits i + 1 of them.
    uint32 public immutable LEADER_TIMEOUT;
    uint32 public immutable EPOCH_SLOTS;
    /// @notice The primary and three ordered fallbacks per slot.
    uint256 public constant LEADERS_PER_SLOT = 4;

    /// @notice The caller's place in the schedule: `slot`, its `position` (0 the primary, i the
    /// i-th fallback), and the Merkle proof of the leaf (slot, position, caller).
    struct Turn {
        uint64 slot;
        uint8 position;
        bytes32[] proof;
    }

    mapping(uint256 epoch => bytes32 root) private _schedules;

    /// @notice The owner committed `root` as the leader schedule of `epoch`; it cannot be changed.
    event ScheduleCommitted(uint256 indexed epoch, bytes32 root);

    /// @notice This deployment anchors in turns: use `anchorCheckpointInTurn`.
    error TurnRequired();
    /// @notice No schedule is committed for `epoch` yet (`commitSchedule`).
    error NoSchedule(uint256 epoch);
    /// @notice The schedule of `epoch` is already committed; a schedule never changes.
    error ScheduleAlreadyCommitted(uint256 epoch);
    /// @notice The turn is for slot `given`, but the chain is in slot `current`.
    error WrongSlot(uint256 given, uint256 current);
    /// @notice The committed schedule does not put `caller` at `position` of `slot` (out of turn,
    /// or a proof of another place).
    error NotInSchedule(address caller, uint256 slot, uint256 position);
    /// @notice The caller is fallback `position` and may anchor from `readyAt` (unix time) on.
    error FallbackTooEarly(uint256 position, uint256 readyAt);
    /// @notice A zero slot length, timeout or epoch, or a timeout that leaves no time in a slot.
    error BadScheduleParameters();

    constructor(address initialOwner, uint64 genesis, uint32 slotSeconds, uint32 leaderTimeout, uint32 epochSlots)
        KPPEAnchor(initialOwner)
    {
        if (slotSeconds == 0 || epochSlots == 0 || leaderTimeout == 0 || leaderTimeout >= slotSeconds) revert BadScheduleParameters();
        (GENESIS, SLOT_SECONDS, LEADER_TIMEOUT, EPOCH_SLOTS) = (genesis, slotSeconds, leaderTimeout, epochSlots);
    }

    /// @notice Commits the leader schedule of `epoch` (its Merkle root). Only the owner, once per epoch.
    function commitSchedule(uint256 epoch, bytes32 root) external onlyOwner {
        if (root == bytes32(0)) revert NoSchedule(epoch);
        if (_schedules[epoch] != bytes32(0)) revert ScheduleAlreadyCommitted(epoch);
        _schedules[epoch] = root;
        emit ScheduleCommitted(epoch, root);
    }

    /// @notice The committed schedule root of `epoch` (zero while none is).
    function scheduleRoot(uint256 epoch) external view returns (bytes32) {
        return _schedules[epoch];
    }

    /// @notice The slot the chain is in now (reverts before genesis).
    function currentSlot() public view returns (uint256) {
        return (block.timestamp - GENESIS) / SLOT_SECONDS;
    }

    /// @notice Refused: anchors here carry their turn (`anchorCheckpointInTurn`).
    function anchorMerkleRoot(uint256, bytes32, uint32, uint8, uint64) external pure override {
        revert TurnRequired();
    }

    /// @notice Refused: anchors here carry their turn (`anchorCheckpointInTurn`).
    function anchorCheckpoint(uint256, bytes32, uint32, uint8, uint64, uint64, bytes32, bytes32[] calldata, bytes calldata)
        external
        pure
        override
    {
        revert TurnRequired();
    }

    /// @notice `anchorCheckpoint`, by the keeper whose turn it is: the current slot's primary, or
    /// fallback i once i leader timeouts of the slot have passed, proving its place against the
    /// committed schedule of the slot's epoch. The caller must also be an authorized anchor.
    function anchorCheckpointInTurn(
        uint256 batchId,
        bytes32 merkleRoot,
        uint32 eventCount,
        uint8 treeDepth,
        uint64 timestamp,
        uint64 logSize,
        bytes32 logRoot,
        bytes32[] calldata consistencyProof,
        bytes calldata witnessSignatures,
        Turn calldata turn
    ) external {
        _checkTurn(turn);
        _anchorCheckpoint(batchId, merkleRoot, eventCount, treeDepth, timestamp, logSize, logRoot, consistencyProof, witnessSignatures);
    }

    function _checkTurn(Turn calldata turn) private view {
        uint256 slot = currentSlot();
        if (turn.slot != slot) revert WrongSlot(turn.slot, slot);
        uint256 epoch = slot / EPOCH_SLOTS;
        bytes32 root = _schedules[epoch];
        if (root == bytes32(0)) revert NoSchedule(epoch);
        uint256 position = turn.position;
        bytes32 leaf = keccak256(abi.encodePacked(turn.slot, turn.position, msg.sender));
        uint256 index = (slot - epoch * EPOCH_SLOTS) * LEADERS_PER_SLOT + position;
        if (position >= LEADERS_PER_SLOT || !PaddedMerkle.verifyKeccak(root, EPOCH_SLOTS * LEADERS_PER_SLOT, leaf, turn.proof, index)) {
            revert NotInSchedule(msg.sender, slot, position);
        }
        if (position == 0) return;
        uint256 readyAt = GENESIS + slot * SLOT_SECONDS + position * LEADER_TIMEOUT;
        if (block.timestamp < readyAt) revert FallbackTooEarly(position, readyAt);
    }
}

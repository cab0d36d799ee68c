// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {KPPEAnchor} from "./KPPEAnchor.sol";
import {PaddedMerkle} from "./libraries/PaddedMerkle.sol";

/// @title KPPEAnchorScheduled
/// @notice KPPEAnchor for operators that take turns by Lucid's Proof of Operational Tasks: each
/// epoch's leaders (the eligible operators by rank, computed off chain from the published task
/// proofs and a seed anyone can read, see docs/poot.md) are committed on chain, and an anchor in
/// slot s is accepted only from its primary, or from fallback i once i leader timeouts of the
/// slot have passed.
/// @dev Lucid's schedule is a function of the ranking: with a 16-slot cooldown, slot i of an
/// epoch is led by leader `i mod n` of the n ≤ 17 best-ranked eligible operators, and its
/// fallbacks are the first three of the others in rank order. So the contract stores the
/// ranking (at most 17 addresses per epoch) and derives each slot's leaders; a turn check reads
/// two storage slots and carries no proof. The slot parameters are immutables (Lucid's: 120 s
/// slots, 5 s leader timeout, 720-slot epochs).
contract KPPEAnchorScheduled is KPPEAnchor {
    /// @notice Unix time at which slot 0 starts.
    uint64 public immutable GENESIS;
    uint32 public immutable SLOT_SECONDS;
    /// @notice Seconds a slot's primary has before fallback 1 may anchor; fallback i waits i of them.
    uint32 public immutable LEADER_TIMEOUT;
    uint32 public immutable EPOCH_SLOTS;
    /// @notice Operators that can lead: with a 16-slot cooldown, the 17 best-ranked take turns.
    uint256 public constant MAX_LEADERS = 17;
    /// @notice Fallbacks per slot, in rank order.
    uint256 public constant FALLBACKS = 3;

    /// @notice The caller's place in `slot`: `position` 0 as its primary, i as its i-th fallback.
    struct Turn {
        uint64 slot;
        uint8 position;
    }

    mapping(uint256 epoch => address[] leaders) private _leaders;

    /// @notice The owner committed `leaders` (the eligible operators by rank, at most 17) for `epoch`; it cannot be changed.
    event LeadersCommitted(uint256 indexed epoch, address[] leaders);

    /// @notice This deployment anchors in turns: use `anchorCheckpointInTurn`.
    error TurnRequired();
    /// @notice No leaders are committed for `epoch` yet (`commitLeaders`).
    error NoSchedule(uint256 epoch);
    /// @notice The leaders of `epoch` are already committed; they never change.
    error ScheduleAlreadyCommitted(uint256 epoch);
    /// @notice Leaders must be 1 to 17 distinct, non-zero addresses.
    error BadLeaders(uint256 count);
    /// @notice The turn is for slot `given`, but the chain is in slot `current`.
    error WrongSlot(uint256 given, uint256 current);
    /// @notice The committed leaders do not put `caller` at `position` of `slot` (out of turn).
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

    /// @notice Commits the leaders of `epoch`: its eligible operators in rank order, the first 17
    /// (docs/poot.md). Only the owner, once per epoch.
    function commitLeaders(uint256 epoch, address[] calldata leaders) external onlyOwner {
        if (leaders.length == 0 || leaders.length > MAX_LEADERS) revert BadLeaders(leaders.length);
        if (_leaders[epoch].length != 0) revert ScheduleAlreadyCommitted(epoch);
        for (uint256 i; i < leaders.length; ++i) {
            if (leaders[i] == address(0)) revert BadLeaders(leaders.length);
            for (uint256 j; j < i; ++j) if (leaders[j] == leaders[i]) revert BadLeaders(leaders.length);
        }
        _leaders[epoch] = leaders;
        emit LeadersCommitted(epoch, leaders);
    }

    /// @notice The committed leaders of `epoch` (empty while none are).
    function epochLeaders(uint256 epoch) external view returns (address[] memory) {
        return _leaders[epoch];
    }

    /// @notice Who is at `position` of `slot` (0 the primary, i the i-th fallback), by the committed leaders; zero when nobody is.
    function leaderAt(uint256 slot, uint256 position) public view returns (address) {
        address[] storage leaders = _leaders[slot / EPOCH_SLOTS];
        uint256 n = leaders.length;
        if (n == 0 || position > FALLBACKS || position >= n) return address(0);
        uint256 primary = (slot % EPOCH_SLOTS) % n;
        if (position == 0) return leaders[primary];
        // The i-th fallback is the i-th of the others, in rank order.
        return leaders[position - 1 < primary ? position - 1 : position];
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
    /// fallback i once i leader timeouts of the slot have passed. The caller must also be an
    /// authorized anchor.
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
        if (_leaders[slot / EPOCH_SLOTS].length == 0) revert NoSchedule(slot / EPOCH_SLOTS);
        uint256 position = turn.position;
        if (leaderAt(slot, position) != msg.sender) revert NotInSchedule(msg.sender, slot, position);
        if (position == 0) return;
        uint256 readyAt = GENESIS + slot * SLOT_SECONDS + position * LEADER_TIMEOUT;
        if (block.timestamp < readyAt) revert FallbackTooEarly(position, readyAt);
    }
}

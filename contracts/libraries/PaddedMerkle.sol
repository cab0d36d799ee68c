// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Proof checks for sorted-pair Merkle trees padded with zero leaves to a power of two.
/// @dev Shared by `KPPEAnchor` (batches) and `ProofRecorder` (sessions and FlowPay batches).
library PaddedMerkle {
    /// @notice Depth of a tree over `count` leaves padded to the next power of two:
    /// ceil(log2(count)), and 0 for a single leaf. Undefined (0) for zero leaves.
    function depthFor(uint256 count) internal pure returns (uint8) {
        return count <= 1 ? 0 : uint8(Math.log2(count - 1) + 1);
    }

    /// @notice True when `leaf` is one of the `count` real leaves of the keccak256 tree `root`.
    /// @dev The proof must be exactly `depthFor(count)` long so that an inner node cannot pose as
    /// a leaf; a zero leaf (padding) never verifies; `leafIndex` must be below `count`.
    function verifyKeccak(bytes32 root, uint256 count, bytes32 leaf, bytes32[] calldata proof, uint256 leafIndex)
        internal
        pure
        returns (bool)
    {
        if (root == bytes32(0) || leaf == bytes32(0) || leafIndex >= count) return false;
        if (proof.length != depthFor(count)) return false;
        return MerkleProof.processProofCalldata(proof, leaf) == root;
    }

    /// @notice True when hashing `leaf` up `proof` with sorted-pair SHA-256 gives `root`.
    /// @dev FlowPay's tree carries an odd node up unhashed, so its proofs have no fixed length.
    /// WARNING: without a fixed length an inner node could pose as a leaf; callers that know the
    /// batch size must also check the proof length (the off-chain verifier does).
    function verifySha256(bytes32 root, bytes32 leaf, bytes32[] calldata proof) internal view returns (bool) {
        if (root == bytes32(0) || leaf == bytes32(0)) return false;
        return MerkleProof.processProofCalldata(proof, leaf, sha256Pair) == root;
    }

    /// @notice sha256 over the two 32-byte values in ascending order.
    function sha256Pair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? sha256(abi.encodePacked(a, b)) : sha256(abi.encodePacked(b, a));
    }
}

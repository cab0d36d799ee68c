// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title RFC 9162 (RFC 6962) Merkle log proofs with SHA-256
/// @notice Inclusion and consistency proof checks with the same semantics as the SDK's
/// `verifyInclusion` and `verifyConsistency` (src/log/rfc9162.ts): leaf = sha256(0x00 || data),
/// node = sha256(0x01 || left || right). Every proof that does not verify returns false,
/// including `index >= size`, `size1 > size2`, `size1 == 0`, and a proof with an element too
/// many or too few.
/// @dev The proof checks are `view`, not `pure`, only because they call the SHA-256 precompile
/// from assembly (hashing in one scratch buffer saves 3,000-9,400 gas an anchor; docs/contracts.md).
library LogMerkle {
    /// @notice sha256(0x00 || eventHash || contentHash): the log leaf of a ledger entry.
    function leafHash(bytes32 eventHash, bytes32 contentHash) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), eventHash, contentHash));
    }

    /// @notice sha256(0x01 || left || right): 65 bytes written past the free-memory pointer
    /// (never allocated), the hash returned through the scratch slot.
    function nodeHash(bytes32 left, bytes32 right) internal view returns (bytes32 hash) {
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore8(buffer, 0x01)
            mstore(add(buffer, 1), left)
            mstore(add(buffer, 33), right)
            if iszero(staticcall(gas(), 0x02, buffer, 65, 0x00, 0x20)) { revert(0, 0) }
            hash := mload(0x00)
        }
    }

    /// @notice True when `proof` places `leaf` at `index` in the tree of `size` leaves with `root`
    /// (RFC 9162 section 2.1.3.2).
    function verifyInclusion(uint256 index, uint256 size, bytes32 leaf, bytes32[] memory proof, bytes32 root)
        internal
        view
        returns (bool)
    {
        if (index >= size) return false;
        uint256 fn = index;
        uint256 sn = size - 1;
        bytes32 r = leaf;
        for (uint256 i; i < proof.length; ++i) {
            if (sn == 0) return false;
            if (fn & 1 == 1 || fn == sn) {
                r = nodeHash(proof[i], r);
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = nodeHash(r, proof[i]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r == root;
    }

    /// @notice True when `proof` shows that the tree (`size2`, `root2`) extends the tree
    /// (`size1`, `root1`) (RFC 9162 section 2.1.4.2). A proof from the empty tree proves nothing
    /// and is refused; equal sizes need an empty proof and equal roots.
    function verifyConsistency(uint256 size1, uint256 size2, bytes32 root1, bytes32 root2, bytes32[] memory proof)
        internal
        view
        returns (bool)
    {
        if (size1 == 0 || size1 > size2) return false;
        if (size1 == size2) return proof.length == 0 && root1 == root2;
        if (proof.length == 0) return false;
        // When size1 is a power of two the old root is itself the first node of the path.
        bool seeded = size1 & (size1 - 1) == 0;
        uint256 fn = size1 - 1;
        uint256 sn = size2 - 1;
        while (fn & 1 == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        bytes32 fr = seeded ? root1 : proof[0];
        bytes32 sr = fr;
        // The loop of RFC 9162 section 2.1.4.2 in assembly: proof elements read without bounds
        // checks (i < length) and both hashes in one scratch buffer past the free pointer.
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            let element := add(proof, 0x20)
            let end := add(element, shl(5, mload(proof)))
            if iszero(seeded) { element := add(element, 0x20) }
            for {} lt(element, end) { element := add(element, 0x20) } {
                if iszero(sn) { break }
                let c := mload(element)
                mstore8(buffer, 0x01)
                switch or(and(fn, 1), eq(fn, sn))
                case 1 {
                    mstore(add(buffer, 1), c)
                    mstore(add(buffer, 33), fr)
                    if iszero(staticcall(gas(), 0x02, buffer, 65, 0x00, 0x20)) { revert(0, 0) }
                    fr := mload(0x00)
                    mstore(add(buffer, 33), sr)
                    if iszero(staticcall(gas(), 0x02, buffer, 65, 0x00, 0x20)) { revert(0, 0) }
                    sr := mload(0x00)
                    for {} and(iszero(and(fn, 1)), iszero(iszero(fn))) {} {
                        fn := shr(1, fn)
                        sn := shr(1, sn)
                    }
                }
                default {
                    mstore(add(buffer, 1), sr)
                    mstore(add(buffer, 33), c)
                    if iszero(staticcall(gas(), 0x02, buffer, 65, 0x00, 0x20)) { revert(0, 0) }
                    sr := mload(0x00)
                }
                fn := shr(1, fn)
                sn := shr(1, sn)
            }
            // A proof with elements left over when the path ended is refused.
            if lt(element, end) { sn := 1 }
        }
        return sn == 0 && fr == root1 && sr == root2;
    }
}

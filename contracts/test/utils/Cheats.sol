// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev The few Hardhat/Foundry cheatcodes these tests use. forge-std is not on the npm registry
/// in a current version (it is installed from GitHub, which our machines cannot reach).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function expectRevert(bytes calldata revertData) external;
    function assume(bool condition) external pure;
    function warp(uint256 newTimestamp) external;
    function load(address target, bytes32 slot) external view returns (bytes32);
    function store(address target, bytes32 slot, bytes32 value) external;
}

abstract contract CheatsTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function assertTrue(bool condition, string memory message) internal pure {
        require(condition, message);
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        require(a == b, message);
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        require(a == b, message);
    }
}

/// @dev Reference sorted-pair keccak tree padded with zero leaves, written independently of the
/// contracts so the tests compare two implementations.
library ReferenceTree {
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @return levels levels[0] is the padded leaf layer, the last level is the root.
    function build(bytes32[] memory leaves) internal pure returns (bytes32[][] memory levels) {
        uint256 width = 1;
        uint256 depth;
        while (width < leaves.length) {
            width *= 2;
            depth++;
        }
        levels = new bytes32[][](depth + 1);
        levels[0] = new bytes32[](width);
        for (uint256 i; i < leaves.length; i++) levels[0][i] = leaves[i];
        for (uint256 d = 1; d <= depth; d++) {
            bytes32[] memory below = levels[d - 1];
            bytes32[] memory level = new bytes32[](below.length / 2);
            for (uint256 i; i < level.length; i++) level[i] = hashPair(below[2 * i], below[2 * i + 1]);
            levels[d] = level;
        }
    }

    function root(bytes32[][] memory levels) internal pure returns (bytes32) {
        return levels[levels.length - 1][0];
    }

    function proof(bytes32[][] memory levels, uint256 index) internal pure returns (bytes32[] memory path) {
        path = new bytes32[](levels.length - 1);
        for (uint256 d; d < path.length; d++) {
            path[d] = levels[d][index ^ 1];
            index /= 2;
        }
    }
}

/// @dev Reference RFC 9162 tree written from the RFC's recursive definitions (MTH, PATH,
/// SUBPROOF) over leaf hashes in memory, independently of `LogMerkle`, so tests compare the two.
library ReferenceLog {
    function node(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(bytes.concat(hex"01", left, right));
    }

    function split(uint256 n) internal pure returns (uint256 k) {
        k = 1;
        while (k * 2 < n) k *= 2;
    }

    /// MTH(D[start:end]).
    function mth(bytes32[] memory leaves, uint256 start, uint256 end) internal pure returns (bytes32) {
        if (end == start) return sha256("");
        if (end - start == 1) return leaves[start];
        uint256 k = split(end - start);
        return node(mth(leaves, start, start + k), mth(leaves, start + k, end));
    }

    function root(bytes32[] memory leaves, uint256 size) internal pure returns (bytes32) {
        return mth(leaves, 0, size);
    }

    /// PATH(m, D[start:end]).
    function path(bytes32[] memory leaves, uint256 m, uint256 start, uint256 end)
        internal
        pure
        returns (bytes32[] memory)
    {
        if (end - start <= 1) return new bytes32[](0);
        uint256 k = split(end - start);
        if (m < k) return append(path(leaves, m, start, start + k), mth(leaves, start + k, end));
        return append(path(leaves, m - k, start + k, end), mth(leaves, start, start + k));
    }

    /// SUBPROOF(m, D[start:end], whole).
    function subproof(bytes32[] memory leaves, uint256 m, uint256 start, uint256 end, bool whole)
        internal
        pure
        returns (bytes32[] memory)
    {
        if (m == end - start) {
            if (whole) return new bytes32[](0);
            bytes32[] memory one = new bytes32[](1);
            one[0] = mth(leaves, start, end);
            return one;
        }
        uint256 k = split(end - start);
        if (m <= k) return append(subproof(leaves, m, start, start + k, whole), mth(leaves, start + k, end));
        return append(subproof(leaves, m - k, start + k, end, false), mth(leaves, start, start + k));
    }

    function consistency(bytes32[] memory leaves, uint256 size1, uint256 size2)
        internal
        pure
        returns (bytes32[] memory)
    {
        if (size1 == 0 || size1 == size2) return new bytes32[](0);
        return subproof(leaves, size1, 0, size2, true);
    }

    function append(bytes32[] memory list, bytes32 item) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](list.length + 1);
        for (uint256 i; i < list.length; i++) out[i] = list[i];
        out[list.length] = item;
    }
}

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

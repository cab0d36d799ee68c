// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A 6-decimal test token (as USDC and USDT), minted freely: for tests and local runs only.
contract TestUSD is ERC20 {
    constructor() ERC20("Test USD", "tUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice A token whose `transfer` moves the funds but answers false, as TRON's USDT has done:
/// the routers must judge a payment by balances, not by the answer. Tests only.
contract FalseReturningUSD is TestUSD {
    function transfer(address to, uint256 amount) public override returns (bool) {
        super.transfer(to, amount);
        return false;
    }
}

/// @notice A token that keeps 1% of each transfer: a router must refuse to pay less than it owes. Tests only.
contract FeeOnTransferUSD is TestUSD {
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0xdead), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

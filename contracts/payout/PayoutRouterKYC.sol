// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITransferToken, PayoutRouterV0} from "./PayoutRouterV0.sol";

/// @title PayoutRouterKYC
/// @notice PayoutRouterV0 that pays only operators a KYC registrar approved (Lucid's PRKYC):
/// registrars are appointed by the owner; an operator's approval can be withdrawn, and its
/// unclaimed amounts then wait (or roll over when the month closes).
contract PayoutRouterKYC is PayoutRouterV0 {
    mapping(address registrar => bool) public registrars;
    mapping(address operator => bool) public approved;

    event RegistrarChanged(address indexed registrar, bool allowed);
    event KycChanged(address indexed operator, bool approved, address indexed registrar);

    /// @notice `caller` is not a KYC registrar.
    error NotRegistrar(address caller);
    /// @notice `operator` is not KYC-approved: a registrar must approve it before it is paid.
    error NotKycApproved(address operator);

    constructor(address initialOwner, ITransferToken payoutToken, address initialPoster) PayoutRouterV0(initialOwner, payoutToken, initialPoster) {}

    function setRegistrar(address registrar, bool allowed) external onlyOwner {
        registrars[registrar] = allowed;
        emit RegistrarChanged(registrar, allowed);
    }

    function setKyc(address operator, bool isApproved) external {
        if (!registrars[msg.sender]) revert NotRegistrar(msg.sender);
        approved[operator] = isApproved;
        emit KycChanged(operator, isApproved, msg.sender);
    }

    function _checkEligible(address operator) internal view override {
        if (!approved[operator]) revert NotKycApproved(operator);
    }
}

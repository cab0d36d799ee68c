// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @notice The token calls the routers make: the subset TRC-20 tokens (USDT on TRON) share with ERC-20.
interface ITransferToken {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
}

/// @title PayoutRouterV0
/// @notice Pays Lucid's operators their monthly share of a token in proportion to their PoOT work
/// credits: the payout key posts each month's distribution as a Merkle root of (month, operator,
/// amount), computed off chain from `work_tally` (docs/poot.md), and each operator's amount is
/// claimed with its proof, once. What a month leaves unclaimed when its claim period ends goes
/// back to the pool for later months.
/// @dev Kept apart from anchoring (its own owner and payout key) and to the token calls that
/// TRON's TVM and TRC-20 tokens support too: `balanceOf` and `transfer`. A transfer's boolean is
/// not trusted (TRON's USDT has returned false on success, Ethereum's USDT returns nothing): the
/// router checks that the operator's balance rose by exactly the amount (a fee-taking token is refused).
contract PayoutRouterV0 is Ownable2Step {
    /// @notice How long an operator has to claim a month's amount after it is posted.
    uint64 public constant CLAIM_PERIOD = 90 days;

    struct Month {
        bytes32 root;
        uint128 total;
        uint128 claimed;
        uint64 postedAt;
        bool closed;
    }

    ITransferToken public immutable token;
    /// @notice The key that posts months (never an anchoring key); set by the owner.
    address public poster;
    /// @notice Amounts posted and not yet claimed or released: the router keeps this much.
    uint256 public reserved;
    /// @notice The latest month posted (yyyymm).
    uint256 public latestMonth;
    mapping(uint256 month => Month) private _months;
    mapping(uint256 month => mapping(address operator => bool)) private _claimed;

    event PosterChanged(address indexed poster);
    event MonthPosted(uint256 indexed month, bytes32 root, uint256 total);
    event Claimed(uint256 indexed month, address indexed operator, uint256 amount);
    event MonthClosed(uint256 indexed month, uint256 released);

    /// @notice Only the poster posts months.
    error NotPoster(address caller);
    /// @notice Months are posted once each, in increasing yyyymm order; `latest` is the last posted.
    error MonthNotIncreasing(uint256 month, uint256 latest);
    /// @notice `month` is not a yyyymm month.
    error BadMonth(uint256 month);
    /// @notice The router holds `available` beyond what earlier months reserved; the month needs `total`.
    error Underfunded(uint256 total, uint256 available);
    /// @notice No distribution is posted for `month`.
    error NoSuchMonth(uint256 month);
    /// @notice `operator` already claimed its amount of `month`.
    error AlreadyClaimed(uint256 month, address operator);
    /// @notice The proof does not place (month, operator, amount) in the month's distribution.
    error InvalidClaim(uint256 month, address operator, uint256 amount);
    /// @notice The claim period of `month` ended (or it was closed): its unclaimed amount was released.
    error MonthIsClosed(uint256 month);
    /// @notice `month` can be closed from `closesAt` (unix time) on.
    error ClaimPeriodNotOver(uint256 month, uint256 closesAt);
    /// @notice The operator received another amount than owed (a fee on transfer, or a failed transfer).
    error TransferMismatch(uint256 expected, uint256 received);
    /// @notice Ownership cannot be renounced: the payout key could then never be changed.
    error OwnershipCannotBeRenounced();

    constructor(address initialOwner, ITransferToken payoutToken, address initialPoster) Ownable(initialOwner) {
        token = payoutToken;
        poster = initialPoster;
        emit PosterChanged(initialPoster);
    }

    function setPoster(address newPoster) external onlyOwner {
        poster = newPoster;
        emit PosterChanged(newPoster);
    }

    /// @notice Posts `month`'s distribution: `root` over leaves keccak256(bytes.concat(keccak256(
    /// abi.encode(month, operator, amount)))) (OpenZeppelin's standard tree), `total` their sum,
    /// which the router must hold beyond what earlier months reserved.
    function postMonth(uint256 month, bytes32 root, uint256 total) external {
        if (msg.sender != poster) revert NotPoster(msg.sender);
        if (month % 100 == 0 || month % 100 > 12 || month < 200001) revert BadMonth(month);
        if (month <= latestMonth) revert MonthNotIncreasing(month, latestMonth);
        uint256 available = token.balanceOf(address(this)) - reserved;
        if (total > available) revert Underfunded(total, available);
        _months[month] = Month({root: root, total: uint128(total), claimed: 0, postedAt: uint64(block.timestamp), closed: false});
        reserved += total;
        latestMonth = month;
        emit MonthPosted(month, root, total);
    }

    /// @notice Pays `operator` its `amount` of `month` (anyone may send the claim; the operator is
    /// paid). Refused twice, after the claim period, or without a valid proof.
    function claim(uint256 month, address operator, uint256 amount, bytes32[] calldata proof) external {
        Month storage m = _months[month];
        if (m.root == bytes32(0)) revert NoSuchMonth(month);
        if (m.closed || block.timestamp >= m.postedAt + CLAIM_PERIOD) revert MonthIsClosed(month);
        if (_claimed[month][operator]) revert AlreadyClaimed(month, operator);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(month, operator, amount))));
        if (!MerkleProof.verifyCalldata(proof, m.root, leaf)) revert InvalidClaim(month, operator, amount);
        _checkEligible(operator);
        _claimed[month][operator] = true;
        m.claimed += uint128(amount);
        reserved -= amount;
        _pay(operator, amount);
        emit Claimed(month, operator, amount);
    }

    /// @notice After `month`'s claim period, releases what was not claimed to later months. Anyone may call it.
    function closeMonth(uint256 month) external {
        Month storage m = _months[month];
        if (m.root == bytes32(0)) revert NoSuchMonth(month);
        if (m.closed) revert MonthIsClosed(month);
        uint256 closesAt = uint256(m.postedAt) + CLAIM_PERIOD;
        if (block.timestamp < closesAt) revert ClaimPeriodNotOver(month, closesAt);
        m.closed = true;
        uint256 released = m.total - m.claimed;
        reserved -= released;
        emit MonthClosed(month, released);
    }

    function isClaimed(uint256 month, address operator) external view returns (bool) {
        return _claimed[month][operator];
    }

    function months(uint256 month) external view returns (Month memory) {
        return _months[month];
    }

    /// @notice Always reverts: with no owner, the payout key could never be changed.
    function renounceOwnership() public view override onlyOwner {
        revert OwnershipCannotBeRenounced();
    }

    /// @dev Who may be paid: anyone with credits here; the KYC router narrows it.
    function _checkEligible(address operator) internal view virtual {}

    /// @dev `transfer` with the token's answer not trusted: the operator's balance must rise by exactly `amount`.
    function _pay(address to, uint256 amount) private {
        uint256 before = token.balanceOf(to);
        (bool ok,) = address(token).call(abi.encodeCall(ITransferToken.transfer, (to, amount)));
        uint256 received = token.balanceOf(to) - before;
        if (!ok || received != amount) revert TransferMismatch(amount, ok ? received : 0);
    }
}

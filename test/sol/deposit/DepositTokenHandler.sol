// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {Vm} from "../utils/Vm.sol";

/// @title DepositTokenHandler
/// @notice Drives random sequences of every deposit-token action across a few actors and keeps
/// ghost variables that the invariants compare against. It holds the bank's five roles (issuer,
/// redeemer, freezer, pauser, registrar).
contract DepositTokenHandler {
    /// @notice Handler calls whose call into the system under test succeeded.
    uint256 public succeeded;

    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 internal constant MAX_AMOUNT = 1e24;
    uint256 internal constant REF_SPACE = 48; // small, so that reference replays are tried often

    DepositToken public immutable token;
    address[] internal _actors;

    uint256 public ghostIssued;
    uint256 public ghostRedeemed;
    uint256 public ghostIssuances;
    uint256 public ghostRedemptions;
    bool public ghostIssueRefReused;
    bool public ghostRedeemRefReused;
    bool public ghostFrozenMoved;
    mapping(bytes32 ref => uint256 amount) public ghostIssuedUnder;
    mapping(bytes32 ref => uint256 amount) public ghostRedeemedUnder;
    bytes32[] internal _issueRefs;
    mapping(string action => uint256 count) public calls;

    /// @param token_ The token under test (this handler must hold its bank roles).
    /// @param actors_ The holders.
    constructor(DepositToken token_, address[] memory actors_) {
        token = token_;
        _actors = actors_;
    }

    /// @dev Before/after every action: a wholly frozen account's balance never changes; a
    /// partially frozen account's balance never drops below its frozen amount.
    modifier checkFreeze() {
        uint256 n = _actors.length;
        uint256[] memory balances = new uint256[](n);
        bool[] memory frozen = new bool[](n);
        uint256[] memory parts = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            balances[i] = token.balanceOf(_actors[i]);
            frozen[i] = token.isAccountFrozen(_actors[i]);
            parts[i] = token.frozenOf(_actors[i]);
        }
        _;
        for (uint256 i = 0; i < n; ++i) {
            uint256 balance = token.balanceOf(_actors[i]);
            if (frozen[i] && balance != balances[i]) ghostFrozenMoved = true;
            if (balance < balances[i] && balance < parts[i]) ghostFrozenMoved = true;
        }
    }

    // ------------------------------------------------------------ bank

    function issue(uint256 actorSeed, uint256 amount, uint256 refSeed) external checkFreeze {
        address account = _actor(actorSeed);
        amount = amount % MAX_AMOUNT;
        bytes32 ref = _ref("issue", refSeed);
        vm.prank(address(this));
        try token.issue(account, amount, ref) {
            ++succeeded;
            _recordIssue(ref, amount);
            calls["issue"]++;
        } catch {}
    }

    function requestIssuance(uint256 actorSeed, uint256 amount) external {
        vm.prank(_actor(actorSeed));
        try token.requestIssuance(amount % MAX_AMOUNT, keccak256(abi.encode(actorSeed))) {
            ++succeeded;
            calls["request"]++;
        } catch {}
    }

    function fulfil(uint256 idSeed, uint256 refSeed) external checkFreeze {
        uint256 count = token.issuanceRequestCount();
        if (count == 0) return;
        // Start at a random request and take the first pending one, so fulfilment is tried often.
        uint256 id = 1 + (idSeed % count);
        for (uint256 i = 0; i < count; ++i) {
            if (token.issuanceRequest(id).status == IDepositToken.RequestStatus.Pending) break;
            id = id == count ? 1 : id + 1;
        }
        bytes32 ref = _ref("issue", refSeed);
        uint256 amount = token.issuanceRequest(id).amount;
        try token.fulfilIssuanceRequest(id, ref) {
            ++succeeded;
            _recordIssue(ref, amount);
            calls["fulfil"]++;
        } catch {}
    }

    function reject(uint256 idSeed) external {
        uint256 count = token.issuanceRequestCount();
        if (count == 0) return;
        try token.rejectIssuanceRequest(1 + (idSeed % count), "no") {
            ++succeeded;
            calls["reject"]++;
        } catch {}
    }

    function cancel(uint256 idSeed) external {
        uint256 count = token.issuanceRequestCount();
        if (count == 0) return;
        uint256 id = 1 + (idSeed % count);
        vm.prank(token.issuanceRequest(id).account);
        try token.cancelIssuanceRequest(id) {
            ++succeeded;
            calls["cancel"]++;
        } catch {}
    }

    function redeemFrom(uint256 actorSeed, uint256 amount, uint256 refSeed) external checkFreeze {
        address account = _actor(actorSeed);
        amount = amount % (token.balanceOf(account) + 2);
        bytes32 ref = _ref("redeem", refSeed);
        try token.redeemFrom(account, amount, ref) {
            ++succeeded;
            _recordRedeem(ref, amount);
            calls["redeemFrom"]++;
        } catch {}
    }

    function setFrozen(uint256 actorSeed, uint256 mode) external checkFreeze {
        // Unfreeze twice as often as freeze, so that accounts do not stay frozen for good.
        token.setAccountFrozen(_actor(actorSeed), mode % 3 == 0);
        calls["setFrozen"]++;
    }

    function freezePartial(uint256 actorSeed, uint256 amount) external checkFreeze {
        address account = _actor(actorSeed);
        try token.freezePartial(account, amount % (token.balanceOf(account) + 10)) {
            ++succeeded;
            calls["freezePartial"]++;
        } catch {}
    }

    function unfreezePartial(uint256 actorSeed, uint256 amount) external checkFreeze {
        address account = _actor(actorSeed);
        try token.unfreezePartial(account, amount % (token.frozenOf(account) + 2)) {
            ++succeeded;
            calls["unfreezePartial"]++;
        } catch {}
    }

    function togglePause(uint256 mode) external checkFreeze {
        // Unpause twice as often as pause.
        if (mode % 3 == 0) token.pause();
        else token.unpause();
        calls["pause"]++;
    }

    /// @dev Opens or closes an actor's account; closing fails while it holds units, so the
    /// campaign also tries the bank's close-out (redeem everything, then close) now and then.
    function setAccountOpen(uint256 actorSeed, uint256 mode) external checkFreeze {
        address account = _actor(actorSeed);
        if (mode % 2 == 0) {
            try token.openAccount(account, bytes32(uint256(uint160(account)))) {
                ++succeeded;
                calls["openAccount"]++;
            } catch {}
            return;
        }
        if (mode % 4 == 3) {
            uint256 balance = token.balanceOf(account);
            bytes32 ref = keccak256(abi.encode("close-out", account, ghostRedemptions));
            if (balance != 0) {
                try token.redeemFrom(account, balance, ref) {
                    _recordRedeem(ref, balance);
                    calls["redeemFrom"]++;
                } catch {}
            }
        }
        try token.closeAccount(account) {
            ++succeeded;
            calls["closeAccount"]++;
        } catch {}
    }

    // ------------------------------------------------------------ holders

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external checkFreeze {
        address from = _actor(fromSeed);
        address to = _actor(toSeed);
        amount = amount % (token.balanceOf(from) + 2);
        vm.prank(from);
        try token.transfer(to, amount) {
            ++succeeded;
            calls["transfer"]++;
        } catch {}
    }

    function transferFrom(
        uint256 fromSeed,
        uint256 toSeed,
        uint256 spenderSeed,
        uint256 amount
    ) external checkFreeze {
        address from = _actor(fromSeed);
        address to = _actor(toSeed);
        address spender = _actor(spenderSeed);
        amount = amount % (token.balanceOf(from) + 2);
        vm.prank(from);
        token.approve(spender, amount);
        vm.prank(spender);
        try token.transferFrom(from, to, amount) {
            ++succeeded;
            calls["transferFrom"]++;
        } catch {}
    }

    function redeem(uint256 actorSeed, uint256 amount, uint256 refSeed) external checkFreeze {
        address account = _actor(actorSeed);
        amount = amount % (token.balanceOf(account) + 2);
        bytes32 ref = _ref("redeem", refSeed);
        vm.prank(account);
        try token.redeem(amount, ref) {
            ++succeeded;
            _recordRedeem(ref, amount);
            calls["redeem"]++;
        } catch {}
    }

    // ------------------------------------------------------------ views for the invariants

    /// @notice The actors.
    /// @return The actor addresses.
    function actors() external view returns (address[] memory) {
        return _actors;
    }

    /// @notice Every reference a successful issuance used.
    /// @return The references.
    function issueRefs() external view returns (bytes32[] memory) {
        return _issueRefs;
    }

    // ------------------------------------------------------------ internal

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _ref(string memory kind, uint256 seed) internal pure returns (bytes32) {
        uint256 n = seed % (REF_SPACE + 1);
        // n == REF_SPACE tries the zero reference.
        return n == REF_SPACE ? bytes32(0) : keccak256(abi.encode(kind, n));
    }

    function _recordIssue(bytes32 ref, uint256 amount) internal {
        if (ghostIssuedUnder[ref] != 0 || ref == bytes32(0)) ghostIssueRefReused = true;
        ghostIssuedUnder[ref] = amount;
        _issueRefs.push(ref);
        ghostIssued += amount;
        ghostIssuances++;
    }

    function _recordRedeem(bytes32 ref, uint256 amount) internal {
        if (ghostRedeemedUnder[ref] != 0 || ref == bytes32(0)) ghostRedeemRefReused = true;
        ghostRedeemedUnder[ref] = amount;
        ghostRedeemed += amount;
        ghostRedemptions++;
    }
}

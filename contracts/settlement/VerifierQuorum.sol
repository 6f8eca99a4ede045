// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IVerifierQuorum} from "../interfaces/IVerifierQuorum.sol";

/**
 * @title VerifierQuorum
 * @notice An immutable m-of-n ERC-1271 verifier: accepts a digest signed by at least {threshold}
 * of its members. See {IVerifierQuorum}.
 */
contract VerifierQuorum is IVerifierQuorum {
    /// @dev The ERC-1271 answers.
    bytes4 private constant _VALID = IERC1271.isValidSignature.selector;
    bytes4 private constant _INVALID = 0xffffffff;

    /// @inheritdoc IVerifierQuorum
    uint256 public immutable threshold;

    address[] private _members;
    mapping(address account => bool) private _isMember;

    /**
     * @notice Deploys a quorum of `members_` (non-zero, strictly ascending) needing `threshold_`
     * of their signatures.
     * @param members_ The members, ascending.
     * @param threshold_ The number of signatures a digest needs (1 to `members_.length`).
     */
    constructor(address[] memory members_, uint256 threshold_) {
        uint256 n = members_.length;
        if (threshold_ == 0 || threshold_ > n) revert VerifierQuorumInvalidThreshold(threshold_, n);
        address previous;
        for (uint256 i = 0; i < n; ++i) {
            address member = members_[i];
            if (member <= previous) revert VerifierQuorumUnsortedMembers(previous, member);
            _isMember[member] = true;
            previous = member;
        }
        _members = members_;
        threshold = threshold_;
    }

    /// @inheritdoc IVerifierQuorum
    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4) {
        uint256 count = signature.length / 65;
        if (signature.length % 65 != 0 || count < threshold) return _INVALID;
        address previous;
        for (uint256 i = 0; i < count; ++i) {
            (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(
                hash,
                signature[i * 65:(i + 1) * 65]
            );
            if (error != ECDSA.RecoverError.NoError || signer <= previous || !_isMember[signer]) {
                return _INVALID;
            }
            previous = signer;
        }
        return _VALID;
    }

    /// @inheritdoc IVerifierQuorum
    function members() external view returns (address[] memory) {
        return _members;
    }

    /// @inheritdoc IVerifierQuorum
    function isMember(address account) external view returns (bool) {
        return _isMember[account];
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ERC1271Wallet
/// @notice Test mock: a contract account whose signatures are its owner's ECDSA signatures.
contract ERC1271Wallet is IERC1271 {
    address private immutable _owner;

    /// @notice Creates a wallet that accepts `owner_`'s signatures.
    /// @param owner_ The key holder whose signatures the wallet accepts.
    constructor(address owner_) {
        _owner = owner_;
    }

    /// @notice ERC-1271: valid when `owner_` signed `hash`.
    /// @param hash The digest.
    /// @param signature The owner's signature.
    /// @return The ERC-1271 magic value, or 0xffffffff.
    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4) {
        (address recovered, , ) = ECDSA.tryRecoverCalldata(hash, signature);
        return recovered == _owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/**
 * @title IVerifierQuorum
 * @notice An m-of-n verifier for two-ledger settlements: an ERC-1271 signer that accepts a digest
 * when at least {threshold} of its {members} signed it. Named as `terms.verifier`, it makes the
 * outcome attestation of {ICrossLedger} a threshold attestation: no single key decides.
 *
 * Members and threshold are fixed at deployment (no function changes them): a settlement names
 * the quorum by address and both ledgers verify the same predicate for its whole life, so no
 * change of membership can invalidate a `Paid` attestation the cash ledger executed. A new set is
 * a new quorum (a new address) for new settlements. Deploy it at the same address on both
 * ledgers (CREATE2 with the same factory, salt and constructor arguments, e.g. `ignition deploy
 * --strategy create2`), since both ledgers call it.
 *
 * Signature format: the members' 65-byte ECDSA signatures (`r`, `s`, `v`) of the digest,
 * concatenated in strictly ascending order of the signers' addresses (so each member counts
 * once), at least {threshold} of them. Members are EOAs.
 */
interface IVerifierQuorum is IERC1271 {
    /// @notice The threshold must be between 1 and the number of members (`threshold` of `members`).
    error VerifierQuorumInvalidThreshold(uint256 threshold, uint256 members);
    /// @notice Members must be non-zero and strictly ascending: `member` follows `previous`.
    error VerifierQuorumUnsortedMembers(address previous, address member);

    /**
     * @notice Whether `signature` holds at least {threshold} valid signatures of `hash` by
     * distinct members, in ascending order of signer.
     * @param hash The digest (for an attestation, {ICrossLedger-outcomeDigest}).
     * @param signature The members' 65-byte signatures, concatenated, signers ascending.
     * @return magicValue `0x1626ba7e` when valid, `0xffffffff` otherwise (never reverts on bad
     * input).
     */
    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4 magicValue);

    /// @notice How many member signatures a digest needs.
    /// @return The threshold m.
    function threshold() external view returns (uint256);

    /// @notice The members, ascending.
    /// @return The n member addresses.
    function members() external view returns (address[] memory);

    /**
     * @notice Whether `account` is a member.
     * @param account The address to check.
     * @return True when `account` is a member.
     */
    function isMember(address account) external view returns (bool);
}

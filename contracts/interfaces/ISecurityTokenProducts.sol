// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ISecurityToken} from "./ISecurityToken.sol";

/**
 * @title IStraightBondToken
 * @notice A straight bond on the security-token core (ibet's `IbetStraightBond` attributes).
 * Attributes are informational (the register, the DVP and enforcement do not read them); they are
 * set by ISSUER_ROLE and every change emits {BondTermsChanged} with the full new terms.
 */
interface IStraightBondToken is ISecurityToken {
    /// @notice The bond's terms.
    /// @param faceValue Face value of one unit, in `faceValueCurrency`'s minor unit.
    /// @param faceValueCurrency ISO 4217 code, e.g. "JPY".
    /// @param interestRate Annual rate in units of 0.0001 % (ibet's convention; 1_0000 = 1 %).
    /// @param interestPaymentDates Interest payment dates, "MMDD" each (ibet's convention).
    /// @param redemptionDate Unix time of redemption.
    /// @param redemptionValue Redemption value of one unit, in `redemptionValueCurrency`.
    /// @param redemptionValueCurrency ISO 4217 code.
    struct BondTerms {
        uint256 faceValue;
        string faceValueCurrency;
        uint256 interestRate;
        string[] interestPaymentDates;
        uint64 redemptionDate;
        uint256 redemptionValue;
        string redemptionValueCurrency;
    }

    /// @notice The bond terms changed.
    /// @param terms The full new bond terms.
    event BondTermsChanged(BondTerms terms);

    /// @notice Replaces the bond terms. Requirements: ISSUER_ROLE. Emits {BondTermsChanged}.
    /// @param terms The full new bond terms (every field is replaced).
    function setBondTerms(BondTerms calldata terms) external;

    /// @notice The bond terms.
    /// @return The current bond terms, as last set at deployment or by {setBondTerms}.
    function bondTerms() external view returns (BondTerms memory);
}

/**
 * @title IShareToken
 * @notice A share on the security-token core (ibet's `IbetShare` attributes).
 */
interface IShareToken is ISecurityToken {
    /// @notice The share's terms.
    /// @param issuePrice Issue price of one unit, in yen.
    /// @param dividendPerUnit Dividend of one unit in yen, in units of 1e-13 yen (ibet's convention).
    /// @param dividendRecordDate Record date of the dividend, "YYYYMMDD".
    /// @param dividendPaymentDate Payment date of the dividend, "YYYYMMDD".
    /// @param cancellationDate Cancellation date, "YYYYMMDD" (empty if none).
    struct ShareTerms {
        uint256 issuePrice;
        uint256 dividendPerUnit;
        string dividendRecordDate;
        string dividendPaymentDate;
        string cancellationDate;
    }

    /// @notice The share terms changed.
    /// @param terms The full new share terms.
    event ShareTermsChanged(ShareTerms terms);

    /// @notice Replaces the share terms. Requirements: ISSUER_ROLE. Emits {ShareTermsChanged}.
    /// @param terms The full new share terms (every field is replaced).
    function setShareTerms(ShareTerms calldata terms) external;

    /// @notice The share terms.
    /// @return The current share terms, as last set at deployment or by {setShareTerms}.
    function shareTerms() external view returns (ShareTerms memory);
}

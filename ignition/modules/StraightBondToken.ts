import { DEPLOYMENT_DEFAULTS } from "@kessai/sdk";
import { securityTokenModule } from "./security-token.js";

/**
 * The security token as a straight bond, consulting the issuer's register, with every issuer and
 * enforcement role granted to the issuer (see {@link securityTokenModule}).
 *
 * Parameters: `name`, `symbol`, `decimals` (ibet uses 0), `issuer` (default account 1), the bond
 * terms (`faceValue`, `faceValueCurrency`, `interestRate`, `interestPaymentDates`,
 * `redemptionDate`, `redemptionValue`, `redemptionValueCurrency`), `adminDelay`; defaults:
 * `DEPLOYMENT_DEFAULTS.straightBond`.
 */
export default securityTokenModule(
  "StraightBondTokenModule",
  "StraightBondToken",
  DEPLOYMENT_DEFAULTS.straightBond,
);

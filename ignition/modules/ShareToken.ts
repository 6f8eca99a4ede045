import { DEPLOYMENT_DEFAULTS } from "@kessai/sdk";
import { securityTokenModule } from "./security-token.js";

/**
 * The security token as a share, consulting the issuer's register, with every issuer and
 * enforcement role granted to the issuer (see {@link securityTokenModule}).
 *
 * Parameters: `name`, `symbol`, `decimals` (ibet uses 0), `issuer` (default account 1), the share
 * terms (`issuePrice`, `dividendPerUnit`, `dividendRecordDate`, `dividendPaymentDate`,
 * `cancellationDate`), `adminDelay`; defaults: `DEPLOYMENT_DEFAULTS.share`.
 */
export default securityTokenModule("ShareTokenModule", "ShareToken", DEPLOYMENT_DEFAULTS.share);

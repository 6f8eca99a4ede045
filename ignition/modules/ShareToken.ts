import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { SECURITY_TOKEN_ROLES, grantRoles } from "./grants.js";
import InvestorRegistryModule from "./InvestorRegistry.js";

/**
 * The security token as a share, consulting the issuer's register. The issuer account is
 * granted every issuer and enforcement role; split them across accounts in production by passing
 * other parameters and granting from the admin.
 *
 * Parameters: `name`, `symbol`, `decimals` (ibet uses 0), `issuer` (default account 1), the share
 * terms (`issuePrice`, `dividendPerUnit`, `dividendRecordDate`, `dividendPaymentDate`,
 * `cancellationDate`), `adminDelay`.
 */
export default buildModule("ShareTokenModule", (m) => {
  const { securityRegistry } = m.useModule(InvestorRegistryModule);
  const admin = m.getAccount(0);
  const issuer = m.getParameter("issuer", m.getAccount(1));

  const terms = {
    issuePrice: m.getParameter("issuePrice", 1_000n),
    dividendPerUnit: m.getParameter("dividendPerUnit", 0n),
    dividendRecordDate: m.getParameter("dividendRecordDate", ""),
    dividendPaymentDate: m.getParameter("dividendPaymentDate", ""),
    cancellationDate: m.getParameter("cancellationDate", ""),
  };

  const token = m.contract("ShareToken", [
    m.getParameter("name", "Kessai Digital Share"),
    m.getParameter("symbol", "KDS"),
    m.getParameter("decimals", 0),
    securityRegistry,
    admin,
    m.getParameter("adminDelay", 0),
    terms,
  ]);

  grantRoles(m, token, SECURITY_TOKEN_ROLES, issuer);

  return { securityToken: token, securityRegistry };
});

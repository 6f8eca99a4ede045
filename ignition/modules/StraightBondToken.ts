import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { SECURITY_TOKEN_ROLES, grantRoles } from "./grants.js";
import InvestorRegistryModule from "./InvestorRegistry.js";

/**
 * The security token as a straight bond, consulting the issuer's register. The issuer account is
 * granted every issuer and enforcement role; split them across accounts in production by passing
 * other parameters and granting from the admin.
 *
 * Parameters: `name`, `symbol`, `decimals` (ibet uses 0), `issuer` (default account 1), the bond
 * terms (`faceValue`, `faceValueCurrency`, `interestRate`, `interestPaymentDates`,
 * `redemptionDate`, `redemptionValue`, `redemptionValueCurrency`), `adminDelay`.
 */
export default buildModule("StraightBondTokenModule", (m) => {
  const { securityRegistry } = m.useModule(InvestorRegistryModule);
  const admin = m.getAccount(0);
  const issuer = m.getParameter("issuer", m.getAccount(1));

  const terms = {
    faceValue: m.getParameter("faceValue", 10_000n),
    faceValueCurrency: m.getParameter("faceValueCurrency", "JPY"),
    interestRate: m.getParameter("interestRate", 5_000n),
    interestPaymentDates: m.getParameter("interestPaymentDates", ["0331", "0930"]),
    redemptionDate: m.getParameter("redemptionDate", 1_893_456_000n),
    redemptionValue: m.getParameter("redemptionValue", 10_000n),
    redemptionValueCurrency: m.getParameter("redemptionValueCurrency", "JPY"),
  };

  const token = m.contract("StraightBondToken", [
    m.getParameter("name", "Kessai Digital Bond 2030"),
    m.getParameter("symbol", "KDB30"),
    m.getParameter("decimals", 0),
    securityRegistry,
    admin,
    m.getParameter("adminDelay", 0),
    terms,
  ]);

  grantRoles(m, token, SECURITY_TOKEN_ROLES, issuer);

  return { securityToken: token, securityRegistry };
});

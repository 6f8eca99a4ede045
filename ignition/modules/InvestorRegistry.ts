import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { DEPLOYMENT_DEFAULTS, KESSAI_ROLES } from "@kessai/sdk";

/**
 * The issuer's eligibility register, which the security token consults. Its registrar (the
 * issuer) is granted REGISTRAR_ROLE by the deployer (the default admin). DCJPY needs no register:
 * the bank's account book lives in the deposit token itself.
 *
 * Parameters: `adminDelay` (seconds, default 0 for local chains), `securityRegistrar`
 * (default account 1, the issuer).
 */
export default buildModule("InvestorRegistryModule", (m) => {
  const admin = m.getAccount(0);
  const adminDelay = m.getParameter("adminDelay", DEPLOYMENT_DEFAULTS.adminDelay);
  const securityRegistrar = m.getParameter("securityRegistrar", m.getAccount(1));

  const securityRegistry = m.contract("InvestorRegistry", [adminDelay, admin], {
    id: "SecurityRegistry",
  });

  const [registrarRole] = KESSAI_ROLES.issuer.investorRegistry;
  const securityRole = m.staticCall(securityRegistry, registrarRole, [], 0, {
    id: "SecurityRegistrarRole",
  });
  m.call(securityRegistry, "grantRole", [securityRole, securityRegistrar], {
    id: "GrantSecurityRegistrar",
  });

  return { securityRegistry };
});

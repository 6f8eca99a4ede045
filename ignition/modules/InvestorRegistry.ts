import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Two eligibility registers: the issuer's for the security token and the bank's for DCJPY.
 * Each names its registrar, who is granted REGISTRAR_ROLE by the deployer (the default admin).
 *
 * Parameters: `adminDelay` (seconds, default 0 for local chains), `securityRegistrar`
 * (default account 1, the issuer), `cashRegistrar` (default account 2, the bank).
 */
export default buildModule("InvestorRegistryModule", (m) => {
  const admin = m.getAccount(0);
  const adminDelay = m.getParameter("adminDelay", 0);
  const securityRegistrar = m.getParameter("securityRegistrar", m.getAccount(1));
  const cashRegistrar = m.getParameter("cashRegistrar", m.getAccount(2));

  const securityRegistry = m.contract("InvestorRegistry", [adminDelay, admin], {
    id: "SecurityRegistry",
  });
  const cashRegistry = m.contract("InvestorRegistry", [adminDelay, admin], {
    id: "CashRegistry",
  });

  const securityRole = m.staticCall(securityRegistry, "REGISTRAR_ROLE", [], 0, {
    id: "SecurityRegistrarRole",
  });
  m.call(securityRegistry, "grantRole", [securityRole, securityRegistrar], {
    id: "GrantSecurityRegistrar",
  });
  const cashRole = m.staticCall(cashRegistry, "REGISTRAR_ROLE", [], 0, {
    id: "CashRegistrarRole",
  });
  m.call(cashRegistry, "grantRole", [cashRole, cashRegistrar], {
    id: "GrantCashRegistrar",
  });

  return { securityRegistry, cashRegistry };
});

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { DEPOSIT_TOKEN_ROLES, grantRoles } from "./grants.js";
import InvestorRegistryModule from "./InvestorRegistry.js";

/**
 * DCJPY, the bank's deposit token, consulting the bank's register. The bank account is granted
 * issuance, redemption, freeze and pause roles.
 *
 * Parameters: `name`, `symbol`, `decimals` (0: one unit is one yen), `bank` (default account 2),
 * `adminDelay`.
 */
export default buildModule("DepositTokenModule", (m) => {
  const { cashRegistry } = m.useModule(InvestorRegistryModule);
  const admin = m.getAccount(0);
  const bank = m.getParameter("bank", m.getAccount(2));

  const token = m.contract("DepositToken", [
    m.getParameter("name", "DCJPY"),
    m.getParameter("symbol", "DCJPY"),
    m.getParameter("decimals", 0),
    cashRegistry,
    admin,
    m.getParameter("adminDelay", 0),
  ]);

  grantRoles(m, token, DEPOSIT_TOKEN_ROLES, bank);

  return { depositToken: token, cashRegistry };
});

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { DEPLOYMENT_DEFAULTS, KESSAI_ROLES } from "@kessai/sdk";
import { grantRoles } from "./grants.js";

/**
 * DCJPY, the bank's deposit token, which keeps the bank's account book itself. The bank account
 * is granted every bank role (`KESSAI_ROLES.bank`, as `kessai deploy` does): opening and closing
 * accounts, issuance, redemption, freeze and pause. Defaults: `DEPLOYMENT_DEFAULTS`.
 *
 * Parameters: `name`, `symbol`, `decimals` (0: one unit is one yen), `bank` (default account 2),
 * `adminDelay`.
 */
export default buildModule("DepositTokenModule", (m) => {
  const admin = m.getAccount(0);
  const bank = m.getParameter("bank", m.getAccount(2));

  const d = DEPLOYMENT_DEFAULTS.depositToken;
  const token = m.contract("DepositToken", [
    {
      name: m.getParameter("name", d.name),
      symbol: m.getParameter("symbol", d.symbol),
      decimals: m.getParameter("decimals", d.decimals),
      admin,
      adminDelay: m.getParameter("adminDelay", DEPLOYMENT_DEFAULTS.adminDelay),
    },
  ]);

  grantRoles(m, token, KESSAI_ROLES.bank.depositToken, bank);

  return { depositToken: token };
});

import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { DEPOSIT_TOKEN_ROLES, grantRoles } from "./grants.js";

/**
 * DCJPY, the bank's deposit token, which keeps the bank's account book itself. The bank account
 * is granted every bank role: opening and closing accounts, issuance, redemption, freeze and pause.
 *
 * Parameters: `name`, `symbol`, `decimals` (0: one unit is one yen), `bank` (default account 2),
 * `adminDelay`.
 */
export default buildModule("DepositTokenModule", (m) => {
  const admin = m.getAccount(0);
  const bank = m.getParameter("bank", m.getAccount(2));

  const token = m.contract("DepositToken", [
    m.getParameter("name", "DCJPY"),
    m.getParameter("symbol", "DCJPY"),
    m.getParameter("decimals", 0),
    admin,
    m.getParameter("adminDelay", 0),
  ]);

  grantRoles(m, token, DEPOSIT_TOKEN_ROLES, bank);

  return { depositToken: token };
});

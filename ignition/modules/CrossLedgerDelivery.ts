import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The ST-ledger contract of a two-ledger settlement, with its verifier and pauser. Listing the
 * security token and the cash ledger it settles against is done by the ST-ledger modules
 * ({@link ./StLedger.ts}), which know them.
 *
 * Parameters: `verifier` (default account 5: an EOA, or a VerifierQuorum at the same address on
 * both ledgers), `pauser` (default account 0), `adminDelay`.
 */
export default buildModule("CrossLedgerDeliveryModule", (m) => {
  const admin = m.getAccount(0);
  const delivery = m.contract("CrossLedgerDelivery", [m.getParameter("adminDelay", 0), admin]);

  const verifierRole = m.staticCall(delivery, "VERIFIER_ROLE", [], 0, { id: "VerifierRole" });
  m.call(delivery, "grantRole", [verifierRole, m.getParameter("verifier", m.getAccount(5))], {
    id: "GrantVerifier",
  });
  const pauserRole = m.staticCall(delivery, "PAUSER_ROLE", [], 0, { id: "PauserRole" });
  m.call(delivery, "grantRole", [pauserRole, m.getParameter("pauser", admin)], {
    id: "GrantPauser",
  });

  return { delivery };
});

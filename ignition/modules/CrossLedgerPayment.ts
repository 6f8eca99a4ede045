import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The cash-ledger contract of a two-ledger settlement, with its verifier and pauser. Listing
 * DCJPY and the ST ledger, and opening the escrow's DCJPY account, is done by the cash-ledger
 * modules ({@link ./CashLedger.ts}).
 *
 * Parameters: `verifier` (default account 5; the same verifier as on the ST ledger), `pauser`
 * (default account 0), `adminDelay`.
 */
export default buildModule("CrossLedgerPaymentModule", (m) => {
  const admin = m.getAccount(0);
  const payment = m.contract("CrossLedgerPayment", [m.getParameter("adminDelay", 0), admin]);

  const verifierRole = m.staticCall(payment, "VERIFIER_ROLE", [], 0, { id: "VerifierRole" });
  m.call(payment, "grantRole", [verifierRole, m.getParameter("verifier", m.getAccount(5))], {
    id: "GrantVerifier",
  });
  const pauserRole = m.staticCall(payment, "PAUSER_ROLE", [], 0, { id: "PauserRole" });
  m.call(payment, "grantRole", [pauserRole, m.getParameter("pauser", admin)], {
    id: "GrantPauser",
  });

  return { payment };
});

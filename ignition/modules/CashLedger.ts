import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CrossLedgerPaymentModule from "./CrossLedgerPayment.js";
import DepositTokenModule from "./DepositToken.js";

/** Default deposit-account reference of the escrow's DCJPY account ("KESSAI-ESCROW"). */
const ESCROW_REF = "0x4b45535341492d455343524f5700000000000000000000000000000000000000";

/**
 * The cash ledger of a two-ledger settlement: DCJPY and CrossLedgerPayment listing it, with the
 * escrow's DCJPY account open (the payment contract holds instructed amounts in its own DCJPY
 * account, like any holder). The firms' DCJPY accounts are the bank's to open
 * (`BankClient.openAccounts`, `kessai account open`). The ST ledger it settles against is listed
 * afterwards by {@link CashLedgerLinkModule}.
 *
 * The escrow account is opened by the deployer, DCJPY's default admin, holding REGISTRAR_ROLE only
 * for that step (granted, used and renounced within the deployment); against an existing DCJPY the
 * bank opens it instead.
 *
 * Parameters (besides those of the modules it uses): `escrowRef` (the deposit-account reference
 * of the escrow account, bytes32).
 *
 * Deploy: `npx hardhat ignition deploy ignition/modules/CashLedger.ts --network cashLedger`.
 */
const CashLedgerModule = buildModule("CashLedgerModule", (m) => {
  const { depositToken } = m.useModule(DepositTokenModule);
  const { payment } = m.useModule(CrossLedgerPaymentModule);
  const admin = m.getAccount(0);

  m.call(payment, "setCashTokenListed", [depositToken, true], { id: "ListCashToken" });

  const role = m.staticCall(depositToken, "REGISTRAR_ROLE", [], 0, { id: "RegistrarRoleId" });
  const grant = m.call(depositToken, "grantRole", [role, admin], { id: "GrantDeployer" });
  const open = m.call(
    depositToken,
    "openAccount",
    [payment, m.getParameter("escrowRef", ESCROW_REF)],
    { id: "OpenEscrowAccount", after: [grant] },
  );
  m.call(depositToken, "renounceRole", [role, admin], { id: "RenounceDeployer", after: [open] });

  return { depositToken, payment };
});

export default CashLedgerModule;

/**
 * Lists the ST ledger's CrossLedgerDelivery as the counterpart of the cash ledger's
 * CrossLedgerPayment: instructions may then name it. Run by the payment contract's admin once
 * both ledgers are deployed (each needs the other's address).
 *
 * Parameters: `payment` (the cash ledger's CrossLedgerPayment; required), `stChainId` (default
 * 31338, the `stLedger` network of hardhat.config.ts), `stLedger` (the ST ledger's
 * CrossLedgerDelivery; required).
 */
export const CashLedgerLinkModule = buildModule("CashLedgerLinkModule", (m) => {
  const payment = m.contractAt("CrossLedgerPayment", m.getParameter<string>("payment"));
  m.call(
    payment,
    "setCounterpartListed",
    [m.getParameter("stChainId", 31338n), m.getParameter<string>("stLedger"), true],
    { id: "ListStLedger" },
  );
  return { payment };
});

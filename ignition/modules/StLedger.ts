import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CrossLedgerDeliveryModule from "./CrossLedgerDelivery.js";
import StraightBondTokenModule from "./StraightBondToken.js";

/** Default investor references of the two firms (opaque bytes32 customer numbers). */
const FIRM_REF_1 = "0x4649524d2d303030310000000000000000000000000000000000000000000000"; // "FIRM-0001"
const FIRM_REF_2 = "0x4649524d2d303030320000000000000000000000000000000000000000000000"; // "FIRM-0002"

/**
 * The ST ledger of a two-ledger settlement: the issuer's investor register, the security token (a
 * straight bond) and CrossLedgerDelivery listing it, with every role granted and the two firms
 * registered as investors. The cash ledger it settles against is listed afterwards by
 * {@link StLedgerLinkModule}, once that ledger is deployed.
 *
 * Parameters (besides those of the modules it uses): `sellerFirm` (default account 3),
 * `buyerFirm` (default account 4), `sellerRef`, `buyerRef`, `investorExpiry` (0 for none).
 *
 * Deploy: `npx hardhat ignition deploy ignition/modules/StLedger.ts --network stLedger` (or any
 * network of the ST chain).
 */
const StLedgerModule = buildModule("StLedgerModule", (m) => {
  const { securityToken, securityRegistry } = m.useModule(StraightBondTokenModule);
  const { delivery } = m.useModule(CrossLedgerDeliveryModule);
  const admin = m.getAccount(0);

  m.call(delivery, "setSecurityTokenListed", [securityToken, true], { id: "ListSecurityToken" });

  // The deployer registers the two firms, holding REGISTRAR_ROLE only for that step.
  const role = m.staticCall(securityRegistry, "REGISTRAR_ROLE", [], 0, { id: "RegistrarRoleId" });
  const grant = m.call(securityRegistry, "grantRole", [role, admin], { id: "GrantDeployer" });
  const expiry = m.getParameter("investorExpiry", 0);
  const register = m.call(
    securityRegistry,
    "registerBatch",
    [
      [m.getParameter("sellerFirm", m.getAccount(3)), m.getParameter("buyerFirm", m.getAccount(4))],
      [m.getParameter("sellerRef", FIRM_REF_1), m.getParameter("buyerRef", FIRM_REF_2)],
      [expiry, expiry],
    ],
    { id: "RegisterFirms", after: [grant] },
  );
  m.call(securityRegistry, "renounceRole", [role, admin], {
    id: "RenounceDeployer",
    after: [register],
  });

  return { securityRegistry, securityToken, delivery };
});

export default StLedgerModule;

/**
 * Lists the cash ledger's CrossLedgerPayment as the counterpart of the ST ledger's
 * CrossLedgerDelivery: settlements registered on the ST ledger may then name it. Run by the
 * delivery contract's admin once both ledgers are deployed (each needs the other's address).
 *
 * Parameters: `delivery` (the ST ledger's CrossLedgerDelivery; required), `cashChainId` (default
 * 31339, the `cashLedger` network of hardhat.config.ts), `cashLedger` (the cash ledger's
 * CrossLedgerPayment; required).
 */
export const StLedgerLinkModule = buildModule("StLedgerLinkModule", (m) => {
  const delivery = m.contractAt("CrossLedgerDelivery", m.getParameter<string>("delivery"));
  m.call(
    delivery,
    "setCounterpartListed",
    [m.getParameter("cashChainId", 31339n), m.getParameter<string>("cashLedger"), true],
    { id: "ListCashLedger" },
  );
  return { delivery };
});

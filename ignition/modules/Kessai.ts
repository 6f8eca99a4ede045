import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type {
  IgnitionModule,
  NamedArtifactContractDeploymentFuture,
} from "@nomicfoundation/ignition-core";
import DeliveryVersusPaymentModule from "./DeliveryVersusPayment.js";
import DepositTokenModule from "./DepositToken.js";
import InvestorRegistryModule from "./InvestorRegistry.js";
import ShareTokenModule from "./ShareToken.js";
import StraightBondTokenModule from "./StraightBondToken.js";

/** Default investor references of the two firms (opaque bytes32 customer numbers). */
const FIRM_REF_1 = "0x4649524d2d303030310000000000000000000000000000000000000000000000"; // "FIRM-0001"
const FIRM_REF_2 = "0x4649524d2d303030320000000000000000000000000000000000000000000000"; // "FIRM-0002"

/**
 * The whole system: the issuer's investor register, the security token, DCJPY and the DVP listing
 * both tokens, with every role granted, and the two securities firms registered as investors in
 * the register. Their DCJPY accounts are the bank's to open (REGISTRAR_ROLE on DCJPY, granted to
 * the bank): `BankClient.openDepositAccounts` or `kessai account open`.
 *
 * Parameters (besides those of the modules it uses): `sellerFirm` (default account 3),
 * `buyerFirm` (default account 4), `sellerRef` and `buyerRef` (investor references, bytes32),
 * `investorExpiry` (unix time, 0 for none).
 *
 * Deploy: `npx hardhat ignition deploy ignition/modules/Kessai.ts --network localhost`
 * (add `--parameters params.json` to override any parameter, e.g. `{"KessaiModule": {...}}`).
 */
function buildSystem<TokenModuleId extends string, TokenContract extends string>(
  moduleId: string,
  securityTokenModule: IgnitionModule<
    TokenModuleId,
    string,
    { securityToken: NamedArtifactContractDeploymentFuture<TokenContract> }
  >,
) {
  return buildModule(moduleId, (m) => {
    const { securityRegistry } = m.useModule(InvestorRegistryModule);
    const { securityToken } = m.useModule(securityTokenModule);
    const { depositToken } = m.useModule(DepositTokenModule);
    const { dvp } = m.useModule(DeliveryVersusPaymentModule);

    const admin = m.getAccount(0);

    m.call(dvp, "setSecurityTokenListed", [securityToken, true], {
      id: "ListSecurityToken",
    });
    m.call(dvp, "setCashTokenListed", [depositToken, true], {
      id: "ListCashToken",
    });
    const sellerFirm = m.getParameter("sellerFirm", m.getAccount(3));
    const buyerFirm = m.getParameter("buyerFirm", m.getAccount(4));
    const sellerRef = m.getParameter("sellerRef", FIRM_REF_1);
    const buyerRef = m.getParameter("buyerRef", FIRM_REF_2);
    const expiry = m.getParameter("investorExpiry", 0);

    // The deployer registers the two firms in the investor register, holding REGISTRAR_ROLE only
    // for that step: it is granted, used and renounced within the deployment.
    const securityRole = m.staticCall(securityRegistry, "REGISTRAR_ROLE", [], 0, {
      id: "SecurityRegistrarRoleId",
    });
    const securityGrant = m.call(securityRegistry, "grantRole", [securityRole, admin], {
      id: "SecurityGrantDeployer",
    });
    const register = m.call(
      securityRegistry,
      "registerBatch",
      [
        [sellerFirm, buyerFirm],
        [sellerRef, buyerRef],
        [expiry, expiry],
      ],
      { id: "SecurityRegisterFirms", after: [securityGrant] },
    );
    m.call(securityRegistry, "renounceRole", [securityRole, admin], {
      id: "SecurityRenounceDeployer",
      after: [register],
    });

    return { securityRegistry, securityToken, depositToken, dvp };
  });
}

/** The system with the security token as a straight bond (the seed's "ST bonds"). */
export default buildSystem("KessaiModule", StraightBondTokenModule);

/** The same system with the security token as a share. */
export const KessaiShareModule = buildSystem("KessaiShareModule", ShareTokenModule);

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
 * The whole system: both registers, the security token, DCJPY and the DVP listing both tokens,
 * with every role granted, and the two securities firms registered as investors in both registers.
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
    const { securityRegistry, cashRegistry } = m.useModule(InvestorRegistryModule);
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

    // The deployer registers the two firms in both registers, holding REGISTRAR_ROLE only for that
    // step: it is granted, used and renounced within the deployment.
    for (const [name, registry] of [
      ["Security", securityRegistry],
      ["Cash", cashRegistry],
    ] as const) {
      const role = m.staticCall(registry, "REGISTRAR_ROLE", [], 0, {
        id: `${name}RegistrarRoleId`,
      });
      const grant = m.call(registry, "grantRole", [role, admin], {
        id: `${name}GrantDeployer`,
      });
      const register = m.call(
        registry,
        "registerBatch",
        [
          [sellerFirm, buyerFirm],
          [sellerRef, buyerRef],
          [expiry, expiry],
        ],
        { id: `${name}RegisterFirms`, after: [grant] },
      );
      m.call(registry, "renounceRole", [role, admin], {
        id: `${name}RenounceDeployer`,
        after: [register],
      });
    }

    return { securityRegistry, cashRegistry, securityToken, depositToken, dvp };
  });
}

/** The system with the security token as a straight bond (the seed's "ST bonds"). */
export default buildSystem("KessaiModule", StraightBondTokenModule);

/** The same system with the security token as a share. */
export const KessaiShareModule = buildSystem("KessaiShareModule", ShareTokenModule);

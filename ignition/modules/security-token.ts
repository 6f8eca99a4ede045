import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { DEPLOYMENT_DEFAULTS, KESSAI_ROLES } from "@kessai/sdk";
import { grantRoles } from "./grants.js";
import InvestorRegistryModule from "./InvestorRegistry.js";

/** A security token product's defaults, as `DEPLOYMENT_DEFAULTS` holds them. */
interface ProductDefaults {
  name: string;
  symbol: string;
  decimals: number;
  terms: Readonly<Record<string, bigint | string | readonly string[]>>;
}

/**
 * The module of one security token product (`contract`), consulting the issuer's register. The
 * issuer account is granted every issuer and enforcement role (`KESSAI_ROLES.issuer`, as
 * `kessai deploy` does); split them across accounts in production by passing other parameters
 * and granting from the admin.
 *
 * Parameters: `name`, `symbol`, `decimals`, `issuer` (default account 1), `adminDelay`, and one
 * per field of the product's terms (named as the struct's fields), each defaulting to
 * `defaults`.
 */
export function securityTokenModule<ModuleId extends string, Contract extends string>(
  moduleId: ModuleId,
  contract: Contract,
  defaults: ProductDefaults,
) {
  return buildModule(moduleId, (m) => {
    const { securityRegistry } = m.useModule(InvestorRegistryModule);
    const admin = m.getAccount(0);
    const issuer = m.getParameter("issuer", m.getAccount(1));
    const terms = Object.fromEntries(
      Object.entries(defaults.terms).map(([field, value]) => [
        field,
        m.getParameter(field, typeof value === "object" ? [...value] : value),
      ]),
    );
    const setup = {
      name: m.getParameter("name", defaults.name),
      symbol: m.getParameter("symbol", defaults.symbol),
      decimals: m.getParameter("decimals", defaults.decimals),
      registry: securityRegistry,
      admin,
      adminDelay: m.getParameter("adminDelay", DEPLOYMENT_DEFAULTS.adminDelay),
    };
    const token = m.contract(contract, [setup, terms]);
    grantRoles(m, token, KESSAI_ROLES.issuer.securityToken, issuer);
    return { securityToken: token, securityRegistry };
  });
}

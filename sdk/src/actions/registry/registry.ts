import type { KessaiContext } from "../../connect.js";
import type { InvestorRegistry } from "../../generated/contracts.js";

/** Which register an action targets: the security token's (default) or the deposit token's. */
export type RegistryChoice = "security" | "cash";

/** The registry contract for `which`. */
export function registryOf(
  ctx: KessaiContext,
  which: RegistryChoice = "security",
): InvestorRegistry {
  return which === "cash" ? ctx.cashRegistry : ctx.securityRegistry;
}

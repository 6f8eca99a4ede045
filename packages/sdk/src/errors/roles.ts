import { ROLE_NAMES } from "../generated/roles.js";

/**
 * The name of a role of the Kessai contracts (`ISSUER_ROLE`, `REGISTRAR_ROLE`,
 * `DEFAULT_ADMIN_ROLE`, ...) from its bytes32 value, as `AccessControlUnauthorizedAccount`
 * reports it; undefined for a value that is none of them.
 *
 * @param role The role's bytes32 value (any case).
 * @returns The constant's name, or undefined.
 */
export function roleName(role: string): string | undefined {
  return typeof role === "string" ? ROLE_NAMES[role.toLowerCase()] : undefined;
}

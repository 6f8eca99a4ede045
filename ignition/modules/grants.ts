import type {
  AccountRuntimeValue,
  CallableContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";

/** Every issuer and enforcement role of a security token (see ISecurityToken's roles table). */
export const SECURITY_TOKEN_ROLES = [
  "ISSUER_ROLE",
  "PAUSER_ROLE",
  "TRANSFER_APPROVER_ROLE",
  "FORCE_TRANSFER_ROLE",
  "FORCE_LOCK_ROLE",
  "FORCE_UNLOCK_ROLE",
  "FORCE_RELOCATE_ROLE",
] as const;

/** Every role of the bank on DCJPY (see IDepositToken's roles table). */
export const DEPOSIT_TOKEN_ROLES = [
  "REGISTRAR_ROLE",
  "ISSUER_ROLE",
  "REDEEMER_ROLE",
  "FREEZER_ROLE",
  "PAUSER_ROLE",
] as const;

/**
 * Grants each of `roles` (names of the contract's role getters) on `contract` to `account`, from
 * the deployer, which is the contract's default admin.
 */
export function grantRoles(
  m: IgnitionModuleBuilder,
  contract: CallableContractFuture<string>,
  roles: readonly string[],
  account: AccountRuntimeValue | ModuleParameterRuntimeValue<AccountRuntimeValue | string>,
): void {
  for (const role of roles) {
    const id = m.staticCall(contract, role, [], 0, { id: `${role}_id` });
    m.call(contract, "grantRole", [id, account], { id: `grant_${role}` });
  }
}

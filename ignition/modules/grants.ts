import type {
  AccountRuntimeValue,
  CallableContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";

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

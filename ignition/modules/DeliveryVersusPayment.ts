import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { DEPLOYMENT_DEFAULTS, KESSAI_ROLES } from "@kessai/sdk";

/**
 * The DVP contract with its settlement agent and pauser. Listing the tokens it settles is done by
 * the system module ({@link ./Kessai.ts}), which knows them.
 *
 * Parameters: `agent` (default account 5), `pauser` (default account 0), `adminDelay`.
 */
export default buildModule("DvpModule", (m) => {
  const admin = m.getAccount(0);
  const dvp = m.contract("DeliveryVersusPayment", [
    m.getParameter("adminDelay", DEPLOYMENT_DEFAULTS.adminDelay),
    admin,
  ]);
  const [agentRoleName] = KESSAI_ROLES.agent.dvp;
  const [pauserRoleName] = KESSAI_ROLES.pauser.dvp;

  const agentRole = m.staticCall(dvp, agentRoleName, [], 0, {
    id: "AgentRole",
  });
  m.call(dvp, "grantRole", [agentRole, m.getParameter("agent", m.getAccount(5))], {
    id: "GrantAgent",
  });
  const pauserRole = m.staticCall(dvp, pauserRoleName, [], 0, {
    id: "PauserRole",
  });
  m.call(dvp, "grantRole", [pauserRole, m.getParameter("pauser", admin)], {
    id: "GrantPauser",
  });

  return { dvp };
});

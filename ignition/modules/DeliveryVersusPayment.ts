import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The DVP contract with its settlement agent and pauser. Listing the tokens it settles is done by
 * the system module ({@link ./Kessai.ts}), which knows them.
 *
 * Parameters: `agent` (default account 5), `pauser` (default account 0), `adminDelay`.
 */
export default buildModule("DvpModule", (m) => {
  const admin = m.getAccount(0);
  const dvp = m.contract("DeliveryVersusPayment", [m.getParameter("adminDelay", 0), admin]);

  const agentRole = m.staticCall(dvp, "SETTLEMENT_AGENT_ROLE", [], 0, {
    id: "AgentRole",
  });
  m.call(dvp, "grantRole", [agentRole, m.getParameter("agent", m.getAccount(5))], {
    id: "GrantAgent",
  });
  const pauserRole = m.staticCall(dvp, "PAUSER_ROLE", [], 0, {
    id: "PauserRole",
  });
  m.call(dvp, "grantRole", [pauserRole, m.getParameter("pauser", admin)], {
    id: "GrantPauser",
  });

  return { dvp };
});

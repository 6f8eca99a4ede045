import { expect } from "chai";
import { network } from "hardhat";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import KessaiModule from "../../ignition/modules/Kessai.js";
import { AuditorClient, addressesFromIgnition, connect } from "../../sdk/src/index.js";

describe("Ignition: KessaiModule", function () {
  it("deploys the system with every role granted and both firms registered", async function () {
    const { ignition, ethers } = await network.create();
    const [admin, issuer, bank, seller, buyer, agent] = await ethers.getSigners();
    const { securityRegistry, cashRegistry, securityToken, depositToken, dvp } =
      await ignition.deploy(KessaiModule);

    expect(await dvp.isSecurityTokenListed(await securityToken.getAddress())).to.equal(true);
    expect(await dvp.isCashTokenListed(await depositToken.getAddress())).to.equal(true);
    expect(await dvp.hasRole(await dvp.SETTLEMENT_AGENT_ROLE(), agent.address)).to.equal(true);
    expect(await dvp.hasRole(await dvp.PAUSER_ROLE(), admin.address)).to.equal(true);
    for (const role of [
      "ISSUER_ROLE",
      "PAUSER_ROLE",
      "TRANSFER_APPROVER_ROLE",
      "FORCE_TRANSFER_ROLE",
      "FORCE_LOCK_ROLE",
      "FORCE_UNLOCK_ROLE",
      "FORCE_RELOCATE_ROLE",
    ]) {
      const id = await securityToken.getFunction(role).staticCall();
      expect(await securityToken.hasRole(id, issuer.address), role).to.equal(true);
      expect(await securityToken.hasRole(id, admin.address), role).to.equal(false);
    }
    for (const role of ["ISSUER_ROLE", "REDEEMER_ROLE", "FREEZER_ROLE", "PAUSER_ROLE"]) {
      const id = await depositToken.getFunction(role).staticCall();
      expect(await depositToken.hasRole(id, bank.address), role).to.equal(true);
      expect(await depositToken.hasRole(id, admin.address), role).to.equal(false);
    }
    for (const registry of [securityRegistry, cashRegistry]) {
      expect(await registry.isEligible(seller.address)).to.equal(true);
      expect(await registry.isEligible(buyer.address)).to.equal(true);
      // The deployer held REGISTRAR_ROLE only to register the firms.
      expect(await registry.hasRole(await registry.REGISTRAR_ROLE(), admin.address)).to.equal(
        false,
      );
    }
    const registrar = await securityRegistry.REGISTRAR_ROLE();
    expect(await securityRegistry.hasRole(registrar, issuer.address)).to.equal(true);
    expect(await cashRegistry.hasRole(registrar, bank.address)).to.equal(true);
    expect(await securityToken.investorRegistry()).to.equal(await securityRegistry.getAddress());
    expect(await depositToken.investorRegistry()).to.equal(await cashRegistry.getAddress());
  });

  it("the SDK connects to the deployment from its deployed_addresses.json", async function () {
    const { ignition, ethers } = await network.create();
    const deployed = await ignition.deploy(KessaiModule);
    // Ignition keeps in-process deployments in memory; write the file it writes on a live network.
    const dir = await mkdtemp(join(tmpdir(), "kessai-ignition-"));
    try {
      const entries: Record<string, string> = {
        "InvestorRegistryModule#SecurityRegistry": await deployed.securityRegistry.getAddress(),
        "InvestorRegistryModule#CashRegistry": await deployed.cashRegistry.getAddress(),
        "StraightBondTokenModule#StraightBondToken": await deployed.securityToken.getAddress(),
        "DepositTokenModule#DepositToken": await deployed.depositToken.getAddress(),
        "DvpModule#DeliveryVersusPayment": await deployed.dvp.getAddress(),
      };
      await writeFile(join(dir, "deployed_addresses.json"), JSON.stringify(entries));
      const addresses = await addressesFromIgnition(dir);
      const auditor = new AuditorClient(await connect({ runner: ethers.provider, addresses }));
      expect(auditor.ctx.addresses.dvp).to.equal(entries["DvpModule#DeliveryVersusPayment"]);
      expect(auditor.ctx.addresses.securityRegistry).to.equal(
        entries["InvestorRegistryModule#SecurityRegistry"],
      );
      expect(auditor.ctx.addresses.cashRegistry).to.equal(
        entries["InvestorRegistryModule#CashRegistry"],
      );
      expect(await auditor.listSettlements()).to.deep.equal([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

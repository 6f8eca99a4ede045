import { expect } from "chai";
import { network } from "hardhat";
import KessaiModule from "../../ignition/modules/Kessai.js";

describe("Ignition: KessaiModule", () => {
  it("deploys the system with every role granted and both firms registered", async () => {
    const { ignition, ethers } = await network.create();
    const [admin, issuer, bank, seller, buyer, agent] = await ethers.getSigners();
    const { securityRegistry, cashRegistry, securityToken, depositToken, dvp } =
      await ignition.deploy(KessaiModule);
    expect(await dvp.isSecurityTokenListed(await securityToken.getAddress())).to.equal(true);
    expect(await dvp.isCashTokenListed(await depositToken.getAddress())).to.equal(true);
    expect(await dvp.hasRole(await dvp.SETTLEMENT_AGENT_ROLE(), agent.address)).to.equal(true);
    expect(await securityToken.hasRole(await securityToken.ISSUER_ROLE(), issuer.address)).to.equal(true);
    expect(await depositToken.hasRole(await depositToken.ISSUER_ROLE(), bank.address)).to.equal(true);
    for (const r of [securityRegistry, cashRegistry]) {
      expect(await r.isEligible(seller.address)).to.equal(true);
      expect(await r.isEligible(buyer.address)).to.equal(true);
      expect(await r.hasRole(await r.REGISTRAR_ROLE(), admin.address)).to.equal(false);
    }
    expect(await securityRegistry.hasRole(await securityRegistry.REGISTRAR_ROLE(), issuer.address)).to.equal(true);
    expect(await cashRegistry.hasRole(await cashRegistry.REGISTRAR_ROLE(), bank.address)).to.equal(true);
  });
});

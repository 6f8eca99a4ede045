import { expect } from "chai";
import { network } from "hardhat";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBytes32String } from "ethers";
import KessaiModule from "../../ignition/modules/Kessai.js";
import { AuditorClient, addressesFromIgnition, connect } from "../../packages/sdk/src/index.js";

describe("Ignition: KessaiModule", function () {
  it("deploys the system with every role granted and both firms registered", async function () {
    const { ignition, ethers } = await network.create();
    const [admin, issuer, bank, seller, buyer, agent] = await ethers.getSigners();
    const deployed = await ignition.deploy(KessaiModule);
    const { securityRegistry, securityToken, depositToken, dvp } = deployed;
    expect(Object.keys(deployed).sort()).to.deep.equal([
      "depositToken",
      "dvp",
      "securityRegistry",
      "securityToken",
    ]);

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
    for (const role of [
      "REGISTRAR_ROLE",
      "ISSUER_ROLE",
      "REDEEMER_ROLE",
      "FREEZER_ROLE",
      "PAUSER_ROLE",
    ]) {
      const id = await depositToken.getFunction(role).staticCall();
      expect(await depositToken.hasRole(id, bank.address), role).to.equal(true);
      expect(await depositToken.hasRole(id, admin.address), role).to.equal(false);
    }
    expect(await securityRegistry.isEligible(seller.address)).to.equal(true);
    expect(await securityRegistry.isEligible(buyer.address)).to.equal(true);
    const registrar = await securityRegistry.REGISTRAR_ROLE();
    expect(await securityRegistry.hasRole(registrar, issuer.address)).to.equal(true);
    expect(await securityRegistry.hasRole(registrar, bank.address)).to.equal(false);
    expect(await securityToken.investorRegistry()).to.equal(await securityRegistry.getAddress());
    // The deployer held REGISTRAR_ROLE only to register the firms.
    expect(await securityRegistry.hasRole(registrar, admin.address)).to.equal(false);
    // DCJPY accounts are the bank's to open: none is open yet, and the bank can open them.
    expect(await depositToken.isAccountOpen(seller.address)).to.equal(false);
    expect(await depositToken.isAccountOpen(buyer.address)).to.equal(false);
    const ref = encodeBytes32String("ACCT-0001");
    const asBank = await ethers.getContractAt("DepositToken", depositToken, bank);
    await (await asBank.openAccount(seller.address, ref)).wait();
    expect(await depositToken.isAccountOpen(seller.address)).to.equal(true);
    expect(await depositToken.depositAccountOf(seller.address)).to.equal(ref);
  });

  it("the SDK connects to the deployment from its deployed_addresses.json", async function () {
    const { ignition, ethers } = await network.create();
    const deployed = await ignition.deploy(KessaiModule);
    // Ignition keeps in-process deployments in memory; write the file it writes on a live network.
    const dir = await mkdtemp(join(tmpdir(), "kessai-ignition-"));
    try {
      const entries: Record<string, string> = {
        "InvestorRegistryModule#SecurityRegistry": await deployed.securityRegistry.getAddress(),
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
      expect(await auditor.listSettlements()).to.deep.equal([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

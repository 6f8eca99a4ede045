import { expect } from "chai";
import { network } from "hardhat";

/**
 * Gas of a security-token transfer between two eligible holders that both already hold units,
 * against an OpenZeppelin ERC-20 transfer measured in the same run (target: at most 1.3x).
 */
describe("SecurityToken gas", () => {
  it("transfers within 1.3x of an OpenZeppelin ERC-20 transfer", async () => {
    const { ethers } = await network.create();
    const [admin, alice, bob, agent] = await ethers.getSigners();

    const plain = await ethers.deployContract("PlainERC20");
    await plain.mint(alice.address, 1_000n);
    await plain.mint(bob.address, 1_000n);

    const registry = await ethers.deployContract("InvestorRegistry", [0, admin.address]);
    await registry.grantRole(await registry.REGISTRAR_ROLE(), admin.address);
    await registry.registerBatch(
      [alice.address, bob.address],
      [ethers.id("alice"), ethers.id("bob")],
      [0, 0],
    );
    const terms = {
      issuePrice: 1_000n,
      dividendPerUnit: 0n,
      dividendRecordDate: "",
      dividendPaymentDate: "",
      cancellationDate: "",
    };
    const token = await ethers.deployContract("ShareToken", [
      "Share",
      "SHR",
      0,
      await registry.getAddress(),
      admin.address,
      0,
      terms,
    ]);
    await token.grantRole(await token.ISSUER_ROLE(), admin.address);
    await token.bulkIssue([alice.address, bob.address], [1_000n, 1_000n]);

    const gasOf = async (tx: Promise<{ wait: () => Promise<{ gasUsed: bigint } | null> }>) =>
      (await (await tx).wait())!.gasUsed;

    const plainTransfer = await gasOf(plain.connect(alice).transfer(bob.address, 10n));
    const stTransfer = await gasOf(token.connect(alice).transfer(bob.address, 10n));
    const lock = await gasOf(token.connect(alice).lock(agent.address, 10n, "0x"));
    const unlockToOther = await gasOf(
      token.connect(agent).unlock(alice.address, bob.address, 10n, "0x"),
    );

    const ratio = Number(stTransfer) / Number(plainTransfer);
    console.log(
      `      OZ ERC-20 transfer ${plainTransfer}, ST transfer ${stTransfer} (${ratio.toFixed(3)}x),` +
        ` lock (EOA) ${lock}, unlock to another ${unlockToOther}`,
    );
    expect(ratio).to.be.at.most(1.3);
  });
});

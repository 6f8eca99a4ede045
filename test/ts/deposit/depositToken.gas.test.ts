import { expect } from "chai";
import hre, { network } from "hardhat";

/**
 * Gas of DCJPY transfers against a plain OpenZeppelin ERC-20, both measured in the same run
 * (`npx hardhat test mocha --gas-stats test/ts/deposit/depositToken.gas.test.ts`).
 * Warm case: sender and receiver already hold a balance of the token.
 */
describe("DepositToken gas", () => {
  it("transfer and transferFrom stay within the budget relative to a plain ERC-20", async () => {
    const { ethers } = await network.create();
    const [admin, alice, bob, spender] = await ethers.getSigners();

    const registry = await ethers.deployContract("InvestorRegistry", [86400, admin.address]);
    await registry.grantRole(await registry.REGISTRAR_ROLE(), admin.address);
    for (const s of [alice, bob]) await registry.register(s.address, ethers.ZeroHash, 0);
    const token = await ethers.deployContract("DepositToken", [
      "DCJPY",
      "DCJPY",
      0,
      await registry.getAddress(),
      admin.address,
      86400,
    ]);
    await token.grantRole(await token.ISSUER_ROLE(), admin.address);
    await token.issue(alice.address, 1_000_000n, ethers.id("ref-alice"));
    await token.issue(bob.address, 1_000_000n, ethers.id("ref-bob"));
    await token.connect(alice).approve(spender.address, ethers.MaxUint256);

    const plain = await ethers.deployContract("PlainERC20");
    await plain.mint(alice.address, 1_000_000n);
    await plain.mint(bob.address, 1_000_000n);
    await plain.connect(alice).approve(spender.address, ethers.MaxUint256);

    const gas = async (tx: Promise<{ wait: () => Promise<{ gasUsed: bigint } | null> }>) =>
      (await (await tx).wait())!.gasUsed;

    const plainTransfer = await gas(plain.connect(alice).transfer(bob.address, 100n));
    const dcjpyTransfer = await gas(token.connect(alice).transfer(bob.address, 100n));
    const plainFrom = await gas(
      plain.connect(spender).transferFrom(alice.address, bob.address, 1n),
    );
    const dcjpyFrom = await gas(
      token.connect(spender).transferFrom(alice.address, bob.address, 1n),
    );

    console.log(
      `      transfer: plain ${plainTransfer}, DCJPY ${dcjpyTransfer} (x${(Number(dcjpyTransfer) / Number(plainTransfer)).toFixed(2)})\n` +
        `      transferFrom: plain ${plainFrom}, DCJPY ${dcjpyFrom} (x${(Number(dcjpyFrom) / Number(plainFrom)).toFixed(2)})`,
    );
    expect(await token.balanceOf(bob.address)).to.equal(1_000_101n);
    // Budget: the rules (one config slot, two freeze slots, one registry call) add < 18k gas.
    // Coverage instrumentation inflates gas, so the budget holds only for uninstrumented code.
    if (!hre.globalOptions.coverage) {
      expect(dcjpyTransfer - plainTransfer < 18_000n).to.equal(true);
      expect(dcjpyFrom - plainFrom < 18_000n).to.equal(true);
    }
  });
});

/**
 * The margin on a gas estimate stays within the per-transaction gas cap (EIP-7825, Osaka:
 * 16,777,216), which is below the block gas limit (60,000,000 on Hardhat's network): a call whose
 * bare estimate fits is not refused because of the headroom the engine adds.
 *
 * The contract (raw bytecode) loops `calldata[0:32]` times, each round reading a storage slot
 * never read before (2,145 gas a round).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder } from "ethers";
import { TxEngine } from "../../../packages/sdk/src/index.js";
import { gasLimitWithMargin } from "../../../packages/sdk/src/transactions/policy.js";

/** `for (n = calldata[0:32]; n != 0; n--) sload(n);` */
const RUNTIME = "6000355b8015601357805450600190036003565b00";
const INIT = "0x6015600c60003960156000f3" + RUNTIME;
const rounds = (n: bigint) => AbiCoder.defaultAbiCoder().encode(["uint256"], [n]);
const TX_GAS_CAP = 16_777_216n;

describe("sdk: gas margin and the per-transaction gas cap", function () {
  it("a call estimated at 14.0 M gas is sent with a limit within the 16.78 M cap", async function () {
    const { ethers } = await network.create();
    const [deployer, sender] = await ethers.getSigners();
    const deployed = await (await deployer.sendTransaction({ data: INIT })).wait();
    const to = deployed!.contractAddress!;
    const data = rounds(6_550n);
    const estimate = await ethers.provider.estimateGas({ from: sender.address, to, data });
    expect(estimate > 13_500_000n && estimate < TX_GAS_CAP).to.equal(true);
    const engine = new TxEngine(sender, { policy: { pollIntervalMs: 20 } });
    const r = await engine.send({ to, data });
    expect(r.receipt.status).to.equal(1);
    const tx = (await ethers.provider.getTransaction(r.hash))!;
    expect(tx.gasLimit).to.equal(TX_GAS_CAP);
    expect(r.receipt.gasUsed).to.equal(estimate);
  });

  it("the cap is the lower of the block gas limit and 16,777,216, never below the estimate", function () {
    expect(gasLimitWithMargin(14_000_000n, 25, 60_000_000n)).to.equal(TX_GAS_CAP);
    expect(gasLimitWithMargin(14_000_000n, 25)).to.equal(TX_GAS_CAP);
    expect(gasLimitWithMargin(1_000_000n, 25, 1_100_000n)).to.equal(1_100_000n);
    expect(gasLimitWithMargin(1_000_000n, 25, 60_000_000n)).to.equal(1_250_000n);
    // an estimate above the cap is sent as it is (the node decides), a floor is capped too
    expect(gasLimitWithMargin(20_000_000n, 25, 60_000_000n)).to.equal(20_000_000n);
    expect(gasLimitWithMargin(12_000_000n, 0, 60_000_000n, 18_000_000n)).to.equal(TX_GAS_CAP);
  });
});

/**
 * A revert without data is typed the same on every provider: `UnknownContractError` with data
 * `0x`. A JSON-RPC node (anvil, hardhat node) answers it through ethers as CALL_EXCEPTION
 * "missing revert data"; Hardhat's in-process provider throws its own error, with the revert code
 * 3 and "Transaction reverted without a reason string", which was taken for a
 * `TransactionFailedError`. The contract: `LockReceiverMock` in mode `RevertEmpty`, whose
 * callback runs `revert(0, 0)`.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { ContractFactory, Wallet, type Contract, type Signer } from "ethers";
import { network } from "hardhat";
import { TxEngine, UnknownContractError, toKessaiError } from "../../../packages/sdk/src/index.js";
import { anvilForSuite } from "./anvil.js";
import { key, providerFor } from "./anvil-trades.js";
import { expectError } from "./helpers.js";

/** LockReceiverMock's mode whose callbacks revert without data. */
const REVERT_EMPTY = 3;
const POLICY = { pollIntervalMs: 20 };

/** Deploys the mock with `signer`, in mode RevertEmpty; its address and a reverting call. */
async function revertingCall(signer: Signer) {
  const a = JSON.parse(
    await readFile("artifacts/contracts/test/LockReceiverMock.sol/LockReceiverMock.json", "utf8"),
  ) as { abi: never; bytecode: string };
  const mock = (await new ContractFactory(a.abi, a.bytecode, signer).deploy()) as Contract;
  await mock.waitForDeployment();
  await (await mock.setMode(REVERT_EMPTY)).wait();
  const to = await mock.getAddress();
  const data = mock.interface.encodeFunctionData("onSecurityTokenLocked", [to, 1n, "0x"]);
  return { mock, to, data };
}

/** The same assertions on the provider of `signer`. */
function behaves(label: string, signer: () => Promise<Signer>) {
  describe(label, function () {
    let s: Signer;
    let call: Awaited<ReturnType<typeof revertingCall>>;
    before(async function () {
      s = await signer();
      call = await revertingCall(s);
    });
    const noData = { data: "0x" };

    it("eth_call: UnknownContractError without data", async function () {
      const e = await expectError(
        s.provider!.call({ to: call.to, data: call.data }).catch((err: unknown) => {
          throw toKessaiError(err, { action: "probe", contractAddress: call.to });
        }),
        UnknownContractError,
        noData,
      );
      expect(e.shortMessage).to.equal("The call reverted without a reason");
      expect(e.contractAddress).to.equal(call.to);
    });

    it("a send refused at its estimate: UnknownContractError, nothing sent", async function () {
      const from = await s.getAddress();
      const nonce = await s.provider!.getTransactionCount(from);
      const engine = new TxEngine(s, { policy: POLICY });
      const e = await expectError(
        engine.send({ to: call.to, data: call.data }, { action: "probe" }),
        UnknownContractError,
        noData,
      );
      expect(e.txHash).to.equal(undefined);
      expect(e.contractAddress).to.equal(call.to);
      expect(await s.provider!.getTransactionCount(from)).to.equal(nonce);
      expect(await call.mock.calls()).to.equal(0n);
    });

    it("a send with a fixed gas limit mined reverted: UnknownContractError with its hash", async function () {
      const engine = new TxEngine(s, { policy: POLICY, gasLimit: 100_000n });
      const e = await expectError(
        engine.send({ to: call.to, data: call.data }, { action: "probe" }),
        UnknownContractError,
        noData,
      );
      const receipt = (await s.provider!.getTransactionReceipt(e.txHash!))!;
      expect(receipt.status).to.equal(0);
      expect(receipt.to).to.equal(call.to);
      expect(await call.mock.calls()).to.equal(0n);
    });
  });
}

describe("sdk: a revert without data is UnknownContractError on every provider", function () {
  this.timeout(60_000);
  behaves("Hardhat in-process (EDR)", async () => {
    const { ethers } = await network.create();
    return (await ethers.getSigners())[0]!;
  });
  const anvil = anvilForSuite();
  behaves("anvil", async () => new Wallet(key(0), providerFor(anvil().url)));
});

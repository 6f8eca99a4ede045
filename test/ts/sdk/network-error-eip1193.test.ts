/**
 * A node that cannot be reached, behind ethers' `BrowserProvider` (an EIP-1193 link): ethers keeps
 * only the link's code and message, under UNKNOWN_ERROR "could not coalesce error" for most calls
 * and under CALL_EXCEPTION "missing revert data" for `eth_call`. Both are a {@link NetworkError}
 * (not a node's answer, not a contract's), whatever ethers wraps them in.
 */
import { expect } from "chai";
import { BrowserProvider } from "ethers";
import { NetworkError, NodeError, UnknownContractError, toKessaiError } from "@kessai/sdk";

const refusing = (message: string) =>
  new BrowserProvider(
    {
      request: async (a: { method: string }) => {
        if (a.method === "eth_chainId") return "0x7a69";
        throw Object.assign(new Error(message), { code: "ECONNREFUSED" });
      },
    },
    31337,
    { staticNetwork: true },
  );
const TO = `0x${"11".repeat(20)}`;

describe("toKessaiError: a connection refused under an EIP-1193 link", function () {
  it("a read (UNKNOWN_ERROR): NetworkError, the link's error kept as its cause", async function () {
    const raw = await refusing("connect ECONNREFUSED 127.0.0.1:8545")
      .getBlockNumber()
      .catch((e: unknown) => e);
    expect(raw).to.include({ code: "UNKNOWN_ERROR" });
    const e = toKessaiError(raw);
    expect(e).to.be.instanceOf(NetworkError).and.not.instanceOf(NodeError);
    expect(e.cause).to.equal(raw);
  });

  it("an eth_call (CALL_EXCEPTION, missing revert data): NetworkError, not a contract's error", async function () {
    const raw = await refusing("connect ECONNREFUSED 127.0.0.1:8545")
      .call({ to: TO, data: "0x64482ac4" })
      .catch((e: unknown) => e);
    expect(raw).to.include({ code: "CALL_EXCEPTION" });
    const e = toKessaiError(raw);
    expect(e).to.be.instanceOf(NetworkError).and.not.instanceOf(NodeError);
  });

  it("an eth_call refused with another message: still the contract's (missing revert data)", async function () {
    const raw = await refusing("boom")
      .call({ to: TO, data: "0x64482ac4" })
      .catch((e: unknown) => e);
    expect(toKessaiError(raw)).to.be.instanceOf(UnknownContractError);
  });
});

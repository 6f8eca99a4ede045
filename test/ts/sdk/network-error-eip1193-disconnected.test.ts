/**
 * An EIP-1193 provider cut off from its chain says so with the standard's own codes, 4900
 * "Disconnected" and 4901 "Chain Disconnected" (a wallet's link, an injected provider), not with
 * a socket's ECONNREFUSED. Behind ethers' `BrowserProvider` that is a {@link NetworkError} like a
 * refused connection (not a node's answer, not a contract's): the verifier's start-up check then
 * reports the link, not "is not a CrossLedgerPayment". A user's refusal (4001) stays no network
 * error, and a node's own error a {@link NodeError}.
 */
import { expect } from "chai";
import { BrowserProvider } from "ethers";
import { NetworkError, NodeError, toKessaiError } from "@kessai/sdk";

const failing = (code: number, message: string) =>
  new BrowserProvider(
    {
      request: async (a: { method: string }) => {
        if (a.method === "eth_chainId") return "0x7a69";
        throw Object.assign(new Error(message), { code });
      },
    },
    31337,
    { staticNetwork: true },
  );
const TO = `0x${"11".repeat(20)}`;
const read = (code: number, message: string) =>
  failing(code, message)
    .getBlockNumber()
    .catch((e: unknown) => e);
const call = (code: number, message: string) =>
  failing(code, message)
    .call({ to: TO, data: "0x64482ac4" })
    .catch((e: unknown) => e);

describe("toKessaiError: an EIP-1193 provider disconnected (4900, 4901)", function () {
  for (const [code, message] of [
    [4900, "Disconnected"],
    [4901, "Chain Disconnected"],
  ] as const) {
    it(`${code} on a read (UNKNOWN_ERROR): NetworkError, the provider's error kept as its cause`, async function () {
      const raw = await read(code, message);
      expect(raw).to.include({ code: "UNKNOWN_ERROR" });
      const e = toKessaiError(raw);
      expect(e).to.be.instanceOf(NetworkError).and.not.instanceOf(NodeError);
      expect(e.cause).to.equal(raw);
    });

    it(`${code} on an eth_call (CALL_EXCEPTION): NetworkError, not a node's or a contract's error`, async function () {
      const raw = await call(code, message);
      expect(raw).to.include({ code: "CALL_EXCEPTION" });
      expect(toKessaiError(raw)).to.be.instanceOf(NetworkError).and.not.instanceOf(NodeError);
    });
  }

  it("4001 (the user refused): no NetworkError", async function () {
    expect(toKessaiError(await read(4001, "User rejected the request."))).not.to.be.instanceOf(
      NetworkError,
    );
  });

  it("a node's own error on an eth_call (-32000 header not found): still a NodeError", async function () {
    const e = toKessaiError(await call(-32000, "header not found"));
    expect(e).to.be.instanceOf(NodeError);
    expect(e).to.include({ rpcCode: -32000, rpcMessage: "header not found" });
  });
});

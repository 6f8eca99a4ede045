/** A node's own JSON-RPC errors and transport failures are never taken for a contract's revert. */
import { expect } from "chai";
import { makeError } from "ethers";
import {
  NetworkError,
  NodeError,
  UnknownContractError,
  toKessaiError,
} from "../../../packages/sdk/src/index.js";

const A = "0x" + "a1".repeat(20);

describe("node errors are never contract errors", function () {
  const rpcFailure = (method: string, code: number, message: string) =>
    makeError("missing revert data", "CALL_EXCEPTION", {
      action: "call",
      data: null,
      reason: null,
      transaction: { to: A, data: "0x" },
      invocation: null,
      revert: null,
      info: { error: { code, message }, payload: { method, params: [] } },
    });

  it("an eth_call answered with -32602 or -32000 'header not found' is a NodeError", function () {
    const e = toKessaiError(rpcFailure("eth_call", -32602, "block out of range"), {
      action: "dvp.stateOf",
    });
    expect(e).to.be.instanceOf(NodeError);
    expect(e).to.be.instanceOf(NetworkError);
    expect(e).to.include({ rpcCode: -32602, rpcMessage: "block out of range", method: "eth_call" });
    expect(e.shortMessage).to.equal(
      "The node refused eth_call during dvp.stateOf: block out of range (-32602)",
    );
    expect(toKessaiError(rpcFailure("eth_call", -32000, "header not found"))).to.be.instanceOf(
      NodeError,
    );
  });

  it("a revert without data is still a contract's answer", function () {
    expect(toKessaiError(rpcFailure("eth_call", 3, "execution reverted"))).to.be.instanceOf(
      UnknownContractError,
    );
    expect(toKessaiError(rpcFailure("eth_call", -32000, "execution reverted"))).to.be.instanceOf(
      UnknownContractError,
    );
  });

  it("an HTTP failure or a timeout is a NetworkError", function () {
    const http = makeError("server response 502 Bad Gateway", "SERVER_ERROR", {
      request: null as never,
      response: null as never,
    });
    expect(toKessaiError(http)).to.be.instanceOf(NetworkError);
    expect(
      toKessaiError(makeError("timeout", "TIMEOUT", { operation: "request", reason: "timeout" })),
    ).to.be.instanceOf(NetworkError);
  });
});

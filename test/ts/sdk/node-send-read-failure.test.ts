/**
 * A node-managed account (the node signs: `eth_sendTransaction`) whose transaction the node
 * accepted, but whose read-back by hash failed once (a transport failure), against anvil. The
 * node has the transaction: the send must not report it as refused, or give its nonce back,
 * or let a retry with the same key send the call a second time.
 */
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { TxEngine, type TxPolicy } from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";

const OTHER = "0x000000000000000000000000000000000000dEaD";
const POLICY: TxPolicy = { pollIntervalMs: 20, stallCheckMs: 100, timeoutMs: 15_000 };

/** A provider that fails the first `eth_getTransactionByHash` after the first `eth_sendTransaction`. */
class FlakyReadProvider extends JsonRpcProvider {
  failNextRead = false;
  readonly sends: string[] = [];
  constructor(url: string) {
    super(url, undefined, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
  }
  override async send(
    method: string,
    params: unknown[] | Record<string, unknown>,
  ): Promise<unknown> {
    if (method === "eth_getTransactionByHash" && this.failNextRead) {
      this.failNextRead = false;
      throw Object.assign(new Error("request timeout"), { code: "TIMEOUT" });
    }
    const r = await super.send(method, params);
    if (method === "eth_sendTransaction") {
      this.sends.push(r as string);
      this.failNextRead = this.sends.length === 1;
    }
    return r;
  }
}

describe("node-managed send whose read-back failed (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;

  before(async function () {
    anvil = await startAnvil();
  });
  after(async function () {
    await anvil?.stop();
  });

  it("sends the call once and reports the transaction the node accepted", async function () {
    const provider = new FlakyReadProvider(anvil.url);
    const signer = await provider.getSigner(7);
    const from = await signer.getAddress();
    const engine = new TxEngine(signer, { policy: POLICY });
    const n0 = await provider.getTransactionCount(from, "latest");
    const request = { to: OTHER, value: 5n };

    const first = await engine.send(request, { key: "pay-once" }).then(
      (r) => r,
      (e: unknown) => e as Error,
    );
    // the caller retries the same call with the same key, as a failed send invites
    const again = await engine.send(request, { key: "pay-once" });

    expect(provider.sends, "eth_sendTransaction calls").to.have.length(1);
    expect(await provider.getTransactionCount(from, "latest")).to.equal(n0 + 1);
    expect(first).to.not.be.instanceOf(Error);
    expect(again.hash).to.equal(provider.sends[0]);
    expect(again.nonce).to.equal(n0);
    provider.destroy();
  });
});

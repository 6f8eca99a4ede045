/**
 * A broadcast the node took but answered with geth's own RPC timeout (`-32002 request timed out`:
 * the HTTP handler ran past the server's write timeout while the transaction went on into the
 * pool), against anvil behind a proxy. The transaction may be in the pool: the send must watch
 * it, not report it refused and let a retry with the same key send the call again.
 */
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet } from "ethers";
import { TxEngine, type TxPolicy } from "../../../packages/sdk/src/index.js";
import { startAnvil, startRpcProxy, type Anvil, type RpcProxy } from "./anvil.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const OTHER = "0x000000000000000000000000000000000000dEaD";
const POLICY: TxPolicy = { pollIntervalMs: 20, stallCheckMs: 100, timeoutMs: 15_000 };

describe("broadcast answered with the node's RPC timeout (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let proxy: RpcProxy | undefined;

  before(async function () {
    anvil = await startAnvil();
  });
  after(async function () {
    await proxy?.close();
    await anvil?.stop();
  });

  it("watches the transaction and sends the call once", async function () {
    let forwarded: Promise<unknown> | undefined;
    let raws = 0;
    proxy = await startRpcProxy(anvil.url, (req) => {
      if (req.method !== "eth_sendRawTransaction" || raws++ > 0) return undefined;
      // the node takes the transaction; its answer is the RPC timeout
      forwarded = fetch(anvil.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...req, jsonrpc: "2.0", id: 1 }),
      }).then((r) => r.json());
      return { code: -32002, message: "request timed out" };
    });
    const provider = new JsonRpcProvider(proxy.url, undefined, {
      staticNetwork: true,
      pollingInterval: 20,
      cacheTimeout: -1,
    });
    const key = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0/32");
    const engine = new TxEngine(new Wallet(key.privateKey, provider), { policy: POLICY });
    const n0 = await provider.getTransactionCount(key.address, "latest");
    const request = { to: OTHER, value: 7n };

    const first = await engine.send(request, { key: "pay-once" }).then(
      (r) => r,
      (e: unknown) => e as Error,
    );
    await forwarded;
    // the caller retries the same call with the same key, as a failed send invites
    const again = await engine.send(request, { key: "pay-once" });

    expect(raws, "raw broadcasts").to.equal(1);
    expect(await provider.getTransactionCount(key.address, "latest")).to.equal(n0 + 1);
    expect(first).to.not.be.instanceOf(Error);
    expect(again.nonce).to.equal(n0);
    provider.destroy();
  });
});

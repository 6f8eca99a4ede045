/**
 * A node-managed account's fast send (eth_sendTransaction through the provider) is only for the
 * node's own signer: a JsonRpcSigner subclass whose sendUncheckedTransaction is its own (an audit
 * log, a policy check, a relay) keeps it, as ethers' sendTransaction would call it.
 */
import { expect } from "chai";
import { BrowserProvider, JsonRpcSigner, type TransactionRequest } from "ethers";
import { TxEngine } from "../../../packages/sdk/src/index.js";
import { deployKessai, type Kessai } from "./fixture.js";

/** A JsonRpcSigner that records every transaction before the node sends it. */
class AuditedSigner extends JsonRpcSigner {
  readonly seen: TransactionRequest[] = [];
  override async sendUncheckedTransaction(tx: TransactionRequest): Promise<string> {
    this.seen.push(tx);
    return super.sendUncheckedTransaction(tx);
  }
}

describe("sdk: a JsonRpcSigner subclass's own sendUncheckedTransaction", function () {
  let k: Kessai;
  before(async function () {
    k = await deployKessai();
  });

  it("is called for every send, the engine's fast path skipped", async function () {
    const provider = new BrowserProvider(
      k.conn.provider as unknown as ConstructorParameters<typeof BrowserProvider>[0],
    );
    provider.pollingInterval = 20;
    const account = k.signers.rest[4].address;
    const signer = new AuditedSigner(provider, account);
    const engine = new TxEngine(signer, { policy: { pollIntervalMs: 20 } });
    const to = k.signers.rest[1].address;
    const r = await engine.send({ to, value: 1n });
    expect(r.receipt.status).to.equal(1);
    expect(signer.seen).to.have.length(1);
    expect(String(signer.seen[0].to).toLowerCase()).to.equal(to.toLowerCase());
    expect(signer.seen[0].value).to.equal(1n);
    provider.destroy();
  });
});

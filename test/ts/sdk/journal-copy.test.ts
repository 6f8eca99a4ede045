/** The memory journal's copies: what a JSON round trip gives, sharing nothing mutable. */
import { expect } from "chai";
import { MemoryJournal, type JournalEntry } from "../../../packages/sdk/src/index.js";
import { copyEntry } from "../../../packages/sdk/src/transactions/journal.js";

const entry = (): JournalEntry => ({
  key: "k-1",
  chainId: "31337",
  from: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  action: undefined,
  request: { to: null, data: "0x" + "ab".repeat(600), value: "0", gasLimit: undefined },
  state: "mined",
  nonce: 7,
  txs: [
    { hash: "0x" + "01".repeat(32), raw: "0x02", maxFeePerGas: "3", at: 1 },
    { hash: "0x" + "03".repeat(32), gasPrice: "4", at: 2, raw: undefined },
  ],
  firstBlock: 0,
  mined: { hash: "0x" + "03".repeat(32), blockNumber: 9, blockHash: "0x05", status: 1 },
  updatedAt: 3,
});

describe("sdk: journal entries copied", function () {
  it("copyEntry gives what JSON.parse(JSON.stringify(entry)) gives, undefined fields left out", function () {
    const e = entry();
    const copy = copyEntry(e);
    expect(copy).to.deep.equal(JSON.parse(JSON.stringify(e)));
    expect(Object.keys(copy)).to.not.include("action");
    expect(Object.keys(copy.request)).to.not.include("gasLimit");
    expect(Object.keys(copy.txs[1])).to.not.include("raw");
  });

  it("a put or a get shares nothing the caller can change", async function () {
    const j = new MemoryJournal();
    const e = entry();
    await j.put(e);
    e.txs[0].hash = "0xchanged";
    e.request.data = "0x";
    e.mined!.status = 0;
    const got = (await j.get("k-1"))!;
    expect(got.txs[0].hash).to.equal("0x" + "01".repeat(32));
    expect(got.request.data).to.equal("0x" + "ab".repeat(600));
    expect(got.mined!.status).to.equal(1);
    got.txs.push({ hash: "0x06", at: 4 });
    expect((await j.get("k-1"))!.txs).to.have.length(2);
  });
});

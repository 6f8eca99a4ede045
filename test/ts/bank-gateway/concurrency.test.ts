/**
 * 500 concurrent issuance requests from 5 firms, each sent twice at the same time with the same
 * Idempotency-Key (1,000 requests in flight), then worked to the end: every pair gets one and the
 * same response, 500 holds, 500 mints (one per bank reference), the supply equals the dedicated
 * account, and each firm's deposit is debited exactly its requests. On both back ends.
 */
import { expect } from "chai";
import { describeBackends } from "../storage/backends.js";
import {
  OPERATOR_KEY,
  databaseUrl,
  deployDcjpy,
  openFirm,
  startGateway,
  type Dcjpy,
  type TestGateway,
} from "./helpers.js";

const REQUESTS = 500;
const FIRMS = 5;

describeBackends("bank gateway under 500 concurrent issuance requests", (backend) => {
  let chain: Dcjpy;
  let g: TestGateway;
  after(async () => g?.stop());

  it(`answers ${REQUESTS} requests sent twice each with one response per key and mints each once`, async function () {
    this.timeout(300_000);
    chain = await deployDcjpy();
    g = await startGateway(chain, await databaseUrl(backend()), { batch: 100, confirmations: 1 });
    const firms: { key: string; account: string }[] = [];
    for (let f = 0; f < FIRMS; f++)
      firms.push(await openFirm(g, `firm-${f}`, chain.firms[f]!.address, 10_000_000n));
    const amountOf = (i: number) => 1_000 + i;
    const t0 = performance.now();
    const calls = Array.from({ length: REQUESTS }, (_, i) => {
      const firm = firms[i % FIRMS]!;
      const send = () =>
        g.call("POST", "/v1/issuances", {
          key: firm.key,
          idem: `req-${i}`,
          body: { account: firm.account, amount: amountOf(i) },
        });
      return Promise.all([send(), send()]);
    });
    const pairs = await Promise.all(calls);
    const apiMs = performance.now() - t0;
    for (const [x, y] of pairs) {
      expect(x.status, JSON.stringify(x.body)).to.equal(201);
      expect(y.status, JSON.stringify(y.body)).to.equal(201);
      expect(y.body).to.deep.equal(x.body);
    }
    const ids = new Set(pairs.map(([x]) => x.body.id));
    expect(ids.size).to.equal(REQUESTS);
    // A retry after the fact replays too.
    const retry = await g.call("POST", "/v1/issuances", {
      key: firms[0]!.key,
      idem: "req-0",
      body: { account: firms[0]!.account, amount: amountOf(0) },
    });
    expect(retry.body).to.deep.equal(pairs[0]![0].body);

    const t1 = performance.now();
    for (let round = 0; round < 200; round++) {
      await g.tick();
      const m = (await g.call("GET", "/metrics")).body as string;
      if (/^gateway_issuances\{state="issued"\} 500$/m.test(m) && /^gateway_holds 0$/m.test(m))
        break;
      await chain.mine(1);
    }
    const chainMs = performance.now() - t1;
    const issued = await chain.dcjpy.queryFilter(chain.dcjpy.filters.Issued(), 0, "latest");
    expect(issued).to.have.length(REQUESTS);
    expect(new Set(issued.map((e) => e.args.bankReference)).size).to.equal(REQUESTS);
    const total = Array.from({ length: REQUESTS }, (_, i) => BigInt(amountOf(i))).reduce(
      (s, v) => s + v,
      0n,
    );
    expect(await chain.dcjpy.totalSupply()).to.equal(total);
    await chain.mine(2);
    await g.tick();
    const rec = await g.call("GET", "/v1/admin/reconciliation", { key: OPERATOR_KEY });
    expect(rec.body).to.include({
      ok: true,
      totalSupply: total.toString(),
      dedicatedPosted: total.toString(),
    });
    expect(rec.body.events.issued).to.equal(REQUESTS);
    expect(rec.body.pendingHolds.count).to.equal(0);
    for (let f = 0; f < FIRMS; f++) {
      const mine = Array.from({ length: REQUESTS }, (_, i) => i)
        .filter((i) => i % FIRMS === f)
        .reduce((s, i) => s + BigInt(amountOf(i)), 0n);
      const bal = (await g.call("GET", `/v1/accounts/${firms[f]!.account}`, { key: firms[f]!.key }))
        .body.balances;
      expect(bal.posted).to.equal((10_000_000n - mine).toString());
      expect(await chain.dcjpy.balanceOf(chain.firms[f]!.address)).to.equal(mine);
    }
    console.log(
      `      ${backend().dialect}: ${REQUESTS * 2} requests answered in ${Math.round(apiMs)} ms; issued and posted in ${Math.round(chainMs)} ms`,
    );
  });
});

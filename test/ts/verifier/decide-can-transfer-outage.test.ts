import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  BrowserProvider,
  JsonRpcProvider,
  Wallet,
  id as keccakId,
  type Eip1193Provider,
  type Provider,
} from "ethers";
import { openSqliteStore, type Store } from "@kessai/storage";
import { Verifier } from "../../../packages/verifier/src/index.js";
import { key, VERIFIER, deployLedgers, type Ledgers, lockFor } from "./in-process-ledgers.js";

/** `canTransfer(address,address,uint256)`. */
const CAN_TRANSFER = keccakId("canTransfer(address,address,uint256)").slice(0, 10);

type Req = { method: string; params?: unknown[] };
const isCanTransfer = (a: Req) => {
  const p = (a.params as { data?: string; input?: string }[] | undefined)?.[0];
  return a.method === "eth_call" && (p?.data ?? p?.input)?.startsWith(CAN_TRANSFER) === true;
};

/**
 * The ST node unreachable just when the decision reads the token's `canTransfer`: through an
 * EIP-1193 connection (as the model test's links; the error has no numeric JSON-RPC code), and
 * through a JSON-RPC gateway over HTTP that answers a rate limit without a numeric code. ethers
 * reports either `eth_call` as a CALL_EXCEPTION "missing revert data". Neither is the token's
 * answer: nothing may be decided on it (decisions are once); once the node answers again, the
 * settlement, which passes every check, is paid.
 */
describe("verifier service: a node outage during canTransfer is not a refusal", function () {
  this.timeout(120_000);

  let l: Ledgers;
  let dir: string;
  const stores: Store[] = [];
  const closing: (() => unknown)[] = [];
  /** While true, the ST link refuses every canTransfer call. */
  let refusing = false;
  let refusedCalls = 0;

  before(async function () {
    l = await deployLedgers();
    dir = await mkdtemp(path.join(tmpdir(), "kessai-verifier-can-transfer-outage-"));
  });
  after(async function () {
    for (const c of closing) await c();
    for (const s of stores) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const node = () => l.st.provider as unknown as Eip1193Provider;

  async function scenario(name: string, stProvider: Provider): Promise<void> {
    const store = await openSqliteStore({ filename: path.join(dir, `${name}.db`) });
    stores.push(store);
    const verifier = await Verifier.open({
      store,
      st: { sender: new Wallet(key(VERIFIER), stProvider), contract: l.addr.delivery },
      cash: {
        sender: new Wallet(key(VERIFIER), l.cash.ethers.provider as unknown as Provider),
        contract: l.addr.payment,
      },
      attester: new Wallet(key(VERIFIER)),
      confirmations: 1,
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
      backoff: { initialDelayMs: 20, multiplier: 2, maxDelayMs: 100, jitter: 0 },
    });
    const terms = await lockFor(l, `outage ${name}`, {
      quantity: 10n,
      amount: 1_000_000n,
      deadlineIn: 36_000,
    });
    const [, , , , cashBuyer] = await l.cash.ethers.getSigners();
    const dcjpy = await l.cash.ethers.getContractAt("DepositToken", l.addr.dcjpy);
    const payment = await l.cash.ethers.getContractAt("CrossLedgerPayment", l.addr.payment);
    await (await dcjpy.connect(cashBuyer).approve(l.addr.payment, terms.amount)).wait();
    await (await payment.connect(cashBuyer).instruct(terms)).wait();
    for (const x of [l.st, l.cash])
      for (let i = 0; i < 2; i++) await x.provider.request({ method: "evm_mine" });

    refusedCalls = 0;
    refusing = true;
    try {
      for (let i = 0; i < 3; i++) await verifier.tick().catch(() => undefined);
    } finally {
      refusing = false;
    }
    expect(refusedCalls, "the outage hit canTransfer").to.be.greaterThan(0);
    const during = await verifier.settlement(terms.id);
    expect(during?.decision, `decided during the outage (${during?.reason})`).to.equal(undefined);

    for (let i = 0; i < 50 && !(await verifier.settlement(terms.id))?.decision; i++)
      await verifier.tick();
    expect(await verifier.settlement(terms.id)).to.include({
      decision: "paid",
      reason: "verified",
    });
  }

  it("EIP-1193, connection refused on canTransfer: no decision while it lasts, paid after", async function () {
    const link: Eip1193Provider = {
      request: async (a: Req) => {
        if (refusing && isCanTransfer(a)) {
          refusedCalls++;
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), {
            code: "ECONNREFUSED",
          });
        }
        return node().request(a);
      },
    };
    const p = new BrowserProvider(link, 31338, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 20,
    });
    await scenario("eip1193", p as unknown as Provider);
  });

  it("HTTP gateway, a rate limit without a numeric code on canTransfer: no decision while it lasts, paid after", async function () {
    const answer = async (q: Req & { id: unknown }) => {
      if (refusing && isCanTransfer(q)) {
        refusedCalls++;
        return { jsonrpc: "2.0", id: q.id, error: { message: "rate limit exceeded, retry later" } };
      }
      try {
        return { jsonrpc: "2.0", id: q.id, result: await node().request(q) };
      } catch (e) {
        const err = e as { code?: number; message?: string; data?: unknown };
        return {
          jsonrpc: "2.0",
          id: q.id,
          error: { code: err.code ?? -32603, message: err.message ?? String(e), data: err.data },
        };
      }
    };
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const q = JSON.parse(body) as (Req & { id: unknown }) | (Req & { id: unknown })[];
        void (Array.isArray(q) ? Promise.all(q.map(answer)) : answer(q)).then((out) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify(out, (_k, v: unknown) =>
              typeof v === "bigint" ? `0x${v.toString(16)}` : v,
            ),
          );
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    closing.push(() => new Promise((r) => server.close(r)));
    const p = new JsonRpcProvider(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      31338,
      { staticNetwork: true, cacheTimeout: -1, pollingInterval: 20 },
    );
    closing.push(() => p.destroy());
    await scenario("http", p);
  });
});

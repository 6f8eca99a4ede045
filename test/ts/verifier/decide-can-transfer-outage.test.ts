import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  BrowserProvider,
  Wallet,
  id as keccakId,
  type Eip1193Provider,
  type Provider,
} from "ethers";
import { openSqliteStore, type Store } from "@kessai/storage";
import { Verifier, type CrossLedgerTerms } from "../../../packages/verifier/src/index.js";
import { key, VERIFIER, deployLedgers, type Ledgers, lockFor } from "./in-process-ledgers.js";

/** `canTransfer(address,address,uint256)`. */
const CAN_TRANSFER = keccakId("canTransfer(address,address,uint256)").slice(0, 10);

/**
 * The ST node unreachable just when the decision reads the token's `canTransfer` (an EIP-1193
 * connection, as the model test's links: the node's error has no numeric JSON-RPC code, so
 * ethers reports the `eth_call` as a CALL_EXCEPTION "missing revert data"). That is not the
 * token's answer: nothing may be decided on it (decisions are once); once the node answers
 * again, the settlement, which passes every check, is paid.
 */
describe("verifier service: a node outage during canTransfer is not a refusal", function () {
  this.timeout(120_000);

  let l: Ledgers;
  let dir: string;
  const stores: Store[] = [];
  /** While true, the ST link refuses every canTransfer call (connection refused). */
  let refuseCanTransfer = false;
  let refusedCalls = 0;

  before(async function () {
    l = await deployLedgers();
    dir = await mkdtemp(path.join(tmpdir(), "kessai-verifier-can-transfer-outage-"));
  });
  after(async function () {
    for (const s of stores) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refused connection on canTransfer: no decision while it lasts, paid once the node answers", async function () {
    const node = l.st.provider as unknown as Eip1193Provider;
    const link: Eip1193Provider = {
      request: async (a) => {
        const p = (a.params as { data?: string; input?: string }[] | undefined)?.[0];
        const data = p?.data ?? p?.input;
        if (refuseCanTransfer && a.method === "eth_call" && data?.startsWith(CAN_TRANSFER)) {
          refusedCalls++;
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), {
            code: "ECONNREFUSED",
          });
        }
        return node.request(a);
      },
    };
    const stProvider = new BrowserProvider(link, 31338, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 20,
    });
    const store = await openSqliteStore({ filename: path.join(dir, "outage.db") });
    stores.push(store);
    const verifier = await Verifier.open({
      store,
      st: {
        sender: new Wallet(key(VERIFIER), stProvider as unknown as Provider),
        contract: l.addr.delivery,
      },
      cash: {
        sender: new Wallet(key(VERIFIER), l.cash.ethers.provider as unknown as Provider),
        contract: l.addr.payment,
      },
      attester: new Wallet(key(VERIFIER)),
      confirmations: 1,
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
      backoff: { initialDelayMs: 20, multiplier: 2, maxDelayMs: 100, jitter: 0 },
    });
    const terms: CrossLedgerTerms = await lockFor(l, "outage T-1", {
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

    refuseCanTransfer = true;
    try {
      for (let i = 0; i < 3; i++) await verifier.tick().catch(() => undefined);
    } finally {
      refuseCanTransfer = false;
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
  });
});

/**
 * The gateway's transactions through the SDK's engine against anvil (a separate node that drops
 * transactions and reorgs on request), on both back ends, the engine's journal in the gateway's
 * database:
 * - an issuance whose transaction is dropped from the mempool is replaced by the engine on its
 *   nonce, and posted once;
 * - an issuance whose mined transaction a reorg took away is sent again with the same key: the
 *   engine puts the same signed transaction back (same hash, same nonce), posted once;
 * - a transaction left in the mempool by a stopped gateway is waited for by the next one, never
 *   voided under it; the same run with a journal that does not survive the process (round 1's)
 *   shows the race this closes: the hold voided, then the late mint booked to suspense;
 * - a reorg deeper than the confirmations stops the watcher (`gateway_deep_reorg 1`) and nothing
 *   more is applied.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { sql } from "@kessai/storage";
import type { JournalEntry, TxEvent } from "../../../packages/sdk/src/index.js";
import { contracts } from "../../../packages/sdk/src/index.js";
import {
  sdkDepositChain,
  type SdkDepositChain,
} from "../../../packages/bank-gateway/src/chain/sdk-adapter.js";
import { start, type StartOptions } from "../../../packages/bank-gateway/src/main.js";
import { startAnvil, type Anvil } from "../sdk/anvil.js";
import { nodeAddress, nodeKey } from "../sdk/hardhat-node.js";
import { describeBackends } from "../storage/backends.js";
import {
  OPERATOR_HASH,
  OPERATOR_KEY,
  databaseUrl,
  deployDcjpyOverRpc,
  silent,
  until,
  type TestGateway,
} from "./helpers.js";

const ADMIN = 0;
const BANK = 2;

describeBackends("bank gateway transactions against anvil", (backend) => {
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let dcjpyAddress: string;
  const running: TestGateway[] = [];
  /** Firm accounts used so far (each test opens its own firm; each back end its own range). */
  let nextFirm = 0;

  before(async function () {
    this.timeout(60_000);
    anvil = await startAnvil();
    provider = new JsonRpcProvider(anvil.url, undefined, {
      staticNetwork: true,
      pollingInterval: 20,
      cacheTimeout: -1,
    });
    nextFirm = backend().dialect === "sqlite" ? 10 : 20;
  });
  after(async function () {
    this.timeout(30_000);
    for (const g of running) await g.stop();
    provider?.destroy();
    await anvil?.stop();
  });

  const automine = (on: boolean) => anvil.rpc("evm_setAutomine", [on]);
  const dcjpy = () => contracts.DepositToken__factory.connect(dcjpyAddress, provider);

  /**
   * A gateway (loops off) on a new database of the back end and a DCJPY of its own, so that each
   * test reconciles alone; `url` and `token`: another gateway on the same ones.
   */
  async function gateway(o: StartOptions = {}, url?: string, token?: string) {
    const dbUrl = url ?? (await databaseUrl(backend()));
    if (token) dcjpyAddress = token;
    else {
      await automine(true);
      dcjpyAddress = await deployDcjpyOverRpc(provider, { admin: ADMIN, bank: BANK });
    }
    const g = (await start(
      {
        database: { url: dbUrl },
        http: { port: 0 },
        chain: {
          rpcUrl: anvil.url,
          chainId: 31337,
          privateKey: nodeKey(BANK),
          depositToken: dcjpyAddress,
          confirmations: 2,
          pollIntervalMs: 50,
          // Replaced only when dropped or priced out, not for waiting a few blocks.
          transactions: { bumpAfterBlocks: 1_000, bumpAfterMs: 600_000 },
        },
        auth: { operatorKeySha256: [OPERATOR_HASH] },
        worker: { backoff: { initialDelayMs: 0, maxDelayMs: 0, jitter: 0 } },
      },
      { loops: false, logger: silent, ...o },
    )) as TestGateway;
    running.push(g);
    return { g, dbUrl, token: dcjpyAddress, operator: g.client(OPERATOR_KEY) };
  }

  async function openFirm(g: TestGateway, fund = 1_000_000n) {
    const i = nextFirm++;
    const operator = g.client(OPERATOR_KEY);
    const id = `firm-${i}`;
    await automine(true);
    const created = await operator.createFirm({ id, name: id, dcjpyAddress: nodeAddress(i) });
    await g.tick();
    expect((await operator.getFirm(id)).status).to.equal("open");
    await operator.fundDeposit({ firmId: id, amount: fund }, { idempotencyKey: `fund-${id}` });
    return {
      id,
      address: nodeAddress(i),
      account: created.account.id,
      apiKey: created.apiKey,
      client: g.client(created.apiKey),
    };
  }

  const entryOf = async (g: TestGateway, key: string) => {
    const row = await g.ctx.store.get<{ entry: unknown }>(
      sql`SELECT entry FROM kessai_tx_journal WHERE key = ${key}`,
    );
    if (!row) return undefined;
    return (typeof row.entry === "string" ? JSON.parse(row.entry) : row.entry) as JournalEntry;
  };
  const inMempool = async (hash: string) => {
    const tx = await provider.getTransaction(hash);
    return tx !== null && tx.blockNumber === null;
  };
  /** Ticks and mines until `done()`. */
  const settle = async (g: TestGateway, done: () => Promise<boolean>) => {
    for (let i = 0; i < 30; i++) {
      await g.tick();
      if (await done()) return;
      await anvil.mine();
    }
    throw new Error("did not settle");
  };
  const issuedEvents = async (reference: string) =>
    (await dcjpy().queryFilter(dcjpy().filters.Issued(reference), 0, "latest")).length;

  it("replaces a dropped issuance transaction on its nonce, and posts the issuance once", async function () {
    this.timeout(60_000);
    const { g, operator } = await gateway();
    const firm = await openFirm(g);
    const engine = (g.ctx.chain as SdkDepositChain).engine;
    const events: TxEvent[] = [];
    engine.on((e) => events.push(e));
    await automine(false);
    const i = await firm.client.requestIssuance({ account: firm.account, amount: 300_000n });
    const key = `dcjpy.issue:${i.reference}`;
    const sending = g.tick(); // the worker waits for the transaction
    await until("signed", async () => (await entryOf(g, key))?.state === "signed");
    const first = (await entryOf(g, key))!;
    await until("in the mempool", () => inMempool(first.txs[0]!.hash));
    await anvil.rpc("anvil_dropTransaction", [first.txs[0]!.hash]);
    await until("replaced", async () => (await entryOf(g, key))!.txs.length === 2);
    const replacementHash = (await entryOf(g, key))!.txs[1]!.hash;
    await until("the replacement in the mempool", () => inMempool(replacementHash));
    await anvil.mine();
    await sending;
    await settle(g, async () => (await firm.client.getIssuance(i.id)).state === "issued");

    const last = (await entryOf(g, key))!;
    const replacement = last.txs[1]!.hash;
    expect(last).to.deep.include({ state: "confirmed", nonce: first.nonce });
    expect((await firm.client.getIssuance(i.id)).txHash).to.equal(replacement.toLowerCase());
    const replaced = events.find((e) => e.type === "replaced" && e.key === key);
    expect(replaced).to.deep.include({ reason: "dropped", previous: first.txs[0]!.hash });
    expect(await issuedEvents(i.reference)).to.equal(1);
    expect(await provider.getTransaction(first.txs[0]!.hash)).to.equal(null);
    expect((await firm.client.getAccount(firm.account)).balances.posted).to.equal(700_000n);
    await anvil.mine();
    await anvil.mine();
    await g.tick();
    expect(await operator.reconcile()).to.deep.include({ ok: true, differences: [] });
  });

  it("puts back the same signed transaction when a reorg took a mined issuance away", async function () {
    this.timeout(60_000);
    const { g, operator } = await gateway();
    const firm = await openFirm(g);
    await automine(false);
    const i = await firm.client.requestIssuance({ account: firm.account, amount: 250_000n });
    const key = `dcjpy.issue:${i.reference}`;
    const sending = g.tick();
    await until("signed", async () => (await entryOf(g, key))?.state === "signed");
    const sent = (await entryOf(g, key))!;
    await until("in the mempool", () => inMempool(sent.txs[0]!.hash));
    await anvil.mine();
    await sending; // done at its first receipt
    await g.tick(); // the watcher sees it, unconfirmed
    expect((await firm.client.getIssuance(i.id)).state).to.equal("mined");
    const minedIn = (await provider.getTransactionReceipt(sent.txs[0]!.hash))!.blockNumber;

    await anvil.rpc("anvil_reorg", [1, []]);
    expect(await provider.getTransactionReceipt(sent.txs[0]!.hash)).to.equal(null);
    await g.tick(); // the sighting is gone: back to sent
    expect((await firm.client.getIssuance(i.id)).state).to.equal("sent");
    // Once its block is confirmed without the event, the issuance is sent again, same key.
    await anvil.mine();
    await anvil.mine();
    await g.tick();
    expect((await firm.client.getIssuance(i.id)).state).to.equal("pending");
    const again = g.tick(); // the engine finds its transaction gone and broadcasts it again
    await until("put back", () => inMempool(sent.txs[0]!.hash));
    await anvil.mine();
    await again;
    await settle(g, async () => (await firm.client.getIssuance(i.id)).state === "issued");

    const done = await firm.client.getIssuance(i.id);
    expect(done.txHash).to.equal(sent.txs[0]!.hash.toLowerCase()); // the same signed transaction
    expect(done.blockNumber).to.be.greaterThan(minedIn);
    const last = (await entryOf(g, key))!;
    expect(last.txs.map((t) => t.hash)).to.deep.equal([sent.txs[0]!.hash]);
    expect(last.nonce).to.equal(sent.nonce);
    expect(await provider.getTransactionCount(nodeAddress(BANK))).to.equal(sent.nonce! + 1);
    expect(await issuedEvents(i.reference)).to.equal(1);
    await anvil.mine();
    await anvil.mine();
    await g.tick();
    const rec = await operator.reconcile();
    expect(rec).to.deep.include({ ok: true, differences: [] });
    expect(rec.pendingHolds.count).to.equal(0);
  });

  /**
   * A gateway stopped while its issuance transaction waits in the mempool (a block gas limit too
   * small for it keeps it there while other transactions are mined); the firm's DCJPY account is
   * then frozen on chain, and a second gateway takes the issuance up. Returns what happened.
   */
  async function stoppedWhilePending(
    waits: boolean,
    second: (dbUrl: string, token: string) => Promise<TestGateway>,
  ) {
    const { g: first, dbUrl, token } = await gateway();
    const firm = await openFirm(first);
    const admin = new Wallet(nodeKey(ADMIN), provider);
    const adminDcjpy = contracts.DepositToken__factory.connect(dcjpyAddress, admin);
    await automine(false);
    const i = await firm.client.requestIssuance({ account: firm.account, amount: 400_000n });
    const key = `dcjpy.issue:${i.reference}`;
    const sending = first.tick();
    await until("signed", async () => (await entryOf(first, key))?.state === "signed");
    const tx1 = (await entryOf(first, key))!.txs[0]!.hash;
    await until("in the mempool", () => inMempool(tx1));
    await first.stop(); // the send stops; its transaction stays in the mempool
    await sending;

    // A block too small for the issuance: the freeze is mined, the issuance waits. (Only while
    // mining: estimates are capped by the block gas limit.)
    const gasLimit = (
      (await anvil.rpc("eth_getBlockByNumber", ["latest", false])) as {
        gasLimit: string;
      }
    ).gasLimit;
    const mineWithout = async (send: () => Promise<{ wait(): Promise<unknown> }>) => {
      await anvil.rpc("evm_setBlockGasLimit", ["0x" + (60_000).toString(16)]);
      const tx = await send();
      await anvil.mine();
      await anvil.rpc("evm_setBlockGasLimit", [gasLimit]);
      expect(((await tx.wait()) as { status: number }).status).to.equal(1);
      expect(await inMempool(tx1)).to.equal(true);
    };
    await mineWithout(() => adminDcjpy.setAccountFrozen(firm.address, true, { gasLimit: 55_000 }));

    const g = await second(dbUrl, token);
    const client = g.client(firm.apiKey);
    const taking = g.tick();
    // The second gateway either waits for tx1 (its engine watches the key: the tick goes on) or
    // gives up on the issuance (the tick is over).
    let over = false;
    void taking.then(() => (over = true));
    if (waits) {
      const engine = (g.ctx.chain as SdkDepositChain).engine;
      await until("the key taken up", async () => engine.inFlight(key));
      await new Promise((r) => setTimeout(r, 200));
      expect(over, "the tick waits for the transaction").to.equal(false);
    } else await taking;
    const meanwhile = await g.client(OPERATOR_KEY).getAccount(firm.account);

    // Unfrozen: tx1 is mined.
    await mineWithout(() => adminDcjpy.setAccountFrozen(firm.address, false, { gasLimit: 55_000 }));
    await anvil.mine();
    await taking;
    for (let n = 0; n < 4; n++) {
      await anvil.mine();
      await g.tick();
    }
    await automine(true);
    return {
      g,
      firm: { ...firm, client },
      issuance: await client.getIssuance(i.id),
      meanwhile,
      tx1,
      issued: await issuedEvents(i.reference),
      rec: await g.client(OPERATOR_KEY).reconcile(),
    };
  }

  it("waits for the transaction a stopped gateway left in the mempool: never voids the hold under it", async function () {
    this.timeout(90_000);
    const r = await stoppedWhilePending(
      true,
      async (dbUrl, token) => (await gateway({}, dbUrl, token)).g,
    );
    // While the account was frozen, the hold stayed: the issuance's transaction was pending.
    expect(r.meanwhile.balances).to.deep.include({ pendingDebits: 400_000n });
    expect(r.issuance).to.deep.include({ state: "issued", error: null });
    expect(r.issuance.txHash).to.equal(r.tx1.toLowerCase());
    expect(r.issued).to.equal(1);
    expect(r.rec).to.deep.include({ ok: true, differences: [] });
    expect(r.rec.suspense).to.deep.equal({ posted: 0n, postings: 0 });
    expect((await r.firm.client.getAccount(r.firm.account)).balances.posted).to.equal(600_000n);
  });

  it("(without the journal, as in round 1, the same run voids the hold and the late mint lands in suspense)", async function () {
    this.timeout(90_000);
    const r = await stoppedWhilePending(false, async (dbUrl, token) => {
      // The engine's default journal: in memory, nothing of the first gateway's sends known.
      const chain = await sdkDepositChain({
        signer: new Wallet(nodeKey(BANK), provider),
        depositToken: token,
      });
      const { g } = await gateway({ chain }, dbUrl, token);
      return g;
    });
    expect(r.meanwhile.balances).to.deep.include({ pendingDebits: 0n });
    expect(r.issuance.state).to.equal("failed");
    expect(r.issuance.error?.code).to.equal("DepositTokenAccountFrozen");
    expect(r.issued).to.equal(1); // minted anyway, by the first gateway's transaction
    expect(r.rec.suspense).to.deep.equal({ posted: -400_000n, postings: 1 });
    expect((await r.firm.client.getAccount(r.firm.account)).balances.posted).to.equal(1_000_000n);
  });

  it("stops the watcher on a reorg deeper than the confirmations: gateway_deep_reorg 1, nothing more applied", async function () {
    this.timeout(60_000);
    const { g, operator } = await gateway();
    const firm = await openFirm(g);
    // Deep enough that the reorg below leaves the firm's account open.
    for (let n = 0; n < 6; n++) await anvil.mine();
    await g.tick();
    const cursor = async () =>
      Number(/^gateway_last_processed_block\{[^}]*\} (\d+)$/m.exec(await operator.metrics())![1]);
    const applied = await cursor();
    expect(await operator.metrics()).to.match(/^gateway_deep_reorg 0$/m);
    // Replace the last 4 blocks (the cursor's block among them) with other blocks.
    await anvil.rpc("anvil_reorg", [4, []]);
    await g.tick();
    expect(g.deepReorg()).to.equal(true);
    expect(await operator.metrics()).to.match(/^gateway_deep_reorg 1$/m);
    // The worker still sends; the watcher applies nothing any more.
    const i = await firm.client.requestIssuance({ account: firm.account, amount: 1_000n });
    for (let n = 0; n < 4; n++) {
      await g.tick();
      await anvil.mine();
    }
    expect(await issuedEvents(i.reference)).to.equal(1);
    expect((await firm.client.getIssuance(i.id)).state).to.equal("sent");
    expect(await cursor()).to.equal(applied);
    expect((await firm.client.getAccount(firm.account)).balances.pendingDebits).to.equal(1_000n);
  });
});

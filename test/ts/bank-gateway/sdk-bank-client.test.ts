/**
 * The SDK's BankClient with the bank gateway (`bank.gateway`): the bank's own client with the
 * operator's key opens and funds a firm; the firm's BankClient (read-only on chain, its own API
 * key) requests issuance and redemption with Idempotency-Keys and reads its balances and
 * statement beside its DCJPY balance on chain; refusals are the SDK's typed errors from the API's
 * typed bodies, and move nothing. A full Kessai deployment on an in-process network, the gateway
 * on SQLite.
 */
import { expect } from "chai";
import {
  BankClient,
  GatewayClient,
  GatewayConflictError,
  GatewayForbiddenError,
  GatewayIdempotencyKeyReusedError,
  GatewayNotConfiguredError,
  GatewayNotFoundError,
  KessaiError,
  type GatewayRequestError,
} from "../../../packages/sdk/src/index.js";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import { deployKessai, type Kessai } from "../sdk/fixture.js";
import { OPERATOR_KEY, settle, startGateway, type Dcjpy, type TestGateway } from "./helpers.js";

async function refusal<T extends Error>(
  p: Promise<unknown>,
  Cls: abstract new (...a: never[]) => T,
): Promise<T> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Cls) return e;
    throw e;
  }
  throw new Error(`expected ${Cls.name}`);
}

describe("sdk BankClient with the bank gateway", function () {
  let k: Kessai;
  let chain: Dcjpy;
  let g: TestGateway;
  let tmp: TempSqliteDir;
  let bank: BankClient;
  let firmBank: BankClient;
  let firmAddress: string;
  let account: string;

  before(async function () {
    this.timeout(60_000);
    tmp = await tempSqliteDir();
    k = await deployKessai();
    // The gateway signs with the bank's key on the same network (what startGateway needs of it).
    chain = {
      address: k.addresses.depositToken,
      bank: k.signers.bank,
      mine: async (n = 1) => {
        await k.ethers.provider.send("hardhat_mine", [`0x${n.toString(16)}`]);
      },
    } as unknown as Dcjpy;
    g = await startGateway(chain, `sqlite:${tmp.file()}`);
    bank = k.clients.bank.withGateway({ url: g.url!, apiKey: OPERATOR_KEY });
    firmAddress = k.signers.rest[0]!.address;
  });
  after(async () => {
    await g?.stop();
    await tmp?.remove();
  });

  it("has no gateway until given one: a typed configuration error", function () {
    expect(k.clients.bank.hasGateway).to.equal(false);
    const e = (() => {
      try {
        return k.clients.bank.gateway;
      } catch (err) {
        return err;
      }
    })();
    expect(e).to.be.instanceOf(GatewayNotConfiguredError);
    expect(bank.hasGateway).to.equal(true);
    expect(bank.gateway).to.be.instanceOf(GatewayClient);
    // the same bank: same context and signer
    expect(bank.ctx).to.equal(k.clients.bank.ctx);
    expect(bank.address).to.equal(k.signers.bank.address);
  });

  it("operator opens and funds a firm; the firm issues, reads, redeems through its BankClient", async function () {
    this.timeout(60_000);
    const created = await bank.gateway.createFirm({
      id: "firm-x",
      name: "Firm X",
      dcjpyAddress: firmAddress,
    });
    account = created.account.id;
    await g.tick();
    expect((await bank.gateway.getFirm("firm-x")).status).to.equal("open");
    expect(await bank.isAccountOpen(firmAddress)).to.equal(true);
    await bank.gateway.fundDeposit(
      { firmId: "firm-x", amount: 500_000n },
      { idempotencyKey: "fund-x" },
    );

    // The firm: a read-only context of its own, its API key.
    const ctx = (await BankClient.connect({ runner: k.ethers.provider, addresses: k.addresses }))
      .ctx;
    firmBank = new BankClient(ctx, { gateway: { url: g.url!, apiKey: created.apiKey } });

    const i = await firmBank.gateway.requestIssuance(
      { account, amount: 120_000n },
      { idempotencyKey: "iss-x-1" },
    );
    expect(i).to.deep.include({ amount: 120_000n, state: "pending", replayed: false });
    const again = await firmBank.gateway.requestIssuance(
      { account, amount: 120_000n },
      { idempotencyKey: "iss-x-1" },
    );
    expect(again).to.deep.include({ id: i.id, reference: i.reference, replayed: true });
    await settle(
      g,
      chain,
      async () => (await firmBank.gateway.getIssuance(i.id)).state === "issued",
    );

    // Deposit ledger beside the chain: 500,000 − 120,000 on deposit, 120,000 DCJPY, once.
    expect((await firmBank.gateway.getAccount(account)).balances).to.deep.equal({
      posted: 380_000n,
      available: 380_000n,
      pendingDebits: 0n,
      pendingCredits: 0n,
    });
    expect(await firmBank.getDepositBalance({ account: firmAddress })).to.deep.include({
      balance: 120_000n,
    });
    expect(await firmBank.getIssuance(i.reference)).to.deep.include({
      account: firmAddress,
      amount: 120_000n,
    });

    const r = await firmBank.gateway.requestRedemption(
      { amount: 20_000n },
      { idempotencyKey: "red-x-1" },
    );
    await settle(
      g,
      chain,
      async () => (await firmBank.gateway.getRedemption(r.id)).state === "credited",
    );
    const lines = [];
    for await (const l of firmBank.gateway.statementLines(account)) lines.push(l);
    expect(lines.map((l) => `${l.kind} ${l.amount}`)).to.deep.equal([
      "posted 500000",
      "pending -120000",
      "post_pending -120000",
      "posted 20000",
    ]);
    expect(await firmBank.getDepositBalance({ account: firmAddress })).to.deep.include({
      balance: 100_000n,
    });
  });

  it("refuses with the SDK's typed errors from the API's bodies, and moves nothing", async function () {
    this.timeout(30_000);
    const before = (await firmBank.gateway.getAccount(account)).balances;
    const supply = await k.contracts.dcjpy.totalSupply();
    const check = (e: GatewayRequestError, status: number, code: string, field?: string) => {
      expect(e).to.be.instanceOf(KessaiError);
      expect({ status: e.status, code: e.code, field: e.field }).to.deep.equal({
        status,
        code,
        field,
      });
    };
    check(
      await refusal(
        firmBank.gateway.requestIssuance({ account, amount: 10n ** 9n }, { idempotencyKey: "big" }),
        GatewayConflictError,
      ),
      409,
      "insufficient_funds",
      "amount",
    );
    check(
      await refusal(
        firmBank.gateway.requestIssuance({ account, amount: 1n }, { idempotencyKey: "iss-x-1" }),
        GatewayIdempotencyKeyReusedError,
      ),
      422,
      "idempotency_key_reused",
      "Idempotency-Key",
    );
    check(
      await refusal(
        firmBank.gateway.fundDeposit({ firmId: "firm-x", amount: 1n }),
        GatewayForbiddenError,
      ),
      403,
      "forbidden",
    );
    check(
      await refusal(firmBank.gateway.getAccount("dep_someone-else"), GatewayNotFoundError),
      404,
      "account_not_found",
    );
    expect((await firmBank.gateway.getAccount(account)).balances).to.deep.equal(before);
    expect(await k.contracts.dcjpy.totalSupply()).to.equal(supply);
    expect((await bank.gateway.reconcile()).supplyDifference).to.equal(0n);
  });
});

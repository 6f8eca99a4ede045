/**
 * The bank's side of the demo's steps 3 and 7 through the bank gateway (@kessai/bank-gateway):
 * a deposit ledger on an embedded SQLite file in a temp folder, the bank's signer of the demo's
 * network, loops off (the demo ticks it, so every line comes out in order). The bank's operator
 * opens the firms on the ledger and on DCJPY together and funds their deposit accounts; each firm
 * then asks for issuance (step 3) and redemption (step 7) with its own API key, through the SDK's
 * BankClient, and the demo prints the deposit balances beside the chain balances.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Signer } from "ethers";
import { pino } from "pino";
import { start, type RunningGateway } from "../packages/bank-gateway/src/index.js";
import { BankClient, type GatewayAccount } from "../packages/sdk/src/index.js";

/** A firm as the gateway knows it: its deposit account and its BankClient with its API key. */
export interface GatewayFirm {
  name: string;
  account: string;
  bank: BankClient;
}

export interface DemoGateway {
  /** The bank's client with the operator's key. */
  operator: BankClient;
  firms: Record<"seller" | "buyer", GatewayFirm>;
  /** Runs the gateway (worker and watcher) until `done()`. */
  until(done: () => Promise<boolean>): Promise<void>;
  /** Brings the ledger up to the chain's head (the firms' own redemptions, other issuances). */
  sync(): Promise<void>;
  /** The firms' deposit balances and the dedicated account against DCJPY's supply, one line. */
  depositLine(): Promise<string>;
  stop(): Promise<void>;
}

/** Deposit balances each firm starts with at the bank, in yen. */
export const OPENING_DEPOSITS = { seller: 1_000_000n, buyer: 2_000_000n } as const;

export async function startDemoGateway(o: {
  bank: BankClient;
  signer: Signer;
  chainId: number;
  firms: Record<"seller" | "buyer", string>;
  fmt: (v: bigint) => string;
}): Promise<DemoGateway> {
  const dir = await mkdtemp(path.join(tmpdir(), "kessai-demo-gateway-"));
  const operatorKey = `kgo_${randomBytes(24).toString("hex")}`;
  let g: RunningGateway | undefined;
  try {
    g = await start(
      {
        database: { url: `sqlite:${path.join(dir, "gateway.db")}` },
        http: { port: 0 },
        chain: {
          rpcUrl: "http://127.0.0.1:1", // unused: the gateway signs with the demo's signer
          chainId: o.chainId,
          depositToken: o.bank.ctx.addresses.depositToken,
          confirmations: 0,
        },
        auth: { operatorKeySha256: [createHash("sha256").update(operatorKey).digest("hex")] },
        worker: { backoff: { initialDelayMs: 0, maxDelayMs: 0, jitter: 0 } },
      },
      { signer: o.signer, loops: false, logger: pino({ level: "silent" }) },
    );
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const gw = g;
  const operator = o.bank.withGateway({ url: gw.url!, apiKey: operatorKey });
  const until = async (done: () => Promise<boolean>) => {
    for (let i = 0; i < 50; i++) {
      await gw.tick();
      if (await done()) return;
    }
    throw new Error("the bank gateway did not finish the request");
  };
  const firms = {} as Record<"seller" | "buyer", GatewayFirm>;
  for (const name of ["seller", "buyer"] as const) {
    const created = await operator.gateway.createFirm({
      id: name,
      name: `The ${name} firm`,
      dcjpyAddress: o.firms[name],
    });
    firms[name] = {
      name,
      account: created.account.id,
      bank: new BankClient(o.bank.ctx, { gateway: { url: gw.url!, apiKey: created.apiKey } }),
    };
  }
  await until(async () => (await operator.gateway.listFirms()).every((f) => f.status === "open"));
  for (const name of ["seller", "buyer"] as const) {
    await operator.gateway.fundDeposit(
      { firmId: name, amount: OPENING_DEPOSITS[name] },
      { idempotencyKey: `demo-opening-${name}` },
    );
  }
  const balance = (a: GatewayAccount) =>
    a.balances.pendingDebits > 0n
      ? `${o.fmt(a.balances.posted)} (${o.fmt(a.balances.pendingDebits)} held)`
      : o.fmt(a.balances.posted);
  return {
    operator,
    firms,
    until,
    async sync() {
      await gw.tick();
      await gw.tick();
    },
    async depositLine() {
      const seller = await operator.gateway.getAccount(firms.seller.account);
      const buyer = await operator.gateway.getAccount(firms.buyer.account);
      const dedicated = await operator.gateway.getAccount("bank_dedicated");
      const supply = await o.bank.ctx.depositToken.totalSupply();
      return (
        `${" ".repeat(18)}deposits (bank ledger): seller ${balance(seller)} / buyer ${balance(buyer)} yen; ` +
        `dedicated ${o.fmt(dedicated.balances.posted)} = DCJPY supply ${o.fmt(supply)}`
      );
    },
    async stop() {
      try {
        await gw.stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Shared set-up of the gateway's tests: DCJPY deployed on an in-process Hardhat network with the
 * bank's roles granted, and a gateway started on a database of the back end under test with the
 * bank's signer (the gateway wraps it in the SDK's transaction engine with the journal in that
 * database; its loops off: tests drive `tick()` so that every step is deterministic).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";
import { expect } from "chai";
import { pino } from "pino";
import {
  ContractFactory,
  keccak256,
  toUtf8Bytes,
  Wallet,
  type InterfaceAbi,
  type JsonRpcProvider,
} from "ethers";
import { contracts, withNonceQueue } from "../../../packages/sdk/src/index.js";
import { nodeAddress, nodeKey } from "../sdk/hardhat-node.js";
import { start, type RunningGateway } from "../../../packages/bank-gateway/src/main.js";
import { readDatabaseTime } from "@kessai/storage";
import { RealDate, skewHostClock } from "../skewed-date.js";

export const OPERATOR_KEY = "kgo_operator_test_key_0123456789";
export const OPERATOR_HASH = createHash("sha256").update(OPERATOR_KEY).digest("hex");
export const ref = (s: string) => keccak256(toUtf8Bytes(s));
export const silent = pino({ level: "silent" });

/** DCJPY on a fresh in-process network; the bank holds every DCJPY role. */
export async function deployDcjpy() {
  const conn = await network.create();
  const { ethers } = conn;
  const [admin, bank, ...firms] = await ethers.getSigners();
  const dcjpy = await ethers.deployContract("DepositToken", [
    { name: "DCJPY", symbol: "DCJPY", decimals: 0, admin: admin!.address, adminDelay: 0 },
  ]);
  for (const r of [
    "REGISTRAR_ROLE",
    "ISSUER_ROLE",
    "REDEEMER_ROLE",
    "FREEZER_ROLE",
    "PAUSER_ROLE",
  ]) {
    const role = await (dcjpy as unknown as Record<string, () => Promise<string>>)[r]!();
    await (await dcjpy.grantRole(role, bank!.address)).wait();
  }
  const address = await dcjpy.getAddress();
  const mine = async (n = 1) => {
    await ethers.provider.send("hardhat_mine", [`0x${n.toString(16)}`]);
  };
  return { conn, ethers, admin: admin!, bank: bank!, firms, dcjpy, address, mine };
}
export type Dcjpy = Awaited<ReturnType<typeof deployDcjpy>>;

export { databaseUrl } from "../storage/database-url.js";

export interface TestGateway extends RunningGateway {
  /** fetch against the gateway with a key; returns status, JSON body and headers. */
  call(
    method: string,
    path: string,
    o?: {
      key?: string;
      body?: unknown;
      raw?: string;
      idem?: string;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

export async function startGateway(
  chain: Dcjpy,
  url: string,
  overrides: { confirmations?: number; maxAmount?: string; batch?: number } = {},
): Promise<TestGateway> {
  const g = await start(
    {
      database: { url },
      http: { port: 0 },
      chain: {
        rpcUrl: "http://127.0.0.1:1",
        chainId: 31337,
        privateKey: `0x${"11".repeat(32)}`,
        depositToken: chain.address,
        confirmations: overrides.confirmations ?? 2,
      },
      auth: { operatorKeySha256: [OPERATOR_HASH] },
      limits: { maxAmount: overrides.maxAmount ?? "1000000000000" },
      worker: {
        batch: overrides.batch ?? 16,
        backoff: { initialDelayMs: 0, maxDelayMs: 0, jitter: 0 },
      },
    },
    { signer: chain.bank, loops: false, logger: silent },
  );
  const call: TestGateway["call"] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.key) headers.authorization = `Bearer ${o.key}`;
    if (o.idem) headers["idempotency-key"] = o.idem;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers["content-type"] ??= "application/json";
    const res = await fetch(`${g.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return Object.assign(g, { call });
}

/** Opens a firm through the API and waits (ticks) until its DCJPY account is open. */
export async function openFirm(g: TestGateway, id: string, address: string, fund = 0n) {
  const r = await g.call("POST", "/v1/admin/firms", {
    key: OPERATOR_KEY,
    body: { id, name: `Firm ${id}`, dcjpyAddress: address },
  });
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
  await g.tick();
  const f = await g.call("GET", `/v1/admin/firms/${id}`, { key: OPERATOR_KEY });
  expect(f.body.status).to.equal("open");
  if (fund > 0n) {
    const d = await g.call("POST", "/v1/admin/deposits", {
      key: OPERATOR_KEY,
      idem: `fund-${id}-${fund}`,
      body: { firmId: id, amount: fund.toString() },
    });
    expect(d.status, JSON.stringify(d.body)).to.equal(201);
  }
  return { key: r.body.apiKey as string, account: r.body.account.id as string };
}

/** Ticks and mines until `done()` or `rounds` run out. */
export async function settle(
  g: RunningGateway,
  chain: Dcjpy,
  done: () => Promise<boolean>,
  rounds = 20,
) {
  for (let i = 0; i < rounds; i++) {
    await g.tick();
    if (await done()) return;
    await chain.mine(1);
  }
  throw new Error("did not settle");
}

/**
 * On a fresh DCJPY chain, a gateway (confirmations 0) on `url` started on a host whose clock is
 * `skewMs` off (see skewHostClock: the caller puts it back), firm `firm-<id>` opened with 1,000,000
 * DCJPY and a 300,000 issuance issued. `started` is given the gateway as soon as it runs (for the
 * test to stop it). Also returns the database's time before the firm was opened and a reader of
 * a resource's `state`.
 */
export async function issuedOnSkewedHost(
  url: string,
  skewMs: number,
  id: string,
  started: (g: TestGateway) => void,
) {
  const chain = await deployDcjpy();
  skewHostClock(skewMs);
  const gw = await startGateway(chain, url, { confirmations: 0 });
  started(gw);
  const from = (await readDatabaseTime(gw.ctx.store)).getTime();
  const firm = await openFirm(gw, `firm-${id}`, chain.firms[0]!.address, 1_000_000n);
  const iss = await gw.call("POST", "/v1/issuances", {
    key: firm.key,
    idem: `${id}-iss`,
    body: { account: firm.account, amount: 300_000 },
  });
  expect(iss.status, JSON.stringify(iss.body)).to.equal(201);
  const state = async (path: string) =>
    (await gw.call("GET", path, { key: firm.key })).body.state as string;
  await settle(gw, chain, async () => (await state(`/v1/issuances/${iss.body.id}`)) === "issued");
  return { gw, chain, firm, from, state };
}

/** A time column's value (a Date from PostgreSQL, a string from SQLite) in ms, on the real clock. */
export function timeOf(v: unknown): number {
  return (v instanceof RealDate ? v : new RealDate(v as string)).getTime();
}

/**
 * DCJPY alone on a node over JSON-RPC (a `hardhat node` or anvil) with the default mnemonic's
 * keys: account `admin` deploys it and holds FREEZER_ROLE too, account `bank` gets REGISTRAR,
 * ISSUER, REDEEMER and FREEZER. Returns its address.
 */
export async function deployDcjpyOverRpc(
  provider: JsonRpcProvider,
  accounts: { admin: number; bank: number },
): Promise<string> {
  const admin = withNonceQueue(new Wallet(nodeKey(accounts.admin), provider));
  const file = path.join(process.cwd(), "artifacts", "contracts", "token", "DepositToken.sol");
  const a = JSON.parse(await readFile(path.join(file, "DepositToken.json"), "utf8")) as {
    abi: InterfaceAbi;
    bytecode: string;
  };
  const deployed = await new ContractFactory(a.abi, a.bytecode, admin).deploy({
    name: "DCJPY",
    symbol: "DCJPY",
    decimals: 0,
    admin: await admin.getAddress(),
    adminDelay: 0,
  });
  await deployed.waitForDeployment();
  const address = await deployed.getAddress();
  const dcjpy = contracts.DepositToken__factory.connect(address, admin);
  const grants: [string, string][] = [
    [await dcjpy.REGISTRAR_ROLE(), nodeAddress(accounts.bank)],
    [await dcjpy.ISSUER_ROLE(), nodeAddress(accounts.bank)],
    [await dcjpy.REDEEMER_ROLE(), nodeAddress(accounts.bank)],
    [await dcjpy.FREEZER_ROLE(), nodeAddress(accounts.bank)],
    [await dcjpy.FREEZER_ROLE(), nodeAddress(accounts.admin)],
  ];
  await Promise.all(grants.map(async ([r, who]) => (await dcjpy.grantRole(r, who)).wait()));
  return address;
}

/** Polls `fn` every 10 ms until it returns true; fails after `ms`. */
export async function until(what: string, fn: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

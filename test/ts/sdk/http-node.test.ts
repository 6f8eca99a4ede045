import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import {
  ContractFactory,
  HDNodeWallet,
  JsonRpcProvider,
  Mnemonic,
  ZeroAddress,
  type BaseContract,
} from "ethers";
import {
  BankClient,
  FirmClient,
  IssuerClient,
  buildTerms,
  deriveSettlementId,
  settleTrade,
  withNonceQueue,
} from "../../../sdk/src/index.js";
import { ref } from "./fixture.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const key = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function artifact(source: string, name: string) {
  const file = path.join(process.cwd(), "artifacts", "contracts", source, `${name}.json`);
  return JSON.parse(await readFile(file, "utf8")) as { abi: unknown[]; bytecode: string };
}

describe("sdk over HTTP against a separate `hardhat node`", function () {
  this.timeout(60_000);
  let node: ChildProcess;
  let url: string;

  before(async function () {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = spawn(
      path.join(process.cwd(), "node_modules", ".bin", "hardhat"),
      ["node", "--port", String(port)],
      {
        stdio: "ignore",
        env: { ...process.env, FORCE_COLOR: "0" },
      },
    );
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        });
        if (res.ok) break;
      } catch {
        if (i > 200 || node.exitCode !== null) throw new Error("hardhat node did not start");
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  after(function () {
    if (node && node.exitCode === null) node.kill("SIGTERM");
  });

  it("deploys, connects by rpcUrl and settles trades concurrently", async function () {
    const provider = new JsonRpcProvider(url, undefined, {
      staticNetwork: true,
      pollingInterval: 50,
    });
    // the SDK's nonce queue also keeps a plain deployer's back-to-back transactions in order
    const deployer = withNonceQueue(
      HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0/0").connect(
        provider,
      ),
    );
    const deployerAddress = await deployer.getAddress();
    const [issuerK, bankK, sellerK, buyerK] = [key(1), key(2), key(3), key(4)];
    const who = (i: number) =>
      HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).address;
    const deploy = async (source: string, name: string, args: unknown[]) => {
      const a = await artifact(source, name);
      const c = await new ContractFactory(a.abi as never, a.bytecode, deployer).deploy(...args);
      await c.waitForDeployment();
      return c as BaseContract &
        Record<string, (...x: unknown[]) => Promise<{ wait(): Promise<unknown> }>>;
    };
    const secReg = await deploy("registry/InvestorRegistry.sol", "InvestorRegistry", [
      0,
      deployerAddress,
    ]);
    const cashReg = await deploy("registry/InvestorRegistry.sol", "InvestorRegistry", [
      0,
      deployerAddress,
    ]);
    const bond = await deploy("token/StraightBondToken.sol", "StraightBondToken", [
      "B",
      "B",
      0,
      await secReg.getAddress(),
      deployerAddress,
      0,
      {
        faceValue: 1n,
        faceValueCurrency: "JPY",
        interestRate: 0n,
        interestPaymentDates: [],
        redemptionDate: 2_000_000_000n,
        redemptionValue: 1n,
        redemptionValueCurrency: "JPY",
      },
    ]);
    const dcjpy = await deploy("token/DepositToken.sol", "DepositToken", [
      "DCJPY",
      "DCJPY",
      0,
      await cashReg.getAddress(),
      deployerAddress,
      0,
    ]);
    const dvp = await deploy("settlement/DeliveryVersusPayment.sol", "DeliveryVersusPayment", [
      0,
      deployerAddress,
    ]);
    const role = async (c: typeof bond, r: string) =>
      await (c[r] as unknown as () => Promise<string>)();
    await (await secReg.grantRole(await role(secReg, "REGISTRAR_ROLE"), who(1))).wait();
    await (await cashReg.grantRole(await role(cashReg, "REGISTRAR_ROLE"), who(2))).wait();
    await (await bond.grantRole(await role(bond, "ISSUER_ROLE"), who(1))).wait();
    await (await dcjpy.grantRole(await role(dcjpy, "ISSUER_ROLE"), who(2))).wait();
    await (await dvp.setSecurityTokenListed(await bond.getAddress(), true)).wait();
    await (await dvp.setCashTokenListed(await dcjpy.getAddress(), true)).wait();
    const addresses = {
      securityToken: await bond.getAddress(),
      depositToken: await dcjpy.getAddress(),
      dvp: await dvp.getAddress(),
    };

    const issuer = await IssuerClient.connect({ rpcUrl: url, privateKey: issuerK, addresses });
    const bank = await BankClient.connect({ rpcUrl: url, privateKey: bankK, addresses });
    const seller = await FirmClient.connect({ rpcUrl: url, privateKey: sellerK, addresses });
    const buyer = await FirmClient.connect({ rpcUrl: url, privateKey: buyerK, addresses });
    const investors = [
      { account: seller.address, investorRef: ref("s") },
      { account: buyer.address, investorRef: ref("b") },
    ];
    await issuer.registerBatch({ investors });
    await bank.registerBatch({ investors });
    await issuer.issue({ to: seller.address, value: 100n });

    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const terms = Array.from({ length: 10 }, (_, i) =>
      buildTerms({
        id: deriveSettlementId({
          venue: "OTC",
          tradeId: `H-${i}`,
          tradeDate: "2026-11-25",
          seller: seller.address,
          buyer: buyer.address,
          securityToken: addresses.securityToken,
          quantity: 1n,
          amount: 100n,
        }),
        seller: seller.address,
        buyer: buyer.address,
        securityToken: addresses.securityToken,
        quantity: 1n,
        cashToken: addresses.depositToken,
        amount: 100n,
        deadline: now + 3600n,
        agent: ZeroAddress,
      }),
    );
    await bank.issue({ account: buyer.address, amount: 1000n, bankReference: ref("http-fund") });
    await buyer.approve({ amount: 1000n });
    await Promise.all(terms.map((t) => seller.createSettlement({ terms: t })));
    await Promise.all(terms.map((t) => buyer.settle({ terms: t })));
    expect((await buyer.balances()).security.balance).to.equal(10n);

    // the full workflow over HTTP, with a permit
    const t = buildTerms({ ...terms[0], id: ref("http-trade"), deadline: now + 7200n });
    const r = await settleTrade({
      seller,
      buyer,
      bank,
      terms: t,
      bankReference: ref("http-b"),
      redemptionRef: ref("http-r"),
      usePermit: true,
    });
    expect(r.state).to.equal("Settled");
    provider.destroy();
    for (const c of [issuer, bank, seller, buyer]) (c.ctx.provider as JsonRpcProvider).destroy();
  });
});

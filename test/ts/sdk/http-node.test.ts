import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ZeroAddress, type JsonRpcProvider } from "ethers";
import {
  BankClient,
  FirmClient,
  InvalidParameterError,
  IssuerClient,
  buildTerms,
  connect,
  deriveSettlementId,
  settleTrade,
  type KessaiAddresses,
} from "../../../packages/sdk/src/index.js";
import { ref } from "./fixture.js";
import {
  deployOverRpc,
  freePort,
  nodeKey,
  rpcProvider,
  startHardhatNode,
  type HardhatNode,
} from "./hardhat-node.js";
import { expectError } from "./helpers.js";

describe("sdk over HTTP against a separate `hardhat node`", function () {
  this.timeout(60_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;

  before(async function () {
    node = await startHardhatNode();
    provider = rpcProvider(node.url, 50);
    // deployer 0; issuer 1, bank 2 (seller 3 and buyer 4 connect below); agent 5 (unused)
    addresses = await deployOverRpc(provider, { deployer: 0, issuer: 1, bank: 2, agent: 5 });
  });
  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  it("deploys, connects by rpcUrl and settles trades concurrently", async function () {
    const issuer = await IssuerClient.connect({
      rpcUrl: node.url,
      privateKey: nodeKey(1),
      addresses,
    });
    const bank = await BankClient.connect({ rpcUrl: node.url, privateKey: nodeKey(2), addresses });
    const seller = await FirmClient.connect({
      rpcUrl: node.url,
      privateKey: nodeKey(3),
      addresses,
    });
    const buyer = await FirmClient.connect({ rpcUrl: node.url, privateKey: nodeKey(4), addresses });
    const investors = [
      { account: seller.address, investorRef: ref("s") },
      { account: buyer.address, investorRef: ref("b") },
    ];
    await issuer.registerInvestors({ investors });
    await bank.openDepositAccounts({
      accounts: [seller.address, buyer.address],
      depositAccountRefs: [ref("s-deposit"), ref("b-deposit")],
    });
    await issuer.issueSecurity({ to: seller.address, value: 100n });

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
    await bank.issueDeposit({
      account: buyer.address,
      amount: 1000n,
      bankReference: ref("http-fund"),
    });
    await buyer.approveDeposit({ amount: 1000n });
    await Promise.all(terms.map((t) => seller.createSettlement({ terms: t })));
    await Promise.all(terms.map((t) => buyer.settleSettlement({ terms: t })));
    expect((await buyer.getBalances()).security.balance).to.equal(10n);

    // the full workflow over HTTP, paying with a transfer authorization
    const t = buildTerms({ ...terms[0], id: ref("http-trade"), deadline: now + 7200n });
    const r = await settleTrade({
      seller,
      buyer,
      bank,
      terms: t,
      bankReference: ref("http-b"),
      redemptionRef: ref("http-r"),
      useAuthorization: true,
    });
    expect(r.state).to.equal("Settled");
    // close() destroys the providers connect() created from rpcUrl ...
    for (const c of [issuer, bank, seller, buyer]) {
      c.close();
      expect((c.ctx.provider as JsonRpcProvider).destroyed).to.equal(true);
    }
    // ... and leaves a provider passed in as runner to its owner
    const reader = await FirmClient.connect({ runner: provider, addresses });
    reader.close();
    expect(provider.destroyed).to.equal(false);
    expect((await reader.getBalances({ account: buyer.address })).security.balance).to.equal(11n);
  });

  it("refuses a malformed private key before creating a provider", async function () {
    for (const privateKey of ["0x1234", "not a key", "0x" + "00".repeat(32)]) {
      await expectError(
        connect({ rpcUrl: node.url, privateKey, addresses }),
        InvalidParameterError,
        { field: "privateKey", value: "<redacted>" },
      );
    }
  });

  it("connect to an unreachable node rejects with NetworkError and lets the process exit", async function () {
    this.timeout(30_000);
    // In a child process: before the fix its provider retried network detection every second
    // and the process never exited.
    const dir = await mkdtemp(path.join(tmpdir(), "kessai-unreachable-"));
    try {
      const sdk = pathToFileURL(
        path.join(process.cwd(), "packages", "sdk", "src", "index.ts"),
      ).href;
      const script = path.join(dir, "connect.mts");
      const a = "0x" + "11".repeat(20);
      await writeFile(
        script,
        `import { connect, NetworkError } from ${JSON.stringify(sdk)};\n` +
          `try {\n` +
          `  await connect({ rpcUrl: "http://127.0.0.1:${await freePort()}", addresses: ` +
          `{ securityToken: "${a}", depositToken: "${a}", dvp: "${a}" } });\n` +
          `  console.log("result: connected");\n` +
          `} catch (e) {\n` +
          `  console.log("result: " + (e instanceof NetworkError ? "NetworkError" : String(e)));\n` +
          `}\n`,
      );
      const child = spawn(process.execPath, ["--import", "tsx", script], {
        cwd: process.cwd(),
        stdio: ["ignore", "pipe", "ignore"],
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      clearTimeout(timer);
      expect(code, "the process did not exit by itself").to.equal(0);
      expect(out.split("\n").filter((l) => l.startsWith("result: "))).to.deep.equal([
        "result: NetworkError",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { existsSync, writeFileSync } from "node:fs";
import { ContractFactory, type BaseContract, type ContractTransaction } from "ethers";
import {
  contracts,
  parseAmount,
  toAddress,
  toKessaiError,
  withNonceQueue,
  type DeploymentFile,
} from "../../index.js";
import { BYTECODE } from "../generated/bytecode.js";
import { list, optional, str, type Values } from "../args.js";
import { CliUsageError } from "../errors.js";
import type { Command } from "../command.js";
import { kv, toJson } from "../output.js";

/** Roles granted like ignition/modules/Kessai.ts. */
const ST_ISSUER_ROLES = [
  "ISSUER_ROLE",
  "PAUSER_ROLE",
  "TRANSFER_APPROVER_ROLE",
  "FORCE_TRANSFER_ROLE",
  "FORCE_LOCK_ROLE",
  "FORCE_UNLOCK_ROLE",
  "FORCE_RELOCATE_ROLE",
] as const;
const DCJPY_BANK_ROLES = [
  "REGISTRAR_ROLE",
  "ISSUER_ROLE",
  "REDEEMER_ROLE",
  "FREEZER_ROLE",
  "PAUSER_ROLE",
] as const;

function text(values: Values, name: string, fallback: string): string {
  return str(values, name) ?? fallback;
}
function uint(values: Values, name: string, fallback: bigint, max?: bigint): bigint {
  const v = str(values, name);
  if (v === undefined) return fallback;
  return parseAmount(v, `--${name}`, { allowZero: true, max });
}

export const deployCommand: Command = {
  path: ["deploy"],
  summary: "deploy the investor register, the security token, DCJPY and the DVP; grant roles",
  usage: "[--issuer ADDR] [--bank ADDR] [--agent ADDR]... [--out FILE] [token options]",
  description:
    "Deploys, from the signer (the default admin of every contract): the issuer's investor\n" +
    "register, a straight bond (or --product share) consulting it, DCJPY (which keeps the bank's\n" +
    "account book itself) and the DVP listing both tokens. Grants, as ignition/modules/Kessai.ts\n" +
    "does: REGISTRAR_ROLE of the register and every issuer and enforcement role of the token to\n" +
    "--issuer; DCJPY's REGISTRAR, ISSUER, REDEEMER, FREEZER and PAUSER roles to --bank;\n" +
    "SETTLEMENT_AGENT_ROLE to each --agent; the DVP's PAUSER_ROLE to --pauser. Writes the\n" +
    "addresses JSON to --out " +
    "(default kessai-deployment.json; an existing file needs --force).",
  options: {
    issuer: {
      type: "string",
      arg: "ADDR",
      help: "ST issuer and investor registrar (default: the signer)",
    },
    bank: {
      type: "string",
      arg: "ADDR",
      help: "DCJPY bank: opens accounts, issues, redeems, freezes (default: the signer)",
    },
    agent: { type: "string", multiple: true, arg: "ADDR", help: "settlement agent" },
    pauser: { type: "string", arg: "ADDR", help: "DVP pauser (default: the signer)" },
    "admin-delay": {
      type: "string",
      arg: "SECONDS",
      help: "delay of the two-step admin handover (default 0)",
    },
    product: { type: "string", arg: "bond|share", help: "security token product (default bond)" },
    name: { type: "string", arg: "TEXT", help: "ST name" },
    symbol: { type: "string", arg: "TEXT", help: "ST symbol" },
    decimals: { type: "string", arg: "N", help: "ST decimals (default 0)" },
    "face-value": { type: "string", arg: "N", help: "bond face value (default 10000)" },
    "interest-rate": { type: "string", arg: "N", help: "bond interest rate (default 5000)" },
    "redemption-date": {
      type: "string",
      arg: "UNIX",
      help: "bond redemption date (default 1893456000)",
    },
    "redemption-value": { type: "string", arg: "N", help: "bond redemption value (default 10000)" },
    "issue-price": { type: "string", arg: "N", help: "share issue price (default 1000)" },
    "cash-name": { type: "string", arg: "TEXT", help: "DCJPY name (default DCJPY)" },
    "cash-symbol": { type: "string", arg: "TEXT", help: "DCJPY symbol (default DCJPY)" },
    "cash-decimals": {
      type: "string",
      arg: "N",
      help: "DCJPY decimals (default 0: one unit is one yen)",
    },
    out: { type: "string", arg: "FILE", help: "where to write the addresses JSON" },
    force: { type: "boolean", help: "overwrite --out if it exists" },
  },
  examples: [
    "kessai deploy --account 0 --issuer 0x7099…79C8 --bank 0x3C44…93BC --agent 0x9965…A4dc \\\n      --out kessai-deployment.json",
  ],
  async run(inv) {
    const v = inv.values;
    const product = text(v, "product", "bond");
    if (product !== "bond" && product !== "share")
      throw new CliUsageError(
        "--product",
        `--product must be bond or share: ${JSON.stringify(product)}`,
        product,
      );
    const [issuerFlag, bankFlag, pauserFlag] = ["issuer", "bank", "pauser"].map((k) =>
      optional(v, k, toAddress),
    );
    const agents = list(v, "agent").map((x) => toAddress(x, "--agent"));
    const adminDelay = uint(v, "admin-delay", 0n, (1n << 48n) - 1n);
    const decimals = uint(v, "decimals", 0n, 255n);
    const cashDecimals = uint(v, "cash-decimals", 0n, 255n);
    const bondTerms = {
      faceValue: uint(v, "face-value", 10_000n),
      faceValueCurrency: "JPY",
      interestRate: uint(v, "interest-rate", 5_000n),
      interestPaymentDates: ["0331", "0930"],
      redemptionDate: uint(v, "redemption-date", 1_893_456_000n, (1n << 64n) - 1n),
      redemptionValue: uint(v, "redemption-value", 10_000n),
      redemptionValueCurrency: "JPY",
    };
    const shareTerms = {
      issuePrice: uint(v, "issue-price", 1_000n),
      dividendPerUnit: 0n,
      dividendRecordDate: "",
      dividendPaymentDate: "",
      cancellationDate: "",
    };
    const out = text(v, "out", "kessai-deployment.json");
    if (existsSync(out) && v.force !== true)
      throw new CliUsageError(
        "--out",
        `${out} exists: pass --force to overwrite it, or another --out`,
        out,
      );

    const signer = withNonceQueue(await inv.requireSigner("deploy"));
    const provider = await inv.provider();
    const deployer = await signer.getAddress();
    const issuer = issuerFlag ?? deployer;
    const bank = bankFlag ?? deployer;
    const pauser = pauserFlag ?? deployer;
    const chainId = await inv.chainId();
    const startBlock = (await provider.getBlockNumber()) + 1;

    const deploy = async <T extends BaseContract>(
      label: string,
      name: keyof typeof BYTECODE,
      abi: ConstructorParameters<typeof ContractFactory>[0],
      args: unknown[],
    ): Promise<T> =>
      inv.progress.run(`deploying ${label}`, async () => {
        try {
          const c = await new ContractFactory(abi, BYTECODE[name], signer).deploy(...args);
          await c.waitForDeployment();
          return c as unknown as T;
        } catch (err) {
          throw toKessaiError(err, { action: `deploy ${label}`, sender: deployer });
        }
      });
    const call = (label: string, build: () => Promise<ContractTransaction>) =>
      inv.progress.run(label, async () => signer.engine.send(await build(), { action: label }));

    const securityRegistry = await deploy<
      ReturnType<typeof contracts.InvestorRegistry__factory.connect>
    >("investor register", "InvestorRegistry", contracts.InvestorRegistry__factory.abi, [
      adminDelay,
      deployer,
    ]);
    const securityRegistryAddress = await securityRegistry.getAddress();
    const token =
      product === "bond"
        ? await deploy<ReturnType<typeof contracts.StraightBondToken__factory.connect>>(
            "straight bond token",
            "StraightBondToken",
            contracts.StraightBondToken__factory.abi,
            [
              text(v, "name", "Kessai Digital Bond 2030"),
              text(v, "symbol", "KDB30"),
              decimals,
              securityRegistryAddress,
              deployer,
              adminDelay,
              bondTerms,
            ],
          )
        : await deploy<ReturnType<typeof contracts.ShareToken__factory.connect>>(
            "share token",
            "ShareToken",
            contracts.ShareToken__factory.abi,
            [
              text(v, "name", "Kessai Digital Share"),
              text(v, "symbol", "KDS"),
              decimals,
              securityRegistryAddress,
              deployer,
              adminDelay,
              shareTerms,
            ],
          );
    const dcjpy = await deploy<ReturnType<typeof contracts.DepositToken__factory.connect>>(
      "DCJPY",
      "DepositToken",
      contracts.DepositToken__factory.abi,
      [
        text(v, "cash-name", "DCJPY"),
        text(v, "cash-symbol", "DCJPY"),
        cashDecimals,
        deployer,
        adminDelay,
      ],
    );
    const dvp = await deploy<ReturnType<typeof contracts.DeliveryVersusPayment__factory.connect>>(
      "DVP",
      "DeliveryVersusPayment",
      contracts.DeliveryVersusPayment__factory.abi,
      [adminDelay, deployer],
    );
    const [tokenAddress, dcjpyAddress, dvpAddress] = await Promise.all([
      token.getAddress(),
      dcjpy.getAddress(),
      dvp.getAddress(),
    ]);

    const registrar = await securityRegistry.REGISTRAR_ROLE();
    await call("granting the investor registrar role", () =>
      securityRegistry.grantRole.populateTransaction(registrar, issuer),
    );
    for (const role of ST_ISSUER_ROLES) {
      const id = await token[role]();
      await call(`granting the token's ${role}`, () =>
        token.grantRole.populateTransaction(id, issuer),
      );
    }
    for (const role of DCJPY_BANK_ROLES) {
      const id = await dcjpy[role]();
      await call(`granting DCJPY's ${role}`, () => dcjpy.grantRole.populateTransaction(id, bank));
    }
    const agentRole = await dvp.SETTLEMENT_AGENT_ROLE();
    for (const agent of agents) {
      await call("granting SETTLEMENT_AGENT_ROLE", () =>
        dvp.grantRole.populateTransaction(agentRole, agent),
      );
    }
    const pauserRole = await dvp.PAUSER_ROLE();
    await call("granting the DVP's PAUSER_ROLE", () =>
      dvp.grantRole.populateTransaction(pauserRole, pauser),
    );
    await call("listing the security token", () =>
      dvp.setSecurityTokenListed.populateTransaction(tokenAddress, true),
    );
    await call("listing DCJPY", () =>
      dvp.setCashTokenListed.populateTransaction(dcjpyAddress, true),
    );

    const doc: DeploymentFile = {
      chainId: chainId.toString(),
      deployer,
      blockNumber: startBlock,
      securityTokenKind: product === "bond" ? "StraightBondToken" : "ShareToken",
      securityToken: tokenAddress,
      depositToken: dcjpyAddress,
      dvp: dvpAddress,
      securityRegistry: securityRegistryAddress,
      roles: { admin: deployer, issuer, bank, agents, pauser },
    };
    writeFileSync(out, toJson(doc) + "\n");
    return {
      json: { ...doc, file: out },
      human: [
        kv([
          ["chain", doc.chainId],
          ["security token", `${doc.securityToken} (${doc.securityTokenKind})`],
          ["DCJPY", doc.depositToken],
          ["DVP", doc.dvp],
          ["investor register", doc.securityRegistry],
          ["admin", deployer],
          ["issuer", issuer],
          ["bank", bank],
          ["agents", agents.length ? agents.join(", ") : "none"],
          ["pauser", pauser],
        ]),
        `wrote ${out}`,
      ].join("\n"),
    };
  },
};

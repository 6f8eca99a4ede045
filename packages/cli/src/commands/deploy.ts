import { existsSync, writeFileSync } from "node:fs";
import {
  ContractFactory,
  type BaseContract,
  type BaseContractMethod,
  type ContractTransaction,
} from "ethers";
import {
  DEPLOYMENT_DEFAULTS,
  KESSAI_ROLES,
  contracts,
  parseAmount,
  toAddress,
  toKessaiError,
  withNonceQueue,
  type DeploymentFile,
} from "@kessai/sdk";
import { BYTECODE } from "../generated/bytecode.js";
import { list, optional, str, type Values } from "../args.js";
import { CliUsageError } from "../errors.js";
import type { Command } from "../command.js";
import { kv, toJson } from "../output.js";

/** A contract that grants roles: its role getters by name, and `grantRole`. */
interface Grants {
  getFunction(name: string): BaseContractMethod;
  grantRole: { populateTransaction(role: string, account: string): Promise<ContractTransaction> };
}

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
    "account book itself) and the DVP listing both tokens. Grants the roles of the SDK's\n" +
    "KESSAI_ROLES, as the Ignition modules do: REGISTRAR_ROLE of the register and every issuer\n" +
    "and enforcement role of the token to --issuer; DCJPY's REGISTRAR, ISSUER, REDEEMER, FREEZER\n" +
    "and PAUSER roles to --bank; SETTLEMENT_AGENT_ROLE to each --agent; the DVP's PAUSER_ROLE to\n" +
    "--pauser. Token defaults: the SDK's DEPLOYMENT_DEFAULTS. Writes the addresses JSON to --out\n" +
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
    const D = DEPLOYMENT_DEFAULTS;
    const adminDelay = uint(v, "admin-delay", BigInt(D.adminDelay), (1n << 48n) - 1n);
    const decimals = uint(
      v,
      "decimals",
      BigInt(D[product === "bond" ? "straightBond" : "share"].decimals),
      255n,
    );
    const cashDecimals = uint(v, "cash-decimals", BigInt(D.depositToken.decimals), 255n);
    const bond = D.straightBond.terms;
    const bondTerms = {
      ...bond,
      faceValue: uint(v, "face-value", bond.faceValue),
      interestRate: uint(v, "interest-rate", bond.interestRate),
      interestPaymentDates: [...bond.interestPaymentDates],
      redemptionDate: uint(v, "redemption-date", bond.redemptionDate, (1n << 64n) - 1n),
      redemptionValue: uint(v, "redemption-value", bond.redemptionValue),
    };
    const shareTerms = {
      ...D.share.terms,
      issuePrice: uint(v, "issue-price", D.share.terms.issuePrice),
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
    const p =
      product === "bond"
        ? {
            label: "straight bond token",
            contract: "StraightBondToken" as const,
            abi: contracts.StraightBondToken__factory.abi,
            defaults: D.straightBond,
            terms: bondTerms,
          }
        : {
            label: "share token",
            contract: "ShareToken" as const,
            abi: contracts.ShareToken__factory.abi,
            defaults: D.share,
            terms: shareTerms,
          };
    const setup = {
      name: text(v, "name", p.defaults.name),
      symbol: text(v, "symbol", p.defaults.symbol),
      decimals,
      registry: securityRegistryAddress,
      admin: deployer,
      adminDelay,
    };
    const token = await deploy<BaseContract & Grants>(p.label, p.contract, p.abi, [setup, p.terms]);
    const dcjpy = await deploy<ReturnType<typeof contracts.DepositToken__factory.connect>>(
      "DCJPY",
      "DepositToken",
      contracts.DepositToken__factory.abi,
      [
        {
          name: text(v, "cash-name", D.depositToken.name),
          symbol: text(v, "cash-symbol", D.depositToken.symbol),
          decimals: cashDecimals,
          admin: deployer,
          adminDelay,
        },
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

    // The roles of KESSAI_ROLES, the list the Ignition modules grant too.
    const grant = async (name: string, c: Grants, roles: readonly string[], account: string) => {
      for (const role of roles) {
        const id = String(await c.getFunction(role).staticCall());
        await call(`granting ${name}'s ${role}`, () =>
          c.grantRole.populateTransaction(id, account),
        );
      }
    };
    await grant("the register", securityRegistry, KESSAI_ROLES.issuer.investorRegistry, issuer);
    await grant("the token", token, KESSAI_ROLES.issuer.securityToken, issuer);
    await grant("DCJPY", dcjpy, KESSAI_ROLES.bank.depositToken, bank);
    for (const agent of agents) await grant("the DVP", dvp, KESSAI_ROLES.agent.dvp, agent);
    await grant("the DVP", dvp, KESSAI_ROLES.pauser.dvp, pauser);
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

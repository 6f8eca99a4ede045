import {
  CashLedgerClient,
  CrossLedgerAttestationNotReadyError,
  StLedgerClient,
  buildCrossLedgerTerms,
  fetchCrossLedgerAttestation,
  getCrossLedgerStatus,
  parseAmount,
  parseInteger,
  parseUnixTime,
  toAddress,
  toRpcUrl,
  toSettlementId,
  type CrossLedgerTerms,
  type TxResult,
} from "@kessai/sdk";
import { str, type OptionSpecs } from "../args.js";
import type { Command } from "../command.js";
import { Invocation } from "../context.js";
import { CliNotFoundError, CliUsageError } from "../errors.js";
import { kv, timeText, txJson, txText } from "../output.js";
import { openTermsFile } from "../terms-file.js";

export const LEDGERS: OptionSpecs = {
  "st-rpc": {
    type: "string",
    arg: "URL",
    help: "JSON-RPC endpoint of the ST ledger (env KESSAI_ST_RPC_URL)",
  },
  "cash-rpc": {
    type: "string",
    arg: "URL",
    help: "JSON-RPC endpoint of the cash ledger (env KESSAI_CASH_RPC_URL)",
  },
};
const TERMS: OptionSpecs = {
  terms: {
    type: "string",
    arg: "FILE",
    help: "the two-ledger terms, JSON (integers as strings; see docs/cli.md)",
  },
};

const INT_FIELDS = new Set(["quantity", "amount"]);

/**
 * Reads a two-ledger terms file: the thirteen fields of `CrossLedgerTerms`, each parsed by the
 * SDK's validator under `<file>: terms.<field>` (quantity and amount as JSON strings of digits),
 * then checked together by `buildCrossLedgerTerms`.
 */
export function readCrossLedgerTerms(file: string): CrossLedgerTerms {
  const { field } = openTermsFile(file, INT_FIELDS);
  const chain = (v: string, name: string) => BigInt(parseInteger(v, name));
  return buildCrossLedgerTerms({
    id: field("id", toSettlementId),
    seller: field("seller", toAddress),
    buyer: field("buyer", toAddress),
    stChainId: field("stChainId", chain),
    stLedger: field("stLedger", toAddress),
    securityToken: field("securityToken", toAddress),
    quantity: field("quantity", parseAmount),
    cashChainId: field("cashChainId", chain),
    cashLedger: field("cashLedger", toAddress),
    cashToken: field("cashToken", toAddress),
    amount: field("amount", parseAmount),
    deadline: field("deadline", parseUnixTime),
    verifier: field("verifier", toAddress),
  });
}

/** The terms file of the command (required). */
function termsOf(inv: Invocation): CrossLedgerTerms {
  const file = str(inv.values, "terms");
  if (file === undefined || file === "")
    throw new CliUsageError("--terms", "--terms FILE is required");
  return readCrossLedgerTerms(file);
}

/** An Invocation on one ledger's endpoint, sharing the command's signer flags. */
export function ledger(inv: Invocation, which: "st" | "cash"): Invocation {
  const flag = `${which}-rpc`;
  const env = which === "st" ? "KESSAI_ST_RPC_URL" : "KESSAI_CASH_RPC_URL";
  const url = str(inv.values, flag) ?? inv.env[env];
  if (url === undefined || url === "")
    throw new CliUsageError(`--${flag}`, `--${flag} is required (or ${env})`);
  toRpcUrl(url, str(inv.values, flag) !== undefined ? `--${flag}` : env);
  return new Invocation({ ...inv.values, rpc: url }, inv.positionals, {
    ...inv.env,
    KESSAI_RPC_URL: url,
  });
}

/** Runs `fn` with the clients of the ledgers named, closing their providers afterwards. */
async function withLedgers<T>(
  inv: Invocation,
  terms: CrossLedgerTerms,
  need: { st?: "read" | "sign"; cash?: "read" | "sign" },
  what: string,
  fn: (c: { st?: StLedgerClient; cash?: CashLedgerClient }) => Promise<T>,
): Promise<T> {
  const opened: Invocation[] = [];
  try {
    const out: { st?: StLedgerClient; cash?: CashLedgerClient } = {};
    if (need.st) {
      const l = ledger(inv, "st");
      opened.push(l);
      const runner = need.st === "sign" ? await l.requireSigner(what) : await l.provider();
      out.st = await StLedgerClient.connect({
        runner,
        delivery: terms.stLedger,
        chainId: terms.stChainId,
      });
    }
    if (need.cash) {
      const l = ledger(inv, "cash");
      opened.push(l);
      const runner = need.cash === "sign" ? await l.requireSigner(what) : await l.provider();
      out.cash = await CashLedgerClient.connect({
        runner,
        payment: terms.cashLedger,
        chainId: terms.cashChainId,
      });
    }
    return await fn(out);
  } finally {
    for (const l of opened) await l.close();
  }
}

const tx = (verb: string, terms: CrossLedgerTerms, r: TxResult) => ({
  json: { id: terms.id, ...txJson(r) },
  human: `${verb} settlement ${terms.id} ${txText(r)}`,
});

const lockCommand: Command = {
  path: ["xledger", "lock"],
  summary: "step 1 on the ST ledger: the seller locks its units for a two-ledger settlement",
  usage: "--terms FILE --st-rpc URL (--key HEX | --account N) [--force]",
  description:
    "Calls securityToken.lock(CrossLedgerDelivery, quantity, abi.encode(terms)) as the seller.\n" +
    "Refused before sending: terms for another chain or contract, a signer that is not the\n" +
    "seller, a passed deadline, a buyer the token would refuse (unless --force).",
  options: {
    ...TERMS,
    ...LEDGERS,
    force: { type: "boolean", help: "lock even if the token would refuse the delivery now" },
  },
  examples: ["kessai xledger lock --terms trade.json --st-rpc http://127.0.0.1:8545 --key 0x…"],
  async run(inv) {
    const terms = termsOf(inv);
    return withLedgers(inv, terms, { st: "sign" }, "xledger lock", async ({ st }) => {
      const r = await st!.lock({ terms, force: inv.values.force === true });
      return tx(`locked ${terms.quantity} units for`, terms, r);
    });
  },
};

const instructCommand: Command = {
  path: ["xledger", "instruct"],
  summary: "step 4 on the cash ledger: the buyer commits DCJPY to a two-ledger settlement",
  usage: "--terms FILE --cash-rpc URL (--key HEX | --account N) [--authorization]",
  description:
    "Calls CrossLedgerPayment.instruct(terms) as the buyer (approving exactly the amount first\n" +
    "when the allowance is short), or with --authorization instructWithAuthorization with a DCJPY\n" +
    "transfer authorization the buyer signs for these terms only.",
  options: {
    ...TERMS,
    ...LEDGERS,
    authorization: {
      type: "boolean",
      help: "sign a transfer authorization instead of an allowance",
    },
  },
  examples: [
    "kessai xledger instruct --terms trade.json --cash-rpc http://127.0.0.1:8546 --key 0x…",
  ],
  async run(inv) {
    const terms = termsOf(inv);
    return withLedgers(inv, terms, { cash: "sign" }, "xledger instruct", async ({ cash }) => {
      const r =
        inv.values.authorization === true
          ? await cash!.instructWithAuthorization({ terms, authorization: true })
          : await cash!.instruct({ terms });
      return tx(`instructed ${terms.amount} DCJPY for`, terms, r);
    });
  },
};

const refundCommand: Command = {
  path: ["xledger", "refund"],
  summary: "after the deadline, anyone refunds an undecided instruction to the buyer",
  usage: "--terms FILE --cash-rpc URL (--key HEX | --account N)",
  options: { ...TERMS, ...LEDGERS },
  async run(inv) {
    const terms = termsOf(inv);
    return withLedgers(inv, terms, { cash: "sign" }, "xledger refund", async ({ cash }) =>
      tx(`refunded ${terms.amount} DCJPY of`, terms, await cash!.refund({ terms })),
    );
  },
};

/** `deliver` and `return`: present the attestation the verifier serves (or --attestation). */
function relayCommand(name: "deliver" | "return"): Command {
  const deliver = name === "deliver";
  return {
    path: ["xledger", name],
    summary: deliver
      ? "step 6 on a Paid outcome: anyone delivers the locked units to the buyer"
      : "step 6 on a Refunded outcome: anyone returns the locked units to the seller",
    usage:
      "--terms FILE --st-rpc URL (--verifier-url URL | --attestation HEX) (--key HEX | --account N)",
    description:
      `Calls CrossLedgerDelivery.${deliver ? "deliver" : "returnToSeller"}(terms, attestation) with the\n` +
      "verifier's attestation, fetched from the verifier service's\n" +
      "GET /settlements/<id>/attestation (it signs it once the cash ledger's outcome has its\n" +
      "confirmations), or given with --attestation.",
    options: {
      ...TERMS,
      ...LEDGERS,
      "verifier-url": {
        type: "string",
        arg: "URL",
        help: "the verifier service's HTTP endpoint (env KESSAI_VERIFIER_URL)",
      },
      attestation: { type: "string", arg: "HEX", help: "the verifier's attestation" },
    },
    async run(inv) {
      const terms = termsOf(inv);
      const given = str(inv.values, "attestation");
      const verifierUrl = str(inv.values, "verifier-url") ?? inv.env.KESSAI_VERIFIER_URL;
      if (given === undefined && verifierUrl === undefined)
        throw new CliUsageError(
          "--verifier-url",
          "give --verifier-url URL (or KESSAI_VERIFIER_URL) or --attestation HEX",
        );
      if (given === undefined)
        toRpcUrl(
          verifierUrl!,
          str(inv.values, "verifier-url") !== undefined ? "--verifier-url" : "KESSAI_VERIFIER_URL",
        );
      return withLedgers(inv, terms, { st: "sign" }, `xledger ${name}`, async ({ st }) => {
        let attestation = given;
        if (attestation === undefined) {
          const want = deliver ? "Paid" : "Refunded";
          let o;
          try {
            o = await fetchCrossLedgerAttestation({ verifierUrl: verifierUrl!, terms });
          } catch (e) {
            if (e instanceof CrossLedgerAttestationNotReadyError)
              throw new CliNotFoundError(
                `no attestation of settlement ${terms.id} from the verifier yet: ${e.reason}`,
              );
            throw e;
          }
          if (o.outcome !== want)
            throw new CliNotFoundError(
              `no ${want} attestation of settlement ${terms.id}: the verifier attests ${o.outcome}`,
            );
          attestation = o.attestation;
        }
        const r = deliver
          ? await st!.deliver({ terms, attestation })
          : await st!.returnToSeller({ terms, attestation });
        return tx(deliver ? "delivered" : "returned the units of", terms, r);
      });
    },
  };
}

const statusCommand: Command = {
  path: ["xledger", "status"],
  summary: "where a two-ledger settlement stands, from both ledgers",
  usage: "--terms FILE --st-rpc URL --cash-rpc URL",
  options: { ...TERMS, ...LEDGERS },
  async run(inv) {
    const terms = termsOf(inv);
    return withLedgers(inv, terms, { st: "read", cash: "read" }, "", async ({ st, cash }) => {
      const s = await getCrossLedgerStatus(st!.ctx, cash!.ctx, { terms });
      return {
        json: {
          id: s.id,
          status: s.status,
          final: s.final,
          st: s.st,
          cash: s.cash,
          deadline: terms.deadline,
          deadlinePassed: s.deadlinePassed,
        },
        human: kv([
          ["settlement", s.id],
          ["status", s.status],
          ["final", s.final],
          ["ST ledger", `${s.st.state} (chain ${terms.stChainId}, ${terms.stLedger})`],
          [
            "cash ledger",
            `${s.cash.state}${s.cash.transferPending ? ", transfer pending" : ""} (chain ${terms.cashChainId}, ${terms.cashLedger})`,
          ],
          ["deadline", `${timeText(terms.deadline)}${s.deadlinePassed ? ", passed" : ""}`],
        ]),
      };
    });
  },
};

export const xledgerCommands: Command[] = [
  lockCommand,
  instructCommand,
  statusCommand,
  refundCommand,
  relayCommand("deliver"),
  relayCommand("return"),
];

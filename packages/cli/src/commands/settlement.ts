import { writeFileSync } from "node:fs";
import { ZeroAddress } from "ethers";
import * as a from "@kessai/sdk";
import {
  SETTLEMENT_STATE_NAMES,
  buildTerms,
  deriveSettlementId,
  parseAmount,
  parseInteger,
  parseUnixTime,
  toAddress,
  toBankReference,
  toSettlementId,
  type SettlementStateName,
  type SettlementTerms,
} from "@kessai/sdk";
import { need, list, optional, parseTime, str, type OptionSpecs } from "../args.js";
import { CliNotFoundError, CliUsageError } from "../errors.js";
import type { Command } from "../command.js";
import type { Invocation } from "../context.js";
import { fmt, kv, table, timeText, toJson, txJson, txText } from "../output.js";
import { openTermsFile } from "../terms-file.js";

/**
 * The trade as both firms know it: what `id derive` takes, and the terms flags that derive the ID
 * (venue, trade ID and date) or state the economics.
 */
export const TRADE_FLAGS: OptionSpecs = {
  venue: {
    type: "string",
    arg: "TEXT",
    help: "trading venue, as both firms spell it (e.g. PTS, OTC); with --trade-id, --trade-date it derives the ID",
  },
  "trade-id": { type: "string", arg: "TEXT", help: "the venue's trade identifier" },
  "trade-date": { type: "string", arg: "DATE", help: "trade date, YYYY-MM-DD or YYYYMMDD" },
  seller: { type: "string", arg: "ADDR", help: "seller (create: default the signer)" },
  buyer: { type: "string", arg: "ADDR", help: "buyer" },
  quantity: { type: "string", arg: "N", help: "ST units delivered" },
  amount: { type: "string", arg: "N", help: "DCJPY paid (base units)" },
};

/** Flags that give the terms one by one (mutually exclusive with --terms). */
const TERM_FLAGS: OptionSpecs = {
  id: { type: "string", arg: "ID", help: "settlement ID (bytes32 hex)" },
  ...TRADE_FLAGS,
  "cash-token": {
    type: "string",
    arg: "ADDR",
    help: "cash token (default: the deployment's DCJPY)",
  },
  deadline: {
    type: "string",
    arg: "TIME",
    help: "last settlement time: unix seconds, +N[s|m|h|d] or ISO date-time (create: default +1d)",
  },
  agent: {
    type: "string",
    arg: "ADDR",
    help: "settlement agent whose approval is required (default none)",
  },
};
const TERMS_FILE: OptionSpecs = {
  terms: {
    type: "string",
    arg: "FILE",
    help: "terms JSON, as printed by `settlement create` (or a document with a `terms` field)",
  },
};
const TERMS_OPTIONS: OptionSpecs = { ...TERMS_FILE, ...TERM_FLAGS };

const TERMS_HELP =
  "The terms come from --terms FILE (the JSON `settlement create` prints) or from the flags;\n" +
  "the security token is the deployment's (or --security-token). The ID is --id, or derived\n" +
  "from --venue, --trade-id and --trade-date with the parties, token, quantity and amount\n" +
  "(see `kessai id derive`).";

/** The terms as JSON-friendly strings (what `create` prints and `--terms` reads). */
export function termsJson(t: SettlementTerms) {
  return {
    id: t.id,
    seller: t.seller,
    buyer: t.buyer,
    securityToken: t.securityToken,
    quantity: t.quantity.toString(),
    cashToken: t.cashToken,
    amount: t.amount.toString(),
    deadline: t.deadline.toString(),
    agent: t.agent,
  };
}

function hasTermFlags(inv: Invocation): string[] {
  return Object.keys(TERM_FLAGS).filter((k) => inv.values[k] !== undefined);
}

/** Terms fields in base units: strings only in a terms file (see openTermsFile). */
const AMOUNT_FIELDS = new Set(["quantity", "amount"]);

function readTermsFile(file: string): SettlementTerms {
  const { raw: t, field } = openTermsFile(file, AMOUNT_FIELDS);
  return buildTerms({
    id: field("id", toSettlementId),
    seller: field("seller", toAddress),
    buyer: field("buyer", toAddress),
    securityToken: field("securityToken", toAddress),
    quantity: field("quantity", parseAmount),
    cashToken: field("cashToken", toAddress),
    amount: field("amount", parseAmount),
    deadline: field("deadline", parseUnixTime),
    agent:
      t.agent === undefined
        ? ZeroAddress
        : field("agent", (v, name) => toAddress(v, name, { allowZero: true })),
  });
}

/**
 * The terms of the command: from --terms or the flags (validated by the SDK's buildTerms before
 * anything is sent). `create` defaults the seller to the signer and the deadline to +1d.
 */
async function termsFrom(
  inv: Invocation,
  opts: { create?: boolean } = {},
): Promise<SettlementTerms> {
  const file = str(inv.values, "terms");
  const flags = hasTermFlags(inv);
  if (file !== undefined) {
    if (flags.length) {
      throw new CliUsageError(
        "--terms",
        `give the terms either with --terms or with flags, not both (--${flags.join(", --")})`,
      );
    }
    return readTermsFile(file);
  }
  if (flags.length === 0)
    throw new CliUsageError(
      "--terms",
      "no terms: pass --terms FILE or the term flags (see --help)",
    );
  const addresses = await inv.addresses();
  const v = inv.values;
  let seller = optional(v, "seller", toAddress);
  if (seller === undefined && opts.create) {
    inv.signerChoice();
    seller = await inv.signerAddress();
    if (!seller)
      throw new CliUsageError("--seller", "--seller is required (or sign as the seller)");
  } else if (seller === undefined) throw new CliUsageError("--seller", "--seller is required");
  const buyer = toAddress(need(v, "buyer"), "--buyer");
  if (!addresses.securityToken) {
    throw new CliUsageError(
      "--security-token",
      "no security token: pass --deployment FILE or --security-token ADDR",
    );
  }
  const securityToken = addresses.securityToken;
  const cashToken = optional(v, "cash-token", toAddress) ?? addresses.depositToken;
  if (!cashToken) {
    throw new CliUsageError(
      "--cash-token",
      "no cash token: pass --deployment FILE or --cash-token ADDR",
    );
  }
  const quantity = parseAmount(need(v, "quantity"), "--quantity");
  const amount = parseAmount(need(v, "amount"), "--amount");
  const agent = optional(v, "agent", (x, f) => toAddress(x, f, { allowZero: true })) ?? ZeroAddress;
  const dl = str(v, "deadline") ?? (opts.create ? "+1d" : undefined);
  if (dl === undefined) {
    throw new CliUsageError("--deadline", "--deadline is required (unix seconds, as created)");
  }
  const deadlineAt = parseTime(dl, "--deadline", () => inv.now());
  let id: string;
  const idFlag = str(v, "id");
  const venue = str(v, "venue");
  if (idFlag !== undefined) {
    if (venue !== undefined)
      throw new CliUsageError("--id", "give either --id or --venue/--trade-id/--trade-date");
    id = toSettlementId(idFlag, "--id");
  } else if (venue !== undefined) {
    id = deriveId(inv, { seller, buyer, securityToken, quantity, amount });
  } else
    throw new CliUsageError(
      "--id",
      "--id is required (or --venue, --trade-id and --trade-date to derive it)",
    );
  return buildTerms({
    id,
    seller,
    buyer,
    securityToken,
    quantity,
    cashToken,
    amount,
    deadline: await deadlineAt(),
    agent,
  });
}

/** The ID derived from --venue, --trade-id, --trade-date and the trade's economics. */
export function deriveId(
  inv: Invocation,
  t: { seller: string; buyer: string; securityToken: string; quantity: bigint; amount: bigint },
): string {
  return deriveSettlementId({
    venue: need(inv.values, "venue"),
    tradeId: need(inv.values, "trade-id"),
    tradeDate: need(inv.values, "trade-date"),
    ...t,
  });
}

/** Terms from --terms / flags, or (where allowed) read from the chain by --id alone. */
async function termsOrById(inv: Invocation): Promise<SettlementTerms> {
  const flags = hasTermFlags(inv);
  if (str(inv.values, "terms") === undefined && flags.length === 1 && flags[0] === "id") {
    const id = toSettlementId(need(inv.values, "id"), "--id");
    const ctx = await inv.chain();
    const s = await a.getSettlement(ctx, { id, fromBlock: await inv.scanFrom() });
    if (!s.terms) throw new CliNotFoundError(`settlement ${id} not found`);
    return s.terms;
  }
  return termsFrom(inv);
}

const txCommand = (
  name: string,
  summary: string,
  extra: Partial<Command> & {
    act: (
      inv: Invocation,
      terms: SettlementTerms,
    ) => Promise<{ json: object; human: string; exitCode?: number; errorLine?: string }>;
    byId?: boolean;
  },
): Command => ({
  path: ["settlement", name],
  summary,
  usage:
    extra.usage ??
    (extra.byId ? "--terms FILE | --id ID | <term flags>" : "--terms FILE | <term flags>"),
  description:
    (extra.description ? extra.description + "\n\n" : "") +
    TERMS_HELP +
    (extra.byId ? "\nWith --id alone, the terms are read from the SettlementCreated event." : ""),
  options: { ...TERMS_OPTIONS, ...(extra.options ?? {}) },
  examples: extra.examples,
  async run(inv) {
    const terms = extra.byId ? await termsOrById(inv) : await termsFrom(inv);
    return extra.act(inv, terms);
  },
});

/** The --reason flag: a reason code (bytes32 hex or short text; zero allowed). */
function reasonFlag(inv: Invocation): string | undefined {
  return optional(inv.values, "reason", (v, f) => toBankReference(v, f, { allowZero: true }));
}

function stateNames(inv: Invocation): SettlementStateName[] | undefined {
  const raw = list(inv.values, "state");
  if (raw.length === 0) return undefined;
  return raw.map((s) => {
    const found = SETTLEMENT_STATE_NAMES.find((n) => n.toLowerCase() === s.toLowerCase());
    if (!found) {
      throw new CliUsageError(
        "--state",
        `--state ${s} is not one of ${SETTLEMENT_STATE_NAMES.join(", ")}`,
        s,
      );
    }
    return found;
  });
}

export const settlementCommands: Command[] = [
  {
    path: ["settlement", "create"],
    summary: "seller: lock the ST to the DVP with the terms (step 1)",
    usage:
      "--buyer ADDR --quantity N --amount N (--id ID | --venue V --trade-id T --trade-date D) [--deadline TIME] [--agent ADDR] [--out FILE]",
    description:
      "Prints the terms JSON on stdout (a confirmation goes to stderr): hand it to the buyer,\n" +
      "who affirms with `--terms FILE`. --out FILE also writes it to FILE.\n\n" +
      "Before locking it checks that the trade could settle: the security token's canTransfer\n" +
      "(seller, buyer, quantity) and the DCJPY accounts of both firms (open, not frozen); a\n" +
      "refusal is one line naming the reason, exit 1, nothing locked. --force locks anyway.\n\n" +
      TERMS_HELP,
    options: {
      ...TERMS_OPTIONS,
      out: { type: "string", arg: "FILE", help: "also write the terms JSON to FILE" },
      force: {
        type: "boolean",
        help: "lock even if the trade could not settle now (buyer not eligible, a DCJPY account not open or frozen)",
      },
    },
    examples: [
      "kessai settlement create --venue PTS --trade-id T-1 --trade-date 2026-11-25 \\\n      --buyer 0x15d3…6A65 --quantity 100 --amount 500000 --deadline +2h --out trade.json --account 3",
    ],
    async run(inv) {
      await inv.requireSigner("settlement create");
      const terms = await termsFrom(inv, { create: true });
      const out = str(inv.values, "out");
      const ctx = await inv.chain();
      const r = await inv.progress.run(
        `locking ${terms.quantity} ST for settlement ${terms.id}`,
        () => a.createSettlement(ctx, { terms, force: inv.values.force === true }),
      );
      const tj = termsJson(terms);
      if (out) writeFileSync(out, toJson(tj) + "\n");
      if (!inv.json) {
        inv.io.err(
          `created settlement ${terms.id} ${txText(r)}${out ? `; terms written to ${out}` : ""}\n`,
        );
      }
      return {
        json: { action: "settlement.create", id: terms.id, terms: tj, ...txJson(r) },
        human: toJson(tj),
      };
    },
  },
  txCommand("affirm", "buyer: affirm the exact terms (step 2)", {
    options: {
      signature: {
        type: "string",
        arg: "SIG",
        help: "submit the buyer's EIP-712 signature instead (anyone may)",
      },
      "sign-only": {
        type: "boolean",
        help: "only sign the affirmation and print the signature (no transaction)",
      },
    },
    async act(inv, terms) {
      await inv.requireSigner("settlement affirm");
      const ctx = await inv.chain();
      if (inv.values["sign-only"]) {
        const signature = await a.signAffirmation(ctx, { terms });
        return { json: { id: terms.id, signature }, human: signature };
      }
      const signature = str(inv.values, "signature");
      const r = await inv.progress.run(`affirming ${terms.id}`, () =>
        a.affirmSettlement(ctx, { terms, signature }),
      );
      return {
        json: { action: "settlement.affirm", id: terms.id, ...txJson(r) },
        human: `affirmed ${terms.id} ${txText(r)}`,
      };
    },
  }),
  txCommand("approve", "agent: approve the settlement (step 5)", {
    options: {
      signature: {
        type: "string",
        arg: "SIG",
        help: "submit the agent's EIP-712 signature instead (anyone may)",
      },
      "sign-only": {
        type: "boolean",
        help: "only sign the approval and print the signature (no transaction)",
      },
    },
    async act(inv, terms) {
      await inv.requireSigner("settlement approve");
      const ctx = await inv.chain();
      if (inv.values["sign-only"]) {
        const signature = await a.signApproval(ctx, { terms });
        return { json: { id: terms.id, signature }, human: signature };
      }
      const signature = str(inv.values, "signature");
      const r = await inv.progress.run(`approving ${terms.id}`, () =>
        a.approveSettlement(ctx, { terms, signature }),
      );
      return {
        json: { action: "settlement.approve", id: terms.id, ...txJson(r) },
        human: `approved ${terms.id} ${txText(r)}`,
      };
    },
  }),
  txCommand("settle", "both legs in one transaction (steps 4-6)", {
    description:
      "The buyer (or anyone once affirmed) settles. With --authorization the signer (the buyer)\n" +
      "signs a DCJPY transfer authorization for exactly this settlement (the amount to the\n" +
      "seller, executable only by the DVP, valid until the deadline) and settles with it in one\n" +
      "transaction; without it the DVP needs an allowance (`kessai dcjpy approve`).",
    options: {
      authorization: {
        type: "boolean",
        help: "pay with a transfer authorization signed for this settlement",
      },
    },
    async act(inv, terms) {
      await inv.requireSigner("settlement settle");
      const ctx = await inv.chain();
      const authorization = inv.values.authorization === true ? (true as const) : undefined;
      const r = await inv.progress.run(`settling ${terms.id}`, () =>
        a.settleSettlement(ctx, { terms, authorization }),
      );
      // a settlement that cannot settle reverts (exit 1 with the contract's error line)
      const json = { action: "settlement.settle", id: terms.id, settled: r.settled, ...txJson(r) };
      return {
        json,
        human: `settled ${terms.id}: ${terms.quantity} ST to ${terms.buyer}, ${terms.amount} DCJPY to ${terms.seller} ${txText(r)}`,
      };
    },
  }),
  txCommand("cancel", "seller or buyer: cancel (both must, once affirmed)", {
    byId: true,
    async act(inv, terms) {
      await inv.requireSigner("settlement cancel");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`cancelling ${terms.id}`, () =>
        a.cancelSettlement(ctx, { terms }),
      );
      return {
        json: { action: "settlement.cancel", id: terms.id, cancelled: r.cancelled, ...txJson(r) },
        human: r.cancelled
          ? `cancelled ${terms.id}; the seller's units were released ${txText(r)}`
          : `recorded cancel consent for ${terms.id}; the other party must cancel too ${txText(r)}`,
      };
    },
  }),
  txCommand("reclaim", "anyone, after the deadline: release the seller's units", {
    byId: true,
    async act(inv, terms) {
      await inv.requireSigner("settlement reclaim");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`reclaiming ${terms.id}`, () =>
        a.reclaimSettlement(ctx, { terms }),
      );
      return {
        json: { action: "settlement.reclaim", id: terms.id, ...txJson(r) },
        human: `reclaimed ${terms.id}; the seller's units were released ${txText(r)}`,
      };
    },
  }),
  txCommand("reject", "agent: reject; the seller's units are released", {
    byId: true,
    options: {
      reason: { type: "string", arg: "REASON", help: "reason code (bytes32 hex or short text)" },
    },
    async act(inv, terms) {
      const reason = reasonFlag(inv);
      await inv.requireSigner("settlement reject");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`rejecting ${terms.id}`, () =>
        a.rejectSettlement(ctx, { terms, reason }),
      );
      return {
        json: { action: "settlement.reject", id: terms.id, reason, ...txJson(r) },
        human: `rejected ${terms.id}; the seller's units were released ${txText(r)}`,
      };
    },
  }),
  txCommand("terminate", "issuer: end one open settlement; exactly its units go back", {
    byId: true,
    options: {
      reason: { type: "string", arg: "REASON", help: "reason code (bytes32 hex or short text)" },
    },
    async act(inv, terms) {
      const reason = reasonFlag(inv);
      await inv.requireSigner("settlement terminate");
      const ctx = await inv.chain();
      const r = await inv.progress.run(`terminating ${terms.id}`, () =>
        a.terminateSettlement(ctx, { terms, reason }),
      );
      return {
        json: { action: "settlement.terminate", id: terms.id, reason, ...txJson(r) },
        human: `terminated ${terms.id} (now Failed); the seller's units were released ${txText(r)}`,
      };
    },
  }),
  {
    path: ["settlement", "show"],
    summary: "a settlement's state and terms",
    usage: "--id ID | --terms FILE",
    description:
      "With --terms, also checks the file's terms against the stored commitment.\n" +
      "An open settlement (Pending, Affirmed) past its deadline is shown as reclaimable: anyone\n" +
      "may then run `settlement reclaim`. Now is the later of the wall clock and the latest block.\n" +
      "An unknown ID is an error (exit 1).",
    options: {
      id: TERM_FLAGS.id,
      ...TERMS_FILE,
      "from-block": { type: "string", arg: "N", help: "where to look for the creation event" },
    },
    async run(inv) {
      const file = str(inv.values, "terms");
      const idFlag = str(inv.values, "id");
      if ((file === undefined) === (idFlag === undefined))
        throw new CliUsageError("--id", "give --id or --terms");
      const fileTerms = file !== undefined ? readTermsFile(file) : undefined;
      const id = fileTerms ? fileTerms.id : toSettlementId(idFlag!, "--id");
      const fromBlock = await inv.scanFrom(optional(inv.values, "from-block", parseInteger));
      const ctx = await inv.chain();
      const s = await a.getSettlement(ctx, { id, fromBlock });
      if (s.state === "None" && !s.terms) throw new CliNotFoundError(`settlement ${id} not found`);
      const termsMatch = fileTerms
        ? (await a.verifyTerms(ctx, { terms: fileTerms })).matchesCommitment
        : undefined;
      const t = s.terms;
      // An open settlement past its deadline can be reclaimed by anyone (the DVP checks the
      // block time; the next block carries at least the wall clock's time).
      const now = await inv.now();
      const open = s.state === "Pending" || s.state === "Affirmed";
      const deadlinePassed = t ? now > t.deadline : undefined;
      const reclaimable = open && deadlinePassed === true;
      return {
        json: {
          ...s,
          terms: t ? termsJson(t) : undefined,
          termsMatch,
          deadlinePassed,
          reclaimable,
        },
        human: kv([
          ["id", s.id],
          ["state", s.state],
          ["seller", t?.seller],
          ["buyer", t?.buyer],
          ["securityToken", t?.securityToken],
          ["quantity", t?.quantity],
          ["cashToken", t?.cashToken],
          ["amount", t?.amount],
          [
            "deadline",
            t ? `${timeText(t.deadline)}${deadlinePassed ? ", passed" : ""}` : undefined,
          ],
          ["agent", t && t.agent !== ZeroAddress ? t.agent : "none"],
          ["agentApproved", s.agentApproved],
          [
            "cancel consent",
            `seller ${fmt(s.sellerCancelConsent)}, buyer ${fmt(s.buyerCancelConsent)}`,
          ],
          [
            "created",
            s.createdBlock !== undefined ? `block ${s.createdBlock}, tx ${s.createdTx}` : "-",
          ],
          ...(termsMatch === undefined
            ? []
            : ([["terms match", termsMatch]] as [string, unknown][])),
          ...(reclaimable
            ? ([
                [
                  "reclaimable",
                  `yes: open past its deadline, anyone may release the seller's units (kessai settlement reclaim --id ${s.id})`,
                ],
              ] as [string, unknown][])
            : []),
        ]),
      };
    },
  },
  {
    path: ["settlement", "list"],
    summary: "settlements created in a block range, filtered by state and party",
    usage:
      "[--state S[,S]] [--party ADDR] [--seller ADDR] [--buyer ADDR] [--from-block N] [--to-block N]",
    description: `States: ${SETTLEMENT_STATE_NAMES.join(", ")}.`,
    options: {
      state: {
        type: "string",
        multiple: true,
        arg: "STATE",
        help: "keep only these current states (comma list)",
      },
      party: { type: "string", arg: "ADDR", help: "seller or buyer" },
      seller: { type: "string", arg: "ADDR", help: "seller" },
      buyer: { type: "string", arg: "ADDR", help: "buyer" },
      "from-block": {
        type: "string",
        arg: "N",
        help: "first creation block (default: the deployment's)",
      },
      "to-block": { type: "string", arg: "N", help: "last creation block (default: latest)" },
    },
    examples: ["kessai settlement list --state Pending,Affirmed --party 0x90F7…b906"],
    async run(inv) {
      const state = stateNames(inv);
      const [party, seller, buyer] = ["party", "seller", "buyer"].map((k) =>
        optional(inv.values, k, toAddress),
      );
      const toBlock = optional(inv.values, "to-block", parseInteger);
      const fromBlock = await inv.scanFrom(optional(inv.values, "from-block", parseInteger));
      const ctx = await inv.chain();
      const items = await a.listSettlements(ctx, {
        state,
        party,
        seller,
        buyer,
        fromBlock,
        toBlock,
      });
      return {
        json: items.map((s) => ({ ...s, terms: s.terms ? termsJson(s.terms) : undefined })),
        human: items.length
          ? table(
              ["ID", "STATE", "SELLER", "BUYER", "QUANTITY", "AMOUNT", "DEADLINE"],
              items.map((s) => [
                s.id,
                s.state,
                s.terms?.seller ?? "-",
                s.terms?.buyer ?? "-",
                fmt(s.terms?.quantity),
                fmt(s.terms?.amount),
                s.terms ? new Date(Number(s.terms.deadline) * 1000).toISOString() : "-",
              ]),
            )
          : "no settlements",
      };
    },
  },
];

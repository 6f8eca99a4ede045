#!/usr/bin/env node
/**
 * `kessai`: the operators' command line over the SDK (ethers + @kessai/sdk, no Hardhat).
 * `kessai --help` lists the commands; docs/cli.md has examples.
 *
 * Exit status: 0 success, 1 chain or contract error (including "not found", failed
 * reconciliation and an unreachable node), 2 bad input, usage or configuration (nothing was sent).
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  ConfigurationError,
  ContractError,
  GatewayRequestError,
  InputError,
  KessaiError,
} from "@kessai/sdk";
import { GLOBAL_OPTIONS, describeOptions, type OptionSpecs, type Values } from "./args.js";
import type { Command } from "./command.js";
import { accountCommands } from "./commands/account.js";
import { accountsCommand } from "./commands/accounts.js";
import { dcjpyCommands } from "./commands/dcjpy.js";
import { deployCommand } from "./commands/deploy.js";
import { gatewayCommands } from "./commands/gateway.js";
import { idCommand } from "./commands/id.js";
import { investorCommands } from "./commands/investor.js";
import { reconcileCommand } from "./commands/reconcile.js";
import { settlementCommands } from "./commands/settlement.js";
import { stCommands } from "./commands/st.js";
import { tradesCommands } from "./commands/trades.js";
import { verifierResyncCommand, verifierStartCommand } from "./commands/verifier.js";
import { watchCommand } from "./commands/watch.js";
import { xledgerCommands } from "./commands/xledger.js";
import { Invocation, PROCESS_STREAMS, type Streams } from "./context.js";
import { CliUsageError } from "./errors.js";
import { toJson } from "./output.js";

export const COMMANDS: Command[] = [
  deployCommand,
  ...investorCommands,
  ...accountCommands,
  ...stCommands,
  ...dcjpyCommands,
  ...settlementCommands,
  ...tradesCommands,
  watchCommand,
  reconcileCommand,
  idCommand,
  accountsCommand,
  ...gatewayCommands,
  verifierStartCommand,
  verifierResyncCommand,
  ...xledgerCommands,
];

const GROUPS: Record<string, string> = {
  investor: "the issuer's investor register (security token eligibility)",
  account: "DCJPY accounts: the bank's account book",
  st: "the security token",
  dcjpy: "DCJPY, the bank's deposit token",
  settlement: "DVP settlements",
  id: "settlement IDs",
  gateway: "the bank gateway: the deposit ledger behind steps 3 and 7",
  trades: "a day's executed trades from a market: validate, settle in bulk, report",
  verifier: "the two-ledger verifier service",
  xledger: "two-ledger settlements: the ST on one chain, DCJPY on another",
};

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function commandList(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length)) + 2;
  return commands.map((c) => `  ${c.path.join(" ").padEnd(width)}${c.summary}`).join("\n");
}

function topHelp(): string {
  return [
    `kessai ${version()}: delivery-versus-payment of security tokens against DCJPY, from the shell`,
    "",
    "Usage: kessai [global options] <command> [options]",
    "",
    "Commands:",
    commandList(COMMANDS),
    "",
    "Global options (accepted by every command):",
    describeOptions({ ...GLOBAL_OPTIONS, version: { type: "boolean", help: "print the version" } }),
    "",
    "Environment: KESSAI_RPC_URL, KESSAI_PRIVATE_KEY, KESSAI_DEPLOYMENT.",
    "Amounts are integers in base units. Progress goes to stderr when it is a terminal.",
    "Exit status: 0 ok; 1 chain or contract error, not found, reconciliation mismatch,",
    "unreachable node; 2 bad input, usage or configuration (a malformed --rpc, a deployment",
    "file for another chain, addresses that do not hold their contracts): nothing sent.",
    "Errors are one line on stderr: `kessai: <message>`.",
    "",
    "Run `kessai <command> --help` for a command's options.",
  ].join("\n");
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.path[0] === group);
  return [
    `Usage: kessai ${group} <${cmds.map((c) => c.path[1]).join("|")}> [options]`,
    "",
    `Commands for ${GROUPS[group] ?? group}:`,
    commandList(cmds),
    "",
    `Run \`kessai ${group} <command> --help\` for its options.`,
  ].join("\n");
}

function commandHelp(c: Command): string {
  return [
    `Usage: kessai ${c.path.join(" ")}${c.usage ? ` ${c.usage}` : ""} [global options]`,
    "",
    c.summary.charAt(0).toUpperCase() + c.summary.slice(1) + ".",
    ...(c.description ? ["", c.description] : []),
    ...(Object.keys(c.options).length ? ["", "Options:", describeOptions(c.options)] : []),
    "",
    "Global options:",
    describeOptions(GLOBAL_OPTIONS),
    ...(c.examples?.length ? ["", "Examples:", ...c.examples.map((e) => `  ${e}`)] : []),
  ].join("\n");
}

/** Where the command words are in argv (global options may come first). */
function findWords(argv: string[]): { words: string[]; indexes: number[] } {
  const words: string[] = [];
  const indexes: number[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const t = argv[i];
    if (t === "--") break;
    if (t.startsWith("-")) {
      const name = t.replace(/^--?/, "").split("=")[0];
      const spec = GLOBAL_OPTIONS[name];
      if (spec?.type === "string" && !t.includes("=")) i++;
      if (!spec && words.length > 0) break; // a command option: the words are over
      continue;
    }
    words.push(t);
    indexes.push(i);
    if (words.length === 1 && COMMANDS.some((c) => c.path.length === 1 && c.path[0] === t)) break;
  }
  return { words, indexes };
}

/**
 * `--amount -5` as `--amount=-5`: a string option's value that starts with a dash (and is not
 * itself an option) is the value, so it reaches the option's own validation and its one-line
 * error instead of parseArgs' "argument is ambiguous".
 */
function joinDashValues(argv: string[], specs: OptionSpecs): string[] {
  const isOption = (t: string) => {
    const m = /^--([^=]+)/.exec(t) ?? /^-([a-zA-Z])$/.exec(t);
    if (!m) return false;
    return m[0].startsWith("--")
      ? specs[m[1]] !== undefined
      : Object.values(specs).some((s) => s.short === m[1]);
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    const next = argv[i + 1];
    if (t === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const name = /^--([^=]+)$/.exec(t)?.[1];
    if (
      name !== undefined &&
      specs[name]?.type === "string" &&
      next !== undefined &&
      next.startsWith("-") &&
      next !== "--" &&
      !isOption(next)
    ) {
      out.push(`${t}=${next}`);
      i++;
    } else out.push(t);
  }
  return out;
}

function parse(argv: string[], specs: OptionSpecs): { values: Values; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(specs).map(([k, s]) => [
      k,
      {
        type: s.type,
        ...(s.multiple ? { multiple: true } : {}),
        ...(s.short ? { short: s.short } : {}),
      },
    ]),
  );
  try {
    const r = parseArgs({
      args: joinDashValues(argv, specs),
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (err) {
    const msg = (err as Error).message.split("\n")[0].split(". ")[0].replace(/\.$/, "");
    const noValue = /^Option '(-[^' ]+)(?: <value>)?' argument (?:is ambiguous|missing)/.exec(msg);
    if (noValue) throw new CliUsageError(noValue[1], `${noValue[1]} needs a value`);
    throw new CliUsageError("argv", msg.charAt(0).toLowerCase() + msg.slice(1));
  }
}

/** Classifies an error: exit status, the one line, and the --json error document. */
export function describeError(err: unknown): { code: number; line: string; json: object } {
  if (err instanceof InputError)
    return { code: 2, line: err.shortMessage, json: { name: err.name, field: err.field } };
  if (err instanceof ConfigurationError) {
    // the deployment or the chain given does not match (wrong chain, wrong or swapped
    // addresses, unreadable deployment file): bad input, nothing was sent
    const field = (err as { field?: unknown }).field;
    return {
      code: 2,
      line: err.shortMessage,
      json: { name: err.name, ...(typeof field === "string" ? { field } : {}) },
    };
  }
  if (err instanceof GatewayRequestError) {
    // the gateway's typed refusal: bad input (400, 413, 415, 422) executed nothing, exit 2
    const input = [400, 413, 415, 422].includes(err.status);
    return {
      code: input ? 2 : 1,
      line: err.shortMessage,
      json: {
        name: err.name,
        status: err.status,
        code: err.code,
        ...(err.field !== undefined ? { field: err.field } : {}),
      },
    };
  }
  if (err instanceof ContractError) {
    return {
      code: 1,
      line: err.shortMessage,
      json: {
        name: err.name,
        errorName: err.errorName,
        args: err.args,
        contract: err.contractAddress,
        action: err.action,
        txHash: err.txHash,
      },
    };
  }
  if (err instanceof KessaiError) {
    const cause = err.cause as { shortMessage?: string; message?: string } | undefined;
    const inner = cause?.shortMessage ?? undefined;
    const line =
      inner && !err.shortMessage.includes(inner)
        ? `${err.shortMessage}: ${inner}`
        : err.shortMessage;
    return { code: 1, line, json: { name: err.name } };
  }
  const e = err as { shortMessage?: string; message?: string };
  return {
    code: 1,
    line: String(e?.shortMessage ?? e?.message ?? err).split("\n")[0],
    json: { name: (err as Error)?.name ?? "Error" },
  };
}

/**
 * Runs `kessai` with `argv` (without `node` and the script); resolves to the exit status. `io` and
 * `env` default to the process's streams and environment (tests run commands in-process with
 * their own).
 */
export async function main(
  argv: string[],
  io: Streams = PROCESS_STREAMS,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const wantsJson = argv.includes("--json");
  let inv: Invocation | undefined;
  try {
    const { words, indexes } = findWords(argv);
    const rest = argv.filter((_t, i) => !indexes.includes(i));
    if (words.length === 0) {
      const { values } = parse(rest, { ...GLOBAL_OPTIONS, version: { type: "boolean", help: "" } });
      if (values.version) {
        io.out(`${version()}\n`);
        return 0;
      }
      if (values.help) {
        io.out(topHelp() + "\n");
        return 0;
      }
      io.err(topHelp() + "\n");
      return 2;
    }
    if (words[0] === "help") {
      const target = words[1];
      if (!target) io.out(topHelp() + "\n");
      else if (GROUPS[target]) io.out(groupHelp(target) + "\n");
      else {
        const c = COMMANDS.find((x) => x.path[0] === target && x.path.length === 1);
        if (!c) {
          throw new CliUsageError("command", `unknown command '${target}' (see kessai --help)`);
        }
        io.out(commandHelp(c) + "\n");
      }
      return 0;
    }
    const command =
      COMMANDS.find(
        (c) => c.path.length === 2 && c.path[0] === words[0] && c.path[1] === words[1],
      ) ?? COMMANDS.find((c) => c.path.length === 1 && c.path[0] === words[0]);
    if (!command) {
      if (GROUPS[words[0]]) {
        const help = rest.includes("--help") || rest.includes("-h");
        if (help && words.length === 1) {
          io.out(groupHelp(words[0]) + "\n");
          return 0;
        }
        const subs = COMMANDS.filter((c) => c.path[0] === words[0]).map((c) => c.path[1]);
        throw new CliUsageError(
          "command",
          words[1] === undefined
            ? `${words[0]} needs a subcommand: ${subs.join(", ")}`
            : `unknown command '${words[0]} ${words[1]}' (one of: ${subs.join(", ")})`,
        );
      }
      throw new CliUsageError("command", `unknown command '${words[0]}' (see kessai --help)`);
    }
    // a second word that is not part of a one-word command is a positional argument
    const args =
      command.path.length === 1 && words.length === 2
        ? argv.filter((_t, i) => i !== indexes[0])
        : rest;
    const { values, positionals } = parse(args, { ...GLOBAL_OPTIONS, ...command.options });
    if (values.help) {
      io.out(commandHelp(command) + "\n");
      return 0;
    }
    const [min, max] = command.positionals ?? [0, 0];
    if (positionals.length < min || positionals.length > max) {
      throw new CliUsageError(
        "argv",
        positionals.length > max
          ? `unexpected argument '${positionals[max]}' (usage: kessai ${command.path.join(" ")} ${command.usage})`
          : `missing argument (usage: kessai ${command.path.join(" ")} ${command.usage})`,
      );
    }
    inv = new Invocation(values, positionals, env, io);
    const output = await command.run(inv);
    inv.progress.clear();
    if (!output.streamed) {
      if (inv.json) io.out(toJson(output.json) + "\n");
      else if (output.human) io.out(output.human + "\n");
    }
    const code = output.exitCode ?? 0;
    if (code !== 0 && output.errorLine) io.err(`kessai: ${output.errorLine}\n`);
    return code;
  } catch (err) {
    inv?.progress.clear();
    const d = describeError(err);
    io.err(`kessai: ${d.line}\n`);
    if (wantsJson)
      io.out(toJson({ error: { ...d.json, message: d.line, exitCode: d.code } }) + "\n");
    return d.code;
  } finally {
    await inv?.close();
  }
}

/** True when this file is the process's entry point (also through an npm bin symlink). */
const isEntry = (() => {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
})();

if (isEntry) {
  const code = await main(process.argv.slice(2));
  process.stdout.write("", () => process.exit(code));
}

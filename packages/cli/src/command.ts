import { toAddress, type KessaiContext } from "@kessai/sdk";
import type { OptionSpecs } from "./args.js";
import type { Invocation } from "./context.js";
import type { Output } from "./output.js";

/** One `kessai <group> <name>` command. */
export interface Command {
  /** Words after `kessai`, e.g. `["settlement", "create"]`. */
  path: string[];
  /** One line for the command list. */
  summary: string;
  /** Arguments after the command words, e.g. `<address> --ref REF [--expiry TIME]`. */
  usage: string;
  /** Paragraphs shown by --help after the usage line. */
  description?: string;
  /** Options of this command (the global ones are added). */
  options: OptionSpecs;
  /** Number of positional arguments accepted: [min, max]. Default [0, 0]. */
  positionals?: [number, number];
  /** Examples shown by --help. */
  examples?: string[];
  run(inv: Invocation): Promise<Output>;
}

/** The `<address>` a command acts on (its one positional), checked by the SDK's validator. */
export function subject(inv: Invocation): string {
  return toAddress(inv.positionals[0], "address");
}

/** A command on one `<address>` and no options of its own, e.g. `kessai investor suspend <address>`. */
export function addressCommand(
  path: string[],
  summary: string,
  run: (inv: Invocation, account: string) => Promise<Output>,
): Command {
  return {
    path,
    summary,
    usage: "<address>",
    options: {},
    positionals: [1, 1],
    run: (inv) => run(inv, subject(inv)),
  };
}

/** `kessai <group> show <address>`: reads one account's record; sends nothing. */
export function showCommand(
  group: string,
  summary: string,
  show: (ctx: KessaiContext, account: string) => Promise<Output>,
): Command {
  return addressCommand([group, "show"], summary, async (inv, account) =>
    show(await inv.chain(), account),
  );
}

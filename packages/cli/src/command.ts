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

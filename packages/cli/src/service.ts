import { readFileSync } from "node:fs";
import { ConfigurationError } from "@kessai/sdk";
import { CliUsageError } from "./errors.js";

/**
 * What `gateway start` and `verifier start` share: the service is an optional peer of the CLI,
 * its configuration is a JSON file, then the environment, then the flags (each one wins over the
 * one before), and it runs until SIGINT or SIGTERM.
 */

/**
 * Loads an optional peer package (a service the CLI starts: it brings a native SQLite addon,
 * PostgreSQL's driver and an HTTP server, which a firm that only settles does not need). When the
 * package is not installed: a ConfigurationError saying `needs` and how to install it.
 */
export async function optionalPeer<T>(
  name: string,
  load: () => Promise<T>,
  needs: string,
): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const missing =
      (e as { code?: string }).code === "ERR_MODULE_NOT_FOUND" &&
      (e as Error).message.includes(`'${name}'`);
    if (!missing) throw e;
    throw new ConfigurationError(`${needs}: npm install ${name}`, { cause: e });
  }
}

/** Reads a whole number from a flag or the environment; undefined when absent. */
export function whole(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CliUsageError(field, `${field}: must be a whole number`, v);
  return Number(v);
}

/** Sets `obj[a][b] = v` (creating `obj[a]`) unless v is undefined. */
export function put(obj: Record<string, unknown>, path: string[], v: unknown): void {
  if (v === undefined) return;
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[path[path.length - 1]] = v;
}

/**
 * The JSON object in the configuration file named by `--config` (or its variable), `{}` when
 * there is none; a file that cannot be read or holds no JSON object is a CliUsageError on
 * `--config`.
 */
export function configFile(file: string | undefined): Record<string, unknown> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliUsageError("--config", `--config: cannot read ${file} (${(e as Error).message})`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new CliUsageError("--config", `--config: ${file} is not JSON (${(e as Error).message})`);
  }
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw new CliUsageError("--config", `--config: ${file} must hold a JSON object`);
  return config as Record<string, unknown>;
}

/** Waits for SIGINT or SIGTERM, then stops the running service. */
export async function runUntilSignal(running: { stop(): Promise<void> }): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
  await running.stop();
}

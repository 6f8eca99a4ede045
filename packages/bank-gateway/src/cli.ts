#!/usr/bin/env node
/**
 * `node dist/cli.js <config.json>` (bin `kessai-bank-gateway`): starts the gateway from a JSON
 * config and runs it until SIGINT/SIGTERM. A bad config, an unreachable database or a node on
 * another chain exits 2 with one line naming the cause (the field, for a config error).
 */
import { readFile } from "node:fs/promises";
import { start, type RunningGateway } from "./main.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: kessai-bank-gateway <config.json>");
  process.exit(2);
}
let running: RunningGateway;
try {
  running = await start(JSON.parse(await readFile(file, "utf8")));
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}
const shutdown = () => void running.stop().then(() => process.exit(0));
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);

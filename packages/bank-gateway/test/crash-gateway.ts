/**
 * The gateway as a process for the crash test (test/ts/bank-gateway/crash.test.ts): starts it from
 * a JSON config and kills itself with SIGKILL, with probability KESSAI_CRASH_P at each named crash
 * point (between the hold and the send, between the send and its record, between reading events
 * and crediting them, ...). The test also kills it from outside at random times.
 *
 * Usage: crash-gateway <config.json>; prints "ready <url>" once it listens.
 */
import { readFile } from "node:fs/promises";
import { pino } from "pino";
import { start } from "../src/main.js";

const p = Number(process.env.KESSAI_CRASH_P ?? "0");
const config = JSON.parse(await readFile(process.argv[2]!, "utf8"));
const g = await start(config, {
  logger: pino({ level: process.env.KESSAI_GATEWAY_LOG ?? "silent" }),
  crashPoint: (point) => {
    if (Math.random() < p) {
      process.stderr.write(`crash at ${point}\n`);
      process.kill(process.pid, "SIGKILL");
    }
  },
});
process.stdout.write(`ready ${g.url}\n`);
process.once("SIGTERM", () => void g.stop().then(() => process.exit(0)));

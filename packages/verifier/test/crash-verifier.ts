/**
 * The verifier as a process for the kill -9 test (test/ts/verifier/crash.test.ts): starts it from
 * a JSON config as `kessai verifier start` does (startVerifier) and, when KESSAI_CRASH_AT names
 * crash points (comma-separated, see the verifier's `CrashPoint`), SIGKILLs itself at the first
 * of them it reaches, after printing `crash at <point> <id>` on stderr. Without KESSAI_CRASH_AT it
 * runs until SIGTERM.
 *
 * Usage: crash-verifier <config.json>; prints "ready <url>" once it listens.
 */
import { readFile } from "node:fs/promises";
import { pino } from "pino";
import { startVerifier } from "../src/config.js";

const armed = new Set((process.env.KESSAI_CRASH_AT ?? "").split(",").filter(Boolean));
const config = JSON.parse(await readFile(process.argv[2]!, "utf8"));
const v = await startVerifier(config, {
  logger: pino({ level: process.env.KESSAI_VERIFIER_LOG ?? "silent" }),
  crashPoint: (point, id) => {
    if (!armed.has(point)) return;
    process.stderr.write(`crash at ${point} ${id}\n`);
    process.kill(process.pid, "SIGKILL");
  },
});
process.stdout.write(`ready ${v.http.url}\n`);
process.once("SIGTERM", () => void v.stop().then(() => process.exit(0)));

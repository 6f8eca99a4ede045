/**
 * The gateway as a process for the crash test (test/ts/bank-gateway/crash.test.ts): starts it from
 * a JSON config and kills itself with SIGKILL, with probability KESSAI_CRASH_P at each named crash
 * point (between the hold and the send, between the send and its record, between reading events
 * and crediting them, ...). The test also kills it from outside at random times. With
 * KESSAI_CLOCK_SKEW_MS, its host's clock (`Date`) runs that many ms ahead of the real one (behind,
 * if negative), as on a host whose clock is off (crash-skewed-clock.test.ts).
 *
 * Usage: crash-gateway <config.json>; prints "ready <url>" once it listens.
 */
import { readFile } from "node:fs/promises";
import { pino } from "pino";
import { start } from "../src/main.js";

const p = Number(process.env.KESSAI_CRASH_P ?? "0");
const skewMs = Number(process.env.KESSAI_CLOCK_SKEW_MS ?? "0");
if (skewMs !== 0) {
  const RealDate = Date;
  globalThis.Date = class extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + skewMs);
      else super(...(args as [string]));
    }
    static override now() {
      return RealDate.now() + skewMs;
    }
  } as DateConstructor;
  process.stderr.write(`host clock ${new Date().toISOString()} (${skewMs} ms off)\n`);
}
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

/**
 * Property test under kill -9 (crash-fixture.ts): random requests and chain operations, the
 * gateway killed at random crash points and times and started again; at the end nothing is lost
 * and nothing done twice.
 *
 * Bounded in `npm test` (4 rounds); KESSAI_GATEWAY_LONG=1 runs 30.
 */
import { describeCrashRuns } from "./crash-fixture.js";

const LONG = process.env.KESSAI_GATEWAY_LONG === "1";

describeCrashRuns({
  title: "bank gateway under kill -9",
  rounds: LONG ? 30 : 4,
  timeoutMs: LONG ? 1_800_000 : 240_000,
});

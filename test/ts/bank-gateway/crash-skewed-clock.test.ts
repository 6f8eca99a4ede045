/**
 * kill -9 on hosts whose clocks are off (crash-fixture.ts): each gateway process runs with its
 * `Date` 90 s behind or 90 s ahead of the real clock, in turn, so each restart's host clock is
 * 180 s off the one before it, while the gateways' outbox times (leases of the claims a killed
 * process left, retries, due times) and records' times are on the database's clock. At the end
 * nothing is lost and nothing done twice, and the claims a killed process left were taken up
 * after their 2 s lease on the database's clock, not 90 s later (the run stays bounded).
 */
import { describeCrashRuns } from "./crash-fixture.js";

const ROUNDS = 3;

describeCrashRuns({
  title: "bank gateway under kill -9, its host's clock 90 s off",
  rounds: ROUNDS,
  // behind, ahead, ..., and the last (which drains what the others left) behind after one ahead:
  // on the host's clock it would find the items queued and claimed by the one before it due
  // 180 s later
  skewMs: (child) => ((ROUNDS - child) % 2 === 0 ? -90_000 : 90_000),
  timeoutMs: 60_000,
});

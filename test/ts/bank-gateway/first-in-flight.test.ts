/**
 * firstInFlight (app/idempotency.ts): a request with the (scope, key) of one still running in the
 * process waits for it and answers as the database would afterwards, without running itself: the
 * same body replays the first's response, another body is IdempotencyKeyReusedError; when the
 * first fails, the next runs on its own. Other keys and scopes never wait.
 */
import { expect } from "chai";
import {
  firstInFlight,
  type IdempotentResult,
} from "../../../packages/bank-gateway/src/app/idempotency.js";
import { IdempotencyKeyReusedError } from "../../../packages/bank-gateway/src/domain/errors.js";

/** A run the test finishes by hand, counting how often it started. */
function gated(result: IdempotentResult) {
  let finish!: (ok: boolean) => void;
  const gate = new Promise<boolean>((r) => (finish = r));
  const run = {
    started: 0,
    fn: async () => {
      run.started++;
      if (!(await gate)) throw new Error("first failed");
      return result;
    },
    finish,
  };
  return run;
}
const args = (key: string, hash: string, scope = "firm-a") => ({ scope, key, hash });
const created = { status: 201, body: { id: "iss_1" }, replayed: false };

describe("gateway firstInFlight: a retry waits for its first request", () => {
  it("replays the first's response to a retry with the same body, which never runs", async () => {
    const store = {};
    const first = gated(created);
    const retry = gated({ status: 201, body: { id: "iss_2" }, replayed: false });
    const a = firstInFlight(store, args("k", "h1"), first.fn);
    const b = firstInFlight(store, args("k", "h1"), retry.fn);
    first.finish(true);
    expect(await a).to.deep.equal(created);
    expect(await b).to.deep.equal({ ...created, replayed: true });
    expect([first.started, retry.started]).to.deep.equal([1, 0]);
  });

  it("refuses a retry with another body once the first succeeded", async () => {
    const store = {};
    const first = gated(created);
    const other = gated(created);
    const a = firstInFlight(store, args("k", "h1"), first.fn);
    const b = firstInFlight(store, args("k", "h2"), other.fn).catch((e: unknown) => e);
    first.finish(true);
    await a;
    const e = await b;
    expect(e).to.be.instanceOf(IdempotencyKeyReusedError);
    expect((e as IdempotencyKeyReusedError).message).to.include("k");
    expect(other.started).to.equal(0);
  });

  it("runs the next request itself when the first failed, and only one of those waiting", async () => {
    const store = {};
    const first = gated(created);
    const second = gated({ ...created, body: { id: "iss_2" } });
    const third = gated(created);
    const a = firstInFlight(store, args("k", "h1"), first.fn).catch((e: unknown) => e);
    const b = firstInFlight(store, args("k", "h1"), second.fn);
    const c = firstInFlight(store, args("k", "h1"), third.fn);
    first.finish(false);
    expect(await a).to.be.instanceOf(Error);
    await new Promise((r) => setTimeout(r, 10));
    expect([second.started, third.started]).to.deep.equal([1, 0]);
    second.finish(true);
    expect(await b).to.deep.equal({ ...created, body: { id: "iss_2" } });
    expect(await c).to.deep.equal({ ...created, body: { id: "iss_2" }, replayed: true });
    expect(third.started).to.equal(0);
  });

  it("does not make other keys, scopes or stores wait", async () => {
    const store = {};
    const first = gated(created);
    void firstInFlight(store, args("k", "h1"), first.fn);
    const others = [
      firstInFlight(store, args("k2", "h1"), async () => created),
      firstInFlight(store, args("k", "h1", "firm-b"), async () => created),
      firstInFlight({}, args("k", "h1"), async () => created),
    ];
    expect(await Promise.all(others)).to.deep.equal([created, created, created]);
    first.finish(true);
  });
});

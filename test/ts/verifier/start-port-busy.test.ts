/**
 * A service whose HTTP endpoint cannot listen (its port taken: another instance, a clash) fails to
 * start with that error and moves nothing: no order signed, no payment sent on either ledger.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { startVerifier } from "../../../packages/verifier/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { sentBy, statesOf } from "./fixture.js";
import {
  VERIFIER,
  instruct,
  lock,
  startTwoLedgers,
  termsFor,
  type TwoLedgers,
} from "./two-nodes.js";

describe("verifier: start with its HTTP port taken", function () {
  this.timeout(60_000);
  let l: TwoLedgers;
  let dir: string;
  let busy: Server;

  before(async () => {
    l = await startTwoLedgers();
    dir = mkdtempSync(path.join(tmpdir(), "kessai-port-busy-"));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
  });

  after(async () => {
    await new Promise<void>((r) => busy?.close(() => r()));
    await l?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("rejects with EADDRINUSE and sends nothing on either ledger", async () => {
    const t = await termsFor(l, "port-busy-1");
    await lock(l, t);
    await instruct(l, t);
    await l.mine();
    await l.mine();
    const before = await sentBy(l);
    const port = (busy.address() as { port: number }).port;
    const config = {
      database: { url: `sqlite:${path.join(dir, "verifier.db")}` },
      st: { rpcUrl: l.st.node.url, contract: l.addr.delivery },
      cash: { rpcUrl: l.cash.node.url, contract: l.addr.payment },
      privateKey: nodeKey(VERIFIER),
      confirmations: 1,
      pollMs: 10,
      http: { host: "127.0.0.1", port },
      log: { level: "silent" as const },
    };
    let error: unknown;
    await startVerifier(config).then(
      async (r) => r.stop(),
      (e: unknown) => void (error = e),
    );
    expect((error as NodeJS.ErrnoException)?.code).to.equal("EADDRINUSE");
    // Nothing moved: the service's account sent nothing, the payment is still only instructed.
    expect(await sentBy(l)).to.deep.equal(before);
    expect((await statesOf(l, t)).cash).to.equal(1);
  });
});

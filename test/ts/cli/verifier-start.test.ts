import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { verifierConfigFrom } from "../../../packages/cli/src/commands/verifier.js";
import { main } from "../../../packages/cli/src/main.js";

const ST = "0x" + "11".repeat(20);
const CASH = "0x" + "22".repeat(20);
const KEY = "0x" + "ab".repeat(32);

/** `kessai verifier start`'s configuration: refused before anything is opened, in one line. */
describe("kessai verifier start: configuration", function () {
  let dir: string;
  const file = (name: string, config: unknown) => {
    const f = path.join(dir, name);
    writeFileSync(f, typeof config === "string" ? config : JSON.stringify(config));
    return f;
  };
  const good = {
    database: { url: "sqlite:/tmp/never-opened.db" },
    st: { rpcUrl: "http://127.0.0.1:1", contract: ST },
    cash: { rpcUrl: "http://127.0.0.1:2", contract: CASH },
    privateKey: KEY,
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "kessai-verifier-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[]) {
    let out = "";
    let err = "";
    const code = await main(["verifier", "start", ...argv], {
      out: (s) => (out += s),
      err: (s) => (err += s),
    });
    return { code, out, err };
  }

  for (const [what, argv, line] of [
    [
      "confirmations below 1 in the file",
      () => ["--config", file("zero.json", { ...good, confirmations: 0 })],
      /^kessai: config confirmations: must be >= 1\n$/,
    ],
    [
      "an unknown field",
      () => ["--config", file("unknown.json", { ...good, st: { ...good.st, rpc: "x" } })],
      /^kessai: config st\.rpc: unknown field\n$/,
    ],
    ["nothing at all", () => [], /^kessai: config database: required\n$/],
    [
      "a malformed address from a flag",
      () => ["--config", file("good.json", good), "--cash-contract", "0x1234"],
      /^kessai: config cash\.contract: must be a 0x-prefixed 20-byte address\n$/,
    ],
    [
      "a port that is not a number",
      () => ["--config", file("good.json", good), "--http-port", "web"],
      /^kessai: --http-port: must be a whole number\n$/,
    ],
    [
      "a file that is not JSON",
      () => ["--config", file("bad.json", "{ database")],
      /^kessai: --config: .*bad\.json is not JSON \(.+\)\n$/,
    ],
  ] as const) {
    it(`refuses ${what}: exit 2, one line, nothing opened`, async function () {
      const r = await run([...argv()]);
      expect(r.code).to.equal(2);
      expect(r.out).to.equal("");
      expect(r.err).to.match(line);
    });
  }

  it("takes the file, then the environment, then the flags", async function () {
    const f = file("layers.json", { ...good, confirmations: 3, http: { port: 1000 } });
    const config = await verifierConfigFrom(
      { config: f, confirmations: "5" },
      { KESSAI_VERIFIER_CONFIRMATIONS: "4", KESSAI_VERIFIER_HTTP_PORT: "2000" },
    );
    expect(config.confirmations).to.equal(5);
    expect(config.http).to.deep.equal({ host: "127.0.0.1", port: 2000 });
    expect(config.st).to.deep.equal(good.st);
    expect(config.log.level).to.equal("info");
    expect(config.deadlineMarginSec).to.equal(60);
  });
});

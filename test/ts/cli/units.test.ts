/**
 * Parts of the `kessai` command line that need no chain, run in-process: argument parsing and
 * its one-line errors, and the "now" that relative times count from.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { parseTime } from "../../../packages/cli/src/args.js";
import { Invocation } from "../../../packages/cli/src/context.js";
import { main } from "../../../packages/cli/src/main.js";

/** Runs `main` with `argv`, capturing stdout and stderr. */
async function run(argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** An Invocation whose node reports a latest block with timestamp `blockTime`. */
function invocationAt(blockTime: number): Invocation {
  const inv = new Invocation({}, [], {});
  const provider = { getBlock: async () => ({ timestamp: blockTime }) };
  (inv as unknown as { provider: () => Promise<JsonRpcProvider> }).provider = async () =>
    provider as unknown as JsonRpcProvider;
  return inv;
}

describe("kessai CLI, in-process", function () {
  describe("a negative or malformed amount", function () {
    const to = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
    for (const argv of [
      ["st", "issue", "--to", to, "--amount", "-5"],
      ["st", "issue", "--to", to, "--amount=-5"],
      ["dcjpy", "issue", "--to", to, "--amount", "-5", "--ref", "DEBIT-1"],
      ["dcjpy", "approve", "--amount", "-5"],
    ]) {
      it(`kessai ${argv.join(" ")}: the one-line amount error, exit 2`, async function () {
        const r = await run(argv);
        expect(r.code).to.equal(2);
        expect(r.err).to.equal(
          'kessai: --amount must be a non-negative integer in base units: "-5"\n',
        );
        expect(r.out).to.equal("");
      });
    }

    it("every bad amount gets the same shape of line", async function () {
      for (const [value, reason] of [
        ["1.5", "must be a non-negative integer in base units"],
        ["1e6", "must be a non-negative integer in base units"],
        ["-0", "must be a non-negative integer in base units"],
        ["0", "must be greater than zero"],
      ]) {
        const r = await run(["st", "issue", "--to", to, "--amount", value]);
        expect(r.code, value).to.equal(2);
        expect(r.err).to.equal(`kessai: --amount ${reason}: ${JSON.stringify(value)}\n`);
      }
      const q = await run([
        "id",
        "derive",
        "--seller",
        to,
        "--buyer",
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        "--quantity",
        "-1",
        "--amount",
        "5",
      ]);
      expect(q.code).to.equal(2);
      expect(q.err).to.equal(
        'kessai: --quantity must be a non-negative integer in base units: "-1"\n',
      );
    });

    it("a dash value that is an option stays an option (missing value)", async function () {
      const r = await run(["st", "issue", "--to", "--amount", "5"]);
      expect(r.code).to.equal(2);
      expect(r.err.split("\n")).to.have.length(2); // one line and the final newline
      expect(r.err).to.equal("kessai: --to needs a value\n");
      const end = await run(["st", "issue", "--amount", "5", "--to"]);
      expect(end.code).to.equal(2);
      expect(end.err).to.equal("kessai: --to needs a value\n");
    });
  });

  describe("now, for +N times: the later of the wall clock and the latest block", function () {
    it("an idle chain whose last block is an hour old counts from the wall clock", async function () {
      const wall = Math.floor(Date.now() / 1000);
      const inv = invocationAt(wall - 3600);
      const now = await inv.now();
      expect(Number(now)).to.be.within(wall, wall + 2);
      expect(Number(await parseTime("+2h", "--deadline", () => inv.now())())).to.be.within(
        wall + 7200,
        wall + 7202,
      );
    });

    it("a chain ahead of the wall clock counts from its latest block", async function () {
      const ahead = Math.floor(Date.now() / 1000) + 86_400;
      const inv = invocationAt(ahead);
      expect(await inv.now()).to.equal(BigInt(ahead));
      expect(await parseTime("+30m", "--deadline", () => inv.now())()).to.equal(
        BigInt(ahead + 1800),
      );
    });
  });
  describe("a terms file with quantity or amount as a JSON number", function () {
    const terms = {
      id: "0x" + "11".repeat(32),
      seller: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      buyer: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
      securityToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      quantity: "100",
      cashToken: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      amount: "9007199254740993",
      deadline: "4102444800",
    };
    let dir: string;
    before(() => (dir = mkdtempSync(path.join(tmpdir(), "kessai-terms-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const field of ["quantity", "amount"] as const) {
      it(`refuses ${field} as a number (2^53 + 1 would read as 2^53): one line naming it, exit 2`, async function () {
        const file = path.join(dir, `${field}.json`);
        // written by hand: JSON.stringify cannot write 2^53 + 1 as a number
        const json = JSON.stringify({ ...terms, [field]: "@" }).replace('"@"', "9007199254740993");
        writeFileSync(file, json);
        for (const cmd of ["affirm", "settle", "show"]) {
          const r = await run(["settlement", cmd, "--terms", file]);
          expect(r.code, cmd).to.equal(2);
          expect(r.err, cmd).to.equal(
            `kessai: ${file}: terms.${field} must be a JSON string of digits, not a JSON number ` +
              "(numbers lose precision above 2^53): 9007199254740992\n",
          );
          expect(r.out).to.equal("");
        }
      });
    }
  });
});

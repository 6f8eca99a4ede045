/**
 * The read batches' creation code is checked in as hex (the SDK ships no compiler): `ReadBatch`
 * (readBatch, one contract) and `ReadMany` (readViews, several contracts). This test compiles the
 * source in each file's doc comment with the project's solc and the settings the comment names,
 * and requires the same bytes: the hex is what the comment says it is.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { expect } from "chai";

const require = createRequire(import.meta.url);

const CODES = [
  { file: "readBatch.ts", constant: "READ_BATCH_CODE", contract: "ReadBatch" },
  { file: "readMany.ts", constant: "READ_MANY_CODE", contract: "ReadMany" },
];

for (const { file, constant, contract } of CODES) {
  describe(`${contract}'s creation code (${file})`, function () {
    it("is the doc comment's source compiled by solc 0.8.30 (optimizer 1 run, paris, no metadata)", async function () {
      this.timeout(120_000);
      const text = await readFile(
        new URL(`../../../packages/sdk/src/context/${file}`, import.meta.url),
        "utf8",
      );
      const source = /```solidity\n([\s\S]*?)```/.exec(text)?.[1];
      const checkedIn = new RegExp(`${constant} =\\s*"0x([0-9a-f]+)"`).exec(text)?.[1];
      expect(source, "source in the doc comment").to.be.a("string");
      expect(checkedIn, constant).to.be.a("string");
      const content =
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n" +
        source!
          .split("\n")
          .map((l) => l.replace(/^ \* ?/, ""))
          .join("\n");
      const solc = require("solc") as { version(): string; compile(input: string): string };
      expect(solc.version()).to.match(/^0\.8\.30\+/);
      const out = JSON.parse(
        solc.compile(
          JSON.stringify({
            language: "Solidity",
            sources: { [`${contract}.sol`]: { content } },
            settings: {
              optimizer: { enabled: true, runs: 1 },
              evmVersion: "paris",
              metadata: { appendCBOR: false },
              outputSelection: { "*": { [contract]: ["evm.bytecode.object"] } },
            },
          }),
        ),
      ) as {
        errors?: { severity: string; formattedMessage: string }[];
        contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
      };
      const errors = (out.errors ?? []).filter((e) => e.severity === "error");
      expect(errors.map((e) => e.formattedMessage)).to.deep.equal([]);
      expect(out.contracts[`${contract}.sol`][contract].evm.bytecode.object).to.equal(checkedIn);
    });
  });
}

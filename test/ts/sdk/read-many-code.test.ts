/**
 * The multi-contract read batch's creation code is checked in as hex (the SDK ships no compiler). This test
 * compiles the source in its doc comment with the project's solc and the settings the comment
 * names, and requires the same bytes: the hex is what the comment says it is.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { expect } from "chai";

const require = createRequire(import.meta.url);

describe("readViews' creation code (ReadMany)", function () {
  it("is the doc comment's source compiled by solc 0.8.30 (optimizer 1 run, paris, no metadata)", async function () {
    this.timeout(120_000);
    const text = await readFile(
      new URL("../../../packages/sdk/src/context/readMany.ts", import.meta.url),
      "utf8",
    );
    const source = /```solidity\n([\s\S]*?)```/.exec(text)?.[1];
    const checkedIn = /READ_MANY_CODE =\s*"0x([0-9a-f]+)"/.exec(text)?.[1];
    expect(source, "source in the doc comment").to.be.a("string");
    expect(checkedIn, "READ_MANY_CODE").to.be.a("string");
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
          sources: { "ReadMany.sol": { content } },
          settings: {
            optimizer: { enabled: true, runs: 1 },
            evmVersion: "paris",
            metadata: { appendCBOR: false },
            outputSelection: { "*": { ReadMany: ["evm.bytecode.object"] } },
          },
        }),
      ),
    ) as {
      errors?: { severity: string; formattedMessage: string }[];
      contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
    };
    const errors = (out.errors ?? []).filter((e) => e.severity === "error");
    expect(errors.map((e) => e.formattedMessage)).to.deep.equal([]);
    expect(out.contracts["ReadMany.sol"].ReadMany.evm.bytecode.object).to.equal(checkedIn);
  });
});

import { expect } from "chai";
// Two copies of the module in one process: the source, and the built package as the gateway and
// other packages import it. Each copy has its own classes, so fragments and dialect switches must be
// recognised by their registered marker.
import * as src from "../../../packages/storage/src/index.js";
import * as built from "@kessai/storage";
import { tempSqliteDir } from "../../../packages/storage/src/testing/index.js";

// The copies' types differ (each declares its own `unique symbol`); at run time they must not.
const dist = built as unknown as typeof src;

describe("storage: sql fragments across two copies of the module", () => {
  it("the two imports are distinct copies (distinct classes)", () => {
    expect(src.DialectSwitch).to.not.equal(built.DialectSwitch);
  });

  for (const [maker, renderer, label] of [
    [src, dist, "built by the source, compiled by the package"],
    [dist, src, "built by the package, compiled by the source"],
  ] as const) {
    it(`nested fragments and dialect switches ${label}`, () => {
      const flag = maker.sql.dialect({
        postgres: maker.sql`payload->>${"ref"}`,
        sqlite: maker.sql`json_extract(payload, ${"$.ref"})`,
      });
      const q = maker.sql`SELECT ${flag} AS r FROM t WHERE a = ${1} AND ${maker.sql`b = ${2}`}`;
      expect(renderer.isSql(q)).to.equal(true);
      expect(renderer.isDialectSwitch(flag.values[0])).to.equal(true);
      expect(renderer.isSql(flag.values[0])).to.equal(false);
      expect(renderer.compile(q, "sqlite")).to.deep.equal({
        text: "SELECT json_extract(payload, ?) AS r FROM t WHERE a = ? AND b = ?",
        params: ["$.ref", 1, 2],
      });
      expect(renderer.compile(q, "postgres")).to.deep.equal({
        text: "SELECT payload->>$1 AS r FROM t WHERE a = $2 AND b = $3",
        params: ["ref", 1, 2],
      });
    });
  }

  it("a store of the package runs a statement with a switch made by the source", async () => {
    const tmp = await tempSqliteDir();
    const store = await built.openStore(`sqlite:${tmp.file()}`);
    try {
      const one = src.sql.dialect({ postgres: src.sql`1::int`, sqlite: src.sql`${1}` });
      const query = src.sql`SELECT ${one} + ${41} AS v` as unknown as built.Sql;
      const row = await store.get<{ v: unknown }>(query);
      expect(Number(row!.v)).to.equal(42);
    } finally {
      await store.close();
      await tmp.remove();
    }
  });

  it("a plain object or a forged switch is a parameter, not SQL", () => {
    const forged = {
      variants: { sqlite: src.sql.raw("DROP TABLE t"), postgres: src.sql.raw("x") },
    };
    expect(src.isDialectSwitch(forged)).to.equal(false);
    expect(src.isSql({ strings: ["x"], values: [] })).to.equal(false);
  });
});

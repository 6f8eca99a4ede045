import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { id } from "ethers";
import { toBankReference } from "../../../packages/sdk/src/index.js";
import { deployKessai, type Kessai } from "./fixture.js";
import type { ExampleEnv } from "../../../packages/sdk/examples/env.js";

const EXAMPLES = path.join(process.cwd(), "packages", "sdk", "examples");
const SELLER_UNITS = 1_000n;
const BUYER_DCJPY = 100_000_000n;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Result = any;

/** What each example must return; one entry per packages/sdk/examples/NN-name.ts. */
const expectations: Record<string, (r: Result, k: Kessai) => Promise<void> | void> = {
  "01-connect": async (r, k) => {
    expect(r.seller).to.equal(k.signers.seller.address);
    expect(r.securityRegistry).to.equal(await k.contracts.secReg.getAddress());
    expect(r.units).to.equal(SELLER_UNITS);
    expect(r.dcjpy).to.equal(0n);
    expect(r.auditorCanSign).to.equal(false);
  },
  "02-issuer": async (r, k) => {
    expect(r).to.include({ status: "Active", eligible: true, balance: 100n });
    expect(r.gasUsed > 0n).to.equal(true);
    expect(await k.contracts.bond.balanceOf(k.signers.outsider.address)).to.equal(100n);
  },
  "03-bank-issue": async (r, k) => {
    expect(r).to.deep.equal({
      account: k.signers.buyer.address,
      amount: 5_000_000n,
      listed: true,
      added: 5_000_000n,
      opened: true,
      depositAccount: toBankReference("ACCT-0042-118"),
      readBack: "DEBIT-2026-11-25-000123",
    });
    expect(await k.contracts.dcjpy.isAccountOpen(k.signers.outsider.address)).to.equal(true);
  },
  "04-bank-requests": (r) => {
    expect(r).to.deep.equal({ first: "Fulfilled", second: "Rejected" });
  },
  "05-bank-freeze": (r) => {
    expect(r.frozen).to.equal(1_000n);
    expect(r.available).to.equal(r.balance - 1_000n);
    expect(r.accountFrozen).to.equal(true);
    expect(r.afterUnfreeze).to.equal(false);
  },
  "06-trade": async (r, k) => {
    expect(r).to.include({ settled: true, state: "Settled" });
    expect(r.terms).to.include({ id: r.id, quantity: 10n, amount: 1_000_000n });
    expect(await k.contracts.dvp.stateOf(r.id)).to.equal(3n);
  },
  "07-agent": (r) => {
    expect(r.statuses).to.deep.equal(["settled", "settled", "settled"]);
  },
  "08-auditor": (r) => {
    expect(r.events).to.include.members([
      "SettlementCreated",
      "SettlementAffirmed",
      "SettlementSettled",
    ]);
    expect(r.listed).to.equal(true);
    expect(r.legs.security.value).to.equal(1n);
    expect(r.legs.cash.value).to.equal(100_000n);
    expect(r.mismatches).to.deep.equal([]);
    expect(r.ok).to.equal(true);
    expect(r.supply.totalSupply).to.equal(r.supply.totalIssued - r.supply.totalRedeemed);
  },
  "09-errors": (r) => {
    expect(r.available >= 0n && r.available < 10n ** 30n).to.equal(true);
    expect(r.errors.map((e: Result) => e.name)).to.deep.equal([
      "SecurityTokenInsufficientUnlockedBalance",
      "DepositTokenIssuanceReferenceUsed",
      "InvalidAddressError",
    ]);
    expect(r.errors.every((e: Result) => e.kessai)).to.equal(true);
    expect(r.errors.map((e: Result) => [e.contract, e.input])).to.deep.equal([
      [true, false],
      [true, false],
      [false, true],
    ]);
    expect(r.errors[1].referenceUsed).to.equal(true);
    expect(r.errors[1].args).to.deep.equal({
      bankReference: toBankReference("DEBIT-ERRORS-EXAMPLE"),
    });
    expect(r.errors[2].badAddress).to.equal(true);
    expect(r.errors[0].shortMessage).to.match(/^SecurityTokenInsufficientUnlockedBalance: 0x/);
  },
  "10-resume": (r) => {
    expect(r.firstRun).to.equal("process killed");
    expect(r.state).to.equal("Settled");
    expect(r.skipped).to.deep.equal(["lock", "affirm", "issue", "authorise", "approve"]);
    expect(r.done).to.deep.equal(["settle", "redeem"]);
    expect(r.log.slice(0, 6)).to.deep.equal([
      "1 lock started",
      "1 lock done",
      "2 affirm started",
      "2 affirm done",
      "3 issue started",
      "3 issue done",
    ]);
  },
  "11-concurrency": (r) => {
    expect(r.settled).to.equal(20);
    expect(r.nonces).to.have.length(20);
    r.nonces.forEach((n: number, i: number) => expect(n).to.equal(r.nonces[0] + i));
  },
};

const names = readdirSync(EXAMPLES)
  .filter((f) => /^\d\d-[a-z0-9-]+\.ts$/.test(f))
  .map((f) => f.slice(0, -3))
  .sort();

describe("sdk usage guide (docs/sdk-guide.md and packages/sdk/examples)", function () {
  this.timeout(60_000);
  let k: Kessai;
  let env: ExampleEnv;

  before(async function () {
    k = await deployKessai();
    const s = k.signers;
    await k.clients.issuer.issueSecurity({ to: s.seller.address, value: SELLER_UNITS });
    await k.clients.bank.issueDeposit({
      account: s.buyer.address,
      amount: BUYER_DCJPY,
      bankReference: id("guide:initial-funding"),
    });
    env = {
      addresses: k.addresses,
      provider: k.ethers.provider,
      issuer: s.issuer,
      bank: s.bank,
      seller: s.seller,
      buyer: s.buyer,
      agent: s.agent,
      newInvestor: s.outsider.address,
    };
  });

  it("shows every example file once, byte for byte (node packages/sdk/scripts/guide.mjs --check)", function () {
    const r = spawnSync(process.execPath, ["packages/sdk/scripts/guide.mjs", "--check"], {
      encoding: "utf8",
    });
    expect(r.stderr).to.equal("");
    expect(r.status).to.equal(0);
  });

  it("has an expectation for every example", function () {
    expect(names).to.have.length.greaterThan(10);
    expect(names).to.deep.equal(Object.keys(expectations).sort());
  });

  for (const name of names) {
    it(`runs ${name}`, async function () {
      const mod = (await import(pathToFileURL(path.join(EXAMPLES, `${name}.ts`)).href)) as {
        run(env: ExampleEnv): Promise<unknown>;
      };
      await expectations[name](await mod.run(env), k);
    });
  }
});

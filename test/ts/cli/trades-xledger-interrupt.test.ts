/**
 * `kessai trades settle` on two ledgers, the seller and the buyer as two CLI processes at once
 * against two anvil nodes (the ST ledger 31338, the cash ledger 31339) with the verifier service
 * deciding and relaying: each process is stopped at random points (seeded; the seed is printed
 * and `KESSAI_TEST_SEED` replays it), by Ctrl-C (SIGINT: the report so far, exit 130) or kill -9
 * (SIGKILL: the `--journal FILE` keeps what was in flight), and run again until both finish.
 * Then every trade is settled exactly once: one lock, one delivery on the ST ledger, one
 * instruction, one payment on the cash ledger per settlement ID, no return or refund; the units
 * and the DCJPY moved once per trade.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  crossLedgerTradeTerms,
  parseTradeFile,
  tradeReference,
  type Trade,
} from "../../../packages/sdk/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import {
  BUYER,
  SELLER,
  VERIFIER,
  contractsOf,
  fundTraders,
  ledgerPair,
  startTwoLedgers,
  type TwoLedgers,
} from "../verifier/two-nodes.js";
import { CLI, HEADER, addr, day, rng } from "./trades-fixture.js";
import { startVerifierOn, type TwoLedgerVerifier } from "./two-ledger-verifier.js";

const N = 12;
const SEED = Number(process.env.KESSAI_TEST_SEED ?? Date.now() % 1_000_000);

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs the CLI; with `stop`, sends that signal once `blocks` more blocks have been mined on the
 * two ledgers together since the start (each transaction is a block: anvil automines), so the
 * stop lands in the middle of the work, not in the process's start.
 */
function runCli(
  argv: string[],
  stop?: { signal: "SIGINT" | "SIGKILL"; blocks: number; height: () => Promise<number> },
) {
  return new Promise<Ran>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let exited = false;
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal, out, err });
    });
    if (!stop) return;
    void (async () => {
      const start = await stop.height();
      while (!exited) {
        if ((await stop.height()) >= start + stop.blocks) {
          child.kill(stop.signal);
          return;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })().catch(reject);
  });
}

describe(`kessai trades settle on two ledgers, both sides stopped at random points (seed ${SEED})`, function () {
  this.timeout(240_000);
  let l: TwoLedgers;
  let dir: string;
  let service: TwoLedgerVerifier;
  let trades: Trade[];
  let file: string;

  before(async function () {
    l = await startTwoLedgers();
    dir = mkdtempSync(path.join(tmpdir(), "kessai-trades-xl-stop-"));
    service = await startVerifierOn(l, dir);
    const lines = Array.from({ length: N }, (_, i) =>
      [
        "ODX",
        `XS-${i}`,
        day(0),
        day(1),
        l.addr.bond,
        addr(SELLER),
        addr(BUYER),
        String(1 + (i % 5)),
        String(1000 + i),
        "",
        "",
      ].join(","),
    );
    const text = [HEADER, ...lines].join("\n") + "\n";
    file = path.join(dir, "day.csv");
    writeFileSync(file, text);
    trades = parseTradeFile(text).trades;
    const units = trades.reduce((s, t) => s + t.quantity, 0n);
    const cash = trades.reduce((s, t) => s + t.amount, 0n);
    await fundTraders(l, { units, cash, reference: "xl-stop float" });
  });

  after(async function () {
    await service?.close();
    await l?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const argv = (side: "seller" | "buyer", extra: string[] = []) => [
    "trades",
    "settle",
    file,
    "--as",
    side,
    "--key",
    nodeKey(side === "seller" ? SELLER : BUYER),
    "--st-rpc",
    l.st.node.url,
    "--cash-rpc",
    l.cash.node.url,
    "--st-ledger",
    l.addr.delivery,
    "--cash-ledger",
    l.addr.payment,
    "--cash-token",
    l.addr.dcjpy,
    "--verifier",
    addr(VERIFIER),
    "--journal",
    path.join(dir, `${side}.journal`),
    "--concurrency",
    "3",
    "--json",
    ...extra,
  ];

  it("every trade ends settled exactly once on both ledgers, whatever stopped the runs", async function () {
    console.log(`      seed ${SEED} (KESSAI_TEST_SEED=${SEED} replays it)`);
    const rand = rng(SEED);
    const height = async () =>
      Number(await l.st.provider.send("eth_blockNumber", [])) +
      Number(await l.cash.provider.send("eth_blockNumber", []));
    const done = { seller: false, buyer: false };
    const stops: string[] = [];
    for (let round = 0; round < 6 && !(done.seller && done.buyer); round++) {
      const once = async (side: "seller" | "buyer") => {
        if (done[side]) return;
        const signal = rand() < 0.5 ? "SIGINT" : "SIGKILL";
        const blocks = 1 + Math.floor(rand() * 10);
        const report = path.join(dir, `${side}-${round}.json`);
        const r = await runCli(argv(side, ["--wait", "8", "--report", report]), {
          signal,
          blocks,
          height,
        });
        stops.push(`${side} ${signal}@+${blocks} blocks → ${r.signal ?? r.code}`);
        if (r.code === 0) done[side] = true;
        else if (r.code === 130) {
          // Ctrl-C: the report so far, each trade once, the unfinished ones marked
          const doc = JSON.parse(readFileSync(report, "utf8")) as {
            results: { line: number; status: string; error?: { name: string } }[];
          };
          expect(doc.results.map((x) => x.line)).to.deep.equal(trades.map((t) => t.line));
          const summary = JSON.parse(r.out.trim().split("\n").at(-1)!);
          expect(summary).to.deep.include({ type: "summary", interrupted: true, trades: N });
          const unfinished = doc.results.filter((x) => x.error?.name === "Interrupted");
          expect(summary.unfinished).to.equal(unfinished.length);
          for (const x of unfinished) expect(x.status).to.equal("pending");
        } else if (r.code === 1) {
          // not stopped, but --wait ran out (the other side was stopped meanwhile): every
          // trade pending or settled, none refused or failed
          const doc = JSON.parse(readFileSync(report, "utf8")) as { results: { status: string }[] };
          for (const x of doc.results) expect(x.status).to.be.oneOf(["pending", "settled"]);
        } else if (r.signal === null) expect.fail(`${side}: exit ${r.code}: ${r.err}`);
        // (a signal before the command set its handler, or kill -9: no report, the chain and
        // the journal say where it stood)
      };
      await Promise.all([once("seller"), once("buyer")]);
    }
    // then both without a stop, to the end
    const [s, b] = await Promise.all(
      (["seller", "buyer"] as const).map((side) =>
        done[side] ? Promise.resolve(undefined) : runCli(argv(side, ["--wait", "60"])),
      ),
    );
    for (const r of [s, b]) if (r) expect(r.code, `${stops.join("; ")}\n${r.err}`).to.equal(0);

    // on chain: one lock and one delivery per ID on the ST ledger, one instruction and one
    // payment on the cash ledger; nothing returned or refunded
    const seller = await contractsOf(l, SELLER);
    const ids = trades.map((t) => crossLedgerTradeTerms(t, ledgerPair(l)).id);
    const perId = async (c: typeof seller.delivery, event: string) => {
      const n = new Map<string, number>();
      for (const e of await c.queryFilter(c.filters[event]()))
        if ("args" in e) n.set(e.args.id, (n.get(e.args.id) ?? 0) + 1);
      return ids.map((id) => n.get(id) ?? 0);
    };
    const ones = ids.map(() => 1);
    const zeros = ids.map(() => 0);
    expect(await perId(seller.delivery, "DeliveryRegistered"), stops.join("; ")).to.deep.equal(
      ones,
    );
    expect(await perId(seller.delivery, "SettlementDelivered")).to.deep.equal(ones);
    expect(await perId(seller.delivery, "SettlementReturned")).to.deep.equal(zeros);
    expect(await perId(seller.payment, "PaymentInstructed")).to.deep.equal(ones);
    expect(await perId(seller.payment, "SettlementPaid")).to.deep.equal(ones);
    expect(await perId(seller.payment, "SettlementRefunded")).to.deep.equal(zeros);
    const units = trades.reduce((x, t) => x + t.quantity, 0n);
    const cash = trades.reduce((x, t) => x + t.amount, 0n);
    expect(await seller.bond.balanceOf(addr(BUYER))).to.equal(units);
    expect(await seller.bond.balanceOf(addr(SELLER))).to.equal(0n);
    // the seller redeemed the DCJPY of each trade once (step 7), under the trade's reference
    expect(await seller.dcjpy.balanceOf(addr(SELLER))).to.equal(0n);
    const redeemed = new Map<string, number>();
    for (const e of await seller.dcjpy.queryFilter(seller.dcjpy.filters.Redeemed()))
      if ("args" in e)
        redeemed.set(e.args.redemptionRef, (redeemed.get(e.args.redemptionRef) ?? 0) + 1);
    expect(ids.map((id) => redeemed.get(tradeReference(id, "redemption")) ?? 0)).to.deep.equal(
      ones,
    );
    expect(await seller.dcjpy.balanceOf(addr(BUYER))).to.equal(0n);
    console.log(`      stops: ${stops.join("; ")}`);
  });
});

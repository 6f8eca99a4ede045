import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, ZeroAddress, id as keccakId } from "ethers";
import { network } from "hardhat";
import { openSqliteStore, type Store } from "@kessai/storage";
import { main } from "../../../packages/cli/src/main.js";
import {
  buildCrossLedgerTerms,
  outcomeTypedData,
  type CrossLedgerTerms,
} from "../../../packages/sdk/src/index.js";
import {
  TWO_LEDGER_ACCOUNTS as A,
  deployTwoLedgers,
  devKey,
  type TwoLedgers,
} from "../../../scripts/two-ledger-deploy.js";
import { openVerifierWithoutStGas } from "../verifier/fixture.js";
import {
  listenHttp,
  type Verifier,
  type VerifierHttp,
} from "../../../packages/verifier/src/index.js";
import { serve } from "./serve-network.js";

/**
 * `kessai xledger …` against the two in-process ledgers served over HTTP: each command's one line
 * and exit status, bad input refused with exit 2 before anything is sent, the ledgers' refusals
 * with exit 1 and the contract's decoded error, and nothing moved by either.
 */
describe("kessai xledger (two ledgers)", function () {
  this.timeout(120_000);
  let L: TwoLedgers;
  let stUrl: string;
  let cashUrl: string;
  const servers: Server[] = [];
  let dir: string;
  let n = 0;

  /** A stand-in for the verifier's HTTP endpoint: answers what the test sets, records the paths. */
  const verifier = {
    url: "",
    asked: [] as string[],
    reply: { status: 404, body: {} as unknown },
    answer(status: number, body: unknown) {
      this.reply = { status, body };
    },
  };

  before(async function () {
    const standIn = createServer((req, res) => {
      verifier.asked.push(req.url ?? "");
      res.statusCode = verifier.reply.status;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(verifier.reply.body));
    });
    await new Promise<void>((r) => standIn.listen(0, "127.0.0.1", r));
    servers.push(standIn);
    verifier.url = `http://127.0.0.1:${(standIn.address() as { port: number }).port}`;
    L = await deployTwoLedgers(
      await network.create("stLedger"),
      await network.create("cashLedger"),
    );
    const a = await serve(L.st);
    const b = await serve(L.cash);
    servers.push(a, b);
    stUrl = a.url;
    cashUrl = b.url;
    dir = mkdtempSync(path.join(tmpdir(), "kessai-xledger-cli-"));
  });

  after(async function () {
    for (const s of servers) await new Promise((r) => s.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function run(argv: string[]) {
    let out = "";
    let err = "";
    const code = await main(["xledger", ...argv], {
      out: (s) => (out += s),
      err: (s) => (err += s),
    });
    return { code, out, err };
  }

  /** Fresh terms in a file; the seller holds the units, the buyer the DCJPY. */
  async function fresh(over: Record<string, unknown> = {}) {
    const name = `xl-cli-${++n}`;
    const issuer = (await L.st.ethers.getSigners())[A.issuer];
    const bank = (await L.cash.ethers.getSigners())[A.bank];
    const seller = new Wallet(devKey(A.seller)).address;
    const buyer = new Wallet(devKey(A.buyer)).address;
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    await (await bond.connect(issuer).issue(seller, ZeroAddress, 10n)).wait();
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    await (await dcjpy.connect(bank).issue(buyer, 1_000_000n, keccakId(`debit ${name}`))).wait();
    const now = (await L.cash.ethers.provider.getBlock("latest"))!.timestamp;
    const terms = buildCrossLedgerTerms({
      id: keccakId(name),
      seller,
      buyer,
      stChainId: 31338,
      stLedger: L.delivery,
      securityToken: L.bond,
      quantity: 10n,
      cashChainId: 31339,
      cashLedger: L.payment,
      cashToken: L.dcjpy,
      amount: 1_000_000n,
      deadline: now + 36_000,
      verifier: new Wallet(devKey(A.verifier)).address,
    });
    const json = Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, String(v)]));
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...json, ...over }));
    return { terms, file };
  }

  async function books(t: CrossLedgerTerms) {
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    const delivery = await L.st.ethers.getContractAt("CrossLedgerDelivery", L.delivery);
    const payment = await L.cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
    return [
      await bond.balanceOf(t.seller),
      await bond.balanceOf(t.buyer),
      await bond.lockedOf(L.delivery, t.seller),
      await dcjpy.balanceOf(t.buyer),
      await dcjpy.balanceOf(t.seller),
      await delivery.stateOf(t.id),
      await payment.stateOf(t.id),
    ];
  }

  const sign = (t: CrossLedgerTerms, outcome: 1 | 2) => {
    const td = outcomeTypedData(t, outcome);
    return new Wallet(devKey(A.verifier)).signTypedData(td.domain, td.types, td.message);
  };
  const seller = ["--key", devKey(A.seller)];
  const buyer = ["--key", devKey(A.buyer)];
  const relayer = ["--key", devKey(7)];
  const short = (id: string) => `${id.slice(0, 6)}…${id.slice(-4)}`;

  it("refuses bad input with one line and exit 2, before sending anything", async function () {
    const { terms, file } = await fresh();
    const bad = await fresh({ quantity: 10 });
    const before = await books(terms);
    const cases: [string[], RegExp][] = [
      [["lock", "--st-rpc", stUrl, ...seller], /^kessai: --terms FILE is required\n$/],
      [
        ["lock", "--terms", file, ...seller],
        /^kessai: --st-rpc is required \(or KESSAI_ST_RPC_URL\)\n$/,
      ],
      [
        ["lock", "--terms", file, "--st-rpc", "localhost:1", ...seller],
        /^kessai: --st-rpc must be an http:\/\/ or https:\/\/ URL: "localhost:1"\n$/,
      ],
      [
        ["lock", "--terms", bad.file, "--st-rpc", stUrl, ...seller],
        /^kessai: .*: terms\.quantity must be a JSON string of digits, not a JSON number .*\n$/,
      ],
      [
        ["lock", "--terms", path.join(dir, "missing.json"), "--st-rpc", stUrl, ...seller],
        /^kessai: terms file not found: .*missing\.json\n$/,
      ],
      // the ST ledger's endpoint given for the cash ledger: the chain does not match the terms
      [
        ["instruct", "--terms", file, "--cash-rpc", stUrl, ...buyer],
        /^kessai: Expected chain 31339 but the node is on chain 31338\n$/,
      ],
      // the buyer's key for the seller's step
      [
        ["lock", "--terms", file, "--st-rpc", stUrl, ...buyer],
        new RegExp(
          `^kessai: terms\\.seller is not the signer 0x[0-9a-fA-F]{40}: "${terms.seller}"\\n$`,
        ),
      ],
      [
        ["lock", "--terms", file, "--st-rpc", stUrl],
        /^kessai: xledger lock sends a transaction: pass --key, KESSAI_PRIVATE_KEY or --account\n$/,
      ],
      // deliver needs the verifier's attestation: from its endpoint, or given
      [
        ["deliver", "--terms", file, "--st-rpc", stUrl, ...seller],
        /^kessai: give --verifier-url URL \(or KESSAI_VERIFIER_URL\) or --attestation HEX\n$/,
      ],
      [
        [
          "return",
          "--terms",
          file,
          "--st-rpc",
          stUrl,
          "--verifier-url",
          "verifier:9464",
          ...seller,
        ],
        /^kessai: --verifier-url must be an http:\/\/ or https:\/\/ URL: "verifier:9464"\n$/,
      ],
    ];
    for (const [argv, line] of cases) {
      const r = await run(argv);
      expect(r.err, argv.join(" ")).to.match(line);
      expect(r.code, argv.join(" ")).to.equal(2);
      expect(r.out).to.equal("");
    }
    expect(await books(terms)).to.deep.equal(before);
  });

  it("lock, instruct, status, deliver: one line each; the ledgers' refusals exit 1 and move nothing", async function () {
    const { terms, file } = await fresh();
    const ledgers = ["--st-rpc", stUrl, "--cash-rpc", cashUrl];
    const status = async () => {
      const r = await run(["status", "--terms", file, ...ledgers, "--json"]);
      expect(r.code).to.equal(0);
      return JSON.parse(r.out) as { status: string; final: boolean };
    };
    expect((await status()).status).to.equal("none");

    const lock = await run(["lock", "--terms", file, "--st-rpc", stUrl, ...seller]);
    expect(lock.err).to.equal("");
    expect(lock.code).to.equal(0);
    expect(lock.out).to.match(
      new RegExp(
        `^locked 10 units for settlement ${terms.id} \\(tx 0x[0-9a-f]{64}, block \\d+, gas \\d+\\)\\n$`,
      ),
    );
    expect((await status()).status).to.equal("locked");

    const instruct = await run(["instruct", "--terms", file, "--cash-rpc", cashUrl, ...buyer]);
    expect(instruct.code).to.equal(0);
    expect(instruct.out).to.match(
      new RegExp(`^instructed 1000000 DCJPY for settlement ${terms.id} \\(tx `),
    );
    const human = await run(["status", "--terms", file, ...ledgers]);
    expect(human.out).to.match(
      /^settlement: +0x[0-9a-f]{64}\nstatus: +awaitingDecision\nfinal: +no\n/,
    );
    expect(human.out).to.include("ST ledger:   Locked (chain 31338,");

    const mid = await books(terms);
    const again = await run(["instruct", "--terms", file, "--cash-rpc", cashUrl, ...buyer]);
    expect(again.code).to.equal(1);
    expect(again.err).to.equal(
      `kessai: PaymentUnexpectedState: settlement ${short(terms.id)} is Instructed on the cash ledger, needs None\n`,
    );
    const early = await run(["refund", "--terms", file, "--cash-rpc", cashUrl, ...relayer]);
    expect(early.code).to.equal(1);
    expect(early.err).to.match(
      new RegExp(
        `^kessai: CrossLedgerDeadlineNotPassed: deadline ${terms.deadline} of ${short(terms.id)} not passed yet \\(block time \\d+\\)\\n$`,
      ),
    );
    // the verifier has signed nothing yet: no attestation to deliver with
    const verifierUrl = ["--verifier-url", verifier.url];
    verifier.answer(404, {
      error: "not_found",
      message: `no attestation for ${terms.id} (not signed)`,
    });
    const none = await run([
      "deliver",
      "--terms",
      file,
      "--st-rpc",
      stUrl,
      ...verifierUrl,
      ...relayer,
    ]);
    expect(none.code).to.equal(1);
    expect(none.err).to.equal(
      `kessai: no attestation of settlement ${terms.id} from the verifier yet: no attestation for ${terms.id} (not signed)\n`,
    );
    expect(verifier.asked.at(-1)).to.equal(`/settlements/${terms.id}/attestation`);
    // a Paid attestation is no key to the seller's return
    const wrong = await run([
      "return",
      "--terms",
      file,
      "--st-rpc",
      stUrl,
      "--attestation",
      await sign(terms, 1),
      ...relayer,
    ]);
    expect(wrong.code).to.equal(1);
    expect(wrong.err).to.match(
      /^kessai: CrossLedgerInvalidAttestation: the attestation is not 0x\w+…\w+'s Refunded for settlement /,
    );
    expect(await books(terms)).to.deep.equal(mid);

    // the verifier serves its Paid attestation: no key to the return, the key to the delivery
    verifier.answer(200, {
      id: terms.id,
      outcome: "paid",
      attestation: await sign(terms, 1),
      terms: Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, String(v)])),
    });
    const notReturn = await run([
      "return",
      "--terms",
      file,
      "--st-rpc",
      stUrl,
      ...verifierUrl,
      ...relayer,
    ]);
    expect(notReturn.code).to.equal(1);
    expect(notReturn.err).to.equal(
      `kessai: no Refunded attestation of settlement ${terms.id}: the verifier attests Paid\n`,
    );
    expect(await books(terms)).to.deep.equal(mid);
    const deliver = await run([
      "deliver",
      "--terms",
      file,
      "--st-rpc",
      stUrl,
      ...verifierUrl,
      ...relayer,
    ]);
    expect(deliver.code).to.equal(0);
    expect(deliver.out).to.match(new RegExp(`^delivered settlement ${terms.id} \\(tx `));
    expect(await status()).to.include({ status: "delivered" });
    const after = await books(terms);
    expect(after[1] - mid[1]).to.equal(10n); // the buyer's units
    expect(mid[2] - after[2]).to.equal(10n); // the seller's lock
  });

  /**
   * `deliver` and `return` with `--verifier-url` of the verifier service itself (in this process,
   * over both ledgers, its ST sender without ether: it decides and signs, never presents), for a
   * refused and for a paid settlement: the party's command fetches the served attestation and
   * moves the units; before it is signed, or for the other outcome, exit 1 and nothing moves.
   */
  describe("against a running verifier service that cannot relay", function () {
    let store: Store;
    let service: Verifier;
    let http: VerifierHttp;

    before(async function () {
      store = await openSqliteStore({ filename: path.join(dir, "verifier.db") });
      // from the next blocks on: what the tests above left open is not its concern
      service = await openVerifierWithoutStGas(L, store, {
        st: (await L.st.ethers.provider.getBlockNumber()) + 1,
        cash: (await L.cash.ethers.provider.getBlockNumber()) + 1,
      });
      http = await listenHttp(service);
    });

    after(async function () {
      await http?.close();
      await store?.close();
    });

    const at = () => ["--verifier-url", http.url];
    const verifierSt = async () =>
      L.st.ethers.provider.getTransactionCount(new Wallet(devKey(A.verifier)).address);

    it("refused (buyer suspended after the lock): the seller's `xledger return --verifier-url` returns the units", async function () {
      const { terms, file } = await fresh();
      const before = await books(terms);
      const sentSt = await verifierSt();
      const registry = await L.st.ethers.getContractAt("InvestorRegistry", L.registry);
      const issuer = (await L.st.ethers.getSigners())[A.issuer];
      expect((await run(["lock", "--terms", file, "--st-rpc", stUrl, ...seller])).code).to.equal(0);
      await (await registry.connect(issuer).suspend(terms.buyer)).wait();
      try {
        const i = await run(["instruct", "--terms", file, "--cash-rpc", cashUrl, ...buyer]);
        expect(i.code).to.equal(0);
        await service.tick(); // refuses on the cash ledger; the refusal not seen confirmed yet
        expect((await service.settlement(terms.id))?.decision).to.equal("refunded");
        const ret = ["return", "--terms", file, "--st-rpc", stUrl, ...at(), ...seller];
        const early = await run(ret);
        expect(early.code).to.equal(1);
        expect(early.err).to.equal(
          `kessai: no attestation of settlement ${terms.id} from the verifier yet: no attestation for ${terms.id.toLowerCase()} (not signed: the cash ledger's outcome is not confirmed, or not this service's settlement)\n`,
        );
        await service.tick(); // signs the Refunded attestation; cannot send it
        expect(await service.attestation(terms.id)).to.include({ outcome: "refunded" });
        const mid = await books(terms);
        const deliver = await run([
          "deliver",
          "--terms",
          file,
          "--st-rpc",
          stUrl,
          ...at(),
          ...relayer,
        ]);
        expect(deliver.code).to.equal(1);
        expect(deliver.err).to.equal(
          `kessai: no Paid attestation of settlement ${terms.id}: the verifier attests Refunded\n`,
        );
        expect(await books(terms)).to.deep.equal(mid);

        const r = await run(ret);
        expect(r.err).to.equal("");
        expect(r.code).to.equal(0);
        expect(r.out).to.match(new RegExp(`^returned the units of settlement ${terms.id} \\(tx `));
        // units and money where they were, the lock gone; the service sent nothing on the ST ledger
        expect(await books(terms)).to.deep.equal([...before.slice(0, 5), 3n, 3n]);
        expect(await verifierSt()).to.equal(sentSt);
      } finally {
        await (await registry.connect(issuer).reinstate(terms.buyer)).wait();
      }
    });

    it("paid: anyone's `xledger deliver --verifier-url` delivers; `return` is refused", async function () {
      const { terms, file } = await fresh();
      const before = await books(terms);
      const sentSt = await verifierSt();
      expect((await run(["lock", "--terms", file, "--st-rpc", stUrl, ...seller])).code).to.equal(0);
      const i = await run(["instruct", "--terms", file, "--cash-rpc", cashUrl, ...buyer]);
      expect(i.code).to.equal(0);
      await service.tick(); // pays
      await service.tick(); // the payment confirmed: signs the Paid attestation; cannot send it
      expect(await service.attestation(terms.id)).to.include({ outcome: "paid" });
      const mid = await books(terms);
      const ret = await run(["return", "--terms", file, "--st-rpc", stUrl, ...at(), ...seller]);
      expect(ret.code).to.equal(1);
      expect(ret.err).to.equal(
        `kessai: no Refunded attestation of settlement ${terms.id}: the verifier attests Paid\n`,
      );
      expect(await books(terms)).to.deep.equal(mid);

      const d = await run(["deliver", "--terms", file, "--st-rpc", stUrl, ...at(), ...relayer]);
      expect(d.err).to.equal("");
      expect(d.code).to.equal(0);
      expect(d.out).to.match(new RegExp(`^delivered settlement ${terms.id} \\(tx `));
      const after = await books(terms);
      expect(before[0] - after[0]).to.equal(10n); // the seller's units
      expect(after[1] - before[1]).to.equal(10n); // the buyer's units
      expect(after[2]).to.equal(before[2]); // the lock gone (other tests' locks stay)
      expect(before[3] - after[3]).to.equal(1_000_000n); // the buyer paid
      expect(after[4] - before[4]).to.equal(1_000_000n); // the seller was paid
      expect(after.slice(5)).to.deep.equal([2n, 2n]); // Delivered, Paid
      expect(await verifierSt()).to.equal(sentSt);
    });
  });
});

/**
 * `kessai reconcile` reports unfinished business: run in-process against anvil (started here, on
 * a free port) with a trade left open after step 3 (DCJPY issued, not paid, deadline near).
 */
import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet, ZeroAddress } from "ethers";
import {
  BankClient,
  FirmClient,
  IssuerClient,
  buildTerms,
  settleTrade,
  type KessaiAddresses,
} from "../../../packages/sdk/src/index.js";
import { main } from "../../../packages/cli/src/main.js";
import { startAnvil, type Anvil } from "../sdk/anvil.js";
import { ref } from "../sdk/fixture.js";
import { deployOverRpc } from "../sdk/hardhat-node.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const key = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;
// accounts: 0 deployer, 1 issuer, 2 bank, 3 agent, 4 seller, 5 buyer
const [ISSUER, BANK, SELLER, BUYER] = [1, 2, 4, 5];

describe("kessai reconcile: unfinished business", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;

  /** Runs the CLI in-process against anvil, capturing stdout and stderr. */
  async function kessai(args: string[]) {
    let out = "";
    let err = "";
    const code = await main(
      [
        ...args,
        "--rpc",
        anvil.url,
        "--dvp",
        addresses.dvp,
        "--security-token",
        addresses.securityToken,
        "--deposit-token",
        addresses.depositToken,
      ],
      { out: (s) => (out += s), err: (s) => (err += s) },
    );
    return { code, out, err };
  }

  before(async function () {
    anvil = await startAnvil();
    provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    addresses = await deployOverRpc(provider, {
      deployer: 0,
      issuer: ISSUER,
      bank: BANK,
      agent: 3,
    });
  });
  after(async function () {
    provider?.destroy();
    await anvil?.stop();
  });

  it("is clean on a fresh deployment, and lists a trade left open after step 3", async function () {
    const fresh = await kessai(["reconcile"]);
    expect(fresh.code, fresh.err).to.equal(0);
    expect(fresh.out).to.match(/clean:\s+yes\n/);
    expect(fresh.out).to.not.include("unfinished:");

    const runner = (i: number) => new Wallet(key(i), provider);
    const issuer = await IssuerClient.connect({ runner: runner(ISSUER), addresses });
    const bank = await BankClient.connect({ runner: runner(BANK), addresses });
    const seller = await FirmClient.connect({ runner: runner(SELLER), addresses });
    const buyer = await FirmClient.connect({ runner: runner(BUYER), addresses });
    const parties = [seller.address, buyer.address];
    await issuer.registerInvestors({
      investors: parties.map((account) => ({ account, investorRef: ref(account) })),
    });
    await bank.openDepositAccounts({
      accounts: parties,
      depositAccountRefs: parties.map((a) => ref(`deposit:${a}`)),
    });
    await issuer.issueSecurity({ to: seller.address, value: 10n });
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const terms = buildTerms({
      id: ref("reconcile-open-trade"),
      seller: seller.address,
      buyer: buyer.address,
      securityToken: addresses.securityToken,
      quantity: 3n,
      cashToken: addresses.depositToken,
      amount: 700n,
      deadline: now + 600n,
      agent: ZeroAddress,
    });
    // the trade stops once step 3 (the issuance) is done
    const stop = new Error("stop");
    const err = await settleTrade({
      seller,
      buyer,
      bank,
      terms,
      onProgress: (e) => {
        if (e.step === 3 && e.status === "done") throw stop;
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.equal(stop);
    for (const c of [issuer, bank, seller, buyer]) c.close();

    const open = await kessai(["reconcile"]);
    // the books reconcile (exit 0), but the report is not clean
    expect(open.code, open.err).to.equal(0);
    expect(open.out).to.match(/result:\s+OK\n/);
    expect(open.out).to.match(/clean:\s+no \(2 unfinished\)\n/);
    const lines = open.out.split("\n").filter((l) => l.startsWith("unfinished: "));
    const id = terms.id.toLowerCase();
    expect(lines.map((l) => l.split(": ")[1]).sort()).to.deep.equal([
      "issued-waiting",
      "near-deadline",
    ]);
    const line = (kind: string) => lines.find((l) => l.startsWith(`unfinished: ${kind}: `))!;
    expect(line("issued-waiting")).to.include(`700 DCJPY issued to ${buyer.address}`);
    expect(line("issued-waiting").toLowerCase()).to.include(id);
    expect(line("near-deadline").toLowerCase()).to.include(id);
    expect(line("near-deadline")).to.include("is Affirmed");

    // --json carries the same list
    const json = await kessai(["reconcile", "--json"]);
    expect(json.code, json.err).to.equal(0);
    const report = JSON.parse(json.out) as {
      clean: boolean;
      unfinished: { kind: string; id?: string; amount?: string }[];
    };
    expect(report.clean).to.equal(false);
    expect(
      report.unfinished.map((u) => [u.kind, u.id?.toLowerCase(), u.amount]).sort(),
    ).to.deep.equal(
      [
        ["issued-waiting", id, "700"],
        ["near-deadline", id, undefined],
      ].sort(),
    );
  });
});

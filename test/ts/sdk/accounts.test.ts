import { expect } from "chai";
import { ZeroAddress, ZeroHash, type Log } from "ethers";
import {
  AccessControlUnauthorizedAccount,
  BankClient,
  DepositTokenAccountAlreadyOpen,
  DepositTokenAccountNotEmpty,
  DepositTokenAccountNotOpen,
  DepositTokenIneligibleReceiver,
  DepositTokenIneligibleSender,
  DepositTokenInvalidAccount,
  DepositTokenLengthMismatch,
  DepositTokenZeroReference,
  InvalidAddressError,
  InvalidBatchError,
  InvalidReferenceError,
  MissingSignerError,
  closeDepositAccount,
  closeOutDepositAccount,
  getDepositAccount,
  openDepositAccount,
  openDepositAccounts,
  toKessaiError,
  type InputError,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

describe("sdk: the bank's DCJPY account book", function () {
  let k: Kessai;
  let outsiderBank: BankClient;
  /** Addresses no test has opened an account for yet (one per test that needs a fresh one). */
  let fresh: string[];

  before(async function () {
    k = await deployKessai();
    outsiderBank = await BankClient.connect({
      runner: k.signers.outsider,
      addresses: k.addresses,
    });
    fresh = k.signers.rest.map((s) => s.address);
  });

  /** The DCJPY events of a receipt's logs, as [name, ...args]. */
  const dcjpyEvents = (logs: readonly Log[]) =>
    logs
      .map((l) => k.contracts.dcjpy.interface.parseLog(l))
      .filter((e) => e !== null)
      .map((e) => [e.name, ...e.args.toArray()]);

  /** What the account book says about `account`, straight from the contract. */
  const onChain = async (account: string) => [
    await k.contracts.dcjpy.isAccountOpen(account),
    await k.contracts.dcjpy.depositAccountOf(account),
  ];

  it("opens an account bound to a deposit account: it can then receive and redeem DCJPY", async function () {
    const { bank } = k.clients;
    const who = fresh[0];
    expect(await bank.isAccountOpen(who)).to.equal(false);
    expect((await bank.getDepositAccount({ account: who })).depositAccountRef).to.equal(undefined);
    await expectError(
      bank.issueDeposit({ account: who, amount: 1n, bankReference: ref("acct:before-open") }),
      DepositTokenIneligibleReceiver,
      { account: who },
    );

    const r = await bank.openDepositAccount({ account: who, depositAccountRef: ref("dep:0") });
    expect(r.blockNumber).to.be.greaterThan(0);
    expect(dcjpyEvents(r.receipt.logs)).to.deep.equal([["AccountOpened", who, ref("dep:0")]]);
    expect(await bank.isAccountOpen(who)).to.equal(true);
    expect((await bank.getDepositAccount({ account: who })).depositAccountRef).to.equal(
      ref("dep:0"),
    );
    expect(await getDepositAccount(bank.ctx, { account: who })).to.deep.equal({
      account: who,
      open: true,
      depositAccountRef: ref("dep:0"),
    });

    await bank.issueDeposit({ account: who, amount: 100n, bankReference: ref("acct:fund-0") });
    expect((await bank.getDepositBalance({ account: who })).balance).to.equal(100n);
    await bank.redeemDepositFrom({ account: who, amount: 100n, redemptionRef: ref("acct:red-0") });
    expect((await bank.getDepositBalance({ account: who })).balance).to.equal(0n);
  });

  it("opens several accounts in one transaction, in order", async function () {
    const { bank } = k.clients;
    const [a, b] = [fresh[1], fresh[2]];
    const r = await bank.openDepositAccounts({
      accounts: [a, b],
      depositAccountRefs: [ref("dep:1"), ref("dep:2")],
    });
    expect(dcjpyEvents(r.receipt.logs)).to.deep.equal([
      ["AccountOpened", a, ref("dep:1")],
      ["AccountOpened", b, ref("dep:2")],
    ]);
    expect(await onChain(a)).to.deep.equal([true, ref("dep:1")]);
    expect(await onChain(b)).to.deep.equal([true, ref("dep:2")]);
  });

  it("closes an empty account: it can then neither receive nor send; it can be reopened", async function () {
    const { bank } = k.clients;
    const who = fresh[3];
    await openDepositAccount(bank.ctx, { account: who, depositAccountRef: ref("dep:3") });
    await bank.issueDeposit({ account: who, amount: 70n, bankReference: ref("acct:fund-3") });

    // Not while it holds DCJPY: nothing changes.
    await expectError(bank.closeDepositAccount({ account: who }), DepositTokenAccountNotEmpty, {
      account: who,
      balance: 70n,
    });
    expect(await onChain(who)).to.deep.equal([true, ref("dep:3")]);
    expect((await bank.getDepositBalance({ account: who })).balance).to.equal(70n);

    await bank.redeemDepositFrom({ account: who, amount: 70n, redemptionRef: ref("acct:red-3") });
    const r = await bank.closeDepositAccount({ account: who });
    expect(dcjpyEvents(r.receipt.logs)).to.deep.equal([["AccountClosed", who, ref("dep:3")]]);
    expect(await bank.isAccountOpen(who)).to.equal(false);
    expect((await bank.getDepositAccount({ account: who })).depositAccountRef).to.equal(undefined);
    expect(await onChain(who)).to.deep.equal([false, ZeroHash]);

    await expectError(
      bank.issueDeposit({ account: who, amount: 1n, bankReference: ref("acct:after-close") }),
      DepositTokenIneligibleReceiver,
      { account: who },
    );
    // A closed account may not send either (a zero-value transfer meets every other rule).
    const signer = k.signers.rest[3];
    await expectError(
      k.contracts.dcjpy
        .connect(signer)
        .transfer.staticCall(k.signers.seller.address, 0n)
        .catch((e: unknown) => Promise.reject(toKessaiError(e, { action: "test.transfer" }))),
      DepositTokenIneligibleSender,
      { account: who },
    );

    // Reopened, bound to another deposit account.
    await bank.openDepositAccount({ account: who, depositAccountRef: ref("dep:3b") });
    expect(await onChain(who)).to.deep.equal([true, ref("dep:3b")]);
  });

  it("closes out an account with a frozen balance: freeze, then one multicall lifts the freezes, redeems everything and closes", async function () {
    const { bank } = k.clients;
    const who = fresh[8];
    await bank.openDepositAccount({ account: who, depositAccountRef: ref("dep:8") });
    await bank.issueDeposit({ account: who, amount: 90n, bankReference: ref("acct:fund-8") });
    await bank.freezePartial(who, 40n);
    const supplyBefore = await k.contracts.dcjpy.totalSupply();

    // Without the redeemer's role the whole multicall reverts with that step's typed error; the
    // freeze, sent first, stays (the account is stopped, not half closed).
    const registrarOnly = k.signers.rest[9];
    await k.contracts.dcjpy
      .connect(k.signers.admin)
      .grantRole(await k.contracts.dcjpy.FREEZER_ROLE(), registrarOnly.address)
      .then((tx) => tx.wait());
    await k.contracts.dcjpy
      .connect(k.signers.admin)
      .grantRole(await k.contracts.dcjpy.REGISTRAR_ROLE(), registrarOnly.address)
      .then((tx) => tx.wait());
    const partialBank = await BankClient.connect({ runner: registrarOnly, addresses: k.addresses });
    await expectError(
      closeOutDepositAccount(partialBank.ctx, { account: who, redemptionRef: ref("acct:out-8") }),
      AccessControlUnauthorizedAccount,
      {
        account: registrarOnly.address,
        neededRole: await k.contracts.dcjpy.REDEEMER_ROLE(),
      },
    );
    expect(await k.contracts.dcjpy.isAccountFrozen(who)).to.equal(true);
    expect((await bank.getDepositBalance({ account: who })).balance).to.equal(90n);
    expect(await onChain(who)).to.deep.equal([true, ref("dep:8")]);

    const r = await bank.closeOutDepositAccount({ account: who, redemptionRef: ref("acct:out-8") });
    expect(r.freeze).to.equal(undefined); // already frozen
    expect(r.redeemed).to.equal(90n);
    expect(dcjpyEvents(r.closeOut.receipt.logs)).to.deep.equal([
      ["AccountFrozen", who, false],
      ["PartialFreezeChanged", who, 0n],
      ["Transfer", who, ZeroAddress, 90n],
      ["Redeemed", ref("acct:out-8"), who, 90n, k.signers.bank.address],
      ["AccountClosed", who, ref("dep:8")],
    ]);
    expect(await onChain(who)).to.deep.equal([false, ZeroHash]);
    expect((await bank.getDepositBalance({ account: who })).balance).to.equal(0n);
    expect(await k.contracts.dcjpy.totalSupply()).to.equal(supplyBefore - 90n);

    // An unfrozen, empty account: the freeze is sent first, then the close.
    await bank.openDepositAccount({ account: who, depositAccountRef: ref("dep:8b") });
    const again = await bank.closeOutDepositAccount({
      account: who,
      redemptionRef: ref("acct:out-8b"),
    });
    expect(again.freeze?.blockNumber).to.be.lessThan(again.closeOut.blockNumber);
    expect(again.redeemed).to.equal(0n);
    expect(await onChain(who)).to.deep.equal([false, ZeroHash]);
  });

  it("typed contract errors: already open, not open, unauthorised; nothing changes", async function () {
    const { bank } = k.clients;
    const seller = k.signers.seller.address;
    const sellerBefore = await onChain(seller);
    expect(sellerBefore).to.deep.equal([true, ref("deposit:seller")]);

    const e = await expectError(
      bank.openDepositAccount({ account: seller, depositAccountRef: ref("dep:other") }),
      DepositTokenAccountAlreadyOpen,
      { account: seller },
    );
    expect(e.shortMessage).to.match(
      /^DepositTokenAccountAlreadyOpen: 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} already has an open DCJPY account$/,
    );
    expect(e.action).to.equal("bank.openAccount");
    expect(await onChain(seller)).to.deep.equal(sellerBefore);

    // All or nothing: the batch's first, new account is not opened either.
    const newcomer = fresh[4];
    await expectError(
      bank.openDepositAccounts({
        accounts: [newcomer, seller],
        depositAccountRefs: [ref("dep:4"), ref("dep:other")],
      }),
      DepositTokenAccountAlreadyOpen,
      { account: seller },
    );
    expect(await onChain(newcomer)).to.deep.equal([false, ZeroHash]);
    // The same address twice in one batch: the second opening fails.
    await expectError(
      bank.openDepositAccounts({
        accounts: [newcomer, newcomer],
        depositAccountRefs: [ref("dep:4"), ref("dep:4b")],
      }),
      DepositTokenAccountAlreadyOpen,
      { account: newcomer },
    );
    expect(await onChain(newcomer)).to.deep.equal([false, ZeroHash]);

    await expectError(bank.closeDepositAccount({ account: newcomer }), DepositTokenAccountNotOpen, {
      account: newcomer,
    });

    const registrar = await k.contracts.dcjpy.REGISTRAR_ROLE();
    const outsider = k.signers.outsider.address;
    await expectError(
      outsiderBank.openDepositAccount({ account: newcomer, depositAccountRef: ref("dep:4") }),
      AccessControlUnauthorizedAccount,
      { account: outsider, neededRole: registrar },
    );
    await expectError(
      outsiderBank.openDepositAccounts({
        accounts: [newcomer],
        depositAccountRefs: [ref("dep:4")],
      }),
      AccessControlUnauthorizedAccount,
      { account: outsider, neededRole: registrar },
    );
    await expectError(
      outsiderBank.closeDepositAccount({ account: seller }),
      AccessControlUnauthorizedAccount,
      {
        account: outsider,
        neededRole: registrar,
      },
    );
    // The issuer keeps the investor register, not DCJPY's account book.
    await expectError(
      openDepositAccount(k.clients.issuer.ctx, {
        account: newcomer,
        depositAccountRef: ref("dep:4"),
      }),
      AccessControlUnauthorizedAccount,
      { account: k.signers.issuer.address, neededRole: registrar },
    );
    expect(await onChain(newcomer)).to.deep.equal([false, ZeroHash]);
    expect(await onChain(seller)).to.deep.equal(sellerBefore);
  });

  it("decodes the contract's own checks of what the SDK refuses before sending", async function () {
    const dcjpy = k.contracts.dcjpy.connect(k.signers.bank);
    const decoded = (p: Promise<unknown>) =>
      p.catch((e: unknown) => Promise.reject(toKessaiError(e, { action: "test.openAccount" })));
    await expectError(
      decoded(dcjpy.openAccount.staticCall(ZeroAddress, ref("dep:z"))),
      DepositTokenInvalidAccount,
      { account: ZeroAddress },
    );
    await expectError(
      decoded(dcjpy.openAccount.staticCall(fresh[5], ZeroHash)),
      DepositTokenZeroReference,
    );
    const e = await expectError(
      decoded(dcjpy.openAccounts.staticCall([fresh[5], fresh[6]], [ref("dep:5")])),
      DepositTokenLengthMismatch,
      { accounts: 2n, refs: 1n },
    );
    expect(e.shortMessage).to.equal(
      "DepositTokenLengthMismatch: batch lengths differ: 2 accounts, 1 deposit-account refs",
    );
  });

  it("refuses bad input before signing, leaving the bank's nonce and the book unchanged", async function () {
    const { bank, auditor } = k.clients;
    const who = fresh[7];
    const nonce = () => k.ethers.provider.getTransactionCount(k.signers.bank.address, "pending");
    const before = await nonce();
    const cases: [() => Promise<unknown>, abstract new (...a: never[]) => InputError, string][] = [
      [
        () => bank.openDepositAccount({ account: "0x1234", depositAccountRef: ref("d") }),
        InvalidAddressError,
        "account",
      ],
      [
        () => bank.openDepositAccount({ account: ZeroAddress, depositAccountRef: ref("d") }),
        InvalidAddressError,
        "account",
      ],
      [
        () => bank.openDepositAccount({ account: who, depositAccountRef: ZeroHash }),
        InvalidReferenceError,
        "depositAccountRef",
      ],
      [
        () => bank.openDepositAccount({ account: who, depositAccountRef: "ACCT-".padEnd(32, "0") }),
        InvalidReferenceError,
        "depositAccountRef",
      ],
      [
        () => bank.openDepositAccounts({ accounts: [who], depositAccountRefs: [] }),
        InvalidBatchError,
        "accounts",
      ],
      [
        () => bank.openDepositAccounts({ accounts: [], depositAccountRefs: [] }),
        InvalidBatchError,
        "accounts",
      ],
      [
        () => bank.openDepositAccounts({ accounts: [ZeroAddress], depositAccountRefs: [ref("d")] }),
        InvalidAddressError,
        "accounts[0]",
      ],
      [
        () => bank.openDepositAccounts({ accounts: [who], depositAccountRefs: ["0x00"] }),
        InvalidReferenceError,
        "depositAccountRefs[0]",
      ],
      [() => bank.closeDepositAccount({ account: "nope" }), InvalidAddressError, "account"],
      [() => bank.isAccountOpen("0x12"), InvalidAddressError, "account"],
      [() => bank.getDepositAccount({ account: ZeroAddress }), InvalidAddressError, "account"],
      [
        () => openDepositAccount(auditor.ctx, { account: who, depositAccountRef: ref("d") }),
        MissingSignerError,
        "runner",
      ],
      [
        () => openDepositAccounts(auditor.ctx, { accounts: [who], depositAccountRefs: [ref("d")] }),
        MissingSignerError,
        "runner",
      ],
      [() => closeDepositAccount(auditor.ctx, { account: who }), MissingSignerError, "runner"],
    ];
    for (const [p, Cls, field] of cases) await expectError(p(), Cls, { field });
    expect(await nonce()).to.equal(before);
    expect(await onChain(who)).to.deep.equal([false, ZeroHash]);
  });
});

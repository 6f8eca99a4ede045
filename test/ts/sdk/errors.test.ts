import { expect } from "chai";
import { ErrorFragment, toBeHex, zeroPadValue } from "ethers";
import {
  AccessControlUnauthorizedAccount,
  BankClient,
  CONTRACT_ERRORS,
  ContractError,
  DepositTokenAccountFrozen,
  DepositTokenIneligibleReceiver,
  DepositTokenInsufficientAvailableBalance,
  DepositTokenIssuanceReferenceUsed,
  DepositTokenNotRequester,
  DepositTokenPaused,
  DepositTokenRedemptionReferenceUsed,
  DepositTokenUnexpectedRequestStatus,
  DepositTokenUnfreezeExceedsFrozen,
  DvpAgentApprovalMissing,
  DvpDeadlineNotPassed,
  DvpDeadlinePassed,
  DvpInvalidSignature,
  DvpForcedRemovalExceedsUnassigned,
  DvpTermsMismatch,
  DvpUnauthorized,
  DvpUnexpectedState,
  ERC20InsufficientAllowance,
  FirmClient,
  IssuerClient,
  formatContractError,
  roleName,
  RegistryAlreadyRegistered,
  RegistryExpiryInPast,
  RegistryNotRegistered,
  RegistryUnexpectedStatus,
  SecurityTokenInactive,
  SecurityTokenIneligibleReceiver,
  SecurityTokenIneligibleSender,
  SecurityTokenInsufficientLock,
  SecurityTokenInsufficientUnlockedBalance,
  SecurityTokenNotTransferable,
  SecurityTokenPaused,
  SecurityTokenTransferApprovalRequired,
  SecurityTokenUnauthorizedCancel,
  SecurityTokenUnexpectedApplicationStatus,
  SettlementState,
  UnknownContractError,
  ContractRevertedError,
  ContractPanicError,
  decodeRevertData,
  errorInterface,
  termsArg,
  buildTerms,
  toKessaiError,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

function sample(type: string, i: number): unknown {
  if (type.endsWith("]")) return [sample(type.replace(/\[[0-9]*\]$/, ""), i)];
  if (type === "address") return "0x" + (i + 1).toString(16).padStart(40, "0");
  if (type === "bool") return true;
  if (type === "string") return `s${i}`;
  if (type === "bytes") return "0x1234";
  if (type.startsWith("bytes"))
    return "0x" + (i + 1).toString(16).padStart(Number(type.slice(5)) * 2, "0");
  if (type.startsWith("uint") || type.startsWith("int")) return BigInt(i + 1);
  throw new Error(`no sample for ${type}`);
}

describe("sdk errors", function () {
  describe("decoding (every custom error of every ABI)", function () {
    const entries = Object.entries(CONTRACT_ERRORS);
    it("has one generated class per custom error, registered by selector", function () {
      expect(entries.length).to.be.greaterThan(60);
      for (const [selector, Cls] of entries) expect(Cls.selector).to.equal(selector);
    });
    it("decodes each error's revert data into its class with typed args and a one-line message", function () {
      const iface = errorInterface();
      for (const [selector, Cls] of entries) {
        const frag = iface.getError(selector) as ErrorFragment;
        const values = frag.inputs.map((p, i) => sample(p.type, i));
        const data = iface.encodeErrorResult(frag, values);
        const e = decodeRevertData(data, { action: "test" });
        expect(e, Cls.errorName).to.be.instanceOf(Cls);
        expect(e).to.be.instanceOf(ContractError);
        expect(e.errorName).to.equal(Cls.errorName);
        frag.inputs.forEach((p, i) => {
          const v = (e.args as Record<string, unknown>)[p.name || `arg${i}`];
          expect(v, `${Cls.errorName}.${p.name}`).to.deep.equal(values[i]);
        });
        expect(e.shortMessage.startsWith(Cls.errorName)).to.equal(true);
        expect(e.shortMessage).to.not.include("\n").and.not.include("undefined");
      }
    });
    it("decodes Error(string), Panic(uint256) and unknown data", function () {
      expect(
        decodeRevertData(
          "0x08c379a0" + "0".repeat(62) + "20" + "0".repeat(63) + "2" + "6869" + "0".repeat(60),
        ),
      ).to.be.instanceOf(ContractRevertedError);
      expect(decodeRevertData("0x4e487b71" + "0".repeat(62) + "11")).to.be.instanceOf(
        ContractPanicError,
      );
      expect(decodeRevertData("0xdeadbeef")).to.be.instanceOf(UnknownContractError);
    });
    it("phrases SecurityTokenInsufficientUnlockedBalance for a human", function () {
      const iface = errorInterface();
      const data = iface.encodeErrorResult("SecurityTokenInsufficientUnlockedBalance", [
        "0xabc0000000000000000000000000000000000123",
        5n,
        10n,
      ]);
      expect(decodeRevertData(data).shortMessage).to.equal(
        "SecurityTokenInsufficientUnlockedBalance: 0xABc0…0123 has 5 unlocked units, needs 10",
      );
    });
  });

  describe("on chain, through the SDK", function () {
    let k: Kessai;
    let outsiderIssuer: IssuerClient;
    let outsiderBank: BankClient;
    let outsiderFirm: FirmClient;
    before(async function () {
      k = await deployKessai();
      outsiderIssuer = await IssuerClient.connect({
        runner: k.signers.outsider,
        addresses: k.addresses,
      });
      outsiderBank = await BankClient.connect({
        runner: k.signers.outsider,
        addresses: k.addresses,
      });
      outsiderFirm = await FirmClient.connect({
        runner: k.signers.outsider,
        addresses: k.addresses,
      });
      await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 1000n });
      await k.clients.bank.issueDeposit({
        account: k.signers.buyer.address,
        amount: 10_000_000n,
        bankReference: ref("e-fund"),
      });
    });
    const S = () => k.signers;
    /** Fixes the next block's time (what a call estimated against it sees) and returns it. */
    const nextBlockAt = async (secondsAhead: number): Promise<bigint> => {
      const t = (await k.networkHelpers.time.latest()) + secondsAhead;
      await k.networkHelpers.time.setNextBlockTimestamp(t);
      return BigInt(t);
    };

    it("registry errors", async function () {
      const { issuer } = k.clients;
      await expectError(
        issuer.registerInvestor({ account: S().seller.address, investorRef: ref("x") }),
        RegistryAlreadyRegistered,
        {
          account: S().seller.address,
        },
      );
      await expectError(
        issuer.removeInvestor({ account: S().outsider.address }),
        RegistryNotRegistered,
        {
          account: S().outsider.address,
        },
      );
      await expectError(
        issuer.reinstateInvestor({ account: S().seller.address }),
        RegistryUnexpectedStatus,
        {
          account: S().seller.address,
          current: 1n,
          expected: 2n,
        },
      );
      const nowTime = await nextBlockAt(10);
      await expectError(
        issuer.registerInvestor({
          account: S().outsider.address,
          investorRef: ref("x"),
          expiry: 1n,
        }),
        RegistryExpiryInPast,
        { account: S().outsider.address, expiry: 1n, nowTime },
      );
    });

    it("access control (OpenZeppelin) errors", async function () {
      const e = await expectError(
        outsiderIssuer.issueSecurity({ to: S().seller.address, value: 1n }),
        AccessControlUnauthorizedAccount,
        {
          account: S().outsider.address,
          neededRole: await k.contracts.bond.ISSUER_ROLE(),
        },
      );
      const outsider = S().outsider.address;
      const issuerRole = await k.contracts.bond.ISSUER_ROLE();
      // the role is named, not only its hash
      expect(e.shortMessage).to.equal(
        `AccessControlUnauthorizedAccount: ${outsider.slice(0, 6)}…${outsider.slice(-4)} lacks ` +
          `ISSUER_ROLE (${issuerRole.slice(0, 6)}…${issuerRole.slice(-4)})`,
      );
      const b = await expectError(
        outsiderBank.issueDeposit({
          account: S().buyer.address,
          amount: 1n,
          bankReference: ref("n"),
        }),
        AccessControlUnauthorizedAccount,
        { account: S().outsider.address, neededRole: await k.contracts.dcjpy.ISSUER_ROLE() },
      );
      expect(b.shortMessage).to.match(/ lacks ISSUER_ROLE \(0x114e…a122\)$/);
      const r = await expectError(
        outsiderIssuer.registerInvestor({ account: outsider, investorRef: ref("x") }),
        AccessControlUnauthorizedAccount,
      );
      expect(r.shortMessage).to.match(/ lacks REGISTRAR_ROLE \(0xedcc…9238\)$/);
      // an unknown role keeps its hash
      expect(
        formatContractError(
          "AccessControlUnauthorizedAccount",
          {
            account: outsider,
            neededRole: ref("NOT_A_ROLE"),
          },
          ["account", "neededRole"],
        ),
      ).to.match(/ lacks role 0x[0-9a-f]{4}…[0-9a-f]{4}$/);
    });

    it("roleName knows every role constant of the deployed contracts by its value", async function () {
      const { secReg, bond, dcjpy, dvp } = k.contracts;
      let n = 0;
      for (const c of [secReg, bond, dcjpy, dvp] as unknown as {
        interface: { fragments: readonly { type: string; name?: string; inputs?: unknown[] }[] };
        [k: string]: unknown;
      }[]) {
        for (const f of c.interface.fragments) {
          if (f.type !== "function" || !/_ROLE$/.test(f.name!) || f.inputs!.length) continue;
          const value = await (c[f.name!] as () => Promise<string>)();
          expect(roleName(value), f.name).to.equal(f.name);
          n++;
        }
      }
      expect(n).to.be.greaterThan(15);
      expect(roleName(ref("nothing"))).to.equal(undefined);
    });

    describe("security token errors, each from its own deployment", function () {
      let t: Kessai;
      beforeEach(async function () {
        t = await deployKessai();
        await t.clients.issuer.issueSecurity({ to: t.signers.seller.address, value: 1000n });
      });
      /** The seller's transfer of `value` to `to` (default the buyer). */
      const transfer = (value: bigint, to = t.signers.buyer.address) =>
        t.clients.seller.transferSecurity({ to, value });

      it("more than the unlocked balance", async function () {
        await expectError(transfer(5000n), SecurityTokenInsufficientUnlockedBalance, {
          account: t.signers.seller.address,
          available: 1000n,
          needed: 5000n,
        });
      });

      it("an ineligible receiver", async function () {
        await expectError(
          transfer(1n, t.signers.outsider.address),
          SecurityTokenIneligibleReceiver,
          {
            account: t.signers.outsider.address,
          },
        );
      });

      it("paused", async function () {
        await t.clients.issuer.pause();
        await expectError(transfer(1n), SecurityTokenPaused);
      });

      it("inactive", async function () {
        await t.clients.issuer.setSecuritySwitches({ active: false });
        await expectError(transfer(1n), SecurityTokenInactive);
      });

      it("not transferable", async function () {
        await t.clients.issuer.setSecuritySwitches({ transferable: false });
        await expectError(transfer(1n), SecurityTokenNotTransferable);
      });

      it("transfer approval: required, cancelled by another, approved twice", async function () {
        const { issuer, seller, buyer } = t.clients;
        await issuer.setSecuritySwitches({ transferApprovalRequired: true });
        await expectError(transfer(1n), SecurityTokenTransferApprovalRequired);
        const app = await seller.applyForTransfer({ to: t.signers.buyer.address, value: 1n });
        await expectError(
          buyer.cancelTransfer({ applicationId: app.applicationId }),
          SecurityTokenUnauthorizedCancel,
          { applicationId: app.applicationId, caller: t.signers.buyer.address },
        );
        await issuer.approveTransfer({ applicationId: app.applicationId });
        await expectError(
          issuer.approveTransfer({ applicationId: app.applicationId }),
          SecurityTokenUnexpectedApplicationStatus,
          { applicationId: app.applicationId, current: 2n },
        );
      });

      it("unlocking more than is locked", async function () {
        await expectError(
          t.clients.issuer.forceUnlock({
            lockAddress: t.signers.agent.address,
            account: t.signers.seller.address,
            value: 1n,
          }),
          SecurityTokenInsufficientLock,
          {
            lockAddress: t.signers.agent.address,
            account: t.signers.seller.address,
            locked: 0n,
            needed: 1n,
          },
        );
      });

      it("a suspended sender", async function () {
        await t.clients.issuer.suspendInvestor({ account: t.signers.seller.address });
        await expectError(transfer(1n), SecurityTokenIneligibleSender, {
          account: t.signers.seller.address,
        });
      });
    });

    describe("deposit token errors, each from its own deployment", function () {
      let t: Kessai;
      beforeEach(async function () {
        t = await deployKessai();
        await t.clients.bank.issueDeposit({
          account: t.signers.buyer.address,
          amount: 10_000_000n,
          bankReference: ref("e-fund"),
        });
      });

      it("an issuance reference used twice", async function () {
        await expectError(
          t.clients.bank.issueDeposit({
            account: t.signers.buyer.address,
            amount: 1n,
            bankReference: ref("e-fund"),
          }),
          DepositTokenIssuanceReferenceUsed,
          { bankReference: ref("e-fund") },
        );
      });

      it("an ineligible receiver", async function () {
        await expectError(
          t.clients.bank.issueDeposit({
            account: t.signers.outsider.address,
            amount: 1n,
            bankReference: ref("e-out"),
          }),
          DepositTokenIneligibleReceiver,
          { account: t.signers.outsider.address },
        );
      });

      it("a redemption reference used twice", async function () {
        await t.clients.buyer.redeemDeposit({ amount: 1n, redemptionRef: ref("e-red") });
        await expectError(
          t.clients.buyer.redeemDeposit({ amount: 1n, redemptionRef: ref("e-red") }),
          DepositTokenRedemptionReferenceUsed,
          { redemptionRef: ref("e-red") },
        );
      });

      it("redeeming more than the available balance", async function () {
        await expectError(
          t.clients.seller.redeemDeposit({ amount: 5n, redemptionRef: ref("e-red2") }),
          DepositTokenInsufficientAvailableBalance,
          { account: t.signers.seller.address, available: 0n, needed: 5n },
        );
      });

      it("issuance requests: an unknown one fulfilled, cancelled by another firm", async function () {
        await expectError(
          t.clients.bank.fulfilIssuanceRequest({ requestId: 999n, bankReference: ref("e-q") }),
          DepositTokenUnexpectedRequestStatus,
          { requestId: 999n, current: 0n },
        );
        const req = await t.clients.buyer.requestIssuance({
          amount: 5n,
          depositAccountRef: ref("acct"),
        });
        await expectError(
          t.clients.seller.cancelIssuanceRequest({ requestId: req.requestId }),
          DepositTokenNotRequester,
          { requestId: req.requestId, caller: t.signers.seller.address },
        );
      });

      it("unfreezing more than is frozen", async function () {
        await expectError(
          t.clients.bank.unfreezePartial(t.signers.buyer.address, 1n),
          DepositTokenUnfreezeExceedsFrozen,
          { account: t.signers.buyer.address, frozen: 0n, amount: 1n },
        );
      });

      it("a frozen account", async function () {
        await t.clients.bank.freeze(t.signers.buyer.address);
        await expectError(
          t.clients.buyer.redeemDeposit({ amount: 1n, redemptionRef: ref("e-red3") }),
          DepositTokenAccountFrozen,
          { account: t.signers.buyer.address },
        );
      });

      it("paused", async function () {
        await t.clients.bank.pause();
        await expectError(
          t.clients.buyer.redeemDeposit({ amount: 1n, redemptionRef: ref("e-red4") }),
          DepositTokenPaused,
        );
      });
    });

    it("DVP errors", async function () {
      const { seller, buyer, issuer, agent } = k.clients;
      const t = await k.newTerms();
      await seller.createSettlement({ terms: t });
      await expectError(seller.affirmSettlement({ terms: t }), DvpUnauthorized, {
        id: t.id,
        caller: S().seller.address,
      });
      await expectError(
        buyer.affirmSettlement({ terms: { ...t, amount: t.amount + 1n } }),
        DvpTermsMismatch,
        { id: t.id },
      );
      const badSig = await seller.ctx.signer!.signTypedData(
        { name: "x", version: "1", chainId: 31337, verifyingContract: k.addresses.dvp },
        { M: [{ name: "a", type: "uint256" }] },
        { a: 1 },
      );
      await expectError(
        outsiderFirm.affirmSettlement({ terms: t, signature: badSig }),
        DvpInvalidSignature,
        {
          id: t.id,
          expectedSigner: S().buyer.address,
        },
      );
      await expectError(buyer.settleSettlement({ terms: t }), ERC20InsufficientAllowance, {
        spender: k.addresses.dvp,
        allowance: 0n,
        needed: t.amount,
      });
      await buyer.affirmSettlement({ terms: t });
      const e = await expectError(buyer.affirmSettlement({ terms: t }), DvpUnexpectedState, {
        id: t.id,
        current: BigInt(SettlementState.Affirmed),
        expectedStates: zeroPadValue(toBeHex(1n << BigInt(SettlementState.Pending)), 32),
      });
      expect(e.shortMessage).to.include("is Affirmed, needs Pending");
      const beforeDeadline = await nextBlockAt(10);
      await expectError(seller.reclaimSettlement({ terms: t }), DvpDeadlineNotPassed, {
        id: t.id,
        deadline: buildTerms(t).deadline,
        nowTime: beforeDeadline,
      });
      // agent named, approval missing
      const ta = await k.newTerms({ agent: S().agent.address });
      await seller.createSettlement({ terms: ta });
      await buyer.approveDeposit({ amount: 10n ** 12n });
      await expectError(buyer.settleSettlement({ terms: ta }), DvpAgentApprovalMissing, {
        id: ta.id,
        agent: S().agent.address,
      });
      // a forced removal from the DVP's lock that names no settlement may take only units of
      // no settlement: the two settlements' 20 units are theirs, so 11 are refused
      await expectError(
        issuer.forceUnlock({
          lockAddress: k.addresses.dvp,
          account: S().seller.address,
          value: 11n,
        }),
        DvpForcedRemovalExceedsUnassigned,
        {
          token: k.addresses.securityToken,
          account: S().seller.address,
          value: 11n,
          unassigned: 0n,
        },
      );
      // deadline passed
      await k.networkHelpers.time.increase(7200);
      const afterDeadline = await nextBlockAt(10);
      await expectError(buyer.settleSettlement({ terms: ta }), DvpDeadlinePassed, {
        id: ta.id,
        deadline: buildTerms(ta).deadline,
        nowTime: afterDeadline,
      });
    });

    it("decodes reverts from staticCall and from mined transactions", async function () {
      const t = buildTerms(await k.newTerms());
      let err: unknown;
      try {
        await k.clients.buyer.ctx.dvp.affirm.staticCall(termsArg(t));
      } catch (e) {
        err = e;
      }
      expect(toKessaiError(err)).to.be.instanceOf(DvpUnexpectedState);
      // fixed gas limit: no estimation, the transaction is mined and reverts; the SDK replays it
      const blind = await IssuerClient.connect({
        runner: k.signers.outsider,
        addresses: k.addresses,
        gasLimit: 300_000n,
      });
      const before = await k.ethers.provider.getTransactionCount(k.signers.outsider.address);
      const e = await expectError(
        blind.issueSecurity({ to: S().seller.address, value: 1n }),
        AccessControlUnauthorizedAccount,
        {
          account: S().outsider.address,
          neededRole: await k.contracts.bond.ISSUER_ROLE(),
        },
      );
      const after = await k.ethers.provider.getTransactionCount(k.signers.outsider.address);
      expect(after).to.equal(before + 1); // it really was mined
      expect(e.txHash).to.match(/^0x[0-9a-f]{64}$/);
    });
  });
});

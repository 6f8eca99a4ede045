import { expect } from "chai";
import { network } from "hardhat";
import CashLedgerModule, { CashLedgerLinkModule } from "../../ignition/modules/CashLedger.js";
import StLedgerModule, { StLedgerLinkModule } from "../../ignition/modules/StLedger.js";
import VerifierQuorumModule from "../../ignition/modules/VerifierQuorum.js";
import {
  encodeCrossLedgerTerms,
  outcomeTypedData,
  paymentOrderTypedData,
  type CrossLedgerTerms,
} from "../../packages/sdk/src/index.js";

/**
 * The Ignition modules of the two ledgers, each on its own in-process chain (`stLedger`, chain
 * 31338; `cashLedger`, chain 31339; hardhat.config.ts): each ledger deploys what it needs, the
 * link modules list each ledger as the other's counterpart, and one settlement crosses them
 * (lock, instruct, pay with the verifier's order, deliver with the attestation the verifier signs
 * once the payment is on the cash ledger). The cross-ledger properties of the verifier service are
 * tested with it.
 */
describe("Ignition: the two ledgers (StLedgerModule, CashLedgerModule)", function () {
  it("deploys each ledger on its chain, links them, and a settlement crosses", async function () {
    const st = await network.create("stLedger");
    const cash = await network.create("cashLedger");
    expect((await st.ethers.provider.getNetwork()).chainId).to.equal(31338n);
    expect((await cash.ethers.provider.getNetwork()).chainId).to.equal(31339n);

    const stSide = await st.ignition.deploy(StLedgerModule);
    const cashSide = await cash.ignition.deploy(CashLedgerModule);
    expect(Object.keys(stSide).sort()).to.deep.equal([
      "delivery",
      "securityRegistry",
      "securityToken",
    ]);
    expect(Object.keys(cashSide).sort()).to.deep.equal(["depositToken", "payment"]);
    const deliveryAddress = await stSide.delivery.getAddress();
    const paymentAddress = await cashSide.payment.getAddress();
    await st.ignition.deploy(StLedgerLinkModule, {
      parameters: { StLedgerLinkModule: { delivery: deliveryAddress, cashLedger: paymentAddress } },
    });
    await cash.ignition.deploy(CashLedgerLinkModule, {
      parameters: { CashLedgerLinkModule: { payment: paymentAddress, stLedger: deliveryAddress } },
    });

    // ---- what each ledger's module set up
    // The same accounts on both chains, each signer bound to its chain's provider.
    const [admin, issuer, , seller, buyer, verifier, relayer] = await st.ethers.getSigners();
    const [, , bank, , cashBuyer, , cashRelayer] = await cash.ethers.getSigners();
    const delivery = await st.ethers.getContractAt("CrossLedgerDelivery", deliveryAddress);
    const payment = await cash.ethers.getContractAt("CrossLedgerPayment", paymentAddress);
    const bond = await st.ethers.getContractAt(
      "StraightBondToken",
      await stSide.securityToken.getAddress(),
    );
    const dcjpy = await cash.ethers.getContractAt(
      "DepositToken",
      await cashSide.depositToken.getAddress(),
    );
    expect(await delivery.isSecurityTokenListed(await bond.getAddress())).to.equal(true);
    expect(await delivery.isCounterpartListed(31339n, paymentAddress)).to.equal(true);
    expect(await payment.isCashTokenListed(await dcjpy.getAddress())).to.equal(true);
    expect(await payment.isCounterpartListed(31338n, deliveryAddress)).to.equal(true);
    for (const c of [delivery, payment] as const) {
      expect(await c.hasRole(await c.VERIFIER_ROLE(), verifier.address)).to.equal(true);
      expect(await c.hasRole(await c.PAUSER_ROLE(), admin.address)).to.equal(true);
      expect(await c.defaultAdmin()).to.equal(admin.address);
    }
    // The escrow account is open; the deployer held DCJPY's REGISTRAR_ROLE only to open it.
    expect(await dcjpy.isAccountOpen(paymentAddress)).to.equal(true);
    const registrar = await dcjpy.REGISTRAR_ROLE();
    expect(await dcjpy.hasRole(registrar, admin.address)).to.equal(false);
    expect(await dcjpy.hasRole(registrar, bank.address)).to.equal(true);
    const registry = await st.ethers.getContractAt(
      "InvestorRegistry",
      await stSide.securityRegistry.getAddress(),
    );
    expect(await registry.isEligible(seller.address)).to.equal(true);
    expect(await registry.isEligible(buyer.address)).to.equal(true);

    // ---- one settlement across both chains
    await (await bond.connect(issuer).issue(seller.address, st.ethers.ZeroAddress, 100n)).wait();
    await (
      await dcjpy
        .connect(bank)
        .openAccounts(
          [seller.address, buyer.address],
          [st.ethers.id("seller-deposit"), st.ethers.id("buyer-deposit")],
        )
    ).wait();
    await (
      await dcjpy.connect(bank).issue(buyer.address, 5_000_000n, st.ethers.id("debit-1"))
    ).wait();
    const latest = await st.ethers.provider.getBlock("latest");
    const terms: CrossLedgerTerms = {
      id: st.ethers.id("two-ledger T-1"),
      seller: seller.address,
      buyer: buyer.address,
      stChainId: 31338n,
      stLedger: deliveryAddress,
      securityToken: await bond.getAddress(),
      quantity: 10n,
      cashChainId: 31339n,
      cashLedger: paymentAddress,
      cashToken: await dcjpy.getAddress(),
      amount: 1_000_000n,
      deadline: BigInt(latest!.timestamp + 3_600),
      verifier: verifier.address,
    };
    // Step 1 on the ST ledger, step 4 on the cash ledger.
    const lockData = encodeCrossLedgerTerms(terms);
    await expect(bond.connect(seller).lock(deliveryAddress, terms.quantity, lockData))
      .to.emit(delivery, "DeliveryRegistered")
      .withArgs(terms.id, seller.address, buyer.address, await delivery.hashTerms(terms), [
        ...Object.values(terms),
      ]);
    await (await dcjpy.connect(cashBuyer).approve(paymentAddress, terms.amount)).wait();
    await (await payment.connect(cashBuyer).instruct(terms)).wait();
    expect(await payment.hashTerms(terms)).to.equal(await delivery.hashTerms(terms));

    // Step 5: the verifier signs a pay order under the payment contract's domain; a relayer
    // submits it. The order is no key to the ST ledger.
    // The SDK's typed data; the contract's digest checks its schema.
    const orderData = paymentOrderTypedData(terms, 1);
    expect(orderData.domain).to.deep.equal({
      name: "Kessai CrossLedgerPayment",
      version: "1",
      chainId: 31339n,
      verifyingContract: paymentAddress,
    });
    expect(await payment.orderDigest(terms, 1)).to.equal(
      st.ethers.TypedDataEncoder.hash(orderData.domain, orderData.types, orderData.message),
    );
    const order = await verifier.signTypedData(
      orderData.domain,
      orderData.types,
      orderData.message,
    );
    await expect(delivery.connect(relayer).deliver(terms, order))
      .to.be.revertedWithCustomError(delivery, "CrossLedgerInvalidAttestation")
      .withArgs(terms.id, verifier.address, 1);
    const paid = await (await payment.connect(cashRelayer).pay(terms, order)).wait();
    expect(await dcjpy.balanceOf(seller.address)).to.equal(terms.amount);
    expect(await dcjpy.balanceOf(paymentAddress)).to.equal(0n);
    const event = paid!.logs
      .map((log) => payment.interface.parseLog(log))
      .find((parsed) => parsed?.name === "SettlementPaid");
    expect(event!.args.id).to.equal(terms.id);

    // Step 6: the payment is on the cash ledger; only now does the verifier sign `Paid` under the
    // ST ledger's domain, and anyone delivers with it.
    const outcomeData = outcomeTypedData(terms, 1);
    expect(outcomeData.domain).to.deep.equal({
      name: "Kessai CrossLedgerDelivery",
      version: "1",
      chainId: 31338n,
      verifyingContract: deliveryAddress,
    });
    const { domain, types, message } = outcomeData;
    const digest = st.ethers.TypedDataEncoder.hash(domain, types, message);
    expect(await delivery.outcomeDigest(terms, 1)).to.equal(digest);
    expect(await payment.outcomeDigest(terms, 1)).to.equal(digest);
    const published = await verifier.signTypedData(domain, types, message);
    await expect(delivery.connect(relayer).deliver(terms, published))
      .to.emit(delivery, "SettlementDelivered")
      .withArgs(terms.id, buyer.address, terms.quantity, relayer.address);
    expect(await bond.balanceOf(buyer.address)).to.equal(terms.quantity);
    expect(await delivery.stateOf(terms.id)).to.equal(2n);
    expect(await payment.stateOf(terms.id)).to.equal(2n);
  });

  it("VerifierQuorumModule deploys an m-of-n verifier the ledgers accept as VERIFIER_ROLE holder", async function () {
    const { ignition, ethers } = await network.create("stLedger");
    const signers = await ethers.getSigners();
    const members = signers
      .slice(7, 10)
      .map((s) => s.address)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const { quorum } = await ignition.deploy(VerifierQuorumModule, {
      parameters: { VerifierQuorumModule: { members, threshold: 2 } },
    });
    const deployed = await ethers.getContractAt("VerifierQuorum", await quorum.getAddress());
    expect(await deployed.members()).to.deep.equal(members);
    expect(await deployed.threshold()).to.equal(2n);
    const { delivery } = await ignition.deploy(StLedgerModule, {
      parameters: { CrossLedgerDeliveryModule: { verifier: await quorum.getAddress() } },
    });
    const asDelivery = await ethers.getContractAt(
      "CrossLedgerDelivery",
      await delivery.getAddress(),
    );
    expect(
      await asDelivery.hasRole(await asDelivery.VERIFIER_ROLE(), await quorum.getAddress()),
    ).to.equal(true);
  });
});

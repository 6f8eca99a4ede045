import { expect } from "chai";
import { network } from "hardhat";

/**
 * The seed's seven steps, end to end, on the real investor register, bond, DCJPY and DVP:
 * 1. the seller locks the bond to the DVP with the agreed terms (registers the settlement);
 * 2. the buyer affirms the terms with an EIP-712 signature (submitted by anyone);
 * 3. the bank issues DCJPY to the buyer against a deposit-account debit reference;
 * 4.-6. the agent approves, the buyer signs a transfer authorization for this settlement and
 *    settles with it: both legs move in one transaction;
 * 7. the seller redeems its DCJPY against a redemption reference.
 */
describe("DVP: the seven steps", () => {
  const TERMS_TUPLE =
    "tuple(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)";
  const TERMS_FIELDS = [
    { name: "id", type: "bytes32" },
    { name: "seller", type: "address" },
    { name: "buyer", type: "address" },
    { name: "securityToken", type: "address" },
    { name: "quantity", type: "uint256" },
    { name: "cashToken", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "deadline", type: "uint64" },
    { name: "agent", type: "address" },
  ];

  it("settles a bond against DCJPY, both legs in one transaction", async () => {
    const { ethers } = await network.create();
    const [admin, issuer, bank, seller, buyer, agent, relayer] = await ethers.getSigners();
    const chainId = (await ethers.provider.getNetwork()).chainId;

    // ---- deployment, the issuer's register and the bank's accounts
    const registry = await ethers.deployContract("InvestorRegistry", [0, admin.address]);
    await registry.grantRole(await registry.REGISTRAR_ROLE(), admin.address);
    await registry.registerBatch(
      [seller.address, buyer.address],
      [ethers.id("seller-firm"), ethers.id("buyer-firm")],
      [0, 0],
    );
    const bondTerms = {
      faceValue: 100n,
      faceValueCurrency: "JPY",
      interestRate: 1_0000n,
      interestPaymentDates: ["0331", "0930"],
      redemptionDate: 2_000_000_000n,
      redemptionValue: 100n,
      redemptionValueCurrency: "JPY",
    };
    const bond = await ethers.deployContract("StraightBondToken", [
      {
        name: "Kessai Bond 1",
        symbol: "KB1",
        decimals: 0,
        registry: await registry.getAddress(),
        admin: admin.address,
        adminDelay: 0,
      },
      bondTerms,
    ]);
    await bond.grantRole(await bond.ISSUER_ROLE(), issuer.address);
    const dcjpy = await ethers.deployContract("DepositToken", [
      { name: "DCJPY", symbol: "DCJPY", decimals: 0, admin: admin.address, adminDelay: 0 },
    ]);
    await dcjpy.grantRole(await dcjpy.ISSUER_ROLE(), bank.address);
    await dcjpy.grantRole(await dcjpy.REGISTRAR_ROLE(), bank.address);
    // The bank opens a DCJPY account for each firm, bound to its deposit account.
    const depositAccounts = [
      ethers.id("SBI-DEPOSIT-ACCOUNT-9876"),
      ethers.id("DAIWA-DEPOSIT-1234"),
    ];
    await expect(dcjpy.connect(bank).openAccounts([seller.address, buyer.address], depositAccounts))
      .to.emit(dcjpy, "AccountOpened")
      .withArgs(seller.address, depositAccounts[0])
      .and.to.emit(dcjpy, "AccountOpened")
      .withArgs(buyer.address, depositAccounts[1]);
    expect(await dcjpy.depositAccountOf(buyer.address)).to.equal(depositAccounts[1]);
    const dvp = await ethers.deployContract("DeliveryVersusPayment", [0, admin.address]);
    await dvp.grantRole(await dvp.SETTLEMENT_AGENT_ROLE(), agent.address);
    await expect(dvp.setSecurityTokenListed(await bond.getAddress(), true))
      .to.emit(dvp, "SecurityTokenListed")
      .withArgs(await bond.getAddress(), true);
    await expect(dvp.setCashTokenListed(await dcjpy.getAddress(), true))
      .to.emit(dvp, "CashTokenListed")
      .withArgs(await dcjpy.getAddress(), true);
    const dvpAddress = await dvp.getAddress();

    await bond.connect(issuer).issue(seller.address, ethers.ZeroAddress, 1_000n);

    const quantity = 300n;
    const amount = 29_850_000n; // 300 units at 99.50 yen per 100 yen face, in yen
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const terms = {
      id: ethers.id("SBI-DAIWA-2026-11-25-0001"),
      seller: seller.address,
      buyer: buyer.address,
      securityToken: await bond.getAddress(),
      quantity,
      cashToken: await dcjpy.getAddress(),
      amount,
      deadline: now + 3_600n,
      agent: agent.address,
    };
    const termsArray = Object.values(terms);

    // ---- step 1: the seller locks the bond for this settlement (registers it)
    const encoded = ethers.AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [terms]);
    await expect(bond.connect(seller).lock(dvpAddress, quantity, encoded))
      .to.emit(bond, "Lock")
      .withArgs(dvpAddress, seller.address, quantity, encoded)
      .and.to.emit(dvp, "SettlementCreated")
      .withArgs(terms.id, seller.address, buyer.address, termsArray);
    expect(await dvp.stateOf(terms.id)).to.equal(1n);
    expect(await dvp.verifyTerms(terms)).to.equal(true);
    expect(await bond.balanceOf(seller.address)).to.equal(1_000n);
    expect(await bond.lockedOf(dvpAddress, seller.address)).to.equal(quantity);
    expect(await bond.availableBalanceOf(seller.address)).to.equal(1_000n - quantity);

    // ---- step 2: the buyer affirms with an EIP-712 signature; a relayer submits it
    const domain = { name: "Kessai DVP", version: "1", chainId, verifyingContract: dvpAddress };
    const affirmSig = await buyer.signTypedData(
      domain,
      { Affirm: [{ name: "terms", type: "Terms" }], Terms: TERMS_FIELDS },
      { terms },
    );
    expect(
      ethers.TypedDataEncoder.hash(
        domain,
        { Affirm: [{ name: "terms", type: "Terms" }], Terms: TERMS_FIELDS },
        { terms },
      ),
    ).to.equal(await dvp.affirmDigest(terms));
    await expect(dvp.connect(relayer).affirmBySig(terms, affirmSig))
      .to.emit(dvp, "SettlementAffirmed")
      .withArgs(terms.id, buyer.address, relayer.address);
    await expect(dvp.connect(relayer).affirmBySig(terms, affirmSig))
      .to.be.revertedWithCustomError(dvp, "DvpUnexpectedState")
      .withArgs(terms.id, 2n, ethers.toBeHex(1n << 1n, 32));

    // ---- step 3: the bank debits the buyer's deposit account and issues DCJPY
    const bankReference = ethers.id("SHINSEI-DEBIT-000123");
    await expect(dcjpy.connect(bank).issue(buyer.address, amount, bankReference))
      .to.emit(dcjpy, "Issued")
      .withArgs(bankReference, buyer.address, amount);
    await expect(dcjpy.connect(bank).issue(buyer.address, amount, bankReference))
      .to.be.revertedWithCustomError(dcjpy, "DepositTokenIssuanceReferenceUsed")
      .withArgs(bankReference);

    // ---- step 5 (verification): the agent approves; without it settlement is refused
    await expect(dvp.connect(buyer).settle(terms))
      .to.be.revertedWithCustomError(dvp, "DvpAgentApprovalMissing")
      .withArgs(terms.id, agent.address);
    await expect(dvp.connect(agent).approveSettlement(terms))
      .to.emit(dvp, "SettlementApproved")
      .withArgs(terms.id, agent.address);

    // ---- steps 4 and 6: the buyer signs its payment for exactly this settlement (a DCJPY transfer
    // authorization: to the seller, the amount, only the DVP may execute it, nonce = the ID) and
    // settles with it; both legs in one transaction
    const validBefore = now + 3_600n;
    const authorization = await buyer.signTypedData(
      {
        name: "DCJPY",
        version: "1",
        chainId,
        verifyingContract: await dcjpy.getAddress(),
      },
      {
        TransferWithAuthorization: [
          { name: "from", type: "address" },
          { name: "to", type: "address" },
          { name: "value", type: "uint256" },
          { name: "spender", type: "address" },
          { name: "validBefore", type: "uint256" },
          { name: "nonce", type: "bytes32" },
        ],
      },
      {
        from: buyer.address,
        to: seller.address,
        value: amount,
        spender: dvpAddress,
        validBefore,
        nonce: terms.id,
      },
    );
    // a buyer paying less than agreed is refused
    await expect(
      dvp
        .connect(buyer)
        .settleWithAuthorization({ ...terms, amount: amount - 1n }, validBefore, authorization),
    )
      .to.be.revertedWithCustomError(dvp, "DvpTermsMismatch")
      .withArgs(terms.id);
    // nobody but the DVP can execute the authorization
    await expect(
      dcjpy
        .connect(seller)
        .transferWithAuthorization(
          buyer.address,
          seller.address,
          amount,
          validBefore,
          terms.id,
          authorization,
        ),
    )
      .to.be.revertedWithCustomError(dcjpy, "DepositTokenInvalidAuthorization")
      .withArgs(buyer.address, seller.address, terms.id);

    const settleTx = dvp.connect(buyer).settleWithAuthorization(terms, validBefore, authorization);
    await expect(settleTx)
      .to.emit(dcjpy, "Transfer")
      .withArgs(buyer.address, seller.address, amount)
      .and.to.emit(bond, "Transfer")
      .withArgs(seller.address, buyer.address, quantity)
      .and.to.emit(bond, "Unlock")
      .withArgs(
        dvpAddress,
        seller.address,
        buyer.address,
        quantity,
        ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [terms.id]),
      )
      .and.to.emit(dvp, "SettlementSettled")
      .withArgs(terms.id, seller.address, buyer.address);
    // The ST leg moves first, then the cash leg; the outcome event comes last.
    const receipt = (await (await settleTx).wait())!;
    const sequence = receipt.logs.map((l) => {
      for (const [name, c] of [
        ["bond", bond],
        ["dcjpy", dcjpy],
        ["dvp", dvp],
      ] as const) {
        if (l.address === c.target) return `${name}.${c.interface.parseLog(l)!.name}`;
      }
      return `unknown ${l.address}`;
    });
    expect(sequence).to.deep.equal([
      "bond.Transfer",
      "bond.Unlock",
      "dcjpy.AuthorizationUsed",
      "dcjpy.Transfer",
      "dvp.SettlementSettled",
    ]);
    expect(await dcjpy.authorizationState(buyer.address, terms.id)).to.equal(true);
    expect(await dvp.stateOf(terms.id)).to.equal(3n);
    expect(await bond.balanceOf(seller.address)).to.equal(1_000n - quantity);
    expect(await bond.balanceOf(buyer.address)).to.equal(quantity);
    expect(await bond.lockedOf(dvpAddress, seller.address)).to.equal(0n);
    expect(await dcjpy.balanceOf(buyer.address)).to.equal(0n);
    expect(await dcjpy.balanceOf(seller.address)).to.equal(amount);
    expect(await dcjpy.balanceOf(dvpAddress)).to.equal(0n);
    expect(await bond.balanceOf(dvpAddress)).to.equal(0n);
    await expect(dvp.connect(buyer).settle(terms))
      .to.be.revertedWithCustomError(dvp, "DvpUnexpectedState")
      .withArgs(terms.id, 3n, ethers.toBeHex((1n << 1n) | (1n << 2n), 32));

    // ---- step 7: the seller redeems its DCJPY; the bank credits its deposit account
    const redemptionRef = ethers.id("SBI-REDEMPTION-000456");
    await expect(dcjpy.connect(seller).redeem(amount, redemptionRef))
      .to.emit(dcjpy, "Redeemed")
      .withArgs(redemptionRef, seller.address, amount, seller.address);
    expect(await dcjpy.balanceOf(seller.address)).to.equal(0n);
    expect(await dcjpy.totalIssued()).to.equal(amount);
    expect(await dcjpy.totalRedeemed()).to.equal(amount);
    expect(await dcjpy.totalSupply()).to.equal(
      (await dcjpy.totalIssued()) - (await dcjpy.totalRedeemed()),
    );
    expect(await bond.totalSupply()).to.equal(1_000n);
  });

  it("releases the seller's bond after the deadline when the buyer never pays", async () => {
    const { ethers, networkHelpers } = await network.create();
    const [admin, issuer, seller, buyer, anyone] = await ethers.getSigners();
    const registry = await ethers.deployContract("InvestorRegistry", [0, admin.address]);
    await registry.grantRole(await registry.REGISTRAR_ROLE(), admin.address);
    await registry.registerBatch(
      [seller.address, buyer.address],
      [ethers.id("s"), ethers.id("b")],
      [0, 0],
    );
    const share = await ethers.deployContract("ShareToken", [
      {
        name: "Kessai Share",
        symbol: "KS",
        decimals: 0,
        registry: await registry.getAddress(),
        admin: admin.address,
        adminDelay: 0,
      },
      {
        issuePrice: 1_000n,
        dividendPerUnit: 0n,
        dividendRecordDate: "",
        dividendPaymentDate: "",
        cancellationDate: "",
      },
    ]);
    await share.grantRole(await share.ISSUER_ROLE(), issuer.address);
    const dcjpy = await ethers.deployContract("DepositToken", [
      { name: "DCJPY", symbol: "DCJPY", decimals: 0, admin: admin.address, adminDelay: 0 },
    ]);
    const dvp = await ethers.deployContract("DeliveryVersusPayment", [0, admin.address]);
    await dvp.setSecurityTokenListed(await share.getAddress(), true);
    await dvp.setCashTokenListed(await dcjpy.getAddress(), true);
    await share.connect(issuer).issue(seller.address, ethers.ZeroAddress, 50n);
    const now = BigInt(await networkHelpers.time.latest());
    const terms = {
      id: ethers.id("never-paid"),
      seller: seller.address,
      buyer: buyer.address,
      securityToken: await share.getAddress(),
      quantity: 50n,
      cashToken: await dcjpy.getAddress(),
      amount: 50_000n,
      deadline: now + 600n,
      agent: ethers.ZeroAddress,
    };
    await share
      .connect(seller)
      .lock(
        await dvp.getAddress(),
        50n,
        ethers.AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [terms]),
      );
    await expect(dvp.connect(anyone).reclaim(terms))
      .to.be.revertedWithCustomError(dvp, "DvpDeadlineNotPassed")
      .withArgs(terms.id, terms.deadline, now + 2n);
    await networkHelpers.time.increaseTo(terms.deadline + 1n);
    await expect(dvp.connect(anyone).reclaim(terms))
      .to.emit(dvp, "SettlementExpired")
      .withArgs(terms.id, 50n);
    expect(await share.availableBalanceOf(seller.address)).to.equal(50n);
    expect(await dvp.stateOf(terms.id)).to.equal(5n);
  });
});

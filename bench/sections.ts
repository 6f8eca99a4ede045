/**
 * The measurements, one function per area. Every figure is the `gasUsed` of a receipt (after
 * refunds) or the wall time from submitting a transaction to holding its receipt.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse, TypedDataDomain } from "ethers";
import {
  affirmationTypedData,
  approvalTypedData,
  eip712Domain,
  permitTypedData,
  transferAuthorizationTypedData,
  typedDataDigest,
  type Eip712DomainFields,
  type TypedData,
} from "../packages/sdk/src/index.js";
import {
  AMOUNT,
  BLOCK_GAS_LIMIT,
  BULK_CHUNK,
  QUANTITY,
  gasAndTime,
  gasOf,
  mined,
  type Fixture,
  type Terms,
} from "./fixture.js";
import { gasBudget, type RpcProvider } from "./budget.js";
import type { BudgetRecord, RowSet } from "./rows.js";

const ONE_GAS = 1;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------- floors

export async function measureFloors(fx: Fixture, rows: RowSet): Promise<void> {
  const { floorAsset, floorCash, swapFloor } = fx;
  const { seller, buyer, alice, bob, carol, freshSeller, freshBuyer } = fx.parties;
  const fresh = fx.unregisteredAccount();

  rows.gas(
    "gas.floor.erc20.transfer",
    await gasOf(floorAsset.connect(alice).transfer(bob.address, 1n)),
    "OZ ERC-20 transfer, both sides already hold a balance",
  );
  rows.gas(
    "gas.floor.erc20.transfer.new-holder",
    await gasOf(floorAsset.connect(alice).transfer(fresh, 1n)),
    "OZ ERC-20 transfer to an account that held none",
  );
  rows.gas(
    "gas.floor.erc20.approve",
    await gasOf(floorAsset.connect(alice).approve(carol.address, 1_000n)),
    "OZ ERC-20 approve (zero to non-zero allowance)",
  );
  rows.gas(
    "gas.floor.erc20.transferFrom",
    await gasOf(floorAsset.connect(carol).transferFrom(alice.address, bob.address, 1n)),
    "OZ ERC-20 transferFrom with a finite allowance, both sides hold",
  );

  const asset = await floorAsset.getAddress();
  const cash = await floorCash.getAddress();
  rows.gas(
    "gas.floor.swap",
    await gasOf(
      swapFloor.connect(buyer).swap(asset, seller.address, QUANTITY, cash, buyer.address, AMOUNT),
    ),
    "FLOOR: SwapFloor, two transferFrom, both parties already hold both tokens",
  );
  rows.gas(
    "gas.floor.swap.new-holders",
    await gasOf(
      swapFloor
        .connect(freshBuyer)
        .swap(asset, freshSeller.address, QUANTITY, cash, freshBuyer.address, AMOUNT),
    ),
    "SwapFloor where each receiver gets that token for the first time",
  );
}

// ---------------------------------------------------------------- tokens and registry

/**
 * The typed data of the SDK's EIP-712 schema (packages/sdk/src/settlement/eip712.ts, the one
 * definition the contracts are tested against), signed by `signer` under `contract`'s domain.
 */
async function signSchema(
  contract: { eip712Domain(): Promise<Eip712DomainFields> },
  signer: HardhatEthersSigner,
  build: (domain: TypedDataDomain) => TypedData,
): Promise<string> {
  const td = build(eip712Domain(await contract.eip712Domain()));
  return signer.signTypedData(td.domain, td.types, td.message);
}

/** ERC-2612 permit signature of `owner` for `spender` on `token`. */
async function signPermit(
  fx: Fixture,
  token: Fixture["dcjpy"],
  owner: HardhatEthersSigner,
  spender: string,
  value: bigint,
  deadline: bigint,
) {
  const nonce = await token.nonces(owner.address);
  const signature = await signSchema(token, owner, (domain) =>
    permitTypedData(domain, { owner: owner.address, spender, value, nonce, deadline }),
  );
  return fx.ethers.Signature.from(signature);
}

/**
 * DCJPY `TransferWithAuthorization` signature of `from` (only `spender` may execute it, once per
 * `nonce`, before `validBefore`).
 */
function signTransferAuthorization(
  token: Fixture["dcjpy"],
  from: HardhatEthersSigner,
  a: { to: string; value: bigint; spender: string; validBefore: bigint; nonce: string },
): Promise<string> {
  return signSchema(token, from, (domain) =>
    transferAuthorizationTypedData(domain, { from: from.address, ...a }),
  );
}

export async function measureSecurityToken(fx: Fixture, rows: RowSet): Promise<void> {
  const { bond } = fx;
  const { alice, bob, carol, issuer, lockAgent } = fx.parties;
  const none = "0x";

  rows.gas(
    "gas.st.transfer",
    await gasOf(bond.connect(alice).transfer(bob.address, 1n)),
    "transfer, both sides already hold (warm), eligibility checked in the registry",
    "gas.floor.erc20.transfer",
  );
  rows.gas(
    "gas.st.transfer.new-holder",
    await gasOf(bond.connect(alice).transfer(fx.freshAccount(), 1n)),
    "transfer to a registered account that held none",
    "gas.floor.erc20.transfer.new-holder",
  );
  rows.gas(
    "gas.st.approve",
    await gasOf(bond.connect(alice).approve(carol.address, 1_000n)),
    "approve (zero to non-zero allowance)",
    "gas.floor.erc20.approve",
  );
  rows.gas(
    "gas.st.transferFrom",
    await gasOf(bond.connect(carol).transferFrom(alice.address, bob.address, 1n)),
    "transferFrom with a finite allowance, both sides hold",
    "gas.floor.erc20.transferFrom",
  );
  rows.gas(
    "gas.st.lock",
    await gasOf(bond.connect(alice).lock(lockAgent.address, 100n, none)),
    "lock to an externally owned lock address (no callback), first lock to it",
  );
  rows.gas(
    "gas.st.unlock.self",
    await gasOf(bond.connect(lockAgent).unlock(alice.address, alice.address, 10n, none)),
    "the lock address releases units to the holder itself",
  );
  rows.gas(
    "gas.st.unlock.other",
    await gasOf(bond.connect(lockAgent).unlock(alice.address, bob.address, 10n, none)),
    "the lock address releases units to another holder (a transfer under the rules)",
    "gas.floor.erc20.transfer",
  );
  rows.gas(
    "gas.st.issue",
    await gasOf(bond.connect(issuer).issue(bob.address, fx.ethers.ZeroAddress, 100n)),
    "issuer issues unlocked units to an existing holder",
  );
  rows.gas(
    "gas.st.redeem",
    await gasOf(bond.connect(issuer).redeem(bob.address, fx.ethers.ZeroAddress, 50n)),
    "issuer redeems unlocked units of a holder",
  );
  rows.gas(
    "gas.st.forcedTransfer",
    await gasOf(bond.connect(issuer).forcedTransfer(bob.address, carol.address, 10n, none)),
    "enforcement moves unlocked units between two holders",
  );
  rows.gas(
    "gas.st.forceUnlock",
    await gasOf(
      bond.connect(issuer).forceUnlock(lockAgent.address, alice.address, alice.address, 10n, none),
    ),
    "enforcement releases a lock to the holder",
  );
  const bulk = await gasOf(
    bond.connect(alice).bulkTransfer(
      fx.holders,
      fx.holders.map(() => 1n),
    ),
  );
  rows.gas("gas.st.bulkTransfer.10", bulk, "bulkTransfer to 10 holders, total");
  rows.gas(
    "gas.st.bulkTransfer.per-item.10",
    bulk / 10,
    "bulkTransfer to 10 holders, per item",
    "gas.floor.erc20.transfer",
  );
}

export async function measureDcjpy(fx: Fixture, rows: RowSet): Promise<void> {
  const { dcjpy, ethers } = fx;
  const { alice, bob, carol, bank, relayer } = fx.parties;
  const ref = (label: string) => ethers.id(`kessai.bench.dcjpy.${label}`);

  rows.gas(
    "gas.dcjpy.transfer",
    await gasOf(dcjpy.connect(alice).transfer(bob.address, 1n)),
    "transfer, both sides already hold, eligibility checked in the registry",
    "gas.floor.erc20.transfer",
  );
  rows.gas(
    "gas.dcjpy.approve",
    await gasOf(dcjpy.connect(alice).approve(carol.address, 1_000n)),
    "approve (zero to non-zero allowance)",
    "gas.floor.erc20.approve",
  );
  rows.gas(
    "gas.dcjpy.transferFrom",
    await gasOf(dcjpy.connect(carol).transferFrom(alice.address, bob.address, 1n)),
    "transferFrom with a finite allowance, both sides hold",
    "gas.floor.erc20.transferFrom",
  );
  const deadline = 4_102_444_800n;
  const sig = await signPermit(fx, dcjpy, bob, carol.address, 1_000n, deadline);
  rows.gas(
    "gas.dcjpy.permit",
    await gasOf(
      dcjpy
        .connect(relayer)
        .permit(bob.address, carol.address, 1_000n, deadline, sig.v, sig.r, sig.s),
    ),
    "ERC-2612 permit submitted by a relayer (first nonce, new allowance)",
  );
  const auth = {
    to: alice.address,
    value: 1_000n,
    spender: relayer.address,
    validBefore: deadline,
    nonce: ref("authorization"),
  };
  const authSig = await signTransferAuthorization(dcjpy, bob, auth);
  rows.gas(
    "gas.dcjpy.transferWithAuthorization",
    await gasOf(
      dcjpy
        .connect(relayer)
        .transferWithAuthorization(
          bob.address,
          auth.to,
          auth.value,
          auth.validBefore,
          auth.nonce,
          authSig,
        ),
    ),
    "transfer authorization executed by its named spender (new nonce, both sides hold)",
    "gas.floor.erc20.transfer",
  );
  rows.gas(
    "gas.dcjpy.issue",
    await gasOf(dcjpy.connect(bank).issue(alice.address, 1_000n, ref("issue"))),
    "bank mints to an existing holder against a new bank reference",
  );
  rows.gas(
    "gas.dcjpy.redeem",
    await gasOf(dcjpy.connect(alice).redeem(100n, ref("redeem"))),
    "holder burns with a new redemption reference",
  );
  rows.gas(
    "gas.dcjpy.redeemFrom",
    await gasOf(dcjpy.connect(bank).redeemFrom(alice.address, 100n, ref("redeemFrom"))),
    "bank burns on a holder's behalf with a new redemption reference",
  );
  const requestId = (await dcjpy.issuanceRequestCount()) + 1n;
  rows.gas(
    "gas.dcjpy.requestIssuance",
    await gasOf(dcjpy.connect(alice).requestIssuance(1_000n, ref("deposit-account"))),
    "holder files an issuance request (first request)",
  );
  rows.gas(
    "gas.dcjpy.fulfilIssuanceRequest",
    await gasOf(dcjpy.connect(bank).fulfilIssuanceRequest(requestId, ref("fulfil"))),
    "bank fulfils the request (mint to an existing holder)",
  );
}

export async function measureRegistry(fx: Fixture, rows: RowSet): Promise<void> {
  const { stRegistry, ethers } = fx;
  const one = fx.unregisteredAccount();
  rows.gas(
    "gas.registry.register",
    await gasOf(stRegistry.register(one, ethers.keccak256(one), 0)),
    "registrar registers one new account",
  );
  const ten = Array.from({ length: 10 }, () => fx.unregisteredAccount());
  const batch = await gasOf(
    stRegistry.registerBatch(
      ten,
      ten.map((a) => ethers.keccak256(a)),
      ten.map(() => 0),
    ),
  );
  rows.gas("gas.registry.registerBatch.10", batch, "registerBatch of 10 new accounts, total");
  rows.gas(
    "gas.registry.registerBatch.per-item.10",
    batch / 10,
    "registerBatch of 10, per account",
    "gas.registry.register",
  );

  const bank = fx.parties.bank;
  const account = fx.unregisteredAccount();
  rows.gas(
    "gas.dcjpy.openAccount",
    await gasOf(fx.dcjpy.connect(bank).openAccount(account, ethers.keccak256(account))),
    "bank opens one DCJPY account (its account book lives in the token)",
  );
  const accounts = Array.from({ length: 10 }, () => fx.unregisteredAccount());
  const opened = await gasOf(
    fx.dcjpy.connect(bank).openAccounts(
      accounts,
      accounts.map((a) => ethers.keccak256(a)),
    ),
  );
  rows.gas("gas.dcjpy.openAccounts.10", opened, "openAccounts of 10 new accounts, total");
  rows.gas(
    "gas.dcjpy.openAccounts.per-item.10",
    opened / 10,
    "openAccounts of 10, per account",
    "gas.dcjpy.openAccount",
  );
}

// ---------------------------------------------------------------- DVP paths

/**
 * EIP-712 signature of `signer` over `Affirm(Terms terms)` or, in the agent's epoch 0,
 * `Approve(Terms terms,uint256 agentEpoch)`, after checking the schema's digest against the
 * contract's `affirmDigest` / `approveDigest`.
 */
async function signTerms(
  fx: Fixture,
  signer: HardhatEthersSigner,
  primary: "Affirm" | "Approve",
  t: Terms,
): Promise<string> {
  const domain = eip712Domain(await fx.dvp.eip712Domain());
  const td =
    primary === "Affirm" ? affirmationTypedData(domain, t) : approvalTypedData(domain, t, 0n);
  const expected =
    primary === "Affirm" ? await fx.dvp.affirmDigest(t) : await fx.dvp.approveDigest(t);
  if (typedDataDigest(td) !== expected)
    throw new Error(`${primary} digest differs from the contract's`);
  return signer.signTypedData(td.domain, td.types, td.message);
}

export async function measureDvp(fx: Fixture, rows: RowSet): Promise<void> {
  const { bond, dvp, dcjpy, ethers } = fx;
  const { seller, buyer, authBuyer, agent, relayer } = fx.parties;
  const dvpAddr = await dvp.getAddress();
  const step1 = (t: Terms, from = seller) =>
    gasOf(bond.connect(from).lock(dvpAddr, t.quantity, fx.lockData(t)));
  const floor = "gas.floor.swap";

  // Step 1 + affirm + settle (the settlement is Affirmed when settled).
  const t1 = fx.terms();
  const create1 = await step1(t1);
  const affirm = await gasOf(dvp.connect(buyer).affirm(t1));
  const settle = await gasOf(dvp.connect(buyer).settle(t1));
  rows.gas("gas.dvp.step1", create1, "step 1: seller's lock(dvp, quantity, terms) + create");
  rows.gas("gas.dvp.affirm", affirm, "buyer affirms the terms");
  rows.gas(
    "gas.dvp.settle",
    settle,
    "settle an affirmed settlement, both parties already hold both tokens",
    floor,
  );

  // Step 1 + the buyer's settle while Pending (affirms implicitly): the cheapest complete path.
  const t2 = fx.terms();
  const create2 = await step1(t2);
  const settlePending = await gasOf(dvp.connect(buyer).settle(t2));
  rows.gas(
    "gas.dvp.settle.by-buyer-pending",
    settlePending,
    "buyer settles a pending settlement (affirms in the same call)",
    floor,
  );

  // Affirmation by signature, then settlement by a third party.
  const t3 = fx.terms();
  await step1(t3);
  const affirmSig = await signTerms(fx, buyer, "Affirm", t3);
  rows.gas(
    "gas.dvp.affirmBySig",
    await gasOf(dvp.connect(relayer).affirmBySig(t3, affirmSig)),
    "a relayer submits the buyer's EIP-712 affirmation",
  );
  rows.gas(
    "gas.dvp.settle.relayed",
    await gasOf(dvp.connect(relayer).settle(t3)),
    "a third party settles an affirmed settlement",
    floor,
  );

  // A named agent approves, the buyer settles.
  const t4 = fx.terms({ agent: agent.address });
  await step1(t4);
  rows.gas(
    "gas.dvp.approveSettlement",
    await gasOf(dvp.connect(agent).approveSettlement(t4)),
    "the named agent approves",
  );
  rows.gas(
    "gas.dvp.settle.agent-approved",
    await gasOf(dvp.connect(buyer).settle(t4)),
    "buyer settles a pending settlement whose agent approved",
    floor,
  );

  // Agent approval by signature, then rejection.
  const t5 = fx.terms({ agent: agent.address });
  await step1(t5);
  const approveSig = await signTerms(fx, agent, "Approve", t5);
  rows.gas(
    "gas.dvp.approveSettlementBySig",
    await gasOf(dvp.connect(relayer).approveSettlementBySig(t5, approveSig)),
    "a relayer submits the agent's EIP-712 approval",
  );
  rows.gas(
    "gas.dvp.reject",
    await gasOf(dvp.connect(agent).reject(t5, ethers.encodeBytes32String("refused"))),
    "the agent rejects; the seller's units are released",
  );

  // Settlement with the buyer's transfer authorization: a buyer that never approved the DVP.
  const t6 = fx.terms({ buyer: authBuyer.address });
  await step1(t6);
  const validBefore = t6.deadline + 1n;
  const sig = await signTransferAuthorization(dcjpy, authBuyer, {
    to: t6.seller,
    value: t6.amount,
    spender: dvpAddr,
    validBefore,
    nonce: t6.id,
  });
  rows.gas(
    "gas.dvp.settleWithAuthorization",
    await gasOf(dvp.connect(authBuyer).settleWithAuthorization(t6, validBefore, sig)),
    "buyer settles a pending settlement with its transfer authorization for it (no approval)",
    floor,
  );

  // Cancellation by the seller while Pending.
  const t7 = fx.terms();
  await step1(t7);
  rows.gas(
    "gas.dvp.cancel",
    await gasOf(dvp.connect(seller).cancel(t7)),
    "seller cancels a pending settlement; its units are released",
  );

  // Steady state: the seller already has another settlement open (lock bucket non-zero).
  const open = fx.terms();
  await step1(open);
  const t8 = fx.terms();
  rows.gas(
    "gas.dvp.step1.another-open",
    await step1(t8),
    "step 1 while the seller already has another settlement open",
  );
  rows.gas(
    "gas.dvp.settle.another-open",
    await gasOf(dvp.connect(buyer).settle(t8)),
    "buyer settles a pending settlement while the seller has another one open",
    floor,
  );
  await gasOf(dvp.connect(seller).cancel(open));

  // Whole flows.
  rows.gas(
    "gas.dvp.flow.full",
    create1 + affirm + settle,
    "step 1 + affirm + settle (three transactions)",
    floor,
  );
  rows.gas(
    "gas.dvp.flow.cheapest",
    create2 + settlePending,
    "step 1 + buyer's settle that affirms implicitly (two transactions)",
    floor,
  );

  // Expiry: a settlement with a near deadline, reclaimed by anyone after it. Kept last, since it
  // moves the clock.
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const t9 = fx.terms({ deadline: now + 3_600n });
  await step1(t9);
  await ethers.provider.send("evm_increaseTime", [7_200]);
  rows.gas(
    "gas.dvp.reclaim",
    await gasOf(dvp.connect(relayer).reclaim(t9)),
    "anyone reclaims after the deadline; the seller's units are released",
  );

  // Wall time of one settle.
  const times: number[] = [];
  for (let i = 0; i < 5; ++i) {
    const t = fx.terms();
    await step1(t);
    times.push((await gasAndTime(() => dvp.connect(buyer).settle(t))).ms);
  }
  rows.ms("time.dvp.settle", median(times), "one settle, submission to receipt (median of 5)");
}

// ---------------------------------------------------------------- batches

export async function measureBatches(
  fx: Fixture,
  rows: RowSet,
  sizes: readonly number[],
): Promise<void> {
  const buyer = fx.parties.buyer;
  const dvp = fx.dvp.connect(buyer);
  for (const size of sizes) {
    // Wall time is noisy on a shared machine: small batches take the median of three runs.
    const runs = size <= 100 ? 3 : 1;
    const measure = async (send: (open: Terms[]) => Promise<ContractTransactionResponse>) => {
      const results: { gas: number; ms: number }[] = [];
      for (let i = 0; i < runs; ++i) {
        const open = await fx.openBulk(size);
        results.push(await gasAndTime(() => send(open)));
      }
      return { gas: results[0].gas, ms: median(results.map((r) => r.ms)) };
    };
    const a = await measure((open) => dvp.settleBatch(open, { gasLimit: BLOCK_GAS_LIMIT / 2n }));
    rows.gas(`gas.dvp.batch.total.${size}`, a.gas, `settleBatch (all or nothing) of ${size}`);
    rows.gas(
      `gas.dvp.batch.per-item.${size}`,
      a.gas / size,
      `settleBatch of ${size}, per item`,
      "gas.floor.swap",
    );
    rows.ms(
      `time.dvp.batch.${size}`,
      a.ms,
      `settleBatch of ${size}, submission to receipt${runs > 1 ? ` (median of ${runs})` : ""}`,
    );

    const b = await measure((open) =>
      dvp.settleBatchPerItem(open, { gasLimit: BLOCK_GAS_LIMIT / 2n }),
    );
    rows.gas(
      `gas.dvp.batch-each.total.${size}`,
      b.gas,
      `settleBatchPerItem (each item on its own) of ${size}`,
    );
    rows.gas(
      `gas.dvp.batch-each.per-item.${size}`,
      b.gas / size,
      `settleBatchPerItem of ${size}, per item`,
      "gas.floor.swap",
    );
    rows.ms(
      `time.dvp.batch-each.${size}`,
      b.ms,
      `settleBatchPerItem of ${size}, submission to receipt${runs > 1 ? ` (median of ${runs})` : ""}`,
    );
  }
  const largest = sizes[sizes.length - 1];
  const perItem = rows.value(`gas.dvp.batch.per-item.${largest}`);
  rows.add(
    "count.dvp.batch.max-under-eip7825",
    "settlements",
    Math.floor(2 ** 24 / perItem),
    `derived: settlements per settleBatch under the 16,777,216 gas cap of EIP-7825 (osaka), at the per-item gas of a batch of ${largest}`,
  );
}

// ---------------------------------------------------------------- scaling

/**
 * Gas and wall time of settling one settlement when `open` settlements are already open in
 * storage (all opened by BenchSeller, so its lock bucket never empties).
 */
export async function measureScaling(
  fx: Fixture,
  rows: RowSet,
  openCounts: readonly number[],
  samples = 5,
): Promise<void> {
  const dvp = fx.dvp.connect(fx.parties.buyer);
  let pending: Terms[] = [];
  for (const open of openCounts) {
    const start = performance.now();
    pending = pending.concat(await fx.openBulk(open + samples - pending.length));
    const createMs = performance.now() - start;
    const gas: number[] = [];
    const ms: number[] = [];
    for (let i = 0; i < samples; ++i) {
      // Settle from the middle of the open set.
      const [t] = pending.splice(Math.floor(pending.length / 2), 1);
      const m = await gasAndTime(() => dvp.settle(t));
      gas.push(m.gas);
      ms.push(m.ms);
    }
    if (Math.max(...gas) - Math.min(...gas) > ONE_GAS * 64) {
      throw new Error(`settle gas varies with ${open} open: ${gas.join(", ")}`);
    }
    rows.gas(
      `gas.dvp.scale.settle.open-${open}`,
      median(gas),
      `settle one (buyer, pending) with ${open.toLocaleString("en-US")} settlements open`,
      "gas.floor.swap",
    );
    rows.ms(
      `time.dvp.scale.settle.open-${open}`,
      median(ms),
      `settle one with ${open.toLocaleString("en-US")} open, submission to receipt (median of ${samples})`,
    );
    rows.ms(
      `time.dvp.scale.open-to-${open}`,
      createMs,
      `opening settlements (BenchSeller, ${BULK_CHUNK} per transaction) up to ${open.toLocaleString("en-US")} open`,
    );
  }
}

// ---------------------------------------------------------------- gas budgets

/**
 * Traces a step 1 and the buyer's settle of an affirmed settlement (the `gas.dvp.step1` and
 * `gas.dvp.settle` situations, replayed on fresh IDs) and splits each one's gas by contract and
 * kind of work.
 */
export async function measureBudgets(
  fx: Fixture,
  provider: RpcProvider,
): Promise<Record<string, BudgetRecord>> {
  const { bond, dvp, dcjpy } = fx;
  const { seller, buyer } = fx.parties;
  const labels = new Map<string, string>();
  const label = async (name: string, contract: { getAddress(): Promise<string> }) =>
    labels.set((await contract.getAddress()).toLowerCase(), name);
  await label("DVP", dvp);
  await label("security token", bond);
  await label("DCJPY", dcjpy);
  await label("issuer's register", fx.stRegistry);

  const traced = async (send: Promise<ContractTransactionResponse>): Promise<BudgetRecord> => {
    const tx = await send;
    const receipt = await mined(Promise.resolve(tx));
    const budget = await gasBudget(provider, receipt, tx.gasLimit, labels);
    const contracts: BudgetRecord["contracts"] = {};
    for (const [name, kinds] of budget.byContract) contracts[name] = Object.fromEntries(kinds);
    return {
      gasUsed: budget.gasUsed,
      intrinsic: budget.intrinsic,
      refund: budget.refund,
      contracts,
    };
  };
  const t = fx.terms();
  const step1 = await traced(
    bond.connect(seller).lock(await dvp.getAddress(), t.quantity, fx.lockData(t)),
  );
  await mined(dvp.connect(buyer).affirm(t));
  const settle = await traced(dvp.connect(buyer).settle(t));
  return { "gas.dvp.step1": step1, "gas.dvp.settle": settle };
}

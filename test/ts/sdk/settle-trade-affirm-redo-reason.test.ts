/**
 * settleTrade's step 2 redoes an affirmation mined reverted only when it reverted because the
 * settlement was not there yet (`DvpUnexpectedState` with current None: a reorg put the lock
 * after it). An affirmation mined reverted for another reason while the settlement stays Pending
 * with the trade's terms (here a DVP paused right after the lock; a buyer with a fixed gas limit
 * sends without an estimate) must not be sent again: the second transaction reverts the same way,
 * at the buyer's expense, and the error the caller gets is the redo's, not the first one's.
 */
import { expect } from "chai";
import { Contract, Wallet, type JsonRpcProvider } from "ethers";
import {
  EnforcedPause,
  FirmClient,
  settleTrade,
  settleTradeKey,
  type KessaiAddresses,
} from "../../../packages/sdk/src/index.js";
import { anvilForSuite } from "./anvil.js";
import {
  DEPLOYER,
  FAST,
  address,
  deployForTrades,
  key,
  oneUnitTerms,
  partiesOn,
  providerFor,
} from "./anvil-trades.js";
import { ref } from "./fixture.js";
import { expectError } from "./helpers.js";

const BUYER = 6;

describe("sdk: settleTrade's step 2 with an affirmation mined reverted for another reason (anvil)", function () {
  this.timeout(60_000);
  const anvil = anvilForSuite();
  let direct: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let admin: Contract;
  before(async function () {
    direct = providerFor(anvil().url);
    ({ addresses } = await deployForTrades(direct, { buyers: [BUYER], units: 10n }));
    admin = new Contract(
      addresses.dvp,
      [
        "function PAUSER_ROLE() view returns (bytes32)",
        "function grantRole(bytes32, address)",
        "function pause()",
        "function unpause()",
        "function paused() view returns (bool)",
        "function stateOf(bytes32) view returns (uint8)",
        "event SettlementAffirmed(bytes32 indexed id, address indexed buyer, address submitter)",
      ],
      new Wallet(key(DEPLOYER), direct),
    );
    await (await admin.grantRole!(await admin.PAUSER_ROLE!(), address(DEPLOYER))).wait();
  });
  after(async function () {
    direct?.destroy();
  });

  it("paused after the lock, a fixed gas limit: the affirmation's EnforcedPause with its hash, no second affirmation", async function () {
    const parties = await partiesOn(addresses, direct, BUYER);
    const buyer = await FirmClient.connect({
      runner: new Wallet(key(BUYER), direct),
      addresses,
      gasLimit: 500_000n,
      transactions: { policy: FAST },
    });
    const terms = await oneUnitTerms(direct, addresses, {
      id: ref("affirm-reverted-paused"),
      buyer: address(BUYER),
      amount: 1_000n,
    });
    const nonce = await direct.getTransactionCount(address(BUYER));
    try {
      const err = await expectError(
        settleTrade({
          ...parties,
          buyer,
          agent: undefined,
          terms,
          // the DVP paused once the lock is mined, before the buyer's affirmation
          onProgress: async (e) => {
            if (e.step === 1 && e.status === "done") await (await admin.pause!()).wait();
          },
        }),
        EnforcedPause,
        {},
      );
      // one affirmation, mined reverted: the error is its own
      expect(await direct.getTransactionCount(address(BUYER))).to.equal(nonce + 1);
      const receipt = (await direct.getTransactionReceipt(err.txHash!))!;
      expect(receipt.status).to.equal(0);
      expect(receipt.to).to.equal(addresses.dvp);
      const scope = { chainId: parties.seller.ctx.chainId, dvp: addresses.dvp };
      const journal = buyer.ctx.signer!.engine.journal;
      expect((await journal.get(settleTradeKey(scope, terms.id, "affirm")))!.state).to.equal(
        "reverted",
      );
      expect(await journal.get(settleTradeKey(scope, terms.id, "affirm", 1))).to.equal(undefined);
      expect(await admin.stateOf!(terms.id)).to.equal(1n); // Pending
      const affirmed = await admin.queryFilter(admin.filters.SettlementAffirmed!(terms.id));
      expect(affirmed).to.have.length(0);
    } finally {
      if (await admin.paused!()) await (await admin.unpause!()).wait();
    }
  });
});

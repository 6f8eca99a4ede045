import { expect } from "chai";
import { JsonRpcProvider, Wallet, ZeroAddress, type Block, type BlockTag } from "ethers";
import {
  BankClient,
  FirmClient,
  InvalidDeadlineError,
  IssuerClient,
  buildTerms,
  settleTrade,
  type KessaiAddresses,
} from "../../../packages/sdk/src/index.js";
import { ref } from "./fixture.js";
import {
  deployOverRpc,
  nodeKey,
  rpcProvider,
  startHardhatNode,
  type HardhatNode,
} from "./hardhat-node.js";
import { expectError } from "./helpers.js";

/**
 * A provider whose `getBlock("latest")` keeps answering with the block it first read, as ethers'
 * request cache does for 250 ms (held here for the whole test, so that the outcome does not turn
 * on how fast a loaded machine answers); every other request, `send` included, reaches the node.
 */
class CachedBlockProvider extends JsonRpcProvider {
  private held: Promise<Block | null> | undefined;
  override getBlock(tag: BlockTag | string, prefetch?: boolean): Promise<Block | null> {
    if (tag !== "latest" || prefetch) return super.getBlock(tag, prefetch);
    this.held ??= super.getBlock("latest");
    return this.held;
  }
  /** Forgets the held block: the next `getBlock("latest")` reads it again and holds that. */
  release(): void {
    this.held = undefined;
  }
}

/**
 * The deadline checks of `createSettlement` and `settleTrade` read the block time past ethers'
 * request cache: a JSON-RPC provider answers a `getBlock("latest")` made within 250 ms of an
 * identical one with the earlier block, so a check made right after the chain's clock moved
 * would judge the deadline by the time before the jump.
 */
describe("sdk: deadline checks right after the clock moved (ethers' request cache)", function () {
  this.timeout(60_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let seller: FirmClient;
  let buyer: FirmClient;
  let bank: BankClient;
  let cached: CachedBlockProvider;
  let seq = 0;

  before(async function () {
    node = await startHardhatNode();
    provider = rpcProvider(node.url, 50);
    addresses = await deployOverRpc(provider, { deployer: 0, issuer: 1, bank: 2, agent: 5 });
    const issuer = await IssuerClient.connect({
      rpcUrl: node.url,
      privateKey: nodeKey(1),
      addresses,
    });
    bank = await BankClient.connect({ rpcUrl: node.url, privateKey: nodeKey(2), addresses });
    cached = new CachedBlockProvider(node.url, undefined, {
      staticNetwork: true,
      pollingInterval: 50,
    });
    const on = (i: number) => new Wallet(nodeKey(i), cached);
    seller = await FirmClient.connect({ runner: on(3), addresses });
    buyer = await FirmClient.connect({ runner: on(4), addresses });
    await issuer.registerInvestors({
      investors: [
        { account: seller.address, investorRef: ref("clock-s") },
        { account: buyer.address, investorRef: ref("clock-b") },
      ],
    });
    await bank.openDepositAccounts({
      accounts: [seller.address, buyer.address],
      depositAccountRefs: [ref("clock-s-deposit"), ref("clock-b-deposit")],
    });
    await issuer.issueSecurity({ to: seller.address, value: 10n });
  });
  after(async function () {
    provider?.destroy();
    cached?.destroy();
    await node?.stop();
  });

  /**
   * Has the clients' provider hold the latest block, moves the clock 1,000 s on and mines, and
   * returns terms whose deadline lies between the two block times, with the new block time.
   */
  async function jump() {
    cached.release();
    const before = (await seller.ctx.provider.getBlock("latest"))!;
    await provider.send("evm_increaseTime", [1_000]);
    await provider.send("evm_mine", []);
    const after = BigInt(
      (await provider.send("eth_getBlockByNumber", ["latest", false])).timestamp,
    );
    // the clients' provider still answers with the block from before the jump
    const held = (await seller.ctx.provider.getBlock("latest"))!;
    expect(held.timestamp).to.equal(before.timestamp);
    const terms = buildTerms({
      id: ref(`clock-${++seq}`),
      seller: seller.address,
      buyer: buyer.address,
      securityToken: addresses.securityToken,
      quantity: 1n,
      cashToken: addresses.depositToken,
      amount: 100n,
      deadline: BigInt(before.timestamp) + 100n,
      agent: ZeroAddress,
    });
    expect(terms.deadline).to.be.lessThan(after);
    return { terms, after };
  }

  it("createSettlement refuses a deadline the new block time has passed, before locking", async function () {
    const { terms, after } = await jump();
    const st = seller.ctx.securityToken;
    const lockedBefore = await st.lockedOf(addresses.dvp, seller.address);
    const e = await expectError(seller.createSettlement({ terms }), InvalidDeadlineError, {
      field: "terms.deadline",
      value: terms.deadline,
    });
    expect(e.message).to.contain(`must be after the current block time ${after}`);
    expect(await seller.ctx.dvp.stateOf(terms.id)).to.equal(0n);
    expect(await st.lockedOf(addresses.dvp, seller.address)).to.equal(lockedBefore);
  });

  it("settleTrade refuses it in its checks before step 1, with nothing sent", async function () {
    const { terms, after } = await jump();
    const nonce = await provider.getTransactionCount(seller.address, "latest");
    const e = await expectError(settleTrade({ seller, buyer, bank, terms }), InvalidDeadlineError, {
      field: "terms.deadline",
      value: terms.deadline,
    });
    expect(e.message).to.contain(`has passed (block time ${after})`);
    expect(await seller.ctx.dvp.stateOf(terms.id)).to.equal(0n);
    expect(await provider.getTransactionCount(seller.address, "latest")).to.equal(nonce);
  });
});

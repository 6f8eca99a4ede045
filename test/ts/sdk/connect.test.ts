import { expect } from "chai";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AuditorClient,
  ChainMismatchError,
  DeploymentAddressError,
  DeploymentFileError,
  FirmClient,
  InvalidParameterError,
  KessaiError,
  TokenNotListedError,
  connect,
  parseDeployment,
  readDeployment,
  type KessaiAddresses,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

describe("sdk connect: the chain and the deployment are checked", function () {
  let k: Kessai;
  let a: KessaiAddresses;
  before(async function () {
    k = await deployKessai();
    a = k.addresses;
  });

  it("connects with the expected chain ID and records the chain", async function () {
    const ctx = await connect({ runner: k.signers.seller, addresses: a, chainId: 31337 });
    expect(ctx.chainId).to.equal(31337n);
    const auditor = await AuditorClient.connect({
      runner: k.ethers.provider,
      addresses: a,
      chainId: 31337n,
    });
    expect(auditor.ctx.chainId).to.equal(31337n);
    expect(auditor.ctx.addresses.securityRegistry).to.equal(await k.contracts.secReg.getAddress());
  });

  it("refuses another chain with ChainMismatchError, from connect and every client", async function () {
    await expectError(
      connect({ runner: k.signers.seller, addresses: a, chainId: 1 }),
      ChainMismatchError,
      { expectedChainId: 1n, chainId: 31337n },
    );
    const e = await expectError(
      FirmClient.connect({ runner: k.signers.seller, addresses: a, chainId: 11155111n }),
      ChainMismatchError,
      { expectedChainId: 11155111n, chainId: 31337n },
    );
    expect(e.shortMessage).to.equal("Expected chain 11155111 but the node is on chain 31337");
  });

  it("refuses swapped and wrong addresses with DeploymentAddressError saying what is there", async function () {
    const registry = await k.contracts.secReg.getAddress();
    const eoa = k.signers.outsider.address;
    const cases: [KessaiAddresses, Record<string, unknown>, string][] = [
      [
        { ...a, securityToken: a.dvp, dvp: a.securityToken },
        { field: "addresses.securityToken", expected: "securityToken", found: "dvp" },
        `addresses.securityToken ${a.dvp} is the Kessai DVP on chain 31337, not a Kessai security token (addresses swapped?)`,
      ],
      [
        { ...a, depositToken: a.securityToken },
        { field: "addresses.depositToken", expected: "depositToken", found: "securityToken" },
        `addresses.depositToken ${a.securityToken} is a Kessai security token on chain 31337, not DCJPY (a Kessai deposit token) (addresses swapped?)`,
      ],
      [
        { ...a, dvp: a.depositToken },
        { field: "addresses.dvp", expected: "dvp", found: "depositToken" },
        `addresses.dvp ${a.depositToken} is DCJPY (a Kessai deposit token) on chain 31337, not the Kessai DVP (addresses swapped?)`,
      ],
      [
        { ...a, dvp: eoa },
        { expected: "dvp", found: "noContract", address: eoa, chainId: 31337n },
        `addresses.dvp ${eoa} is no contract on chain 31337, not the Kessai DVP`,
      ],
      [
        { ...a, securityToken: registry },
        { expected: "securityToken", found: "otherContract", address: registry },
        `addresses.securityToken ${registry} is a contract that is none of the three on chain 31337, not a Kessai security token`,
      ],
    ];
    for (const [addresses, fields, message] of cases) {
      const e = await expectError(
        connect({ runner: k.ethers.provider, addresses, chainId: 31337 }),
        DeploymentAddressError,
        fields,
      );
      expect(e.shortMessage).to.equal(message);
      expect(e.message).to.not.match(/investor register/);
    }
  });

  it("refuses a security token or DCJPY that the DVP does not list (TokenNotListedError)", async function () {
    const dvp = k.contracts.dvp.connect(k.signers.admin);
    // another DCJPY, of the same kind but never listed
    const other = await k.ethers.deployContract("DepositToken", [
      {
        name: "Other DCJPY",
        symbol: "OJPY",
        decimals: 0,
        admin: k.signers.admin.address,
        adminDelay: 0,
      },
    ]);
    const otherAddress = await other.getAddress();
    const e = await expectError(
      connect({
        runner: k.ethers.provider,
        addresses: { ...a, depositToken: otherAddress },
        chainId: 31337,
      }),
      TokenNotListedError,
      { field: "addresses.depositToken", address: otherAddress, dvp: a.dvp, chainId: 31337n },
    );
    expect(e.shortMessage).to.equal(
      `addresses.depositToken ${otherAddress} is not a listed cash token of the DVP ${a.dvp} on chain 31337`,
    );
    await (await dvp.setSecurityTokenListed(a.securityToken, false)).wait();
    try {
      const s = await expectError(
        connect({ runner: k.ethers.provider, addresses: a, chainId: 31337 }),
        TokenNotListedError,
        { field: "addresses.securityToken", address: a.securityToken, dvp: a.dvp },
      );
      expect(s.shortMessage).to.equal(
        `addresses.securityToken ${a.securityToken} is not a listed security token of the DVP ${a.dvp} on chain 31337`,
      );
    } finally {
      await (await dvp.setSecurityTokenListed(a.securityToken, true)).wait();
    }
    expect(
      (await connect({ runner: k.ethers.provider, addresses: a, chainId: 31337 })).chainId,
    ).to.equal(31337n);
  });

  it("refuses a malformed rpcUrl or chainId before any request (InvalidParameterError)", async function () {
    for (const rpcUrl of ["not-a-url", "localhost:8545", "ws://127.0.0.1:8545", ""]) {
      await expectError(connect({ rpcUrl, addresses: a }), InvalidParameterError, {
        field: "rpcUrl",
      });
    }
    await expectError(connect({ addresses: a }), InvalidParameterError, { field: "runner" });
    for (const chainId of [0, -1, 1.5, 2n ** 64n]) {
      await expectError(
        connect({ runner: k.ethers.provider, addresses: a, chainId }),
        InvalidParameterError,
        { field: "chainId", value: chainId },
      );
    }
  });

  describe("deployment files (readDeployment, parseDeployment)", function () {
    let dir: string;
    const doc = () => ({
      chainId: "31337",
      deployer: k.signers.admin.address,
      blockNumber: 1,
      securityTokenKind: "StraightBondToken",
      securityToken: a.securityToken,
      depositToken: a.depositToken,
      dvp: a.dvp,
      securityRegistry: k.signers.admin.address,
      roles: {},
    });
    before(async function () {
      dir = await mkdtemp(path.join(tmpdir(), "kessai-deployment-"));
    });
    after(async function () {
      await rm(dir, { recursive: true, force: true });
    });
    const write = async (name: string, content: unknown) => {
      const file = path.join(dir, name);
      await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
      return file;
    };

    it("reads what `kessai deploy` writes, and connect then checks the chain", async function () {
      const file = await write("ok.json", { ...doc(), dvp: a.dvp.toLowerCase() });
      const d = await readDeployment(file);
      expect(d).to.deep.equal({
        chainId: 31337n,
        addresses: a,
        securityRegistry: k.signers.admin.address,
        blockNumber: 1,
        source: file,
      });
      const ctx = await connect({
        runner: k.ethers.provider,
        addresses: d.addresses,
        chainId: d.chainId,
      });
      expect(ctx.chainId).to.equal(31337n);
      const other = await readDeployment(await write("chain1.json", { ...doc(), chainId: 1 }));
      await expectError(
        connect({ runner: k.ethers.provider, addresses: other.addresses, chainId: other.chainId }),
        ChainMismatchError,
        { expectedChainId: 1n, chainId: 31337n },
      );
    });

    it("takes the chain of an Ignition deployment from its chain-<id> folder", async function () {
      const ignition = path.join(dir, "chain-31337");
      await mkdir(ignition);
      await writeFile(
        path.join(ignition, "deployed_addresses.json"),
        JSON.stringify({
          "KessaiModule#StraightBondToken": a.securityToken,
          "KessaiModule#DepositToken": a.depositToken,
          "KessaiModule#DeliveryVersusPayment": a.dvp,
        }),
      );
      for (const source of [ignition, path.join(ignition, "deployed_addresses.json")]) {
        const d = await readDeployment(source);
        expect(d).to.deep.include({ chainId: 31337n, addresses: a, source });
      }
    });

    it("refuses a missing or malformed field with DeploymentFileError naming it", async function () {
      const { chainId: _c, ...noChain } = doc();
      const { dvp: _d, ...noDvp } = doc();
      const cases: [unknown, string | undefined, string][] = [
        [noChain, "chainId", "chainId is missing"],
        [
          { ...doc(), chainId: "0x7a69" },
          "chainId",
          'chainId must be a positive integer chain ID: "0x7a69"',
        ],
        [{ ...doc(), chainId: 0 }, "chainId", "chainId must be a positive integer chain ID: 0"],
        [noDvp, "dvp", "dvp is missing"],
        [{ ...doc(), dvp: "0x1234" }, "dvp", 'dvp is not a valid non-zero address: "0x1234"'],
        [
          { ...doc(), depositToken: `0x${"00".repeat(20)}` },
          "depositToken",
          `depositToken is not a valid non-zero address: "0x${"00".repeat(20)}"`,
        ],
        [{ ...doc(), dvp: a.securityToken }, "dvp", "dvp is the same address as securityToken"],
        [
          { ...doc(), blockNumber: -1 },
          "blockNumber",
          "blockNumber must be a non-negative integer: -1",
        ],
        [[1, 2], undefined, "is not a JSON object"],
      ];
      for (const [content, field, reason] of cases) {
        const file = await write("bad.json", content);
        const e = await expectError(readDeployment(file), DeploymentFileError, { file, field });
        expect(e.shortMessage).to.equal(`${file}: ${reason}`);
        expect(() => parseDeployment(content, "x.json")).to.throw(DeploymentFileError);
      }
      const notJson = await write("not.json", "{ chainId: 1");
      const e = await expectError(readDeployment(notJson), DeploymentFileError, {
        field: undefined,
      });
      expect(e.shortMessage).to.match(/not\.json: is not valid JSON \(/);
      const missing = path.join(dir, "missing.json");
      const m = await expectError(readDeployment(missing), DeploymentFileError, { file: missing });
      expect(m.shortMessage).to.equal(`${missing}: not found`);
      expect(m).to.be.instanceOf(KessaiError);
    });
  });
});

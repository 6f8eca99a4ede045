/**
 * The engine's raw `eth_estimateGas` against the estimate ethers makes for the same send (the
 * parameters on the wire, the answer, and the typed error of each refusal), and the journals'
 * copies against the JSON they stand for.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbiCoder,
  AbstractSigner,
  JsonRpcProvider,
  Wallet,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Provider,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import {
  FileJournal,
  MemoryJournal,
  TxEngine,
  toKessaiError,
  type JournalEntry,
} from "../../../packages/sdk/src/index.js";

type Answer = { result?: unknown; error?: { code: number; message: string; data?: string } };

/** A JSON-RPC provider answering from a table, recording every request. */
class StubProvider extends JsonRpcProvider {
  readonly seen: JsonRpcPayload[] = [];
  answer: (p: JsonRpcPayload) => Answer | Promise<Answer> = () => ({ result: "0x5208" });
  constructor() {
    super("http://127.0.0.1:9", 31337, { staticNetwork: true, batchMaxCount: 1 });
  }
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const out: JsonRpcResult[] = [];
    for (const p of Array.isArray(payload) ? payload : [payload]) {
      this.seen.push(p);
      out.push({ id: p.id, ...(await this.answer(p)) } as JsonRpcResult);
    }
    return out;
  }
  estimates(): unknown[] {
    return this.seen.filter((p) => p.method === "eth_estimateGas").map((p) => p.params);
  }
}

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const TO = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
let salt = 0;
/** Distinct call data per request (ethers' 250 ms cache never answers for the raw request). */
const data = () => "0xABCDEF" + (++salt).toString(16).padStart(8, "0");

type Private = { estimate(tx: TransactionRequest & { from: string }): Promise<bigint> };

/** The raw estimate's and ethers' estimate's results or typed errors, and what each sent. */
async function both(p: StubProvider, tx: TransactionRequest) {
  const wallet = new Wallet(KEY, p);
  const engine = new TxEngine(wallet) as unknown as Private;
  const from = wallet.address;
  const run = async (f: () => Promise<bigint>) => {
    p.seen.length = 0;
    try {
      return { value: await f(), sent: p.estimates() };
    } catch (e) {
      const k = toKessaiError(e, { action: "estimate" });
      return { error: `${k.constructor.name}: ${k.shortMessage}`, sent: p.estimates() };
    }
  };
  const raw = await run(() => engine.estimate({ ...tx, from }));
  const ethers = await run(() => wallet.estimateGas({ ...tx, from }));
  return { raw, ethers };
}

const revert = (reason: string) =>
  "0x08c379a0" + AbiCoder.defaultAbiCoder().encode(["string"], [reason]).slice(2);

describe("sdk: the raw gas estimate is ethers' estimate; journal copies are JSON", function () {
  it("sends the parameters ethers sends, for every plain call", async function () {
    const p = new StubProvider();
    const calls: TransactionRequest[] = [
      { to: TO, data: data() },
      { to: TO.toLowerCase(), data: data(), value: 0n },
      { to: TO, data: data(), value: 10n ** 18n },
      { to: TO, data: "0x", value: 1n },
      { to: TO, data: data(), value: "0x10" },
      { to: TO, data: data(), value: 7 },
      { data: "0x6080" + (++salt).toString(16).padStart(4, "0") },
    ];
    for (const tx of calls) {
      const { raw, ethers } = await both(p, tx);
      expect(
        raw,
        JSON.stringify(tx, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)),
      ).to.deep.equal(ethers);
    }
    p.destroy();
  });

  it("classifies every refusal as ethers' estimate's refusal is classified", async function () {
    const p = new StubProvider();
    const answers: [string, Answer | (() => never)][] = [
      [
        "revert with reason",
        { error: { code: 3, message: "execution reverted: boom", data: revert("boom") } },
      ],
      [
        "custom error",
        { error: { code: 3, message: "execution reverted", data: "0x2dd4be8e" + "00".repeat(32) } },
      ],
      ["revert without data", { error: { code: -32000, message: "execution reverted" } }],
      ["block out of range", { error: { code: -32602, message: "block range out of range" } }],
      ["header not found", { error: { code: -32000, message: "header not found" } }],
      ["internal", { error: { code: -32603, message: "internal error" } }],
      [
        "insufficient funds",
        { error: { code: -32000, message: "insufficient funds for gas * price + value" } },
      ],
      [
        "network",
        () => {
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
            code: "ECONNREFUSED",
          });
        },
      ],
    ];
    for (const [name, a] of answers) {
      p.answer = (req) =>
        req.method !== "eth_estimateGas" ? { result: "0x1" } : typeof a === "function" ? a() : a;
      const { raw, ethers } = await both(p, { to: TO, data: data() });
      expect(raw.error, name).to.be.a("string");
      expect(raw, name).to.deep.equal(ethers);
    }
    p.destroy();
  });

  it("refuses an answer that is not a quantity, as ethers does (never a gas limit of 0)", async function () {
    const p = new StubProvider();
    const accepted: string[] = [];
    for (const result of ["", null, "0x", "zz", true, []]) {
      p.answer = (req) => (req.method === "eth_estimateGas" ? { result } : { result: "0x1" });
      const { raw, ethers } = await both(p, { to: TO, data: data() });
      expect(ethers.value, JSON.stringify(result)).to.equal(undefined);
      if (raw.value !== undefined) accepted.push(`${JSON.stringify(result)} → ${raw.value}n`);
    }
    expect(accepted, "answers taken as a gas limit").to.deep.equal([]);
    p.destroy();
  });

  it("a signer that is not a local key estimates through its own estimateGas", async function () {
    const p = new StubProvider();
    /** A remote (KMS-style) signer that asks a service for the gas, with its own margin. */
    class RemoteSigner extends AbstractSigner {
      asked = 0;
      constructor(provider: Provider) {
        super(provider);
      }
      async getAddress() {
        return "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
      }
      connect(provider: Provider) {
        return new RemoteSigner(provider);
      }
      override async estimateGas(tx: TransactionRequest) {
        this.asked++;
        return ((await super.estimateGas(tx)) * 12n) / 10n;
      }
      async signTransaction(): Promise<string> {
        throw new Error("not used");
      }
      async signMessage(): Promise<string> {
        throw new Error("not used");
      }
      async signTypedData(
        _d: TypedDataDomain,
        _t: Record<string, TypedDataField[]>,
        _v: Record<string, unknown>,
      ): Promise<string> {
        throw new Error("not used");
      }
    }
    const signer = new RemoteSigner(p);
    const engine = new TxEngine(signer) as unknown as {
      prepare(tx: TransactionRequest): Promise<TransactionRequest>;
    };
    const prepared = await engine.prepare({ to: TO, data: data() });
    expect(signer.asked, "the signer's estimateGas was asked").to.equal(1);
    expect(prepared.gasLimit).to.equal((21_000n * 12n) / 10n);
    p.destroy();
  });

  it("FileJournal: a put that cannot be written leaves nothing behind (get, open, compact)", async function () {
    const dir = mkdtempSync(join(tmpdir(), "kessai-journal-"));
    const j = new FileJournal(join(dir, "j.jsonl"), { fsync: false });
    try {
      const e = {
        key: "k-bad",
        chainId: "31337",
        from: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        request: { to: null, data: "0x", value: "0" },
        state: "signed",
        nonce: 7n, // not JSON: a programming error the journal must refuse whole
        txs: [],
        updatedAt: 1,
      } as unknown as JournalEntry;
      let refused = false;
      await j.put(e).catch(() => (refused = true));
      expect(refused, "the put is refused").to.equal(true);
      expect(await j.get("k-bad"), "a refused put is not read back").to.equal(undefined);
      expect(await j.open("31337", e.from)).to.have.length(0);
      await j.compact(); // still works
    } finally {
      await j.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("MemoryJournal keeps what the file journal would keep: JSON's values, not others", async function () {
    const j = new MemoryJournal();
    const weird = {
      key: "k-w",
      chainId: "31337",
      from: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      request: { to: null, data: "0x", value: "0" },
      state: "mined",
      firstBlock: Number.NaN, // JSON: null
      txs: [, { hash: "0x01", at: 1 }], // a hole: JSON gives null
      mined: JSON.parse(
        '{"hash":"0x02","blockNumber":1,"blockHash":"0x03","status":1,"__proto__":{"x":1}}',
      ),
      updatedAt: new Date(5) as unknown as number, // JSON: its ISO text
    } as unknown as JournalEntry;
    const expected = JSON.parse(JSON.stringify(weird));
    await j.put(weird);
    const got = await j.get("k-w");
    expect(JSON.parse(JSON.stringify(got))).to.deep.equal(expected);
    expect(got).to.deep.equal(expected);
  });
});

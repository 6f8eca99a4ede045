import { ConfigurationError } from "../errors/configuration.js";
import { copyEntry, isOpen, olderAttempt, type Journal, type JournalEntry } from "./journal.js";

type FileHandle = import("node:fs/promises").FileHandle;

interface Pending {
  line: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * A {@link Journal} in one append-only file of JSON lines, one line per change of an entry (the
 * last line of a key wins). Every `put` is written and flushed to disk (`fdatasync`) before it
 * resolves; concurrent `put`s share one write and one flush (group commit), in call order. A
 * line torn by a crash mid-write (the file's last line, unterminated or unparsable) is ignored
 * when the file is read again; any other unreadable line is an error.
 *
 * Node.js only (it imports `node:fs` when first used). One process per file: the file is not
 * locked. {@link compact} rewrites it with one line per entry.
 */
export class FileJournal implements Journal {
  readonly path: string;
  private readonly fsync: boolean;
  private loading: Promise<void> | undefined;
  private entries = new Map<string, JournalEntry>();
  private handle: FileHandle | undefined;
  private queue: Pending[] = [];
  private writing = false;

  /** `fsync: false` skips the flush (tests, or a file system that journals itself). */
  constructor(path: string, options: { fsync?: boolean } = {}) {
    this.path = path;
    this.fsync = options.fsync ?? true;
  }

  /** {@inheritDoc Journal.get} */
  async get(key: string): Promise<JournalEntry | undefined> {
    await this.load();
    const e = this.entries.get(key);
    return e && copyEntry(e);
  }

  /** {@inheritDoc Journal.open} */
  async open(chainId: string, from: string): Promise<JournalEntry[]> {
    await this.load();
    const f = from.toLowerCase();
    return [...this.entries.values()]
      .filter((e) => e.chainId === chainId && e.from.toLowerCase() === f && isOpen(e))
      .map(copyEntry);
  }

  /** {@inheritDoc Journal.put} */
  async put(entry: JournalEntry): Promise<void> {
    const copy = copyEntry(entry); // as it is now: the caller may change it meanwhile
    const line = JSON.stringify(copy) + "\n"; // before it is kept: a refused entry is not read back
    await this.load();
    const held = this.entries.get(copy.key);
    if (held && olderAttempt(copy, held)) return; // a stopped attempt's late write: not written
    this.entries.set(copy.key, copy);
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  /** Every entry (a copy), for inspection and reports. */
  async list(): Promise<JournalEntry[]> {
    await this.load();
    return [...this.entries.values()].map(copyEntry);
  }

  /**
   * Rewrites the file with one line per entry, dropping closed entries last changed before
   * `closedBefore` (milliseconds since the epoch; default: keep all). Atomic: a new file is
   * written, flushed and renamed over the old one.
   */
  async compact(options: { closedBefore?: number } = {}): Promise<void> {
    await this.load();
    await this.idle();
    const fs = await import("node:fs/promises");
    const keep = [...this.entries.values()].filter(
      (e) => isOpen(e) || options.closedBefore === undefined || e.updatedAt >= options.closedBefore,
    );
    const tmp = `${this.path}.compact-${process.pid}`;
    const h = await fs.open(tmp, "w");
    try {
      await h.writeFile(keep.map((e) => JSON.stringify(e) + "\n").join(""));
      await h.sync();
    } finally {
      await h.close();
    }
    await this.handle?.close();
    this.handle = undefined;
    await fs.rename(tmp, this.path);
    this.entries = new Map(keep.map((e) => [e.key, e]));
    this.handle = await fs.open(this.path, "a");
  }

  /** Waits for pending writes and closes the file. The journal can be used again afterwards. */
  async close(): Promise<void> {
    if (!this.loading) return;
    await this.load();
    await this.idle();
    await this.handle?.close();
    this.handle = undefined;
    this.loading = undefined;
  }

  private async idle(): Promise<void> {
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 1));
  }

  private load(): Promise<void> {
    this.loading ??= this.read();
    return this.loading;
  }

  private async read(): Promise<void> {
    const fs = await import("node:fs/promises");
    let text = "";
    try {
      text = await fs.readFile(this.path, "utf8");
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT")
        throw new ConfigurationError(`Cannot read the journal ${this.path}`, { cause: err });
    }
    const entries = new Map<string, JournalEntry>();
    let offset = 0; // characters of the file made of complete entries
    let torn = false;
    for (let i = 1; offset < text.length; i++) {
      const nl = text.indexOf("\n", offset);
      const line = text.slice(offset, nl < 0 ? text.length : nl);
      const next = nl < 0 ? text.length : nl + 1;
      if (line.trim() === "") {
        offset = next;
        continue;
      }
      let e: JournalEntry | undefined;
      try {
        e = JSON.parse(line) as JournalEntry;
        if (typeof e?.key !== "string" || typeof e.state !== "string") e = undefined;
      } catch {
        e = undefined;
      }
      if (!e) {
        if (text.slice(next).trim() === "") {
          torn = true; // the last line, torn by a crash mid-write: its put never resolved
          break;
        }
        throw new ConfigurationError(`Journal ${this.path}: line ${i} is not a journal entry`);
      }
      entries.set(e.key, e);
      offset = next;
    }
    this.entries = entries;
    if (torn) await fs.truncate(this.path, Buffer.byteLength(text.slice(0, offset), "utf8"));
    const handle = await fs.open(this.path, "a");
    // A complete last entry without its newline would be glued to the next one: end it first.
    if (!torn && text.length > 0 && !text.endsWith("\n")) await handle.write("\n");
    this.handle = handle;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.handle!.write(batch.map((p) => p.line).join(""));
          if (this.fsync) await this.handle!.datasync();
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

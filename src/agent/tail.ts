/**
 * Log tailing by polling: follows rotation by rename (a new inode at the path: the old file is read
 * to its end, then the new one from its start) and by truncation (the size shrinks below the read
 * offset: read again from 0), and waits for a missing file without failing.
 */
import { type FileHandle, open, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";

/** What a {@link LogTailer} has seen since it was created. */
export interface TailStats {
  /** Complete lines read. */
  readonly lines: number;
  /** Rotations by rename followed. */
  readonly renames: number;
  /** Truncations followed. */
  readonly truncations: number;
  /** True while the file does not exist. */
  readonly missing: boolean;
}

/** Longest line kept; the rest of a longer line is discarded (the line still counts once). */
const MAX_LINE_BYTES = 64 * 1024;
const CHUNK_BYTES = 64 * 1024;

/**
 * Reads lines appended to one file. Call {@link LogTailer.poll} periodically; each complete line is
 * passed to `onLine`. Starts at the end of an existing file (history is not counted) and at the start
 * of a file that appears later or replaces a rotated one.
 *
 * @example
 * ```ts
 * const tailer = new LogTailer("/var/log/nginx/access.log", (line) => counts.add(line));
 * setInterval(() => void tailer.poll(), 1000);
 * ```
 */
export class LogTailer {
  private handle: FileHandle | undefined;
  private inode = -1;
  private offset = 0;
  private partial = "";
  private partialDropped = false;
  private started = false;
  private busy: Promise<void> | undefined;
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  // Keeps a multi-byte character split across two reads whole.
  private decoder = new StringDecoder("utf8");
  private counters = { lines: 0, renames: 0, truncations: 0, missing: false };

  constructor(
    readonly path: string,
    private onLine: (line: string) => void,
  ) {}

  /** Replaces the line handler (a configuration reload keeps the tailer and its offset). */
  setLineHandler(onLine: (line: string) => void): void {
    this.onLine = onLine;
  }

  stats(): TailStats {
    return { ...this.counters };
  }

  /** Reads whatever was appended since the last poll. Concurrent calls share one read. */
  poll(): Promise<void> {
    this.busy ??= this.readNew().finally(() => {
      this.busy = undefined;
    });
    return this.busy;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.busy;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async readNew(): Promise<void> {
    const current = await stat(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    const firstPoll = !this.started;
    this.started = true;
    if (current === undefined) {
      this.counters.missing = true;
      // Rotated away and not yet recreated: finish what was written to the old file.
      if (this.handle) await this.drainAndClose();
      return;
    }
    this.counters.missing = false;
    if (this.handle && current.ino !== this.inode) {
      this.counters.renames++;
      await this.drainAndClose();
    }
    if (!this.handle) {
      this.handle = await open(this.path, "r");
      const opened = await this.handle.stat();
      this.inode = opened.ino;
      // An existing file at start-up is read from its end; a new one (after rotation) from its start.
      this.offset = firstPoll ? opened.size : 0;
      this.partial = "";
      this.decoder = new StringDecoder("utf8");
    }
    const size = (await this.handle.stat()).size;
    if (size < this.offset) {
      this.counters.truncations++;
      this.offset = 0;
      this.partial = "";
      this.decoder = new StringDecoder("utf8");
    }
    await this.readToEnd();
  }

  private async drainAndClose(): Promise<void> {
    await this.readToEnd();
    // The last line of a rotated file may lack its newline; it is complete now.
    if (this.partial !== "") this.emit(this.partial);
    this.partial = "";
    await this.handle?.close();
    this.handle = undefined;
  }

  private async readToEnd(): Promise<void> {
    const handle = this.handle!;
    for (;;) {
      const { bytesRead } = await handle.read(this.chunk, 0, CHUNK_BYTES, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      this.split(this.decoder.write(this.chunk.subarray(0, bytesRead)));
    }
  }

  private split(text: string): void {
    let from = 0;
    for (let newline = text.indexOf("\n"); newline >= 0; newline = text.indexOf("\n", from)) {
      const piece = text.slice(from, newline);
      this.emit(this.partial === "" ? piece : this.partial + piece);
      this.partial = "";
      this.partialDropped = false;
      from = newline + 1;
    }
    if (from < text.length && !this.partialDropped) {
      this.partial += text.slice(from);
      if (this.partial.length > MAX_LINE_BYTES) {
        this.partial = this.partial.slice(0, MAX_LINE_BYTES);
        this.partialDropped = true;
      }
    }
  }

  private emit(line: string): void {
    this.counters.lines++;
    this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  }
}

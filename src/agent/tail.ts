/**
 * Log tailing by polling: follows rotation by rename (a new inode at the path: the old file is read
 * to its end, then the new one from its start) and by truncation (the size shrinks below the read
 * offset: read again from 0), and waits for a missing file without failing.
 */
import { close, fstat, open, read, type Stats, stat } from "node:fs";
import { StringDecoder } from "node:string_decoder";

// Callback fs wrapped by hand: node:fs/promises would load about 1 MiB of modules the agent does not need.
const statPath = (path: string) =>
  new Promise<Stats>((resolve, reject) =>
    stat(path, (error, stats) => (error ? reject(error) : resolve(stats))),
  );
const openFile = (path: string) =>
  new Promise<number>((resolve, reject) =>
    open(path, "r", (error, fd) => (error ? reject(error) : resolve(fd))),
  );
const statFile = (fd: number) =>
  new Promise<Stats>((resolve, reject) =>
    fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats))),
  );
const readFile = (fd: number, buffer: Buffer, position: number) =>
  new Promise<number>((resolve, reject) =>
    read(fd, buffer, 0, buffer.length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    ),
  );
const closeFile = (fd: number) =>
  new Promise<void>((resolve, reject) => close(fd, (error) => (error ? reject(error) : resolve())));

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
  private fd: number | undefined;
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
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await closeFile(fd);
  }

  private async readNew(): Promise<void> {
    const current = await statPath(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    const firstPoll = !this.started;
    this.started = true;
    if (current === undefined) {
      this.counters.missing = true;
      // Rotated away and not yet recreated: finish what was written to the old file.
      if (this.fd !== undefined) await this.drainAndClose();
      return;
    }
    this.counters.missing = false;
    if (this.fd !== undefined && current.ino !== this.inode) {
      this.counters.renames++;
      await this.drainAndClose();
    }
    // The path's stat describes the open file when the inode matches, saving an fstat each poll.
    let size = current.size;
    if (this.fd === undefined) {
      this.fd = await openFile(this.path);
      const opened = await statFile(this.fd);
      this.inode = opened.ino;
      // An existing file at start-up is read from its end; a new one (after rotation) from its start.
      this.offset = firstPoll ? opened.size : 0;
      this.partial = "";
      this.decoder = new StringDecoder("utf8");
      size = opened.size;
    }
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
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await closeFile(fd);
  }

  private async readToEnd(): Promise<void> {
    const fd = this.fd!;
    for (;;) {
      const bytesRead = await readFile(fd, this.chunk, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      this.split(this.decoder.write(this.chunk.subarray(0, bytesRead)));
      // A short read reached the end; what is appended meanwhile waits for the next poll.
      if (bytesRead < CHUNK_BYTES) return;
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

import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogTailer } from "../../src/agent/tail.js";

let dir: string;
let path: string;
let lines: string[];
let tailer: LogTailer;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agent-tail-"));
  path = join(dir, "access.log");
  lines = [];
  tailer = new LogTailer(path, (line) => lines.push(line));
});

afterEach(async () => {
  await tailer.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("LogTailer", () => {
  it("starts at the end of an existing file and reads only what is appended", async () => {
    // Prepare
    writeFileSync(path, "old 1\nold 2\n");
    await tailer.poll();

    // Act
    appendFileSync(path, "new 1\nnew 2\n");
    await tailer.poll();

    // Assess
    expect(lines).toEqual(["new 1", "new 2"]);
  });

  it("joins a line written in two parts and strips CRLF", async () => {
    writeFileSync(path, "");
    await tailer.poll();

    appendFileSync(path, "GET /a HT");
    await tailer.poll();
    appendFileSync(path, "TP/1.1\r\n");
    await tailer.poll();

    expect(lines).toEqual(["GET /a HTTP/1.1"]);
  });

  it("follows rotation by rename: finishes the old file, then reads the new one from its start", async () => {
    writeFileSync(path, "");
    await tailer.poll();
    appendFileSync(path, "before 1\n");
    await tailer.poll();

    // Act: written after the last poll, then rotated (logrotate's default) and recreated
    appendFileSync(path, "before 2\nunterminated");
    renameSync(path, `${path}.1`);
    writeFileSync(path, "after 1\n");
    await tailer.poll();
    appendFileSync(path, "after 2\n");
    await tailer.poll();

    expect(lines).toEqual(["before 1", "before 2", "unterminated", "after 1", "after 2"]);
    expect(tailer.stats()).toEqual({ lines: 5, renames: 1, truncations: 0, missing: false });
  });

  it("follows rotation by truncation (copytruncate): reads again from the start", async () => {
    writeFileSync(path, "");
    await tailer.poll();
    appendFileSync(path, "one\ntwo\n");
    await tailer.poll();

    truncateSync(path, 0);
    appendFileSync(path, "three\n");
    await tailer.poll();

    expect(lines).toEqual(["one", "two", "three"]);
    expect(tailer.stats()).toEqual({ lines: 3, renames: 0, truncations: 1, missing: false });
  });

  it("survives a missing file and reads it from its start once it appears", async () => {
    await tailer.poll();
    expect(tailer.stats().missing).toBe(true);

    writeFileSync(path, "first\n");
    await tailer.poll();

    expect(lines).toEqual(["first"]);
    expect(tailer.stats().missing).toBe(false);
  });

  it("reads what the old file got when it is rotated away and not yet recreated", async () => {
    writeFileSync(path, "");
    await tailer.poll();

    appendFileSync(path, "last words\n");
    renameSync(path, `${path}.1`);
    await tailer.poll();
    writeFileSync(path, "reborn\n");
    await tailer.poll();

    expect(lines).toEqual(["last words", "reborn"]);
    expect(tailer.stats()).toMatchObject({ lines: 2, missing: false });
  });

  it("keeps a multi-byte character split across reads whole", async () => {
    writeFileSync(path, "");
    await tailer.poll();
    const text = Buffer.from("café ☕\n");

    appendFileSync(path, text.subarray(0, 4));
    await tailer.poll();
    appendFileSync(path, text.subarray(4));
    await tailer.poll();

    expect(lines).toEqual(["café ☕"]);
  });
});

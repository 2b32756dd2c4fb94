/**
 * Issue 13, finding 7: a 44 MB flow-style YAML persona took over 60 s and 4.4 GB to parse. Every
 * reader of persona and mapping text refuses inputs above a cap (1 MiB by default) before parsing.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { cliInputLimits } from "../../src/cli/files.js";
import { run } from "../../src/cli/main.js";
import { InputTooLargeError } from "../../src/pdl/errors.js";
import { DEFAULT_MAX_INPUT_BYTES, readInputFile } from "../../src/pdl/input.js";
import { parsePersona, validatePersonaText } from "../../src/pdl/parse.js";
import { RepositoryValidationError } from "../../src/repository/errors.js";
import { PersonaRepository } from "../../src/repository/repository.js";
import { readObjectText } from "../../src/repository/s3.js";
import { parseMapping } from "../../src/resolve/mapping.js";

/** The shape that exhausted the parser: one flow mapping with a huge flow sequence. */
function flowYaml(bytes: number): string {
  const head = "{Name: Big, BaseConfiguration: {CPU: 2}, Junk: [";
  const item = "[a, {b: c}], ";
  const body = item.repeat(Math.ceil((bytes - head.length - 2) / item.length));
  return `${head}${body}]}`;
}

const TINY = 'Name: Tiny\nVersion: "1.0.0"\nBaseConfiguration:\n  CPU: 2 cores\n';

function tooLarge(file: string, bytes: number, limit = DEFAULT_MAX_INPUT_BYTES): string {
  return `${file} is ${bytes} bytes, above the ${limit}-byte limit on persona and mapping inputs; nothing was parsed. Make it smaller, or raise the limit (maxInputBytes, or PERSONAS_MAX_INPUT_BYTES for the personas command).`;
}

describe("The input cap on persona and mapping text", () => {
  const saved = process.env.PERSONAS_MAX_INPUT_BYTES;
  afterEach(() => {
    if (saved === undefined) delete process.env.PERSONAS_MAX_INPUT_BYTES;
    else process.env.PERSONAS_MAX_INPUT_BYTES = saved;
  });

  it("refuses a flow-style persona above 1 MiB before parsing it, with a typed error", () => {
    // Prepare: just above the default cap (the 8 MB took 14 s and 1.1 GB).
    const text = flowYaml(DEFAULT_MAX_INPUT_BYTES + 100);
    const bytes = Buffer.byteLength(text);

    // Act / Assess
    expect(() => parsePersona(text, { file: "Big.yaml" })).toThrow(
      new InputTooLargeError("Big.yaml", bytes, DEFAULT_MAX_INPUT_BYTES),
    );
    expect(() => parsePersona(text, { file: "Big.yaml" })).toThrow(tooLarge("Big.yaml", bytes));
  });

  it("reports it as one located diagnostic from validatePersonaText, which never throws", () => {
    const outcome = validatePersonaText(flowYaml(2000), { file: "Big.yaml", maxInputBytes: 1000 });
    expect(outcome.valid).toBe(false);
    expect(outcome.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ["input-too-large", 1, tooLarge("Big.yaml", Buffer.byteLength(flowYaml(2000)), 1000)],
    ]);
  });

  it("measures bytes, not characters (multi-byte text counts its UTF-8 size)", () => {
    const text = `Name: Tiny\nDescription: "${"é".repeat(600)}"\n`; // 600 characters, 1,200 bytes
    expect(() => parsePersona(text, { maxInputBytes: 1000 })).toThrow(
      tooLarge("<input>", Buffer.byteLength(text), 1000),
    );
    expect(() => parsePersona(text, { maxInputBytes: 2000 })).not.toThrow(InputTooLargeError);
  });

  it("accepts a persona at the cap, and a configured larger cap", () => {
    expect(parsePersona(TINY, { maxInputBytes: Buffer.byteLength(TINY) }).name).toBe("Tiny");
    const big = `${TINY}Description: "${"x".repeat(DEFAULT_MAX_INPUT_BYTES)}"\n`;
    expect(parsePersona(big, { maxInputBytes: 2 * DEFAULT_MAX_INPUT_BYTES }).name).toBe("Tiny");
  });

  it("caps the mapping reader", () => {
    const text = `rules: [${"{match: {a: b}}, ".repeat(100)}]`;
    expect(() => parseMapping(text, { file: "mapping.yaml", maxInputBytes: 1000 })).toThrow(
      tooLarge("mapping.yaml", Buffer.byteLength(text), 1000),
    );
  });

  it("refuses a file by its size before reading it, and a repository directory holding one", () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), "personas-cap-"));
    writeFileSync(join(dir, "Tiny.yaml"), TINY);
    const big = join(dir, "Big.yaml");
    const text = flowYaml(DEFAULT_MAX_INPUT_BYTES + 1);
    writeFileSync(big, text);

    // Act / Assess
    expect(() => readInputFile(big)).toThrow(tooLarge(big, Buffer.byteLength(text)));
    expect(() => PersonaRepository.fromDirectory(dir)).toThrow(tooLarge(big, Buffer.byteLength(text)));
  });

  it("collects an oversized text among the other problems of PersonaRepository.fromSources", () => {
    const act = () =>
      PersonaRepository.fromSources(
        [
          { file: "Tiny.yaml", text: TINY },
          { file: "Big.yaml", text: flowYaml(3000) },
        ],
        { maxInputBytes: 2000 },
      );
    expect(act).toThrow(RepositoryValidationError);
    expect(act).toThrow(
      `1 error in 1 persona file\nBig.yaml:1:1: error: ${tooLarge("Big.yaml", Buffer.byteLength(flowYaml(3000)), 2000)}`,
    );
  });

  it("personas validate reports an oversized file as invalid and still checks the others", () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), "personas-cap-cli-"));
    writeFileSync(join(dir, "a-big.yaml"), flowYaml(3000));
    writeFileSync(join(dir, "b-tiny.yaml"), TINY);
    process.env.PERSONAS_MAX_INPUT_BYTES = "2000";

    // Act
    const result = run(["validate", dir]);

    // Assess
    expect(result.stderr ?? "").toBe("");
    expect(result.exitCode).toBe(1);
    expect(result.stdout.split("\n").slice(0, 2)).toEqual([
      `${join(dir, "a-big.yaml")}:1:1: error: ${tooLarge(join(dir, "a-big.yaml"), Buffer.byteLength(flowYaml(3000)), 2000)}`,
      `✘ ${join(dir, "a-big.yaml")}: 1 error`,
    ]);
    expect(result.stdout).toContain(`✔ ${join(dir, "b-tiny.yaml")}: Tiny@1.0.0`);
  });

  it("reads PERSONAS_MAX_INPUT_BYTES for the CLI and refuses a value that is not a byte count", () => {
    expect(cliInputLimits({})).toEqual({});
    expect(cliInputLimits({ PERSONAS_MAX_INPUT_BYTES: "65536" })).toEqual({ maxInputBytes: 65536 });
    expect(() => cliInputLimits({ PERSONAS_MAX_INPUT_BYTES: "1MB" })).toThrow(
      "PERSONAS_MAX_INPUT_BYTES must be a positive whole number of bytes, not '1MB'; unset it for the default of 1 MiB",
    );
  });
});

describe("readObjectText (S3 bodies)", () => {
  it("refuses an object by its ContentLength without reading its body", async () => {
    let pulled = 0;
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 100; i++) {
          pulled++;
          yield Buffer.alloc(1024, 97);
        }
      })(),
    );
    await expect(readObjectText({ ContentLength: 5000, Body: body }, "s3://b/k.json", 4096)).rejects.toThrow(
      tooLarge("s3://b/k.json", 5000, 4096),
    );
    expect(pulled).toBe(0);
  });

  it("stops reading a body without a length as soon as it passes the cap", async () => {
    // Prepare: an endless body (a writer can omit or misstate the length through a proxy).
    let pulled = 0;
    const body = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield Buffer.alloc(1024, 97);
        }
      })(),
    );

    // Act
    const read = readObjectText({ Body: body }, "s3://b/k.json", 4096);

    // Assess
    await expect(read).rejects.toThrow(
      "s3://b/k.json is more than 4096 bytes, above the 4096-byte limit on persona and mapping inputs; nothing was parsed. Make it smaller, or raise the limit (maxInputBytes, or PERSONAS_MAX_INPUT_BYTES for the personas command).",
    );
    expect(pulled).toBeLessThanOrEqual(5 + 16); // the cap, plus what the stream buffers ahead
  });

  it("returns the text of a body within the cap", async () => {
    const body = Readable.from([Buffer.from("rules: []\n")]);
    await expect(readObjectText({ ContentLength: 10, Body: body }, "s3://b/k", 4096)).resolves.toBe(
      "rules: []\n",
    );
  });
});

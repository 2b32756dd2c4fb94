#!/usr/bin/env node
// Writes the mutation-testing results of the last `npm run mutation` (reports/mutation/mutation.json)
// into docs/testing.md: one section per module (between `<!-- mutation:FILE -->` markers, so a run on
// one module never erases another's), with its score and every surviving mutant beside the reason it
// is acceptable, read from docs/mutation-survivors.json ("FILE": { "LINE:COLUMN MUTATOR": "why" }).
// A survivor without a reason is printed as NOT EXPLAINED, so the document cannot hide one.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const REPORT = "reports/mutation/mutation.json";
const DOC = "docs/testing.md";
const REASONS = "docs/mutation-survivors.json";

const report = JSON.parse(readFileSync(REPORT, "utf8"));
const reasons = existsSync(REASONS) ? JSON.parse(readFileSync(REASONS, "utf8")) : {};
const date = new Date().toISOString().slice(0, 10);
let doc = readFileSync(DOC, "utf8");

for (const [file, { mutants, source }] of Object.entries(report.files)) {
  const lines = source.split("\n");
  const counted = mutants.filter((m) => m.status !== "Ignored" && m.status !== "CompileError");
  const detected = counted.filter((m) => m.status === "Killed" || m.status === "Timeout");
  const undetected = counted.filter((m) => m.status === "Survived" || m.status === "NoCoverage");
  const score = counted.length === 0 ? 100 : (100 * detected.length) / counted.length;
  const rows = undetected
    .sort(
      (a, b) =>
        a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column,
    )
    .map((m) => {
      const key = `${m.location.start.line}:${m.location.start.column} ${m.mutatorName}`;
      const original = (lines[m.location.start.line - 1] ?? "").trim().replaceAll("|", "\\|");
      const replacement = String(m.replacement ?? "")
        .replaceAll("\n", " ")
        .replaceAll("|", "\\|");
      const why = reasons[file]?.[key] ?? "**NOT EXPLAINED**";
      return `| ${key} | ${m.status} | \`${original.slice(0, 90)}\` → \`${replacement.slice(0, 60)}\` | ${why} |`;
    });
  const section = [
    `### \`${file}\`: ${score.toFixed(1)} % (${detected.length} of ${counted.length} mutants detected)`,
    "",
    `Run ${date} with \`npm run mutation -- --mutate ${file}\`.`,
    "",
    rows.length === 0
      ? "No surviving mutant."
      : [
          "| mutant (line:column mutator) | status | code → mutation | why it is acceptable |",
          "| --- | --- | --- | --- |",
          ...rows,
        ].join("\n"),
  ].join("\n");
  const begin = `<!-- mutation:${file} -->`;
  const end = `<!-- /mutation:${file} -->`;
  const block = `${begin}\n${section}\n${end}`;
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  doc =
    from >= 0 && to > from
      ? doc.slice(0, from) + block + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${block}\n`;
  console.log(
    `${file}: ${score.toFixed(1)} % (${detected.length}/${counted.length}), ${undetected.length} undetected`,
  );
}
writeFileSync(DOC, doc);

#!/usr/bin/env node
// `node scripts/mutation-report.mjs MODULE [--seconds N]`: writes the mutation-testing results of the last
// `npm run mutation -- MODULE` (reports/mutation/MODULE.json) into docs/testing.md: the module's
// section (between `<!-- mutation:MODULE -->` markers, so a run on one module never erases another's)
// with its score, run time and every surviving mutant beside the reason it is acceptable, read from
// docs/mutation-survivors.json ({ "FILE": { "MUTATOR `code` → `mutation`": "why" } }; keyed by the code,
// not the line, so a reason follows its mutant when lines move). A survivor without a reason is
// printed as NOT EXPLAINED, so the document cannot hide one. The summary table is rebuilt from the
// sections' headings. `--seconds` is the run's wall time (scripts/mutation.mjs measures it); without
// it the time already in the module's section is kept.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const [name, flag, secondsArg] = process.argv.slice(2);
const modules = JSON.parse(readFileSync("stryker.modules.json", "utf8"));
if (name === undefined || !(name in modules)) {
  console.error(
    `Usage: node scripts/mutation-report.mjs MODULE (one of ${Object.keys(modules).join(", ")}).`,
  );
  process.exit(2);
}
const REPORT = `reports/mutation/${name}.json`;
const DOC = "docs/testing.md";
const REASONS = "docs/mutation-survivors.json";
const TARGET = 85;

const report = JSON.parse(readFileSync(REPORT, "utf8"));
const reasons = existsSync(REASONS) ? JSON.parse(readFileSync(REASONS, "utf8")) : {};
const date = new Date().toISOString().slice(0, 10);

const oneLine = (text) => text.replace(/\s+/g, " ").trim();
const cell = (text) => text.replaceAll("|", "\\|").replaceAll("`", "ˋ");
const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The source text a mutant replaces (its location's span). */
function originalOf(source, { start, end }) {
  const lines = source.split("\n");
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1].slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1].slice(0, end.column - 1),
  ].join("\n");
}

/** The stable key of a mutant in docs/mutation-survivors.json: its mutator, code and replacement. */
const keyOf = (m, source) =>
  `${m.mutatorName}: ${clip(oneLine(originalOf(source, m.location)), 80)} → ${clip(oneLine(String(m.replacement ?? "")), 60)}`;
/** The key as a table cell, with the code and the replacement as code spans. */
const keyCell = (key) => {
  const [, mutator, original, replacement] = key.match(/^(\w+): (.*) → (.*)$/s);
  return `${mutator}: \`${cell(original)}\` → \`${cell(replacement)}\``;
};

let detectedAll = 0;
let countedAll = 0;
const fileLines = [];
const rows = [];
for (const [file, { mutants, source }] of Object.entries(report.files)) {
  const counted = mutants.filter((m) => m.status !== "Ignored" && m.status !== "CompileError");
  const detected = counted.filter((m) => m.status === "Killed" || m.status === "Timeout");
  detectedAll += detected.length;
  countedAll += counted.length;
  const score = counted.length === 0 ? 100 : (100 * detected.length) / counted.length;
  fileLines.push(`- \`${file}\`: ${score.toFixed(1)} % (${detected.length} of ${counted.length})`);
  const undetected = counted
    .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
    .sort(
      (a, b) =>
        a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column,
    );
  for (const m of undetected) {
    const key = keyOf(m, source);
    const why = reasons[file]?.[key] ?? "**NOT EXPLAINED**";
    rows.push(`| \`${file}\`:${m.location.start.line} | ${m.status} | ${keyCell(key)} | ${why} |`);
  }
}
const score = countedAll === 0 ? 100 : (100 * detectedAll) / countedAll;
let doc = readFileSync(DOC, "utf8");
const previousTime = doc.match(new RegExp(`mutation -- ${name}\` in ([0-9.]+ min)`))?.[1];
const time =
  flag === "--seconds" && secondsArg !== undefined
    ? `${(Number(secondsArg) / 60).toFixed(1)} min`
    : (previousTime ?? "an unrecorded time");
const verdict = score >= TARGET ? `meets the ${TARGET} % target` : `**below the ${TARGET} % target**`;

const section = [
  `### \`${name}\`: ${score.toFixed(1)} % (${detectedAll} of ${countedAll} mutants detected), ${verdict}`,
  "",
  `${modules[name].what[0].toUpperCase()}${modules[name].what.slice(1)}. Run ${date} with \`npm run mutation -- ${name}\` ` +
    `in ${time} (wall time of the whole run, one test process, on the shared 2-core machine) against ` +
    `${modules[name].tests.map((t) => `\`${t}\``).join(", ")}.`,
  "",
  ...fileLines,
  "",
  rows.length === 0
    ? "No surviving mutant."
    : [
        "| where | status | mutant (mutator `code` → `mutation`) | why it is equivalent or acceptable |",
        "| --- | --- | --- | --- |",
        ...rows,
      ].join("\n"),
].join("\n");

const replaceBlock = (text, marker, body) => {
  const begin = `<!-- ${marker} -->`;
  const end = `<!-- /${marker} -->`;
  const block = `${begin}\n${body}\n${end}`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  return from >= 0 && to > from
    ? text.slice(0, from) + block + text.slice(to + end.length)
    : `${text.trimEnd()}\n\n${block}\n`;
};
doc = replaceBlock(doc, `mutation:${name}`, section);

// The summary: one row per module section present in the document, in stryker.modules.json's order.
const summary = ["| module | score | verdict |", "| --- | --- | --- |"];
for (const module of Object.keys(modules)) {
  const heading = doc.match(
    new RegExp(`### \`${module}\`: ([0-9.]+) % \\(([0-9]+) of ([0-9]+) mutants detected\\)`),
  );
  summary.push(
    heading === null
      ? `| \`${module}\` | not measured | |`
      : `| \`${module}\` | ${heading[1]} % (${heading[2]} of ${heading[3]}) | ${Number(heading[1]) >= TARGET ? "≥" : "**<**"} ${TARGET} % |`,
  );
}
doc = replaceBlock(doc, "mutation:summary", summary.join("\n"));
writeFileSync(DOC, doc);
console.log(
  `${name}: ${score.toFixed(1)} % (${detectedAll}/${countedAll}), ${rows.length} undetected, ${time}`,
);

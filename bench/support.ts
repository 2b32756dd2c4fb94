/**
 * Shared benchmark plumbing: timing with medians, peak memory, machine facts, verdicts computed from
 * the figures, and writing each benchmark's own section of BENCHMARKS.md (between
 * `<!-- bench:NAME -->` markers), so running one benchmark never erases another's figures.
 *
 * One unit convention for every section (see {@link UNITS_NOTE}): each run is timed three ways at
 * once (wall time, the main thread's CPU time, the whole process's CPU time), and verdicts use the
 * main thread's CPU time, the one-core figure.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `fn` `runs` times (after one warm-up) and returns each run's wall time in milliseconds. */
export function timeRuns(runs: number, fn: () => void): number[] {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times;
}

/**
 * Like {@link timeRuns} but returns the CPU time (user + system) each run used, in milliseconds.
 * On a shared, noisy machine CPU time measures the work itself; wall time also measures the neighbours.
 */
export function cpuTimeRuns(runs: number, fn: () => void): number[] {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  return times;
}

/** The 1-minute load average, to print beside figures taken on a shared machine. */
export function loadAverage(): string {
  return loadavg()[0]!.toFixed(1);
}

/** Async variant of {@link timeRuns}. */
export async function timeRunsAsync(runs: number, fn: () => Promise<void>): Promise<number[]> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times;
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** One line naming the machine, Node version and date, for the top of each section. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  const date = new Date().toISOString().slice(0, 10);
  return `Machine: ${cpus().length} × ${cpu}, ${gib} GiB, Node ${process.version}; ${date}; command: \`npm run bench\``;
}

/**
 * A bound the issues state in decimal megabytes (MB), in the MiB that RSS is reported in: the
 * issue's "50 MB" is 47.7 MiB, not 50 MiB.
 */
export function megabytesInMiB(megabytes: number): number {
  return (megabytes * 1e6) / 2 ** 20;
}

/** Formats a number with thousands separators. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Replaces (or appends) the section `name` of BENCHMARKS.md with `markdown`. */
export function writeSection(name: string, markdown: string): void {
  const file = "BENCHMARKS.md";
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  let text = existsSync(file)
    ? readFileSync(file, "utf8")
    : "# Benchmarks\n\nFigures written by `npm run bench`; each section is replaced when its benchmark runs.\n";
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  text =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
  console.log(markdown.trim());
}

/**
 * The unit convention, quoted under every table that reports times. Process CPU time counts every
 * thread: V8 collects garbage and compiles on helper threads beside the main one, so a
 * single-threaded benchmark's process CPU time is often about twice its wall time. The main thread's
 * own CPU time (Linux `/proc/thread-self/schedstat`) is the work on one core, and it does not grow
 * when neighbours on a shared machine take the CPU away (wall time does).
 */
export const UNITS_NOTE =
  "Units: *main-thread CPU* is the time the benchmark's own thread ran (the one-core figure; verdicts use it); *process CPU* adds V8's garbage-collector and compiler helper threads, which run beside the main thread, so on a quiet machine it can reach about 2× wall time; *wall* also counts waiting for the CPU while neighbours on this shared machine run. All three come from the same runs.";

/** CPU time this thread has run, in milliseconds (Linux; from `/proc/thread-self/schedstat`, ns). */
export function threadCpuMs(): number {
  const fields = readFileSync("/proc/thread-self/schedstat", "utf8").split(" ");
  return Number(fields[0]) / 1e6;
}

/** The three times of each run, in milliseconds, measured together. */
export interface RunTimes {
  readonly wallMs: number[];
  readonly mainThreadMs: number[];
  readonly processCpuMs: number[];
}

/** Medians of {@link RunTimes}. */
export interface MedianTimes {
  readonly wallMs: number;
  readonly mainThreadMs: number;
  readonly processCpuMs: number;
}

/** Runs `fn` `runs` times after one warm-up, timing each run as wall, main-thread CPU and process CPU. */
export function measureRuns(runs: number, fn: () => void): RunTimes {
  fn();
  const times: RunTimes = { wallMs: [], mainThreadMs: [], processCpuMs: [] };
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    const thread = threadCpuMs();
    const start = process.hrtime.bigint();
    fn();
    times.wallMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    times.mainThreadMs.push(threadCpuMs() - thread);
    const used = process.cpuUsage(cpu);
    times.processCpuMs.push((used.user + used.system) / 1000);
  }
  return times;
}

/** The medians of each kind of time. */
export function medians(times: RunTimes): MedianTimes {
  return {
    wallMs: median(times.wallMs),
    mainThreadMs: median(times.mainThreadMs),
    processCpuMs: median(times.processCpuMs),
  };
}

/** One line listing every run, for the prose under a table. */
export function runsLine(times: RunTimes): string {
  const list = (values: number[]) => values.map((t) => fmt(t)).join(", ");
  const m = medians(times);
  return `Runs (ms): main-thread CPU ${list(times.mainThreadMs)}; process CPU ${list(times.processCpuMs)}; wall ${list(times.wallMs)}. Medians: process CPU ${fmt(m.processCpuMs / m.mainThreadMs, 2)}× main-thread CPU, wall ${fmt(m.wallMs / m.mainThreadMs, 2)}× main-thread CPU.`;
}

/** One target of a benchmark: a measured figure and the bound it must meet. */
export interface Target {
  /** What is measured, e.g. "datapoints per main-thread CPU-second". */
  readonly what: string;
  readonly measured: number;
  readonly bound: number;
  /** `atLeast`: measured ≥ bound; `atMost`: measured ≤ bound. */
  readonly direction: "atLeast" | "atMost";
  /** Unit written after the figures, e.g. "MiB". @default "" */
  readonly unit?: string;
  /** Fraction digits for the figures. @default 0 */
  readonly digits?: number;
}

/** Whether a target is met. */
export function isMet(target: Target): boolean {
  return target.direction === "atLeast" ? target.measured >= target.bound : target.measured <= target.bound;
}

/**
 * The verdict line of a section, computed from its targets: each figure beside its bound, and
 * "met" only when every target is.
 *
 * @example
 * verdictLine([{ what: "documents / CPU-second", measured: 7405, bound: 5000, direction: "atLeast" }]);
 * // "**Verdict: met.** documents / CPU-second 7,405 ≥ 5,000 (1.48×)."
 */
export function verdictLine(targets: readonly Target[]): string {
  const parts = targets.map((t) => {
    const unit = t.unit ? ` ${t.unit}` : "";
    const digits = t.digits ?? 0;
    const sign = t.direction === "atLeast" ? (isMet(t) ? "≥" : "<") : isMet(t) ? "≤" : ">";
    const ratio = t.bound === 0 ? "" : ` (${fmt(t.measured / t.bound, 2)}× the bound)`;
    return `${t.what} ${fmt(t.measured, digits)}${unit} ${sign} ${fmt(t.bound, digits)}${unit}${ratio}${isMet(t) ? "" : " — NOT met"}`;
  });
  const all = targets.every(isMet);
  return `**Verdict: ${all ? "met" : "NOT met"}.** ${parts.join("; ")}.`;
}

/**
 * Whether a cost grows linearly with size: the cost ratio between the largest and smallest size
 * divided by the size ratio, and the word for it. Within `tolerance` (default 1.5×) of proportional
 * is "linear"; more is "super-linear"; less than 1 / tolerance is "sub-linear".
 */
export function growth(
  sizes: readonly number[],
  costs: readonly number[],
  tolerance = 1.5,
): { factor: number; word: "linear" | "super-linear" | "sub-linear"; sentence: string } {
  const sizeRatio = sizes[sizes.length - 1]! / sizes[0]!;
  const costRatio = costs[costs.length - 1]! / costs[0]!;
  const factor = costRatio / sizeRatio;
  const word = factor > tolerance ? "super-linear" : factor < 1 / tolerance ? "sub-linear" : "linear";
  return {
    factor,
    word,
    sentence: `cost grew ${fmt(costRatio, 1)}× for ${fmt(sizeRatio)}× the size: ${word} (${fmt(factor, 2)}× proportional; "linear" means within ${tolerance}×)`,
  };
}

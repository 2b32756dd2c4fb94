/**
 * Shared benchmark plumbing: timing with medians, peak memory, machine facts, verdicts computed from
 * the figures, and writing each benchmark's own section of BENCHMARKS.md (between
 * `<!-- bench:NAME -->` markers), so running one benchmark never erases another's figures.
 *
 * One unit convention for every section (see {@link UNITS_NOTE}): each run is timed three ways at
 * once (wall time, the main thread's CPU time, the whole process's CPU time), and verdicts use the
 * main thread's CPU time, the one-core figure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";

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

// ---------------------------------------------------------------------------------------------------
// Fleet program comparisons (bench/aws-fleet, azure-fleet, fleet-alarms): a library program against a
// raw Pulumi program, each under the mock engine in its own child process, alternating; medians.

/**
 * Which program a child process runs: `record` is an unmeasured library run that saves what it
 * registered; `floor`, when a bench has one, is a reference program measured beside the two (e.g. the
 * part of the raw program that no library program can avoid).
 */
export type FleetProgram = "library" | "raw" | "record" | "floor" | "stacks";

/** The measured programs. */
type Measured = "library" | "raw" | "floor" | "stacks";

/** One registration a recording run saw: the raw programs are built from these. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** What one child process measured. */
export interface FleetRun {
  readonly program: FleetProgram;
  /** Registrations the mock engine answered. */
  readonly resources: number;
  /** Registrations by resource type. */
  readonly byType: Record<string, number>;
  /** User + system CPU time from the program's first line until every registration is answered. */
  readonly cpuMs: number;
  /** Of `cpuMs`, the synchronous part: the program's constructors, before the engine's promises settle. */
  readonly constructMs: number;
  /** The process's peak resident set size. */
  readonly peakRssMiB: number;
}

/** The mock engine's answers: resource state beside the inputs, and invoke results. */
export interface FleetMockAnswers {
  /** Fields answered under the inputs (an input of the same name wins). @default none */
  readonly defaults?: (args: { type: string; name: string }) => Record<string, unknown>;
  /** Fields answered over the inputs (e.g. an ARN). @default none */
  readonly outputs?: (args: { type: string; name: string }) => Record<string, unknown>;
  /** Invoke results by token; any other invoke answers its inputs. */
  readonly invokes: Readonly<Record<string, Record<string, unknown>>>;
}

/** The AWS programs' answers, as the test recorder gives them: an ARN per resource, the account's facts. */
export const AWS_MOCK_ANSWERS: FleetMockAnswers = {
  outputs: ({ type, name }) => ({
    arn: `arn:aws:mock:us-east-1:123456789012:${type.split(":").pop()}/${name}`,
  }),
  invokes: {
    "aws:index/getPartition:getPartition": { partition: "aws" },
    "aws:index/getRegion:getRegion": { region: "us-east-1", name: "us-east-1" },
    "aws:index/getCallerIdentity:getCallerIdentity": { accountId: "123456789012" },
  },
};

/**
 * Mocks that answer every registration with its inputs (plus the cloud's answers), count them by type,
 * and keep them when recording. Implements `pulumi.runtime.Mocks`.
 */
export class FleetMocks {
  count = 0;
  readonly byType: Record<string, number> = {};
  readonly recorded: RecordedResource[] = [];
  constructor(
    private readonly record: boolean,
    private readonly answers: FleetMockAnswers,
  ) {}
  newResource(args: { type: string; name: string; inputs: Record<string, unknown> }): {
    id: string;
    state: Record<string, unknown>;
  } {
    this.count++;
    this.byType[args.type] = (this.byType[args.type] ?? 0) + 1;
    if (this.record) this.recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
    const id = `${args.name}-id`;
    const state = {
      ...this.answers.defaults?.(args),
      ...args.inputs,
      ...this.answers.outputs?.(args),
      name: args.inputs.name ?? args.name,
      id,
    };
    return { id, state };
  }
  call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown> {
    return this.answers.invokes[args.token] ?? args.inputs;
  }
}

/** How a bench's child process runs its programs. */
export interface FleetChildPrograms {
  readonly answers: FleetMockAnswers;
  /** The library program: constructs the component(s). */
  library(): void;
  /** The raw program, from the recording run's registrations. */
  raw(recorded: readonly RecordedResource[]): void;
  /** The reference program, from the recording run's registrations. @default none */
  floor?(recorded: readonly RecordedResource[]): void;
}

/** The child's arguments (`--child PROGRAM FILE`) when this process is a comparison's child, else undefined. */
export function fleetChildArgs(
  argv: readonly string[] = process.argv,
): { program: FleetProgram; file: string } | undefined {
  if (argv[2] !== "--child") return undefined;
  return { program: argv[3] as FleetProgram, file: argv[4]! };
}

/**
 * The child side: runs one program under the mock engine, times it, and prints a {@link FleetRun} as
 * the last line of its output. A recording run writes its registrations to `file`; a raw run reads them.
 * Pulumi is loaded here, not at the top of this module, so the other benchmarks do not load it.
 */
export async function runFleetChild(
  program: FleetProgram,
  file: string,
  programs: FleetChildPrograms,
): Promise<void> {
  const recorded =
    program === "raw" || program === "floor"
      ? (JSON.parse(readFileSync(file, "utf8")) as RecordedResource[])
      : [];
  const pulumi = await import("@pulumi/pulumi");
  const settings = (await import("@pulumi/pulumi/runtime/settings.js")) as unknown as {
    waitForRPCs(): Promise<void>;
  };
  const mocks = new FleetMocks(program === "record", programs.answers);
  await pulumi.runtime.setMocks(mocks, "bench", "bench", false);
  const start = process.cpuUsage();
  if (program === "raw") programs.raw(recorded);
  else if (program === "floor") programs.floor!(recorded);
  else programs.library();
  const constructed = process.cpuUsage(start);
  await settings.waitForRPCs();
  const used = process.cpuUsage(start);
  if (program === "record") writeFileSync(file, JSON.stringify(mocks.recorded));
  const run: FleetRun = {
    program,
    resources: mocks.count,
    byType: mocks.byType,
    cpuMs: (used.user + used.system) / 1000,
    constructMs: (constructed.user + constructed.system) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

/**
 * A comparison bench's entry point: in a child process (`--child PROGRAM FILE`), the program it names;
 * otherwise `main`, the parent that starts the children and writes the section.
 */
export function runFleetBench(programs: FleetChildPrograms, main: () => void): void {
  const args = fleetChildArgs();
  if (args) void runFleetChild(args.program, args.file, programs);
  else main();
}

/** What the parent side of a comparison needs. */
export interface FleetComparisonSpec {
  /** The bench file's own path (`__filename` of the bundle), run again as the child. */
  readonly script: string;
  /** Runs per program. */
  readonly runs: number;
  /** Extra `node` flags for every child, e.g. a heap limit. @default none */
  readonly nodeFlags?: readonly string[];
  /** The bound both ratios must meet (CPU time and peak RSS, library / raw). */
  readonly targetRatio: number;
  /** Whether the bench's `floor` program runs too, once per round after the pair. @default false */
  readonly floor?: boolean;
  /**
   * Whether the library program also runs with `PULUMI_DEBUG_PROMISE_LEAKS` set (program `stacks`),
   * once per round: the SDK then stores a stack on every promise of the fleet's members too, so the
   * row shows what src/registration.ts saves. @default false
   */
  readonly stacks?: boolean;
}

/** The outcome of a comparison: every run, medians, ratios, verdict and load. */
export interface FleetComparison {
  /** The recording run's registrations (what the library program registered). */
  readonly recorded: readonly RecordedResource[];
  /** Every run of each program, in the order they ran (`floor` and `stacks` empty unless asked for). */
  readonly runs: Record<Measured, FleetRun[]>;
  readonly median: Record<Measured, { cpuMs: number; constructMs: number; peakRssMiB: number }>;
  readonly cpuRatio: number;
  readonly rssRatio: number;
  readonly targets: Target[];
  /** The verdict line ({@link verdictLine}). */
  readonly verdict: string;
  readonly loadBefore: string;
  readonly loadAfter: string;
}

function runFleetChildProcess(spec: FleetComparisonSpec, program: FleetProgram, file: string): FleetRun {
  const out = spawnSync(
    process.execPath,
    [...(spec.nodeFlags ?? []), spec.script, "--child", program, file],
    {
      encoding: "utf8",
      maxBuffer: 1 << 24,
      // `stacks` is the library program with the SDK's promise stacks kept (src/registration.ts).
      env: program === "stacks" ? { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "1" } : { ...process.env },
    },
  );
  if (out.status !== 0) throw new Error(`${program} run failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").pop()!) as FleetRun;
}

/**
 * The parent side: one unmeasured recording run, then the library and raw programs alternately
 * (library first on even rounds, raw first on odd ones, so neither always runs on a warmer machine),
 * each in its own process; every run is printed as it ends. Ratios are of the medians.
 */
export function compareFleetPrograms(spec: FleetComparisonSpec): FleetComparison {
  const dir = mkdtempSync(join(tmpdir(), "personas-bench-fleet-"));
  const file = join(dir, "recorded.json");
  try {
    const loadBefore = loadAverage();
    runFleetChildProcess(spec, "record", file);
    const recorded = JSON.parse(readFileSync(file, "utf8")) as RecordedResource[];
    const runs: Record<Measured, FleetRun[]> = { library: [], raw: [], floor: [], stacks: [] };
    for (let i = 0; i < spec.runs; i++)
      for (const program of [
        ...(i % 2 === 0 ? (["library", "raw"] as const) : (["raw", "library"] as const)),
        ...(spec.floor ? (["floor"] as const) : []),
        ...(spec.stacks ? (["stacks"] as const) : []),
      ]) {
        const run = runFleetChildProcess(spec, program, file);
        runs[program].push(run);
        console.log(
          `  ${program}: ${fmt(run.cpuMs)} ms CPU (${fmt(run.constructMs)} constructing), ${fmt(run.peakRssMiB)} MiB peak, ${run.resources} resources; load ${loadAverage()}`,
        );
      }
    const medianOf = (program: Measured) => ({
      cpuMs: median(runs[program].map((r) => r.cpuMs)),
      constructMs: median(runs[program].map((r) => r.constructMs)),
      peakRssMiB: median(runs[program].map((r) => r.peakRssMiB)),
    });
    const medians = {
      library: medianOf("library"),
      raw: medianOf("raw"),
      floor: medianOf("floor"),
      stacks: medianOf("stacks"),
    };
    const cpuRatio = medians.library.cpuMs / medians.raw.cpuMs;
    const rssRatio = medians.library.peakRssMiB / medians.raw.peakRssMiB;
    const ratio = (what: string, measured: number): Target => ({
      what,
      measured,
      bound: spec.targetRatio,
      direction: "atMost",
      digits: 2,
      unit: "×",
    });
    const targets = [ratio("CPU time ratio", cpuRatio), ratio("peak RSS ratio", rssRatio)];
    const verdict = verdictLine(targets);
    const loadAfter = loadAverage();
    console.log(`  ${verdict} (load average ${loadBefore} → ${loadAfter})`);
    return { recorded, runs, median: medians, cpuRatio, rssRatio, targets, verdict, loadBefore, loadAfter };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The comparison's table (one row per program and the ratio row), with a column per extra count
 * (e.g. alarms) taken from each run's registrations by type.
 */
export function fleetComparisonTable(
  comparison: FleetComparison,
  labels: Record<"library" | "raw", string> & { floor?: string; stacks?: string },
  extraColumns: readonly { header: string; types: readonly string[] }[] = [],
): string {
  const header = [
    "program",
    "resources",
    ...extraColumns.map((c) => c.header),
    "CPU time (ms)",
    "peak RSS (MiB)",
  ];
  const count = (run: FleetRun, types: readonly string[]) =>
    types.reduce((n, t) => n + (run.byType[t] ?? 0), 0);
  const row = (program: Measured, label: string) => {
    const first = comparison.runs[program][0]!;
    const m = comparison.median[program];
    return `| ${label} | ${fmt(first.resources)} | ${extraColumns.map((c) => `${fmt(count(first, c.types))} | `).join("")}${fmt(m.cpuMs)} | ${fmt(m.peakRssMiB)} |`;
  };
  const blanks = extraColumns.map(() => " | ").join("");
  return [
    `| ${header.join(" | ")} |`,
    `| --- | ${header
      .slice(1)
      .map(() => "---:")
      .join(" | ")} |`,
    row("raw", labels.raw),
    row("library", labels.library),
    `| **ratio** | ${blanks}| **${fmt(comparison.cpuRatio, 2)}×** | **${fmt(comparison.rssRatio, 2)}×** |`,
    ...(["stacks", "floor"] as const).flatMap((program) => {
      const label = labels[program];
      if (!label || comparison.runs[program].length === 0) return [];
      const m = comparison.median[program];
      return [
        row(program, label),
        `| ${program} / raw | ${blanks}| ${fmt(m.cpuMs / comparison.median.raw.cpuMs, 2)}× | ${fmt(m.peakRssMiB / comparison.median.raw.peakRssMiB, 2)}× |`,
      ];
    }),
  ].join("\n");
}

/**
 * Every run's figures, in the order they ran, and the load average around the runs: a median hides
 * the spread, and on a shared machine the spread is part of the result.
 */
export function fleetRunsParagraph(comparison: FleetComparison): string {
  const list = (pick: (run: FleetRun) => number) =>
    (["raw", "library", "stacks", "floor"] as const)
      .filter((program) => comparison.runs[program].length > 0)
      .map((program) => `${program} ${comparison.runs[program].map((r) => fmt(pick(r))).join(" / ")}`)
      .join("; ");
  return [
    `1-minute load average ${comparison.loadBefore} before the runs, ${comparison.loadAfter} after.`,
    `Every run (ms of CPU): ${list((r) => r.cpuMs)}.`,
    `Of which constructing (the synchronous part, before the engine's promises settle): ${list((r) => r.constructMs)}.`,
    `Peak RSS (MiB): ${list((r) => r.peakRssMiB)}.`,
  ].join("\n");
}

type ResourceClass = new (name: string, args: never) => { readonly urn: unknown };

/**
 * The class of each resource type among `modules`: the export named as the token ends (lambda.Function,
 * not the CallbackFunction sharing its token) whose `__pulumiType` is the token. The providers load
 * their classes lazily, on first access, so only the classes asked for are loaded, as a program that
 * imports them loads them.
 */
export function resourceClassesFor(
  modules: readonly object[],
  types: Iterable<string>,
): Map<string, ResourceClass> {
  const classes = new Map<string, ResourceClass>();
  for (const type of types) {
    const exportName = type.split(":").pop()!;
    for (const module of modules) {
      // `in` does not run the provider's lazy getter; reading the export does.
      if (!(exportName in module)) continue;
      const value = (module as Record<string, unknown>)[exportName];
      if (typeof value === "function" && (value as { __pulumiType?: unknown }).__pulumiType === type) {
        classes.set(type, value as ResourceClass);
        break;
      }
    }
  }
  return classes;
}

/**
 * The raw program: every recorded resource of the provider (`typePrefix`) constructed directly with its
 * class, name and recorded inputs as plain values (`revive` may turn serialized values back into SDK
 * objects first). Components are skipped: the raw program has none.
 */
export function constructRecorded(
  recorded: readonly RecordedResource[],
  modules: readonly object[],
  typePrefix: string,
  revive: (inputs: Record<string, unknown>) => unknown = (inputs) => inputs,
): void {
  const ours = recorded.filter((resource) => resource.type.startsWith(typePrefix));
  const classes = resourceClassesFor(modules, new Set(ours.map((resource) => resource.type)));
  for (const resource of ours) {
    const Class = classes.get(resource.type);
    if (!Class) throw new Error(`the raw program has no class for ${resource.type}: import its module`);
    new Class(resource.name, revive(resource.inputs) as never);
  }
}

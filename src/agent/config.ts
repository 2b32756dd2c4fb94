/**
 * The agent's configuration: a versioned, strict schema (zod/mini, so the bundled agent stays small).
 * The plan layer generates it; the user data writes it to a file and an SSM parameter can replace it
 * later (re-read on SIGHUP). A configuration that fails here never replaces the last good one.
 *
 * @example
 * ```json
 * {
 *   "version": 1,
 *   "dimensions": { "InstanceId": "i-0abc", "PersonaName": "HighTraffic" },
 *   "probes": { "targets": [{ "name": "web", "kind": "http", "url": "http://127.0.0.1/health" }] },
 *   "logs": { "files": [{ "name": "nginx", "path": "/var/log/nginx/access.log",
 *             "requestPattern": "HTTP/1\\.[01]\"", "errorPattern": "\" 5\\d\\d " }] },
 *   "metrics": [{ "name": "NetworkLatency", "signal": "probe.latency", "period": 10 },
 *               { "name": "ErrorRate", "signal": "log.errorRate" }]
 * }
 * ```
 */
import * as z from "zod/mini";
import { AGENT_LOG_INGESTION_ENV, AGENT_LOG_TABLE } from "../plan/agent-log-table.js";
import { AgentConfigError, AgentEnvironmentError } from "./errors.js";

/** The only configuration version this agent understands. */
export const AGENT_CONFIG_VERSION = 1;

/**
 * CloudWatch's largest number of dimensions on one metric (PutMetricData).
 * @internal
 */
export const MAX_DIMENSIONS = 30;

const name = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, "expected 1 to 64 letters, digits, '_', '.' or '-'"));

/** A regular expression given as a string; it must compile. */
const pattern = z.string().check(
  z.minLength(1),
  z.refine((source) => compiles(source), {
    error: (issue) =>
      `invalid regular expression ${JSON.stringify(issue.input)}: ${compileError(String(issue.input))}`,
  }),
);

/** Signals a metric can be computed from. */
export const AgentSignal = z.enum([
  "probe.latency",
  "probe.latencyP90",
  "probe.failures",
  "log.requests",
  "log.errors",
  "log.errorRate",
]);
export type AgentSignal = z.infer<typeof AgentSignal>;

/** Units a metric may be published in; the agent converts its measurements into them. */
export const AgentUnit = z.enum(["Milliseconds", "Seconds", "Microseconds", "Count", "Percent", "None"]);
export type AgentUnit = z.infer<typeof AgentUnit>;

const TIME_UNITS: readonly AgentUnit[] = ["Milliseconds", "Seconds", "Microseconds"];
const UNITS_BY_SIGNAL: Record<AgentSignal, readonly AgentUnit[]> = {
  "probe.latency": TIME_UNITS,
  "probe.latencyP90": TIME_UNITS,
  "probe.failures": ["Count"],
  "log.requests": ["Count"],
  "log.errors": ["Count"],
  "log.errorRate": ["Percent", "None"],
};

/**
 * The unit a signal is published in when the metric names none.
 * @internal
 */
export const DEFAULT_UNIT: Record<AgentSignal, AgentUnit> = {
  "probe.latency": "Milliseconds",
  "probe.latencyP90": "Milliseconds",
  "probe.failures": "Count",
  "log.requests": "Count",
  "log.errors": "Count",
  "log.errorRate": "Percent",
};

const timeoutMs = z._default(z.int().check(z.gte(1), z.lte(60_000)), 2_000);

/**
 * A probe that times a TCP connect to `host:port`.
 * @internal
 */
export const TcpProbeTarget = z.strictObject({
  /** Name used by `metrics[].from`. */
  name,
  /** Probe kind. */
  kind: z.literal("tcp"),
  /** Host name or IP address to connect to. */
  host: z.string().check(z.minLength(1), z.maxLength(253)),
  /** TCP port. */
  port: z.int().check(z.gte(1), z.lte(65_535)),
  /** Time after which the attempt counts as a failure. @default 2000 */
  timeoutMs,
});

/**
 * A probe that times an HTTP(S) request, from sending it to the last byte of the response.
 * @internal
 */
export const HttpProbeTarget = z.strictObject({
  /** Name used by `metrics[].from`. */
  name,
  /** Probe kind. */
  kind: z.literal("http"),
  /** `http:` or `https:` URL to request. */
  url: z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }),
  /** HTTP method. @default "GET" */
  method: z._default(z.enum(["GET", "HEAD"]), "GET"),
  /** Lowest status that counts as success. @default 200 */
  minStatus: z._default(z.int().check(z.gte(100), z.lte(599)), 200),
  /** Highest status that counts as success. @default 399 */
  maxStatus: z._default(z.int().check(z.gte(100), z.lte(599)), 399),
  /** Time after which the request counts as a failure. @default 2000 */
  timeoutMs,
});

/** One probe target. */
export const ProbeTarget = z.discriminatedUnion("kind", [TcpProbeTarget, HttpProbeTarget]);
export type ProbeTarget = z.infer<typeof ProbeTarget>;

/**
 * A log file path the agent may read: absolute, no spaces, quotes or control characters, because it
 * is written into the agent's systemd unit (read grants) as one word.
 * @internal
 */
export const LOG_PATH = /^\/[A-Za-z0-9._@+/-]{1,4095}$/;

/** One log file and the patterns that classify its lines. */
export const LogFile = z.strictObject({
  /** Name used by `metrics[].from`. */
  name,
  /** Absolute path of the file; it may be missing, rotated by rename or truncated. */
  path: z
    .string()
    .check(
      z.regex(
        LOG_PATH,
        "expected an absolute path of letters, digits and . _ @ + - / (it is written into a systemd unit)",
      ),
    ),
  /** A line matching this regular expression is a request. @default "" (every line) */
  requestPattern: z.optional(pattern),
  /** A line matching this regular expression is an error. */
  errorPattern: pattern,
});
export type LogFile = z.infer<typeof LogFile>;

/** One metric the agent publishes. */
export const AgentMetric = z.strictObject({
  /** Metric name, e.g. `NetworkLatency`. */
  name: z.string().check(z.minLength(1), z.maxLength(255)),
  /** What the metric measures. */
  signal: AgentSignal,
  /** Names of the probes (for `probe.*`) or logs (for `log.*`) to combine. @default all of that kind */
  from: z.optional(z.array(name).check(z.minLength(1))),
  /** Unit to publish in. @default by signal: Milliseconds, Count or Percent */
  unit: z.optional(AgentUnit),
  /** Aggregation period in seconds; 10 publishes at high resolution. @default 60 */
  period: z._default(z.union([z.literal(10), z.literal(60)]), 60),
});
export type AgentMetric = z.infer<typeof AgentMetric>;

/**
 * The hosts a Logs Ingestion endpoint may have: a data collection rule's own endpoint or a data
 * collection endpoint, `https://<name>.<region>-1.ingest.monitor.azure.com` ("Logs Ingestion API in
 * Azure Monitor": "Endpoint", "URI"), or the same under the China and US Government clouds' domains.
 * The VM's access token is sent there, so nothing outside Microsoft's monitoring domains is accepted.
 * @internal
 */
export const LOGS_INGESTION_HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+ingest\.monitor\.azure\.(com|cn|us)$/;

/** An https URL of a Logs Ingestion endpoint: a bare origin, no credentials, path, query or fragment. */
function isLogsIngestionEndpoint(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    url.protocol === "https:" &&
    url.username === "" &&
    url.password === "" &&
    url.port === "" &&
    (url.pathname === "/" || url.pathname === "") &&
    url.search === "" &&
    url.hash === "" &&
    !value.includes("?") &&
    !value.includes("#") &&
    LOGS_INGESTION_HOST.test(url.hostname)
  );
}

/**
 * Where the agent also writes its metrics as rows of the Log Analytics table {@link AGENT_LOG_TABLE}
 * (Azure only): the data collection rule's logs ingestion endpoint, its immutable id and its stream.
 * The Azure custom data sets them as environment variables of the agent's unit
 * ({@link AGENT_LOG_INGESTION_ENV}); they cross a trust boundary on the VM (whoever changes them
 * could send the VM's token elsewhere), so each is checked strictly.
 * @internal
 */
export const LogsIngestionSettings = z.strictObject({
  /** The DCR's `logsIngestion` endpoint (or a DCE's), e.g. `https://personas-ab12.westeurope-1.ingest.monitor.azure.com`. */
  endpoint: z.string().check(
    z.refine(isLogsIngestionEndpoint, {
      error: (issue) =>
        `expected an https:// origin under ingest.monitor.azure.com (or .azure.cn, .azure.us), without credentials, port, path or query: the VM's access token is sent there; received ${describeValue(issue.input)}`,
    }),
  ),
  /** The data collection rule's `immutableId`: `dcr-` and 32 hexadecimal digits. */
  dcrImmutableId: z
    .string()
    .check(
      z.regex(
        /^dcr-[0-9a-fA-F]{32}$/,
        "expected the data collection rule's immutableId, 'dcr-' and 32 hexadecimal digits",
      ),
    ),
  /** The DCR's input stream; only the agent table's stream is accepted. @default "Custom-PersonasAgentMetrics_CL" */
  stream: z._default(z.literal(AGENT_LOG_TABLE.stream), AGENT_LOG_TABLE.stream),
});
export type LogsIngestionSettings = z.infer<typeof LogsIngestionSettings>;

/**
 * Where and how to publish.
 * @internal
 */
export const PublishSettings = z.strictObject({
  /** AWS region; from the environment or instance metadata when omitted. */
  region: z.optional(z.string().check(z.minLength(1))),
  /** Service endpoint override (tests, VPC endpoints). */
  endpoint: z.optional(z.url()),
  /** Most datums kept while CloudWatch is unreachable; the oldest are dropped and counted. @default 10000 */
  maxBufferedDatums: z._default(z.int().check(z.gte(10), z.lte(1_000_000)), 10_000),
  /** First retry delay; doubles each attempt, with full jitter. @default 500 */
  retryBaseMs: z._default(z.int().check(z.gte(1), z.lte(60_000)), 500),
  /** Longest retry delay. @default 60000 */
  retryMaxMs: z._default(z.int().check(z.gte(1), z.lte(600_000)), 60_000),
  /** Name of the heartbeat metric (value 1 each shortest period); empty string disables it. @default "AgentHeartbeat" */
  heartbeatMetric: z._default(z.string().check(z.maxLength(255)), "AgentHeartbeat"),
});

/** The whole configuration, version 1. */
export const AgentConfig = z
  .strictObject({
    /** Schema version; must be 1. */
    version: z.literal(AGENT_CONFIG_VERSION),
    /** CloudWatch namespace. @default "Personas/Agent" */
    namespace: z._default(
      z.string().check(z.regex(/^[^:][^:]{0,254}$/, "expected 1 to 255 characters, no ':'")),
      "Personas/Agent",
    ),
    /** Dimensions added to every metric, e.g. `{ InstanceId, PersonaName }`. @default {} */
    dimensions: z._default(
      z.record(
        z.string().check(z.minLength(1), z.maxLength(255)),
        z.string().check(z.minLength(1), z.maxLength(1024)),
      ),
      {},
    ),
    /** Probe rounds: every `intervalSeconds`, all targets at once. */
    probes: z._default(
      z.strictObject({
        /** Seconds between the starts of two rounds. @default 5 */
        intervalSeconds: z._default(z.int().check(z.gte(1), z.lte(60)), 5),
        /** Targets probed each round. @default [] */
        targets: z._default(z.array(ProbeTarget).check(z.maxLength(100)), []),
      }),
      { intervalSeconds: 5, targets: [] },
    ),
    /** Log files to tail. */
    logs: z._default(
      z.strictObject({
        /** Milliseconds between two reads of each file. @default 1000 */
        pollIntervalMs: z._default(z.int().check(z.gte(50), z.lte(10_000)), 1_000),
        /** Files to tail. @default [] */
        files: z._default(z.array(LogFile).check(z.maxLength(50)), []),
      }),
      { pollIntervalMs: 1_000, files: [] },
    ),
    /** Metrics to publish. */
    metrics: z.array(AgentMetric).check(z.maxLength(500)),
    /** Publishing settings. */
    publish: z._default(PublishSettings, {
      maxBufferedDatums: 10_000,
      retryBaseMs: 500,
      retryMaxMs: 60_000,
      heartbeatMetric: "AgentHeartbeat",
    }),
    /** SSM parameter holding a newer configuration, read on SIGHUP instead of the file. */
    configParameter: z.optional(
      z.string().check(z.regex(/^\/?[A-Za-z0-9_.\-/]{1,2048}$/, "expected an SSM parameter name")),
    ),
  })
  .check(z.superRefine(crossCheck));
export type AgentConfig = z.infer<typeof AgentConfig>;
/** The configuration as written (defaults not yet filled in), as the plan layer produces it. */
export type AgentConfigInput = z.input<typeof AgentConfig>;

function crossCheck(config: AgentConfig, ctx: z.core.$RefinementCtx<AgentConfig>): void {
  const problem = (path: (string | number)[], message: string) =>
    ctx.issues.push({ code: "custom", path, message, input: undefined });
  const dimensionCount = Object.keys(config.dimensions).length;
  if (dimensionCount > MAX_DIMENSIONS) {
    problem(["dimensions"], `expected at most ${MAX_DIMENSIONS} dimensions, received ${dimensionCount}`);
  }
  for (const i of duplicates(config.probes.targets.map((t) => t.name))) {
    problem(["probes", "targets", i, "name"], `duplicate probe name "${config.probes.targets[i]!.name}"`);
  }
  for (const i of duplicates(config.logs.files.map((f) => f.name))) {
    problem(["logs", "files", i, "name"], `duplicate log name "${config.logs.files[i]!.name}"`);
  }
  for (const i of duplicates(config.metrics.map((m) => `${m.name}/${m.period}`))) {
    const metric = config.metrics[i]!;
    problem(["metrics", i, "name"], `duplicate metric "${metric.name}" with period ${metric.period}`);
  }
  const intervalMs = config.probes.intervalSeconds * 1000;
  config.probes.targets.forEach((target, i) => {
    if (target.timeoutMs >= intervalMs) {
      problem(
        ["probes", "targets", i, "timeoutMs"],
        `expected less than probes.intervalSeconds (${intervalMs} ms), received ${target.timeoutMs}, so rounds cannot overlap`,
      );
    }
    if (target.kind === "http" && target.minStatus > target.maxStatus) {
      problem(
        ["probes", "targets", i, "maxStatus"],
        `expected at least minStatus (${target.minStatus}), received ${target.maxStatus}`,
      );
    }
  });
  config.metrics.forEach((metric, i) => {
    const kind = metric.signal.startsWith("probe.") ? "probe" : "log";
    const names =
      kind === "probe" ? config.probes.targets.map((t) => t.name) : config.logs.files.map((f) => f.name);
    const known = [...new Set(names)];
    if (known.length === 0) {
      problem(
        ["metrics", i, "signal"],
        `signal "${metric.signal}" needs at least one ${kind === "probe" ? "probes.targets" : "logs.files"} entry`,
      );
    }
    metric.from?.forEach((source, j) => {
      if (known.length > 0 && !known.includes(source)) {
        problem(
          ["metrics", i, "from", j],
          `unknown ${kind} "${source}"; expected one of ${quoteList(known)}`,
        );
      }
    });
    const units = UNITS_BY_SIGNAL[metric.signal];
    if (metric.unit !== undefined && !units.includes(metric.unit)) {
      problem(
        ["metrics", i, "unit"],
        `expected one of ${quoteList(units)} for signal "${metric.signal}", received "${metric.unit}"`,
      );
    }
  });
}

/** The environment variable each Logs Ingestion setting comes from. */
const INGESTION_VARIABLES: Record<keyof LogsIngestionSettings, string> = {
  endpoint: AGENT_LOG_INGESTION_ENV.endpoint,
  dcrImmutableId: AGENT_LOG_INGESTION_ENV.ruleId,
  stream: AGENT_LOG_INGESTION_ENV.stream,
};

/**
 * The Logs Ingestion settings from the agent unit's environment ({@link AGENT_LOG_INGESTION_ENV}),
 * undefined when none of the variables is set (the fleet has no log search rule on agent metrics:
 * custom metrics only). An empty variable counts as unset.
 *
 * @throws AgentEnvironmentError listing every problem, sorted by variable.
 * @example
 * ```ts
 * const settings = logsIngestionFromEnvironment(process.env); // { endpoint, dcrImmutableId, stream } | undefined
 * ```
 */
export function logsIngestionFromEnvironment(
  environment: Readonly<Record<string, string | undefined>>,
): LogsIngestionSettings | undefined {
  const value: Record<string, string> = {};
  for (const [key, variable] of Object.entries(INGESTION_VARIABLES)) {
    const text = environment[variable];
    if (text !== undefined && text !== "") value[key] = text;
  }
  if (Object.keys(value).length === 0) return undefined;
  const result = z.safeParse(LogsIngestionSettings, value, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => {
      const variable = INGESTION_VARIABLES[issue.path[0] as keyof LogsIngestionSettings] ?? "(environment)";
      return `${variable}: ${describeIssue(issue, value)}`;
    })
    .sort();
  throw new AgentEnvironmentError(problems, { cause: result.error });
}

/**
 * Parses and validates a configuration from JSON text or an already parsed value.
 *
 * @param input - JSON text, or a value (e.g. a plan's output) to validate.
 * @param source - Where it came from, named in the error message.
 * @returns The configuration with every default filled in.
 * @throws AgentConfigError listing every problem, sorted by path.
 * @example
 * ```ts
 * const config = parseAgentConfig(readFileSync(path, "utf8"), path);
 * ```
 */
export function parseAgentConfig(input: string | unknown, source: string): AgentConfig {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new AgentConfigError(source, [`(root): expected JSON, ${(cause as Error).message}`], { cause });
    }
  }
  const result = z.safeParse(AgentConfig, value, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => ({ path: formatPath(issue.path), text: describeIssue(issue, value) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((p) => `${p.path}: ${p.text}`);
  throw new AgentConfigError(source, problems, { cause: result.error });
}

/** Formats a path as `metrics[0].from[1]`; the root is `(root)`. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join("");
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const received = describeValue(issue.input);
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `required, expected ${issue.expected}`
        : `expected ${issue.expected}, received ${received}`;
    case "invalid_value":
      if (issue.path.length === 1 && issue.path[0] === "version") {
        return `expected ${AGENT_CONFIG_VERSION} (the only version this agent understands), received ${received}`;
      }
      {
        const values = issue.values.map(String);
        const expected = values.length === 1 ? quoteList(values) : `one of ${quoteList(values)}`;
        return issue.input === undefined
          ? `required, expected ${expected}`
          : `expected ${expected}, received ${received}`;
      }
    case "unrecognized_keys":
      return issue.keys.map((key) => unrecognizedKey(key, issue.path, root)).join("; ");
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? "at least" : "at most";
      const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
      if (issue.origin === "array") return `expected ${bound} ${limit} entries, received ${received}`;
      if (issue.origin === "string") return `expected ${bound} ${limit} characters, received ${received}`;
      return `expected ${issue.origin === "int" ? "an integer" : "a number"} ${bound} ${limit}, received ${received}`;
    }
    case "invalid_union": {
      if ((issue as { note?: string }).note === "No matching discriminator") {
        return `expected "kind" to be "tcp" or "http", received ${describeValue((issue.input as { kind?: unknown })?.kind)}`;
      }
      return `expected one of the accepted forms, received ${received}`;
    }
    case "invalid_format":
      return issue.message === "Invalid input"
        ? `expected ${issue.format}, received ${received}`
        : `${issue.message}, received ${received}`;
    default:
      return issue.message;
  }
}

function unrecognizedKey(key: string, path: readonly PropertyKey[], root: unknown): string {
  const known = knownKeys(AgentConfig, path, root);
  const nearest = closest(key, known);
  return nearest === undefined
    ? `unrecognized key "${key}"`
    : `unrecognized key "${key}"; did you mean "${nearest}"?`;
}

type AnySchema = z.core.$ZodType;

/** The keys an object schema at `path` accepts, following the value to pick union members. */
function knownKeys(schema: AnySchema, path: readonly PropertyKey[], value: unknown): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "default":
    case "optional":
    case "prefault":
      return knownKeys(def.innerType as AnySchema, path, value);
    case "object": {
      const shape = def.shape as Record<string, AnySchema>;
      if (path.length === 0) return Object.keys(shape);
      const child = shape[String(path[0])];
      const next = (value as Record<string, unknown> | undefined)?.[String(path[0])];
      return child ? knownKeys(child, path.slice(1), next) : [];
    }
    case "array":
      return path.length === 0
        ? []
        : knownKeys(
            def.element as AnySchema,
            path.slice(1),
            (value as unknown[] | undefined)?.[Number(path[0])],
          );
    case "union": {
      const options = def.options as AnySchema[];
      const kind = (value as { kind?: unknown } | undefined)?.kind;
      const matching = options.filter((o) => {
        const shape = (o._zod.def as unknown as { shape?: Record<string, AnySchema> }).shape;
        const literal = shape?.kind?._zod.def as unknown as { values?: unknown[] } | undefined;
        return literal?.values?.includes(kind) ?? false;
      });
      return [
        ...new Set((matching.length > 0 ? matching : options).flatMap((o) => knownKeys(o, path, value))),
      ];
    }
    default:
      return [];
  }
}

/** The candidate within edit distance 3 of `word`, if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "object") return "an object";
  return String(value);
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(", ");
}

function duplicates(values: readonly string[]): number[] {
  const seen = new Set<string>();
  const repeated: number[] = [];
  values.forEach((v, i) => {
    if (seen.has(v)) repeated.push(i);
    seen.add(v);
  });
  return repeated;
}

function compiles(source: string): boolean {
  return compileError(source) === "";
}

function compileError(source: string): string {
  try {
    new RegExp(source);
    return "";
  } catch (error) {
    // V8 says "Invalid regular expression: /(/: Unterminated group"; keep the reason only.
    return (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "");
  }
}

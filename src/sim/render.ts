/**
 * Renderings of a simulation: a readable text timeline, a JSON document with one row per period,
 * one SVG chart per trigger (metric, threshold, alarm-state bands, action markers, time axis) and
 * an HTML report that embeds them. Pure functions from a {@link SimulationResult} to strings.
 */
import {
  type ActionRecord,
  type ChangeRecord,
  ISOLATION,
  ROTATION,
  type SimulationResult,
  type SimulationSummary,
  stateName,
  type TriggerTimeline,
} from "./engine.js";
import { listFeedStories, renderFeedSvg, renderLanesSvg } from "./state-charts.js";

/**
 * `HH:MM` (UTC) of a time `seconds` after the start, with `+Nd` after the first day.
 * @internal
 */
export function clockLabel(startMs: number, seconds: number): string {
  const date = new Date(startMs + seconds * 1000);
  const hh = String(date.getUTCHours()).padStart(2, "0");
  const mm = String(date.getUTCMinutes()).padStart(2, "0");
  const ss = date.getUTCSeconds();
  const day = Math.floor((startMs / 1000 + seconds) / 86_400) - Math.floor(startMs / 86_400_000);
  return `${day > 0 ? `+${day}d ` : ""}${hh}:${mm}${ss !== 0 ? `:${String(ss).padStart(2, "0")}` : ""}`;
}

/**
 * A datapoint in its unit (`92%`, `120 ms`), or `missing`.
 * @internal
 */
export function formatValue(value: number, unit: string): string {
  if (Number.isNaN(value)) return "missing";
  const rounded = Math.abs(value) >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1);
  return unit === "%" ? `${rounded}%` : unit === "" ? rounded : `${rounded} ${unit}`;
}

/**
 * A response run in words: `ran Scale up to 16 cores (cpu-utilization-above) → changed: …`.
 * @internal
 */
export function describeRecord(record: ActionRecord): string {
  const who = record.source.kind === "alarm" ? record.source.alarmId : `feed ${record.source.sourceId}`;
  const what = record.actions.join("; ") || "(no actions)";
  if (record.outcome === "skipped")
    return `skipped ${record.intent} ${what} (${who}): ${record.reason} — ${record.detail}`;
  const effects = record.effects.map((e) => `${e.status}: ${e.detail}`).join("; ");
  return `${record.intent === "clear" ? "reverted" : "ran"} ${what} (${who}) → ${effects}`;
}

/**
 * One line of a text timeline: its time, its kind (0 alarm state, 1 response, 2 change, 3 feed tick,
 * which orders lines of the same time) and its text.
 * @internal
 */
export interface TimelineEvent {
  readonly at: number;
  readonly order: 0 | 1 | 2 | 3;
  readonly text: string;
}

/**
 * The events of a run, in time order: each alarm state change with its datapoint (a contributor of a
 * fleet-wide alarm says so, and why it left ALARM when its series was absent), each response run or
 * skipped with the guard rails' reason, each change to the instance, and the feed ticks that did not
 * simply update the list.
 * @internal
 */
export function timelineEvents(
  result: SimulationResult,
  options: {
    /**
     * Only changes from where an alarm starts (INSUFFICIENT_DATA; OK for a contributor, whose series
     * does not exist before its data), not each alarm's first state.
     * @default false
     */
    changesOnly?: boolean;
  } = {},
): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (const trigger of result.triggers) {
    const initial = options.changesOnly !== true ? -1 : trigger.topology === "fleet-wide" ? 0 : 2;
    let previous = initial;
    for (let p = 0; p < trigger.states.length; p++) {
      const code = trigger.states[p]!;
      if (code === previous || code === 255) {
        previous = code === 255 ? initial : code;
        continue;
      }
      const at = p * trigger.periodSeconds;
      const datapoint = `datapoint ${formatValue(trigger.datapoints[p]!, trigger.unit)}`;
      const why =
        trigger.topology === "per-instance"
          ? `${datapoint}; ${trigger.description}`
          : trigger.absent.includes(p)
            ? `contributor; its series is absent: no datapoint in the evaluation range; ${trigger.description}`
            : `contributor; ${datapoint}; ${trigger.description}`;
      events.push({ at, order: 0, text: `${trigger.alarmId} → ${stateName(code)} (${why})` });
      previous = code;
    }
  }
  for (const record of result.actions) events.push({ at: record.at, order: 1, text: describeRecord(record) });
  for (const change of result.changes) {
    const what = change.kind === "feature" ? `feature ${change.name}` : change.kind;
    events.push({ at: change.at, order: 2, text: `${what}: ${change.from} → ${change.to}` });
  }
  for (const tick of result.feedTicks) {
    if (tick.decision === "updated" || tick.decision === "identical" || tick.decision === "not-held")
      continue;
    events.push({ at: tick.at, order: 3, text: `feed ${tick.sourceId}: ${tick.decision} — ${tick.message}` });
  }
  return events.sort((a, b) => a.at - b.at || a.order - b.order);
}

/**
 * The text timeline: the run's {@link timelineEvents}, then a summary.
 */
export function formatTimeline(result: SimulationResult): string {
  const events = timelineEvents(result);
  const s = result.summary;
  const lines = [
    `Simulation of ${result.persona.name}@${result.persona.version} (digest ${shortDigest(result.persona.digest)}): ${clockLabel(result.startMs, 0)} to ${clockLabel(result.startMs, result.durationSeconds)} UTC, seed ${result.seed}, initial size ${result.initialSize ?? "unknown"}`,
    "",
    ...events.map((e) => `${clockLabel(result.startMs, e.at).padStart(8)}  ${e.text}`),
    "",
    `Summary: ${s.datapoints} datapoints evaluated; ${
      Object.entries(s.alarms)
        .map(([id, n]) => `${id} fired ${n}×`)
        .join(", ") || "no alarm fired"
    }; ${s.dispatched} response${s.dispatched === 1 ? "" : "s"} run, ${
      Object.entries(s.skipped)
        .map(([r, n]) => `${n} skipped (${r})`)
        .join(", ") || "none skipped"
    }.`,
    `Final: size ${s.finalSize ?? "unknown"}, persona ${s.finalPersona}, features ${
      Object.entries(s.finalFeatures)
        .map(([f, on]) => `${f} ${on ? "on" : "off"}`)
        .join(", ") || "none"
    }${rotationNote(s)}.`,
  ];
  return `${lines.join("\n")}\n`;
}

/** ", out of rotation" / ", isolated" for the final line; nothing for an instance serving as usual. */
function rotationNote(s: SimulationSummary): string {
  return `${s.finalInRotation ? "" : `, ${ROTATION.out}`}${s.finalIsolated ? `, ${ISOLATION.yes}` : ""}`;
}

/** One period of the JSON timeline. */
export interface TimelineRow {
  /** Seconds from the start. */
  at: number;
  time: string;
  persona: string;
  size: string | null;
  features: Record<string, boolean>;
  /**
   * Per alarm in force: the datapoint the alarm saw (null when missing), the state after it and,
   * when a response's effect changed it, the datapoint as recorded.
   */
  triggers: Record<string, { value: number | null; state: string; recorded?: number }>;
  actions: ActionRecord[];
  feeds: { sourceId: string; decision: string; value: number | null; message: string }[];
}

/**
 * The simulation as JSON: metadata, the summary and one row per tick with every trigger's
 * datapoint and state, the actions, the size, features and persona in force, and feed ticks.
 * @internal
 */
export function timelineJson(result: SimulationResult): {
  persona: SimulationResult["persona"];
  seed: number;
  start: string;
  durationSeconds: number;
  tickSeconds: number;
  summary: SimulationResult["summary"];
  rows: TimelineRow[];
} {
  const rows: TimelineRow[] = [];
  let size = result.initialSize ?? null;
  let persona = result.persona.name;
  const features = { ...result.initialFeatures };
  let change = 0;
  let action = 0;
  let feed = 0;
  const changes = result.changes;
  for (let at = 0; at + result.tickSeconds <= result.durationSeconds; at += result.tickSeconds) {
    const triggers: TimelineRow["triggers"] = {};
    for (const trigger of result.triggers) {
      if (at % trigger.periodSeconds !== 0) continue;
      const p = at / trigger.periodSeconds;
      const code = trigger.states[p];
      if (code === undefined || code === 255) continue;
      const value = trigger.datapoints[p]!;
      const recorded = trigger.recorded[p]!;
      triggers[trigger.alarmId] = {
        value: Number.isNaN(value) ? null : value,
        state: stateName(code)!,
        ...(Object.is(recorded, value) ? {} : { recorded }),
      };
    }
    const actions: ActionRecord[] = [];
    while (action < result.actions.length && result.actions[action]!.at <= at)
      actions.push(result.actions[action++]!);
    while (change < changes.length && changes[change]!.at <= at) {
      const c = changes[change++]!;
      if (c.kind === "size") size = c.to;
      else if (c.kind === "persona") persona = c.to;
      else features[c.name!] = c.to === "on";
    }
    const feeds: TimelineRow["feeds"] = [];
    while (feed < result.feedTicks.length && result.feedTicks[feed]!.at <= at) {
      const f = result.feedTicks[feed++]!;
      feeds.push({
        sourceId: f.sourceId,
        decision: f.decision,
        value: Number.isNaN(f.value) ? null : f.value,
        message: f.message,
      });
    }
    rows.push({
      at,
      time: clockLabel(result.startMs, at),
      persona,
      size,
      features: { ...features },
      triggers,
      actions,
      feeds,
    });
  }
  return {
    persona: result.persona,
    seed: result.seed,
    start: new Date(result.startMs).toISOString(),
    durationSeconds: result.durationSeconds,
    tickSeconds: result.tickSeconds,
    summary: result.summary,
    rows,
  };
}

// --- SVG ------------------------------------------------------------------------------------------

/**
 * Escapes text for XML content and attribute values.
 * @internal
 */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const TIME_STEPS = [60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** The spacing of time-axis labels for a run of `duration` seconds: at most 12 labels. */
export function timeAxisStep(duration: number): number {
  return TIME_STEPS.find((s) => duration / s <= 12) ?? 86_400;
}

/** A time-axis label: `24:00` at the end of a one-day run that starts at midnight, else {@link clockLabel}. */
export function axisLabel(startMs: number, duration: number, t: number): string {
  return t === 86_400 && duration === 86_400 && startMs % 86_400_000 === 0 ? "24:00" : clockLabel(startMs, t);
}

function niceStep(span: number, targetTicks: number): number {
  const raw = span / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

const STATE_FILL: Record<number, string> = { 1: "#f8c9cc", 2: "#dcdde0" };
const W = 960;
const H = 300;
const M = { left: 64, right: 24, top: 44, bottom: 52 };

function n(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/**
 * One trigger's chart as a standalone SVG document: the datapoints as a line (gaps where data is
 * missing), the threshold dashed, ALARM periods as red bands and INSUFFICIENT_DATA as grey ones,
 * a marker for each action (green: ran, orange: skipped), and a time axis in UTC.
 * @internal
 */
export function renderTriggerSvg(result: SimulationResult, trigger: TriggerTimeline): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const duration = result.durationSeconds;
  const x = (seconds: number) => M.left + (seconds / duration) * plotW;
  let max = trigger.threshold;
  let min = Math.min(0, trigger.threshold);
  for (const values of [trigger.datapoints, trigger.recorded]) {
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      if (v > max) max = v;
      if (v < min) min = v;
    }
  }
  const step = niceStep((max - min) * 1.1 || 1, 5);
  let top = Math.ceil((max * 1.1) / step) * step || step;
  // Percentages stop at 100 unless the data goes beyond it.
  if (trigger.unit === "%" && max <= 100 && top > 100) top = 100;
  const bottom = Math.floor(min / step) * step;
  const y = (value: number) => M.top + plotH - ((value - bottom) / (top - bottom)) * plotH;
  const period = trigger.periodSeconds;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-label="${escapeXml(`${trigger.persona} ${trigger.alarmId}`)}">`,
  );
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(
    `<text x="${M.left}" y="20" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(`${trigger.persona}: ${trigger.description}`)}</text>`,
  );
  parts.push(
    `<text x="${M.left}" y="36" fill="#57606a">${escapeXml(`${trigger.role === "clear" ? "clear alarm" : "alarm"} ${trigger.alarmId} · period ${period} s · seed ${result.seed}`)}</text>`,
  );
  // State bands: one rectangle per run of equal states.
  parts.push('<g class="states">');
  let runStart = 0;
  for (let p = 1; p <= trigger.states.length; p++) {
    const code = trigger.states[runStart]!;
    if (p < trigger.states.length && trigger.states[p] === code) continue;
    const fill = STATE_FILL[code];
    if (fill) {
      const x0 = x(runStart * period);
      const x1 = x(p * period);
      parts.push(
        `<rect x="${n(x0)}" y="${M.top}" width="${n(Math.max(1, x1 - x0))}" height="${plotH}" fill="${fill}"><title>${escapeXml(`${stateName(code)} ${clockLabel(result.startMs, runStart * period)}–${clockLabel(result.startMs, p * period)}`)}</title></rect>`,
      );
    }
    runStart = p;
  }
  parts.push("</g>");
  // Axes and grid.
  parts.push('<g class="axes" stroke="#d0d7de" stroke-width="1">');
  for (let v = bottom; v <= top + step / 2; v += step) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${n(y(v))}" y2="${n(y(v))}"/>`);
  }
  const timeStep = timeAxisStep(duration);
  for (let t = 0; t <= duration; t += timeStep) {
    parts.push(
      `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${M.top + plotH}" y2="${M.top + plotH + 5}" stroke="#57606a"/>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#57606a"/><line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#57606a"/>`,
  );
  parts.push("</g>");
  parts.push('<g class="labels" fill="#57606a">');
  for (let v = bottom; v <= top + step / 2; v += step) {
    parts.push(
      `<text x="${M.left - 6}" y="${n(y(v) + 4)}" text-anchor="end">${escapeXml(formatValue(v, trigger.unit))}</text>`,
    );
  }
  for (let t = 0; t <= duration; t += timeStep) {
    const anchor = t === 0 ? "start" : t + timeStep > duration ? "end" : "middle";
    // The end of a one-day run reads 24:00, short enough not to run into the previous label.
    const label = axisLabel(result.startMs, duration, t);
    parts.push(`<text x="${n(x(t))}" y="${M.top + plotH + 19}" text-anchor="${anchor}">${label}</text>`);
  }
  parts.push(`<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">time (UTC)</text>`);
  parts.push("</g>");
  // Threshold.
  const ty = n(y(trigger.threshold));
  parts.push(
    `<line class="threshold" x1="${M.left}" x2="${W - M.right}" y1="${ty}" y2="${ty}" stroke="#cf222e" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  parts.push(
    `<text x="${W - M.right - 4}" y="${n(y(trigger.threshold) - 5)}" text-anchor="end" fill="#cf222e">${escapeXml(`threshold ${trigger.operator} ${formatValue(trigger.threshold, trigger.unit)}`)}</text>`,
  );
  // The metric: one polyline per run of present datapoints, placed at the middle of each period.
  // Where a response changed what the alarm saw (a scale-up, a feature's declared effect), the
  // recorded load is drawn beneath in grey, so the chart shows what the response did.
  const line = (values: Float64Array, color: string): void => {
    let points: string[] = [];
    const flush = () => {
      if (points.length === 1)
        parts.push(
          `<circle cx="${points[0]!.split(",")[0]}" cy="${points[0]!.split(",")[1]}" r="1.8" fill="${color}"/>`,
        );
      else if (points.length > 1) parts.push(`<polyline points="${points.join(" ")}"/>`);
      points = [];
    };
    for (let p = 0; p < values.length; p++) {
      const v = values[p]!;
      if (Number.isNaN(v) || trigger.states[p] === 255) {
        flush();
        continue;
      }
      points.push(`${n(x((p + 0.5) * period))},${n(y(v))}`);
    }
    flush();
  };
  const changed = trigger.recorded.some((v, p) => !Object.is(v, trigger.datapoints[p]));
  if (changed) {
    parts.push(
      '<g class="recorded" fill="none" stroke="#8c959f" stroke-width="1.2" stroke-dasharray="3 3" stroke-linejoin="round">',
    );
    line(trigger.recorded, "#8c959f");
    parts.push("</g>");
  }
  parts.push('<g class="metric" fill="none" stroke="#0969da" stroke-width="1.6" stroke-linejoin="round">');
  line(trigger.datapoints, "#0969da");
  parts.push("</g>");
  // Actions this trigger caused.
  parts.push('<g class="actions">');
  let labelEnd = 0;
  for (const record of result.actions) {
    if (
      record.source.kind !== "alarm" ||
      record.source.alarmId !== trigger.alarmId ||
      record.source.persona !== trigger.persona
    )
      continue;
    const ax = n(x(record.at + period / 2));
    const color = record.outcome === "dispatched" ? "#1a7f37" : "#bc4c00";
    const label = `${clockLabel(result.startMs, record.at)} ${record.outcome === "dispatched" ? record.actions.join("; ") : `skipped: ${record.reason}`}`;
    // Labels that would overlap the previous one are left to the marker's tooltip.
    const width = label.length * 7;
    const right = Number(ax) + 8 + width <= W - M.right;
    const from = right ? Number(ax) + 8 : Number(ax) - 8 - width;
    let text = "";
    if (from >= labelEnd) {
      text = `<text x="${n(right ? from : Number(ax) - 8)}" y="${M.top + 14}" fill="${color}" font-weight="600"${right ? "" : ' text-anchor="end"'}>${escapeXml(label)}</text>`;
      labelEnd = from + width + 8;
    }
    parts.push(
      `<g><title>${escapeXml(`${clockLabel(result.startMs, record.at)} ${describeRecord(record)}`)}</title><line x1="${ax}" x2="${ax}" y1="${M.top}" y2="${M.top + plotH}" stroke="${color}" stroke-width="1.5"/><path d="M ${ax} ${M.top + 10} l -6 -10 h 12 z" fill="${color}"/>${text}</g>`,
    );
  }
  parts.push("</g>");
  // Legend.
  const ly = H - 8;
  if (changed) {
    parts.push(
      `<g class="legend-recorded" font-size="11" fill="#57606a"><line x1="${M.left}" x2="${M.left + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="#8c959f" stroke-width="1.2" stroke-dasharray="3 3"/><text x="${M.left + 22}" y="${ly}">as recorded, before the responses' effects</text></g>`,
    );
  }
  parts.push(
    `<g class="legend" font-size="11" fill="#57606a"><rect x="${W - 330}" y="${ly - 9}" width="10" height="10" fill="#f8c9cc"/><text x="${W - 316}" y="${ly}">ALARM</text><rect x="${W - 268}" y="${ly - 9}" width="10" height="10" fill="#dcdde0"/><text x="${W - 254}" y="${ly}">INSUFFICIENT_DATA</text><path d="M ${W - 140} ${ly - 9} l 5 9 l 5 -9 z" fill="#1a7f37"/><text x="${W - 126}" y="${ly}">ran</text><path d="M ${W - 95} ${ly - 9} l 5 9 l 5 -9 z" fill="#bc4c00"/><text x="${W - 81}" y="${ly}">skipped</text></g>`,
  );
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/**
 * A file name for a trigger's chart: `<persona>-<alarm id>.svg`, safe on every file system.
 * @internal
 */
export function chartFileName(trigger: TriggerTimeline): string {
  return `${`${trigger.persona}-${trigger.alarmId}`.replace(/[^A-Za-z0-9._-]+/g, "-")}.svg`;
}

/**
 * A response's cells in a report table: source, intent, actions, outcome, detail.
 * @internal
 */
export function responseCells(a: ActionRecord): string[] {
  return [
    a.source.kind === "alarm" ? a.source.alarmId : `feed ${a.source.sourceId}`,
    a.intent,
    a.actions.join("; "),
    a.outcome === "dispatched" ? "ran" : `skipped (${a.reason})`,
    a.outcome === "dispatched"
      ? a.effects.map((e) => `${e.status}: ${e.detail}`).join("; ")
      : (a.detail ?? ""),
  ];
}

/**
 * A change's cells in a report table: what, from, to.
 * @internal
 */
export function changeCells(c: ChangeRecord): string[] {
  return [c.kind === "feature" ? `feature ${c.name}` : c.kind, c.from, c.to];
}

/**
 * The HTML report: the run's facts and summary, every trigger's chart (embedded inline), the
 * actions with the guard rails' reasons, the changes to the instance and the feed ticks of note.
 * Self-contained: no scripts, no external resources.
 */
export function renderHtmlReport(result: SimulationResult): string {
  const s = result.summary;
  const clock = (at: number) => clockLabel(result.startMs, at);
  const rows = (cells: string[][]) =>
    cells.map((row) => `<tr>${row.map((c) => `<td>${escapeXml(c)}</td>`).join("")}</tr>`).join("\n");
  const charts = result.triggers
    .map((t) => `<figure>\n${renderTriggerSvg(result, t).replace(/^<svg /, '<svg class="chart" ')}</figure>`)
    .join("\n");
  const lanes = `<figure>\n${renderLanesSvg(result).replace(/^<svg /, '<svg class="lanes" ')}</figure>`;
  const feedCharts = [...listFeedStories(result).keys()]
    .map((id) => `<figure>\n${renderFeedSvg(result, id).replace(/^<svg /, '<svg class="feed" ')}</figure>`)
    .join("\n");
  const actions = rows(result.actions.map((a) => [clock(a.at), ...responseCells(a)]));
  const changes = rows(result.changes.map((c) => [clock(c.at), ...changeCells(c)]));
  const feeds = rows(
    result.feedTicks
      .filter((f) => f.decision !== "updated" && f.decision !== "identical" && f.decision !== "not-held")
      .map((f) => [clock(f.at), f.sourceId, f.decision, f.message]),
  );
  const fired =
    Object.entries(s.alarms)
      .map(([id, count]) => `${id} ×${count}`)
      .join(", ") || "none";
  const skipped =
    Object.entries(s.skipped)
      .map(([r, count]) => `${r} ×${count}`)
      .join(", ") || "none";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(`${result.persona.name} simulation`)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; max-width: 1000px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.facts { color: #57606a; margin: 0 0 12px; }
figure { margin: 12px 0; border: 1px solid #d0d7de; border-radius: 6px; overflow: hidden; }
svg.chart, svg.lanes, svg.feed { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; border-bottom: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; }
th { background: #f6f8fa; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0; }
dt { color: #57606a; }
</style>
</head>
<body>
<h1>${escapeXml(`${result.persona.name}@${result.persona.version}`)}: simulated ${escapeXml(durationText(result.durationSeconds))}</h1>
<p class="facts">Digest ${escapeXml(result.persona.digest)} · start ${escapeXml(new Date(result.startMs).toISOString())} · seed ${result.seed} · CloudWatch alarm semantics · guard rails of the responders</p>
<dl>
<dt>Datapoints evaluated</dt><dd>${s.datapoints}</dd>
<dt>Alarms fired</dt><dd>${escapeXml(fired)}</dd>
<dt>Responses run</dt><dd>${s.dispatched}</dd>
<dt>Responses skipped</dt><dd>${escapeXml(skipped)}</dd>
<dt>Size</dt><dd>${escapeXml(`${result.initialSize ?? "unknown"} → ${s.finalSize ?? "unknown"}`)}</dd>
<dt>Persona at the end</dt><dd>${escapeXml(s.finalPersona)}</dd>
<dt>Traffic at the end</dt><dd>${escapeXml(`${s.finalInRotation ? ROTATION.in : ROTATION.out}${s.finalIsolated ? `, ${ISOLATION.yes}` : ""}`)}</dd>
<dt>Features at the end</dt><dd>${escapeXml(
    Object.entries(s.finalFeatures)
      .map(([f, on]) => `${f} ${on ? "on" : "off"}`)
      .join(", ") || "none",
  )}</dd>
</dl>
<h2>The instance over time</h2>
${lanes}
<h2>Triggers</h2>
${charts || "<p>This persona has no telemetry triggers.</p>"}
<h2>List feeds</h2>
${feedCharts || "<p>This persona has no list feeds, or none was fetched.</p>"}
<h2>Responses</h2>
${result.actions.length > 0 ? `<table><thead><tr><th>time</th><th>source</th><th>intent</th><th>actions</th><th>outcome</th><th>detail</th></tr></thead><tbody>\n${actions}\n</tbody></table>` : "<p>No response ran.</p>"}
<h2>Changes to the instance</h2>
${result.changes.length > 0 ? `<table><thead><tr><th>time</th><th>what</th><th>from</th><th>to</th></tr></thead><tbody>\n${changes}\n</tbody></table>` : "<p>Nothing changed.</p>"}
<h2>Feed ticks of note</h2>
${feeds.length > 0 ? `<table><thead><tr><th>time</th><th>feed</th><th>decision</th><th>message</th></tr></thead><tbody>\n${feeds}\n</tbody></table>` : "<p>Every feed tick updated its list normally.</p>"}
</body>
</html>
`;
}

/** The first 12 hex digits of a content digest, as `personas explain` and the demo print it. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

function durationText(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  return `${Math.round(seconds / 60)} minutes`;
}

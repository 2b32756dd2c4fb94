/**
 * Renderings of a fleet simulation: the text timeline with the instance on every line, a JSON document
 * with each contributor's transitions and responses, and an HTML report with one contributor chart per
 * alarm (a lane per instance: when it was in ALARM, what ran on it). Pure functions from a
 * {@link FleetSimulationResult} to strings.
 */
import { type ActionRecord, type ChangeRecord, stateName, type TriggerTimeline } from "./engine.js";
import type { FleetSimulationResult } from "./fleet.js";
import {
  axisLabel,
  changeCells,
  clockLabel,
  describeRecord,
  escapeXml,
  formatValue,
  responseCells,
  shortDigest,
  timeAxisStep,
  timelineEvents,
} from "./render.js";

type Member = FleetSimulationResult["members"][number];

/** One state change of one instance's alarm (a contributor's, for a fleet-wide alarm). */
export interface FleetTransition {
  /** Seconds from the start. */
  readonly at: number;
  readonly time: string;
  readonly alarmId: string;
  readonly topology: "fleet-wide" | "per-instance";
  readonly from: string;
  readonly to: string;
  /** The datapoint the alarm saw; null when missing. */
  readonly value: number | null;
  /** Fleet-wide alarms: the contributor left ALARM because its series was absent (no data). */
  readonly seriesAbsent?: true;
}

/**
 * The state changes of one instance's alarms, in time order. The first period's state counts as a
 * change only when it is not where a new alarm (INSUFFICIENT_DATA) or an absent contributor (OK) starts.
 * @internal
 */
export function fleetTransitions(member: Member, startMs: number): FleetTransition[] {
  const out: FleetTransition[] = [];
  for (const trigger of member.result.triggers) {
    const initial = trigger.topology === "fleet-wide" ? 0 : 2;
    let previous: number = initial;
    for (let p = 0; p < trigger.states.length; p++) {
      const code = trigger.states[p]!;
      if (code === 255) {
        previous = initial;
        continue;
      }
      if (code === previous) continue;
      const at = p * trigger.periodSeconds;
      const value = trigger.datapoints[p]!;
      out.push({
        at,
        time: clockLabel(startMs, at),
        alarmId: trigger.alarmId,
        topology: trigger.topology,
        from: stateName(previous)!,
        to: stateName(code)!,
        value: Number.isNaN(value) ? null : value,
        ...(trigger.topology === "fleet-wide" && trigger.absent.includes(p)
          ? { seriesAbsent: true as const }
          : {}),
      });
      previous = code;
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** When each alarm of an instance entered ALARM. */
function enteredAlarm(member: Member, startMs: number): Map<string, string[]> {
  const entered = new Map<string, string[]>();
  for (const t of fleetTransitions(member, startMs)) {
    if (t.to !== "ALARM") continue;
    entered.set(t.alarmId, [...(entered.get(t.alarmId) ?? []), t.time]);
  }
  return entered;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** How the telemetry differs per instance, in one sentence. */
function variationText(result: FleetSimulationResult): string {
  const seeds =
    result.members.length === 1
      ? `instance-1 has the noise of seed ${result.seed}`
      : `instance-N has the noise of seed ${result.seed} + N − 1`;
  const reached = result.members
    .filter((m) => m.eventAt !== undefined)
    .sort((a, b) => a.eventAt! - b.eventAt!)
    .map((m) => `${m.name} at ${clockLabel(result.startMs, m.eventAt!)}`);
  const event =
    reached.length === 0
      ? "the scenario has no per-instance event"
      : `the event reaches ${reached.join(", ")}${reached.length < result.members.length ? "; the others see the scenario without it" : ""}`;
  return `Telemetry: ${seeds}; ${event}.`;
}

function topologyText(alarm: FleetSimulationResult["alarms"][number]): string {
  return alarm.topology.kind === "fleet-wide"
    ? "fleet-wide: one Metrics Insights alarm, each instance a contributor (ALARM or OK only)"
    : `per instance: ${alarm.topology.reason}`;
}

function fleetCounts(result: FleetSimulationResult): {
  entered: Record<string, number>;
  instancesInAlarm: number;
  dispatched: number;
  skipped: Record<string, number>;
  finalSizes: Record<string, number>;
} {
  const entered: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const finalSizes: Record<string, number> = {};
  let dispatched = 0;
  let instancesInAlarm = 0;
  for (const member of result.members) {
    const s = member.result.summary;
    if (Object.keys(s.alarms).length > 0) instancesInAlarm++;
    for (const [id, n] of Object.entries(s.alarms)) entered[id] = (entered[id] ?? 0) + n;
    for (const [reason, n] of Object.entries(s.skipped)) skipped[reason] = (skipped[reason] ?? 0) + n;
    dispatched += s.dispatched;
    const size = s.finalSize ?? "unknown";
    finalSizes[size] = (finalSizes[size] ?? 0) + 1;
  }
  return { entered, instancesInAlarm, dispatched, skipped, finalSizes };
}

/**
 * The fleet's text timeline: the run's facts, how the telemetry varies per instance, each alarm's
 * topology, every instance's events with the instance named (list-feed ticks once, as `fleet`), one
 * line per contributor (when its alarms entered ALARM, what ran on it, its final size) and a summary.
 */
export function formatFleetTimeline(result: FleetSimulationResult): string {
  const clock = (at: number) => clockLabel(result.startMs, at).padStart(8);
  const width = Math.max(5, ...result.members.map((m) => m.name.length));
  const lines = [
    `Fleet simulation of ${result.persona.name}@${result.persona.version} (digest ${shortDigest(result.persona.digest)}): ${plural(result.members.length, "instance")}, ${clockLabel(result.startMs, 0)} to ${clockLabel(result.startMs, result.durationSeconds)} UTC, seed ${result.seed}, alarm topology ${result.alarmTopology}`,
    variationText(result),
    "",
    "Alarms:",
    ...result.alarms.map((a) => `  ${a.alarmId}: ${topologyText(a)}`),
    "",
  ];
  const events: { at: number; order: number; member: number; text: string }[] = [];
  result.members.forEach((member, index) => {
    for (const event of timelineEvents(member.result, { changesOnly: true })) {
      // List feeds are the fleet's: their ticks are the same on every instance, shown once.
      if (event.order === 3) {
        if (index === 0)
          events.push({ ...event, member: -1, text: `${"fleet".padEnd(width)}  ${event.text}` });
        continue;
      }
      events.push({ ...event, member: index, text: `${member.name.padEnd(width)}  ${event.text}` });
    }
  });
  events.sort((a, b) => a.at - b.at || a.member - b.member || a.order - b.order);
  lines.push(...events.map((e) => `${clock(e.at)}  ${e.text}`), "", "Contributors:");
  for (const member of result.members) {
    const s = member.result.summary;
    const entered = [...enteredAlarm(member, result.startMs)]
      .map(([id, times]) => `${id} ALARM at ${times.join(", ")}`)
      .join("; ");
    const skipped = Object.values(s.skipped).reduce((a, b) => a + (b ?? 0), 0);
    lines.push(
      `  ${member.name.padEnd(width)}  ${entered || "no alarm fired"}; ${plural(s.dispatched, "response")} run, ${skipped} skipped; final size ${s.finalSize ?? "unknown"}`,
    );
  }
  const counts = fleetCounts(result);
  const entered =
    Object.entries(counts.entered)
      .map(([id, n]) => `${id} ×${n}`)
      .join(", ") || "none";
  const skipped =
    Object.entries(counts.skipped)
      .map(([r, n]) => `${n} skipped (${r})`)
      .join(", ") || "none skipped";
  const sizes = Object.entries(counts.finalSizes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([size, n]) => `${size} ×${n}`)
    .join(", ");
  lines.push(
    "",
    `Summary: ${counts.instancesInAlarm} of ${plural(result.members.length, "instance")} entered ALARM (${entered}); ${plural(counts.dispatched, "response")} run, ${skipped}; final sizes ${sizes}.`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * The fleet simulation as JSON: the run's facts, each alarm's topology, and per instance its seed, when
 * the event reached it, its alarm transitions, its responses and changes, and its summary; the fleet's
 * list-feed ticks once.
 * @internal
 */
export function fleetJson(result: FleetSimulationResult): unknown {
  const time = (at: number) => clockLabel(result.startMs, at);
  const counts = fleetCounts(result);
  return {
    persona: result.persona,
    seed: result.seed,
    start: new Date(result.startMs).toISOString(),
    durationSeconds: result.durationSeconds,
    alarmTopology: result.alarmTopology,
    alarms: result.alarms,
    instances: result.members.map((member) => ({
      name: member.name,
      seed: member.seed,
      eventAt: member.eventAt ?? null,
      transitions: fleetTransitions(member, result.startMs),
      actions: member.result.actions.map((a: ActionRecord) => ({ time: time(a.at), ...a })),
      changes: member.result.changes.map((c: ChangeRecord) => ({ time: time(c.at), ...c })),
      summary: member.result.summary,
    })),
    feedTicks: (result.members[0]?.result.feedTicks ?? []).map((f) => ({
      time: time(f.at),
      ...f,
      value: Number.isNaN(f.value) ? null : f.value,
    })),
    summary: {
      instances: result.members.length,
      instancesInAlarm: counts.instancesInAlarm,
      enteredAlarm: counts.entered,
      dispatched: counts.dispatched,
      skipped: counts.skipped,
      finalSizes: counts.finalSizes,
    },
  };
}

// --- HTML -----------------------------------------------------------------------------------------

const W = 960;
const LEFT = 110;
const RIGHT = 24;
const ROW = 22;
const TOP = 44;
const FILL: Record<number, string> = { 1: "#f8c9cc", 2: "#dcdde0" };

function n(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/**
 * One alarm across the fleet: a lane per instance with its ALARM periods (red; INSUFFICIENT_DATA grey
 * for a per-instance alarm) and a marker for each response the alarm ran on that instance (green: ran,
 * orange: skipped), on a UTC time axis.
 * @internal
 */
export function renderContributorSvg(result: FleetSimulationResult, alarmId: string): string {
  const alarm = result.alarms.find((a) => a.alarmId === alarmId)!;
  const duration = result.durationSeconds;
  const plotW = W - LEFT - RIGHT;
  const x = (t: number) => LEFT + (t / duration) * plotW;
  const height = TOP + result.members.length * ROW + 40;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-label="${escapeXml(`${result.persona.name} ${alarmId} per instance`)}">`,
    `<rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(`${result.persona.name}: ${alarm.description}`)}</text>`,
    `<text x="${LEFT}" y="36" fill="#57606a">${escapeXml(`${alarmId} · ${alarm.topology.kind === "fleet-wide" ? "fleet-wide: one lane per contributor" : "per instance: one alarm per lane"} · seed ${result.seed}`)}</text>`,
  ];
  result.members.forEach((member, row) => {
    const y = TOP + row * ROW;
    parts.push(
      `<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end" fill="#1f2328">${escapeXml(member.name)}</text>`,
      `<rect x="${LEFT}" y="${y + 2}" width="${plotW}" height="${ROW - 4}" fill="#f6f8fa"/>`,
    );
    const trigger: TriggerTimeline | undefined = member.result.triggers.find(
      (t) => t.alarmId === alarmId && t.persona === result.persona.name,
    );
    if (trigger) {
      const period = trigger.periodSeconds;
      let runStart = 0;
      for (let p = 1; p <= trigger.states.length; p++) {
        const code = trigger.states[runStart]!;
        if (p < trigger.states.length && trigger.states[p] === code) continue;
        const fill = FILL[code];
        if (fill) {
          const x0 = x(runStart * period);
          parts.push(
            `<rect x="${n(x0)}" y="${y + 2}" width="${n(Math.max(1, x(p * period) - x0))}" height="${ROW - 4}" fill="${fill}"><title>${escapeXml(`${member.name} ${stateName(code)} ${clockLabel(result.startMs, runStart * period)}–${clockLabel(result.startMs, p * period)}`)}</title></rect>`,
          );
        }
        runStart = p;
      }
    }
    for (const record of member.result.actions) {
      if (record.source.kind !== "alarm" || record.source.alarmId !== alarmId) continue;
      const ax = n(x(record.at));
      const color = record.outcome === "dispatched" ? "#1a7f37" : "#bc4c00";
      parts.push(
        `<g><title>${escapeXml(`${member.name} ${clockLabel(result.startMs, record.at)} ${describeRecord(record)}`)}</title><path d="M ${ax} ${y + ROW - 3} l -5 -9 h 10 z" fill="${color}"/></g>`,
      );
    }
  });
  const axisY = TOP + result.members.length * ROW + 4;
  const step = timeAxisStep(duration);
  parts.push(`<g class="axis" fill="#57606a" stroke="#57606a">`);
  for (let t = 0; t <= duration; t += step) {
    const anchor = t === 0 ? "start" : t + step > duration ? "end" : "middle";
    parts.push(
      `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${axisY}" y2="${axisY + 5}"/><text x="${n(x(t))}" y="${axisY + 18}" text-anchor="${anchor}" stroke="none">${axisLabel(result.startMs, duration, t)}</text>`,
    );
  }
  parts.push("</g>", "</svg>");
  return `${parts.join("\n")}\n`;
}

/**
 * The fleet's HTML report: the facts, how each alarm is deployed (topology, reason, query), one
 * contributor chart per alarm, every response with the instance it ran on, every change to an
 * instance. Self-contained: no scripts, no external resources.
 */
export function renderFleetHtml(result: FleetSimulationResult): string {
  const clock = (at: number) => clockLabel(result.startMs, at);
  const rows = (cells: string[][]) =>
    cells.map((row) => `<tr>${row.map((c) => `<td>${escapeXml(c)}</td>`).join("")}</tr>`).join("\n");
  const alarms = rows(
    result.alarms.map((a) => [
      a.alarmId,
      a.topology.kind,
      a.topology.reason,
      a.topology.kind === "fleet-wide" ? a.topology.query : "",
    ]),
  );
  const charts = result.alarms
    .map(
      (a) =>
        `<figure>\n${renderContributorSvg(result, a.alarmId).replace(/^<svg /, '<svg class="chart" ')}</figure>`,
    )
    .join("\n");
  const transitions = rows(
    result.members.flatMap((m) =>
      fleetTransitions(m, result.startMs).map((t) => [
        t.time,
        m.name,
        t.alarmId,
        `${t.from} → ${t.to}`,
        t.seriesAbsent ? "series absent" : t.value === null ? "missing" : formatValue(t.value, ""),
      ]),
    ),
  );
  const responses = rows(
    result.members
      .flatMap((m) => m.result.actions.map((a) => ({ m, a })))
      .sort((p, q) => p.a.at - q.a.at)
      .map(({ m, a }) => [clock(a.at), m.name, ...responseCells(a)]),
  );
  const changes = rows(
    result.members
      .flatMap((m) => m.result.changes.map((c) => ({ m, c })))
      .sort((p, q) => p.c.at - q.c.at)
      .map(({ m, c }) => [clock(c.at), m.name, ...changeCells(c)]),
  );
  const table = (head: string[], body: string, empty: string) =>
    body === ""
      ? `<p>${empty}</p>`
      : `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>\n${body}\n</tbody></table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(`${result.persona.name} fleet simulation`)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; max-width: 1000px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.facts { color: #57606a; margin: 0 0 12px; }
figure { margin: 12px 0; border: 1px solid #d0d7de; border-radius: 6px; overflow: hidden; }
svg.chart { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; border-bottom: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; }
th { background: #f6f8fa; }
</style>
</head>
<body>
<h1>${escapeXml(`${result.persona.name}@${result.persona.version}`)}: a fleet of ${result.members.length}</h1>
<p class="facts">Digest ${escapeXml(result.persona.digest)} · start ${escapeXml(new Date(result.startMs).toISOString())} · seed ${result.seed} · alarm topology ${escapeXml(result.alarmTopology)} · a contributor of a fleet-wide alarm is only ALARM or OK (CloudWatch User Guide, "Acting on alarm changes")</p>
<p>${escapeXml(variationText(result))}</p>
<h2>Alarms</h2>
${table(["alarm", "topology", "reason", "query"], alarms, "This persona has no telemetry triggers.")}
<h2>Contributors</h2>
${charts || "<p>This persona has no telemetry triggers.</p>"}
<h2>Alarm state changes</h2>
${table(["time", "instance", "alarm", "change", "datapoint"], transitions, "No alarm changed state.")}
<h2>Responses</h2>
${table(["time", "instance", "source", "intent", "actions", "outcome", "detail"], responses, "No response ran.")}
<h2>Changes to the instances</h2>
${table(["time", "instance", "what", "from", "to"], changes, "Nothing changed.")}
</body>
</html>
`;
}

/**
 * The instance's story as charts: lanes over time for its size, each feature and its persona (what
 * the responses changed and when), and one chart per list feed with the entries in force after
 * each fetch and the periods the last good list was kept. Pure functions from a
 * {@link SimulationResult} to SVG strings; the HTML report embeds them.
 */
import type { FeedDecisionReason } from "../runtime/feeds/policy.js";
import { type FeedTickRecord, ISOLATION, ROTATION, type SimulationResult } from "./engine.js";
import { axisLabel, clockLabel, escapeXml, timeAxisStep } from "./render.js";

/** A stretch of time over which a lane held one value, in seconds from the start. */
export interface LaneSegment {
  readonly from: number;
  readonly to: number;
  readonly value: string;
}

/** One lane: the size, a feature, the persona, the rotation or the isolation, as a run of segments covering the whole run. */
export interface Lane {
  readonly kind: "size" | "feature" | "persona" | "traffic" | "isolation";
  /** `size`, the feature id, `persona`, `traffic` or `isolation`. */
  readonly name: string;
  readonly segments: readonly LaneSegment[];
}

/**
 * The lanes of a run: the size, one per feature (in plan order, then features a shift brought) and
 * the persona (then rotation and isolation, when they changed), each cut at the changes the responses made. Segments of no length are left out.
 * @example
 * instanceLanes(result)[0]; // { kind: "size", name: "size", segments: [{ from: 0, to: 36240, value: "m7g.2xlarge" }, ...] }
 */
export function instanceLanes(result: SimulationResult): Lane[] {
  const lane = (kind: Lane["kind"], name: string, initial: string): Lane => {
    const segments: LaneSegment[] = [];
    let from = 0;
    let value = initial;
    for (const change of result.changes) {
      if (change.kind !== kind || (kind === "feature" && change.name !== name)) continue;
      if (change.at > from) segments.push({ from, to: change.at, value });
      from = change.at;
      value = change.to;
    }
    if (result.durationSeconds > from) segments.push({ from, to: result.durationSeconds, value });
    return { kind, name, segments };
  };
  const features = Object.keys(result.initialFeatures);
  for (const change of result.changes) {
    if (change.kind === "feature" && !features.includes(change.name!)) features.push(change.name!);
  }
  return [
    lane("size", "size", result.initialSize ?? "unknown"),
    ...features.map((feature) =>
      lane("feature", feature, result.initialFeatures[feature] === true ? "on" : "off"),
    ),
    lane("persona", "persona", result.persona.name),
    // Rotation and isolation only when a response changed them: most personas never drain.
    ...(result.changes.some((c) => c.kind === "traffic") ? [lane("traffic", "traffic", ROTATION.in)] : []),
    ...(result.changes.some((c) => c.kind === "isolation")
      ? [lane("isolation", "isolation", ISOLATION.no)]
      : []),
  ];
}

const W = 960;
const LEFT = 150;
const RIGHT = 24;
const LANE_H = 26;
const LANE_GAP = 8;
const PALETTE = ["#ddf4ff", "#fff8c5", "#ffebe9", "#fbefff", "#dafbe1", "#fff1e5"];
const FEATURE_FILL: Record<string, string> = { on: "#aceebb", off: "#eaeef2" };

function n(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/** Ticks and labels of a time axis at `y`, shared by the lanes and the feed charts. */
function timeAxis(result: SimulationResult, x: (t: number) => number, y: number): string[] {
  const duration = result.durationSeconds;
  const step = timeAxisStep(duration);
  const parts = [
    `<g class="time-axis" fill="#57606a"><line x1="${LEFT}" x2="${W - RIGHT}" y1="${y}" y2="${y}" stroke="#57606a"/>`,
  ];
  for (let t = 0; t <= duration; t += step) {
    const anchor = t === 0 ? "start" : t + step > duration ? "end" : "middle";
    parts.push(
      `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${y}" y2="${y + 5}" stroke="#57606a"/><text x="${n(x(t))}" y="${y + 19}" text-anchor="${anchor}">${axisLabel(result.startMs, duration, t)}</text>`,
    );
  }
  parts.push("</g>");
  return parts;
}

/**
 * The lanes as one SVG document: a row per lane, a rectangle per segment labelled with its value
 * (when it fits; the tooltip always has it) and a UTC time axis. Each segment carries
 * `data-from`/`data-to` (seconds) and `data-value`, so the chart can be checked as data.
 */
export function renderLanesSvg(result: SimulationResult): string {
  const lanes = instanceLanes(result);
  const top = 36;
  const height = top + lanes.length * (LANE_H + LANE_GAP) + 36;
  const duration = result.durationSeconds;
  const x = (t: number) => LEFT + (t / duration) * (W - LEFT - RIGHT);
  const clock = (t: number) => clockLabel(result.startMs, t);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-label="${escapeXml(`${result.persona.name}: size, features and persona over time`)}">`,
    `<rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(`${result.persona.name}@${result.persona.version}: the instance over time`)}</text>`,
  ];
  lanes.forEach((lane, i) => {
    const y = top + i * (LANE_H + LANE_GAP);
    const title = lane.kind === "feature" ? `feature ${lane.name}` : lane.name;
    const colours = new Map<string, string>();
    parts.push(
      `<g class="lane" data-lane="${lane.kind}" data-name="${escapeXml(lane.name)}"><text class="lane-label" x="${LEFT - 8}" y="${y + LANE_H / 2 + 4}" text-anchor="end" fill="#1f2328">${escapeXml(title)}</text>`,
    );
    for (const segment of lane.segments) {
      let fill = lane.kind === "feature" ? FEATURE_FILL[segment.value] : colours.get(segment.value);
      if (fill === undefined) {
        fill = PALETTE[colours.size % PALETTE.length]!;
        colours.set(segment.value, fill);
      }
      const x0 = x(segment.from);
      const width = Math.max(1, x(segment.to) - x0);
      const label = segment.value;
      const text =
        label.length * 6.6 + 8 <= width
          ? `<text x="${n(x0 + 4)}" y="${y + LANE_H / 2 + 4}" fill="#1f2328">${escapeXml(label)}</text>`
          : "";
      parts.push(
        `<g class="segment" data-from="${segment.from}" data-to="${segment.to}" data-value="${escapeXml(segment.value)}"><title>${escapeXml(`${title}: ${segment.value}, ${clock(segment.from)}–${clock(segment.to)}`)}</title><rect x="${n(x0)}" y="${y}" width="${n(width)}" height="${LANE_H}" fill="${fill}" stroke="#d0d7de"/>${text}</g>`,
      );
    }
    parts.push("</g>");
  });
  parts.push(...timeAxis(result, x, top + lanes.length * (LANE_H + LANE_GAP)));
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Decisions after which the list in force is the one from before: the feed was not trusted. */
const KEPT_LAST_GOOD: ReadonlySet<FeedTickRecord["decision"]> = new Set<FeedDecisionReason>([
  "fetch-failed",
  "empty",
  "mostly-rejected",
  "unsafe-entries",
  "shrunk-too-much",
  "grew-too-much",
]);

/** A stretch of time during which a list feed's last good list was kept, and why it began. */
export interface LastGoodPeriod {
  readonly from: number;
  readonly to: number;
  /** The decision of the first tick of the stretch. */
  readonly decision: FeedTickRecord["decision"];
  /** Ticks in the stretch. */
  readonly ticks: number;
}

/**
 * The list feeds' ticks of a run, by source id, and the periods each kept its last good list:
 * from the first untrusted answer to the next trusted one (or the end of the run).
 */
export function listFeedStories(
  result: SimulationResult,
): Map<string, { ticks: FeedTickRecord[]; lastGood: LastGoodPeriod[] }> {
  const stories = new Map<string, { ticks: FeedTickRecord[]; lastGood: LastGoodPeriod[] }>();
  for (const tick of result.feedTicks) {
    if (tick.kind !== "list") continue;
    let story = stories.get(tick.sourceId);
    if (!story) {
      story = { ticks: [], lastGood: [] };
      stories.set(tick.sourceId, story);
    }
    story.ticks.push(tick);
  }
  for (const story of stories.values()) {
    let open: { from: number; decision: FeedTickRecord["decision"]; ticks: number } | undefined;
    for (const tick of story.ticks) {
      if (KEPT_LAST_GOOD.has(tick.decision)) {
        if (open) open.ticks++;
        else open = { from: tick.at, decision: tick.decision, ticks: 1 };
      } else if (open) {
        story.lastGood.push({ ...open, to: tick.at });
        open = undefined;
      }
    }
    if (open) story.lastGood.push({ ...open, to: result.durationSeconds });
  }
  return stories;
}

function niceTop(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])
    if (m * magnitude >= max * 1.1) return m * magnitude;
  return 10 * magnitude;
}

/**
 * One list feed's chart: the entries in force after each fetch (a step line, a point per fetch
 * with `data-at`, `data-entries` and `data-decision`) and the periods the last good list was kept
 * (amber bands with `data-from`/`data-to`, labelled with the decision that began them).
 */
export function renderFeedSvg(result: SimulationResult, sourceId: string): string {
  const story = listFeedStories(result).get(sourceId) ?? { ticks: [], lastGood: [] };
  const top = 44;
  const plotH = 160;
  const height = top + plotH + 48;
  const duration = result.durationSeconds;
  const x = (t: number) => LEFT + (t / duration) * (W - LEFT - RIGHT);
  const maxEntries = niceTop(Math.max(0, ...story.ticks.map((t) => t.value)));
  const y = (entries: number) => top + plotH - (entries / maxEntries) * plotH;
  const clock = (t: number) => clockLabel(result.startMs, t);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-label="${escapeXml(`feed ${sourceId}: entries in force`)}">`,
    `<rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(`feed ${sourceId}: entries in force after each fetch`)}</text>`,
    `<text x="${LEFT}" y="36" fill="#57606a">${escapeXml(`${story.ticks.length} fetches · amber: the last good list was kept (the answer was not trusted)`)}</text>`,
    '<g class="last-good">',
  ];
  for (const period of story.lastGood) {
    const x0 = x(period.from);
    const width = Math.max(1, x(period.to) - x0);
    const label = `kept: ${period.decision}`;
    parts.push(
      `<g class="period" data-from="${period.from}" data-to="${period.to}" data-decision="${period.decision}"><title>${escapeXml(`last good list kept ${clock(period.from)}–${clock(period.to)} (${period.ticks} fetch${period.ticks === 1 ? "" : "es"}; first: ${period.decision})`)}</title><rect x="${n(x0)}" y="${top}" width="${n(width)}" height="${plotH}" fill="#fff1c2"/><text x="${n(x0 + 3)}" y="${top + 14}" fill="#9a6700">${escapeXml(label)}</text></g>`,
    );
  }
  parts.push("</g>");
  parts.push('<g class="axes" fill="#57606a">');
  for (const value of [0, maxEntries / 2, maxEntries]) {
    parts.push(
      `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${n(y(value))}" y2="${n(y(value))}" stroke="#d0d7de"/><text x="${LEFT - 6}" y="${n(y(value) + 4)}" text-anchor="end">${n(value)}</text>`,
    );
  }
  parts.push(
    `<text x="${LEFT - 40}" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 ${LEFT - 40} ${top + plotH / 2})">entries</text></g>`,
  );
  // The list in force holds from one fetch to the next: a step line.
  const steps: string[] = [];
  story.ticks.forEach((tick, i) => {
    const next = story.ticks[i + 1]?.at ?? duration;
    steps.push(`${n(x(tick.at))},${n(y(tick.value))}`, `${n(x(next))},${n(y(tick.value))}`);
  });
  parts.push(
    `<g class="entries" fill="none" stroke="#0969da" stroke-width="1.6">${steps.length > 0 ? `<polyline points="${steps.join(" ")}"/>` : ""}</g>`,
  );
  parts.push('<g class="points">');
  for (const tick of story.ticks) {
    const kept = KEPT_LAST_GOOD.has(tick.decision);
    parts.push(
      `<circle data-at="${tick.at}" data-entries="${tick.value}" data-decision="${tick.decision}" cx="${n(x(tick.at))}" cy="${n(y(tick.value))}" r="${kept ? 2.6 : 1.6}" fill="${kept ? "#bc4c00" : "#0969da"}"><title>${escapeXml(`${clock(tick.at)} ${tick.decision}: ${tick.value} entries in force — ${tick.message}`)}</title></circle>`,
    );
  }
  parts.push("</g>");
  parts.push(...timeAxis(result, x, top + plotH));
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** A file name for a feed's chart: `feed-<source id>.svg`, safe on every file system. */
export function feedChartFileName(sourceId: string): string {
  return `feed-${sourceId.replace(/[^A-Za-z0-9._-]+/g, "-")}.svg`;
}

import { describe, expect, it } from "vitest";
import { planPersona } from "../../src/plan/plan.js";
import { defaultRepository } from "../../src/repository/repository.js";
import { parseFeatureEffects } from "../../src/sim/effects/index.js";
import { simulate } from "../../src/sim/engine.js";
import { renderHtmlReport } from "../../src/sim/render.js";
import { scenarioTelemetry } from "../../src/sim/scenarios.js";
import { regularSeries } from "../../src/sim/telemetry.js";
import { findAll, parseXml, type XmlElement } from "./xml.js";

const repository = defaultRepository();
const planFor = (reference: string) => {
  const chain = repository.resolve(reference);
  return planPersona({
    persona: chain.persona,
    ref: { name: chain.entry.name, version: chain.entry.version, digest: chain.digest },
  });
};

// HighTraffic 1.3.0 over a day: the spike scales it up at 10:04 and its clear back at 10:34, the
// latency incident turns CDN caching on at 15:00, the feed fails 18:00–18:45, and a threat level of
// 5 from 20:00 to 20:55 shifts it to LockedDown until the level has been low for an hour; while
// locked down, LockedDown's own error-burst trigger (errors above 2 %) turns its maintenance page on.
const plan = planFor("HighTraffic@1.3.0");
const day = scenarioTelemetry(
  plan,
  { kind: "day" },
  { seed: 1, effects: parseFeatureEffects({ "cdn-caching": { latency: "x0.3" } }, "effects") },
);
const level = Array.from({ length: 288 }, (_, i) => (i >= 240 && i < 252 ? 5 : 1));
const result = simulate(
  plan,
  { ...day, values: { "threat-level": regularSeries(level, 300) } },
  { seed: 1, initialSize: "m7g.2xlarge", resolvePersona: (reference) => planFor(reference) },
);
const html = renderHtmlReport(result);

/** The inline SVG of the given class in the report, parsed. */
function svgOf(cls: string): XmlElement[] {
  return [...html.matchAll(new RegExp(`<svg class="${cls}" [\\s\\S]*?</svg>`, "g"))].map((m) =>
    parseXml(m[0]),
  );
}

const byClass = (cls: string) => (e: XmlElement) => (e.attributes.class ?? "").split(" ").includes(cls);

describe("renderHtmlReport: the instance's lanes", () => {
  const [lanes, ...others] = svgOf("lanes");
  const laneGroups = findAll(lanes!, byClass("lane"));
  const segments = (lane: XmlElement) =>
    findAll(lane, byClass("segment")).map((s) => ({
      from: Number(s.attributes["data-from"]),
      to: Number(s.attributes["data-to"]),
      value: s.attributes["data-value"],
      title: s.children.find((c) => c.name === "title")?.text,
      label: s.children.find((c) => c.name === "text")?.text,
    }));

  it("draws one lanes chart with a size lane, a lane per feature (the shift's too) and a persona lane", () => {
    expect(others).toEqual([]);
    expect(laneGroups.map((g) => [g.attributes["data-lane"], g.attributes["data-name"]])).toEqual([
      ["size", "size"],
      ["feature", "cdn-caching"],
      ["feature", "maintenance-page"],
      ["persona", "persona"],
    ]);
    expect(laneGroups.map((g) => findAll(g, byClass("lane-label"))[0]!.text)).toEqual([
      "size",
      "feature cdn-caching",
      "feature maintenance-page",
      "persona",
    ]);
  });

  it("cuts the size lane at the scale-up and the scale back, with the sizes as labels", () => {
    expect(segments(laneGroups[0]!)).toEqual([
      {
        from: 0,
        to: 36_240,
        value: "m7g.2xlarge",
        title: "size: m7g.2xlarge, 00:00–10:04",
        label: "m7g.2xlarge",
      },
      // 30 minutes are too narrow for the label: the tooltip carries it.
      {
        from: 36_240,
        to: 38_040,
        value: "m7g.4xlarge",
        title: "size: m7g.4xlarge, 10:04–10:34",
        label: undefined,
      },
      {
        from: 38_040,
        to: 86_400,
        value: "m7g.2xlarge",
        title: "size: m7g.2xlarge, 10:34–+1d 00:00",
        label: "m7g.2xlarge",
      },
    ]);
  });

  it("shows CDN caching off until the latency incident and on from 15:00", () => {
    expect(segments(laneGroups[1]!).map(({ from, to, value }) => ({ from, to, value }))).toEqual([
      { from: 0, to: 54_000, value: "off" },
      { from: 54_000, to: 86_400, value: "on" },
    ]);
  });

  it("shows the shift to LockedDown at 20:00 and back an hour after the last high reading (21:55)", () => {
    expect(
      segments(laneGroups[3]!).map(({ from, to, value, label }) => ({ from, to, value, label })),
    ).toEqual([
      { from: 0, to: 72_000, value: "HighTraffic", label: "HighTraffic" },
      { from: 72_000, to: 78_900, value: "LockedDown@^1", label: undefined }, // too narrow: in the tooltip
      { from: 78_900, to: 86_400, value: "HighTraffic", label: undefined },
    ]);
  });

  it("shows the maintenance page LockedDown turned on at 20:02, still on after the shift back", () => {
    expect(segments(laneGroups[2]!).map(({ from, to, value }) => ({ from, to, value }))).toEqual([
      { from: 0, to: 72_120, value: "off" },
      { from: 72_120, to: 86_400, value: "on" },
    ]);
  });

  it("places each segment on the time axis in proportion to its times", () => {
    const rects = findAll(laneGroups[0]!, (e) => e.name === "rect").map((r) => ({
      x: Number(r.attributes.x),
      width: Number(r.attributes.width),
    }));
    const left = rects[0]!.x;
    const plot = rects.reduce((sum, r) => sum + r.width, 0);
    expect(rects[1]!.x).toBeCloseTo(left + (36_240 / 86_400) * plot, 0);
    expect(rects[2]!.x).toBeCloseTo(left + (38_040 / 86_400) * plot, 0);
  });
});

describe("renderHtmlReport: the feed chart", () => {
  const feeds = svgOf("feed");
  const blocklist = feeds.find(
    (svg) => svg.attributes["aria-label"] === "feed threatintel-example-com: entries in force",
  )!;
  const points = findAll(blocklist, (e) => e.name === "circle").map((c) => ({
    at: Number(c.attributes["data-at"]),
    entries: Number(c.attributes["data-entries"]),
    decision: c.attributes["data-decision"],
  }));

  it("draws one chart per list feed that was fetched (LockedDown's allow-list got no answers)", () => {
    expect(feeds.map((svg) => svg.attributes["aria-label"])).toEqual([
      "feed threatintel-example-com: entries in force",
    ]);
  });

  it("has a point per fetch with the entries in force after it: every 5 minutes all day, shifted or not", () => {
    expect(points).toHaveLength(288);
    expect(points.map((p) => p.at)).toEqual(Array.from({ length: 288 }, (_, i) => i * 300));
    const ticks = result.feedTicks.filter((t) => t.sourceId === "threatintel-example-com");
    expect(points).toEqual(ticks.map((t) => ({ at: t.at, entries: t.value, decision: t.decision })));
    expect(points[0]!.decision).toBe("first-list");
    expect(points[0]!.entries).toBeGreaterThan(0);
  });

  it("marks the outage as a last-good period: the list in force stays as it was before 18:00", () => {
    const periods = findAll(blocklist, byClass("period")).map((p) => ({
      from: Number(p.attributes["data-from"]),
      to: Number(p.attributes["data-to"]),
      decision: p.attributes["data-decision"],
      label: p.children.find((c) => c.name === "text")?.text,
    }));
    expect(periods).toEqual([
      { from: 64_800, to: 67_500, decision: "fetch-failed", label: "kept: fetch-failed" },
    ]);
    const before = points.find((p) => p.at === 64_500)!.entries;
    const during = points.filter((p) => p.at >= 64_800 && p.at < 67_500);
    expect(during).toHaveLength(9);
    for (const p of during) expect(p).toEqual({ at: p.at, entries: before, decision: "fetch-failed" });
  });

  it("draws the entries as a step line through every point", () => {
    const line = findAll(blocklist, byClass("entries"))[0]!.children[0]!;
    const vertices = line.attributes.points!.split(" ");
    expect(vertices).toHaveLength(2 * 288);
    const circles = findAll(blocklist, (e) => e.name === "circle");
    circles.forEach((c, i) => {
      expect(vertices[2 * i]).toBe(`${c.attributes.cx},${c.attributes.cy}`);
    });
  });
});

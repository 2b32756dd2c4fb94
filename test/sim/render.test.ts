import { describe, expect, it } from "vitest";
import { simulate } from "../../src/sim/engine.js";
import {
  clockLabel,
  formatTimeline,
  renderHtmlReport,
  renderTriggerSvg,
  timelineJson,
} from "../../src/sim/render.js";
import { scenarioTelemetry } from "../../src/sim/scenarios.js";
import { minutes, repeat, seedPlan } from "./fixtures.js";
import { checkXml } from "./xml.js";

const day = simulate(seedPlan, scenarioTelemetry(seedPlan, { kind: "day" }, { seed: 1 }), {
  seed: 1,
  initialSize: "m7i.2xlarge",
});

describe("renderTriggerSvg", () => {
  it("produces well-formed SVG with the metric, threshold, state bands, action marker and time axis", () => {
    const cpu = day.triggers[0]!;

    const svg = renderTriggerSvg(day, cpu);

    const { problems, elements } = checkXml(svg);
    expect(problems).toEqual([]);
    expect(elements[0]).toBe("svg");
    expect(svg).toContain('class="threshold"');
    expect(svg).toContain("threshold &gt; 80%");
    // The scale-up halves the CPU share from the next minute on, so the alarm is OK again at 10:05.
    expect(svg).toMatch(/<rect [^>]*fill="#f8c9cc"><title>ALARM 10:04–10:05<\/title>/);
    expect(svg).toContain("10:04 Scale up to 16 cores");
    for (const label of ["00:00", "02:00", "12:00", "22:00", "24:00"])
      expect(svg).toContain(`>${label}</text>`);
    expect(svg.match(/<g class="metric"[^>]*>\n<polyline /g)!.length).toBe(1);
    expect(svg.match(/<g class="recorded"[^>]*>\n<polyline /g)!.length).toBe(1);
  });

  it("breaks the metric line where data is missing and shades INSUFFICIENT_DATA", () => {
    const result = simulate(
      seedPlan,
      minutes({
        "cpu-utilization": [...repeat(50, 10), ...repeat(null, 20), ...repeat(50, 10)],
        "network-latency": repeat(20, 40),
      }),
    );

    const svg = renderTriggerSvg(result, result.triggers[0]!);

    expect(checkXml(svg).problems).toEqual([]);
    expect(svg.match(/<polyline /g)!.length).toBe(2);
    expect(svg).toContain("<title>INSUFFICIENT_DATA 00:16–00:30</title>");
  });
});

describe("renderHtmlReport", () => {
  it("embeds one chart per trigger and lists responses, changes and feed ticks of note", () => {
    const html = renderHtmlReport(day);

    expect(html.match(/<svg class="chart" /g)!.length).toBe(2);
    expect(html).toContain(
      "<td>15:00</td><td>network-latency-above</td><td>activate</td><td>Activate cdn-caching</td><td>ran</td>",
    );
    expect(html).toContain("<td>10:04</td><td>size</td><td>m7i.2xlarge</td><td>m7i.4xlarge</td>");
    expect(html).toContain("<td>18:00</td><td>threatintel-example-com</td><td>fetch-failed</td>");
    expect(
      checkXml(
        html.replace(/^<!doctype html>\n/, "").replace(/<meta charset="utf-8">/, '<meta charset="utf-8"/>'),
      ).problems,
    ).toEqual([]);
  });
});

describe("formatTimeline and timelineJson", () => {
  it("prints state changes, responses and changes in time order", () => {
    const text = formatTimeline(day);

    expect(text).toContain("   10:04  cpu-utilization-above → ALARM (datapoint ");
    expect(text).toContain(
      "   10:04  ran Scale up to 16 cores (cpu-utilization-above) → changed: m7i.2xlarge → m7i.4xlarge (16 vCPU, 64 GiB)\n   10:04  size: m7i.2xlarge → m7i.4xlarge\n",
    );
    expect(text).toContain(
      "Summary: 2880 datapoints evaluated; cpu-utilization-above fired 1×, network-latency-above fired 1×; 2 responses run, none skipped.",
    );
  });

  it("has one row per minute with the size, features and persona in force", () => {
    const json = timelineJson(day);

    expect(json.rows).toHaveLength(1440);
    const row = json.rows[604]!;
    expect(row.time).toBe("10:04");
    expect(row.size).toBe("m7i.4xlarge");
    expect(row.triggers["cpu-utilization-above"]!.state).toBe("ALARM");
    expect(row.actions.map((a) => a.actions)).toEqual([["Scale up to 16 cores"]]);
    expect(json.rows[899]!.features).toEqual({ "cdn-caching": false });
    expect(json.rows[900]!.features).toEqual({ "cdn-caching": true });
  });

  it("labels times in UTC from the start, with the day after the first", () => {
    expect(clockLabel(Date.UTC(2026, 0, 1), 3723)).toBe("01:02:03");
    expect(clockLabel(Date.UTC(2026, 0, 1), 86_400 + 60)).toBe("+1d 00:01");
  });
});

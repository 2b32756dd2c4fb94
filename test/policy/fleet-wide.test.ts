/**
 * persona-guard over a fleet with fleet-wide alarms (PersonaFleet `alarmTopology: "fleet-wide"`): one
 * CloudWatch Metrics Insights alarm per persona × alarm instead of one per instance × alarm. Every
 * stack here is recorded from the components under the mock engine (names, digests, tags, queries as
 * the renderer writes them), and each broken stack breaks one field of that output.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { personaGuardResourcePolicies, personaGuardStackPolicies } from "../../src/policy/pack.js";
import { TYPES } from "../../src/policy/stack.js";
import { SEED_DIGEST } from "../aws/support.js";
import {
  editManifest,
  policyResource,
  type RecordedStack,
  runEveryRule,
  seedFleetStack,
  stackOf,
  urnOf,
  withInputs,
  without,
} from "./support.js";

const everyRule = (stack: RecordedStack) =>
  runEveryRule(stack, personaGuardResourcePolicies, personaGuardStackPolicies);
/** How messages show the seed persona's digest. */
const SEED_SHORT = `${SEED_DIGEST.slice("sha256:".length, "sha256:".length + 8)}…`;
/** The component names the fleet's two Metrics Insights alarms (src/aws/render.ts `renderFleetAlarms`). */
const CPU = `web-fleet-${SEED_DIGEST.slice("sha256:".length, "sha256:".length + 16)}-cpu-utilization-above`;
const MANIFEST_URN = urnOf(TYPES.bucketObject, "web-manifest");

let hundred: RecordedStack;
let two: RecordedStack;
let perInstance: RecordedStack;

beforeAll(async () => {
  // The default topology for the hundred, asked for the two: both are fleet-wide.
  hundred = await seedFleetStack(100);
  two = await seedFleetStack(2, "fleet-wide");
  perInstance = await seedFleetStack(2, "per-instance");
});

/** The recorded name (`name` input) of the fleet's CPU alarm: what the responders accept. */
function cpuAlarmName(): string {
  return two.recorded.find((r) => r.name === CPU)!.inputs.name as string;
}

describe("persona-guard over a fleet with fleet-wide alarms", () => {
  it("passes every rule on a 100-instance fleet of the default topology: one Metrics Insights alarm per persona × alarm", async () => {
    const alarms = hundred.recorded.filter((r) => r.type === TYPES.alarm);
    expect(alarms.map((a) => a.name).sort()).toEqual([
      CPU,
      CPU.replace("cpu-utilization-above", "network-latency-above"),
    ]);
    expect(await everyRule(hundred)).toEqual({});
  });

  it("fails only the coverage rule when the alarm is not named as the responders expect", async () => {
    const broken = withInputs(two, TYPES.alarm, CPU, (i) => ({ ...i, name: "personas-web-cpu" }));
    expect(await everyRule(broken)).toEqual({
      "persona-alarms-cover-triggers": [
        `Fleet-wide alarm '${CPU}' must be named '${cpuAlarmName()}', the fleet-wide alarm name the responders accept for persona ${SEED_SHORT} alarm 'cpu-utilization-above' (it is 'personas-web-cpu'); let PersonaFleet render it (alarmTopology "fleet-wide").`,
        `Fleet 'web' must have a well-formed fleet-wide alarm for cpu-utilization-above of persona HighTraffic 1.0.0 (digest ${SEED_SHORT}), which its manifest marks fleetWide: no instance has its own alarm for it, so the trigger is unwatched; render the fleet with PersonaFleet.`,
      ],
    });
  });

  it("fails only the coverage rule when the alarm's owner tag says the stack instead of the fleet", async () => {
    const broken = withInputs(two, TYPES.alarm, CPU, (i) => ({
      ...i,
      tags: { ...(i.tags as Record<string, string>), "persona:owner": "stack" },
    }));
    expect((await everyRule(broken))["persona-alarms-cover-triggers"]?.[0]).toBe(
      `Fleet-wide alarm '${CPU}' must carry the tag persona:owner=fleet, or the responders refuse its contributors; let PersonaFleet render it (alarmTopology "fleet-wide").`,
    );
    expect(Object.keys(await everyRule(broken))).toEqual(["persona-alarms-cover-triggers"]);
  });

  it("fails only the coverage rule when the query is one aggregated series, not one series per instance", async () => {
    const broken = withInputs(two, TYPES.alarm, CPU, (i) => ({
      ...i,
      metricQueries: (i.metricQueries as Record<string, unknown>[]).map((q) => ({
        ...q,
        expression: 'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)',
      })),
    }));
    expect((await everyRule(broken))["persona-alarms-cover-triggers"]?.[0]).toBe(
      `Fleet-wide alarm '${CPU}' must group its query by InstanceId, so each contributor is one instance and carries the InstanceId attribute the responders act on; let PersonaFleet render it (alarmTopology "fleet-wide").`,
    );
  });

  it("fails only the coverage rule when the query's period is finer than Metrics Insights evaluates, naming every problem", async () => {
    const broken = withInputs(two, TYPES.alarm, CPU, (i) => ({
      ...i,
      tags: {},
      metricQueries: (i.metricQueries as Record<string, unknown>[]).map((q) => ({ ...q, period: 10 })),
    }));
    expect((await everyRule(broken))["persona-alarms-cover-triggers"]?.[0]).toBe(
      `Fleet-wide alarm '${CPU}' must be tagged persona:fleet with a fleet whose manifest is in this stack (it has no such tag), or the responders refuse its contributors, carry the tag persona:owner=fleet, or the responders refuse its contributors and evaluate periods of at least 60 s (its query's period is 10), the finest Metrics Insights evaluates; let PersonaFleet render it (alarmTopology "fleet-wide").`,
    );
  });

  it("says once, on the manifest, that a fleet-wide alarm is missing (no instance has its own)", async () => {
    const broken = without(two, (r) => r.name !== CPU);
    expect(await everyRule(broken)).toEqual({
      "persona-alarms-cover-triggers": [
        `Fleet 'web' must have a well-formed fleet-wide alarm for cpu-utilization-above of persona HighTraffic 1.0.0 (digest ${SEED_SHORT}), which its manifest marks fleetWide: no instance has its own alarm for it, so the trigger is unwatched; render the fleet with PersonaFleet.`,
      ],
    });
  });

  it("refuses a fleet-wide alarm the manifest does not mark fleetWide, and the instances then lack their own", async () => {
    const broken = withInputs(two, TYPES.bucketObject, "web-manifest", (i) =>
      editManifest(i, (m) => {
        delete (m.personas[SEED_DIGEST]!.alarms["cpu-utilization-above"] as Record<string, unknown>)
          .fleetWide;
      }),
    );
    const found = await everyRule(broken);
    expect(found).toEqual({
      "persona-alarms-cover-triggers": [
        `Fleet-wide alarm '${CPU}' must be marked fleetWide in fleet 'web's manifest (alarm 'cpu-utilization-above' of persona ${SEED_SHORT} is not), or the orchestrator would also create per-instance alarms for it; let PersonaFleet render it (alarmTopology "fleet-wide").`,
        `Instance 'web-web-1' must have an alarm for each trigger of persona HighTraffic 1.0.0 (digest ${SEED_SHORT}): cpu-utilization-above is missing; render its alarms with PersonaFleet or PersonaInstance.`,
        `Instance 'web-web-2' must have an alarm for each trigger of persona HighTraffic 1.0.0 (digest ${SEED_SHORT}): cpu-utilization-above is missing; render its alarms with PersonaFleet or PersonaInstance.`,
      ],
    });
    expect(MANIFEST_URN).toBe(urnOf(TYPES.bucketObject, "web-manifest"));
  });

  it("refuses an instance that has its own alarm beside the fleet's (the response would run twice)", async () => {
    const own = perInstance.recorded.find((r) => r.name === "web-web-1-cpu-utilization-above")!;
    const both = stackOf([...two.recorded, own]);
    expect(await everyRule(both)).toEqual({
      "persona-alarms-cover-triggers": [
        "Instance 'web-web-1' must not have its own alarm for cpu-utilization-above, which fleet 'web' alarms fleet-wide: each breach would run the response twice; let the fleet component render the alarms.",
      ],
    });
  });

  it("fails only the alarm-actions rule when the fleet-wide alarm has no actions", async () => {
    const broken = withInputs(two, TYPES.alarm, CPU, (i) => ({ ...i, alarmActions: [] }));
    expect(await everyRule(broken)).toEqual({
      "persona-alarm-actions-target-responders": [
        `Alarm '${CPU}' must have at least one alarm action: set alarmActions to a responder function of this stack (the fleet components do).`,
      ],
    });
  });

  it("fails only the alarm-actions rule when the fleet-wide alarm sends its actions outside the stack", async () => {
    const stranger = "arn:aws:lambda:us-east-1:123456789012:function:elsewhere";
    const broken = withInputs(two, TYPES.alarm, CPU, (i) => ({ ...i, alarmActions: [stranger] }));
    expect(await everyRule(broken)).toEqual({
      "persona-alarm-actions-target-responders": [
        `Alarm '${CPU}' must send its actions to a responder of this stack: ${stranger} is not a responder here; point them at the fleet's responder functions.`,
      ],
    });
  });

  it("fails only the budget rule past 200 Metrics Insights alarms, the default quota per account and Region", async () => {
    const alarm = two.resources.find((r) => r.name === CPU)!;
    const copies = Array.from({ length: 200 }, (_, i) =>
      policyResource(TYPES.alarm, `${CPU}-copy-${i}`, alarm.props),
    );
    const found = await everyRule({ recorded: two.recorded, resources: [...two.resources, ...copies] });
    expect(found["persona-stack-budget"]).toEqual([
      "The stack must hold at most 200 fleet-wide (Metrics Insights) alarms, not 202: that is CloudWatch's default quota per account and Region (Amazon CloudWatch User Guide, alarm Limits); split the fleets across Regions or accounts, set alarmTopology to \"per-instance\" on some, or raise the quota and this rule's maxFleetWideAlarms.",
    ]);
  });
});

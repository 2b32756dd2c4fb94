import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PlannedResource, planOffline } from "../../src/aws/offline.js";
import { type OutputReference, type PlanJsonResource, planJson } from "../../src/aws/plan-json.js";
import { loadProgram } from "../../src/aws/program.js";
import { installMocks } from "../support/pulumi.js";
import { seedPersona, WEB_ACL } from "./support.js";

// planOffline installs its own mocks; give the other test files theirs back.
afterAll(() => installMocks());

let planned: PlannedResource[] = [];
let plan: PlanJsonResource[] = [];
/** A seed fleet of one with `alarmTopology: "per-instance"`: its alarms watch the instance's id. */
let perInstancePlan: PlanJsonResource[] = [];

beforeAll(async () => {
  planned = await planOffline(loadProgram("examples/aws-web-hightraffic"));
  plan = await planJson(planned);
  const { PersonaFleet } = await import("../../src/aws/fleet.js");
  perInstancePlan = await planJson(
    await planOffline(() => {
      new PersonaFleet("web", {
        ami: "ami-0123456789abcdef0",
        defaultPersona: seedPersona,
        instances: [{ name: "web-1" }],
        firewall: { webAclArn: WEB_ACL },
        alarmTopology: "per-instance",
      });
    }),
  );
}, 120_000);

function isReference(value: unknown): value is OutputReference {
  return value !== null && typeof value === "object" && "ref" in value && "output" in value;
}

/** The value a JSON-plan input stands for, references replaced by the outputs the mock engine made. */
function restore(value: unknown): unknown {
  if (isReference(value)) {
    const target = planned.find((r) => r.name === value.ref && r.type === value.type);
    return target?.outputs?.[value.output];
  }
  if (Array.isArray(value)) return value.map(restore);
  if (value !== null && typeof value === "object") {
    if ("interpolate" in value) return (value.interpolate as unknown[]).map(restore).join("");
    if ("json" in value) return { json: restore(value.json) };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v)]));
  }
  return value;
}

/** What the components registered, with JSON strings parsed and assets left for their own test. */
function registered(value: unknown): unknown {
  if (typeof value === "string" && /^\s*[[{]/.test(value)) {
    try {
      return { json: JSON.parse(value) };
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(registered);
  if (pulumi.asset.Asset.isInstance(value) || pulumi.asset.Archive.isInstance(value)) return "asset";
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, registered(v)]));
  return value;
}

function withoutAssets(value: unknown): unknown {
  if (value !== null && typeof value === "object" && ("asset" in value || "archive" in value)) return "asset";
  if (Array.isArray(value)) return value.map(withoutAssets);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutAssets(v)]));
  return value;
}

function resource(type: string, name: string, from: readonly PlanJsonResource[] = plan): PlanJsonResource {
  const found = from.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} ${name} in the plan`);
  return found;
}

describe("personas plan --format json", () => {
  it("lists every resource the example registers, each with every input it registered", () => {
    expect(plan.map((r) => [r.type, r.name])).toEqual(planned.map((r) => [r.type, r.name]));
    for (const [index, entry] of plan.entries()) {
      const inputs = planned[index]!.inputs;
      expect(Object.keys(entry.inputs).sort(), `${entry.type} ${entry.name}`).toEqual(
        Object.keys(inputs).sort(),
      );
      // References resolved back to the deploy-time values are exactly what the components registered.
      expect(withoutAssets(restore(entry.inputs)), `${entry.type} ${entry.name}`).toEqual(registered(inputs));
    }
  });

  it("shows a fleet-wide alarm's actions as references to the responder and its query as text", () => {
    // The example's fleet deploys the default topology: one Metrics Insights alarm per persona × alarm,
    // named after the persona's digest (src/aws/render.ts renderFleetAlarms).
    const tags = resource("aws:ec2/instance:Instance", "web-web-1").inputs.tags as Record<string, string>;
    const digest = tags["persona:digest"]!.replace(/^sha256:/, "").slice(0, 16);
    const alarm = resource(
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      `web-fleet-${digest}-cpu-utilization-above`,
    );
    const scale = { ref: "web-scale", type: "aws:lambda/function:Function", output: "arn" };
    expect(alarm.inputs.alarmActions).toEqual([scale]);
    expect(alarm.inputs.okActions).toEqual([scale]);
    expect(alarm.inputs.metricQueries).toEqual([
      {
        id: "q1",
        expression:
          'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500',
        period: 60,
        returnData: true,
        label: "cpu-utilization-above",
      },
    ]);
    expect(alarm.inputs).not.toHaveProperty("dimensions");
  });

  it("shows a per-instance alarm's actions and dimensions as references to the outputs they come from", () => {
    const alarm = resource(
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "web-web-1-cpu-utilization-above",
      perInstancePlan,
    );
    const scale = { ref: "web-scale", type: "aws:lambda/function:Function", output: "arn" };
    expect(alarm.inputs.alarmActions).toEqual([scale]);
    expect(alarm.inputs.okActions).toEqual([scale]);
    expect(alarm.inputs.dimensions).toEqual({
      InstanceId: { ref: "web-web-1", type: "aws:ec2/instance:Instance", output: "id" },
    });
    expect(alarm.inputs).toMatchObject({ namespace: "AWS/EC2", metricName: "CPUUtilization", threshold: 80 });
  });

  it("shows policies as documents, with the ARNs in them as references", () => {
    const policy = resource("aws:iam/rolePolicy:RolePolicy", "web-scale").inputs.policy as {
      json: { Version: string; Statement: { Sid: string }[] };
    };
    expect(policy.json.Version).toBe("2012-10-17");
    // The scale responder starts the resize workflow; the workflow's own role stops and resizes.
    expect(policy.json.Statement.map((s) => s.Sid)).toContain("StartResizeWorkflow");
    const workflow = resource("aws:iam/rolePolicy:RolePolicy", "web-resize").inputs.policy as {
      json: { Statement: { Sid: string }[] };
    };
    expect(workflow.json.Statement.map((s) => s.Sid)).toContain("ResizeFleetInstances");
    const role = resource("aws:iam/role:Role", "web-scale").inputs.assumeRolePolicy;
    expect(role).toEqual({
      json: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      },
    });
  });

  it("keeps an instance's tags and user data", () => {
    const instance = resource("aws:ec2/instance:Instance", "web-web-1").inputs;
    expect(instance.tags).toMatchObject({ Name: "web-1", role: "web", "persona:name": "HighTraffic" });
    expect(instance.userData).toMatch(/^#!\/bin\/bash\n# pulumi-personas: HighTraffic 1\.2\.0/);
  });

  it("shows Lambda code as the archive it is: its files' paths, sizes and SHA-256 (not {})", () => {
    const code = resource("aws:lambda/function:Function", "web-scale").inputs.code as {
      archive: string;
      assets: Record<
        string,
        { asset: string; path: string; bytes?: number; sha256?: string; exists?: false }
      >;
    };
    expect(code.archive).toBe("AssetArchive");
    const file = code.assets["index.js"]!;
    expect(file.asset).toBe("FileAsset");
    expect(file.path).toMatch(/dist\/runtime\/aws\/scale\.js$/);
    if (existsSync(file.path)) {
      const bytes = readFileSync(file.path);
      expect(file).toMatchObject({
        bytes: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      });
    } else expect(file.exists).toBe(false);
  });
});

import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import { COMBINED_LOG_5XX, parsePlanArgs, planCommand } from "../../src/cli/plan.js";
import { fleetAlarmKey, fleetAlarmName } from "../../src/plan/names.js";
import { SEED_DIGEST } from "../aws/support.js";
import { installMocks } from "../support/pulumi.js";

/** The component name of the seed's fleet-wide CPU alarm in fleet `web` (src/aws/render.ts renderFleetAlarms). */
const CPU_ALARM = `web-${fleetAlarmKey(SEED_DIGEST)}-cpu-utilization-above`;

// planCommand installs its own mocks; give the other test files theirs back.
afterAll(() => installMocks());

describe("personas plan", () => {
  it("prints the seed's resource tree for a persona and tags, children under the fleet", async () => {
    const result = await planCommand(
      parsePlanArgs(["examples/HighTraffic.yaml", "--tag", "role=web", "--fleet", "web"]),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("personas:aws:PersonaFleet web\n");
    // The default topology: one Metrics Insights alarm for the fleet, its metric and period in its query.
    const name = fleetAlarmName({ fleet: "web", stack: "plan" }, SEED_DIGEST, "cpu-utilization-above");
    expect(result.stdout).toContain(
      `  aws:cloudwatch/metricAlarm:MetricAlarm ${CPU_ALARM}  name=${name} comparisonOperator=GreaterThanThreshold threshold=80 evaluationPeriods=5 datapointsToAlarm=5 period=60 query=SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 500\n`,
    );
    expect(result.stdout).toContain("\n46 resources:\n");
    expect(result.stdout).toContain("  2 × aws:cloudwatch/metricAlarm:MetricAlarm\n");
    // The durable resize workflow the scale responder starts (docs/aws.md "Resize workflow").
    expect(result.stdout).toContain(
      "  aws:sfn/stateMachine:StateMachine web-resize  name=personas-web_plan_resize\n",
    );
    expect(result.stdout).toContain("  1 × aws:sfn/stateMachine:StateMachine\n");
    expect(result.stdout).toContain(
      "\nResize workflow: aws:sfn/stateMachine:StateMachine web-resize (STANDARD, 28 states, TimeoutSeconds 9300),\n" +
        "  started by the scale responder for each resize: stop, wait until stopped, change the type, start,\n" +
        "  wait until running; any failure after the stop restores the original type and starts the instance.\n" +
        "  It runs outside Lambda, so a resize longer than a function's 15 minutes still ends running.\n",
    );
    expect(result.stdout).toContain("  3 × aws:lambda/function:Function\n");
    // Where the agent comes from (issue 12, item 5): the stack's own bucket, digest checked, no registry.
    expect(result.stdout).toMatch(
      /\nPersonas agent: shipped with the stack as aws:s3\/bucketObjectv2:BucketObjectv2 web-agent \(key agent\/personas-agent-[0-9a-f]{16}\.cjs, sha256 [0-9a-f]{64}\),\n {2}fetched by each instance from the stack's own bucket with its instance role and run only if the\n {2}SHA-256 matches; no package registry is used at boot\.\n/,
    );
  });

  it("says when instances get detailed monitoring, why, and what it costs", async () => {
    const result = await planCommand(
      parsePlanArgs(["examples/HighTraffic.yaml", "--fleet", "web", "--instances", "2"]),
    );
    expect(result.stdout).toContain(
      "  aws:ec2/instance:Instance web-web-1  instanceType=m7g.2xlarge ami=ami-00000000000000000 monitoring=true\n",
    );
    expect(result.stdout).toContain(
      "\nDetailed monitoring: on for 2 instances (monitoring=true), because their alarms need AWS/EC2 datapoints every minute and basic monitoring sends one every 5 minutes.\n" +
        "  Cost: about $2.10 per instance per month (7 metrics × $0.30, CloudWatch's first tier in us-east-1), $4.20 for this plan; see https://aws.amazon.com/cloudwatch/pricing/.\n",
    );
  });

  it("prints JSON with each resource's parent, and a Mermaid graph", async () => {
    const json = await planCommand(
      parsePlanArgs(["examples/HighTraffic.yaml", "--format", "json", "--fleet", "web"]),
    );
    const resources = JSON.parse(json.stdout) as { type: string; name: string; parent: string | null }[];
    expect(resources[0]).toEqual({
      type: "personas:aws:PersonaFleet",
      name: "web",
      parent: null,
      inputs: {},
    });
    expect(resources.filter((r) => r.parent !== "web").map((r) => r.name)).toEqual(["web"]);
    // Every input (docs/aws.md, "personas plan --format json"), deploy-time values as references.
    const alarm = (resources as unknown as { name: string; inputs: Record<string, unknown> }[]).find(
      (r) => r.name === CPU_ALARM,
    );
    expect(alarm?.inputs.alarmActions).toEqual([
      { ref: "web-scale", type: "aws:lambda/function:Function", output: "arn" },
    ]);
    const mermaid = await planCommand(
      parsePlanArgs(["examples/HighTraffic.yaml", "--format", "mermaid", "--fleet", "web"]),
    );
    expect(mermaid.stdout.startsWith('graph TD\n  r0["web<br/>personas:aws:PersonaFleet"]\n')).toBe(true);
    expect(mermaid.stdout).toContain("  r0 --> r1\n");
  });

  it("draws one Mermaid node per resource, even where a role and a function share a name", async () => {
    const json = JSON.parse(
      (await planCommand(parsePlanArgs(["examples/HighTraffic.yaml", "--format", "json", "--fleet", "web"])))
        .stdout,
    ) as { type: string; name: string }[];
    const mermaid = (
      await planCommand(parsePlanArgs(["examples/HighTraffic.yaml", "--format", "mermaid", "--fleet", "web"]))
    ).stdout;
    const nodes = [...mermaid.matchAll(/^ {2}(r\d+)\["([^<]+)<br\/>([^"]+)"\]$/gm)];
    const edges = [...mermaid.matchAll(/^ {2}(r\d+) --> (r\d+)$/gm)];
    const sharedNames = json.filter((r, i) => json.findIndex((o) => o.name === r.name) !== i);
    expect(sharedNames.length).toBeGreaterThan(0);
    expect(nodes.map((n) => [n[2], n[3]])).toEqual(json.map((r) => [r.name, r.type]));
    expect(new Set(nodes.map((n) => n[1])).size).toBe(json.length);
    expect(edges).toHaveLength(json.length - 1);
  });

  it("fails with every input AWS would refuse, naming the resource, the input and the rule's source", async () => {
    const result = await planCommand(
      parsePlanArgs(["examples/HighTraffic.yaml", "--tag", "aws:team=web", "--fleet", "web"]),
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("personas:aws:PersonaFleet web\n");
    expect(result.stderr).toBe(
      "AWS would refuse 1 planned input (cloud-contract check, docs/aws.md):\n" +
        "  web-web-1 (aws:ec2/instance:Instance) tags{aws:team} = aws:team: tag keys and values must not start with the reserved prefix aws: (any case) [tagReservedPrefix; https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html]\n",
    );
  });

  it("plans the example project with exit 0: its own WebAcl is noted as not checked, not refused", async () => {
    const result = await planCommand(parsePlanArgs(["examples/aws-web-hightraffic"]));

    expect(result.stderr).toBe(
      "Not checked (no cloud contract for the type; pulumi-personas does not create it): edge (aws:wafv2/webAcl:WebAcl)\n",
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("personas:aws:PersonaFleet web\n");
  });

  it("rejects bad usage before planning", () => {
    const result = run(["plan", "examples/HighTraffic.yaml", "--format", "yaml"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      "personas plan: --format must be 'text', 'json' or 'mermaid', not 'yaml' (see 'personas plan --help')\n",
    );
  });

  it("plans a persona that drains, isolates, notifies and alarms on error rate, with placeholders it names", async () => {
    const result = await planCommand(
      parsePlanArgs([
        "examples/ResilientWeb.yaml",
        "--fleet",
        "web",
        "--log-file",
        "nginx=/var/log/nginx/access.log",
        "--format",
        "json",
      ]),
    );
    expect(result.exitCode).toBe(0);
    const resources = JSON.parse(result.stdout) as {
      type: string;
      name: string;
      inputs: Record<string, unknown>;
    }[];
    // The log file reaches the agent's configuration in the instance's user data, with the 5xx pattern.
    const instance = resources.find((r) => r.type === "aws:ec2/instance:Instance")!;
    expect(String(instance.inputs.userData)).toContain("/var/log/nginx/access.log");
    expect(String(instance.inputs.userData)).toContain(JSON.stringify(COMBINED_LOG_5XX).slice(1, -1));
    // The traffic responder is scoped to the placeholder target group.
    expect(
      JSON.stringify(
        resources.find((r) => r.name === "web-traffic" && r.type === "aws:iam/rolePolicy:RolePolicy"),
      ),
    ).toContain("targetgroup/offline-plan/0000000000000000");

    const text = await planCommand(
      parsePlanArgs([
        "examples/ResilientWeb.yaml",
        "--fleet",
        "web",
        "--log-file",
        "nginx=/var/log/nginx/access.log",
      ]),
    );
    expect(text.stdout).toContain(
      "\nPlaceholders for what a Pulumi program passes (offline plan of a persona file):\n" +
        "  Notify security-team: arn:aws:sns:us-east-1:123456789012:security-team\n" +
        "  Drain/restore traffic: target group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/offline-plan/0000000000000000\n" +
        "  Isolate instance: quarantine security group sg-0000000000000000f\n",
    );
  });

  it("plans the same persona on Azure, with a placeholder backend pool and quarantine NSG it names", async () => {
    const args = [
      "examples/ResilientWeb.yaml",
      "--cloud",
      "azure",
      "--fleet",
      "web",
      "--log-file",
      "nginx=/var/log/nginx/access.log",
    ];
    const result = await planCommand(parsePlanArgs([...args, "--format", "json"]));
    expect(result.exitCode).toBe(0);
    const resources = JSON.parse(result.stdout) as {
      type: string;
      name: string;
      inputs: Record<string, unknown>;
    }[];
    const offline = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/offline/providers";
    // The responders' role is assigned at the placeholder load balancer and quarantine NSG, nowhere wider.
    expect(
      resources
        .filter(
          (r) =>
            r.type === "azure-native:authorization:RoleAssignment" &&
            r.name.startsWith("web-responders-network-"),
        )
        .map((r) => r.inputs.scope),
    ).toEqual([
      `${offline}/Microsoft.Network/loadBalancers/offline-plan`,
      `${offline}/Microsoft.Network/networkSecurityGroups/offline-quarantine`,
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/offline/providers/Microsoft.Network/virtualNetworks/offline/subnets/default",
    ]);

    const text = await planCommand(parsePlanArgs(args));
    expect(text.stdout).toContain(
      "\nPlaceholders for what a Pulumi program passes (offline plan of a persona file):\n" +
        "  Notify security-team: https://offline-plan.example.com/notify/security-team\n" +
        `  Drain/restore traffic: load balancer backend pool ${offline}/Microsoft.Network/loadBalancers/offline-plan/backendAddressPools/offline-plan\n` +
        `  Isolate instance: quarantine network security group ${offline}/Microsoft.Network/networkSecurityGroups/offline-quarantine\n`,
    );
  });

  it("asks for --log-file, in the CLI's words, when a persona alarms on metrics read from logs", () => {
    const result = run(["plan", "examples/ResilientWeb.yaml"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      "personas plan: examples/ResilientWeb.yaml: persona ResilientWeb alarms on error-rate, which the personas agent reads from log files; pass --log-file NAME=PATH, e.g. --log-file nginx=/var/log/nginx/access.log (see 'personas plan --help')\n",
    );
  });

  it.each(["nginx", "=/var/log/x.log", "nginx=relative.log"])("refuses --log-file %s", (flag) => {
    const result = run(["plan", "examples/ResilientWeb.yaml", "--log-file", flag]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      `personas plan: --log-file must be NAME=/absolute/path, e.g. nginx=/var/log/nginx/access.log; received '${flag}' (see 'personas plan --help')\n`,
    );
  });
});

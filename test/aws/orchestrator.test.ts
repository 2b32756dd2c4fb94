/**
 * PersonaFleet deploys the run-time orchestrator when it is given the repository bucket: the function,
 * its fleet-scoped role, the tag-change rule on the fleet's tag keys and the sweep schedule; and
 * nothing of it without a bucket or with `enabled: false`.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { agentObjectKey, readAgentBundle } from "../../src/aws/agent-artifact.js";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { personaGuardResourcePolicies, personaGuardStackPolicies } from "../../src/policy/pack.js";
import { runEveryRule, stackOf, withInputs } from "../policy/support.js";
import {
  countByType,
  outputValue,
  recorder,
  resourceNamed,
  resourcesOfType,
  settled,
} from "../support/pulumi.js";
import { FLEET_LEVEL, seedPersona, WEB_ACL } from "./support.js";

function seedFleet(orchestrator?: ConstructorParameters<typeof PersonaFleet>[1]["orchestrator"]) {
  return new PersonaFleet("web", {
    ami: "ami-0123456789abcdef0",
    defaultPersona: seedPersona,
    instances: [{ name: "web-1" }, { name: "web-2" }],
    firewall: { webAclArn: WEB_ACL },
    ...(orchestrator ? { orchestrator } : {}),
  });
}

/** What a seed fleet of two instances registers without the orchestrator. */
const WITHOUT = {
  ...FLEET_LEVEL,
  "aws:ec2/instance:Instance": 2,
  // The seed's two alarms, one Metrics Insights alarm each for the whole fleet (the default topology).
  "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
};

beforeEach(() => recorder.reset());

describe("PersonaFleet orchestrator", () => {
  it("deploys no orchestrator when no bucket is given", async () => {
    const fleet = seedFleet();
    await settled();
    expect(countByType()).toEqual(WITHOUT);
    expect(fleet.orchestrator).toBeUndefined();
  });

  it("deploys no orchestrator with enabled: false, even with a bucket", async () => {
    const fleet = seedFleet({ bucket: "acme-personas", enabled: false });
    await settled();
    expect(countByType()).toEqual(WITHOUT);
    expect(fleet.orchestrator).toBeUndefined();
  });

  it("adds ten resources given the bucket: function, log group, two roles and policies, rule, target, permission, schedule", async () => {
    const fleet = seedFleet({ bucket: "acme-personas" });
    await settled();
    expect(countByType()).toEqual({
      ...WITHOUT,
      "aws:cloudwatch/eventRule:EventRule": 1,
      "aws:cloudwatch/eventTarget:EventTarget": 1,
      "aws:cloudwatch/logGroup:LogGroup": 4,
      "aws:iam/role:Role": 8,
      "aws:iam/rolePolicy:RolePolicy": 8,
      "aws:lambda/function:Function": 4,
      "aws:lambda/permission:Permission": 3,
      "aws:scheduler/schedule:Schedule": 2,
    });
    // The component exposes the resources it registered, under the names it registered them with.
    expect(
      await Promise.all([
        outputValue(fleet.orchestrator!.function.name),
        outputValue(fleet.orchestrator!.rule.name),
      ]),
    ).toEqual([
      resourceNamed("aws:lambda/function:Function", "web-orchestrator").inputs.name,
      resourcesOfType("aws:cloudwatch/eventRule:EventRule")[0]!.inputs.name,
    ]);
  });

  it("runs the bundled orchestrator with the fleet's table, responders, repository, OS and agent", async () => {
    seedFleet({ bucket: "acme-personas", tagKeys: ["role"] });
    await settled();
    const fn = resourceNamed("aws:lambda/function:Function", "web-orchestrator").inputs;
    const { AGENT_OPTIONS, ...variables } = (fn.environment as { variables: Record<string, string> })
      .variables;
    expect({ ...fn, environment: undefined, code: undefined }).toEqual({
      name: "personas-web_stack_orchestrator",
      description: "pulumi-personas web: run-time orchestrator",
      runtime: "nodejs22.x",
      handler: "index.handler",
      role: "arn:aws:mock:us-east-1:123456789012:Role/web-orchestrator",
      memorySize: 512,
      timeout: 300,
      loggingConfig: { logFormat: "JSON", logGroup: "/aws/lambda/personas-web_stack_orchestrator" },
      tags: { "persona:fleet": "web" },
      environment: undefined,
      code: undefined,
    });
    expect(variables).toEqual({
      FLEET_NAME: "web",
      STACK_NAME: "stack",
      FLEET_TAG_KEY: "persona:fleet",
      REPOSITORY_BUCKET: "acme-personas",
      REPOSITORY_PREFIX: "personas/",
      MAPPING_KEY: "mappings/web.yaml",
      STATE_TABLE: "personas-web_stack_state",
      FLEET_BUCKET: "web-store-id",
      RESPONDER_ARNS: JSON.stringify({
        scale: "arn:aws:mock:us-east-1:123456789012:Function/web-scale",
        feature: "arn:aws:mock:us-east-1:123456789012:Function/web-feature",
        firewall: "arn:aws:mock:us-east-1:123456789012:Function/web-firewall",
      }),
      INSTANCE_OS: "amazon-linux",
      CONCURRENCY: "8",
      SCALE_FUNCTION: "arn:aws:mock:us-east-1:123456789012:Function/web-scale",
    });
    // The user data's agent options: the install script the orchestrator sends is the same, and
    // fetches the agent the stack uploaded to its own bucket.
    const bundle = readAgentBundle({ component: "test", name: "web" });
    expect(JSON.parse(AGENT_OPTIONS!)).toEqual({
      source: { bucket: "web-agent-id", key: agentObjectKey(bundle), sha256: bundle.sha256 },
      probeTargets: [{ kind: "http", name: "local-http", url: "http://127.0.0.1/" }],
    });
  });

  it("invokes the function on EC2 tag changes of the mapping's keys and every persona:* tag", async () => {
    seedFleet({ bucket: "acme-personas", tagKeys: ["role", "tier"] });
    await settled();
    const rule = resourceNamed("aws:cloudwatch/eventRule:EventRule", "web-orchestrator-tags").inputs;
    expect(rule.name).toBe("personas-web_stack_tag-changes");
    expect(JSON.parse(rule.eventPattern as string)).toEqual({
      source: ["aws.tag"],
      "detail-type": ["Tag Change on Resource"],
      detail: {
        service: ["ec2"],
        "resource-type": ["instance"],
        "changed-tag-keys": [
          "persona:active",
          "persona:digest",
          "persona:fleet",
          "persona:name",
          "persona:version",
          "role",
          "tier",
        ],
      },
    });
    expect(resourceNamed("aws:cloudwatch/eventTarget:EventTarget", "web-orchestrator-tags").inputs).toEqual({
      rule: "personas-web_stack_tag-changes",
      arn: "arn:aws:mock:us-east-1:123456789012:Function/web-orchestrator",
    });
    expect(resourceNamed("aws:lambda/permission:Permission", "web-orchestrator-tags").inputs).toEqual({
      function: "personas-web_stack_orchestrator",
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      sourceArn: "arn:aws:mock:us-east-1:123456789012:EventRule/web-orchestrator-tags",
    });
  });

  it("sweeps every 15 minutes through a scheduler role that may invoke only the orchestrator", async () => {
    seedFleet({ bucket: "acme-personas" });
    await settled();
    const schedule = resourceNamed("aws:scheduler/schedule:Schedule", "web-orchestrator-sweep").inputs;
    expect(schedule).toMatchObject({
      name: "personas-web_stack_sweep",
      scheduleExpression: "rate(15 minutes)",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: "arn:aws:mock:us-east-1:123456789012:Function/web-orchestrator",
        roleArn: "arn:aws:mock:us-east-1:123456789012:Role/web-orchestrator-sweep",
        input: '{"source":"personas.orchestrator","fleet":"web","kind":"sweep"}',
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });
    const sweepPolicy = JSON.parse(
      resourceNamed("aws:iam/rolePolicy:RolePolicy", "web-orchestrator-sweep").inputs.policy as string,
    );
    expect(sweepPolicy.Statement).toEqual([
      {
        Sid: "InvokeOrchestrator",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: "arn:aws:mock:us-east-1:123456789012:Function/web-orchestrator",
      },
    ]);
  });

  it("gives the orchestrator a role lambda assumes, scoped to the fleet's run-time alarms, parameters and records", async () => {
    seedFleet({ bucket: "acme-personas" });
    await settled();
    const role = resourceNamed("aws:iam/role:Role", "web-orchestrator").inputs;
    expect(role.name).toBe("personas-web_stack_orchestrator");
    expect(JSON.parse(role.assumeRolePolicy as string).Statement[0].Principal).toEqual({
      Service: "lambda.amazonaws.com",
    });
    const policy = JSON.parse(
      resourceNamed("aws:iam/rolePolicy:RolePolicy", "web-orchestrator").inputs.policy as string,
    ) as { Statement: { Sid: string; Resource: unknown }[] };
    expect(Object.fromEntries(policy.Statement.map((s) => [s.Sid, s.Resource]))).toEqual({
      ListRepository: "arn:aws:s3:::acme-personas",
      ReadRepository: [
        "arn:aws:s3:::acme-personas/personas/*",
        "arn:aws:s3:::acme-personas/mappings/web.yaml",
      ],
      DescribeInstances: "*",
      RuntimeAlarms: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:personas-web_stack_runtime-*",
      ReadFleetStore: "arn:aws:mock:us-east-1:123456789012:Bucket/web-store/*",
      WriteRuntimePersonaEntries: "arn:aws:mock:us-east-1:123456789012:Bucket/web-store/manifest/personas/*",
      Parameters: "arn:aws:ssm:us-east-1:123456789012:parameter/personas/web/stack/*",
      RunCommandOnFleet: "arn:aws:ec2:us-east-1:123456789012:instance/*",
      RunCommandDocument: "arn:aws:ssm:us-east-1::document/AWS-RunShellScript",
      CommandResults: "*",
      AppliedRecords: "arn:aws:mock:us-east-1:123456789012:Table/web-state",
      ReadShiftRecords: "arn:aws:mock:us-east-1:123456789012:Table/web-state",
      Logs: "arn:aws:mock:us-east-1:123456789012:LogGroup/web-orchestrator:*",
      ScaleResponder: "arn:aws:mock:us-east-1:123456789012:Function/web-scale",
    });
  });

  it("lets every responder read the fleet store and the fleet's alarm tags, and nothing else there", async () => {
    seedFleet({ bucket: "acme-personas" });
    await settled();
    for (const kind of ["scale", "feature", "firewall"]) {
      const policy = JSON.parse(
        resourceNamed("aws:iam/rolePolicy:RolePolicy", `web-${kind}`).inputs.policy as string,
      ) as { Statement: { Sid: string; Action: string[]; Resource: unknown }[] };
      const sid = (name: string) => policy.Statement.find((s) => s.Sid === name)!;
      expect([sid("ReadFleetStore").Action, sid("ReadFleetStore").Resource], kind).toEqual([
        ["s3:GetObject"],
        "arn:aws:mock:us-east-1:123456789012:Bucket/web-store/*",
      ]);
      expect([sid("ReadAlarmTags").Action, sid("ReadAlarmTags").Resource], kind).toEqual([
        ["cloudwatch:ListTagsForResource"],
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:personas-web_stack_*",
      ]);
    }
  });

  it("passes every persona-guard rule with the orchestrator deployed", async () => {
    seedFleet({ bucket: "acme-personas", tagKeys: ["role"] });
    await settled();
    const stack = stackOf([...recorder.resources]);
    expect(await runEveryRule(stack, personaGuardResourcePolicies, personaGuardStackPolicies)).toEqual({});
  });

  it("is checked by the IAM rule: a wildcard write in its policy fails persona-responder-iam-least-privilege", async () => {
    seedFleet({ bucket: "acme-personas" });
    await settled();
    const broken = withInputs(
      stackOf([...recorder.resources]),
      "aws:iam/rolePolicy:RolePolicy",
      "web-orchestrator",
      (inputs) => {
        const policy = JSON.parse(inputs.policy as string) as { Statement: unknown[] };
        policy.Statement.push({
          Sid: "Anything",
          Effect: "Allow",
          Action: ["ssm:PutParameter"],
          Resource: "*",
        });
        return { ...inputs, policy: JSON.stringify(policy) };
      },
    );
    expect(await runEveryRule(broken, personaGuardResourcePolicies, personaGuardStackPolicies)).toEqual({
      "persona-responder-iam-least-privilege": [
        `Role policy 'web-orchestrator' must scope ssm:PutParameter on "*" in statement 'Anything' with a tag condition; name the resources or add an aws:ResourceTag/persona:fleet condition.`,
      ],
    });
  });

  it("refuses an orchestrator without a bucket, naming the fix", () => {
    expect(() => seedFleet({ tagKeys: ["role"] })).toThrow(
      "PersonaFleet 'web': the orchestrator resolves personas from the repository bucket, and orchestrator.bucket is not given. Fix: pass orchestrator.bucket (the bucket `personas publish` writes to, e.g. \"acme-personas\"), or orchestrator.enabled: false.",
    );
    expect(resourcesOfType("aws:ec2/instance:Instance")).toEqual([]);
  });
});

/**
 * The cloud-contract check (src/aws/cloud-contract.ts): planned resources against the AWS API
 * models and AWS's documented limits. Fixtures are the renderer's own output (a seed fleet planned
 * offline); each failing case breaks exactly one input of one rendered resource.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertCloudContract,
  CHECKED_RESOURCE_TYPES,
  type ContractResource,
  checkCloudContract,
  formatViolation,
  uncheckedResources,
} from "../../src/aws/cloud-contract.js";
import { DOCUMENTED_LIMITS } from "../../src/aws/contract-data/documented-limits.js";
import { CloudContractError } from "../../src/aws/errors.js";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { planOffline } from "../../src/aws/offline.js";
import { installMocks } from "../support/pulumi.js";
import { seedPersona, WEB_ACL } from "./support.js";

const botocore = spawnSync("python3", ["-c", "import botocore"], { stdio: "ignore" });
const noBotocore = botocore.error !== undefined || botocore.status !== 0;

let planned: ContractResource[] = [];
/** The same fleet with `alarmTopology: "per-instance"`: single-metric alarms, one per instance × alarm. */
let perInstance: ContractResource[] = [];

beforeAll(async () => {
  const seedFleet = (alarmTopology?: "per-instance") => () => {
    new PersonaFleet("web", {
      ami: "ami-0123456789abcdef0",
      defaultPersona: seedPersona,
      instances: [{ name: "web-1" }, { name: "web-2" }],
      firewall: { webAclArn: WEB_ACL },
      ...(alarmTopology ? { alarmTopology } : {}),
    });
  };
  planned = await planOffline(seedFleet());
  perInstance = await planOffline(seedFleet("per-instance"));
});
// planOffline installs its own mocks; later files expect the recorder.
afterAll(() => installMocks());

/** A deep copy of plain objects and arrays; anything else (assets, promises) is shared. */
function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyPlain(v)])) as T;
  return value;
}

/** The planned resources with one resource's inputs changed; the others stay as rendered. */
/**
 * An SSM parameter as the library writes them (feature states, agent configurations): the fleet
 * itself plans none since its manifest moved to the fleet store.
 */
const PARAMETER: ContractResource = {
  type: "aws:ssm/parameter:Parameter",
  name: "feature-state",
  inputs: {
    name: "/personas/web/features/i-0123456789abcdef0/cdn-caching",
    type: "String",
    insecureValue: "on",
  },
};

function withChange(
  type: string,
  change: (inputs: Record<string, unknown>) => void,
  fleet: readonly ContractResource[] = planned,
): { changed: ContractResource; all: ContractResource[] } {
  const target = [...fleet, PARAMETER].find((r) => r.type === type);
  if (!target) throw new Error(`the seed fleet plans no ${type}`);
  const changed = { ...target, inputs: copyPlain(target.inputs) };
  change(changed.inputs);
  return { changed, all: [...fleet, PARAMETER].map((r) => (r === target ? changed : r)) };
}

function violationsAfter(
  type: string,
  change: (inputs: Record<string, unknown>) => void,
  fleet: readonly ContractResource[] = planned,
) {
  const { changed, all } = withChange(type, change, fleet);
  return checkCloudContract(all).map((v) => ({ ...v, changed: v.resource === changed.name }));
}

describe("checkCloudContract", () => {
  it("finds nothing AWS would refuse in the seed fleet as the components render it", () => {
    expect(checkCloudContract(planned).map(formatViolation)).toEqual([]);
  });

  it("finds nothing AWS would refuse in the seed fleet with per-instance alarms either", () => {
    expect(perInstance.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")).toHaveLength(4);
    expect(checkCloudContract(perInstance).map(formatViolation)).toEqual([]);
  });

  it("knows every AWS resource type the seed fleet plans", () => {
    const types = [...new Set(planned.map((r) => r.type).filter((t) => t.startsWith("aws:")))];
    expect(types.filter((t) => !CHECKED_RESOURCE_TYPES.includes(t))).toEqual([]);
  });

  it("reports a Lambda function name over 64 characters, naming the resource, input and sources", () => {
    const violations = violationsAfter("aws:lambda/function:Function", (inputs) => {
      inputs.name = `personas-${"f".repeat(60)}`;
    });
    expect(violations.map(formatViolation)).toEqual([
      `web-scale (aws:lambda/function:Function) name = personas-${"f".repeat(60)}: a function name (not an ARN) is 1 to 64 letters, digits, hyphens or underscores [lambdaFunctionName; https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html]`,
    ]);
  });

  it("reports a function name with a dot against the model's pattern and the documented name rule", () => {
    const violations = violationsAfter("aws:lambda/function:Function", (inputs) => {
      inputs.name = "personas-web.prod-scale";
    });
    expect(violations.map((v) => v.member)).toEqual([
      "lambda.CreateFunction.FunctionName",
      "lambdaFunctionName",
    ]);
    expect(violations[0]!.source).toMatch(/^botocore [0-9.]+ lambda 2015-03-31 model$/);
  });

  it("reports a resize state machine name with a space against the documented name rule, and one over 80 characters against both", () => {
    const spaced = violationsAfter("aws:sfn/stateMachine:StateMachine", (inputs) => {
      inputs.name = "personas-web prod_resize";
    });
    expect(spaced.map(formatViolation)).toEqual([
      `web-resize (aws:sfn/stateMachine:StateMachine) name = personas-web prod_resize: ${DOCUMENTED_LIMITS.stepFunctionsName.rule} [stepFunctionsName; https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html]`,
    ]);
    const long = violationsAfter("aws:sfn/stateMachine:StateMachine", (inputs) => {
      inputs.name = `personas-${"r".repeat(72)}`;
    });
    expect(long.map((v) => v.member)).toEqual(["stepfunctions.CreateStateMachine.name", "stepFunctionsName"]);
  });

  it("reports Lambda environment variables over 4 KB in aggregate", () => {
    const violations = violationsAfter("aws:lambda/function:Function", (inputs) => {
      (inputs.environment as { variables: Record<string, string> }).variables.WAF_IP_SETS = "x".repeat(4000);
    });
    expect(violations).toEqual([
      expect.objectContaining({
        input: "environment.variables",
        member: "lambdaEnvironmentBytes",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
      }),
    ]);
    expect(violations[0]!.value).toMatch(/^4[0-9]{3} bytes$/);
  });

  it("reports a reserved Lambda environment key", () => {
    const violations = violationsAfter("aws:lambda/function:Function", (inputs) => {
      (inputs.environment as { variables: Record<string, string> }).variables.AWS_REGION = "us-east-1";
    });
    expect(violations.map((v) => [v.input, v.member])).toEqual([
      ["environment.variables{AWS_REGION}", "lambdaReservedEnvironment"],
    ]);
  });

  it("reports user data over 16 KB", () => {
    const violations = violationsAfter("aws:ec2/instance:Instance", (inputs) => {
      inputs.userData = `#!/bin/bash\n${"#".repeat(16_384)}`;
    });
    expect(violations.map((v) => [v.input, v.member])).toEqual([["userData", "userDataBytes"]]);
  });

  it("reports an instance type the EC2 model does not list", () => {
    const violations = violationsAfter("aws:ec2/instance:Instance", (inputs) => {
      inputs.instanceType = "c7g.huge";
    });
    expect(violations.map((v) => [v.input, v.member])).toEqual([
      ["instanceType", "ec2.RunInstances.InstanceType"],
    ]);
  });

  it("reports tags: the reserved aws: prefix, keys over 128, values over 256 and more than 50", () => {
    const prefixed = violationsAfter("aws:dynamodb/table:Table", (inputs) => {
      (inputs.tags as Record<string, string>)["aws:team"] = "web";
    });
    expect(prefixed.map((v) => [v.input, v.member])).toEqual([["tags{aws:team}", "tagReservedPrefix"]]);
    const long = violationsAfter("aws:sqs/queue:Queue", (inputs) => {
      (inputs.tags as Record<string, string>)["k".repeat(129)] = "v".repeat(257);
    });
    expect(long.map((v) => v.member)).toEqual(["tagKeyLength", "tagValueLength"]);
    const many = violationsAfter("aws:ec2/instance:Instance", (inputs) => {
      for (let i = 0; i < 50; i++) (inputs.tags as Record<string, string>)[`team-${i}`] = "web";
    });
    expect(many.map((v) => [v.input, v.member])).toEqual([["tags", "tagCount"]]);
  });

  it("reports an IAM tag value outside the IAM model's character pattern", () => {
    const violations = violationsAfter("aws:iam/role:Role", (inputs) => {
      (inputs.tags as Record<string, string>).owner = "web;prod";
    });
    expect(violations.map((v) => [v.input, v.member])).toEqual([
      ["tags{owner}", "iam.CreateRole.Tags[].Value"],
    ]);
  });

  it("reports an SSM parameter value over its tier's size, and a name beginning with aws", () => {
    const standard = violationsAfter("aws:ssm/parameter:Parameter", (inputs) => {
      inputs.tier = "Standard";
      inputs.insecureValue = "x".repeat(4097);
    });
    expect(standard.map((v) => [v.input, v.member])).toEqual([
      ["insecureValue", "ssmParameterStandardBytes"],
    ]);
    const advanced = violationsAfter("aws:ssm/parameter:Parameter", (inputs) => {
      inputs.tier = "Advanced";
      inputs.insecureValue = "x".repeat(8193);
    });
    expect(advanced.map((v) => v.member)).toEqual(["ssmParameterAdvancedBytes"]);
    const reserved = violationsAfter("aws:ssm/parameter:Parameter", (inputs) => {
      inputs.name = "/aws/personas/manifest";
    });
    expect(reserved.map((v) => v.member)).toEqual(["ssmParameterName"]);
  });

  it("reports a WAF IP set description outside the model's pattern, a /0 entry and more than 10,000 entries", () => {
    const described = violationsAfter("aws:wafv2/ipSet:IpSet", (inputs) => {
      inputs.description = "pulumi-personas web: https://feeds.example.com/drop?list=1&x=%20";
    });
    expect(described.map((v) => [v.input, v.member])).toEqual([
      ["description", "wafv2.CreateIPSet.Description"],
    ]);
    const wide = violationsAfter("aws:wafv2/ipSet:IpSet", (inputs) => {
      inputs.addresses = [
        "0.0.0.0/0",
        ...Array.from({ length: 10_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`),
      ];
    });
    expect(wide.map((v) => [v.input, v.member])).toEqual([
      ["addresses", "wafIpSetAddresses"],
      ["addresses[0]", "wafNoSlashZero"],
    ]);
  });

  it("reports network ACL rules beyond the 20-per-direction quota or outside the rule-number range", () => {
    // The rules a feed owns are in its fleet store entry (src/aws/store.ts).
    const entry = planned.find(
      (r) =>
        r.type === "aws:s3/bucketObjectv2:BucketObjectv2" &&
        String(r.inputs.key).startsWith("manifest/feeds/"),
    )!;
    const withRules = (firstRuleNumber: number, maxEntries: number): ContractResource => ({
      ...entry,
      inputs: {
        ...entry.inputs,
        content: JSON.stringify({
          ...JSON.parse(entry.inputs.content as string),
          enforcement: { networkAcl: { networkAclId: "acl-1", firstRuleNumber, maxEntries } },
        }),
      },
    });
    expect(checkCloudContract([withRules(100, 18)])).toEqual([]);
    expect(checkCloudContract([withRules(100, 36)]).map((v) => [v.member, v.value])).toEqual([
      ["networkAclRulesPerDirection", "36 rules in acl-1"],
    ]);
    expect(checkCloudContract([withRules(32_760, 18)]).map((v) => [v.member, v.value])).toEqual([
      ["networkAclRuleNumber", "32760..32777"],
    ]);
  });

  it("reports web ACL rules that share a priority in one web ACL", () => {
    const rule = planned.find((r) => r.type === "aws:wafv2/webAclRule:WebAclRule")!;
    const twin = {
      ...rule,
      name: "other-fleet-rule",
      inputs: { ...rule.inputs, name: "personas-other-feed" },
    };
    expect(checkCloudContract([...planned, twin]).map((v) => [v.resource, v.member, v.value])).toEqual([
      [
        "other-fleet-rule",
        "wafv2.UpdateWebACL.Rules[].Priority",
        `${rule.inputs.priority} (also ${rule.name})`,
      ],
    ]);
  });

  it("reports two resources of one type with one physical name", () => {
    const queue = planned.find((r) => r.type === "aws:sqs/queue:Queue")!;
    const twin = { ...queue, name: "other-failures" };
    expect(checkCloudContract([...planned, twin]).map((v) => [v.resource, v.member])).toEqual([
      ["other-failures", "physical name"],
    ]);
  });

  it("reports names, sizes and enums of the other resource types against their models", () => {
    const set = (key: string, value: unknown) => (inputs: Record<string, unknown>) => {
      inputs[key] = value;
    };
    // The fourth element, when given, is the fleet whose resource is broken (the default fleet's).
    const cases: [string, (inputs: Record<string, unknown>) => void, string, ContractResource[]?][] = [
      [
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        set("name", "a".repeat(256)),
        "cloudwatch.PutMetricAlarm.AlarmName",
      ],
      [
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        set("alarmDescription", "d".repeat(1025)),
        "cloudwatch.PutMetricAlarm.AlarmDescription",
      ],
      [
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        set("statistic", "p99"),
        "cloudwatch.PutMetricAlarm.Statistic",
        // Only a single-metric alarm has a statistic: a Metrics Insights alarm's is in its query.
        perInstance,
      ],
      ["aws:dynamodb/table:Table", set("name", "ab"), "dynamodbTableName"],
      ["aws:sqs/queue:Queue", set("name", "personas-web.prod-failures"), "sqsQueueName"],
      ["aws:scheduler/schedule:Schedule", set("name", "s".repeat(65)), "scheduler.CreateSchedule.Name"],
      ["aws:iam/role:Role", set("name", "r".repeat(65)), "iam.CreateRole.RoleName"],
      ["aws:cloudwatch/logGroup:LogGroup", set("retentionInDays", 31), "logRetentionDays"],
      [
        "aws:lambda/permission:Permission",
        set("statementId", "alarms.web prod"),
        "lambda.AddPermission.StatementId",
      ],
      [
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        set("maximumRetryAttempts", 3),
        "lambda.PutFunctionEventInvokeConfig.MaximumRetryAttempts",
      ],
      [
        "aws:wafv2/webAclRule:WebAclRule",
        set("visibilityConfig", { metricName: "web prod" }),
        "wafv2.UpdateWebACL.Rules[].VisibilityConfig.MetricName",
      ],
    ];
    for (const [type, change, member, fleet] of cases)
      expect(
        violationsAfter(type, change, fleet).map((v) => v.member),
        `${type} ${member}`,
      ).toEqual([member]);
  });

  it("checks the provider's auto-name when a resource has no name", () => {
    const violations = violationsAfter("aws:iam/role:Role", (inputs) => {
      delete inputs.name;
    });
    expect(violations).toEqual([]);
    const long = checkCloudContract([
      { type: "aws:iam/role:Role", name: "r".repeat(60), inputs: { assumeRolePolicy: "{}" } },
    ]);
    expect(long.map((v) => [v.input, v.member])).toEqual([["name (auto-named)", "iam.CreateRole.RoleName"]]);
  });

  it("reports an AWS resource type it has no contract for when the library created it, and skips components and other providers", () => {
    const violations = checkCloudContract([
      { type: "aws:ec2/vpc:Vpc", name: "net", inputs: {}, parentType: "personas:aws:PersonaFleet" },
      { type: "personas:aws:PersonaFleet", name: "web", inputs: {} },
      { type: "azure-native:compute:VirtualMachine", name: "vm", inputs: {} },
    ]);
    expect(violations.map(formatViolation)).toEqual([
      "net (aws:ec2/vpc:Vpc) (type) = aws:ec2/vpc:Vpc: the cloud-contract check has no contract for this resource type: add one in src/aws/cloud-contract.ts and docs/aws.md [(none); src/aws/cloud-contract.ts]",
    ]);
  });

  it("does not judge the program's own resources of a type it has no contract for: they are listed as not checked", () => {
    const own = [
      { type: "aws:wafv2/webAcl:WebAcl", name: "edge", inputs: { scope: "REGIONAL" }, parentType: undefined },
      { type: "aws:ec2/vpc:Vpc", name: "net", inputs: {}, parentType: "my:network:Component" },
    ];

    expect(checkCloudContract(own)).toEqual([]);
    expect(uncheckedResources([...own, ...planned]).map((r) => r.name)).toEqual(["edge", "net"]);
  });
});

describe("assertCloudContract", () => {
  it("throws CloudContractError listing every violation", () => {
    const { all } = withChange("aws:sqs/queue:Queue", (inputs) => {
      inputs.messageRetentionSeconds = 30;
    });
    let error: unknown;
    try {
      assertCloudContract(all);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CloudContractError);
    expect((error as CloudContractError).message).toBe(
      "1 planned input would be refused by AWS:\n  web-failures (aws:sqs/queue:Queue) messageRetentionSeconds = 30: MessageRetentionPeriod is 60 to 1,209,600 seconds [sqsMessageRetention; https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html]",
    );
    expect((error as CloudContractError).violations).toHaveLength(1);
  });

  it("passes the seed fleet", () => {
    expect(() => assertCloudContract(planned)).not.toThrow();
  });
});

describe("docs/aws.md", () => {
  const docs = readFileSync("docs/aws.md", "utf8");

  it("lists every resource type the check knows", () => {
    expect(CHECKED_RESOURCE_TYPES.filter((type) => !docs.includes(`\`${type}\``))).toEqual([]);
  });

  it("cites the source of every documented limit", () => {
    const sources = [
      ...new Set(Object.values(DOCUMENTED_LIMITS).map((limit) => limit.source.split("#")[0]!)),
    ];
    expect(sources.filter((source) => !docs.includes(source))).toEqual([]);
  });
});

describe.skipIf(noBotocore)(
  "the committed API constraints (src/aws/contract-data/api-constraints.json)",
  () => {
    it("match the installed botocore models (regenerate with node scripts/aws-contract-data.mjs)", () => {
      const check = spawnSync(process.execPath, ["scripts/aws-contract-data.mjs", "--check"], {
        encoding: "utf8",
      });
      expect(check.stderr).toBe("");
      expect(check.status).toBe(0);
    });
  },
);

/**
 * The orchestrator's deployment contract: the EventBridge pattern of the tag-change rule and the
 * IAM policy scoped to the fleet (run-time alarms only, the fleet's instances, its own records).
 */
import { describe, expect, it } from "vitest";
import { orchestratorPolicy, tagChangePattern } from "../../../../src/aws/orchestrator.js";

describe("tagChangePattern", () => {
  it("matches EC2 instance tag changes on the given keys only", () => {
    expect(tagChangePattern(["persona:active", "role"])).toEqual({
      source: ["aws.tag"],
      "detail-type": ["Tag Change on Resource"],
      detail: {
        service: ["ec2"],
        "resource-type": ["instance"],
        "changed-tag-keys": ["persona:active", "role"],
      },
    });
  });
});

describe("orchestratorPolicy", () => {
  const policy = orchestratorPolicy({
    partition: "aws",
    region: "eu-west-1",
    account: "111122223333",
    fleet: "web",
    scope: { fleet: "web", stack: "prod" },
    bucket: "acme-personas",
    prefix: "personas/",
    mappingKey: "mappings/web.yaml",
    stateTableArn: "arn:aws:dynamodb:eu-west-1:111122223333:table/personas-web-state",
    logGroupArn: "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/personas-web-orchestrator",
    scaleFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:personas-web-scale",
    fleetBucketArn: "arn:aws:s3:::personas-web-20261206",
  }) as { Statement: { Sid: string; Action: string[]; Resource: unknown; Condition?: unknown }[] };
  const statement = (sid: string) => policy.Statement.find((s) => s.Sid === sid)!;

  it("writes only alarms with the run-time name of this fleet", () => {
    expect(statement("RuntimeAlarms").Resource).toBe(
      "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:personas-web_prod_runtime-*",
    );
  });

  it("runs commands only on instances tagged with this fleet", () => {
    expect(statement("RunCommandOnFleet").Condition).toEqual({
      StringEquals: { "ssm:resourceTag/persona:fleet": "web" },
    });
  });

  it("reads the repository prefix and the mapping, and touches only its own state items", () => {
    expect(statement("ReadRepository").Resource).toEqual([
      "arn:aws:s3:::acme-personas/personas/*",
      "arn:aws:s3:::acme-personas/mappings/web.yaml",
    ]);
    expect(statement("AppliedRecords").Condition).toEqual({
      "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["orchestrator#web"] },
    });
  });

  it("may invoke the scale responder and no other function", () => {
    expect(
      policy.Statement.filter((s) => s.Action.includes("lambda:InvokeFunction")).map((s) => s.Resource),
    ).toEqual(["arn:aws:lambda:eu-west-1:111122223333:function:personas-web-scale"]);
  });
});

/**
 * The value-feed responder's IAM policy against the calls its handler really makes: every AWS API
 * call recorded while it fetches, decides and dispatches must be an action its policy allows (IAM
 * actions are `<service prefix>:<API operation>`, "Actions, resources, and condition keys for AWS
 * services", Service Authorization Reference).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { responderPolicy } from "../../src/aws/iam.js";
import { createValueFeedResponder } from "../../src/runtime/aws/value-feed.js";
import { DIGEST, INSTANCE, installMocks, TEST_ENV, testManifest } from "../runtime/aws/support.js";

const manifest = testManifest();
manifest.feeds["WebBase-threat"] = {
  kind: "value",
  persona: "WebBase",
  sourceId: "threat",
  url: "https://threat.example/level.json",
  limits: { timeoutSeconds: 5, maxBytes: 65536 },
  responseId: "cpu-high",
  valueFormat: "json",
  condition: { path: "$.threat.level", operator: ">=", threshold: 4 },
};
const mocks = installMocks(manifest);
const lambda = mockClient(LambdaClient);
afterAll(() => {
  mocks.restore();
  lambda.restore();
});

/** SDK operations whose IAM action has another name (Lambda's Invoke API is authorised as InvokeFunction). */
const IAM_ACTION_OF: Record<string, string> = { "lambda:Invoke": "lambda:InvokeFunction" };

/** The IAM action of each SDK call a mock saw: `ec2` + `DescribeInstancesCommand` → `ec2:DescribeInstances`. */
function actionsCalled(prefix: string, mock: { calls(): { args: unknown[] }[] }): string[] {
  return mock.calls().map((call) => {
    const action = `${prefix}:${(call.args[0] as object).constructor.name.replace(/Command$/, "")}`;
    return IAM_ACTION_OF[action] ?? action;
  });
}

describe("value-feed responder IAM", () => {
  it("allows every call the handler makes when it dispatches a feed's response", async () => {
    const server = createServer((_req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"threat":{"level":5}}'),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      mocks.reset();
      lambda.reset();
      mocks.state.manifest.feeds["WebBase-threat"]!.url =
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/level.json`;
      mocks.ec2.on(DescribeInstancesCommand).resolves({
        Reservations: [
          { Instances: [{ InstanceId: INSTANCE, Tags: [{ Key: "persona:digest", Value: DIGEST }] }] },
        ],
      });
      lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
      const handler = createValueFeedResponder({
        env: {
          ...TEST_ENV,
          RESPONDER_FUNCTIONS: JSON.stringify({ scale: "web-scale", notify: "web-notify" }),
        },
        logSink: () => {},
        sleep: async () => {},
        fetcher: { unsafeTestAllowances: { allowLoopback: true, allowHttp: true } },
      });
      const result = await handler({
        source: "personas.feed",
        fleet: "web",
        feedId: "WebBase-threat",
        scheduledTime: "2025-01-09T12:00:00Z",
      });
      expect(result).toMatchObject({ outcome: "dispatched" });

      const called = new Set([
        ...actionsCalled("ec2", mocks.ec2),
        ...actionsCalled("s3", mocks.s3),
        ...actionsCalled("dynamodb", mocks.ddb),
        ...actionsCalled("ssm", mocks.ssm),
        ...actionsCalled("lambda", lambda),
      ]);
      // The persona's instances come from the membership record in the fleet store, not from tags.
      expect(called).toContain("s3:GetObject");
      const policy = responderPolicy({
        partition: "aws",
        region: "us-east-1",
        account: "123456789012",
        fleet: "web",
        parameterPath: "/personas/web/prod",
        kind: "value-feed",
        stateTableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/personas-web_prod_state",
        alarmNamePattern: "personas-web_prod_*",
        fleetBucketArn: "arn:aws:s3:::personas-web-prod-store",
        logGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/personas-web_prod_value-feed",
        failureDestinationArn: "arn:aws:sqs:us-east-1:123456789012:personas-web_prod_failures",
        responderFunctionNames: ["personas-web_prod_scale", "personas-web_prod_notify"],
      });
      const allowed = new Set(policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action));
      expect([...called].filter((action) => !allowed.has(action))).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

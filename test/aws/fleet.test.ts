import { beforeEach, describe, expect, it } from "vitest";
import { agentObjectKey, readAgentBundle } from "../../src/aws/agent-artifact.js";
import { MissingTargetError, NoPersonaError, PersonaConflictError } from "../../src/aws/errors.js";
import { PersonaFleet } from "../../src/aws/fleet.js";
import type { PolicyDocument } from "../../src/aws/iam.js";
import { defaultRulePriority } from "../../src/aws/render.js";
import { resizeDefinition, resizeTimeoutSeconds } from "../../src/aws/resize-definition.js";
import { countByType, recorder, resourceNamed, resourcesOfType, settled } from "../support/pulumi.js";
import { FLEET_LEVEL, optionRecorder, personaOf, SEED_DIGEST, seedPersona, WEB_ACL } from "./support.js";

function seedFleet(count: number, extra: Partial<ConstructorParameters<typeof PersonaFleet>[1]> = {}) {
  return new PersonaFleet(
    "web",
    {
      ami: "ami-0123456789abcdef0",
      defaultPersona: seedPersona,
      instances: Array.from({ length: count }, (_, i) => ({ name: `web-${i + 1}` })),
      firewall: { webAclArn: WEB_ACL },
      ...extra,
    },
    extra as never,
  );
}

function policies(): Record<string, PolicyDocument> {
  return Object.fromEntries(
    resourcesOfType("aws:iam/rolePolicy:RolePolicy").map((r) => [
      r.name,
      JSON.parse(r.inputs.policy as string),
    ]),
  );
}

beforeEach(() => recorder.reset());

describe("PersonaFleet with the seed persona", () => {
  it("registers the fleet-level resources once and, with alarmTopology per-instance, one instance and two alarms per instance", async () => {
    seedFleet(2, { alarmTopology: "per-instance" });
    await settled();
    expect(countByType()).toEqual({
      ...FLEET_LEVEL,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 4,
      "aws:ec2/instance:Instance": 2,
    });
  });

  it("keeps responders, permissions and its two fleet-wide alarms constant as the fleet grows from 1 to 10 to 100 instances", async () => {
    for (const count of [1, 10, 100]) {
      recorder.reset();
      seedFleet(count);
      await settled();
      expect(countByType()).toEqual({
        ...FLEET_LEVEL,
        // The seed's two alarms, each one Metrics Insights alarm for the whole fleet (the default).
        "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
        "aws:ec2/instance:Instance": count,
      });
      // Sorted: a function waits for the store's objects, so registration order is not creation order.
      expect(
        resourcesOfType("aws:lambda/function:Function")
          .map((f) => f.inputs.name)
          .sort(),
      ).toEqual(["personas-web_stack_feature", "personas-web_stack_firewall", "personas-web_stack_scale"]);
    }
  });

  it("renders the seed's CPU trigger as the CloudWatch alarm the issue names, acting on the scale responder (per-instance topology)", async () => {
    seedFleet(1, { alarmTopology: "per-instance" });
    await settled();
    expect(
      resourceNamed("aws:cloudwatch/metricAlarm:MetricAlarm", "web-web-1-cpu-utilization-above").inputs,
    ).toEqual({
      name: "personas-web_stack_web-1-cpu-utilization-above",
      alarmDescription: `HighTraffic 1.0.0: cpu-utilization > 80% for 5 minutes [personas:v1 digest=${SEED_DIGEST} alarm=cpu-utilization-above]`,
      namespace: "AWS/EC2",
      metricName: "CPUUtilization",
      statistic: "Average",
      dimensions: { InstanceId: "web-web-1-id" },
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      threshold: 80,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "missing",
      alarmActions: ["arn:aws:mock:us-east-1:123456789012:Function/web-scale"],
      okActions: ["arn:aws:mock:us-east-1:123456789012:Function/web-scale"],
      tags: { "persona:owner": "stack", "persona:fleet": "web" },
    });
    const latency = resourceNamed(
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "web-web-1-network-latency-above",
    );
    expect(latency.inputs).toMatchObject({
      namespace: "Personas/Agent",
      metricName: "NetworkLatency",
      threshold: 100,
      evaluationPeriods: 1,
      alarmActions: ["arn:aws:mock:us-east-1:123456789012:Function/web-feature"],
    });
  });

  it("creates the instance with the planned type, the fleet's profile and the persona tags", async () => {
    seedFleet(1, { instances: [{ name: "web-1", tags: { team: "edge" } }] });
    await settled();
    const { userData, ...inputs } = resourceNamed("aws:ec2/instance:Instance", "web-web-1").inputs;
    expect(inputs).toEqual({
      ami: "ami-0123456789abcdef0",
      instanceType: "m7g.2xlarge",
      iamInstanceProfile: "personas-web_stack_instance",
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required" },
      monitoring: true,
      tags: {
        Name: "web-1",
        team: "edge",
        "persona:name": "HighTraffic",
        "persona:version": "1.0.0",
        "persona:digest": SEED_DIGEST,
        "persona:active": "HighTraffic",
        "persona:fleet": "web",
      },
    });
    // Amazon Linux 2023 names (redis6, unit redis6); Prometheus is not packaged there, so it is
    // reported as failed without an attempt, and the other packages still install.
    expect(userData).toContain(
      "{ dnf install -y 'nginx' && systemctl enable --now 'nginx'; } || personas_failed 'Nginx'\n" +
        "{ dnf install -y 'redis6' && systemctl enable --now 'redis6'; } || personas_failed 'Redis'\n" +
        "personas_failed 'Prometheus (not packaged on amazon-linux)'\n",
    );
    // The agents come first: telemetry does not depend on the SoftwareStack.
    const text = userData as string;
    expect(text.indexOf("personas-agent.service")).toBeLessThan(text.indexOf("# SoftwareStack"));
    expect(text.indexOf("amazon-cloudwatch-agent")).toBeLessThan(text.indexOf("# SoftwareStack"));
    // The agent comes from the stack's own bucket, never a registry, and runs only if its digest matches.
    const bundle = readAgentBundle({ component: "test", name: "web" });
    expect(text).toContain(
      `personas_aws s3 'https://web-agent-id.s3.'"\${REGION}"'.amazonaws.com/${agentObjectKey(bundle)}'`,
    );
    expect(text).toContain(`echo '${bundle.sha256}  /tmp/personas-agent.cjs' | sha256sum -c -\n`);
    expect(text).not.toContain("registry.npmjs.org");
  });

  it("ignores the attributes responders own and parents every child to the fleet", async () => {
    const { seen, transformations } = optionRecorder();
    seedFleet(2, { transformations } as never);
    await settled();
    const children = seen.filter((s) => s.type !== "personas:aws:PersonaFleet");
    expect(children.every((s) => s.parent === "web")).toBe(true);
    expect(children.filter((s) => s.type === "aws:ec2/instance:Instance")).toEqual([
      {
        type: "aws:ec2/instance:Instance",
        name: "web-web-1",
        parent: "web",
        ignoreChanges: ["instanceType", 'tags["persona:active"]', 'tags["persona:isolated"]'],
      },
      {
        type: "aws:ec2/instance:Instance",
        name: "web-web-2",
        parent: "web",
        ignoreChanges: ["instanceType", 'tags["persona:active"]', 'tags["persona:isolated"]'],
      },
    ]);
    expect(children.filter((s) => s.type === "aws:wafv2/ipSet:IpSet").map((s) => s.ignoreChanges)).toEqual([
      ["addresses"],
      ["addresses"],
    ]);
  });

  it("lets CloudWatch alarms invoke each alarm responder through one permission with a source-ARN pattern", async () => {
    seedFleet(10);
    await settled();
    expect(resourcesOfType("aws:lambda/permission:Permission").map((p) => [p.name, p.inputs])).toEqual([
      [
        "web-feature-alarms",
        {
          action: "lambda:InvokeFunction",
          function: "personas-web_stack_feature",
          principal: "lambda.alarms.cloudwatch.amazonaws.com",
          sourceAccount: "123456789012",
          sourceArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:personas-web_stack_*",
        },
      ],
      [
        "web-scale-alarms",
        {
          action: "lambda:InvokeFunction",
          function: "personas-web_stack_scale",
          principal: "lambda.alarms.cloudwatch.amazonaws.com",
          sourceAccount: "123456789012",
          sourceArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:personas-web_stack_*",
        },
      ],
    ]);
  });

  it("deploys each responder with prebuilt code, a current runtime, logs and an on-failure queue, reserving no concurrency unless asked", async () => {
    seedFleet(1);
    await settled();
    const { code: _code, role, ...scale } = resourceNamed("aws:lambda/function:Function", "web-scale").inputs;
    expect(role).toBe("arn:aws:mock:us-east-1:123456789012:Role/web-scale");
    expect(scale).toEqual({
      name: "personas-web_stack_scale",
      description: "pulumi-personas web: scale responder",
      runtime: "nodejs22.x",
      handler: "index.handler",
      memorySize: 256,
      timeout: 600,
      loggingConfig: { logFormat: "JSON", logGroup: "/aws/lambda/personas-web_stack_scale" },
      environment: {
        variables: {
          FLEET_BUCKET: "web-store-id",
          STATE_TABLE: "personas-web_stack_state",
          STACK_NAME: "stack",
          FLEET_NAME: "web",
          FLEET_TAG_KEY: "persona:fleet",
          METRICS_NAMESPACE: "Personas/Responders",
          RESPONDER_KIND: "scale",
          RESIZE_STATE_MACHINE_ARN: "arn:aws:mock:us-east-1:123456789012:StateMachine/web-resize",
          RESIZE_TIMEOUT_SECONDS: "9300",
        },
      },
      tags: { "persona:fleet": "web" },
    });
    expect(resourceNamed("aws:cloudwatch/logGroup:LogGroup", "web-scale").inputs).toEqual({
      name: "/aws/lambda/personas-web_stack_scale",
      retentionInDays: 30,
      tags: { "persona:fleet": "web" },
    });
    expect(
      resourceNamed("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "web-scale").inputs,
    ).toEqual({
      functionName: "personas-web_stack_scale",
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: {
        onFailure: { destination: "arn:aws:mock:us-east-1:123456789012:Queue/web-failures" },
      },
    });
    // Where the feed is enforced is in its fleet store entry, not in the function's environment.
    const firewall = resourceNamed("aws:lambda/function:Function", "web-firewall").inputs as {
      environment: { variables: Record<string, string> };
    };
    expect(Object.keys(firewall.environment.variables).sort()).toEqual([
      "FLEET_BUCKET",
      "FLEET_NAME",
      "FLEET_TAG_KEY",
      "METRICS_NAMESPACE",
      "RESPONDER_KIND",
      "STACK_NAME",
      "STATE_TABLE",
    ]);
    const feed = resourceNamed(
      "aws:s3/bucketObjectv2:BucketObjectv2",
      "web-feed-HighTraffic-threatintel-example-com",
    ).inputs as { key: string; content: string };
    expect(feed.key).toBe("manifest/feeds/HighTraffic-threatintel-example-com.json");
    expect(JSON.parse(feed.content).enforcement).toEqual({
      waf: {
        scope: "REGIONAL",
        ipv4: {
          id: "web-HighTraffic-threatintel-example-com-ipv4-id",
          name: "personas-web_stack_HighTraffic-threatintel-example-com-ipv4",
          arn: "arn:aws:mock:us-east-1:123456789012:IpSet/web-HighTraffic-threatintel-example-com-ipv4",
        },
        ipv6: {
          id: "web-HighTraffic-threatintel-example-com-ipv6-id",
          name: "personas-web_stack_HighTraffic-threatintel-example-com-ipv6",
          arn: "arn:aws:mock:us-east-1:123456789012:IpSet/web-HighTraffic-threatintel-example-com-ipv6",
        },
      },
    });
  });

  it("keeps responder state in a pay-per-request table with a TTL and point-in-time recovery", async () => {
    seedFleet(1);
    await settled();
    expect(resourceNamed("aws:dynamodb/table:Table", "web-state").inputs).toEqual({
      name: "personas-web_stack_state",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      attributes: [
        { name: "pk", type: "S" },
        { name: "sk", type: "S" },
      ],
      ttl: { attributeName: "expiresAt", enabled: true },
      pointInTimeRecovery: { enabled: true },
      tags: { "persona:fleet": "web" },
    });
    const manifest = resourceNamed("aws:s3/bucketObjectv2:BucketObjectv2", "web-manifest").inputs;
    expect(manifest.key).toBe("manifest/fleet.json");
    expect(Object.keys(JSON.parse(manifest.content as string).personas)).toEqual([SEED_DIGEST]);
  });

  it("schedules the threat feed every 5 minutes into the firewall responder and blocks through WAF IP sets", async () => {
    seedFleet(1);
    await settled();
    expect(
      resourceNamed("aws:scheduler/schedule:Schedule", "web-HighTraffic-threatintel-example-com").inputs,
    ).toEqual({
      name: "personas-web_stack_HighTraffic-threatintel-example-com",
      description: "pulumi-personas web: fetch https://threatintel.example.com/latest_ips",
      scheduleExpression: "rate(5 minutes)",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: "arn:aws:mock:us-east-1:123456789012:Function/web-firewall",
        roleArn: "arn:aws:mock:us-east-1:123456789012:Role/web-scheduler",
        input: '{"source":"personas.feed","fleet":"web","feedId":"HighTraffic-threatintel-example-com"}',
        retryPolicy: { maximumRetryAttempts: 0 },
        deadLetterConfig: { arn: "arn:aws:mock:us-east-1:123456789012:Queue/web-failures" },
      },
    });
    expect(
      resourcesOfType("aws:wafv2/ipSet:IpSet").map((s) => [
        s.inputs.ipAddressVersion,
        s.inputs.scope,
        s.inputs.addresses,
      ]),
    ).toEqual([
      ["IPV4", "REGIONAL", []],
      ["IPV6", "REGIONAL", []],
    ]);
    expect(resourcesOfType("aws:wafv2/webAclRule:WebAclRule")[0]!.inputs).toMatchObject({
      webAclArn: WEB_ACL,
      priority: defaultRulePriority("web"),
      action: { block: {} },
    });
  });
});

describe("PersonaFleet IAM", () => {
  it("gives instances only the CloudWatch agent and SSM managed policies, through one profile per fleet", async () => {
    seedFleet(10);
    await settled();
    expect(resourcesOfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs)).toEqual(
      [
        {
          role: "personas-web_stack_instance",
          policyArn: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
        },
        {
          role: "personas-web_stack_instance",
          policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        },
      ],
    );
    expect(resourcesOfType("aws:iam/instanceProfile:InstanceProfile")).toHaveLength(1);
  });

  it("scopes every responder: no iam action, and nothing mutating on * or on instances without the fleet-tag condition", async () => {
    seedFleet(1);
    await settled();
    const statements = Object.values(policies()).flatMap((p) => p.Statement);
    expect(statements.flatMap((s) => s.Action).filter((a) => a.startsWith("iam:"))).toEqual([]);
    // Which statements write on a broad resource, by the test's own reading of the actions (not
    // production's isReadOnly), and the exact condition each must carry.
    const READ_ACTION = /^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]*$/;
    const broadWrites = statements.filter(
      (statement) =>
        ([] as string[]).concat(statement.Resource).some((r) => r === "*" || r.endsWith(":instance/*")) &&
        !statement.Action.every((action) => READ_ACTION.test(action)),
    );
    const fleetTag = { StringEquals: { "aws:ResourceTag/persona:fleet": "web" } };
    expect([...new Set(broadWrites.map((s) => JSON.stringify([s.Sid, s.Condition ?? null])))].sort()).toEqual(
      [
        ["PublishResponderMetrics", { StringEquals: { "cloudwatch:namespace": "Personas/Responders" } }],
        ["ResizeFleetInstances", fleetTag],
        ["SendCommandToFleetInstances", fleetTag],
      ]
        .map((entry) => JSON.stringify(entry))
        .sort(),
    );
    expect(policies()["web-scale"]!.Statement.slice(0, 2)).toEqual([
      {
        Sid: "DescribeInstances",
        Effect: "Allow",
        Action: [
          "ec2:DescribeInstanceStatus",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeInstances",
          "ec2:DescribeSpotInstanceRequests",
        ],
        Resource: "*",
      },
      {
        Sid: "StartResizeWorkflow",
        Effect: "Allow",
        Action: ["states:ListExecutions", "states:StartExecution"],
        Resource: "arn:aws:mock:us-east-1:123456789012:StateMachine/web-resize",
      },
    ]);
    // The scale function itself stops, starts and changes nothing: the workflow's role does, on the fleet only.
    const responderStatements = Object.entries(policies())
      .filter(([name]) => name !== "web-resize")
      .flatMap(([, p]) => p.Statement);
    expect(
      responderStatements.filter((s) => s.Action.some((a) => /^ec2:(Stop|Start|Modify)/.test(a))),
    ).toEqual([]);
    expect(policies()["web-resize"]).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ResizeFleetInstances",
          Effect: "Allow",
          Action: ["ec2:ModifyInstanceAttribute", "ec2:StartInstances", "ec2:StopInstances"],
          Resource: "arn:aws:ec2:us-east-1:123456789012:instance/*",
          Condition: { StringEquals: { "aws:ResourceTag/persona:fleet": "web" } },
        },
        { Sid: "DescribeInstances", Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" },
      ],
    });
    expect(policies()["web-firewall"]!.Statement[0]).toEqual({
      Sid: "UpdateFleetIpSets",
      Effect: "Allow",
      Action: ["wafv2:GetIPSet", "wafv2:UpdateIPSet"],
      Resource: [
        "arn:aws:mock:us-east-1:123456789012:IpSet/web-HighTraffic-threatintel-example-com-ipv4",
        "arn:aws:mock:us-east-1:123456789012:IpSet/web-HighTraffic-threatintel-example-com-ipv6",
      ],
    });
  });
});

describe("PersonaFleet resize workflow", () => {
  it("creates one Standard state machine with the resize definition, its role trusted by Step Functions of this account only", async () => {
    seedFleet(2);
    await settled();
    const machine = resourceNamed("aws:sfn/stateMachine:StateMachine", "web-resize").inputs;
    expect(machine).toEqual({
      name: "personas-web_stack_resize",
      type: "STANDARD",
      roleArn: "arn:aws:mock:us-east-1:123456789012:Role/web-resize",
      definition: JSON.stringify(resizeDefinition()),
      tags: { "persona:fleet": "web" },
    });
    expect(JSON.parse(machine.definition as string).TimeoutSeconds).toBe(resizeTimeoutSeconds());
    expect(
      JSON.parse(resourceNamed("aws:iam/role:Role", "web-resize").inputs.assumeRolePolicy as string),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "states.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        },
      ],
    });
  });

  it("creates no state machine for a fleet whose personas never scale", async () => {
    new PersonaFleet("quiet", {
      ami: "ami-1",
      defaultPersona: personaOf(
        "Name: Quiet\nTelemetryTriggers:\n  - Condition: CPU > 90% for 5 minutes\n    Action: Notify ops\n",
      ),
      instances: [{ name: "q-1" }],
      notifications: { ops: "arn:aws:sns:us-east-1:123456789012:ops" },
    });
    await settled();
    expect(resourcesOfType("aws:sfn/stateMachine:StateMachine")).toEqual([]);
  });
});

describe("PersonaFleet user data", () => {
  const pinned = personaOf(
    "Name: Pinned\nSoftwareStack:\n  - Nginx 1.24\n  - Redis\nTelemetryTriggers:\n  - Condition: Memory > 90% for 10 minutes\n    Action: Scale up to 16 cores\n  - Condition: Network Latency > 200ms\n    Action: Scale up to 16 cores\n",
  );

  it("installs the pinned packages with apt on Ubuntu and enables their services", async () => {
    new PersonaFleet("api", {
      ami: "ami-1",
      os: "ubuntu",
      defaultPersona: pinned,
      instances: [{ name: "api-1" }],
    });
    await settled();
    const userData = resourceNamed("aws:ec2/instance:Instance", "api-api-1").inputs.userData as string;
    expect(userData).toContain(
      "{ apt-get install -y --no-install-recommends 'nginx=1.24*' && systemctl enable --now 'nginx'; } || personas_failed 'Nginx'\n" +
        "{ apt-get install -y --no-install-recommends 'redis-server' && systemctl enable --now 'redis-server'; } || personas_failed 'Redis'\n",
    );
  });

  it("pins with dnf on Amazon Linux", async () => {
    new PersonaFleet("api", {
      ami: "ami-1",
      os: "amazon-linux",
      defaultPersona: pinned,
      instances: [{ name: "api-1" }],
    });
    await settled();
    expect(resourceNamed("aws:ec2/instance:Instance", "api-api-1").inputs.userData).toContain(
      "{ dnf install -y 'nginx-1.24*' && systemctl enable --now 'nginx'; } || personas_failed 'Nginx'\n",
    );
  });

  it("configures the CloudWatch agent for exactly the memory metric, aggregated to InstanceId", async () => {
    new PersonaFleet("api", {
      ami: "ami-1",
      os: "ubuntu",
      defaultPersona: pinned,
      instances: [{ name: "api-1" }],
    });
    await settled();
    const userData = resourceNamed("aws:ec2/instance:Instance", "api-api-1").inputs.userData as string;
    const config = userData.split("<<'PERSONAS_CWAGENT_CONFIG'\n")[1]!.split("\nPERSONAS_CWAGENT_CONFIG")[0]!;
    expect(JSON.parse(config)).toEqual({
      agent: { metrics_collection_interval: 60, run_as_user: "root" },
      metrics: {
        namespace: "CWAgent",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudWatch agent's own placeholder
        append_dimensions: { InstanceId: "${aws:InstanceId}" },
        aggregation_dimensions: [["InstanceId"]],
        metrics_collected: { mem: { measurement: ["used_percent"], metrics_collection_interval: 60 } },
      },
    });
    expect(userData).toContain(
      "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json",
    );
  });

  it("installs the personas agent, publishing NetworkLatency with the instance id filled in at boot", async () => {
    new PersonaFleet("api", {
      ami: "ami-1",
      os: "ubuntu",
      defaultPersona: pinned,
      instances: [{ name: "api-1" }],
    });
    await settled();
    const userData = resourceNamed("aws:ec2/instance:Instance", "api-api-1").inputs.userData as string;
    const bundle = readAgentBundle({ component: "test", name: "api" });
    const object = resourceNamed("aws:s3/bucketObjectv2:BucketObjectv2", "api-agent").inputs;
    expect(object.key).toBe(agentObjectKey(bundle));
    expect(userData).toContain(`echo '${bundle.sha256}  /tmp/personas-agent.cjs' | sha256sum -c -\n`);
    // The instance role may read that one object and nothing else in the bucket.
    expect(
      JSON.parse(
        resourceNamed("aws:iam/rolePolicy:RolePolicy", "api-instance-agent").inputs.policy as string,
      ),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: ["arn:aws:mock:us-east-1:123456789012:BucketObjectv2/api-agent"],
        },
      ],
    });
    const config = userData.split("<<'PERSONAS_AGENT_CONFIG'\n")[1]!.split("\nPERSONAS_AGENT_CONFIG")[0]!;
    expect(JSON.parse(config)).toEqual({
      version: 1,
      dimensions: { InstanceId: "__PERSONAS_INSTANCE_ID__" },
      metrics: [{ name: "NetworkLatency", signal: "probe.latency", period: 60 }],
      probes: { targets: [{ name: "local-http", kind: "http", url: "http://127.0.0.1/" }] },
    });
    expect(userData).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable
      'sed -i "s/__PERSONAS_INSTANCE_ID__/${INSTANCE_ID}/" /etc/personas-agent/config.json\nsystemctl daemon-reload\nsystemctl enable --now personas-agent.service\n',
    );
  });
});

describe("PersonaFleet bad input fails at preview", () => {
  it("names the instance no persona matches and the ways to give it one", () => {
    const act = () =>
      new PersonaFleet("web", { ami: "ami-1", instances: [{ name: "db-1", tags: { role: "db" } }] });
    expect(act).toThrow(NoPersonaError);
    expect(act).toThrow(
      "PersonaFleet 'web': instance 'db-1': it names no persona and the component has no resolver or default persona (tags {role=db}). Fix: give the instance a persona (`persona`), add a mapping rule that matches its tags, or set `defaultPersona` on the component.",
    );
  });

  it("reports a resolver that matches nothing with the instance's tags", () => {
    const act = () =>
      new PersonaFleet("web", {
        ami: "ami-1",
        resolve: () => undefined,
        instances: [{ name: "db-1", tags: { role: "db" } }],
      });
    expect(act).toThrow(
      "PersonaFleet 'web': instance 'db-1': no mapping rule matches its tags {role=db}. Fix: give the instance a persona (`persona`), add a mapping rule that matches its tags, or set `defaultPersona` on the component.",
    );
  });

  it("refuses an instance claimed by two personas", () => {
    const act = () =>
      new PersonaFleet("web", {
        ami: "ami-1",
        firewall: { webAclArn: WEB_ACL },
        instances: [{ name: "web-1", persona: seedPersona, tags: { "persona:name": "LockedDown" } }],
      });
    expect(act).toThrow(PersonaConflictError);
    expect(act).toThrow(
      "PersonaFleet 'web': instance 'web-1': it is given persona HighTraffic but its tag persona:name=LockedDown names another. Fix: remove the persona:name tag (the library writes it) or give the instance persona LockedDown.",
    );
  });

  it("refuses a WAF feed without a web ACL, naming the first instance that needs it", () => {
    const act = () =>
      new PersonaFleet("web", { ami: "ami-1", defaultPersona: seedPersona, instances: [{ name: "web-1" }] });
    expect(act).toThrow(MissingTargetError);
    expect(act).toThrow(
      "PersonaFleet 'web': instance 'web-1': its persona HighTraffic feed 'threatintel-example-com' (https://threatintel.example.com/latest_ips) updates a firewall list, and the component has no place to enforce it. Fix: pass firewall.webAclArn (a WAF web ACL; lists up to 10,000 CIDRs per IP version) or firewall.networkAclId (a network ACL; lists up to 18 entries).",
    );
  });

  it("refuses both a web ACL and a network ACL", () => {
    const act = () => seedFleet(1, { firewall: { webAclArn: WEB_ACL, networkAclId: "acl-0123" } });
    expect(act).toThrow(
      "PersonaFleet 'web': Only one of [firewall.webAclArn] and [firewall.networkAclId] can be specified. Fix: keep the web ACL for lists longer than 18 entries, or the network ACL for short lists.",
    );
  });

  it("asks for an SNS topic for every channel the personas notify", () => {
    const paging = personaOf(
      "Name: Paging\nTelemetryTriggers:\n  - Condition: CPU > 95% for 5 minutes\n    Action: Notify ops-team\n",
    );
    const act = () =>
      new PersonaFleet("web", { ami: "ami-1", defaultPersona: paging, instances: [{ name: "web-1" }] });
    expect(act).toThrow(
      "PersonaFleet 'web': its personas notify 'ops-team' but `notifications` maps no SNS topic to it. Fix: pass notifications: { \"ops-team\": topic.arn }.",
    );
  });

  it("refuses two instances with one name", () => {
    const act = () => seedFleet(1, { instances: [{ name: "web-1" }, { name: "web-1" }] });
    expect(act).toThrow(
      "PersonaFleet 'web': instance 'web-1': two instances have this name. Fix: give every instance of the fleet its own name.",
    );
  });
});

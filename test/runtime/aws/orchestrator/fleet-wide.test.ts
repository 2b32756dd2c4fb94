/**
 * The orchestrator and fleet-wide alarms (issue 18), against moto: when the stack deployed a persona's
 * alarms as fleet-wide Metrics Insights alarms (the fleet manifest marks them `fleetWide`), applying
 * that persona to a member at run time creates no alarm for them; the rule's query already covers the
 * instance. A persona the stack did not deploy fleet-wide still gets its run-time alarms. The manifest
 * PersonaFleet writes by default is such a stack's.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { PersonaFleet } from "../../../../src/aws/fleet.js";
import { buildManifest, FLEET_STORE_KEYS } from "../../../../src/plan/manifest.js";
import { planTopology } from "../../../../src/plan/topology.js";
import { createOrchestratorHandler } from "../../../../src/runtime/aws/orchestrator/handler.js";
import { WEB_ACL } from "../../../aws/support.js";
import { noMoto, resetMoto } from "../../../support/moto.js";
import { recorder, resourceNamed, settled } from "../../../support/pulumi.js";
import { FLEET_BUCKET } from "../support.js";
import {
  ENV,
  expected,
  FLEET,
  launch,
  motoClients,
  prepareAccount,
  runtimeAlarmNames,
  STACK,
} from "./support.js";

const lambda = mockClient(LambdaClient);
afterAll(() => lambda.restore());

describe.skipIf(noMoto)("Orchestrator with fleet-wide alarms", () => {
  const clients = motoClients();
  const handler = () =>
    createOrchestratorHandler({ env: ENV, clientConfig: clients.config, logSink: () => {} });
  const tagEvent = (instanceId: string) => ({
    version: "0",
    id: "a1b2",
    "detail-type": "Tag Change on Resource",
    source: "aws.tag",
    account: "123456789012",
    time: "2025-01-09T11:37:48Z",
    region: "us-east-1",
    resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}`],
    detail: {
      "changed-tag-keys": ["role"],
      service: "ec2",
      "resource-type": "instance",
      version: 1,
      tags: {},
    },
  });

  /** The fleet manifest a stack writes when it deployed `plan`'s persona with the given topology. */
  async function deployed(plan: ReturnType<typeof expected>["plan"], alarms: "fleet-wide" | "per-instance") {
    const manifest = buildManifest({
      fleet: FLEET,
      personas: [plan],
      instances: [],
      responders: [],
      feeds: [],
      features: [],
      alarmTopology: planTopology([{ persona: plan.persona, alarms: plan.alarms, instances: 1 }], { alarms }),
    });
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: FLEET_BUCKET,
        Key: FLEET_STORE_KEYS.fleet,
        Body: JSON.stringify(manifest),
      }),
    );
  }

  beforeEach(async () => {
    await resetMoto();
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await prepareAccount(clients);
  });

  it("creates no run-time alarm for the alarms the stack deployed fleet-wide", async () => {
    const web = expected({ role: "web" });
    await deployed(web.plan, "fleet-wide");
    const [id] = await launch(clients, { role: "web" });
    const summary = await handler()(tagEvent(id!));
    expect(summary.instances[0]).toMatchObject({ status: "applied", persona: `${web.name}@${web.version}` });
    expect(summary.instances[0]!.changes.filter((c) => c.startsWith("alarm:"))).toEqual([]);
    expect(await runtimeAlarmNames(clients.cloudwatch, id!)).toEqual([]);
  });

  it("creates no run-time alarm for the alarms of a persona PersonaFleet deployed with its default topology", async () => {
    const web = expected({ role: "web" });
    recorder.reset();
    new PersonaFleet(FLEET, {
      ami: "ami-0123456789abcdef0",
      defaultPersona: web.resolved,
      instances: [{ name: "web-1", tags: { role: "web" } }],
      firewall: { webAclArn: WEB_ACL },
      agent: { logFiles: [{ name: "nginx", path: "/var/log/nginx/access.log", errorPattern: '" 5\\d\\d ' }] },
      notifications: { "ops-team": "arn:aws:sns:us-east-1:123456789012:ops-team" },
    });
    await settled();
    // The manifest object exactly as the component registered it (src/aws/store.ts).
    const manifest = resourceNamed("aws:s3/bucketObjectv2:BucketObjectv2", `${FLEET}-manifest`).inputs;
    expect(manifest.key).toBe(FLEET_STORE_KEYS.fleet);
    recorder.reset();
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: FLEET_BUCKET,
        Key: FLEET_STORE_KEYS.fleet,
        Body: manifest.content as string,
      }),
    );
    const [id] = await launch(clients, { role: "web" });
    const summary = await handler()(tagEvent(id!));
    expect(summary.instances[0]).toMatchObject({ status: "applied", persona: `${web.name}@${web.version}` });
    expect(summary.instances[0]!.changes.filter((c) => c.startsWith("alarm:"))).toEqual([]);
    expect(await runtimeAlarmNames(clients.cloudwatch, id!)).toEqual([]);
  });

  it("still creates the run-time alarms of a persona the stack deployed per instance", async () => {
    const web = expected({ role: "web" });
    await deployed(web.plan, "per-instance");
    const [id] = await launch(clients, { role: "web" });
    await handler()(tagEvent(id!));
    expect(await runtimeAlarmNames(clients.cloudwatch, id!)).toEqual(
      web.alarmIds.map((a) => `personas-${FLEET}_${STACK}_runtime-${id}-${a}`).sort(),
    );
  });
});
